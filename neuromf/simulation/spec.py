"""The NEST-free first step of a simulation: a neuromf model as a :class:`NetworkSpec`.

:func:`derive_spec` reads ``model.network_params`` (SI magnitudes, the same dict the theory
uses) and the simulation parameters (:mod:`neuromf.simulation.defaults`) and returns the
network realisation in NEST's units (ms, mV, pA, pF, Hz): neuron numbers after scaling
(van Albada et al. 2015 for in-degree scaling), neuron parameters, connection numbers,
weights, delays, external drive and stimuli.  Pure numpy; :mod:`.builder` turns the spec
into NEST nodes.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from neuromf.simulation.backend import available_cores
from neuromf.simulation.defaults import simulation_params
from neuromf.simulation.microcircuit import (
    psc_over_psp,
    synapse_numbers_from_conn_probs,
    thalamic_synapse_numbers,
)
from neuromf.utils import check_choice, check_finite, check_positive

__all__ = ["NetworkSpec", "derive_spec", "synapse_type_of", "CONNECTION_RULES", "V0_TYPES"]

# SI -> NEST units
_MS, _MV, _PA, _PF = 1e3, 1e3, 1e12, 1e12

CONNECTION_RULES = ("auto", "fixed_indegree", "fixed_total_number")
V0_TYPES = ("optimized", "original", "uniform", "reset", "normal")


@dataclass
class NetworkSpec:
    """A network realisation in NEST units, derived from a model by :func:`derive_spec`.

    Matrices are indexed [target, source]; vectors by population.  Times in ms,
    potentials in mV, currents in pA (weights of ``iaf_psc_exp``) or mV (weights of
    ``iaf_psc_delta``), capacitances in pF, rates in Hz.

    Parameters
    ----------
    populations : list of str
        Population names.
    synapse_type : {'exp', 'delta'}
        Synapse type of the model (:func:`neuromf.models.synapse_type`).
    neuron_model : str
        NEST model (``iaf_psc_exp`` or ``iaf_psc_delta``).
    n_neurons : np.ndarray
        Neurons per population (scaled).
    neuron_params : dict of np.ndarray
        NEST neuron parameters per population (ms, mV, pF, pA).
    V0 : dict
        Initial membrane potentials: ``{'type': 'normal', 'mean', 'std'}``,
        ``{'type': 'uniform', 'low', 'high'}`` or ``{'type': 'fixed', 'value'}`` (mV).
    connection_rule : {'fixed_indegree', 'fixed_total_number'}
        NEST connection rule.
    n_connections : np.ndarray
        In-degrees (fixed_indegree) or synapse numbers (fixed_total_number),
        [target, source].
    weight : np.ndarray
        Mean synaptic weights [target, source], pA (exp) or mV (delta).
    weight_rel_sd : float
        Relative standard deviation of the weights (normal, sign kept).
    delay, delay_sd : np.ndarray
        Mean and standard deviation of the delays [target, source], ms.
    ext_rate : np.ndarray or None
        Rate of the external Poisson input per population, Hz (None: DC background).
    ext_weight : np.ndarray
        Weight of the external input per population, pA or mV.
    ext_delay : float
        Delay of the external input, ms.
    thalamic : dict or None
        Thalamic stimulus: 'n_neurons', 'rate' (Hz), 'start', 'stop', 'delay' (ms),
        'n_synapses', 'weight' (pA), 'delay_rel_sd' (Potjans & Diesmann 2014).
    dc_stimulus : dict or None
        DC stimulus: 'amplitude' (pA per population), 'start', 'stop' (ms).
    resolution : float
        Simulation time step, ms.
    seed : int
        NEST ``rng_seed``.
    threads : int
        NEST threads.
    t_presim, t_sim : float
        Presimulation (not analysed) and analysed simulation time, ms.
    scale, k_scale : float
        Factors on the neuron numbers and on the in-degrees.
    params : dict
        The simulation parameters it was derived with (:mod:`~neuromf.simulation.defaults`).
    notes : list of str
        What the derivation changed (rounding, DC compensation ...).
    """

    populations: list[str]
    synapse_type: str
    neuron_model: str
    n_neurons: np.ndarray
    neuron_params: dict[str, np.ndarray]
    V0: dict[str, Any]
    connection_rule: str
    n_connections: np.ndarray
    weight: np.ndarray
    weight_rel_sd: float
    delay: np.ndarray
    delay_sd: np.ndarray
    ext_rate: np.ndarray | None
    ext_weight: np.ndarray
    ext_delay: float
    thalamic: dict[str, Any] | None
    dc_stimulus: dict[str, Any] | None
    resolution: float
    seed: int
    threads: int
    t_presim: float
    t_sim: float
    scale: float
    k_scale: float
    params: dict[str, Any] = field(repr=False, default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def weight_unit(self) -> str:
        """NEST unit of the synaptic weights ('pA' or 'mV')."""
        return "pA" if self.synapse_type == "exp" else "mV"

    @property
    def total_neurons(self) -> int:
        """Number of neurons of the realisation."""
        return int(np.sum(self.n_neurons))

    @property
    def total_synapses(self) -> int:
        """Number of recurrent synapses of the realisation."""
        if self.connection_rule == "fixed_indegree":
            return int(np.sum(self.n_connections * self.n_neurons[:, None]))
        return int(np.sum(self.n_connections))

    def indegrees(self) -> np.ndarray:
        """Mean in-degree matrix of the realisation, [target, source].

        Returns
        -------
        np.ndarray
            Mean number of inputs of a neuron of each target from each source population,
            shape (n, n).
        """
        if self.connection_rule == "fixed_indegree":
            return self.n_connections.astype(float)
        return self.n_connections / self.n_neurons[:, None]


# ---------------------------------------------------------------------------
# spec derivation (no NEST)
# ---------------------------------------------------------------------------

def synapse_type_of(network_params: dict) -> str:
    """'exp' or 'delta'; see :func:`neuromf.models.synapse_type`.

    Parameters
    ----------
    network_params : dict
        Parameters of a neuromf network (SI).

    Returns
    -------
    str
        'exp' or 'delta'.
    """
    from neuromf.models import synapse_type

    return synapse_type(network_params)


def _vector(params: dict, name: str, n: int, unit: str, factor: float = 1.0) -> np.ndarray:
    value = check_finite(name, np.asarray(params[name], dtype=float), unit)
    try:
        out = np.broadcast_to(value, (n,)).astype(float)
    except ValueError:
        raise ValueError(f"{name} must be a scalar or have one value per population "
                         f"({n}), got shape {value.shape}") from None
    return out * factor


def _matrix(value: Any, name: str, n: int, unit: str) -> np.ndarray:
    arr = check_finite(name, np.asarray(value, dtype=float), unit)
    try:
        return np.broadcast_to(arr, (n, n)).astype(float)
    except ValueError:
        raise ValueError(f"{name} must be a ({n}, {n}) matrix [target, source], got shape "
                         f"{arr.shape}") from None


def _require(params: dict, names: list[str], what: str) -> None:
    missing = [n for n in names if n not in params]
    if missing:
        raise ValueError(f"the model's network_params lack {', '.join(map(repr, missing))}, "
                         f"needed to simulate {what}")


def _ext_arrays(params: dict, n: int, stype: str, C_pF: np.ndarray, tau_s_ms: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """External in-degrees, rates and NEST weights as (n, n_ext), (n_ext,), (n, n_ext)."""
    if "K_ext" not in params or "nu_ext" not in params:
        return np.zeros((n, 1)), np.zeros(1), np.zeros((n, 1))
    K_ext = check_positive("K_ext", np.asarray(params["K_ext"], dtype=float), allow_zero=True)
    if K_ext.ndim == 0:
        K_ext = np.full(n, float(K_ext))
    if K_ext.ndim == 1:
        K_ext = K_ext[:, None]
    if K_ext.shape[0] != n or K_ext.ndim != 2:
        raise ValueError(f"K_ext must have one row per population ({n}), got shape "
                         f"{np.shape(params['K_ext'])}")
    n_ext = K_ext.shape[1]
    nu_ext = check_positive("nu_ext", np.atleast_1d(np.asarray(params["nu_ext"], float)),
                            "Hz", allow_zero=True)
    if nu_ext.size not in (1, n_ext):
        raise ValueError(f"nu_ext must be a scalar or have one value per external source "
                         f"({n_ext}), got shape {nu_ext.shape}")
    nu_ext = np.broadcast_to(nu_ext, (n_ext,)).astype(float)
    if stype == "exp":
        if "W_ext" in params:
            w = np.asarray(params["W_ext"], dtype=float) * _PA
        elif "w_ext" in params:
            w = np.asarray(params["w_ext"], dtype=float) * _PA
        elif "J_ext" in params:
            J_ext = np.asarray(params["J_ext"], dtype=float)
            if J_ext.ndim == 1:
                J_ext = J_ext[:, None]
            w = J_ext * _MV * C_pF[:, None] / tau_s_ms[:, None]
        else:
            raise ValueError("the model's network_params give no external weight "
                             "(W_ext or w_ext in A, or J_ext in V)")
    else:
        if "J_ext" not in params:
            raise ValueError("the model's network_params give no external weight J_ext (V) "
                             "for the delta-synapse network")
        w = np.asarray(params["J_ext"], dtype=float) * _MV
    w = check_finite("W_ext", w)
    if w.ndim == 1:
        w = w[:, None]
    try:
        w = np.broadcast_to(w, (n, n_ext)).astype(float)
    except ValueError:
        raise ValueError(f"external weights of shape {np.shape(w)} do not match K_ext of "
                         f"shape {K_ext.shape}") from None
    for extra in ("nu_e_ext", "nu_i_ext"):
        if extra in params and np.any(np.asarray(params[extra], dtype=float) != 0):
            raise ValueError(f"{extra} != 0 is not supported by the simulation backend; "
                             "fold the extra input into K_ext / nu_ext")
    return K_ext, nu_ext, w


def _check_threads(threads: Any) -> int:
    if isinstance(threads, bool) or not isinstance(threads, (int, np.integer)) \
            or threads < 1:
        raise ValueError(f"threads must be an integer >= 1, got {threads!r}")
    cores = available_cores()
    if threads > cores:
        warnings.warn(f"threads={threads} exceeds the {cores} available CPU core(s); the "
                      "simulation will run, but slower than with threads <= cores",
                      stacklevel=3)
    return int(threads)


def _steps(value_s: float, resolution_ms: float, name: str) -> float:
    """Time in ms on the simulation grid; warn when rounding was needed."""
    ms = value_s * _MS
    steps = round(ms / resolution_ms)
    if not math.isclose(steps * resolution_ms, ms, rel_tol=1e-9, abs_tol=1e-9):
        warnings.warn(f"{name} = {value_s} s is not a multiple of the resolution "
                      f"({resolution_ms} ms); rounded to {steps * resolution_ms} ms",
                      stacklevel=3)
    return steps * resolution_ms


def derive_spec(model: Any, scale: float = 1.0, k_scale: float | None = None,
                params: dict[str, Any] | None = None,
                compensation_rates: np.ndarray | None = None) -> NetworkSpec:
    """Derive the network realisation of ``model`` in NEST units.

    Parameters
    ----------
    model : Network
        Object with ``network_params`` (SI magnitudes, NNMT names): populations, N, K,
        C, tau_m, tau_r, V_0_abs/V_th_abs (or V_0_rel/V_th_rel), E_L (optional), tau_s
        and W (exp synapses) or J (delta synapses), Delay, Delay_sd (optional), K_ext,
        nu_ext, W_ext/w_ext/J_ext, I_ext (optional), PSC_rel_sd (optional), and for the
        microcircuit conn_probs and full_mean_rates.
    scale : float
        Factor on the neuron numbers (``N_scaling``), > 0.
    k_scale : float, optional
        Factor on the in-degrees (``K_scaling``), > 0; defaults to ``scale``.  When it
        is not 1, weights are divided by √k_scale and a DC current keeps the mean input
        (van Albada et al. 2015; see
        :func:`~neuromf.simulation.microcircuit.indegree_scaling_compensation`).
    params : dict, optional
        Simulation parameters overriding :mod:`~neuromf.simulation.defaults`.
    compensation_rates : array, optional
        Rates (Hz) of the unscaled network for the DC compensation; by default the
        model's ``full_mean_rates``.

    Returns
    -------
    NetworkSpec
        The realisation: neuron numbers, NEST parameters, connections and stimuli.
    """
    if not hasattr(model, "network_params"):
        raise TypeError(f"model must be a neuromf network object with network_params, got "
                        f"{type(model).__name__}")
    check_positive("scale", scale)
    k_scale = scale if k_scale is None else k_scale
    check_positive("k_scale", k_scale)
    scale, k_scale = float(scale), float(k_scale)
    sim = simulation_params(model, params)
    np_ = model.network_params
    _require(np_, ["populations", "N", "K", "tau_m", "tau_r"], "the network")
    stype = synapse_type_of(np_)
    pops = [str(p) for p in np.atleast_1d(np_["populations"])]
    n = len(pops)
    notes: list[str] = []

    # --- time grid, kernel ---------------------------------------------------------------
    res_ms = float(check_positive("resolution", sim["resolution"], "s")) * _MS
    t_sim = _steps(float(check_positive("t_sim", sim["t_sim"], "s")), res_ms, "t_sim")
    t_presim = _steps(float(check_positive("t_presim", sim["t_presim"], "s",
                                           allow_zero=True)), res_ms, "t_presim")
    threads = _check_threads(sim["threads"])
    seed = sim["seed"]
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) \
            or not 1 <= seed < 2**31:
        raise ValueError(f"seed must be an integer in [1, 2**31), got {seed!r}")

    # --- neurons -------------------------------------------------------------------------
    N_full = check_positive("N", np.asarray(np_["N"], dtype=float))
    if N_full.shape != (n,):
        raise ValueError(f"N must have one value per population ({n}), got shape "
                         f"{N_full.shape}")
    n_neurons = np.round(N_full * scale).astype(int)
    if np.any(n_neurons < 1):
        empty = [p for p, k in zip(pops, n_neurons, strict=True) if k < 1]
        raise ValueError(f"scale = {scale} leaves population(s) {', '.join(empty)} without "
                         f"neurons (N = {N_full.tolist()}); use a larger scale")
    if "V_0_abs" in np_ and "V_th_abs" in np_:
        V_reset = _vector(np_, "V_0_abs", n, "V", _MV)
        V_th = _vector(np_, "V_th_abs", n, "V", _MV)
    else:
        _require(np_, ["V_0_rel", "V_th_rel"], "the neurons' reset and threshold")
        V_reset = _vector(np_, "V_0_rel", n, "V", _MV)
        V_th = _vector(np_, "V_th_rel", n, "V", _MV)
    E_L = _vector(np_, "E_L", n, "V", _MV) if "E_L" in np_ else V_reset.copy()
    if "V_0_abs" in np_ and "V_0_rel" in np_ and "V_th_rel" in np_:
        # the theory works with potentials relative to rest; they must describe the same
        # neuron as the absolute values simulated here
        rel_0 = _vector(np_, "V_0_rel", n, "V", _MV)
        rel_th = _vector(np_, "V_th_rel", n, "V", _MV)
        if not (np.allclose(V_reset - E_L, rel_0, atol=1e-6)
                and np.allclose(V_th - E_L, rel_th, atol=1e-6)):
            warnings.warn(
                f"the model's V_0_rel/V_th_rel ({rel_0.tolist()} / {rel_th.tolist()} mV) "
                f"differ from V_0_abs - E_L / V_th_abs - E_L ({(V_reset - E_L).tolist()} / "
                f"{(V_th - E_L).tolist()} mV); the simulation uses E_L, V_0_abs, V_th_abs, "
                "so theory and simulation describe different neurons", stacklevel=3)
    if np.any(V_th <= V_reset):
        raise ValueError(f"V_th ({V_th.tolist()} mV) must exceed the reset potential "
                         f"({V_reset.tolist()} mV)")
    tau_m = check_positive("tau_m", _vector(np_, "tau_m", n, "s", _MS), "ms")
    t_ref = check_positive("tau_r", _vector(np_, "tau_r", n, "s", _MS), "ms",
                           allow_zero=True)
    if "C" in np_:
        C_pF = check_positive("C", _vector(np_, "C", n, "F", _PF), "pF")
    elif stype == "exp":
        raise ValueError("the model's network_params lack 'C' (membrane capacitance, F), "
                         "needed for exponential-current synapses")
    else:
        C_pF = np.full(n, 250.0)  # NEST's default; only used for DC currents
    neuron_params: dict[str, np.ndarray] = {
        "C_m": C_pF, "tau_m": tau_m, "t_ref": t_ref, "E_L": E_L, "V_th": V_th,
        "V_reset": V_reset}
    if stype == "exp":
        tau_s = check_positive("tau_s", _vector(np_, "tau_s", n, "s", _MS), "ms")
        neuron_params["tau_syn_ex"] = tau_s
        neuron_params["tau_syn_in"] = tau_s.copy()
        charge = tau_s          # pA * ms per unit weight -> fC
        neuron_model = "iaf_psc_exp"
    else:
        tau_s = np.zeros(n)
        charge = C_pF           # pF * mV per unit weight -> fC
        neuron_model = "iaf_psc_delta"
    I_e = np.zeros(n)
    if "I_ext" in np_:
        I_e = I_e + _vector(np_, "I_ext", n, "A", _PA)

    # --- recurrent weights and connections ------------------------------------------------
    K = check_positive("K", _matrix(np_["K"], "K", n, ""), allow_zero=True)
    if stype == "exp":
        if "W" in np_:
            weight = _matrix(np_["W"], "W", n, "A") * _PA
        elif "J" in np_:
            weight = _matrix(np_["J"], "J", n, "V") * _MV * C_pF[:, None] / tau_s[:, None]
        else:
            raise ValueError("the model's network_params give neither W (PSC amplitudes, "
                             "A) nor J (V)")
    else:
        _require(np_, ["J"], "delta synapses (PSP jumps J in V)")
        weight = _matrix(np_["J"], "J", n, "V") * _MV
    rule = check_choice("connection_rule", sim["connection_rule"], CONNECTION_RULES)
    if rule == "auto":
        integer_K = np.allclose(K, np.round(K), rtol=0, atol=1e-9)
        rule = "fixed_total_number" if ("conn_probs" in np_ or not integer_K) \
            else "fixed_indegree"
    if "conn_probs" in np_:
        full_synapses = synapse_numbers_from_conn_probs(
            _matrix(np_["conn_probs"], "conn_probs", n, ""), N_full, N_full)
        K_full = full_synapses / N_full[:, None]
    else:
        K_full = K
        full_synapses = K * N_full[:, None]
    if rule == "fixed_total_number":
        n_conn = np.round(full_synapses * scale * k_scale).astype(int)
    else:
        n_conn = np.round(K_full * k_scale).astype(int)
        if not np.allclose(K_full * k_scale, n_conn, rtol=0, atol=1e-6):
            notes.append("in-degrees K*k_scale rounded to integers for fixed_indegree")

    rel_sd = sim["weight_rel_sd"]
    if rel_sd is None:
        rel_sd = np_.get("PSC_rel_sd", 0.0)
    rel_sd = float(check_positive("weight_rel_sd", rel_sd, allow_zero=True))

    if "Delay" in np_:
        delay = _matrix(np_["Delay"], "Delay", n, "s") * _MS
        delay_sd = _matrix(np_.get("Delay_sd", 0.0), "Delay_sd", n, "s") * _MS
    elif "D_mean" in np_:
        delay = _matrix(np_["D_mean"], "D_mean", n, "s") * _MS
        delay_sd = _matrix(np_.get("D_std", 0.0), "D_std", n, "s") * _MS
    else:
        raise ValueError("the model's network_params lack the delay matrix 'Delay' (s)")
    check_positive("Delay_sd", delay_sd, "ms", allow_zero=True)
    fixed = delay_sd == 0
    if np.any(delay[fixed] < res_ms * (1 - 1e-9)):
        raise ValueError(f"delays must be at least the resolution ({res_ms} ms); got "
                         f"minimum {delay[fixed].min()} ms")

    # --- external drive ----------------------------------------------------------------------
    K_ext, nu_ext, w_ext = _ext_arrays(np_, n, stype, C_pF, tau_s)
    background = check_choice("background", sim["background"], ("poisson", "dc"))
    poisson = background == "poisson"
    if not poisson:
        # mean of the Poisson drive as a current: rate * K_ext * charge per spike
        I_e = I_e + np.sum(nu_ext * K_ext * w_ext, axis=1) * charge * 1e-3
        notes.append("background: DC current equal to the mean of the Poisson input")

    # --- in-degree scaling compensation (van Albada et al. 2015) ----------------------------
    if k_scale != 1.0:
        rates = compensation_rates
        if rates is None:
            rates = np_.get("full_mean_rates")
        if rates is None:
            raise ValueError(
                f"k_scale = {k_scale} != 1 needs the firing rates of the unscaled network "
                "to compensate the mean input: give compensation_rates=... (Hz) or a model "
                "with 'full_mean_rates', or use k_scale=1")
        rates = check_positive("compensation_rates", np.asarray(rates, dtype=float), "Hz",
                               allow_zero=True)
        input_rec = np.sum(weight * K_full * rates, axis=1)
        I_e = I_e + 0.001 * charge * (1.0 - np.sqrt(k_scale)) * input_rec
        if poisson:
            input_ext = np.sum(w_ext * K_ext * nu_ext, axis=1)
            I_e = I_e + 0.001 * charge * (1.0 - np.sqrt(k_scale)) * input_ext
        weight = weight / np.sqrt(k_scale)
        if poisson:
            w_ext = w_ext / np.sqrt(k_scale)
        notes.append(f"in-degrees scaled by {k_scale:g}: weights / sqrt(k_scale), DC "
                     "current added to keep the mean input")
    neuron_params["I_e"] = I_e
    if poisson:
        K_ext_scaled = np.round(K_ext * k_scale).astype(int)
        ext_rate = nu_ext * K_ext_scaled
    else:
        ext_rate = None

    # --- initial membrane potentials ---------------------------------------------------------
    V0_type = check_choice("V0_type", sim["V0_type"], V0_TYPES)
    if V0_type == "optimized":
        if "V0_optimized_mean" not in sim:
            raise ValueError("V0_type 'optimized' exists only for the microcircuit; use "
                             "'uniform', 'reset', 'normal' or 'original'")
        mean = np.asarray(sim["V0_optimized_mean"], dtype=float) * _MV
        std = np.asarray(sim["V0_optimized_std"], dtype=float) * _MV
        if mean.shape != (n,) or std.shape != (n,):
            raise ValueError(f"V0_optimized_mean/std need one value per population ({n})")
        V0 = {"type": "normal", "mean": mean, "std": std}
    elif V0_type == "original":
        V0 = {"type": "normal",
              "mean": np.full(n, sim.get("V0_original_mean", -58e-3) * _MV),
              "std": np.full(n, sim.get("V0_original_std", 10e-3) * _MV)}
    elif V0_type == "normal":
        if sim["V0_mean"] is None or sim["V0_std"] is None:
            raise ValueError("V0_type 'normal' needs V0_mean and V0_std (V)")
        V0 = {"type": "normal",
              "mean": np.broadcast_to(np.asarray(sim["V0_mean"], float) * _MV, (n,)).copy(),
              "std": np.broadcast_to(np.asarray(sim["V0_std"], float) * _MV, (n,)).copy()}
    elif V0_type == "uniform":
        V0 = {"type": "uniform", "low": V_reset.copy(), "high": V_th.copy()}
    else:
        V0 = {"type": "fixed", "value": V_reset.copy()}

    # --- stimuli -------------------------------------------------------------------------------
    thalamic = None
    if sim["thalamic_input"]:
        if stype != "exp" or "th_conn_probs" not in sim:
            raise ValueError("the thalamic stimulus is defined for the microcircuit "
                             "(exponential synapses) only")
        th_probs = np.asarray(sim["th_conn_probs"], dtype=float)
        if th_probs.shape != (n,):
            raise ValueError(f"th_conn_probs needs one value per population ({n})")
        n_th = int(sim["th_num_neurons"])
        w_th = np.array([sim["th_PSP"] * psc_over_psp(C_pF[i] / _PF, tau_m[i] / _MS,
                                                      tau_s[i] / _MS) * _PA
                         for i in range(n)]) / np.sqrt(k_scale)
        thalamic = {
            "n_neurons": n_th,
            "rate": float(sim["th_rate"]),
            "start": sim["th_start"] * _MS,
            "stop": (sim["th_start"] + sim["th_duration"]) * _MS,
            "n_synapses": np.round(thalamic_synapse_numbers(th_probs, n_th, N_full,
                                                            k_scale)).astype(int),
            "weight": w_th,
            "delay": sim["th_delay"] * _MS,
            "delay_rel_sd": float(sim["th_delay_rel_sd"]),
        }
    dc_stimulus = None
    if sim["dc_input"]:
        if "dc_amp" not in sim:
            raise ValueError("the DC stimulus is defined for the microcircuit only")
        dc_stimulus = {
            "amplitude": sim["dc_amp"] * _PA * np.sum(K_ext, axis=1),
            "start": sim["dc_start"] * _MS,
            "stop": (sim["dc_start"] + sim["dc_duration"]) * _MS,
        }

    return NetworkSpec(
        populations=pops, synapse_type=stype, neuron_model=neuron_model,
        n_neurons=n_neurons, neuron_params=neuron_params, V0=V0, connection_rule=rule,
        n_connections=n_conn, weight=weight, weight_rel_sd=rel_sd, delay=delay,
        delay_sd=delay_sd, ext_rate=ext_rate, ext_weight=w_ext,
        ext_delay=float(sim["ext_delay"]) * _MS, thalamic=thalamic,
        dc_stimulus=dc_stimulus, resolution=res_ms, seed=int(seed), threads=threads,
        t_presim=t_presim, t_sim=t_sim, scale=scale, k_scale=k_scale, params=sim,
        notes=notes)
