"""Benchmark: power spectra pipeline, neuromf vs NNMT 1.3.

1. Potjans & Diesmann microcircuit with the Bos et al. 2016 parameters (truncated
   gaussian delays), 3141 frequencies 0.1-500 Hz: working point + transfer function +
   delay distribution matrix + effective connectivity + power spectra.  neuromf runs the
   network-level functions on a fresh network; NNMT runs its parameter-level functions
   (working point in full, the frequency-dependent steps on a subset of frequencies,
   extrapolated linearly to all frequencies: NNMT's transfer function and power spectra
   loop over frequencies in Python).  Accuracy: power spectra at the subset frequencies,
   (a) neuromf's default pipeline vs NNMT, (b) neuromf's linear-response functions on
   NNMT's working point and transfer function (isolates the spectra step).
2. A random network of 254 populations (80 % excitatory), 500 frequencies: neuromf
   timing of every step (and NNMT's, extrapolated from a few frequencies, unless
   ``--nnmt-random-freqs 0``).

Run:  python benchmarks/spectra.py [--repeat N] [--nnmt-freqs M] [--nnmt-random-freqs M]
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


def _timed(func):
    start = time.perf_counter()
    out = func()
    return time.perf_counter() - start, out


def _nnmt():
    if not hasattr(np, "complex_"):
        np.complex_ = np.complex128          # NNMT 1.3 still uses the removed alias
    import nnmt
    return nnmt


def microcircuit(args) -> None:
    import neuromf
    from neuromf import linear_response as lr
    from neuromf import network_properties as netprop
    from neuromf.lif import _transfer
    from neuromf.lif import exp as lif

    nnmt = _nnmt()
    net_file = str(FIXTURES / "bos2016_network_params.yaml")
    ana_file = str(FIXTURES / "bos2016_analysis_params.yaml")

    stages = ("working point", "transfer function", "delay matrix",
              "effective connectivity", "power spectra")

    def pipeline():
        net = neuromf.models.Microcircuit(net_file, ana_file)
        start, cpu = time.perf_counter(), time.process_time()
        cpus = [cpu]
        lif.working_point(net)
        cpus.append(time.process_time())
        lif.transfer_function(net)
        cpus.append(time.process_time())
        netprop.delay_dist_matrix(net)
        cpus.append(time.process_time())
        lr.effective_connectivity(net)
        cpus.append(time.process_time())
        spectra = lr.power_spectra(net)
        cpus.append(time.process_time())
        return time.perf_counter() - start, spectra, net, np.diff(cpus)

    pipeline()                                           # warm-up
    runs = [pipeline() for _ in range(args.repeat)]
    t_ours = statistics.median(r[0] for r in runs)
    c_stages = np.median([r[3] for r in runs], axis=0)
    ours, our_net = runs[-1][1], runs[-1][2]
    omegas = our_net.analysis_params["omegas"]

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        their_net = nnmt.models.Microcircuit(net_file, ana_file)
        t_wp, wp = _timed(lambda: nnmt.lif.exp.working_point(their_net))
        p = their_net.network_params
        idx = np.linspace(0, omegas.size - 1, args.nnmt_freqs).round().astype(int)
        sub = omegas[idx]
        tf_args = dict(mu=wp["mean_input"], sigma=wp["std_input"], tau_m=p["tau_m"],
                       tau_s=p["tau_s"], tau_r=p["tau_r"], V_th_rel=p["V_th_rel"],
                       V_0_rel=p["V_0_rel"])
        t_tf, H = _timed(lambda: nnmt.lif.exp._transfer_function(**tf_args, omegas=sub))
        t_d, D = _timed(lambda: nnmt.network_properties._delay_dist_matrix(
            p["Delay"], p["Delay_sd"], p["delay_dist"], sub))
        t_m, M = _timed(lambda: nnmt.lif.exp._effective_connectivity(H, D, p["J"], p["K"],
                                                                    p["tau_m"]))
        t_ps, theirs = _timed(lambda: nnmt.lif.exp._power_spectra(
            wp["firing_rates"], M, p["J"], p["K"], p["N"], p["tau_m"]))
    t_theirs = t_wp + (t_tf + t_d + t_m + t_ps) * omegas.size / sub.size

    # (b) our linear-response step on NNMT's working point and transfer function
    D_ours = netprop._delay_dist_matrix(p["Delay"], p["Delay_sd"], p["delay_dist"], sub)
    M_ours = lr._effective_connectivity(H, D_ours, p["J"], p["K"], p["tau_m"])
    ours_b = lr._power_spectra(wp["firing_rates"], M_ours, p["J"], p["K"], p["N"],
                               p["tau_m"])
    # (c) our default transfer function without the refractory-phase term (NNMT's choice)
    H_c = _transfer._transfer_function(**tf_args, omegas=sub, refractory_phase=False)
    M_c = lr._effective_connectivity(H_c, D_ours, p["J"], p["K"], p["tau_m"])
    ours_c = lr._power_spectra(wp["firing_rates"], M_c, p["J"], p["K"], p["N"], p["tau_m"])

    print(f"machine: {platform.machine()}, python {platform.python_version()}, "
          f"numpy {np.__version__}")
    print(f"[microcircuit, Bos 2016] 8 populations, {omegas.size} frequencies, "
          f"delay_dist={p['delay_dist']}")
    print(f"  neuromf {neuromf.__version__}: {t_ours * 1e3:9.1f} ms "
          f"(median of {args.repeat}; wp + tf + D + M + spectra); CPU "
          f"{c_stages.sum() * 1e3:.1f} ms; load average {os.getloadavg()[0]:.2f}")
    print("    CPU ms per step (median): " + ", ".join(
        f"{name} {t * 1e3:.1f}" for name, t in zip(stages, c_stages, strict=True)))
    print(f"  NNMT {nnmt.__version__}:     {t_theirs:9.1f} s  "
          f"(wp {t_wp:.2f} s + per-frequency steps from {sub.size} frequencies x "
          f"{omegas.size / sub.size:.0f})")
    print(f"  speed-up: {t_theirs / t_ours:.0f}x")
    rel = np.abs(ours[idx] / theirs - 1).max()
    print(f"  power spectra, max relative difference vs NNMT: default pipeline {rel:.1e}; "
          f"same working point and transfer function {np.abs(ours_b / theirs - 1).max():.1e}; "
          f"neuromf transfer function without refractory term "
          f"{np.abs(ours_c / theirs - 1).max():.1e}")


def _random_network(n: int, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    n_e = int(0.8 * n)
    N = rng.integers(500, 5000, n).astype(float)
    tau_s, C, w, g = 0.5e-3, 250e-12, 87.8e-12, 5.0
    j = tau_s / C * w
    J = np.where(np.arange(n)[None, :] < n_e, j, -g * j) * np.ones((n, 1))
    conn = rng.uniform(0.5, 1.5, (n, n))
    K = conn * N[None, :] / (conn * N[None, :]).sum(axis=1, keepdims=True) * 4000.0
    Delay = np.where(np.arange(n)[None, :] < n_e, 1.5e-3, 0.75e-3) * np.ones((n, 1))
    return dict(N=N, J=J, K=K, tau_m=10e-3, tau_r=2e-3, tau_s=tau_s, V_0_rel=0.0,
                V_th_rel=15e-3, J_ext=j, K_ext=rng.uniform(1000, 1100, n), nu_ext=8.0,
                Delay=Delay, Delay_sd=0.5 * Delay, delay_dist="truncated_gaussian")


def random_network(args) -> None:
    from neuromf import linear_response as lr
    from neuromf import network_properties as netprop
    from neuromf.lif import _general, _transfer
    from neuromf.lif import exp as lif

    n, n_freq = 254, 500
    p = _random_network(n, seed=1)
    omegas = 2 * np.pi * np.linspace(0.1, 500, n_freq)
    neuron = {k: p[k] for k in ("V_0_rel", "V_th_rel", "tau_m", "tau_r", "tau_s")}
    ext = {k: p[k] for k in ("J_ext", "K_ext", "nu_ext")}
    times = {}
    cpu_start = time.process_time()
    times["working point"], nu = _timed(lambda: lif._firing_rates(
        p["J"], p["K"], **neuron, **ext))
    mu = _general._mean_input(nu, p["J"], p["K"], p["tau_m"], **ext)
    sigma = _general._std_input(nu, p["J"], p["K"], p["tau_m"], **ext)
    tf_args = dict(mu=mu, sigma=sigma, tau_m=p["tau_m"], tau_s=p["tau_s"], tau_r=p["tau_r"],
                   V_th_rel=p["V_th_rel"], V_0_rel=p["V_0_rel"])
    times["transfer function"], H = _timed(
        lambda: _transfer._transfer_function(**tf_args, omegas=omegas))
    times["delay matrix"], D = _timed(lambda: netprop._delay_dist_matrix(
        p["Delay"], p["Delay_sd"], p["delay_dist"], omegas))
    times["effective connectivity"], M = _timed(
        lambda: lr._effective_connectivity(H, D, p["J"], p["K"], p["tau_m"]))
    times["power spectra"], _ = _timed(
        lambda: lr._power_spectra(nu, M, p["J"], p["K"], p["N"], p["tau_m"]))
    cpu_total = time.process_time() - cpu_start      # all threads of this process
    total = sum(times.values())
    print(f"[random network] {n} populations, {n_freq} frequencies, rates "
          f"{nu.min():.2f}-{nu.max():.2f} Hz")
    for name, t in times.items():
        print(f"  neuromf {name:24s} {t:8.3f} s")
    print(f"  neuromf total                    {total:8.3f} s  (CPU {cpu_total:.3f} s; "
          f"load average {os.getloadavg()[0]:.2f})")
    if args.nnmt_random_freqs <= 0:
        return
    nnmt = _nnmt()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_wp, nu_n = _timed(lambda: nnmt.lif.exp._firing_rates(
            p["J"], p["K"], **neuron, **ext, method="shift"))
        sub = omegas[np.linspace(0, n_freq - 1, args.nnmt_random_freqs).round().astype(int)]
        t_tf, H_n = _timed(lambda: nnmt.lif.exp._transfer_function(**tf_args, omegas=sub))
        t_d, D_n = _timed(lambda: nnmt.network_properties._delay_dist_matrix(
            p["Delay"], p["Delay_sd"], p["delay_dist"], sub))
        t_m, M_n = _timed(lambda: nnmt.lif.exp._effective_connectivity(
            H_n, D_n, p["J"], p["K"], p["tau_m"]))
        t_ps, _ = _timed(lambda: nnmt.lif.exp._power_spectra(
            nu_n, M_n, p["J"], p["K"], p["N"], p["tau_m"]))
    t_nnmt = t_wp + (t_tf + t_d + t_m + t_ps) * n_freq / sub.size
    print(f"  NNMT total (wp {t_wp:.1f} s + per-frequency steps x {n_freq / sub.size:.0f}) "
          f"{t_nnmt:8.1f} s   speed-up {t_nnmt / total:.0f}x   "
          f"max relative rate difference {np.abs(nu / nu_n - 1).max():.1e}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--nnmt-freqs", type=int, default=20)
    ap.add_argument("--nnmt-random-freqs", type=int, default=2)
    args = ap.parse_args()
    microcircuit(args)
    random_network(args)


if __name__ == "__main__":
    main()
