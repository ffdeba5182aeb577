"""Parameter scan of microcircuit working points: one process vs local workers.

Run:  python benchmarks/scan.py [--size 100] [--workers 2]

Evaluates the working point on a size x size grid of (g, nu_ext) and prints both wall
times and the ratio.  With --scheduler ADDRESS the parallel run uses a Dask cluster.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import time

import numpy as np

from neuromf.scan import scan


def _cpu() -> float:
    """CPU seconds of this process and its finished worker processes."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--scheduler", default=None)
    args = parser.parse_args()
    axes = {"g": np.linspace(3.0, 8.0, args.size), "nu_ext": np.linspace(5.0, 20.0, args.size)}
    cpu, start = _cpu(), time.perf_counter()
    serial = scan("potjans2014", axes, workers=1)
    t_serial, c_serial = time.perf_counter() - start, _cpu() - cpu
    cpu, start = _cpu(), time.perf_counter()
    parallel = scan("potjans2014", axes, workers=args.workers, scheduler=args.scheduler)
    t_parallel, c_parallel = time.perf_counter() - start, _cpu() - cpu
    # The grid is split into batches of different composition for 1 and N processes
    # (batch size ~ points / (4 workers)); a batch's points share one vectorized Newton
    # iteration whose stopping rule (|F| <= 1e-12 nu) is met at a different iteration for
    # a different mix, so the rates agree to that tolerance, not bit for bit (the
    # 1e-14 differences of --size 20).
    np.testing.assert_allclose(serial.data, parallel.data, rtol=1e-10, equal_nan=True)
    print(f"max relative difference 1 vs {args.workers}: "
          f"{np.nanmax(np.abs(parallel.data / serial.data - 1)):.1e}")
    where = args.scheduler or f"{args.workers} local processes"
    print(f"machine: {platform.machine()}, python {platform.python_version()}, load average "
          f"{os.getloadavg()[0]:.1f}")
    print(f"{args.size}x{args.size} microcircuit working points")
    print(f"1 process:        {t_serial:8.1f} s ({t_serial / args.size**2 * 1e3:.1f} ms/point; "
          f"{c_serial:.1f} CPU s)")
    print(f"{where}: {t_parallel:8.1f} s ({c_parallel:.1f} CPU s)")
    print(f"speed-up: {t_serial / t_parallel:.2f}x")


if __name__ == "__main__":
    main()
