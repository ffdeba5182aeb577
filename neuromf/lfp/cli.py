"""``neuromf lfp MODEL [--probe lfp|cdm|eeg] [--from theory|simulation] [--out DIR]``.

Writes the kernels of the model (``kernels_<probe>.npz`` and a figure), and either
the signal spectrum predicted by mean-field theory (``--from theory``) or the signal
of a NEST simulation and its spectrum (``--from simulation``), with figures.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from ..utils import check_choice

__all__ = ["run_lfp_cli", "register_cli"]


def _figure():
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    return plt


def plot_kernels(kernels: Any, path: Path) -> None:
    """Kernels per presynaptic population: LFP as depth images, CDM/EEG as traces."""
    plt = _figure()
    summed = kernels.summed()
    n = summed.shape[0]
    fig, axes = plt.subplots(1, n, figsize=(2.2 * n + 1, 3.5), sharey=True, squeeze=False)
    lags = kernels.lags * 1e3
    for i, ax in enumerate(axes[0]):
        h = summed[i]
        if kernels.probe == "lfp":
            lim = np.abs(h).max() or 1.0
            ax.imshow(h * 1e6, aspect="auto", cmap="RdBu_r", vmin=-lim * 1e6, vmax=lim * 1e6,
                      extent=[lags[0], lags[-1], kernels.channels[-1] * 1e6,
                              kernels.channels[0] * 1e6], origin="upper")
            if i == 0:
                ax.set_ylabel("depth (um)")
        else:
            ax.plot(lags, h.T)
            if i == 0:
                ax.set_ylabel(f"per spike ({kernels.unit})")
        ax.set_title(kernels.pre[i], fontsize=9)
        ax.set_xlabel("lag (ms)")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def plot_spectra(omegas: np.ndarray, spectra: dict, unit: str, path: Path,
                 channels: list[int] | None = None) -> None:
    """Power spectra per channel (log-log); ``spectra`` maps a label to (omegas, S)."""
    plt = _figure()
    first = next(iter(spectra.values()))[1]
    channels = list(range(first.shape[0])) if channels is None else channels
    n = len(channels)
    cols = min(n, 4)
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(3 * cols, 2.4 * rows), squeeze=False)
    for k, c in enumerate(channels):
        ax = axes[k // cols][k % cols]
        for label, (om, S) in spectra.items():
            f = om / (2 * np.pi)
            ok = f > 0
            ax.loglog(f[ok], S[c, ok], label=label)
        ax.set_title(f"channel {c}", fontsize=8)
        ax.set_xlabel("f (Hz)")
    axes[0][0].set_ylabel(f"PSD ({unit}^2/Hz, two-sided)")
    axes[0][0].legend(fontsize=7)
    for k in range(n, rows * cols):
        axes[k // cols][k % cols].axis("off")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def run_lfp_cli(model_name: str, probe: str = "lfp", source: str = "theory",
                out_dir: str | Path = "neuromf_lfp", *, tau: float = 50e-3,
                dt: float = 2 ** -4 * 1e-3, method: str = "shift",
                sim_kwargs: dict | None = None, nnmt_convention: bool = False) -> dict:
    """Kernels plus predicted (theory) or simulated signals and spectra of a model.

    Parameters
    ----------
    model_name : str
        Built-in model name (e.g. ``'microcircuit'``) or network YAML file.
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

    Returns
    -------
    dict
        Paths of the written files by kind.
    """
    from ..models import load_model
    from . import network as LN
    from .spectra import power_spectrum_estimate

    check_choice("probe", probe, ["lfp", "cdm", "eeg"])
    check_choice("source", source, ["theory", "simulation"])
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    net = load_model(model_name)
    files: dict[str, str] = {}

    if source == "theory":
        kernels = LN.network_kernels(net, probe, dt=dt, tau=tau)
        options = {"variance_channel": False, "renewal": False} if nnmt_convention else {}
        omegas, S = LN.theory_spectrum(net, kernels, method=method, **options)
        np.savez(out / f"spectrum_theory_{probe}.npz", omegas=omegas, psd=S,
                 channels=kernels.channels, unit=kernels.unit)
        files["spectrum"] = str(out / f"spectrum_theory_{probe}.npz")
        plot_spectra(omegas, {"theory": (omegas, S)}, kernels.unit,
                     out / f"spectrum_theory_{probe}.png")
        files["spectrum_figure"] = str(out / f"spectrum_theory_{probe}.png")
    else:
        from ..simulation import simulate

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
        om, psd = power_spectrum_estimate(v, kernels.dt, nperseg=min(v.shape[1],
                                                                     int(0.5 / kernels.dt)))
        np.savez(out / f"spectrum_simulation_{probe}.npz", omegas=om, psd=psd)
        files["spectrum"] = str(out / f"spectrum_simulation_{probe}.npz")
        plot_spectra(om, {"simulation": (om, psd)}, kernels.unit,
                     out / f"spectrum_simulation_{probe}.png")
        files["spectrum_figure"] = str(out / f"spectrum_simulation_{probe}.png")

    kernels.save(out / f"kernels_{probe}.npz")
    files["kernels"] = str(out / f"kernels_{probe}.npz")
    plot_kernels(kernels, out / f"kernels_{probe}.png")
    files["kernels_figure"] = str(out / f"kernels_{probe}.png")
    (out / "lfp_files.json").write_text(json.dumps(files, indent=1))
    return files


def register_cli(sub: Any) -> None:
    """Add the ``lfp`` subcommand to the ``neuromf`` argument parser."""
    p = sub.add_parser("lfp", help="LFP / current dipole moment / EEG kernels and spectra")
    p.add_argument("model", help="built-in model name or network YAML file")
    p.add_argument("--probe", choices=["lfp", "cdm", "eeg"], default="lfp")
    p.add_argument("--from", dest="source", choices=["theory", "simulation"],
                   default="theory")
    p.add_argument("--out", default="neuromf_lfp", help="output directory")
    p.add_argument("--nnmt-convention", action="store_true",
                   help="theory with the mean channel only and Poisson spike trains "
                        "(default: variance channel and renewal spike-train noise)")
    p.set_defaults(func=lambda args: _main(args))


def _main(args: Any) -> int:
    files = run_lfp_cli(args.model, probe=args.probe, source=args.source, out_dir=args.out,
                        nnmt_convention=args.nnmt_convention)
    for kind, path in files.items():
        print(f"{kind}: {path}")
    return 0
