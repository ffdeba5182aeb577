"""Eigenvalues and eigenvectors of the effective connectivity and related matrices, and their
trajectories across frequencies (Bos et al. 2016, Eqs. 4, 16 and Fig. 4).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment

from ..utils import (
    _cache,
    check_choice,
    check_finite,
    check_positive,
)
from ._inputs import (
    _PREFIX,
    _as_square_stack,
    _result,
)

#: Matrices whose spectra :func:`_eigen_spectra` computes: the effective connectivity
#: M ('MH'), the propagator P = (1 - M)^-1 M ('prop'), its inverse P^-1 ('prop_inv',
#: as in lif_meanfield_tools) and the resolvent (1 - M)^-1 ('resolvent').
EIGEN_QUANTITIES = ("MH", "prop", "prop_inv", "resolvent")


def _eigen_spectra(effective_connectivity: Any, quantity: str = "MH",
                   return_vectors: bool = False
                   ) -> np.ndarray | tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Eigenvalues (and eigenvectors) of M, the propagator or related matrices.

    Bos et al. 2016, Eqs. 4 and 16.  M, ``P = (1 - M)^-1 M``, ``P^-1`` and
    ``(1 - M)^-1`` are functions of M and share its eigenvectors; their eigenvalues are
    ``lambda``, ``lambda/(1 - lambda)``, ``(1 - lambda)/lambda`` and ``1/(1 - lambda)``
    for each eigenvalue ``lambda`` of M.  They are computed from one (batched)
    eigendecomposition of M, which avoids the loss of accuracy of diagonalising the
    ill-conditioned P near an instability.

    Parameters
    ----------
    effective_connectivity : array_like
        ``M``, shape ``(n_freq, n, n)`` or ``(n, n)``.
    quantity : {'MH', 'prop', 'prop_inv', 'resolvent'}
        Matrix whose spectrum is returned (M, P, P^-1, (1 - M)^-1).
    return_vectors : bool
        Also return right and left eigenvectors.

    Returns
    -------
    eigenvalues : np.ndarray
        Shape ``(n_freq, n)``, in the order of ``numpy.linalg.eig`` applied to M.
    right : np.ndarray, optional
        Right eigenvectors as *columns*: ``M @ right[f, :, k] = lambda_k right[f, :, k]``,
        unit 2-norm.
    left : np.ndarray, optional
        Left eigenvectors as *rows* (``left = inv(right)``):
        ``left[f, k, :] @ M = lambda_k left[f, k, :]`` and ``left @ right = 1``.

    Raises
    ------
    ValueError
        For an unknown quantity or a badly shaped matrix.
    """
    check_choice("quantity", quantity, EIGEN_QUANTITIES)
    M = _as_square_stack("effective_connectivity", effective_connectivity)
    lam, right = np.linalg.eig(M)
    with np.errstate(divide="ignore", invalid="ignore"):
        if quantity == "MH":
            values = lam
        elif quantity == "prop":
            values = lam / (1 - lam)
        elif quantity == "prop_inv":
            values = (1 - lam) / lam
        else:
            values = 1 / (1 - lam)
    if not np.all(np.isfinite(values)):
        warnings.warn(f"eigen_spectra: the matrix {quantity!r} does not exist at some "
                      "frequencies (an eigenvalue of M is exactly "
                      f"{'0' if quantity == 'prop_inv' else '1'}); the corresponding "
                      "eigenvalues are inf", RuntimeWarning, stacklevel=2)
    if not return_vectors:
        return values
    return values, right, _left_eigenvectors(right)


def _left_eigenvectors(right: np.ndarray) -> np.ndarray:
    try:
        return np.linalg.inv(right)
    except np.linalg.LinAlgError:
        raise ValueError("the effective connectivity is defective (not diagonalisable) "
                         "at some frequency; left eigenvectors do not exist") from None


def _match_eigenvalues_across_frequencies(eigenvalues: Any, margin: float = 1e-5,
                                          frequencies: Any = None
                                          ) -> tuple[np.ndarray, np.ndarray]:
    """Reorder eigenvalues so that each column follows one continuous trajectory.

    Eigensolvers return the eigenvalues at each frequency in an arbitrary order.  To
    obtain trajectories as in Bos et al. 2016, Fig. 4, the eigenvalues at frequency
    ``f`` are assigned to the trajectories by solving the linear assignment problem
    (``scipy.optimize.linear_sum_assignment``) between the eigenvalues and the
    positions predicted by linear extrapolation of each trajectory from the two
    previous frequencies.  Extrapolation lets trajectories cross (or pass close to
    each other) without spurious swaps, which a nearest-neighbour rule produces when
    two eigenvalues move past each other.  The first frequency keeps its order.

    The loop over frequencies is inherently sequential; each step costs O(n²) (plus an
    O(n³) assignment only when the nearest-neighbour choice is not a permutation).

    Parameters
    ----------
    eigenvalues : array_like
        Shape ``(n_freq, n)``.
    margin : float
        Eigenvalues closer than ``margin`` to each other are treated as degenerate
        (exchanging them is harmless).  A step is flagged ambiguous, with a warning,
        when a predicted position is farther than ``margin`` from its assigned
        eigenvalue and less than twice as close to it as to the nearest other,
        non-degenerate eigenvalue: refine the frequency grid there.
    frequencies : array_like, optional
        The frequencies of the rows (any unit); needed for correct extrapolation on a
        non-uniform grid.  A uniform grid is assumed if omitted.

    Returns
    -------
    resorted : np.ndarray
        Eigenvalues with ``resorted[f, k] = eigenvalues[f, mask[f, k]]``.
    mask : np.ndarray
        Integer array ``(n_freq, n)``: for each frequency, the original index of the
        eigenvalue on trajectory k (NNMT's ``resorted_eigenvalues_mask``).
    """
    eig = np.asarray(check_finite("eigenvalues", eigenvalues))
    if eig.ndim != 2:
        raise ValueError(f"eigenvalues must have shape (n_freq, n), got shape {eig.shape}")
    margin = float(check_positive("margin", margin, allow_zero=True))
    n_freq, n = eig.shape
    if frequencies is None:
        x = np.arange(n_freq, dtype=float)
    else:
        x = np.asarray(check_finite("frequencies", frequencies), dtype=float)
        if x.shape != (n_freq,):
            raise ValueError(f"frequencies must have shape ({n_freq},) to match the "
                             f"eigenvalues, got shape {x.shape}")
    mask = np.empty((n_freq, n), dtype=int)
    resorted = np.empty_like(eig, dtype=complex)
    if n_freq == 0:
        return resorted, mask
    mask[0] = np.arange(n)
    resorted[0] = eig[0]
    ambiguous = []
    rows = np.arange(n)
    for f in range(1, n_freq):
        if f >= 2 and x[f - 1] != x[f - 2]:
            slope = (resorted[f - 1] - resorted[f - 2]) / (x[f - 1] - x[f - 2])
            predicted = resorted[f - 1] + slope * (x[f] - x[f - 1])
        else:
            predicted = resorted[f - 1]
        cost = np.abs(predicted[:, None] - eig[f][None, :])
        nearest = np.argmin(cost, axis=1)
        if np.unique(nearest).size == n:
            cols = nearest
        else:
            cols = linear_sum_assignment(cost)[1]
        mask[f] = cols
        resorted[f] = eig[f, cols]
        if n > 1:
            d1 = cost[rows, cols]
            separation = np.abs(eig[f][cols][:, None] - eig[f][None, :])
            others = np.where(separation > margin, cost, np.inf)
            d2 = others.min(axis=1)
            if np.any((d1 > margin) & (d2 < 2 * d1)):
                ambiguous.append(f)
    if ambiguous:
        shown = ", ".join(str(i) for i in ambiguous[:10])
        more = f" and {len(ambiguous) - 10} more" if len(ambiguous) > 10 else ""
        warnings.warn(f"ambiguous eigenvalue matching at frequency index(es) {shown}{more}: "
                      "eigenvalues move by more than their separation between neighbouring "
                      "frequencies there; use a finer frequency grid or check the "
                      "trajectories in the complex plane", stacklevel=2)
    return resorted, mask


def eigen_spectra(network: Any, quantity: str = "MH", return_vectors: bool = False, *,
                  prefix: str = _PREFIX
                  ) -> np.ndarray | tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Eigenvalues (and eigenvectors) of M, P, P^-1 or (1 - M)^-1; see :func:`_eigen_spectra`.

    Needs ``'lif.exp.effective_connectivity'``; cached under
    ``'lif.exp.eigen_spectra_<quantity>'`` (and ``'lif.exp.right_eigenvectors'``,
    ``'lif.exp.left_eigenvectors'`` with ``return_vectors``).  Bos et al. 2016, Eqs. 4
    and 16.

    Parameters
    ----------
    network : Network
        With the results named above (computed by the neuron model's functions).
    prefix : str
        Result-key prefix of the neuron model ('lif.exp.' or 'lif.delta.';
        :mod:`neuromf.linear_response.neuron_model`).
    quantity : {'MH', 'prop', 'prop_inv', 'resolvent'}
        The matrix: M, P = (1 - M)^-1 M, P^-1 or (1 - M)^-1.
    return_vectors : bool
        Also return the right and left eigenvectors.

    Returns
    -------
    np.ndarray or tuple of np.ndarray
        Eigenvalues (dimensionless), shape (n_freq, n); with ``return_vectors`` also the
        right (columns) and left (rows) eigenvectors, shape (n_freq, n, n).
    """
    check_choice("quantity", quantity, EIGEN_QUANTITIES)
    params = _result(network, "effective_connectivity", prefix + "effective_connectivity")
    params["quantity"] = quantity
    params["return_vectors"] = bool(return_vectors)
    keys = [f"{prefix}eigen_spectra_{quantity}"]
    units = ["dimensionless"]
    if return_vectors:
        keys += [prefix + "right_eigenvectors", prefix + "left_eigenvectors"]
        units += ["dimensionless", "dimensionless"]
    return _cache(network, _eigen_spectra, params, keys if return_vectors else keys[0],
                  units if return_vectors else units[0])
