"""
Binary E-I network: mean-field theory vs. Glauber dynamics
==========================================================

Mean activities of the excitatory and inhibitory populations of a random network of
binary neurons (fixed in-degrees, external Bernoulli input of activity m_ext) as a
function of the external activity: theory m = ½ erfc(−(μ − θ)/(√2 σ)) solved
self-consistently (Helias et al. 2014; van Vreeswijk & Sompolinsky 1998) and direct
simulations of asynchronous Glauber dynamics (mean ± standard error over network
realisations).  A second panel shows the population activities of one simulation.

Reference result: the simulations; the deviation of theory from simulation is printed
for each external activity.

Run:  ``python examples/binary_ei.py [OUT_DIR] [--quick]``   -> ``binary_ei.png``
"""

# %%
# Network and simulations
# -----------------------

import os
import sys
from pathlib import Path

import numpy as np

from neuromf import binary
from neuromf.plotting import save_figure, use_style

GALLERY = os.environ.get("NEUROMF_DOCS_QUICK") == "1"   # docs build: quick, figures stay open

args = [a for a in sys.argv[1:] if not a.startswith("--")]
quick = GALLERY or "--quick" in sys.argv
out = Path(args[0] if args else ".")

# network (input in units of the threshold scale)
N = np.array([2000, 500])
K = np.array([[100, 25], [100, 25]])
g, j = 4.3, 0.03
J = np.array([[j, -g * j], [j, -g * j]])
J_ext, K_ext = np.array([[0.02], [0.02]]), np.array([[2500], [2500]])
theta = np.array([10.2, 10.1])
pop = np.repeat([0, 1], N)

m_ext_values = np.linspace(0.19, 0.21, 3 if quick else 5)
m_ext_fine = np.linspace(m_ext_values[0], m_ext_values[-1], 41)
n_real, T = (2, 10.0) if quick else (4, 30.0)

theory = np.array([binary._mean_activity(J, K, theta, J_ext, K_ext, [m]) for m in m_ext_fine])
sim_mean, sim_se, example_trace = [], [], None
for m_ext in m_ext_values:
    runs = []
    for seed in range(n_real):
        W = binary._fixed_indegree_connectivity(N, K, J, rng=seed)
        m_sim, trace = binary._simulate_glauber(W, theta, T, pop, t_warmup=10.0, J_ext=J_ext,
                                                K_ext=K_ext, m_ext=[m_ext], rng=100 + seed)
        runs.append(m_sim)
        if example_trace is None and np.isclose(m_ext, m_ext_values[len(m_ext_values) // 2]):
            example_trace = trace
    runs = np.array(runs)
    sim_mean.append(runs.mean(axis=0))
    sim_se.append(runs.std(axis=0, ddof=1) / np.sqrt(n_real))
    m_theory = np.asarray(binary._mean_activity(J, K, theta, J_ext, K_ext, [m_ext]))
    print(f"m_ext = {m_ext:.3f}: simulation {runs.mean(axis=0).round(4)}, theory "
          f"{m_theory.round(4)}, deviation theory - simulation "
          f"{(m_theory - runs.mean(axis=0)).round(4)} "
          f"(standard error {(runs.std(axis=0, ddof=1) / np.sqrt(n_real)).round(4)})")
sim_mean, sim_se = np.array(sim_mean), np.array(sim_se)

# %%
# Figure
# ------

use_style()
import matplotlib.pyplot as plt  # noqa: E402

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
for a, (name, color) in enumerate((("E", "tab:blue"), ("I", "tab:red"))):
    ax1.plot(m_ext_fine, theory[:, a], color=color, label=f"{name} theory")
    ax1.errorbar(m_ext_values, sim_mean[:, a], yerr=sim_se[:, a], fmt="o", color=color,
                 label=f"{name} Glauber simulation")
    ax2.plot(example_trace[:, a], color=color, label=name)
ax1.set_xticks(m_ext_values)
ax1.set_xlabel("external activity $m_\\mathrm{ext}$ (fraction of active neurons)")
ax1.set_ylabel("mean activity $m$ (fraction active)")
ax1.legend()
ax2.set_xlabel("time (units of the update time constant $\\tau$)")
ax2.set_ylabel("population activity (fraction active)")
ax2.set_title(f"one realisation, $m_\\mathrm{{ext}}$ = {m_ext_values[len(m_ext_values) // 2]:.2f}")
ax2.legend()
if not GALLERY:
    out.mkdir(parents=True, exist_ok=True)
    print(f"wrote {save_figure(fig, out / 'binary_ei.png')}")
