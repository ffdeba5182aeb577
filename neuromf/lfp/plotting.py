"""Figures of LFP / CDM / EEG kernels and signal spectra (matplotlib, Agg backend).

:func:`plot_kernels` draws the spike-signal kernels per presynaptic population (depth
images for the LFP, traces for the current dipole moment and EEG); :func:`plot_spectra`
the signal power spectra per channel.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["plot_kernels", "plot_spectra"]


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
