"""Rate response of LIF neurons to a modulated inhibitory input rate: NEST vs theory.

A modulation of a presynaptic rate changes both the mean (∝ K J) and the variance
(∝ K J²) of a neuron's input.  The theory's response per input rate is

    G(ω) = τ_m (J H_μ(ω) + J² H_σ²(ω))            (with the variance channel)
    G(ω) = τ_m J H_μ(ω)                            (mean channel only; NNMT's convention)

This script measures G(ω) in plain PyNEST (nothing from neuromf.simulation): N unconnected
``iaf_psc_exp`` neurons receive two stationary Poisson inputs (excitatory) and an
inhibitory input whose rate is a sum of sinusoids, ``r_I(t) = r_I + Σ_k a_k sin(2π f_k t)``
(``sinusoidal_poisson_generator``, independent trains per neuron).  The population rate's
Fourier component at each f_k, divided by the input's, is G(f_k); its standard error comes
from the spread over independent blocks of neurons.  Inputs as in the 'peaked' network of
benchmarks/lfp_theory_vs_simulation.py (w = 87.8 pA, g = 8, τ_s = 0.5 ms).

Usage::

    python benchmarks/variance_channel_response.py [--synapse exp|delta] [--n 2000]
        [--t-sim 10] [--threads 2]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from neuromf.lif._transfer import (
    _transfer_function_delta,
    _transfer_function_shift,
    _transfer_function_variance_delta,
    _transfer_function_variance_shift,
)

C, TAU_M, TAU_S, TAU_R = 250e-12, 10e-3, 0.5e-3, 2e-3
V_TH, V_RESET = 15e-3, 0.0                        # relative to rest (-65 mV)
W_E, R_E = 87.8e-12, 2560.0                       # recurrent-like excitation: 160 x 16 Hz
W_X, R_X = 263.4e-12, 3000.0                      # external drive: 300 x 10 Hz
W_I, R_I = -8 * 87.8e-12, 640.0                   # inhibition: 40 x 16 Hz, g = 8
FREQS = np.array([5.0, 20.0, 40.0, 60.0, 100.0, 150.0])
REL_AMPLITUDE = 0.05                              # a_k / r_I per frequency


def theory_gains(freqs: np.ndarray, synapse: str = "exp") -> dict[str, np.ndarray]:
    """G(f) per input rate (dimensionless), with and without the variance channel.

    ``synapse='delta'``: the same PSP integrals J as jumps (δ synapses)."""
    def J(w):
        return w * TAU_S / C                      # V; mu = tau_m sum K J nu

    inputs = [(W_E, R_E), (W_X, R_X), (W_I, R_I)]
    mu = TAU_M * sum(J(w) * r for w, r in inputs)
    sigma = np.sqrt(TAU_M * sum(J(w) ** 2 * r for w, r in inputs))
    om = 2 * np.pi * freqs
    if synapse == "delta":
        h_mu = _transfer_function_delta(mu, sigma, TAU_M, TAU_R, V_TH, V_RESET, om)[:, 0]
        h_var = _transfer_function_variance_delta(mu, sigma, TAU_M, TAU_R, V_TH, V_RESET,
                                                  om)[:, 0]
    else:
        h_mu = _transfer_function_shift(mu, sigma, TAU_M, TAU_S, TAU_R, V_TH, V_RESET,
                                        om)[:, 0]
        h_var = _transfer_function_variance_shift(mu, sigma, TAU_M, TAU_S, TAU_R, V_TH,
                                                  V_RESET, om)[:, 0]
    j = J(W_I)
    return {"mean_only": TAU_M * j * h_mu, "with_variance": TAU_M * (j * h_mu + j**2 * h_var)}


def simulate(n: int, t_sim: float, threads: int, seed: int = 1, t_presim: float = 0.5,
             synapse: str = "exp", modulated: str = "inhibitory") -> dict:
    """Measured G(f_k) with standard errors from 10 blocks of neurons, and the rate.

    ``synapse``: 'exp' (``iaf_psc_exp``) or 'delta' (``iaf_psc_delta``, jumps J = w τ_s/C);
    ``modulated``: which input carries the sinusoids, 'inhibitory' or 'excitatory'.
    """
    import nest

    nest.ResetKernel()
    nest.set_verbosity("M_ERROR")
    nest.SetKernelStatus({"resolution": 0.1, "local_num_threads": threads, "rng_seed": seed})
    common = {"C_m": C * 1e12, "tau_m": TAU_M * 1e3, "t_ref": TAU_R * 1e3, "E_L": -65.0,
              "V_th": -65.0 + V_TH * 1e3, "V_reset": -65.0 + V_RESET * 1e3,
              "V_m": nest.random.uniform(-65.0, -50.0)}
    if synapse == "delta":
        pop = nest.Create("iaf_psc_delta", n, common)
        scale = TAU_S / C * 1e3                   # A -> mV of the PSP jump
    else:
        pop = nest.Create("iaf_psc_exp", n, common | {"tau_syn_ex": TAU_S * 1e3,
                                                      "tau_syn_in": TAU_S * 1e3})
        scale = 1e12                              # A -> pA
    steady = [(W_E, R_E), (W_X, R_X), (W_I, R_I)]
    w_mod, r_mod = steady.pop(0 if modulated == "excitatory" else 2)
    for w, r in steady:
        gen = nest.Create("poisson_generator", params={"rate": r})
        nest.Connect(gen, pop, syn_spec={"weight": w * scale, "delay": 0.1})
    share = r_mod / FREQS.size
    for f in FREQS:
        gen = nest.Create("sinusoidal_poisson_generator", params={
            "rate": share, "amplitude": REL_AMPLITUDE * r_mod, "frequency": f,
            "phase": 0.0})
        nest.Connect(gen, pop, syn_spec={"weight": w_mod * scale, "delay": 0.1})
    rec = nest.Create("spike_recorder", params={"start": t_presim * 1e3})
    nest.Connect(pop, rec)
    t0 = time.perf_counter()
    nest.Simulate((t_presim + t_sim) * 1e3)
    wall = time.perf_counter() - t0
    ev = rec.get("events")
    times = np.asarray(ev["times"]) * 1e-3 - 0.1e-3   # input delay: the input acts 0.1 ms late
    senders = np.asarray(ev["senders"]) - pop[0].global_id
    blocks = senders % 10
    om = 2 * np.pi * FREQS
    # Fourier component of the population rate r(t) = sum of deltas / n_block: (2/T) sum e^{-iwt}
    phasors = np.exp(-1j * om[:, None] * times)
    comp = np.array([np.bincount(blocks, z.real, minlength=10)
                     + 1j * np.bincount(blocks, z.imag, minlength=10)
                     for z in phasors]) * 2 / (t_sim * n / 10)
    # input: a sin(w t) = Re[-i a e^{iwt}]
    gain = comp / (-1j * REL_AMPLITUDE * r_mod)
    return {"gain": gain.mean(1), "stderr": gain.std(1, ddof=1) / np.sqrt(10),
            "rate": times.size / (n * t_sim), "wall_s": wall}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--t-sim", type=float, default=10.0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--synapse", choices=["exp", "delta"], default="exp")
    args = ap.parse_args()
    theory = theory_gains(FREQS, args.synapse)
    sim = simulate(args.n, args.t_sim, args.threads, args.seed, synapse=args.synapse)
    print(f"{args.synapse} synapses, N = {args.n}, {args.t_sim} s, rate {sim['rate']:.2f} Hz, "
          f"NEST {sim['wall_s']:.1f} s; modulated inhibitory input (J = "
          f"{W_I * TAU_S / C * 1e3:.2f} mV)")
    print("  f (Hz) | NEST |G|, phase (deg)      | theory with variance | mean channel only")
    for k, f in enumerate(FREQS):
        g, e = sim["gain"][k], sim["stderr"][k]
        a, b = theory["with_variance"][k], theory["mean_only"][k]
        print(f"  {f:6.0f} | {abs(g):.4f} ± {abs(e):.4f}, {np.angle(g, deg=True):6.1f} | "
              f"{abs(a):.4f}, {np.angle(a, deg=True):6.1f}        | "
              f"{abs(b):.4f}, {np.angle(b, deg=True):6.1f}")


if __name__ == "__main__":
    main()
