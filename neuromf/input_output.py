"""Reading and writing parameters and results: YAML ``{val, unit}`` files and HDF5.

The file formats are those of NNMT 1.3, so that files written by either tool load in
the other:

* YAML parameter files hold ``name: {val: ..., unit: ...}`` entries (or plain values).
* HDF5 files hold nested groups; a quantity is a group with datasets ``val`` and
  ``unit``.

neuromf adds, as HDF5 attributes that NNMT ignores, what is needed for a lossless
round trip (``None``, booleans, lists vs arrays, tuples, empty containers).  Every
write goes to a temporary file in the target directory that is renamed over the
target only once it is complete, so an interrupted save never leaves a half-written
file behind and never destroys the previous one.
"""

from __future__ import annotations

import hashlib
import os
import stat
import tempfile
from collections.abc import Iterable, Mapping
from numbers import Number
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import yaml

from .utils import fingerprint, is_quantity, ureg

__all__ = [
    "save_h5",
    "load_h5",
    "load_val_unit_dict_from_yaml",
    "save_quantity_dict_to_yaml",
    "val_unit_to_quantities",
    "quantities_to_val_unit",
    "save_quantity_dict_to_h5",
    "load_val_unit_dict_from_h5",
    "load_val_unit_dict",
    "save_network",
    "load_network",
    "create_hash",
    "atomic_write",
]

_TYPE_ATTR = "neuromf_type"


# ---------------------------------------------------------------------------
# atomic writes
# ---------------------------------------------------------------------------

class atomic_write:
    """Context manager yielding a temporary path that replaces ``path`` on success.

    >>> with atomic_write('results.h5') as tmp:
    ...     write_something(tmp)

    If the block raises (or the process is interrupted), ``path`` is untouched and the
    temporary file is removed.
    """

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)

    def __enter__(self) -> str:
        directory = self.path.parent if str(self.path.parent) else Path(".")
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp",
                                   dir=directory)
        os.close(fd)
        self.tmp = tmp
        return tmp

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            try:
                # mkstemp creates 0600: give the file the mode of the file it replaces, or
                # the mode a new file gets (0666 minus the umask, usually 0644)
                os.chmod(self.tmp, file_mode(self.path))
                os.replace(self.tmp, self.path)
                return
            except BaseException:
                _remove_quietly(self.tmp)
                raise
        _remove_quietly(self.tmp)


def _remove_quietly(path: str | os.PathLike) -> None:
    try:
        os.remove(path)
    except FileNotFoundError:
        pass


def file_mode(path: str | os.PathLike) -> int:
    """Permission bits for (re)writing ``path``: those of the existing file, else
    ``0o666`` minus the process umask (what ``open(path, 'w')`` would give)."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        pass
    umask = os.umask(0o022)   # reading the umask means setting it; restore at once
    os.umask(umask)
    return 0o666 & ~umask


# ---------------------------------------------------------------------------
# HDF5
# ---------------------------------------------------------------------------

def save_h5(file: str | os.PathLike, d: Mapping, *args: Any, **kwargs: Any) -> None:
    """Save a (nested) dictionary to an HDF5 file, atomically.

    Values may be numbers, strings, numpy arrays, lists, tuples, ``None`` and nested
    dicts; keys may be strings or numbers.
    """
    if not isinstance(d, Mapping):
        raise TypeError(f"save_h5 needs a dict, got {type(d).__name__}")
    with atomic_write(file) as tmp:
        with h5py.File(tmp, "w") as f:
            _store_dict(f, d)


def _store_value(f: h5py.Group, key: str, value: Any) -> h5py.Dataset | h5py.Group:
    if isinstance(value, Mapping):
        grp = f.create_group(key)
        _store_dict(grp, value)
        return grp
    if value is None:
        dset = f.create_dataset(key, data=h5py.Empty("f8"))
        dset.attrs[_TYPE_ATTR] = "none"
        return dset
    if isinstance(value, str):
        dset = f.create_dataset(key, (1,), dtype=h5py.string_dtype())
        dset[0] = value
        dset.attrs[_TYPE_ATTR] = "str"
        return dset
    if isinstance(value, (list, tuple)):
        kind = "list" if isinstance(value, list) else "tuple"
        if len(value) and all(isinstance(v, str) for v in value):
            dset = f.create_dataset(key, (len(value),), dtype=h5py.string_dtype())
            dset[:] = list(value)
        elif len(value) == 0 or _is_homogeneous_numeric(value):
            dset = f.create_dataset(key, data=np.asarray(value, dtype=float)
                                    if len(value) == 0 else np.asarray(value))
        else:
            grp = f.create_group(key)
            for i, item in enumerate(value):
                _store_value(grp, str(i), item)
            grp.attrs[_TYPE_ATTR] = kind + "_group"
            return grp
        dset.attrs[_TYPE_ATTR] = kind
        return dset
    if isinstance(value, (bool, np.bool_)):
        dset = f.create_dataset(key, data=bool(value))
        dset.attrs[_TYPE_ATTR] = "bool"
        return dset
    arr = np.asarray(value)
    if arr.dtype.kind in "US":
        dset = f.create_dataset(key, arr.shape, dtype=h5py.string_dtype())
        dset[...] = arr.astype(str)
        dset.attrs[_TYPE_ATTR] = "str_array"
        return dset
    if arr.dtype == object:
        raise TypeError(f"cannot store {key!r}: objects of type {type(value).__name__} "
                        f"are not supported in HDF5 files")
    dset = f.create_dataset(key, data=arr)
    dset.attrs[_TYPE_ATTR] = "array" if isinstance(value, np.ndarray) else "scalar"
    return dset


def _is_homogeneous_numeric(values: Iterable) -> bool:
    try:
        arr = np.asarray(values)
    except ValueError:
        return False
    return arr.dtype.kind in "biufc"


def _store_dict(f: h5py.Group, d: Mapping) -> None:
    for key, value in d.items():
        numerical = isinstance(key, Number)
        name = str(key)
        if "/" in name:
            raise ValueError(f"HDF5 keys may not contain '/': {name!r}")
        node = _store_value(f, name, value)
        if numerical:
            node.attrs["numerical_key"] = True


def load_h5(file: str | os.PathLike, *args: Any, **kwargs: Any) -> dict:
    """Load a nested dictionary from an HDF5 file written by neuromf or NNMT."""
    if not Path(file).is_file():
        raise FileNotFoundError(f"no such HDF5 file: {file}")
    with h5py.File(file, "r") as f:
        return _retrieve_dict(f)


def _retrieve_value(node: h5py.Dataset | h5py.Group) -> Any:
    kind = node.attrs.get(_TYPE_ATTR)
    if isinstance(kind, bytes):
        kind = kind.decode()
    if isinstance(node, h5py.Group):
        if kind in ("list_group", "tuple_group"):
            items = [_retrieve_value(node[str(i)]) for i in range(len(node))]
            return items if kind == "list_group" else tuple(items)
        return _retrieve_dict(node)
    if kind == "none":
        return None
    if node.shape is None:
        return None
    if h5py.check_string_dtype(node.dtype) is not None:
        strings = node.asstr()[()]
        if kind == "str":
            return str(strings[0])
        if kind == "str_array":
            return np.asarray(strings, dtype=str)
        if kind in ("list", "tuple"):
            items = [str(s) for s in strings]
            return items if kind == "list" else tuple(items)
        # files written by NNMT: one string -> str, several -> list of str
        if np.ndim(strings) == 0:
            return str(strings)
        return str(strings[0]) if len(strings) == 1 else [str(s) for s in strings]
    value = node[()]
    if isinstance(value, bytes):
        return value.decode("utf8")
    if kind == "bool":
        return bool(value)
    if kind == "list":
        return np.asarray(value).tolist()
    if kind == "tuple":
        return tuple(np.asarray(value).tolist())
    if kind == "scalar" and isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray) and value.dtype.kind == "S":
        return np.char.decode(value, "utf8")
    return value


def _retrieve_dict(f: h5py.Group) -> dict:
    d: dict = {}
    for key, node in f.items():
        if node.attrs.get("numerical_key"):
            try:
                key = int(key)
            except ValueError:
                key = float(key)
        d[key] = _retrieve_value(node)
    return d


# ---------------------------------------------------------------------------
# quantities <-> val/unit dicts
# ---------------------------------------------------------------------------

def _as_array(value: Any) -> Any:
    return np.array(value) if isinstance(value, list) else value


def val_unit_to_quantities(dict_of_val_unit_dicts: Mapping) -> dict:
    """Convert ``{name: {'val': v, 'unit': u}}`` entries into pint quantities.

    Lists become numpy arrays; entries with only ``val`` become plain values; other
    nested dicts are converted recursively; everything else is kept.
    """
    converted: dict = {}
    for key, value in dict_of_val_unit_dicts.items():
        if isinstance(value, Mapping):
            keys = set(value.keys())
            if keys == {"val", "unit"}:
                unit = value["unit"]
                try:
                    units = ureg.parse_units(str(unit).replace("µ", "u").replace("μ", "u"))
                except Exception:
                    units = ureg.parse_expression(str(unit)).units
                converted[key] = ureg.Quantity(_as_array(value["val"]), units)
            elif "val" in keys:
                converted[key] = _as_array(value["val"])
            else:
                converted[key] = val_unit_to_quantities(value)
        else:
            converted[key] = _as_array(value)
    return converted


def quantities_to_val_unit(dict_of_quantities: Mapping) -> dict:
    """Convert pint quantities into ``{'val': magnitude, 'unit': unit}`` dicts.

    Nested dicts are converted recursively; lists of quantities become one
    ``val``/``unit`` pair in the unit of the first element; other values are kept.
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


def _to_plain_yaml(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _to_plain_yaml(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (list, tuple)):
        return [_to_plain_yaml(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def save_quantity_dict_to_yaml(file: str | os.PathLike, qdict: Mapping) -> None:
    """Save a dict of quantities to a YAML file in ``{val, unit}`` format, atomically."""
    plain = _to_plain_yaml(quantities_to_val_unit(qdict))
    with atomic_write(file) as tmp:
        with open(tmp, "w") as stream:
            yaml.safe_dump(plain, stream, sort_keys=False)


def load_val_unit_dict_from_yaml(file: str | os.PathLike) -> dict:
    """Load a YAML parameter file in NNMT's ``{val, unit}`` format as quantities."""
    path = Path(file)
    if not path.is_file():
        raise FileNotFoundError(f"no such parameter file: {file}")
    with open(path) as stream:
        try:
            raw = yaml.safe_load(stream)
        except yaml.YAMLError as exc:
            raise ValueError(f"{file} is not valid YAML: {exc}") from exc
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise ValueError(f"{file} must hold a mapping of parameter names, got "
                         f"{type(raw).__name__}")
    return val_unit_to_quantities(raw)


def save_quantity_dict_to_h5(file: str | os.PathLike, qdict: Mapping) -> None:
    """Save a (nested) dict of quantities to HDF5 as ``val``/``unit`` groups."""
    save_h5(file, quantities_to_val_unit(qdict))


def load_val_unit_dict_from_h5(file: str | os.PathLike) -> dict:
    """Load an HDF5 file and turn its ``val``/``unit`` groups into quantities."""
    return val_unit_to_quantities(load_h5(file))


def load_val_unit_dict(file: str | os.PathLike) -> dict:
    """Load a ``{val, unit}`` dict from a YAML or HDF5 file (chosen by extension)."""
    suffix = Path(file).suffix.lower()
    if suffix in (".yaml", ".yml"):
        return load_val_unit_dict_from_yaml(file)
    if suffix in (".h5", ".hdf5"):
        return load_val_unit_dict_from_h5(file)
    raise ValueError(f"unknown file type {suffix!r} of {file}; use .yaml, .yml, .h5 or .hdf5")


def save_network(file: str | os.PathLike, network: Any) -> None:
    """Save a network's parameters, results and results cache to HDF5."""
    output = {"network_params": network.network_params,
              "analysis_params": network.analysis_params,
              "results": network.results,
              "results_hash_dict": network.results_hash_dict}
    save_quantity_dict_to_h5(file, output)


def load_network(file: str | os.PathLike) -> tuple[dict, dict, dict, dict]:
    """Load ``(network_params, analysis_params, results, results_hash_dict)`` from HDF5."""
    data = load_val_unit_dict_from_h5(file)
    missing = [k for k in ("network_params", "analysis_params") if k not in data]
    if missing:
        raise ValueError(f"{file} is not a saved network: it lacks {', '.join(missing)}")
    return (data["network_params"], data["analysis_params"],
            data.get("results", {}), data.get("results_hash_dict", {}))


def create_hash(params: Mapping, param_keys: Iterable[str]) -> str:
    """Exact hash of the values of ``param_keys`` in ``params``.

    Unlike NNMT 1.3 (which hashes ``str(value)`` and so cannot tell apart large
    arrays that differ only in elements that numpy's printing elides), the hash is
    built from the exact bytes of every value.
    """
    keys = sorted(param_keys)
    missing = [k for k in keys if k not in params]
    if missing:
        raise KeyError(f"create_hash: parameters {missing} not in params")
    return hashlib.md5(fingerprint([(k, params[k]) for k in keys]).encode()).hexdigest()
