"""
Mapping a spiking LIF network onto a rate model (Senk et al. 2020, Fig. 5)
==========================================================================

The E-I network of Senk et al. (2020) is put at a range of working points: for each
target mean input mu and input fluctuation sigma (6..12 mV) the excitatory and
inhibitory external Poisson rates that realise it are computed (Senk 2020, App. F),
the network's LIF transfer function is evaluated (Schuecker et al. 2015) and fitted
by a first-order low-pass h0 / (1 + iωτ).  The fit defines the equivalent rate
model: time constant tau_rate and excitatory weight w_E = h0 τ_m K_EE J_EE.

Panels: (A) external rates and the firing rate, (B) transfer function (amplitude and
phase) of the LIF neurons and their low-pass fits at four working points, (C) fitted
time constant, excitatory weight and combined relative fit error.  The star marks the
working point mu = sigma = 10 mV used for the stability analysis
(examples/senk2020_spatial_patterns.py).  As in NNMT's version of this example the
relative inhibition is g = 5 (Senk 2020 used g = 6).

The loop is written with NNMT's API (``import neuromf as nnmt``): an NNMT 1.3 script
of this workflow runs unchanged.  The same quantities are then recomputed with the
vectorised scan ``scan_fit_transfer_function_mean_std_input`` as a consistency check.

Reference result: NNMT 1.3 (the code of Senk et al.'s analysis) fits the same working point
mu = sigma = 10 mV side by side; the deviations of the external rates, the time constant and
the weights are printed.

Run:  ``python examples/senk2020_mapping_lif_rate.py [OUT_DIR] [--quick]``
-> ``OUT_DIR/senk2020_mapping_lif_rate.png``
"""

# %%
# Scan of working points
# ----------------------


import os
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

import neuromf as nnmt
from neuromf.plotting import save_figure, use_style

GALLERY = os.environ.get("NEUROMF_DOCS_QUICK") == "1"   # docs build: quick, figures stay open

args = [a for a in sys.argv[1:] if not a.startswith("--")]
quick = GALLERY or "--quick" in sys.argv
out = Path(args[0] if args else ".")

# working points to scan (V); the quick grid keeps the four working points of panel B
step = 2.0 if quick else 0.5
mean_inputs = np.arange(6.0, 12.0 + step / 2, step) * 1e-3
std_inputs = np.arange(6.0, 12.0 + step / 2, step) * 1e-3
tf_points = np.array([[6.0, 6.0], [6.0, 12.0], [10.0, 10.0], [12.0, 12.0]]) * 1e-3
star = np.array([10.0, 10.0]) * 1e-3

network = nnmt.models.Basic("senk2020")
freqs = network.analysis_params["omegas"] / (2 * np.pi)
shape = (mean_inputs.size, std_inputs.size)
scan = {key: np.zeros(shape) for key in
        ("nu_ext_exc", "nu_ext_inh", "firing_rates", "tau_rate", "W_rate", "fit_error")}
scan["transfer_function"] = np.zeros(shape + (freqs.size,), dtype=complex)
scan["transfer_function_fit"] = np.zeros(shape + (freqs.size,), dtype=complex)
deviation = 0.0

print(f"fitting the LIF transfer function at {mean_inputs.size * std_inputs.size} "
      f"working points")
start = time.perf_counter()
for i, mu in enumerate(mean_inputs):
    for j, sigma in enumerate(std_inputs):
        # external rates that realise (mu, sigma), then the mean-field pipeline
        nu_ext = nnmt.lif.exp.external_rates_for_fixed_input(network, mu_set=mu,
                                                             sigma_set=sigma)
        network.change_parameters(changed_network_params={"nu_ext": nu_ext}, overwrite=True)
        nnmt.lif.exp.working_point(network)
        nnmt.lif.exp.transfer_function(network)
        nnmt.lif.exp.fit_transfer_function(network)

        res = network.results
        deviation = max(deviation, np.max(np.abs(res["lif.exp.mean_input"] - mu)),
                        np.max(np.abs(res["lif.exp.std_input"] - sigma)))
        # both populations receive identical input: store the values of population E
        scan["nu_ext_exc"][i, j], scan["nu_ext_inh"][i, j] = nu_ext
        scan["firing_rates"][i, j] = res["lif.exp.firing_rates"][0]
        scan["tau_rate"][i, j] = res["lif.exp.tau_rate"][0]
        scan["fit_error"][i, j] = res["lif.exp.fit_error"][0]
        scan["W_rate"][i, j] = res["lif.exp.W_rate"][0, 0]
        scan["transfer_function"][i, j] = res["lif.exp.transfer_function"][:, 0]
        scan["transfer_function_fit"][i, j] = res["lif.exp.transfer_function_fit"][:, 0]
print(f"  done in {time.perf_counter() - start:.2f} s; the working points are reproduced "
      f"to {deviation * 1e3:.1e} mV")

# the same scan, vectorised over the grid (one population's neurons)
start = time.perf_counter()
vec = nnmt.rate_mapping.scan_fit_transfer_function_mean_std_input(
    network, mean_inputs, std_inputs, progress=False)
rel = max(np.max(np.abs(vec[key] / scan[key] - 1)) for key in
          ("tau_rate", "fit_error", "firing_rates"))
print(f"vectorised scan in {time.perf_counter() - start:.2f} s; largest relative difference "
      f"to the loop (tau_rate, fit_error, rate): {rel:.1e}")

i_s, j_s = np.argmin(np.abs(mean_inputs - star[0])), np.argmin(np.abs(std_inputs - star[1]))
print(f"at mu = sigma = 10 mV: rate {scan['firing_rates'][i_s, j_s]:.3f} Hz, external rates "
      f"{scan['nu_ext_exc'][i_s, j_s] * 1e-3:.3f} / {scan['nu_ext_inh'][i_s, j_s] * 1e-3:.3f} "
      f"kHz, tau_rate {scan['tau_rate'][i_s, j_s] * 1e3:.4f} ms, w_E "
      f"{scan['W_rate'][i_s, j_s]:.4f}, fit error {scan['fit_error'][i_s, j_s] * 100:.3f} %")

# %%
# Side by side with NNMT 1.3 at mu = sigma = 10 mV
# ------------------------------------------------

try:
    if not hasattr(np, "complex_"):
        np.complex_ = np.complex128           # NNMT 1.3 still uses the removed alias
    import nnmt as reference
except ImportError:
    reference = None
    print("NNMT is not installed: no side-by-side comparison")
if reference is not None:
    star_net = network.change_parameters()
    nu_star = nnmt.lif.exp.external_rates_for_fixed_input(star_net, mu_set=star[0],
                                                          sigma_set=star[1])
    star_net.change_parameters(changed_network_params={"nu_ext": nu_star}, overwrite=True)
    nnmt.lif.exp.working_point(star_net)
    nnmt.lif.exp.transfer_function(star_net)
    _, tau_ours, w_ours, _ = nnmt.lif.exp.fit_transfer_function(star_net)
    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        star_net.save(Path(tmp) / "net.h5")
        theirs = reference.models.Basic(file=str(Path(tmp) / "net.h5"))
        theirs.results, theirs.results_hash_dict = {}, {}
        nu_ref = reference.lif.exp.external_rates_for_fixed_input(theirs, mu_set=star[0],
                                                                  sigma_set=star[1])
        reference.lif.exp.working_point(theirs)
        reference.lif.exp.transfer_function(theirs)
        _, tau_ref, w_ref, _ = reference.lif.exp.fit_transfer_function(theirs)
    print(f"NNMT at mu = sigma = 10 mV: external rates {np.round(nu_ref * 1e-3, 4)} kHz, "
          f"tau_rate {tau_ref[0] * 1e3:.4f} ms, w_E {w_ref[0, 0]:.4f}, w_I {w_ref[0, 1]:.4f}")
    print("max relative deviation from NNMT: external rates "
          f"{np.max(np.abs(nu_star / nu_ref - 1)):.1e}, tau_rate "
          f"{np.max(np.abs(tau_ours / tau_ref - 1)):.1e}, weights "
          f"{np.max(np.abs(w_ours / w_ref - 1)):.1e}")

# %%
# Figure
# ------

use_style()
import matplotlib.pyplot as plt  # noqa: E402

panels = {
    "nu_ext_exc": ("exc. external rate\n$\\nu_\\mathrm{ext,E}$ (1000/s)", 1e-3),
    "nu_ext_inh": ("inh. external rate\n$\\nu_\\mathrm{ext,I}$ (1000/s)", 1e-3),
    "firing_rates": ("rate\n$\\nu$ (1/s)", 1.0),
    "tau_rate": ("fit time constant\n$\\tau$ (ms)", 1e3),
    "W_rate": ("fit exc. weight\n$w_\\mathrm{E}$", 1.0),
    "fit_error": ("fit error\n$\\eta$ (%)", 1e2),
}


def edges(centres_mv):
    """Cell edges of a regular grid for pcolormesh."""
    d = centres_mv[1] - centres_mv[0]
    return np.append(centres_mv - d / 2, centres_mv[-1] + d / 2)


# fixed margins: constrained layout would double the drawing time of the 12 axes
fig = plt.figure(figsize=(13.5, 6.4))
grid = fig.add_gridspec(2, 5, width_ratios=[1, 1, 1, 0.12, 1.5], left=0.06, right=0.985,
                        bottom=0.09, top=0.86, wspace=0.45, hspace=0.55)
mu_mv, sigma_mv = mean_inputs * 1e3, std_inputs * 1e3
for n, (key, (label, scale)) in enumerate(panels.items()):
    ax = fig.add_subplot(grid[n // 3, n % 3])
    img = ax.pcolormesh(edges(mu_mv), edges(sigma_mv), scan[key].T * scale, shading="flat")
    fig.colorbar(img, ax=ax, shrink=0.9)
    ax.plot(*(star * 1e3), marker="*", color="w", markeredgecolor="k", markersize=14)
    ax.set_xticks(np.arange(6, 13, 2))
    ax.set_yticks(np.arange(6, 13, 2))
    ax.set_title(label, fontsize="medium")
    ax.set_xlabel("mean input $\\mu$ (mV)")
    if n % 3 == 0:
        ax.set_ylabel("std input $\\sigma$ (mV)")
        ax.text(-0.45, 1.15, "A" if n == 0 else "C", transform=ax.transAxes,
                fontweight="bold", fontsize="x-large")

ax_amp, ax_phase = fig.add_subplot(grid[0, 4]), fig.add_subplot(grid[1, 4])
ax_amp.text(-0.2, 1.05, "B", transform=ax_amp.transAxes, fontweight="bold",
            fontsize="x-large")
colors = ["tab:purple", "tab:green", "tab:orange", "0.3"]
for (mu, sigma), color in zip(tf_points, colors, strict=True):
    i, j = np.argmin(np.abs(mean_inputs - mu)), np.argmin(np.abs(std_inputs - sigma))
    tf, fit = scan["transfer_function"][i, j], scan["transfer_function_fit"][i, j]
    ax_amp.plot(freqs, np.abs(tf) * 1e-3, color=color, lw=2,
                label=f"({mu * 1e3:.0f}, {sigma * 1e3:.0f}) mV")
    ax_amp.plot(freqs, np.abs(fit) * 1e-3, color=color, ls="--", lw=1.2)
    ax_phase.plot(freqs, np.degrees(np.angle(tf)), color=color, lw=2)
    ax_phase.plot(freqs, np.degrees(np.angle(fit)), color=color, ls="--", lw=1.2)
ax_amp.plot([], [], color="k", lw=2, label="LIF (spiking model)")
ax_amp.plot([], [], color="k", ls="--", lw=1.2, label="low-pass fit (rate model)")
for ax in (ax_amp, ax_phase):
    ax.set_xscale("log")
    ax.set_xlim(freqs[0], freqs[-1])
ax_amp.set_ylabel("amplitude $|H|$ (1/(s mV))")
ax_amp.set_title("transfer function, $(\\mu, \\sigma)$", fontsize="medium")
ax_amp.legend(fontsize="small")
ax_phase.set_ylabel("phase $\\angle H$ (°)")
ax_phase.set_xlabel("frequency (Hz)")
fig.suptitle("Senk et al. 2020, Fig. 5: mapping the LIF network onto a rate model "
             "(neuromf)")
if not GALLERY:
    out.mkdir(parents=True, exist_ok=True)
    print(f"wrote {save_figure(fig, out / 'senk2020_mapping_lif_rate.png')}")
