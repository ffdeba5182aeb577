"""The density model against a NEST simulation of the same network: rates, spectra, pulses.

:func:`compare_dynamics` (behind ``neuromf compare MODEL --dynamics``) simulates a model's
spiking network with NEST (:mod:`neuromf.simulation`) and integrates the population
densities of the *same realisation* (:func:`.nest_side.realisation_model`: scaled neuron
numbers and in-degrees, compensated weights and DC, the simulated stimuli) for the same
time, stimulus and seed, with finite-size noise for the simulated N.  It reports per
population the mean rate, the spectral peak and the oscillation amplitude of both and their
relative deviations, and, with repeated thalamic pulses, the trial-averaged pulse response
(peak rate and latency); it writes h5/csv data and figures.

References: Brunel & Hakim 1999 and Brunel 2000 (population densities, finite-size noise);
Potjans & Diesmann 2014 (microcircuit and its thalamic pulse); van Albada et al. 2015.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..utils import check_positive
from . import nest_side as ns
from ._compare_output import write_csv, write_outputs
from .simulate import simulate

__all__ = ["DynamicsComparison", "compare_dynamics", "pulse_onsets", "table_lines",
           "write_csv", "STIMULI", "FINITE_SIZE"]

#: Stimuli of :func:`compare_dynamics` (the microcircuit's, parameters of neuromf.simulation).
STIMULI = ("none", "thalamic", "dc", "thalamic+dc")
#: Finite-size noise of the density model ('none': deterministic).
FINITE_SIZE = ("conserving", "input", "none")


def pulse_onsets(t_first: float, t_stop: float, interval: float,
                 post: float = 0.04) -> np.ndarray:
    """Pulse onsets ``t_first, t_first + interval, ...`` whose response fits into the run.

    Parameters
    ----------
    t_first : float
        First onset (s).
    t_stop : float
        End of the run (s).
    interval : float
        Time between onsets (s), > 0.
    post : float
        Response window after each onset (s) that must end before ``t_stop``.

    Returns
    -------
    ndarray
        Onsets (s).

    Raises
    ------
    ValueError
        If the interval is not positive or no pulse fits.
    """
    check_positive("pulse interval", interval, "s")
    n = int(np.floor((t_stop - post - t_first) / interval + 1e-9)) + 1
    if n < 1:
        raise ValueError(f"no pulse fits: first onset {t_first} s, end {t_stop} s, "
                         f"response window {post} s")
    return t_first + interval * np.arange(n)


@dataclass
class DynamicsComparison:
    """Result of :func:`compare_dynamics` (SI units: s, Hz).

    Parameters
    ----------
    populations : list of str
        Population names.
    table : list of dict
        Per population: ``rate_nest``, ``rate_fp`` (Hz), ``rate_rel``; ``peak_nest``,
        ``peak_fp`` (Hz, spectral peak), ``peak_rel``; ``amp_nest``, ``amp_fp`` (Hz, std of
        the rate in bins minus the Poisson part), ``amp_rel``; with pulses also
        ``pulse_peak_*`` (Hz), ``pulse_latency_*`` (s) and their deviations.
    times, rates_nest, rates_fp : ndarray
        Bin centres (s) and binned population rates (n_bins, P) (Hz).
    freqs, psd_nest, psd_fp : ndarray
        Welch spectra of the binned rates in the analysis window (Hz²/Hz).
    window : tuple of float
        Analysis window ``(t_min, t_max)`` (s) of rates and spectra.
    pulses : dict or None
        ``nest`` and ``fp``: the outputs of :func:`.nest_side.pulse_response`.
    timings : dict
        CPU and wall seconds of the NEST run and the density model.
    parameters : dict
        The arguments of the comparison (scale, seeds, dt, grid, stimulus), SI.
    files : dict
        Written files by kind.
    """

    populations: list
    table: list
    times: np.ndarray
    rates_nest: np.ndarray
    rates_fp: np.ndarray
    freqs: np.ndarray
    psd_nest: np.ndarray
    psd_fp: np.ndarray
    window: tuple
    pulses: dict | None = None
    timings: dict = field(default_factory=dict)
    parameters: dict = field(default_factory=dict)
    files: dict = field(default_factory=dict)


def _rel(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a, b = np.asarray(a, float), np.asarray(b, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b != 0, a / b - 1.0, np.nan)


def _stats(rates: np.ndarray, freqs: np.ndarray, psd: np.ndarray, n: np.ndarray,
           width: float, noisy: bool, f_min: float) -> dict:
    mean = rates.mean(axis=0)
    var = rates.var(axis=0)
    if noisy:                           # Poisson part of N neurons in a bin
        var = np.maximum(var - mean / (n * width), 0.0)
    band = freqs >= f_min
    return {"rate": mean, "amp": np.sqrt(var),
            "peak": freqs[band][np.argmax(psd[band], axis=0)]}


def compare_dynamics(model: Any, scale: float | None = None, t_sim: float = 1.0, *,
                     k_scale: float | None = None, t_presim: float | None = None,
                     seed: int = 55, threads: int = 1, stimulus: str | None = None,
                     pulse_interval: float | None = None, finite_size: str = "conserving",
                     dt: float = 1e-4, n_grid: int = 200, bin_width: float = 1e-3,
                     pulse_bin: float = 5e-4, background: str | None = None,
                     rate_window: tuple | None = None, f_min: float = 5.0,
                     out: str | Path | None = None, progress: bool = True,
                     figures: bool = True, name: str | None = None,
                     sim_params: dict | None = None,
                     nest_run: ns.NestRun | None = None) -> DynamicsComparison:
    """Simulate a model with NEST and with the density model of the same realisation.

    Parameters
    ----------
    model : Network
        A neuromf model (theory's parameters, SI).
    scale, k_scale : float, optional
        Factors on neuron numbers and in-degrees, as :func:`neuromf.simulation.simulate`
        (default 0.1 for the microcircuit, else 1; ``k_scale`` defaults to ``scale``).
    t_sim : float
        Analysed time (s) after ``t_presim``; both models
        run ``t_presim + t_sim`` from t = 0 (NEST from its initial potentials, the density
        model from the stationary state of the realisation's working point).
    t_presim : float, optional
        Presimulation time (s) left out of the analysis (default: the simulation's,
        0.5 s).
    seed : int
        NEST ``rng_seed`` and seed of the finite-size noise.
    threads : int
        NEST threads.
    stimulus : {None, 'none', 'thalamic', 'dc', 'thalamic+dc'}
        The microcircuit's stimuli with the simulation's parameters (``th_*``, ``dc_*``).
    pulse_interval : float, optional
        Repeat the thalamic pulse every ``pulse_interval`` s from ``th_start`` on (NEST:
        one Poisson generator per pulse on the same parrot neurons) and report the
        trial-averaged pulse response; needs a thalamic stimulus.
    finite_size : {'conserving', 'input', 'none'}
        Finite-size noise of the density model (:func:`neuromf.dynamics.simulate`).
    dt : float
        Time step of the density model (s).
    n_grid : int
        Grid intervals per population of the density model.
    bin_width : float
        Bins (s) of the population rates for the PSTH figure, spectra and amplitudes.
    pulse_bin : float
        Bins (s) of the pulse responses.
    background : {None, 'poisson', 'dc'}
        External drive of the simulation (default Poisson).
    rate_window : (float, float), optional
        Window (s, absolute) of the mean rates, spectra and amplitudes; default the
        analysed time ``(t_presim, t_presim + t_sim]``, or with repeated pulses the part
        before the first pulse.
    f_min : float
        Lowest frequency (Hz) of the spectral-peak search.
    out : path, optional
        Folder for ``dynamics_comparison.h5``, ``dynamics_comparison.csv`` and the figures
        ``psth_comparison.png``, ``spectra_dynamics_comparison.png`` (and
        ``pulse_response.png``).
    progress : bool
        Progress bars (tqdm, stderr).
    figures : bool
        Write the figures when ``out`` is given.
    name : str, optional
        Model name for titles.
    sim_params : dict, optional
        Further simulation parameters (:mod:`neuromf.simulation.defaults`, SI), e.g.
        ``th_start``.
    nest_run : NestRun, optional
        A finished NEST run of the same spec (e.g. cached) instead of simulating.

    Returns
    -------
    DynamicsComparison
        Binned rates, spectra, the comparison table and (with pulses) the trial-averaged
        pulse responses of both models.

    Raises
    ------
    ValueError
        For an unknown ``stimulus`` or ``finite_size``, pulses without a thalamic
        stimulus, non-positive times, or a window outside the run.
    ImportError
        Without NEST (extra ``sim``).
    """
    stim_name = "none" if stimulus is None else str(stimulus).lower()
    if stim_name not in STIMULI:
        raise ValueError(f"unknown stimulus {stimulus!r}; choose one of {', '.join(STIMULI)}")
    if finite_size not in FINITE_SIZE:
        raise ValueError(f"unknown finite_size {finite_size!r}; choose one of "
                         f"{', '.join(FINITE_SIZE)}")
    check_positive("t_sim", t_sim, "s")
    check_positive("bin_width", bin_width, "s")
    if pulse_interval is not None and "thalamic" not in stim_name:
        raise ValueError("pulse_interval repeats the thalamic pulse: use stimulus="
                         "'thalamic' or 'thalamic+dc'")
    params = {"t_sim": t_sim, "t_presim": t_presim, "seed": seed, "threads": threads,
              "thalamic_input": "thalamic" in stim_name, "dc_input": "dc" in stim_name,
              "background": background, "progress": progress, **(sim_params or {})}
    spec = ns.derive_realisation(model, scale, k_scale, params)
    t_start, t_stop = spec.t_presim * 1e-3, (spec.t_presim + spec.t_sim) * 1e-3
    onsets = None
    if pulse_interval is not None:
        th_start = spec.thalamic["start"] * 1e-3
        if th_start < t_start:
            raise ValueError(f"the repeated thalamic pulses start at th_start = {th_start} s, "
                             f"inside the presimulation (t_presim = {t_start} s); give a "
                             "later th_start in sim_params or a shorter t_presim")
        onsets = pulse_onsets(th_start, t_stop, pulse_interval)
    if nest_run is None:
        nest_run = ns.run_nest(spec, onsets, progress=progress)
    real = ns.realisation_model(spec, model)
    stim = ns.realisation_stimulus(spec, onsets)
    cpu0, wall0 = time.process_time(), time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        fp = simulate(real, t_stop, dt=dt, stimulus=stim,
                      finite_size=False if finite_size == "none" else finite_size,
                      seed=seed, progress=progress, n_grid=n_grid)
    timings = {"fp_cpu": time.process_time() - cpu0, "fp_wall": time.perf_counter() - wall0,
               "nest_cpu": nest_run.timings.get("cpu"), "nest_wall": nest_run.timings.get("wall")}

    if rate_window is None:
        rate_window = (t_start, t_stop if onsets is None else float(onsets[0]) - 0.002)
    w0, w1 = rate_window
    if not t_start - 1e-12 <= w0 < w1 <= t_stop + 1e-12:
        raise ValueError(f"rate_window {rate_window} s must lie inside the analysed time "
                         f"[{t_start}, {t_stop}] s")
    times, r_nest = ns.psth(nest_run.spikes, nest_run.n_neurons, t_start, t_stop, bin_width)
    _, r_fp = ns.bin_rates(fp.times, fp.rates, t_start, t_stop, bin_width)
    sel = (times > w0) & (times < w1)
    if sel.sum() < 16:
        raise ValueError(f"the rate window {rate_window} s holds fewer than 16 bins of "
                         f"{bin_width} s")
    freqs, psd_nest = ns.rate_spectra(r_nest[sel], bin_width)
    _, psd_fp = ns.rate_spectra(r_fp[sel], bin_width)
    n = nest_run.n_neurons.astype(float)
    s_nest = _stats(r_nest[sel], freqs, psd_nest, n, bin_width, True, f_min)
    s_fp = _stats(r_fp[sel], freqs, psd_fp, n, bin_width, finite_size != "none", f_min)
    pops = list(spec.populations)
    table = []
    for i, p in enumerate(pops):
        row = {"population": p}
        for key in ("rate", "peak", "amp"):
            row[f"{key}_nest"] = float(s_nest[key][i])
            row[f"{key}_fp"] = float(s_fp[key][i])
            row[f"{key}_rel"] = float(_rel(s_fp[key][i], s_nest[key][i]))
        table.append(row)
    pulses = None
    if onsets is not None:
        tp, pn = ns.psth(nest_run.spikes, nest_run.n_neurons, 0.0, t_stop, pulse_bin)
        _, pf = ns.bin_rates(fp.times, fp.rates, 0.0, t_stop, pulse_bin)
        pulses = {"nest": ns.pulse_response(tp, pn, onsets),
                  "fp": ns.pulse_response(tp, pf, onsets), "onsets": onsets}
        for i, row in enumerate(table):
            for key in ("peak", "latency"):
                a, b = pulses["fp"][key][i], pulses["nest"][key][i]
                row[f"pulse_{key}_nest"] = float(b)
                row[f"pulse_{key}_fp"] = float(a)
                row[f"pulse_{key}_" + ("rel" if key == "peak" else "diff")] = float(
                    _rel(a, b) if key == "peak" else a - b)
    res = DynamicsComparison(
        populations=pops, table=table, times=times, rates_nest=r_nest, rates_fp=r_fp,
        freqs=freqs, psd_nest=psd_nest, psd_fp=psd_fp, window=(w0, w1), pulses=pulses,
        timings=timings, parameters={
            "scale": spec.scale, "k_scale": spec.k_scale, "t_presim": t_start,
            "t_sim": t_sim, "seed": seed, "threads": threads, "stimulus": stim_name,
            "pulse_interval": pulse_interval, "finite_size": finite_size, "dt": dt,
            "n_grid": n_grid, "bin_width": bin_width, "pulse_bin": pulse_bin,
            "pulse_duration": (None if spec.thalamic is None else
                               (spec.thalamic["stop"] - spec.thalamic["start"]) * 1e-3),
            "name": name or str(model.network_params.get("label", "model"))})
    if out is not None:
        write_outputs(res, Path(out), figures)
    return res


def table_lines(res: DynamicsComparison) -> list[str]:
    """The comparison table as printable lines.

    Parameters
    ----------
    res : DynamicsComparison
        The comparison.

    Returns
    -------
    list of str
        Header and one line per population: mean rates (Hz) and their deviation, spectral
        peaks (Hz), amplitudes (Hz); with pulses the peak rates (Hz), deviation and
        latencies (ms).
    """
    head = (f"{'population':>10s} {'rate NEST':>9s} {'rate FP':>8s} {'dev':>7s} "
            f"{'peak NEST':>9s} {'peak FP':>8s} {'amp NEST':>8s} {'amp FP':>7s}")
    pulse = res.pulses is not None
    if pulse:
        head += f" {'pulse NEST':>10s} {'pulse FP':>9s} {'dev':>7s} {'lat NEST':>8s} {'lat FP':>7s}"
    lines = [head]
    for r in res.table:
        line = (f"{r['population']:>10s} {r['rate_nest']:9.3f} {r['rate_fp']:8.3f} "
                f"{100 * r['rate_rel']:+6.1f}% {r['peak_nest']:9.1f} {r['peak_fp']:8.1f} "
                f"{r['amp_nest']:8.2f} {r['amp_fp']:7.2f}")
        if pulse:
            line += (f" {r['pulse_peak_nest']:10.1f} {r['pulse_peak_fp']:9.1f} "
                     f"{100 * r['pulse_peak_rel']:+6.1f}% {1e3 * r['pulse_latency_nest']:6.2f}ms"
                     f" {1e3 * r['pulse_latency_fp']:5.2f}ms")
        lines.append(line)
    return lines
