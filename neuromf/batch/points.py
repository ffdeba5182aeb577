"""Grid points of a parameter scan as SI parameter sets, without a full Network each.

A scan changes a few *given* parameters of one network (Brunel 2000's ``g`` and
``nu_ext``, the microcircuit's weights).  Building a complete
:class:`neuromf.models.Network` per grid point repeats the unit handling, the schema
check of every parameter and the cache bookkeeping for values that did not change
(about 6 ms per point, more than the batched linear response of that point).
:func:`grid_points` derives the dependent parameters of every point with the model's
own derivation (``_derived_network_params``) and checks only what changed: each
distinct changed value once against the parameter schema, and the relations between
parameters (:func:`neuromf.models._validation.validate_network_params`) on the changed
and related entries of every point.  A point whose derivation or checks fail is built
as a full network, which raises the model's own error.  :meth:`GridPoint.network`
builds the full network on demand (fallback solvers, point-by-point quantities).

The papers behind the models are cited in :mod:`neuromf.models`; this module adds no
equations.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["GridPoint", "grid_points"]

#: parameters that take part in relations between parameters (their check needs them
#: together with the changed ones)
_RELATED = ("populations", "V_th_rel", "V_0_rel", "K_ext", "J_ext", "W_ext", "nu_ext",
            "N", "tau_m", "K")


class GridPoint:
    """SI parameters of one grid point; the full network on demand.

    Parameters
    ----------
    base : Network
        The scanned network.
    changes : dict
        The scanned parameters of this point, SI values.
    network_params : dict
        Given and derived network parameters of this point (SI).
    """

    __slots__ = {
        "network_params": "Given and derived network parameters of this point (SI).",
        "analysis_params": "Analysis parameters of the scanned network (not scanned: "
                           "shared, read only).",
        "_base": "The scanned network.",
        "_changes": "The scanned parameters of this point (SI).",
        "_network": "The full network, once built.",
    }

    def __init__(self, base: Any, changes: dict, network_params: dict) -> None:
        self.network_params = network_params
        self.analysis_params = base.analysis_params      # not scanned: shared, read only
        self._base = base
        self._changes = changes
        self._network = None

    def network(self) -> Any:
        """The full :class:`~neuromf.models.Network` of this point (built once).

        Returns
        -------
        Network
            ``base.change_parameters(changes)``.
        """
        if self._network is None:
            self._network = self._base.change_parameters(self._changes)
        return self._network


def as_network(point: Any) -> Any:
    """The full network of a :class:`GridPoint`, or ``point`` itself if it is one.

    Parameters
    ----------
    point : GridPoint or Network
        A grid point of a scan or a network.

    Returns
    -------
    Network
        ``point.network()`` for a grid point, else ``point``.
    """
    return point.network() if isinstance(point, GridPoint) else point


def _token(value: Any) -> Any:
    """Hashable identity of a parameter value (numbers and arrays by their bytes)."""
    if isinstance(value, (float, int, np.floating, np.integer)):
        return ("n", float(value))
    if isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
        return ("a", value.shape, value.dtype.str, value.tobytes())
    return ("r", repr(value))


class _Checks:
    """The schema checks of :class:`~neuromf.models.Network` for the values a scan
    changes, each distinct (parameter, value) once."""

    def __init__(self, base: Any) -> None:
        from ..models import _schema

        self._schema = _schema
        self.model = type(base).__name__
        self.strict = _schema.schema_for(type(base)).strict
        self.dim = _schema.population_count(base._given_network_si)
        self.given = base._given_network_si          # the objects every point shares
        self.reference = {key: _token(value) for key, value in base.network_params.items()
                          if key not in self.given}
        self.seen: set = set()

    def __call__(self, params: dict) -> None:
        from ..models._validation import validate_network_params

        changed = [key for key, value in params.items()
                   if value is not self.given.get(key, _MISSING)
                   and _token(value) != self.reference.get(key, _MISSING)]
        for key in changed:
            token = (key, _token(params[key]))
            if token in self.seen:
                continue
            if self.strict:
                self._schema.check_value(self.model, "network_params", key, params[key],
                                         self.dim)
            self.seen.add(token)
        if changed:
            subset = {key: params[key] for key in (*changed, *_RELATED) if key in params}
            validate_network_params(subset)


_MISSING = object()


def grid_points(base: Any, names: Sequence[str], points: Sequence[tuple]) -> list:
    """Parameter sets of the grid points of a scan of ``base``.

    Parameters
    ----------
    base : Network
        The scanned network (its given parameters are the defaults of every point).
    names : sequence of str
        Scanned *given* network parameters.
    points : sequence of tuple
        One tuple of SI values (in the order of ``names``) per grid point.

    Returns
    -------
    list of GridPoint
        With ``network_params`` (given and derived, SI) and ``analysis_params`` of the
        base network.

    Raises
    ------
    ValueError
        If a changed value is invalid for its parameter or the parameters of a point do
        not determine its derived ones (the message of the model's own check).
    """
    given = base._given_network_si
    derivable = type(base)._derived_network_params
    checks = _Checks(base)
    view = copy.copy(base)          # the model's derivation reads view.network_params
    out = []
    for point in points:
        changes = {name: value for name, value in zip(names, point, strict=True)}
        params = {**given, **changes}
        try:
            view.network_params = dict(params)
            view.input_units = dict(base.input_units)
            params.update(derivable(view))
            checks(params)
        except Exception:           # the full construction raises the model's error
            full = base.change_parameters(changes)
            out.append(GridPoint(base, changes, full.network_params))
            out[-1]._network = full
            continue
        out.append(GridPoint(base, changes, params))
    return out
