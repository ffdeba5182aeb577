"""Pint quantities to and from NNMT's ``{val, unit}`` dicts (the YAML/HDF5 record format).

One concept: the conversion of values with units into the plain ``{'val': magnitude,
'unit': unit}`` records that NNMT 1.3's parameter files and HDF5 results use, with a
strict unit-string parser (clear errors for unreadable units or numbers).  Re-exported by
:mod:`neuromf.input_output`, which reads and writes the files.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from .utils import is_quantity, ureg


def _as_array(value: Any) -> Any:
    return np.array(value) if isinstance(value, list) else value


#: characters a unit string may hold (pint syntax without its more surprising parts)
_UNIT_CHARS = re.compile(r"^[A-Za-z0-9_ µμΩ*/^().+-]*$")
_JUXTAPOSED = re.compile(r"[A-Za-zµμΩ_)]\s+[A-Za-zµμΩ_(]")


def parse_unit(unit: Any, name: str = "value") -> Any:
    """The pint unit of a ``{val, unit}`` entry, or ValueError naming ``name``.

    Refused: non-strings, empty strings (write ``dimensionless``), characters such
    as ``%`` (write ``percent``), juxtaposed units such as ``'ms ms'`` (write
    ``'ms * ms'`` or ``'ms**2'``), and anything pint cannot parse ('ms/').
    """
    if not isinstance(unit, str):
        raise ValueError(f"{name}: unit must be a string such as 'ms', got {unit!r}")
    text = unit.strip()
    if not text:
        raise ValueError(f"{name}: empty unit string; write 'dimensionless' for a pure "
                         f"number, or drop the {{val, unit}} form and give the number")
    if not _UNIT_CHARS.match(text):
        raise ValueError(f"{name}: unit {unit!r} holds characters that are not allowed in "
                         f"units (write 'percent' instead of '%')")
    if _JUXTAPOSED.search(text):
        raise ValueError(f"{name}: unit {unit!r} juxtaposes two units; write the product "
                         f"explicitly, e.g. 'ms * ms', or the unit you meant")
    cleaned = text.replace("µ", "u").replace("μ", "u")
    try:
        units = ureg.parse_units(cleaned)
    except Exception:
        try:
            parsed = ureg.parse_expression(cleaned)
        except Exception as exc:
            raise ValueError(f"{name}: cannot read unit {unit!r} "
                             f"({type(exc).__name__}: {exc})") from None
        if not hasattr(parsed, "units") or getattr(parsed, "magnitude", 1) != 1:
            raise ValueError(f"{name}: {unit!r} is not a unit") from None
        units = parsed.units
    return units


def _numeric_val(value: Any, name: str) -> Any:
    """A {val, unit} value as a number or float array; ValueError naming ``name``."""
    value = _as_array(value)
    if isinstance(value, (bool, np.bool_)) or value is None:
        raise ValueError(f"{name}: val must be a number or a list of numbers, got {value!r}")
    arr = np.asarray(value)
    if arr.dtype.kind not in "iufc":
        raise ValueError(f"{name}: val must be a number or a (nested) list of numbers of "
                         f"equal lengths, got {value!r}")
    return value


def val_unit_to_quantities(dict_of_val_unit_dicts: Mapping,
                           unitless: Callable[[str], bool] | None = None,
                           _path: str = "") -> dict:
    """Convert ``{name: {'val': v, 'unit': u}}`` entries into pint quantities.

    Lists become numpy arrays; other nested dicts are converted recursively;
    everything else is kept.  Keys beside ``val`` and ``unit`` or an unreadable unit
    raise ValueError naming the entry.  A ``val`` without ``unit`` becomes the plain
    value (as in NNMT) if ``unitless`` is None; otherwise only for the names for
    which ``unitless(name)`` is true (pure numbers), and is an error for the others
    (the models pass their schema, so that ``{val: 20}`` is never taken as SI).

    Parameters
    ----------
    dict_of_val_unit_dicts : mapping
        ``{name: {'val': v, 'unit': u}}`` entries (nested).
    unitless : callable, optional
        ``unitless(name)`` is true for the pure numbers.
    _path : str
        Key prefix of the nested entry (for error messages; internal).

    Returns
    -------
    dict
        Quantities (pint, ``neuromf.ureg``), arrays and other values by name.

    Raises
    ------
    ValueError
        For keys beside ``val``/``unit``, an unreadable unit, or a ``val`` without
        ``unit`` where ``unitless`` says it needs one.
    """
    converted: dict = {}
    for key, value in dict_of_val_unit_dicts.items():
        name = f"{_path}{key}"
        if isinstance(value, Mapping):
            keys = set(value.keys())
            if keys == {"val", "unit"}:
                units = parse_unit(value["unit"], name)
                converted[key] = ureg.Quantity(_numeric_val(value["val"], name), units)
            elif keys == {"val"} and (unitless is None or unitless(str(key))):
                converted[key] = _as_array(value["val"])
            elif "val" in keys or ("unit" in keys and len(keys) <= 2):
                if "unit" not in keys:
                    raise ValueError(
                        f"{name}: {{val: ...}} without 'unit'; give its unit (e.g. 'ms', "
                        f"'dimensionless'), or the plain value without 'val'")
                extra = sorted(map(str, keys - {"val", "unit"}))
                raise ValueError(f"{name}: a {{val, unit}} entry may hold only 'val' and "
                                 f"'unit', got also {extra}" if "val" in keys else
                                 f"{name}: 'unit' without 'val'")
            else:
                converted[key] = val_unit_to_quantities(value, unitless, f"{name}.")
        else:
            converted[key] = _as_array(value)
    return converted


def quantities_to_val_unit(dict_of_quantities: Mapping) -> dict:
    """Convert pint quantities into ``{'val': magnitude, 'unit': unit}`` dicts.

    Nested dicts are converted recursively; lists of quantities become one
    ``val``/``unit`` pair in the unit of the first element; other values are kept.

    Parameters
    ----------
    dict_of_quantities : mapping
        Quantities and other values by name (nested).

    Returns
    -------
    dict
        The converted dict.
    """
    converted: dict = {}
    for key, value in dict_of_quantities.items():
        if is_quantity(value):
            converted[key] = {"val": value.magnitude, "unit": str(value.units)}
        elif isinstance(value, Mapping):
            converted[key] = quantities_to_val_unit(value)
        elif (isinstance(value, (list, tuple)) and value
              and all(is_quantity(v) for v in value)):
            unit = value[0].units
            converted[key] = {"val": [v.to(unit).magnitude for v in value],
                              "unit": str(unit)}
        else:
            converted[key] = value
    return converted


def convert_arrays_in_dict_to_lists(adict: Mapping) -> dict:
    """Copy of a (nested) dict with every numpy array turned into a (nested) list.

    NNMT 1.3's helper (same name): YAML can only store plain lists.  Other values,
    including numpy scalars' Python equivalents, are kept.

    Parameters
    ----------
    adict : mapping
        The (nested) dict.

    Returns
    -------
    dict
        The converted copy.
    """
    converted: dict = {}
    for key, value in adict.items():
        if isinstance(value, Mapping):
            converted[key] = convert_arrays_in_dict_to_lists(value)
        elif isinstance(value, np.ndarray):
            converted[key] = value.tolist()
        else:
            converted[key] = value
    return converted


def _to_plain_yaml(value: Any) -> Any:
    if is_quantity(value):
        return _to_plain_yaml({"val": value.magnitude, "unit": str(value.units)})
    if isinstance(value, Mapping):
        return {str(k): _to_plain_yaml(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (list, tuple)):
        return [_to_plain_yaml(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value
