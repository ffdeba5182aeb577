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
    """Firing rates (Hz), mean input (V) and std input (V) at the self-consistent state."""
    return {"firing_rates": firing_rates(network, **kwargs),
            "mean_input": mean_input(network),
            "std_input": std_input(network)}


def firing_rates(network: Any, **kwargs: Any) -> np.ndarray:
    """Self-consistent stationary rates (Hz); cached as ``'lif.delta.firing_rates'``.

    ``kwargs`` are solver options (``nu_0``, ``fixpoint_method``, ...), see
    :func:`neuromf._solvers._firing_rate_integration`.
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
    """Mean input (V) at the computed rates; cached as ``'lif.delta.mean_input'``."""
    return _general._input_calc(network, _prefix, _mean_input, "mean_input", "volt",
                                signature=_general._mean_input)


def std_input(network: Any) -> np.ndarray:
    """Std of the input (V) at the computed rates; ``'lif.delta.std_input'``."""
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
    """ISI coefficient of variation per population (Brunel 2000, App. A.1);
    cached as ``'lif.delta.cvs'``. Needs the working point."""
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

    Brunel & Hakim 1999; Lindner & Schimansky-Geier 2001.  Needs the working point;
    ``freqs`` (Hz) default to the analysis frequencies.  Shape (n_freqs, n_pop),
    cached as ``'lif.delta.transfer_function'``.  NNMT has no δ-synapse transfer
    function.
    """
    return _general._frequency_calc(network, _prefix, _transfer_function,
                                    "transfer_function", "hertz / volt", freqs,
                                    refractory_phase=_general._refractory_phase(refractory_phase))


def transfer_function_variance(network: Any, freqs=None, *,
                               refractory_phase: bool | None = None) -> np.ndarray:
    """Rate response of δ-synapse LIF neurons to modulated input variance σ² (Hz/V²).

    Lindner & Schimansky-Geier 2001; the variance channel of Brunel & Hakim 1999 (used by
    :func:`effective_connectivity` with ``variance_channel=True``).  Needs the working
    point.  Cached as ``'lif.delta.transfer_function_variance'``; see
    :func:`neuromf.lif._transfer._transfer_function_variance_delta`.
    """
    return _general._frequency_calc(network, _prefix, _transfer_function_variance_delta,
                                    "transfer_function_variance", "hertz / volt ** 2", freqs,
                                    refractory_phase=_general._refractory_phase(refractory_phase))


def spike_train_power_spectra(network: Any, freqs=None) -> np.ndarray:
    """Power spectra of the neurons' unperturbed spike trains (Hz), per population.

    Lindner, Schimansky-Geier & Longtin 2002; used by :func:`power_spectra` /
    :func:`cross_spectral_matrix` with ``renewal=True``.  Needs the working point.
    Cached as ``'lif.delta.spike_train_power_spectra'``; see
    :func:`neuromf.lif._transfer._spike_train_power_spectrum_delta`.
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
    """Effective connectivity with the δ-synapse transfer function(s); see
    :func:`neuromf.linear_response.effective_connectivity`."""
    return _linear_response.effective_connectivity(network, prefix=_prefix,
                                                   variance_channel=variance_channel)


def unstable_modes(network: Any, *, f_max: float | None = None,
                   variance_channel: bool = False, **transfer_function_kwargs: Any) -> dict:
    """Number of linearly unstable modes of the working point; see
    :func:`neuromf.linear_response.unstable_modes`."""
    return _linear_response.unstable_modes(network, prefix=_prefix, f_max=f_max,
                                           variance_channel=variance_channel,
                                           **transfer_function_kwargs)


def propagator(network: Any) -> np.ndarray:
    """Propagator (1 − M)^-1 M; see :func:`neuromf.linear_response.propagator`."""
    return _linear_response.propagator(network, prefix=_prefix)


def cross_spectral_matrix(network: Any, *, renewal: bool = False) -> np.ndarray:
    """Rate cross-spectral matrix; see :func:`neuromf.linear_response.cross_spectral_matrix`."""
    return _linear_response.cross_spectral_matrix(network, prefix=_prefix, renewal=renewal)


def power_spectra(network: Any, *, renewal: bool = False) -> np.ndarray:
    """Rate power spectra (Bos et al. 2016, Eq. 18) of a δ-synapse network; see
    :func:`neuromf.linear_response.power_spectra`."""
    return _linear_response.power_spectra(network, prefix=_prefix, renewal=renewal)


def eigen_spectra(network: Any, quantity: str = "MH", return_vectors: bool = False):
    """Eigenvalues (and vectors) of M, P, P^-1 or (1 − M)^-1; see
    :func:`neuromf.linear_response.eigen_spectra`."""
    return _linear_response.eigen_spectra(network, quantity, return_vectors, prefix=_prefix)


def sensitivity_measure(network: Any, frequency: float, resorted_eigenvalues_mask: Any = None,
                        eigenvalue_index: Any = None) -> dict:
    """Sensitivity measure (Bos et al. 2016, Eq. 7); see
    :func:`neuromf.linear_response.sensitivity_measure`."""
    return _linear_response.sensitivity_measure(network, frequency, resorted_eigenvalues_mask,
                                                eigenvalue_index, prefix=_prefix)


#: This model's interface to the network linear response (:mod:`neuromf.linear_response`).
MODEL = register_neuron_model(NeuronModel(
    prefix=_prefix, transfer_function=transfer_function,
    transfer_function_variance=transfer_function_variance,
    spike_train_power_spectra=spike_train_power_spectra,
    shared_options=("refractory_phase",)))
