"""Resolvent ``(1 - M)^-1`` and propagator ``P = (1 - M)^-1 M`` of the effective connectivity.

Bos et al. 2016, Eq. 16; batched over frequencies (LAPACK on stacks of matrices, split over
the cores for large stacks).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from ..utils import (
    _cache,
)
from ._inputs import (
    _PREFIX,
    _as_square_stack,
    _result,
    _solve,
)


def _propagator(effective_connectivity: Any) -> np.ndarray:
    """Propagator ``P(omega) = (1 - M(omega))^-1 M(omega)`` (Bos et al. 2016, Eq. 16).

    Parameters
    ----------
    effective_connectivity : array_like
        ``M``, shape ``(n_freq, n, n)`` or ``(n, n)``.

    Returns
    -------
    np.ndarray
        ``P`` of the same shape as ``M`` (computed with a batched linear solve).
    """
    M = _as_square_stack("effective_connectivity", effective_connectivity)
    one = np.eye(M.shape[-1])
    return _solve("propagator", one - M, M)


def _resolvent(M: np.ndarray) -> np.ndarray:
    """``(1 - M)^-1`` for a stack of matrices.

    LAPACK inverts one matrix after the other; a large stack of mid-sized matrices
    (e.g. 500 × 254 × 254) is split over the CPU cores, one BLAS thread each, which is
    about 1.3× faster than multithreaded BLAS on the whole stack (and forms ``1 - M``
    slice by slice, in parallel, without a second full-size temporary).
    """
    cores = os.cpu_count() or 1
    parallel = M.ndim == 3 and cores > 1 and M.shape[0] >= 2 * cores and M.shape[-1] >= 64
    if parallel:
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:
            parallel = False
    n = M.shape[-1]
    if not parallel:
        A = np.negative(M)                       # a new C-contiguous array
        A.reshape(-1, n * n)[:, ::n + 1] += 1.0  # its diagonals, as one strided view
        try:
            return np.linalg.inv(A)
        except np.linalg.LinAlgError:
            raise ValueError(_SINGULAR) from None
    out = np.empty(M.shape, dtype=complex)
    n_chunks = cores
    bounds = np.linspace(0, M.shape[0], n_chunks + 1).astype(int)

    def invert(i: int) -> None:
        part = slice(bounds[i], bounds[i + 1])
        A = np.negative(M[part])                 # a new C-contiguous array
        A.reshape(-1, n * n)[:, ::n + 1] += 1.0  # its diagonals, as one strided view
        out[part] = np.linalg.inv(A)

    try:
        with threadpool_limits(limits=1, user_api="blas"):
            with ThreadPoolExecutor(max_workers=n_chunks) as pool:
                list(pool.map(invert, range(n_chunks)))
        return out
    except np.linalg.LinAlgError:
        raise ValueError(_SINGULAR) from None


_SINGULAR = ("cannot compute the resolvent (1 - M)^-1: 1 - M is singular at some "
             "frequency (an eigenvalue of the effective connectivity is exactly 1; the "
             "linearised network is at a bifurcation)")

#: bytes of one slice of resolvents in :func:`_map_resolvent`
_CHUNK_BYTES = 32 * 2**20


def _map_resolvent(M: np.ndarray, consume: Any) -> None:
    """Call ``consume(part, (1 - M[part])^-1)`` for consecutive frequency slices ``part``
    of the stack ``M`` (n_freq, n, n), without holding all resolvents at once.

    Slices of about 32 MiB stay small next to the stack (no second full-size array is
    allocated) and are shared out over the CPU cores, one BLAS thread each, for
    mid-sized matrices (n >= 64; see :func:`_resolvent`).
    """
    n = M.shape[-1]
    per = max(1, _CHUNK_BYTES // (16 * n * n))
    edges = list(range(0, M.shape[0], per)) + [M.shape[0]]
    parts = [slice(a, b) for a, b in zip(edges[:-1], edges[1:], strict=True)]
    cores = os.cpu_count() or 1
    parallel = cores > 1 and len(parts) > 1 and n >= 64
    if parallel:
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:
            parallel = False

    def work(part: slice) -> None:
        A = np.negative(M[part])
        A.reshape(-1, n * n)[:, ::n + 1] += 1.0
        consume(part, np.linalg.inv(A))

    try:
        if parallel:
            with threadpool_limits(limits=1, user_api="blas"):
                with ThreadPoolExecutor(max_workers=cores) as pool:
                    list(pool.map(work, parts))
        else:
            for part in parts:
                work(part)
    except np.linalg.LinAlgError:
        raise ValueError(_SINGULAR) from None


def propagator(network: Any, *, prefix: str = _PREFIX) -> np.ndarray:
    """Propagator of a network; see :func:`_propagator`.

    Needs ``'lif.exp.effective_connectivity'``; cached under ``'lif.exp.propagator'``
    (Bos et al. 2016, Eq. 16).

    Parameters
    ----------
    network : Network
        With the results named above (computed by the neuron model's functions).
    prefix : str
        Result-key prefix of the neuron model ('lif.exp.' or 'lif.delta.';
        :mod:`neuromf.linear_response.neuron_model`).

    Returns
    -------
    np.ndarray
        ``(1 - M)^-1 M``, dimensionless, complex, shape (n_freq, n, n).
    """
    params = _result(network, "effective_connectivity", prefix + "effective_connectivity")
    return _cache(network, _propagator, params, prefix + "propagator", "dimensionless")
