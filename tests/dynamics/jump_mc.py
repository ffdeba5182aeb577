"""Event-driven Monte-Carlo of unconnected LIF neurons with Poisson jump input (numpy).

An independent reference for the finite-jump density model: each neuron has its own
clock; between input events the potential decays exactly, V -> V e^{-t/tau_m}; at an event
(total rate sum_k r_k, type k with probability r_k / sum r) it jumps by J_k; crossing the
threshold is a spike, followed by reset to V_r and tau_r of refractoriness (input events
during it are lost, which for Poisson input is the same as restarting the clock after it).
Exact up to sampling error (no time step).
"""

from __future__ import annotations

import numpy as np


def lif_jump_rate(rates, jumps, *, tau_m=20e-3, tau_r=2e-3, V_r=10e-3, V_th=20e-3,
                  n_neurons=2000, t_sim=2.0, t_warm=0.1, seed=0):
    """Stationary rate (Hz) and its standard error of ``n_neurons`` independent neurons.

    ``rates`` (Hz) and ``jumps`` (V): the Poisson input channels.  The error is the
    standard deviation of the per-neuron spike counts over sqrt(n_neurons), as a rate.
    """
    rates = np.asarray(rates, dtype=float)
    jumps = np.asarray(jumps, dtype=float)
    r_tot = rates.sum()
    cum = np.cumsum(rates) / r_tot
    rng = np.random.default_rng(seed)
    t = np.zeros(n_neurons)
    V = np.full(n_neurons, V_r)
    counts = np.zeros(n_neurons)
    active = np.arange(n_neurons)
    while active.size:
        ta, Va = t[active], V[active]
        dt = rng.exponential(1.0 / r_tot, active.size)
        ta = ta + dt
        Va = Va * np.exp(-dt / tau_m)
        k = np.searchsorted(cum, rng.random(active.size), side="right")
        Va = Va + jumps[np.minimum(k, jumps.size - 1)]
        spike = Va >= V_th
        counts[active] += spike & (ta >= t_warm) & (ta < t_sim)
        Va[spike] = V_r
        ta[spike] += tau_r
        t[active], V[active] = ta, Va
        active = active[ta < t_sim]
    T = t_sim - t_warm
    return counts.mean() / T, counts.std() / T / np.sqrt(n_neurons)


def lif_discrete_rate(rates, jumps, *, dt=1e-4, tau_m=20e-3, tau_r=2e-3, V_r=10e-3,
                      V_th=20e-3, n_neurons=4000, t_sim=2.0, t_warm=0.1, seed=0):
    """Stationary rate (Hz) and standard error of neurons updated as NEST's
    ``iaf_psc_delta`` at resolution ``dt``: per step V -> V e^{-dt/tau_m} + sum_k J_k n_k,
    n_k ~ Poisson(r_k dt); spike if V >= V_th, then V_r and tau_r/dt refractory steps in
    which input is discarded."""
    rates = np.asarray(rates, dtype=float)
    jumps = np.asarray(jumps, dtype=float)
    rng = np.random.default_rng(seed)
    V = np.full(n_neurons, V_r)
    ref = np.zeros(n_neurons, dtype=int)
    n_ref = int(round(tau_r / dt))
    decay = np.exp(-dt / tau_m)
    counts = np.zeros(n_neurons)
    n_steps, n_warm = int(round(t_sim / dt)), int(round(t_warm / dt))
    for step in range(n_steps):
        inc = rng.poisson(rates * dt, size=(n_neurons, rates.size)) @ jumps
        free = ref == 0
        V = np.where(free, V * decay + inc, V)
        ref = np.where(free, 0, ref - 1)
        spike = V >= V_th
        V[spike] = V_r
        ref[spike] = n_ref
        if step >= n_warm:
            counts += spike
    T = (n_steps - n_warm) * dt
    return counts.mean() / T, counts.std() / T / np.sqrt(n_neurons)
