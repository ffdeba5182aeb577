"""The theory-vs-simulation report of ``compare``: checks against tolerances, a verdict.

:func:`comparison_checks` compares every quantity that theory and simulation both give
(rates, CVs of the inter-spike intervals, pairwise spike-count correlations, and the
population-rate spectra averaged over frequency bands) and flags each one outside its
:class:`Tolerances`; :func:`report_markdown` writes the report, which starts with the
verdict (every flagged quantity, the tolerances, the stability of the working point and
the scale of the simulated network), and :func:`write_comparison_files` the report,
``comparison.json`` and the figures.

Rescaling: the theory describes the model at full size (N neurons).  A population
spectrum is ν/N-like in its auto term (Bos et al. 2016, Eq. 18), so the theory's
spectra are multiplied by N_model / N_sim before they are compared with a network
simulated at ``scale`` < 1; the theory's spike-count correlations are computed from the
rescaled spectra (:func:`theory_count_correlations`).  Rates and CVs are compared as
they are (in-degree scaling with DC compensation keeps the mean input, van Albada et
al. 2015).
"""

from __future__ import annotations

import json
import os
import platform
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from neuromf.simulation import analysis
from neuromf.simulation.recording import atomic_path

__all__ = ["Tolerances", "DEFAULT_BANDS", "comparison_checks", "theory_count_correlations",
           "band_power", "report_markdown", "write_comparison_files", "verdict_lines"]

#: frequency bands (Hz) in which simulated and theoretical spectra are compared
DEFAULT_BANDS: tuple[tuple[float, float], ...] = ((0.0, 10.0), (10.0, 100.0), (100.0, 500.0))


@dataclass(frozen=True)
class Tolerances:
    """Largest deviations between simulation and theory that pass the report's checks.

    Parameters
    ----------
    rate_rtol : float
        Relative deviation of the mean population rate (default 0.1: 10 %).
    cv_atol : float
        Absolute deviation of the mean CV of the inter-spike intervals (default 0.1).
    corr_atol : float
        Absolute deviation of the mean pairwise spike-count correlation coefficient
        (default 0.02).
    spectrum_factor : float
        Largest factor between the band-averaged simulated and theoretical spectra
        (default 2, either way).
    bands : tuple of (float, float)
        Frequency bands (Hz) of the spectrum check, lower edge inclusive; 0 Hz itself
        is left out.
    """

    rate_rtol: float = 0.1
    cv_atol: float = 0.1
    corr_atol: float = 0.02
    spectrum_factor: float = 2.0
    bands: tuple[tuple[float, float], ...] = DEFAULT_BANDS

    def __post_init__(self) -> None:
        for name in ("rate_rtol", "cv_atol", "corr_atol"):
            value = getattr(self, name)
            if not (np.isfinite(value) and value > 0):
                raise ValueError(f"tolerance {name} must be a positive number, got {value!r}")
        if not (np.isfinite(self.spectrum_factor) and self.spectrum_factor > 1):
            raise ValueError(f"tolerance spectrum_factor must be a number > 1, got "
                             f"{self.spectrum_factor!r}")
        for lo, hi in self.bands:
            if not (0 <= lo < hi):
                raise ValueError(f"frequency band ({lo}, {hi}) Hz: need 0 <= low < high")

    def describe(self) -> str:
        """The tolerances in one line.

        Returns
        -------
        str
            Rates, CV, correlation and spectrum tolerances and the bands (Hz).
        """
        bands = ", ".join(_band_name(b) for b in self.bands)
        return (f"rates ±{100 * self.rate_rtol:g} % (relative), CVs ±{self.cv_atol:g}, "
                f"pairwise correlations ±{self.corr_atol:g} (absolute), spectra within a "
                f"factor {self.spectrum_factor:g} averaged over each band ({bands})")


def _band_name(band: tuple[float, float]) -> str:
    lo, hi = band
    return f"< {hi:g} Hz" if lo == 0 else f"{lo:g}–{hi:g} Hz"


def band_power(freqs: np.ndarray, psd: np.ndarray, band: tuple[float, float]) -> np.ndarray:
    """Mean of ``psd`` (..., n_freq, n_pop) over the frequencies ``lo <= f < hi``, f > 0.

    NaN per population where the band holds no frequency.

    Parameters
    ----------
    freqs : np.ndarray
        Frequencies in Hz, shape (n_freq,).
    psd : np.ndarray
        Spectra, shape (..., n_freq, n_pop), e.g. Hz²/Hz.
    band : tuple of (float, float)
        Lower (inclusive) and upper (exclusive) edge in Hz.

    Returns
    -------
    np.ndarray
        Band mean in the unit of ``psd``, shape (..., n_pop).
    """
    freqs = np.asarray(freqs, dtype=float)
    sel = (freqs >= band[0]) & (freqs < band[1]) & (freqs > 0)
    psd = np.asarray(psd, dtype=float)
    if not sel.any():
        return np.full(psd.shape[:-2] + psd.shape[-1:], np.nan)
    return psd[..., sel, :].mean(axis=-2)


def theory_count_correlations(freqs: np.ndarray, population_spectra: np.ndarray,
                              auto_spectra: np.ndarray, n_neurons: np.ndarray,
                              bin_width: float) -> np.ndarray:
    r"""Mean pairwise correlation coefficient of spike counts predicted from spectra.

    The population activity of N neurons has the spectrum
    :math:`S_\mathrm{pop} = S_\mathrm{auto}/N + (1 - 1/N)\,C` with the mean cross-spectrum
    :math:`C` of two of its neurons, so :math:`C = (N S_\mathrm{pop} - S_\mathrm{auto})
    / (N - 1)`.  Counts in bins of width T filter the spike trains with
    :math:`|K(f)|^2 = T^2 \mathrm{sinc}^2(fT)`, giving (Wiener-Khinchin)

    .. math::

        \rho = \frac{\int C(f) |K(f)|^2 df}{\int S_\mathrm{auto}(f) |K(f)|^2 df}.

    The integrals run over all f (the integrands are even); beyond the given frequencies
    the spectra are continued by their first and last values.

    Parameters
    ----------
    freqs : array_like
        Frequencies (Hz), increasing, shape (n_freq,).
    population_spectra, auto_spectra : array_like
        Two-sided spectra (Hz²/Hz) of the population activity and of single spike
        trains, shape (n_freq, n_pop).
    n_neurons : array_like
        Neurons per population the spectra belong to.
    bin_width : float
        Counting bin T (s).

    Returns
    -------
    np.ndarray
        ρ per population (NaN for N < 2).
    """
    freqs = np.asarray(freqs, dtype=float)
    S = np.asarray(population_spectra, dtype=float)
    A = np.asarray(auto_spectra, dtype=float)
    N = np.asarray(n_neurons, dtype=float)
    if not bin_width > 0:
        raise ValueError(f"bin_width must be > 0 s, got {bin_width}")
    f = np.linspace(0.0, 50.0 / bin_width, 20001)
    weight = (bin_width * np.sinc(f * bin_width)) ** 2
    weight[[0, -1]] *= 0.5                                   # trapezoidal rule
    df = f[1] - f[0]
    tail = 1.0 / (2 * np.pi ** 2 * f[-1])                    # ∫_F^∞ T² sinc²(fT) df, mean sin²
    out = np.full(S.shape[1], np.nan)
    for p in range(S.shape[1]):
        if N[p] < 2:
            continue
        cross = (N[p] * S[:, p] - A[:, p]) / (N[p] - 1)
        c = np.interp(f, freqs, cross)
        a = np.interp(f, freqs, A[:, p])
        out[p] = ((c @ weight) * df + cross[-1] * tail) / ((a @ weight) * df + A[-1, p] * tail)
    return out


def _row(quantity: str, population: str, theory: float | None, sim: float,
         tolerance: str, ok: bool | None, detail: str = "") -> dict:
    return {"quantity": quantity, "population": population,
            "theory": None if theory is None else float(theory), "simulation": float(sim),
            "tolerance": tolerance, "ok": ok, "detail": detail}


def comparison_checks(populations: list[str], sim: dict, theory: dict,
                      n_sim: np.ndarray, n_model: np.ndarray,
                      tolerances: Tolerances | None = None) -> list[dict]:
    """Every check of simulation against theory, with its verdict.

    Parameters
    ----------
    populations : list of str
        Population names.
    sim : dict
        Simulated 'rates' (Hz), 'cv', 'correlations', 'corr_bin' (s), 'freqs' (Hz),
        'spectra' (n_freq, n_pop, Hz²/Hz) and optionally 'spectra_segments'
        (n_segments, n_freq, n_pop).
    theory : dict
        'firing_rates' (Hz) and optionally 'cv', 'frequencies' and 'power_spectra'
        (full-scale model), 'spike_train_spectra'.
    n_sim, n_model : array_like
        Neurons per population in the simulation and in the model.
    tolerances : Tolerances, optional
        The largest deviations that pass (default :class:`Tolerances`).

    Returns
    -------
    list of dict
        One row per quantity, population (and band): 'quantity', 'population',
        'theory', 'simulation', 'tolerance', 'ok' (True, False, or None where the
        theory gives no value or the simulation none that is finite), 'detail'.
    """
    tol = tolerances or Tolerances()
    rows = []
    th_rates = np.asarray(theory["firing_rates"], dtype=float)
    for i, pop in enumerate(populations):
        r_th, r_sim = th_rates[i], float(sim["rates"][i])
        rel = (r_sim - r_th) / r_th if r_th > 0 else np.inf
        rows.append(_row("rate (Hz)", pop, r_th, r_sim, f"±{100 * tol.rate_rtol:g} %",
                         bool(abs(rel) <= tol.rate_rtol) if np.isfinite(r_sim) else None,
                         f"{100 * rel:+.1f} %"))
    th_cv = theory.get("cv")
    for i, pop in enumerate(populations):
        c_sim = float(sim["cv"][i])
        c_th = None if th_cv is None else float(th_cv[i])
        ok = (None if c_th is None or not np.isfinite(c_sim)
              else bool(abs(c_sim - c_th) <= tol.cv_atol))
        rows.append(_row("CV", pop, c_th, c_sim, f"±{tol.cv_atol:g}", ok,
                         "" if c_th is None else f"{c_sim - c_th:+.3f}"))
    n_sim = np.asarray(n_sim, dtype=float)
    n_model = np.asarray(n_model, dtype=float)
    th_psd = None
    if theory.get("power_spectra") is not None and theory.get("frequencies") is not None:
        th_f = np.asarray(theory["frequencies"], dtype=float)
        th_psd = np.asarray(theory["power_spectra"], dtype=float) * n_model / n_sim
    corr_th = None
    if th_psd is not None and sim.get("corr_bin"):
        auto = theory.get("spike_train_spectra")
        auto = (np.broadcast_to(th_rates, th_psd.shape) if auto is None
                else np.asarray(auto, dtype=float))
        corr_th = theory_count_correlations(th_f, th_psd, auto, n_sim, sim["corr_bin"])
    for i, pop in enumerate(populations):
        c_sim = float(sim["correlations"][i])
        c_th = None if corr_th is None else float(corr_th[i])
        ok = (None if c_th is None or not (np.isfinite(c_sim) and np.isfinite(c_th))
              else bool(abs(c_sim - c_th) <= tol.corr_atol))
        rows.append(_row("pairwise correlation", pop, c_th, c_sim, f"±{tol.corr_atol:g}",
                         ok, "" if c_th is None else f"{c_sim - c_th:+.4f}"))
    if th_psd is None:
        return rows
    freqs = np.asarray(sim["freqs"], dtype=float)
    segments = sim.get("spectra_segments")
    for band in tol.bands:
        sel = (freqs >= band[0]) & (freqs < band[1]) & (freqs > 0)
        inside = sel & (freqs >= th_f[0]) & (freqs <= th_f[-1])
        if not inside.any():
            continue
        s_band = np.asarray(sim["spectra"], dtype=float)[inside].mean(axis=0)
        t_band = np.array([np.interp(freqs[inside], th_f, th_psd[:, p]).mean()
                           for p in range(th_psd.shape[1])])
        spread = None
        if segments is not None and len(segments) > 1:
            per_seg = np.asarray(segments, dtype=float)[:, inside].mean(axis=1)
            spread = analysis.spectrum_confidence(per_seg)
        for i, pop in enumerate(populations):
            ratio = s_band[i] / t_band[i] if t_band[i] > 0 else np.inf
            ok = bool(1 / tol.spectrum_factor <= ratio <= tol.spectrum_factor)
            detail = f"sim/theory {ratio:.2f}"
            if spread is not None and t_band[i] > 0:
                detail += f" ± {spread[i] / t_band[i]:.2f} (95 %)"
            rows.append(_row(f"spectrum {_band_name(band)} (Hz²/Hz)", pop, t_band[i],
                             s_band[i], f"factor {tol.spectrum_factor:g}", ok, detail))
    return rows


def verdict_lines(checks: list[dict]) -> list[str]:
    """Short lines: the number of checks outside tolerance and each one of them.

    Parameters
    ----------
    checks : list of dict
        The rows of :func:`comparison_checks`.

    Returns
    -------
    list of str
        The count of failed checks first, then one line per failed check.
    """
    failed = [c for c in checks if c["ok"] is False]
    checked = [c for c in checks if c["ok"] is not None]
    unchecked = sorted({c["quantity"] for c in checks if c["ok"] is None})
    lines = [f"{len(failed)} of {len(checked)} checked quantities outside tolerance"
             + (f" (not checked, no theory or no finite value: {', '.join(unchecked)})"
                if unchecked else "")]
    for c in failed:
        th = "–" if c["theory"] is None else f"{c['theory']:.4g}"
        lines.append(f"OUTSIDE {c['tolerance']}: {c['quantity']}, {c['population']}: "
                     f"theory {th}, simulation {c['simulation']:.4g} ({c['detail']})")
    return lines


def _fmt(x: Any, spec: str = ".4g") -> str:
    if x is None:
        return "–"
    if isinstance(x, float) and not np.isfinite(x):
        return "n/a"
    return format(x, spec)


def _scale_lines(res: Any, model: Any) -> list[str]:
    sim = res.simulation
    spec = sim.spec
    n_model = np.asarray(model.network_params["N"], dtype=float)
    total = int(np.sum(sim.n_neurons))
    lines = [f"- Simulated network: {total:,} of the model's {int(n_model.sum()):,} neurons"]
    if spec is not None:
        lines[0] += (f" (N × {spec.scale:g}, in-degrees K × {spec.k_scale:g}"
                     + (", weights / √K with DC compensation of the lost input, van Albada "
                        "et al. 2015" if spec.k_scale != 1 else "") + ").")
    else:
        lines[0] += "."
    lines.append("- Theory: the full-scale model. Rates and CVs are compared as they are; "
                 "the theory's power spectra are multiplied by N_model / N_sim "
                 f"({', '.join(f'{r:.3g}' for r in n_model / sim.n_neurons)}) and its "
                 "pairwise correlations are computed from the rescaled spectra.")
    if np.any(sim.n_neurons != n_model):
        lines.append("- Caveat: the 1/N rescaling is exact for the spike-train (auto) part "
                     "of the spectra only; the collective part of the spectra and the "
                     "correlations of a network with fewer inputs per neuron differ, so "
                     "compare spectra and correlations at scale 1 where that matters.")
    return lines


def report_markdown(res: Any, model: Any, checks: list[dict], tolerances: Tolerances,
                    name: str = "") -> str:
    """The Markdown report of a :class:`~neuromf.simulation.ComparisonResult`.

    Parameters
    ----------
    res : ComparisonResult
        Theory and simulation (:func:`neuromf.simulation.compare`).
    model : Network
        The model (its ``network_params``: label, neuron numbers).
    checks : list of dict
        The rows of :func:`comparison_checks`.
    tolerances : Tolerances
        The tolerances of the checks.
    name : str
        Model name of the title (default: the network's label).

    Returns
    -------
    str
        The report: verdict, network realisation, rates, CVs, correlations and spectra
        tables.
    """
    sim, th = res.simulation, res.theory
    spec = sim.spec
    label = name or str(model.network_params.get("label", type(model).__name__))
    lines = [f"# Theory vs simulation: {label}", "", "## Verdict", ""]
    lines += [f"- {line}" if i == 0 else f"  - **{line}**"
              for i, line in enumerate(verdict_lines(checks))]
    lines.append(f"- Tolerances: {tolerances.describe()}.")
    if th.get("stability_text"):
        lines.append("- Stability of the working point: "
                     + th["stability_text"].replace("\n  ", "; "))
    lines += _scale_lines(res, model)
    if sim.n_segments:
        lines.append(f"- Simulated spectra: Welch average of {sim.n_segments} segments "
                     "(Hann, 50 % overlap); 95 % confidence bands from the spread of the "
                     "segments.")
    lines.append("")
    if spec is not None:
        try:
            from neuromf.simulation.backend import import_nest

            version = getattr(import_nest(), "__version__", "?")
        except ImportError:
            version = "?"
        lines += [
            "## Setup", "",
            f"- Network: {len(spec.populations)} populations, {spec.total_neurons:,} "
            f"neurons, {spec.total_synapses:,} synapses, `{spec.neuron_model}`, "
            f"{spec.connection_rule.replace('_', ' ')}.",
            f"- Simulation: NEST {version}, seed {spec.seed}, {spec.threads} thread(s), "
            f"resolution {spec.resolution:g} ms, {spec.t_presim / 1e3:g} s presimulation "
            f"+ {spec.t_sim / 1e3:g} s analysed, background {spec.params['background']}.",
        ]
        if spec.notes:
            lines.append("- Notes: " + "; ".join(spec.notes) + ".")
    lines += [f"- Theory: {th.get('source', '?')}; CV: {th.get('cv_source', 'not available')}.",
              ""]
    if "spectra_error" in th:
        lines += [f"Theory spectra unavailable: {th['spectra_error']}", ""]
    if "spectra_source" in th:
        lines += [f"Theory spectra: {th['spectra_source']}.", ""]
    by_key = {(c["quantity"], c["population"]): c for c in checks}

    def value(quantity: str, pop: str, which: str, spec: str) -> str:
        c = by_key.get((quantity, pop))
        return _fmt(None if c is None else c[which], spec)

    lines += ["## Per population", "",
              "| population | N (sim) | rate theory (Hz) | rate sim (Hz) | CV theory "
              "| CV sim | corr. theory | corr. sim |",
              "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for pop, n in zip(sim.populations, sim.n_neurons, strict=True):
        lines.append(
            f"| {pop} | {int(n)} | {value('rate (Hz)', pop, 'theory', '.3f')} | "
            f"{value('rate (Hz)', pop, 'simulation', '.3f')} | "
            f"{value('CV', pop, 'theory', '.2f')} | {value('CV', pop, 'simulation', '.2f')} | "
            f"{value('pairwise correlation', pop, 'theory', '.4f')} | "
            f"{value('pairwise correlation', pop, 'simulation', '.4f')} |")
    mark = (th.get("stability") or {}).get("mark", "")
    lines += ["", "## All checks", ""]
    if mark:
        lines += [f"**Theory spectra and correlations: {mark}.**", ""]
    lines += ["| quantity | population | theory | simulation | deviation | tolerance | |",
              "|---|---|---:|---:|---:|---|---|"]
    for c in checks:
        flag = {True: "ok", False: "**OUTSIDE**", None: "not checked"}[c["ok"]]
        lines.append(f"| {c['quantity']} | {c['population']} | {_fmt(c['theory'])} | "
                     f"{_fmt(c['simulation'])} | {c['detail']} | {c['tolerance']} | {flag} |")
    lines.append("")
    figs = [("rates_comparison", "Rates"), ("spectra_comparison", "Power spectra"),
            ("raster", "Raster"), ("rates_boxplot", "Per-neuron rates")]
    for key, title in figs:
        if key in res.files:
            lines += [f"## {title}", "", f"![{title}]({os.path.basename(res.files[key])})",
                      ""]
    lines += ["## Timings (wall clock, s)", "",
              ", ".join(f"{k} {v:.2f}" for k, v in sim.timings.items()), "",
              f"Machine: {platform.machine()}, Python {platform.python_version()}.", ""]
    return "\n".join(lines)


def _write_json(path: str, data: dict) -> None:
    with atomic_path(path) as tmp, open(tmp, "w") as f:
        json.dump(data, f, indent=2, default=lambda x: None)
        f.write("\n")


def write_comparison_files(res: Any, model: Any, out: str,
                           tolerances: Tolerances | None = None, name: str = "") -> None:
    """Write ``comparison.md``, ``comparison.json`` and the comparison figures to ``out``.

    Fills ``res.checks`` and ``res.files``.

    Parameters
    ----------
    res : ComparisonResult
        Theory and simulation; its ``checks`` and ``files`` are filled.
    model : Network
        The model (its ``network_params``: label, neuron numbers).
    out : str
        Output folder.
    tolerances : Tolerances, optional
        The tolerances of the checks (default :class:`Tolerances`).
    name : str
        Model name of the report and figure titles (default: the network's label).
    """
    tol = tolerances or Tolerances()
    sim, th = res.simulation, res.theory
    files = res.files
    label = name or str(model.network_params.get("label", type(model).__name__))
    n_model = np.asarray(model.network_params["N"], dtype=float)
    scale_note = (f"simulation: {int(sim.n_neurons.sum()):,} neurons "
                  f"({sim.n_neurons.sum() / n_model.sum():.3g} of the model)")
    files["rates_comparison"] = os.path.join(out, "rates_comparison.png")
    analysis.plot_rates_comparison(sim.populations, sim.rates, th["firing_rates"],
                                   files["rates_comparison"],
                                   title=f"{label}: theory (full scale) vs {scale_note}")
    th_freqs = th_psd = None
    if "power_spectra" in th and "frequencies" in th:
        th_freqs = np.asarray(th["frequencies"], dtype=float)
        th_psd = np.asarray(th["power_spectra"], dtype=float) * n_model / sim.n_neurons
    files["spectra_comparison"] = os.path.join(out, "spectra_comparison.png")
    conf = (analysis.spectrum_confidence(sim.spectra_segments)
            if sim.spectra_segments is not None else None)
    mark = (th.get("stability") or {}).get("mark", "")
    channel = th.get("spectra_source", "").split("connectivity with ")[-1]
    analysis.plot_spectra(sim.freqs, sim.spectra, sim.populations,
                          files["spectra_comparison"], th_freqs, th_psd, confidence=conf,
                          title=f"{label}: population-rate spectra, {scale_note}"
                          + (f"; theory: {channel}" if channel else ""),
                          mark=mark, theory_label="theory × N_model / N_sim")
    summary = {"simulation": sim.summary(), "table": res.table, "checks": res.checks,
               "tolerances": asdict(tol),
               "theory_source": th.get("source"), "cv_source": th.get("cv_source"),
               "theory_spectra_source": th.get("spectra_source"),
               "theory_unstable_modes": th.get("unstable_modes"),
               "stability": th.get("stability")}
    files["comparison_json"] = os.path.join(out, "comparison.json")
    _write_json(files["comparison_json"], summary)
    files["report"] = os.path.join(out, "comparison.md")
    text = report_markdown(res, model, res.checks, tol, name=label)
    with atomic_path(files["report"]) as tmp, open(tmp, "w") as f:
        f.write(text)
