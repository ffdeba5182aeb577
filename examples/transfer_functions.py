"""LIF transfer function for two noise levels (Schuecker et al. 2015, Fig. 4 style).

Amplitude and phase of the rate response to a modulated mean input, for exponential
synapses ('shift' and 'taylor') and δ synapses, at low and high input noise.
Run:  python examples/transfer_functions.py [OUT_DIR]   -> transfer_functions.png
"""

import sys
from pathlib import Path

import numpy as np

from neuromf.lif import _transfer
from neuromf.plotting import save_figure, use_style

out = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
tau_m, tau_s, tau_r, V_th, V_0 = 20e-3, 2e-3, 0.0, 20e-3, 15e-3   # illustrative values
freqs = np.logspace(0, 2.7, 300)
omegas = 2 * np.pi * freqs

import matplotlib.pyplot as plt  # noqa: E402

use_style()

fig, (ax_a, ax_p) = plt.subplots(2, 1, figsize=(6, 6), sharex=True, constrained_layout=True)
for sigma, mu, color in ((4e-3, 16.5e-3, "tab:blue"), (8e-3, 16.5e-3, "tab:red")):
    for method, style in (("shift", "-"), ("taylor", "--")):
        H = _transfer._transfer_function(mu, sigma, tau_m, tau_s, tau_r, V_th, V_0, omegas,
                                         method=method)
        H = np.asarray(H).reshape(len(freqs), -1)[:, 0]
        ax_a.semilogx(freqs, np.abs(H), style, color=color,
                      label=f"σ = {sigma * 1e3:.0f} mV, {method}")
        ax_p.semilogx(freqs, np.degrees(np.angle(H)), style, color=color)
    H0 = _transfer._transfer_function_delta(mu, sigma, tau_m, tau_r, V_th, V_0, omegas)
    ax_a.semilogx(freqs, np.abs(np.asarray(H0).reshape(len(freqs), -1)[:, 0]), ":",
                  color=color, label=f"σ = {sigma * 1e3:.0f} mV, δ synapses")
ax_a.set_ylabel("|H| (Hz/V)")
ax_p.set_ylabel("phase (deg)")
ax_p.set_xlabel("frequency (Hz)")
ax_a.legend(fontsize="small")
fig.suptitle("LIF transfer function, μ = 16.5 mV (Schuecker et al. 2015)")
print(f"wrote {save_figure(fig, out / 'transfer_functions.png')}")
