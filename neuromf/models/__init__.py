"""Network models: parameter containers that derive what the theory needs.

``Network`` (base), ``Plain`` (no derived parameters), ``Basic`` (arbitrary
connectivity) and ``Microcircuit`` (Potjans & Diesmann 2014) follow NNMT's models.
Built-in parameter sets are listed by :func:`available` and loaded by name, e.g.
``Microcircuit()``, ``Microcircuit('bos2016')``, ``Brunel2000('brunel2000_C')`` or
:func:`load_model`.
"""

from __future__ import annotations

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
         "Plain": ".plain"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = ["Network", "Plain", "Basic", "Microcircuit", "Brunel2000", "available", "load_model",
           "synapse_type", "psc_from_psp", "indegrees_from_connection_probabilities"]


def load_model(name_or_path, analysis_params=None) -> Network:
    """Build the model for a built-in set name or a YAML file.

    Built-in names get their own model class and analysis parameters; a YAML file is
    loaded as ``Microcircuit`` if it defines ``w`` and ``g`` (NNMT's microcircuit
    format), else as ``Basic``.
    """
    from pathlib import Path

    from ..input_output import load_val_unit_dict_from_yaml
    from . import _builtin
    from .basic import Basic
    from .brunel import Brunel2000
    from .microcircuit import Microcircuit

    key = str(name_or_path)
    name = _builtin.canonical_name(key)
    if name is not None and not Path(key).is_file():
        cls = {"Microcircuit": Microcircuit, "Basic": Basic,
               "Brunel2000": Brunel2000}[_builtin.BUILTIN[name][0]]
        return cls(name, analysis_params)
    path = Path(key)
    if not path.is_file():
        raise ValueError(f"unknown model {key!r}: not a file and not one of the built-in "
                         f"models {', '.join(available())}")
    params = load_val_unit_dict_from_yaml(path)
    cls = Microcircuit if ("w" in params or "PSP_e" in params) and "g" in params else Basic
    return cls(str(path), analysis_params)
