"""Statistics and plots of simulated spike trains (numpy/scipy only; no NEST needed).

Spike data are a list with one entry per population, ``(index, time)``: the neuron index
within the population (0 … N−1) and the spike time in s.  All statistics use the
analysis window (t_start, t_stop], the convention of NEST's recording devices (a spike
at exactly t_start belongs to the presimulation); with it the published reference rates
of the PyNEST microcircuit example are reproduced to the last digit.

Conventions
-----------
* Firing rate of a population: spike count / (N · T), i.e. the mean over all N neurons,
  silent ones included.
* CV: coefficient of variation (std/mean, ddof = 0) of the inter-spike intervals of each
  neuron with at least ``min_spikes`` spikes in the window, averaged over those neurons.
* Correlation: Pearson correlation coefficient of spike counts in bins of width
  ``bin_width`` for all pairs of (up to) ``n_sample`` randomly chosen neurons with
  non-constant counts, averaged over pairs.
* Power spectrum: of the population activity a(t) = (1/N) Σ_i s_i(t) (the per-neuron
  rate, Hz), binned with width Δt, estimated with Welch's method and returned as the
  *two-sided* spectral density in Hz²/Hz = Hz at f ≥ 0.  This is the convention of the
  theory (Bos et al. 2016, Eq. 18; NNMT's ``lif.exp.power_spectra``): N independent
  Poisson neurons of rate ν give ν/N at all f > 0.  Binning multiplies the spectrum by
  sinc²(π f Δt) (3 % at 100 Hz for Δt = 1 ms).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
from scipy import signal

from neuromf.plotting import E_COLOR, I_COLOR, population_kind, styled
from neuromf.simulation.backend import new_figure
from neuromf.utils import check_positive

__all__ = ["window_spikes", "per_neuron_rates", "firing_rates", "cv_isi",
           "spike_count_correlations", "population_spectra", "plot_raster",
           "plot_rate_boxplot", "plot_spectra", "plot_rates_comparison", "save_figure",
           "spectrum_confidence"]

Spikes = Sequence[tuple[np.ndarray, np.ndarray]]

# spike times are on a grid of >= 1 us; this tolerance only absorbs ms -> s rounding
_EPS = 1e-9


def _check_window(t_start: float, t_stop: float) -> float:
    if not t_stop > t_start:
        raise ValueError(f"t_stop ({t_stop} s) must be larger than t_start ({t_start} s)")
    return t_stop - t_start


def window_spikes(spikes: Spikes, t_start: float, t_stop: float) -> list[tuple]:
    """Spikes with t_start < t <= t_stop, per population.

    Parameters
    ----------
    spikes : list of (np.ndarray, np.ndarray)
        Per population, neuron indices (0 … N−1) and spike times in s.
    t_start, t_stop : float
        The analysis window (t_start, t_stop] in s.

    Returns
    -------
    list of tuple
        The ``(index, time)`` pairs of the spikes inside the window, per population.

    Raises
    ------
    ValueError
        If ``t_stop <= t_start``.
    """
    _check_window(t_start, t_stop)
    out = []
    for idx, times in spikes:
        mask = (times > t_start + _EPS) & (times <= t_stop + _EPS)
        out.append((np.asarray(idx)[mask], np.asarray(times)[mask]))
    return out


def per_neuron_rates(spikes: Spikes, n_neurons: Sequence[int], t_start: float,
                     t_stop: float) -> list[np.ndarray]:
    """Firing rate (Hz) of every neuron, per population.

    Parameters
    ----------
    spikes : list of (np.ndarray, np.ndarray)
        Per population, neuron indices (0 … N−1) and spike times in s.
    n_neurons : sequence of int
        Number of neurons N of each population.
    t_start, t_stop : float
        The analysis window (t_start, t_stop] in s.

    Returns
    -------
    list of np.ndarray
        Spike count / window length (Hz) of each of the N neurons, per population.
    """
    T = _check_window(t_start, t_stop)
    return [np.bincount(idx, minlength=int(n)) / T
            for (idx, _), n in zip(window_spikes(spikes, t_start, t_stop), n_neurons, strict=True)]


def firing_rates(spikes: Spikes, n_neurons: Sequence[int], t_start: float,
                 t_stop: float) -> np.ndarray:
    """Mean firing rate (Hz) of each population, silent neurons included.

    Parameters
    ----------
    spikes : list of (np.ndarray, np.ndarray)
        Per population, neuron indices (0 … N−1) and spike times in s.
    n_neurons : sequence of int
        Number of neurons N of each population.
    t_start, t_stop : float
        The analysis window (t_start, t_stop] in s.

    Returns
    -------
    np.ndarray
        Spike count / (N · T) in Hz, shape (n_populations,).
    """
    T = _check_window(t_start, t_stop)
    counts = np.array([len(t) for _, t in window_spikes(spikes, t_start, t_stop)],
                      dtype=float)
    return counts / (np.asarray(n_neurons, dtype=float) * T)


def _warn_undefined(what: str, pops: list[int], populations: Sequence[str] | None) -> None:
    if pops:
        names = [populations[i] if populations is not None else str(i) for i in pops]
        warnings.warn(f"{what} is undefined (NaN) for population(s) {', '.join(names)}: "
                      "too few spikes in the analysis window; simulate longer",
                      stacklevel=3)


def cv_isi(spikes: Spikes, n_neurons: Sequence[int], t_start: float, t_stop: float,
           min_spikes: int = 3, populations: Sequence[str] | None = None
           ) -> tuple[np.ndarray, list[np.ndarray]]:
    """Coefficient of variation of the inter-spike intervals.

    Parameters
    ----------
    spikes : list of (np.ndarray, np.ndarray)
        Per population, neuron indices (0 … N−1) and spike times in s.
    n_neurons : sequence of int
        Number of neurons N of each population.
    t_start, t_stop : float
        The analysis window (t_start, t_stop] in s.
    min_spikes : int
        Fewest spikes in the window for a neuron to count (at least 3, two intervals).
    populations : sequence of str, optional
        Population names for the warning about undefined CVs.

    Returns
    -------
    cv : np.ndarray
        Mean CV over the neurons with at least ``min_spikes`` spikes, per population
        (NaN, with a warning, where no neuron qualifies).
    cv_per_neuron : list of np.ndarray
        CV of each qualifying neuron.

    Raises
    ------
    ValueError
        If ``min_spikes < 3`` or ``t_stop <= t_start``.
    """
    if min_spikes < 3:
        raise ValueError(f"min_spikes must be >= 3 (two intervals), got {min_spikes}")
    means, per_neuron, empty = [], [], []
    for p, ((idx, times), n) in enumerate(zip(window_spikes(spikes, t_start, t_stop),
                                             n_neurons, strict=True)):
        order = np.lexsort((times, idx))
        idx, times = idx[order], times[order]
        same = np.diff(idx) == 0
        isi = np.diff(times)[same]
        owner = idx[1:][same]
        count = np.bincount(owner, minlength=int(n))
        mean = np.bincount(owner, isi, minlength=int(n)) / np.maximum(count, 1)
        var = np.bincount(owner, (isi - mean[owner]) ** 2, minlength=int(n)) \
            / np.maximum(count, 1)
        ok = (count >= min_spikes - 1) & (mean > 0)
        cvs = np.sqrt(var[ok]) / mean[ok]
        per_neuron.append(cvs)
        if cvs.size:
            means.append(float(np.mean(cvs)))
        else:
            means.append(np.nan)
            empty.append(p)
    _warn_undefined("the CV", empty, populations)
    return np.array(means), per_neuron


def _bin_index(times: np.ndarray, t_start: float, width: float) -> np.ndarray:
    """Index k of the bin (t_start + k w, t_start + (k + 1) w] holding each time."""
    return (np.ceil((times - t_start) / width - _EPS) - 1).astype(np.int64)


def _binned_counts(idx: np.ndarray, times: np.ndarray, rows: np.ndarray, n: int,
                   t_start: float, width: float, n_bins: int) -> np.ndarray:
    """Spike counts (len(rows), n_bins) of the neurons ``rows`` of a population."""
    lookup = np.full(int(n), -1)
    lookup[rows] = np.arange(len(rows))
    row = lookup[idx]
    col = _bin_index(times, t_start, width)
    keep = (row >= 0) & (col >= 0) & (col < n_bins)
    flat = row[keep] * n_bins + col[keep]
    return np.bincount(flat, minlength=len(rows) * n_bins).reshape(len(rows), n_bins)


def spike_count_correlations(spikes: Spikes, n_neurons: Sequence[int], t_start: float,
                             t_stop: float, bin_width: float = 5e-3, n_sample: int = 200,
                             seed: int = 1234, populations: Sequence[str] | None = None
                             ) -> np.ndarray:
    """Mean pairwise correlation coefficient of spike counts, per population.

    Parameters
    ----------
    spikes : list of (np.ndarray, np.ndarray)
        Per population, neuron indices (0 … N−1) and spike times in s.
    n_neurons : sequence of int
        Number of neurons N of each population.
    t_start, t_stop : float
        The analysis window (t_start, t_stop] in s.
    seed : int
        Seed of the random choice of the sampled neurons.
    populations : sequence of str, optional
        Population names for the warning about undefined correlations.
    bin_width : float
        Width of the counting bins in s.
    n_sample : int
        Neurons drawn (without replacement, fixed ``seed``) per population.

    Returns
    -------
    np.ndarray
        Mean correlation coefficient over pairs of sampled neurons whose counts vary
        (NaN, with a warning, if fewer than two such neurons).
    """
    T = _check_window(t_start, t_stop)
    check_positive("bin_width", bin_width, "s")
    n_bins = int(np.floor(T / bin_width + _EPS))
    if n_bins < 2:
        raise ValueError(f"bin_width = {bin_width} s leaves fewer than two bins in the "
                         f"{T} s window")
    rng = np.random.default_rng(seed)
    out, empty = [], []
    for p, ((idx, times), n) in enumerate(zip(window_spikes(spikes, t_start, t_stop),
                                             n_neurons, strict=True)):
        rows = np.sort(rng.choice(int(n), size=min(int(n_sample), int(n)), replace=False))
        counts = _binned_counts(idx, times, rows, n, t_start, bin_width, n_bins)
        counts = counts[counts.std(axis=1) > 0]
        if len(counts) < 2:
            out.append(np.nan)
            empty.append(p)
            continue
        cc = np.corrcoef(counts)
        out.append(float((cc.sum() - np.trace(cc)) / (len(cc) * (len(cc) - 1))))
    _warn_undefined("the spike-count correlation", empty, populations)
    return np.array(out)


def population_spectra(spikes: Spikes, n_neurons: Sequence[int], t_start: float,
                       t_stop: float, bin_width: float = 1e-3, nperseg: int = 1024,
                       min_segments: int = 1, return_segments: bool = False
                       ) -> tuple[np.ndarray, ...]:
    """Power spectral density of the population activities (two-sided, f >= 0).

    The activity of population α is a_α(t) = (number of spikes in (t, t+Δt]) / (N_α Δt)
    (Hz per neuron); its spectrum is estimated with Welch's method (Hann window, 50 %
    overlap, mean removed; Welch 1967) and converted to the two-sided density, the
    normalisation of the theory's power spectra (Bos et al. 2016, Eq. 18): for
    independent Poisson neurons it equals ν/N.

    Parameters
    ----------
    spikes : list of (np.ndarray, np.ndarray)
        Per population, neuron indices (0 … N−1) and spike times in s.
    n_neurons : sequence of int
        Number of neurons N of each population.
    t_start, t_stop : float
        The analysis window (t_start, t_stop] in s.
    bin_width : float
        Width Δt of the bins of the activity in s.
    nperseg : int
        Largest segment length (bins).
    min_segments : int
        Shorten the segments so that the window holds at least this many (50 % overlap);
        the estimate is then an average, not a single periodogram.
    return_segments : bool
        Also return the periodogram of every segment (their mean is ``psd``; their
        spread gives the confidence band of the estimate).

    Returns
    -------
    freqs : np.ndarray
        Frequencies in Hz (0 … 1/(2Δt)).
    psd : np.ndarray, shape (len(freqs), n_populations)
        Spectral density in Hz²/Hz.
    segments : np.ndarray, shape (n_segments, len(freqs), n_populations)
        With ``return_segments`` only.
    """
    T = _check_window(t_start, t_stop)
    check_positive("bin_width", bin_width, "s")
    n_bins = int(np.floor(T / bin_width + _EPS))
    if n_bins < 8:
        raise ValueError(f"the {T} s window holds only {n_bins} bins of {bin_width} s; "
                         "need at least 8")
    if int(min_segments) < 1:
        raise ValueError(f"min_segments must be >= 1, got {min_segments}")
    # K segments with 50 % overlap span (K + 1) / 2 segment lengths
    nperseg = int(min(nperseg, n_bins, 2 * n_bins // (int(min_segments) + 1)))
    if nperseg < 8:
        raise ValueError(f"{min_segments} segments of the {n_bins} bins would be shorter "
                         "than 8 bins; simulate longer or ask for fewer segments")
    activity = np.empty((len(n_neurons), n_bins))
    for p, ((_, times), n) in enumerate(zip(window_spikes(spikes, t_start, t_stop),
                                           n_neurons, strict=True)):
        col = _bin_index(times, t_start, bin_width)
        col = col[(col >= 0) & (col < n_bins)]
        activity[p] = np.bincount(col, minlength=n_bins) / (float(n) * bin_width)
    freqs, _, seg = signal.spectrogram(activity, fs=1.0 / bin_width, window="hann",
                                       nperseg=nperseg, noverlap=nperseg // 2,
                                       detrend="constant", scaling="density",
                                       return_onesided=True, mode="psd", axis=-1)
    # one-sided -> two-sided density: scipy doubled all bins except 0 and Nyquist
    seg = seg.copy()                                   # (n_pop, n_freq, n_seg)
    seg[:, 1:] /= 2.0
    if nperseg % 2 == 0:
        seg[:, -1] *= 2.0
    psd = seg.mean(axis=-1).T
    if return_segments:
        return freqs, psd, seg.transpose(2, 1, 0)
    return freqs, psd


def spectrum_confidence(segments: np.ndarray, level: float = 0.95) -> np.ndarray:
    """Half-width of the confidence interval of a Welch estimate from its segments.

    ``segments`` (n_segments, ...) are the periodograms whose mean is the estimate;
    the half-width is z · std / √n_segments (normal approximation of the mean; the
    50 %-overlap Hann segments are nearly independent, Welch 1967).  NaN for a
    single segment.

    Parameters
    ----------
    segments : np.ndarray
        Periodograms of the segments, shape (n_segments, ...), e.g. Hz²/Hz.
    level : float
        Confidence level (0 < level < 1).

    Returns
    -------
    np.ndarray
        Half-width z · std / √n_segments in the unit of ``segments``, shape
        ``segments.shape[1:]`` (NaN for a single segment).
    """
    from scipy.stats import norm

    segments = np.asarray(segments, dtype=float)
    n = segments.shape[0]
    if n < 2:
        return np.full(segments.shape[1:], np.nan)
    z = float(norm.ppf(0.5 + level / 2))
    return z * segments.std(axis=0, ddof=1) / np.sqrt(n)


# ---------------------------------------------------------------------------
# plots (matplotlib Agg, without pyplot)
# ---------------------------------------------------------------------------

def save_figure(fig, path: str, dpi: int = 150) -> None:
    """Save ``fig`` as PNG atomically (temporary file, then rename).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure.
    path : str
        PNG file to write.
    dpi : int
        Resolution in dots per inch.
    """
    from neuromf.simulation.recording import atomic_path  # noqa: PLC0415

    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=dpi)


@styled
def plot_raster(spikes: Spikes, populations: Sequence[str], n_neurons: Sequence[int],
                t_start: float, t_stop: float, path: str | None = None,
                max_neurons: int = 200):
    """Raster plot of up to ``max_neurons`` neurons per population (first at the top).

    Parameters
    ----------
    spikes : list of (np.ndarray, np.ndarray)
        Per population, neuron indices (0 … N−1) and spike times in s.
    populations : sequence of str
        Population names (the tick labels).
    n_neurons : sequence of int
        Number of neurons N of each population.
    t_start, t_stop : float
        The time window shown, in s.
    path : str, optional
        PNG file to write (none if omitted).
    max_neurons : int
        Neurons shown per population (the first ones).

    Returns
    -------
    matplotlib.figure.Figure
        The raster plot.
    """
    fig = new_figure(figsize=(8, 6))
    ax = fig.add_subplot()
    offset, ticks, seen = 0, [], {}
    for p in range(len(populations) - 1, -1, -1):
        idx, times = window_spikes([spikes[p]], t_start, t_stop)[0]
        shown = min(int(n_neurons[p]), int(max_neurons))
        keep = idx < shown
        kind = population_kind(populations[p])
        label = {"E": "excitatory", "I": "inhibitory"}.get(kind, "other")
        line, = ax.plot(times[keep], idx[keep] + offset, ".", ms=1.5,
                        color={"E": E_COLOR, "I": I_COLOR}.get(kind, "0.3"), rasterized=True)
        seen.setdefault(label, line)
        ticks.append((offset + shown / 2, populations[p]))
        offset += shown
    ax.set_yticks([t for t, _ in ticks], [name for _, name in ticks])
    ax.set_xlim(t_start, t_stop)
    ax.set_ylim(0, offset)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("neuron (population)")
    ax.legend(list(seen.values()), list(seen), loc="upper right", markerscale=6)
    ax.set_title(f"spike raster (up to {max_neurons} neurons per population)")
    fig.tight_layout()
    if path is not None:
        save_figure(fig, path)
    return fig


@styled
def plot_rate_boxplot(rates_per_neuron: Sequence[np.ndarray], populations: Sequence[str],
                      path: str | None = None, theory: np.ndarray | None = None):
    """Box plot of per-neuron firing rates (first population at the top).

    Parameters
    ----------
    rates_per_neuron : sequence of np.ndarray
        Per population, the firing rate of every neuron in Hz
        (:func:`per_neuron_rates`).
    populations : sequence of str
        Population names.
    path : str, optional
        PNG file to write (none if omitted).
    theory : np.ndarray, optional
        Predicted rates in Hz, drawn as diamonds.

    Returns
    -------
    matplotlib.figure.Figure
        The box plot.
    """
    fig = new_figure(figsize=(7, 5))
    ax = fig.add_subplot()
    n = len(populations)
    pos = np.arange(n, 0, -1)
    ax.boxplot([np.asarray(r) for r in rates_per_neuron], positions=pos,
               orientation="horizontal", showmeans=True, meanline=True,
               flierprops={"marker": "+", "markersize": 3},
               medianprops={"color": "black"}, meanprops={"color": "tab:gray"})
    if theory is not None:
        ax.plot(theory, pos, "D", color="tab:orange", label="theory")
        ax.legend(loc="lower right")
    ax.set_yticks(pos, list(populations))
    ax.set_xlabel("firing rate (spikes/s)")
    ax.set_ylabel("population")
    ax.set_title("per-neuron rates (box: quartiles, black: median, grey: mean, +: outliers)")
    fig.tight_layout()
    if path is not None:
        save_figure(fig, path)
    return fig


@styled
def plot_spectra(freqs: np.ndarray, psd: np.ndarray, populations: Sequence[str],
                 path: str | None = None, theory_freqs: np.ndarray | None = None,
                 theory_psd: np.ndarray | None = None, f_max: float = 500.0, *,
                 confidence: np.ndarray | None = None, title: str = "",
                 mark: str = "", theory_label: str = "theory"):
    """Population-activity spectra (log-log), optionally with theory overlaid.

    ``confidence`` (same shape as ``psd``) is the half-width of the simulated
    spectrum's confidence band (:func:`spectrum_confidence`); ``mark`` a line in red
    under the title (e.g. the mark of a linearly unstable working point).

    Parameters
    ----------
    freqs : np.ndarray
        Frequencies of ``psd`` in Hz.
    psd : np.ndarray
        Simulated spectra in Hz²/Hz, shape (len(freqs), n_populations).
    populations : sequence of str
        Population names (one panel each).
    path : str, optional
        PNG file to write (none if omitted).
    theory_freqs : np.ndarray, optional
        Frequencies of ``theory_psd`` in Hz.
    theory_psd : np.ndarray, optional
        Predicted spectra in Hz²/Hz, shape (len(theory_freqs), n_populations).
    f_max : float
        Highest frequency shown, Hz.
    confidence : np.ndarray, optional
        Half-width of the confidence band, Hz²/Hz, shape of ``psd``.
    title : str
        Figure title.
    mark : str
        Line shown in red under the title.
    theory_label : str
        Legend label of the theory curve.

    Returns
    -------
    matplotlib.figure.Figure
        The spectra, one panel per population.
    """
    import textwrap

    n = len(populations)
    cols = 2 if n > 1 else 1
    rows = int(np.ceil(n / cols))
    fig = new_figure(figsize=(max(4.5 * cols, 7.0), 2.6 * rows + 1.2), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False, sharex=True)
    sel = (freqs > 0) & (freqs <= f_max)
    for p in range(rows * cols):
        ax = axes[p // cols][p % cols]
        if p >= n:
            ax.set_visible(False)
            continue
        ax.loglog(freqs[sel], psd[sel, p], color="tab:blue", lw=1, label="simulation")
        if confidence is not None:
            lo = np.maximum(psd[sel, p] - confidence[sel, p], psd[sel, p] * 1e-3)
            ax.fill_between(freqs[sel], lo, psd[sel, p] + confidence[sel, p],
                            color="tab:blue", alpha=0.25, lw=0,
                            label="simulation, 95 % confidence")
        if theory_psd is not None:
            tsel = (theory_freqs > 0) & (theory_freqs <= f_max)
            ax.loglog(theory_freqs[tsel], theory_psd[tsel, p], color="tab:orange", lw=1.5,
                      label=theory_label)
        ax.set_title(populations[p], fontsize=9)
        if p // cols == rows - 1:
            ax.set_xlabel("frequency (Hz)")
        if p % cols == 0:
            ax.set_ylabel("PSD (Hz²/Hz)")
    axes[0][0].legend(fontsize=8)
    if title or mark:
        lines = textwrap.wrap(title, width=int(12 * fig.get_figwidth())) if title else []
        lines += textwrap.wrap(mark, width=int(12 * fig.get_figwidth())) if mark else []
        fig.suptitle("\n".join(lines), fontsize=9, color="tab:red" if mark else "black")
    if path is not None:
        save_figure(fig, path)
    return fig


@styled
def plot_rates_comparison(populations: Sequence[str], sim: np.ndarray, theory: np.ndarray,
                          path: str | None = None, title: str = ""):
    """Bar chart of simulated and predicted rates per population.

    Parameters
    ----------
    populations : sequence of str
        Population names.
    sim, theory : np.ndarray
        Simulated and predicted firing rates in Hz, shape (n_populations,).
    path : str, optional
        PNG file to write (none if omitted).
    title : str
        Axes title.

    Returns
    -------
    matplotlib.figure.Figure
        The bar chart.
    """
    fig = new_figure(figsize=(7, 4))
    ax = fig.add_subplot()
    x = np.arange(len(populations))
    ax.bar(x - 0.2, theory, 0.4, label="theory", color="tab:orange")
    ax.bar(x + 0.2, sim, 0.4, label="simulation", color="tab:blue")
    ax.set_xticks(x, list(populations))
    ax.set_ylabel("firing rate (spikes/s)")
    ax.set_xlabel("population")
    ax.legend()
    if title:
        ax.set_title(title)
    fig.tight_layout()
    if path is not None:
        save_figure(fig, path)
    return fig
