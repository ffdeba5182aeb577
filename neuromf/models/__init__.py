"""Network models: parameter containers that derive what the theory needs.

``Network`` (base), ``Plain`` (no derived parameters), ``Basic`` (arbitrary
connectivity) and ``Microcircuit`` (Potjans & Diesmann 2014) follow NNMT's models.
Built-in parameter sets are listed by :func:`available` and loaded by name, e.g.
``Microcircuit()``, ``Microcircuit('bos2016')``, ``Brunel2000('brunel2000_C')`` or
:func:`load_model`.  Every parameter is checked against the model's schema
(``_schema``: unit dimension, shape, range, required or not; see
``docs/model_files.md``); :func:`check_file` validates a file and lists the derived
parameters (``neuromf check FILE``).
"""

from __future__ import annotations

import functools
import importlib
from typing import TYPE_CHECKING, Any

from ._builtin import available

if TYPE_CHECKING:
    from .network import Network

# the model classes import numpy, pint and h5py: they are imported on first use (PEP 562),
# so that listing the built-in models (``neuromf models``) stays fast
_LAZY = {"Basic": ".basic", "Brunel2000": ".brunel", "Microcircuit": ".microcircuit",
         "indegrees_from_connection_probabilities": ".microcircuit",
         "psc_from_psp": ".microcircuit", "Network": ".network", "synapse_type": ".network",
         "Plain": ".plain", "register_parameter": "._schema"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))



def schema(model: str | type = "Network") -> list[str]:
    """Lines describing every known parameter and what ``model`` requires.

    Parameters
    ----------
    model : str or type
        Model class or its name ('Network', 'Plain', 'Basic', 'Microcircuit',
        'Brunel2000').

    Returns
    -------
    list of str
        One line per parameter: name, unit, shape, range, description.

    Raises
    ------
    ValueError
        For an unknown model class.
    """
    from . import _schema

    name = model if isinstance(model, str) else model.__name__
    if name not in _schema.SCHEMAS:
        raise ValueError(f"unknown model class {name!r}; one of "
                         f"{', '.join(_schema.SCHEMAS)}")
    return _schema.SCHEMAS[name].lines()

__all__ = ["Network", "Plain", "Basic", "Microcircuit", "Brunel2000", "available", "load_model",
           "check_file", "register_parameter", "schema", "synapse_type", "psc_from_psp",
           "indegrees_from_connection_probabilities"]


def load_model(name_or_path, analysis_params=None) -> Network:
    """Build the model for a built-in set name or a YAML file.

    Built-in names get their own model class and analysis parameters.  A YAML file
    gets the class its parameters call for: ``Microcircuit`` if it defines ``w`` or
    ``PSP_e`` and ``g`` (NNMT's microcircuit format), ``Brunel2000`` if it defines the
    PSP ``j`` and ``g`` but no weight matrix, else ``Basic``.  Without
    ``analysis_params`` a file uses, in this order, ``<name>_analysis.yaml`` next to
    it, ``<prefix>_analysis.yaml`` for a name ``<prefix>_<suffix>`` (as
    ``brunel2000_C.yaml`` / ``brunel2000_analysis.yaml``), or, for an unchanged
    copy of a built-in file, that set's analysis parameters; so a copy of a built-in
    file loads exactly as its name does.

    Parameters
    ----------
    name_or_path : str or Path
        Built-in set name (:func:`available`) or YAML file in NNMT's ``{val, unit}``
        format.
    analysis_params : str, Path or dict, optional
        Analysis parameters (see above for the default).

    Returns
    -------
    Network
        A :class:`Microcircuit`, :class:`Brunel2000` or :class:`Basic`.
    """
    from pathlib import Path

    from . import _builtin

    key = str(name_or_path)
    name = _builtin.canonical_name(key)
    if name is not None and not Path(key).is_file():
        return _classes()[_builtin.BUILTIN[name][0]](name, analysis_params)
    path = Path(key)
    if not path.is_file():
        raise ValueError(f"unknown model {key!r}: not a file and not one of the built-in "
                         f"models {', '.join(available())}")
    cls, builtin = _class_for_file(path)
    if analysis_params is None:
        analysis_params = _analysis_for_file(path, builtin)
    return cls(str(path), analysis_params)


def _classes() -> dict[str, type]:
    """The model classes by name (imported here, on first use: they import numpy and pint)."""
    from .basic import Basic
    from .brunel import Brunel2000
    from .microcircuit import Microcircuit

    return {"Microcircuit": Microcircuit, "Basic": Basic, "Brunel2000": Brunel2000}


def _class_for_file(path) -> tuple[type, str | None]:
    """Model class for a network file, and the built-in set it is a copy of (or None)."""
    import yaml

    from ..input_output import load_val_unit_dict_from_yaml
    from . import _builtin, _schema

    params = load_val_unit_dict_from_yaml(path, _schema.unitless)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError):   # reported by the loader above
        raw = None
    classes = _classes()
    for set_name, entry in _builtin.BUILTIN.items():
        if raw is not None and raw == _builtin_raw(entry[1]):
            return classes[entry[0]], set_name
    if ("w" in params or "PSP_e" in params) and "g" in params:
        return classes["Microcircuit"], None
    if "j" in params and "g" in params and "W" not in params and "J" not in params:
        return classes["Brunel2000"], None
    return classes["Basic"], None


@functools.cache
def _builtin_raw(filename: str):
    import yaml

    from . import _builtin

    return yaml.safe_load((_builtin.DATA_DIR / filename).read_text(encoding="utf-8"))


def _analysis_for_file(path, builtin: str | None):
    from . import _builtin

    candidates = [path.with_name(f"{path.stem}_analysis{path.suffix}")]
    parts = path.stem.split("_")
    candidates += [path.with_name("_".join(parts[:i]) + f"_analysis{path.suffix}")
                   for i in range(len(parts) - 1, 0, -1)]
    for candidate in candidates:
        if candidate.is_file() and candidate != path:
            return str(candidate)
    if builtin is not None:
        return str(_builtin.DATA_DIR / _builtin.BUILTIN[builtin][2])
    return None


def check_file(path, analysis_params=None) -> list[str]:
    """Validate a model file and describe it: the lines ``neuromf check FILE`` prints.

    Loads ``path`` (a YAML file or a built-in name) as :func:`load_model` does, which
    raises ValueError / TypeError / FileNotFoundError naming the offending parameter,
    and returns lines with the model class, the given parameters and the derived
    ones (with units), and the analysis grid.

    Parameters
    ----------
    path : str or Path
        YAML file or built-in name.
    analysis_params : str, Path or dict, optional
        As for :func:`load_model`.

    Returns
    -------
    list of str
        The description.
    """
    import numpy as np

    from ..utils import from_si

    net = load_model(path, analysis_params)
    given = set(net._given_network_si)
    lines = [f"{path}: valid {type(net).__name__} model with "
             f"{len(net.network_params.get('populations', []))} populations"]

    def show(key, value, unit):
        if unit:
            q = from_si(value, unit)
            value, unit = q.magnitude, f" {q.units:~}"
        if np.ndim(value) >= 2:
            arr = np.asarray(value, dtype=float)
            text = (f"{' x '.join(map(str, arr.shape))} matrix, from {arr.min():.6g} to "
                    f"{arr.max():.6g}")
        elif np.ndim(value):
            text = np.array2string(np.asarray(value), precision=6, threshold=12,
                                   separator=", ", max_line_width=10**6)
        elif isinstance(value, float):
            text = format(value, ".6g")
        else:
            text = repr(value)
        return f"  {key} = {text}{unit or ''}"

    si = {"J": "mV", "J_ext": "mV", "W": "pA", "w": "pA", "w_ext": "pA", "j": "mV",
          "V_0_rel": "mV", "V_th_rel": "mV", "Delay": "ms", "Delay_sd": "ms",
          "nu_thr": "Hz"}
    lines.append("given parameters:")
    for key in sorted(given):
        lines.append(show(key, net.network_params[key], net.input_units.get(key)))
    lines.append("derived parameters:")
    for key in sorted(set(net.network_params) - given):
        lines.append(show(key, net.network_params[key], si.get(key)))
    omegas = net.analysis_params.get("omegas")
    if omegas is not None and len(omegas):
        f = np.asarray(omegas) / (2 * np.pi)
        lines.append(f"analysis frequencies: {len(f)} from {f[0]:g} Hz to {f[-1]:g} Hz")
    else:
        lines.append("analysis frequencies: none (give an analysis file or --freqs)")
    k = net.analysis_params.get("k_wavenumbers")
    if k is not None and len(k):
        lines.append(f"wavenumbers: {len(k)} from {k[0]:g} to {k[-1]:g} 1/m")
    return lines
