"""Working points of many networks of the same size, solved together.

:func:`batched_working_points` finds the self-consistent firing rates of ``G`` networks
in one damped Newton iteration over all of them (vectorized Siegert rates with analytic
Jacobians; Siegert 1951; Brunel 2000, Eq. 21; shifted boundaries for exponential
synapses, Fourcaud & Brunel 2002, Eq. 3.4), with a stiff relaxation of the rate dynamics
and the single-network solver as fall-backs.  Used by :class:`neuromf.batch.Batch`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..lif import _general

__all__ = ["batched_working_points"]


def _synapse_type(net: Any) -> str:
    from ..models import synapse_type

    return synapse_type(net.network_params)


def _stack(networks: Sequence[Any], key: str, shape: tuple) -> np.ndarray:
    return np.stack([np.broadcast_to(np.asarray(net.network_params[key], dtype=float), shape)
                     for net in networks])


def _single_working_point(net: Any, method: str) -> dict:
    from .. import lif
    from .points import as_network

    net = as_network(net)
    if _synapse_type(net) == "delta":
        return lif.delta.working_point(net)
    return lif.exp.working_point(net, method=method)


def batched_working_points(networks: Sequence[Any], method: str = "shift") -> dict:
    """Working points of many networks of the same size, solved together.

    One damped Newton iteration runs on all networks at once (vectorized rate functions,
    analytic Jacobians ``dPhi/dmu · dmu/dnu + dPhi/dsigma · dsigma/dnu``); networks
    where it does not converge to a linearly stable fixed point are solved one by one
    with the default solver, so the result equals :func:`neuromf.lif.exp.working_point`
    (``method='shift'``) or :func:`neuromf.lif.delta.working_point` for every network.
    For ``method='taylor'`` every network is solved with its own solver.

    Parameters
    ----------
    networks : sequence of Network or GridPoint
        ``G`` networks (or parameter sets, :class:`neuromf.batch.points.GridPoint`) with
        the same populations and one synapse type, exponential or δ.
    method : {'shift', 'taylor'}
        Colored-noise approximation of the firing rate for exponential synapses
        (Fourcaud & Brunel 2002, Eq. 3.4, shifted boundaries; Schuecker et al. 2014,
        first order in ``sqrt(tau_s/tau_m)``); ignored for δ synapses.

    Returns
    -------
    dict
        ``'firing_rates'`` (Hz), ``'mean_input'`` and ``'std_input'`` (V) of the self-
        consistent working points, each of shape (G, n).

    Raises
    ------
    RuntimeError
        If the single-network solver of a network that the batched iteration could not
        solve does not converge either (with its last residual).
    ValueError
        If the input of a network is not finite at the initial rates.

    References
    ----------
    Brunel 2000, Eq. 21 (self-consistent rates); Fourcaud & Brunel 2002, Eq. 3.4
    (exponential synapses); Siegert 1951 (mean first-passage time).
    """
    from .. import _solvers
    from ..special import _siegert

    kind = _synapse_type(networks[0])
    n = len(networks[0].network_params["populations"])
    G = len(networks)
    KJ = np.stack([np.asarray(net.network_params["K"], float)
                   * np.asarray(net.network_params["J"], float) for net in networks])
    KJ2 = np.stack([np.asarray(net.network_params["K"], float)
                    * np.asarray(net.network_params["J"], float) ** 2 for net in networks])
    tau_m = _stack(networks, "tau_m", (n,))
    ext_mu, ext_var = [], []
    for net in networks:
        p = net.network_params
        zero = np.zeros(n)
        ext_mu.append(_general._mean_input(zero, p["J"], p["K"], 1.0, p["J_ext"], p["K_ext"],
                                           p["nu_ext"], p.get("I_ext"), p.get("C")))
        ext_var.append(_general._std_input(zero, p["J"], p["K"], 1.0, p["J_ext"], p["K_ext"],
                                           p["nu_ext"]) ** 2)
    ext_mu, ext_var = np.broadcast_to(ext_mu, (G, n)), np.array(ext_var)

    def inputs(nu, g):
        mu = tau_m[g] * (np.einsum("gab,gb->ga", KJ[g], nu) + ext_mu[g])
        sigma = np.sqrt(tau_m[g] * (np.einsum("gab,gb->ga", KJ2[g], nu) + ext_var[g]))
        return mu, sigma

    if kind == "exp" and method != "shift":
        nu = np.stack([_single_working_point(net, method)["firing_rates"]
                       for net in networks])
        mu, sigma = inputs(nu, slice(None))
        return {"firing_rates": nu, "mean_input": mu, "std_input": sigma}

    tau_r = _stack(networks, "tau_r", (n,))
    V_0 = _stack(networks, "V_0_rel", (n,))
    V_th = _stack(networks, "V_th_rel", (n,))
    shift = 0.0
    if kind == "exp":
        shift = _siegert.ALPHA_SHIFT / 2 * np.sqrt(_stack(networks, "tau_s", (n,)) / tau_m)
    c = np.broadcast_to(shift, tau_m.shape)

    def residual_and_jacobian(nu, g, jacobian=True):
        mu, sigma = inputs(nu, g)
        t_m, t_r, cg = tau_m[g], tau_r[g], c[g]
        V_0s, V_ths = V_0[g] + cg * sigma, V_th[g] + cg * sigma
        rate = _siegert.delta_firing_rate(mu, sigma, V_0s, V_ths, t_m, t_r)
        if not jacobian:
            return rate - nu, None
        d_mu = _siegert.d_delta_firing_rate_d_mu(mu, sigma, V_0s, V_ths, t_m, t_r)
        # Phi(mu, sigma) = S(mu, sigma, V_0 + c sigma, V_th + c sigma): dPhi/dsigma =
        # dS/dsigma - c dS/dmu, since S depends on (V - mu)/sigma
        d_sigma = (_siegert.d_delta_firing_rate_d_sigma(mu, sigma, V_0s, V_ths, t_m, t_r)
                   - cg * d_mu)
        jac = ((d_mu * t_m)[..., None] * KJ[g]
               + (d_sigma * t_m / (2 * sigma))[..., None] * KJ2[g]
               - np.eye(n))
        return rate - nu, jac

    with np.errstate(all="ignore"):
        nu, converged, stable = _solvers._batched_newton(residual_and_jacobian,
                                                         np.zeros((G, n)))
        failed = np.flatnonzero(~(converged & stable))
        if failed.size:
            # the robust path of the single-network solver, for all failures at once:
            # relax the rate dynamics from the same start, then Newton
            start = _relax(residual_and_jacobian, np.zeros((failed.size, n)), failed)
            sub, ok, ok_stable = _solvers._batched_newton(
                lambda x, g: residual_and_jacobian(x, failed[g]), start)
            good = ok & ok_stable
            nu[failed[good]] = sub[good]
            failed = failed[~good]
    for g in failed:
        nu[g] = _single_working_point(networks[g], method)["firing_rates"]
    mu, sigma = inputs(nu, slice(None))
    return {"firing_rates": nu, "mean_input": mu, "std_input": sigma}


def _relax(residual_and_jacobian, nu: np.ndarray, index: np.ndarray,
           maxiter: int = 1000) -> np.ndarray:
    """Integrate the rate dynamics d nu/ds = Phi(nu) - nu of the systems ``index``
    until each relative residual is below 1e-3 (the criterion of
    :func:`neuromf._solvers._relax`), all systems in one stiff integration (BDF with the
    analytic block-diagonal Jacobian)."""
    from scipy import sparse
    from scipy.integrate import solve_ivp

    nu = np.array(nu, dtype=float)
    n = nu.shape[1]
    active = np.arange(len(nu))
    for _ in range(maxiter):
        F, _ = residual_and_jacobian(nu[active], index[active], False)
        settled = np.all(np.abs(F) <= 1e-3 * np.abs(nu[active]) + 1e-6, axis=1)
        active = active[~settled]
        if active.size == 0:
            return nu
        rows = index[active]

        def rhs(_, x, rows=rows):
            return residual_and_jacobian(x.reshape(-1, n), rows, False)[0].ravel()

        def jac(_, x, rows=rows):
            return sparse.block_diag(residual_and_jacobian(x.reshape(-1, n), rows)[1],
                                     format="csc")

        sol = solve_ivp(rhs, [0, 5.0], nu[active].ravel(), method="BDF", jac=jac,
                        rtol=1e-6, atol=1e-9)
        if not sol.success:
            break
        nu[active] = np.maximum(sol.y[:, -1].reshape(-1, n), 0.0)
    return nu
