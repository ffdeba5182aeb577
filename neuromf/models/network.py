"""The ``Network`` container: parameters (SI, units stripped), results and their cache.

A network is built from YAML files in NNMT's ``{val, unit}`` format, from dicts of
pint quantities, from the name of a built-in parameter set, or from an HDF5 file
written by ``Network.save`` (of neuromf or NNMT).  All parameters are converted to
SI base units and stored as plain floats / numpy arrays; the units they were given
in are remembered in ``input_units`` and restored when saving.
"""

from __future__ import annotations

import contextlib
import copy
import difflib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .. import conventions
from .. import input_output as io
from ..utils import (
    check_choice,
    fingerprint,
    from_si,
    invalidate_stale_results,
    is_quantity,
    to_si,
    ureg,
)
from . import _builtin, _schema
from ._grid import MAX_GRID_POINTS, _grid, _omegas  # noqa: F401  (re-exported)
from ._snapshot import _snapshot, _unchanged

#: top-level HDF5 group with what NNMT's format cannot hold (NNMT ignores it)
STATE_GROUP = "neuromf_state"
_KINDS = (("network_params", "_given_network_si"), ("analysis_params", "_given_analysis_si"))


def _read_params(params: Any, kind: str, default_dir: str | None = None) -> tuple[dict, str]:
    """Turn a path, a built-in name or a dict into a dict of quantities."""
    if params is None:
        return {}, ""
    if isinstance(params, (str, Path)):
        path = Path(params)
        if path.is_file():
            return io.load_val_unit_dict_from_yaml(path, _schema.unitless), str(path)
        builtin = _builtin.find_parameter_file(str(params), kind)
        if builtin is not None:
            return io.load_val_unit_dict_from_yaml(builtin, _schema.unitless), str(builtin)
        raise FileNotFoundError(
            f"{kind} {params!r} is neither an existing file nor a built-in parameter set; "
            f"built-in sets: {', '.join(_builtin.available())}")
    if isinstance(params, Mapping):
        return copy.deepcopy(dict(params)), ""
    raise TypeError(f"{kind} must be a YAML path, a built-in name or a dict, "
                    f"got {type(params).__name__}")


class Network:
    """Container for network parameters, analysis parameters and results.

    Parameters
    ----------
    network_params : str, path or dict, optional
        YAML file in NNMT's ``{val, unit}`` format, name of a built-in parameter set
        (see :func:`neuromf.models.available`) or a dict of quantities / values.
    analysis_params : str, path or dict, optional
        Same for analysis parameters (frequencies, wavenumbers, ...).
    file : str or path, optional
        HDF5 file written by :meth:`save`; overrides the other arguments.

    Attributes
    ----------
    network_params, analysis_params : dict
        Parameters in SI base units, units stripped.
    input_units : dict
        Unit each parameter was given in (restored when saving).
    results : dict
        Most recent result of each quantity (SI magnitudes).
    result_units : dict
        SI unit of each result.
    results_hash_dict : dict
        Every computed result under an exact key of its inputs.
    default_parameter_set : str or None
        Class attribute: the built-in parameter set used when no ``network_params`` are
        given (``'potjans2014'`` for :class:`Microcircuit`).
    """

    # name of the built-in parameter set used when no network_params are given (class docstring)
    default_parameter_set: str | None = None

    def __init__(self, network_params: Any = None, analysis_params: Any = None,
                 file: str | Path | None = None) -> None:
        self.input_units: dict[str, str] = {}
        self.result_units: dict[str, str] = {}
        self.results: dict[str, Any] = {}
        self.results_hash_dict: dict[str, Any] = {}
        self._result_dependencies: dict[str, Any] = {}
        if file is not None:
            self.load(file)
            return
        if network_params is None and self.default_parameter_set is not None:
            network_params = self.default_parameter_set
        if (analysis_params is None and isinstance(network_params, str)
                and not Path(network_params).is_file()
                and _builtin.canonical_name(network_params) is not None):
            analysis_params = _builtin.canonical_name(network_params)
        net, self.network_params_yaml = _read_params(network_params, "network_params")
        ana, self.analysis_params_yaml = _read_params(analysis_params, "analysis_params")
        self._setup(net, ana)

    # -- construction -----------------------------------------------------

    def _setup(self, network_quantities: dict, analysis_quantities: dict) -> None:
        """Store the given (quantity) parameters in SI, then derive the dependent ones."""
        schema = _schema.schema_for(type(self))
        for kind, quantities in (("network_params", network_quantities),
                                 ("analysis_params", analysis_quantities)):
            _schema.check_names(type(self).__name__, kind, quantities, schema.strict)
        self.input_units = {}
        self._given_network_si = self._strip(network_quantities, "network_params")
        self._given_analysis_si = self._strip(analysis_quantities, "analysis_params")
        self._derive()

    @property
    def _model(self) -> str:
        return type(self).__name__

    def _derive(self) -> None:
        """(Re)compute the derived parameters from the given ones and check them all.

        The parameter dicts are updated in place (references to them stay valid).
        """
        schema = _schema.schema_for(type(self))
        _schema.check_required(self._model, schema, self._given_network_si)
        self._check_values(self._given_network_si, self._given_analysis_si)
        originals = {kind: getattr(self, kind, None) for kind, _ in _KINDS}
        for kind, given_attr in _KINDS:     # derive into fresh dicts first
            setattr(self, kind, copy.deepcopy(getattr(self, given_attr)))
        try:
            derived_net = self._derived_network_params()
            self.network_params.update(derived_net)
            derived_ana = self._derived_analysis_params()
            self.analysis_params.update(derived_ana)
            self._check_values({k: self.network_params[k] for k in derived_net},
                               {k: self.analysis_params[k] for k in derived_ana})
            self._validate()
        except KeyError as exc:
            self._restore(originals)
            raise ValueError(f"{self._model} needs the parameter {exc.args[0]!r} to derive "
                             f"its dependent parameters") from None
        except (ZeroDivisionError, FloatingPointError, IndexError, TypeError) as exc:
            self._restore(originals)
            if isinstance(exc, TypeError) and str(exc).startswith(self._model):
                raise
            raise ValueError(f"{self._model}: the given parameters do not determine the "
                             f"derived ones ({type(exc).__name__}: {exc})") from None
        except BaseException:
            self._restore(originals)
            raise
        for kind, original in originals.items():   # keep references to the dicts valid
            if isinstance(original, dict):
                original.clear()
                original.update(getattr(self, kind))
                setattr(self, kind, original)
        self._record_fingerprints()

    def _restore(self, originals: dict) -> None:
        for kind, original in originals.items():
            if original is not None:
                setattr(self, kind, original)

    def _check_values(self, network: dict, analysis: dict) -> None:
        """Type, shape and range of every known parameter (see ``_schema``)."""
        strict = _schema.schema_for(type(self)).strict
        dim = _schema.population_count(self._given_network_si)
        for kind, params in (("network_params", network), ("analysis_params", analysis)):
            for key, value in params.items():
                if strict:
                    _schema.check_value(self._model, kind, key, value, dim)

    def _record_fingerprints(self) -> None:
        self._fingerprints = {kind: {k: fingerprint(v) for k, v in getattr(self, kind).items()}
                              for kind, _ in _KINDS}
        self._snapshot = {kind: _snapshot(getattr(self, kind)) for kind, _ in _KINDS}

    def _sync_parameters(self) -> None:
        """Follow in-place edits of the parameter dicts.

        A changed, added or removed *given* parameter re-derives the parameters that
        depend on it (results that depend on them become stale as usual); an edited
        *derived* parameter is refused, since the next derivation would undo it.
        """
        if getattr(self, "_sync_held", False):
            return      # inside _parameters_held: synced once at its start
        fps = getattr(self, "_fingerprints", None)
        if fps is None:
            return
        snapshot = getattr(self, "_snapshot", None)
        if snapshot is not None and all(_unchanged(getattr(self, kind), snapshot[kind])
                                        for kind, _ in _KINDS):
            return      # the common case, without hashing every value
        changed = False
        schema = _schema.schema_for(type(self))
        backup = {attr: dict(getattr(self, attr)) for _, attr in _KINDS}
        for kind, given_attr in _KINDS:
            params = getattr(self, kind)
            given = dict(getattr(self, given_attr))
            setattr(self, given_attr, given)
            recorded = fps.get(kind, {})
            for key in list(recorded):
                if key in params and fingerprint(params[key]) == recorded[key]:
                    continue
                if key not in given:
                    if key not in params:
                        changed = True     # a removed derived parameter is derived again
                        continue
                    self._restore_given(backup)
                    raise ValueError(
                        f"{key} is a derived parameter of this {self._model} network; "
                        f"it is computed from the given ones and cannot be edited in "
                        f"place. Change the parameters it derives from with "
                        f"network.change_parameters(...) instead")
                if key in params:
                    try:
                        given[key] = copy.deepcopy(self._strip_one(kind, key, params[key]))
                    except (ValueError, TypeError):
                        self._restore_given(backup)
                        raise
                else:
                    given.pop(key)
                changed = True
            new = [k for k in params if k not in recorded]
            if new:
                try:
                    _schema.check_names(self._model, kind, new, schema.strict)
                except (ValueError, TypeError):
                    self._restore_given(backup)
                    raise
                try:
                    for key in new:
                        given[key] = copy.deepcopy(self._strip_one(kind, key, params[key]))
                except (ValueError, TypeError):
                    self._restore_given(backup)
                    raise
                changed = True
        if changed:
            try:
                self._derive()
            except BaseException:
                self._restore_given(backup)   # the next call reports the same problem
                raise

    @contextlib.contextmanager
    def _parameters_held(self):
        """Sync the parameter dicts once, then skip the snapshot comparison inside the
        block (one network-level computation, during which nothing edits them)."""
        if getattr(self, "_sync_held", False):
            yield
            return
        self._sync_parameters()
        self._sync_held = True
        try:
            yield
        finally:
            self._sync_held = False

    def _restore_given(self, backup: dict) -> None:
        for attr, given in backup.items():
            setattr(self, attr, given)

    def _strip(self, quantities: dict, kind: str = "network_params") -> dict:
        return {key: self._strip_one(kind, key, value) for key, value in quantities.items()}

    def _strip_one(self, kind: str, key: str, value: Any) -> Any:
        """SI magnitude of one parameter; its unit checked and remembered."""
        magnitude, unit = to_si(value)
        if unit is not None:
            _schema.check_unit(self._model, kind, key, unit)
            self.input_units[key] = unit
        if _schema.schema_for(type(self)).strict:
            magnitude = _schema.as_array(kind, key, magnitude)
        return magnitude

    def _derived_network_params(self) -> dict:
        """Parameters computed from the given ones (SI). Overridden by models."""
        return {}

    def _derived_analysis_params(self) -> dict:
        return {}

    def _validate(self) -> None:
        """Check relations between the parameters; raise ValueError on nonsense."""
        from ._validation import validate_network_params
        validate_network_params(self.network_params)

    # -- NNMT 1.3's model-extension API -----------------------------------
    # A model written for NNMT builds its derived parameters with units, then calls
    # these to switch between "quantities in input units" and "SI floats".

    def _convert_param_dicts_to_base_units_and_strip_units(self) -> None:
        """Convert every quantity in both parameter dicts to SI and strip its unit.

        The unit each parameter was given in is remembered in ``input_units``; values
        without units are kept as they are.
        """
        self.network_params = self._strip(self.network_params)
        self.analysis_params = self._strip(self.analysis_params)

    def _add_units_to_param_dicts_and_convert_to_input_units(self) -> None:
        """Inverse of :meth:`_convert_param_dicts_to_base_units_and_strip_units`.

        Every SI value whose key has an entry in ``input_units`` becomes a quantity
        (``neuromf.ureg``) in that unit.
        """
        self.network_params = self._with_units(self.network_params)
        self.analysis_params = self._with_units(self.analysis_params)

    def _strip_result_units(self) -> None:
        """Replace every result that is a quantity by its magnitude; keep its unit.

        As in NNMT, ``results[key]`` is then a magnitude in ``result_units[key]``
        (neuromf's own results are always in SI units).
        """
        for key, value in list(self.results.items()):
            if is_quantity(value):
                self.results[key] = value.magnitude
                self.result_units[key] = str(value.units)

    def _add_result_units(self) -> None:
        """Turn every result with an entry in ``result_units`` into a quantity."""
        self.results = self._results_with_units()

    # -- saving and loading ------------------------------------------------

    def _with_units(self, params: dict) -> dict:
        out = {}
        for key, value in params.items():
            unit = self.input_units.get(key)
            out[key] = (from_si(value, unit) if unit is not None and not is_quantity(value)
                        else value)
        return out

    def _results_with_units(self) -> dict:
        # results[key] is a magnitude in result_units[key] (an SI unit for neuromf's results)
        out = {}
        for key, value in self.results.items():
            unit = self.result_units.get(key)
            out[key] = ureg.Quantity(value, unit) if unit and not is_quantity(value) else value
        return out

    def save(self, file: str | Path) -> None:
        """Save parameters, results and the results cache to an HDF5 file (atomically).

        Besides NNMT's groups the file holds ``neuromf_state`` (ignored by NNMT):
        which parameters were given and what each result depends on, so that a
        loaded network re-derives and invalidates exactly as the saved one would.

        Parameters
        ----------
        file : str or Path
            The HDF5 file.
        """
        self._sync_parameters()
        invalidate_stale_results(self)
        deps = getattr(self, "_result_dependencies", {}) or {}
        # NNMT's loader reads every group and fails on empty datasets: empty lists are
        # left out (load() reads a missing list as empty)
        state = _without_empty_lists({
            "format": 1,
            "given_network_params": sorted(getattr(self, "_given_network_si", {})),
            "given_analysis_params": sorted(getattr(self, "_given_analysis_si", {})),
            "result_dependencies": {key: {"params": sorted(rec["params"]),
                                          "results": sorted(rec["results"])}
                                    for key, rec in deps.items()},
        })
        io.save_quantity_dict_to_h5(file, {
            "network_params": self._with_units(self.network_params),
            "analysis_params": self._with_units(self.analysis_params),
            "results": self._results_with_units(),
            "results_hash_dict": self.results_hash_dict,
            STATE_GROUP: state,
        })

    def save_results(self, file: str | Path) -> None:
        """Save results and parameters (with units) to an HDF5 file (atomically).

        Parameters
        ----------
        file : str or Path
            The HDF5 file.
        """
        io.save_quantity_dict_to_h5(file, {
            "results": self._results_with_units(),
            "network_params": self._with_units(self.network_params),
            "analysis_params": self._with_units(self.analysis_params),
        })

    def load(self, file: str | Path) -> None:
        """Replace this network's state with the one saved in ``file`` (HDF5).

        Files written by NNMT's ``Network.save`` load as well.  The parameters are
        kept as saved (not derived again); which of them were given and what each
        result depends on come from the file (neuromf) or, for NNMT's files, from the
        model's derivation rules and, conservatively, all parameters.

        Parameters
        ----------
        file : str or Path
            HDF5 file written by :meth:`save` (neuromf or NNMT).
        """
        network_params, analysis_params, results, hash_dict = io.load_network(
            file, _schema.unitless)
        state = _read_state(file)
        self.input_units = {}
        try:
            self.network_params = self._strip(network_params, "network_params")
            self.analysis_params = self._strip(analysis_params, "analysis_params")
        except (ValueError, TypeError) as exc:
            raise type(exc)(f"{file}: {exc}") from None
        self.results, self.result_units = {}, {}
        for key, value in results.items():
            # saved as {val, unit}; neuromf and NNMT save SI values in SI units
            if is_quantity(value):
                self.results[key] = value.magnitude
                self.result_units[key] = str(value.units)
            else:
                self.results[key] = value
        self.results_hash_dict = hash_dict
        missing = [] if state else None       # a neuromf file leaves empty lists out
        given = {kind: state.get(f"given_{kind}", missing) for kind, _ in _KINDS}
        if given["network_params"] is None:
            given["network_params"] = list(set(self.network_params)
                                           - self._derivable_keys())
        for kind, given_attr in _KINDS:
            names = given[kind] if given[kind] is not None else list(getattr(self, kind))
            params = getattr(self, kind)
            setattr(self, given_attr, {k: copy.deepcopy(params[k]) for k in names
                                       if k in params})
        self._record_fingerprints()
        dependencies = state.get("result_dependencies")
        all_params = sorted(set(self.network_params) | set(self.analysis_params))
        self._result_dependencies = {}
        for key in self.results:
            record = (dependencies or {}).get(key)
            names = all_params if record is None else list(record.get("params") or [])
            used = [] if record is None else list(record.get("results") or [])
            self._result_dependencies[key] = {
                "params": {n: fingerprint(self._lookup_param(n)) for n in names
                           if self._has_param(n)},
                "results": sorted(used)}

    def _has_param(self, name: str) -> bool:
        return name in self.network_params or name in self.analysis_params

    def _lookup_param(self, name: str) -> Any:
        return self.network_params[name] if name in self.network_params \
            else self.analysis_params[name]

    def _derivable_keys(self) -> set:
        """Keys this model derives, found by deriving from the loaded parameters."""
        if type(self)._derived_network_params is Network._derived_network_params:
            return set()
        try:
            return set(self._derived_network_params())
        except Exception:   # a file of another model: keep everything as given
            return set()

    # -- inspection and modification -------------------------------------

    def show(self) -> list[str]:
        """Sorted keys of the results computed so far (stale ones are dropped first).

        Returns
        -------
        list of str
            The result keys.
        """
        self._sync_parameters()
        invalidate_stale_results(self)
        return sorted(self.results)

    def change_parameters(self, changed_network_params: dict | None = None,
                          changed_analysis_params: dict | None = None,
                          overwrite: bool = False) -> Network | None:
        """Return a network with some parameters changed (or change this one).

        Derived parameters (e.g. ``J`` of a Basic network) are recomputed from the given
        ones; changing a derived parameter directly raises ValueError.

        Parameters
        ----------
        changed_network_params, changed_analysis_params : dict
            New values, as quantities (any unit) or SI magnitudes.
        overwrite : bool
            If True, change this network in place (its results are discarded) and
            return None; otherwise return a new network and keep this one.

        Returns
        -------
        Network or None
            The new network (None with ``overwrite``).
        """
        self._sync_parameters()
        for kind, changes in (("network_params", changed_network_params),
                              ("analysis_params", changed_analysis_params)):
            if changes is not None and not isinstance(changes, Mapping):
                raise TypeError(f"change_parameters: changed_{kind} must be a dict, got "
                                f"{type(changes).__name__}")
        derived_net = set(self.network_params) - set(self._given_network_si)
        derived_ana = set(self.analysis_params) - set(self._given_analysis_si)
        target = self if overwrite else copy.copy(self)
        if not overwrite:
            target.network_params = copy.deepcopy(self.network_params)
            target.analysis_params = copy.deepcopy(self.analysis_params)
        target.input_units = dict(self.input_units)
        given_net = target._merge("network_params", self._given_network_si,
                                  changed_network_params or {}, derived_net)
        given_ana = target._merge("analysis_params", self._given_analysis_si,
                                  changed_analysis_params or {}, derived_ana)
        target._given_network_si, target._given_analysis_si = given_net, given_ana
        target.results, target.results_hash_dict = {}, {}
        target.result_units, target._result_dependencies = {}, {}
        target._derive()
        return None if overwrite else target

    def _merge(self, kind: str, given: dict, changes: dict, derived: set) -> dict:
        bad = sorted(set(changes) & derived)
        if bad:
            raise ValueError(
                f"cannot change derived parameter(s) {bad} of a {type(self).__name__} network; "
                f"change the parameters they are computed from instead")
        present = set(getattr(self, kind))
        unknown = [k for k in changes if k not in present]
        schema = _schema.schema_for(type(self))
        if unknown and not conventions.flag("strict_parameter_names"):
            _schema.check_names(self._model, kind, unknown, True)    # warns, NNMT accepts
        elif unknown:
            if schema.strict:
                _schema.check_names(self._model, kind, unknown, True)
            table = _schema.known(kind)
            for key in unknown:
                if key not in table:
                    close = difflib.get_close_matches(str(key), sorted(present | set(table)),
                                                      n=3, cutoff=0.6)
                    hint = f"; did you mean {' or '.join(map(repr, close))}?" if close else ""
                    raise ValueError(f"change_parameters: {key!r} is not a parameter of this "
                                     f"{self._model} network ({kind}){hint}")
        merged = dict(given)
        for key, value in changes.items():
            merged[key] = copy.deepcopy(self._strip_one(kind, key, value))
        return merged

    def copy(self) -> Network:
        """Deep copy of the network, including its results.

        Returns
        -------
        Network
            The copy.
        """
        return copy.deepcopy(self)

    def clear_results(self, results: str | list[str] | None = None) -> None:
        """Remove all results, or the named ones, from results and cache.

        Parameters
        ----------
        results : str or list of str, optional
            Result keys (default all).
        """
        if results is None:
            self.results, self.results_hash_dict = {}, {}
            self._result_dependencies = {}
            return
        names = [results] if isinstance(results, str) else list(results)
        for name in names:
            self.results.pop(name, None)
            self._result_dependencies.pop(name, None)
            for h in [h for h, entry in self.results_hash_dict.items() if name in entry]:
                self.results_hash_dict.pop(h)

    def __repr__(self) -> str:
        pops = self.network_params.get("populations")
        n = len(pops) if pops is not None else "?"
        label = self.network_params.get("label", "")
        return f"<{type(self).__name__} {label!s} with {n} populations>"


def _read_state(file: str | Path) -> dict:
    """The ``neuromf_state`` group of a saved network ({} for NNMT's files)."""
    import h5py

    try:
        with h5py.File(file, "r") as f:
            if STATE_GROUP not in f:
                return {}
            state = io._retrieve_dict(f[STATE_GROUP])
    except (OSError, KeyError, RuntimeError, ValueError):
        return {}       # unreadable record: treated as NNMT's files are (conservatively)
    return state if isinstance(state, dict) else {}


def synapse_type(network_params: dict) -> str:
    """'exp' or 'delta': ``synapse_type`` if given, else 'exp' when ``tau_s`` is present.

    Parameters
    ----------
    network_params : dict
        Network parameters.

    Returns
    -------
    str
        The synapse type.
    """
    kind = network_params.get("synapse_type")
    if kind is None:
        return "exp" if "tau_s" in network_params else "delta"
    return check_choice("synapse_type", kind, ("exp", "delta"))


def _without_empty_lists(tree: dict) -> dict:
    """``tree`` without empty lists (recursively): NNMT 1.3 cannot read empty datasets."""
    out = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            out[key] = _without_empty_lists(value)
        elif not (isinstance(value, list) and not value):
            out[key] = value
    return out
