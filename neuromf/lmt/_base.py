"""Internals of ``lmt.Network``: LMT's microcircuit derivation and its results cache.

One concept: what :class:`neuromf.lmt.Network` builds on -- the microcircuit model as
LMT 0.2 derives it (Potjans & Diesmann 2014, with LMT's label rule and additional
external rates, Senk et al. 2020, App. F), the conversion of LMT's parameter inputs,
and the cache of results under LMT's names and units (per-argument lists included).
The public methods are in :mod:`neuromf.lmt.network`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from .. import input_output as io
from .. import lif, linear_response, models, network_properties
from ..conventions import convention
from ..utils import from_si, is_quantity, to_si, ureg

#: Display units of LMT's results (SI values are converted into them).
_UNITS = {
    "firing_rates": "hertz", "mean_input": "millivolt", "std_input": "millivolt",
    "transfer_function": "hertz / millivolt", "delay_dist": "dimensionless",
    "power_spectra": "hertz", "eigenvalue_spectra": "dimensionless",
    "r_eigenvec_spectra": "dimensionless", "l_eigenvec_spectra": "dimensionless",
    "sensitivity_measure": "dimensionless", "add_nu_e_ext": "hertz",
    "add_nu_i_ext": "hertz", "effective_coupling_strength": "dimensionless",
}


_MATRICES = ("MH", "prop", "prop_inv")


class _LMTModel(models.Microcircuit):
    """LMT's microcircuit derivation: as :class:`neuromf.models.Microcircuit`, but the
    L4E -> L23E weight is doubled only for ``label: microcircuit`` (as in LMT 0.2), and
    the label is kept."""

    def _setup(self, network_quantities: dict, analysis_quantities: dict) -> None:
        self._lmt_label = network_quantities.get("label", "microcircuit")
        super()._setup(network_quantities, analysis_quantities)
        self.network_params["label"] = self._given_network_si["label"] = self._lmt_label

    def _derived_network_params(self) -> dict:
        derived = super()._derived_network_params()
        if getattr(self, "_lmt_label", "microcircuit") != "microcircuit" and \
                derived["dimension"] > 2:
            for key in ("W", "J"):
                derived[key] = derived[key].copy()
                derived[key][0, 2] /= 2.0
        derived.update(self._extra_external_rates(derived))
        return derived

    #: extra analysis frequencies (Hz) and wavenumbers (1/m) set by the LMT layer
    _extra_freqs: np.ndarray | None = None
    _k_override: np.ndarray | None = None

    def _derived_analysis_params(self) -> dict:
        derived = super()._derived_analysis_params()
        if self._extra_freqs is not None:
            derived["omegas"] = np.union1d(derived["omegas"], 2 * np.pi * self._extra_freqs)
        if self._k_override is not None:
            derived["k_wavenumbers"] = self._k_override
        return derived

    def _extra_external_rates(self, derived: dict) -> dict:
        """LMT's additional external rates nu_e_ext, nu_i_ext (per population; weights
        j and -g j, one synapse each; Senk et al. 2020, App. F) as extra external
        sources of the neuromf model (2-d K_ext, J_ext, nu_ext)."""
        p = {**self.network_params, **derived}
        n = p["dimension"]
        nu_e = np.broadcast_to(np.asarray(p.get("nu_e_ext", 0.0), float), (n,))
        nu_i = np.broadcast_to(np.asarray(p.get("nu_i_ext", 0.0), float), (n,))
        if not (np.any(nu_e) or np.any(nu_i)):
            return {}
        eye = np.eye(n)
        K_ext = np.asarray(p["K_ext"], float).reshape(n, -1)
        J_ext = np.broadcast_to(np.asarray(p["J_ext"], float).reshape(n, -1), K_ext.shape)
        nu_ext = np.broadcast_to(np.asarray(p["nu_ext"], float).reshape(-1), K_ext.shape[1:])
        return {"K_ext": np.hstack([K_ext, eye, eye]),
                "J_ext": np.hstack([J_ext, p["j"] * eye, -p["g"] * p["j"] * eye]),
                "nu_ext": np.concatenate([nu_ext, nu_e, nu_i])}


def _as_quantities(params: Mapping) -> dict:
    """Parameters given as quantities, plain values or LMT's ``{val, unit}`` dicts."""
    out = {}
    for key, value in params.items():
        if isinstance(value, Mapping) and "val" in value:
            value = io.val_unit_to_quantities({key: value})[key]
        out[key] = value
    return out


def _read(params: Any, kind: str) -> tuple[dict, str]:
    if params is None:
        return {}, ""
    if isinstance(params, (str, Path)):
        if not Path(params).is_file():
            raise FileNotFoundError(f"{kind} file {params} does not exist")
        return io.load_val_unit_dict_from_yaml(params), str(params)
    if isinstance(params, Mapping):
        return _as_quantities(params), ""
    raise TypeError(f"{kind} must be a YAML file name or a dict, got {type(params).__name__}")


def _freq_si(freq: Any) -> float:
    """A frequency (pint quantity or Hz) in Hz."""
    value = freq.to("hertz").magnitude if is_quantity(freq) else freq
    value = np.asarray(value, dtype=float)
    if value.size != 1:
        raise ValueError(f"freq must be one frequency, got shape {value.shape}")
    return float(value.reshape(-1)[0])


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    try:
        return bool(np.all(to_si(a)[0] == to_si(b)[0]) and np.shape(to_si(a)[0])
                    == np.shape(to_si(b)[0]))
    except (TypeError, ValueError):
        return False


#: Results computed per argument (lists) and the analysis parameters holding the arguments.
_PER_ARGUMENT = {"delay_dist_single", "transfer_function_single", "sensitivity_measure",
                 "eigenvalue_spectra", "r_eigenvec_spectra", "l_eigenvec_spectra",
                 "delay_dist_freqs", "transfer_freqs", "sensitivity_freqs",
                 "eigenvalue_matrix", "r_eigenvec_matrix", "l_eigenvec_matrix"}


def _listify(key: str, value: Any) -> Any:
    """Loaded per-argument entries come back from HDF5 as one array: make them lists."""
    if key not in _PER_ARGUMENT:
        return value
    if is_quantity(value):
        return [value[i] for i in range(len(value))] if np.ndim(value.magnitude) else [value]
    if isinstance(value, (list, tuple, np.ndarray)):
        return [str(v) if isinstance(v, bytes | np.str_) else v for v in value]
    return [value]


class _NetworkBase:
    """The construction and cache of :class:`neuromf.lmt.Network` (private methods)."""

    #: rate approximation of the working point ('shift'; set by firing_rates(method))
    _rate_method = "shift"

    def _build(self, net: dict, ana: dict) -> None:
        self._given_network, self._given_analysis = dict(net), dict(ana)
        # LMT derives the parameters of the microcircuit model whatever the label says
        self._net = _LMTModel(net, ana)
        self.network_params = self._net._with_units(self._net.network_params)
        self.analysis_params = self._net._with_units(self._net.analysis_params)
        # derived analysis parameters as LMT shows them (angular frequencies in Hz)
        derived = {"omegas": "hertz", "k_wavenumbers": "1 / meter"}
        for key, unit in derived.items():
            if key in self._net.analysis_params:
                self.analysis_params[key] = ureg.Quantity(self._net.analysis_params[key], unit)
        self.hash = io.create_hash(
            {k: str(v) for k, v in self.network_params.items()}, self.network_params)

    def _store(self, name: str, value: Any, unit: str | None = None) -> Any:
        unit = unit or _UNITS.get(name)
        q = from_si(value, unit) if unit else value
        self.results[name] = q
        return q

    def _store_at(self, name: str, key: str, param: Any, compute) -> Any:
        """LMT's per-argument cache: results[name] is a list, analysis_params[key] the
        arguments it was computed for."""
        params = self.analysis_params.setdefault(key, [])
        for i, old in enumerate(params):
            if _same(old, param):
                return self.results[name][i]
        value = compute()
        params.append(param)
        self.results.setdefault(name, []).append(value)
        return value

    def _params_si(self, *names: str) -> list:
        return [self._net.network_params[n] for n in names]

    def _ensure_working_point(self) -> None:
        """The working point in the neuromf network (cached there by exact key; needed
        after loading results from a file)."""
        self.working_point()
        with convention("nnmt"):
            lif.exp.working_point(self._net, method=self._rate_method)

    def _transfer_si(self, omegas: np.ndarray, method: str) -> np.ndarray:
        self._ensure_working_point()
        mu, sigma = (to_si(q)[0] for q in (self.mean_input(), self.std_input()))
        tau_m, tau_s, tau_r, V_th, V_0 = self._params_si("tau_m", "tau_s", "tau_r",
                                                        "V_th_rel", "V_0_rel")
        with convention("nnmt"):
            return lif.exp._transfer_function(mu, sigma, tau_m, tau_s, tau_r, V_th, V_0,
                                              omegas, method=method)

    def _effective_connectivity(self, method: str = "shift") -> np.ndarray:
        """M(omega) at the analysis frequencies (SI; the neuromf results re-established in
        order, so that single-frequency calls in between do not leak in)."""
        self._ensure_working_point()
        with convention("nnmt"):
            lif.exp.transfer_function(self._net, method=method)
            network_properties.delay_dist_matrix(self._net)
            return lif.exp.effective_connectivity(self._net)

    def _eigen(self, name: str, key: str, matrix: str, which: int) -> Any:
        if matrix not in _MATRICES:
            raise ValueError(f"matrix must be one of {_MATRICES}, got {matrix!r}")

        def compute():
            self._effective_connectivity()
            with convention("nnmt"):
                out = linear_response.eigen_spectra(self._net, matrix, return_vectors=True)
            value = np.asarray(out[which])
            value = value.T if which == 0 else np.moveaxis(value, 0, -1)
            return ureg.Quantity(value, "dimensionless")

        return self._store_at(name, key, matrix, compute)

    def _spatial_network(self) -> models.Network:
        """The neuromf network with the rate model (tau_rate, W_rate) fitted."""
        if "tau_rate" not in self.results:
            self.fit_transfer_function()
        return self._net

    def _with_wavenumbers(self, k_wavenumbers: Any) -> models.Network:
        net = self._spatial_network()
        if k_wavenumbers is not None:
            net._k_override = np.atleast_1d(
                to_si(k_wavenumbers)[0] if is_quantity(k_wavenumbers)
                else np.asarray(k_wavenumbers, float))
            net._derive()
        return net
