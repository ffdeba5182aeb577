"""Input statistics of LIF neurons in networks with fixed in-degrees.

Diffusion approximation of the summed synaptic input (Fourcaud & Brunel 2002,
Eq. 3.4; Amit & Brunel 1997)::

    mu_a      = tau_m,a ( Σ_b K_ab J_ab nu_b + Σ_x K_ext,ax J_ext,ax nu_ext,x )
                + tau_m,a I_ext,a / C_a
    sigma_a^2 = tau_m,a ( Σ_b K_ab J_ab^2 nu_b + Σ_x K_ext,ax J_ext,ax^2 nu_ext,x )

``J`` is the weight in volts in NNMT's convention (integrated PSC divided by C).
The rates ``nu`` may carry leading batch dimensions (shape ``(..., n)``); the
fixed-point solver uses this to evaluate many candidate rate vectors at once.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..utils import (
    _cache,
    check_positive,
    frequencies_in_hz,
    get_optional_network_params,
    get_required_network_params,
    get_required_results,
)


def _external_drive(KJ_ext: np.ndarray, nu_ext) -> np.ndarray:
    """Σ_x KJ_ext[a, x] nu_ext[x] for matrix ``KJ_ext``; elementwise for per-population."""
    KJ_ext = np.asarray(KJ_ext, dtype=float)
    nu_ext = np.asarray(nu_ext, dtype=float)
    if KJ_ext.ndim == 2:
        return KJ_ext @ np.broadcast_to(nu_ext, KJ_ext.shape[1:])
    return KJ_ext * nu_ext


def _mean_input(nu, J, K, tau_m, J_ext, K_ext, nu_ext, I_ext=None, C=None) -> np.ndarray:
    """Mean input mu (V) of every population (Fourcaud & Brunel 2002, Eq. 3.4).

    Parameters
    ----------
    nu : array, shape (..., n)
        Firing rates (Hz).
    J : array (n, n)
        Weights (V), ``J[a, b]`` from population b onto a.
    K : array (n, n)
        In-degrees.
    tau_m : float or array (n,)
        Membrane time constants (s).
    J_ext, K_ext : array (n,) or (n, n_ext)
        External weights (V) and in-degrees.
    nu_ext : float or array
        External rates (Hz): scalar, one per population (with 1d ``K_ext``) or one per
        external population (with 2d ``K_ext``).
    I_ext : float or array (n,), optional
        External DC current (A); needs ``C``.
    C : float or array (n,), optional
        Membrane capacitance (F).

    Returns
    -------
    array, shape (..., n)
    """
    nu = np.asarray(nu, dtype=float)
    drive = nu @ (np.asarray(K) * np.asarray(J)).T
    drive = drive + _external_drive(np.asarray(K_ext) * np.asarray(J_ext), nu_ext)
    if I_ext is not None and np.any(np.asarray(I_ext) != 0):
        if C is None:
            raise ValueError("I_ext is given but the membrane capacitance C is missing; "
                             "C (in F) is needed to turn the current into a voltage")
        check_positive("C", C, "F")
        drive = drive + np.asarray(I_ext, dtype=float) / np.asarray(C, dtype=float)
    return np.asarray(tau_m) * drive


def _std_input(nu, J, K, tau_m, J_ext, K_ext, nu_ext) -> np.ndarray:
    """Standard deviation sigma (V) of the input (Fourcaud & Brunel 2002, Eq. 3.4).

    Arguments as in :func:`_mean_input`.
    """
    nu = np.asarray(nu, dtype=float)
    J = np.asarray(J, dtype=float)
    J_ext = np.asarray(J_ext, dtype=float)
    var = nu @ (np.asarray(K) * J**2).T
    var = var + _external_drive(np.asarray(K_ext) * J_ext**2, nu_ext)
    return np.sqrt(np.asarray(tau_m) * var)


def _input_dict(J, K, tau_m, J_ext, K_ext, nu_ext, I_ext=None, C=None) -> dict:
    """The input statistics as the fixed-point solver needs them (functions of nu)."""
    common = {"J": J, "K": K, "tau_m": tau_m, "J_ext": J_ext, "K_ext": K_ext, "nu_ext": nu_ext}
    return {"mu": {"func": _mean_input, "params": {**common, "I_ext": I_ext, "C": C}},
            "sigma": {"func": _std_input, "params": common}}


def _input_calc(network, prefix: str, func, name: str, unit: str):
    """Network level: ``func`` (mean or std of the input) at the rates stored under
    ``prefix + 'firing_rates'``, cached as ``prefix + name``."""
    params = get_required_network_params(network, func, exclude=["nu"])
    params.update(get_optional_network_params(network, func))
    params["nu"] = get_required_results(network, ["nu"], [prefix + "firing_rates"])["nu"]
    return _cache(network, func, params, prefix + name, unit)


def _omegas_for(network, freqs) -> np.ndarray:
    """Angular frequencies (rad/s): ``2 pi freqs`` (Hz) if given, else the network's."""
    if freqs is not None:
        return 2 * np.pi * frequencies_in_hz(freqs)
    try:
        return network.analysis_params["omegas"]
    except KeyError:
        raise RuntimeError("no analysis frequencies: give freqs= or analysis parameters "
                           "f_min, f_max, df") from None


def _frequency_calc(network, prefix: str, func, name: str, unit: str, freqs,
                    **options: Any):
    """Network level: the frequency-resolved single-neuron quantity ``func`` (transfer
    functions, spike-train spectra) at the working point stored under ``prefix``, at the
    frequencies ``freqs`` (Hz; default: the analysis frequencies), with the keyword
    ``options``; cached as ``prefix + name``."""
    params = get_required_network_params(network, func, exclude=["mu", "sigma", "omegas"])
    params.update(get_required_results(network, ["mu", "sigma"],
                                       [prefix + "mean_input", prefix + "std_input"]))
    params["omegas"] = _omegas_for(network, freqs)
    params.update(options)
    return _cache(network, func, params, prefix + name, unit)
