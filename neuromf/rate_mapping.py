"""Mapping LIF networks to rate models (Senk et al. 2020, Sec. F and Appendices E, F).

* External rates that put a network at a prescribed working point (mu, sigma)
  (Helias et al. 2013, Eq. E1, corrected in Senk et al. 2020, App. F).
* A least-squares fit of the LIF transfer function by the first-order low-pass
  h0 / (1 + iωτ), which defines the time constant ``tau_rate`` and the weights
  ``W_rate = h0 τ_m K∘J`` of the equivalent linear rate model (Senk 2020, Fig. 5);
  implemented in :mod:`neuromf.rate_fit` and re-exported here.
* The effective coupling strength, the derivative of the output rate with respect
  to the rate of one input neuron (Senk 2020, Eq. E1; Helias 2013, Eq. A.3).

Parameter functions
-------------------
_external_rates_for_fixed_input, _additional_rates_for_fixed_input, _fit_low_pass,
_fit_transfer_function, _scan_fit_transfer_function_mean_std_input,
_effective_coupling_strength

Network functions
-----------------
external_rates_for_fixed_input, additional_rates_for_fixed_input,
fit_transfer_function, scan_fit_transfer_function_mean_std_input,
effective_coupling_strength
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from scipy.optimize import nnls
from scipy.special import erf, erfcx

from . import conventions
from .rate_fit import (  # noqa: F401  (the low-pass fit, re-exported)
    _METHODS,
    _SCAN_KEYS,
    _SCAN_UNITS,
    _fit_low_pass,
    _fit_transfer_function,
    _params,
    _prefix,
    _scan_fit_transfer_function_mean_std_input,
    _scan_tuple,
    _target_rates,
    fit_transfer_function,
    scan_fit_transfer_function_mean_std_input,
)
from .special._siegert import ALPHA_SHIFT, shift_firing_rate
from .utils import (
    _cache,
    check_choice,
    check_finite,
    check_non_negative_params,
    check_positive,
    get_required_results,
)

__all__ = [
    "_external_rates_for_fixed_input",
    "_additional_rates_for_fixed_input",
    "_fit_low_pass",
    "_fit_transfer_function",
    "_scan_fit_transfer_function_mean_std_input",
    "_effective_coupling_strength",
    "external_rates_for_fixed_input",
    "additional_rates_for_fixed_input",
    "fit_transfer_function",
    "scan_fit_transfer_function_mean_std_input",
    "effective_coupling_strength",
]



# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------

# ---------------------------------------------------------------------------
# external rates for a fixed working point
# ---------------------------------------------------------------------------

@check_non_negative_params
def _external_rates_for_fixed_input(mu_set: Any, sigma_set: Any, J: Any, K: Any,
                                    V_0_rel: Any, V_th_rel: Any, tau_m: Any, tau_r: Any,
                                    tau_s: Any, J_ext: Any, K_ext: Any, I_ext: Any = None,
                                    C: Any = None, method: str = "shift") -> np.ndarray:
    """External rates that give every population the input (mu_set, sigma_set).

    At the target working point the populations fire at the stationary rates
    ν* = Φ(mu_set, sigma_set) (Fourcaud & Brunel 2002, 'shift' or 'taylor').  The
    external sources must supply the rest of the input (Fourcaud & Brunel 2002,
    Eq. 3.4; generalisation of Helias et al. 2013, Eq. E1, as corrected in Senk et
    al. 2020, App. F):

        τ_m Σ_x K_ext,ax J_ext,ax ν_ext,x   = mu_set,a − τ_m Σ_b K_ab J_ab ν*_b − τ_m I_ext,a / C_a
        τ_m Σ_x K_ext,ax J_ext,ax² ν_ext,x  = sigma_set,a² − τ_m Σ_b K_ab J_ab² ν*_b.

    These 2n linear equations are solved for the external rates (least squares;
    the solution must reproduce the target exactly and be non-negative).

    Parameters
    ----------
    mu_set, sigma_set : float or array_like
        Target mean and standard deviation of the input in V (per population).
    J : array_like
        Weights in V [target, source].
    K : array_like
        In-degrees [target, source].
    V_0_rel, V_th_rel : float or array_like
        Reset and threshold relative to reset in V.
    tau_m, tau_r, tau_s : float or array_like
        Membrane, refractory and synaptic time constants in s.
    J_ext : array_like
        External weights in V, shape (n, n_ext) (or broadcastable with ``K_ext``).
    K_ext : array_like
        External in-degrees, (n, n_ext), or (n_ext,) broadcast along the target
        axis as in NNMT; a 1-d product K_ext∘J_ext means one source per population.
    I_ext : float or array_like, optional
        External DC current in A (needs ``C``).
    C : float or array_like, optional
        Membrane capacitance in F.
    method : {'shift', 'taylor'}
        Stationary-rate approximation.

    Returns
    -------
    numpy.ndarray
        External rates in Hz, one per external source (column of K_ext∘J_ext).

    Raises
    ------
    ValueError
        If the target needs negative external rates (e.g. sigma_set below the
        recurrent contribution, or mu_set too low for the available excitation),
        or cannot be reached with the given external sources.
    """
    K = check_positive("K", np.atleast_2d(np.asarray(K, dtype=float)), allow_zero=True)
    # J may be one weight per source population (NNMT's 1-d J)
    J = check_finite("J", np.broadcast_to(np.asarray(J, dtype=float), K.shape), "V")
    n = J.shape[0]
    mu_set = check_finite("mu_set", np.broadcast_to(np.asarray(mu_set, float), (n,)), "V")
    sigma_set = check_positive("sigma_set",
                               np.broadcast_to(np.asarray(sigma_set, float), (n,)), "V")
    tau_m_v = check_positive("tau_m", np.broadcast_to(np.asarray(tau_m, float), (n,)), "s")
    KJ_ext = np.asarray(K_ext, dtype=float) * np.asarray(J_ext, dtype=float)
    KJ2_ext = np.asarray(K_ext, dtype=float) * np.asarray(J_ext, dtype=float) ** 2
    if KJ_ext.ndim == 1:
        KJ_ext, KJ2_ext = np.diag(np.broadcast_to(KJ_ext, (n,))), np.diag(
            np.broadcast_to(KJ2_ext, (n,)))
    if KJ_ext.ndim != 2 or KJ_ext.shape[0] != n:
        raise ValueError(f"K_ext * J_ext must have shape ({n}, n_ext), got {KJ_ext.shape}")

    nu_star = _target_rates(mu_set, sigma_set, V_0_rel, V_th_rel, tau_m_v, tau_r, tau_s,
                            method)
    mu_ext = mu_set - tau_m_v * ((K * J) @ nu_star)
    if I_ext is not None and np.any(np.asarray(I_ext) != 0):
        if C is None:
            raise ValueError("I_ext is given but the membrane capacitance C (F) is missing")
        mu_ext = mu_ext - tau_m_v * np.asarray(I_ext, float) / check_positive("C", C, "F")
    var_ext = sigma_set**2 - tau_m_v * ((K * J**2) @ nu_star)
    if np.any(var_ext < 0):
        bad = int(np.flatnonzero(var_ext < 0)[0])
        raise ValueError(
            f"sigma_set = {sigma_set[bad]:.6g} V of population {bad} is below the recurrent "
            f"contribution {np.sqrt(sigma_set[bad]**2 - var_ext[bad]):.6g} V at the target "
            f"rates {nu_star} Hz; it would need negative external rates")

    A = np.vstack([tau_m_v[:, None] * KJ_ext, tau_m_v[:, None] * KJ2_ext])
    b = np.concatenate([mu_ext, var_ext])
    # make every equation read in Hz so that the residual test is unit-free
    norm = np.linalg.norm(A, axis=1)
    if np.any(norm == 0):
        raise ValueError("some population receives no external input (a zero row of "
                         "K_ext * J_ext); its working point cannot be set")
    if conventions.flag("external_rates_least_squares"):
        tau2 = np.concatenate([tau_m_v, tau_m_v])
        return _nnmt_least_squares(A / tau2[:, None], b / tau2, mu_set, sigma_set, nu_star)
    A_s, b_s = A / norm[:, None], b / norm
    nu_ext, *_ = np.linalg.lstsq(A_s, b_s, rcond=None)
    tol = 1e-9 * max(1.0, float(np.max(np.abs(b_s))))
    exact = np.max(np.abs(A_s @ nu_ext - b_s)) <= tol
    if exact and np.all(nu_ext >= 0):
        return nu_ext
    # a non-negative solution may still exist if the system is under-determined
    nn, _ = nnls(A_s, b_s)
    if np.max(np.abs(A_s @ nn - b_s)) <= tol:
        return nn
    if exact:
        raise ValueError(
            f"the working point mu_set = {mu_set} V, sigma_set = {sigma_set} V needs "
            f"negative external rates {nu_ext} Hz (target rates {nu_star} Hz)")
    raise ValueError(
        f"the working point mu_set = {mu_set} V, sigma_set = {sigma_set} V cannot be "
        f"reached with these external inputs (least-squares rates {nu_ext} Hz leave a "
        f"residual; add external sources or choose equal targets for populations with "
        f"equal inputs)")


class NegativeRatesError(ValueError, RuntimeError):
    """The target working point needs negative external rates (a ValueError; NNMT 1.3
    raises RuntimeError, which this also is)."""


def _nnmt_least_squares(A, b, mu_set, sigma_set, nu_star) -> np.ndarray:
    """NNMT 1.3's reading: the least-squares rates of the 2n equations divided by tau_m.

    NNMT returns them even where they do not reproduce the target; here a warning
    states the residual, and negative rates raise.
    """
    nu_ext = np.linalg.lstsq(A, b, rcond=None)[0]
    if np.any(np.asarray(nu_ext) < 0):
        raise NegativeRatesError(
            f"the working point mu_set = {mu_set} V, sigma_set = {sigma_set} V needs "
            f"negative external rates {nu_ext} Hz (target rates {nu_star} Hz)")
    residual = A @ nu_ext - b
    scale = max(float(np.max(np.abs(b))), np.finfo(float).tiny)
    if np.max(np.abs(residual)) > 1e-9 * scale:
        warnings.warn(
            f"least-squares external rates {nu_ext} Hz miss the target working point "
            f"(largest residual {np.max(np.abs(residual)):.3g} in V or V², NNMT convention);"
            " the populations' inputs then differ from mu_set, sigma_set", stacklevel=3)
    return nu_ext


def _additional_rates_for_fixed_input(mu_set: Any, sigma_set: Any, J: Any, K: Any,
                                      V_0_rel: Any, V_th_rel: Any, tau_m: Any, tau_r: Any,
                                      tau_s: Any, j: Any, g: Any, J_ext: Any = 0.0,
                                      K_ext: Any = 0.0, nu_ext: Any = 0.0,
                                      method: str = "shift") -> tuple[np.ndarray, np.ndarray]:
    """Additional excitatory and inhibitory Poisson rates for a fixed working point.

    Closed form of lif_meanfield_tools ``additional_rates_for_fixed_input`` (Senk et
    al. 2020, App. F, correcting Helias et al. 2013, Eq. E1).  On top of the
    recurrent input at the target rates ν* and an existing external drive
    (J_ext, K_ext, nu_ext), each neuron receives one excitatory source of weight j
    and rate ν_E and one inhibitory source of weight −g j and rate ν_I:

        mu_set  = mu_loc + τ_m j (ν_E − g ν_I),
        sigma_set² = sigma_loc² + τ_m j² (ν_E + g² ν_I),

    so with a = (mu_set − mu_loc) / (τ_m j), b = (sigma_set² − sigma_loc²) / (τ_m j²):
    ν_E = (b + g a) / (1 + g),  ν_I = (b − a) / (g (1 + g)).

    Parameters
    ----------
    mu_set, sigma_set : float or array_like
        Target input statistics in V per population.
    J, K, V_0_rel, V_th_rel, tau_m, tau_r, tau_s, method
        As in :func:`_external_rates_for_fixed_input`.
    j : float
        Excitatory weight of the additional sources in V, > 0.
    g : float
        Relative inhibitory weight, > 0.
    J_ext, K_ext, nu_ext : optional
        Existing external drive (weights in V, in-degrees, rates in Hz).

    Returns
    -------
    nu_e_ext, nu_i_ext : numpy.ndarray
        Additional excitatory and inhibitory rates in Hz per population.

    Raises
    ------
    ValueError
        If a rate would be negative.
    """
    J = check_finite("J", np.atleast_2d(np.asarray(J, dtype=float)), "V")
    K = np.atleast_2d(np.asarray(K, dtype=float))
    n = J.shape[0]
    mu_set = check_finite("mu_set", np.broadcast_to(np.asarray(mu_set, float), (n,)), "V")
    sigma_set = check_positive("sigma_set",
                               np.broadcast_to(np.asarray(sigma_set, float), (n,)), "V")
    tau_m_v = check_positive("tau_m", np.broadcast_to(np.asarray(tau_m, float), (n,)), "s")
    j = float(check_positive("j", j, "V"))
    g = float(check_positive("g", g))
    nu_star = _target_rates(mu_set, sigma_set, V_0_rel, V_th_rel, tau_m_v, tau_r, tau_s,
                            method)
    KJ_ext = np.asarray(K_ext, float) * np.asarray(J_ext, float)
    KJ2_ext = np.asarray(K_ext, float) * np.asarray(J_ext, float) ** 2
    nu_ext = np.asarray(nu_ext, float)
    drive = KJ_ext @ nu_ext if KJ_ext.ndim == 2 else KJ_ext * nu_ext
    drive2 = KJ2_ext @ nu_ext if KJ2_ext.ndim == 2 else KJ2_ext * nu_ext
    mu_loc = tau_m_v * ((K * J) @ nu_star + drive)
    var_loc = tau_m_v * ((K * J**2) @ nu_star + drive2)
    a = (mu_set - mu_loc) / (tau_m_v * j)
    b = (sigma_set**2 - var_loc) / (tau_m_v * j**2)
    nu_e = (b + g * a) / (1.0 + g)
    nu_i = (b - a) / (g * (1.0 + g))
    # rounding: a working point reached without additional input gives ±1e-12-size rates
    eps = 1e-9 * (np.abs(a) + np.abs(b) + np.abs(mu_loc / (tau_m_v * j))
                  + np.abs(var_loc / (tau_m_v * j**2)))
    nu_e = np.where(np.abs(nu_e) <= eps, 0.0, nu_e)
    nu_i = np.where(np.abs(nu_i) <= eps, 0.0, nu_i)
    if np.any(nu_e < 0) or np.any(nu_i < 0):
        raise ValueError(
            f"the working point mu_set = {mu_set} V, sigma_set = {sigma_set} V needs "
            f"negative additional rates: nu_e_ext = {nu_e} Hz, nu_i_ext = {nu_i} Hz")
    return nu_e, nu_i


# ---------------------------------------------------------------------------
# effective coupling strength
# ---------------------------------------------------------------------------

def _log_erfcx_neg(y: np.ndarray) -> np.ndarray:
    """log(e^{y²}(1 + erf y)) = log erfcx(−y), without overflow for large y."""
    y = np.asarray(y, dtype=float)
    neg = y < 0
    out = np.empty_like(y)
    out[neg] = np.log(erfcx(-y[neg]))
    out[~neg] = y[~neg] ** 2 + np.log1p(erf(y[~neg]))
    return out


def _effective_coupling_strength(mu: Any, sigma: Any, tau_m: Any, tau_s: Any, tau_r: Any,
                                 V_0_rel: Any, V_th_rel: Any, J: Any,
                                 contribution: str = "all") -> np.ndarray:
    """Effective coupling strength w_ab = ∂ν_a / ∂ν_b of one input neuron (Senk 2020, Eq. E1).

    With the 'shift' rate ν_a = Φ(mu_a, sigma_a) (Fourcaud & Brunel 2002), one
    presynaptic neuron of rate ν_b adds τ_m J_ab ν_b to mu_a and τ_m J_ab² ν_b to
    sigma_a², hence (Helias et al. 2013, Eq. A.3)

        w_ab = √π (τ_m ν_a)² J_ab / σ_a · [F(ỹ_θ) − F(ỹ_r)]                     ('mu')
             + √π (τ_m ν_a)² J_ab / σ_a · [F(ỹ_θ) y_θ − F(ỹ_r) y_r] J_ab / (2σ_a)   ('sigma')

    with F(y) = e^{y²}(1 + erf y), y = (V − mu_a) / σ_a and the shifted bounds
    ỹ = y + (α/2) √(τ_s/τ_m), α = √2 |ζ(1/2)|.  The 'mu' part is the linear
    response to the mean, the 'sigma' part the response to the variance.  The
    working point of the *target* population a is used (lif_meanfield_tools uses
    the source's, identical for the homogeneous networks of Senk et al. 2020).

    Parameters
    ----------
    mu, sigma : array_like
        Mean and standard deviation of the input per population in V, shape (n,).
    tau_m, tau_s, tau_r : float or array_like
        Time constants in s (per target population).
    V_0_rel, V_th_rel : float or array_like
        Reset and threshold relative to reset in V.
    J : array_like
        Weights in V [target, source], (n, n).
    contribution : {'all', 'mu', 'sigma'}
        Which part of the derivative to return.

    Returns
    -------
    numpy.ndarray
        w, shape (n, n), dimensionless (per single input neuron; multiply by K for
        the population coupling).
    """
    check_choice("contribution", contribution, ("all", "mu", "sigma"))
    J = check_finite("J", np.atleast_2d(np.asarray(J, dtype=float)), "V")
    n = J.shape[0]

    def vec(name, x, unit, positive=False, zero=False):
        arr = np.broadcast_to(np.asarray(x, dtype=float), (n,))
        return (check_positive(name, arr, unit, allow_zero=zero) if positive
                else check_finite(name, arr, unit))

    mu = vec("mu", mu, "V")
    sigma = vec("sigma", sigma, "V", positive=True)
    tau_m = vec("tau_m", tau_m, "s", positive=True)
    tau_s = vec("tau_s", tau_s, "s", positive=True, zero=True)
    tau_r = vec("tau_r", tau_r, "s", positive=True, zero=True)
    V_0 = vec("V_0_rel", V_0_rel, "V")
    V_th = vec("V_th_rel", V_th_rel, "V")
    nu = np.asarray(shift_firing_rate(mu, sigma, V_0, V_th, tau_m, tau_r, tau_s), float)
    shift = 0.5 * ALPHA_SHIFT * np.sqrt(tau_s / tau_m)
    y_th = (V_th - mu) / sigma
    y_r = (V_0 - mu) / sigma
    with np.errstate(divide="ignore"):
        log_pref = 2.0 * np.log(tau_m * nu)
    # (τ_m ν)² F(ỹ) in log space: ν ~ e^{-ỹ²} when F(ỹ) ~ e^{ỹ²} overflows
    a_th = np.exp(log_pref + _log_erfcx_neg(y_th + shift))
    a_r = np.exp(log_pref + _log_erfcx_neg(y_r + shift))
    pref = np.sqrt(np.pi) / sigma
    w_mu = (pref * (a_th - a_r))[:, None] * J
    w_sigma = (pref * (a_th * y_th - a_r * y_r) / (2.0 * sigma))[:, None] * J**2
    if contribution == "mu":
        return w_mu
    if contribution == "sigma":
        return w_sigma
    return w_mu + w_sigma


# ---------------------------------------------------------------------------
# network level
# ---------------------------------------------------------------------------

def external_rates_for_fixed_input(network: Any, mu_set: Any, sigma_set: Any,
                                   method: str = "shift") -> np.ndarray:
    """External rates that put the network at (mu_set, sigma_set).

    See :func:`_external_rates_for_fixed_input`.  Stored under
    'lif.exp.external_rates_for_fixed_input' (Hz).  Use the result as the network's
    ``nu_ext`` (``network.change_parameters({'nu_ext': nu_ext})``).

    Parameters
    ----------
    network : Network
        With ``J``, ``K``, ``J_ext``, ``K_ext`` and the neuron parameters (SI).
    mu_set, sigma_set : array_like
        Target mean and standard deviation of the input per population, V.
    method : {'shift', 'taylor'}
        Rate approximation of exponential synapses (Fourcaud & Brunel 2002).

    Returns
    -------
    np.ndarray
        External rates in Hz, one per external source.
    """
    params = _params(network, ["J", "K", "V_0_rel", "V_th_rel", "tau_m", "tau_r", "tau_s",
                               "J_ext", "K_ext"], "external_rates_for_fixed_input")
    for opt in ("I_ext", "C"):
        if opt in network.network_params:
            params[opt] = network.network_params[opt]
    params.update(mu_set=mu_set, sigma_set=sigma_set, method=method)
    return _cache(network, _external_rates_for_fixed_input, params,
                  _prefix + "external_rates_for_fixed_input", "hertz")


def additional_rates_for_fixed_input(network: Any, mu_set: Any, sigma_set: Any,
                                     method: str = "shift") -> tuple[np.ndarray, np.ndarray]:
    """Additional excitatory / inhibitory rates (lif_meanfield_tools closed form).

    See :func:`_additional_rates_for_fixed_input`.  Needs ``j`` (or ``w``, ``tau_s``
    and ``C``) and ``g``; the network's own external drive (J_ext, K_ext, nu_ext)
    is kept.  Stored under 'lif.exp.nu_e_ext' and 'lif.exp.nu_i_ext' (Hz).

    Parameters
    ----------
    network : Network
        With the parameters named above (SI).
    mu_set, sigma_set : array_like
        Target mean and standard deviation of the input per population, V.
    method : {'shift', 'taylor'}
        Rate approximation of exponential synapses (Fourcaud & Brunel 2002).

    Returns
    -------
    nu_e_ext, nu_i_ext : np.ndarray
        Additional excitatory and inhibitory external rates per population, Hz
        (Senk et al. 2020, App. F).
    """
    p = network.network_params
    params = _params(network, ["J", "K", "V_0_rel", "V_th_rel", "tau_m", "tau_r", "tau_s",
                               "g"], "additional_rates_for_fixed_input")
    if "j" in p:
        params["j"] = p["j"]
    elif all(k in p for k in ("w", "tau_s", "C")):
        params["j"] = float(np.ravel(np.asarray(p["tau_s"]) / np.asarray(p["C"]))[0]
                            * np.ravel(p["w"])[0])
    else:
        raise RuntimeError("additional_rates_for_fixed_input needs the excitatory weight 'j' "
                           "(V) or 'w', 'tau_s' and 'C'")
    for opt in ("J_ext", "K_ext", "nu_ext"):
        if opt in p:
            params[opt] = p[opt]
    params.update(mu_set=mu_set, sigma_set=sigma_set, method=method)
    return _cache(network, _additional_rates_for_fixed_input, params,
                  [_prefix + "nu_e_ext", _prefix + "nu_i_ext"], ["hertz", "hertz"])


def effective_coupling_strength(network: Any, contribution: str = "all") -> np.ndarray:
    """Effective coupling strength of the network (Senk et al. 2020, Eq. E1).

    See :func:`_effective_coupling_strength`.  Needs the working point
    ('lif.exp.mean_input', 'lif.exp.std_input').  Stored under
    'lif.exp.effective_coupling_strength'.

    Parameters
    ----------
    network : Network
        With the neuron parameters, ``J`` and the working point.
    contribution : {'all', 'mu', 'sigma'}
        Which part of the derivative: through the mean, the variance or both.

    Returns
    -------
    np.ndarray
        Dimensionless effective weights w[a, b] [target, source], shape (n, n).
    """
    params = _params(network, ["tau_m", "tau_s", "tau_r", "V_0_rel", "V_th_rel", "J"],
                     "effective_coupling_strength")
    params.update(get_required_results(network, ["mu", "sigma"],
                                       [_prefix + "mean_input", _prefix + "std_input"]))
    params["contribution"] = contribution
    return _cache(network, _effective_coupling_strength, params,
                  _prefix + "effective_coupling_strength")
