"""neuromf: mean-field and linear-response theory of spiking LIF networks.

A drop-in, faster and more correct successor of NNMT: ``import neuromf as nnmt``
runs NNMT 1.3 scripts.  All internal computation is in SI units on plain numpy
arrays; pint quantities (``neuromf.ureg``) appear only at the user boundary.
``neuromf.simulation`` (NEST) and ``neuromf.lfp`` (LFPy/NEURON) are imported on demand.
"""

from .utils import ureg  # noqa: I001  (the registry must exist before the submodules)

from . import utils, input_output, models, network_properties, linear_response, lif
from . import binary, linear_stability, spatial, rate_mapping

__version__ = "0.1.0"

__all__ = ["ureg", "utils", "input_output", "models", "network_properties", "linear_response",
           "lif", "binary", "linear_stability", "spatial", "rate_mapping", "__version__"]
