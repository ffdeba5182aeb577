"""Eigenvalue trajectories of the microcircuit's effective connectivity
(Bos et al. 2016, Fig. 4 style): eigenvalues λ_i(f) in the complex plane, matched
across frequencies; a trajectory approaching 1 + 0i causes a spectral peak.
Run:  python examples/eigenvalue_trajectories.py [OUT_DIR]  -> eigenvalue_trajectories.png
"""

import sys
from pathlib import Path

import numpy as np

import neuromf as nnmt
from neuromf.plotting import save_figure, use_style

out = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
net = nnmt.models.Microcircuit("bos2016")
nnmt.lif.exp.working_point(net)
nnmt.lif.exp.transfer_function(net)
nnmt.network_properties.delay_dist_matrix(net)
nnmt.lif.exp.effective_connectivity(net)
eigenvalues = nnmt.lif.exp.eigen_spectra(net)
matched = nnmt.lif.exp._match_eigenvalues_across_frequencies(eigenvalues)
matched = matched[0] if isinstance(matched, tuple) else matched
freqs = net.analysis_params["omegas"] / (2 * np.pi)

import matplotlib.pyplot as plt  # noqa: E402

use_style()

fig, ax = plt.subplots(figsize=(6, 5.5), constrained_layout=True)
for i in range(matched.shape[1]):
    line, = ax.plot(matched[:, i].real, matched[:, i].imag, lw=1)
    ax.plot(matched[0, i].real, matched[0, i].imag, "o", color=line.get_color(), ms=3)
ax.plot([1], [0], "k+", ms=14, mew=2)
ax.set_xlabel("Re λ")
ax.set_ylabel("Im λ")
ax.set_title("Eigenvalues of M(f), 0.1–500 Hz (dots: lowest frequency)")
closest = np.unravel_index(np.argmin(np.abs(1 - matched)), matched.shape)
print(f"closest approach to 1: λ = {matched[closest]:.3f} at {freqs[closest[0]]:.1f} Hz")
print(f"wrote {save_figure(fig, out / 'eigenvalue_trajectories.png')}")
