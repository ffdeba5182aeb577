"""
Microcircuit firing rates: theory vs. NEST (Potjans & Diesmann 2014)
====================================================================

Stationary firing rates of the eight populations of the Potjans & Diesmann (2014)
microcircuit from the self-consistent mean-field working point (colored-noise 'shift'
approximation, Fourcaud & Brunel 2002), beside

* the published full-scale simulation rates (the rates of one full-scale NEST run that the
  PD14 model distribution uses for its in-degree scaling; Potjans & Diesmann 2014), and
* where NEST is installed, a NEST simulation of the downscaled network (N = K = 0.1,
  seed 55, one thread, 1 s after 0.5 s presimulation) beside the published rates of that
  configuration (PyNEST microcircuit example, one virtual process).

The deviations are printed.  Downscaling with in-degree compensation keeps the mean and
variance of the input only at the full-scale rates (van Albada et al. 2015), so the
downscaled rates are compared with their own reference, not with the theory.

Run:  ``python examples/potjans2014_rates.py [OUT_DIR] [--quick]``  -> ``potjans2014_rates.png``
"""

# %%
# Theory
# ------

import importlib.util
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

import neuromf as nnmt
from neuromf.plotting import save_figure, use_style

GALLERY = os.environ.get("NEUROMF_DOCS_QUICK") == "1"   # docs build: figures stay open
args = [a for a in sys.argv[1:] if not a.startswith("--")]
out = Path(args[0] if args else ".")

#: published rates (spikes/s; L23E ... L6I): full-scale NEST run used by the PD14 model
#: for its K-scaling compensation, and N = K = 0.1, seed 55, one virtual process
PUBLISHED_FULL = np.array([0.903, 2.965, 4.414, 5.876, 7.569, 8.633, 1.105, 7.829])
PUBLISHED_SCALED = np.array([0.402, 2.017, 3.880, 4.958, 6.575, 7.726, 0.831, 6.986])

net = nnmt.models.Microcircuit()                       # Potjans & Diesmann 2014
wp = nnmt.lif.exp.working_point(net, method="shift")
theory = wp["firing_rates"]
pops = [str(p) for p in net.network_params["populations"]]
rel = theory / PUBLISHED_FULL - 1
print("population  theory (Hz)  published full-scale sim (Hz)  deviation")
for name, th, ref, r in zip(pops, theory, PUBLISHED_FULL, rel, strict=True):
    print(f"{name:<10}  {th:10.3f}  {ref:29.3f}  {r:+9.1%}")
print(f"largest |deviation| of the theory from the full-scale simulation: "
      f"{np.max(np.abs(rel)):.1%}")

# %%
# NEST simulation of the downscaled network (needs the extra ``sim``)
# -------------------------------------------------------------------

simulated = None
if importlib.util.find_spec("nest") is None:
    print("NEST is not installed (pip install 'neuromf[sim]'): simulation skipped")
else:
    from neuromf.simulation import simulate

    with tempfile.TemporaryDirectory() as tmp:
        result = simulate("microcircuit", scale=0.1, t_sim=1.0, threads=1, seed=55,
                          out=tmp, plots=False, progress=False)
    simulated = np.asarray(result.rates)
    dev = simulated / PUBLISHED_SCALED - 1
    print("population  NEST N=K=0.1 (Hz)  published N=K=0.1 (Hz)  deviation")
    for name, sim, ref, r in zip(pops, simulated, PUBLISHED_SCALED, dev, strict=True):
        print(f"{name:<10}  {sim:16.3f}  {ref:22.3f}  {r:+9.2%}")
    print(f"largest |deviation| from the published downscaled rates: {np.max(np.abs(dev)):.2%}")

# %%
# Figure
# ------

use_style()
import matplotlib.pyplot as plt  # noqa: E402

x = np.arange(len(pops))
fig, ax = plt.subplots(figsize=(7, 3.8), constrained_layout=True)
ax.bar(x - 0.3, theory, 0.2, label="mean-field theory (full scale)")
ax.bar(x - 0.1, PUBLISHED_FULL, 0.2, label="published NEST, full scale")
if simulated is not None:
    ax.bar(x + 0.1, simulated, 0.2, label="neuromf + NEST, N = K = 0.1")
ax.bar(x + 0.3, PUBLISHED_SCALED, 0.2, label="published NEST, N = K = 0.1")
ax.set_xticks(x, pops)
ax.set_xlabel("population")
ax.set_ylabel("firing rate (spikes/s)")
ax.set_title("Potjans & Diesmann 2014 microcircuit: stationary rates")
ax.legend(ncol=2)
if not GALLERY:
    print(f"wrote {save_figure(fig, out / 'potjans2014_rates.png')}")
