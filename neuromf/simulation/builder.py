"""Turn a neuromf model into a NEST network.

Two steps keep the NEST-free part testable:

1. :func:`derive_spec` (:mod:`.spec`) reads ``model.network_params`` (SI magnitudes,
   the same dict the theory uses) and the simulation parameters
   (:mod:`neuromf.simulation.defaults`) and returns a :class:`NetworkSpec` in NEST's units
   (ms, mV, pA, pF, Hz): neuron numbers after scaling, neuron parameters, connection
   numbers, weights, delays, external drive, stimuli.  Pure numpy.
2. :func:`build_network` creates and connects the nodes in NEST, in the order of NEST's
   PyNEST microcircuit example (populations, spike recorders, Poisson background,
   thalamic population, DC stimulus; then the connections in the same order), so that a
   microcircuit built here draws the same random numbers as the example does.

Neuron models: ``iaf_psc_exp`` for exponential synaptic currents (``tau_s`` given,
``synapse_type`` 'exp'; weights ``W`` are PSC amplitudes in A) and ``iaf_psc_delta`` for
δ synapses (``synapse_type`` 'delta'; weights ``J`` are PSP jumps in V).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from neuromf.simulation.backend import import_nest
from neuromf.simulation.spec import (  # noqa: F401  (re-exported: the spec half of this module)
    _MS,
    _MV,
    _PA,
    _PF,
    CONNECTION_RULES,
    V0_TYPES,
    NetworkSpec,
    derive_spec,
    synapse_type_of,
)
from neuromf.utils import check_choice

# NetworkSpec, derive_spec and synapse_type_of are documented in neuromf.simulation.spec
__all__ = ["BuiltNetwork", "build_network"]


@dataclass
class BuiltNetwork:
    """Handles of the NEST nodes created by :func:`build_network`.

    Parameters
    ----------
    spec : NetworkSpec
        The realisation that was built.
    populations : list of NodeCollection
        The neurons of each population.
    spike_recorders : NodeCollection
        The spike recorders (one per population).
    poisson_background : NodeCollection, optional
        The Poisson generators of the external input.
    thalamic_population : NodeCollection, optional
        The thalamic parrot neurons (microcircuit's thalamic stimulus).
    thalamic_generator : NodeCollection, optional
        Their Poisson generator.
    dc_stimulus : NodeCollection, optional
        The DC generators of the DC stimulus.
    record_to : {'memory', 'ascii'}
        Recording backend of the spike recorders.
    record_label : str, optional
        File name prefix of 'ascii' recording.
    timings : dict
        Wall-clock seconds of 'create' and 'connect'.
    """

    spec: NetworkSpec
    populations: list[Any]
    spike_recorders: Any
    poisson_background: Any = None
    thalamic_population: Any = None
    thalamic_generator: Any = None
    dc_stimulus: Any = None
    record_to: str = "memory"
    record_label: str | None = None
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def first_ids(self) -> np.ndarray:
        """Global id of the first neuron of each population."""
        return np.array([pop[0].global_id for pop in self.populations])


# ---------------------------------------------------------------------------
# NEST construction
# ---------------------------------------------------------------------------

def _set_quiet(nest: Any) -> None:
    if hasattr(nest, "VerbosityLevel"):
        nest.verbosity = nest.VerbosityLevel.ERROR
    else:  # pragma: no cover - NEST < 3.9
        nest.set_verbosity("M_ERROR")


def _weight_param(nest: Any, mean: float, rel_sd: float) -> Any:
    """Normal weights that keep their sign (redrawn), or a fixed weight."""
    if rel_sd == 0 or mean == 0:
        return float(mean)
    lo, hi = (-np.inf, 0.0) if mean < 0 else (0.0, np.inf)
    return nest.math.redraw(nest.random.normal(mean=float(mean), std=abs(mean * rel_sd)),
                            min=lo, max=hi)


def _delay_param(nest: Any, mean: float, sd: float, resolution: float) -> Any:
    """Normal delays redrawn below resolution/2 (rounding then yields >= resolution)."""
    if sd == 0:
        return float(mean)
    return nest.math.redraw(nest.random.normal(mean=float(mean), std=float(sd)),
                            min=resolution - 0.5 * resolution, max=np.inf)


def build_network(spec: NetworkSpec, record_to: str = "memory",
                  record_label: str | None = None) -> BuiltNetwork:
    """Create and connect ``spec`` in a freshly reset NEST kernel.

    Parameters
    ----------
    spec : NetworkSpec
        From :func:`derive_spec`.
    record_to : {'memory', 'ascii'}
        Recording backend of the spike recorders.
    record_label : str, optional
        File name prefix for 'ascii' recording (a path).

    Returns
    -------
    BuiltNetwork
        The handles of the created nodes.

    Raises
    ------
    ValueError
        If ``record_to='ascii'`` comes without a ``record_label``.
    """
    nest = import_nest()
    check_choice("record_to", record_to, ("memory", "ascii"))
    if record_to == "ascii" and not record_label:
        raise ValueError("record_to='ascii' needs a record_label (file name prefix)")
    t0 = time.perf_counter()
    nest.ResetKernel()
    _set_quiet(nest)
    nest.local_num_threads = spec.threads
    nest.resolution = spec.resolution
    nest.rng_seed = spec.seed
    nest.overwrite_files = True
    nest.print_time = False
    n = len(spec.populations)

    # --- nodes, in the order of the PyNEST microcircuit example ---------------------------
    pops = []
    for i in range(n):
        pop = nest.Create(spec.neuron_model, int(spec.n_neurons[i]))
        pop.set(**{key: float(val[i]) for key, val in spec.neuron_params.items()})
        if spec.V0["type"] == "normal":
            pop.set(V_m=nest.random.normal(float(spec.V0["mean"][i]),
                                           float(spec.V0["std"][i])))
        elif spec.V0["type"] == "uniform":
            pop.set(V_m=nest.random.uniform(float(spec.V0["low"][i]),
                                            float(spec.V0["high"][i])))
        else:
            pop.set(V_m=float(spec.V0["value"][i]))
        pops.append(pop)
    rec_params: dict[str, Any] = {"record_to": record_to}
    if record_to == "ascii":
        rec_params["label"] = record_label
    recorders = nest.Create("spike_recorder", n=n, params=rec_params)
    if record_to == "ascii":
        # enough digits for any resolution down to 1 ns
        recorders.set(precision=max(3, int(math.ceil(-math.log10(spec.resolution))) + 3))
    built = BuiltNetwork(spec=spec, populations=pops, spike_recorders=recorders,
                         record_to=record_to, record_label=record_label)
    if spec.ext_rate is not None:
        n_ext = spec.ext_rate.shape[1]
        built.poisson_background = nest.Create("poisson_generator", n=n * n_ext)
        built.poisson_background.rate = spec.ext_rate.ravel().astype(float)
    th = spec.thalamic
    if th is not None:
        built.thalamic_population = nest.Create("parrot_neuron", n=th["n_neurons"])
        built.thalamic_generator = nest.Create("poisson_generator")
        built.thalamic_generator.set(rate=th["rate"], start=th["start"], stop=th["stop"])
    if spec.dc_stimulus is not None:
        dc = spec.dc_stimulus
        built.dc_stimulus = nest.Create("dc_generator", n=n, params={
            "amplitude": [float(a) for a in dc["amplitude"]],
            "start": dc["start"], "stop": dc["stop"]})
    built.timings["create"] = time.perf_counter() - t0

    # --- connections ---------------------------------------------------------------------------
    t1 = time.perf_counter()
    for i, target in enumerate(pops):
        for j, source in enumerate(pops):
            count = int(spec.n_connections[i, j])
            if spec.connection_rule == "fixed_total_number":
                conn = {"rule": "fixed_total_number", "N": count}
            elif count > 0:
                conn = {"rule": "fixed_indegree", "indegree": count}
            else:
                continue
            syn = {"synapse_model": "static_synapse",
                   "weight": _weight_param(nest, spec.weight[i, j], spec.weight_rel_sd),
                   "delay": _delay_param(nest, spec.delay[i, j], spec.delay_sd[i, j],
                                         spec.resolution)}
            nest.Connect(source, target, conn_spec=conn, syn_spec=syn)
    for i, pop in enumerate(pops):
        nest.Connect(pop, recorders[i])
    if built.poisson_background is not None:
        n_ext = spec.ext_rate.shape[1]
        for i, pop in enumerate(pops):
            for j in range(n_ext):
                nest.Connect(built.poisson_background[i * n_ext + j], pop,
                             conn_spec={"rule": "all_to_all"},
                             syn_spec={"synapse_model": "static_synapse",
                                       "weight": float(spec.ext_weight[i, j]),
                                       "delay": spec.ext_delay})
    if th is not None:
        nest.Connect(built.thalamic_generator, built.thalamic_population)
        for i, pop in enumerate(pops):
            w = float(th["weight"][i])
            syn = {"weight": nest.math.redraw(
                       nest.random.normal(mean=w, std=w * spec.weight_rel_sd),
                       min=0.0, max=np.inf) if spec.weight_rel_sd > 0 else w,
                   "delay": _delay_param(nest, th["delay"], th["delay"] * th["delay_rel_sd"],
                                         spec.resolution)}
            nest.Connect(built.thalamic_population, pop,
                         conn_spec={"rule": "fixed_total_number",
                                    "N": int(th["n_synapses"][i])}, syn_spec=syn)
    if built.dc_stimulus is not None:
        for i, pop in enumerate(pops):
            nest.Connect(built.dc_stimulus[i], pop)
    # build the presynaptic infrastructure now, so that it counts as connection time
    nest.Prepare()
    nest.Cleanup()
    built.timings["connect"] = time.perf_counter() - t1
    return built
