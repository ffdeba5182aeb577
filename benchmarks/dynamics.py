"""Benchmark: population dynamics (Fokker–Planck and rate method) against NEST.

1. The Potjans & Diesmann microcircuit (8 populations, full-scale parameters), 1 s of
   biological time with ``neuromf.dynamics.simulate``: Fokker–Planck at (dt, n_grid) =
   (0.1 ms, 200) and (0.25 ms, 100), the rate method, and a converged reference
   (0.05 ms, 400) for the accuracy of the faster settings (mean rates, rate std, spectral
   peak).  NEST: the full-scale network does not fit a benchmark here (≈ 14 GB, ≈ 255 s
   of wall time per simulated second measured in docs/simulation.md); this script runs
   the network at N = K = ``--nest-scale`` (default 0.1) for ``--nest-t-sim`` seconds and
   extrapolates the simulation time to full scale by the number of synapses (× 1/scale²),
   which is stated as an extrapolation in the output.
2. The random network of 254 populations of ``benchmarks/spectra.py`` (exp synapses,
   truncated Gaussian delays), 1 s of biological time; no NEST run (≈ 700 000 neurons).

Run:  python benchmarks/dynamics.py [--no-nest] [--nest-scale S] [--nest-t-sim T]
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))


def _summary(r, t_min=0.2):
    f, psd = r.spectra(t_min=t_min)
    band = (f >= 20) & (f <= 500)
    peak = f[band][np.argmax(psd[band], axis=0)]
    return r.mean_rates(t_min), r.rates[r.times >= t_min].std(axis=0), peak


def microcircuit(args) -> None:
    import neuromf
    from neuromf import dynamics as dy

    net = neuromf.models.Microcircuit()
    runs = {}
    settings = [("FP dt=0.1 ms, n_grid=200", "fokker-planck", 1e-4, 200),
                ("FP dt=0.25 ms, n_grid=100", "fokker-planck", 2.5e-4, 100),
                ("rate dt=0.1 ms", "rate", 1e-4, 200)]
    if not args.no_reference:
        settings.append(("FP dt=0.05 ms, n_grid=400 (reference)", "fokker-planck", 5e-5, 400))
    print(f"[microcircuit] 1 s biological time, 8 populations ({platform.processor() or ''} "
          f"{platform.machine()}, python {platform.python_version()})")
    for label, method, dt, n_grid in settings:
        start, cpu = time.perf_counter(), time.process_time()
        r = dy.simulate(net, 1.0, dt=dt, method=method, n_grid=n_grid, progress=False,
                        perturbation=0.01)
        total, cpu = time.perf_counter() - start, time.process_time() - cpu
        runs[label] = (r, total)
        mean, std, peak = _summary(r)
        print(f"  {label:40s} wall {total:6.2f} s, CPU {cpu:6.2f} s (integration "
              f"{r.diagnostics['wall_time']:.2f} s wall)  peak {peak[0]:6.1f} Hz")
        print(f"      mean rates {np.array2string(mean, precision=3)}")
        print(f"      rate std   {np.array2string(std, precision=3)}")
    ref_key = [k for k in runs if "reference" in k]
    if ref_key:
        ref_mean, ref_std, ref_peak = _summary(runs[ref_key[0]][0])
        for label, (r, _) in runs.items():
            if label in ref_key or r.method != "fokker-planck":
                continue
            mean, std, peak = _summary(r)
            dev = np.max(np.abs(mean / ref_mean - 1))
            print(f"  vs reference: {label:28s} mean rates {dev:.1%}"
                  f", rate std {np.max(np.abs(std / ref_std - 1)):.1%}, peak "
                  f"{abs(peak[0] / ref_peak[0] - 1):.1%}")
    if args.no_nest:
        return
    from neuromf.simulation import nest_available, simulate
    if not nest_available():
        print("  NEST not available: skipped")
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = simulate(net, scale=args.nest_scale, t_sim=args.nest_t_sim, t_presim=0.1,
                       threads=2, plots=False, progress=False, seed=55)
    per_s = res.timings["simulate"] / args.nest_t_sim
    full = per_s / args.nest_scale ** 2
    fast = runs["FP dt=0.25 ms, n_grid=100"][1]
    fine = runs["FP dt=0.1 ms, n_grid=200"][1]
    print(f"  NEST N=K={args.nest_scale:g}, 2 threads, this run: {per_s:.2f} s wall per "
          f"simulated s (+ {res.timings['create'] + res.timings['connect']:.1f} s build); "
          f"x 1/scale^2 (synapse count) would give {full:.0f} s per simulated s at full "
          "scale (a crude extrapolation: short runs include the onset transient)")
    print(f"  NEST full scale, measured (docs/simulation.md: 2 s in 8.5 min): 255 s per "
          f"simulated s -> ratio {255 / fast:.0f}x (FP 0.25 ms) / {255 / fine:.0f}x "
          "(FP 0.1 ms)")


def random_network(args) -> None:
    from spectra import _random_network

    from neuromf import dynamics as dy
    from neuromf.models import Plain

    n = 254
    p = _random_network(n, seed=1)
    params = dict(
        populations=[f"P{i}" for i in range(n)], N=p["N"], J=p["J"], K=p["K"],
        tau_m=np.full(n, p["tau_m"]), tau_r=np.full(n, p["tau_r"]),
        tau_s=np.full(n, p["tau_s"]), synapse_type="exp", V_0_rel=np.zeros(n),
        V_th_rel=np.full(n, p["V_th_rel"]), C=np.full(n, 250e-12),
        J_ext=np.full(n, p["J_ext"]), K_ext=p["K_ext"], nu_ext=p["nu_ext"],
        Delay=p["Delay"], Delay_sd=p["Delay_sd"], delay_dist=p["delay_dist"])
    net = Plain(params)
    print(f"[random network] {n} populations, exp synapses, truncated Gaussian delays, "
          f"{args.random_t_sim:g} s biological time")
    for label, method, dt, n_grid in [("FP dt=0.25 ms, n_grid=100", "fokker-planck", 2.5e-4, 100),
                                      ("rate dt=0.25 ms", "rate", 2.5e-4, 100)]:
        start, cpu = time.perf_counter(), time.process_time()
        r = dy.simulate(net, args.random_t_sim, dt=dt, method=method, n_grid=n_grid,
                        progress=False, perturbation=0.01)
        total, cpu = time.perf_counter() - start, time.process_time() - cpu
        rates = r.mean_rates(0.1 * args.random_t_sim)
        print(f"  {label:28s} wall {total:6.2f} s, CPU {cpu:6.2f} s (integration "
              f"{r.diagnostics['wall_time']:.2f} s wall), rates {rates.min():.2f}-"
              f"{rates.max():.2f} Hz")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-nest", action="store_true")
    parser.add_argument("--no-reference", action="store_true")
    parser.add_argument("--nest-scale", type=float, default=0.1)
    parser.add_argument("--nest-t-sim", type=float, default=0.2)
    parser.add_argument("--random-t-sim", type=float, default=1.0)
    args = parser.parse_args()
    microcircuit(args)
    random_network(args)


if __name__ == "__main__":
    main()
