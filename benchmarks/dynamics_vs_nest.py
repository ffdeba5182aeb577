"""Brunel 2000 states A–D: neuromf.dynamics (Fokker–Planck) against full-scale NEST.

For each state: NEST (N = 12500, ``--t-sim`` s after 0.2 s, seed 1, 2 threads), population
activity in 0.2-ms bins; the density model deterministic, with finite-size noise
('conserving', the default) and with 'input' noise (Brunel & Hakim 1999), same bins.  Printed
per state and population: mean rate, spectral peak (Welch, 0.25-s segments, 4-Hz
resolution) and oscillation amplitude, the standard deviation of the activity in 1-ms bins
(for NEST and the noisy models with the Poisson part ν/(N · 1 ms) subtracted).  NEST takes
minutes per state here, so this is a script, not a test; numbers in docs/dynamics.md.

Run:  python benchmarks/dynamics_vs_nest.py [--states B D] [--t-sim 0.3] [--fp-t-sim 1.2]
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
from scipy.signal import welch

BIN = 2e-4


def _activity_stats(act: np.ndarray, n_neurons: np.ndarray, noisy: bool) -> dict:
    """act: (P, n_bins) in Hz at BIN."""
    f, p = welch(act - act.mean(axis=1, keepdims=True), fs=1 / BIN,
                 nperseg=min(act.shape[1], int(0.25 / BIN)), axis=-1)
    band = f >= 5
    k = int(round(1e-3 / BIN))
    nb = act.shape[1] // k
    coarse = act[:, :nb * k].reshape(act.shape[0], nb, k).mean(axis=2)
    var = coarse.var(axis=1)
    mean = act.mean(axis=1)
    if noisy:
        var = np.maximum(var - mean / (n_neurons * 1e-3), 0.0)
    return {"mean": mean, "peak": f[band][np.argmax(p[:, band], axis=1)], "amp": np.sqrt(var)}


def nest_run(state: str, t_sim: float) -> tuple[dict, float]:
    import neuromf
    from neuromf.simulation import simulate
    model = neuromf.models.Brunel2000(f"brunel2000_{state}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = simulate(model, scale=1.0, t_sim=t_sim, t_presim=0.2, threads=2, plots=False,
                       progress=False, seed=1)
    edges = np.arange(res.t_start, res.t_stop + BIN / 2, BIN)
    act = np.array([np.histogram(t, edges)[0] / (n * BIN)
                    for (_, t), n in zip(res.spikes, res.n_neurons, strict=True)])
    return _activity_stats(act, res.n_neurons, True), res.timings["simulate"]


def fp_runs(state: str, t_sim: float, dt: float) -> dict:
    import neuromf
    from neuromf import dynamics as dy
    net = neuromf.models.Brunel2000(f"brunel2000_{state}")
    N = np.asarray(net.network_params["N"], dtype=float)
    out = {}
    for label, fs in [("FP", False), ("FP finite size", "conserving"),
                      ("FP input noise", "input")]:
        start = time.perf_counter()
        r = dy.simulate(net, t_sim, dt=dt, progress=False, perturbation=0.01,
                        finite_size=fs, seed=2)
        wall = time.perf_counter() - start
        sel = r.times >= 0.2
        x = r.rates[sel][1:].T
        k = int(round(BIN / dt))
        nb = x.shape[1] // k
        act = x[:, :nb * k].reshape(x.shape[0], nb, k).mean(axis=2)
        out[label] = (_activity_stats(act, N, bool(fs)), wall)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--states", nargs="+", default=["A", "B", "C", "D"])
    parser.add_argument("--t-sim", type=float, default=0.3, help="NEST time (s)")
    parser.add_argument("--fp-t-sim", type=float, default=1.2, help="density model time (s)")
    parser.add_argument("--dt", type=float, default=1e-4, help="density model step (s)")
    parser.add_argument("--no-nest", action="store_true")
    args = parser.parse_args()
    for state in args.states:
        rows = fp_runs(state, args.fp_t_sim, args.dt)
        if not args.no_nest:
            stats, wall = nest_run(state, args.t_sim)
            rows = {"NEST": (stats, wall), **rows}
        print(f"[Brunel 2000 state {state}] (E, I)")
        for label, (s, wall) in rows.items():
            print(f"  {label:16s} rate {np.array2string(s['mean'], precision=2)} Hz  peak "
                  f"{np.array2string(s['peak'], precision=0)} Hz  amplitude (std, 1 ms) "
                  f"{np.array2string(s['amp'], precision=2)} Hz  wall {wall:.1f} s")


if __name__ == "__main__":
    main()
