"""Spiking simulation of neuromf models with NEST, and theory-vs-simulation reports.

Needs the optional extra ``sim`` (``pip install 'neuromf[sim]'``: NEST >= 3 and
matplotlib).  Importing this package does not import NEST; the functions that run NEST
raise an ImportError naming the extra when it is missing.

Main entry points
-----------------
simulate(model, scale=..., t_sim=..., threads=..., out=None, ...)
    Build the model's network in NEST, simulate, analyse (rates, CVs, correlations,
    spectra) and optionally write spikes, summary and figures.
compare(model, scale=..., t_sim=..., threads=..., out=None, ...)
    The same plus the theory for the model, with a Markdown report.
derive_spec / build_network
    The two steps of turning a model into a NEST network.
"""

from neuromf.simulation.analysis import (
    cv_isi,
    firing_rates,
    per_neuron_rates,
    population_spectra,
    spike_count_correlations,
)
from neuromf.simulation.backend import INSTALL_HINT, import_nest, nest_available
from neuromf.simulation.builder import BuiltNetwork, NetworkSpec, build_network, derive_spec
from neuromf.simulation.comparison import (
    ComparisonResult,
    SimulationResult,
    compare,
    default_theory,
    resolve_model,
    simulate,
)
from neuromf.simulation.defaults import (
    GENERIC_DEFAULTS,
    MICROCIRCUIT_DEFAULTS,
    simulation_params,
)
from neuromf.simulation.recording import load_spikes
from neuromf.simulation.report import Tolerances, comparison_checks

__all__ = [
    "simulate", "compare", "SimulationResult", "ComparisonResult", "resolve_model",
    "default_theory", "derive_spec", "build_network", "NetworkSpec",
    "BuiltNetwork", "firing_rates", "per_neuron_rates", "cv_isi",
    "spike_count_correlations", "population_spectra", "load_spikes",
    "simulation_params", "GENERIC_DEFAULTS", "MICROCIRCUIT_DEFAULTS", "import_nest",
    "nest_available", "INSTALL_HINT", "Tolerances", "comparison_checks",
]
