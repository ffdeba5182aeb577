"""Time-dependent stimuli of population dynamics: external rates, currents, input statistics.

A :class:`Stimulus` collects additive, time-dependent inputs per population:

``nu_ext``
    extra rate (Hz) on every external synapse of a population, i.e. on top of the model's
    ``nu_ext``; it enters the mean *and* the variance of the input through ``K_ext``,
    ``J_ext`` (Fourcaud & Brunel 2002, Eq. 3.4) and, for exponential synapses, passes the
    synaptic low pass;
``I_ext``
    extra current (A) injected into the membrane (NEST's ``I_e`` / ``dc_generator``):
    ``mu += tau_m I / C``, not filtered by the synapse;
``mu``, ``var``
    direct additions to the synaptic mean (V) and variance (V²) of the input, the two
    input channels of the linear-response theory (Brunel & Hakim 1999), filtered like
    synaptic input;
``external``
    extra external populations (:class:`ExternalPopulation`) with their own in-degrees,
    weights, rate and delay distribution, e.g. the thalamic pulse of the microcircuit
    (:func:`thalamic_pulse`).

Signals are built with :func:`step`, :func:`pulse`, :func:`sinusoid` and
:func:`from_array` (explicit time axis, linear interpolation); amplitudes are plain SI
numbers or pint quantities (converted, and checked against the channel's unit).  All
checks happen in :meth:`Stimulus.evaluate`, before any integration.

The microcircuit's thalamic pulse and DC stimulus (:func:`thalamic_pulse`,
:func:`dc_stimulus`, :func:`microcircuit_stimulus`) take their parameters from
:data:`neuromf.simulation.defaults.MICROCIRCUIT_DEFAULTS`, as the NEST simulation does
(Potjans & Diesmann 2014; NEST's PyNEST microcircuit example); times are absolute
simulation times (the NEST run includes ``t_presim``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..utils import check_finite, check_positive, is_quantity, ureg

__all__ = ["Signal", "step", "pulse", "sinusoid", "from_array", "ExternalPopulation",
           "Stimulus", "thalamic_pulse", "dc_stimulus", "microcircuit_stimulus"]

_CHANNEL_UNITS = {"nu_ext": "Hz", "I_ext": "A", "mu": "V", "var": "V**2", "rate": "Hz"}


def _magnitude(value: Any, unit: str, name: str) -> np.ndarray:
    """SI magnitude of ``value``; pint quantities must have the dimension of ``unit``."""
    if is_quantity(value):
        try:
            return np.asarray(value.to(ureg(unit)).magnitude, dtype=float)
        except Exception as err:
            raise ValueError(f"{name} must be given in a unit of {unit}, got "
                             f"{value.units}") from err
    return np.asarray(value, dtype=float)


@dataclass
class Signal:
    """A time-dependent value per population (or for all populations).

    Use the constructors :func:`step`, :func:`pulse`, :func:`sinusoid`,
    :func:`from_array`; the parameters are checked (and converted to the unit of the
    stimulus channel) only in :meth:`values`.

    Parameters
    ----------
    kind : {'step', 'pulse', 'sinusoid', 'array'}
        Shape of the signal.
    params : dict
        Parameters of that shape, as the constructors set them (``t_on``,
        ``amplitude``, ``duration``, ``frequency``, ``phase``; ``times``, ``values``),
        SI numbers or pint quantities.
    populations : sequence of str or int, optional
        Names or indices of the populations that receive the signal; default all.
    """

    kind: str
    params: dict
    populations: Sequence | None = None

    def values(self, times: np.ndarray, unit: str, name: str) -> np.ndarray:
        """Values of the signal at ``times``, in SI.

        Parameters
        ----------
        times : numpy.ndarray
            Sample times (s), 1-d.
        unit : str
            SI unit of the channel the signal drives ('Hz', 'A', 'V' or 'V**2');
            pint-quantity parameters are converted to it.
        name : str
            Label of the signal in error messages.

        Returns
        -------
        numpy.ndarray
            Shape (n_t,) for a scalar amplitude, (n_t, n_values) for one amplitude (or
            one column of ``values``) per selected population; 0 before ``t_on``.

        Raises
        ------
        ValueError
            If a parameter has the wrong unit, is not finite, a duration or frequency
            is not positive, the kind is unknown, or (for 'array') the time axis is not
            1-d, strictly increasing, as long as ``values`` and covering ``times >= 0``.
        """
        p = self.params
        t = np.asarray(times, dtype=float)
        if self.kind == "array":
            tt = _magnitude(p["times"], "s", f"{name} times")
            vv = _magnitude(p["values"], unit, name)
            if tt.ndim != 1 or tt.size < 2:
                raise ValueError(f"{name}: the time axis must be 1-d with >= 2 points, got "
                                 f"shape {tt.shape}")
            if vv.shape[0] != tt.size:
                raise ValueError(f"{name}: values have {vv.shape[0]} rows but the time axis "
                                 f"has {tt.size} points; they must match (values shape "
                                 "(n_times,) or (n_times, n_populations))")
            check_finite(f"{name} times", tt, "s")
            check_finite(name, vv, unit)
            if np.any(np.diff(tt) <= 0):
                raise ValueError(f"{name}: the time axis must be strictly increasing")
            t_needed = t[t >= 0]
            if t_needed.size and (tt[0] > t_needed.min() + 1e-12
                                  or tt[-1] < t_needed.max() - 1e-12):
                raise ValueError(
                    f"{name}: the time axis covers [{tt[0]}, {tt[-1]}] s but the simulation "
                    f"needs [{t_needed.min()}, {t_needed.max()}] s")
            if vv.ndim == 1:
                return np.interp(t, tt, vv)
            return np.stack([np.interp(t, tt, vv[:, j]) for j in range(vv.shape[1])], axis=1)
        amp = _magnitude(p["amplitude"], unit, name)
        check_finite(name, amp, unit)
        t_on = float(_magnitude(p.get("t_on", 0.0), "s", f"{name} t_on"))
        on = (t >= t_on).astype(float)
        if self.kind == "step":
            shape = on
        elif self.kind == "pulse":
            dur = float(_magnitude(p["duration"], "s", f"{name} duration"))
            check_positive(f"{name} duration", dur, "s")
            shape = on * (t < t_on + dur)
        elif self.kind == "sinusoid":
            f = float(_magnitude(p["frequency"], "Hz", f"{name} frequency"))
            check_positive(f"{name} frequency", f, "Hz")
            shape = on * np.sin(2 * np.pi * f * (t - t_on) + float(p.get("phase", 0.0)))
        else:
            raise ValueError(f"unknown signal kind {self.kind!r}")
        if amp.ndim == 0:
            return amp * shape
        return shape[:, None] * amp[None, :]


def step(t_on: Any, amplitude: Any, populations: Sequence | None = None) -> Signal:
    """A step: 0 before ``t_on``, ``amplitude`` from ``t_on`` on.

    Parameters
    ----------
    t_on : float or pint.Quantity
        Onset time (s, absolute simulation time).
    amplitude : float, array_like or pint.Quantity
        Step height in the unit of the channel (Hz, A, V or V²), a scalar or one value
        per selected population.
    populations : sequence of str or int, optional
        Names or indices of the populations that receive the signal; default all.

    Returns
    -------
    Signal
        Of kind 'step'.
    """
    return Signal("step", {"t_on": t_on, "amplitude": amplitude}, populations)


def pulse(t_on: Any, duration: Any, amplitude: Any,
          populations: Sequence | None = None) -> Signal:
    """A rectangular pulse: ``amplitude`` during ``[t_on, t_on + duration)``, else 0.

    Parameters
    ----------
    t_on : float or pint.Quantity
        Onset time (s, absolute simulation time).
    duration : float or pint.Quantity
        Length of the pulse (s), positive.
    amplitude : float, array_like or pint.Quantity
        Pulse height in the unit of the channel (Hz, A, V or V²), a scalar or one value
        per selected population.
    populations : sequence of str or int, optional
        Names or indices of the populations that receive the signal; default all.

    Returns
    -------
    Signal
        Of kind 'pulse'.
    """
    return Signal("pulse", {"t_on": t_on, "duration": duration, "amplitude": amplitude},
                  populations)


def sinusoid(amplitude: Any, frequency: Any, phase: float = 0.0, t_on: Any = 0.0,
             populations: Sequence | None = None) -> Signal:
    """A sinusoid ``amplitude sin(2 pi f (t - t_on) + phase)`` from ``t_on`` on, 0 before.

    Parameters
    ----------
    amplitude : float, array_like or pint.Quantity
        Amplitude in the unit of the channel (Hz, A, V or V²), a scalar or one value per
        selected population.
    frequency : float or pint.Quantity
        Frequency ``f`` (Hz), positive.
    phase : float
        Phase at ``t_on`` (rad).
    t_on : float or pint.Quantity
        Onset time (s, absolute simulation time).
    populations : sequence of str or int, optional
        Names or indices of the populations that receive the signal; default all.

    Returns
    -------
    Signal
        Of kind 'sinusoid'.
    """
    return Signal("sinusoid", {"amplitude": amplitude, "frequency": frequency,
                               "phase": phase, "t_on": t_on}, populations)


def from_array(times: Any, values: Any, populations: Sequence | None = None) -> Signal:
    """A signal given by samples, linearly interpolated in time.

    Parameters
    ----------
    times : array_like or pint.Quantity
        Sample times (s), 1-d, strictly increasing, at least 2 points; they must cover
        the whole simulation.
    values : array_like or pint.Quantity
        Samples in the unit of the channel (Hz, A, V or V²), shape (n_times,) (the same
        for all selected populations) or (n_times, n_populations) (one column per
        selected population).
    populations : sequence of str or int, optional
        Names or indices of the populations that receive the signal; default all.

    Returns
    -------
    Signal
        Of kind 'array'.
    """
    return Signal("array", {"times": times, "values": values}, populations)


@dataclass
class ExternalPopulation:
    """An extra population of Poisson sources with a time-dependent rate.

    Each neuron of population ``a`` receives ``K[a]`` inputs of weight ``J[a]`` at rate
    ``rate(t)``, delayed by the delay distribution; they add
    ``tau_m K J nu(t - d)`` to the mean and ``tau_m K J² nu(t - d)`` to the variance of
    the input (Fourcaud & Brunel 2002, Eq. 3.4).

    Parameters
    ----------
    rate : Signal
        Rate of each source (Hz), one value per time (scalar amplitude).
    K : float or array_like
        In-degree from this population, a scalar or one value per population.
    J : float or array_like
        Weight (V, the integrated PSC over C as in the theory), a scalar or one value
        per population.
    delay : float
        Mean delay (s).
    delay_sd : float
        Standard deviation of the delay (s).
    delay_dist : {'none', 'gaussian', 'truncated_gaussian', 'lognormal'}
        Delay distribution (as :func:`neuromf.network_properties.delay_dist_matrix`).
    name : str
        Label in error messages.
    """

    rate: Signal
    K: Any
    J: Any
    delay: float = 0.0
    delay_sd: float = 0.0
    delay_dist: str = "none"
    name: str = "external"


@dataclass
class Stimulus:
    """Additive time-dependent inputs (see the module docstring).

    Each channel takes a :class:`Signal` or a list of them (summed), or None.

    Parameters
    ----------
    nu_ext : Signal or list of Signal, optional
        Extra rate (Hz) on every external synapse (through ``K_ext``, ``J_ext``).
    I_ext : Signal or list of Signal, optional
        Extra current (A) into the membrane, ``mu += tau_m I / C``.
    mu : Signal or list of Signal, optional
        Addition to the synaptic mean input (V).
    var : Signal or list of Signal, optional
        Addition to the synaptic input variance (V²).
    external : list of ExternalPopulation
        Extra external populations.
    """

    nu_ext: Any = None
    I_ext: Any = None
    mu: Any = None
    var: Any = None
    external: list = field(default_factory=list)

    def evaluate(self, times: np.ndarray, names: list, dt: float) -> dict:
        """The channels sampled on the time grid of a run, checked, in SI.

        Parameters
        ----------
        times : numpy.ndarray
            Sample times (s), 1-d.
        names : list of str
            Population names of the model (for the ``populations`` of the signals).
        dt : float
            Time step of the run (s); the channels are sampled at ``times``.

        Returns
        -------
        dict
            ``nu_ext`` (Hz), ``I_ext`` (A), ``mu`` (V), ``var`` (V²): arrays of shape
            (n_t, P), the sum of the channel's signals, or None for an absent channel;
            ``external``: the list of :class:`ExternalPopulation` (their delayed
            contributions are formed by :func:`neuromf.dynamics.simulate`).

        Raises
        ------
        TypeError
            If a channel holds something other than :class:`Signal` objects or
            ``external`` something other than :class:`ExternalPopulation` objects.
        ValueError
            If a signal names an unknown population or an index out of range, has
            not one value per selected population, or its parameters are invalid
            (see :meth:`Signal.values`).
        """
        out = {}
        for channel in ("nu_ext", "I_ext", "mu", "var"):
            out[channel] = _channel(getattr(self, channel), channel, times, names)
        out["external"] = list(self.external or [])
        for e in out["external"]:
            if not isinstance(e, ExternalPopulation):
                raise TypeError(f"Stimulus.external takes ExternalPopulation objects, got "
                                f"{type(e).__name__}")
        return out


def _population_index(pops: Sequence | None, names: list, name: str) -> np.ndarray:
    if pops is None:
        return np.arange(len(names))
    idx = []
    for p in np.atleast_1d(pops):
        if isinstance(p, (int, np.integer)):
            if not 0 <= int(p) < len(names):
                raise ValueError(f"{name}: population index {p} out of range 0..{len(names) - 1}")
            idx.append(int(p))
        elif str(p) in names:
            idx.append(names.index(str(p)))
        else:
            raise ValueError(f"{name}: unknown population {p!r}; the model has "
                             f"{', '.join(names)}")
    return np.array(idx, dtype=int)


def _channel(signals: Any, channel: str, times: np.ndarray, names: list):
    if signals is None:
        return None
    if isinstance(signals, Signal):
        signals = [signals]
    unit = _CHANNEL_UNITS[channel]
    total = np.zeros((len(times), len(names)))
    for k, sig in enumerate(signals):
        if not isinstance(sig, Signal):
            raise TypeError(f"stimulus {channel} takes Signal objects (step, pulse, sinusoid, "
                            f"from_array), got {type(sig).__name__}")
        label = f"stimulus {channel}[{k}] ({unit})"
        idx = _population_index(sig.populations, names, label)
        v = sig.values(times, unit, label)
        if v.ndim == 1:
            total[:, idx] += v[:, None]
        else:
            if v.shape[1] != idx.size:
                raise ValueError(f"{label}: {v.shape[1]} values per time but "
                                 f"{idx.size} populations selected ({len(names)} in the "
                                 "model); give one column per population")
            total[:, idx] += v
    return total


# ---------------------------------------------------------------------------
# the microcircuit's stimuli, from the simulation's parameters
# ---------------------------------------------------------------------------

def _sim_params(model: Any, overrides: dict | None) -> dict:
    from ..simulation.defaults import MICROCIRCUIT_DEFAULTS, simulation_params
    params = simulation_params(model, overrides)
    if "th_conn_probs" not in params:   # generic model: take the microcircuit's values
        params = {**MICROCIRCUIT_DEFAULTS, **(overrides or {})}
    return params


def thalamic_pulse(model: Any, overrides: dict | None = None) -> ExternalPopulation:
    """The thalamic stimulus of the microcircuit as an :class:`ExternalPopulation`.

    ``th_num_neurons`` Poisson sources at ``th_rate`` during ``[th_start, th_start +
    th_duration)``; synapse numbers from ``th_conn_probs`` (Potjans & Diesmann 2014,
    Eq. 1; full-scale population sizes, rounded as in the simulation), weight from
    ``th_PSP`` converted to a PSC like the recurrent weights, delay normal with mean
    ``th_delay`` and sd ``th_delay_rel_sd * th_delay`` (truncated at 0).

    Parameters
    ----------
    model : neuromf.models.Network
        A model with exponential synapses (``tau_s``); for a model other than the
        microcircuit the microcircuit's thalamic parameters are used.
    overrides : dict, optional
        Simulation parameters replacing the defaults of
        :func:`neuromf.simulation.defaults.simulation_params` (SI units).

    Returns
    -------
    ExternalPopulation
        Named 'thalamus', with per-population ``K`` (in-degree) and ``J`` (V).

    Raises
    ------
    ValueError
        If ``th_conn_probs`` has not one value per population, the model has no
        ``tau_s``, or an override names an unknown parameter.
    """
    from ..simulation.microcircuit import psc_over_psp, thalamic_synapse_numbers
    p = model.network_params
    sim = _sim_params(model, overrides)
    n = len(p["populations"])
    probs = np.asarray(sim["th_conn_probs"], dtype=float)
    if probs.shape != (n,):
        raise ValueError(f"th_conn_probs needs one value per population ({n}), got "
                         f"shape {probs.shape}")
    if "tau_s" not in p:
        raise ValueError("the thalamic stimulus is defined for exponential synapses "
                         "(the microcircuit); the model has no tau_s")
    N = np.asarray(p["N"], dtype=float)
    n_syn = np.round(thalamic_synapse_numbers(probs, int(sim["th_num_neurons"]), N, 1.0))
    tau_m = np.broadcast_to(np.asarray(p["tau_m"], float), (n,))
    tau_s = np.broadcast_to(np.asarray(p["tau_s"], float), (n,))
    C = np.broadcast_to(np.asarray(p["C"], float), (n,))
    W = np.array([sim["th_PSP"] * psc_over_psp(C[i], tau_m[i], tau_s[i]) for i in range(n)])
    return ExternalPopulation(
        rate=pulse(sim["th_start"], sim["th_duration"], float(sim["th_rate"])),
        K=n_syn / N, J=tau_s / C * W, delay=float(sim["th_delay"]),
        delay_sd=float(sim["th_delay"]) * float(sim["th_delay_rel_sd"]),
        delay_dist="truncated_gaussian", name="thalamus")


def dc_stimulus(model: Any, overrides: dict | None = None) -> Signal:
    """The microcircuit's DC stimulus as a current pulse, as in the NEST simulation.

    ``dc_amp * sum(K_ext)`` (A) per population during ``[dc_start, dc_start +
    dc_duration)``.

    Parameters
    ----------
    model : neuromf.models.Network
        The model (its ``K_ext`` and populations); for a model other than the
        microcircuit the microcircuit's DC parameters are used.
    overrides : dict, optional
        Simulation parameters replacing the defaults of
        :func:`neuromf.simulation.defaults.simulation_params` (SI units).

    Returns
    -------
    Signal
        A :func:`pulse` for the ``I_ext`` channel (A), one amplitude per population.

    Raises
    ------
    ValueError
        If an override names an unknown parameter.
    """
    sim = _sim_params(model, overrides)
    K_ext = np.asarray(model.network_params["K_ext"], dtype=float)
    n = len(model.network_params["populations"])
    amp = float(sim["dc_amp"]) * (K_ext.sum(axis=1) if K_ext.ndim == 2
                                  else np.broadcast_to(K_ext, (n,)))
    return pulse(sim["dc_start"], sim["dc_duration"], amp)


def microcircuit_stimulus(model: Any, thalamic: bool = True, dc: bool = False,
                          overrides: dict | None = None) -> Stimulus:
    """:class:`Stimulus` with the thalamic pulse and/or the DC stimulus of the microcircuit.

    Parameters
    ----------
    model : neuromf.models.Network
        The model (see :func:`thalamic_pulse` and :func:`dc_stimulus`).
    thalamic : bool
        Include the thalamic pulse (:func:`thalamic_pulse`) in ``external``.
    dc : bool
        Include the DC stimulus (:func:`dc_stimulus`) as ``I_ext``.
    overrides : dict, optional
        Simulation parameters replacing the defaults (SI units).

    Returns
    -------
    Stimulus
        With the selected stimuli (empty if both are off).

    Raises
    ------
    ValueError
        As :func:`thalamic_pulse` and :func:`dc_stimulus`.
    """
    return Stimulus(I_ext=dc_stimulus(model, overrides) if dc else None,
                    external=[thalamic_pulse(model, overrides)] if thalamic else [])
