"""Power spectra of the microcircuit (LMT's README figure; Bos et al. 2016, Eq. 18)."""
import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402

import neuromf.lmt as lif_meanfield_tools  # noqa: E402

ureg = lif_meanfield_tools.ureg

network = lif_meanfield_tools.Network(network_params='network_params_microcircuit.yaml',
                                      analysis_params='analysis_params.yaml')

freqs = network.analysis_params['omegas'] / (2 * 3.141592653589793)
power = network.power_spectra()

fig, axes = plt.subplots(2, 4, figsize=(10, 4), sharex=True)
for ax, spectrum, population in zip(axes.T.ravel(), power,
                                    network.network_params['populations']):
    ax.loglog(freqs.magnitude, spectrum.magnitude)
    ax.set_title(population)
fig.supxlabel('frequency (Hz)')
fig.supylabel('power (Hz)')
fig.savefig('power_spectra.png')

network.save('power_spectra.h5', overwrite=True)
