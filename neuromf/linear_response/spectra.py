"""Cross-spectral matrix and power spectra of the population rates (Bos et al. 2016, Eq. 18).

``C(omega) = (1 - M)^-1 diag(S/N) (1 - M)^-dagger`` with Poisson (``S = nu``) or renewal
spike-train noise (Lindner et al. 2005, Eq. 8).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..utils import (
    _cache,
    check_finite,
    check_non_negative_params,
    get_required_network_params,
    get_required_results,
)
from ._inputs import (
    _PREFIX,
    _as_square_stack,
    _population_vector,
)
from .resolvent import _map_resolvent, _resolvent


def _check_spectrum_inputs(nu: Any, M: Any, N: Any) -> tuple[np.ndarray, ...]:
    M = _as_square_stack("effective_connectivity", M)
    n = M.shape[-1]
    nu = _population_vector("nu", nu, n, "Hz", positive=True)
    N = _population_vector("N", N, n, "", positive=True, allow_zero=False)
    return nu, M, N


def _resolvent_and_noise(nu: Any, effective_connectivity: Any, N: Any,
                         spike_train_spectra: Any) -> tuple[np.ndarray, np.ndarray]:
    """``(1 - M)^-1`` and the power of the population-averaged spike-train noise
    ``S_a / N_a``: shape (n,) for Poisson trains (S = nu), or (n_freq, n) for given
    single-neuron spectra."""
    nu, M, N = _check_spectrum_inputs(nu, effective_connectivity, N)
    weights = _noise_weights(nu, N, M, spike_train_spectra)   # checked before the solve
    return _resolvent(M), weights


def _noise_weights(nu: np.ndarray, N: np.ndarray, M: np.ndarray,
                   spike_train_spectra: Any) -> np.ndarray:
    if spike_train_spectra is None:
        return nu / N
    S = np.asarray(check_finite("spike_train_spectra", spike_train_spectra, "Hz"), float)
    expected = M.shape[:-1]
    if S.shape != expected:
        raise ValueError(f"spike_train_spectra must have shape {expected} (frequencies, "
                         f"populations) like the effective connectivity, got {S.shape}")
    if np.any(S < 0):
        raise ValueError("spike_train_spectra must be >= 0 (power spectra in Hz)")
    return S / N


def _cross_spectral_matrix(nu: Any, effective_connectivity: Any, J: Any, K: Any, N: Any,
                           tau_m: Any, spike_train_spectra: Any = None) -> np.ndarray:
    """Cross-spectral matrix of the population rates.

    ``C(omega) = (1 - M)^-1 diag(nu/N) (1 - M)^-dagger`` (Bos et al. 2016, Eq. 18 and
    the derivation before it): each population's spike train is, to lowest order,
    Poisson noise of power ``nu_a / N_a`` for the population-averaged rate, filtered by
    the network's linear response.  With ``spike_train_spectra`` the noise of population
    a is its neurons' unperturbed spike-train spectrum ``S_a(omega) / N_a`` instead
    (renewal spike trains; Lindner et al. 2005, Phys Rev E 72: 061919, Eq. 8;
    :func:`neuromf.lif._transfer._spike_train_power_spectrum_delta`), which is
    ``nu_a CV_a^2`` rather than ``nu_a`` at low frequencies.

    Parameters
    ----------
    nu : array_like
        Firing rates in Hz, shape ``(n,)``.
    effective_connectivity : array_like
        ``M``, shape ``(n_freq, n, n)`` or ``(n, n)``.
    J, K, tau_m : array_like
        Not used; accepted so that the signature matches :func:`_power_spectra` (and
        NNMT's).
    N : array_like
        Numbers of neurons, shape ``(n,)``.
    spike_train_spectra : array_like, optional
        Single-neuron spike-train power spectra in Hz, shape ``(n_freq, n)``.

    Returns
    -------
    np.ndarray
        Hermitian matrices in Hz, shape of ``M``.
    """
    Q, weights = _resolvent_and_noise(nu, effective_connectivity, N, spike_train_spectra)
    return (Q * weights[..., None, :]) @ np.conj(np.swapaxes(Q, -1, -2))


@check_non_negative_params
def _power_spectra(nu: Any, effective_connectivity: Any, J: Any, K: Any, N: Any,
                   tau_m: Any, spike_train_spectra: Any = None) -> np.ndarray:
    """Power spectra of the population rates (Bos et al. 2016, Eq. 18).

    The diagonal of :func:`_cross_spectral_matrix`,
    ``P_a(omega) = sum_b |[(1 - M)^-1]_ab|² nu_b / N_b`` (NNMT convention), or with
    ``S_b(omega)`` in place of ``nu_b`` if ``spike_train_spectra`` are given.

    Parameters
    ----------
    nu : array_like
        Firing rates in Hz, shape ``(n,)``.
    effective_connectivity : array_like
        ``M``, shape ``(n_freq, n, n)`` or ``(n, n)``.
    J, K, tau_m : array_like
        Not used (NNMT signature).
    N : array_like
        Numbers of neurons, shape ``(n,)``.
    spike_train_spectra : array_like, optional
        As in :func:`_cross_spectral_matrix`.

    Returns
    -------
    np.ndarray
        Real array in Hz of shape ``(n_freq, n)`` (``(n,)`` for a single matrix).
    """
    nu, M, N = _check_spectrum_inputs(nu, effective_connectivity, N)
    weights = _noise_weights(nu, N, M, spike_train_spectra)

    def power(Q: np.ndarray, w: np.ndarray) -> np.ndarray:
        return (np.einsum("...ab,...ab,...b->...a", Q.real, Q.real, w)
                + np.einsum("...ab,...ab,...b->...a", Q.imag, Q.imag, w))

    if M.ndim == 2:
        return power(_resolvent(M), weights)
    out = np.empty(M.shape[:-1])

    def consume(part: slice, Q: np.ndarray) -> None:   # slice by slice: no full (1-M)^-1
        out[part] = power(Q, weights if weights.ndim == 1 else weights[part])

    _map_resolvent(M, consume)
    return out


def _spectrum_params(network: Any, func: Any, prefix: str, renewal: bool) -> dict:
    params = get_required_network_params(network, func,
                                         exclude=["nu", "effective_connectivity"])
    params.update(get_required_results(
        network, ["nu", "effective_connectivity"],
        [prefix + "firing_rates", prefix + "effective_connectivity"]))
    if renewal:
        params.update(get_required_results(network, ["spike_train_spectra"],
                                           [prefix + "spike_train_power_spectra"]))
    return params


def cross_spectral_matrix(network: Any, *, prefix: str = _PREFIX,
                          renewal: bool = False) -> np.ndarray:
    """Cross-spectral matrix of the population rates; see :func:`_cross_spectral_matrix`.

    Needs ``'lif.exp.firing_rates'`` and ``'lif.exp.effective_connectivity'``; cached
    under ``'lif.exp.cross_spectral_matrix'`` (Hz).  ``renewal=True`` uses the neurons'
    spike-train spectra instead of Poisson noise and then also needs
    ``'lif.exp.spike_train_power_spectra'``
    (:func:`neuromf.lif.exp.spike_train_power_spectra`) at the same frequencies.
    Bos et al. 2016, Eq. 18; Lindner et al. 2005, Eq. 8 (renewal noise).

    Parameters
    ----------
    network : Network
        With the results named above (computed by the neuron model's functions).
    prefix : str
        Result-key prefix of the neuron model ('lif.exp.' or 'lif.delta.';
        :mod:`neuromf.linear_response.neuron_model`).
    renewal : bool
        Renewal (single-neuron spike-train spectra) instead of Poisson noise.

    Returns
    -------
    np.ndarray
        Hermitian matrices in Hz, shape (n_freq, n, n).
    """
    return _cache(network, _cross_spectral_matrix,
                  _spectrum_params(network, _cross_spectral_matrix, prefix, renewal),
                  prefix + "cross_spectral_matrix", "hertz")


def power_spectra(network: Any, *, prefix: str = _PREFIX, renewal: bool = False
                  ) -> np.ndarray:
    """Power spectra of the population rates (Bos et al. 2016, Eq. 18).

    See :func:`_power_spectra`.  Needs ``'lif.exp.firing_rates'`` and
    ``'lif.exp.effective_connectivity'``; cached under ``'lif.exp.power_spectra'`` in Hz
    (NNMT labels the same numbers 'hertz ** 2').  ``renewal``: as in
    :func:`cross_spectral_matrix`.

    Parameters
    ----------
    network : Network
        With the results named above (computed by the neuron model's functions).
    prefix : str
        Result-key prefix of the neuron model ('lif.exp.' or 'lif.delta.';
        :mod:`neuromf.linear_response.neuron_model`).
    renewal : bool
        Renewal (single-neuron spike-train spectra) instead of Poisson noise.

    Returns
    -------
    np.ndarray
        Power spectra of the population rates in Hz, shape (n_freq, n).
    """
    return _cache(network, _power_spectra,
                  _spectrum_params(network, _power_spectra, prefix, renewal),
                  prefix + "power_spectra", "hertz")
