"""Shared machinery: units at the boundary, input checks, parameter lookup, results cache.

Everything inside neuromf works on SI floats and numpy arrays.  Quantities with units
only appear at the user boundary: parameter files, ``Network`` construction, saved
results.  This module holds the one mechanism that connects the two layers of the
API:

* a *parameter-level* function ``_f(a, b, ...)`` takes plain SI arrays;
* a *network-level* function ``f(network)`` looks up the arguments of ``_f`` in the
  network's parameter dicts and results (:func:`get_required_network_params`,
  :func:`get_required_results`) and caches the result under an exact key
  (:func:`_cache`).

Cache keys are SHA-256 digests of the exact bytes, dtype and shape of every argument
(NNMT 1.3 builds its keys from ``str(array)``, which elides the middle of large
arrays so that two different arrays can share one key).  Two arguments are named by
a digest instead of being hashed again: a network parameter by the fingerprint its
model recorded (valid while the model's snapshot check finds the dicts unchanged), and
a cached result by the key that produced it (stored results are made read-only, so
they still hold what that key computed).
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import numbers
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
import pint

from . import conventions

#: The unit registry shared by all of neuromf (re-exported as ``neuromf.ureg``).
ureg = pint.UnitRegistry()
# Quantities unpickled in worker processes (parameter scans) must land in this registry.
pint.set_application_registry(ureg)

__all__ = [
    "ureg", "to_si", "from_si", "_cache", "fingerprint", "get_required_network_params",
    "get_optional_network_params", "get_required_results", "check_positive",
    "check_finite", "check_choice", "check_same_shape", "frequencies_in_hz",
]


# ---------------------------------------------------------------------------
# units at the boundary
# ---------------------------------------------------------------------------

def is_quantity(value: Any) -> bool:
    """True if ``value`` is a pint quantity (of any registry)."""
    return hasattr(value, "magnitude") and hasattr(value, "units") and hasattr(value, "to")


def to_si(value: Any) -> tuple[Any, str | None]:
    """Convert a quantity to SI base units.

    Returns ``(magnitude, unit_string)``; non-quantities come back unchanged with unit
    ``None``.  Offset units (degC) are not used by neuromf.
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

    ``from_si(0.01, 'ms')`` gives ``10 ms``; ``None`` stays ``None``.
    """
    if magnitude is None:
        return None
    factor = ureg.Quantity(1.0, unit).to_base_units().magnitude
    value = np.asarray(magnitude) / factor if np.ndim(magnitude) else magnitude / factor
    return ureg.Quantity(value, unit)


def frequencies_in_hz(freqs, name: str = "freqs") -> np.ndarray:
    """``freqs`` as a finite, non-empty 1-d float array in Hz.

    A pint quantity is converted from its unit (kHz, ...) and must be a frequency;
    plain numbers are taken as Hz.  Raises ValueError / TypeError naming ``name``.
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
    """Collect those optional arguments of ``func`` that the network defines."""
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


# ---------------------------------------------------------------------------
# input checks (parameter level)
# ---------------------------------------------------------------------------

def _describe(value: Any) -> str:
    arr = np.asarray(value)
    if arr.size == 1:
        return repr(arr.item())
    return np.array2string(arr, threshold=8, precision=6)


def check_finite(name: str, value: Any, unit: str = "") -> np.ndarray:
    """Raise ValueError naming ``name`` if ``value`` holds NaN or infinity (TypeError
    if it is not numbers)."""
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number or an array of numbers (equal lengths)"
                        f"{' in ' + unit if unit else ''}, got {value!r}") from None
    if arr.dtype.kind not in "biufc" or arr.dtype.kind == "b" and arr.ndim == 0:
        raise TypeError(f"{name} must be a number or an array of numbers"
                        f"{' in ' + unit if unit else ''}, got {value!r}")
    if arr.dtype.kind in "fc" and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite, got {_describe(arr)}"
                         f"{' ' + unit if unit else ''}")
    return arr


def check_positive(name: str, value: Any, unit: str = "", allow_zero: bool = False
                   ) -> np.ndarray:
    """Raise ValueError naming ``name``, the value and the unit unless value > 0.

    With ``allow_zero`` the condition is value >= 0.
    """
    arr = check_finite(name, value, unit)
    bad = arr < 0 if allow_zero else arr <= 0
    if np.any(bad):
        allowed = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be {allowed}, got {_describe(arr)}"
                         f"{' ' + unit if unit else ''}")
    return arr


def check_choice(name: str, value: Any, choices: Iterable[str]) -> str:
    """Raise ValueError listing the valid choices unless ``value`` is one of them."""
    choices = list(choices)
    if value not in choices:
        raise ValueError(f"invalid {name} {value!r}; valid choices are "
                         f"{', '.join(repr(c) for c in choices)}")
    return value


def check_same_shape(**arrays: Any) -> None:
    """Raise ValueError if the named arrays do not all have the same shape."""
    shapes = {name: np.shape(a) for name, a in arrays.items()}
    if len(set(shapes.values())) > 1:
        desc = ", ".join(f"{n} {s}" for n, s in shapes.items())
        raise ValueError(f"shape mismatch: {desc}")


class ZeroSigmaError(ValueError, ZeroDivisionError):
    """The standard deviation of the input is 0 where a function divides by it.

    A ValueError naming the parameter; also a ZeroDivisionError, which NNMT 1.3 raises.
    """


def check_sigma_nonzero(sigma: Any, unit: str = "V") -> None:
    """Raise :class:`ZeroSigmaError` if any ``sigma`` is exactly 0."""
    if np.any(np.asarray(sigma) == 0):
        raise ZeroSigmaError(
            f"sigma must be > 0 (the rate derivatives divide by the input noise), got "
            f"{_describe(sigma)} {unit}; a noise-free LIF neuron has no diffusion-"
            "approximation derivative")


#: Parameters that are never negative (NNMT 1.3's list of always-positive arguments).
NON_NEGATIVE_PARAMS = ("K", "K_ext", "N", "d_e", "d_i", "d_e_sd", "d_i_sd", "dimension", "g",
                       "nu", "nu_ext", "nu_e_ext", "nu_i_ext", "sigma", "tau_m", "tau_s",
                       "tau_r")


def check_non_negative_params(func: Callable) -> Callable:
    """Decorator: raise ValueError for a negative always-positive argument of ``func``.

    The check runs on the arguments that are given, before they are bound, so that a
    negative value is reported even when another argument is missing (as in NNMT).
    """
    sig = inspect.signature(func)
    names = [n for n in NON_NEGATIVE_PARAMS if n in sig.parameters]

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            given = sig.bind_partial(*args, **kwargs).arguments
        except TypeError:
            given = kwargs
        for name in names:
            value = given.get(name)
            if value is not None and not isinstance(value, str):
                magnitude = getattr(value, "magnitude", value)
                try:
                    arr = np.asarray(magnitude, dtype=float)
                except (TypeError, ValueError):
                    continue
                if np.any(arr < 0):
                    raise ValueError(f"{name} must be >= 0, got {_describe(arr)}")
        return func(*args, **kwargs)

    return wrapper
