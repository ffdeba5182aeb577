"""Microcircuit working point: neuromf vs NNMT 1.3 in one process.

Run:  python benchmarks/working_point.py [--repeat N]

What is timed (median wall time and, in brackets, median CPU time of this process):

* ``working_point(network)`` on a freshly built network, for neuromf and NNMT
  (construction not timed, so the results cache cannot help): a full computation;
* neuromf's parameter-level ``_firing_rates`` with ``K_ext`` changed before every call
  (by up to +-3 %): the same computation without the network wrapper, for a parameter
  that really changed;
* neuromf's ``working_point`` after ``network.change_parameters(K_ext=...)``: includes
  the model's re-derivation of its parameters (pint units, schema checks);
* neuromf's ``working_point`` called again on an unchanged network: a cache lookup,
  not a computation (shown for completeness).

Prints the speed-up ratio, the largest relative difference of the rates from NNMT's
(default ODE and tight ``eps_tol=1e-12``) and the load average.  NNMT is run with its
defaults ('ODE' fixed-point method, eps_tol = 1e-7); neuromf with its default
('newton', analytic Jacobian).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
import warnings
from pathlib import Path

import numpy as np

FIXTURES = (Path(__file__).resolve().parents[1] / "tests" / "fixtures"
            / "nnmt_parameter_files")


def _median_time(make_network, solve, repeat: int) -> tuple[float, float, object]:
    """Median wall and CPU time of ``solve(net)`` on a fresh network (construction not
    timed)."""
    walls, cpus, result = [], [], None
    for _ in range(repeat):
        net = make_network()
        wall, cpu = time.perf_counter(), time.process_time()
        result = solve(net)
        cpus.append(time.process_time() - cpu)
        walls.append(time.perf_counter() - wall)
    return statistics.median(walls), statistics.median(cpus), result


def _median_calls(call, repeat: int) -> tuple[float, float]:
    """Median wall and CPU time of ``call(i)`` for i = 0 .. repeat - 1."""
    walls, cpus = [], []
    for i in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        call(i)
        cpus.append(time.process_time() - cpu)
        walls.append(time.perf_counter() - wall)
    return statistics.median(walls), statistics.median(cpus)


def _ms(wall: float, cpu: float) -> str:
    return f"{wall * 1e3:8.2f} ms ({cpu * 1e3:.2f} ms CPU)"


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
    t_ours, c_ours, r_ours = _median_time(our_network, ours, args.repeat)
    t_theirs, c_theirs, r_theirs = _median_time(their_network, theirs, args.repeat)

    # a changed parameter, at parameter level: K_ext scaled by 1 +- up to 3 % per call
    from neuromf.lif import exp as lif
    base = our_network()
    names = ["J", "K", "V_0_rel", "V_th_rel", "tau_m", "tau_r", "tau_s", "J_ext", "K_ext",
             "nu_ext"]
    params = {k: base.network_params[k] for k in names}
    K_ext = np.asarray(params["K_ext"], dtype=float)
    factors = 1.0 + 0.03 * np.sin(np.arange(args.repeat * 4) + 1.0)
    changed = {}

    def parameter_level(i):
        changed[i] = lif._firing_rates(**{**params, "K_ext": K_ext * factors[i]})

    lif._firing_rates(**params)
    t_param, c_param = _median_calls(parameter_level, args.repeat * 4)
    # the same through the network: change_parameters re-derives the model's parameters
    net = our_network()
    ours(net)

    def network_level(i):
        net.change_parameters({"K_ext": K_ext * factors[i]}, overwrite=True)
        ours(net)

    t_change, c_change = _median_calls(network_level, args.repeat)
    t_hit, c_hit = _median_calls(lambda i: ours(net), args.repeat * 4)

    diff = np.max(np.abs(np.asarray(r_ours) / np.asarray(r_theirs) - 1))
    print(f"machine: {platform.machine()}, {platform.processor() or platform.platform()}, "
          f"python {platform.python_version()}, numpy {np.__version__}; load average "
          f"{os.getloadavg()[0]:.2f}")
    print(f"neuromf {neuromf.__version__}: {_ms(t_ours, c_ours)}  fresh network "
          f"(median of {args.repeat})")
    print(f"NNMT {nnmt.__version__}:     {_ms(t_theirs, c_theirs)}  fresh network "
          f"(median of {args.repeat})")
    print(f"speed-up: {t_theirs / t_ours:.1f}x wall, {c_theirs / c_ours:.1f}x CPU   "
          f"max relative rate difference: {diff:.2e}")
    print(f"neuromf parameter level, K_ext changed every call:  {_ms(t_param, c_param)}")
    print(f"neuromf change_parameters(K_ext) + working_point: {_ms(t_change, c_change)}")
    print(f"neuromf unchanged network (cache lookup):          {_ms(t_hit, c_hit)}")
    # NNMT's ODE stops at eps_tol=1e-7 Hz; compare with a tight NNMT run as well
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tight = nnmt.lif.exp.firing_rates(their_network(), eps_tol=1e-12)
        their_params = their_network().network_params
        their_changed = nnmt.lif.exp._firing_rates(
            **{**{k: their_params[k] for k in names}, "K_ext": K_ext * factors[0]},
            eps_tol=1e-12)
    print(f"vs NNMT with eps_tol=1e-12: max relative difference "
          f"{np.max(np.abs(r_ours / tight - 1)):.2e}; with K_ext changed "
          f"{np.max(np.abs(changed[0] / their_changed - 1)):.2e}")


if __name__ == "__main__":
    main()
