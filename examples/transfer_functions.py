"""
LIF transfer functions (Schuecker et al. 2015)
==============================================

Amplitude and phase of the rate response of a leaky integrate-and-fire neuron to a
modulated mean input, for exponential synapses (colored noise: 'shift' approximation of
Schuecker et al. 2015 and 'taylor', Schuecker et al. 2014, Eq. 93) and for δ synapses
(white noise, Brunel & Hakim 1999; Lindner & Schimansky-Geier 2001), at a low and a high
input noise (Schuecker et al. 2015, Fig. 4 style).

Reference results: the zero-frequency limit must equal the slope dν/dμ of the stationary
rate (computed here by central finite differences of the rate), and, where NNMT 1.3 is
installed, the curves are compared with NNMT's transfer function run side by side.

Run:  ``python examples/transfer_functions.py [OUT_DIR]``  -> ``transfer_functions.png``
"""

# %%
# Parameters and frequencies
# --------------------------
# Illustrative single-neuron values (SI units: s, V), τs/τm = 0.1 so that the
# colored-noise theory is in its validity range √(τs/τm) ≪ 1.

import os
import sys
from pathlib import Path

import numpy as np

from neuromf import special
from neuromf.lif import _transfer
from neuromf.plotting import save_figure, use_style

GALLERY = os.environ.get("NEUROMF_DOCS_QUICK") == "1"   # docs build: figures stay open
out = Path(sys.argv[1] if len(sys.argv) > 1 and not sys.argv[1].startswith("-") else ".")
tau_m, tau_s, tau_r, V_th, V_0 = 20e-3, 2e-3, 0.0, 20e-3, 15e-3
mu = 16.5e-3
freqs = np.logspace(0, 2.7, 300)          # Hz
omegas = 2 * np.pi * freqs

# %%
# Transfer functions and their zero-frequency limit
# -------------------------------------------------

use_style()
import matplotlib.pyplot as plt  # noqa: E402

fig, (ax_a, ax_p) = plt.subplots(2, 1, figsize=(6.5, 6), sharex=True, constrained_layout=True)
curves = {}
for sigma, color in ((4e-3, "tab:blue"), (8e-3, "tab:red")):
    for method, style in (("shift", "-"), ("taylor", "--")):
        H = _transfer._transfer_function(mu, sigma, tau_m, tau_s, tau_r, V_th, V_0, omegas,
                                         method=method)
        H = np.asarray(H).reshape(len(freqs), -1)[:, 0]
        curves[sigma, method] = H
        ax_a.semilogx(freqs, np.abs(H) * 1e-3, style, color=color,
                      label=f"σ = {sigma * 1e3:.0f} mV, exp synapses ({method})")
        ax_p.semilogx(freqs, np.degrees(np.angle(H)), style, color=color)
    H0 = _transfer._transfer_function_delta(mu, sigma, tau_m, tau_r, V_th, V_0, omegas)
    H0 = np.asarray(H0).reshape(len(freqs), -1)[:, 0]
    ax_a.semilogx(freqs, np.abs(H0) * 1e-3, ":", color=color,
                  label=f"σ = {sigma * 1e3:.0f} mV, δ synapses")
    ax_p.semilogx(freqs, np.degrees(np.angle(H0)), ":", color=color)

    # reference: dν/dμ of the shifted stationary rate by central differences
    h = 1e-6
    up, down = (special.shift_firing_rate(m, sigma, V_0, V_th, tau_m, tau_r, tau_s)
                for m in (mu + h, mu - h))
    slope = (up - down) / (2 * h)
    H_low = _transfer._transfer_function(mu, sigma, tau_m, tau_s, tau_r, V_th, V_0,
                                         np.array([2 * np.pi * 1e-3]), method="shift")
    dev = abs(np.ravel(H_low)[0].real / float(np.ravel(slope)[0]) - 1)
    print(f"sigma = {sigma * 1e3:.0f} mV: H(f -> 0) = {np.ravel(H_low)[0].real:.2f} Hz/V, "
          f"dnu/dmu = {float(np.ravel(slope)[0]):.2f} Hz/V, relative deviation {dev:.1e}")

ax_a.set_ylabel("amplitude |H| (Hz/mV)")
ax_p.set_ylabel("phase arg H (°)")
ax_p.set_xlabel("frequency f (Hz)")
ax_a.legend(ncol=1)
fig.suptitle("LIF transfer function, μ = 16.5 mV (Schuecker et al. 2015, Fig. 4 style)")

# %%
# Side by side with NNMT 1.3
# --------------------------
# NNMT's transfer function on the same parameters (τr = 0, so neuromf's refractory phase
# factor exp(−iωτr) is 1 and both conventions coincide).

try:
    if not hasattr(np, "complex_"):
        np.complex_ = np.complex128           # NNMT 1.3 still uses the removed alias
    import nnmt
except ImportError:
    print("NNMT is not installed: no side-by-side comparison")
else:
    for (sigma, method), H in curves.items():
        ref = np.ravel(nnmt.lif.exp._transfer_function(
            np.array([mu]), np.array([sigma]), tau_m, tau_s, tau_r, V_th, V_0,
            omegas, method=method))
        print(f"sigma = {sigma * 1e3:.0f} mV, {method}: max relative deviation from NNMT "
              f"{np.max(np.abs(H / ref - 1)):.1e}")

if not GALLERY:
    print(f"wrote {save_figure(fig, out / 'transfer_functions.png')}")
