"""Tests of neuromf.rate_mapping (Senk et al. 2020, Sec. F and Appendices E, F).

Expected values: exact synthetic low-passes, scipy.optimize.curve_fit (an independent
least-squares implementation, the one NNMT and lif_meanfield_tools use), the input
statistics of Fourcaud & Brunel 2002 Eq. 3.4 written out in the tests, NNMT 1.3 where
its code runs, and mpmath quadrature/differentiation of the Siegert formula.
"""

from types import SimpleNamespace

import mpmath as mp
import numpy as np
import pytest
from scipy.optimize import curve_fit

from neuromf import rate_mapping as rm
from neuromf.special._siegert import (
    ALPHA_SHIFT,
    d_shift_firing_rate_d_mu,
    shift_firing_rate,
)

# Senk et al. 2020 network (NNMT parameter file, g = 5), SI units
TAU_M, TAU_S, TAU_R, V_TH = 5e-3, 0.5e-3, 0.0, 15e-3
J = np.array([[0.1756e-3, -0.878e-3]] * 2)
K = np.array([[400.0, 100.0]] * 2)
J_EXT = J.copy()
K_EXT = np.array([1.0, 1.0])
OMEGAS = 2 * np.pi * np.arange(1.0, 200.0)


# --- low-pass fit ---------------------------------------------------------------------

def test_fit_recovers_exact_low_pass():
    taus = np.array([1e-3, 3.7e-3, 0.2e-3])
    h0s = np.array([50.0, 8000.0, 2.5])
    H = h0s / (1 + 1j * np.outer(OMEGAS, taus))
    fit, tau, h0, err, err_tau, err_h0 = rm._fit_low_pass(H, OMEGAS)
    np.testing.assert_allclose(tau, taus, rtol=1e-10)
    np.testing.assert_allclose(h0, h0s, rtol=1e-10)
    np.testing.assert_allclose(fit, H, rtol=1e-10)
    assert np.all(err < 1e-6)


def _curve_fit_reference(H, omegas):
    out = []
    for col in H.T:
        def f(w, t, h):
            return np.abs(h / (1 + 1j * w * t))
        p, cov = curve_fit(f, omegas, np.abs(col), p0=[1e-3, abs(col[0])],
                           xtol=1e-14, ftol=1e-14, gtol=1e-14)
        rel = np.sqrt(np.diag(cov)) / p
        out.append((p[0], p[1], np.hypot(*rel)))
    return np.array(out).T


def test_fit_agrees_with_curve_fit_on_non_low_pass():
    # a second-order filter with a zero is no first-order low-pass: the fit is not exact
    H = np.stack([300.0 * (1 + 1j * OMEGAS * 0.4e-3) / (1 + 1j * OMEGAS * 2e-3) ** 2,
                  70.0 / (1 + 1j * OMEGAS * 1e-3) / (1 + 1j * OMEGAS * 0.3e-3)], axis=1)
    _, tau, h0, err, _, _ = rm._fit_low_pass(H, OMEGAS)
    tau_ref, h0_ref, err_ref = _curve_fit_reference(H, OMEGAS)
    np.testing.assert_allclose(tau, tau_ref, rtol=1e-7)
    np.testing.assert_allclose(h0, h0_ref, rtol=1e-7)
    np.testing.assert_allclose(err, err_ref, rtol=1e-5)
    assert np.all(err > 1e-3)


def test_fit_transfer_function_weights_use_target_gain():
    H = np.stack([100.0 / (1 + 1j * OMEGAS * 2e-3), 300.0 / (1 + 1j * OMEGAS * 1e-3)], 1)
    fit, tau_rate, W_rate, err = rm._fit_transfer_function(H, OMEGAS, TAU_M, J, K)
    np.testing.assert_allclose(tau_rate, [2e-3, 1e-3], rtol=1e-10)
    expected = np.array([[100.0], [300.0]]) * TAU_M * K * J
    np.testing.assert_allclose(W_rate, expected, rtol=1e-10)
    assert fit.shape == H.shape


def test_fit_bad_input():
    with pytest.raises(ValueError, match="3 distinct"):
        rm._fit_low_pass(np.ones((2, 1)), np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match="axis 0"):
        rm._fit_low_pass(np.ones((5, 2)), np.arange(4.0))
    with pytest.raises(ValueError, match="transfer_function"):
        rm._fit_low_pass(np.full((4, 1), np.nan), np.arange(4.0))
    with pytest.raises(ValueError, match="zero"):
        rm._fit_low_pass(np.zeros((4, 1)), np.arange(4.0))


def test_scan_on_synthetic_transfer_function():
    # H depends on (mu, sigma) through a known low-pass
    def tf(mu, sigma, om):
        return (mu * 1e5) / (1 + 1j * np.outer(om, sigma * 0.2))

    mus = np.array([6e-3, 10e-3, 14e-3])
    sigmas = np.array([5e-3, 8e-3])
    res = rm._scan_fit_transfer_function_mean_std_input(
        mus, sigmas, TAU_M, TAU_S, TAU_R, 0.0, V_TH, OMEGAS, transfer_function=tf,
        chunk_size=4, progress=True)
    np.testing.assert_allclose(res["tau_rate"], np.tile(sigmas * 0.2, (3, 1)), rtol=1e-10)
    np.testing.assert_allclose(res["h0"], np.tile(mus[:, None] * 1e5, (1, 2)), rtol=1e-10)
    assert res["transfer_function"].shape == (3, 2, OMEGAS.size)
    np.testing.assert_allclose(
        res["firing_rates"],
        shift_firing_rate(mus[:, None], sigmas[None, :], 0.0, V_TH, TAU_M, TAU_R, TAU_S))


# --- external rates -------------------------------------------------------------------

def _inputs(nu, nu_ext):
    """Fourcaud & Brunel 2002, Eq. 3.4, written out independently."""
    KJ_ext = K_EXT * J_EXT
    mu = TAU_M * ((K * J) @ nu + KJ_ext @ nu_ext)
    var = TAU_M * ((K * J**2) @ nu + (K_EXT * J_EXT**2) @ nu_ext)
    return mu, np.sqrt(var)


@pytest.mark.parametrize("mu_set, sigma_set", [(10e-3, 10e-3), (6e-3, 12e-3),
                                               (12e-3, 6e-3)])
def test_external_rates_reproduce_working_point(mu_set, sigma_set):
    nu_ext = rm._external_rates_for_fixed_input(mu_set, sigma_set, J, K, 0.0, V_TH, TAU_M,
                                                TAU_R, TAU_S, J_EXT, K_EXT)
    assert nu_ext.shape == (2,) and np.all(nu_ext > 0)
    nu = shift_firing_rate(mu_set, sigma_set, 0.0, V_TH, TAU_M, TAU_R, TAU_S) * np.ones(2)
    mu, sigma = _inputs(nu, nu_ext)
    np.testing.assert_allclose(mu, mu_set, rtol=1e-12)
    np.testing.assert_allclose(sigma, sigma_set, rtol=1e-12)
    # and the lead's input functions agree
    general = pytest.importorskip("neuromf.lif._general")
    np.testing.assert_allclose(
        general._mean_input(nu, J, K, TAU_M, J_EXT, K_EXT, nu_ext), mu_set, rtol=1e-12)
    np.testing.assert_allclose(
        general._std_input(nu, J, K, TAU_M, J_EXT, K_EXT, nu_ext), sigma_set, rtol=1e-12)


def test_external_rates_match_nnmt():
    nnmt_exp = pytest.importorskip("nnmt.lif.exp")
    mu, sigma = np.array([10e-3] * 2), np.array([10e-3] * 2)
    ref = nnmt_exp._external_rates_for_fixed_input(mu, sigma, J, K, 0.0, V_TH, TAU_M, TAU_R,
                                                   TAU_S, J_EXT, K_EXT)
    ours = rm._external_rates_for_fixed_input(mu, sigma, J, K, 0.0, V_TH, TAU_M, TAU_R, TAU_S,
                                              J_EXT, K_EXT)
    np.testing.assert_allclose(ours, ref, rtol=1e-9)


def test_additional_rates_closed_form_equals_linear_solve():
    # existing background plus one E source (weight j) and one I source (weight -g j)
    j, g = 0.1756e-3, 5.0
    bg = dict(J_ext=np.array([[j], [j]]), K_ext=np.array([[1.0], [1.0]]),
              nu_ext=np.array([2000.0]))
    nu_e, nu_i = rm._additional_rates_for_fixed_input(10e-3, 10e-3, J, K, 0.0, V_TH, TAU_M,
                                                      TAU_R, TAU_S, j, g, **bg)
    # same problem for the general solver: background as a third source of fixed rate
    J_ext3 = np.array([[j, -g * j, j]] * 2)
    K_ext3 = np.ones((2, 3))
    nu = shift_firing_rate(10e-3, 10e-3, 0.0, V_TH, TAU_M, TAU_R, TAU_S)
    mu = TAU_M * ((K * J).sum(1) * nu + J_ext3 @ np.array([nu_e[0], nu_i[0], 2000.0]))
    var = TAU_M * ((K * J**2).sum(1) * nu + J_ext3**2 @ np.array([nu_e[0], nu_i[0], 2000.0]))
    np.testing.assert_allclose(mu, 10e-3, rtol=1e-12)
    np.testing.assert_allclose(np.sqrt(var), 10e-3, rtol=1e-12)
    both = rm._external_rates_for_fixed_input(10e-3, 10e-3, J, K, 0.0, V_TH, TAU_M, TAU_R,
                                              TAU_S, J_ext3[:, :2], K_ext3[:, :2])
    assert both[0] == pytest.approx(nu_e[0] + 2000.0, rel=1e-10)
    assert both[1] == pytest.approx(nu_i[0], rel=1e-10)


def test_external_rates_negative_raise():
    # a strongly negative mean needs inhibitory input whose variance (weight g j) exceeds
    # a small sigma_set: only a negative excitatory rate could remove that variance
    with pytest.raises(ValueError, match="negative"):
        rm._external_rates_for_fixed_input(-20e-3, 2e-3, J, K, 0.0, V_TH, TAU_M, TAU_R,
                                           TAU_S, J_EXT, K_EXT)
    # sigma below the recurrent contribution
    with pytest.raises(ValueError, match="recurrent contribution"):
        rm._external_rates_for_fixed_input(14e-3, 1e-3, J, K, 0.0, V_TH, TAU_M, TAU_R, TAU_S,
                                           J_EXT, K_EXT)
    with pytest.raises(ValueError, match="negative"):
        rm._additional_rates_for_fixed_input(-20e-3, 2e-3, J, K, 0.0, V_TH, TAU_M, TAU_R,
                                             TAU_S, 0.1756e-3, 5.0)


def test_external_rates_unreachable_and_bad_method():
    # only excitatory external input: mu and sigma cannot both be set
    with pytest.raises(ValueError, match="cannot be reached"):
        rm._external_rates_for_fixed_input(10e-3, 10e-3, J, K, 0.0, V_TH, TAU_M, TAU_R,
                                           TAU_S, J_EXT[:, :1], np.ones((2, 1)))
    with pytest.raises(ValueError, match="method"):
        rm._external_rates_for_fixed_input(10e-3, 10e-3, J, K, 0.0, V_TH, TAU_M, TAU_R,
                                           TAU_S, J_EXT, K_EXT, method="exact")
    with pytest.raises(ValueError, match="sigma_set"):
        rm._external_rates_for_fixed_input(10e-3, -1e-3, J, K, 0.0, V_TH, TAU_M, TAU_R,
                                           TAU_S, J_EXT, K_EXT)


def test_external_rates_taylor_and_current():
    from neuromf.special._siegert import taylor_firing_rate

    C, I_ext = 250e-12, 100e-12
    nu_ext = rm._external_rates_for_fixed_input(10e-3, 10e-3, J, K, 0.0, V_TH, TAU_M, TAU_R,
                                                TAU_S, J_EXT, K_EXT, I_ext=I_ext, C=C,
                                                method="taylor")
    nu = taylor_firing_rate(10e-3, 10e-3, 0.0, V_TH, TAU_M, TAU_R, TAU_S) * np.ones(2)
    mu, sigma = _inputs(nu, nu_ext)
    np.testing.assert_allclose(mu + TAU_M * I_ext / C, 10e-3, rtol=1e-12)
    np.testing.assert_allclose(sigma, 10e-3, rtol=1e-12)


# --- effective coupling strength --------------------------------------------------------

def _shift_rate_mp(mu, sigma):
    """Siegert formula with shifted bounds by mpmath quadrature (Fourcaud & Brunel 2002)."""
    s = ALPHA_SHIFT / 2 * mp.sqrt(TAU_S / TAU_M)
    y_th = (V_TH - mu) / sigma + s
    y_r = (0 - mu) / sigma + s
    integral = mp.quad(lambda u: mp.exp(u**2) * (1 + mp.erf(u)), [y_r, y_th])
    return 1 / (TAU_R + TAU_M * mp.sqrt(mp.pi) * integral)


@pytest.mark.parametrize("mu0, sigma0", [(10e-3, 10e-3), (14e-3, 4e-3), (6e-3, 5e-3)])
def test_effective_coupling_against_mpmath_derivative(mu0, sigma0):
    Jab = 0.3e-3
    with mp.workdps(30):
        def nu_of_input_rate(d):
            return _shift_rate_mp(mu0 + TAU_M * Jab * d,
                                  mp.sqrt(sigma0**2 + TAU_M * Jab**2 * d))
        full = float(mp.diff(nu_of_input_rate, 0))
        mu_only = float(mp.diff(lambda d: _shift_rate_mp(mu0 + TAU_M * Jab * d, sigma0), 0))
    Jm = np.full((2, 2), Jab)
    w = rm._effective_coupling_strength([mu0] * 2, [sigma0] * 2, TAU_M, TAU_S, TAU_R, 0.0,
                                        V_TH, Jm)
    w_mu = rm._effective_coupling_strength([mu0] * 2, [sigma0] * 2, TAU_M, TAU_S, TAU_R,
                                           0.0, V_TH, Jm, contribution="mu")
    w_sigma = rm._effective_coupling_strength([mu0] * 2, [sigma0] * 2, TAU_M, TAU_S, TAU_R,
                                              0.0, V_TH, Jm, contribution="sigma")
    np.testing.assert_allclose(w, full, rtol=1e-9)
    np.testing.assert_allclose(w_mu, mu_only, rtol=1e-9)
    np.testing.assert_allclose(w_mu + w_sigma, w, rtol=1e-14)
    # the 'mu' part is dnu/dmu * tau_m * J (independent implementation of the derivative)
    ref = d_shift_firing_rate_d_mu(mu0, sigma0, 0.0, V_TH, TAU_M, TAU_R, TAU_S) * TAU_M * Jab
    np.testing.assert_allclose(w_mu, ref, rtol=1e-11)


def test_effective_coupling_matches_nnmt_and_deep_subthreshold():
    nnmt_exp = pytest.importorskip("nnmt.lif.exp")
    mu, sigma = np.array([10e-3, 8e-3]), np.array([10e-3, 6e-3])
    w = rm._effective_coupling_strength(mu, sigma, TAU_M, TAU_S, TAU_R, 0.0, V_TH, J)
    for a in range(2):
        ref = nnmt_exp._derivative_of_firing_rates_wrt_input_rate(
            mu[a], sigma[a], TAU_M, TAU_S, TAU_R, V_TH, 0.0, J[a])
        np.testing.assert_allclose(w[a], ref, rtol=1e-10)
    # far below threshold the rate underflows: finite, tiny, no NaN
    w0 = rm._effective_coupling_strength([-0.3], [1e-3], TAU_M, TAU_S, TAU_R, 0.0, V_TH,
                                         [[1e-4]])
    assert np.all(np.isfinite(w0)) and np.all(np.abs(w0) < 1e-300)
    with pytest.raises(ValueError, match="contribution"):
        rm._effective_coupling_strength(mu, sigma, TAU_M, TAU_S, TAU_R, 0.0, V_TH, J, "nu")


# --- network level ----------------------------------------------------------------------

def test_senk2020_workflow_on_built_in_model():
    models = pytest.importorskip("neuromf.models")
    exp = pytest.importorskip("neuromf.lif.exp")
    net = models.Basic("senk2020")
    nu_ext = rm.external_rates_for_fixed_input(net, 10e-3, 10e-3)
    assert net.results["lif.exp.external_rates_for_fixed_input"] is nu_ext
    net.change_parameters({"nu_ext": nu_ext}, overwrite=True)
    wp = exp.working_point(net)
    np.testing.assert_allclose(wp["mean_input"], 10e-3, rtol=1e-8)
    np.testing.assert_allclose(wp["std_input"], 10e-3, rtol=1e-8)
    w = rm.effective_coupling_strength(net)
    assert w.shape == (2, 2) and w[0, 0] > 0 > w[0, 1]


def test_fit_transfer_function_network_level():
    H = np.stack([100.0 / (1 + 1j * OMEGAS * 2e-3)] * 2, 1)
    net = SimpleNamespace(network_params={"tau_m": TAU_M, "J": J, "K": K},
                          analysis_params={"omegas": OMEGAS},
                          results={"lif.exp.transfer_function": H},
                          results_hash_dict={}, result_units={})
    fit, tau_rate, W_rate, err = rm.fit_transfer_function(net)
    np.testing.assert_allclose(tau_rate, 2e-3, rtol=1e-10)
    assert net.results["lif.exp.W_rate"] is W_rate
    assert net.result_units["lif.exp.tau_rate"] == "second"
    del net.results["lif.exp.transfer_function"]
    net.results_hash_dict.clear()
    with pytest.raises(RuntimeError, match="transfer_function"):
        rm.fit_transfer_function(net)


def test_scan_with_lif_transfer_function_matches_pointwise_fits():
    transfer = pytest.importorskip("neuromf.lif._transfer")
    mus, sigmas = np.array([6e-3, 12e-3]), np.array([6e-3, 9e-3, 12e-3])
    res = rm._scan_fit_transfer_function_mean_std_input(mus, sigmas, TAU_M, TAU_S, TAU_R, 0.0,
                                                        V_TH, OMEGAS, progress=False,
                                                        chunk_size=4)
    for i, mu in enumerate(mus):
        for k, sigma in enumerate(sigmas):
            H = transfer._transfer_function(mu, sigma, TAU_M, TAU_S, TAU_R, V_TH, 0.0, OMEGAS)
            _, tau, h0, err, _, _ = rm._fit_low_pass(H, OMEGAS)
            np.testing.assert_allclose(res["transfer_function"][i, k], H[:, 0], rtol=1e-13)
            assert res["tau_rate"][i, k] == pytest.approx(tau[0], rel=1e-12)
            assert res["h0"][i, k] == pytest.approx(h0[0], rel=1e-12)
            assert res["fit_error"][i, k] == pytest.approx(err[0], rel=1e-9)


def test_scan_network_level():
    models = pytest.importorskip("neuromf.models")
    pytest.importorskip("neuromf.lif._transfer")
    net = models.Basic("senk2020")
    res = rm.scan_fit_transfer_function_mean_std_input(net, [8e-3, 10e-3], [10e-3],
                                                       progress=False)
    assert res["tau_rate"].shape == (2, 1)
    assert net.results["rate_mapping.scan.tau_rate"] is res["tau_rate"]
    assert res["transfer_function"].shape == (2, 1, net.analysis_params["omegas"].size)


def test_microcircuit_own_working_point_needs_its_own_input():
    # at the self-consistent working point of the Potjans & Diesmann (2014) microcircuit
    # the external rates must come out as the model's nu_ext (8 Hz) and the additional
    # rates as zero
    models = pytest.importorskip("neuromf.models")
    exp = pytest.importorskip("neuromf.lif.exp")
    net = models.Microcircuit()
    wp = exp.working_point(net)
    nu_ext = rm.external_rates_for_fixed_input(net, wp["mean_input"], wp["std_input"])
    np.testing.assert_allclose(nu_ext, net.network_params["nu_ext"], rtol=1e-7)
    nu_e, nu_i = rm.additional_rates_for_fixed_input(net, wp["mean_input"], wp["std_input"])
    np.testing.assert_allclose(nu_e, 0.0, atol=1e-6)
    np.testing.assert_allclose(nu_i, 0.0, atol=1e-6)
