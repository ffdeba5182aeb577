"""
Sensitivity measure of the dominant eigenmode (Bos et al. 2016)
===============================================================

For the eigenvalue of the microcircuit's effective connectivity closest to instability
(above 20 Hz), the sensitivity measure (Bos et al. 2016, Eq. 7; Figs. 5–8 style) shows how
a relative change of each connection moves the eigenvalue towards 1 (the amplitude of the
spectral peak) and perpendicular to that direction (the peak frequency).

Reference result: NNMT 1.3's sensitivity measure of the same mode, run side by side at the
mode's frequency on NNMT's own working point and transfer function.

Run:  ``python examples/sensitivity_measure.py [OUT_DIR]``  -> ``sensitivity_measure.png``
"""

# %%
# Dominant eigenmode and its sensitivity
# --------------------------------------

import os
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np

import neuromf as nnmt
from neuromf.analysis import dominant_eigenmode
from neuromf.plotting import save_figure, use_style

GALLERY = os.environ.get("NEUROMF_DOCS_QUICK") == "1"   # docs build: figures stay open
out = Path(sys.argv[1] if len(sys.argv) > 1 and not sys.argv[1].startswith("-") else ".")
net = nnmt.models.Microcircuit("bos2016")
nnmt.lif.exp.working_point(net)
nnmt.lif.exp.transfer_function(net)
nnmt.network_properties.delay_dist_matrix(net)
nnmt.lif.exp.effective_connectivity(net)
freqs = net.analysis_params["omegas"] / (2 * np.pi)
eigenvalues = nnmt.lif.exp.eigen_spectra(net)
high = freqs > 20                         # above the slow modes (Bos et al. 2016, Fig. 5)
mode = dominant_eigenmode(eigenvalues[high], freqs[high])
sm = nnmt.lif.exp.sensitivity_measure(net, frequency=mode["frequency"])
print(f"dominant mode: lambda = {mode['eigenvalue']:.3f} at {mode['frequency']:.1f} Hz")

# %%
# Figure
# ------

use_style()
import matplotlib.pyplot as plt  # noqa: E402

pops = [str(p) for p in net.network_params["populations"]]
fig, axes = plt.subplots(1, 2, figsize=(10, 4.3), constrained_layout=True)
titles = ("towards instability (peak amplitude)", "perpendicular (peak frequency)")
for ax, key, title in zip(axes, ("sensitivity_amp", "sensitivity_freq"), titles):
    values = np.asarray(sm[key])
    bound = np.max(np.abs(values))
    im = ax.imshow(values, cmap="coolwarm", vmin=-bound, vmax=bound)
    ax.set_xticks(range(8), pops, rotation=45)
    ax.set_yticks(range(8), pops)
    ax.set_xlabel("source population")
    ax.set_ylabel("target population")
    ax.set_title(title)
    ax.grid(False)
    fig.colorbar(im, ax=ax, label="sensitivity (dimensionless)")
fig.suptitle(f"Sensitivity of λ = {mode['eigenvalue']:.3f} at {mode['frequency']:.1f} Hz "
             "(Bos et al. 2016, Eq. 7)")

# %%
# Deviation from NNMT 1.3
# -----------------------

try:
    if not hasattr(np, "complex_"):
        np.complex_ = np.complex128           # NNMT 1.3 still uses the removed alias
    import nnmt as reference
except ImportError:
    reference = None
    print("NNMT is not installed: no side-by-side comparison")
if reference is not None:
    # neuromf in NNMT's convention (no refractory phase factor) at the same frequency
    conv = net.change_parameters()
    nnmt.lif.exp.working_point(conv)
    nnmt.lif.exp.transfer_function(conv, refractory_phase=False)
    nnmt.network_properties.delay_dist_matrix(conv)
    nnmt.lif.exp.effective_connectivity(conv)
    ours = nnmt.lif.exp.sensitivity_measure(conv, frequency=mode["frequency"])
    omega = np.array([2 * np.pi * mode["frequency"]])
    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net.save(Path(tmp) / "net.h5")
        theirs = reference.models.Microcircuit(file=str(Path(tmp) / "net.h5"))
        theirs.results, theirs.results_hash_dict = {}, {}
        wp = reference.lif.exp.working_point(theirs)
        p = theirs.network_params
        H = reference.lif.exp._transfer_function(
            wp["mean_input"], wp["std_input"], p["tau_m"], p["tau_s"], p["tau_r"],
            p["V_th_rel"], p["V_0_rel"], omega)
        D = reference.network_properties._delay_dist_matrix(p["Delay"], p["Delay_sd"],
                                                           p["delay_dist"], omega)
        M = reference.lif.exp._effective_connectivity(H, D, p["J"], p["K"], p["tau_m"])
        ref = reference.lif.exp._sensitivity_measure(M, mode["frequency"],
                                                     np.array([mode["frequency"]]),
                                                     "None", "None")
    for key in ("sensitivity_amp", "sensitivity_freq"):
        dev = np.max(np.abs(np.asarray(ours[key]) - np.asarray(ref[key])))
        print(f"{key}: max absolute deviation from NNMT {dev:.1e} "
              f"(largest entry {np.max(np.abs(ref[key])):.3f})")

if not GALLERY:
    print(f"wrote {save_figure(fig, out / 'sensitivity_measure.png')}")
