"""Parameter scans: any analysis over a grid of model parameters, locally or on Dask.

>>> from neuromf.scan import scan
>>> result = scan('potjans2014', {'g': np.arange(3, 8, 0.5), 'nu_ext': np.arange(5, 20, 1.0)},
...               quantity='rates', workers=2, out='scan.h5')
>>> result.data.shape          # (10, 15, 8): grid axes, then populations

* Axis values are quantities or plain numbers in the unit the model was given that
  parameter in (``nu_ext`` in Hz for the built-in microcircuit, ``tau_m`` in ms, ...).
* Working points ('rates', 'mean_input', 'std_input'; 'shift' or δ synapses) are
  vectorized: each batch of grid points is solved in one Newton iteration over all of
  them (:func:`batched_working_points`); other quantities are evaluated point by point.
* Batches run in this process (``workers=1``), in N local processes (``workers=N``),
  or on a Dask cluster (``scheduler='tcp://host:8786'`` or a ``distributed.Client``;
  extra ``dask``).
* With ``out=`` the labeled result (axis names, values, units) is written to HDF5
  after every batch of finished points; running the same scan again with the same
  file resumes: finished grid points are not recomputed.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from . import input_output as io
from .utils import check_choice, fingerprint, from_si, is_quantity, to_si, ureg

__all__ = ["scan", "ScanResult", "QUANTITIES", "register_quantity"]


# ---------------------------------------------------------------------------
# quantities
# ---------------------------------------------------------------------------

def _synapse_type(net) -> str:
    from .models import synapse_type

    return synapse_type(net.network_params)


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


def _spectra(net, method):
    from . import linear_response, network_properties
    from .lif import exp

    _working_point(net, method)
    exp.transfer_function(net, method=method)
    network_properties.delay_dist_matrix(net)
    linear_response.effective_connectivity(net)
    return linear_response.power_spectra(net)


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


def _tau_rate(net, method):
    """Time constant (s) of the low-pass fit of the transfer function, Senk 2020."""
    from .lif import exp

    _working_point(net, method)
    exp.transfer_function(net, method=method)
    return np.asarray(exp.fit_transfer_function(net)[1])


#: name -> (function(net, method) -> array of fixed shape per grid point, SI unit)
QUANTITIES: dict[str, tuple[Callable, str]] = {
    "rates": (_rates, "hertz"),
    "mean_input": (_mean, "volt"),
    "std_input": (_std, "volt"),
    "peak_frequency": (_peak_frequency, "hertz"),
    "peak_power": (_peak_power, "hertz"),
    "most_unstable_eigenvalue": (_most_unstable_eigenvalue, "1 / second"),
    "unstable_modes": (_unstable_modes, "dimensionless"),
    "unstable_modes_mean_channel": (_unstable_modes_mean_channel, "dimensionless"),
    # former name of 'unstable_modes' (the variance channel is now the default)
    "unstable_modes_with_variance": (_unstable_modes, "dimensionless"),
    "tau_rate": (_tau_rate, "second"),
}


#: what a quantity's values mean, beyond its name (shown in tables and figures)
QUANTITY_NOTES: dict[str, str] = {
    "unstable_modes": "Nyquist count, mean and variance channel, Brunel & Hakim 1999",
    "unstable_modes_with_variance": "Nyquist count, mean and variance channel, Brunel & "
                                    "Hakim 1999",
    "unstable_modes_mean_channel": "Nyquist count, mean channel only, NNMT / Bos et al. "
                                   "2016",
}


def register_quantity(name: str, func: Callable, unit: str) -> None:
    """Make ``func(network, method) -> array`` available as ``quantity=name``."""
    QUANTITIES[name] = (func, unit)


# ---------------------------------------------------------------------------
# result container
# ---------------------------------------------------------------------------

@dataclass
class ScanResult:
    """Labeled result of a scan: ``data[i_1, ..., i_k, ...]`` at ``axes`` values."""

    axis_names: list[str]
    axis_values: list[np.ndarray]          # SI
    axis_units: list[str]                  # unit of the SI values
    data: np.ndarray
    done: np.ndarray
    quantity: str
    unit: str
    method: str
    model: str
    populations: list[str] = field(default_factory=list)
    key: str = ""

    def axis_quantity(self, i: int):
        """Values of axis ``i`` as a pint quantity in SI units."""
        return ureg.Quantity(self.axis_values[i], self.axis_units[i]) \
            if self.axis_units[i] else self.axis_values[i]

    def save(self, path: str | Path) -> None:
        """Write the result to HDF5 atomically (names, values and units of every axis)."""
        io.save_h5(path, {
            "scan": {"quantity": self.quantity, "unit": self.unit, "method": self.method,
                     "model": self.model, "key": self.key,
                     "populations": list(self.populations) or None},
            "axes": {name: {"val": values, "unit": unit, "index": i}
                     for i, (name, values, unit) in
                     enumerate(zip(self.axis_names, self.axis_values, self.axis_units))},
            "data": {"val": self.data, "unit": self.unit},
            "done": self.done,
        })

    @classmethod
    def load(cls, path: str | Path) -> ScanResult:
        raw = io.load_h5(path)
        axes = sorted(raw["axes"].items(), key=lambda item: item[1]["index"])
        meta = raw["scan"]
        return cls(axis_names=[name for name, _ in axes],
                   axis_values=[np.asarray(a["val"]) for _, a in axes],
                   axis_units=[a["unit"] for _, a in axes],
                   data=np.asarray(raw["data"]["val"]), done=np.asarray(raw["done"], bool),
                   quantity=meta["quantity"], unit=meta["unit"], method=meta["method"],
                   model=meta["model"], populations=list(meta["populations"] or []),
                   key=meta["key"])


# ---------------------------------------------------------------------------
# evaluation
# ---------------------------------------------------------------------------

_WORKING_POINT_QUANTITIES = {"rates": "firing_rates", "mean_input": "mean_input",
                              "std_input": "std_input"}


def _stack(networks, key, n):
    return np.stack([np.broadcast_to(np.asarray(net.network_params[key], dtype=float), (n,))
                     for net in networks])


def batched_working_points(networks: Sequence[Any], method: str = "shift") -> dict:
    """Working points of many networks of the same size, solved together.

    One damped Newton iteration runs on all networks at once (vectorized rate functions,
    analytic Jacobians ``dPhi/dmu · dmu/dnu + dPhi/dsigma · dsigma/dnu``); networks
    where it does not converge to a linearly stable fixed point are solved one by one
    with the default solver, so the result equals :func:`neuromf.lif.exp.working_point`
    (``method='shift'``) or :func:`neuromf.lif.delta.working_point` for every network.

    Returns ``{'firing_rates', 'mean_input', 'std_input'}``, each of shape (G, n).
    """
    from . import _solvers
    from .lif import _general
    from .special import _siegert

    kind = _synapse_type(networks[0])
    n = len(networks[0].network_params["populations"])
    KJ = np.stack([np.asarray(net.network_params["K"], float)
                   * np.asarray(net.network_params["J"], float) for net in networks])
    KJ2 = np.stack([np.asarray(net.network_params["K"], float)
                    * np.asarray(net.network_params["J"], float) ** 2 for net in networks])
    tau_m = _stack(networks, "tau_m", n)
    tau_r = _stack(networks, "tau_r", n)
    V_0 = _stack(networks, "V_0_rel", n)
    V_th = _stack(networks, "V_th_rel", n)
    ext_mu, ext_var = [], []
    for net in networks:
        p = net.network_params
        zero = np.zeros(n)
        ext_mu.append(_general._mean_input(zero, p["J"], p["K"], 1.0, p["J_ext"], p["K_ext"],
                                           p["nu_ext"], p.get("I_ext"), p.get("C")))
        ext_var.append(_general._std_input(zero, p["J"], p["K"], 1.0, p["J_ext"], p["K_ext"],
                                           p["nu_ext"]) ** 2)
    ext_mu, ext_var = np.broadcast_to(ext_mu, (len(networks), n)), np.array(ext_var)
    shift = 0.0
    if kind == "exp":
        shift = _siegert.ALPHA_SHIFT / 2 * np.sqrt(_stack(networks, "tau_s", n) / tau_m)

    c = np.broadcast_to(shift, tau_m.shape)

    def inputs(nu, g):
        mu = tau_m[g] * (np.einsum("gab,gb->ga", KJ[g], nu) + ext_mu[g])
        sigma = np.sqrt(tau_m[g] * (np.einsum("gab,gb->ga", KJ2[g], nu) + ext_var[g]))
        return mu, sigma

    def residual_and_jacobian(nu, g):
        mu, sigma = inputs(nu, g)
        t_m, t_r, cg = tau_m[g], tau_r[g], c[g]
        V_0s, V_ths = V_0[g] + cg * sigma, V_th[g] + cg * sigma
        rate = _siegert.delta_firing_rate(mu, sigma, V_0s, V_ths, t_m, t_r)
        d_mu = _siegert.d_delta_firing_rate_d_mu(mu, sigma, V_0s, V_ths, t_m, t_r)
        # Phi(mu, sigma) = S(mu, sigma, V_0 + c sigma, V_th + c sigma): dPhi/dsigma =
        # dS/dsigma - c dS/dmu, since S depends on (V - mu)/sigma
        d_sigma = (_siegert.d_delta_firing_rate_d_sigma(mu, sigma, V_0s, V_ths, t_m, t_r)
                   - cg * d_mu)
        jac = ((d_mu * t_m)[..., None] * KJ[g]
               + (d_sigma * t_m / (2 * sigma))[..., None] * KJ2[g]
               - np.eye(n))
        return rate - nu, jac

    with np.errstate(all="ignore"):
        nu, converged, stable = _solvers._batched_newton(residual_and_jacobian,
                                                         np.zeros((len(networks), n)))
    for g in np.flatnonzero(~(converged & stable)):
        nu[g] = _working_point(networks[g], method)["firing_rates"]
    mu, sigma = inputs(nu, slice(None))
    return {"firing_rates": nu, "mean_input": mu, "std_input": sigma}


def _evaluate_points(network, names: Sequence[str], points: Sequence[tuple],
                     units: Sequence[str], quantity: str, method: str) -> list[np.ndarray]:
    """Evaluate ``quantity`` at several grid points (runs in worker processes too).

    Working-point quantities of 'shift' and δ-synapse models are solved for all points
    together (:func:`batched_working_points`); other quantities point by point.
    """
    networks = [network.change_parameters(dict(zip(names, point))) for point in points]
    batched = (quantity in _WORKING_POINT_QUANTITIES and len(networks) > 1
               and (method == "shift" or _synapse_type(network) == "delta")
               and len({np.shape(net.network_params["K"]) for net in networks}) == 1)
    if batched:
        result = batched_working_points(networks, method)[_WORKING_POINT_QUANTITIES[quantity]]
        return list(result)
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
         scheduler: Any = None, progress: bool = True, batch_size: int | None = None
         ) -> ScanResult:
    """Evaluate ``quantity`` on the cartesian grid of ``params``.

    Parameters
    ----------
    model : str, path or Network
        Built-in model name, YAML file or network.
    params : dict
        ``{parameter: values}``; values as a quantity array or numbers in the unit the
        model was given the parameter in.
    quantity : str
        One of :data:`QUANTITIES` ('rates', 'mean_input', 'std_input', and those
        registered by other modules, e.g. 'peak_frequency').
    method : {'shift', 'taylor'}
        Colored-noise approximation for exp-synapse models.
    out : path, optional
        HDF5 file for the labeled result; also the checkpoint for resuming.
    workers : int
        Local processes (1: in this process).
    scheduler : str or distributed.Client, optional
        Dask scheduler address or client; overrides ``workers``.
    progress : bool
        Show a progress bar on stderr for scans longer than a second.
    batch_size : int, optional
        Grid points per task (default: about 4 tasks per worker, at most 200 points).

    Returns
    -------
    ScanResult
    """
    from .models import Network, load_model

    check_choice("quantity", quantity, list(QUANTITIES))
    check_choice("method", method, ["shift", "taylor"])
    if not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers must be a positive integer, got {workers!r}")
    network = model if isinstance(model, Network) else load_model(model)
    names, values, units = _resolve_axes(network, params)
    shape = tuple(len(v) for v in values)
    grid = list(itertools.product(*[range(n) for n in shape]))
    key = fingerprint(type(network).__name__, network.network_params, names, values, quantity,
                      method)
    label = str(network.network_params.get("label", model if isinstance(model, str) else ""))

    result = None
    if out is not None and Path(out).is_file():
        previous = ScanResult.load(out)
        if previous.key == key:
            result = previous
    todo = [idx for idx in grid if result is None or not result.done[idx]]

    def store(indices, outputs):
        nonlocal result
        if result is None:
            first = np.asarray(outputs[0])
            result = ScanResult(axis_names=names, axis_values=values, axis_units=units,
                                data=np.full(shape + first.shape, np.nan,
                                             dtype=np.result_type(first, float)),
                                done=np.zeros(shape, dtype=bool), quantity=quantity,
                                unit=QUANTITIES[quantity][1], method=method, model=label,
                                populations=[str(p) for p in
                                             network.network_params.get("populations", [])],
                                key=key)
        for idx, value in zip(indices, outputs):
            result.data[idx] = value
            result.done[idx] = True

    n_tasks_per_worker = 4
    parallel = max(workers, 1) if scheduler is None else 8
    if batch_size is None:
        # working points are solved batch-wise in one vectorized Newton iteration
        batch_size = max(1, min(200, len(todo) // (parallel * n_tasks_per_worker) or 1))
    batches = [todo[i:i + batch_size] for i in range(0, len(todo), batch_size)]

    def points_of(batch):
        return [tuple(values[d][i] for d, i in enumerate(idx)) for idx in batch]

    last_save = time.perf_counter()
    with tqdm(total=len(grid), desc=f"scan {quantity}", delay=1.0,
              disable=None if progress else True) as bar:  # None: off unless a tty
        bar.update(len(grid) - len(todo))

        def finished(batch, outputs):
            nonlocal last_save
            store(batch, outputs)
            bar.update(len(batch))
            if out is not None and time.perf_counter() - last_save > 2.0:
                result.save(out)
                last_save = time.perf_counter()

        args = (names,)
        if scheduler is not None:
            _run_dask(scheduler, network, batches, points_of, args, units, quantity, method,
                      finished)
        elif workers == 1:
            for batch in batches:
                finished(batch, _evaluate_points(network, names, points_of(batch), units,
                                                 quantity, method))
        else:
            with ProcessPoolExecutor(max_workers=workers) as pool:
                futures = {pool.submit(_evaluate_points, network, names, points_of(b), units,
                                       quantity, method): b for b in batches}
                for future in as_completed(futures):
                    finished(futures[future], future.result())
    if result is None:
        raise RuntimeError("scan produced no result")
    if out is not None:
        result.save(out)
    return result


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
            finished(batches[futures[future]], future.result())
    finally:
        if client is not scheduler:
            client.close()
