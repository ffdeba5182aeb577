"""Figures of LFP / CDM / EEG kernels and signal spectra (matplotlib, Agg backend).

:func:`plot_kernels` draws the spike-signal kernels per presynaptic population (depth
images for the LFP, each with its own colour scale; traces with their own y-scale for the
current dipole moment and EEG); :func:`plot_spectra` the signal power spectra per
channel (laminar contact by depth, the dipole's z component, EEG electrode).  Both draw
in neuromf's figure style (:data:`neuromf.plotting.STYLE`), save the figure when given a
path and return it.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import numpy as np

from ..plotting import _pyplot, save_figure, styled

__all__ = ["plot_kernels", "plot_spectra", "channel_names"]

_PROBES = {"lfp": "laminar LFP", "cdm": "current dipole moment", "eeg": "EEG"}


def _squared(unit: str) -> str:
    return f"({unit})²" if " " in unit else f"{unit}²"


def channel_names(probe: str, channels: Any) -> list[str]:
    """Readable names of the channels of a probe: LFP contacts by depth (µm), the
    dipole's z component, EEG electrodes by number.

    Parameters
    ----------
    probe : {'lfp', 'cdm', 'eeg'}
        The probe kind.
    channels : array_like
        The kernels' ``channels`` (contact depths in m for the LFP).

    Returns
    -------
    list of str
        One name per channel.
    """
    channels = np.atleast_1d(np.asarray(channels, dtype=float))
    if probe == "lfp":
        return [f"contact at {1e6 * c:.0f} µm" for c in channels]
    if probe == "cdm":
        return (["dipole moment p_z"] if channels.size == 1
                else [f"dipole moment p_{'xyz'[i]}" if i < 3 else f"component {i}"
                      for i in range(channels.size)])
    return [f"EEG electrode {i + 1}" for i in range(channels.size)]


@styled
def plot_kernels(kernels: Any, path: Path | None = None, title: str = ""):
    """Kernels per presynaptic population: LFP as depth images, CDM/EEG as traces.

    Every panel has its own colour or y scale (the kernels of different presynaptic
    populations differ by orders of magnitude).  Returns the figure.

    Parameters
    ----------
    kernels : SpikeSignalKernels
        The kernels.
    path : Path, optional
        PNG file to write (none if omitted).
    title : str
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
        One panel per presynaptic population.
    """
    plt = _pyplot()
    summed = kernels.summed()
    n = summed.shape[0]
    cols = min(n, 4)
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(max(3.6 * cols, 7.0), 3.2 * rows + 0.9),
                             squeeze=False, constrained_layout=True)
    lags = kernels.lags * 1e3
    scale, shown_unit = (1e6, "µV") if kernels.unit == "V" else (1.0, kernels.unit)
    names = channel_names(kernels.probe, kernels.channels)
    for k in range(rows * cols):
        ax = axes[k // cols][k % cols]
        if k >= n:
            ax.axis("off")
            continue
        h = summed[k] * scale
        if kernels.probe == "lfp":
            lim = float(np.abs(h).max()) or 1.0
            image = ax.imshow(h, aspect="auto", cmap="RdBu_r", vmin=-lim, vmax=lim,
                              extent=[lags[0], lags[-1], kernels.channels[-1] * 1e6,
                                      kernels.channels[0] * 1e6], origin="upper")
            ax.grid(False)
            fig.colorbar(image, ax=ax, label=f"kernel ({shown_unit} per spike)")
            ax.set_ylabel("depth (µm)")
        else:
            for c, name in enumerate(names):
                ax.plot(lags, h[c], label=name)
            ax.set_ylabel(f"kernel ({shown_unit} per spike)")
            ax.legend()
        ax.set_title(f"from {kernels.pre[k]}")
        ax.set_xlabel("lag (ms)")
    text = title or (f"{_PROBES.get(kernels.probe, kernels.probe)} kernels per presynaptic "
                     "population (summed over targets)")
    fig.suptitle("\n".join(textwrap.wrap(text, width=int(12 * fig.get_figwidth()))))
    if path is not None:
        save_figure(fig, path)
    return fig


@styled
def plot_spectra(omegas: np.ndarray, spectra: dict, unit: str, path: Path | None = None,
                 channels: list[int] | None = None, *, probe: str = "lfp",
                 channel_values: Any = None, title: str = "", mark: str = "",
                 note: str = ""):
    """Power spectra per channel (log-log); ``spectra`` maps a label to (omegas, S).

    Parameters
    ----------
    omegas : np.ndarray
        Angular frequencies (rad/s) of the theory curves.
    spectra : dict
        ``{label: (omegas, S)}``, S of shape (n_channels, n_freqs) in unit²/Hz.
    unit : str
        Unit of the signal (``'V'`` or ``'A m'``).
    path : Path, optional
        PNG file to write (none if omitted).
    channels : list of int, optional
        The channels shown (default all).
    probe, channel_values
        Probe kind and the kernels' ``channels`` (contact depths in m for the LFP), for
        the panel titles (:func:`channel_names`).
    title : str
        Figure title (model name and the theory's convention).
    mark : str
        Red line under the title, e.g. the mark of a linearly unstable working point.
    note : str
        Line under the title, e.g. that a down-scaled simulation is shown beside the
        full-scale theory.

    Returns
    -------
    matplotlib.figure.Figure
        One panel per channel.
    """
    plt = _pyplot()
    first = next(iter(spectra.values()))[1]
    channels = list(range(first.shape[0])) if channels is None else channels
    names = (channel_names(probe, channel_values) if channel_values is not None
             else channel_names(probe, np.zeros(first.shape[0])))
    n = len(channels)
    cols = min(n, 3)
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(max(3.6 * cols, 7.0), 3.0 * rows + 1.2),
                             squeeze=False, constrained_layout=True)
    for k, c in enumerate(channels):
        ax = axes[k // cols][k % cols]
        for label, (om, S) in spectra.items():
            f = om / (2 * np.pi)
            ok = f > 0
            ax.loglog(f[ok], S[c, ok], label=label)
        ax.set_title(names[c] if c < len(names) else f"channel {c}")
        ax.set_xlabel("frequency (Hz)")
        ax.set_ylabel(f"PSD ({_squared(unit)}/Hz, two-sided)")
    axes[0][0].legend()
    for k in range(n, rows * cols):
        axes[k // cols][k % cols].axis("off")
    width = int(12 * fig.get_figwidth())
    lines = textwrap.wrap(title or f"{_PROBES.get(probe, probe)} power spectra", width=width)
    lines += textwrap.wrap(note, width=width) if note else []
    lines += textwrap.wrap(mark, width=width) if mark else []
    fig.suptitle("\n".join(lines), color="tab:red" if mark else "black")
    if path is not None:
        save_figure(fig, path)
    return fig
