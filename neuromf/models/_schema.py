"""Parameter schemas of the network models: every known parameter with its unit
dimension, shape, allowed range and whether a model class requires it.

One table (:data:`PARAMETERS`) describes each parameter name that neuromf, NNMT's
parameter files or NNMT's functions use; one :class:`Schema` per model class says
which of them the class requires (groups of alternatives, e.g. ``w`` or ``PSP_e``),
whether unknown names are refused, and which parameters it derives.  The checks
run on the SI values that :class:`neuromf.models.Network` stores, with the units the
parameters were given in; they raise ``ValueError`` / ``TypeError`` that name the
parameter, its value and unit, and what is allowed.  (No paper: bookkeeping.)
"""

from __future__ import annotations

import difflib
import warnings
from dataclasses import dataclass, field
from numbers import Number
from typing import Any

import numpy as np

from .. import conventions
from ..utils import ureg

#: shapes: 'scalar'; 'population' (scalar or one value per population);
#: 'matrix' (scalar, per population or (n, n) target x source); 'square' ((n, n)
#: only); 'external' (scalar, per population, or (n, n_ext) from external sources);
#: 'vector' (scalar or 1-d); 'any' (array of any shape); 'text' (a string); 'texts'
#: (a list of strings)
SHAPES = ("scalar", "population", "matrix", "square", "external", "vector", "any", "text",
          "texts")
#: ranges: None (any finite number), 'positive' (> 0), 'non-negative' (>= 0),
#: 'probability' ([0, 1)), 'integer' (>= 1, whole number), 'potential' (a membrane
#: potential, |V| <= 1 V: anything larger is a unit slip)
RANGES = (None, "positive", "non-negative", "probability", "integer", "potential")


@dataclass(frozen=True)
class Param:
    """One known parameter.

    ``unit`` is a reference unit of the parameter's dimension ('ms', 'mV', ...;
    '' for a pure number, None for text); a quantity of another dimension is refused.
    """

    name: str
    unit: str | None
    shape: str
    range: str | None
    doc: str
    choices: tuple = ()

    def describe(self) -> str:
        dim = ("text" if self.unit is None else
               "dimensionless" if self.unit == "" else f"unit like {self.unit}")
        bits = [dim, self.shape]
        if self.range:
            bits.append(self.range)
        if self.choices:
            bits.append("one of " + ", ".join(map(repr, self.choices)))
        return f"{self.name}: {self.doc} ({'; '.join(bits)})"


def _p(name, unit, shape, rng, doc, choices=()):
    return Param(name, unit, shape, rng, doc, tuple(choices))


_NETWORK = [
    _p("label", None, "text", None, "name of the parameter set"),
    _p("populations", None, "texts", None, "population names"),
    _p("dimension", "", "scalar", "integer", "number of populations (derived)"),
    _p("N", "", "population", "positive", "neurons per population"),
    _p("C", "pF", "population", "positive", "membrane capacitance"),
    _p("tau_m", "ms", "population", "positive", "membrane time constant"),
    _p("tau_r", "ms", "population", "non-negative", "refractory period"),
    _p("tau_s", "ms", "population", "positive", "synaptic time constant"),
    _p("tau_m_ext", "ms", "population", "positive", "tau_m of the external drive"),
    _p("E_L", "mV", "population", "potential", "resting potential"),
    _p("V_0_abs", "mV", "population", "potential", "reset potential"),
    _p("V_th_abs", "mV", "population", "potential", "threshold potential"),
    _p("V_reset", "mV", "population", "potential", "reset potential (NNMT alias)"),
    _p("V_0_rel", "mV", "population", None, "reset relative to rest (derived)"),
    _p("V_th_rel", "mV", "population", None, "threshold relative to rest (derived)"),
    _p("synapse_type", None, "text", None, "synapse model", ("exp", "delta")),
    _p("K", "", "square", "non-negative", "in-degrees, target x source"),
    _p("K_ext", "", "external", "non-negative", "external in-degrees"),
    _p("conn_probs", "", "matrix", "probability", "connection probabilities"),
    _p("W", "pA", "matrix", None, "PSC amplitudes, target x source"),
    _p("W_ext", "pA", "external", None, "external PSC amplitudes"),
    _p("w", "pA", "scalar", None, "excitatory PSC amplitude"),
    _p("w_ext", "pA", "scalar", None, "external PSC amplitude"),
    _p("J", "mV", "matrix", None, "weights (integrated PSC / C or PSP jump)"),
    _p("J_ext", "mV", "external", None, "external weights"),
    _p("J_eff", "mV", "matrix", None, "effective weights"),
    _p("j", "mV", "scalar", "positive", "excitatory PSP jump"),
    _p("j_std", "mV", "scalar", "non-negative", "spread of the PSP jumps"),
    _p("g", "", "scalar", "non-negative", "relative strength of inhibition"),
    _p("PSP_e", "mV", "scalar", "positive", "mean excitatory PSP"),
    _p("PSC_rel_sd", "", "scalar", "non-negative", "relative spread of the PSC amplitudes"),
    _p("nu_ext", "Hz", "vector", "non-negative", "rate of each external source"),
    _p("nu_e_ext", "Hz", "population", "non-negative", "extra excitatory Poisson drive"),
    _p("nu_i_ext", "Hz", "population", "non-negative", "extra inhibitory Poisson drive"),
    _p("nu_thr", "Hz", "scalar", "positive", "threshold rate (derived)"),
    _p("eta", "", "vector", "non-negative", "nu_ext / nu_thr (derived)"),
    _p("full_mean_rates", "Hz", "population", "non-negative", "published mean rates"),
    _p("I_ext", "pA", "population", None, "external DC current"),
    _p("I_e", "pA", "population", None, "external DC current (NEST name)"),
    _p("d_e", "ms", "scalar", "non-negative", "mean delay of excitatory connections"),
    _p("d_i", "ms", "scalar", "non-negative", "mean delay of inhibitory connections"),
    _p("d_e_sd", "ms", "scalar", "non-negative", "delay spread, excitatory"),
    _p("d_i_sd", "ms", "scalar", "non-negative", "delay spread, inhibitory"),
    _p("d", "ms", "scalar", "non-negative", "delay"),
    _p("D", "ms", "matrix", "non-negative", "delays"),
    _p("D_mean", "ms", "matrix", "non-negative", "mean delays"),
    _p("D_std", "ms", "matrix", "non-negative", "delay spreads"),
    _p("Delay", "ms", "matrix", "non-negative", "mean delays, target x source"),
    _p("Delay_sd", "ms", "matrix", "non-negative", "delay spreads, target x source"),
    _p("delay_dist", None, "text", None, "delay distribution",
       ("none", "gaussian", "truncated_gaussian", "lognormal")),
    _p("width", "mm", "population", "positive", "spatial width of the connections"),
    _p("mean_input_set", "mV", "population", None, "target mean input"),
    _p("mu_set", "mV", "population", None, "target mean input"),
    _p("std_input_set", "mV", "population", "non-negative", "target input std"),
    _p("sigma_set", "mV", "population", "non-negative", "target input std"),
    _p("tau_rate", "ms", "population", "positive", "time constants of the rate model"),
    _p("W_rate", "", "matrix", None, "weights of the rate model"),
    _p("theta", "", "population", None, "threshold of binary neurons"),
    _p("m_ext", "", "population", None, "external activity of binary neurons"),
    _p("neuron_type", None, "text", None, "neuron model name"),
    _p("connection_rule", None, "text", None, "connection rule"),
    _p("multapses", None, "any", None, "multapses allowed"),
    _p("p", "", "matrix", "probability", "connection probability"),
    _p("dc_share", "", "any", None, "share of the DC drive"),
    _p("gaussianize", None, "any", None, "Gaussian approximation switch"),
]

_ANALYSIS = [
    _p("f_min", "Hz", "scalar", "non-negative", "lowest analysis frequency"),
    _p("f_max", "Hz", "scalar", "positive", "highest analysis frequency (exclusive)"),
    _p("df", "Hz", "scalar", "positive", "frequency step"),
    _p("k_min", "1/mm", "scalar", "non-negative", "lowest wavenumber"),
    _p("k_max", "1/mm", "scalar", "positive", "highest wavenumber (exclusive)"),
    _p("dk", "1/mm", "scalar", "positive", "wavenumber step"),
    _p("omegas", "Hz", "any", None, "angular frequencies (derived)"),
    _p("omega", "Hz", "any", None, "one angular frequency"),
    _p("k_wavenumbers", "1/mm", "any", None, "wavenumbers (derived)"),
    _p("analysis_frequencies", "Hz", "any", None, "frequencies"),
    _p("frequency", "Hz", "any", None, "one frequency"),
    _p("tf_mode", None, "text", None, "transfer function mode", ("analytical", "empirical")),
    _p("num_modes", "", "scalar", "integer", "eigenmodes for the response time constants"),
    _p("tau_impulse", "ms", "population", "non-negative", "impulse response time constants"),
    _p("delta_f", "ms", "population", None, "instantaneous rate jumps"),
    _p("f_start_exponent", "", "scalar", None, "log10 of the first frequency"),
    _p("f_end_exponent", "", "scalar", None, "log10 of the last frequency"),
    _p("n_freqs", "", "scalar", "integer", "number of frequencies"),
    _p("margin", "", "scalar", None, "margin"),
    _p("branches", "", "any", None, "branches of the Lambert W function"),
    _p("eigenvalue_index", "", "any", None, "eigenvalue index"),
]

PARAMETERS: dict[str, dict[str, Param]] = {
    "network_params": {p.name: p for p in _NETWORK},
    "analysis_params": {p.name: p for p in _ANALYSIS},
}

#: user-registered parameters (see :func:`register_parameter`)
_EXTRA: dict[str, dict[str, Param]] = {"network_params": {}, "analysis_params": {}}


def register_parameter(name: str, unit: str | None = "", shape: str = "any",
                       range: str | None = None, doc: str = "user parameter",
                       kind: str = "network_params") -> None:
    """Make ``name`` a known parameter of every model (for parameters of your own).

    ``unit`` is a reference unit of its dimension ('ms', 'mV', '' for a number,
    None for text); ``shape`` one of :data:`SHAPES`, ``range`` one of :data:`RANGES`.

    Parameters
    ----------
    name : str
        Parameter name.
    unit : str or None
        Reference unit of its dimension.
    shape : str
        Allowed shape (:data:`SHAPES`).
    range : str, optional
        Allowed range (:data:`RANGES`).
    doc : str
        One-line description (shown by :func:`neuromf.models.schema`).
    kind : {'network_params', 'analysis_params'}
        Which parameter dict it belongs to.

    Raises
    ------
    ValueError
        For an unknown ``shape`` or ``range``.
    """
    if shape not in SHAPES or range not in RANGES:
        raise ValueError(f"register_parameter: shape must be one of {SHAPES} and range "
                         f"one of {RANGES}, got {shape!r}, {range!r}")
    _EXTRA[kind][name] = Param(name, unit, shape, range, doc)


def known(kind: str) -> dict[str, Param]:
    return {**PARAMETERS[kind], **_EXTRA[kind]}


@dataclass(frozen=True)
class Schema:
    """What one model class requires and accepts.

    ``required`` is a tuple of groups; each group is satisfied by any one of its names.
    ``strict``: unknown parameter names are refused (with a suggestion).
    """

    model: str
    required: tuple = ()
    strict: bool = True
    notes: dict = field(default_factory=dict)

    def lines(self) -> list[str]:
        """Human-readable listing of the schema (for docs and ``neuromf check``)."""
        out = [f"{self.model}: required " + ", ".join(" or ".join(g) for g in self.required)]
        out += ["  " + p.describe() for p in known("network_params").values()]
        out += ["  " + p.describe() for p in known("analysis_params").values()]
        return out


_NEURON = (("tau_m",), ("tau_r",), ("V_0_abs",), ("V_th_abs",))
SCHEMAS = {
    "Network": Schema("Network", (), strict=False),
    "Plain": Schema("Plain", (), strict=False),
    "Basic": Schema("Basic", (("populations",), *_NEURON)),
    "Brunel2000": Schema("Brunel2000", (("populations",), *_NEURON, ("K",), ("j",), ("g",),
                                         ("nu_ext",), ("K_ext",))),
    "Microcircuit": Schema("Microcircuit", (("populations",), ("C",), *_NEURON, ("tau_s",),
                                            ("g",), ("d_e",), ("d_i",), ("d_e_sd",),
                                            ("d_i_sd",), ("K_ext",), ("w", "PSP_e"),
                                            ("K", "conn_probs"))),
}


def schema_for(cls: type) -> Schema:
    """The schema of a model class (the nearest class in its MRO that has one)."""
    for klass in cls.__mro__:
        if klass.__name__ in SCHEMAS:
            return SCHEMAS[klass.__name__]
    return SCHEMAS["Network"]


# ---------------------------------------------------------------------------
# checks
# ---------------------------------------------------------------------------

def check_names(model: str, kind: str, names, strict: bool) -> None:
    """Unknown names: refused with a 'did you mean' suggestion (strict models), or,
    for any model, refused when they are one letter away from a known name of a
    different case only (``G`` for ``g``).  Under ``neuromf.use_convention("nnmt")``
    (flag ``strict_parameter_names``) they are accepted with a warning, as NNMT 1.3
    accepts any name."""
    table = known(kind)
    lower = {k.lower(): k for k in table}
    refuse = conventions.flag("strict_parameter_names")
    for name in names:
        if not isinstance(name, str):
            raise TypeError(f"{model}: {kind} names must be strings, got {name!r}")
        if name in table:
            continue
        message = None
        if name.lower() in lower:
            message = (f"{model}: unknown parameter {name!r} in {kind}; did you mean "
                       f"{lower[name.lower()]!r}? (names are case-sensitive)")
        elif strict:
            close = difflib.get_close_matches(name, list(table), n=3, cutoff=0.6)
            hint = (f"did you mean {' or '.join(map(repr, close))}?" if close
                    else "not a parameter of this model")
            message = (f"{model}: unknown parameter {name!r} in {kind}; {hint} (use "
                       f"neuromf.models.register_parameter for a parameter of your own, or "
                       f"the Plain model, which accepts any names)")
        if message is None:
            continue
        if refuse:
            raise ValueError(message)
        warnings.warn(message + "; accepted under the NNMT convention", UserWarning,
                      stacklevel=4)


def check_required(model: str, schema: Schema, params: dict) -> None:
    missing = [" or ".join(repr(n) for n in group) for group in schema.required
               if not any(n in params for n in group)]
    if missing:
        raise ValueError(f"{model} needs the network parameter(s) {', '.join(missing)}, "
                         f"which are missing")


def _dimensionality(unit: str):
    return ureg.Quantity(1.0, unit).dimensionality


def check_unit(model: str, kind: str, name: str, unit: str | None) -> None:
    """Refuse a unit whose dimension differs from the parameter's (``unit`` as given)."""
    param = known(kind).get(name)
    if param is None or unit is None:
        return
    if param.unit is None:
        raise TypeError(f"{model}: {name} is text ({param.doc}), not a quantity with "
                        f"unit {unit!r}")
    given = _dimensionality(unit)
    if given != _dimensionality(param.unit or "dimensionless"):
        expected = "a pure number (dimensionless)" if param.unit == "" else \
            f"a unit of the dimension of {param.unit} ({_dimensionality(param.unit)})"
        raise ValueError(f"{model}: {name} was given in {ureg.Unit(unit):~} ({given}), "
                         f"but needs {expected}")


def _numeric(model: str, name: str, value: Any, unit: str) -> np.ndarray:
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{model}: {name} must be a number{unit}, got {value!r}")
    try:
        arr = np.asarray(value)
    except (ValueError, TypeError) as exc:
        raise TypeError(f"{model}: {name} must be a number or an array of numbers"
                        f"{unit}, got {value!r} ({exc})") from None
    if arr.dtype.kind not in "iuf":
        if arr.dtype.kind == "c":
            raise TypeError(f"{model}: {name} must be real{unit}, got {value!r}")
        raise TypeError(f"{model}: {name} must be a number or an array of numbers{unit}, "
                        f"got {value!r}")
    return arr.astype(float)


def _describe(arr: np.ndarray) -> str:
    if arr.size == 1:
        return repr(float(arr.ravel()[0]))
    return np.array2string(arr, threshold=8, precision=6)


def check_value(model: str, kind: str, name: str, value: Any, dim: int | None) -> None:
    """Type, shape and range of one parameter (SI value); no-op for unknown names."""
    param = known(kind).get(name)
    if param is None:
        return
    if value is None:
        if param.unit is not None or param.shape == "texts":
            raise TypeError(f"{model}: {name} must be given ({param.doc}), got None")
        return
    si = ureg.Quantity(1.0, param.unit).to_base_units().units if param.unit else None
    unit = f" ({si:~})" if si is not None and str(si) != "dimensionless" else ""
    if param.shape == "text":
        if not isinstance(value, str):
            raise TypeError(f"{model}: {name} must be text ({param.doc}), got {value!r}")
        if param.choices and value not in param.choices:
            raise ValueError(f"{model}: invalid {name} {value!r}; valid choices are "
                             f"{', '.join(map(repr, param.choices))}")
        return
    if param.shape == "texts":
        items = list(value) if isinstance(value, (list, tuple, np.ndarray)) else None
        if items is None or not all(isinstance(v, (str, np.str_)) for v in items):
            raise TypeError(f"{model}: {name} must be a list of names, got {value!r}")
        if len(set(map(str, items))) != len(items):
            raise ValueError(f"{model}: {name} must be distinct names, got {items}")
        return
    if param.unit is None:
        return
    arr = _numeric(model, name, value, unit)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{model}: {name} must be finite, got {_describe(arr)}{unit}")
    shape = np.shape(arr)
    if arr.size == 0 and param.shape != "any":
        raise ValueError(f"{model}: {name} is empty (shape {shape}); give a value")
    if param.shape == "scalar" and arr.size != 1:
        raise ValueError(f"{model}: {name} must be a single number, got shape {shape}")
    if param.shape == "vector" and arr.ndim > 1:
        raise ValueError(f"{model}: {name} must be a number or a 1-d array, got shape {shape}")
    if param.shape == "external" and dim is not None and not (
            arr.ndim == 0 or (arr.ndim <= 2 and shape[0] in (1, dim))):
        raise ValueError(f"{model}: {name} has shape {shape}, but the network has {dim} "
                         f"populations: expected a number, one value per population or a "
                         f"({dim}, n_ext) matrix over external sources")
    if param.shape in ("population", "matrix", "square") and dim is not None:
        allowed = ({(dim, dim)} if param.shape == "square" else
                   {(), (1,), (dim,)} | ({(dim, dim)} if param.shape == "matrix" else set()))
        if shape not in allowed:
            want = ("a (n, n) matrix, target x source" if param.shape == "square" else
                    "a number or one value per population"
                    + (" or a (n, n) matrix" if param.shape == "matrix" else ""))
            raise ValueError(f"{model}: {name} has shape {shape}, but the network has "
                             f"{dim} populations: expected {want} (n = {dim})")
    rng = param.range
    bad = None
    if rng == "positive" and np.any(arr <= 0):
        bad = "> 0"
    elif rng == "non-negative" and np.any(arr < 0):
        bad = ">= 0"
    elif rng == "probability" and np.any((arr < 0) | (arr >= 1)):
        bad = "in [0, 1)"
    elif rng == "integer" and np.any((arr < 1) | (arr != np.round(arr))):
        bad = "a whole number >= 1"
    elif rng == "potential" and np.any(np.abs(arr) > 1.0):
        bad = "a membrane potential within +-1 V (+-1000 mV)"
    if bad:
        raise ValueError(f"{model}: {name} must be {bad}, got {_describe(arr)}{unit}")


def unitless(name: str) -> bool:
    """True if a ``{val: ...}`` entry without unit is fine for ``name`` (pure numbers,
    text); False for parameters with a dimension and for unknown names."""
    for kind in PARAMETERS:
        param = known(kind).get(name)
        if param is not None:
            return param.unit in ("", None)
    return False


def as_array(kind: str, name: str, value: Any) -> Any:
    """Numeric lists of known parameters as float arrays (as YAML values become)."""
    param = known(kind).get(name)
    if (param is not None and param.unit is not None and isinstance(value, (list, tuple))):
        try:
            arr = np.asarray(value)
        except (TypeError, ValueError):
            return value
        if arr.dtype.kind in "iuf":
            return arr
    return value


def population_count(params: dict) -> int | None:
    pops = params.get("populations")
    if isinstance(pops, (list, tuple, np.ndarray)):
        return len(pops)
    if isinstance(pops, str):
        return 1
    return None


def is_number(value: Any) -> bool:
    return isinstance(value, Number) and not isinstance(value, bool)
