"""Figures and numbers of docs/dynamics.md: the Fokker–Planck integrator of neuromf.dynamics.

1. Stationary density and rate against the closed form / Siegert formula (grid convergence).
2. Rate response to sinusoidal modulation of mu and sigma² against the transfer functions.
3. The full-scale microcircuit: limit cycle, spectra (deterministic, finite-size, rate
   method) and the thalamic-pulse response.

Run:  python docs/figures/dynamics_validation.py [--out docs/figures]
(not a gallery example: it runs the full-scale microcircuit for several seconds of
biological time)
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from scipy.special import dawsn  # noqa: E402

import neuromf  # noqa: E402
from neuromf import dynamics as dy  # noqa: E402
from neuromf.dynamics import _fokker_planck as fp  # noqa: E402
from neuromf.lif import _transfer  # noqa: E402
from neuromf.models import Plain  # noqa: E402
from neuromf.special import _siegert  # noqa: E402

V_R, V_TH, TAU, TAU_R = 10e-3, 20e-3, 20e-3, 2e-3


def uncoupled(mu, sigma, tau_s=None):
    n = mu.size
    p = {"populations": [f"P{i}" for i in range(n)], "N": np.full(n, 1e3),
         "tau_m": np.full(n, TAU), "tau_r": np.full(n, TAU_R), "V_0_rel": np.full(n, V_R),
         "V_th_rel": np.full(n, V_TH), "C": np.full(n, 250e-12), "J": np.zeros((n, n)),
         "K": np.zeros((n, n)), "Delay": np.full((n, n), 1e-3), "delay_dist": "none",
         "J_ext": np.diag(sigma ** 2 / mu), "K_ext": np.eye(n),
         "nu_ext": mu ** 2 / (TAU * sigma ** 2),
         "synapse_type": "delta" if tau_s is None else "exp"}
    if tau_s is not None:
        p["tau_s"] = np.full(n, tau_s)
    return Plain(p)


def stationary(out: Path) -> None:
    mu, sigma = np.array([12e-3, 18e-3, 25e-3]), np.array([3e-3, 1.5e-3, 3e-3])
    n = mu.size
    exact_nu = _siegert.delta_firing_rate(mu, sigma, V_R, V_TH, TAU, TAU_R)
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 3.8))
    grid = fp.make_grid(np.minimum(mu, V_R) - 6 * sigma, np.full(n, V_R), np.full(n, V_TH), 200)
    p, nu = fp.stationary_density(grid, mu, sigma, np.full(n, TAU), np.full(n, TAU_R))
    for i in range(n):
        y = (grid.V[i] - mu[i]) / sigma[i]
        y_th, lo = (V_TH - mu[i]) / sigma[i], np.maximum(y, (V_R - mu[i]) / sigma[i])
        exact = 2 * nu[i] * TAU / sigma[i] * (np.exp(y_th ** 2 - y ** 2) * dawsn(y_th)
                                              - np.exp(lo ** 2 - y ** 2) * dawsn(lo))
        a1.plot(grid.V[i] * 1e3, exact, "k-", lw=2.5, alpha=0.3)
        a1.plot(grid.V[i] * 1e3, p[i], lw=1,
                label=f"mu={mu[i] * 1e3:g} mV, sigma={sigma[i] * 1e3:g} mV, {nu[i]:.3g} Hz")
    a1.set_xlabel("V (mV, rel. to rest)")
    a1.set_ylabel("density (1/V)")
    a1.legend(fontsize=7)
    a1.set_title("stationary density: FP (n_grid=200) and closed form (grey)")
    ns = [50, 100, 200, 400, 800]
    errs = []
    for m in ns:
        g = fp.make_grid(np.minimum(mu, V_R) - 6 * sigma, np.full(n, V_R), np.full(n, V_TH), m)
        _, nu_m = fp.stationary_density(g, mu, sigma, np.full(n, TAU), np.full(n, TAU_R))
        errs.append(np.abs(nu_m / exact_nu - 1))
    errs = np.array(errs)
    for i in range(n):
        a2.loglog(ns, errs[:, i], "o-", label=f"mu={mu[i] * 1e3:g} mV")
    a2.loglog(ns, errs[0, 0] * (ns[0] / np.array(ns)) ** 4, "k--", lw=0.8, label="n^-4")
    a2.axhline(1e-6, color="grey", lw=0.5)
    a2.set_xlabel("n_grid")
    a2.set_ylabel("|nu_FP / nu_Siegert - 1|")
    a2.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out / "dynamics_stationary.png", dpi=120)
    plt.close(fig)
    for m, e in zip(ns, errs, strict=True):
        print(f"stationary rate error n_grid={m}: {np.array2string(e, precision=2)}")


def transfer(out: Path) -> None:
    freqs = np.array([5.0, 20.0, 50.0, 100.0, 150.0, 200.0])
    mu0, s0 = 15e-3, 3e-3
    nf = freqs.size
    net = uncoupled(np.full(2 * nf, mu0), np.full(2 * nf, s0))
    d_mu, d_var = 0.05e-3, 0.02 * s0 ** 2
    stim = dy.Stimulus(
        mu=[dy.sinusoid(d_mu, f, populations=[i]) for i, f in enumerate(freqs)],
        var=[dy.sinusoid(d_var, f, populations=[nf + i]) for i, f in enumerate(freqs)])
    t0, T = 0.2, 0.2
    r = dy.simulate(net, t0 + T, dt=1e-5, stimulus=stim, progress=False, n_grid=400)
    sel = r.times >= t0 - 1e-12
    sel[-1] = False
    t, x = r.times[sel], r.rates[sel]
    om = 2 * np.pi * np.concatenate([freqs, freqs])
    z = 2 * np.mean((x - x.mean(0)) * np.exp(-1j * om * t[:, None]), axis=0)
    H = 1j * z / np.concatenate([np.full(nf, d_mu), np.full(nf, d_var)])
    f_line = np.linspace(1, 220, 300)
    w = 2 * np.pi * f_line
    ref_mu = _transfer._transfer_function_delta(mu0, s0, TAU, TAU_R, V_TH, V_R, w)[:, 0]
    ref_var = _transfer._transfer_function_variance_delta(mu0, s0, TAU, TAU_R, V_TH, V_R, w)[:, 0]
    at = 2 * np.pi * freqs
    e_mu = np.abs(H[:nf] / _transfer._transfer_function_delta(mu0, s0, TAU, TAU_R, V_TH, V_R,
                                                              at)[:, 0] - 1)
    e_var = np.abs(H[nf:] / _transfer._transfer_function_variance_delta(
        mu0, s0, TAU, TAU_R, V_TH, V_R, at)[:, 0] - 1)
    print("transfer (delta, n_grid=400, dt=10 us) |H_FP/H - 1| mu :", np.round(e_mu, 4))
    print("                                              sigma^2 :", np.round(e_var, 4))
    fig, axes = plt.subplots(2, 2, figsize=(9, 5.5), sharex=True)
    for col, (ref, h, unit) in enumerate([(ref_mu, H[:nf], "Hz/mV"), (ref_var, H[nf:], "Hz/mV²")]):
        scale = 1e-3 if col == 0 else 1e-6
        axes[0, col].plot(f_line, np.abs(ref) * scale, "k-", label="transfer function (theory)")
        axes[0, col].plot(freqs, np.abs(h) * scale, "o", label="Fokker-Planck")
        axes[1, col].plot(f_line, np.angle(ref, deg=True), "k-")
        axes[1, col].plot(freqs, np.angle(h, deg=True), "o")
        axes[0, col].set_ylabel(f"|H| ({unit})")
        axes[1, col].set_ylabel("phase (deg)")
        axes[1, col].set_xlabel("frequency (Hz)")
    axes[0, 0].set_title("mean input mu")
    axes[0, 1].set_title("input variance sigma²")
    axes[0, 0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "dynamics_transfer.png", dpi=120)
    plt.close(fig)


def microcircuit(out: Path) -> None:
    net = neuromf.models.Microcircuit()
    runs = {"FP": dy.simulate(net, 2.0, dt=1e-4, progress=False, perturbation=0.01),
            "FP + finite size": dy.simulate(net, 2.0, dt=1e-4, progress=False,
                                            perturbation=0.01, finite_size=True, seed=1),
            "rate method": dy.simulate(net, 2.0, dt=1e-4, method="rate", progress=False,
                                       perturbation=0.01)}
    nest_full = np.array([0.90, 2.96, 4.40, 5.87, 7.52, 8.62, 1.11, 7.83])   # docs/simulation.md
    print("microcircuit NEST full scale (docs/simulation.md):", nest_full)
    fig, axes = plt.subplots(1, 3, figsize=(14, 4))
    for label, r in runs.items():
        mean = r.mean_rates(0.5)
        f, psd = r.spectra(t_min=0.5)
        band = (f >= 20) & (f <= 500)
        peak = f[band][np.argmax(psd[band], axis=0)]
        print(f"{label:18s} rates {np.array2string(mean, precision=3)} "
              f"max |rel. dev. from NEST| {np.max(np.abs(mean / nest_full - 1)):.1%} "
              f"std {np.array2string(r.rates[r.times >= 0.5].std(0), precision=2)} "
              f"peaks {peak} wall {r.diagnostics['wall_time']:.1f} s")
        axes[1].semilogy(f[1:], psd[1:, 2], label=f"{label} (L4E)", lw=0.8)
    r = runs["FP"]
    sel = (r.times >= 1.9)
    for i, name in enumerate(r.populations):
        axes[0].plot(r.times[sel] * 1e3, r.rates[sel, i], lw=0.8, label=name)
    axes[0].set_xlabel("time (ms)")
    axes[0].set_ylabel("rate (Hz)")
    axes[0].set_title("FP limit cycle (deterministic)")
    axes[0].legend(fontsize=6, ncol=2)
    axes[1].axvspan(82, 84, color="grey", alpha=0.3, label="NEST full scale 82-84 Hz")
    axes[1].set_xlim(0, 500)
    axes[1].set_ylim(1e-8, 1e2)
    axes[1].set_xlabel("frequency (Hz)")
    axes[1].set_ylabel("power (Hz)")
    axes[1].legend(fontsize=7)
    stim = dy.microcircuit_stimulus(net, thalamic=True)
    for label, method in [("FP", "fokker-planck"), ("rate", "rate")]:
        rs = dy.simulate(net, 0.8, dt=1e-4, method=method, stimulus=stim, progress=False)
        sel = (rs.times >= 0.68) & (rs.times <= 0.76)
        before = rs.rates[(rs.times > 0.6) & (rs.times < 0.7)].mean(0)
        win = (rs.times >= 0.7) & (rs.times <= 0.75)
        k = np.argmax(rs.rates[win], axis=0)
        peaks = np.array2string(rs.rates[win].max(0), precision=1)
        print(f"thalamic pulse, {label}: peak rates {peaks}"
              f" Hz, latency {np.array2string((rs.times[win][k] - 0.7) * 1e3, precision=1)} ms,"
              f" baseline {np.array2string(before, precision=2)} Hz")
        style = "-" if method == "fokker-planck" else ":"
        for i in (2, 3, 6):
            axes[2].plot(rs.times[sel] * 1e3, rs.rates[sel, i], style, lw=1,
                         label=f"{rs.populations[i]} {label}")
    axes[2].set_xlabel("time (ms)")
    axes[2].set_ylabel("rate (Hz)")
    axes[2].set_title("thalamic pulse 700-710 ms")
    axes[2].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out / "dynamics_microcircuit.png", dpi=120)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default="docs/figures")
    parser.add_argument("--only", choices=["stationary", "transfer", "microcircuit"])
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for name, func in [("stationary", stationary), ("transfer", transfer),
                       ("microcircuit", microcircuit)]:
        if args.only in (None, name):
            func(out)


if __name__ == "__main__":
    main()
