"""Figures of neuromf results (matplotlib, Agg backend; nothing is shown on screen).

One figure style, :data:`STYLE`: every figure function of neuromf draws inside it
(:func:`styled`), the examples apply it with :func:`use_style`.  Conventions of all
figures: every axis label names its quantity and unit in parentheses, e.g.
``"frequency (Hz)"`` or ``"Re λ (dimensionless)"``; every colour and marker has a legend
entry (E/I populations: :func:`ei_colors`); titles name the model and the theory's
convention; figures of a linearly unstable working point carry the mark of
:func:`neuromf.stability_verdict.mark_figure`.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

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


@contextlib.contextmanager
def style_context() -> Iterator[None]:
    """Draw inside :data:`STYLE` without changing the caller's ``rcParams``."""
    import matplotlib

    with matplotlib.rc_context(STYLE):
        yield


def styled(func: Callable) -> Callable:
    """Decorator: the figure function ``func`` draws in :data:`STYLE`.

    Parameters
    ----------
    func : callable
        A function that draws and returns a figure.

    Returns
    -------
    callable
        ``func`` wrapped in :func:`style_context`.
    """
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with style_context():
            return func(*args, **kwargs)
    return wrapper


#: colours of excitatory and inhibitory populations in every figure
E_COLOR, I_COLOR = "tab:blue", "tab:red"


def population_kind(name: Any) -> str | None:
    """'E', 'I' or None from a population name ('L23E', 'EX', 'I', 'IN', 'inh' ...).

    Parameters
    ----------
    name : object
        Population name.

    Returns
    -------
    str or None
        'E', 'I', or None if the name says neither.
    """
    text = str(name).strip().upper()
    if text.endswith(("E", "EX", "EXC")) or text.startswith("EX"):
        return "E"
    if text.endswith(("I", "IN", "INH")) or text.startswith("IN"):
        return "I"
    return None


def ei_colors(populations: Sequence[Any]) -> tuple[list[str], list[Any]]:
    """Bar colours (E blue, I red, else grey) and the legend handles that explain them.

    Parameters
    ----------
    populations : sequence
        Population names.

    Returns
    -------
    colors : list of str
        One matplotlib colour per population.
    handles : list of matplotlib.patches.Patch
        Legend handles of the kinds present.
    """
    from matplotlib.patches import Patch

    kinds = [population_kind(p) for p in populations]
    colors = [E_COLOR if k == "E" else I_COLOR if k == "I" else "0.5" for k in kinds]
    handles = []
    if "E" in kinds:
        handles.append(Patch(color=E_COLOR, label="excitatory"))
    if "I" in kinds:
        handles.append(Patch(color=I_COLOR, label="inhibitory"))
    if None in kinds:
        handles.append(Patch(color="0.5", label="other"))
    return colors, handles


def model_name(network: Any, given: str | None = None) -> str:
    """Name of a model for figure titles and reports.

    ``given`` (the name or file a user passed) if any; else the stem of the network's
    parameter file (``'bos2016'``, ``'potjans2014'``), else its ``label``.

    Parameters
    ----------
    network : Network
        The network.
    given : str, optional
        The name or file the user passed.

    Returns
    -------
    str
        The model name.
    """
    if given:
        path = Path(str(given))
        return path.stem if path.suffix in (".yaml", ".yml") else str(given)
    source = getattr(network, "network_params_yaml", "")
    if source:
        return Path(source).stem
    return str(network.network_params.get("label", type(network).__name__))


def save_figure(fig, path: str | Path) -> Path:
    """Save ``fig`` atomically (temporary file, then rename) and close it.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure (closed afterwards).
    path : str or pathlib.Path
        Output file; its suffix sets the format (PNG if none), 120 dpi.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    from .input_output import atomic_write

    path = Path(path)
    with atomic_write(path) as tmp:
        fig.savefig(tmp, format=path.suffix.lstrip(".") or "png", dpi=120)
    _pyplot().close(fig)
    return path


@styled
def plot_working_point(populations: Sequence[str], rates: np.ndarray, mu: np.ndarray,
                       sigma: np.ndarray, title: str = ""):
    """Bar charts of rates (Hz), mean input and std of the input (mV) per population.

    Parameters
    ----------
    populations : sequence of str
        Population names (x axis).
    rates : numpy.ndarray
        Firing rates in Hz, shape (n_pop,).
    mu, sigma : numpy.ndarray
        Mean and standard deviation of the input in V, shape (n_pop,) (plotted in mV).
    title : str, optional
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
        Three panels: rate (Hz), mean input μ (mV), std input σ (mV).
    """
    plt = _pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.6), constrained_layout=True)
    x = np.arange(len(populations))
    colors, handles = ei_colors(populations)
    for ax, values, label in zip(axes, (rates, 1e3 * np.asarray(mu), 1e3 * np.asarray(sigma)),
                                 ("rate (Hz)", "mean input μ (mV)", "std input σ (mV)")):
        ax.bar(x, values, color=colors)
        ax.set_xticks(x, [str(p) for p in populations], rotation=45)
        ax.set_ylabel(label)
    axes[0].legend(handles=handles)   # E blue, I red
    if title:
        fig.suptitle(title)
    return fig


def _line_styles(populations: Sequence[Any]) -> list[dict]:
    """Solid lines for excitatory, dashed for inhibitory populations."""
    return [{"ls": "--" if population_kind(p) == "I" else "-"} for p in populations]


@styled
def plot_power_spectra(freqs: np.ndarray, spectra: np.ndarray, populations: Sequence[str],
                       title: str = ""):
    """Log-log power spectra of the population rates (Bos et al. 2016, Eq. 18).

    Parameters
    ----------
    freqs : numpy.ndarray
        Frequencies in Hz, shape (n_freq,).
    spectra : numpy.ndarray
        Power spectra in 1/s, shape (n_freq, n_pop) (absolute values are plotted).
    populations : sequence of str
        Population names (legend).
    title : str, optional
        Axes title.

    Returns
    -------
    matplotlib.figure.Figure
        One line per population, frequency (Hz) against power (1/s).
    """
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.5), constrained_layout=True)
    for i, (name, style) in enumerate(zip(populations, _line_styles(populations))):
        ax.loglog(freqs, np.abs(spectra[:, i]), label=str(name), **style)
    ax.set_xlabel("frequency (Hz)")
    ax.set_ylabel("power spectrum (1/s)")
    ax.legend(ncol=2, title="population (dashed: inhibitory)")
    if title:
        ax.set_title(title)
    return fig


@styled
def plot_transfer_functions(freqs: np.ndarray, transfer: np.ndarray,
                            populations: Sequence[str], title: str = ""):
    """Amplitude and phase of the transfer functions (Schuecker et al. 2015).

    Parameters
    ----------
    freqs : numpy.ndarray
        Frequencies in Hz, shape (n_freq,).
    transfer : numpy.ndarray
        Complex transfer functions in Hz/V, shape (n_freq, n_pop).
    populations : sequence of str
        Population names (legend).
    title : str, optional
        Title of the amplitude panel.

    Returns
    -------
    matplotlib.figure.Figure
        Amplitude ``|H|`` (Hz/V, log-log) above the phase (rad).
    """
    plt = _pyplot()
    fig, (ax_a, ax_p) = plt.subplots(2, 1, figsize=(7, 6), sharex=True,
                                     constrained_layout=True)
    for i, (name, style) in enumerate(zip(populations, _line_styles(populations))):
        ax_a.loglog(freqs, np.abs(transfer[:, i]), label=str(name), **style)
        ax_p.semilogx(freqs, np.angle(transfer[:, i]), **style)
    ax_a.set_ylabel("|H| (Hz/V)")
    ax_p.set_ylabel("phase (rad)")
    ax_p.set_xlabel("frequency (Hz)")
    ax_a.legend(ncol=2, title="population (dashed: inhibitory)")
    if title:
        ax_a.set_title(title)
    return fig


@styled
def plot_eigenvalue_trajectories(eigenvalues: np.ndarray, freqs: np.ndarray, title: str = ""):
    """Eigenvalues of the effective connectivity in the complex plane (Bos et al. 2016, Fig. 4).

    Parameters
    ----------
    eigenvalues : numpy.ndarray
        Complex eigenvalues of M(ω) (dimensionless), shape (n_freq, n_pop).
    freqs : numpy.ndarray
        Frequencies in Hz, shape (n_freq,) (colour of the points).
    title : str, optional
        Axes title.

    Returns
    -------
    matplotlib.figure.Figure
        Scatter of Re λ against Im λ coloured by frequency, with the instability point
        1 + 0i marked.
    """
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 5.5), constrained_layout=True)
    f = np.broadcast_to(np.asarray(freqs)[:, None], eigenvalues.shape)
    sc = ax.scatter(eigenvalues.real.ravel(), eigenvalues.imag.ravel(), c=f.ravel(), s=2,
                    cmap="viridis", label="eigenvalues of M (colour: frequency)")
    ax.plot([1], [0], "k+", ms=12, ls="none", label="instability point 1 + 0i")
    ax.set_xlabel("Re λ (dimensionless)")
    ax.set_ylabel("Im λ (dimensionless)")
    ax.legend(loc="best")
    fig.colorbar(sc, ax=ax, label="frequency (Hz)")
    if title:
        ax.set_title(title)
    return fig
