"""Brunel 2000 states A–D: neuromf.dynamics (Fokker–Planck) against full-scale NEST.

For each state: NEST (N = 12500, ``--t-sim`` s after 0.2 s, seed 1, 2 threads), population
activity in 0.2-ms bins; the density model deterministic, with finite-size noise
('conserving', the default) and with 'input' noise (Brunel & Hakim 1999), same bins.  Printed
per state and population: mean rate, spectral peak (Welch, 0.25-s segments, 4-Hz
resolution) and oscillation amplitude, the standard deviation of the activity in 1-ms bins
(for NEST and the noisy models with the Poisson part ν/(N · 1 ms) subtracted).  NEST takes
minutes per state here, so this is a script, not a test; numbers in docs/dynamics.md.

With ``--jumps``: the finite-jump density model instead (synapses='jumps'; NEST's update
at 0.1 ms, 'discrete-time', deterministic and with both finite-size variants for seeds
1-3; continuous-time backward Euler at 10 µs for A and B), printed with the deviation of
the amplitude from NEST and CPU / wall time per run.  NEST activities are cached as npz in
``$NEST_BRUNEL_CACHE`` (default /tmp/nest_brunel_cache), so each state runs once.

Run:  python benchmarks/dynamics_vs_nest.py [--states B D] [--t-sim 0.3] [--fp-t-sim 1.2]
      python benchmarks/dynamics_vs_nest.py --jumps --fp-t-sim 0.6 [--counts poisson]
"""

from __future__ import annotations

import argparse
import os
import time
import warnings
from pathlib import Path

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
    peak = f[band][np.argmax(p[:, band], axis=1)]
    df = f[1] - f[0]
    white = mean / (n_neurons * BIN) * 2 * BIN if noisy else 0.0 * mean   # Poisson PSD

    def band_rms(lo, hi):
        sel = (f[None, :] >= lo[:, None]) & (f[None, :] < hi[:, None])
        return np.sqrt(np.maximum(((p - white[:, None]) * sel).sum(axis=1) * df, 0.0))

    return {"mean": mean, "peak": peak, "amp": np.sqrt(var),
            "fund": band_rms(0.8 * peak, 1.2 * peak),        # rms of the fundamental
            "sub": band_rms(0.4 * peak, 0.6 * peak)}          # rms of the sub-harmonic


CACHE = Path(os.environ.get("NEST_BRUNEL_CACHE", "/tmp/nest_brunel_cache"))


def nest_activity(state: str, t_sim: float, scale: float = 1.0, k_scale: float = 1.0,
                  t_presim: float = 0.2, seed: int = 1) -> dict:
    """NEST population activity (Hz, bins of BIN) of Brunel 2000 ``state``, cached as npz.

    Returns a dict with ``act`` (P, n_bins), ``n_neurons``, ``wall`` and ``cpu`` (s of the
    NEST simulation phase and of the whole call, process time incl. NEST's threads).
    """
    CACHE.mkdir(parents=True, exist_ok=True)
    f = CACHE / f"{state}_t{t_sim:g}_s{scale:g}_k{k_scale:g}_p{t_presim:g}_seed{seed}.npz"
    if f.exists():
        with np.load(f) as z:
            return {k: z[k] for k in z.files}
    import neuromf
    from neuromf.simulation import simulate
    model = neuromf.models.Brunel2000(f"brunel2000_{state}")
    cpu0, wall0 = time.process_time(), time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = simulate(model, scale=scale, k_scale=k_scale, t_sim=t_sim, t_presim=t_presim,
                       threads=2, plots=False, progress=False, seed=seed)
    edges = np.arange(res.t_start, res.t_stop + BIN / 2, BIN)
    act = np.array([np.histogram(t, edges)[0] / (n * BIN)
                    for (_, t), n in zip(res.spikes, res.n_neurons, strict=True)])
    out = {"act": act, "n_neurons": np.asarray(res.n_neurons, dtype=float),
           "wall": np.float64(time.perf_counter() - wall0),
           "cpu": np.float64(time.process_time() - cpu0),
           "wall_simulate": np.float64(res.timings["simulate"])}
    tmp = f.with_suffix(".tmp.npz")
    np.savez(tmp, **out)
    tmp.rename(f)
    return out


def nest_run(state: str, t_sim: float) -> tuple[dict, float]:
    d = nest_activity(state, t_sim)
    return _activity_stats(d["act"], d["n_neurons"], True), float(d["wall"])


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


def _stats_of_run(r, dt: float, N: np.ndarray, noisy: bool, t_min: float = 0.2) -> dict:
    x = r.rates[r.times >= t_min][1:].T
    k = int(round(BIN / dt))
    nb = x.shape[1] // k
    act = x[:, :nb * k].reshape(x.shape[0], nb, k).mean(axis=2)
    return _activity_stats(act, N, noisy)


def jump_runs(state: str, t_sim: float, seeds=(1, 2, 3), counts: str = "binomial") -> dict:
    """Finite-jump density model (synapses='jumps'): NEST's update at its resolution
    (scheme='discrete-time', dt = 0.1 ms, recurrent counts ``counts``) deterministic and
    with both finite-size variants for every seed; continuous-time backward Euler
    (dt = 10 µs) deterministic for comparison.  Returns label -> (stats, cpu, wall)."""
    import neuromf
    from neuromf import dynamics as dy
    net = neuromf.models.Brunel2000(f"brunel2000_{state}")
    N = np.asarray(net.network_params["N"], dtype=float)
    runs = [("jumps, continuous (BE 10 µs)", dict(scheme="backward-euler", dt=1e-5), None)]
    runs += [("jumps, discrete", dict(scheme="discrete-time", dt=1e-4), None)]
    for fs in ("input", "conserving"):
        runs += [(f"jumps, discrete, {fs} s{seed}", dict(scheme="discrete-time", dt=1e-4,
                                                        finite_size=fs), seed)
                 for seed in seeds]
    out = {}
    for label, kw, seed in runs:
        if kw["scheme"] == "backward-euler" and state in ("C", "D"):
            continue            # slow states: the time step does not matter (docs)
        cpu0, wall0 = time.process_time(), time.perf_counter()
        r = dy.simulate(net, t_sim, progress=False, perturbation=0.01, synapses="jumps",
                        jump_cells=2, jump_counts=counts, seed=seed, **kw)
        out[label] = (_stats_of_run(r, kw["dt"], N, "finite_size" in kw),
                      time.process_time() - cpu0, time.perf_counter() - wall0)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--states", nargs="+", default=["A", "B", "C", "D"])
    parser.add_argument("--t-sim", type=float, default=0.3, help="NEST time (s)")
    parser.add_argument("--fp-t-sim", type=float, default=1.2, help="density model time (s)")
    parser.add_argument("--dt", type=float, default=1e-4, help="density model step (s)")
    parser.add_argument("--no-nest", action="store_true")
    parser.add_argument("--jumps", action="store_true",
                        help="the finite-jump model only (synapses='jumps'), NEST cached")
    parser.add_argument("--counts", default="binomial", choices=["binomial", "poisson"])
    args = parser.parse_args()
    if args.jumps:
        nest_t = {"A": 0.3, "B": 0.3, "C": 0.5, "D": 1.0}
        for state in args.states:
            d = nest_activity(state, nest_t[state])
            ref = _activity_stats(d["act"], d["n_neurons"], True)
            print(f"[Brunel 2000 state {state}] (E, I); NEST {nest_t[state]} s, wall "
                  f"{float(d['wall']):.1f} s, cpu {float(d['cpu']):.1f} s; uptime "
                  f"{os.getloadavg()[0]:.1f}")
            rows = {"NEST": (ref, float(d["cpu"]), float(d["wall"])),
                    **jump_runs(state, args.fp_t_sim if state != "D" else 2 * args.fp_t_sim,
                                counts=args.counts)}
            for label, (s, cpu, wall) in rows.items():
                dev = s["amp"] / ref["amp"] - 1
                print(f"  {label:34s} rate {np.array2string(s['mean'], precision=2)} Hz  peak "
                      f"{np.array2string(s['peak'], precision=0)} Hz  amplitude "
                      f"{np.array2string(s['amp'], precision=2)} Hz "
                      f"({np.array2string(100 * dev, precision=0)} %)  fundamental "
                      f"{np.array2string(s['fund'], precision=1)} sub-harmonic "
                      f"{np.array2string(s['sub'], precision=1)} Hz  cpu {cpu:.1f} s "
                      f"wall {wall:.1f} s", flush=True)
        return
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
