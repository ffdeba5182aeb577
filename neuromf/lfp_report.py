"""The LFP report of a model (``neuromf lfp``): kernels, signals, spectra and figures.

:func:`lfp_report` writes the spike-signal kernels of the model
(:func:`neuromf.lfp.network.network_kernels`, ``kernels_<probe>.npz`` and a figure), and
either the signal spectrum predicted by mean-field theory
(:func:`neuromf.lfp.network.theory_spectrum`, ``source='theory'``) or the signal of a
NEST simulation (:mod:`neuromf.simulation`) and its spectrum (``source='simulation'``),
with figures.  It sits above both ``neuromf.lfp`` and ``neuromf.simulation``, which stay
independent of each other.  The command line is :mod:`neuromf.cli.lfp`.

The theory's spectrum figure names the model and the convention (mean and variance
channel with renewal noise, or NNMT's mean channel with Poisson noise) and, for a
linearly unstable working point, carries the mark of the shared stability verdict
(:func:`neuromf.stability_verdict.stability_verdict`); the simulated spectrum is a Welch
average and its figure states the simulated scale.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from .lfp.plotting import plot_kernels, plot_spectra
from .utils import check_choice

__all__ = ["lfp_report", "run_lfp_cli"]


def lfp_report(model_name: Any, probe: str = "lfp", source: str = "theory",
                out_dir: str | Path = "neuromf_lfp", *, tau: float = 50e-3,
                dt: float = 2 ** -4 * 1e-3, method: str = "shift",
                sim_kwargs: dict | None = None, nnmt_convention: bool = False,
                print_summary: bool = False, name: str = "") -> dict:
    """Kernels plus predicted (theory) or simulated signals and spectra of a model.

    Parameters
    ----------
    model_name : str or Network
        Built-in model name (e.g. ``'microcircuit'``), network YAML file or network.
    probe : {'lfp', 'cdm', 'eeg'}
    source : {'theory', 'simulation'}
        ``'theory'``: spectrum from mean-field theory (exp-synapse models);
        ``'simulation'``: NEST simulation (extra ``sim``), signal by convolution of
        the population spike counts with kernels of the simulated realisation.
    out_dir : str or Path
        Output directory (created).
    tau, dt : float
        Kernel length and step (s).
    method : str
        Colored-noise approximation of the theory.
    sim_kwargs : dict, optional
        Passed to ``neuromf.simulation.simulate`` (scale, t_sim, threads, ...).
    nnmt_convention : bool
        Theory with the mean channel only and Poisson spike trains (NNMT's and Bos et
        al. 2016's convention) instead of the defaults of
        :func:`neuromf.lfp.network.theory_spectrum` (variance channel, renewal noise).
    print_summary : bool
        Print the stability verdict of the working point (theory).
    name : str
        Model name in the figure titles (default: the model's file or label).

    Returns
    -------
    dict
        Paths of the written files by kind.
    """
    from .lfp import network as LN
    from .lfp.spectra import power_spectrum_estimate
    from .models import load_model
    from .plotting import model_name as title_name
    from .stability_verdict import stability_verdict

    check_choice("probe", probe, ["lfp", "cdm", "eeg"])
    check_choice("source", source, ["theory", "simulation"])
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    net = model_name if hasattr(model_name, "network_params") else load_model(model_name)
    name = name or title_name(net, model_name if isinstance(model_name, str) else None)
    files: dict[str, str] = {}

    if source == "theory":
        kernels = LN.network_kernels(net, probe, dt=dt, tau=tau)
        options = {"variance_channel": False, "renewal": False} if nnmt_convention else {}
        verdict = stability_verdict(net, method=method)
        if print_summary:
            print(("WARNING: working point " if not verdict.stable else "working point ")
                  + verdict.text)
        with warnings.catch_warnings():   # the verdict is printed / in the figure
            warnings.filterwarnings("ignore", message="working point linearly unstable")
            omegas, S = LN.theory_spectrum(net, kernels, method=method, **options)
        np.savez(out / f"spectrum_theory_{probe}.npz", omegas=omegas, psd=S,
                 channels=kernels.channels, unit=kernels.unit)
        files["spectrum"] = str(out / f"spectrum_theory_{probe}.npz")
        convention = ("mean channel only, Poisson noise (NNMT)" if nnmt_convention else
                      "mean and variance channel, renewal noise")
        plot_spectra(omegas, {"theory": (omegas, S)}, kernels.unit,
                     out / f"spectrum_theory_{probe}.png", probe=probe,
                     channel_values=kernels.channels, mark=verdict.mark,
                     title=f"{name}: {probe.upper()} spectrum, mean-field theory "
                           f"({convention}, '{method}')")
        files["spectrum_figure"] = str(out / f"spectrum_theory_{probe}.png")
    else:
        from .simulation import simulate

        sim_kwargs = dict(sim_kwargs or {})
        sim_kwargs.setdefault("plots", False)
        result = simulate(net, out=str(out / "simulation"), **sim_kwargs)
        spec = result.spec
        W = (np.asarray(spec.weight, dtype=float) * 1e-12 if spec.synapse_type == "exp"
             else None)
        kernels = LN.network_kernels(net, probe, dt=dt, tau=tau, N=spec.n_neurons,
                                     K_in=spec.indegrees(), W=W)
        t, v = LN.simulated_signal(result, kernels)
        np.savez(out / f"signal_simulation_{probe}.npz", t=t, signal=v,
                 channels=kernels.channels, unit=kernels.unit)
        files["signal"] = str(out / f"signal_simulation_{probe}.npz")
        # Welch average over at least 8 segments (50 % overlap), at most 0.5 s long
        nperseg = min(int(0.5 / kernels.dt), 2 * v.shape[1] // 9)
        om, psd = power_spectrum_estimate(v, kernels.dt, nperseg=nperseg)
        np.savez(out / f"spectrum_simulation_{probe}.npz", omegas=om, psd=psd)
        files["spectrum"] = str(out / f"spectrum_simulation_{probe}.npz")
        n_sim, n_model = int(np.sum(spec.n_neurons)), int(np.sum(net.network_params["N"]))
        n_segments = max(1, 2 * v.shape[1] // nperseg - 1)       # 50 % overlap
        plot_spectra(om, {"simulation": (om, psd)}, kernels.unit,
                     out / f"spectrum_simulation_{probe}.png", probe=probe,
                     channel_values=kernels.channels,
                     title=f"{name}: {probe.upper()} spectrum of a NEST simulation",
                     note=f"simulated network at scale {spec.scale:g} ({n_sim:,} of "
                          f"{n_model:,} neurons), kernels of that realisation; Welch "
                          f"average of {n_segments} segments of "
                          f"{1e3 * nperseg * kernels.dt:.0f} ms")
        files["spectrum_figure"] = str(out / f"spectrum_simulation_{probe}.png")

    kernels.save(out / f"kernels_{probe}.npz")
    files["kernels"] = str(out / f"kernels_{probe}.npz")
    plot_kernels(kernels, out / f"kernels_{probe}.png",
                 title=f"{name}: {probe.upper()} kernels per presynaptic population "
                       "(summed over targets)")
    files["kernels_figure"] = str(out / f"kernels_{probe}.png")
    (out / "lfp_files.json").write_text(json.dumps(files, indent=1))
    return files


# former name of lfp_report (documented as lfp_report: an alias, not a new function)
run_lfp_cli = lfp_report
