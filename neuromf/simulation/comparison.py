"""Simulate a neuromf model in NEST and compare the result with the theory.

* :func:`simulate` builds the model's network in NEST, runs it, analyses the spikes
  (rates, CVs, correlations, spectra) and, with ``out=DIR``, writes spikes, a JSON
  summary and figures.
* :func:`compare` also evaluates the theory for the same model object (the stationary
  working point, CVs and, where available, the power spectra) and writes a Markdown
  report with a table of theory vs simulation and the figures.
* The command-line subcommands ``neuromf simulate`` and ``neuromf compare`` are
  :mod:`neuromf.cli.simulate` and :mod:`neuromf.cli.compare`.

References
----------
Brunel N (2000) J Comput Neurosci 8:183-208 (CV of the ISI, Appendix A.1).
Fourcaud N, Brunel N (2002) Neural Comput 14:2057-2110 (shifted boundaries for
exponential synapses).  Bos H, Diesmann M, Helias M (2016) PLoS Comput Biol 12:e1005132
(power spectra, Eq. 18).  Potjans TC, Diesmann M (2014) Cereb Cortex 24:785-806.
"""

from __future__ import annotations

import json
import os
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from neuromf.simulation import analysis
from neuromf.simulation.backend import import_nest
from neuromf.simulation.builder import NetworkSpec, build_network, derive_spec, synapse_type_of
from neuromf.simulation.defaults import is_microcircuit
from neuromf.simulation.recording import (
    atomic_path,
    collect_spikes,
    run_simulation,
    save_spikes,
    spike_file_folder,
)
from neuromf.simulation.report import Tolerances, comparison_checks, write_comparison_files

__all__ = ["SimulationResult", "ComparisonResult", "simulate", "compare", "resolve_model",
           "default_theory"]

# Fourcaud & Brunel (2002): sqrt(2) * |zeta(1/2)|


# ---------------------------------------------------------------------------
# results
# ---------------------------------------------------------------------------

@dataclass
class SimulationResult:
    """Spikes and statistics of one simulation (SI units: s, Hz).

    Parameters
    ----------
    populations : list of str
        Population names.
    n_neurons : np.ndarray
        Simulated neuron numbers.
    t_start, t_stop : float
        Analysis window in s (presimulation excluded).
    spikes : list of (np.ndarray, np.ndarray)
        Per population: neuron index within the population and spike time (s).
    rates, cv, correlations : np.ndarray
        Per population (see :mod:`neuromf.simulation.analysis`).
    rates_per_neuron : list of np.ndarray
        Firing rate (Hz) of every neuron, per population.
    freqs : np.ndarray
        Frequencies (Hz) of ``spectra``.
    spectra : np.ndarray, shape (len(freqs), n_populations)
        Two-sided power spectral density of the population activity (Hz²/Hz), the
        Welch average over ``n_segments`` segments.
    spectra_segments : np.ndarray, shape (n_segments, len(freqs), n_populations)
        The periodograms of the segments (their spread gives confidence bands).
    n_segments : int
        Number of Welch segments of ``spectra``.
    timings : dict
        Wall-clock seconds of create, connect, presimulate, simulate, analyse.
    spec : NetworkSpec
        The simulated network realisation.
    files : dict
        Paths of written files by kind.
    """

    populations: list[str]
    n_neurons: np.ndarray
    t_start: float
    t_stop: float
    spikes: list[tuple[np.ndarray, np.ndarray]] | None
    rates: np.ndarray | None = None
    cv: np.ndarray | None = None
    correlations: np.ndarray | None = None
    rates_per_neuron: list[np.ndarray] | None = None
    freqs: np.ndarray | None = None
    spectra: np.ndarray | None = None
    spectra_segments: np.ndarray | None = None
    n_segments: int = 0
    timings: dict[str, float] = field(default_factory=dict)
    spec: NetworkSpec | None = None
    files: dict[str, str] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """JSON-serialisable summary (no spikes).

        Returns
        -------
        dict
            Populations, window (s), rates (Hz), CVs, correlations, timings (s), the
            network realisation and the files; NaN as None.
        """
        spec = self.spec

        def lst(x):
            return None if x is None else [None if not np.isfinite(v) else float(v)
                                           for v in np.asarray(x, dtype=float)]
        out: dict[str, Any] = {
            "populations": list(self.populations),
            "n_neurons": [int(n) for n in self.n_neurons],
            "window_s": [self.t_start, self.t_stop],
            "rates_hz": lst(self.rates),
            "cv_isi": lst(self.cv),
            "spike_count_correlation": lst(self.correlations),
            "timings_s": {k: round(v, 4) for k, v in self.timings.items()},
        }
        if spec is not None:
            out.update({
                "neuron_model": spec.neuron_model,
                "scale": spec.scale, "k_scale": spec.k_scale,
                "connection_rule": spec.connection_rule,
                "total_synapses": spec.total_synapses,
                "seed": spec.seed, "threads": spec.threads,
                "resolution_ms": spec.resolution,
                "t_presim_ms": spec.t_presim, "t_sim_ms": spec.t_sim,
                "background": spec.params.get("background"),
                "notes": list(spec.notes),
            })
        return out


@dataclass
class ComparisonResult:
    """Theory and simulation of one model, see :func:`compare`.

    Parameters
    ----------
    simulation : SimulationResult
        The simulation.
    theory : dict
        The theory's results (:func:`default_theory`; SI units).
    table : list of dict
        One row per population: rates (Hz), CVs and their relative errors.
    files : dict
        Paths of written files by kind.
    checks : list of dict
        Every check against the tolerances
        (:func:`neuromf.simulation.report.comparison_checks`).
    """

    simulation: SimulationResult
    theory: dict[str, Any]
    table: list[dict[str, Any]]
    files: dict[str, str] = field(default_factory=dict)
    #: Every check against the tolerances (:func:`~neuromf.simulation.report.comparison_checks`).
    checks: list[dict[str, Any]] = field(default_factory=list)

    @property
    def flagged(self) -> list[dict[str, Any]]:
        """The checks outside their tolerance."""
        return [c for c in self.checks if c["ok"] is False]

    @property
    def rate_rel_errors(self) -> np.ndarray:
        """(simulation − theory) / theory of the rates, per population."""
        return np.array([row["rate_rel_error"] for row in self.table], dtype=float)


# ---------------------------------------------------------------------------
# model lookup
# ---------------------------------------------------------------------------

_MICROCIRCUIT_NAMES = ("microcircuit", "potjans2014", "potjans_diesmann_2014", "pd14")


def resolve_model(model: Any) -> Any:
    """Return ``model`` itself, or the built-in model of that name.

    Uses ``neuromf.models.load_model`` (built-in names such as 'microcircuit',
    'brunel2000_C', or a YAML parameter file) when it exists; otherwise
    'microcircuit' (also 'potjans2014', 'pd14') → ``neuromf.models.Microcircuit()`` and
    any name in ``neuromf.models.available()`` → ``neuromf.models.Basic(name)``.

    Parameters
    ----------
    model : Network or str
        A network object (returned as is) or a built-in model name or YAML file.

    Returns
    -------
    Network
        The network.

    Raises
    ------
    TypeError
        If ``model`` is neither a network (with ``network_params``) nor a str.
    ValueError
        For an unknown name, listing the available ones.
    """
    if not isinstance(model, str):
        if not hasattr(model, "network_params"):
            raise TypeError(f"model must be a neuromf network (with network_params) or the "
                            f"name of a built-in model, got {type(model).__name__}")
        return model
    try:
        from neuromf import models  # noqa: PLC0415
    except ImportError as err:
        raise ImportError(f"looking up the model {model!r} by name needs neuromf.models "
                          f"({err})") from err
    if hasattr(models, "load_model"):
        return models.load_model(model)
    if model.lower() in _MICROCIRCUIT_NAMES:
        return models.Microcircuit()
    names = list(models.available()) if hasattr(models, "available") else []
    if model in names:
        return models.Basic(model)
    if model.lower() in [n.lower() for n in names]:
        return models.Basic(names[[n.lower() for n in names].index(model.lower())])
    raise ValueError(f"unknown model {model!r}; available models are "
                     f"{', '.join(repr(n) for n in ['microcircuit'] + names)}")


# ---------------------------------------------------------------------------
# theory
# ---------------------------------------------------------------------------

def default_theory(model: Any, method: str = "shift", spectra: bool = True
                   ) -> dict[str, Any]:
    """Theory for ``model`` from neuromf's LIF modules.

    Exponential synapses: ``neuromf.lif.exp.working_point(model, method=method)``;
    δ synapses: ``neuromf.lif.delta.working_point(model)``.  CVs from the module's
    ``cvs(model)`` if it has one, else from :func:`theory_cv`.  With ``spectra`` the
    power spectra (Bos et al. 2016, Eq. 18) via transfer functions, delay distribution
    and effective connectivity with the mean and variance channel (Brunel & Hakim 1999;
    the variance channel for exp synapses needs ``method='shift'``) and the neurons'
    spike-train spectra as noise (``renewal=True``), and the number of
    stability verdict of :func:`neuromf.stability_verdict.stability_verdict` (keys
    'unstable_modes', 'stability', 'stability_text'; a warning if unstable); a failure
    of the spectra is reported (key 'spectra_error') rather than raised.

    Parameters
    ----------
    model : Network
        The network (``network_params`` in SI units).
    method : {'shift', 'taylor'}
        Working-point method for exponential synapses (Fourcaud & Brunel 2002).
    spectra : bool
        Also compute the power spectra and the stability verdict.

    Returns
    -------
    dict
        'firing_rates' (Hz), 'mean_input', 'std_input' (V, if given), 'cv',
        'cv_source', 'frequencies' (Hz) and 'power_spectra' (Hz²/Hz) if computed,
        'source'.
    """
    stype = synapse_type_of(model.network_params)
    try:
        if stype == "exp":
            from neuromf.lif import exp as lif  # noqa: PLC0415
        else:
            from neuromf.lif import delta as lif  # noqa: PLC0415
    except ImportError as err:
        raise ImportError(f"the theory side of compare() needs neuromf.lif.{stype} "
                          f"({err})") from err
    if stype == "exp":
        wp = lif.working_point(model, method=method)
        source = f"neuromf.lif.exp.working_point(method={method!r})"
    else:
        wp = lif.working_point(model)
        source = "neuromf.lif.delta.working_point"
    out: dict[str, Any] = {"firing_rates": np.asarray(wp["firing_rates"], dtype=float),
                           "source": source}
    for key in ("mean_input", "std_input"):
        out[key] = np.asarray(wp[key], dtype=float)
    out["cv"] = np.asarray(lif.cvs(model), dtype=float)
    out["cv_source"] = f"neuromf.lif.{stype}.cvs (Brunel 2000, App. A.1)"
    if spectra:
        try:
            from neuromf import network_properties  # noqa: PLC0415

            tf_kwargs = {"method": method} if stype == "exp" else {}
            variance = stype == "delta" or method == "shift"
            lif.transfer_function(model, **tf_kwargs)
            if variance:
                lif.transfer_function_variance(model)
            network_properties.delay_dist_matrix(model)
            lif.effective_connectivity(model, variance_channel=variance)
            lif.spike_train_power_spectra(model)
            out["power_spectra"] = np.asarray(lif.power_spectra(model, renewal=True),
                                              dtype=float)
            out["frequencies"] = np.asarray(model.analysis_params["omegas"]) / (2 * np.pi)
            out["spectra_source"] = (f"neuromf.lif.{stype}.power_spectra, effective "
                                     "connectivity with " + ("mean and variance channel"
                                                             if variance else
                                                             "mean channel only")
                                     + ", renewal spike-train noise")
            out["spike_train_spectra"] = np.asarray(
                model.results[f"lif.{stype}.spike_train_power_spectra"], dtype=float)
        except Exception as err:  # noqa: BLE001 - reported in the output, not hidden
            out["spectra_error"] = f"{type(err).__name__}: {err}"
            warnings.warn(f"theory power spectra unavailable ({out['spectra_error']}); "
                          "the report shows simulated spectra only", stacklevel=2)
        from neuromf.stability_verdict import stability_verdict  # noqa: PLC0415

        verdict = stability_verdict(model, method=method)
        out["unstable_modes"] = verdict.count
        out["stability"] = {**verdict.as_dict(), "mark": verdict.mark}
        out["stability_text"] = verdict.text
        if not verdict.stable:
            warnings.warn("working point " + verdict.text, stacklevel=2)
    return out


# ---------------------------------------------------------------------------
# simulate
# ---------------------------------------------------------------------------

def _default_scale(model: Any, scale: float | None) -> float:
    if scale is None:
        return 0.1 if is_microcircuit(model) else 1.0
    return scale


def simulate(model: Any, scale: float | None = None, t_sim: float | None = None,
             threads: int | None = None, out: str | None = None, *,
             k_scale: float | None = None, t_presim: float | None = None,
             seed: int | None = None, record_to: str | None = None,
             progress: bool | None = None, plots: bool = True,
             compensation_rates: np.ndarray | None = None,
             **sim_params: Any) -> SimulationResult:
    """Simulate ``model`` with NEST and analyse the spikes.

    Parameters
    ----------
    model : Network or str
        A neuromf network object (``network_params`` in SI units, as for the theory)
        or the name of a built-in model (see :func:`resolve_model`).
    scale : float, optional
        Factor on the neuron numbers; default 0.1 for the microcircuit, else 1.
    t_sim : float, optional
        Analysed simulation time in s (default 1 s), after ``t_presim`` (default 0.5 s).
    threads : int, optional
        NEST threads (default 1).  More than the available cores is allowed, with a
        warning.
    out : str, optional
        Folder for ``spikes.npz``, ``summary.json``, ``raster.png``,
        ``rates_boxplot.png`` and ``spectra.png``.  Every file is written to a
        temporary name and renamed when complete.
    k_scale : float, optional
        Factor on the in-degrees; defaults to ``scale`` (weights and DC compensated).
    t_presim : float, optional
        Presimulation time in s, not analysed (default 0.5 s).
    seed : int, optional
        NEST ``rng_seed`` (default 55).
    record_to : {'auto', 'memory', 'ascii'}, optional
        Where spikes go during the run ('ascii' streams them to files).
    progress : bool, optional
        Progress bar on stderr (default on).
    plots : bool
        Write figures when ``out`` is given.
    compensation_rates : array, optional
        Rates (Hz) of the unscaled network for the in-degree compensation; default
        the model's ``full_mean_rates`` or else the theory's working point.
    **sim_params
        Further simulation parameters of :mod:`neuromf.simulation.defaults`
        (e.g. ``background='dc'``, ``V0_type='original'``, ``thalamic_input=True``).

    Returns
    -------
    SimulationResult
        On MPI ranks other than 0, spikes and statistics are None.
    """
    model = resolve_model(model)
    scale = _default_scale(model, scale)
    overrides = dict(sim_params, t_sim=t_sim, t_presim=t_presim, seed=seed,
                     threads=threads, record_to=record_to, progress=progress)
    k_eff = scale if k_scale is None else k_scale
    if (compensation_rates is None and k_eff != 1.0 and k_eff > 0
            and "full_mean_rates" not in model.network_params):
        # the DC compensation of in-degree scaling needs the unscaled network's rates
        try:
            compensation_rates = default_theory(model, spectra=False)["firing_rates"]
        except (ImportError, RuntimeError, ValueError) as err:
            raise ValueError(
                f"k_scale = {k_eff} != 1 needs the firing rates of the unscaled network, and "
                f"the theory could not provide them ({err}); pass compensation_rates=... "
                "(Hz) or k_scale=1") from err
    spec = derive_spec(model, scale=scale, k_scale=k_scale, params=overrides,
                       compensation_rates=compensation_rates)
    nest = import_nest()
    mpi = nest.NumProcesses() > 1
    mode = spec.params["record_to"]
    if mode not in ("auto", "memory", "ascii"):
        raise ValueError(f"invalid record_to {mode!r}; valid choices are 'auto', "
                         "'memory', 'ascii'")
    if mode == "auto":
        load = spec.total_neurons * (spec.t_presim + spec.t_sim) * 1e-3
        big = out is not None and load > spec.params["memory_limit_neuron_seconds"]
        mode = "ascii" if (mpi or big) else "memory"
    if mpi and mode == "memory":
        warnings.warn("under MPI spikes are streamed to files; record_to='memory' ignored",
                      stacklevel=2)
        mode = "ascii"
    writer = nest.Rank() == 0
    if out is not None and writer:
        os.makedirs(out, exist_ok=True)

    t_start, t_stop = spec.t_presim * 1e-3, (spec.t_presim + spec.t_sim) * 1e-3
    if mode == "ascii":
        with spike_file_folder(out, mpi) as folder:
            built = build_network(spec, "ascii", os.path.join(folder, "spikes"))
            timings = dict(built.timings)
            timings.update(run_simulation(built, spec.params["progress"],
                                          spec.params["progress_updates"]))
            spikes = collect_spikes(built)
    else:
        built = build_network(spec, "memory")
        timings = dict(built.timings)
        timings.update(run_simulation(built, spec.params["progress"],
                                      spec.params["progress_updates"]))
        spikes = collect_spikes(built)
    result = SimulationResult(populations=spec.populations, n_neurons=spec.n_neurons,
                              t_start=t_start, t_stop=t_stop, spikes=spikes,
                              timings=timings, spec=spec)
    if spikes is None or not writer:
        return result
    t0 = time.perf_counter()
    _analyse(result)
    result.timings["analyse"] = time.perf_counter() - t0
    if out is not None:
        t0 = time.perf_counter()
        _write_simulation_files(result, out, plots)
        result.timings["write"] = time.perf_counter() - t0
    return result


def _analyse(res: SimulationResult) -> None:
    p = res.spec.params
    args = (res.spikes, res.n_neurons, res.t_start, res.t_stop)
    res.rates = analysis.firing_rates(*args)
    res.rates_per_neuron = analysis.per_neuron_rates(*args)
    res.cv, _ = analysis.cv_isi(*args, min_spikes=p["cv_min_spikes"],
                                populations=res.populations)
    res.correlations = analysis.spike_count_correlations(
        *args, bin_width=p["corr_bin"], n_sample=p["corr_n_neurons"],
        populations=res.populations)
    res.freqs, res.spectra, res.spectra_segments = analysis.population_spectra(
        *args, bin_width=p["spectrum_bin"], nperseg=p["spectrum_nperseg"],
        min_segments=p.get("spectrum_min_segments", 8), return_segments=True)
    res.n_segments = int(res.spectra_segments.shape[0])


def _write_json(path: str, data: dict) -> None:
    with atomic_path(path) as tmp, open(tmp, "w") as f:
        json.dump(data, f, indent=2)
        f.write("\n")


def _write_simulation_files(res: SimulationResult, out: str, plots: bool) -> None:
    files = res.files
    files["spikes"] = os.path.join(out, "spikes.npz")
    save_spikes(files["spikes"], res.spikes, res.populations, res.n_neurons,
                res.t_start, res.t_stop)
    if plots:
        p = res.spec.params
        files["raster"] = os.path.join(out, "raster.png")
        analysis.plot_raster(res.spikes, res.populations, res.n_neurons,
                             max(res.t_start, res.t_stop - p["raster_window"]), res.t_stop,
                             files["raster"], max_neurons=p["raster_max_neurons"])
        files["rates_boxplot"] = os.path.join(out, "rates_boxplot.png")
        analysis.plot_rate_boxplot(res.rates_per_neuron, res.populations,
                                   files["rates_boxplot"])
        files["spectra"] = os.path.join(out, "spectra.png")
        analysis.plot_spectra(res.freqs, res.spectra, res.populations, files["spectra"],
                              confidence=analysis.spectrum_confidence(res.spectra_segments),
                              title=f"population-rate spectra, Welch average of "
                                    f"{res.n_segments} segments")
    files["summary"] = os.path.join(out, "summary.json")
    _write_json(files["summary"], res.summary())


# ---------------------------------------------------------------------------
# compare
# ---------------------------------------------------------------------------

def compare(model: Any, scale: float | None = None, t_sim: float | None = None,
            threads: int | None = None, out: str | None = None, *,
            theory: Callable[[Any], dict] | None = None, method: str = "shift",
            spectra: bool = True, tolerances: Tolerances | None = None,
            name: str = "", **simulate_kwargs: Any) -> ComparisonResult:
    """Run theory and simulation of ``model`` and report both side by side.

    Parameters
    ----------
    model : Network or str
        Network object or built-in model name (see :func:`resolve_model`).
    scale, t_sim, threads, out
        As for :func:`simulate`.  With ``out`` the folder also receives
        ``comparison.md`` (the report), ``comparison.json``, ``rates_comparison.png``
        and ``spectra_comparison.png``.
    theory : callable, optional
        ``theory(model) -> dict`` with at least 'firing_rates' (Hz) and optionally
        'cv', 'frequencies' and 'power_spectra'; default :func:`default_theory`.
    method : {'shift', 'taylor'}
        Working-point method of the default theory for exponential synapses.
    spectra : bool
        Compute theory power spectra (default theory only).
    tolerances : Tolerances, optional
        Of the checks (:func:`neuromf.simulation.report.comparison_checks`); the
        report's verdict flags every quantity outside them.
    name : str
        Model name of the report and figure titles (default: the network's label).
    **simulate_kwargs
        Passed to :func:`simulate` (e.g. ``k_scale``, ``seed``, ``t_presim``).

    Returns
    -------
    ComparisonResult
        Simulation, theory, the comparison table and the checks.

    Notes
    -----
    The theory describes the model as given (full size).  A simulation at ``scale``
    < 1 keeps the mean and variance of the input only approximately (in-degree scaling
    with weight and DC compensation, van Albada et al. 2015); deviations such as the
    lower L2/3E rate of the downscaled microcircuit are properties of the downscaled
    network.  Theory spectra scale as 1/N and are rescaled to the simulated N.
    """
    model = resolve_model(model)
    scale = _default_scale(model, scale)
    if theory is None:
        th = default_theory(model, method=method, spectra=spectra)
    else:
        th = dict(theory(model))
        th.setdefault("source", getattr(theory, "__name__", "user theory"))
    if "firing_rates" not in th:
        raise ValueError("the theory must return a dict with 'firing_rates' (Hz)")
    th_rates = np.asarray(th["firing_rates"], dtype=float)
    n_pop = len(model.network_params["populations"])
    if th_rates.shape != (n_pop,):
        raise ValueError(f"theory firing_rates have shape {th_rates.shape}, expected "
                         f"({n_pop},)")
    k_scale = simulate_kwargs.get("k_scale")
    k_eff = scale if k_scale is None else k_scale
    if (k_eff != 1.0 and "full_mean_rates" not in model.network_params
            and simulate_kwargs.get("compensation_rates") is None):
        simulate_kwargs["compensation_rates"] = th_rates
    sim = simulate(model, scale=scale, t_sim=t_sim, threads=threads, out=out,
                   **simulate_kwargs)
    if sim.rates is None:  # MPI rank != 0
        return ComparisonResult(simulation=sim, theory=th, table=[])
    table = _comparison_table(sim, th)
    result = ComparisonResult(simulation=sim, theory=th, table=table,
                              files=dict(sim.files))
    result.checks = comparison_checks(
        sim.populations,
        {"rates": sim.rates, "cv": sim.cv, "correlations": sim.correlations,
         "corr_bin": sim.spec.params["corr_bin"], "freqs": sim.freqs,
         "spectra": sim.spectra, "spectra_segments": sim.spectra_segments},
        th, sim.n_neurons, model.network_params["N"], tolerances)
    if out is not None:
        write_comparison_files(result, model, out, tolerances, name=name)
    return result


def _rel(a: float, b: float) -> float:
    return (a - b) / b if b != 0 else (0.0 if a == 0 else np.inf)


def _comparison_table(sim: SimulationResult, th: dict) -> list[dict[str, Any]]:
    rows = []
    th_cv = th.get("cv")
    for i, pop in enumerate(sim.populations):
        r_th, r_sim = float(th["firing_rates"][i]), float(sim.rates[i])
        row = {"population": pop, "n_sim": int(sim.n_neurons[i]), "rate_theory": r_th,
               "rate_sim": r_sim, "rate_rel_error": _rel(r_sim, r_th),
               "cv_theory": None if th_cv is None else float(th_cv[i]),
               "cv_sim": float(sim.cv[i]),
               "corr_sim": float(sim.correlations[i])}
        row["cv_rel_error"] = None if th_cv is None else _rel(row["cv_sim"],
                                                              row["cv_theory"])
        rows.append(row)
    return rows
