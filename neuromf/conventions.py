"""Convention switch: neuromf's corrected physics or NNMT 1.3's numbers.

neuromf deliberately differs from NNMT 1.3 where NNMT is wrong (each difference is listed,
with the test that shows which is right, in ``docs/coming_from_nnmt.md``).  Scripts that must
reproduce NNMT's published numbers switch all differences at once::

    neuromf.use_convention("nnmt")          # global
    with neuromf.convention("nnmt"):        # temporarily
        ...

The default is ``"neuromf"``.  A per-call keyword that selects one difference (for example
``transfer_function(..., refractory_phase=False)``) always wins over the global setting; the
keyword's default ``None`` means "follow the convention".

This module is in the base layer: it imports nothing from neuromf, so every layer may use it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

CONVENTIONS = ("neuromf", "nnmt")

#: Each deliberate difference: flag name -> (value under "neuromf", value under "nnmt").
#: The flags are read by the functions that implement the difference (``flag(name)``).
FLAGS: dict[str, tuple[object, object]] = {
    # transfer function: reset-flux phase factor exp(-i omega tau_r) (Schuecker et al. 2015)
    "refractory_phase": (True, False),
    # lognormal delays: E[exp(-i omega d)] (NNMT: its complex conjugate, and 0 at omega = 0)
    "lognormal_delay_nnmt": (False, True),
    # spectral bound: max Re(lambda) (NNMT: max |Re(lambda)|)
    "spectral_bound_abs": (False, True),
    # population-specific tau_m (and h0 of the rate-model fit) scales the target
    # population (rows) (NNMT: numpy broadcasting over the source, columns)
    "tau_m_columns": (False, True),
    # 1-d K_ext with 1-d nu_ext: per-population drive (NNMT: np.dot over all populations)
    "external_dot_product": (False, True),
    # Taylor rate that goes negative: warn and use the 'shift' rate (NNMT: return it)
    "taylor_fallback": (True, False),
    # external rates for a fixed working point: exact solution or error (NNMT: the
    # least-squares rates of the unscaled equations, even where they miss the target)
    "external_rates_least_squares": (False, True),
    # sensitivity measure: left eigenvector with u^T v = 1 (NNMT: unit norm)
    "left_eigenvector_unit_norm": (False, True),
    # unknown parameter names of a model: refused with a suggestion (NNMT: accepted)
    "strict_parameter_names": (True, False),
    # cache keys: exact array fingerprints (NNMT: hashes of str(array))
    "nnmt_hash": (False, True),
}

_current = ["neuromf"]


def _check(name: str) -> str:
    if name not in CONVENTIONS:
        raise ValueError(f"convention must be one of {CONVENTIONS}, got {name!r}")
    return name


def current() -> str:
    """Name of the convention in force (``"neuromf"`` or ``"nnmt"``).

    Returns
    -------
    str
        ``"neuromf"`` or ``"nnmt"``.
    """
    return _current[0]


def use_convention(name: str) -> str:
    """Switch the convention globally; return the previous one.

    Parameters
    ----------
    name : {"neuromf", "nnmt"}
        ``"nnmt"`` reproduces NNMT 1.3's numbers wherever neuromf deliberately differs;
        ``"neuromf"`` (the default) is the corrected physics.

    Returns
    -------
    str
        The convention in force before the call.
    """
    previous = _current[0]
    _current[0] = _check(name)
    return previous


@contextlib.contextmanager
def convention(name: str) -> Iterator[str]:
    """Context manager: the convention ``name`` inside the block, the previous one after it.

    Parameters
    ----------
    name : {'neuromf', 'nnmt'}
        The convention inside the block.
    """
    previous = use_convention(name)
    try:
        yield name
    finally:
        _current[0] = previous


def is_nnmt() -> bool:
    """``True`` under the NNMT convention.

    Returns
    -------
    bool
        Whether the NNMT convention is in force.
    """
    return current() == "nnmt"


def flag(name: str, value: object = None) -> object:
    """Value of the difference ``name`` under the current convention.

    ``value`` is a per-call keyword: anything but ``None`` is returned unchanged (the keyword
    wins over the global setting).

    Parameters
    ----------
    name : str
        A key of :data:`FLAGS`.
    value : object, optional
        Per-call override.

    Returns
    -------
    object
        ``value`` if given, else the flag's value under the current convention.
    """
    if value is not None:
        return value
    try:
        neuromf_value, nnmt_value = FLAGS[name]
    except KeyError:
        raise ValueError(f"unknown convention flag {name!r}; known: {sorted(FLAGS)}") from None
    return nnmt_value if is_nnmt() else neuromf_value
