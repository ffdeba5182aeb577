"""Microcircuit working point: neuromf vs NNMT 1.3 in one process.

Run:  python benchmarks/working_point.py [--repeat N]

Times ``working_point(network)`` on a freshly built network (construction is not
timed, so the results cache cannot help).  Prints the median wall time of each tool,
the speed-up ratio and the largest relative difference of the rates.  NNMT is run with
its defaults ('ODE' fixed-point method, eps_tol = 1e-7); neuromf with its default
('newton').
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
import warnings
from pathlib import Path

import numpy as np

FIXTURES = (Path(__file__).resolve().parents[1] / "tests" / "fixtures"
            / "nnmt_parameter_files")


def _median_time(make_network, solve, repeat: int) -> tuple[float, object]:
    """Median time of ``solve(net)`` on a fresh network (construction not timed)."""
    times, result = [], None
    for _ in range(repeat):
        net = make_network()
        start = time.perf_counter()
        result = solve(net)
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    import neuromf

    if not hasattr(np, "complex_"):
        np.complex_ = np.complex128          # NNMT 1.3 still uses the removed alias
    import nnmt

    network_file = FIXTURES / "microcircuit_network_params.yaml"
    if not network_file.is_file():
        raise SystemExit(f"needs NNMT's microcircuit parameter file at {network_file}")
    network_file = str(network_file)

    def our_network():
        return neuromf.models.Microcircuit(network_file)

    def their_network():
        return nnmt.models.Microcircuit(network_file)

    def ours(net):
        return neuromf.lif.exp.working_point(net)["firing_rates"]

    def theirs(net):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return nnmt.lif.exp.working_point(net)["firing_rates"]

    ours(our_network())  # warm up imports of both
    theirs(their_network())
    t_ours, r_ours = _median_time(our_network, ours, args.repeat)
    t_theirs, r_theirs = _median_time(their_network, theirs, args.repeat)
    diff = np.max(np.abs(np.asarray(r_ours) / np.asarray(r_theirs) - 1))
    print(f"machine: {platform.machine()}, {platform.processor() or platform.platform()}, "
          f"python {platform.python_version()}, numpy {np.__version__}")
    print(f"neuromf {neuromf.__version__}: {t_ours * 1e3:8.2f} ms  (median of {args.repeat})")
    print(f"NNMT {nnmt.__version__}:     {t_theirs * 1e3:8.2f} ms  (median of {args.repeat})")
    print(f"speed-up: {t_theirs / t_ours:.1f}x   max relative rate difference: {diff:.2e}")
    # NNMT's ODE stops at eps_tol=1e-7 Hz; compare with a tight NNMT run as well
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tight = nnmt.lif.exp.firing_rates(their_network(), eps_tol=1e-12)
    print(f"vs NNMT with eps_tol=1e-12: max relative difference "
          f"{np.max(np.abs(r_ours / tight - 1)):.2e}")


if __name__ == "__main__":
    main()
