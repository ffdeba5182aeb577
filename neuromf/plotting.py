"""Figures of neuromf results (matplotlib, Agg backend; nothing is shown on screen)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


#: The one figure style of neuromf's figures and examples: readable at page width, grid,
#: frameless legends, colour-blind-safe colour cycle (matplotlib's "tab10" order).
STYLE = {
    "figure.dpi": 100,
    "savefig.dpi": 120,
    "font.size": 10,
    "axes.titlesize": 10,
    "axes.labelsize": 10,
    "legend.fontsize": 8,
    "legend.frameon": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "lines.linewidth": 1.5,
}


def use_style() -> dict:
    """Apply :data:`STYLE` to matplotlib's ``rcParams`` (all later figures use it).

    Every figure of the examples and the gallery is drawn in this style; each axis is
    labelled with its quantity and unit, e.g. ``"frequency (Hz)"``.

    Returns
    -------
    dict
        The applied settings (a copy of :data:`STYLE`).
    """
    import matplotlib

    matplotlib.rcParams.update(STYLE)
    return dict(STYLE)


def save_figure(fig, path: str | Path) -> Path:
    """Save ``fig`` atomically (temporary file, then rename) and close it."""
    from .input_output import atomic_write

    path = Path(path)
    with atomic_write(path) as tmp:
        fig.savefig(tmp, format=path.suffix.lstrip(".") or "png", dpi=120)
    _pyplot().close(fig)
    return path


def plot_working_point(populations: Sequence[str], rates: np.ndarray, mu: np.ndarray,
                       sigma: np.ndarray, title: str = ""):
    """Bar charts of rates (Hz), mean input and std of the input (mV) per population."""
    plt = _pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.4), constrained_layout=True)
    x = np.arange(len(populations))
    for ax, values, label in zip(axes, (rates, 1e3 * np.asarray(mu), 1e3 * np.asarray(sigma)),
                                 ("rate (Hz)", "mean input μ (mV)", "std input σ (mV)")):
        ax.bar(x, values, color=["tab:blue" if i % 2 == 0 else "tab:red"
                                 for i in range(len(x))])
        ax.set_xticks(x, [str(p) for p in populations], rotation=45)
        ax.set_ylabel(label)
    if title:
        fig.suptitle(title)
    return fig


def plot_power_spectra(freqs: np.ndarray, spectra: np.ndarray, populations: Sequence[str],
                       title: str = ""):
    """Log-log power spectra (one line per population), ``spectra`` (n_freq, n_pop)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 4), constrained_layout=True)
    for i, name in enumerate(populations):
        ax.loglog(freqs, np.abs(spectra[:, i]), label=str(name))
    ax.set_xlabel("frequency (Hz)")
    ax.set_ylabel("power spectrum (1/s)")
    ax.legend(fontsize="small", ncol=2)
    if title:
        ax.set_title(title)
    return fig


def plot_transfer_functions(freqs: np.ndarray, transfer: np.ndarray,
                            populations: Sequence[str], title: str = ""):
    """Amplitude and phase of the transfer functions (n_freq, n_pop)."""
    plt = _pyplot()
    fig, (ax_a, ax_p) = plt.subplots(2, 1, figsize=(6, 5.5), sharex=True,
                                     constrained_layout=True)
    for i, name in enumerate(populations):
        ax_a.loglog(freqs, np.abs(transfer[:, i]), label=str(name))
        ax_p.semilogx(freqs, np.angle(transfer[:, i]))
    ax_a.set_ylabel("|H| (Hz/V)")
    ax_p.set_ylabel("phase (rad)")
    ax_p.set_xlabel("frequency (Hz)")
    ax_a.legend(fontsize="small", ncol=2)
    if title:
        ax_a.set_title(title)
    return fig


def plot_eigenvalue_trajectories(eigenvalues: np.ndarray, freqs: np.ndarray, title: str = ""):
    """Eigenvalues of the effective connectivity in the complex plane, coloured by
    frequency, with the instability point 1 + 0i marked (Bos et al. 2016, Fig. 4)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5, 5), constrained_layout=True)
    f = np.broadcast_to(np.asarray(freqs)[:, None], eigenvalues.shape)
    sc = ax.scatter(eigenvalues.real.ravel(), eigenvalues.imag.ravel(), c=f.ravel(), s=2,
                    cmap="viridis")
    ax.plot([1], [0], "k+", ms=12)
    ax.set_xlabel("Re λ")
    ax.set_ylabel("Im λ")
    fig.colorbar(sc, ax=ax, label="frequency (Hz)")
    if title:
        ax.set_title(title)
    return fig
