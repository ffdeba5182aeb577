"""The NEST network and the density model of one realisation: spec → model, PSTHs, pulses.

To compare the population-density model with a spiking simulation, both must describe the
*same* network.  :func:`realisation_model` turns the :class:`~neuromf.simulation.NetworkSpec`
that NEST simulates (after neuron- and in-degree scaling, weight and DC compensation; van
Albada et al. 2015; Potjans & Diesmann 2014) back into the theory's parameters (in-degrees,
PSP integrals J = W τ_s / C, external drive, DC currents, N), and
:func:`realisation_stimulus` turns its thalamic and DC stimuli into a
:class:`~neuromf.dynamics.Stimulus` (thalamic pulse: an :class:`ExternalPopulation` with the
realised synapse numbers per neuron and weights).  :func:`run_nest` simulates the
realisation with optional *repeated* thalamic pulses (one Poisson generator per pulse on
the same 902 parrot neurons), for trial-averaged pulse responses.

The rest is analysis shared by both sides: population rates in time bins (:func:`psth`,
:func:`bin_rates`), Welch spectra of binned rates (:func:`rate_spectra`) and the
trial-averaged response to pulses: peak rate and latency (:func:`pulse_response`).

References: Potjans & Diesmann 2014 (microcircuit, thalamic stimulus); van Albada et al.
2015 (in-degree scaling); Fourcaud & Brunel 2002, Eq. 3.4 (input statistics).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..utils import check_positive
from .stimulus import ExternalPopulation, Stimulus, from_array, pulse

__all__ = ["RELAY_DELAY", "realisation_model", "realisation_stimulus", "derive_realisation",
           "NestRun", "run_nest", "psth", "bin_rates", "rate_spectra", "pulse_response",
           "pulse_train"]

_MS, _MV, _PA, _PF = 1e-3, 1e-3, 1e-12, 1e-12       # NEST units -> SI


def derive_realisation(model: Any, scale: float | None = None, k_scale: float | None = None,
                       params: dict | None = None) -> Any:
    """The :class:`~neuromf.simulation.NetworkSpec` that :func:`neuromf.simulation.simulate`
    builds for ``model`` (same defaults: scale 0.1 for the microcircuit, else 1; DC
    compensation from ``full_mean_rates`` or the theory's working point).

    Parameters
    ----------
    model : Network
        The model (theory's parameters, SI).
    scale, k_scale : float, optional
        Factors on neuron numbers and in-degrees (``k_scale`` defaults to ``scale``).
    params : dict, optional
        Simulation parameters (:mod:`neuromf.simulation.defaults`, SI).

    Returns
    -------
    NetworkSpec
        Neuron numbers, in-degrees, weights (A), delays (s), DC currents (A) and
        stimulus devices of the network NEST simulates.
    """
    from ..simulation import default_theory, derive_spec
    from ..simulation.defaults import is_microcircuit

    if scale is None:
        scale = 0.1 if is_microcircuit(model) else 1.0
    k_eff = scale if k_scale is None else k_scale
    rates = None
    if k_eff != 1.0 and "full_mean_rates" not in model.network_params:
        rates = default_theory(model, spectra=False)["firing_rates"]
    return derive_spec(model, scale=scale, k_scale=k_scale, params=params,
                       compensation_rates=rates)


def realisation_model(spec: Any, model: Any) -> Any:
    """The theory's parameters of the network NEST simulates, as a neuromf network.

    Parameters
    ----------
    spec : NetworkSpec
        From :func:`derive_realisation` / :func:`neuromf.simulation.derive_spec`.
    model : Network
        The model the spec was derived from (for the external rate ``nu_ext`` per synapse
        and the delay distribution).

    Returns
    -------
    neuromf.models.Plain
        ``N`` (simulated numbers), ``K`` (mean in-degrees of the realisation), ``J`` (V;
        W τ_s / C for exp synapses, the PSP jump for δ synapses), ``K_ext``, ``J_ext``,
        ``nu_ext`` (Poisson background) and ``I_ext`` (A: ``I_e``, i.e. the model's current,
        the DC compensation and with ``background='dc'`` the mean of the background),
        neuron parameters, delays (s).
    """
    from ..models import Plain

    n = len(spec.populations)
    npar = spec.neuron_params
    tau_m = npar["tau_m"] * _MS
    C = npar["C_m"] * _PF
    exp = spec.synapse_type == "exp"
    if exp:
        tau_s = npar["tau_syn_ex"] * _MS
        to_J = tau_s / C * _PA                 # pA -> V (integrated PSC over C)
    else:
        to_J = np.full(n, _MV)                 # mV -> V
    params: dict[str, Any] = {
        "label": f"{model.network_params.get('label', 'model')} (N x {spec.scale:g}, "
                 f"K x {spec.k_scale:g})",
        "populations": list(spec.populations),
        "N": spec.n_neurons.astype(float),
        "C": C, "tau_m": tau_m, "tau_r": npar["t_ref"] * _MS,
        "V_0_rel": (npar["V_reset"] - npar["E_L"]) * _MV,
        "V_th_rel": (npar["V_th"] - npar["E_L"]) * _MV,
        "K": spec.indegrees(), "J": spec.weight * to_J[:, None],
        "Delay": spec.delay * _MS, "Delay_sd": spec.delay_sd * _MS,
        "delay_dist": ("truncated_gaussian" if np.any(spec.delay_sd > 0) else "none"),
        "I_ext": npar["I_e"] * _PA,
        "synapse_type": spec.synapse_type,
    }
    if exp:
        params["tau_s"] = tau_s
    if spec.ext_rate is not None:
        n_ext = spec.ext_rate.shape[1]
        nu = np.broadcast_to(np.asarray(model.network_params.get("nu_ext", 0.0), float),
                             (n_ext,))
        if np.any(nu <= 0):
            raise ValueError("the model's nu_ext must be positive where the simulation "
                             f"has a Poisson background; got {nu.tolist()} Hz")
        K_ext = spec.ext_rate / nu[None, :]
        J_ext = spec.ext_weight * to_J[:, None]
        if n_ext == 1:
            params.update(K_ext=K_ext[:, 0], J_ext=J_ext[:, 0], nu_ext=float(nu[0]))
        else:
            params.update(K_ext=K_ext, J_ext=J_ext, nu_ext=nu)
    else:
        params.update(K_ext=np.zeros(n), J_ext=np.zeros(n), nu_ext=0.0)
    return Plain(params)


def pulse_train(onsets: Any, duration: float, rate: float, t_end: float) -> Any:
    """Rate of pulses ``[t_k, t_k + duration)`` as a signal exact on every time step.

    Parameters
    ----------
    onsets : array
        Pulse onsets (s).
    duration : float
        Pulse duration (s); pulses must not overlap.
    rate : float
        Rate during a pulse (Hz).
    t_end : float
        End of the simulation (s); the signal covers ``[0, t_end]``.

    Returns
    -------
    Signal
        A :func:`from_array` signal with 1-ns edges.

    Raises
    ------
    ValueError
        If pulses overlap or the duration is not positive.
    """
    onsets = np.sort(np.atleast_1d(np.asarray(onsets, dtype=float)))
    check_positive("pulse duration", duration, "s")
    if onsets.size > 1 and np.any(np.diff(onsets) <= duration):
        raise ValueError(f"pulses of {duration} s overlap: onsets {onsets.tolist()} s must "
                         "be further apart than the duration")
    eps = 1e-9
    t = [min(0.0, onsets[0] - 2 * eps)]
    v = [0.0]
    for t_on in onsets:
        t += [t_on - eps, t_on, t_on + duration - eps, t_on + duration]
        v += [0.0, rate, rate, 0.0]
    t.append(max(t_end, t[-1]) + 1.0)
    v.append(0.0)
    return from_array(np.array(t), np.array(v))


#: NEST's default delay (s) of the generator -> parrot connection of the thalamic relay
#: (``static_synapse``, NEST 3); the pulse reaches the cortex this much later.
RELAY_DELAY = 1e-3


def realisation_stimulus(spec: Any, pulse_onsets: Any = None,
                         relay_delay: float = RELAY_DELAY) -> Stimulus | None:
    """The thalamic pulse(s) and DC stimulus of ``spec`` as a :class:`Stimulus` (or None).

    Parameters
    ----------
    spec : NetworkSpec
        With ``spec.thalamic`` / ``spec.dc_stimulus`` (``thalamic_input``, ``dc_input``).
    pulse_onsets : array, optional
        Onsets (s, absolute simulation time) of repeated thalamic pulses of the spec's rate
        and duration; default the spec's single pulse.
    relay_delay : float
        Delay (s) of the Poisson generator -> parrot neuron connection, added to the
        thalamo-cortical delay (NEST's default 1 ms, as :func:`run_nest` connects them).

    Returns
    -------
    Stimulus or None
        Thalamus: ``K = n_synapses / N`` per neuron, ``J = W τ_s / C`` (V), delay
        truncated Gaussian with mean ``th_delay + relay_delay`` and sd
        ``th_delay_rel_sd * th_delay``; DC: ``I_ext`` pulse (A).
    """
    external = []
    th = spec.thalamic
    npar = spec.neuron_params
    if th is not None:
        onsets = (np.array([th["start"] * _MS]) if pulse_onsets is None
                  else np.atleast_1d(np.asarray(pulse_onsets, dtype=float)))
        duration = (th["stop"] - th["start"]) * _MS
        t_end = (spec.t_presim + spec.t_sim) * _MS
        tau_s = npar["tau_syn_ex"] * _MS
        J = th["weight"] * _PA * tau_s / (npar["C_m"] * _PF)
        delay = th["delay"] * _MS
        external.append(ExternalPopulation(
            rate=pulse_train(onsets, duration, float(th["rate"]), t_end),
            K=th["n_synapses"] / spec.n_neurons, J=J, delay=delay + relay_delay,
            delay_sd=delay * th["delay_rel_sd"], delay_dist="truncated_gaussian",
            name="thalamus"))
    I_ext = None
    if spec.dc_stimulus is not None:
        dc = spec.dc_stimulus
        I_ext = pulse(dc["start"] * _MS, (dc["stop"] - dc["start"]) * _MS,
                      np.asarray(dc["amplitude"], float) * _PA)
    if not external and I_ext is None:
        return None
    return Stimulus(I_ext=I_ext, external=external)


@dataclass
class NestRun:
    """Spikes of one NEST run of a realisation (times in s, absolute).

    Parameters
    ----------
    spec : NetworkSpec
        The simulated realisation (:func:`derive_realisation`).
    spikes : list of (ndarray, ndarray)
        Per population: neuron index within the population and spike time (s).
    n_neurons : ndarray
        Simulated neuron numbers per population.
    t_start, t_stop : float
        Recorded window (s).
    pulse_onsets : ndarray
        Onsets (s) of the thalamic pulses (empty without pulses).
    timings : dict
        Wall seconds of build and simulation, ``cpu`` the process CPU time.
    """

    spec: Any
    spikes: list
    n_neurons: np.ndarray
    t_start: float
    t_stop: float
    pulse_onsets: np.ndarray
    timings: dict = field(default_factory=dict)


def run_nest(spec: Any, pulse_onsets: Any = None, progress: bool = True) -> NestRun:
    """Build and simulate ``spec`` in NEST, with repeated thalamic pulses if asked.

    Parameters
    ----------
    spec : NetworkSpec
        From :func:`derive_realisation` (``thalamic_input=True`` for pulses).
    pulse_onsets : array, optional
        Onsets (s, absolute) of thalamic pulses: the spec's generator gives the first, one
        more Poisson generator per further pulse drives the same parrot neurons.
    progress : bool
        Progress bar of the simulation (tqdm, stderr).

    Returns
    -------
    NestRun
        ``timings``: wall seconds of build and simulation, ``cpu`` the process CPU time
        (NEST threads included).

    Raises
    ------
    ValueError
        If pulses are asked for a spec without thalamic input, or the first onset differs
        from the spec's ``th_start``.
    """
    from ..simulation import build_network, import_nest
    from ..simulation.recording import collect_spikes, run_simulation

    nest = import_nest()
    cpu0, wall0 = time.process_time(), time.perf_counter()
    built = build_network(spec, "memory")
    th = spec.thalamic
    onsets = np.zeros(0)
    if pulse_onsets is not None:
        onsets = np.sort(np.atleast_1d(np.asarray(pulse_onsets, dtype=float)))
        if th is None:
            raise ValueError("pulse_onsets need a spec with thalamic_input=True")
        if abs(onsets[0] - th["start"] * _MS) > 1e-9:
            raise ValueError(f"the first pulse onset ({onsets[0]} s) must be the spec's "
                             f"th_start ({th['start'] * _MS} s)")
        dur = th["stop"] - th["start"]
        if onsets.size > 1:
            gens = nest.Create("poisson_generator", n=onsets.size - 1)
            gens.set([{"rate": float(th["rate"]), "start": float(t * 1e3),
                       "stop": float(t * 1e3 + dur)} for t in onsets[1:]])
            nest.Connect(gens, built.thalamic_population)
    elif th is not None:
        onsets = np.array([th["start"] * _MS])
    timings = dict(built.timings)
    timings.update(run_simulation(built, progress))
    spikes = collect_spikes(built)
    timings["wall"] = time.perf_counter() - wall0
    timings["cpu"] = time.process_time() - cpu0
    return NestRun(spec=spec, spikes=spikes, n_neurons=spec.n_neurons.astype(int),
                   t_start=spec.t_presim * _MS, t_stop=(spec.t_presim + spec.t_sim) * _MS,
                   pulse_onsets=onsets, timings=timings)


def _edges(t0: float, t1: float, width: float) -> np.ndarray:
    check_positive("bin width", width, "s")
    n = int(np.floor((t1 - t0) / width + 1e-9))
    if n < 1:
        raise ValueError(f"the window [{t0}, {t1}] s is shorter than one bin ({width} s)")
    return t0 + width * np.arange(n + 1)


def psth(spikes: list, n_neurons: Any, t0: float, t1: float, width: float
         ) -> tuple[np.ndarray, np.ndarray]:
    """Population rates of spikes in right-closed bins ``(t0 + k w, t0 + (k+1) w]``.

    Parameters
    ----------
    spikes : list of (ndarray, ndarray)
        Per population: neuron indices and spike times (s).
    n_neurons : array (P,)
        Neurons per population.
    t0, t1 : float
        Window (s).
    width : float
        Bin width ``w`` (s).

    Returns
    -------
    centres : ndarray (n_bins,)
        Bin centres (s).
    rates : ndarray (n_bins, P)
        Spikes per neuron and second in each bin (Hz).
    """
    edges = _edges(t0, t1, width)
    n = np.asarray(n_neurons, dtype=float)
    counts = np.empty((edges.size - 1, len(spikes)))
    for i, (_, t) in enumerate(spikes):
        # right-closed bins, as NEST's recording windows (t_start, t_stop]
        idx = np.searchsorted(edges, np.asarray(t, float) - 1e-12, side="left") - 1
        idx = idx[(idx >= 0) & (idx < edges.size - 1)]
        counts[:, i] = np.bincount(idx, minlength=edges.size - 1)
    return 0.5 * (edges[1:] + edges[:-1]), counts / (n[None, :] * width)


def bin_rates(times: np.ndarray, rates: np.ndarray, t0: float, t1: float, width: float
              ) -> tuple[np.ndarray, np.ndarray]:
    """Mean of sampled rates over the bins of :func:`psth`.

    Parameters
    ----------
    times : array (n_t,)
        Sample times (s); ``rates[n]`` is the activity of the step ending at ``times[n]``.
    rates : array (n_t, P)
        Rates (Hz).
    t0, t1 : float
        Window (s).
    width : float
        Bin width (s), at least the sampling step.

    Returns
    -------
    centres : ndarray (n_bins,)
        Bin centres (s).
    binned : ndarray (n_bins, P)
        Mean rate in each bin (Hz).

    Raises
    ------
    ValueError
        If a bin holds no sample.
    """
    edges = _edges(t0, t1, width)
    times = np.asarray(times, float)
    idx = np.searchsorted(edges, times - 1e-12, side="left") - 1
    ok = (idx >= 0) & (idx < edges.size - 1)
    n_bins = edges.size - 1
    counts = np.bincount(idx[ok], minlength=n_bins).astype(float)
    if np.any(counts == 0):
        raise ValueError(f"bins of {width} s are narrower than the time step of the rates")
    out = np.stack([np.bincount(idx[ok], weights=rates[ok, j], minlength=n_bins)
                    for j in range(rates.shape[1])], axis=1) / counts[:, None]
    return 0.5 * (edges[1:] + edges[:-1]), out


def rate_spectra(rates: np.ndarray, width: float, nperseg: int | None = None
                 ) -> tuple[np.ndarray, np.ndarray]:
    """One-sided Welch spectra of binned rates (mean removed, Hann windows, half overlap).

    Parameters
    ----------
    rates : array (n_bins, P)
        Binned rates (Hz).
    width : float
        Bin width (s).
    nperseg : int, optional
        Bins per segment; default a quarter of the run, 16 to 1024 bins.

    Returns
    -------
    freqs : ndarray
        Frequencies (Hz).
    psd : ndarray (n_freqs, P)
        Power spectral density (Hz²/Hz).
    """
    from scipy.signal import welch

    n = rates.shape[0]
    if nperseg is None:
        nperseg = int(min(1024, max(16, n // 4)))
    return welch(rates, fs=1.0 / width, nperseg=min(nperseg, n), axis=0,
                 detrend="constant")


def pulse_response(centres: np.ndarray, rates: np.ndarray, onsets: Any,
                   window: tuple[float, float] = (-0.02, 0.04),
                   search: tuple[float, float] = (0.0, 0.03)) -> dict:
    """Trial average of binned rates around pulse onsets, with peak rate and latency.

    Parameters
    ----------
    centres : array (n_bins,)
        Bin centres (s) of equal bins.
    rates : array (n_bins, P)
        Population rates (Hz).
    onsets : array
        Pulse onsets (s); trials whose window leaves the data are dropped.
    window : (float, float)
        Trial window relative to the onset (s).
    search : (float, float)
        Where the peak is searched, relative to the onset (s).

    Returns
    -------
    dict
        ``lags`` (s, bin centres relative to onset), ``mean`` (n_lags, P) the trial
        average (Hz), ``sem`` its standard error, ``baseline`` (Hz, mean before the
        onset), ``peak`` (Hz, largest trial-averaged rate in ``search``), ``latency`` (s,
        lag of the peak), ``n_trials``.

    Raises
    ------
    ValueError
        If no trial fits into the data.
    """
    width = float(centres[1] - centres[0])
    i0 = int(round(window[0] / width))
    i1 = int(round(window[1] / width))
    starts = []
    for t in np.atleast_1d(np.asarray(onsets, float)):
        k = int(round((t - (centres[0] - width / 2)) / width))   # bin starting at t
        if k + i0 >= 0 and k + i1 <= centres.size:
            starts.append(k)
    if not starts:
        raise ValueError(f"no pulse onset with its window {window} s lies inside the data "
                         f"[{centres[0] - width / 2}, {centres[-1] + width / 2}] s")
    trials = np.stack([rates[k + i0:k + i1] for k in starts])       # (n_trials, n_lags, P)
    lags = (np.arange(i0, i1) + 0.5) * width
    mean = trials.mean(axis=0)
    sem = (trials.std(axis=0, ddof=1) / np.sqrt(len(starts)) if len(starts) > 1
           else np.full_like(mean, np.nan))
    before = lags < 0
    sel = (lags >= search[0]) & (lags <= search[1])
    ipk = np.argmax(mean[sel], axis=0)
    return {"lags": lags, "mean": mean, "sem": sem,
            "baseline": mean[before].mean(axis=0) if before.any() else np.full(
                rates.shape[1], np.nan),
            "peak": mean[sel][ipk, np.arange(rates.shape[1])],
            "latency": lags[sel][ipk], "n_trials": len(starts)}
