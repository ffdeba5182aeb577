"""Power spectra of the microcircuit's population rates (Bos et al. 2016, Fig. 1E style).

Run:  python examples/microcircuit_power_spectra.py [OUT_DIR]
Writes microcircuit_power_spectra.png.

The spectra are NNMT's (mean channel only, Poisson noise, Bos et al. 2016).  The working
point of this model is linearly unstable (the shared stability verdict,
:func:`neuromf.stability_verdict.stability_verdict`: mean and variance channel,
Brunel & Hakim 1999), so the example prints a warning and the figure is marked: the
peaks are those of the linearised dynamics, not of a stationary state.
"""

import sys
from pathlib import Path

import numpy as np

import neuromf as nnmt
from neuromf.plotting import model_name, save_figure, use_style
from neuromf.stability_verdict import mark_figure, stability_verdict

out = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
net = nnmt.models.Microcircuit("bos2016")          # Bos 2016 parameters, 3141 frequencies
nnmt.lif.exp.working_point(net)
nnmt.lif.exp.transfer_function(net)
nnmt.network_properties.delay_dist_matrix(net)
nnmt.lif.exp.effective_connectivity(net)
spectra = nnmt.lif.exp.power_spectra(net)
verdict = stability_verdict(net)
if not verdict.stable:
    print("WARNING: working point " + verdict.text)

import matplotlib.pyplot as plt  # noqa: E402

use_style()
freqs = net.analysis_params["omegas"] / (2 * np.pi)
pops = net.network_params["populations"]
fig, axes = plt.subplots(2, 4, figsize=(12, 5.5), sharex=True, constrained_layout=True)
for i, ax in enumerate(axes.T.ravel()):
    inhibitory = i % 2 == 1
    ax.loglog(freqs, spectra[:, i], color="tab:red" if inhibitory else "tab:blue",
              label="inhibitory" if inhibitory else "excitatory")
    ax.set_title(str(pops[i]))
    ax.set_xlim(1, 500)
    if i < 2:
        ax.legend()
for ax in axes[-1]:
    ax.set_xlabel("frequency (Hz)")
for ax in axes[:, 0]:
    ax.set_ylabel("power (1/s)")
fig.suptitle(f"{model_name(net)}: population-rate spectra (mean-field theory, mean channel "
             "only, Poisson noise; Bos et al. 2016)")
mark_figure(fig, verdict)
path = save_figure(fig, out / "microcircuit_power_spectra.png")
band = (freqs > 20) & (freqs < 150)
gamma = freqs[band][np.argmax(spectra[band, 0])]
high = freqs[np.argmax(spectra[:, 0])]
print(f"wrote {path}; {pops[0]}: gamma peak at {gamma:.1f} Hz, global maximum at "
      f"{high:.1f} Hz" + ("" if verdict.stable else " (of the linearised, unstable state)"))
