"""Frequency and wavenumber grids of the analysis parameters (checked ``arange``).

One concept: the grids ``omegas = 2 pi arange(f_min, f_max, df)`` and
``k_wavenumbers = arange(k_min, k_max, dk)`` that every model derives (as NNMT), with
a clear error for non-numeric, non-finite, empty or too large grids.
"""

from __future__ import annotations

import numpy as np

#: most analysis frequencies / wavenumbers a grid may have
MAX_GRID_POINTS = 10_000_000


def _grid(analysis_params: dict, names: tuple, unit: str, scale: float = 1.0
          ) -> np.ndarray:
    """``arange(start, stop, step)`` after checking the three values (SI)."""
    start, stop, step = names
    values = {}
    for name in names:
        raw = analysis_params[name]
        try:
            values[name] = float(raw)
        except (TypeError, ValueError):
            raise TypeError(f"analysis parameter {name} must be a number ({unit}), "
                            f"got {raw!r}") from None
        if not np.isfinite(values[name]):
            raise ValueError(f"analysis parameter {name} must be finite, got "
                             f"{values[name]} {unit}")
    if values[step] <= 0:
        raise ValueError(f"analysis parameter {step} must be > 0, got {values[step]} {unit}")
    if values[stop] <= values[start]:
        raise ValueError(f"analysis parameter {stop} = {values[stop]} {unit} must be larger "
                         f"than {start} = {values[start]} {unit} (the grid would be empty)")
    count = (values[stop] - values[start]) / values[step]
    if count > MAX_GRID_POINTS:
        raise ValueError(f"analysis parameters {start}:{stop}:{step} = {values[start]}:"
                         f"{values[stop]}:{values[step]} {unit} give {count:.3g} points; "
                         f"at most {MAX_GRID_POINTS:.0e} are allowed (use a larger {step})")
    return np.arange(scale * values[start], scale * values[stop], scale * values[step])


def _omegas(analysis_params: dict) -> dict:
    """Angular frequencies 2π·arange(f_min, f_max, df) and wavenumbers (SI)."""
    derived = {}
    if all(k in analysis_params for k in ("f_min", "f_max", "df")):
        derived["omegas"] = _grid(analysis_params, ("f_min", "f_max", "df"), "Hz", 2 * np.pi)
    if all(k in analysis_params for k in ("k_min", "k_max", "dk")):
        derived["k_wavenumbers"] = _grid(analysis_params, ("k_min", "k_max", "dk"), "1/m")
    return derived
