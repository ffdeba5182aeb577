"""Tests of neuromf.lif._transfer (LIF transfer functions, parameter level).

Independent references:
* zero-frequency limits: mpmath (30 digits) derivatives of the Siegert formula
  1/nu = tau_r + tau_m sqrt(pi) int_{y_r}^{y_th} e^{u^2}(1 + erf u) du (Brunel 2000, Eq. 21),
  at shifted bounds for 'shift' and of the first-order rate of Fourcaud & Brunel 2002,
  Eq. 4.33, for 'taylor';
* high frequencies: |H| ~ sqrt2 nu / (sigma sqrt(omega tau_m)) with phase -pi/4 for white
  noise (Brunel et al. 2001; Lindner & Schimansky-Geier 2001);
* NNMT 1.3 side by side (microcircuit working point, Potjans & Diesmann 2014) where NNMT is
  correct (refractory_phase=False reproduces its convention, or tau_r = 0).
"""

import math
import warnings

import mpmath as mp
import numpy as np
import pytest
from references import nnmt_file

from neuromf.lif import _transfer as T
from neuromf.special import _siegert

ALPHA = math.sqrt(2) * 1.4603545088095868  # sqrt2 |zeta(1/2)|

# a few populations: microcircuit-like, strongly supra-threshold, sub-threshold
POPS = dict(
    mu=np.array([0.00258, 0.00905, 0.030, 0.002]),
    sigma=np.array([0.0062, 0.0049, 0.002, 0.005]),
    tau_m=np.array([0.01, 0.01, 0.01, 0.02]),
    tau_r=np.array([0.002, 0.002, 0.002, 0.0005]),
    V_th_rel=0.015,
    V_0_rel=0.0,
)
TAU_S = 0.0005


def _mp_rate(mu, sigma, V_0, V_th, tau_m, tau_r, offset=0.0):
    y_th = (V_th - mu) / sigma + offset
    y_r = (V_0 - mu) / sigma + offset
    integral = mp.quad(lambda u: mp.exp(u * u) * mp.erfc(-u), [y_r, y_th])
    return 1 / (tau_r + tau_m * mp.sqrt(mp.pi) * integral)


def _mp_dnu_dmu(i, method):
    with mp.workdps(30):
        mu0, sigma, tau_m, tau_r = (mp.mpf(float(POPS[k][i]))
                                    for k in ("mu", "sigma", "tau_m", "tau_r"))
        V_th, V_0 = mp.mpf(POPS["V_th_rel"]), mp.mpf(POPS["V_0_rel"])
        k = mp.sqrt(mp.mpf(TAU_S) / tau_m)
        if method == "delta":
            def rate(mu):
                return _mp_rate(mu, sigma, V_0, V_th, tau_m, tau_r)
        elif method == "shift":
            def rate(mu):
                return _mp_rate(mu, sigma, V_0, V_th, tau_m, tau_r, ALPHA / 2 * k)
        else:
            def rate(mu):
                nu0 = _mp_rate(mu, sigma, V_0, V_th, tau_m, tau_r)
                b = (mp.exp(((V_th - mu) / sigma) ** 2) * mp.erfc(-(V_th - mu) / sigma)
                     - mp.exp(((V_0 - mu) / sigma) ** 2) * mp.erfc(-(V_0 - mu) / sigma))
                return nu0 * (1 - ALPHA * k / 2 * tau_m * mp.sqrt(mp.pi) * nu0 * b)
        return float(mp.diff(rate, mu0))


def _tf(method, omegas, **kw):
    args = {k: POPS[k] for k in ("mu", "sigma", "tau_m", "tau_r", "V_th_rel", "V_0_rel")}
    if method == "delta":
        return T._transfer_function_delta(omegas=omegas, **args, **kw)
    return T._transfer_function(omegas=omegas, tau_s=TAU_S, method=method, **args, **kw)


@pytest.mark.parametrize("method", ["delta", "shift", "taylor"])
def test_zero_frequency_limit_is_derivative_of_rate(method):
    ref = np.array([_mp_dnu_dmu(i, method) for i in range(4)])
    kw = {} if method == "delta" else {"synaptic_filter": True}
    h = _tf(method, np.array([0.0, 1e-7, -1e-7]), **kw)
    assert np.all(h[0].imag == 0)
    np.testing.assert_allclose(h[0].real, ref, rtol=1e-9)
    # continuous at 0: H(omega) - H(0) = O(omega) (no 0/0, no jump)
    np.testing.assert_allclose(h[1], ref, rtol=1e-7)
    np.testing.assert_allclose(h[2], ref, rtol=1e-7)


@pytest.mark.parametrize("method", ["delta", "shift", "taylor"])
def test_conjugate_symmetry(method):
    om = 2 * np.pi * np.array([0.3, 7.0, 80.0, 400.0])
    hp = _tf(method, om)
    hm = _tf(method, -om)
    np.testing.assert_allclose(hm, np.conj(hp), rtol=1e-14, atol=0)


def test_white_noise_high_frequency_law():
    # H ~ sqrt2 nu / (sigma sqrt(i omega tau_m)): |H| ~ 1/sqrt(omega), phase -pi/4
    # (Brunel et al. 2001; Lindner & Schimansky-Geier 2001), corrections O(1/sqrt(omega tau_m));
    # with the next order, H ~ sqrt2 nu / (sigma (1 + i Om)) (x_th + sqrt(x_th^2 + 4 i Om)) / 2
    # (ratio Psi'/Psi at threshold from the saddle point of its integral), error O(1/Om)
    args = {k: POPS[k] for k in ("mu", "sigma", "tau_m", "tau_r", "V_th_rel", "V_0_rel")}
    nu = _siegert.delta_firing_rate(args["mu"], args["sigma"], args["V_0_rel"],
                                    args["V_th_rel"], args["tau_m"], args["tau_r"])
    x_th = math.sqrt(2) * (args["V_th_rel"] - args["mu"]) / args["sigma"]
    lead, refined = [], []
    for Om in (50.0, 600.0):
        om = np.array([Om / 0.02])           # Omega <= 600 for all populations
        h = T._transfer_function_delta(omegas=om, **args)[0]
        Omega = om[0] * args["tau_m"]
        pref = math.sqrt(2) * nu / args["sigma"]
        lead.append(np.abs(h / (pref / np.sqrt(1j * Omega)) - 1))
        r = (x_th + np.sqrt(x_th ** 2 + 4j * Omega)) / 2
        refined.append(np.abs(h / (pref / (1 + 1j * Omega) * r) - 1))
    np.testing.assert_allclose(lead[1] / lead[0], np.sqrt(50 / 600), rtol=0.5)
    # error O(1/Omega): Omega = 300 (tau_m = 10 ms) or 600 (tau_m = 20 ms) at the high point
    assert np.all(refined[1] < 0.5 / (600 * args["tau_m"] / 0.02))
    assert np.all(refined[1] < 0.2 * refined[0])


def test_shift_high_frequency_decays_like_omega_to_minus_three_halves():
    # white-noise law times the synaptic low pass 1/(1 + i omega tau_s)
    om = 2 * np.pi * np.array([2500.0, 5000.0])
    with pytest.warns(UserWarning, match="omega\\*sqrt"):
        h = _tf("shift", om)
    slope = np.log(np.abs(h[1]) / np.abs(h[0])) / np.log(2.0)
    # (corrections O(x_th / sqrt(omega tau_m)): largest for the supra-threshold population)
    np.testing.assert_allclose(slope, -1.5, atol=0.15)


def test_no_nan_in_extreme_regimes():
    # y_th = 30 (strongly sub-threshold), y_th = -30 (strongly supra-threshold), f <= 10 kHz
    sigma = 0.001
    mu = np.array([0.015 - 30 * sigma, 0.015 + 30 * sigma])
    om = 2 * np.pi * np.array([0.0, 0.1, 10.0, 1000.0, 10000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for h in (T._transfer_function_delta(mu, sigma, 0.01, 0.002, 0.015, 0.0, om),
                  T._transfer_function_shift(mu, sigma, 0.01, 0.0005, 0.002, 0.015, 0.0, om),
                  T._transfer_function_taylor(mu, sigma, 0.01, 0.0005, 0.002, 0.015, 0.0, om)):
            assert h.shape == (5, 2)
            assert np.all(np.isfinite(h))
            assert np.all(np.abs(h[:, 1]) > 0)


def test_synaptic_filter():
    om = np.array([0.0, 100.0, -100.0])
    f = T._synaptic_filter(om, np.array([0.001, 0.002]))
    assert f.shape == (3, 2)
    np.testing.assert_allclose(f[1, 0], 1 / (1 + 0.1j))
    np.testing.assert_allclose(f[2, 1], 1 / (1 - 0.2j))


def test_scalar_inputs_and_per_population_tau_s():
    h = T._transfer_function_shift(0.01, 0.005, 0.01, 0.0005, 0.002, 0.015, 0.0, 10.0)
    assert h.shape == (1, 1)
    mu = np.array([0.01, 0.012])
    h2 = T._transfer_function_shift(mu, 0.005, 0.01, np.array([0.0005, 0.001]), 0.002,
                                    0.015, 0.0, np.array([10.0, 20.0]))
    assert h2.shape == (2, 2)
    h3 = T._transfer_function_shift(mu[1], 0.005, 0.01, 0.001, 0.002, 0.015, 0.0,
                                    np.array([10.0, 20.0]))
    np.testing.assert_allclose(h2[:, 1], h3[:, 0], rtol=1e-14)


def test_many_frequencies_match_few():
    # >= 96 frequencies per population use the interpolating evaluation
    om = 2 * np.pi * np.linspace(0, 800, 300)
    h_all = _tf("shift", om)
    h_few = _tf("shift", om[::30])
    np.testing.assert_allclose(h_all[::30], h_few, rtol=1e-11)


def test_bad_input():
    args = dict(mu=0.01, sigma=0.005, tau_m=0.01, tau_s=0.0005, tau_r=0.002,
                V_th_rel=0.015, V_0_rel=0.0, omegas=np.array([1.0]))
    with pytest.raises(ValueError, match="sigma"):
        T._transfer_function_shift(**{**args, "sigma": -0.005})
    with pytest.raises(ValueError, match="tau_m"):
        T._transfer_function_taylor(**{**args, "tau_m": 0.0})
    with pytest.raises(ValueError, match="tau_s"):
        T._transfer_function_shift(**{**args, "tau_s": -1.0})
    with pytest.raises(ValueError, match="shape mismatch"):
        T._transfer_function_shift(**{**args, "mu": np.zeros(3), "sigma": np.ones(2)})
    with pytest.raises(ValueError, match="V_th_rel"):
        T._transfer_function_shift(**{**args, "V_0_rel": 0.02})
    with pytest.raises(ValueError, match="omegas"):
        T._transfer_function_shift(**{**args, "omegas": np.array([np.nan])})
    with pytest.raises(ValueError, match="omegas"):
        T._transfer_function_shift(**{**args, "omegas": np.ones((2, 2))})
    with pytest.raises(ValueError, match="method"):
        T._transfer_function(**args, method="exact")


def test_validity_warnings():
    args = dict(mu=0.01, sigma=0.005, tau_m=0.01, tau_r=0.002, V_th_rel=0.015, V_0_rel=0.0,
                omegas=np.array([1.0]))
    with pytest.warns(UserWarning, match="fast synapses"):
        T._transfer_function_shift(tau_s=0.005, **args)
    with pytest.warns(UserWarning, match="negative 'taylor' firing rate"):
        T._transfer_function_taylor(**{**args, "mu": -0.05, "tau_s": 0.001})


# ---------------------------------------------------------------------------
# NNMT side by side
# ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def microcircuit():
    nnmt = pytest.importorskip("nnmt")
    if not hasattr(np, "complex_"):
        np.complex_ = np.complex128  # NNMT 1.3 uses the alias removed in numpy 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net = nnmt.models.Microcircuit(nnmt_file("microcircuit_network_params.yaml"),
                                       nnmt_file("bos2016_analysis_params.yaml"))
        wp = nnmt.lif.exp.working_point(net)
    p = net.network_params
    args = dict(mu=wp["mean_input"], sigma=wp["std_input"], tau_m=p["tau_m"],
                tau_s=p["tau_s"], tau_r=p["tau_r"], V_th_rel=p["V_th_rel"],
                V_0_rel=p["V_0_rel"])
    return nnmt, args


NNMT_OMEGAS = 2 * np.pi * np.array([0.1, 1.0, 10.0, 63.0, 150.0, 499.0])


@pytest.mark.parametrize("method", ["shift", "taylor"])
def test_matches_nnmt_in_its_convention(microcircuit, method):
    nnmt, args = microcircuit
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = nnmt.lif.exp._transfer_function(**args, omegas=NNMT_OMEGAS, method=method)
    ours = T._transfer_function(**args, omegas=NNMT_OMEGAS, method=method,
                                refractory_phase=False)
    np.testing.assert_allclose(ours, ref, rtol=1e-8, atol=0)


def test_matches_nnmt_without_refractory_period(microcircuit):
    nnmt, args = microcircuit
    args = {**args, "tau_r": 0.0}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = nnmt.lif.exp._transfer_function_shift(**args, omegas=NNMT_OMEGAS)
    np.testing.assert_allclose(T._transfer_function_shift(**args, omegas=NNMT_OMEGAS), ref,
                               rtol=1e-8, atol=0)


def test_nnmt_refractory_limit_is_inconsistent(microcircuit):
    # NNMT's formula tends to dnu/dmu / (1 - nu tau_r) for omega -> 0 but returns dnu/dmu at
    # omega = 0; with the delayed reset the limit is dnu/dmu
    nnmt, args = microcircuit
    om = np.array([0.0, 1e-6])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = nnmt.lif.exp._transfer_function_shift(**args, omegas=om, synaptic_filter=False)
    nu = _siegert.shift_firing_rate(args["mu"], args["sigma"], args["V_0_rel"],
                                    args["V_th_rel"], args["tau_m"], args["tau_r"],
                                    args["tau_s"])
    np.testing.assert_allclose(ref[1].real, ref[0].real / (1 - nu * args["tau_r"]), rtol=1e-6)
    ours = T._transfer_function_shift(**args, omegas=om, synaptic_filter=False)
    np.testing.assert_allclose(ours[1], ours[0], rtol=1e-8)


def test_nnmt_taylor_gets_negative_frequencies_wrong(microcircuit):
    nnmt, args = microcircuit
    om = np.array([2 * np.pi * 10.0, -2 * np.pi * 10.0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = nnmt.lif.exp._transfer_function_taylor(**args, omegas=om, synaptic_filter=False)
    # NNMT: a real number (its omega = 0 value) at -omega, not the complex conjugate
    assert np.all(ref[1].imag == 0)
    assert np.all(np.abs(ref[1] - np.conj(ref[0])) > 1e-3 * np.abs(ref[0]))
    ours = T._transfer_function_taylor(**args, omegas=om, synaptic_filter=False,
                                       refractory_phase=False)
    np.testing.assert_allclose(ours[1], np.conj(ours[0]), rtol=1e-14)
    np.testing.assert_allclose(ours[0], ref[0], rtol=1e-8)


def test_derivative_wrt_input_rate(microcircuit):
    nnmt, args = microcircuit
    j = 8.8e-5
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = nnmt.lif.exp._derivative_of_firing_rates_wrt_input_rate(**args, j=j)
    ours = T._derivative_of_firing_rates_wrt_input_rate(**args, j=j)
    np.testing.assert_allclose(ours, ref, rtol=1e-10)
    # independent: tau_m (j d nu/d mu + j^2/(2 sigma) d nu/d sigma) of the 'shift' rate at
    # fixed shift (in units of sigma), mpmath derivatives (Helias et al. 2013, Eq. A.3)
    i = 3
    with mp.workdps(30):
        tau_m, tau_r = mp.mpf(args["tau_m"]), mp.mpf(args["tau_r"])
        off = ALPHA / 2 * mp.sqrt(mp.mpf(args["tau_s"]) / tau_m)
        V_th, V_0 = mp.mpf(args["V_th_rel"]), mp.mpf(args["V_0_rel"])

        def rate(mu, sigma):
            return _mp_rate(mu, sigma, V_0, V_th, tau_m, tau_r, off)

        mu0, s0 = mp.mpf(float(args["mu"][i])), mp.mpf(float(args["sigma"][i]))
        d_mu = mp.diff(lambda m: rate(m, s0), mu0)
        d_sigma = mp.diff(lambda s: rate(mu0, s), s0)
        expected = float(tau_m * (j * d_mu + j * j / (2 * s0) * d_sigma))
    assert ours[i] == pytest.approx(expected, rel=1e-9)


def test_derivative_wrt_input_rate_finite_when_subthreshold():
    out = T._derivative_of_firing_rates_wrt_input_rate(-0.05, 0.002, 0.01, 0.0005, 0.002,
                                                       0.015, 0.0, 1e-4)
    assert np.all(np.isfinite(out)) and np.all(out >= 0)


def test_shift_without_synaptic_time_constant_is_white_noise():
    args = {k: POPS[k] for k in ("mu", "sigma", "tau_m", "tau_r", "V_th_rel", "V_0_rel")}
    om = 2 * np.pi * np.array([0.0, 0.5, 20.0, 300.0])
    h_shift = T._transfer_function_shift(tau_s=0.0, omegas=om, synaptic_filter=False, **args)
    h_delta = T._transfer_function_delta(omegas=om, **args)
    np.testing.assert_allclose(h_shift, h_delta, rtol=1e-14)
