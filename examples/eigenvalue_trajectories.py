"""
Eigenvalue trajectories of the microcircuit (Bos et al. 2016)
=============================================================

Eigenvalues λᵢ(f) of the microcircuit's effective connectivity M(f) (Bos et al. 2016,
Eq. 12 ff.; Fig. 4 style) in the complex plane, matched across frequencies; a trajectory
that comes close to 1 + 0i causes a peak in the power spectra, one that encircles it
signals an unstable working point (generalized Nyquist criterion).

Reference result: the eigenvalues are compared with those of NNMT 1.3's effective
connectivity at a subset of frequencies (NNMT's convention, ``refractory_phase=False``).

Run:  ``python examples/eigenvalue_trajectories.py [OUT_DIR]`` -> ``eigenvalue_trajectories.png``
"""

# %%
# Eigenvalues across frequencies
# ------------------------------

import os
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np

import neuromf as nnmt
from neuromf.plotting import save_figure, use_style

GALLERY = os.environ.get("NEUROMF_DOCS_QUICK") == "1"   # docs build: figures stay open
out = Path(sys.argv[1] if len(sys.argv) > 1 and not sys.argv[1].startswith("-") else ".")
net = nnmt.models.Microcircuit("bos2016")
nnmt.lif.exp.working_point(net)
nnmt.lif.exp.transfer_function(net)
nnmt.network_properties.delay_dist_matrix(net)
nnmt.lif.exp.effective_connectivity(net)
eigenvalues = nnmt.lif.exp.eigen_spectra(net)
matched = nnmt.lif.exp._match_eigenvalues_across_frequencies(eigenvalues)
matched = matched[0] if isinstance(matched, tuple) else matched
freqs = net.analysis_params["omegas"] / (2 * np.pi)
closest = np.unravel_index(np.argmin(np.abs(1 - matched)), matched.shape)
print(f"closest approach to 1: lambda = {matched[closest]:.3f} at {freqs[closest[0]]:.1f} Hz")
modes = nnmt.lif.exp.unstable_modes(net)
print(f"unstable modes (Nyquist count): {modes['count']}")

# %%
# Figure
# ------

use_style()
import matplotlib.pyplot as plt  # noqa: E402

fig, ax = plt.subplots(figsize=(6, 5.5), constrained_layout=True)
for i in range(matched.shape[1]):
    line, = ax.plot(matched[:, i].real, matched[:, i].imag, lw=1, label=f"λ{i + 1}(f)")
    ax.plot(matched[0, i].real, matched[0, i].imag, "o", color=line.get_color(), ms=3)
ax.plot([1], [0], "k+", ms=14, mew=2, label="1 + 0i (instability)")
ax.set_xlabel("Re λ (dimensionless)")
ax.set_ylabel("Im λ (dimensionless)")
ax.set_title("Eigenvalues of M(f), 0.1–500 Hz (dots: lowest frequency)")
ax.legend(ncol=2)

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
    idx = np.linspace(0, freqs.size - 1, 12).round().astype(int)
    omegas = net.analysis_params["omegas"][idx]
    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net.save(Path(tmp) / "net.h5")
        theirs = reference.models.Microcircuit(file=str(Path(tmp) / "net.h5"))
        theirs.results, theirs.results_hash_dict = {}, {}
        wp = reference.lif.exp.working_point(theirs)
        p = theirs.network_params
        H = reference.lif.exp._transfer_function(
            wp["mean_input"], wp["std_input"], p["tau_m"], p["tau_s"], p["tau_r"],
            p["V_th_rel"], p["V_0_rel"], omegas)
        D = reference.network_properties._delay_dist_matrix(p["Delay"], p["Delay_sd"],
                                                           p["delay_dist"], omegas)
        M_ref = reference.lif.exp._effective_connectivity(H, D, p["J"], p["K"], p["tau_m"])
    conv = net.change_parameters()
    nnmt.lif.exp.working_point(conv)
    nnmt.lif.exp.transfer_function(conv, refractory_phase=False)
    nnmt.network_properties.delay_dist_matrix(conv)
    nnmt.lif.exp.effective_connectivity(conv)
    ours = np.sort_complex(nnmt.lif.exp.eigen_spectra(conv)[idx])
    ref = np.sort_complex(np.linalg.eigvals(M_ref))
    print(f"eigenvalues at {idx.size} frequencies: max absolute deviation from NNMT "
          f"{np.max(np.abs(ours - ref)):.1e}")

if not GALLERY:
    print(f"wrote {save_figure(fig, out / 'eigenvalue_trajectories.png')}")
