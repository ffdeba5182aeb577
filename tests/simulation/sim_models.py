"""Stand-in model objects for the simulation tests.

The microcircuit is assembled from the published parameter set
(/work/shared/reference/potjans2014_microcircuit.md, Potjans & Diesmann 2014); the PSP ->
PSC conversion factor is found here by numerically maximising the PSP time course, not
with the code under test.  The E-I network is a Brunel (2000)-type sparse network with
exponential synapses.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
from scipy import optimize

POPS = ["L23E", "L23I", "L4E", "L4I", "L5E", "L5I", "L6E", "L6I"]
N_FULL = np.array([20683, 5834, 21915, 5479, 4850, 1065, 14395, 2948])
CONN_PROBS = np.array([
    [0.1009, 0.1689, 0.0437, 0.0818, 0.0323, 0.0, 0.0076, 0.0],
    [0.1346, 0.1371, 0.0316, 0.0515, 0.0755, 0.0, 0.0042, 0.0],
    [0.0077, 0.0059, 0.0497, 0.135, 0.0067, 0.0003, 0.0453, 0.0],
    [0.0691, 0.0029, 0.0794, 0.1597, 0.0033, 0.0, 0.1057, 0.0],
    [0.1004, 0.0622, 0.0505, 0.0057, 0.0831, 0.3726, 0.0204, 0.0],
    [0.0548, 0.0269, 0.0257, 0.0022, 0.06, 0.3158, 0.0086, 0.0],
    [0.0156, 0.0066, 0.0211, 0.0166, 0.0572, 0.0197, 0.0396, 0.2252],
    [0.0364, 0.001, 0.0034, 0.0005, 0.0277, 0.008, 0.0658, 0.1443]])
K_EXT = np.array([1600, 1500, 2100, 1900, 2000, 1900, 2900, 2100])
FULL_MEAN_RATES = np.array([0.903, 2.965, 4.414, 5.876, 7.569, 8.633, 1.105, 7.829])
# N = K = 0.1, seed 55, 1 virtual process / 2 threads (potjans2014_microcircuit.md)
REF_RATES_1VP = np.array([0.402, 2.017, 3.880, 4.958, 6.575, 7.726, 0.831, 6.986])
REF_RATES_2THREADS = np.array([0.517, 2.120, 3.959, 5.011, 6.478, 7.821, 0.838, 7.007])


def psc_per_psp_numeric(C, tau_m, tau_s):
    """PSC amplitude (A) giving a 1 V PSP peak, by maximising the PSP numerically."""
    def neg_psp(t):  # membrane response to a unit exponential current
        return -(tau_m * tau_s / (C * (tau_m - tau_s))
                 * (np.exp(-t / tau_m) - np.exp(-t / tau_s)))
    res = optimize.minimize_scalar(neg_psp, bounds=(0, 10 * tau_m), method="bounded",
                                   options={"xatol": 1e-14})
    return 1.0 / -res.fun


def microcircuit_params():
    C, tau_m, tau_s = 250e-12, 10e-3, 0.5e-3
    n = len(POPS)
    w = 0.15e-3 * psc_per_psp_numeric(C, tau_m, tau_s)
    prod = np.outer(N_FULL, N_FULL).astype(float)
    K = np.log(1 - CONN_PROBS) / np.log((prod - 1) / prod) / N_FULL[:, None]
    W = np.tile(np.where(np.arange(n) % 2 == 0, w, -4.0 * w), (n, 1))
    W[0, 2] *= 2.0
    delay = np.tile(np.where(np.arange(n) % 2 == 0, 1.5e-3, 0.75e-3), (n, 1))
    return {
        "label": "microcircuit", "populations": list(POPS), "N": N_FULL.astype(float),
        "conn_probs": CONN_PROBS, "K": K, "K_ext": K_EXT.astype(float), "nu_ext": 8.0,
        "C": C, "tau_m": tau_m, "tau_r": 2e-3, "tau_s": tau_s,
        "V_0_abs": -65e-3, "V_th_abs": -50e-3, "E_L": -65e-3,
        "V_0_rel": 0.0, "V_th_rel": 15e-3,
        "PSP_e": 0.15e-3, "g": 4.0, "w": w, "w_ext": w, "W": W, "J": tau_s / C * W,
        "J_ext": np.full(n, tau_s / C * w), "W_ext": np.full(n, w),
        "Delay": delay, "Delay_sd": 0.5 * delay, "d_e": 1.5e-3, "d_i": 0.75e-3,
        "d_e_sd": 0.75e-3, "d_i_sd": 0.375e-3, "PSC_rel_sd": 0.1,
        "full_mean_rates": FULL_MEAN_RATES, "delay_dist": "none",
    }


def ei_params(N_E=1600, N_I=400, K_E=160, K_I=40, g=5.0, w=87.8e-12, w_ext=263.4e-12,
              nu_ext=7.8, K_ext=300, tau_s=0.5e-3, delay=1.5e-3):
    """Brunel-type E-I network with exponential synapses (fixed in-degree).

    Defaults: connection probability 0.1 (Brunel 2000), inhibition-dominated (g = 5),
    external drive of 300 inputs at 7.8 Hz with PSCs three times the recurrent
    excitatory ones; asynchronous irregular at about 10 spikes/s (count correlations
    below 0.01, CV about 0.7).
    """
    C = 250e-12
    W = np.array([[w, -g * w], [w, -g * w]])
    return {
        "label": "ei_exp", "populations": ["E", "I"], "N": np.array([N_E, N_I], float),
        "K": np.array([[K_E, K_I], [K_E, K_I]], float),
        "C": C, "tau_m": 10e-3, "tau_r": 2e-3, "tau_s": tau_s,
        "V_0_abs": -65e-3, "V_th_abs": -50e-3, "V_0_rel": 0.0, "V_th_rel": 15e-3,
        "W": W, "J": tau_s / C * W, "K_ext": np.array([K_ext, K_ext], float),
        "nu_ext": nu_ext, "W_ext": np.array([w_ext, w_ext]),
        "J_ext": np.full(2, tau_s / C * w_ext),
        "Delay": np.full((2, 2), delay), "Delay_sd": np.zeros((2, 2)),
    }


def standin(params):
    return SimpleNamespace(network_params=params, analysis_params={}, results={},
                           results_hash_dict={}, result_units={})

