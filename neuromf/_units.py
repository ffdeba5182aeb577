"""Units at the user boundary: the shared pint registry and SI conversion.

Everything inside neuromf works on SI floats and numpy arrays; pint quantities only
appear at the user boundary (parameter files, ``Network`` construction, saved results).
This module converts between the two: :func:`to_si` strips a quantity to its SI
magnitude, :func:`from_si` attaches a unit to an SI magnitude, :func:`frequencies_in_hz`
reads a frequency argument, and the NNMT 1.3-named helpers convert whole parameter
dicts.  :mod:`neuromf.utils` re-exports all of it (``neuromf.utils.to_si``,
``neuromf.ureg`` ... are the documented names).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pint

from ._checks import check_finite

__all__ = ["ureg", "is_quantity", "to_si", "from_si", "frequencies_in_hz", "pint_array"]

#: The unit registry shared by all of neuromf (re-exported as ``neuromf.ureg``).
ureg = pint.UnitRegistry()
# Quantities unpickled in worker processes (parameter scans) must land in this registry.
pint.set_application_registry(ureg)


def is_quantity(value: Any) -> bool:
    """True if ``value`` is a pint quantity (of any registry)."""
    return hasattr(value, "magnitude") and hasattr(value, "units") and hasattr(value, "to")


def to_si(value: Any) -> tuple[Any, str | None]:
    """Convert a quantity to SI base units and split off its unit.

    Offset units (degC) are not used by neuromf.

    Parameters
    ----------
    value : pint.Quantity or any
        A quantity of any registry (scalar or array magnitude); anything else is passed
        through.

    Returns
    -------
    magnitude : float, numpy.ndarray or any
        The magnitude in SI base units (a 0-d array becomes a Python scalar); a
        non-quantity ``value`` unchanged.
    unit : str or None
        The unit ``value`` was given in (e.g. ``'millivolt'``), or None for a
        non-quantity.
    """
    if not is_quantity(value):
        return value, None
    q = ureg.Quantity(value.magnitude, str(value.units))
    base = q.to_base_units()
    mag = base.magnitude
    if isinstance(mag, np.ndarray) and mag.ndim == 0:
        mag = mag.item()
    return mag, str(q.units)


def from_si(magnitude: Any, unit: str) -> Any:
    """Attach ``unit`` to an SI ``magnitude``, converting it to that unit.

    ``from_si(0.01, 'ms')`` gives ``10 ms``.

    Parameters
    ----------
    magnitude : float, array_like or None
        Value in SI base units (s, V, Hz, ...).
    unit : str
        Unit to express it in, any pint unit of the same dimension (``'ms'``, ``'mV'``).

    Returns
    -------
    pint.Quantity or None
        ``magnitude`` converted to ``unit``, in :data:`ureg`; None if ``magnitude`` is
        None.

    Raises
    ------
    pint.errors.UndefinedUnitError
        If pint does not know ``unit``.
    """
    if magnitude is None:
        return None
    factor = ureg.Quantity(1.0, unit).to_base_units().magnitude
    value = np.asarray(magnitude) / factor if np.ndim(magnitude) else magnitude / factor
    return ureg.Quantity(value, unit)


def frequencies_in_hz(freqs: Any, name: str = "freqs") -> np.ndarray:
    """Read a frequency argument as a finite, non-empty 1-d float array in Hz.

    Parameters
    ----------
    freqs : float, array_like or pint.Quantity
        Frequencies (not angular frequencies).  A quantity is converted from its unit
        (kHz, ...) and must be a frequency; plain numbers are taken as Hz.
    name : str, optional
        Name of the argument for the error messages.  Default ``'freqs'``.

    Returns
    -------
    numpy.ndarray
        The frequencies in Hz, 1-d float, at least one element.

    Raises
    ------
    TypeError
        If ``freqs`` is not numbers.
    ValueError
        If a quantity is not a frequency, if the array is empty or not 1-d, or if it holds
        NaN or infinity; each message names ``name``.
    """
    if is_quantity(freqs):
        if freqs.dimensionality != ureg.Hz.dimensionality:
            raise ValueError(f"{name} must be frequencies (e.g. Hz), got unit "
                             f"{freqs.units!s}")
        freqs = freqs.to(ureg.Hz).magnitude
    try:
        arr = np.atleast_1d(np.asarray(freqs, dtype=float))
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be numbers (Hz), got {freqs!r}") from None
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-d array of frequencies (Hz), got "
                         f"shape {arr.shape}")
    check_finite(name, arr, "Hz")
    return arr


def _convert_from_si_to_prefixed(magnitude: Any, unit: str) -> Any:
    """Quantity in ``unit`` from an SI ``magnitude`` (NNMT 1.3's helper, same signature).

    ``_convert_from_si_to_prefixed(0.001, 'millivolt')`` is ``1 mV``.
    """
    return from_si(magnitude, unit)


def _convert_from_prefixed_to_si(magnitude: Any, unit: str) -> Any:
    """Quantity in SI base units from a ``magnitude`` given in ``unit`` (NNMT 1.3's helper).

    ``_convert_from_prefixed_to_si(1, 'millivolt')`` is ``0.001 V``.  Derived SI units
    are kept where pint names them (``1/ms`` -> ``1/s``; ``mV`` -> ``V``); a compound unit
    comes back in base units (``V/ms`` -> ``kg m² / (A s⁴)``, as in NNMT).
    """
    q = ureg.Quantity(magnitude, unit)
    base = q.to_base_units()
    # pint spells a prefixed derived unit (mV) in base units (kg m² / A / s³); name it as
    # its unprefixed derived unit (V) when that is the same dimension with factor 1
    try:
        stripped = str(q.units)
        for prefix in ("kilo", "milli", "micro", "nano", "pico", "mega", "giga", "centi"):
            stripped = stripped.replace(prefix, "")
        plain = ureg.Quantity(1.0, stripped)
        if plain.to_base_units().magnitude == 1.0 and plain.dimensionality == q.dimensionality:
            return base.to(stripped)
    except Exception:  # noqa: BLE001  (unparseable after stripping: keep base units)
        pass
    return base


def _convert_to_si_and_strip_units(params: dict) -> None:
    """Convert every quantity in ``params`` to SI base units and strip the unit, in place.

    Same name and in-place behaviour as NNMT's helper, used to prepare parameter
    dicts for the parameter-level (``_``) functions.
    """
    for key, value in params.items():
        magnitude, unit = to_si(value)
        if unit is not None:
            params[key] = magnitude


def _to_si_units(params: dict) -> None:
    """Convert every quantity in ``params`` to SI base units, in place (NNMT's helper)."""
    for key, value in params.items():
        if is_quantity(value):
            params[key] = ureg.Quantity(value.magnitude, str(value.units)).to_base_units()


def _strip_units(params: dict) -> None:
    """Replace every quantity in ``params`` by its magnitude, in place (NNMT's helper)."""
    for key, value in params.items():
        if is_quantity(value):
            params[key] = value.magnitude


def pint_array(quantity_list: list) -> Any:
    """One quantity with an array magnitude from a list of quantities (NNMT's helper)."""
    if quantity_list and all(is_quantity(q) for q in quantity_list):
        unit = quantity_list[0].units
        return ureg.Quantity(np.array([q.to(unit).magnitude for q in quantity_list]), unit)
    return np.array(quantity_list)
