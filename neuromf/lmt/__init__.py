"""The lif_meanfield_tools 0.2 object API (``import neuromf.lmt as lmt``).

lif_meanfield_tools (LMT) 0.2 is the code of Bos et al. 2016 and Schuecker et al. 2015,
with the rate-model and spatial tools of Senk et al. 2020.  It runs only on numpy < 2,
pint < 0.24 and h5py < 3; this layer keeps its users' scripts running::

    import neuromf.lmt as lif_meanfield_tools
    ureg = lif_meanfield_tools.ureg
    network = lif_meanfield_tools.Network(network_params='network_params.yaml',
                                          analysis_params='analysis_params.yaml')
    network.working_point()
    network.power_spectra()
    network.save()

Every method composes neuromf's public functions (``lif.exp``, ``network_properties``,
``linear_response``, ``rate_mapping``, ``linear_stability``, ``spatial``) under
``neuromf.convention("nnmt")`` -- LMT's numbers are NNMT 1.3's numbers, which reproduce
Bos et al. 2016 -- and returns pint quantities of ``lmt.ureg`` (the registry of neuromf).
Results are cached on the object under LMT's names and saved in LMT's HDF5 layout
(``results/<name>/{val, unit}``).  See ``docs/coming_from_lmt.md``.
"""

from ..utils import ureg
from .network import Network

__all__ = ["ureg", "Network"]
