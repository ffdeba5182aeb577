"""Tests of neuromf.spatial (connectivity profiles and the effective profile ξ(k)).

Expected values come from numerical quadrature of the profiles (mpmath), from
closed forms of elementary functions (first minimum of sin x / x at tan x = x) and
from mpmath's Lambert W function.
"""

from types import SimpleNamespace

import mpmath as mp
import numpy as np
import pytest

from neuromf import spatial as sp


def _quad_ft(density, k, support):
    """∫ p(x) cos(kx) dx by mpmath quadrature (p is even, so this is the full FT)."""
    with mp.workdps(25):
        return float(mp.quad(lambda x: density(x) * mp.cos(k * x), support, maxdegree=10))


@pytest.mark.parametrize("k", [0.0, 0.3, 1.0, 7.5, -4.2, 31.0])
@pytest.mark.parametrize("w", [0.2, 1.3])
def test_boxcar_against_quadrature(k, w):
    def p(x):
        return mp.mpf(1) / (2 * w)

    expected = _quad_ft(p, k, [-w, 0, w])
    assert sp._ft_spatial_profile_boxcar(k, w) == pytest.approx(expected, rel=1e-13, abs=1e-15)


@pytest.mark.parametrize("k", [0.0, 0.5, 2.0, 11.0])
def test_exponential_against_quadrature(k):
    w = 0.7

    def p(x):
        return mp.exp(-abs(x) / w) / (2 * w)

    expected = _quad_ft(p, k, [-mp.inf, 0, mp.inf])
    assert sp._ft_spatial_profile_exponential(k, w) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("k", [0.0, 0.5, 2.0, 3.5])
def test_gaussian_against_quadrature(k):
    w = 0.9

    def p(x):
        return mp.exp(-x**2 / (2 * w**2)) / (mp.sqrt(2 * mp.pi) * w)

    expected = _quad_ft(p, k, [-mp.inf, 0, mp.inf])
    assert sp._ft_spatial_profile_gaussian(k, w) == pytest.approx(expected, rel=1e-12)


def test_boxcar_exact_one_at_zero_and_shapes():
    # k = 0 must give exactly 1 (no 0/0), also inside arrays
    assert sp._ft_spatial_profile_boxcar(0.0, 2e-4) == 1.0
    ks = np.array([0.0, 1e3, 2e3])
    widths = np.array([2e-4, 7e-5])
    out = sp._ft_spatial_profile_boxcar(ks, widths)
    assert out.shape == (3, 2)
    assert np.all(out[0] == 1.0)
    assert out[1, 0] == pytest.approx(np.sin(0.2) / 0.2, rel=1e-15)
    assert sp._ft_spatial_profile(ks, 1.0, "gaussian").shape == (3,)


@pytest.mark.parametrize("func", [sp._ft_spatial_profile_boxcar,
                                  sp._ft_spatial_profile_exponential,
                                  sp._ft_spatial_profile_gaussian])
@pytest.mark.parametrize("width", [0.0, -1e-4, [2e-4, -1e-5]])
def test_nonpositive_width_raises(func, width):
    with pytest.raises(ValueError, match="width"):
        func(1.0, width)


def test_bad_k_and_profile_raise():
    with pytest.raises(ValueError, match="k"):
        sp._ft_spatial_profile_boxcar(np.nan, 1.0)
    with pytest.raises(ValueError, match="profile"):
        sp._ft_spatial_profile(1.0, 1.0, "triangle")


def test_effective_profile_rank_one_is_row_sum():
    # identical rows: the only non-zero eigenvalue is w_E p_E(k) + w_I p_I(k)
    W = np.array([[2.0, -3.0], [2.0, -3.0]])
    width = np.array([2e-4, 7e-5])
    ks = np.linspace(0, 1e5, 57)
    expected = 2.0 * np.sinc(ks * width[0] / np.pi) - 3.0 * np.sinc(ks * width[1] / np.pi)
    np.testing.assert_allclose(sp._effective_profile(ks, W, width), expected,
                               rtol=1e-12, atol=1e-12)


def test_xi_of_k_first_minimum_of_sinc():
    # only excitation: xi(k) = sin(k w)/(k w); first minimum where tan x = x
    w = 1e-4
    x_min = float(mp.findroot(lambda x: mp.tan(x) - x, 4.49))
    value_min = float(mp.sin(x_min) / x_min)
    ks = np.linspace(1.0, 1e5, 200001)
    xi_min, xi_max, k_min, k_max = sp._xi_of_k(ks, [[1.0, 0.0], [1.0, 0.0]], [w, w])
    assert xi_min == pytest.approx(value_min, rel=1e-9)
    assert k_min == pytest.approx(x_min / w, abs=ks[1] - ks[0])
    assert k_max == ks[0]
    assert xi_max == pytest.approx(np.sin(ks[0] * w) / (ks[0] * w), rel=1e-14)


def test_xi_of_k_warns_at_grid_edge():
    ks = np.linspace(1e3, 2e4, 20)  # minimum of sinc(k 1e-4) lies beyond 2e4
    with pytest.warns(UserWarning, match="largest wavenumber"):
        sp._xi_of_k(ks, [[1.0]], [1e-4])


def _senk_like():
    tau, d = 1.93e-3, 1.5e-3
    W = np.array([[2.7, -3.4], [2.7, -3.4]])
    width = np.array([2e-4, 7e-5])
    ks = np.arange(1e3, 1e5, 5e2)
    return ks, W, width, tau, d


def test_profile_characteristics_against_mpmath_lambertw():
    ks, W, width, tau, d = _senk_like()
    res = sp._compute_profile_characteristics(ks, W, width, tau, d)
    assert res["rho"] == pytest.approx(0.35)
    assert res["eta"] == pytest.approx(3.4 / 2.7)
    assert res["tau_delay"] == pytest.approx(tau / d)
    # independent: principal branch of (1 + λτ) e^{λd} = xi via mpmath
    for key_xi, key_lam in (("xi_min", "lambda_min"), ("xi_max", "lambda_max")):
        xi = res[key_xi]
        lam = -1 / tau + complex(mp.lambertw(xi * d / tau * mp.exp(d / tau), 0)) / d
        assert res[key_lam] == pytest.approx(lam, rel=1e-12)
    assert res["lambda_f_min"] == pytest.approx(res["lambda_min"].imag / (2 * np.pi))
    assert res["speed"] == pytest.approx(res["lambda_min"].imag / res["k_min"])
    assert res["k_f_min"] == pytest.approx(res["k_min"] / (2 * np.pi))


def test_profile_characteristics_bad_input():
    ks, W, width, tau, d = _senk_like()
    with pytest.raises(ValueError, match="E-I network"):
        sp._compute_profile_characteristics(ks, np.eye(3), [1e-4] * 3, tau, d)
    with pytest.raises(ValueError, match="delay"):
        sp._compute_profile_characteristics(ks, W, width, tau, [[d, d], [d, 2 * d]])


def _stub_network(ks, W, width, tau, d):
    return SimpleNamespace(
        network_params={"width": width, "Delay": np.full((2, 2), d),
                        "tau_rate": np.array([tau, tau]), "W_rate": W},
        analysis_params={"k_wavenumbers": ks},
        results={}, results_hash_dict={}, result_units={})


def test_network_level_functions_store_results():
    ks, W, width, tau, d = _senk_like()
    net = _stub_network(ks, W, width, tau, d)
    xi_min, xi_max, k_min, k_max = sp.xi_of_k(net)
    assert net.results["spatial.xi_min"] == xi_min
    res = sp.compute_profile_characteristics(net)
    assert res["xi_min"] == xi_min and res["k_max"] == k_max
    assert net.results["spatial.speed"] == res["speed"]
    # fit results take precedence over network parameters
    net.results["lif.exp.W_rate"] = 2 * W
    assert sp.xi_of_k(net)[0] == pytest.approx(2 * xi_min)


def test_network_level_missing_rate_model():
    ks, W, width, tau, d = _senk_like()
    net = _stub_network(ks, W, width, tau, d)
    del net.network_params["W_rate"]
    with pytest.raises(RuntimeError, match="fit_transfer_function"):
        sp.xi_of_k(net)
