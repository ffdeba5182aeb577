"""Checks of network parameters, shared by all models (SI values)."""

from __future__ import annotations

import numpy as np

from ..utils import check_finite, check_positive
from ._schema import population_count

#: parameter -> (SI unit, condition) for parameters that must be positive / non-negative
_POSITIVE = {"tau_m": "s", "C": "F", "tau_s": "s", "N": ""}
_NON_NEGATIVE = {"tau_r": "s", "K": "", "K_ext": "", "nu_ext": "Hz", "Delay": "s",
                 "Delay_sd": "s", "d_e": "s", "d_i": "s", "d_e_sd": "s", "d_i_sd": "s"}
_FINITE = {"J": "V", "J_ext": "V", "W": "A", "W_ext": "A", "V_th_abs": "V", "V_0_abs": "V",
           "I_ext": "A", "g": ""}


def validate_network_params(p: dict) -> None:
    """Raise ValueError naming parameter, value and unit for invalid parameters."""
    for name, unit in _POSITIVE.items():
        if name in p and p[name] is not None:
            check_positive(name, p[name], unit)
    for name, unit in _NON_NEGATIVE.items():
        if name in p and p[name] is not None:
            check_positive(name, p[name], unit, allow_zero=True)
    for name, unit in _FINITE.items():
        if name in p and p[name] is not None:
            check_finite(name, p[name], unit)
    if "V_th_rel" in p and "V_0_rel" in p:
        try:
            gap = (np.asarray(p["V_th_rel"], dtype=float)
                   - np.asarray(p["V_0_rel"], dtype=float))
        except (TypeError, ValueError):
            raise TypeError(f"V_th_abs and V_0_abs must be potentials (numbers), got "
                            f"{p.get('V_th_abs')!r} and {p.get('V_0_abs')!r}") from None
        if np.any(gap <= 0):
            raise ValueError(
                f"threshold must lie above reset: V_th - V_0 = {gap} V; "
                f"V_th_abs must be > V_0_abs for every population")
    dim = population_count(p)
    if dim is not None:
        for name in ("K", "J", "W", "Delay", "Delay_sd"):
            if name in p and np.ndim(p[name]) == 2 and np.shape(p[name]) != (dim, dim):
                raise ValueError(
                    f"{name} has shape {np.shape(p[name])}, but the network has {dim} "
                    f"populations: expected ({dim}, {dim})")
        for name in ("N", "tau_m", "tau_r", "C", "V_th_abs", "V_0_abs", "K_ext"):
            if name in p and np.ndim(p[name]) >= 1 and np.shape(p[name])[0] != dim:
                raise ValueError(
                    f"{name} has {np.shape(p[name])[0]} entries, but the network has {dim} "
                    f"populations")
    _check_external(p, dim)


def _check_external(p: dict, dim: int | None) -> None:
    """K_ext, J_ext (or W_ext) and nu_ext must combine to one drive per population."""
    weight = "J_ext" if "J_ext" in p else "W_ext"
    if dim is None or not all(k in p for k in ("K_ext", weight, "nu_ext")):
        return
    shapes = {k: np.shape(p[k]) for k in ("K_ext", weight, "nu_ext")}
    try:
        kj = np.broadcast_shapes(shapes["K_ext"], shapes[weight])
        if len(kj) == 2:
            if shapes["nu_ext"] not in ((), (1,), (kj[1],)):
                raise ValueError
            drive = (kj[0],)
        else:
            drive = np.broadcast_shapes(kj, shapes["nu_ext"])
        if np.broadcast_shapes(drive, (dim,)) != (dim,):
            raise ValueError
    except ValueError:
        raise ValueError(
            f"the external input does not fit the {dim} populations: K_ext has shape "
            f"{shapes['K_ext']}, {weight} {shapes[weight]} and nu_ext {shapes['nu_ext']}; "
            f"give per-population values, or ({dim}, n_ext) matrices with nu_ext of "
            f"length n_ext") from None
