"""Input checks at the parameter level: one clear error for each kind of bad input.

Every parameter-level function validates its SI arguments with these helpers, so that bad
input raises an error naming the parameter, its value, its unit and what is allowed,
instead of returning a silent NaN or a wrong number.  The checks are pure numpy and import
nothing from neuromf; :mod:`neuromf.utils` re-exports them (``neuromf.utils.check_finite``
and so on are the documented names).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

__all__ = [
    "check_finite", "check_positive", "check_choice", "check_same_shape", "ZeroSigmaError",
    "check_sigma_nonzero", "NON_NEGATIVE_PARAMS", "check_non_negative_params",
]


def _describe(value: Any) -> str:
    """A short text of ``value`` for an error message (at most a few array elements)."""
    arr = np.asarray(value)
    if arr.size == 1:
        return repr(arr.item())
    return np.array2string(arr, threshold=8, precision=6)


def check_finite(name: str, value: Any, unit: str = "") -> np.ndarray:
    """Check that ``value`` is numbers without NaN or infinity.

    Parameters
    ----------
    name : str
        Name of the parameter, quoted in the error message.
    value : float or array_like
        Value to check, in the unit ``unit`` (SI inside neuromf).
    unit : str, optional
        Unit of ``value`` for the error message, e.g. ``'V'`` or ``'Hz'``; empty for a
        dimensionless value.

    Returns
    -------
    numpy.ndarray
        ``value`` as an array (``np.asarray``, no copy where none is needed).

    Raises
    ------
    TypeError
        If ``value`` is not a number or an array of numbers (a ragged list, a string, a
        scalar bool).
    ValueError
        If a float or complex ``value`` holds NaN or infinity; the message names ``name``,
        the value and ``unit``.
    """
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
    """Check that ``value`` is finite and > 0 (or >= 0 with ``allow_zero``).

    Parameters
    ----------
    name : str
        Name of the parameter, quoted in the error message.
    value : float or array_like
        Value to check, in the unit ``unit`` (SI inside neuromf).
    unit : str, optional
        Unit of ``value`` for the error message, e.g. ``'s'``; empty for a dimensionless
        value.
    allow_zero : bool, optional
        Accept 0 as well (the condition becomes value >= 0).  Default False.

    Returns
    -------
    numpy.ndarray
        ``value`` as an array, as returned by :func:`check_finite`.

    Raises
    ------
    TypeError
        If ``value`` is not numbers (see :func:`check_finite`).
    ValueError
        If ``value`` is not finite, or if an element is <= 0 (< 0 with ``allow_zero``);
        the message names ``name``, the value, ``unit`` and the allowed range.
    """
    arr = check_finite(name, value, unit)
    bad = arr < 0 if allow_zero else arr <= 0
    if np.any(bad):
        allowed = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be {allowed}, got {_describe(arr)}"
                         f"{' ' + unit if unit else ''}")
    return arr


def check_choice(name: str, value: Any, choices: Iterable[str]) -> str:
    """Check that ``value`` is one of ``choices`` (a method name, a mode ...).

    Parameters
    ----------
    name : str
        Name of the option, quoted in the error message.
    value : str
        Value given by the caller.
    choices : iterable of str
        The valid values.

    Returns
    -------
    str
        ``value`` unchanged.

    Raises
    ------
    ValueError
        If ``value`` is not in ``choices``; the message lists the valid choices.
    """
    choices = list(choices)
    if value not in choices:
        raise ValueError(f"invalid {name} {value!r}; valid choices are "
                         f"{', '.join(repr(c) for c in choices)}")
    return value


def check_same_shape(**arrays: Any) -> None:
    """Check that the arrays given as keyword arguments all have one shape.

    Parameters
    ----------
    **arrays : array_like
        The arrays to compare, each passed under its parameter name (the name is used in
        the error message), e.g. ``check_same_shape(mu=mu, sigma=sigma)``.

    Raises
    ------
    ValueError
        If the shapes differ; the message lists every name with its shape.
    """
    shapes = {name: np.shape(a) for name, a in arrays.items()}
    if len(set(shapes.values())) > 1:
        desc = ", ".join(f"{n} {s}" for n, s in shapes.items())
        raise ValueError(f"shape mismatch: {desc}")


class ZeroSigmaError(ValueError, ZeroDivisionError):
    """The standard deviation of the input is 0 where a function divides by it.

    A ValueError naming the parameter; also a ZeroDivisionError, which NNMT 1.3 raises.
    """


def check_sigma_nonzero(sigma: Any, unit: str = "V") -> None:
    """Check that no input standard deviation ``sigma`` is exactly 0.

    The derivatives of the diffusion-approximation rate divide by ``sigma``.

    Parameters
    ----------
    sigma : float or array_like
        Standard deviation of the input, in ``unit`` (V inside neuromf).
    unit : str, optional
        Unit of ``sigma`` for the error message.  Default ``'V'``.

    Raises
    ------
    ZeroSigmaError
        If any element of ``sigma`` is 0 (a ValueError and a ZeroDivisionError).
    """
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
    The checked names are :data:`NON_NEGATIVE_PARAMS`.

    Parameters
    ----------
    func : callable
        Parameter-level function to wrap.

    Returns
    -------
    callable
        ``func`` wrapped: it raises ValueError naming the argument and its value if one
        of ``func``'s arguments in :data:`NON_NEGATIVE_PARAMS` is given with a negative
        element, and otherwise calls ``func``.
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
