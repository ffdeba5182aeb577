"""Network models: parameter containers that derive what the theory needs.

``Network`` (base), ``Plain`` (no derived parameters), ``Basic`` (arbitrary
connectivity) and ``Microcircuit`` (Potjans & Diesmann 2014) follow NNMT's models.
Built-in parameter sets are listed by :func:`available` and loaded by name, e.g.
``Microcircuit()``, ``Microcircuit('bos2016')``, ``Brunel2000('brunel2000_C')`` or
:func:`load_model`.
"""

from __future__ import annotations

from ._builtin import available
from .basic import Basic
from .brunel import Brunel2000
from .microcircuit import Microcircuit, indegrees_from_connection_probabilities, psc_from_psp
from .network import Network, synapse_type
from .plain import Plain

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
