"""LFP / CDM spectra from mean-field theory against closed forms, Monte Carlo and NEST.

* Uncoupled network (K = 0, Poisson drive): the theory spectrum must be the shot-noise
  spectrum of independent neurons, ``S(omega) = sum_X N_X nu_X |H^_X(omega)|^2``
  (Campbell's theorem; derivation in ``_shot_noise``), with kernels whose Fourier
  transforms are known in closed form and rates from an independent quadrature of
  the shifted Siegert formula.
* The same closed form against Monte Carlo: Poisson spike trains convolved with the
  kernels, Welch spectrum.
* The orientation convention of the cross-spectra (``C_XX' = <r^_X r^_X'^*>``):
  populations with a delayed common component, analytic ``C`` against Monte Carlo.
* NEST (slow, extras ``sim`` and ``lfp``): a Brunel-type E-I network simulated and
  predicted, band-averaged power ratio simulation/theory of the current dipole moment.
"""

from __future__ import annotations

import importlib.util
import shutil
from types import SimpleNamespace

import numpy as np
import pytest
from scipy import integrate, special

from neuromf.lfp import network as LN
from neuromf.lfp.kernelset import SpikeSignalKernels
from neuromf.lfp.spectra import power_spectrum_estimate

HAVE_LFP = (all(importlib.util.find_spec(m) is not None for m in ("LFPy", "neuron", "lfpykit"))
            and shutil.which("nrnivmodl") is not None)
HAVE_NEST = importlib.util.find_spec("nest") is not None

# two exponential kernels per population (two channels), h(t) = a exp(-(t - d)/tau)
# for t >= d, sampled at dt; (amplitude, tau, delay) per population and channel
DT = 1e-4
N_LAGS = 600
KERNEL_PARAMS = {"E": [(2.0, 5e-3, 1.5e-3), (-1.0, 2e-3, 2.0e-3)],
                 "I": [(-3.0, 3e-3, 1.0e-3), (0.5, 8e-3, 1.2e-3)]}


def _kernels(order=("I", "E")) -> SpikeSignalKernels:
    """Synthetic kernels (n_post = 1); presynaptic order deliberately not the network's."""
    t = DT * np.arange(N_LAGS)
    vals = np.array([[[np.where(t >= d - 1e-12, a * np.exp(-(t - d) / tau), 0.0)
                       for a, tau, d in KERNEL_PARAMS[x]] for x in order]])
    return SpikeSignalKernels("cdm", "A m", DT, list(order), ["P"], vals, np.arange(2))


def _kernel_fourier_closed_form(omegas: np.ndarray) -> dict:
    """Exact Fourier sums of the sampled kernels (rectangle rule, as the code defines
    ``H^``): sum_{k=k0}^{n-1} a e^{-(k dt - d)/tau} e^{-i omega k dt} dt, a geometric
    series; as dt -> 0 it tends to a tau e^{-i omega d} / (1 + i omega tau)."""
    out = {}
    for x, pars in KERNEL_PARAMS.items():
        rows = []
        for a, tau, d in pars:
            k0 = int(np.ceil(d / DT - 1e-9))
            q = np.exp(-DT / tau - 1j * omegas * DT)
            first = a * np.exp(-(k0 * DT - d) / tau) * np.exp(-1j * omegas * k0 * DT) * DT
            rows.append(first * (1 - q ** (N_LAGS - k0)) / (1 - q))
        out[x] = np.array(rows)  # (n_channels, n_freqs)
    return out


def _shot_noise(N: np.ndarray, nu: np.ndarray, omegas: np.ndarray) -> np.ndarray:
    """S(omega) of sum_X sum_{i in X} sum_spikes H_X(t - t_spike) for independent
    Poisson neurons.

    Each neuron's spike train has the autocovariance nu delta(tau) (two-sided spectrum
    nu); the signal of one neuron is its train filtered by H_X, spectrum
    nu |H^_X|^2; independent neurons add their spectra: sum_X N_X nu_X |H^_X|^2.
    """
    h = _kernel_fourier_closed_form(omegas)
    return sum(N[i] * nu[i] * np.abs(h[x]) ** 2 for i, x in enumerate(("E", "I")))


def _uncoupled_network():
    from neuromf.models import Basic

    params = {"populations": ["E", "I"], "N": np.array([800.0, 200.0]),
              "K": np.zeros((2, 2)), "C": 250e-12, "tau_m": 10e-3, "tau_r": 2e-3,
              "tau_s": 0.5e-3, "V_0_abs": -65e-3, "V_th_abs": -50e-3,
              "W": np.array([[87.8e-12, -439e-12], [87.8e-12, -439e-12]]),
              "K_ext": np.array([300.0, 330.0]), "W_ext": np.array([263.4e-12, 263.4e-12]),
              "nu_ext": 7.5, "Delay": np.full((2, 2), 1.5e-3),
              "Delay_sd": np.zeros((2, 2)), "delay_dist": "none", "synapse_type": "exp"}
    return Basic(params, {"f_min": 1.0, "f_max": 400.0, "df": 3.0})


def _shifted_siegert_quad(mu, sigma, V_th, tau_m, tau_r, tau_s):
    """Rate of an LIF neuron (reset 0) with exponentially filtered white noise, shifted
    boundaries (Fourcaud & Brunel 2002): 1/nu = tau_r + tau_m sqrt(pi) int_{y_r}^{y_th}
    e^{u^2}(1 + erf u) du, y = (V - mu)/sigma + sqrt(2)|zeta(1/2)|/2 sqrt(tau_s/tau_m);
    the integrand is erfcx(-u); scipy quad to 1e-12."""
    shift = np.sqrt(2) * abs(special.zeta(0.5)) / 2 * np.sqrt(tau_s / tau_m)
    y_th, y_r = (V_th - mu) / sigma + shift, (0.0 - mu) / sigma + shift
    val, _ = integrate.quad(lambda u: special.erfcx(-u), y_r, y_th, epsabs=0, epsrel=1e-12)
    return 1.0 / (tau_r + tau_m * np.sqrt(np.pi) * val)


def test_uncoupled_network_theory_is_shot_noise_of_independent_neurons():
    """K = 0: no effective connectivity, C = diag(nu/N), hence
    S = sum_X N_X^2 |H^_X|^2 nu_X/N_X = sum_X N_X nu_X |H^_X|^2."""
    net = _uncoupled_network()
    omegas, S = LN.theory_spectrum(net, _kernels(), renewal=False)
    p = net.network_params
    # rates: independent quadrature at mu = tau_m K_ext J_ext nu_ext and
    # sigma^2 = tau_m K_ext J_ext^2 nu_ext (diffusion approximation; sigma as in
    # Brunel 2000, sigma = J sqrt(C nu tau), and Fourcaud & Brunel 2002, Eq. 3.4)
    J_ext = p["tau_s"] / p["C"] * p["W_ext"]
    mu = p["tau_m"] * p["K_ext"] * J_ext * p["nu_ext"]
    sigma = np.sqrt(p["tau_m"] * p["K_ext"] * J_ext ** 2 * p["nu_ext"])
    nu_ref = np.array([_shifted_siegert_quad(mu[i], sigma[i], 15e-3, 10e-3, 2e-3, 0.5e-3)
                       for i in range(2)])
    nu = np.asarray(net.results["lif.exp.firing_rates"])
    np.testing.assert_allclose(nu, nu_ref, rtol=1e-6)
    assert nu_ref[1] > 1.5 * nu_ref[0] > 0  # the two populations differ
    np.testing.assert_allclose(S, _shot_noise(p["N"], nu_ref, omegas), rtol=1e-5)


def test_uncoupled_network_with_renewal_noise():
    """K = 0 with renewal noise: S = sum_X N_X S_X(omega) |H^_X|^2, S_X the neurons'
    spike-train spectra; S_X -> nu_X at high frequencies (Poisson limit) and
    nu_X CV_X^2 < nu_X at low ones (CV from the independent Brunel 2000 formula via
    lif.exp.cvs, itself tested against mpmath)."""
    from neuromf.lif import exp

    net = _uncoupled_network()
    omegas, S = LN.theory_spectrum(net, _kernels())
    single = np.asarray(net.results["lif.exp.spike_train_power_spectra"])
    h = _kernel_fourier_closed_form(omegas)
    expected = sum(net.network_params["N"][i] * single[:, i] * np.abs(h[x]) ** 2
                   for i, x in enumerate(("E", "I")))
    np.testing.assert_allclose(S, expected, rtol=1e-5)
    nu = np.asarray(net.results["lif.exp.firing_rates"])
    cv = np.asarray(exp.cvs(net))
    # 0.05 Hz: the parabolic-cylinder formula itself (not its omega = 0 branch)
    slow = exp.spike_train_power_spectra(net.copy(), freqs=[0.05])[0]
    np.testing.assert_allclose(slow, nu * cv**2, rtol=1e-4)
    assert np.all(np.abs(single[-1] / nu - 1) < 0.05)


def test_shot_noise_formula_against_poisson_monte_carlo():
    """Independent Poisson spike trains convolved with the kernels (the simulation
    path: spike counts, convolution, Welch): 100-Hz band means within 5 % of the
    closed form.  Statistical error: the largest of the 12 band deviations was
    0.009-0.036 over 20 seeds (299 half-overlapping Welch segments of 0.4 s)."""
    rng = np.random.default_rng(7)
    N, nu, T = np.array([800.0, 200.0]), np.array([6.0, 15.0]), 60.0
    spikes = []
    for n, r in zip(N, nu, strict=True):
        times = np.sort(rng.uniform(0.0, T, rng.poisson(n * r * T)))
        spikes.append((rng.integers(0, int(n), times.size), times))
    result = SimpleNamespace(populations=["E", "I"], spikes=spikes, t_start=0.0, t_stop=T)
    _, v = LN.simulated_signal(result, _kernels())
    v = v[:, N_LAGS:]  # drop the start-up (zero history)
    om, psd = power_spectrum_estimate(v, DT, nperseg=4000)  # 2.5 Hz resolution
    f = om / (2 * np.pi)
    # from 10 Hz on (the lowest bins feel the per-segment mean removal)
    sel = (f >= 9.9) & (f < 609.9)
    expected = _shot_noise(N, nu, om[sel])
    ratio = psd[:, sel].reshape(2, -1, 40).mean(-1) / expected.reshape(2, -1, 40).mean(-1)
    np.testing.assert_allclose(ratio, 1.0, atol=0.05)


def test_cross_spectrum_orientation_against_monte_carlo():
    """A_I(t) = A_E(t - s) + independent noise: the cross-spectrum in the convention of
    the theory, C_EI = <A^_E A^_I^*>/T = S_E e^{+i omega s}, gives
    S_V = |H^_E + H^_I e^{-i omega s}|^2 S_E + |H^_I|^2 S_noise; the conjugate
    convention would give a different (wrong) interference term.  Monte Carlo band
    means within 5 % (largest of 12 band deviations 0.012-0.039 over 20 seeds)."""
    rng = np.random.default_rng(11)
    T, shift_bins = 60.0, 40  # s = 4 ms
    n_bins = int(round(T / DT))
    rate_e, rate_n = 4000.0, 3000.0  # population spike rates (1/s)
    a_e = rng.poisson(rate_e * DT, n_bins + shift_bins).astype(float)
    a_i = a_e[:n_bins] + rng.poisson(rate_n * DT, n_bins)  # delayed copy + noise
    a_e = a_e[shift_bins:]
    t = DT * np.arange(n_bins)
    spikes = [(np.zeros(int(a.sum()), int), np.repeat(t + 0.5 * DT, a.astype(int)))
              for a in (a_e, a_i)]
    result = SimpleNamespace(populations=["E", "I"], spikes=spikes, t_start=0.0, t_stop=T)
    k = _kernels()
    _, v = LN.simulated_signal(result, k)
    om, psd = power_spectrum_estimate(v[:, N_LAGS:], DT, nperseg=4000)
    f = om / (2 * np.pi)
    sel = (f >= 9.9) & (f < 609.9)
    w = om[sel]
    s = shift_bins * DT
    # population activities: N = 1 with C referring to A (spikes of the population)
    C = np.zeros((w.size, 2, 2), complex)
    C[:, 0, 0] = rate_e
    C[:, 1, 1] = rate_e + rate_n
    C[:, 0, 1] = rate_e * np.exp(1j * w * s)
    C[:, 1, 0] = np.conj(C[:, 0, 1])
    S = LN.spectrum_from_cross_spectra(k, C, np.ones(2), w, ["E", "I"])
    h = _kernel_fourier_closed_form(w)
    closed = (np.abs(h["E"] + h["I"] * np.exp(-1j * w * s)) ** 2 * rate_e
              + np.abs(h["I"]) ** 2 * rate_n)
    np.testing.assert_allclose(S, closed, rtol=1e-9)
    ratio = psd[:, sel].reshape(2, -1, 40).mean(-1) / closed.reshape(2, -1, 40).mean(-1)
    np.testing.assert_allclose(ratio, 1.0, atol=0.05)
    wrong = LN.spectrum_from_cross_spectra(k, np.conj(C), np.ones(2), w, ["E", "I"])
    assert np.max(np.abs(wrong / closed - 1)) > 0.3  # the test can tell the two apart


def _ei_network(g: float = 8.0, nu_ext: float = 10.0, delay: float = 3e-3):
    """Brunel-type E-I network with exponential synapses (the 'peaked' network of
    benchmarks/lfp_theory_vs_simulation.py): inhibition-dominated, asynchronous irregular
    at ~16 spikes/s with a damped oscillation near 55 Hz."""
    from neuromf.models import Basic

    w = 87.8e-12
    params = {"populations": ["E", "I"], "N": np.array([1600.0, 400.0]),
              "K": np.array([[160.0, 40.0], [160.0, 40.0]]), "C": 250e-12, "tau_m": 10e-3,
              "tau_r": 2e-3, "tau_s": 0.5e-3, "V_0_abs": -65e-3, "V_th_abs": -50e-3,
              "E_L": -65e-3, "W": np.array([[w, -g * w], [w, -g * w]]),
              "K_ext": np.array([300.0, 300.0]), "W_ext": np.array([263.4e-12, 263.4e-12]),
              "nu_ext": nu_ext, "Delay": np.full((2, 2), delay), "Delay_sd": np.zeros((2, 2)),
              "delay_dist": "none", "synapse_type": "exp"}
    return Basic(params, {"f_min": 2.0, "f_max": 500.0, "df": 2.0})


def _peak(f, S, smooth_hz=10.0):
    """Frequency of the maximum of the running mean (smooth_hz wide) of S over 10-400 Hz."""
    sel = (f >= 10) & (f <= 400)
    n = int(round(smooth_hz / (f[1] - f[0])))
    s = np.convolve(S[sel], np.ones(n) / n, mode="same")
    return f[sel][n:-n][np.argmax(s[n:-n])]


@pytest.mark.slow
@pytest.mark.skipif(not (HAVE_LFP and HAVE_NEST), reason="extras 'lfp' and 'sim'")
def test_cdm_spectrum_theory_vs_nest_simulation():
    """5 s of NEST simulation of the E-I network against the theory.

    Reference (benchmarks/lfp_theory_vs_simulation.py --network peaked): theory CDM peak
    56 Hz; the simulated spectrum averaged over 6 seeds x 10 s peaks at 54 Hz, single
    10-s runs at 54-66 Hz (the simulated resonance is broader, half maximum 44-84 Hz
    against 46-66 Hz).  The mean-channel-only theory (NNMT's convention) puts the peak at
    100 Hz, so the peak test can fail: the simulated peak (10-Hz running mean) must lie
    within 14 Hz of the theory's.  Simulated/theory CDM power over 2-400 Hz: 0.62-0.77
    for seeds 1-6 -> bounds [0.5, 1.5] (excludes a factor-2 normalisation error); per
    band (2-20, 20-60, 60-150, 150-400 Hz) 0.36-1.41 -> [1/4, 3].  Independently of the
    theory, the simulated signal's spectrum must equal the kernels combined with the
    simulated rate cross-spectra (scipy.signal.csd) within 2 %.
    """
    from scipy import signal as sps

    from neuromf.simulation import simulate

    net = _ei_network()
    k = LN.network_kernels(net, "cdm")
    omegas, S_th = LN.theory_spectrum(net, k)
    _, S_mean_only = LN.theory_spectrum(net.copy(), k, variance_channel=False)
    res = simulate(net, scale=1.0, t_sim=5.0, threads=2, seed=3, t_presim=0.3,
                   progress=False, plots=False)
    assert np.all(np.abs(res.rates / net.results["lif.exp.firing_rates"] - 1) < 0.1)
    _, v = LN.simulated_signal(res, k)
    nperseg = int(round(0.5 / k.dt))
    om_s, S_sim = power_spectrum_estimate(v, k.dt, nperseg=nperseg)
    f = omegas / (2 * np.pi)
    idx = np.rint(f / (om_s[1] / (2 * np.pi))).astype(int)
    S_sim = S_sim[0, idx]

    def band(S, lo, hi):
        return S[..., (f >= lo) & (f <= hi)].mean(-1)

    f_theory, f_sim = _peak(f, S_th[0]), _peak(f, S_sim)
    assert abs(f_sim - f_theory) <= 14.0, (f_theory, f_sim)
    assert abs(_peak(f, S_mean_only[0]) - f_sim) > 20.0   # the test discriminates
    broad = band(S_sim, 2, 400) / band(S_th[0], 2, 400)
    assert 0.5 < broad < 1.5, broad
    for lo, hi in ((2, 20), (20, 60), (60, 150), (150, 400)):
        r = band(S_sim, lo, hi) / band(S_th[0], lo, hi)
        assert 1 / 4 < r < 3, (lo, hi, r)

    # kernels x simulated cross-spectra (population-averaged rates)
    N = net.network_params["N"]
    counts = [np.histogram(sp[1], bins=res.t_start + k.dt * np.arange(v.shape[1] + 1))[0]
              for sp in res.spikes]
    r = np.array(counts) / (N[:, None] * k.dt)
    C = np.empty((idx.size, 2, 2), complex)
    for a in range(2):
        for b in range(2):
            # scipy: csd(x, y) = <X^* Y>, so <R_a R_b^*> = csd(r_b, r_a); two-sided: / 2
            C[:, a, b] = sps.csd(r[b], r[a], fs=1 / k.dt, nperseg=nperseg)[1][idx] / 2
    S_semi = LN.spectrum_from_cross_spectra(k, C, N, omegas, ["E", "I"])[0]
    np.testing.assert_allclose(band(S_sim, 2, 400) / band(S_semi, 2, 400), 1.0, atol=0.02)
