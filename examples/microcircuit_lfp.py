"""
Microcircuit LFP: kernels, predicted and simulated spectra (Hagen et al. 2022)
==============================================================================

Needs the extras ``lfp`` (LFPy, lfpykit, NEURON) and, for the simulation, ``sim``
(NEST); the docs build runs it when they are installed, without the simulation (the quick
size).  Usage::

    python examples/microcircuit_lfp.py [--out DIR] [--no-sim] [--scale 0.1] [--t-sim 2]

Kernels (Hagen et al. 2022) are computed for the Potjans & Diesmann (2014) microcircuit
with neuromf's ball-and-stick E and I cells placed in the layers of a 1 mm^2 column;
the LFP spectrum is predicted from mean-field theory (rate cross-spectra, Bos et al.
2016, Eq. 18) and, unless ``--no-sim``, compared with the spectrum of the LFP of a
NEST simulation (signal = population spike counts convolved with the kernels of the
simulated realisation); the ratio of the band powers is printed.

The full-scale microcircuit's working point is linearly unstable (a gamma oscillation near
80 Hz with the variance channel; see the validation page): the theory warns, and its
spectrum marks where the network resonates rather than the simulated power.
"""

# %%
# Kernels, theory and (optionally) simulation
# -------------------------------------------


import argparse
import os
import tempfile
from pathlib import Path

import numpy as np

from neuromf import models
from neuromf.lfp import network as LN
from neuromf.lfp.plotting import plot_kernels, plot_spectra
from neuromf.lfp.spectra import power_spectrum_estimate
from neuromf.plotting import model_name, use_style
from neuromf.stability_verdict import stability_verdict

GALLERY = os.environ.get("NEUROMF_DOCS_QUICK") == "1"   # docs build: quick size, no simulation


def main() -> Path:
    ap = argparse.ArgumentParser(description="Microcircuit LFP: kernels and spectra")
    ap.add_argument("--out", default="microcircuit_lfp")
    ap.add_argument("--no-sim", action="store_true")
    ap.add_argument("--scale", type=float, default=0.1)
    ap.add_argument("--t-sim", type=float, default=2.0)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    if GALLERY:
        args.no_sim, args.out = True, tempfile.mkdtemp(prefix="neuromf_lfp_")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    use_style()

    net = models.Microcircuit()
    kernels = LN.network_kernels(net, "lfp", tau=50e-3)
    kernels.save(out / "kernels_lfp.npz")
    plot_kernels(kernels, out / "kernels_lfp.png")
    omegas, S_theory = LN.theory_spectrum(net, kernels)
    spectra = {"theory (full scale)": (omegas, S_theory)}
    verdict = stability_verdict(net)
    print(("WARNING: working point " if not verdict.stable else "working point ")
          + verdict.text)
    note = ""

    if not args.no_sim:
        from neuromf.simulation import simulate

        result = simulate(net, scale=args.scale, t_sim=args.t_sim, threads=args.threads,
                          out=str(out / "simulation"), plots=False)
        spec = result.spec
        sim_kernels = LN.network_kernels(net, "lfp", tau=50e-3, N=spec.n_neurons,
                                         K_in=spec.indegrees(),
                                         W=np.asarray(spec.weight) * 1e-12)
        t, v = LN.simulated_signal(result, sim_kernels)
        om, psd = power_spectrum_estimate(v, sim_kernels.dt, nperseg=int(0.5 / sim_kernels.dt))
        np.savez(out / "lfp_simulation.npz", t=t, lfp=v, omegas=om, psd=psd)
        spectra[f"simulation (scale {args.scale})"] = (om, psd)
        note = (f"simulated LFP of the network at scale {args.scale:g} "
                f"({int(spec.n_neurons.sum()):,} neurons, its own kernels) beside the "
                "theory of the full-scale network")
        band = lambda o: (o > 2 * np.pi * 20) & (o < 2 * np.pi * 200)  # noqa: E731
        ratio = (np.mean(psd[band(om)].sum(axis=-1))
                 / np.mean(np.asarray(S_theory)[band(omegas)].sum(axis=-1)))
        print(f"mean 20-200 Hz LFP power (sum over channels), simulation / theory: {ratio:.2f}")

    plot_spectra(omegas, spectra, "V", out / "lfp_spectra.png", channels=[1, 4, 7, 10, 13],
                 probe="lfp", channel_values=kernels.channels, mark=verdict.mark, note=note,
                 title=f"{model_name(net)}: LFP spectra (theory: mean and variance channel, "
                       "renewal noise)")
    print(f"wrote kernels, spectra and figures to {out}/")
    return out


if __name__ == "__main__":
    folder = main()
    if GALLERY:            # show the written figures on the gallery page
        import matplotlib.pyplot as plt

        for name in ("kernels_lfp.png", "lfp_spectra.png"):
            image = plt.imread(folder / name)
            fig, ax = plt.subplots(figsize=(image.shape[1] / 100, image.shape[0] / 100))
            ax.imshow(image)
            ax.set_axis_off()
