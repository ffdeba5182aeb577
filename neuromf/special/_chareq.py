"""Roots of the characteristic equation of a linear rate network with one delay.

``(1 + λτ) e^{λd} = c`` has the roots ``λ_n = −1/τ + W_n(c (d/τ) e^{d/τ}) / d`` on the
branches n of the Lambert W function (Helias et al. 2013, Eq. 8; Senk et al. 2020, Eq. 7).
Pure functions of SI floats and arrays, used by :mod:`neuromf.spatial` and
:mod:`neuromf.linear_stability`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import lambertw

from ..utils import check_positive


def _unique_value(name: str, value: Any, unit: str) -> float:
    """Return the single value of ``value``; ValueError if its entries differ or ≤ 0."""
    arr = check_positive(name, np.asarray(value, dtype=float), unit)
    if arr.size == 0:
        raise ValueError(f"{name} is empty")
    first = float(arr.ravel()[0])
    if not np.allclose(arr, first, rtol=1e-12, atol=0.0):
        raise ValueError(
            f"the Lambert W solution of the characteristic equation needs one common "
            f"{name} for all populations and connections, got {name} = "
            f"{np.array2string(arr, precision=6)} {unit}")
    return first


def _branches(branch_nr: Any) -> np.ndarray:
    arr = np.asarray(branch_nr)
    if arr.dtype.kind not in "iu":
        if arr.dtype.kind == "f" and np.all(np.isfinite(arr)) and np.all(arr == np.round(arr)):
            arr = arr.astype(int)
        else:
            raise ValueError(f"branch_nr must be integer(s), got {branch_nr!r}")
    return arr


def _lambertw_polished(z: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Lambert W on branch k with one Newton step on w e^w = z (full double precision)."""
    w = lambertw(z, k)
    with np.errstate(all="ignore"):
        ew = np.exp(w)
        step = (w * ew - z) / (ew * (w + 1.0))
    ok = np.isfinite(step) & (np.abs(w + 1.0) > 1e-6)
    return np.where(ok, w - np.where(ok, step, 0.0), w)


def _lambertw_roots(branch_nr: Any, c: np.ndarray, tau: float, delay: float) -> np.ndarray:
    """λ = −1/τ + W_n(c d/τ e^{d/τ}) / d, shape ``shape(branch_nr) + shape(c)``."""
    k = _branches(branch_nr)
    c = np.asarray(c, dtype=complex)
    scale = delay / tau
    if scale > 700.0:
        raise ValueError(f"delay / tau = {scale:g} is too large for the Lambert W solution "
                         f"(e^(delay/tau) overflows); delay = {delay:g} s, tau = {tau:g} s")
    z = c * (scale * np.exp(scale))
    kk = k.reshape(k.shape + (1,) * c.ndim)
    w = _lambertw_polished(z, kk)
    with np.errstate(invalid="ignore"):
        lam = -1.0 / tau + w / delay
    # c = 0: only branch 0 has a root; W_k(0) = -inf on the other branches
    return np.where((z == 0) & (kk != 0), complex(-np.inf, 0.0), lam)
