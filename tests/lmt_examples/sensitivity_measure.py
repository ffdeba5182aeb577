"""Sensitivity measure of the microcircuit at the gamma peak (Bos et al. 2016, Eq. 7)."""
import numpy as np

import neuromf.lmt as lif_meanfield_tools

ureg = lif_meanfield_tools.ureg

network = lif_meanfield_tools.Network(network_params='network_params_microcircuit.yaml',
                                      analysis_params='analysis_params.yaml')

frequency = 64 * ureg.Hz
sensitivity = network.sensitivity_measure(frequency)
eigenvalues = network.eigenvalue_spectra('MH')

print(f'sensitivity measure at {frequency}:')
print(np.round(np.abs(sensitivity.magnitude), 3))
print(f'eigenvalues of the effective connectivity: shape {eigenvalues.shape}')

network.save('sensitivity_measure.h5', overwrite=True)
