"""Delay distribution matrices (characteristic functions of the synaptic delays).

Independent references used here:
- Monte-Carlo averages of exp(-i omega d) over delays sampled with numpy/scipy.stats
  (fixed seed; tolerance 5 standard errors of the sample mean);
- mpmath quadrature of density(d) * exp(-i omega d) over d (gaussian, truncated gaussian,
  lognormal on the real line of the underlying normal variable);
- scipy.integrate.quad's Fourier-integral routine (QUADPACK QAWF) for lognormal delays at
  high frequencies;
- the closed form of the truncated gaussian (completing the square) evaluated in 50-digit
  mpmath, where double precision overflows;
- exact limits (omega = 0, sd -> 0) and the symmetry D(-omega) = conj D(omega).
"""

from __future__ import annotations

import warnings
from types import SimpleNamespace

import mpmath as mp
import numpy as np
import pytest
from scipy import integrate, stats

from neuromf.network_properties import (
    DELAY_DISTRIBUTIONS,
    _delay_dist_matrix,
    delay_dist_matrix,
)

KINDS = ["none", "gaussian", "truncated_gaussian", "lognormal"]


def _lognormal_underlying(mean, sd):
    sigma2 = np.log1p((sd / mean) ** 2)
    return np.log(mean) - 0.5 * sigma2, np.sqrt(sigma2)


def _sample(kind, mean, sd, n, rng):
    if kind == "none":
        return np.full(n, mean)
    if kind == "gaussian":
        return rng.normal(mean, sd, n)
    if kind == "truncated_gaussian":
        return stats.truncnorm.rvs(-mean / sd, np.inf, loc=mean, scale=sd, size=n,
                                   random_state=rng)
    m, s = _lognormal_underlying(mean, sd)
    return rng.lognormal(m, s, n)


@pytest.mark.parametrize("kind", KINDS)
def test_against_monte_carlo(kind):
    # E[exp(-i w d)] estimated from 4e5 samples; |error| < 5 standard errors (real and
    # imaginary part separately).  Delays 1.5 ms / 0.75 ms with sd 1 ms / 0.5 ms.
    rng = np.random.default_rng(20240501)
    Delay = np.array([[1.5e-3, 0.75e-3], [1.5e-3, 0.75e-3]])
    Delay_sd = np.array([[1.0e-3, 0.5e-3], [1.0e-3, 0.5e-3]])
    omegas = 2 * np.pi * np.array([3.0, 80.0, 250.0, 700.0])
    D = _delay_dist_matrix(Delay, Delay_sd, kind, omegas)
    assert D.shape == (4, 2, 2)
    for col in range(2):
        d = _sample(kind, Delay[0, col], Delay_sd[0, col], 400_000, rng)
        phase = np.exp(-1j * omegas[:, None] * d[None, :])
        mc = phase.mean(axis=1)
        se_re = phase.real.std(axis=1) / np.sqrt(d.size) + 1e-15
        se_im = phase.imag.std(axis=1) / np.sqrt(d.size) + 1e-15
        assert np.all(np.abs(D[:, 0, col].real - mc.real) < 5 * se_re)
        assert np.all(np.abs(D[:, 0, col].imag - mc.imag) < 5 * se_im)
        np.testing.assert_array_equal(D[:, 0, col], D[:, 1, col])


def _mp_density_cf(pdf, lo, hi, omega, n_pieces):
    pts = mp.linspace(lo, hi, n_pieces)
    re = mp.quad(lambda d: pdf(d) * mp.cos(omega * d), pts)
    im = -mp.quad(lambda d: pdf(d) * mp.sin(omega * d), pts)
    return complex(re + 1j * im)


@pytest.mark.parametrize("kind", ["gaussian", "truncated_gaussian"])
def test_gaussians_against_mpmath_quadrature(kind):
    # Direct quadrature of the (truncated, renormalised) normal density.
    mean, sd = 1.0e-3, 0.8e-3
    omegas = 2 * np.pi * np.array([0.5, 40.0, 300.0, 1000.0])
    D = _delay_dist_matrix(np.array([[mean]]), np.array([[sd]]), kind, omegas)[:, 0, 0]
    with mp.workdps(18):
        norm = mp.npdf
        if kind == "gaussian":
            lo, z = mean - 14 * sd, mp.mpf(1)
        else:
            lo, z = 0.0, 1 - mp.ncdf(0, mean, sd)
        for w, value in zip(omegas, D, strict=True):
            ref = _mp_density_cf(lambda d: norm(d, mean, sd) / z, lo, mean + 14 * sd, w, 30)
            assert abs(value - ref) < 1e-13, (w, value, ref)


def _mp_lognormal_cf(a, s):
    """E[exp(-i a exp(s z))], z standard normal, by quadrature on the real z line."""
    with mp.workdps(18):
        def f(z):
            return mp.exp(-z * z / 2 - 1j * a * mp.exp(s * z)) / mp.sqrt(2 * mp.pi)
        return complex(mp.quad(f, mp.linspace(-10, 10, 41)))


@pytest.mark.parametrize("mean, sd, freq", [
    (1.5e-3, 1.5e-5, 500.0), (1.5e-3, 1.5e-4, 200.0), (1.5e-3, 7.5e-4, 100.0),
    (1.5e-3, 1.5e-3, 50.0), (0.75e-3, 1.5e-3, 20.0)])
def test_lognormal_against_mpmath_quadrature(mean, sd, freq):
    # The lognormal delay is d = exp(m + s z); the reference integrates over z on the
    # real axis (no contour shift) at frequencies where the oscillation is resolvable.
    m, s = _lognormal_underlying(mean, sd)
    omega = 2 * np.pi * freq
    D = _delay_dist_matrix(np.array([[mean]]), np.array([[sd]]), "lognormal", [omega])
    ref = _mp_lognormal_cf(omega * np.exp(m), s)
    assert abs(D[0, 0, 0] - ref) < 1e-13, (D[0, 0, 0], ref)


@pytest.mark.parametrize("ratio", [0.75, 1.0, 2.0, 5.0])
def test_lognormal_high_frequency_against_qawf(ratio):
    # Fourier integral of the lognormal density on [0, inf) by QUADPACK's QAWF (an
    # independent oscillatory method), up to omega * mean = 3000.  QAWF itself is
    # accurate to ~1e-10 here.
    # Work in units of exp(m) (the median delay) so that QAWF's cycles are O(1).
    mean = 1e-3
    sd = ratio * mean
    m, s = _lognormal_underlying(mean, sd)

    def pdf(x):
        return stats.lognorm.pdf(x, s)

    omegas = np.array([10.0, 300.0, 3e3, 3e4, 3e5, 3e6])
    D = _delay_dist_matrix(np.array([[mean]]), np.array([[sd]]), "lognormal", omegas)
    for w, value in zip(omegas * np.exp(m), D[:, 0, 0], strict=True):
        re = integrate.quad(pdf, 0, np.inf, weight="cos", wvar=w, limlst=200)[0]
        im = -integrate.quad(pdf, 0, np.inf, weight="sin", wvar=w, limlst=200)[0]
        assert abs(value - (re + 1j * im)) < 1e-9, (ratio, w)


def test_truncated_gaussian_stays_finite_at_large_omega_sd():
    # exp(-i w mu - (w sd)^2/2) erfc((-mu/sd + i w sd)/sqrt2) / erfc(-mu/(sqrt2 sd)),
    # the closed form obtained by completing the square, in 50-digit arithmetic:
    # its factors overflow/underflow in double precision for w sd > ~38.
    mean, sd = 1.0e-3, 2.0e-3
    omegas = np.array([1e4, 5e4, 2e5, 1e6])
    D = _delay_dist_matrix(np.array([[mean]]), np.array([[sd]]), "truncated_gaussian",
                           omegas)[:, 0, 0]
    assert np.all(np.isfinite(D))
    with mp.workdps(50):
        for w, value in zip(omegas, D, strict=True):
            w_, mu, s = mp.mpf(w), mp.mpf(mean), mp.mpf(sd)
            ref = (mp.exp(-1j * w_ * mu - (w_ * s) ** 2 / 2)
                   * mp.erfc((-mu / s + 1j * w_ * s) / mp.sqrt(2))
                   / mp.erfc(-mu / (mp.sqrt(2) * s)))
            assert abs(value - complex(ref)) < 1e-14 * max(1.0, abs(complex(ref)))


@pytest.mark.parametrize("kind", KINDS)
def test_unity_at_zero_and_conjugate_symmetry(kind):
    # D(0) = E[1] = 1 and D(-w) = E[exp(+i w d)] = conj D(w) for real delays.
    rng = np.random.default_rng(3)
    Delay = rng.uniform(0.2e-3, 3e-3, (3, 3))
    Delay_sd = rng.uniform(0.05e-3, 2e-3, (3, 3))
    omegas = np.array([0.0, 1.0, 100.0, 3000.0, 2e4])
    Dp = _delay_dist_matrix(Delay, Delay_sd, kind, omegas)
    Dm = _delay_dist_matrix(Delay, Delay_sd, kind, -omegas)
    np.testing.assert_allclose(Dp[0], 1.0, rtol=0, atol=1e-13)
    np.testing.assert_allclose(Dm, Dp.conj(), rtol=0, atol=1e-15)
    assert np.all(np.abs(Dp) <= 1 + 1e-12)


def test_small_sd_limits_to_fixed_delay():
    # All distributions collapse onto the fixed delay as sd -> 0; with sd = 1e-9 s the
    # deviation is O((w sd)^2) < 1e-9 at w <= 3e4 rad/s.
    Delay = np.array([[1.2e-3, 0.4e-3]])
    omegas = np.linspace(-3e4, 3e4, 7)
    fixed = np.exp(-1j * omegas[:, None, None] * Delay)
    np.testing.assert_allclose(_delay_dist_matrix(Delay, None, "none", omegas), fixed,
                               rtol=0, atol=1e-15)
    for kind in ["gaussian", "truncated_gaussian", "lognormal"]:
        D = _delay_dist_matrix(Delay, np.full_like(Delay, 1e-9), kind, omegas)
        np.testing.assert_allclose(D, fixed, rtol=0, atol=1e-9, err_msg=kind)
        D0 = _delay_dist_matrix(Delay, np.zeros_like(Delay), kind, omegas)
        np.testing.assert_allclose(D0, fixed, rtol=0, atol=1e-15, err_msg=kind)


def test_truncation_irrelevant_for_narrow_distributions():
    # P(d < 0) = Phi(-8) ~ 6e-16 for mean/sd = 8: truncated and plain gaussian agree.
    Delay, Delay_sd = np.array([[1.6e-3]]), np.array([[0.2e-3]])
    omegas = np.linspace(0, 2e4, 11)
    np.testing.assert_allclose(
        _delay_dist_matrix(Delay, Delay_sd, "truncated_gaussian", omegas),
        _delay_dist_matrix(Delay, Delay_sd, "gaussian", omegas), rtol=0, atol=1e-14)


def test_scalar_delay_and_broadcast_sd():
    D = _delay_dist_matrix(1e-3, 2e-4, "gaussian", [0.0, 100.0])
    assert D.shape == (2,)
    expected = np.exp(-1j * 100.0 * 1e-3 - 0.5 * (100.0 * 2e-4) ** 2)
    assert abs(D[1] - expected) < 1e-15
    M = _delay_dist_matrix(np.full((2, 2), 1e-3), 2e-4, "gaussian", [100.0])
    np.testing.assert_allclose(M[0], expected, rtol=1e-15)


def test_nnmt_side_by_side(nnmt):
    # NNMT agrees for 'none', 'gaussian' and 'truncated_gaussian'.  For 'lognormal' NNMT
    # returns the complex conjugate E[exp(+i w d)] (its own quad-based integration,
    # ~1e-7 accurate) and 0 instead of 1 at w = 0; the Monte-Carlo test above settles the
    # sign: for small w > 0, Im E[exp(-i w d)] = -E[sin(w d)] < 0.
    from nnmt.network_properties import _delay_dist_matrix as nnmt_ddm

    rng = np.random.default_rng(11)
    Delay = rng.uniform(0.3e-3, 3e-3, (3, 3))
    Delay_sd = rng.uniform(0.1e-3, 1.5e-3, (3, 3))
    omegas = 2 * np.pi * np.linspace(0.1, 500, 17)
    for kind in ["none", "gaussian", "truncated_gaussian"]:
        np.testing.assert_allclose(_delay_dist_matrix(Delay, Delay_sd, kind, omegas),
                                   nnmt_ddm(Delay, Delay_sd, kind, omegas),
                                   rtol=0, atol=1e-13, err_msg=kind)
    ours = _delay_dist_matrix(Delay[:1, :2], Delay_sd[:1, :2], "lognormal", omegas[:4])
    theirs = nnmt_ddm(Delay[:1, :2], Delay_sd[:1, :2], "lognormal", omegas[:4])
    np.testing.assert_allclose(ours, theirs.conj(), rtol=0, atol=1e-6)
    assert np.all(ours[1:].imag < 0)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        at_zero = nnmt_ddm(Delay[:1, :1], Delay_sd[:1, :1], "lognormal", np.array([0.0]))
    assert abs(at_zero[0, 0, 0] - 1) > 0.5
    assert _delay_dist_matrix(Delay[:1, :1], Delay_sd[:1, :1], "lognormal", [0.0]) == 1


def test_bad_inputs():
    D, S, w = np.full((2, 2), 1e-3), np.full((2, 2), 1e-4), [1.0]
    with pytest.raises(ValueError, match="delay_dist.*'none'.*'lognormal'"):
        _delay_dist_matrix(D, S, "uniform", w)
    with pytest.raises(ValueError, match="(?s)Delay must be >= 0.*s"):
        _delay_dist_matrix(-D, S, "gaussian", w)
    with pytest.raises(ValueError, match="(?s)Delay_sd must be >= 0.*s"):
        _delay_dist_matrix(D, -S, "truncated_gaussian", w)
    with pytest.raises(ValueError, match="Delay_sd.*shape"):
        _delay_dist_matrix(D, np.full((3, 3), 1e-4), "gaussian", w)
    with pytest.raises(ValueError, match="Delay_sd.*required"):
        _delay_dist_matrix(D, None, "lognormal", w)
    with pytest.raises(ValueError, match="lognormal.*Delay > 0"):
        _delay_dist_matrix(np.zeros((2, 2)), S, "lognormal", w)
    with pytest.raises(ValueError, match="omegas must be finite"):
        _delay_dist_matrix(D, S, "gaussian", [np.nan])
    with pytest.raises(ValueError, match="omegas.*1-d"):
        _delay_dist_matrix(D, S, "gaussian", np.ones((2, 2)))
    assert set(DELAY_DISTRIBUTIONS) == set(KINDS)


def _network(**network_params):
    return SimpleNamespace(network_params=network_params,
                           analysis_params={"omegas": 2 * np.pi * np.array([1.0, 10.0])},
                           results={}, results_hash_dict={}, result_units={})


def test_network_level_wrapper_caches_and_reads_frequencies():
    Delay, Delay_sd = np.full((2, 2), 1e-3), np.full((2, 2), 3e-4)
    net = _network(Delay=Delay, Delay_sd=Delay_sd, delay_dist="gaussian")
    D = delay_dist_matrix(net)
    expected = np.exp(-1j * net.analysis_params["omegas"][:, None, None] * 1e-3
                      - 0.5 * (net.analysis_params["omegas"][:, None, None] * 3e-4) ** 2)
    np.testing.assert_allclose(D, np.broadcast_to(expected, D.shape), rtol=1e-14)
    assert net.results["network_properties.delay_dist_matrix"] is D
    assert delay_dist_matrix(net) is D          # cached
    D5 = delay_dist_matrix(net, freqs=[5.0])
    np.testing.assert_allclose(D5[0], np.full((2, 2), np.exp(
        -1j * 2 * np.pi * 5e-3 - 0.5 * (2 * np.pi * 5 * 3e-4) ** 2)), rtol=1e-14)
    # a fixed delay does not need Delay_sd
    net = _network(Delay=Delay, delay_dist="none")
    assert delay_dist_matrix(net).shape == (2, 2, 2)


def test_network_level_missing_parameters():
    with pytest.raises(RuntimeError, match="Delay_sd"):
        delay_dist_matrix(_network(Delay=np.ones((1, 1)) * 1e-3, delay_dist="lognormal"))
    with pytest.raises(RuntimeError, match="'Delay'"):
        delay_dist_matrix(_network(Delay_sd=np.ones((1, 1)), delay_dist="none"))
    net = _network(Delay=np.ones((1, 1)) * 1e-3, delay_dist="none")
    net.analysis_params = {}
    with pytest.raises(RuntimeError, match="omegas"):
        delay_dist_matrix(net)
