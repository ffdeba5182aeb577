"""Sensitivity measure of the dominant eigenmode (Bos et al. 2016, Figs. 5-8 style).

For the eigenvalue of the effective connectivity closest to instability, shows how a
relative change of each connection moves it towards 1 (amplitude of the spectral peak)
and perpendicular to it (peak frequency).
Run:  python examples/sensitivity_measure.py [OUT_DIR]   -> sensitivity_measure.png
"""

import sys
from pathlib import Path

import numpy as np

import neuromf as nnmt
from neuromf.analysis import dominant_eigenmode
from neuromf.plotting import save_figure, use_style

out = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
net = nnmt.models.Microcircuit("bos2016")
nnmt.lif.exp.working_point(net)
nnmt.lif.exp.transfer_function(net)
nnmt.network_properties.delay_dist_matrix(net)
nnmt.lif.exp.effective_connectivity(net)
freqs = net.analysis_params["omegas"] / (2 * np.pi)
eigenvalues = nnmt.lif.exp.eigen_spectra(net)
high = freqs > 20                         # the gamma peak (Bos et al. 2016, Fig. 5)
mode = dominant_eigenmode(eigenvalues[high], freqs[high])
sm = nnmt.lif.exp.sensitivity_measure(net, frequency=mode["frequency"])

import matplotlib.pyplot as plt  # noqa: E402

use_style()

pops = [str(p) for p in net.network_params["populations"]]
fig, axes = plt.subplots(1, 2, figsize=(10, 4.3), constrained_layout=True)
titles = ("towards instability (peak amplitude)", "perpendicular (peak frequency)")
for ax, key, title in zip(axes, ("sensitivity_amp", "sensitivity_freq"), titles):
    values = np.asarray(sm[key])
    bound = np.max(np.abs(values))
    im = ax.imshow(values, cmap="coolwarm", vmin=-bound, vmax=bound)
    ax.set_xticks(range(8), pops, rotation=45)
    ax.set_yticks(range(8), pops)
    ax.set_xlabel("source")
    ax.set_ylabel("target")
    ax.set_title(title)
    fig.colorbar(im, ax=ax)
fig.suptitle(f"Sensitivity of λ = {mode['eigenvalue']:.3f} at {mode['frequency']:.1f} Hz")
print(f"wrote {save_figure(fig, out / 'sensitivity_measure.png')}")
