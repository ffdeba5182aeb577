"""
Spatial patterns: linear stability of a spatially structured E-I network (Senk et al. 2020)
===========================================================================================

The LIF network of Senk et al. (2020) (boxcar connectivity of half widths 0.2 mm (E)
and 0.07 mm (I) on a ring, equal delays d = 1.5 ms) is put at the working point
mu = sigma = 10 mV and mapped onto a linear rate model by the low-pass fit of its
transfer function (examples/senk2020_mapping_lif_rate.py).  A spatial Fourier mode k
of the rate model grows as e^{λt} with (Senk 2020, Eq. 7)

    (1 + λτ) e^{λd} = ξ(k),   λ_n(k) = −1/τ + W_n(ξ(k) (d/τ) e^{d/τ}) / d,

where ξ(k) = w_E p̂_E(k) + w_I p̂_I(k) is the effective spatial profile (Eq. 5; p̂ the
Fourier transform sin(kw)/(kw) of a boxcar) and W_n branch n of the Lambert W
function.  Panels: (A) ξ(k) and its E and I parts, (B, C) real part and frequency
Im λ / 2π of the eigenvalues vs wavenumber for several branches, (D) the most
unstable eigenvalue followed while the rate model's low-pass is deformed into the
LIF transfer function (α = 0: rate model, α = 1: spiking network; Senk 2020, Fig. 6),
by continuation of the characteristic equation and, in the full run, independently
by integrating dλ/dα.

A positive real part at k ≠ 0 with Im λ ≠ 0 means that the homogeneous state is
unstable against wave trains of wavelength 2π/k and frequency Im λ / 2π.

Reference results: each eigenvalue must solve the characteristic equation (Senk 2020,
Eq. 7), whose relative residual is printed; in the full run, the continuation in α is
compared with the independent integration of dλ/dα.

Run:  ``python examples/senk2020_spatial_patterns.py [OUT_DIR] [--quick]``
-> ``OUT_DIR/senk2020_spatial_patterns.png``
"""

# %%
# Rate model at the working point
# -------------------------------


import os
import sys
import time
from pathlib import Path

import numpy as np

import neuromf as nnmt
from neuromf.plotting import save_figure, use_style

GALLERY = os.environ.get("NEUROMF_DOCS_QUICK") == "1"   # docs build: quick, figures stay open

args = [a for a in sys.argv[1:] if not a.startswith("--")]
quick = GALLERY or "--quick" in sys.argv
out = Path(args[0] if args else ".")

branches = np.arange(-2, 3)
alphas = np.linspace(0.0, 1.0, 3 if quick else 11)

# rate model at the working point mu = sigma = 10 mV
network = nnmt.models.Basic("senk2020")
nu_ext = nnmt.lif.exp.external_rates_for_fixed_input(network, mu_set=10e-3, sigma_set=10e-3)
network.change_parameters(changed_network_params={"nu_ext": nu_ext}, overwrite=True)
wp = nnmt.lif.exp.working_point(network)
nnmt.lif.exp.transfer_function(network)
_, tau_rate, W_rate, fit_error = nnmt.lif.exp.fit_transfer_function(network)
print(f"working point: rate {wp['firing_rates'][0]:.3f} Hz, mu {wp['mean_input'][0] * 1e3:.3f}"
      f" mV, sigma {wp['std_input'][0] * 1e3:.3f} mV")
print(f"rate model: tau = {tau_rate[0] * 1e3:.4f} ms, w_E = {W_rate[0, 0]:.4f}, "
      f"w_I = {W_rate[0, 1]:.4f} (fit error {fit_error[0] * 100:.3f} %)")

# eigenvalues over wavenumbers and Lambert W branches
k_wavenumbers = network.analysis_params["k_wavenumbers"]
k_eig_max, idx_k, eigenval_max, eigenvals = nnmt.linear_stability.eigenvals_branches_rate(
    network, branches=branches)
chars = nnmt.spatial.compute_profile_characteristics(network)
print(f"xi(k): minimum {chars['xi_min']:.4f} at k = {chars['k_min'] * 1e-3:.2f} 1/mm, "
      f"maximum {chars['xi_max']:.4f} at k = {chars['k_max'] * 1e-3:.2f} 1/mm")
print(f"most unstable rate-model eigenvalue: {eigenval_max:.4f} 1/s at k = "
      f"{k_eig_max * 1e-3:.2f} 1/mm (wavelength {2e3 * np.pi / k_eig_max:.3f} mm, "
      f"frequency {eigenval_max.imag / (2 * np.pi):.2f} Hz, phase velocity "
      f"{chars['speed']:.3f} m/s)")

# reference: the characteristic equation (1 + lambda tau) e^{lambda d} = xi(k), Eq. 7
rate_params = nnmt.linear_stability._rate_params(network)
xi_k = (nnmt.spatial._ft_spatial_profile_boxcar(k_wavenumbers, network.network_params["width"])
        @ W_rate[0])
tau, d = float(np.ravel(rate_params["tau"])[0]), float(np.ravel(rate_params["delay"])[0])
ok = np.isfinite(eigenvals)
lhs = (1 + eigenvals * tau) * np.exp(eigenvals * d)
residual = np.abs(lhs - xi_k[None, :])[ok] / np.abs(xi_k[None, :].repeat(len(branches), 0))[ok]
print(f"characteristic equation (Senk 2020, Eq. 7): largest relative residual over "
      f"{ok.sum()} eigenvalues {np.max(residual):.1e}")

# %%
# From the rate model to the LIF network
# --------------------------------------

# rate model (alpha = 0) -> LIF network (alpha = 1) on the most unstable branch
interp_branches = [int(branches[np.argmin(np.abs(eigenvals[:, idx_k] - eigenval_max))])]
start = time.perf_counter()
alphas, lambdas, lambdas_integral, _, _, _ = nnmt.linear_stability.linear_interpolation_alpha(
    network, branches=interp_branches, alphas=alphas, integral=not quick)
print(f"interpolation to the LIF network in {time.perf_counter() - start:.2f} s")
for b, lam in zip(interp_branches, lambdas, strict=True):
    print(f"  branch {b}: rate model {lam[0]:.3f} 1/s -> LIF network {lam[-1]:.3f} 1/s "
          f"({lam[-1].imag / (2 * np.pi):.2f} Hz)")
if lambdas_integral is not None:
    diff = np.max(np.abs(lambdas_integral - lambdas) / np.abs(lambdas))
    print(f"  continuation vs integral of dlambda/dalpha: largest relative difference "
          f"{diff:.1e}")

# %%
# Figure
# ------

use_style()
import matplotlib.pyplot as plt  # noqa: E402

k_mm = k_wavenumbers * 1e-3
width = network.network_params["width"]
p_hat = nnmt.spatial._ft_spatial_profile_boxcar(k_wavenumbers, width)  # (n_k, 2)
xi = p_hat @ W_rate[0]

fig, axes = plt.subplots(2, 2, figsize=(11, 8), constrained_layout=True)
ax = axes[0, 0]
ax.plot(k_mm, xi, color="k", lw=2, label="$\\xi(k)$")
ax.plot(k_mm, W_rate[0, 0] * p_hat[:, 0], color="tab:blue", ls="--",
        label="$w_\\mathrm{E}\\,\\hat p_\\mathrm{E}(k)$")
ax.plot(k_mm, W_rate[0, 1] * p_hat[:, 1], color="tab:red", ls="--",
        label="$w_\\mathrm{I}\\,\\hat p_\\mathrm{I}(k)$")
ax.axhline(0, color="0.6", lw=0.8)
ax.plot(chars["k_min"] * 1e-3, chars["xi_min"], "kv", label="minimum (wave trains)")
ax.plot(chars["k_max"] * 1e-3, chars["xi_max"], "k^", label="maximum")
ax.set_xlabel("wavenumber k (1/mm)")
ax.set_ylabel("effective profile $\\xi(k)$ (dimensionless)")
ax.set_title("A  effective spatial profile", loc="left")
ax.legend(fontsize="small")

colors = plt.get_cmap("viridis")(np.linspace(0, 0.9, branches.size))
for b, lam, color in zip(branches, eigenvals, colors, strict=True):
    ok = np.isfinite(lam)
    axes[0, 1].plot(k_mm[ok], lam[ok].real, color=color, label=f"branch {b}")
    axes[1, 0].plot(k_mm[ok], lam[ok].imag / (2 * np.pi), color=color)
axes[0, 1].plot(k_eig_max * 1e-3, eigenval_max.real, "k*", markersize=12)
axes[1, 0].plot(k_eig_max * 1e-3, eigenval_max.imag / (2 * np.pi), "k*", markersize=12)
axes[0, 1].axhline(0, color="0.6", lw=0.8)
axes[0, 1].set_ylabel("Re $\\lambda$ (1/s)")
axes[0, 1].set_title("B  growth rate of the rate model", loc="left")
axes[0, 1].legend(fontsize="small")
axes[1, 0].set_ylabel("Im $\\lambda$ / 2$\\pi$ (Hz)")
axes[1, 0].set_title("C  oscillation frequency", loc="left")
for ax in (axes[0, 1], axes[1, 0]):
    ax.set_xlabel("wavenumber k (1/mm)")

ax = axes[1, 1]
for i, b in enumerate(interp_branches):
    lam = lambdas[i]
    ax.plot(lam.imag / (2 * np.pi), lam.real, color="0.5", lw=1)
    sc = ax.scatter(lam.imag / (2 * np.pi), lam.real, c=alphas, cmap="plasma", zorder=3,
                    vmin=0, vmax=1)
    if lambdas_integral is not None:
        ax.plot(lambdas_integral[i].imag / (2 * np.pi), lambdas_integral[i].real, "k+",
                zorder=4, markersize=9,
                label="integral of d$\\lambda$/d$\\alpha$" if i == 0 else None)
    for j, text, ha, dx in ((0, "rate model", "right", -8), (-1, "LIF network", "left", 8)):
        ax.annotate(f"{text} (branch {b})", (lam[j].imag / (2 * np.pi), lam[j].real),
                    textcoords="offset points", xytext=(dx, -14), ha=ha, fontsize="small")
fig.colorbar(sc, ax=ax, label="$\\alpha$ (0: rate model, 1: LIF network)")
ax.axhline(0, color="0.6", lw=0.8)
ax.set_xlabel("Im $\\lambda$ / 2$\\pi$ (Hz)")
ax.set_ylabel("Re $\\lambda$ (1/s)")
ax.set_title(f"D  rate model → LIF network at k = {k_eig_max * 1e-3:.1f} 1/mm", loc="left")
if lambdas_integral is not None:
    ax.legend(fontsize="small")
fig.suptitle("Senk et al. 2020: spatial patterns in the E-I network (neuromf)")
if not GALLERY:
    out.mkdir(parents=True, exist_ok=True)
    print(f"wrote {save_figure(fig, out / 'senk2020_spatial_patterns.png')}")
