"""Input statistics of LIF neurons in networks with fixed in-degrees.

Diffusion approximation of the summed synaptic input (Fourcaud & Brunel 2002,
Eq. 3.4; Amit & Brunel 1997)::

    mu_a      = tau_m,a ( Σ_b K_ab J_ab nu_b + Σ_x K_ext,ax J_ext,ax nu_ext,x )
                + tau_m,a I_ext,a / C_a
    sigma_a^2 = tau_m,a ( Σ_b K_ab J_ab^2 nu_b + Σ_x K_ext,ax J_ext,ax^2 nu_ext,x )

``J`` is the weight in volts in NNMT's convention (integrated PSC divided by C).
The rates ``nu`` may carry leading batch dimensions (shape ``(..., n)``); the
fixed-point solver uses this to evaluate many candidate rate vectors at once.

Shapes follow NNMT 1.3: ``J`` may be a matrix ``(n, n)`` or one weight per source
population ``(n,)``; ``K_ext``/``J_ext`` are per target population ``(n,)`` or per
(target, external population) ``(n, n_ext)``.  With 1-d ``K_ext`` and a 1-d ``nu_ext`` of
the same length neuromf reads ``nu_ext`` per target population; NNMT sums
``np.dot(K_ext * J_ext, nu_ext)`` over all populations, which every population then
receives (``neuromf.use_convention("nnmt")``, flag ``external_dot_product``).
"""

from __future__ import annotations

import contextlib
from typing import Any

import numpy as np

from .. import conventions
from ..utils import (
    _cache,
    check_positive,
    frequencies_in_hz,
    get_optional_network_params,
    get_required_network_params,
    get_required_results,
)


def _external_drive(KJ_ext: np.ndarray, nu_ext) -> np.ndarray:
    """Σ_x KJ_ext[a, x] nu_ext[x] for matrix ``KJ_ext``; per population for 1-d.

    Under the NNMT convention a 1-d ``KJ_ext`` with a 1-d ``nu_ext`` gives NNMT's
    ``np.dot`` (one sum over all populations, received by every population).
    """
    KJ_ext = np.asarray(KJ_ext, dtype=float)
    nu_ext = np.asarray(nu_ext, dtype=float)
    if KJ_ext.ndim == 2:
        return KJ_ext @ np.broadcast_to(nu_ext, KJ_ext.shape[1:])
    if (KJ_ext.ndim == 1 and nu_ext.ndim == 1 and conventions.flag("external_dot_product")):
        return np.dot(KJ_ext, nu_ext)
    return KJ_ext * nu_ext


def _recurrent_drive(nu, KJ) -> np.ndarray:
    """Σ_b KJ[a, b] nu[..., b]; a 1-d ``KJ`` is one target population (``np.dot``)."""
    nu = np.asarray(nu, dtype=float)
    KJ = np.asarray(KJ, dtype=float)
    if KJ.ndim == 2:
        return nu @ KJ.T
    if KJ.ndim == 1 and nu.ndim >= 1:
        return nu @ KJ
    return KJ * nu


def _check_input_params(nu, K, tau_m, K_ext, nu_ext) -> None:
    check_positive("nu", nu, "Hz", allow_zero=True)
    check_positive("K", K, "", allow_zero=True)
    check_positive("tau_m", tau_m, "s")
    check_positive("K_ext", K_ext, "", allow_zero=True)
    check_positive("nu_ext", nu_ext, "Hz", allow_zero=True)


def _mean_input(nu, J, K, tau_m, J_ext, K_ext, nu_ext, I_ext=None, C=None) -> np.ndarray:
    """Mean input mu (V) of every population (Fourcaud & Brunel 2002, Eq. 3.4).

    Parameters
    ----------
    nu : float or array, shape (..., n)
        Firing rates (Hz).
    J : array (n, n) or (n,)
        Weights (V), ``J[a, b]`` from population b onto a, or one per source b.
    K : array (n, n)
        In-degrees.
    tau_m : float or array (n,)
        Membrane time constants (s).
    J_ext, K_ext : array (n,) or (n, n_ext)
        External weights (V) and in-degrees.
    nu_ext : float or array
        External rates (Hz): scalar, one per population (with 1d ``K_ext``) or one per
        external population (with 2d ``K_ext``); see the module docstring for NNMT's
        reading of 1-d ``K_ext`` with 1-d ``nu_ext``.
    I_ext : float or array (n,), optional
        External DC current (A); needs ``C``.
    C : float or array (n,), optional
        Membrane capacitance (F).

    Returns
    -------
    array, shape (..., n)

    Raises
    ------
    ValueError
        For negative rates, in-degrees or time constants, or ``I_ext`` without ``C``.
    """
    _check_input_params(nu, K, tau_m, K_ext, nu_ext)
    return _mean_input_of(nu, J, K, tau_m, J_ext, K_ext, nu_ext, I_ext, C)


def _mean_input_of(nu, J, K, tau_m, J_ext, K_ext, nu_ext, I_ext=None, C=None) -> np.ndarray:
    """:func:`_mean_input` without the sign checks (inner loop of the fixed point, whose
    parameters are checked once by :func:`_input_dict`)."""
    drive = _recurrent_drive(nu, np.asarray(K) * np.asarray(J))
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
    _check_input_params(nu, K, tau_m, K_ext, nu_ext)
    return _std_input_of(nu, J, K, tau_m, J_ext, K_ext, nu_ext)


def _std_input_of(nu, J, K, tau_m, J_ext, K_ext, nu_ext) -> np.ndarray:
    """:func:`_std_input` without the sign checks (see :func:`_mean_input_of`)."""
    J = np.asarray(J, dtype=float)
    J_ext = np.asarray(J_ext, dtype=float)
    var = _recurrent_drive(nu, np.asarray(K) * J**2)
    var = var + _external_drive(np.asarray(K_ext) * J_ext**2, nu_ext)
    return np.sqrt(np.asarray(tau_m) * var)


def _input_dict(J, K, tau_m, J_ext, K_ext, nu_ext, I_ext=None, C=None) -> dict:
    """The input statistics as the fixed-point solver needs them (functions of nu).

    With a square in-degree matrix each entry also carries ``'fast'`` (``nu -> value``,
    the same arithmetic with the constant products precomputed) and ``'jacobian'``
    (``(nu, value) -> d value / d nu``, shape (n, n)), which let the solver take
    analytic Newton steps: ``d mu_a/d nu_b = tau_m,a K_ab J_ab`` and
    ``d sigma_a/d nu_b = tau_m,a K_ab J_ab^2 / (2 sigma_a)`` (Fourcaud & Brunel 2002,
    Eq. 3.4).
    """
    _check_input_params(0.0, K, tau_m, K_ext, nu_ext)   # once, not at every iteration
    common = {"J": J, "K": K, "tau_m": tau_m, "J_ext": J_ext, "K_ext": K_ext, "nu_ext": nu_ext}
    out = {"mu": {"func": _mean_input_of, "params": {**common, "I_ext": I_ext, "C": C}},
           "sigma": {"func": _std_input_of, "params": common}}
    KJ_shape = np.broadcast_shapes(np.shape(K), np.shape(J))
    if not (len(KJ_shape) == 2 and KJ_shape[0] == KJ_shape[1] and np.ndim(tau_m) <= 1):
        return out
    J_arr = np.asarray(J, dtype=float)
    J_ext_arr = np.asarray(J_ext, dtype=float)
    KJ = np.asarray(K) * J_arr
    KJ2 = np.asarray(K) * J_arr**2
    ext_mu = _external_drive(np.asarray(K_ext) * np.asarray(J_ext), nu_ext)
    if I_ext is not None and np.any(np.asarray(I_ext) != 0):
        if C is None:
            return out          # the plain path raises the error about the missing C
        ext_mu = ext_mu + np.asarray(I_ext, dtype=float) / np.asarray(C, dtype=float)
    ext_var = _external_drive(np.asarray(K_ext) * J_ext_arr**2, nu_ext)
    tau = np.asarray(tau_m)
    KJ_T, KJ2_T = KJ.T.copy(), KJ2.T.copy()
    d_mu = np.reshape(tau, (-1, 1)) * KJ
    d_var = 0.5 * np.reshape(tau, (-1, 1)) * KJ2

    def mu_fast(nu):
        return tau * (nu @ KJ_T + ext_mu)        # as _mean_input_of

    def sigma_fast(nu):
        return np.sqrt(tau * (nu @ KJ2_T + ext_var))   # as _std_input_of

    out["mu"].update(fast=mu_fast, jacobian=lambda nu, mu: d_mu)
    out["sigma"].update(fast=sigma_fast,
                        jacobian=lambda nu, sigma: d_var / sigma[:, None])
    return out


def _held(network):
    """The network's ``_parameters_held`` block (parameter dicts synced once), or a no-op
    for network objects without one."""
    hold = getattr(network, "_parameters_held", None)
    return hold() if hold is not None else contextlib.nullcontext()


def _input_calc(network, prefix: str, func, name: str | None = None, unit: str = "volt",
                signature=None):
    """Network level: ``func`` (mean or std of the input) at the rates stored under
    ``prefix + 'firing_rates'``, cached as ``prefix + name`` (default: the name of
    ``func`` without its leading underscore; NNMT's call ``_input_calc(network, prefix,
    func)``).  The parameters are those of ``signature`` (default ``func``; NNMT's model
    wrappers take ``*args``)."""
    signature = func if signature is None else signature
    if name is None:
        name = getattr(signature, "__name__", "input").lstrip("_")
    with _held(network):
        params = get_required_network_params(network, signature, exclude=["nu"])
        params.update(get_optional_network_params(network, signature))
        params["nu"] = get_required_results(network, ["nu"],
                                            [prefix + "firing_rates"])["nu"]
        return _cache(network, func, params, prefix + name, unit)


def _refractory_phase(value: bool | None) -> bool:
    """``refractory_phase`` keyword resolved against the convention (None: follow it)."""
    return bool(conventions.flag("refractory_phase", value))


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
    with _held(network):
        params = get_required_network_params(network, func,
                                             exclude=["mu", "sigma", "omegas"])
        params.update(get_required_results(network, ["mu", "sigma"],
                                           [prefix + "mean_input", prefix + "std_input"]))
        params["omegas"] = _omegas_for(network, freqs)
        params.update(options)
        return _cache(network, func, params, prefix + name, unit)

