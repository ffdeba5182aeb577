"""The single-network fast path (issue 15, part 3): one-pass rate derivatives, analytic
Newton steps, fewer Chebyshev points on short pieces, cache keys without rehashing.

Where the numbers come from:

* rate and derivatives: mpmath at 30 digits, from the defining integral (Siegert 1951;
  Brunel 2000, Eq. 21 with the shifted bounds of Fourcaud & Brunel 2002) and mpmath's
  numerical differentiation of it (an independent method, no formula shared with the
  code's analytic derivatives);
* the analytic Jacobian of the fixed-point residual: central finite differences of the
  residual itself (another numerical method);
* the working point with analytic steps: the finite-difference Newton path (the rate
  function wrapped so that it is not registered) and NNMT's ODE method with a tight
  tolerance where NNMT is installed;
* the grid on short pieces: direct evaluation of the same ratios (no interpolation),
  itself checked against mpmath in tests/special/test_pcf.py.
"""

from __future__ import annotations

import math
import warnings

import mpmath as mp
import numpy as np
import pytest

from neuromf import _solvers
from neuromf.lif import _general
from neuromf.lif import exp as lif
from neuromf.special import _pcf, _pcf_grid, _siegert

ALPHA = float(mp.sqrt(2) * abs(mp.zeta(mp.mpf(1) / 2)))


def _mp_rate(mu, sigma, V_0, V_th, tau_m, tau_r, tau_s):
    """Shifted Siegert rate at 30 digits from its integral (Brunel 2000, Eq. 21)."""
    with mp.workdps(30):
        off = mp.mpf(ALPHA) / 2 * mp.sqrt(mp.mpf(tau_s) / tau_m)
        y_th = (mp.mpf(V_th) - mu) / sigma + off
        y_r = (mp.mpf(V_0) - mu) / sigma + off
        integral = mp.quad(lambda u: mp.exp(u * u) * mp.erfc(-u), [y_r, 0, y_th]
                           if y_r < 0 < y_th else [y_r, y_th])
        return 1 / (tau_r + tau_m * mp.sqrt(mp.pi) * integral)


# mean-driven (fast path: y_r < 0 < y_th < 10), sub-threshold (y_th > 0 large and
# y_r > 0 cases use the general branches) and supra-threshold (y_th < 0) inputs
CASES = [(8e-3, 5e-3), (2e-3, 6e-3), (14e-3, 2e-3), (20e-3, 3e-3), (-5e-3, 4e-3),
         (1e-3, 1.5e-3)]


@pytest.mark.parametrize("mu, sigma", CASES)
def test_rate_and_derivatives_match_mpmath(mu, sigma):
    args = (0.0, 15e-3, 10e-3, 2e-3, 0.5e-3)     # V_0, V_th, tau_m, tau_r, tau_s
    nu, d_mu, d_sigma = _siegert._shift_rate_and_derivatives(
        np.array([mu]), np.array([sigma]), *args)
    with mp.workdps(30):               # central differences, O(h^2) = 1e-24 relative
        ref = _mp_rate(mu, sigma, *args)
        h = mp.mpf(1e-12)
        m, s = mp.mpf(mu), mp.mpf(sigma)
        ref_mu = (_mp_rate(m + h, s, *args) - _mp_rate(m - h, s, *args)) / (2 * h)
        ref_sigma = (_mp_rate(m, s + h, *args) - _mp_rate(m, s - h, *args)) / (2 * h)
    assert nu[0] == pytest.approx(float(ref), rel=1e-12)
    scale = float(ref) / sigma            # derivatives near a zero: absolute in nu/sigma
    assert abs(d_mu[0] - float(ref_mu)) <= 1e-11 * max(abs(float(ref_mu)), scale)
    assert abs(d_sigma[0] - float(ref_sigma)) <= 1e-11 * max(abs(float(ref_sigma)), scale)


def test_rate_and_derivatives_agree_with_the_checked_functions_and_broadcast():
    rng = np.random.default_rng(3)
    mu = rng.uniform(-10e-3, 30e-3, (5, 8))
    sigma = rng.uniform(1e-3, 8e-3, 8)
    args = (0.0, 15e-3, 10e-3, 2e-3, 0.5e-3)
    nu, d_mu, _ = _siegert._shift_rate_and_derivatives(mu, sigma, *args)
    assert nu.shape == d_mu.shape == (5, 8)
    # the checked public functions (tested against mpmath in tests/special) agree
    np.testing.assert_allclose(nu, _siegert.shift_firing_rate(mu, sigma, *args), rtol=1e-14)
    np.testing.assert_allclose(d_mu, _siegert.d_shift_firing_rate_d_mu(mu, sigma, *args),
                               rtol=1e-13)


def _microcircuit_params():
    from pathlib import Path

    import neuromf
    path = (Path(__file__).resolve().parent / "fixtures" / "nnmt_parameter_files"
            / "microcircuit_network_params.yaml")
    net = neuromf.models.Microcircuit(str(path))
    names = ["J", "K", "V_0_rel", "V_th_rel", "tau_m", "tau_r", "tau_s", "J_ext", "K_ext",
             "nu_ext"]
    return {k: net.network_params[k] for k in names}


def test_analytic_jacobian_matches_finite_differences():
    p = _microcircuit_params()
    rate_params = {k: p[k] for k in ("V_0_rel", "V_th_rel", "tau_m", "tau_r", "tau_s")}
    inputs = _general._input_dict(p["J"], p["K"], p["tau_m"], p["J_ext"], p["K_ext"],
                                  p["nu_ext"])
    phi = _solvers._make_residual(lif._firing_rate_shift, rate_params, inputs)
    assert phi.residual_and_jacobian is not None
    nu = np.array([0.9, 3.0, 4.5, 5.5, 7.0, 8.5, 1.2, 7.5])
    f, jac = phi.residual_and_jacobian(nu)
    np.testing.assert_allclose(f, phi(nu) - nu, rtol=1e-13, atol=1e-13)
    fd = np.empty_like(jac)
    for b in range(nu.size):            # central differences, step 1e-5 Hz
        step = np.zeros_like(nu)
        step[b] = 1e-5
        fd[:, b] = ((phi(nu + step) - nu - step) - (phi(nu - step) - nu + step)) / 2e-5
    np.testing.assert_allclose(jac, fd, rtol=1e-6, atol=1e-7 * np.abs(jac).max())


def test_working_point_with_analytic_steps_equals_the_finite_difference_path():
    p = _microcircuit_params()
    fast = lif._firing_rates(**p)

    def unregistered(**kwargs):          # same rates, but no registered derivatives
        return lif._firing_rate_shift(**kwargs)

    rate_params = {k: p[k] for k in ("V_0_rel", "V_th_rel", "tau_m", "tau_r", "tau_s")}
    inputs = _general._input_dict(p["J"], p["K"], p["tau_m"], p["J_ext"], p["K_ext"],
                                  p["nu_ext"])
    slow = _solvers._firing_rate_integration(unregistered, rate_params, inputs)
    np.testing.assert_allclose(fast, slow, rtol=1e-12)
    # and the fixed point it is: the residual is at the solver's tolerance
    mu = _general._mean_input(fast, p["J"], p["K"], p["tau_m"], p["J_ext"], p["K_ext"],
                              p["nu_ext"])
    sigma = _general._std_input(fast, p["J"], p["K"], p["tau_m"], p["J_ext"], p["K_ext"],
                                p["nu_ext"])
    phi = _siegert.shift_firing_rate(mu, sigma, p["V_0_rel"], p["V_th_rel"], p["tau_m"],
                                     p["tau_r"], p["tau_s"])
    assert np.all(np.abs(phi - fast) <= 1e-12 * fast + 1e-13)


def test_working_point_with_analytic_steps_matches_nnmt():
    nnmt = pytest.importorskip("nnmt")
    if not hasattr(np, "complex_"):
        np.complex_ = np.complex128       # NNMT 1.3 still uses the removed alias
    p = _microcircuit_params()
    p["K_ext"] = np.asarray(p["K_ext"], dtype=float) * 1.02     # a changed parameter
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = nnmt.lif.exp._firing_rates(**p, eps_tol=1e-12)
    np.testing.assert_allclose(lif._firing_rates(**p), theirs, rtol=1e-10)


def test_bad_input_still_reports_the_parameter():
    p = _microcircuit_params()
    p["nu_ext"] = float("nan")
    with pytest.raises(ValueError, match="nu_ext"):
        lif._firing_rates(**p)


@pytest.mark.parametrize("om_max", [27.3, 31.4, 33.0, 40.0, 50.0])
def test_grid_on_a_short_last_piece_matches_direct_evaluation(om_max):
    # a piece cut short by the largest frequency starts with 12 or 16 points
    x_th = np.array([4.4, 3.6, 3.3, 2.2, 0.4, -2.0])
    x_r = np.array([-0.6, -2.3, -2.7, -4.0, -6.0, -7.5])
    om = np.outer(np.linspace(0.0, om_max, 700), np.ones(x_th.size))
    d = np.full(x_th.size, 0.2)
    g1, g2 = _pcf_grid.psi_ratios_grid(x_th, x_r, om, d)
    f1, f2 = _pcf.psi_ratios(x_th[None, :], x_r[None, :], om, d[None, :])
    assert np.max(np.abs(g1 / f1 - 1)) < 1e-11
    assert np.max(np.abs(g2 / f2 - 1)) < 1e-11
    s = _pcf_grid.spike_train_spectrum_factor_grid(x_th, x_r, om[1:], d)
    direct = _pcf._pair(x_th[None, :], x_r[None, :], om[1:], d[None, :],
                        _pcf._combine_spectrum)[0].real
    assert np.max(np.abs(s / direct - 1)) < 1e-10


def _bos_network():
    from pathlib import Path

    import neuromf
    folder = Path(__file__).resolve().parent / "fixtures" / "nnmt_parameter_files"
    return neuromf.models.Microcircuit(str(folder / "bos2016_network_params.yaml"),
                                       str(folder / "bos2016_analysis_params.yaml"))


def test_cached_results_are_read_only_and_keyed_by_their_producer():
    from neuromf import linear_response as lr
    from neuromf import network_properties as netprop
    net = _bos_network()
    lif.working_point(net)
    H = lif.transfer_function(net)
    netprop.delay_dist_matrix(net)
    M = lr.effective_connectivity(net)
    spectra = lr.power_spectra(net)
    with pytest.raises(ValueError, match="read-only"):
        H[0, 0] = 0.0
    # the same call again is a cache hit (the identical array)
    assert lr.power_spectra(net) is spectra
    # a replaced (writeable, different) input is hashed by its bytes: recomputed
    M2 = np.array(M)
    M2[:, 0, 0] *= 0.5
    net.results["lif.exp.effective_connectivity"] = M2
    other = lr.power_spectra(net)
    assert other is not spectra
    assert not np.allclose(other, spectra)
    # and an equal copy gives the equal spectra (exact key, recomputed or not)
    net.results["lif.exp.effective_connectivity"] = np.array(M)
    np.testing.assert_array_equal(lr.power_spectra(net), spectra)


def test_changed_parameter_recomputes_through_the_recorded_fingerprints():
    net = _bos_network()
    names = ["J", "K", "V_0_rel", "V_th_rel", "tau_m", "tau_r", "tau_s", "J_ext", "K_ext",
             "nu_ext"]
    first = lif.working_point(net)["firing_rates"]
    K_ext = np.asarray(net.network_params["K_ext"], dtype=float)
    net.change_parameters({"K_ext": K_ext * 1.05}, overwrite=True)
    second = lif.working_point(net)["firing_rates"]
    expected = lif._firing_rates(**{k: net.network_params[k] for k in names})
    np.testing.assert_array_equal(second, expected)   # the parameter level, no cache
    assert not np.allclose(second, first)
    # an in-place edit of the dict is followed as well (the model's snapshot check)
    net.network_params["K_ext"] = K_ext * 0.95
    third = lif.working_point(net)["firing_rates"]
    expected = lif._firing_rates(**{**{k: net.network_params[k] for k in names},
                                    "K_ext": K_ext * 0.95})
    np.testing.assert_array_equal(third, expected)


def test_shift_constant_is_fourcaud_brunel_alpha():
    # the shift constant of the one-pass function: sqrt(2) |zeta(1/2)| from mpmath
    assert _siegert.ALPHA_SHIFT == pytest.approx(ALPHA, rel=1e-15)
    assert math.isfinite(_siegert.ALPHA_SHIFT)
