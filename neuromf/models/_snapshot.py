"""Cheap snapshots of parameter dicts, to notice in-place edits without hashing.

One concept: a :class:`~neuromf.models.Network` records a snapshot of its parameter dicts
(arrays as dtype, shape and bytes, other values deep-copied) when it fingerprints them;
comparing with the snapshot is much cheaper than hashing every value again, so the cache
re-hashes only what a user changed in place (``net.network_params['g'] = 5``).
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np


def _snapshot(params: dict) -> dict:
    """A copy of ``params`` to compare with cheaply (arrays as dtype, shape and bytes)."""
    return {key: _frozen(value) for key, value in params.items()}


def _frozen(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return ("ndarray", value.dtype.str, value.shape, value.tobytes())
    return copy.deepcopy(value)


def _unchanged(params: dict, snapshot: dict) -> bool:
    """Whether ``params`` still equals its snapshot (False if in doubt, e.g. NaN)."""
    if params.keys() != snapshot.keys():
        return False
    for key, value in params.items():
        try:
            same = _frozen(value) == snapshot[key] if isinstance(value, np.ndarray) \
                else type(value) is type(snapshot[key]) and bool(value == snapshot[key])
        except (ValueError, TypeError):     # e.g. lists of arrays
            return False
        if not same:
            return False
    return True
