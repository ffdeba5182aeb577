"""Sensitivity measure of the eigenmodes of the effective connectivity to each connection
(Bos et al. 2016, Eq. 7 and Figs. 5-8).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .. import conventions
from ..utils import (
    _cache,
    check_finite,
    frequencies_in_hz,
    is_quantity,
)
from ._inputs import (
    _PREFIX,
    _as_square_stack,
    _is_none,
    _result,
)
from .eigenmodes import _left_eigenvectors, _match_eigenvalues_across_frequencies


def _sensitivity_from_modes(M: np.ndarray, lam: np.ndarray, right: np.ndarray,
                            left: np.ndarray, k: int) -> dict:
    """Sensitivity of eigenvalue ``lam[k]`` of one matrix ``M`` (Bos 2016, Eq. 7)."""
    u = left[k, :]
    v = right[:, k]
    critical = lam[k]
    T = u[:, None] * M * v[None, :]
    direction = np.array([1.0 - critical.real, -critical.imag])
    norm = np.hypot(direction[0], direction[1])
    if norm == 0:
        raise ValueError("the critical eigenvalue is exactly 1: the direction towards 1 "
                         "is undefined")
    direction /= norm
    perpendicular = np.array([-direction[1], direction[0]])
    return {
        "eigenvalue_index": k,
        "critical_eigenvalue": critical,
        "left_eigenvector": u,
        "right_eigenvector": v,
        "k": direction,
        "k_per": perpendicular,
        "sensitivity": T,
        "sensitivity_amp": T.real * direction[0] + T.imag * direction[1],
        "sensitivity_freq": T.real * perpendicular[0] + T.imag * perpendicular[1],
    }


def _stack_with_frequencies(effective_connectivity: Any, analysis_frequencies: Any
                            ) -> tuple[np.ndarray, np.ndarray]:
    """M as a (n_freq, n, n) stack and its frequencies (Hz), checked to match."""
    M = _as_square_stack("effective_connectivity", effective_connectivity)
    if M.ndim == 2:
        M = M[None]
    freqs = np.atleast_1d(np.asarray(check_finite("analysis_frequencies",
                                                  analysis_frequencies, "Hz"), dtype=float))
    if freqs.shape != (M.shape[0],):
        raise ValueError(f"analysis_frequencies must have shape ({M.shape[0]},) to match "
                         f"the effective connectivity, got shape {freqs.shape}")
    return M, freqs


def _sensitivity_measure(effective_connectivity: Any, frequency: float,
                         analysis_frequencies: Any, resorted_eigenvalues_mask: Any = None,
                         eigenvalue_index: Any = None) -> dict:
    """Sensitivity measure of an eigenvalue of M to each connection.

    Bos et al. 2016, Eq. 7: for the eigenvalue ``lambda`` of ``M(omega)`` with right
    eigenvector v and left eigenvector u (``u^T M = lambda u^T``),
    ``T_ab = u_a M_ab v_b / (u^T v)`` is the first-order change of ``lambda`` under a
    relative change of connection ``ab`` (``K_ab -> K_ab (1 + eps)`` moves ``lambda``
    by ``eps T_ab``).  Its projection on the unit vector ``k`` pointing from
    ``lambda`` to 1 (``sensitivity_amp``) changes the height of the spectral peak, the
    projection on the perpendicular ``k_per`` (``sensitivity_freq``) its frequency.

    Parameters
    ----------
    effective_connectivity : array_like
        ``M``, shape ``(n_freq, n, n)``.
    frequency : float
        Frequency in Hz; the nearest analysis frequency is used.
    analysis_frequencies : array_like
        Frequencies of the rows of ``M`` in Hz.
    resorted_eigenvalues_mask : array_like, optional
        Mask from :func:`_match_eigenvalues_across_frequencies`; with it,
        ``eigenvalue_index`` refers to a trajectory.
    eigenvalue_index : int, optional
        Eigenvalue (or trajectory) to analyse; default: the eigenvalue closest to 1.

    Returns
    -------
    dict
        With NNMT's keys: ``eigenvalue_index``, ``critical_frequency`` (Hz),
        ``critical_frequency_index``, ``critical_eigenvalue``, ``left_eigenvector``
        (u, normalised so that ``u^T v = 1``), ``right_eigenvector`` (v, unit norm),
        ``k``, ``k_per`` (2-vectors in the complex plane), ``sensitivity`` (complex
        n x n), ``sensitivity_amp``, ``sensitivity_freq`` (real n x n).
    """
    M, freqs = _stack_with_frequencies(effective_connectivity, analysis_frequencies)
    frequency = np.asarray(check_finite("frequency", frequency, "Hz"), dtype=float)
    if frequency.size != 1:
        raise ValueError(f"frequency must be one frequency in Hz, got shape {frequency.shape}")
    frequency = float(frequency.reshape(-1)[0])       # NNMT passes shape (1,)
    if frequency < freqs.min() or frequency > freqs.max():
        warnings.warn(f"frequency {frequency} Hz lies outside the analysis frequencies "
                      f"[{freqs.min()}, {freqs.max()}] Hz; the nearest one is used",
                      stacklevel=2)
    fi = int(np.argmin(np.abs(freqs - frequency)))
    lam, right = np.linalg.eig(M[fi])
    left = _left_eigenvectors(right)
    if not _is_none(resorted_eigenvalues_mask):
        order = np.asarray(resorted_eigenvalues_mask)[fi]
        lam, right, left = lam[order], right[:, order], left[order, :]
    if _is_none(eigenvalue_index):
        k = int(np.argmin(np.abs(lam - 1)))
    else:
        k = int(eigenvalue_index)
        if not 0 <= k < lam.size:
            raise ValueError(f"eigenvalue_index must lie in [0, {lam.size - 1}], got {k}")
    result = _sensitivity_from_modes(M[fi], lam, right, left, k)
    _nnmt_left_eigenvector(result, M[fi], lam[k])
    result["critical_frequency"] = frequency
    result["critical_frequency_index"] = fi
    return result


def _nnmt_left_eigenvector(result: dict, M: np.ndarray, eigenvalue: complex) -> None:
    """Under the NNMT convention report NNMT's left eigenvector: the complex conjugate of
    the unit-norm eigenvector of ``M.T`` (LAPACK's phase) instead of the one normalised
    to ``u^T v = 1``.  The sensitivity itself does not depend on this normalisation."""
    if not conventions.flag("left_eigenvector_unit_norm"):
        return
    lam_t, U = np.linalg.eig(M.T)
    result["left_eigenvector"] = np.conj(U[:, int(np.argmin(np.abs(lam_t - eigenvalue)))])


def _sensitivity_measure_all_eigenmodes(effective_connectivity: Any,
                                        analysis_frequencies: Any,
                                        margin: float = 1e-5) -> dict:
    """Sensitivity measure of every eigenvalue trajectory at its critical frequency.

    The eigenvalues of ``M`` are followed across frequencies
    (:func:`_match_eigenvalues_across_frequencies`); for each trajectory the frequency
    at which it comes closest to 1 is its critical frequency, where
    :func:`_sensitivity_measure` is evaluated (Bos et al. 2016, Eq. 7, Figs. 5-8).

    Parameters
    ----------
    effective_connectivity : array_like
        ``M``, shape ``(n_freq, n, n)``.
    analysis_frequencies : array_like
        Frequencies in Hz, shape ``(n_freq,)``.
    margin : float
        See :func:`_match_eigenvalues_across_frequencies`.

    Returns
    -------
    dict
        ``{str(k): sensitivity dict of trajectory k}`` (string keys, as NNMT, so that
        the result can be stored in HDF5).
    """
    M, freqs = _stack_with_frequencies(effective_connectivity, analysis_frequencies)
    lam, right = np.linalg.eig(M)
    resorted, mask = _match_eigenvalues_across_frequencies(lam, margin=margin,
                                                           frequencies=freqs)
    critical = np.argmin(np.abs(resorted - 1), axis=0)
    out = {}
    for k, fi in enumerate(critical):
        order = mask[fi]
        r = right[fi][:, order]
        result = _sensitivity_from_modes(M[fi], lam[fi][order], r, _left_eigenvectors(r), k)
        _nnmt_left_eigenvector(result, M[fi], lam[fi][order][k])
        result["critical_frequency"] = float(freqs[fi])
        result["critical_frequency_index"] = int(fi)
        out[str(k)] = result
    return out


def _analysis_frequencies(network: Any) -> np.ndarray:
    try:
        omegas = network.analysis_params["omegas"]
    except KeyError:
        raise RuntimeError("the network's analysis parameters define no 'omegas' "
                           "(angular frequencies of the effective connectivity)") from None
    return np.atleast_1d(np.asarray(omegas, dtype=float)) / (2 * np.pi)


def sensitivity_measure(network: Any, frequency: float, resorted_eigenvalues_mask: Any = None,
                        eigenvalue_index: Any = None, *, prefix: str = _PREFIX) -> dict:
    """Sensitivity measure (Bos et al. 2016, Eq. 7); see :func:`_sensitivity_measure`.

    ``frequency`` in Hz (or a pint quantity).  Needs ``'lif.exp.effective_connectivity'``
    and the analysis parameter ``omegas``; cached under ``'lif.exp.sensitivity_measure'``.

    Parameters
    ----------
    network : Network
        With the results named above (computed by the neuron model's functions).
    frequency : float or pint.Quantity
        Frequency in Hz (the nearest analysis frequency is used).
    resorted_eigenvalues_mask : array_like, optional
        Trajectory mask of :func:`_match_eigenvalues_across_frequencies`.
    eigenvalue_index : int, optional
        Eigenvalue (or trajectory) to analyse; default: the one closest to 1.
    prefix : str
        Result-key prefix of the neuron model ('lif.exp.' or 'lif.delta.').

    Returns
    -------
    dict
        NNMT's keys (see :func:`_sensitivity_measure`); the sensitivities are
        dimensionless (n, n) matrices [target, source], frequencies in Hz.
    """
    if is_quantity(frequency):
        frequency = float(frequencies_in_hz(frequency, "frequency")[0])
    params = _result(network, "effective_connectivity", prefix + "effective_connectivity")
    params["frequency"] = float(np.asarray(frequency, dtype=float).reshape(-1)[0])
    params["analysis_frequencies"] = _analysis_frequencies(network)
    params["resorted_eigenvalues_mask"] = (None if _is_none(resorted_eigenvalues_mask)
                                           else np.asarray(resorted_eigenvalues_mask))
    params["eigenvalue_index"] = None if _is_none(eigenvalue_index) else int(eigenvalue_index)
    return _cache(network, _sensitivity_measure, params, prefix + "sensitivity_measure")


def sensitivity_measure_all_eigenmodes(network: Any, margin: float = 1e-5, *,
                                       prefix: str = _PREFIX) -> dict:
    """Sensitivity measure of every eigenmode; see :func:`_sensitivity_measure_all_eigenmodes`.

    Needs ``'lif.exp.effective_connectivity'`` and ``omegas``; cached under
    ``'lif.exp.sensitivity_measure_all_eigenmodes'``.  Bos et al. 2016, Eq. 7, Figs. 5-8.

    Parameters
    ----------
    network : Network
        With the results named above (computed by the neuron model's functions).
    prefix : str
        Result-key prefix of the neuron model ('lif.exp.' or 'lif.delta.';
        :mod:`neuromf.linear_response.neuron_model`).
    margin : float
        Degeneracy margin of the eigenvalue matching (dimensionless).

    Returns
    -------
    dict
        ``{str(k): sensitivity dict}`` for every eigenvalue trajectory k.
    """
    params = _result(network, "effective_connectivity", prefix + "effective_connectivity")
    params["analysis_frequencies"] = _analysis_frequencies(network)
    params["margin"] = float(margin)
    return _cache(network, _sensitivity_measure_all_eigenmodes, params,
                  prefix + "sensitivity_measure_all_eigenmodes")
