"""neuromf: mean-field and linear-response theory of spiking LIF networks.

A drop-in, faster and more correct successor of NNMT: ``import neuromf as nnmt``
runs NNMT 1.3 scripts.  All internal computation is in SI units on plain numpy
arrays; pint quantities (``neuromf.ureg``) appear only at the user boundary.

The submodules are imported lazily (PEP 562) on first attribute access, so that
``import neuromf`` and the ``neuromf`` command start fast: ``neuromf.lif.exp``,
``neuromf.models.Microcircuit()`` or ``neuromf.ureg`` import what they need when used.
``neuromf.simulation`` (NEST) and ``neuromf.lfp`` (LFPy/NEURON) are imported on demand.
"""

from __future__ import annotations

import importlib
from typing import Any

from ._version import __version__
from .conventions import convention, use_convention

#: submodules reachable as attributes of the package (imported on first access)
_SUBMODULES = ("utils", "input_output", "models", "network_properties", "linear_response",
               "lif", "binary", "linear_stability", "spatial", "rate_mapping", "special",
               "scan", "analysis", "stability_report", "scan_report", "lfp_report", "plotting",
               "simulation", "lfp", "dynamics", "alpha_interpolation", "cli",
               "conventions", "lmt")

__all__ = ["ureg", "utils", "input_output", "models", "network_properties", "linear_response",
           "lif", "binary", "linear_stability", "spatial", "rate_mapping",
           "conventions", "convention", "use_convention", "lmt", "__version__"]


def __getattr__(name: str) -> Any:
    if name == "ureg":
        return importlib.import_module(".utils", __name__).ureg
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_SUBMODULES) | {"ureg"})
