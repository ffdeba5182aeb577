"""Parameter lookup and the results cache: the machinery between the two API layers.

A *parameter-level* function ``_f(a, b, ...)`` takes plain SI arrays; a *network-level*
function ``f(network)`` looks up the arguments of ``_f`` in the network's parameter dicts
and results (:func:`get_required_network_params`, :func:`get_required_results`) and
caches the result under an exact key (:func:`_cache`).

Cache keys are SHA-256 digests of the exact bytes, dtype and shape of every argument
(:func:`fingerprint`; NNMT 1.3 builds its keys from ``str(array)``, which elides the
middle of large arrays so that two different arrays can share one key).  Two arguments
are named by a digest instead of being hashed again: a network parameter by the
fingerprint its model recorded (valid while the model's snapshot check finds the dicts
unchanged), and a cached result by the key that produced it (stored results are made
read-only, so they still hold what that key computed).

This module also re-exports, under their documented names ``neuromf.utils.X``, the units
at the boundary (:mod:`neuromf._units`: :data:`ureg`, :func:`to_si`, :func:`from_si`,
:func:`frequencies_in_hz`, NNMT's unit helpers) and the input checks
(:mod:`neuromf._checks`: :func:`check_finite`, :func:`check_positive`, ...).
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import numbers
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np

from . import conventions
from ._checks import (
    NON_NEGATIVE_PARAMS as NON_NEGATIVE_PARAMS,
)
from ._checks import (
    ZeroSigmaError as ZeroSigmaError,
)
from ._checks import (
    _describe as _describe,
)
from ._checks import (
    check_choice,
    check_finite,
    check_positive,
    check_same_shape,
)
from ._checks import (
    check_non_negative_params as check_non_negative_params,
)
from ._checks import (
    check_sigma_nonzero as check_sigma_nonzero,
)
from ._units import (
    _convert_from_prefixed_to_si as _convert_from_prefixed_to_si,
)
from ._units import (
    _convert_from_si_to_prefixed as _convert_from_si_to_prefixed,
)
from ._units import (
    _convert_to_si_and_strip_units as _convert_to_si_and_strip_units,
)
from ._units import (
    _strip_units as _strip_units,
)
from ._units import (
    _to_si_units as _to_si_units,
)
from ._units import (
    frequencies_in_hz,
    from_si,
    to_si,
    ureg,
)
from ._units import (
    is_quantity as is_quantity,
)
from ._units import (
    pint_array as pint_array,
)

__all__ = [
    "ureg", "to_si", "from_si", "_cache", "fingerprint", "get_required_network_params",
    "get_optional_network_params", "get_required_results", "check_positive",
    "check_finite", "check_choice", "check_same_shape", "frequencies_in_hz",
]


# ---------------------------------------------------------------------------
# exact fingerprints
# ---------------------------------------------------------------------------

class _Digest(str):
    """A fingerprint standing for a value in a cache key (see the module docstring)."""


def _feed(h: Any, obj: Any) -> None:
    """Feed an unambiguous serialisation of ``obj`` into the hash object ``h``."""
    if obj is None:
        h.update(b"N;")
    elif isinstance(obj, _Digest):
        h.update(b"H" + obj.encode() + b";")
    elif isinstance(obj, (bool, np.bool_)):
        h.update(b"B" + (b"1" if obj else b"0") + b";")
    elif isinstance(obj, numbers.Integral):
        h.update(b"I" + str(int(obj)).encode() + b";")
    elif isinstance(obj, numbers.Real):
        h.update(b"F" + float(obj).hex().encode() + b";")
    elif isinstance(obj, numbers.Complex):
        h.update(b"C" + complex(obj).real.hex().encode() + b","
                 + complex(obj).imag.hex().encode() + b";")
    elif isinstance(obj, str):
        data = obj.encode()
        h.update(b"S" + str(len(data)).encode() + b":" + data)
    elif isinstance(obj, bytes):
        h.update(b"Y" + str(len(obj)).encode() + b":" + obj)
    elif isinstance(obj, np.ndarray):
        arr = np.ascontiguousarray(obj)
        if arr.dtype == object:
            h.update(b"O" + str(arr.shape).encode())
            for item in arr.ravel():
                _feed(h, item)
        else:
            h.update(b"A" + arr.dtype.str.encode() + str(arr.shape).encode() + b":")
            h.update(arr.reshape(-1).view(np.uint8))      # the bytes, without a copy
    elif isinstance(obj, Mapping):
        h.update(b"D" + str(len(obj)).encode() + b"{")
        for key in sorted(obj, key=str):
            _feed(h, str(key))
            _feed(h, obj[key])
        h.update(b"}")
    elif isinstance(obj, (list, tuple)):
        h.update((b"L" if isinstance(obj, list) else b"T") + str(len(obj)).encode() + b"[")
        for item in obj:
            _feed(h, item)
        h.update(b"]")
    elif hasattr(obj, "magnitude") and hasattr(obj, "units"):
        _feed(h, str(obj.units))
        _feed(h, np.asarray(obj.magnitude))
    elif callable(obj):
        _feed(h, f"{getattr(obj, '__module__', '')}.{getattr(obj, '__qualname__', repr(obj))}")
    else:
        raise TypeError(f"cannot build an exact cache key for an object of type "
                        f"{type(obj).__name__!r}")


def fingerprint(*objs: Any) -> str:
    """Return an exact SHA-256 hex digest of nested numbers, arrays, strings and dicts.

    Two arguments give the same fingerprint only if they hold the same values with the
    same dtypes and shapes (floats are compared bit for bit).

    Parameters
    ----------
    *objs : object
        Values to digest, in order: None, bools, numbers, strings, bytes, numpy arrays,
        pint quantities (unit and magnitude), and dicts, lists and tuples of these;
        a callable is named by its module and qualified name.

    Returns
    -------
    str
        The 64-character hexadecimal SHA-256 digest.

    Raises
    ------
    TypeError
        If an object (or a nested item) is of a type without an exact serialisation.
    """
    h = hashlib.sha256()
    for obj in objs:
        _feed(h, obj)
    return h.hexdigest()


# ---------------------------------------------------------------------------
# parameter lookup
# ---------------------------------------------------------------------------

def _signature_params(func: Callable) -> tuple[inspect.Parameter, ...]:
    try:
        return _signature_params_cached(func)
    except TypeError:                       # unhashable callable
        return _signature_params_cached.__wrapped__(func)


@functools.lru_cache(maxsize=1024)
def _signature_params_cached(func: Callable) -> tuple[inspect.Parameter, ...]:
    """Signature lookup once per function (inspect.signature costs ~20 us a call)."""
    return tuple(p for p in inspect.signature(func).parameters.values()
                 if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD))


def get_list_of_required_parameters(func: Callable) -> list[str]:
    """Names of the arguments of ``func`` that have no default."""
    return [p.name for p in _signature_params(func) if p.default is p.empty]


def get_list_of_optional_parameters(func: Callable) -> list[str]:
    """Names of the arguments of ``func`` that have a default."""
    return [p.name for p in _signature_params(func) if p.default is not p.empty]


def _lookup(network: Any, name: str) -> Any:
    for source in ("network_params", "analysis_params"):
        params = getattr(network, source, {})
        if name in params:
            return params[name]
    raise KeyError(name)


def get_required_network_params(network: Any, func: Callable,
                                exclude: Iterable[str] | None = None) -> dict:
    """Collect the required arguments of ``func`` from the network's parameters.

    Parameters are looked up in ``network.network_params`` and then in
    ``network.analysis_params``.

    Parameters
    ----------
    network : Network
        The network whose parameter dicts hold the arguments (SI magnitudes).
    func : callable
        Parameter-level function; its arguments without a default are collected.
    exclude : iterable of str, optional
        Names of arguments not to collect (supplied by the caller, e.g. results).

    Returns
    -------
    dict
        ``{argument name: value}`` for every required argument of ``func`` not in
        ``exclude``.

    Raises
    ------
    RuntimeError
        Naming every missing parameter and the function that needs it.
    """
    _sync(network)
    exclude = set(exclude or ())
    names = [n for n in get_list_of_required_parameters(func) if n not in exclude]
    params, missing = {}, []
    for name in names:
        try:
            params[name] = _lookup(network, name)
        except KeyError:
            missing.append(name)
    if missing:
        raise RuntimeError(
            f"{func.__module__}.{func.__name__} needs the network parameter(s) "
            f"{', '.join(repr(m) for m in missing)}, which the network does not define.")
    return params


def _sync(network: Any) -> None:
    """Let a model re-derive parameters after in-place edits of its dicts."""
    sync = getattr(network, "_sync_parameters", None)
    if sync is not None:
        sync()


def get_optional_network_params(network: Any, func: Callable) -> dict:
    """Collect those optional arguments of ``func`` that the network defines.

    Parameters
    ----------
    network : Network
        The network whose ``network_params`` and ``analysis_params`` are searched.
    func : callable
        Parameter-level function; its arguments with a default are looked up.

    Returns
    -------
    dict
        ``{argument name: value}`` for those optional arguments the network defines;
        the others are left out, so that ``func`` uses its defaults.
    """
    _sync(network)
    params = {}
    for name in get_list_of_optional_parameters(func):
        try:
            params[name] = _lookup(network, name)
        except KeyError:
            pass
    return params


def get_required_results(network: Any, keys: Iterable[str],
                         results_keys: Iterable[str]) -> dict:
    """Return ``{key: network.results[result_key]}``; raise if a result is missing.

    Results whose inputs (parameters) have changed since they were computed are
    discarded first, so a stale value is never used.

    Parameters
    ----------
    network : Network
        The network whose ``results`` hold the computed quantities (SI magnitudes).
    keys : iterable of str
        Argument names under which the results are returned (e.g. ``'nu'``).
    results_keys : iterable of str
        Result keys to look up, one per entry of ``keys`` (e.g.
        ``'lif.exp.firing_rates'``).

    Returns
    -------
    dict
        ``{key: network.results[result_key]}`` for each pair.

    Raises
    ------
    RuntimeError
        If a result has not been computed (or was discarded as stale); the message
        names the result key and the argument it is needed as.
    """
    invalidate_stale_results(network)
    out = {}
    for key, rkey in zip(keys, results_keys):
        try:
            out[key] = network.results[rkey]
        except KeyError:
            raise RuntimeError(
                f"You first need to calculate {rkey!r} (missing result needed as {key!r})."
            ) from None
    return out


# ---------------------------------------------------------------------------
# results cache
# ---------------------------------------------------------------------------

def _current_fingerprint(network: Any, name: str, value: Any) -> str:
    """``fingerprint(value)`` of the network parameter ``name`` (whose current value is
    ``value``), reusing the fingerprint a model recorded when it last derived its
    parameters: its snapshot comparison (``_sync``, run by every lookup) guarantees that
    the dicts still hold those values."""
    fps = getattr(network, "_fingerprints", None)
    if isinstance(fps, dict) and getattr(network, "_snapshot", None) is not None:
        for source in ("network_params", "analysis_params"):
            params = getattr(network, source, {})
            if name in params:
                recorded = fps.get(source, {}).get(name)
                if recorded is not None and params[name] is value:
                    return recorded
                break
    return fingerprint(value)


def _param_fingerprints(network: Any, params: Mapping) -> dict:
    """Fingerprints of those ``params`` that come from the network's parameter dicts."""
    _sync(network)             # the recorded fingerprints hold after the snapshot check
    deps = {}
    for name, value in params.items():
        try:
            source = _lookup(network, name)
        except KeyError:
            continue
        if source is value:
            deps[name] = _current_fingerprint(network, name, value)
    return deps


def invalidate_stale_results(network: Any) -> list[str]:
    """Drop results whose network parameters changed after they were computed.

    Each result records the fingerprints of the network parameters it was computed
    from (and the results it used).  Changing a parameter therefore removes exactly
    the results that depend on it, directly or through other results.
    Returns the removed result keys.
    """
    _sync(network)
    deps = getattr(network, "_result_dependencies", None)
    if not deps:
        return []
    stale = set()
    current_fps: dict = {}           # each parameter hashed at most once per call
    for key, record in deps.items():
        for name, fp in record["params"].items():
            if name not in current_fps:
                try:
                    current = _lookup(network, name)
                except KeyError:
                    current_fps[name] = None
                else:
                    current_fps[name] = _current_fingerprint(network, name, current)
            if current_fps[name] != fp:
                stale.add(key)
                break
    # propagate through results that consumed stale results
    changed = True
    while changed:
        changed = False
        for key, record in deps.items():
            if key not in stale and stale.intersection(record["results"]):
                stale.add(key)
                changed = True
    for key in stale:
        network.results.pop(key, None)
        deps.pop(key, None)
        getattr(network, "result_units", {}).pop(key, None)
    if stale:
        hashes = getattr(network, "results_hash_dict", {})
        for h in [h for h, entry in hashes.items() if stale.intersection(entry)]:
            hashes.pop(h)
    return sorted(stale)


#: results that must come out finite (and rates >= 0); others may hold NaN by design
_FINITE_RESULTS = ("firing_rates", "mean_input", "std_input", "transfer_function",
                   "transfer_function_variance", "delay_dist_matrix",
                   "effective_connectivity", "propagator", "power_spectra", "cvs")


def _summary(params: Mapping) -> str:
    parts = []
    for name in ("mu", "sigma", "nu", "J", "K", "K_ext", "nu_ext", "tau_m", "tau_s"):
        if name in params and params[name] is not None:
            try:
                arr = np.asarray(params[name], dtype=float)
            except (TypeError, ValueError):
                continue
            if arr.size:
                parts.append(f"{name} in [{np.min(arr):.3g}, {np.max(arr):.3g}]")
    return "; ".join(parts)


def _check_result(key: str, value: Any, params: Mapping) -> None:
    """Refuse a NaN / infinite (or, for rates, negative) result instead of caching it."""
    if key.rsplit(".", 1)[-1] not in _FINITE_RESULTS:
        return
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError):
        return
    if arr.dtype.kind not in "fc":
        return
    if not np.all(np.isfinite(arr)):
        bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise ValueError(
            f"{key} is not finite ({bad} of {arr.size} values NaN or infinite) for these "
            f"parameters ({_summary(params)} in SI units): they are outside the range "
            f"where the theory can be evaluated (e.g. a huge external drive K_ext, nu_ext "
            f"or weights J)")
    if key.endswith("firing_rates") and arr.dtype.kind == "f" and np.any(arr < 0):
        raise ValueError(f"{key} came out negative ({np.min(arr):.3g} Hz) for these "
                         f"parameters ({_summary(params)})")


def _cache(network: Any, func: Callable, params: dict, result_keys: str | list[str],
           units: str | list[str] | None = None) -> Any:
    """Return ``func(**params)``, computed once per exact set of parameter values.

    The result is stored in ``network.results[result_key]`` (SI magnitudes), its unit
    in ``network.result_units`` and, under an exact key, in
    ``network.results_hash_dict`` so that repeating a call with equal parameters
    returns the stored value.

    Parameters
    ----------
    network : Network
        The network whose dicts store the results.
    func : callable
        Parameter-level function.
    params : dict
        Keyword arguments for ``func``.
    result_keys : str or list of str
        Key(s) under which the result(s) are stored.  With several keys ``func``
        must return a sequence of the same length.
    units : str or list of str, optional
        Unit(s) of the SI result(s), e.g. ``'hertz'``.
    """
    keys = [result_keys] if isinstance(result_keys, str) else list(result_keys)
    name = getattr(func, "__qualname__", type(func).__qualname__)
    deps = _param_fingerprints(network, params)
    # a cached result passed on as an argument is named by the key that produced it,
    # if it is still the read-only array stored then (no need to hash its bytes)
    labels = getattr(network, "_result_labels", None) or {}
    network._result_labels = labels
    used_results, tokens = set(), {}
    for rk, rv in network.results.items():
        for pname, value in params.items():
            if rv is value:
                used_results.add(rk)
                if (rk in labels and isinstance(value, np.ndarray)
                        and not value.flags.writeable):
                    tokens[pname] = _Digest(fingerprint(labels[rk], rk))
    key_params = {pname: (_Digest(deps[pname]) if pname in deps else tokens.get(pname, value))
                  for pname, value in params.items()}
    # the convention selects the numbers of some functions: part of the exact key
    label = fingerprint(f"{func.__module__}.{name}", keys, key_params, conventions.current())
    hashes = network.results_hash_dict
    if label in hashes:
        entry = hashes[label]
        values = [entry[k] for k in keys]
    else:
        new = func(**params)
        values = [new] if len(keys) == 1 else list(new)
        if len(values) != len(keys):
            raise RuntimeError(f"{func.__name__} returned {len(values)} values for "
                               f"{len(keys)} result keys")
        for key, value in zip(keys, values):
            _check_result(key, value, params)
            if (isinstance(value, np.ndarray)
                    and not any(value is v for v in params.values())):
                value.flags.writeable = False      # stored results are not edited in place
        entry = dict(zip(keys, values))
        entry["params"] = params
        hashes[label] = entry

    record = getattr(network, "_result_dependencies", None)
    if record is None:
        record = {}
        network._result_dependencies = record
    for key, value in zip(keys, values):
        network.results[key] = value
        record[key] = {"params": deps, "results": sorted(used_results - {key})}
        labels[key] = label
    if units is not None:
        unit_list = [units] if isinstance(units, str) else list(units)
        network.result_units.update(dict(zip(keys, unit_list)))
    return values[0] if len(keys) == 1 else values
