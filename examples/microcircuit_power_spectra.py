"""Power spectra of the microcircuit's population rates (Bos et al. 2016, Fig. 1E style).

Run:  python examples/microcircuit_power_spectra.py [OUT_DIR]
Writes microcircuit_power_spectra.png.
"""

import sys
from pathlib import Path

import numpy as np

import neuromf as nnmt
from neuromf.plotting import save_figure

out = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
net = nnmt.models.Microcircuit("bos2016")          # Bos 2016 parameters, 3141 frequencies
nnmt.lif.exp.working_point(net)
nnmt.lif.exp.transfer_function(net)
nnmt.network_properties.delay_dist_matrix(net)
nnmt.lif.exp.effective_connectivity(net)
spectra = nnmt.lif.exp.power_spectra(net)

import matplotlib.pyplot as plt  # noqa: E402

freqs = net.analysis_params["omegas"] / (2 * np.pi)
pops = net.network_params["populations"]
fig, axes = plt.subplots(2, 4, figsize=(12, 5), sharex=True, constrained_layout=True)
for i, ax in enumerate(axes.T.ravel()):
    ax.loglog(freqs, spectra[:, i], color="tab:blue" if i % 2 == 0 else "tab:red")
    ax.set_title(str(pops[i]))
    ax.set_xlim(1, 500)
for ax in axes[-1]:
    ax.set_xlabel("frequency (Hz)")
for ax in axes[:, 0]:
    ax.set_ylabel("power (1/s)")
fig.suptitle("Microcircuit population-rate spectra (mean-field theory, Bos et al. 2016)")
path = save_figure(fig, out / "microcircuit_power_spectra.png")
band = (freqs > 20) & (freqs < 150)
gamma = freqs[band][np.argmax(spectra[band, 0])]
high = freqs[np.argmax(spectra[:, 0])]
print(f"wrote {path}; L23E: gamma peak at {gamma:.1f} Hz, global maximum at {high:.1f} Hz")
