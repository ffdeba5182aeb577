"""Benchmark: LIF transfer function of the microcircuit, neuromf vs NNMT 1.3.

Working point of the Potjans & Diesmann 2014 microcircuit from NNMT
(``nnmt.lif.exp.working_point``), 3141 frequencies 0.1-500 Hz (Bos et al. 2016 analysis
parameters), 8 populations.  NNMT evaluates the parabolic cylinder functions with mpmath
in a Python loop, so it is timed on a subset of frequencies and extrapolated linearly in
the number of frequencies.  Prints both times, their ratio and the largest relative
difference on the subset (neuromf with ``refractory_phase=False``, NNMT's convention; the
default ``refractory_phase=True`` differs by O(nu tau_r) at low frequencies, printed too).

Run:  python benchmarks/transfer_function.py [--repeat N] [--nnmt-freqs M]
"""

from __future__ import annotations

import argparse
import os
import time
import warnings

import numpy as np

NNMT_PARAMS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                           "tests", "fixtures", "nnmt_parameter_files")


def _time(func, repeat):
    """Best wall time and the matching CPU time of ``repeat`` calls, plus the result."""
    best = (np.inf, np.inf)
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        out = func()
        dw, dc = time.perf_counter() - w0, time.process_time() - c0
        if dw < best[0]:
            best = (dw, dc)
    return best, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--nnmt-freqs", type=int, default=20)
    ap.add_argument("--method", choices=("shift", "taylor"), default="shift")
    args = ap.parse_args()

    if not hasattr(np, "complex_"):
        np.complex_ = np.complex128  # NNMT 1.3 uses the alias removed in numpy 2
    import nnmt

    from neuromf.lif import _transfer

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net = nnmt.models.Microcircuit(
            os.path.join(NNMT_PARAMS, "microcircuit_network_params.yaml"),
            os.path.join(NNMT_PARAMS, "bos2016_analysis_params.yaml"))
        wp = nnmt.lif.exp.working_point(net)
    p = net.network_params
    params = dict(mu=wp["mean_input"], sigma=wp["std_input"], tau_m=p["tau_m"],
                  tau_s=p["tau_s"], tau_r=p["tau_r"], V_th_rel=p["V_th_rel"],
                  V_0_rel=p["V_0_rel"])
    omegas = net.analysis_params["omegas"]
    n_pop = len(params["mu"])
    print(f"microcircuit: {n_pop} populations, {omegas.size} frequencies "
          f"{omegas[0] / 2 / np.pi:.2f}-{omegas[-1] / 2 / np.pi:.1f} Hz, method={args.method}")

    def ours(om=omegas, refractory_phase=True):
        return _transfer._transfer_function(**params, omegas=om, method=args.method,
                                            refractory_phase=refractory_phase)

    ours()  # warm-up (imports, first-call allocations)
    (t_ours, c_ours), h_ours = _time(ours, args.repeat)

    subset = omegas[np.linspace(0, omegas.size - 1, args.nnmt_freqs).round().astype(int)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        (t_sub, _), h_nnmt = _time(
            lambda: nnmt.lif.exp._transfer_function(**params, omegas=subset,
                                                    method=args.method), 1)
    t_nnmt = t_sub / subset.size * omegas.size

    h_nnmt_conv = ours(subset, refractory_phase=False)
    rel = np.max(np.abs(h_nnmt_conv - h_nnmt) / np.abs(h_nnmt))
    rel_default = np.max(np.abs(ours(subset) - h_nnmt) / np.abs(h_nnmt))
    finite = np.all(np.isfinite(h_ours))

    print(f"neuromf : {t_ours * 1e3:9.1f} ms wall (best of {args.repeat}), "
          f"{c_ours * 1e3:.1f} ms CPU, all finite: {finite}")
    print(f"NNMT    : {t_nnmt:9.1f} s  (extrapolated from {subset.size} frequencies in "
          f"{t_sub:.2f} s)")
    print(f"speed-up: {t_nnmt / t_ours:9.0f} x")
    print(f"max relative difference on the subset, NNMT convention "
          f"(refractory_phase=False): {rel:.2e}")
    print(f"max relative difference, neuromf default (delayed reset, refractory_phase=True): "
          f"{rel_default:.2e}")


if __name__ == "__main__":
    main()
