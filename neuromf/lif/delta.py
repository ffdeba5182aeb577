"""LIF neurons with δ-shaped post-synaptic currents (``iaf_psc_delta``).

Stationary rates by the Siegert formula (Siegert 1951; Amit & Tsodyks 1991;
Brunel 2000, Eq. 21) for white-noise input.  ``J`` is the PSP jump (V).

Network-level functions cache their results under ``'lif.delta.<name>'``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _solvers
from .. import linear_response as _linear_response
from ..linear_response import NeuronModel, register_neuron_model
from ..special import _cv, _siegert
from ..utils import (
    _cache,
    check_sigma_nonzero,
    get_optional_network_params,
    get_required_network_params,
    get_required_results,
)
from . import _general
from ._transfer import (
    _spike_train_power_spectrum_delta,
    _transfer_function_delta,
    _transfer_function_variance_delta,
)
from .exp import _check_network_inputs, check_neuron_params

_prefix = "lif.delta."

__all__ = [
    "working_point",
    "firing_rates",
    "mean_input",
    "std_input",
    "_firing_rates",
    "_firing_rates_for_given_input",
    "_mean_input",
    "_std_input",
    "_derivative_of_firing_rates_wrt_mean_input",
    "cvs",
    "transfer_function",
    "transfer_function_variance",
    "spike_train_power_spectra",
    "effective_connectivity",
    "unstable_modes",
    "propagator",
    "cross_spectral_matrix",
    "power_spectra",
    "eigen_spectra",
    "sensitivity_measure",
]


def working_point(network: Any, **kwargs: Any) -> dict:
    """Firing rates (Hz), mean input (V) and std input (V) at the self-consistent state.

    Siegert rates (Brunel 2000, Eq. 21) with the input of Fourcaud & Brunel 2002, Eq. 3.4.

    Parameters
    ----------
    network : neuromf.models.Network
        A network of δ-synapse LIF neurons (``J`` the PSP jump in V).
    **kwargs
        Options of the fixed-point solver, e.g. ``fixpoint_method`` ('newton' default,
        'ODE', 'LSTSQ'), ``nu_0`` (see :func:`neuromf._solvers._firing_rate_integration`).

    Returns
    -------
    dict
        ``firing_rates`` (Hz), ``mean_input`` (V), ``std_input`` (V), one value per
        population.

    Raises
    ------
    ValueError
        If a neuron or network parameter is invalid (named in the message).
    RuntimeError
        If a parameter is missing or the fixed-point iteration does not converge (with
        the last residual).
    """
    return {"firing_rates": firing_rates(network, **kwargs),
            "mean_input": mean_input(network),
            "std_input": std_input(network)}


def firing_rates(network: Any, **kwargs: Any) -> np.ndarray:
    """Self-consistent stationary rates (Hz); cached as ``'lif.delta.firing_rates'``.

    Solves ``nu = Phi(mu(nu), sigma(nu))`` with the Siegert rate ``Phi`` (Brunel 2000,
    Eqs. 21-22; Amit & Tsodyks 1991) and the input of Fourcaud & Brunel 2002, Eq. 3.4.

    Parameters
    ----------
    network : neuromf.models.Network
        A network of δ-synapse LIF neurons (``J`` the PSP jump in V).
    **kwargs
        Solver options (``nu_0``, ``fixpoint_method``, ...), see
        :func:`neuromf._solvers._firing_rate_integration`.

    Returns
    -------
    numpy.ndarray
        Firing rate per population (Hz).

    Raises
    ------
    ValueError
        If a neuron or network parameter is invalid (named in the message).
    RuntimeError
        If a parameter is missing or the fixed-point iteration does not converge (with
        the last residual).
    """
    params = get_required_network_params(network, _firing_rates)
    params.update(get_optional_network_params(network, _firing_rates))
    params.update(kwargs)
    return _cache(network, _firing_rates, params, _prefix + "firing_rates", "hertz")


def _firing_rates(J, K, V_0_rel, V_th_rel, tau_m, tau_r, J_ext, K_ext, nu_ext,
                  I_ext=None, C=None, **kwargs: Any) -> np.ndarray:
    """Self-consistent rates of LIF neurons with δ synapses (Brunel 2000, Eqs. 21–22).

    Parameters as in :func:`neuromf.lif.exp._firing_rates`, without ``tau_s``;
    ``J`` and ``J_ext`` are PSP jumps (V).
    """
    check_neuron_params(V_0_rel, V_th_rel, tau_m, tau_r)
    _check_network_inputs(J, K, J_ext, K_ext, nu_ext)
    input_dict = _general._input_dict(J, K, tau_m, J_ext, K_ext, nu_ext, I_ext, C)
    rate_params = {"V_0_rel": V_0_rel, "V_th_rel": V_th_rel, "tau_m": tau_m, "tau_r": tau_r}
    return _solvers._firing_rate_integration(_firing_rates_for_given_input, rate_params,
                                             input_dict, **kwargs)


def _firing_rates_for_given_input(mu, sigma, V_0_rel, V_th_rel, tau_m, tau_r) -> np.ndarray:
    """Siegert rate (Hz) for white-noise input of mean ``mu`` and std ``sigma`` (V).

    ``1/nu = tau_r + tau_m sqrt(pi) ∫_{y_r}^{y_th} exp(u²)(1 + erf u) du`` with
    ``y = (V − mu)/sigma`` (Brunel 2000, Eq. 21); accurate to 1e-10 relative and
    finite for |y| up to 1e4 (see :func:`neuromf.special._siegert.delta_firing_rate`).
    """
    return _siegert.delta_firing_rate(mu, sigma, V_0_rel, V_th_rel, tau_m, tau_r)


def mean_input(network: Any) -> np.ndarray:
    """Mean input (V) at the computed rates; cached as ``'lif.delta.mean_input'``.

    ``mu_a = tau_m,a (sum_b K_ab J_ab nu_b + sum_x K_ext,ax J_ext,ax nu_ext,x)`` plus
    ``tau_m I_ext / C`` (Brunel 2000, Eq. 4; Fourcaud & Brunel 2002, Eq. 3.4).

    Parameters
    ----------
    network : neuromf.models.Network
        A network of δ-synapse LIF neurons (``J`` the PSP jump in V) and its firing rates
        computed (:func:`firing_rates`).

    Returns
    -------
    numpy.ndarray
        Mean input per population (V, relative to rest).

    Raises
    ------
    RuntimeError
        If a needed parameter or result is missing from ``network``.
    """
    return _general._input_calc(network, _prefix, _mean_input, "mean_input", "volt",
                                signature=_general._mean_input)


def std_input(network: Any) -> np.ndarray:
    """Std of the input (V) at the computed rates; ``'lif.delta.std_input'``.

    ``sigma_a² = tau_m,a (sum_b K_ab J_ab² nu_b + sum_x K_ext,ax J_ext,ax² nu_ext,x)``
    (Brunel 2000, Eq. 5; Fourcaud & Brunel 2002, Eq. 3.4).

    Parameters
    ----------
    network : neuromf.models.Network
        A network of δ-synapse LIF neurons (``J`` the PSP jump in V) and its firing rates
        computed (:func:`firing_rates`).

    Returns
    -------
    numpy.ndarray
        Standard deviation of the input per population (V).

    Raises
    ------
    RuntimeError
        If a needed parameter or result is missing from ``network``.
    """
    return _general._input_calc(network, _prefix, _std_input, "std_input", "volt",
                                signature=_general._std_input)


def _mean_input(*args: Any, **kwargs: Any) -> np.ndarray:
    """Mean input (V); Brunel 2000, Eq. 4 / Fourcaud & Brunel 2002, Eq. 3.4.

    NNMT 1.3's signature, forwarded to :func:`neuromf.lif._general._mean_input`.
    """
    return _general._mean_input(*args, **kwargs)


def _std_input(*args: Any, **kwargs: Any) -> np.ndarray:
    """Std of the input (V); Brunel 2000, Eq. 5 / Fourcaud & Brunel 2002, Eq. 3.4.

    NNMT 1.3's signature, forwarded to :func:`neuromf.lif._general._std_input`.
    """
    return _general._std_input(*args, **kwargs)


def _derivative_of_firing_rates_wrt_mean_input(mu, sigma, V_0_rel, V_th_rel, tau_m,
                                               tau_r) -> np.ndarray:
    """d nu / d mu (Hz/V) of the Siegert rate: the ω → 0 limit of the δ-synapse
    transfer function (Brunel & Hakim 1999; Lindner & Schimansky-Geier 2001).

    Raises :class:`neuromf.utils.ZeroSigmaError` (a ValueError and ZeroDivisionError)
    for sigma = 0."""
    check_sigma_nonzero(sigma)
    return _siegert.d_delta_firing_rate_d_mu(mu, sigma, V_0_rel, V_th_rel, tau_m, tau_r)


def cvs(network: Any) -> np.ndarray:
    """ISI coefficient of variation per population (Brunel 2000, App. A.1).

    Cached as ``'lif.delta.cvs'``; see :func:`neuromf.special._cv.delta_cv`.

    Parameters
    ----------
    network : neuromf.models.Network
        A network of δ-synapse LIF neurons (``J`` the PSP jump in V) with the working point
        computed (:func:`working_point`).

    Returns
    -------
    numpy.ndarray
        Dimensionless CV of the inter-spike intervals, per population.

    Raises
    ------
    RuntimeError
        If a needed parameter or result is missing from ``network``.
    """
    params = get_required_network_params(network, _cvs, exclude=["mu", "sigma"])
    params.update(get_required_results(network, ["mu", "sigma"],
                                       [_prefix + "mean_input", _prefix + "std_input"]))
    return _cache(network, _cvs, params, _prefix + "cvs", "dimensionless")


def _cvs(mu, sigma, V_0_rel, V_th_rel, tau_m, tau_r) -> np.ndarray:
    """ISI coefficient of variation of the LIF neuron with white noise
    (Brunel 2000, App. A.1); see :func:`neuromf.special._cv.delta_cv`."""
    return _cv.delta_cv(mu, sigma, V_0_rel, V_th_rel, tau_m, tau_r)


def transfer_function(network: Any, freqs=None, *,
                      refractory_phase: bool | None = None) -> np.ndarray:
    """Rate response of δ-synapse LIF neurons to modulated mean input (Hz/V).

    Brunel & Hakim 1999; Lindner & Schimansky-Geier 2001; see
    :func:`neuromf.lif._transfer._transfer_function_delta`.  Cached as
    ``'lif.delta.transfer_function'``.  NNMT has no δ-synapse transfer function.

    Parameters
    ----------
    network : neuromf.models.Network
        A network of δ-synapse LIF neurons (``J`` the PSP jump in V) with the working point
        computed (:func:`working_point`).
    freqs : array_like or pint.Quantity, optional
        Frequencies (Hz); default the network's analysis frequencies.
    refractory_phase : bool, optional
        Include the factor ``exp(-iω tau_r)`` of the delayed reset (then the ω → 0 limit
        equals dν/dμ); None follows the convention (``neuromf``: True, ``nnmt``: False).

    Returns
    -------
    numpy.ndarray
        Complex, shape (n_freqs, n_populations), Hz/V; at 0 Hz dν/dμ of the Siegert rate.

    Raises
    ------
    RuntimeError
        If a needed parameter or result is missing from ``network``, or no ``freqs``
        are given and the network has no analysis frequencies.
    """
    return _general._frequency_calc(network, _prefix, _transfer_function,
                                    "transfer_function", "hertz / volt", freqs,
                                    refractory_phase=_general._refractory_phase(refractory_phase))


def transfer_function_variance(network: Any, freqs=None, *,
                               refractory_phase: bool | None = None) -> np.ndarray:
    """Rate response of δ-synapse LIF neurons to modulated input variance σ² (Hz/V²).

    Lindner & Schimansky-Geier 2001, Eq. 6; the variance channel of Brunel & Hakim 1999
    (used by :func:`effective_connectivity` with ``variance_channel=True``).  Cached as
    ``'lif.delta.transfer_function_variance'``; see
    :func:`neuromf.lif._transfer._transfer_function_variance_delta`.

    Parameters
    ----------
    network : neuromf.models.Network
        A network of δ-synapse LIF neurons (``J`` the PSP jump in V) with the working point
        computed (:func:`working_point`).
    freqs : array_like or pint.Quantity, optional
        Frequencies (Hz); default the network's analysis frequencies.
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
    """
    return _general._frequency_calc(network, _prefix, _transfer_function_variance_delta,
                                    "transfer_function_variance", "hertz / volt ** 2", freqs,
                                    refractory_phase=_general._refractory_phase(refractory_phase))


def spike_train_power_spectra(network: Any, freqs=None) -> np.ndarray:
    """Power spectra of the neurons' unperturbed spike trains (Hz), per population.

    The renewal spectrum of Lindner, Schimansky-Geier & Longtin 2002; used by
    :func:`power_spectra` / :func:`cross_spectral_matrix` with ``renewal=True``.
    Cached as ``'lif.delta.spike_train_power_spectra'``; see
    :func:`neuromf.lif._transfer._spike_train_power_spectrum_delta`.

    Parameters
    ----------
    network : neuromf.models.Network
        A network of δ-synapse LIF neurons (``J`` the PSP jump in V) with the working point
        computed (:func:`working_point`).
    freqs : array_like or pint.Quantity, optional
        Frequencies (Hz); default the network's analysis frequencies.

    Returns
    -------
    numpy.ndarray
        Real, shape (n_freqs, n_populations), Hz; ``nu CV²`` at 0 Hz, ``nu`` at high
        frequencies.

    Raises
    ------
    RuntimeError
        If a needed parameter or result is missing from ``network``, or no ``freqs``
        are given and the network has no analysis frequencies.
    """
    return _general._frequency_calc(network, _prefix, _spike_train_power_spectrum_delta,
                                    "spike_train_power_spectra", "hertz", freqs)


def _transfer_function(mu, sigma, tau_m, tau_r, V_th_rel, V_0_rel, omegas, *,
                       refractory_phase: bool | None = None) -> np.ndarray:
    """δ-synapse transfer function (Hz/V), shape (len(omegas), n_pop); see
    :func:`neuromf.lif._transfer._transfer_function_delta`."""
    return _transfer_function_delta(mu, sigma, tau_m, tau_r, V_th_rel, V_0_rel, omegas,
                                    refractory_phase=refractory_phase)


# ---------------------------------------------------------------------------
# network linear response with the δ-synapse transfer function (Bos et al. 2016,
# Eqs. 12-18, with H from Brunel & Hakim 1999); results under 'lif.delta.<name>'
# ---------------------------------------------------------------------------

def effective_connectivity(network: Any, *, variance_channel: bool = False) -> np.ndarray:
    """Effective connectivity with the δ-synapse transfer function(s).

    ``M_ab(ω) = tau_m,a K_ab J_ab H_a(ω) D_ab(ω)`` (Bos et al. 2016, Eq. 12 ff.); see
    :func:`neuromf.linear_response.effective_connectivity`.
    Network-level wrapper with ``prefix='lif.delta.'``; cached as
    ``'lif.delta.effective_connectivity'``.

    Parameters
    ----------
    network : neuromf.models.Network
        A network of δ-synapse LIF neurons (``J`` the PSP jump in V) with
        ``'lif.delta.transfer_function'`` and the delay distribution matrix
        (:func:`neuromf.network_properties.delay_dist_matrix`) at the same frequencies.
    variance_channel : bool
        Add the response to the modulated input variance (Brunel & Hakim 1999); then
        also needs :func:`transfer_function_variance`.

    Returns
    -------
    numpy.ndarray
        ``M``, dimensionless, complex, shape (n_freqs, n, n) [target, source].

    Raises
    ------
    RuntimeError
        If a needed parameter or result is missing from ``network``.
    """
    return _linear_response.effective_connectivity(network, prefix=_prefix,
                                                   variance_channel=variance_channel)


def unstable_modes(network: Any, *, f_max: float | None = None,
                   variance_channel: bool = False, **transfer_function_kwargs: Any) -> dict:
    """Number of linearly unstable modes of the working point (Nyquist criterion).

    Counts the zeros of det(1 - M) in the right half-plane on a frequency grid of its own;
    a count above 0 means the asynchronous state is unstable (Brunel & Hakim 1999; Brunel
    2000).  See :func:`neuromf.linear_response.unstable_modes`; cached results are kept.

    Parameters
    ----------
    network : neuromf.models.Network
        A network of δ-synapse LIF neurons (``J`` the PSP jump in V) with the working point
        computed (:func:`working_point`).
    f_max : float, optional
        Highest frequency (Hz) of the grid; default chosen by
        :func:`neuromf.linear_response.unstable_modes`.
    variance_channel : bool
        Include the response to the input variance (:func:`effective_connectivity`).
    **transfer_function_kwargs
        Passed to :func:`transfer_function` (e.g. ``refractory_phase``).

    Returns
    -------
    dict
        ``count`` (number of unstable modes), ``closed``, ``spectral_radius_at_f_max``,
        ``max_phase_step``, ``f_max`` and ``df`` (Hz), ``n_frequencies``.

    Raises
    ------
    RuntimeError
        If the spectral radius of ``M`` is still >= 1 at the highest frequency (the
        count cannot be closed), or a needed parameter or result is missing.
    ValueError
        If ``f_max`` is not a positive frequency.
    """
    return _linear_response.unstable_modes(network, prefix=_prefix, f_max=f_max,
                                           variance_channel=variance_channel,
                                           **transfer_function_kwargs)


def propagator(network: Any) -> np.ndarray:
    """Propagator (1 − M)^-1 M (Bos et al. 2016, Eq. 16).

    See :func:`neuromf.linear_response.propagator`.
    Network-level wrapper with ``prefix='lif.delta.'``; cached as
    ``'lif.delta.propagator'``.

    Parameters
    ----------
    network : neuromf.models.Network
        A network of δ-synapse LIF neurons (``J`` the PSP jump in V) and its
        :func:`effective_connectivity` computed.

    Returns
    -------
    numpy.ndarray
        Dimensionless, complex, shape (n_freqs, n, n).

    Raises
    ------
    RuntimeError
        If a needed parameter or result is missing from ``network``.
    ValueError
        If 1 - M is singular at some frequency.
    """
    return _linear_response.propagator(network, prefix=_prefix)


def cross_spectral_matrix(network: Any, *, renewal: bool = False) -> np.ndarray:
    """Cross-spectral matrix of the population rates (Bos et al. 2016, Eq. 18).

    See :func:`neuromf.linear_response.cross_spectral_matrix`.
    Network-level wrapper with ``prefix='lif.delta.'``; cached as
    ``'lif.delta.cross_spectral_matrix'``.

    Parameters
    ----------
    network : neuromf.models.Network
        A network of δ-synapse LIF neurons (``J`` the PSP jump in V) with the firing rates
        and :func:`effective_connectivity` computed.
    renewal : bool
        Use the neurons' spike-train spectra (:func:`spike_train_power_spectra`, at the
        same frequencies) instead of Poisson noise (Lindner et al. 2005, Eq. 8).

    Returns
    -------
    numpy.ndarray
        Hermitian matrices in Hz, shape (n_freqs, n, n).

    Raises
    ------
    RuntimeError
        If a needed parameter or result is missing from ``network``.
    ValueError
        If 1 - M is singular at some frequency.
    """
    return _linear_response.cross_spectral_matrix(network, prefix=_prefix, renewal=renewal)


def power_spectra(network: Any, *, renewal: bool = False) -> np.ndarray:
    """Rate power spectra (Bos et al. 2016, Eq. 18) of a δ-synapse network.

    See :func:`neuromf.linear_response.power_spectra`.
    Network-level wrapper with ``prefix='lif.delta.'``; cached as
    ``'lif.delta.power_spectra'``.

    Parameters
    ----------
    network : neuromf.models.Network
        A network of δ-synapse LIF neurons (``J`` the PSP jump in V) with the firing rates
        and :func:`effective_connectivity` computed.
    renewal : bool
        Use the neurons' spike-train spectra (:func:`spike_train_power_spectra`, at the
        same frequencies) instead of Poisson noise (Lindner et al. 2005, Eq. 8).

    Returns
    -------
    numpy.ndarray
        Power spectra of the population rates in Hz, shape (n_freqs, n).

    Raises
    ------
    RuntimeError
        If a needed parameter or result is missing from ``network``.
    ValueError
        If 1 - M is singular at some frequency.
    """
    return _linear_response.power_spectra(network, prefix=_prefix, renewal=renewal)


def eigen_spectra(network: Any, quantity: str = "MH", return_vectors: bool = False):
    """Eigenvalues (and vectors) of M, P, P^-1 or (1 − M)^-1 (Bos et al. 2016, Eqs. 4, 16).

    See :func:`neuromf.linear_response.eigen_spectra`; cached as
    ``'lif.delta.eigen_spectra_<quantity>'``.

    Parameters
    ----------
    network : neuromf.models.Network
        A network of δ-synapse LIF neurons (``J`` the PSP jump in V) and its
        :func:`effective_connectivity` computed.
    quantity : {'MH', 'prop', 'prop_inv', 'resolvent'}
        The matrix: M, P = (1 - M)^-1 M, P^-1 or (1 - M)^-1.
    return_vectors : bool
        Also return the right and left eigenvectors.

    Returns
    -------
    numpy.ndarray or tuple of numpy.ndarray
        Eigenvalues (dimensionless), shape (n_freqs, n); with ``return_vectors`` also the
        right (columns) and left (rows) eigenvectors, shape (n_freqs, n, n).

    Raises
    ------
    ValueError
        If ``quantity`` is not one of the choices.
    RuntimeError
        If a needed parameter or result is missing from ``network``.
    """
    return _linear_response.eigen_spectra(network, quantity, return_vectors, prefix=_prefix)


def sensitivity_measure(network: Any, frequency: float, resorted_eigenvalues_mask: Any = None,
                        eigenvalue_index: Any = None) -> dict:
    """Sensitivity measure (Bos et al. 2016, Eq. 7) of a δ-synapse network.

    The contribution of each connection to the eigenvalue of ``M`` closest to 1, split
    into the directions that change the amplitude and the frequency of the mode; see
    :func:`neuromf.linear_response.sensitivity_measure`.
    Network-level wrapper with ``prefix='lif.delta.'``; cached as
    ``'lif.delta.sensitivity_measure'``.

    Parameters
    ----------
    network : neuromf.models.Network
        A network of δ-synapse LIF neurons (``J`` the PSP jump in V) and its
        :func:`effective_connectivity` computed at the analysis frequencies.
    frequency : float or pint.Quantity
        Frequency in Hz (the nearest analysis frequency is used).
    resorted_eigenvalues_mask : array_like, optional
        Trajectory mask of
        :func:`neuromf.linear_response.eigenmodes._match_eigenvalues_across_frequencies`.
    eigenvalue_index : int, optional
        Eigenvalue (or trajectory) to analyse; default the one closest to 1.

    Returns
    -------
    dict
        NNMT's keys (see :func:`neuromf.linear_response.sensitivity_measure`); the
        sensitivities are dimensionless (n, n) matrices [target, source], frequencies
        in Hz.

    Raises
    ------
    RuntimeError
        If a needed parameter or result is missing from ``network``.
    """
    return _linear_response.sensitivity_measure(network, frequency, resorted_eigenvalues_mask,
                                                eigenvalue_index, prefix=_prefix)


#: This model's interface to the network linear response (:mod:`neuromf.linear_response`).
MODEL = register_neuron_model(NeuronModel(
    prefix=_prefix, transfer_function=transfer_function,
    transfer_function_variance=transfer_function_variance,
    spike_train_power_spectra=spike_train_power_spectra,
    shared_options=("refractory_phase",)))
