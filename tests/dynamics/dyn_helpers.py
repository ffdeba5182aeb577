"""Uncoupled test populations with prescribed input mean and std (SI units)."""

from __future__ import annotations

import numpy as np

from neuromf.models import Plain


def uncoupled(mu, sigma, tau_m=20e-3, tau_r=2e-3, V_0=10e-3, V_th=20e-3, tau_s=None,
              N=None):
    """A Plain network of independent populations (K = 0) whose Poisson drive gives
    the input mean ``mu`` (V, > 0) and std ``sigma`` (V): J_ext = sigma²/mu,
    nu_ext = mu²/(tau_m sigma²) with one external synapse (Fourcaud & Brunel 2002, Eq. 3.4)."""
    mu = np.atleast_1d(np.asarray(mu, dtype=float))
    sigma = np.broadcast_to(np.asarray(sigma, dtype=float), mu.shape).copy()
    n = mu.size
    params = {
        "populations": [f"P{i}" for i in range(n)],
        "N": np.full(n, 1000.0) if N is None else np.broadcast_to(N, (n,)).astype(float),
        "tau_m": np.full(n, tau_m), "tau_r": np.full(n, tau_r),
        "V_0_rel": np.full(n, V_0), "V_th_rel": np.full(n, V_th),
        "C": np.full(n, 250e-12),
        "J": np.zeros((n, n)), "K": np.zeros((n, n)),
        "Delay": np.full((n, n), 1.5e-3), "Delay_sd": np.zeros((n, n)), "delay_dist": "none",
        "J_ext": np.diag(sigma ** 2 / mu), "K_ext": np.eye(n),
        "nu_ext": mu ** 2 / (tau_m * sigma ** 2),
    }
    if tau_s is not None:
        params["tau_s"] = np.full(n, tau_s)
        params["synapse_type"] = "exp"
    else:
        params["synapse_type"] = "delta"
    return Plain(params)
