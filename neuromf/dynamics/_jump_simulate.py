r"""Time integration of the finite-jump population density (``synapses='jumps'``).

Every population of a delta-synapse model gets the master equation of
:mod:`._jump_operator` (Omurtag, Knight & Sirovich 2000; Nykamp & Tranchina 2000;
Richardson & Swarbrick 2010): one input *channel* per distinct PSP amplitude
:math:`J_{ac}` of the population, with the Poisson rate

.. math::

    r_{ac}(t) = \sum_{b: J_{ab} = J_{ac}} K_{ab}\,(k_{ab} * \nu_b)(t)
              + \sum_{x: J^{ext}_{ax} = J_{ac}} K^{ext}_{ax}\,\nu^{ext}_x(t),

from the same delayed rates as the diffusion model (:mod:`._network`), plus the stimulus'
``nu_ext`` and external populations.  Membrane currents (``I_ext`` of the model and the
stimulus) and the stimulus' ``mu`` drive the leak, :math:`\mu_d = \tau_m I/C + \mu_{stim}`;
a ``var`` stimulus has no counterpart in a jump model and is refused.  The recorded ``mu``
and ``sigma`` are the diffusion equivalents :math:`\mu_d + \tau_m\sum_c r_c J_c` and
:math:`(\tau_m\sum_c r_c J_c^2)^{1/2}`.  Finite-size noise as for the diffusion model
(:mod:`.simulate`), the excess of the 'conserving' variant taken from the cells near
threshold with the weight :math:`\exp(-(V_\theta - V)/\sigma)`.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from . import _jump_operator as jo
from ._activity import step_activity
from ._network import DelayLine, delayed_external_rate
from .stimulus import Stimulus

__all__ = ["simulate_jumps", "jump_channels"]

_N_SIGMA = 6.0
_TRIM_MASS = 1e-12      # lower grid bound: where the stationary mass below is < this ...
_ROUND = 1e-13          # PSP amplitudes equal to 1e-13 V share a channel


def _external_matrices(p: dict, n: int):
    """External in-degrees, weights and rates as (P, X) arrays."""
    K = np.asarray(p.get("K_ext", 0.0), dtype=float)
    J = np.asarray(p.get("J_ext", 0.0), dtype=float)
    nu = np.asarray(p.get("nu_ext", 0.0), dtype=float)
    if K.ndim == 2 or J.ndim == 2:
        K, J = np.broadcast_arrays(K, J)
        K, J = K.reshape(n, -1), J.reshape(n, -1)
        nu = np.broadcast_to(nu, (K.shape[1],))[None, :] * np.ones_like(K)
    else:
        K = np.broadcast_to(K, (n,)).reshape(n, 1).astype(float)
        J = np.broadcast_to(J, (n,)).reshape(n, 1).astype(float)
        nu = np.broadcast_to(nu, (n,)).reshape(n, 1).astype(float)
    return K, J, nu


def jump_channels(pops, model, externals=()) -> np.ndarray:
    """PSP amplitudes (V) of the input channels of every population, (P, C), 0-padded.

    Parameters
    ----------
    pops : Populations
        Per-population parameters (their ``J``, ``K``).
    model : neuromf network
        Its ``K_ext``, ``J_ext`` and ``nu_ext``.
    externals : sequence of ExternalPopulation
        Stimulus populations (their ``J``).

    Returns
    -------
    ndarray (P, C)
        Distinct non-zero PSP amplitudes (V) per population, zero-padded to C channels.
    """
    n = pops.n
    K_x, J_x, _ = _external_matrices(model.network_params, n)
    per = []
    for a in range(n):
        vals = list(pops.J[a][pops.K[a] > 0]) + list(J_x[a][K_x[a] > 0])
        for e in externals:
            Ke = np.broadcast_to(np.asarray(e.K, dtype=float), (n,))
            Je = np.broadcast_to(np.asarray(e.J, dtype=float), (n,))
            if Ke[a] > 0:
                vals.append(Je[a])
        vals = np.unique(np.round(np.asarray(vals, dtype=float) / _ROUND) * _ROUND)
        per.append(vals[vals != 0])
    C = max(1, max(v.size for v in per))
    out = np.zeros((n, C))
    for a, v in enumerate(per):
        out[a, :v.size] = v
    return out


def _channel_of(chan: np.ndarray, a: int, J: float) -> int:
    return int(np.argmin(np.abs(chan[a] - J)))


def _rate_maps(pops, model, chan, line: DelayLine):
    """Matrix from the delay-filtered rates to the channel rates, and the constant part."""
    n, C = chan.shape
    W = np.zeros((n * C, line.n_kernels * n))
    for a in range(n):
        for b in range(n):
            if pops.K[a, b] > 0 and pops.J[a, b] != 0:
                c = _channel_of(chan, a, pops.J[a, b])
                W[a * C + c, line.classes[a, b] * n + b] += pops.K[a, b]
    K_x, J_x, nu_x = _external_matrices(model.network_params, n)
    const = np.zeros((n, C))
    per_ext = np.zeros((n, C))          # rate per unit extra nu_ext (the stimulus channel)
    for a in range(n):
        for x in range(K_x.shape[1]):
            if K_x[a, x] > 0 and J_x[a, x] != 0:
                c = _channel_of(chan, a, J_x[a, x])
                const[a, c] += K_x[a, x] * nu_x[a, x]
                per_ext[a, c] += K_x[a, x]
    pairs = [(a, _channel_of(chan, a, pops.J[a, b]), line.classes[a, b] * n + b, pops.K[a, b])
             for a in range(n) for b in range(n) if pops.K[a, b] > 0 and pops.J[a, b] != 0]
    return W, const, per_ext, np.array(pairs, dtype=float).reshape(-1, 4)


def _stimulus_arrays(stimulus: Stimulus | None, pops, chan, per_ext, times, dt):
    """Extra channel rates (n_t, P, C) in Hz and extra drive (n_t, P) in V, or None."""
    if stimulus is None:
        return None, None
    if not isinstance(stimulus, Stimulus):
        raise TypeError(f"stimulus must be a neuromf.dynamics.Stimulus, got "
                        f"{type(stimulus).__name__}")
    ch = stimulus.evaluate(times, pops.names, dt)
    if ch["var"] is not None and np.any(ch["var"] != 0):
        raise ValueError("a 'var' stimulus (V^2) has no counterpart in the finite-jump model "
                         "(synapses='jumps'): give the input as rates (nu_ext, external) or "
                         "use synapses='diffusion'")
    n, C = chan.shape
    rates = np.zeros((times.size, n, C))
    drive = np.zeros((times.size, n))
    if ch["nu_ext"] is not None:
        rates += ch["nu_ext"][:, :, None] * per_ext[None]
    if ch["mu"] is not None:
        drive += ch["mu"]
    if ch["I_ext"] is not None:
        drive += ch["I_ext"] * (pops.tau_m / pops.C)
    for e in ch["external"]:
        delayed = delayed_external_rate(e, times, dt)
        Ke = np.broadcast_to(np.asarray(e.K, dtype=float), (n,))
        Je = np.broadcast_to(np.asarray(e.J, dtype=float), (n,))
        for a in range(n):
            if Ke[a] > 0 and Je[a] != 0:
                rates[:, a, _channel_of(chan, a, Je[a])] += Ke[a] * delayed
    return rates, drive


def _grid(pops, chan, rates0, mu_d0, jump_cells: int, v_min):
    """Cell grid: width min|J|/jump_cells, lower bound trimmed to the stationary density."""
    h = np.min(np.where(chan != 0, np.abs(chan), np.inf), axis=1) / jump_cells
    if not np.all(np.isfinite(h)):
        i = int(np.argmin(np.isfinite(h)))
        raise ValueError(f"population {pops.names[i]} receives no synaptic input: the "
                         "finite-jump model needs at least one input channel with J != 0")
    mu_eq = mu_d0 + pops.tau_m * np.sum(rates0 * chan, axis=1)
    sig = np.sqrt(pops.tau_m * np.sum(rates0 * chan ** 2, axis=1))
    if v_min is not None:
        lo = np.minimum(np.broadcast_to(np.asarray(v_min, dtype=float), (pops.n,)),
                        pops.V_0 - 2 * h)
        return jo.make_jump_grid(lo, pops.V_0, pops.V_th, h)
    lo = np.minimum(mu_eq, pops.V_0) - _N_SIGMA * sig
    lo = np.minimum(lo, pops.V_0 - 2 * h)
    grid = jo.make_jump_grid(lo, pops.V_0, pops.V_th, h)
    op = jo.JumpOperator(grid, pops.tau_m, chan)
    m, _ = jo.stationary_masses(op, rates0, mu_d0, pops.tau_r)
    below = np.cumsum(m, axis=1) / m.sum(axis=1, keepdims=True)
    first = np.argmax(below > _TRIM_MASS, axis=1)
    cut = grid.faces[np.arange(pops.n), first] - (pops.V_th - pops.V_0)
    return jo.make_jump_grid(np.maximum(lo, np.minimum(cut, pops.V_0 - 2 * h)), pops.V_0,
                             pops.V_th, h)


def simulate_jumps(model: Any, pops, nu0, times, dt: float, *, stimulus=None,
                   finite_size=False, rng=None, scheme="backward-euler",
                   jump_cells: int = 4, counts: str = "binomial", v_min=None,
                   perturbation: float = 0.0,
                   record_densities: bool = False, density_interval: float = 1e-3,
                   bar=None) -> tuple:
    """Integrate the finite-jump densities of all populations (see the module docstring).

    Parameters
    ----------
    model : neuromf network
        The model (its external drive ``K_ext``, ``J_ext``, ``nu_ext``).
    pops : Populations
        Per-population parameters (SI) from :func:`._network.populations_from_model`.
    nu0 : array (P,)
        Initial rates (Hz), filling the rate history.
    times : array
        Time axis (s), ``0, dt, ..., t_sim``.
    dt : float
        Time step (s).
    stimulus : Stimulus or None
        As :func:`neuromf.dynamics.simulate` (no 'var' channel).
    finite_size : False or {'conserving', 'input'}
        Finite-size noise variant.
    rng : numpy.random.Generator or None
        Random numbers of the finite-size noise.
    scheme : {'backward-euler', 'crank-nicolson', 'discrete-time'}
        Time step of the densities (:mod:`._jump_operator`).
    jump_cells : int
        Cells per smallest PSP amplitude of a population.
    counts : {'binomial', 'poisson'}
        ``scheme='discrete-time'``: law of the number of recurrent spikes arriving in a
        step from population b, Binomial(K_ab, (k_ab * nu_b) dt) (K_ab presynaptic neurons
        drawn at random, as NEST's fixed in-degree) or Poisson(K_ab (k_ab * nu_b) dt).
    v_min : float or array (P,) or None
        Lower grid bound (V).
    perturbation : float
        Initial kick, in units of the input std.
    record_densities : bool
        Keep the densities every ``density_interval`` (s).
    density_interval : float
        Recording interval of the densities (s).
    bar : progress bar or None
        Updated every 250 steps.

    Returns
    -------
    tuple
        ``(rates, mu, sigma, flux, densities, density_times, centres, diagnostics,
        grid_params)``.

    Raises
    ------
    ValueError
        Bad ``jump_cells``, a 'var' stimulus, Crank–Nicolson above its positivity bound.
    RuntimeError
        Negative densities or probability not conserved to 1e-10 per s.
    """
    jump_cells = int(jump_cells)
    if jump_cells < 1:
        raise ValueError(f"jump_cells must be an integer >= 1 (cells per PSP amplitude), got "
                         f"{jump_cells}")
    n = pops.n
    n_steps = times.size - 1
    t_sim = float(times[-1])
    externals = list(stimulus.external or []) if isinstance(stimulus, Stimulus) else []
    chan = jump_channels(pops, model, externals)
    line = DelayLine(pops, dt, nu0)
    W, const, per_ext, pairs = _rate_maps(pops, model, chan, line)
    stim_rates, stim_drive = _stimulus_arrays(stimulus, pops, chan, per_ext, times, dt)
    C = chan.shape[1]
    rates0 = (W @ line.filtered()).reshape(n, C) + const
    mu_d0 = pops.tau_m * pops.I_ext / pops.C
    grid = _grid(pops, chan, rates0, mu_d0, jump_cells, v_min)
    op = jo.JumpOperator(grid, pops.tau_m, chan)
    m, nu_stat = jo.stationary_masses(op, rates0, mu_d0, pops.tau_r)
    if perturbation:
        sig0 = np.sqrt(pops.tau_m * np.sum(rates0 * chan ** 2, axis=1))
        m_kick, _ = jo.stationary_masses(op, rates0, mu_d0 + perturbation * sig0, pops.tau_r)
        m = m_kick * (m.sum(axis=1) / m_kick.sum(axis=1))[:, None]
    theta = 0.5 if scheme == "crank-nicolson" else 1.0
    binomial = False
    if scheme == "discrete-time":
        stepper = jo.DiscreteJumpStepper(op, dt)
        binomial = counts == "binomial" and pairs.shape[0] > 0
        if counts == "binomial" and not np.all(np.equal(np.mod(pops.K, 1), 0)):
            raise ValueError("counts='binomial' needs integer in-degrees K")
        if binomial:
            stepper.binomial = (pairs[:, 0].astype(int), pairs[:, 1].astype(int),
                                pairs[:, 3].astype(int))
            f_idx = pairs[:, 2].astype(int)
    else:
        stepper = jo.JumpStepper(op, dt, theta, rates0, mu_d0)
    dt_pos = stepper.max_positive_dt()
    if dt > dt_pos:
        raise ValueError(f"scheme='crank-nicolson' is not positivity-preserving at dt = {dt} s "
                         f"for the jump rates of this model (need dt <= {dt_pos:.3g} s at the "
                         "working point); use a smaller dt or scheme='backward-euler'")
    ref_line = (DelayLine(pops, dt, nu0)
                if finite_size == "input" or theta < 1.0 else None)
    # the refractory mass is the rate history (nu0 tau_r): scale the density so that the
    # total probability is 1 (the jump model's stationary rate differs from nu0)
    pool = nu0 * pops.tau_r
    m *= ((1.0 - pool) / m.sum(axis=1))[:, None]
    mass0 = m.sum(axis=1) + pool
    NT = pops.N * dt
    rec_rates = np.empty((n_steps + 1, n))
    rec_mu = np.empty((n_steps + 1, n))
    rec_sigma = np.empty((n_steps + 1, n))
    rec_flux = np.empty((n_steps + 1, n)) if finite_size else None
    rec_rates[0] = nu0
    rec_mu[0] = mu_d0 + pops.tau_m * np.sum(rates0 * chan, axis=1)
    rec_sigma[0] = np.sqrt(pops.tau_m * np.sum(rates0 * chan ** 2, axis=1))
    if finite_size:
        rec_flux[0] = nu0
    rec_every = max(1, int(round(density_interval / dt)))
    dens, dens_t = ([m / grid.h[:, None]], [0.0]) if record_densities else (None, None)
    tau, chan2 = pops.tau_m, chan ** 2
    min_mass = 0.0
    start = time.perf_counter()
    for step in range(1, n_steps + 1):
        F = line.filtered()
        recurrent = (W @ F).reshape(n, C)
        rates_step = const.copy()               # Poisson part: external and stimulus
        mu_d = mu_d0
        if stim_rates is not None:
            rates_step += stim_rates[step]
            mu_d = mu_d0 + stim_drive[step]
        rates = rates_step + recurrent
        if binomial:
            stepper.binomial_p = F[f_idx] * dt  # recurrent part counted per source
        else:
            rates_step = rates
        source = (ref_line if ref_line is not None else line).refractory_source()
        m, emitted, flux = stepper.step(m, rates_step, mu_d, source)
        var = tau * np.sum(rates * chan2, axis=1)
        sigma = np.sqrt(var)
        A, m, pool = step_activity(
            finite_size, rng, flux, emitted, source, m, pool, ref_line, NT, dt,
            lambda e, d, s=sigma: _finite_size(rng, e, d, grid, s, NT, dt))
        if finite_size:
            rec_flux[step] = flux
        line.push(A)
        rec_rates[step] = A
        rec_mu[step] = mu_d + tau * np.sum(rates * chan, axis=1)
        rec_sigma[step] = sigma
        if record_densities and step % rec_every == 0:
            dens.append(m / grid.h[:, None])
            dens_t.append(step * dt)
        if step % 250 == 0:
            min_mass = min(min_mass, float(m.min()))
            if bar is not None:
                bar.update(250)
    if bar is not None:
        bar.update(n_steps % 250)
    wall = time.perf_counter() - start
    min_mass = min(min_mass, float(m.min()))
    drift = float(np.max(np.abs(m.sum(axis=1) + pool - mass0)))
    if min_mass < -1e-12 * float(np.max(m)):
        raise RuntimeError(f"a density became negative (cell mass {min_mass:.3g})")
    if drift / t_sim > 1e-10:
        raise RuntimeError(f"probability not conserved: drift {drift:.3g} in {t_sim} s")
    diagnostics = {"wall_time": wall, "n_steps": n_steps, "probability_drift": drift,
                   "probability_drift_per_second": drift / t_sim,
                   "min_density": min_mass / float(np.min(grid.h)),
                   "stationary_rate_discrete": nu_stat,
                   "mass_in_lowest_cell": m[:, 0].copy()}
    grid_params = {"h": grid.h, "v_min": grid.faces[:, 0], "jump_cells": jump_cells,
                   "jumps": chan, "n_cells": grid.n_cells}
    return (rec_rates, rec_mu, rec_sigma, rec_flux,
            np.array(dens) if dens is not None else None,
            np.array(dens_t) if dens is not None else None,
            grid.centres, diagnostics, grid_params)


def _finite_size(rng, emitted, m, grid, sigma, NT, dt):
    """Poisson activity around ``emitted`` and the matching removal near threshold."""
    A = rng.poisson(np.maximum(emitted, 0.0) * NT) / NT
    phi = np.exp(-(grid.V_th[:, None] - grid.centres) / sigma[:, None])
    m_phi = (m * phi).sum(axis=1)
    excess = (A - emitted) * dt
    with np.errstate(divide="ignore", invalid="ignore"):
        c = np.where(m_phi > 0, excess / m_phi, 0.0)
    capped = c > 1.0
    if capped.any():
        c = np.minimum(c, 1.0)
        A = np.where(capped, emitted + m_phi / dt, A)
    A = np.where(m_phi > 0, A, emitted)
    return A, m * (1.0 - c[:, None] * phi)
