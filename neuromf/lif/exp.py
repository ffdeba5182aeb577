"""LIF neurons with exponentially decaying post-synaptic currents (``iaf_psc_exp``).

Stationary rates follow Fourcaud & Brunel (2002): the white-noise Siegert formula
with threshold and reset shifted by ``sigma·alpha/2·sqrt(tau_s/tau_m)``
(``method='shift'``, the equation after their Eq. 4.33) or its first-order Taylor
expansion in ``sqrt(tau_s/tau_m)`` (``method='taylor'``, their Eq. 4.33).  Both are
valid for fast synapses, ``sqrt(tau_s/tau_m) ≪ 1``.

Network-level functions take a :class:`neuromf.models.Network`, read their
parameters from it and cache the result under ``'lif.exp.<name>'``; the functions
with a leading underscore take plain SI arrays.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .. import _solvers, conventions
from ..linear_response import (  # noqa: F401  (NNMT's names in nnmt.lif.exp)
    NeuronModel,
    _cross_spectral_matrix,
    _effective_connectivity,
    _eigen_spectra,
    _match_eigenvalues_across_frequencies,
    _pairwise_covariances,
    _pairwise_effective_connectivity,
    _power_spectra,
    _propagator,
    _sensitivity_measure,
    _sensitivity_measure_all_eigenmodes,
    _spectral_bound,
    cross_spectral_matrix,
    effective_connectivity,
    eigen_spectra,
    pairwise_covariances,
    pairwise_effective_connectivity,
    power_spectra,
    propagator,
    register_neuron_model,
    sensitivity_measure,
    sensitivity_measure_all_eigenmodes,
    spectral_bound,
    unstable_modes,
)
from ..rate_mapping import (  # noqa: F401  (Senk et al. 2020 rate mapping, NNMT's names)
    _external_rates_for_fixed_input,
    _fit_transfer_function,
    effective_coupling_strength,
    external_rates_for_fixed_input,
    fit_transfer_function,
)
from ..special import _cv, _siegert
from ..utils import (
    _cache,
    check_choice,
    check_finite,
    check_positive,
    check_sigma_nonzero,
    get_optional_network_params,
    get_required_network_params,
    get_required_results,
)
from . import _general
from ._transfer import (  # noqa: F401  (parameter-level transfer functions, NNMT's names)
    _derivative_of_firing_rates_wrt_input_rate,
    _spike_train_power_spectrum_shift,
    _synaptic_filter,
    _transfer_function,
    _transfer_function_shift,
    _transfer_function_taylor,
    _transfer_function_variance_shift,
)

_prefix = "lif.exp."
RATE_METHODS = ("shift", "taylor")

__all__ = [
    "working_point",
    "firing_rates",
    "mean_input",
    "std_input",
    "_firing_rates",
    "_firing_rates_for_given_input",
    "_firing_rate_shift",
    "_firing_rate_taylor",
    "_mean_input",
    "_std_input",
    "_derivative_of_firing_rates_wrt_mean_input",
    "_derivative_of_firing_rates_wrt_input_rate",
    "transfer_function",
    "_transfer_function",
    "_transfer_function_shift",
    "_transfer_function_taylor",
    "transfer_function_variance",
    "_transfer_function_variance_shift",
    "spike_train_power_spectra",
    "_spike_train_power_spectrum_shift",
    "unstable_modes",
    "cvs",
    "_cvs",
    "effective_connectivity",
    "propagator",
    "power_spectra",
    "cross_spectral_matrix",
    "eigen_spectra",
    "sensitivity_measure",
    "sensitivity_measure_all_eigenmodes",
    "pairwise_effective_connectivity",
    "spectral_bound",
    "pairwise_covariances",
    "_match_eigenvalues_across_frequencies",
    "external_rates_for_fixed_input",
    "_external_rates_for_fixed_input",
    "fit_transfer_function",
    "_fit_transfer_function",
    "effective_coupling_strength",
]


def check_neuron_params(V_0_rel, V_th_rel, tau_m, tau_r, tau_s=None) -> None:
    """Raise ValueError (naming parameter, value, unit) for invalid LIF parameters."""
    check_positive("tau_m", tau_m, "s")
    check_positive("tau_r", tau_r, "s", allow_zero=True)
    if tau_s is not None:
        check_positive("tau_s", tau_s, "s")
    check_finite("V_0_rel", V_0_rel, "V")
    check_finite("V_th_rel", V_th_rel, "V")
    if np.any(np.asarray(V_th_rel) <= np.asarray(V_0_rel)):
        raise ValueError(f"V_th_rel must be > V_0_rel, got V_th_rel={V_th_rel} V, "
                         f"V_0_rel={V_0_rel} V")


def _check_fast_synapses(tau_m, tau_s) -> None:
    k = np.sqrt(np.asarray(tau_s) / np.asarray(tau_m))
    if np.any(k > 0.5):
        warnings.warn(f"sqrt(tau_s/tau_m) = {np.max(k):.3g} is not small: the colored-noise "
                      "rate approximations of Fourcaud & Brunel 2002 assume "
                      "sqrt(tau_s/tau_m) << 1", stacklevel=3)


# ---------------------------------------------------------------------------
# working point
# ---------------------------------------------------------------------------

def working_point(network: Any, method: str = "shift", **kwargs: Any) -> dict:
    """Firing rates, mean input and std of the input at the self-consistent state.

    Parameters
    ----------
    network : neuromf.models.Network
        Network with the parameters of :func:`_firing_rates`.
    method : {'shift', 'taylor'}
        Colored-noise approximation (Fourcaud & Brunel 2002).
    **kwargs
        Options of the fixed-point solver, e.g. ``fixpoint_method``
        ('newton' default, 'ODE', 'LSTSQ'), ``nu_0``
        (see :func:`neuromf._solvers._firing_rate_integration`).

    Returns
    -------
    dict
        ``firing_rates`` (Hz), ``mean_input`` (V), ``std_input`` (V).
    """
    with _general._held(network):
        return {"firing_rates": firing_rates(network, method, **kwargs),
                "mean_input": mean_input(network),
                "std_input": std_input(network)}


def firing_rates(network: Any, method: str = "shift", **kwargs: Any) -> np.ndarray:
    """Self-consistent stationary firing rates (Hz) of all populations.

    Solves ν = Φ(μ(ν), σ(ν)) with Φ the colored-noise rate of Fourcaud & Brunel 2002
    (Eq. 4.33 and the shifted Siegert formula after it) and μ, σ from their Eq. 3.4; see
    :func:`_firing_rates`.  The result is cached as ``'lif.exp.firing_rates'``.

    Parameters
    ----------
    network : neuromf.models.Network
        Network of LIF neurons with exponential synapses (the parameters of
        :func:`_firing_rates`: ``J``, ``K``, ``V_0_rel``, ``V_th_rel``, ``tau_m``,
        ``tau_r``, ``tau_s``, ``J_ext``, ``K_ext``, ``nu_ext``).
    method : {'shift', 'taylor'}, optional
        Colored-noise approximation: shifted threshold and reset ('shift', default) or
        its first-order Taylor expansion in √(τs/τm) ('taylor').
    **kwargs
        Options of the fixed-point solver, e.g. ``fixpoint_method`` ('newton' default,
        'ODE', 'LSTSQ'), ``nu_0`` (initial rates, Hz), ``eps_tol``
        (see :func:`neuromf._solvers._firing_rate_integration`).

    Returns
    -------
    numpy.ndarray
        Rates in Hz, shape (n_populations,).

    Raises
    ------
    ValueError
        If ``method`` or a neuron or network parameter is invalid (named in the message).
    RuntimeError
        If a parameter is missing or the fixed-point iteration does not converge (with
        the last residual).
    """
    check_choice("method", method, RATE_METHODS)
    with _general._held(network):
        params = get_required_network_params(network, _firing_rates)
        params.update(get_optional_network_params(network, _firing_rates))
        params.update(kwargs)
        params["method"] = method
        return _cache(network, _firing_rates, params, _prefix + "firing_rates", "hertz")


def _firing_rates(J, K, V_0_rel, V_th_rel, tau_m, tau_r, tau_s, J_ext, K_ext, nu_ext,
                  I_ext=None, C=None, method: str = "shift", populations=None,
                  **kwargs: Any) -> np.ndarray:
    """Self-consistent stationary rates of LIF neurons with exponential synapses.

    Solves ``nu = Phi(mu(nu), sigma(nu))`` with ``Phi`` the colored-noise rate of
    Fourcaud & Brunel 2002 (Eq. 4.33 and the shifted Siegert formula after it) and
    ``mu``, ``sigma`` from :func:`neuromf.lif._general._mean_input` /
    ``_std_input`` (their Eq. 3.4).

    Parameters
    ----------
    J : array (n, n)
        Weights (V).
    K : array (n, n)
        In-degrees.
    V_0_rel, V_th_rel : float or array (n,)
        Reset and threshold relative to reset (V).
    tau_m, tau_r : float or array (n,)
        Membrane time constant and refractory period (s).
    tau_s : float or array
        Synaptic time constant (s).
    J_ext, K_ext, nu_ext
        External weights (V), in-degrees and rates (Hz).
    I_ext : float or array (n,), optional
        External DC current (A); needs ``C`` (F).
    method : {'shift', 'taylor'}
    populations : list of str, optional
        Names used in warnings.
    **kwargs
        Solver options (``nu_0``, ``fixpoint_method``, ``eps_tol``, ...).

    Returns
    -------
    np.ndarray
        Rates (Hz).
    """
    check_choice("method", method, RATE_METHODS)
    check_neuron_params(V_0_rel, V_th_rel, tau_m, tau_r, tau_s)
    _check_network_inputs(J, K, J_ext, K_ext, nu_ext)
    _check_fast_synapses(tau_m, tau_s)
    rate_params = {"V_0_rel": V_0_rel, "V_th_rel": V_th_rel, "tau_m": tau_m,
                   "tau_r": tau_r, "tau_s": tau_s}
    input_dict = _general._input_dict(J, K, tau_m, J_ext, K_ext, nu_ext, I_ext, C)
    if method == "shift":
        return _solvers._firing_rate_integration(_firing_rate_shift, rate_params, input_dict,
                                                 **kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NegativeRateWarning)
        nu = _solvers._firing_rate_integration(_firing_rate_taylor, rate_params, input_dict,
                                               **kwargs)
    # evaluate once more to warn about populations where the fallback was used
    mu = _general._mean_input(nu, J, K, tau_m, J_ext, K_ext, nu_ext, I_ext, C)
    sigma = _general._std_input(nu, J, K, tau_m, J_ext, K_ext, nu_ext)
    _firing_rate_taylor(mu, sigma, V_0_rel, V_th_rel, tau_m, tau_r, tau_s, populations)
    return nu


def _check_network_inputs(J, K, J_ext, K_ext, nu_ext) -> None:
    J, K = np.asarray(J), np.asarray(K)
    if J.shape != K.shape and J.ndim == 2:
        raise ValueError(f"J has shape {J.shape} but K has shape {K.shape}; they must match")
    if K.ndim != 2 or K.shape[0] != K.shape[1]:
        raise ValueError(f"K must be a square (n, n) in-degree matrix, got shape {K.shape}")
    check_positive("K", K, "", allow_zero=True)
    check_finite("J", J, "V")
    check_positive("K_ext", K_ext, "", allow_zero=True)
    check_finite("J_ext", J_ext, "V")
    check_positive("nu_ext", nu_ext, "Hz", allow_zero=True)


def _firing_rates_for_given_input(mu, sigma, V_0_rel, V_th_rel, tau_m, tau_r, tau_s,
                                  method: str = "shift") -> np.ndarray:
    """Stationary rate (Hz) for given input mean ``mu`` and std ``sigma`` (V).

    ``method`` 'shift' or 'taylor' (Fourcaud & Brunel 2002); see
    :func:`_firing_rate_shift` and :func:`_firing_rate_taylor`.
    """
    check_choice("method", method, RATE_METHODS)
    if method == "shift":
        return _firing_rate_shift(mu, sigma, V_0_rel, V_th_rel, tau_m, tau_r, tau_s)
    return _firing_rate_taylor(mu, sigma, V_0_rel, V_th_rel, tau_m, tau_r, tau_s)


def _firing_rate_shift(mu, sigma, V_0_rel, V_th_rel, tau_m, tau_r, tau_s) -> np.ndarray:
    """Colored-noise rate by shifted boundaries (Fourcaud & Brunel 2002, after Eq. 4.33).

    The white-noise Siegert formula with threshold and reset both raised by
    ``sigma · alpha/2 · sqrt(tau_s/tau_m)``, ``alpha = sqrt(2)·|zeta(1/2)|``.
    Accurate (1e-10 relative) and finite for all inputs; see
    :func:`neuromf.special._siegert.shift_firing_rate`.
    """
    return _siegert.shift_firing_rate(mu, sigma, V_0_rel, V_th_rel, tau_m, tau_r, tau_s)


# the rate and its derivatives in one pass: analytic Newton steps in _solvers
_solvers.register_rate_derivatives(_firing_rate_shift, _siegert._shift_rate_and_derivatives)


class NegativeRateWarning(UserWarning):
    """The first-order Taylor rate of Fourcaud & Brunel 2002 came out negative."""


def _firing_rate_taylor(mu, sigma, V_0_rel, V_th_rel, tau_m, tau_r, tau_s,
                        populations=None) -> np.ndarray:
    """Colored-noise rate, first order in sqrt(tau_s/tau_m) (Fourcaud & Brunel 2002, Eq. 4.33).

    The expansion can become negative (strong input, large ``tau_s/tau_m``).  Such
    entries are replaced by the 'shift' rate (:func:`_firing_rate_shift`), the
    resummed form of the same expansion, and a :class:`NegativeRateWarning` names the
    populations concerned.  A negative rate is never returned -- except under
    ``neuromf.use_convention("nnmt")`` (flag ``taylor_fallback``), where, as in NNMT 1.3,
    the negative expansion is returned (with the warning).
    """
    nu = _siegert.taylor_firing_rate(mu, sigma, V_0_rel, V_th_rel, tau_m, tau_r, tau_s)
    negative = np.asarray(nu) < 0
    if np.any(negative) and not conventions.flag("taylor_fallback"):
        warnings.warn("taylor firing rate negative (Fourcaud & Brunel 2002 expansion out of "
                      "its range); returned as is under the NNMT convention",
                      NegativeRateWarning, stacklevel=2)
    elif np.any(negative):
        shift = _firing_rate_shift(mu, sigma, V_0_rel, V_th_rel, tau_m, tau_r, tau_s)
        nu = np.where(negative, shift, nu)
        index = np.flatnonzero(negative) if np.ndim(negative) == 1 else np.argwhere(negative)
        if populations is not None and np.ndim(negative) == 1:
            names = [str(populations[i]) for i in index]
        else:
            names = [str(i) for i in (index.tolist() if hasattr(index, "tolist") else index)]
        warnings.warn(f"taylor firing rate negative for population(s) {', '.join(names)}; "
                      "using the 'shift' rate there (Fourcaud & Brunel 2002 expansion out of "
                      "its range: use method='shift')", NegativeRateWarning, stacklevel=2)
        if np.ndim(nu) == 0:
            nu = float(nu)
    return nu


# ---------------------------------------------------------------------------
# input statistics
# ---------------------------------------------------------------------------

def mean_input(network: Any) -> np.ndarray:
    """Mean input μ (V) at the computed firing rates; cached as ``'lif.exp.mean_input'``.

    μ = τm Σ_b K_ab J_ab ν_b + τm K_ext J_ext ν_ext (+ I_ext τm / C); Fourcaud & Brunel
    2002, Eq. 3.4 (see :func:`neuromf.lif._general._mean_input`).

    Parameters
    ----------
    network : neuromf.models.Network
        Network with the firing rates computed (:func:`firing_rates`).

    Returns
    -------
    numpy.ndarray
        Mean input in V (membrane potential relative to rest), shape (n_populations,).

    Raises
    ------
    RuntimeError
        If the firing rates or a needed parameter are missing from ``network``.
    """
    return _general._input_calc(network, _prefix, _mean_input, "mean_input", "volt",
                                signature=_general._mean_input)


def std_input(network: Any) -> np.ndarray:
    """Std σ of the input (V) at the computed firing rates; ``'lif.exp.std_input'``.

    σ² = τm Σ_b K_ab J_ab² ν_b + τm K_ext J_ext² ν_ext; Fourcaud & Brunel 2002, Eq. 3.4
    (see :func:`neuromf.lif._general._std_input`).

    Parameters
    ----------
    network : neuromf.models.Network
        Network with the firing rates computed (:func:`firing_rates`).

    Returns
    -------
    numpy.ndarray
        Standard deviation of the input in V, shape (n_populations,).

    Raises
    ------
    RuntimeError
        If the firing rates or a needed parameter are missing from ``network``.
    """
    return _general._input_calc(network, _prefix, _std_input, "std_input", "volt",
                                signature=_general._std_input)


def _mean_input(*args: Any, **kwargs: Any) -> np.ndarray:
    """Mean input (V); Fourcaud & Brunel 2002, Eq. 3.4.

    NNMT 1.3's signature (``*args, **kwargs``), forwarded to
    :func:`neuromf.lif._general._mean_input` (``nu, J, K, tau_m, J_ext, K_ext, nu_ext,
    I_ext=None, C=None``), which documents the arguments.
    """
    return _general._mean_input(*args, **kwargs)


def _std_input(*args: Any, **kwargs: Any) -> np.ndarray:
    """Std of the input (V); Fourcaud & Brunel 2002, Eq. 3.4.

    NNMT 1.3's signature, forwarded to :func:`neuromf.lif._general._std_input`.
    """
    return _general._std_input(*args, **kwargs)


# ---------------------------------------------------------------------------
# derivatives
# ---------------------------------------------------------------------------

def _derivative_of_firing_rates_wrt_mean_input(mu, sigma, V_0_rel, V_th_rel, tau_m, tau_r,
                                               tau_s, method: str = "taylor") -> np.ndarray:
    """d nu / d mu (Hz/V) of the colored-noise rate.

    ``method='taylor'`` (default, NNMT's quantity): exact derivative of the Taylor
    rate (Schuecker et al. 2014, App. B; Fourcaud & Brunel 2002, Eq. 4.33).
    ``method='shift'``: derivative of the shifted Siegert rate at fixed shift, which
    is the zero-frequency limit of the 'shift' transfer function (Schuecker et al. 2015).
    """
    check_choice("method", method, RATE_METHODS)
    check_sigma_nonzero(sigma)
    if method == "shift":
        return _siegert.d_shift_firing_rate_d_mu(mu, sigma, V_0_rel, V_th_rel, tau_m, tau_r,
                                                 tau_s)
    return _siegert.d_taylor_firing_rate_d_mu(mu, sigma, V_0_rel, V_th_rel, tau_m, tau_r, tau_s)


# ---------------------------------------------------------------------------
# linear response (parameter-level functions live in neuromf.lif._transfer and
# neuromf.linear_response; the network-level versions for exp synapses are here)
# ---------------------------------------------------------------------------

def transfer_function(network: Any, freqs=None, method: str = "shift",
                      synaptic_filter: bool = True, *, refractory_phase: bool | None = None
                      ) -> np.ndarray:
    """Rate response to modulated mean input, per population (Hz/V).

    Needs the working point (:func:`working_point`) first.  ``freqs`` (Hz) default to
    the network's analysis frequencies.  Result shape (n_freqs, n_populations),
    cached as ``'lif.exp.transfer_function'``.  See
    :func:`neuromf.lif._transfer._transfer_function` (Schuecker et al. 2015).

    ``refractory_phase=True`` re-injects the reset flux ``tau_r`` after the spike
    (factor ``exp(−iω tau_r)``), so that the ω → 0 limit equals dν/dμ.  NNMT 1.3 omits
    the factor; ``refractory_phase=False`` reproduces its numbers.

    Parameters
    ----------
    network : neuromf.models.Network
        Network of LIF neurons with exponential synapses, with the working point computed
        (:func:`working_point`).
    freqs : array_like or pint.Quantity, optional
        Frequencies (Hz); default the network's analysis frequencies.
    method : {'shift', 'taylor'}, optional
        Colored-noise approximation (Schuecker et al. 2015, Eqs. 30 and 29); default
        'shift'.
    synaptic_filter : bool, optional
        Multiply by the synaptic low pass 1/(1 + iω tau_s) (the response to a
        modulated input current; NNMT's default True).
    refractory_phase : bool, optional
        Include the factor ``exp(-iω tau_r)`` of the delayed reset (then the ω → 0 limit
        equals dν/dμ); None follows the convention (``neuromf``: True, ``nnmt``: False).

    Returns
    -------
    numpy.ndarray
        Complex, shape (n_freqs, n_populations), Hz/V.

    Raises
    ------
    RuntimeError
        If a needed parameter or result is missing from ``network``, or no ``freqs``
        are given and the network has no analysis frequencies.
    ValueError
        If ``method`` is unknown or ``freqs`` are not finite frequencies.
    """
    check_choice("method", method, RATE_METHODS)
    func = _transfer_function_shift if method == "shift" else _transfer_function_taylor
    return _general._frequency_calc(network, _prefix, func, "transfer_function",
                                    "hertz / volt", freqs, synaptic_filter=synaptic_filter,
                                    refractory_phase=_general._refractory_phase(refractory_phase))


def transfer_function_variance(network: Any, freqs=None, synaptic_filter: bool = True, *,
                               refractory_phase: bool | None = None) -> np.ndarray:
    """Rate response to modulated input *variance* σ², per population (Hz/V²).

    The second input channel of the network linear response (Brunel & Hakim 1999), used by
    :func:`effective_connectivity` with ``variance_channel=True``.  'shift' method only.
    Needs the working point; ``freqs`` (Hz) default to the analysis frequencies.  Cached as
    ``'lif.exp.transfer_function_variance'``; see
    :func:`neuromf.lif._transfer._transfer_function_variance_shift` (Lindner &
    Schimansky-Geier 2001, Eq. 6, at the shifted bounds of Fourcaud & Brunel 2002).

    Parameters
    ----------
    network : neuromf.models.Network
        Network of LIF neurons with exponential synapses, with the working point computed
        (:func:`working_point`).
    freqs : array_like or pint.Quantity, optional
        Frequencies (Hz); default the network's analysis frequencies.
    synaptic_filter : bool, optional
        Multiply by the synaptic low pass 1/(1 + iω tau_s) (the response to a
        modulated input current; NNMT's default True).
    refractory_phase : bool, optional
        Include the factor ``exp(-iω tau_r)`` of the delayed reset (then the ω → 0 limit
        equals dν/dμ); None follows the convention (``neuromf``: True, ``nnmt``: False).

    Returns
    -------
    numpy.ndarray
        Complex, shape (n_freqs, n_populations), Hz/V².

    Raises
    ------
    RuntimeError
        If a needed parameter or result is missing from ``network``, or no ``freqs``
        are given and the network has no analysis frequencies.
    ValueError
        If ``freqs`` are not finite frequencies.
    """
    return _general._frequency_calc(network, _prefix, _transfer_function_variance_shift,
                                    "transfer_function_variance", "hertz / volt ** 2", freqs,
                                    synaptic_filter=synaptic_filter,
                                    refractory_phase=_general._refractory_phase(refractory_phase))


def spike_train_power_spectra(network: Any, freqs=None) -> np.ndarray:
    """Power spectra of the neurons' unperturbed spike trains, per population (Hz).

    The renewal-process spectrum of the LIF neuron ('shift' approximation; Lindner et al.
    2002), used by :func:`power_spectra` / :func:`cross_spectral_matrix` with
    ``renewal=True`` in place of the Poisson value ν.  Needs the working point; ``freqs``
    (Hz) default to the analysis frequencies.  Cached as
    ``'lif.exp.spike_train_power_spectra'``; see
    :func:`neuromf.lif._transfer._spike_train_power_spectrum_shift`.

    Parameters
    ----------
    network : neuromf.models.Network
        Network of LIF neurons with exponential synapses, with the working point computed
        (:func:`working_point`).
    freqs : array_like or pint.Quantity, optional
        Frequencies (Hz); default the network's analysis frequencies.

    Returns
    -------
    numpy.ndarray
        Real, shape (n_freqs, n_populations), Hz (tends to ν at high frequencies).

    Raises
    ------
    RuntimeError
        If a needed parameter or result is missing from ``network``, or no ``freqs``
        are given and the network has no analysis frequencies.
    ValueError
        If ``freqs`` are not finite frequencies.
    """
    return _general._frequency_calc(network, _prefix, _spike_train_power_spectrum_shift,
                                    "spike_train_power_spectra", "hertz", freqs)


def cvs(network: Any) -> np.ndarray:
    """Coefficient of variation of the inter-spike intervals per population.

    Brunel 2000, App. A.1, with threshold and reset shifted as for the 'shift' rate
    (Fourcaud & Brunel 2002).  Needs the working point; cached as ``'lif.exp.cvs'``.
    See :func:`_cvs`.

    Parameters
    ----------
    network : neuromf.models.Network
        Network of LIF neurons with exponential synapses, with the working point computed
        (:func:`working_point`).

    Returns
    -------
    numpy.ndarray
        Dimensionless CV, shape (n_populations,).

    Raises
    ------
    RuntimeError
        If the working point or a needed parameter is missing from ``network``.
    """
    params = get_required_network_params(network, _cvs, exclude=["nu", "mu", "sigma"])
    params.update(get_required_results(
        network, ["nu", "mu", "sigma"],
        [_prefix + "firing_rates", _prefix + "mean_input", _prefix + "std_input"]))
    return _cache(network, _cvs, params, _prefix + "cvs", "dimensionless")


def _cvs(nu, mu, sigma, V_0_rel, V_th_rel, tau_m, tau_s) -> np.ndarray:
    """ISI coefficient of variation with colored noise (Brunel 2000, App. A.1, with the
    boundaries shifted as for the 'shift' rate, Fourcaud & Brunel 2002).

    ``CV = nu · tau_m · sqrt(2π ∫∫ ...)``: the double integral of Brunel 2000,
    App. A.1, at shifted threshold and reset, times the given rate ``nu`` (NNMT's
    convention: the rate includes the refractory period, the integral does not).
    """
    shift = _siegert.ALPHA_SHIFT / 2 * np.sqrt(np.asarray(tau_s) / np.asarray(tau_m))
    V_0 = np.asarray(V_0_rel) + np.asarray(sigma) * shift
    V_th = np.asarray(V_th_rel) + np.asarray(sigma) * shift
    # CV/rate at tau_r = 0 in log form: the rate underflows far below threshold. A rate
    # nu that underflowed to 0 there has nu/rate(tau_r = 0) = 1 - nu tau_r -> 1.
    log_rate = _siegert.log_delta_firing_rate(mu, sigma, V_0, V_th, tau_m, 0.0)
    nu = np.asarray(nu, dtype=float)
    with np.errstate(divide="ignore", over="ignore"):
        ratio = np.exp(np.log(nu) - log_rate)
    ratio = np.where((nu == 0) & (log_rate < np.log(np.finfo(float).tiny)), 1.0, ratio)
    cv = _cv.delta_cv(mu, sigma, V_0, V_th, tau_m, 0.0) * ratio
    return cv if np.ndim(cv) else float(cv)


#: This model's interface to the network linear response (:mod:`neuromf.linear_response`).
MODEL = register_neuron_model(NeuronModel(
    prefix=_prefix, transfer_function=transfer_function,
    transfer_function_variance=transfer_function_variance,
    spike_train_power_spectra=spike_train_power_spectra,
    shared_options=("synaptic_filter", "refractory_phase")))
