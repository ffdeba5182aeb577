"""Input checks and result-key conventions shared by the linear-response modules.

Arrays are checked for shape and sign and broadcast to one value per population;
network-level functions read their inputs from ``network.results`` under the neuron
model's prefix (``'lif.exp.'`` or ``'lif.delta.'``, see :mod:`.neuron_model`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..utils import check_finite, check_positive, get_required_results

#: Result-key prefix of the neuron model whose transfer function is used: 'lif.exp.'
#: (NNMT's convention, the default) or 'lif.delta.' (δ synapses, keyword ``prefix``).
_PREFIX = "lif.exp."
_DELAY_KEY = "network_properties.delay_dist_matrix"


def _as_square_stack(name: str, value: Any) -> np.ndarray:
    """Return ``value`` as a complex array of shape (..., n, n); raise otherwise."""
    arr = np.asarray(check_finite(name, value))
    if arr.ndim not in (2, 3) or arr.shape[-1] != arr.shape[-2]:
        raise ValueError(f"{name} must have shape (n_freq, n, n) or (n, n), got shape "
                         f"{arr.shape}")
    return arr.astype(complex, copy=False)


def _population_vector(name: str, value: Any, n: int, unit: str,
                       positive: bool = False, allow_zero: bool = True) -> np.ndarray:
    """Return ``value`` broadcast to shape (n,) after checking shape and sign."""
    if positive:
        arr = np.asarray(check_positive(name, value, unit, allow_zero=allow_zero),
                         dtype=float)
    else:
        arr = np.asarray(check_finite(name, value, unit), dtype=float)
    if arr.ndim > 1 or (arr.ndim == 1 and arr.shape[0] not in (1, n)):
        raise ValueError(f"{name} must be a scalar or have shape ({n},) (one value per "
                         f"population), got shape {arr.shape}")
    return np.broadcast_to(arr.reshape(-1) if arr.ndim else arr, (n,))


def _population_matrix(name: str, value: Any, n: int, unit: str,
                       positive: bool = False) -> np.ndarray:
    if positive:
        arr = np.asarray(check_positive(name, value, unit, allow_zero=True), dtype=float)
    else:
        arr = np.asarray(check_finite(name, value, unit), dtype=float)
    # a 1-d array is one value per source population (NNMT 1.3 broadcasts K * J so)
    if (arr.ndim not in (0, 1, 2) or (arr.ndim == 2 and arr.shape != (n, n))
            or (arr.ndim == 1 and arr.shape[0] not in (1, n))):
        raise ValueError(f"{name} must be a scalar, have shape ({n},) (one value per source "
                         f"population) or ({n}, {n}) [target, source], got shape "
                         f"{arr.shape}")
    return np.broadcast_to(arr, (n, n))


def _solve(what: str, A: np.ndarray, B: np.ndarray) -> np.ndarray:
    try:
        return np.linalg.solve(A, B)
    except np.linalg.LinAlgError:
        raise ValueError(f"cannot compute the {what}: 1 - M is singular at some "
                         "frequency (an eigenvalue of the effective connectivity is "
                         "exactly 1; the linearised network is at a bifurcation)") from None


def _is_none(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value == "None")


def _result(network: Any, name: str, key: str) -> dict:
    return get_required_results(network, [name], [key])


