"""
Power spectra of the microcircuit (Bos et al. 2016)
===================================================

Population-rate power spectra of the Potjans & Diesmann (2014) microcircuit with the
parameters of Bos et al. (2016), from the linear response of the asynchronous state
(Bos et al. 2016, Eq. 18; Fig. 1E style).

Reference result: NNMT 1.3 (the code of Bos et al.'s analysis) run side by side on a subset
of the frequencies, with its own working point and transfer function; NNMT's convention has
no refractory phase factor, which neuromf gives with ``refractory_phase=False``.

The spectra are NNMT's (mean channel only, Poisson noise, Bos et al. 2016).  The working
point of this model is linearly unstable (the shared stability verdict,
:func:`neuromf.stability_verdict.stability_verdict`: mean and variance channel, Brunel &
Hakim 1999; docs/user_guide/stability.md), so the example prints a warning and the
figure is marked: the peaks are those of the linearised dynamics, not of a stationary
state.

Run:  ``python examples/microcircuit_power_spectra.py [OUT_DIR]``
-> ``microcircuit_power_spectra.png``
"""

# %%
# The mean-field pipeline
# -----------------------

import os
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np

import neuromf as nnmt
from neuromf.plotting import model_name, save_figure, use_style
from neuromf.stability_verdict import mark_figure, stability_verdict

GALLERY = os.environ.get("NEUROMF_DOCS_QUICK") == "1"   # docs build: quick, figures stay open
QUICK = GALLERY or "--quick" in sys.argv
args = [a for a in sys.argv[1:] if not a.startswith("--")]
out = Path(args[0] if args else ".")

net = nnmt.models.Microcircuit("bos2016")          # Bos 2016 parameters, 3141 frequencies
nnmt.lif.exp.working_point(net)
nnmt.lif.exp.transfer_function(net)
nnmt.network_properties.delay_dist_matrix(net)
nnmt.lif.exp.effective_connectivity(net)
spectra = nnmt.lif.exp.power_spectra(net)          # (frequencies, populations), 1/s
freqs = net.analysis_params["omegas"] / (2 * np.pi)
pops = [str(p) for p in net.network_params["populations"]]
verdict = stability_verdict(net)                   # the one verdict of every report
if not verdict.stable:
    print("WARNING: working point " + verdict.text)

band = (freqs > 20) & (freqs < 150)
gamma = freqs[band][np.argmax(spectra[band, 0])]
print(f"{pops[0]}: gamma peak at {gamma:.1f} Hz, global maximum at "
      f"{freqs[np.argmax(spectra[:, 0])]:.1f} Hz"
      + ("" if verdict.stable else " (of the linearised, unstable state)"))

# %%
# Figure
# ------

use_style()
import matplotlib.pyplot as plt  # noqa: E402

fig, axes = plt.subplots(2, 4, figsize=(12, 5.5), sharex=True, constrained_layout=True)
for i, ax in enumerate(axes.T.ravel()):
    ax.loglog(freqs, spectra[:, i], color="tab:blue" if i % 2 == 0 else "tab:red",
              label="neuromf, " + ("inhibitory" if i % 2 else "excitatory"))
    ax.set_title(pops[i])
    ax.set_xlim(1, 500)
for ax in axes[-1]:
    ax.set_xlabel("frequency f (Hz)")
for ax in axes[:, 0]:
    ax.set_ylabel("power P(f) (1/s)")
fig.suptitle(f"{model_name(net)}: population-rate spectra (mean-field theory, mean channel "
             "only, Poisson noise; Bos et al. 2016, Eq. 18)")
mark_figure(fig, verdict)
axes[0, 0].legend()
axes[1, 0].legend()

# %%
# Deviation from NNMT 1.3
# -----------------------
# NNMT evaluates its transfer function frequency by frequency in Python (about four minutes
# for all 3141 frequencies), so it runs here on a subset.

try:
    if not hasattr(np, "complex_"):
        np.complex_ = np.complex128           # NNMT 1.3 still uses the removed alias
    import nnmt as reference
except ImportError:
    reference = None
    print("NNMT is not installed: no side-by-side comparison")
if reference is not None:
    idx = np.linspace(0, freqs.size - 1, 12 if QUICK else 100).round().astype(int)
    omegas = net.analysis_params["omegas"][idx]
    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net.save(Path(tmp) / "net.h5")                 # NNMT reads neuromf's HDF5 files
        theirs = reference.models.Microcircuit(file=str(Path(tmp) / "net.h5"))
        theirs.results, theirs.results_hash_dict = {}, {}
        wp = reference.lif.exp.working_point(theirs)
        p = theirs.network_params
        H = reference.lif.exp._transfer_function(
            wp["mean_input"], wp["std_input"], p["tau_m"], p["tau_s"], p["tau_r"],
            p["V_th_rel"], p["V_0_rel"], omegas)
        D = reference.network_properties._delay_dist_matrix(p["Delay"], p["Delay_sd"],
                                                           p["delay_dist"], omegas)
        M = reference.lif.exp._effective_connectivity(H, D, p["J"], p["K"], p["tau_m"])
        S_ref = reference.lif.exp._power_spectra(wp["firing_rates"], M, p["J"], p["K"],
                                                 p["N"], p["tau_m"])
    rate_dev = np.max(np.abs(net.results["lif.exp.firing_rates"] / wp["firing_rates"] - 1))
    nnmt_convention = net.change_parameters()
    nnmt.lif.exp.working_point(nnmt_convention)
    nnmt.lif.exp.transfer_function(nnmt_convention, refractory_phase=False)
    nnmt.network_properties.delay_dist_matrix(nnmt_convention)
    nnmt.lif.exp.effective_connectivity(nnmt_convention)
    S_conv = nnmt.lif.exp.power_spectra(nnmt_convention)[idx]
    print(f"rates: max relative deviation from NNMT {rate_dev:.1e}")
    print(f"power spectra at {idx.size} frequencies, max relative deviation from NNMT: "
          f"{np.max(np.abs(S_conv / S_ref - 1)):.1e} (NNMT's convention, "
          f"refractory_phase=False); {np.max(np.abs(spectra[idx] / S_ref - 1)):.1e} "
          f"(neuromf's default with the refractory phase factor)")
    for i, ax in enumerate(axes.T.ravel()):
        ax.loglog(freqs[idx], S_ref[:, i], "k.", ms=4, label="NNMT 1.3")
    axes[0, 0].legend()

if not GALLERY:
    print(f"wrote {save_figure(fig, out / 'microcircuit_power_spectra.png')}")
