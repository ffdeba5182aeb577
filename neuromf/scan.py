"""Parameter scans: any analysis over a grid of model parameters, locally or on Dask.

>>> from neuromf.scan import scan
>>> result = scan('potjans2014', {'g': np.arange(3, 8, 0.5), 'nu_ext': np.arange(5, 20, 1.0)},
...               quantity='rates', workers=2, out='scan.h5')
>>> result.data.shape          # (10, 15, 8): grid axes, then populations

* Axis values are quantities or plain numbers in the unit the model was given that
  parameter in (``nu_ext`` in Hz for the built-in microcircuit, ``tau_m`` in ms, ...).
* Every built-in quantity is evaluated for a whole batch of grid points at once
  (:data:`BATCHED`, :class:`neuromf.batch.Batch`): working points in one Newton
  iteration over all of them (:func:`batched_working_points`), transfer functions of
  the mean and variance channel, delay matrices, effective connectivity, power
  spectra, peaks, Nyquist counts and the most unstable eigenvalue of the spatial rate
  model as arrays with a leading grid axis.  Registered quantities without a batched
  form run point by point.
* Batches run in this process (``workers=1``), in N local processes (``workers=N``),
  or on a Dask cluster (``scheduler='tcp://host:8786'`` or a ``distributed.Client``;
  extra ``dask``; :func:`local_dask_cluster` sets one up on this machine).
* With ``out=`` the labeled result (axis names, values, units) is written to HDF5
  batch by batch as the batches finish (:mod:`neuromf.scan_store`); running the same
  scan again with the same file resumes: finished grid points are not recomputed.
  ``in_memory=False`` keeps memory bounded for any grid size.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from . import scan_store
from .batch.grid import batched_working_points
from .scan_result import ScanResult
from .utils import check_choice, fingerprint, from_si, is_quantity, to_si, ureg

__all__ = ["scan", "ScanResult", "QUANTITIES", "BATCHED", "register_quantity",
           "batched_working_points", "local_dask_cluster"]


# ---------------------------------------------------------------------------
# quantities: point by point (reference, registered quantities) and batched
# ---------------------------------------------------------------------------

def _synapse_type(net) -> str:
    from .models import synapse_type

    return synapse_type(net.network_params)


def _prefix(net) -> str:
    return "lif.delta." if _synapse_type(net) == "delta" else "lif.exp."


def _working_point(net, method: str) -> dict:
    from . import lif

    if _synapse_type(net) == "delta":
        return lif.delta.working_point(net)
    return lif.exp.working_point(net, method=method)


def _rates(net, method):
    return _working_point(net, method)["firing_rates"]


def _mean(net, method):
    return _working_point(net, method)["mean_input"]


def _std(net, method):
    return _working_point(net, method)["std_input"]


def _cvs(net, method):
    """ISI coefficient of variation per population (Brunel 2000, App. A.1)."""
    from . import lif

    _working_point(net, method)
    return (lif.delta.cvs(net) if _synapse_type(net) == "delta" else lif.exp.cvs(net))


def _transfer_function(net, method):
    """Transfer functions (Hz/V) at the analysis frequencies, shape (n_freq, n)."""
    from . import lif

    _working_point(net, method)
    if _synapse_type(net) == "delta":
        return lif.delta.transfer_function(net)
    return lif.exp.transfer_function(net, method=method)


def _spectra(net, method):
    """Power spectra (Hz) at the analysis frequencies (Bos 2016, Eq. 18), (n_freq, n)."""
    from . import linear_response, network_properties

    _transfer_function(net, method)
    network_properties.delay_dist_matrix(net)
    linear_response.effective_connectivity(net, prefix=_prefix(net))
    return linear_response.power_spectra(net, prefix=_prefix(net))


def _peak_frequency(net, method):
    """Frequency (Hz) of the largest power-spectrum value, per population."""
    spectra = _spectra(net, method)
    freqs = net.analysis_params["omegas"] / (2 * np.pi)
    return freqs[np.argmax(spectra, axis=0)]


def _peak_power(net, method):
    """Largest power-spectrum value (1/s) per population."""
    return np.max(_spectra(net, method), axis=0)


def _most_unstable_eigenvalue(net, method):
    """Eigenvalue of the spatial rate model with the largest real part (1/s), Senk 2020."""
    from .stability_report import stability_analysis

    return np.asarray(stability_analysis(net, method=method)["eigenvalue"])


def _nyquist(net, method, variance_channel):
    from . import linear_response

    _working_point(net, method)
    if _synapse_type(net) == "delta":
        return linear_response.unstable_modes(net, prefix="lif.delta.",
                                              variance_channel=variance_channel)
    return linear_response.unstable_modes(net, method=method,
                                          variance_channel=variance_channel)


def _default_variance_channel(net, method) -> bool:
    """The convention of every stability verdict (:mod:`neuromf.stability_verdict`): mean
    and variance channel, except for exp synapses with 'taylor' (mean channel only)."""
    return _synapse_type(net) == "delta" or method == "shift"


def _unstable_mode_count(net, method, convention):
    from .stability_verdict import stability_verdict

    _working_point(net, method)
    return np.asarray(stability_verdict(net, method=method, convention=convention,
                                        other=False).count)


def _unstable_modes(net, method):
    """Number of linearly unstable modes (Nyquist criterion) in the default convention
    of every stability verdict: mean and variance channel (Brunel & Hakim 1999;
    :func:`neuromf.stability_verdict.stability_verdict`; mean channel only for exp
    synapses with 'taylor')."""
    return _unstable_mode_count(net, method, "variance")


def _unstable_modes_mean_channel(net, method):
    """As ``unstable_modes``, with the mean channel only (NNMT; Bos et al. 2016)."""
    return _unstable_mode_count(net, method, "mean")


def _instability_of(result) -> np.ndarray:
    freqs = result["crossing_frequencies"] or [np.nan]
    return np.array([result["count"], min(freqs)], dtype=float)


def _instability(net, method):
    """[number of unstable modes, lowest frequency (Hz) at which an eigenvalue of M
    crosses the real axis right of 1, NaN if none] (the kind of oscillation, Brunel 2000),
    in the default convention of ``unstable_modes``."""
    return _instability_of(_nyquist(net, method, _default_variance_channel(net, method)))


def _instability_mean_channel(net, method):
    """As ``instability``, with the mean channel only (NNMT; Bos et al. 2016)."""
    return _instability_of(_nyquist(net, method, False))


def _tau_rate(net, method):
    """Time constant (s) of the low-pass fit of the transfer function, Senk 2020."""
    from .lif import exp

    _working_point(net, method)
    exp.transfer_function(net, method=method)
    return np.asarray(exp.fit_transfer_function(net)[1])


def _batch_default_variance(batch) -> bool:
    """:func:`_default_variance_channel` for a batch (one synapse type and method)."""
    return _default_variance_channel(batch.networks[0], batch.method)


def _batched_count(batch, variance_channel):
    return batch.unstable_modes(variance_channel, crossings=False)["count"]


def _batched_instability(batch, variance_channel):
    result = batch.unstable_modes(variance_channel)
    return np.stack([result["count"].astype(float), result["lowest_crossing_frequency"]],
                    axis=1)


#: name -> (function(net, method) -> array of fixed shape per grid point, SI unit)
QUANTITIES: dict[str, tuple[Callable, str]] = {
    "rates": (_rates, "hertz"),
    "mean_input": (_mean, "volt"),
    "std_input": (_std, "volt"),
    "cvs": (_cvs, "dimensionless"),
    "transfer_function": (_transfer_function, "hertz / volt"),
    "power_spectra": (_spectra, "hertz"),
    "peak_frequency": (_peak_frequency, "hertz"),
    "peak_power": (_peak_power, "hertz"),
    "most_unstable_eigenvalue": (_most_unstable_eigenvalue, "1 / second"),
    "unstable_modes": (_unstable_modes, "dimensionless"),
    "unstable_modes_mean_channel": (_unstable_modes_mean_channel, "dimensionless"),
    # former name of 'unstable_modes' (the variance channel is now the default)
    "unstable_modes_with_variance": (_unstable_modes, "dimensionless"),
    "instability": (_instability, "dimensionless"),
    "instability_mean_channel": (_instability_mean_channel, "dimensionless"),
    "instability_with_variance": (_instability, "dimensionless"),
    "tau_rate": (_tau_rate, "second"),
}

#: name -> function(batch: neuromf.batch.Batch) -> array (G, ...): the same quantities
#: for a whole batch of grid points at once (:mod:`neuromf.batch`)
BATCHED: dict[str, Callable] = {
    "rates": lambda b: b.working_point()["firing_rates"],
    "mean_input": lambda b: b.working_point()["mean_input"],
    "std_input": lambda b: b.working_point()["std_input"],
    "cvs": lambda b: b.cvs(),
    "transfer_function": lambda b: b.transfer_functions()[0],
    "power_spectra": lambda b: b.power_spectra(),
    "peak_frequency": lambda b: b.peaks()[0],
    "peak_power": lambda b: b.peaks()[1],
    "unstable_modes": lambda b: _batched_count(b, _batch_default_variance(b)),
    "unstable_modes_mean_channel": lambda b: _batched_count(b, False),
    "unstable_modes_with_variance": lambda b: _batched_count(b, _batch_default_variance(b)),
    "instability": lambda b: _batched_instability(b, _batch_default_variance(b)),
    "instability_mean_channel": lambda b: _batched_instability(b, False),
    "instability_with_variance": lambda b: _batched_instability(b, _batch_default_variance(b)),
    "tau_rate": lambda b: b.tau_rate(),
    "most_unstable_eigenvalue": lambda b: b.most_unstable_eigenvalue(),
}


#: what a quantity's values mean, beyond its name (shown in tables and figures)
QUANTITY_NOTES: dict[str, str] = {
    "unstable_modes": "Nyquist count, mean and variance channel, Brunel & Hakim 1999",
    "unstable_modes_with_variance": "Nyquist count, mean and variance channel, Brunel & "
                                    "Hakim 1999",
    "unstable_modes_mean_channel": "Nyquist count, mean channel only, NNMT / Bos et al. "
                                   "2016",
    "instability": "[Nyquist count, lowest crossing frequency in Hz], mean and variance "
                   "channel",
    "instability_with_variance": "[Nyquist count, lowest crossing frequency in Hz], mean "
                                 "and variance channel",
    "instability_mean_channel": "[Nyquist count, lowest crossing frequency in Hz], mean "
                                "channel only",
}


def register_quantity(name: str, func: Callable, unit: str,
                      batched: Callable | None = None) -> None:
    """Make ``func(network, method) -> array`` available as ``quantity=name``.

    ``batched(batch) -> array (G, ...)``, optional, evaluates it for a
    :class:`neuromf.batch.Batch` of grid points at once.  In a scan,
    ``batch.networks`` are :class:`neuromf.batch.points.GridPoint` parameter sets
    (``network_params``, ``analysis_params``); ``GridPoint.network()`` (or
    :func:`neuromf.batch.points.as_network`) builds the full network of a point.

    Parameters
    ----------
    name : str
        Name of the quantity (``scan(..., quantity=name)``).
    func : callable
        ``func(network, method) -> array`` of the same shape at every grid point.
    unit : str
        SI unit of the values (pint syntax, e.g. 'hertz').
    batched : callable, optional
        ``batched(batch) -> array (G, ...)``.
    """
    QUANTITIES[name] = (func, unit)
    BATCHED.pop(name, None)
    if batched is not None:
        BATCHED[name] = batched


# ---------------------------------------------------------------------------
# evaluation
# ---------------------------------------------------------------------------

def _evaluate_points(network, names: Sequence[str], points: Sequence[tuple],
                     units: Sequence[str], quantity: str, method: str) -> list[np.ndarray]:
    """Evaluate ``quantity`` at several grid points (runs in worker processes too).

    Quantities with a batched form (:data:`BATCHED`) are evaluated for all points
    together (:class:`neuromf.batch.Batch`), others point by point.
    """
    from .batch import Batch
    from .batch.points import grid_points

    if quantity in BATCHED and len(points) > 1:
        # parameter sets, not full networks: the derivation and checks of what changed
        networks = grid_points(network, names, points)
        if len({np.shape(net.network_params["K"]) for net in networks}) == 1:
            return list(np.asarray(BATCHED[quantity](Batch(networks, method))))
    networks = [network.change_parameters(dict(zip(names, point))) for point in points]
    func = QUANTITIES[quantity][0]
    return [np.asarray(func(net, method)) for net in networks]


def _resolve_axes(network, params: Mapping[str, Any]) -> tuple[list, list, list]:
    names, values, units = [], [], []
    for name, spec in params.items():
        if name not in network._given_network_si:
            raise ValueError(f"cannot scan {name!r}: it is not a parameter the model was "
                             f"given (derived parameters cannot be scanned); given: "
                             f"{', '.join(sorted(network._given_network_si))}")
        if is_quantity(spec):
            si, unit = to_si(spec)
            if unit:
                from .models import _schema
                _schema.check_unit(f"scan of {type(network).__name__}", "network_params",
                                   name, unit)
            unit = str(ureg.Quantity(1.0, unit).to_base_units().units) if unit else ""
            si = np.atleast_1d(np.asarray(si, dtype=float))
        else:
            raw = np.atleast_1d(np.asarray(spec, dtype=float))
            given_unit = network.input_units.get(name)
            if given_unit:
                q = from_si(1.0, given_unit)       # unit object in the model's unit
                si = np.asarray(ureg.Quantity(raw, given_unit).to_base_units().magnitude)
                unit = str(q.to_base_units().units)
            else:
                si, unit = raw, ""
        if si.ndim != 1 or si.size == 0:
            raise ValueError(f"scan axis {name!r} needs a non-empty 1d list of values")
        names.append(name)
        values.append(si)
        units.append(unit)
    if not names:
        raise ValueError("scan needs at least one parameter axis")
    return names, values, units


def scan(model: Any, params: Mapping[str, Any], quantity: str = "rates",
         method: str = "shift", out: str | Path | None = None, workers: int = 1,
         scheduler: Any = None, progress: bool = True, batch_size: int | None = None,
         in_memory: bool = True) -> ScanResult:
    """Evaluate ``quantity`` on the cartesian grid of ``params``.

    Parameters
    ----------
    model : str, path or Network
        Built-in model name, YAML file or network.
    params : dict
        ``{parameter: values}``; values as a quantity array or numbers in the unit the
        model was given the parameter in.
    quantity : str
        One of :data:`QUANTITIES` ('rates', 'mean_input', 'std_input', 'cvs',
        'transfer_function', 'power_spectra', 'peak_frequency', 'unstable_modes', ...,
        and those registered with :func:`register_quantity`).
    method : {'shift', 'taylor'}
        Colored-noise approximation for exp-synapse models.
    out : path, optional
        HDF5 file for the labeled result; also the checkpoint for resuming.  Written
        batch by batch (:mod:`neuromf.scan_store`).
    workers : int
        Local processes (1: in this process).
    scheduler : str or distributed.Client, optional
        Dask scheduler address or client; overrides ``workers``.
    progress : bool
        Show a progress bar on stderr for scans longer than a second.
    batch_size : int, optional
        Grid points per task (default: about 4 tasks per worker, at most 500 points,
        fewer for large frequency-resolved quantities).
    in_memory : bool
        Keep the whole result in memory (default).  With ``False`` (needs ``out``) only
        one batch per task is held at a time and ``data`` of the returned result is a
        read-only memory map of the file: memory stays bounded for any grid size.

    Returns
    -------
    ScanResult
        The labeled result: axis names, SI values and units, ``data`` (grid shape +
        shape of the quantity at one point, in the SI unit of the quantity) and
        ``done``.

    Raises
    ------
    ValueError
        For an unknown ``model``, ``quantity`` or ``method``, ``workers`` not a
        positive integer, ``in_memory=False`` without ``out``, no axes, an empty or not
        1d axis, an axis quantity whose unit has not the dimension of its parameter, or
        a parameter that the model was not given (derived parameters cannot be
        scanned).
    ImportError
        With ``scheduler`` but without the extra 'dask'.
    """
    from .models import Network, load_model

    check_choice("quantity", quantity, list(QUANTITIES))
    check_choice("method", method, ["shift", "taylor"])
    if not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers must be a positive integer, got {workers!r}")
    if not in_memory and out is None:
        raise ValueError("in_memory=False needs out= (the HDF5 file holds the result)")
    network = model if isinstance(model, Network) else load_model(model)
    names, values, units = _resolve_axes(network, params)
    shape = tuple(len(v) for v in values)
    size = int(np.prod(shape))
    key = fingerprint(type(network).__name__, network.network_params, names, values, quantity,
                      method)
    label = str(network.network_params.get("label", model if isinstance(model, str) else ""))
    populations = [str(p) for p in network.network_params.get("populations", [])]
    unit = QUANTITIES[quantity][1]

    done = np.zeros(shape, dtype=bool)
    file_ready = False
    if out is not None and Path(out).is_file():
        previous = scan_store.read_progress(out)
        if previous is not None and previous[0] == key and previous[1].shape == shape:
            done, file_ready = previous[1], True
    data = ScanResult.load(out).data if (file_ready and in_memory) else None
    todo = np.flatnonzero(~done.ravel())

    def store(flat, outputs):
        nonlocal data, file_ready
        outputs = np.asarray(outputs)
        dtype = np.result_type(outputs, float)
        if out is not None and not file_ready:
            scan_store.create(out, _meta(quantity, unit, method, label, key, populations),
                              _axes(names, values, units), shape, outputs.shape[1:], dtype,
                              unit)
            file_ready = True
        if in_memory and data is None:
            data = np.full(shape + outputs.shape[1:], np.nan, dtype=dtype)
        if out is not None:
            scan_store.write_batch(out, flat, outputs, shape)
        if in_memory:
            data.reshape((size,) + data.shape[len(shape):])[flat] = outputs
        done.ravel()[flat] = True

    n_tasks_per_worker = 4
    parallel = max(workers, 1) if scheduler is None else _dask_threads(scheduler)
    if batch_size is None:
        batch_size = max(1, min(_max_batch(network, quantity),
                                len(todo) // (parallel * n_tasks_per_worker) or 1))
    batches = [todo[i:i + batch_size] for i in range(0, len(todo), batch_size)]

    def points_of(batch):
        index = np.unravel_index(batch, shape)
        return [tuple(values[d][i[k]] for d, i in enumerate(index)) for k in range(batch.size)]

    with tqdm(total=size, desc=f"scan {quantity}", delay=1.0,
              disable=None if progress else True) as bar:  # None: off unless a tty
        bar.update(size - len(todo))

        def finished(batch, outputs):
            store(batch, outputs)
            bar.update(len(batch))

        if scheduler is not None:
            _run_dask(scheduler, network, batches, points_of, (names,), units, quantity,
                      method, finished)
        elif workers == 1:
            for batch in batches:
                finished(batch, _evaluate_points(network, names, points_of(batch), units,
                                                 quantity, method))
        else:
            with ProcessPoolExecutor(max_workers=workers) as pool:
                futures = {pool.submit(_evaluate_points, network, names, points_of(b), units,
                                       quantity, method): b for b in batches}
                for future in as_completed(futures):
                    finished(futures.pop(future), future.result())
    if not file_ready and data is None:
        raise RuntimeError("scan produced no result")
    if not in_memory:
        data = scan_store.open_data(out)
    return ScanResult(axis_names=names, axis_values=values, axis_units=units, data=data,
                      done=done, quantity=quantity, unit=unit, method=method, model=label,
                      populations=populations, key=key)


def _meta(quantity, unit, method, label, key, populations) -> dict:
    return {"quantity": quantity, "unit": unit, "method": method, "model": label, "key": key,
            "populations": list(populations) or None}


def _axes(names, values, units) -> dict:
    return {name: {"val": v, "unit": u, "index": i}
            for i, (name, v, u) in enumerate(zip(names, values, units))}


#: bytes of frequency-resolved intermediates per task (bounds the batch size)
_TASK_MEMORY = 256 * 2**20


def _max_batch(network, quantity: str) -> int:
    """At most 500 points per task (a batch's fixed costs, e.g. the rounds of the
    adaptive Nyquist grid, are shared by its points), fewer where (G, F, n, n) complex
    stacks of the analysis frequencies are formed."""
    if quantity not in BATCHED or quantity in ("rates", "mean_input", "std_input", "cvs"):
        return 500
    n = len(network.network_params.get("populations", [])) or 1
    # the Nyquist counts sample ~100-300 frequencies per point adaptively
    n_freq = (300 if quantity.startswith(("unstable_modes", "instability"))
              else max(np.size(network.analysis_params.get("omegas", [])), 1))
    per_point = 4 * 16 * n_freq * n * n
    return int(max(1, min(500, _TASK_MEMORY // per_point)))


def local_dask_cluster(n_workers: int = 2, **kwargs: Any) -> Any:
    """A Dask ``LocalCluster`` set up for batched scans.

    One thread per worker process, Dask's statistical profiler off (it samples the
    stack of the computing thread every 10 ms) and ``MALLOC_TRIM_THRESHOLD_`` not set in
    the workers (Dask's default of 64 KiB turns off glibc's adaptive mmap threshold, so
    that every large numpy temporary is a fresh mmap with page faults: 10x the page
    faults and 5-10x the system time of a scan, measured in docs/performance.md).  Use
    the same two settings (``distributed.worker.profile.enabled: false``,
    ``distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_: null``) for a cluster
    started elsewhere.

    Parameters
    ----------
    n_workers : int
        Worker processes.
    **kwargs
        Further arguments of ``distributed.LocalCluster``.

    Returns
    -------
    distributed.LocalCluster
        The running cluster; pass it to ``distributed.Client`` and the client to
        ``scan(..., scheduler=client)``.

    Raises
    ------
    ImportError
        Without the extra 'dask'.
    """
    try:
        import dask
        from distributed import LocalCluster
    except ImportError as err:
        raise ImportError("a Dask cluster needs the extra 'dask': "
                          "pip install 'neuromf[dask]'") from err
    options = {"threads_per_worker": 1, "processes": True, "dashboard_address": None}
    options.update(kwargs)
    # a nanny started earlier in this process leaves Dask's value in os.environ, where the
    # new workers would inherit it: hide it while they spawn
    inherited = os.environ.pop("MALLOC_TRIM_THRESHOLD_", None)
    try:
        with dask.config.set({"distributed.worker.profile.enabled": False,
                              "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_":
                              None}):
            return LocalCluster(n_workers=n_workers, **options)
    finally:
        if inherited is not None:
            os.environ["MALLOC_TRIM_THRESHOLD_"] = inherited


def _dask_threads(scheduler) -> int:
    """Worker threads of a Dask cluster (8 if it cannot be asked): the number of tasks
    that run at once, which sets the default batch size."""
    try:
        from distributed import Client
    except ImportError:
        return 8
    if isinstance(scheduler, Client):
        try:
            return max(1, sum(scheduler.nthreads().values()))
        except Exception:       # e.g. a client that is not connected yet
            return 8
    return 8


def _run_dask(scheduler, network, batches, points_of, args, units, quantity, method,
              finished) -> None:
    try:
        from distributed import Client
        from distributed import as_completed as dask_completed
    except ImportError as err:
        raise ImportError("scans on a Dask cluster need the extra 'dask': "
                          "pip install 'neuromf[dask]'") from err
    client = scheduler if isinstance(scheduler, Client) else Client(scheduler)
    try:
        remote_network = client.scatter(network, broadcast=True)
        futures = {client.submit(_evaluate_points, remote_network, args[0], points_of(b), units,
                                 quantity, method, pure=False): i
                   for i, b in enumerate(batches)}
        for future in dask_completed(futures):
            # results are streamed to the file and released as they arrive
            finished(batches[futures.pop(future)], future.result())
            future.release()
    finally:
        if client is not scheduler:
            client.close()
