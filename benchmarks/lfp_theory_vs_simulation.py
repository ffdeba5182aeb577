"""LFP and current-dipole-moment spectra: mean-field theory vs NEST simulation.

One network object -- a Brunel-type E-I network of leaky integrate-and-fire neurons
with exponential synaptic currents in the asynchronous irregular state -- is used
for both sides:

* **theory**: working point, transfer functions (mean and variance channel), delays and
  effective connectivity give the rate cross-spectra
  ``C(omega) = (1 - M)^-1 diag(S/N) (1 - M)^-dagger`` (Bos et al. 2016, Eq. 18, with the
  neurons' renewal spike-train spectra S in place of nu; NNMT's convention -- mean channel,
  Poisson noise -- is shown for reference); with the Fourier-transformed kernels ``H^``
  (Hagen et al. 2022) the signal spectrum is
  ``S(omega) = sum_XX' N_X N_X' H^_X C_XX' H^_X'^*``
  (:func:`neuromf.lfp.network.theory_spectrum`);
* **simulation**: the same network in NEST; the population spike counts are
  convolved with the same kernels (:func:`neuromf.lfp.network.simulated_signal`) and
  the spectrum is estimated with Welch's method;
* **kernels x simulated cross-spectra** (diagnostic): the kernels combined with the
  rate cross-spectra estimated from the simulated spikes.  It coincides with the
  simulated signal's spectrum up to estimation noise, so any difference between
  theory and simulation comes from the rate cross-spectra of the theory, not from
  the kernels.

The script prints the agreement (band-averaged power ratios simulation/theory for
the CDM and every LFP channel, peak frequencies, the population-rate spectra) and
writes a figure.  Needs the extras ``lfp`` (LFPy, NEURON) and ``sim`` (NEST).

Usage::

    python benchmarks/lfp_theory_vs_simulation.py [--t-sim 10] [--threads 2]
        [--seed 12] [--out docs/figures/lfp_theory_vs_simulation.png] [--json FILE]

References
----------
Bos H, Diesmann M, Helias M (2016) PLoS Comput Biol 12: e1005132.
Hagen E, Magnusson SH, Ness TV, et al. (2022) PLoS Comput Biol 18: e1010353.
Brunel N (2000) J Comput Neurosci 8: 183-208.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from scipy import signal as sps

from neuromf.lfp import network as LN
from neuromf.lfp.spectra import power_spectrum_estimate, spike_count_histogram
from neuromf.models import Basic

BANDS = ((2.0, 20.0), (20.0, 60.0), (60.0, 150.0), (150.0, 400.0))
BROAD = (2.0, 400.0)


def ei_network(N_E: int = 1600, N_I: int = 400, eps: float = 0.1, g: float = 5.0,
               w: float = 87.8e-12, w_ext: float = 263.4e-12, K_ext: float = 300.0,
               nu_ext: float = 7.8, tau_s: float = 0.5e-3, delay: float = 1.5e-3,
               df: float = 2.0, f_max: float = 500.0) -> Basic:
    """Brunel (2000)-type E-I network with exponential synaptic currents.

    Fixed in-degrees ``eps N`` from both populations, inhibitory PSCs ``-g w``,
    ``K_ext`` independent Poisson inputs of rate ``nu_ext`` with PSC ``w_ext``; NEST's
    ``iaf_psc_exp`` neuron parameters (C = 250 pF, tau_m = 10 ms, tau_ref = 2 ms,
    reset = rest = -65 mV, threshold -50 mV).  Analysis frequencies ``df, 2 df, ...``
    (Hz) below ``f_max``.
    """
    K_E, K_I = round(eps * N_E), round(eps * N_I)
    W = np.array([[w, -g * w], [w, -g * w]])
    params = {
        "populations": ["E", "I"], "N": np.array([N_E, N_I], float),
        "K": np.array([[K_E, K_I], [K_E, K_I]], float),
        "C": 250e-12, "tau_m": 10e-3, "tau_r": 2e-3, "tau_s": tau_s,
        "V_0_abs": -65e-3, "V_th_abs": -50e-3, "E_L": -65e-3,
        "W": W, "K_ext": np.array([K_ext, K_ext], float), "W_ext": np.array([w_ext, w_ext]),
        "nu_ext": nu_ext, "Delay": np.full((2, 2), delay), "Delay_sd": np.zeros((2, 2)),
        "delay_dist": "none", "synapse_type": "exp",
    }
    return Basic(params, {"f_min": df, "f_max": f_max, "df": df})


def band_mean(f: np.ndarray, S: np.ndarray, band: tuple[float, float]) -> np.ndarray:
    """Mean of ``S`` (..., n_f) over ``band[0] <= f <= band[1]``."""
    sel = (f >= band[0]) & (f <= band[1])
    return S[..., sel].mean(axis=-1)


def peak_frequency(f: np.ndarray, S: np.ndarray, band=BROAD, prominence: float = 1.2,
                   smooth_hz: float = 10.0) -> float | None:
    """Frequency of the maximum of ``S`` in ``band`` if it is a peak.

    The spectrum is smoothed with a running mean of ``smooth_hz`` (Welch estimates are
    noisy); the maximum counts as a peak when it lies inside the band and exceeds the
    smoothed spectrum at the band's lower edge by the factor ``prominence``.
    """
    sel = (f >= band[0]) & (f <= band[1])
    fs, s = f[sel], S[sel]
    n = max(1, int(round(smooth_hz / (fs[1] - fs[0]))))
    s = np.convolve(s, np.ones(n) / n, mode="same")
    edge = n // 2 + 1
    i = int(np.argmax(s[edge:-edge])) + edge
    if s[i] < prominence * s[edge]:
        return None
    return float(fs[i])


def static_feedback(net) -> dict:
    """Leading eigenvalue of the effective connectivity at the lowest analysis frequency,
    with the mean channel only (NNMT's convention) and with the variance channel."""
    from neuromf import linear_response
    from neuromf.lif import exp as lif

    work = net.copy()
    lif.transfer_function(work)
    lif.transfer_function_variance(work)
    out = {}
    for key, var in (("lambda0_mean_only", False), ("lambda0_with_variance", True)):
        M = np.asarray(linear_response.effective_connectivity(work, variance_channel=var))[0]
        ev = np.linalg.eigvals(M)
        out[key] = complex(ev[np.argmax(np.abs(ev))])
    return out


def simulated_cross_spectra(result, N: np.ndarray, dt: float, nperseg: int
                            ) -> tuple[np.ndarray, np.ndarray]:
    """Welch cross-spectral matrix of the simulated population-averaged rates.

    ``C_XX'(omega) = <r^_X r^_X'^*>/T`` (two-sided, Hz), r_X = spike counts /
    (N_X dt) -- the normalisation of the theory's ``C``.
    """
    times = [np.asarray(sp[1], dtype=float) for sp in result.spikes]
    counts = spike_count_histogram(times, result.t_start, result.t_stop, dt)
    r = counts / (np.asarray(N, float)[:, None] * dt)
    n = r.shape[0]
    f, _ = sps.welch(r[0], fs=1 / dt, nperseg=nperseg)
    C = np.empty((f.size, n, n), dtype=complex)
    for a in range(n):
        for b in range(n):
            # scipy: csd(x, y) = <conj(X) Y>; C_ab = <R_a conj(R_b)> = csd(r_b, r_a)
            C[:, a, b] = sps.csd(r[b], r[a], fs=1 / dt, nperseg=nperseg)[1]
    C[1:] *= 0.5  # one-sided -> two-sided
    if nperseg % 2 == 0:
        C[-1] *= 2.0
    C = 0.5 * (C + np.conj(np.swapaxes(C, 1, 2)))
    return 2 * np.pi * f, C


#: Networks compared: 'peaked' (inhibition-dominated, delay 3 ms: a damped oscillation
#: at ~50 Hz, the case where the peak frequency can be checked) and 'asynchronous' (the
#: weakly coupled E-I network of tests/simulation/sim_models.py, no spectral peak).
NETWORKS = {"peaked": {"g": 8.0, "nu_ext": 10.0, "delay": 3e-3},
            "asynchronous": {}}


def run(t_sim: float = 10.0, threads: int = 2, seed: int = 12, t_seg: float = 0.5,
        network_kwargs: dict | None = None, diagnostic: bool = True) -> dict:
    """Theory and simulation of the E-I network; returns spectra and agreement numbers.

    Parameters
    ----------
    t_sim : float
        Analysed simulation time (s), after 0.5 s of presimulation.
    threads : int
        NEST threads.
    seed : int
        NEST seed.
    t_seg : float
        Welch segment length (s); frequency resolution ``1/t_seg``.
    network_kwargs : dict, optional
        Passed to :func:`ei_network`.
    diagnostic : bool
        Also compute the kernels x simulated cross-spectra curve.
    """
    from neuromf import linear_response
    from neuromf.simulation import population_spectra, simulate

    df = 1.0 / t_seg
    net = ei_network(df=df, **(network_kwargs or {}))
    N = np.asarray(net.network_params["N"], float)
    pops = [str(p) for p in net.network_params["populations"]]
    out: dict = {"timings": {}}

    t0 = time.perf_counter()
    kernels = {probe: LN.network_kernels(net, probe) for probe in ("cdm", "lfp")}
    out["timings"]["kernels"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    theory, theory_mean = {}, {}
    mean_only = net.copy()
    for probe, k in kernels.items():
        omegas, theory[probe] = LN.theory_spectrum(net, k)
        _, theory_mean[probe] = LN.theory_spectrum(mean_only, k, variance_channel=False,
                                                   renewal=False)
    rate_theory = np.asarray(linear_response.power_spectra(net, renewal=True))
    rate_theory_mean = np.asarray(linear_response.power_spectra(mean_only))
    nu_theory = np.asarray(net.results["lif.exp.firing_rates"], float)
    out["feedback"] = static_feedback(net)
    out["unstable_modes"] = {
        "with_variance": linear_response.unstable_modes(net, variance_channel=True)["count"],
        "mean_only": linear_response.unstable_modes(net)["count"]}
    out["timings"]["theory"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    res = simulate(net, scale=1.0, t_sim=t_sim, threads=threads, seed=seed,
                   t_presim=0.5, progress=False, plots=False)
    out["timings"]["simulation"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    dt = kernels["cdm"].dt
    nperseg = int(round(t_seg / dt))
    sim, semi = {}, {}
    for probe, k in kernels.items():
        _, v = LN.simulated_signal(res, k)
        om_s, sim[probe] = power_spectrum_estimate(v, dt, nperseg=nperseg)
    f_rate, rate_sim = population_spectra(res.spikes, res.n_neurons, res.t_start,
                                          res.t_stop, bin_width=1e-3,
                                          nperseg=int(round(t_seg / 1e-3)))
    if diagnostic:
        om_c, C_sim = simulated_cross_spectra(res, N, dt, nperseg)
        for probe, k in kernels.items():
            semi[probe] = LN.spectrum_from_cross_spectra(k, C_sim[1:], N, om_c[1:], pops)
    out["timings"]["analysis"] = time.perf_counter() - t0

    f_th = omegas / (2 * np.pi)
    f_sim = om_s / (2 * np.pi)
    # same grid: df, 2 df, ... on both sides
    idx = np.rint(f_th / (f_sim[1] - f_sim[0])).astype(int)
    if not np.allclose(f_sim[idx], f_th):
        raise RuntimeError("theory and Welch frequencies differ")
    sim = {p: s[:, idx] for p, s in sim.items()}
    semi = {p: s[:, idx - 1] for p, s in semi.items()}
    rate_sim = rate_sim[np.rint(f_th / (f_rate[1] - f_rate[0])).astype(int)].T

    agreement: dict = {"bands_hz": [list(b) for b in (BROAD,) + BANDS]}
    for probe in ("cdm", "lfp"):
        ratios = np.array([band_mean(f_th, sim[probe], b) / band_mean(f_th, theory[probe], b)
                           for b in (BROAD,) + BANDS])  # (n_bands, n_channels)
        agreement[probe] = {"ratio_sim_over_theory": ratios.tolist()}
        if diagnostic:
            agreement[probe]["ratio_sim_over_kernels_x_sim_cross_spectra"] = [
                (band_mean(f_th, sim[probe], b) / band_mean(f_th, semi[probe], b)).tolist()
                for b in (BROAD,) + BANDS]
        agreement[probe]["ratio_sim_over_theory_mean_only"] = np.array(
            [band_mean(f_th, sim[probe], b) / band_mean(f_th, theory_mean[probe], b)
             for b in (BROAD,) + BANDS]).tolist()
        for key, spectra in (("peak_hz_theory", theory), ("peak_hz_simulation", sim),
                             ("peak_hz_theory_mean_only", theory_mean)):
            peaks = [peak_frequency(f_th, s) for s in spectra[probe]]
            agreement[probe][key] = [None if p is None else round(p, 1) for p in peaks]
    agreement["rates"] = {"ratio_sim_over_theory": [
        (band_mean(f_th, rate_sim, b) / band_mean(f_th, rate_theory.T, b)).tolist()
        for b in (BROAD,) + BANDS]}
    agreement["rates"]["peak_hz"] = {
        key: [peak_frequency(f_th, s) for s in spectra]
        for key, spectra in (("theory", rate_theory.T), ("simulation", rate_sim),
                             ("theory_mean_only", rate_theory_mean.T))}
    out.update(
        f=f_th, theory=theory, theory_mean=theory_mean, rate_theory_mean=rate_theory_mean.T,
        simulation=sim, semi=semi, rate_theory=rate_theory.T,
        rate_simulation=rate_sim, nu_theory=nu_theory, nu_simulation=np.asarray(res.rates),
        cv_simulation=np.asarray(res.cv), corr_simulation=np.asarray(res.correlations),
        channels=kernels["lfp"].channels, agreement=agreement, N=N, populations=pops,
        t_sim=t_sim, df=df)
    return out


def report(out: dict) -> str:
    """Human-readable agreement table."""
    a = out["agreement"]
    names = [f"{b[0]:g}-{b[1]:g} Hz" for b in a["bands_hz"]]
    lines = [f"E-I network, N = {out['N'].astype(int).tolist()}, simulated {out['t_sim']} s, "
             f"Welch resolution {out['df']:g} Hz",
             f"rates (1/s): theory {np.round(out['nu_theory'], 2).tolist()}, "
             f"simulation {np.round(out['nu_simulation'], 2).tolist()}; CV "
             f"{np.round(out['cv_simulation'], 2).tolist()}, count correlation "
             f"{np.round(out['corr_simulation'], 4).tolist()}",
             "band-averaged power, simulation / theory:"]
    rr = np.array(a["rates"]["ratio_sim_over_theory"])
    for i, name in enumerate(names):
        lines.append(f"  {name:>12}: rates E {rr[i, 0]:.2f}  I {rr[i, 1]:.2f}   CDM "
                     f"{a['cdm']['ratio_sim_over_theory'][i][0]:.2f}   LFP channels "
                     f"{np.min(a['lfp']['ratio_sim_over_theory'][i]):.2f}-"
                     f"{np.max(a['lfp']['ratio_sim_over_theory'][i]):.2f} (median "
                     f"{np.median(a['lfp']['ratio_sim_over_theory'][i]):.2f})")
    if "ratio_sim_over_kernels_x_sim_cross_spectra" in a["cdm"]:
        c = np.array(a["cdm"]["ratio_sim_over_kernels_x_sim_cross_spectra"])[:, 0]
        lf = np.array(a["lfp"]["ratio_sim_over_kernels_x_sim_cross_spectra"])
        lines.append("simulated signal / (kernels x simulated rate cross-spectra), "
                     f"{names[0]}: CDM {c[0]:.3f}, LFP {lf[0].min():.3f}-{lf[0].max():.3f}")
    fb = out["feedback"]
    lines.append("leading eigenvalue of the effective connectivity at the lowest frequency: "
                 f"with the variance channel {fb['lambda0_with_variance'].real:.2f}, mean "
                 f"channel only {fb['lambda0_mean_only'].real:.2f}; unstable modes "
                 f"{out['unstable_modes']}")
    rp = a["rates"]["peak_hz"]
    lines.append(f"rate peaks (E, I; Hz): theory {rp['theory']}, simulation "
                 f"{rp['simulation']}, NNMT convention {rp['theory_mean_only']}")
    lines.append(f"CDM peak: theory {a['cdm']['peak_hz_theory'][0]} Hz, simulation "
                 f"{a['cdm']['peak_hz_simulation'][0]} Hz, NNMT convention "
                 f"{a['cdm']['peak_hz_theory_mean_only'][0]} Hz (None: no peak)")
    mo = np.array(a["cdm"]["ratio_sim_over_theory_mean_only"])[:, 0]
    lines.append("CDM simulation / theory in NNMT's convention (mean channel, Poisson "
                 "noise), per band: "
                 + ", ".join(f"{n} {v:.2f}" for n, v in zip(names, mo, strict=True)))
    pt, ps = a["lfp"]["peak_hz_theory"], a["lfp"]["peak_hz_simulation"]
    lines.append("LFP peaks (theory/simulation, Hz) per channel: "
                 + ", ".join(f"{t}/{s}" for t, s in zip(pt, ps, strict=True)))
    lines.append("timings (s): " + ", ".join(f"{k} {v:.1f}"
                                             for k, v in out["timings"].items()))
    return "\n".join(lines)


def plot(out: dict, path: str | Path, lfp_channels=(0, 4, 8, 12)) -> None:
    """Four panels: population-rate spectra, CDM spectrum, LFP spectra, ratios."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    f = out["f"]
    fig, ax = plt.subplots(2, 2, figsize=(9, 6.4))
    colors = ["C0", "C3", "C2", "C1", "C4"]
    a = ax[0, 0]
    for i, name in enumerate(out["populations"]):
        a.loglog(f, out["rate_simulation"][i], color=colors[i], lw=0.8, alpha=0.6,
                 label=f"{name} simulation")
        a.loglog(f, out["rate_theory"][i], color=colors[i], lw=2, ls="--",
                 label=f"{name} theory")
        a.loglog(f, out["rate_theory_mean"][i], color=colors[i], lw=0.8, ls=":",
                 label=f"{name} theory, NNMT convention")
    a.set_title("population-rate spectra", fontsize=9)
    a.set_ylabel("PSD (1/s)")
    a = ax[0, 1]
    a.loglog(f, out["simulation"]["cdm"][0], color="0.5", lw=1.5, label="simulation")
    if out["semi"]:
        a.loglog(f, out["semi"]["cdm"][0], color="C1", lw=0.7,
                 label="kernels x simulated rate cross-spectra")
    a.loglog(f, out["theory"]["cdm"][0], color="k", lw=2, ls="--", label="theory")
    a.loglog(f, out["theory_mean"]["cdm"][0], color="k", lw=0.8, ls=":",
             label="theory, NNMT convention")
    a.set_title("current dipole moment p_z", fontsize=9)
    a.set_ylabel("PSD ((A m)^2/Hz)")
    a = ax[1, 0]
    for j, c in enumerate(lfp_channels):
        depth = out["channels"][c] * 1e6
        a.loglog(f, out["simulation"]["lfp"][c], color=colors[j], lw=0.8, alpha=0.6)
        a.loglog(f, out["theory"]["lfp"][c], color=colors[j], lw=2, ls="--",
                 label=f"z = {depth:.0f} um")
    a.set_title("LFP (thin: simulation, dashed: theory)", fontsize=9)
    a.set_ylabel("PSD (V^2/Hz)")
    a = ax[1, 1]
    for j, c in enumerate(lfp_channels):
        a.semilogx(f, out["simulation"]["lfp"][c] / out["theory"]["lfp"][c],
                   color=colors[j], lw=0.6, alpha=0.8)
    a.semilogx(f, out["simulation"]["cdm"][0] / out["theory"]["cdm"][0], color="k", lw=1.2,
               label="CDM")
    a.axhline(1, color="0.5", lw=0.5)
    a.set_ylim(0, 4)
    a.set_title("simulation / theory (CDM black, LFP colours)", fontsize=9)
    for a in ax.flat:
        a.set_xlabel("f (Hz)")
        a.set_xlim(f[0], 500)
        a.legend(fontsize=7, frameon=False)
    fig.tight_layout()
    fig.savefig(path, dpi=75, pil_kwargs={"optimize": True})
    plt.close(fig)


def _jsonable(x):
    if isinstance(x, dict):
        return {k: _jsonable(v) for k, v in x.items()}
    if isinstance(x, np.ndarray):
        return x.tolist()
    return x


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--t-sim", type=float, default=10.0, help="simulated time (s)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=12)
    ap.add_argument("--out", default="lfp_theory_vs_simulation.png", help="figure (PNG)")
    ap.add_argument("--json", default=None, help="write the agreement numbers here")
    ap.add_argument("--network", choices=sorted(NETWORKS), default="peaked")
    args = ap.parse_args()
    out = run(t_sim=args.t_sim, threads=args.threads, seed=args.seed,
              network_kwargs=NETWORKS[args.network])
    print(report(out))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    plot(out, args.out)
    print(f"figure: {args.out}")
    if args.json:
        Path(args.json).write_text(json.dumps(_jsonable(
            {k: out[k] for k in ("agreement", "nu_theory", "nu_simulation", "cv_simulation",
                                 "corr_simulation", "timings", "t_sim", "df",
                                 "unstable_modes")}
            | {"feedback": {k: [v.real, v.imag] for k, v in out["feedback"].items()}}),
            indent=1))


if __name__ == "__main__":
    main()
