"""Thalamic pulse, trial-averaged: the density model against NEST, same realisation.

The Potjans & Diesmann microcircuit at N = K = 0.1 (default) or full scale (``--scale 1``):
NEST (seed 55, 0.1 ms) and the density model of the *same* realisation
(:func:`neuromf.dynamics.nest_side.realisation_model`: scaled N and in-degrees, weights
/ sqrt(k), DC compensation, the thalamic synapse numbers and weights of the simulation;
finite-size noise for the simulated N, seed 55; dt = 0.1 ms, n_grid = 200).  The run has a
pulse-free part (mean rates, spectra) and then the thalamic pulse of the simulation
(902 sources x 120 Hz for 10 ms) repeated every ``--interval`` s; the responses are
averaged over the pulses in 0.5-ms bins; peak rate (largest trial-averaged rate 0–30 ms
after onset) and its latency per population.  Prints the table (with relative deviations),
CPU and wall time of both sides and the load; NEST spikes are cached in
/tmp/nest_pulse_cache (a full-scale run takes ~15 GB and ~5 min per simulated second here).

Run:  python benchmarks/dynamics_pulse_vs_nest.py [--scale 0.1] [--n-pulses 38]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import time
import warnings
from pathlib import Path

import numpy as np

CACHE = Path("/tmp/nest_pulse_cache")


def protocol(scale: float, n_pulses: int, interval: float, t_presim: float,
             t_free: float) -> dict:
    th_start = t_presim + t_free
    t_sim = t_free + (n_pulses - 1) * interval + 0.05
    return {"scale": scale, "t_presim": t_presim, "t_sim": round(t_sim, 6),
            "th_start": round(th_start, 6), "interval": interval, "seed": 55}


def nest_run_cached(model, proto: dict, threads: int):
    from neuromf.dynamics import nest_side as ns
    params = {"t_sim": proto["t_sim"], "t_presim": proto["t_presim"], "seed": proto["seed"],
              "threads": threads, "thalamic_input": True, "th_start": proto["th_start"],
              "progress": True}
    spec = ns.derive_realisation(model, proto["scale"], None, params)
    from neuromf.dynamics.compare import pulse_onsets
    onsets = pulse_onsets(proto["th_start"], proto["t_presim"] + proto["t_sim"],
                          proto["interval"])
    key = hashlib.sha1(json.dumps({**proto, "threads": threads}, sort_keys=True)
                       .encode()).hexdigest()[:12]
    path = CACHE / f"pulse_{key}.npz"
    if path.exists():
        d = np.load(path, allow_pickle=False)
        spikes = [(d[f"i{k}"], d[f"t{k}"]) for k in range(len(spec.populations))]
        timings = json.loads(str(d["timings"]))
        print(f"NEST spikes from cache {path}")
        return ns.NestRun(spec=spec, spikes=spikes, n_neurons=spec.n_neurons.astype(int),
                          t_start=spec.t_presim * 1e-3,
                          t_stop=(spec.t_presim + spec.t_sim) * 1e-3, pulse_onsets=onsets,
                          timings=timings)
    run = ns.run_nest(spec, onsets, progress=True)
    CACHE.mkdir(parents=True, exist_ok=True)
    arrays = {}
    for k, (i, t) in enumerate(run.spikes):
        arrays[f"i{k}"], arrays[f"t{k}"] = i.astype(np.int32), t
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, timings=json.dumps(run.timings), **arrays)
    os.replace(tmp, path)
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--n-pulses", type=int, default=38)
    parser.add_argument("--interval", type=float, default=0.1, help="s between pulses")
    parser.add_argument("--t-presim", type=float, default=0.2)
    parser.add_argument("--t-free", type=float, default=1.0,
                        help="pulse-free analysed time (s) for the mean rates")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--finite-size", default="conserving",
                        choices=("conserving", "input", "none"))
    parser.add_argument("--out", default=None,
                        help="folder for the h5/csv data and figures of the comparison")
    parser.add_argument("--nest-only", action="store_true",
                        help="only run (and cache) the NEST simulation")
    args = parser.parse_args()
    os.environ.setdefault("PYNEST_QUIET", "1")
    import neuromf
    from neuromf.dynamics.compare import compare_dynamics, table_lines

    model = neuromf.models.Microcircuit()
    proto = protocol(args.scale, args.n_pulses, args.interval, args.t_presim, args.t_free)
    print(f"load average at start: {os.getloadavg()}")
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run = nest_run_cached(model, proto, args.threads)
    print(f"NEST: {run.timings} (wall incl. cache {time.perf_counter() - t0:.1f} s)")
    if args.nest_only:
        return
    res = compare_dynamics(model, args.scale, proto["t_sim"], t_presim=proto["t_presim"],
                           seed=proto["seed"], threads=args.threads, stimulus="thalamic",
                           pulse_interval=args.interval, finite_size=args.finite_size,
                           sim_params={"th_start": proto["th_start"]}, nest_run=run,
                           progress=False, out=args.out,
                           name=f"microcircuit, N = K = {args.scale:g}")
    print(f"scale {args.scale}, {res.pulses['nest']['n_trials']} pulses every "
          f"{args.interval * 1e3:g} ms, rates in {res.window} s, finite size "
          f"{args.finite_size}")
    for line in table_lines(res):
        print(line)
    rate = np.array([r["rate_rel"] for r in res.table])
    pk = np.array([r["pulse_peak_rel"] for r in res.table])
    lat = np.array([r["pulse_latency_diff"] for r in res.table])
    print(f"max |rate dev| {100 * np.abs(rate).max():.1f} %, max |pulse peak dev| "
          f"{100 * np.abs(pk).max():.1f} %, max |latency diff| {1e3 * np.abs(lat).max():.2f} ms")
    t = res.timings
    print(f"NEST cpu {t['nest_cpu']:.1f} s wall {t['nest_wall']:.1f} s; FP cpu "
          f"{t['fp_cpu']:.1f} s wall {t['fp_wall']:.1f} s; ratio (wall) "
          f"{t['nest_wall'] / t['fp_wall']:.0f}x, (cpu) {t['nest_cpu'] / t['fp_cpu']:.0f}x; "
          f"load average now {os.getloadavg()}")


if __name__ == "__main__":
    main()
