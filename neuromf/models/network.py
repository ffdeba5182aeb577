"""The ``Network`` container: parameters (SI, units stripped), results and their cache.

A network is built from YAML files in NNMT's ``{val, unit}`` format, from dicts of
pint quantities, from the name of a built-in parameter set, or from an HDF5 file
written by ``Network.save`` (of neuromf or NNMT).  All parameters are converted to
SI base units and stored as plain floats / numpy arrays; the units they were given
in are remembered in ``input_units`` and restored when saving.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from .. import input_output as io
from ..utils import check_choice, from_si, invalidate_stale_results, to_si
from . import _builtin


def _read_params(params: Any, kind: str, default_dir: str | None = None) -> tuple[dict, str]:
    """Turn a path, a built-in name or a dict into a dict of quantities."""
    if params is None:
        return {}, ""
    if isinstance(params, (str, Path)):
        path = Path(params)
        if path.is_file():
            return io.load_val_unit_dict_from_yaml(path), str(path)
        builtin = _builtin.find_parameter_file(str(params), kind)
        if builtin is not None:
            return io.load_val_unit_dict_from_yaml(builtin), str(builtin)
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
    """

    #: name of the built-in parameter set used when no network_params are given
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
        self.input_units = {}
        self._given_network_si = self._strip(network_quantities)
        self._given_analysis_si = self._strip(analysis_quantities)
        self._derive()

    def _derive(self) -> None:
        self.network_params = copy.deepcopy(self._given_network_si)
        self.analysis_params = copy.deepcopy(self._given_analysis_si)
        self.network_params.update(self._derived_network_params())
        self.analysis_params.update(self._derived_analysis_params())
        self._validate()

    def _strip(self, quantities: dict) -> dict:
        out = {}
        for key, value in quantities.items():
            magnitude, unit = to_si(value)
            if unit is not None:
                self.input_units[key] = unit
            out[key] = magnitude
        return out

    def _derived_network_params(self) -> dict:
        """Parameters computed from the given ones (SI). Overridden by models."""
        return {}

    def _derived_analysis_params(self) -> dict:
        return {}

    def _validate(self) -> None:
        """Check the parameters that are present; raise ValueError on nonsense."""
        from ._validation import validate_network_params
        validate_network_params(self.network_params)

    # -- saving and loading ------------------------------------------------

    def _with_units(self, params: dict) -> dict:
        out = {}
        for key, value in params.items():
            unit = self.input_units.get(key)
            out[key] = from_si(value, unit) if unit is not None else value
        return out

    def _results_with_units(self) -> dict:
        out = {}
        for key, value in self.results.items():
            unit = self.result_units.get(key)
            out[key] = from_si(value, unit) if unit else value
        return out

    def save(self, file: str | Path) -> None:
        """Save parameters, results and the results cache to an HDF5 file (atomically)."""
        io.save_quantity_dict_to_h5(file, {
            "network_params": self._with_units(self.network_params),
            "analysis_params": self._with_units(self.analysis_params),
            "results": self._results_with_units(),
            "results_hash_dict": self.results_hash_dict,
        })

    def save_results(self, file: str | Path) -> None:
        """Save results and parameters (with units) to an HDF5 file (atomically)."""
        io.save_quantity_dict_to_h5(file, {
            "results": self._results_with_units(),
            "network_params": self._with_units(self.network_params),
            "analysis_params": self._with_units(self.analysis_params),
        })

    def load(self, file: str | Path) -> None:
        """Replace this network's state with the one saved in ``file`` (HDF5).

        Files written by NNMT's ``Network.save`` load as well.
        """
        network_params, analysis_params, results, hash_dict = io.load_network(file)
        self.input_units = {}
        self.network_params = self._strip(network_params)
        self.analysis_params = self._strip(analysis_params)
        self._given_network_si = copy.deepcopy(self.network_params)
        self._given_analysis_si = copy.deepcopy(self.analysis_params)
        self.results, self.result_units = {}, {}
        for key, value in results.items():
            magnitude, unit = to_si(value)
            self.results[key] = magnitude
            if unit is not None:
                self.result_units[key] = unit
        self.results_hash_dict = hash_dict
        self._result_dependencies = {}

    # -- inspection and modification -------------------------------------

    def show(self) -> list[str]:
        """Sorted keys of the results computed so far (stale ones are dropped first)."""
        invalidate_stale_results(self)
        return sorted(self.results)

    def change_parameters(self, changed_network_params: dict | None = None,
                          changed_analysis_params: dict | None = None,
                          overwrite: bool = False) -> Network | None:
        """Return a network with some parameters changed (or change this one).

        Parameters
        ----------
        changed_network_params, changed_analysis_params : dict
            New values, as quantities (any unit) or SI magnitudes.
        overwrite : bool
            If True, change this network in place (its results are discarded) and
            return None; otherwise return a new network and keep this one.

        Derived parameters (e.g. ``J`` of a Basic network) are recomputed from the given
        ones; changing a derived parameter directly raises ValueError.
        """
        derived_net = set(self.network_params) - set(self._given_network_si)
        derived_ana = set(self.analysis_params) - set(self._given_analysis_si)
        target = self if overwrite else copy.copy(self)
        target.input_units = dict(self.input_units)
        target._given_network_si = target._merge(self._given_network_si,
                                                 changed_network_params or {}, derived_net)
        target._given_analysis_si = target._merge(self._given_analysis_si,
                                                  changed_analysis_params or {}, derived_ana)
        target.results, target.results_hash_dict = {}, {}
        target.result_units, target._result_dependencies = {}, {}
        target._derive()
        return None if overwrite else target

    def _merge(self, given: dict, changes: dict, derived: set) -> dict:
        bad = sorted(set(changes) & derived)
        if bad:
            raise ValueError(
                f"cannot change derived parameter(s) {bad} of a {type(self).__name__} network; "
                f"change the parameters they are computed from instead")
        merged = dict(given)
        for key, value in changes.items():
            magnitude, unit = to_si(value)
            if unit is not None:
                self.input_units[key] = unit
            merged[key] = copy.deepcopy(magnitude)
        return merged

    def copy(self) -> Network:
        """Deep copy of the network, including its results."""
        return copy.deepcopy(self)

    def clear_results(self, results: str | list[str] | None = None) -> None:
        """Remove all results, or the named ones, from results and cache."""
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


def synapse_type(network_params: dict) -> str:
    """'exp' or 'delta': ``synapse_type`` if given, else 'exp' when ``tau_s`` is present."""
    kind = network_params.get("synapse_type")
    if kind is None:
        return "exp" if "tau_s" in network_params else "delta"
    return check_choice("synapse_type", kind, ("exp", "delta"))


def _omegas(analysis_params: dict) -> dict:
    """Angular frequencies 2π·arange(f_min, f_max, df) and wavenumbers (SI)."""
    derived = {}
    if all(k in analysis_params for k in ("f_min", "f_max", "df")):
        f_min, f_max, df = (float(analysis_params[k]) for k in ("f_min", "f_max", "df"))
        if df <= 0:
            raise ValueError(f"analysis parameter df must be > 0, got {df} Hz")
        derived["omegas"] = np.arange(2 * np.pi * f_min, 2 * np.pi * f_max, 2 * np.pi * df)
    if all(k in analysis_params for k in ("k_min", "k_max", "dk")):
        k_min, k_max, dk = (float(analysis_params[k]) for k in ("k_min", "k_max", "dk"))
        if dk <= 0:
            raise ValueError(f"analysis parameter dk must be > 0, got {dk} 1/m")
        derived["k_wavenumbers"] = np.arange(k_min, k_max, dk)
    return derived
