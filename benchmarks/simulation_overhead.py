"""Overhead of neuromf.simulation.simulate over a plain PyNEST script of the same network.

Both sides build the same Brunel-type E-I network (exponential synapses, 2000 neurons,
fixed in-degrees 400/100, Poisson drive), simulate it and compute the population rates.
neuromf additionally derives the network from the model dict, runs in chunks with a
progress bar and computes CVs, correlations and spectra.  The runs alternate and the
median wall-clock times are compared; the target is an overhead of at most 5 %.

Usage::

    python benchmarks/simulation_overhead.py [--t-sim 2.0] [--repeats 3] [--threads 1]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from types import SimpleNamespace

import numpy as np

os.environ.setdefault("PYNEST_QUIET", "1")

N_E, N_I, K_E, K_I, G = 1600, 400, 400, 100, 5.0
W, W_EXT, K_EXT, NU_EXT = 87.8, 87.8, 1000, 8.0          # pA, pA, -, Hz
NEURON = {"C_m": 250.0, "tau_m": 10.0, "t_ref": 2.0, "E_L": -65.0, "V_reset": -65.0,
          "V_th": -50.0, "tau_syn_ex": 0.5, "tau_syn_in": 0.5, "I_e": 0.0}


def model() -> SimpleNamespace:
    """The network as a neuromf model (SI units)."""
    w = W * 1e-12
    return SimpleNamespace(network_params={
        "populations": ["E", "I"], "N": np.array([N_E, N_I], float),
        "K": np.array([[K_E, K_I], [K_E, K_I]], float),
        "C": 250e-12, "tau_m": 10e-3, "tau_r": 2e-3, "tau_s": 0.5e-3,
        "V_0_abs": -65e-3, "V_th_abs": -50e-3,
        "W": np.array([[w, -G * w], [w, -G * w]]), "W_ext": np.array([w, w]),
        "K_ext": np.array([K_EXT, K_EXT], float), "nu_ext": NU_EXT,
        "Delay": np.full((2, 2), 1.5e-3)})


def plain_pynest(t_presim: float, t_sim: float, threads: int, seed: int) -> np.ndarray:
    """The same network written directly in PyNEST (times in ms); returns rates (Hz)."""
    import nest

    nest.ResetKernel()
    nest.verbosity = nest.VerbosityLevel.ERROR
    nest.local_num_threads = threads
    nest.resolution = 0.1
    nest.rng_seed = seed
    pops = []
    for n in (N_E, N_I):
        pop = nest.Create("iaf_psc_exp", n)
        pop.set(**NEURON)
        pop.set(V_m=nest.random.uniform(-65.0, -50.0))
        pops.append(pop)
    recorders = nest.Create("spike_recorder", n=2)
    drive = nest.Create("poisson_generator", n=2)
    drive.rate = [K_EXT * NU_EXT] * 2
    for target in pops:
        for source, k, w in ((pops[0], K_E, W), (pops[1], K_I, -G * W)):
            nest.Connect(source, target, {"rule": "fixed_indegree", "indegree": k},
                         {"synapse_model": "static_synapse", "weight": w, "delay": 1.5})
    for i, pop in enumerate(pops):
        nest.Connect(pop, recorders[i])
        nest.Connect(drive[i], pop, "all_to_all",
                     {"synapse_model": "static_synapse", "weight": W_EXT, "delay": 1.5})
    nest.Simulate(t_presim + t_sim)
    rates = []
    for rec, n in zip(recorders, (N_E, N_I), strict=True):
        times = np.asarray(rec.get("events")["times"])
        rates.append(np.sum(times > t_presim) / (n * t_sim * 1e-3))
    return np.array(rates)


def with_neuromf(t_presim: float, t_sim: float, threads: int, seed: int) -> np.ndarray:
    from neuromf.simulation import simulate

    res = simulate(model(), t_sim=t_sim * 1e-3, t_presim=t_presim * 1e-3, threads=threads,
                   seed=seed, progress=True)
    return res.rates


def main(argv: list[str] | None = None) -> float:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--t-sim", type=float, default=2.0, help="simulated seconds")
    parser.add_argument("--t-presim", type=float, default=0.2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=55)
    args = parser.parse_args(argv)
    t_sim, t_presim = args.t_sim * 1e3, args.t_presim * 1e3
    # import both stacks before timing: one-off import costs are not simulation overhead
    import nest  # noqa: F401

    import neuromf.simulation  # noqa: F401
    names = ("plain PyNEST", "neuromf")
    wall: dict[str, list[float]] = {name: [] for name in names}
    cpu: dict[str, list[float]] = {name: [] for name in names}
    for rep in range(args.repeats):
        for name, fn in zip(names, (plain_pynest, with_neuromf), strict=True):
            t0, c0 = time.perf_counter(), time.process_time()
            rates = fn(t_presim, t_sim, args.threads, args.seed)
            wall[name].append(time.perf_counter() - t0)
            cpu[name].append(time.process_time() - c0)
            print(f"run {rep + 1} {name:13s} wall {wall[name][-1]:7.2f} s, cpu "
                  f"{cpu[name][-1]:7.2f} s   rates {np.round(rates, 3)} Hz", file=sys.stderr)
    # CPU time of this process is insensitive to other jobs on a shared machine
    for label, data in (("wall", wall), ("cpu", cpu)):
        med = {k: statistics.median(v) for k, v in data.items()}
        ratio = med["neuromf"] / med["plain PyNEST"]
        print(f"median {label:4s} time: plain PyNEST {med['plain PyNEST']:.2f} s, neuromf "
              f"{med['neuromf']:.2f} s, ratio {ratio:.3f} (overhead "
              f"{100 * (ratio - 1):+.1f} %, target <= +5 %)")
    return ratio


if __name__ == "__main__":
    main()
