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
from collections.abc import Callable, Iterable, Mapping
from numbers import Number
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import yaml

from . import conventions
from ._val_unit import (  # noqa: F401  (re-exported: the {val, unit} conversion)
    _as_array,
    _to_plain_yaml,
    convert_arrays_in_dict_to_lists,
    parse_unit,
    quantities_to_val_unit,
    val_unit_to_quantities,
)
from .utils import fingerprint

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
    "convert_arrays_in_dict_to_lists",
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

    Parameters
    ----------
    path : str or os.PathLike
        The file to write.
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

    Parameters
    ----------
    file : str or os.PathLike
        The HDF5 file.
    d : mapping
        The (nested) dictionary.
    *args, **kwargs
        Ignored (NNMT's signature).

    Raises
    ------
    TypeError
        If ``d`` is not a dict.
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
    """Load a nested dictionary from an HDF5 file written by neuromf or NNMT.

    Parameters
    ----------
    file : str or os.PathLike
        The HDF5 file.
    *args, **kwargs
        Ignored (NNMT's signature).

    Returns
    -------
    dict
        The nested dictionary (arrays, numbers, strings, None).

    Raises
    ------
    FileNotFoundError
        If ``file`` does not exist.
    """
    if not Path(file).is_file():
        raise FileNotFoundError(f"no such HDF5 file: {file}")
    try:
        with h5py.File(file, "r") as f:
            return _retrieve_dict(f)
    except (OSError, KeyError, RuntimeError) as exc:
        raise ValueError(f"{file} is not a readable HDF5 file (truncated or corrupt?): "
                         f"{exc}") from None


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

def save_quantity_dict_to_yaml(file: str | os.PathLike, qdict: Mapping) -> None:
    """Save a dict of quantities to a YAML file in ``{val, unit}`` format, atomically.

    Parameters
    ----------
    file : str or os.PathLike
        The YAML file.
    qdict : mapping
        Quantities and other values by name.
    """
    plain = _to_plain_yaml(quantities_to_val_unit(qdict))
    with atomic_write(file) as tmp:
        with open(tmp, "w") as stream:
            yaml.safe_dump(plain, stream, sort_keys=False)


def load_val_unit_dict_from_yaml(file: str | os.PathLike,
                                 unitless: Callable[[str], bool] | None = None) -> dict:
    """Load a YAML parameter file in NNMT's ``{val, unit}`` format as quantities.

    ``unitless``: see :func:`val_unit_to_quantities`.

    Parameters
    ----------
    file : str or os.PathLike
        The YAML file.
    unitless : callable, optional
        See :func:`val_unit_to_quantities`.

    Returns
    -------
    dict
        Quantities (pint, ``neuromf.ureg``) by name.

    Raises
    ------
    FileNotFoundError
        If ``file`` does not exist.
    """
    path = Path(file)
    if not path.is_file():
        raise FileNotFoundError(f"no such parameter file: {file}")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{file} is not a UTF-8 text file (byte {exc.start}: "
                         f"{exc.reason}); is it a YAML parameter file?") from None
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValueError(f"{file} is not valid YAML: {exc}") from None
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise ValueError(f"{file} must hold a mapping of parameter names, got "
                         f"{type(raw).__name__}")
    try:
        return val_unit_to_quantities(raw, unitless)
    except ValueError as exc:
        raise ValueError(f"{file}: {exc}") from None


def save_quantity_dict_to_h5(file: str | os.PathLike, qdict: Mapping) -> None:
    """Save a (nested) dict of quantities to HDF5 as ``val``/``unit`` groups.

    Parameters
    ----------
    file : str or os.PathLike
        The HDF5 file.
    qdict : mapping
        Quantities and other values by name (nested).
    """
    save_h5(file, quantities_to_val_unit(qdict))


def load_val_unit_dict_from_h5(file: str | os.PathLike,
                               unitless: Callable[[str], bool] | None = None) -> dict:
    """Load an HDF5 file and turn its ``val``/``unit`` groups into quantities.

    Parameters
    ----------
    file : str or os.PathLike
        The HDF5 file.
    unitless : callable, optional
        See :func:`val_unit_to_quantities`.

    Returns
    -------
    dict
        Quantities (pint, ``neuromf.ureg``) by name, nested as in the file.
    """
    data = load_h5(file)
    try:
        return val_unit_to_quantities(data, unitless)
    except ValueError as exc:
        raise ValueError(f"{file}: {exc}") from None


def load_val_unit_dict(file: str | os.PathLike) -> dict:
    """Load a ``{val, unit}`` dict from a YAML or HDF5 file (chosen by extension).

    Parameters
    ----------
    file : str or os.PathLike
        A ``.yaml``/``.yml`` or ``.h5``/``.hdf5`` file.

    Returns
    -------
    dict
        Quantities (pint, ``neuromf.ureg``) by name.
    """
    suffix = Path(file).suffix.lower()
    if suffix in (".yaml", ".yml"):
        return load_val_unit_dict_from_yaml(file)
    if suffix in (".h5", ".hdf5"):
        return load_val_unit_dict_from_h5(file)
    raise ValueError(f"unknown file type {suffix!r} of {file}; use .yaml, .yml, .h5 or .hdf5")


def save_network(file: str | os.PathLike, network: Any) -> None:
    """Save a network's parameters, results and results cache to HDF5.

    Parameters
    ----------
    file : str or os.PathLike
        The HDF5 file.
    network : Network
        The network.
    """
    output = {"network_params": network.network_params,
              "analysis_params": network.analysis_params,
              "results": network.results,
              "results_hash_dict": network.results_hash_dict}
    save_quantity_dict_to_h5(file, output)


def load_network(file: str | os.PathLike, unitless: Callable[[str], bool] | None = None
                 ) -> tuple[dict, dict, dict, dict]:
    """Load ``(network_params, analysis_params, results, results_hash_dict)`` from HDF5.

    Parameters
    ----------
    file : str or os.PathLike
        HDF5 file written by ``Network.save`` (neuromf or NNMT).
    unitless : callable, optional
        See :func:`val_unit_to_quantities`.

    Returns
    -------
    network_params, analysis_params, results, results_hash_dict : dict
        Parameters and results as quantities, and the results cache.

    Raises
    ------
    ValueError
        If the file holds no saved network.
    """
    data = load_val_unit_dict_from_h5(file, unitless)
    missing = [k for k in ("network_params", "analysis_params") if k not in data]
    if missing:
        raise ValueError(f"{file} is not a saved network: it lacks {', '.join(missing)}")
    return (data["network_params"], data["analysis_params"],
            data.get("results", {}), data.get("results_hash_dict", {}))


def create_hash(params: Mapping, param_keys: Iterable[str]) -> str:
    """Exact hash of the values of ``param_keys`` in ``params``.

    Unlike NNMT 1.3 (which hashes ``str(value)`` and so cannot tell apart large
    arrays that differ only in elements that numpy's printing elides), the hash is
    built from the exact bytes of every value.  Under ``neuromf.use_convention("nnmt")``
    it is NNMT's hash, the MD5 digest of the concatenated ``str`` of the values in
    sorted key order (flag ``nnmt_hash``), so that hashes stored by NNMT match.

    Parameters
    ----------
    params : mapping
        Parameters (SI magnitudes or quantities).
    param_keys : iterable of str
        The keys whose values enter the hash.

    Returns
    -------
    str
        Hexadecimal digest.

    Raises
    ------
    KeyError
        If a key is missing from ``params``.
    """
    keys = sorted(param_keys)
    missing = [k for k in keys if k not in params]
    if missing:
        raise KeyError(f"create_hash: parameters {missing} not in params")
    if conventions.flag("nnmt_hash"):
        return hashlib.md5("".join(str(params[k]) for k in keys).encode()).hexdigest()
    return hashlib.md5(fingerprint([(k, params[k]) for k in keys]).encode()).hexdigest()
