"""Phase diagrams: batched scans (neuromf.batch) vs the point-by-point path, side by side.

1. Brunel 2000 δ-synapse network (brunel2000_C), size x size grid of
   (g, nu_ext/nu_thr): number of unstable modes with the variance channel and the
   frequency of the unstable oscillation (scan quantity 'instability_with_variance'),
   batched in one process, in 2 local processes and on a Dask LocalCluster with 2
   workers; the point-by-point path (network-level functions, one network at a time) on
   a sub x sub sub-grid gives the ratio, and both must agree (identical counts,
   frequencies to 1e-10 relative).
2. Potjans & Diesmann microcircuit, mc x mc grid over (g, nu_ext): working point +
   power spectra at 500 frequencies + peak frequency per population ('peak_frequency'),
   batched with 2 local processes, and point by point on a 3 x 3 sub-grid.

Run:  python benchmarks/phase_diagram.py [--size 100] [--sub 10] [--mc 50] [--workers 2]
      [--no-dask]
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import time
import warnings

import numpy as np

os.environ.setdefault("PYTHONWARNINGS", "ignore")   # worker processes too

import neuromf
from neuromf import scan as scan_module
from neuromf.scan import scan

NU_THR = 10.0


def _timed(func):
    start = time.perf_counter()
    out = func()
    return time.perf_counter() - start, out


def _cpu() -> float:
    """CPU seconds of this process and its finished child processes (workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _load() -> str:
    return f"load {os.getloadavg()[0]:.1f}"


def _timed_cpu(func):
    """Wall time, CPU seconds (all processes) and result: on a loaded machine the CPU
    seconds show the parallel efficiency that the wall time cannot."""
    cpu = _cpu()
    wall, out = _timed(func)
    return wall, _cpu() - cpu, out


def _pointwise(model, axes, quantity):
    """The same scan with the batched form of ``quantity`` switched off."""
    batched = scan_module.BATCHED.pop(quantity)
    try:
        return scan(model, axes, quantity=quantity, progress=False)
    finally:
        scan_module.BATCHED[quantity] = batched


def _compare(full, sub_index, pointwise) -> str:
    data = full.data[np.ix_(*sub_index)]
    ref = pointwise.data
    if data.shape[-1] == 2 and data.ndim == 3:        # [count, frequency]
        same = np.array_equal(data[..., 0], ref[..., 0])
        freq = np.abs(data[..., 1] / ref[..., 1] - 1)
        nan_ok = np.array_equal(np.isnan(data[..., 1]), np.isnan(ref[..., 1]))
        return (f"counts identical: {same}; frequencies max relative difference "
                f"{np.nanmax(freq) if np.any(np.isfinite(freq)) else 0:.1e} "
                f"(NaN pattern equal: {nan_ok})")
    rel = np.abs(data / ref - 1)
    return f"max relative difference {np.nanmax(rel):.1e}"


def brunel(args) -> None:
    g = np.linspace(2.0, 8.0, args.size)
    eta = np.linspace(0.5, 4.0, args.size)
    axes = {"g": g, "nu_ext": eta * NU_THR}
    quantity = "instability_with_variance"
    step = max(1, args.size // args.sub)
    sub_index = (np.arange(0, args.size, step)[:args.sub],) * 2
    sub_axes = {"g": g[sub_index[0]], "nu_ext": eta[sub_index[1]] * NU_THR}
    print(f"[Brunel 2000] {args.size} x {args.size} grid (g {g[0]}-{g[-1]}, "
          f"nu_ext/nu_thr {eta[0]}-{eta[-1]}): {quantity}")
    t_point, c_point, point = _timed_cpu(lambda: _pointwise("brunel2000_C", sub_axes, quantity))
    n_sub = point.data.shape[0] * point.data.shape[1]
    per_point = t_point / n_sub
    cpu_point = c_point / n_sub
    print(f"  point by point, {n_sub} points: {t_point:7.1f} s ({per_point * 1e3:.1f} ms/point;"
          f" {per_point * args.size**2:.0f} s extrapolated to the full grid; "
          f"{cpu_point * 1e3:.1f} CPU ms/point)")
    t_one, c_one, one = _timed_cpu(lambda: scan("brunel2000_C", axes, quantity=quantity,
                                                workers=1, progress=False))
    print(f"  batched, 1 process:         {t_one:7.1f} s ({t_one / args.size**2 * 1e3:.2f} "
          f"ms/point; {c_one:.1f} CPU s = {c_one / args.size**2 * 1e3:.2f} CPU ms/point)  "
          f"speed-up vs point by point {per_point * args.size**2 / t_one:.0f}x (wall), "
          f"{cpu_point * args.size**2 / c_one:.0f}x (CPU); {_load()}")
    t_two, c_two, two = _timed_cpu(lambda: scan("brunel2000_C", axes, quantity=quantity,
                                                workers=args.workers, progress=False))
    print(f"  batched, {args.workers} local processes: {t_two:7.1f} s ({c_two:.1f} CPU s)  "
          f"speed-up vs 1 process {t_one / t_two:.2f}x, vs point by point "
          f"{per_point * args.size**2 / t_two:.0f}x; parallel efficiency (CPU s of 1 "
          f"process / CPU s of all) {c_one / c_two:.2f}; {_load()}")
    print(f"  agreement with point by point on the sub-grid: {_compare(one, sub_index, point)}")
    print(f"  {args.workers} processes vs 1: max |difference| "
          f"{np.nanmax(np.abs(two.data - one.data)):.1e}")
    if not args.no_dask:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            print("  (dask not installed)")
        else:
            from neuromf.scan import local_dask_cluster

            plain = lambda: LocalCluster(n_workers=args.workers, threads_per_worker=1,  # noqa: E731
                                         processes=True, dashboard_address=None)
            for label, make in (("default LocalCluster", plain),
                                ("neuromf.scan.local_dask_cluster", lambda: local_dask_cluster(
                                    args.workers))):
                with make() as cluster, Client(cluster) as client:
                    # worker processes are spawned, not forked: a first small scan
                    # imports everything the tasks need (timed separately)
                    t_warm, c_warm = _dask_run(client, lambda client=client: scan(
                        "brunel2000_C", {"g": g[:2], "nu_ext": eta[:args.workers] * NU_THR},
                        quantity=quantity, scheduler=client, batch_size=1, progress=False))
                    t_dask, c_dask = _dask_run(client, lambda client=client: scan(
                        "brunel2000_C", axes, quantity=quantity, scheduler=client,
                        progress=False))
                print(f"  Dask, {label}, {args.workers} workers (warm-up {t_warm:.1f} s, "
                      f"{c_warm:.1f} CPU s): {t_dask:7.1f} s ({c_dask:.1f} CPU s of "
                      f"scheduler, client and workers)  speed-up vs 1 process "
                      f"{t_one / t_dask:.2f}x; parallel efficiency {c_one / c_dask:.2f}; "
                      f"{_load()}")
    counts = one.data[..., 0]
    print(f"  stable (AI) points: {int(np.sum(counts == 0))} of {counts.size}")


def _dask_run(client, func) -> tuple[float, float]:
    """Wall and CPU seconds (this process with the scheduler, and every worker)."""
    cpu = _cpu() + sum(client.run(_cpu).values())
    wall, _ = _timed(func)
    return wall, _cpu() + sum(client.run(_cpu).values()) - cpu


def microcircuit(args) -> None:
    base = neuromf.models.Microcircuit().change_parameters(
        changed_analysis_params={"f_min": 1.0 * neuromf.ureg.Hz,
                                 "f_max": 500.0 * neuromf.ureg.Hz,
                                 "df": 1.0 * neuromf.ureg.Hz})
    axes = {"g": np.linspace(4.0, 6.0, args.mc), "nu_ext": np.linspace(7.0, 10.0, args.mc)}
    sub = {"g": axes["g"][[0, args.mc // 2, -1]], "nu_ext": axes["nu_ext"][[0, args.mc // 2, -1]]}
    quantity = "peak_frequency"
    print(f"[microcircuit] {args.mc} x {args.mc} grid (g, nu_ext), working point + power "
          f"spectra at {base.analysis_params['omegas'].size} frequencies + peak per population")
    t_point, c_point, point = _timed_cpu(lambda: _pointwise(base, sub, quantity))
    per_point, cpu_point = t_point / 9, c_point / 9
    t_two, c_two, two = _timed_cpu(lambda: scan(base, axes, quantity=quantity,
                                                workers=args.workers, progress=False))
    print(f"  point by point, 9 points: {t_point:6.1f} s ({per_point * 1e3:.0f} ms/point; "
          f"{per_point * args.mc**2:.0f} s extrapolated; {cpu_point * 1e3:.0f} CPU ms/point)")
    print(f"  batched, {args.workers} local processes: {t_two:6.1f} s "
          f"({t_two / args.mc**2 * 1e3:.2f} ms/point; {c_two:.1f} CPU s = "
          f"{c_two / args.mc**2 * 1e3:.2f} CPU ms/point)  speed-up "
          f"{per_point * args.mc**2 / t_two:.0f}x (wall), "
          f"{cpu_point * args.mc**2 / c_two:.1f}x (CPU); {_load()}")
    idx = (np.array([0, args.mc // 2, args.mc - 1]),) * 2
    print(f"  peak frequencies identical on the sub-grid: "
          f"{np.array_equal(two.data[np.ix_(*idx)], point.data)}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=100)
    ap.add_argument("--sub", type=int, default=10)
    ap.add_argument("--mc", type=int, default=50)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--no-dask", action="store_true")
    ap.add_argument("--no-microcircuit", action="store_true")
    args = ap.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, python "
          f"{platform.python_version()}, numpy {np.__version__}; load average "
          f"{', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        brunel(args)
        if not args.no_microcircuit:
            microcircuit(args)


if __name__ == "__main__":
    main()
