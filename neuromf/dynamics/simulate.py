r"""Population dynamics of LIF networks in time: Fokker–Planck densities or rate dynamics.

``method='fokker-planck'``
    The membrane-potential density of every population (:mod:`._fokker_planck`; Brunel &
    Hakim 1999; Brunel 2000, Eqs. 10–17), driven by the input statistics computed from the
    delayed population rates (:mod:`._network`) and the stimulus (:mod:`.stimulus`).
``method='rate'``
    First-order rate dynamics with the stationary gain,
    :math:`\tau\,\dot\nu_a = -\nu_a + \Phi_a(\mu_a(t), \sigma_a(t))`, as NEST's
    ``siegert_neuron`` (Hahne et al. 2017), with the same inputs and delays; integrated
    exactly for piecewise-constant :math:`\Phi` (exponential Euler).  ``rate_tau``
    defaults to ``tau_m``.

``method='fokker-planck', synapses='jumps'``
    Delta synapses only: the population density with finite PSP jumps (shot-noise input,
    master equation; Omurtag, Knight & Sirovich 2000; Nykamp & Tranchina 2000; Richardson
    & Swarbrick 2010) instead of the diffusion approximation, :mod:`._jump_simulate`;
    ``scheme='discrete-time'`` is NEST's ``iaf_psc_delta`` update at resolution ``dt``.

Exponential synapses (approximation)
------------------------------------
The synaptic current low-passes the input: the synaptic mean and variance obey
:math:`\tau_s\dot{\bar\mu} = -\bar\mu + \mu(t)`, :math:`\tau_s\dot{\bar{\sigma^2}} =
-\bar{\sigma^2} + \sigma^2(t)` (first order in :math:`\tau_s`, as in the synaptic factor
:math:`1/(1 + i\omega\tau_s)` of Schuecker et al. 2015), integrated exactly for input
that is linear in time across each step.  The colored noise is then
replaced by white noise of intensity :math:`\bar{\sigma^2}` with threshold and reset both
shifted up by :math:`\bar\sigma\,\frac{\alpha}{2}\sqrt{\tau_s/\tau_m}`,
:math:`\alpha = \sqrt2|\zeta(1/2)|` (Fourcaud & Brunel 2002): equivalently, the density of
:math:`V - \text{shift}` is evolved with the effective mean
:math:`\mu_{\rm eff} = \bar\mu - \bar\sigma\frac{\alpha}{2}\sqrt{\tau_s/\tau_m}` on fixed
bounds.  Its stationary rate is exactly the 'shift' rate of :mod:`neuromf.lif.exp` and its
linear response to :math:`\mu` and :math:`\sigma^2` is the 'shift' transfer function and
variance transfer function (both with the synaptic filter).  Membrane currents
(``I_ext`` of the model and of the stimulus, NEST's ``I_e`` / ``dc_generator``) bypass the
synaptic filter.  Valid for :math:`\sqrt{\tau_s/\tau_m} \ll 1`.

Finite-size noise
-----------------
With ``finite_size=True`` each population of :math:`N_a` neurons emits
:math:`n \sim \mathrm{Poisson}(N_a\,\nu_a\Delta t)` spikes per step around the threshold flux
:math:`\nu_a` of its density, and the activity :math:`A_a = n/(N_a\Delta t)` is what the
other populations receive and what is re-injected at reset after :math:`\tau_r` (Brunel &
Hakim 1999, Sec. 4; Mattia & Del Giudice 2002).  To keep probability conserved in every
realisation the excess :math:`(A_a - \nu_a)\Delta t` is removed from (or, if negative, added
to) the density with the weight :math:`\exp(-(V_\theta - V)/\sigma_a)`, i.e. from the
neurons close to threshold, multiplicatively (so the density stays non-negative).  This
is an approximation of the mesoscopic theory of Schwalger et al. 2017 (which conditions
on the refractory state); it reproduces Poisson spike-count statistics of the population
on short time scales.  ``finite_size='input'`` is the variant of Brunel & Hakim 1999: only
the input of the other populations sees the noisy activity, the density re-injects its own
deterministic flux (no correction needed).
"""

from __future__ import annotations

import time
import warnings
from typing import Any

import numpy as np

from ..special import _siegert
from ..utils import check_choice, check_positive
from . import _fokker_planck as fp
from ._activity import step_activity
from ._network import DelayLine, delayed_external_rate, populations_from_model
from .result import DynamicsResult
from .stimulus import Stimulus

__all__ = ["simulate", "METHODS"]

METHODS = ("fokker-planck", "rate")
#: Time-stepping schemes of the densities.
SCHEMES = ("backward-euler", "crank-nicolson", "discrete-time")
#: Finite-size noise variants (module docstring); True means 'conserving'.
FINITE_SIZE_MODES = ("conserving", "input")
#: Input models of the density: diffusion approximation or finite jumps (delta synapses).
SYNAPSE_MODELS = ("diffusion", "jumps")
_N_SIGMA = 6.0          # default lower bound: min(mu, V_r) - 6 sigma of the working point
_MIN_POINTS_PER_SIGMA = 4.0
_PROGRESS_CHUNK = 250


def _working_point(model, pops):
    """Stationary self-consistent rates, mean and std of the input (Hz, V, V)."""
    p = model.network_params
    args = dict(J=p["J"], K=p["K"], V_0_rel=p["V_0_rel"], V_th_rel=p["V_th_rel"],
                tau_m=p["tau_m"], tau_r=p["tau_r"], J_ext=p.get("J_ext", 0.0),
                K_ext=p.get("K_ext", 0.0), nu_ext=p.get("nu_ext", 0.0),
                I_ext=p.get("I_ext"), C=p.get("C"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if pops.synapse == "exp":
            from ..lif import exp as lif_exp
            nu = lif_exp._firing_rates(tau_s=p["tau_s"], method="shift", **args)
        else:
            from ..lif import delta as lif_delta
            nu = lif_delta._firing_rates(**args)
    return np.asarray(nu, dtype=float)


def _external_arrays(stimulus: Stimulus | None, pops, times: np.ndarray, dt: float):
    """Stimulus contributions (n_t, P): synaptic mean (V), variance (V²), membrane mean (V)."""
    if stimulus is None:
        return None, None, None
    if not isinstance(stimulus, Stimulus):
        raise TypeError(f"stimulus must be a neuromf.dynamics.Stimulus, got "
                        f"{type(stimulus).__name__}")
    ch = stimulus.evaluate(times, pops.names, dt)
    n_t, n = times.size, pops.n
    mu = np.zeros((n_t, n))
    var = np.zeros((n_t, n))
    dc = None
    if ch["nu_ext"] is not None:
        mu += ch["nu_ext"] * pops.ext_mu_per_rate
        var += ch["nu_ext"] * pops.ext_var_per_rate
    if ch["mu"] is not None:
        mu += ch["mu"]
    if ch["var"] is not None:
        var += ch["var"]
    if ch["I_ext"] is not None:
        dc = ch["I_ext"] * (pops.tau_m / pops.C)
    for e in ch["external"]:
        delayed = delayed_external_rate(e, times, dt)
        K = np.broadcast_to(np.asarray(e.K, dtype=float), (n,))
        J = np.broadcast_to(np.asarray(e.J, dtype=float), (n,))
        mu += delayed[:, None] * (pops.tau_m * K * J)
        var += delayed[:, None] * (pops.tau_m * K * J ** 2)
    return mu, var, dc


def simulate(model: Any, t_sim: float, dt: float = 1e-4, method: str = "fokker-planck",
             stimulus: Stimulus | None = None, finite_size: bool = False,
             seed: int | None = None, record_densities: bool = False,
             progress: bool = True, *, n_grid: int = 200, v_min: Any = None,
             density_interval: float = 1e-3, initial_rates: Any = None,
             rate_tau: Any = None, perturbation: float = 0.0,
             scheme: str = "backward-euler", synapses: str = "diffusion",
             jump_cells: int = 4, jump_counts: str = "binomial") -> DynamicsResult:
    r"""Integrate the population dynamics of a neuromf model in time.

    Parameters
    ----------
    model : neuromf.models.Network
        Any model with the theory's parameters (``J``, ``K``, ``tau_m``, ``tau_r``,
        ``V_0_rel``, ``V_th_rel``, ``Delay``, external drive; ``tau_s`` for exp synapses;
        ``N`` for finite-size noise).
    t_sim : float
        Biological time (s), an integer multiple of ``dt``.
    dt : float
        Time step (s), at most ``tau_r``; delays shorter than ``dt`` act as ``dt``.
    method : {'fokker-planck', 'rate'}
    stimulus : Stimulus, optional
        Time-dependent inputs (:mod:`neuromf.dynamics.stimulus`).
    finite_size : bool or {'conserving', 'input'}
        Poisson spike counts of ``N`` neurons per population (module docstring): True or
        'conserving' (the noisy activity is also re-injected, the excess taken from the
        density near threshold), 'input' (only the recurrent input sees the noisy activity,
        Brunel & Hakim 1999).
    seed : int, optional
        Seed of the finite-size noise (``numpy.random.default_rng``).
    record_densities : bool
        Keep the densities every ``density_interval`` (s).
    progress : bool
        tqdm progress bar on stderr.
    n_grid : int
        Grid intervals per population between the lower bound and threshold.
    density_interval : float
        Interval (s) between recorded densities with ``record_densities``.
    v_min : float or array (P,), optional
        Lower bound of the grids (V, relative to rest); default
        ``min(mu_0, V_r) - 6 sigma_0`` at the working point.
    initial_rates : array (P,), optional
        Rates (Hz) of the initial stationary state; default the self-consistent working
        point of :mod:`neuromf.lif` ('shift' for exp synapses).  The densities start as
        the stationary densities for the input these rates produce, the rate history
        before ``t = 0`` is constant.
    rate_tau : float or array (P,), optional
        Time constant (s) of ``method='rate'``; default ``tau_m``.
    scheme : {'backward-euler', 'crank-nicolson'}
        Time step of the densities: backward Euler (first order, non-negative for every dt)
        or Crank–Nicolson (second order, non-negative only below a dt bound that is checked
        at the working point; use it with dt <= 25 µs for fast oscillations).
    perturbation : float
        Kick away from the stationary state (e.g. to leave an unstable fixed point): the
        initial densities are the stationary ones for the mean input shifted by
        ``perturbation * sigma_0`` (same total probability); for ``method='rate'`` the
        initial rates are multiplied by ``1 + perturbation``.
    synapses : {'diffusion', 'jumps'}
        Input model of ``method='fokker-planck'``: 'diffusion' (default, the Fokker–Planck
        equation above) or 'jumps', the population density with finite PSP jumps of delta
        synapses (shot noise; master equation of Omurtag et al. 2000, Nykamp & Tranchina
        2000, Richardson & Swarbrick 2010; :mod:`neuromf.dynamics._jump_simulate`).  With
        'jumps', ``n_grid`` is not used (the cell width is set by ``jump_cells``), ``v_min``
        is the lower bound (default: the stationary density's support minus
        ``V_th - V_r``), ``mu`` stimuli drive the leak and ``var`` stimuli are refused.
    jump_cells : int
        ``synapses='jumps'``: cells per smallest PSP amplitude of each population (the
        cell width is ``min |J| / jump_cells``; a jump that is not a whole number of cells
        is split between two cells).
    jump_counts : {'binomial', 'poisson'}
        ``synapses='jumps', scheme='discrete-time'``: law of the number of recurrent spikes
        from population b that arrive in one step, Binomial(K_ab, A_b dt) with A_b the
        delayed activity (K_ab presynaptic neurons drawn at random, NEST's fixed
        in-degree), or Poisson(K_ab A_b dt); external input is Poisson.

    Returns
    -------
    DynamicsResult
        Times (s), population rates (Hz) of shape (n_t, P), the densities on request, the
        parameters of the run and diagnostics (probability drift, smallest density, wall
        time).

    Raises
    ------
    ValueError
        Before integrating, for a bad ``dt`` (not dividing ``t_sim``, larger than
        ``tau_r``, or so large that the time-discretisation diffusion of the implicit step
        exceeds the physical diffusion at the working point), a grid too coarse for the
        input noise (fewer than 4 points per sigma), stimuli of the wrong length or unit.
    RuntimeError
        If a density becomes negative or probability is not conserved (1e-10 per s).
    """
    check_choice("method", method, METHODS)
    check_choice("scheme", scheme, SCHEMES)
    check_choice("synapses", synapses, SYNAPSE_MODELS)
    check_choice("jump_counts", jump_counts, ("binomial", "poisson"))
    t_sim = float(check_positive("t_sim", t_sim, "s"))
    dt = float(check_positive("dt", dt, "s"))
    n_steps = int(round(t_sim / dt))
    if n_steps < 1 or abs(n_steps * dt - t_sim) > 1e-9 * t_sim:
        raise ValueError(f"t_sim = {t_sim} s must be an integer multiple of dt = {dt} s")
    pops = populations_from_model(model)
    n = pops.n
    if finite_size is True:
        finite_size = "conserving"
    if finite_size:
        check_choice("finite_size", finite_size, FINITE_SIZE_MODES)
    if finite_size and not np.all(np.isfinite(pops.N)):
        raise ValueError("finite_size=True needs the population sizes N in the model")
    nu0 = (_working_point(model, pops) if initial_rates is None
           else np.broadcast_to(check_positive("initial_rates", initial_rates, "Hz",
                                               allow_zero=True), (n,)).astype(float))
    if synapses != "jumps" and scheme == "discrete-time":
        raise ValueError("scheme='discrete-time' (inputs of a step summed, as NEST's "
                         "iaf_psc_delta) exists only for synapses='jumps'")
    if synapses == "jumps":
        return _simulate_jumps(model, pops, nu0, t_sim, dt, n_steps, method, stimulus,
                               finite_size, seed, scheme, jump_cells, jump_counts, v_min,
                               perturbation, record_densities, density_interval, progress)
    syn_mu0 = pops.ext_mu + pops.tau_m * ((pops.K * pops.J) @ nu0)
    syn_var0 = pops.ext_var + pops.tau_m * ((pops.K * pops.J ** 2) @ nu0)
    dc_mu0 = pops.tau_m * pops.I_ext / pops.C
    if np.any(syn_var0 <= 0):
        raise ValueError(f"the input variance at the initial state is not positive "
                         f"({syn_var0.tolist()} V^2): the diffusion approximation needs noise")
    sigma0 = np.sqrt(syn_var0)
    shift_k = pops.shift_factor
    mu_eff0 = syn_mu0 + dc_mu0 - shift_k * sigma0
    line = DelayLine(pops, dt, nu0)
    times = np.arange(n_steps + 1) * dt
    stim_mu, stim_var, stim_dc = _external_arrays(stimulus, pops, times, dt)

    if v_min is None:
        v_lo = np.minimum(mu_eff0, pops.V_0) - _N_SIGMA * sigma0
    else:
        v_lo = np.minimum(np.broadcast_to(np.asarray(v_min, dtype=float), (n,)), pops.V_0)
    grid = fp.make_grid(v_lo, pops.V_0, pops.V_th, n_grid)
    if method == "fokker-planck":
        per_sigma = sigma0 / grid.h
        if np.any(per_sigma < _MIN_POINTS_PER_SIGMA):
            i = int(np.argmin(per_sigma))
            raise ValueError(
                f"n_grid = {n_grid} is too coarse: population {pops.names[i]} has sigma = "
                f"{sigma0[i]:.3g} V but grid spacing {grid.h[i]:.3g} V (need >= "
                f"{_MIN_POINTS_PER_SIGMA:g} points per sigma); increase n_grid")
        a_max = np.maximum(np.abs(mu_eff0 - pops.V_0), np.abs(mu_eff0 - pops.V_th)) / pops.tau_m
        D = syn_var0 / (2 * pops.tau_m)
        dt_max = float(np.min(2 * D / a_max ** 2))
        if dt > dt_max:
            raise ValueError(
                f"dt = {dt} s is too large for the implicit Fokker-Planck step at this working "
                f"point: its numerical diffusion a^2 dt/2 would exceed the input diffusion "
                f"sigma^2/(2 tau_m); use dt <= {dt_max:.3g} s")
    rng = np.random.default_rng(seed) if finite_size else None
    # separate history of the emitted mass for the re-injection: 'input' noise (the density
    # re-injects its own flux) and Crank-Nicolson (emitted mass = mean flux of the step)
    ref_line = (DelayLine(pops, dt, nu0)
                if finite_size == "input" or scheme == "crank-nicolson" else None)

    rec_rates = np.empty((n_steps + 1, n))
    rec_mu = np.empty((n_steps + 1, n))
    rec_sigma = np.empty((n_steps + 1, n))
    rec_flux = np.empty((n_steps + 1, n)) if finite_size else None
    rec_rates[0] = nu0
    rec_mu[0], rec_sigma[0] = mu_eff0, sigma0
    if finite_size:
        rec_flux[0] = nu0

    if method == "fokker-planck":
        p, nu_fp = fp.stationary_density(grid, mu_eff0, sigma0, pops.tau_m, pops.tau_r)
        if perturbation:
            p_kick, _ = fp.stationary_density(grid, mu_eff0 + perturbation * sigma0, sigma0,
                                              pops.tau_m, pops.tau_r)
            p = p_kick * (np.sum(grid.weights * p, axis=1)
                          / np.sum(grid.weights * p_kick, axis=1))[:, None]
        if scheme == "crank-nicolson":
            stepper = fp.CrankNicolson(grid, pops.tau_m, dt, mu_eff0, sigma0)
            dt_pos = stepper.max_positive_dt()
            if dt > dt_pos:
                raise ValueError(
                    f"scheme='crank-nicolson' is not positivity-preserving at dt = {dt} s on "
                    f"this grid (its explicit half step needs dt <= {dt_pos:.3g} s at the "
                    "working point); use a smaller dt or scheme='backward-euler'")
        else:
            stepper = fp.BackwardEuler(grid, pops.tau_m, dt)
        # refractory mass = what the rate history holds (the theory's rate; the density's
        # own stationary flux differs by the discretisation error, docs/dynamics.md)
        pool = nu0 * pops.tau_r
        mass0 = np.sum(grid.weights * p, axis=1) + pool
        rec_every = max(1, int(round(density_interval / dt)))
        dens, dens_t = ([p.copy()], [0.0]) if record_densities else (None, None)
    else:
        tau_rate = (pops.tau_m if rate_tau is None else
                    np.broadcast_to(check_positive("rate_tau", rate_tau, "s"), (n,)))
        decay_rate = np.exp(-dt / tau_rate)
        nu = nu0 * (1.0 + perturbation)
        dens = None
    decay_s = np.exp(-dt / pops.tau_s) if pops.synapse == "exp" else None
    ramp_s = -np.expm1(-dt / pops.tau_s) * pops.tau_s / dt if decay_s is not None else None
    prev_mu, prev_var = syn_mu0, syn_var0
    mf, vf = syn_mu0.copy(), syn_var0.copy()
    base_mu, base_var = pops.ext_mu, pops.ext_var
    NT = pops.N * dt

    bar = _progress_bar(n_steps, progress, method)
    start = time.perf_counter()
    min_density = 0.0
    with np.errstate(over="ignore", under="ignore"):
        for step in range(1, n_steps + 1):
            r_mu, r_var = line.mean_var()
            s_mu = r_mu + base_mu
            s_var = r_var + base_var
            if stim_mu is not None:
                s_mu = s_mu + stim_mu[step]
                s_var = s_var + stim_var[step]
            if decay_s is not None:
                # exact for input linear in time across the step (no dt/2 lead)
                mf = s_mu + (mf - prev_mu) * decay_s - (s_mu - prev_mu) * ramp_s
                vf = s_var + (vf - prev_var) * decay_s - (s_var - prev_var) * ramp_s
                prev_mu, prev_var = s_mu, s_var
            else:
                mf, vf = s_mu, s_var
            if vf.min() <= 0:
                i = int(np.argmin(vf))
                raise RuntimeError(f"the input variance of population {pops.names[i]} became "
                                   f"{vf[i]:.3g} V^2 <= 0 at t = {step * dt:.6g} s (a negative "
                                   "'var' stimulus?)")
            sigma = np.sqrt(vf)
            mu = mf + dc_mu0 - shift_k * sigma
            if stim_dc is not None:
                mu = mu + stim_dc[step]
            if method == "fokker-planck":
                source = (ref_line if ref_line is not None else line).refractory_source()
                p, emitted, flux = stepper.step(p, mu, sigma, source)
                A, p, pool = step_activity(
                    finite_size, rng, flux, emitted, source, p, pool, ref_line, NT, dt,
                    lambda e, d, s=sigma: _finite_size(rng, e, d, grid, s, NT, dt))
                if finite_size:
                    rec_flux[step] = flux
                if record_densities and step % rec_every == 0:
                    dens.append(p.copy())
                    dens_t.append(step * dt)
            else:
                phi = _siegert_rate(mu, sigma, pops)
                nu = phi + (nu - phi) * decay_rate
                if finite_size:
                    rec_flux[step] = nu
                    A = rng.poisson(nu * NT) / NT
                else:
                    A = nu
            line.push(A)
            rec_rates[step] = A
            rec_mu[step], rec_sigma[step] = mu, sigma
            if step % _PROGRESS_CHUNK == 0:
                bar.update(_PROGRESS_CHUNK)
                if method == "fokker-planck":
                    min_density = min(min_density, float(p.min()))
    bar.update(n_steps % _PROGRESS_CHUNK)
    bar.close()
    wall = time.perf_counter() - start

    diagnostics: dict[str, Any] = {"wall_time": wall, "n_steps": n_steps}
    if method == "fokker-planck":
        min_density = min(min_density, float(p.min()))
        mass = np.sum(grid.weights * p, axis=1) + pool
        drift = float(np.max(np.abs(mass - mass0)))
        diagnostics.update({"probability_drift": drift,
                            "probability_drift_per_second": drift / t_sim,
                            "min_density": min_density,
                            "stationary_rate_discrete": nu_fp})
        if min_density < -1e-12 * float(np.max(p)):
            raise RuntimeError(f"a density became negative ({min_density:.3g} 1/V)")
        if drift / t_sim > 1e-10:
            raise RuntimeError(f"probability not conserved: drift {drift:.3g} in {t_sim} s")
    params = {"dt": dt, "t_sim": t_sim, "method": method, "n_grid": int(n_grid),
              "scheme": scheme,
              "finite_size": finite_size or "none", "seed": seed,
              "synapse_type": pops.synapse, "initial_rates": nu0,
              "v_min": grid.V[:, 0], "density_interval": density_interval,
              "rate_tau": None if method != "rate" else tau_rate,
              "perturbation": perturbation,
              "stimulus": "none" if stimulus is None else repr(stimulus)}
    return DynamicsResult(
        times=times, rates=rec_rates, populations=pops.names, method=method, mu=rec_mu,
        sigma=rec_sigma, flux=rec_flux,
        densities=np.array(dens) if dens is not None else None,
        density_times=np.array(dens_t) if dens is not None else None,
        V=grid.V if dens is not None else None, parameters=params,
        diagnostics=diagnostics, network_params=_network_params_with_units(model))


def _simulate_jumps(model, pops, nu0, t_sim, dt, n_steps, method, stimulus, finite_size,
                    seed, scheme, jump_cells, jump_counts, v_min, perturbation,
                    record_densities, density_interval, progress) -> DynamicsResult:
    """``synapses='jumps'``: checks, then :func:`._jump_simulate.simulate_jumps`."""
    from . import _jump_simulate as js
    if method != "fokker-planck":
        raise ValueError(f"synapses='jumps' is a population-density model: it needs "
                         f"method='fokker-planck', got method={method!r}")
    if pops.synapse != "delta":
        raise ValueError(f"synapses='jumps' models the PSP jumps of delta synapses; this "
                         f"model has synapse_type={pops.synapse!r} (use synapses='diffusion')")
    times = np.arange(n_steps + 1) * dt
    rng = np.random.default_rng(seed) if finite_size else None
    bar = _progress_bar(n_steps, progress, "population density, jumps")
    try:
        out = js.simulate_jumps(model, pops, nu0, times, dt, stimulus=stimulus,
                                finite_size=finite_size, rng=rng, scheme=scheme,
                                jump_cells=jump_cells, counts=jump_counts, v_min=v_min,
                                perturbation=perturbation,
                                record_densities=record_densities,
                                density_interval=density_interval, bar=bar)
    finally:
        bar.close()
    params = {"dt": dt, "t_sim": t_sim, "method": method, "scheme": scheme,
              "finite_size": finite_size or "none", "seed": seed, "synapse_type": "delta",
              "initial_rates": nu0, "density_interval": density_interval,
              "perturbation": perturbation, "jump_counts": jump_counts,
              "stimulus": "none" if stimulus is None else repr(stimulus)}
    rates, mu, sigma, flux, dens, dens_t, centres, diagnostics, grid = out
    params.update({"synapses": "jumps", "jump_cells": grid["jump_cells"], "h": grid["h"],
                   "v_min": grid["v_min"], "n_cells": grid["n_cells"]})
    return DynamicsResult(
        times=times, rates=rates, populations=pops.names, method=method, mu=mu, sigma=sigma,
        flux=flux, densities=dens, density_times=dens_t,
        V=centres if dens is not None else None, parameters=params,
        diagnostics=diagnostics, network_params=_network_params_with_units(model))


class _NoBar:
    def update(self, n: int) -> None:
        pass

    def close(self) -> None:
        pass


def _progress_bar(n_steps: int, progress: bool, method: str):
    """tqdm bar on stderr (imported only when wanted)."""
    if not progress:
        return _NoBar()
    from tqdm.auto import tqdm
    # disable=None: drawn only when stderr is a terminal, as every bar of neuromf
    return tqdm(total=n_steps, unit="step", desc=f"dynamics ({method})", leave=False,
                delay=1.0, disable=None)


def _siegert_rate(mu, sigma, pops):
    """Siegert rate (Hz) without the argument checks of the public function (hot loop);
    same numerics as :func:`neuromf.special._siegert.delta_firing_rate`."""
    _, _, m2, _, n_tilde = _siegert._core(mu, sigma, pops.V_0, pops.V_th, pops.tau_m,
                                          pops.tau_r)
    return _siegert._unscale(n_tilde, m2)


def _finite_size(rng, flux, p, grid, sigma, NT, dt):
    """Poisson activity around ``flux`` and the consistent removal of the emitted mass."""
    A = rng.poisson(np.maximum(flux, 0.0) * NT) / NT
    phi = np.exp(-(grid.V_th[:, None] - grid.V) / sigma[:, None])
    wpf = grid.weights * p * phi
    m_phi = wpf.sum(axis=1)
    excess = (A - flux) * dt
    with np.errstate(divide="ignore", invalid="ignore"):
        c = np.where(m_phi > 0, excess / m_phi, 0.0)
    capped = c > 1.0
    if capped.any():        # cannot remove more than the mass near threshold
        c = np.minimum(c, 1.0)
        A = np.where(capped, flux + m_phi / dt, A)
    A = np.where(m_phi > 0, A, flux)
    return A, p * (1.0 - c[:, None] * phi)


def _network_params_with_units(model) -> dict:
    from ..utils import from_si
    out = {}
    units = getattr(model, "input_units", {}) or {}
    for key, value in model.network_params.items():
        unit = units.get(key)
        try:
            out[key] = from_si(value, unit) if unit is not None else value
        except Exception:
            out[key] = value
    return out
