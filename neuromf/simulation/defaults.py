"""Simulation-only parameters (SI units) shipped with :mod:`neuromf.simulation`.

The network itself (neuron numbers, in-degrees, weights, delays, external drive) always
comes from the model object that the theory uses (``model.network_params``).  What is
collected here is everything a spiking simulation needs on top of that: the time grid,
the random seed, the initial membrane potentials, optional stimuli, the recording mode
and the settings of the spike-train analysis.

All values are SI magnitudes (s, V, A, Hz).  :func:`simulation_params` returns a fresh
copy merged with user overrides, so that the module-level dicts are never modified.

References
----------
Potjans TC, Diesmann M (2014). The cell-type specific cortical microcircuit: relating
structure and activity in a full-scale spiking network model. Cereb Cortex 24:785-806.
The microcircuit values (initial potentials, stimuli) are those of NEST's PyNEST
microcircuit example; see /work/shared/reference/potjans2014_microcircuit.md.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

__all__ = ["GENERIC_DEFAULTS", "MICROCIRCUIT_DEFAULTS", "simulation_params",
           "is_microcircuit"]

#: Defaults for any network built from ``network_params`` (fixed in-degree, Poisson drive).
GENERIC_DEFAULTS: dict[str, Any] = {
    # --- time grid and kernel -------------------------------------------------------
    "resolution": 1e-4,          # s, integration step of NEST
    "t_presim": 0.5,             # s, discarded transient before the analysed window
    "t_sim": 1.0,                # s, analysed simulation time
    "seed": 55,                  # NEST rng_seed
    "threads": 1,                # NEST local_num_threads
    # --- network realisation ----------------------------------------------------------
    # 'auto': fixed total number of synapses K_total = K * N_post when the model gives
    # connection probabilities ('conn_probs') or non-integer in-degrees, otherwise a
    # fixed in-degree K per neuron.  Or 'fixed_indegree' / 'fixed_total_number'.
    "connection_rule": "auto",
    "background": "poisson",     # 'poisson' (K_ext * nu_ext per neuron) or 'dc' (mean only)
    "ext_delay": 1.5e-3,         # s, delay of the external Poisson input
    "weight_rel_sd": None,       # None: the model's PSC_rel_sd (0 when absent)
    # initial membrane potentials: 'uniform' between reset and threshold, 'reset',
    # 'normal' with V0_mean / V0_std (V, scalar or per population)
    "V0_type": "uniform",
    "V0_mean": None,
    "V0_std": None,
    # --- stimuli (microcircuit only) ----------------------------------------------------
    "thalamic_input": False,
    "dc_input": False,
    # --- recording ------------------------------------------------------------------------
    # 'memory' keeps spikes in RAM, 'ascii' streams them to files during the run, 'auto'
    # streams when an output folder is given and the run exceeds the limit below, and
    # always under MPI (each rank only sees its own neurons).
    "record_to": "auto",
    "memory_limit_neuron_seconds": 1e6,
    "progress": True,            # text progress bar on stderr
    "progress_updates": 50,      # number of chunks the simulation is split into
    # --- analysis -----------------------------------------------------------------------
    "cv_min_spikes": 3,          # neurons with fewer spikes are left out of the CV
    "corr_bin": 5e-3,            # s, bin width of spike counts for correlations
    "corr_n_neurons": 200,       # neurons per population used for correlations
    "spectrum_bin": 1e-3,        # s, bin width of the population activity
    "spectrum_nperseg": 1024,    # largest Welch segment (samples; 1 Hz resolution at 1 ms)
    "spectrum_min_segments": 8,  # segments averaged at least (shorter ones if needed)
    "raster_window": 0.2,        # s shown in the raster plot (end of the run)
    "raster_max_neurons": 200,   # neurons per population shown in the raster plot
}

#: Defaults for the Potjans & Diesmann (2014) microcircuit, as in NEST's PyNEST example.
MICROCIRCUIT_DEFAULTS: dict[str, Any] = {
    **GENERIC_DEFAULTS,
    "connection_rule": "fixed_total_number",
    "V0_type": "optimized",
    # 'original': one normal distribution for all populations
    "V0_original_mean": -58e-3,  # V
    "V0_original_std": 10e-3,    # V
    # 'optimized': per population (L23E, L23I, L4E, L4I, L5E, L5I, L6E, L6I)
    "V0_optimized_mean": [-68.28e-3, -63.16e-3, -63.33e-3, -63.45e-3,
                          -63.11e-3, -61.66e-3, -66.72e-3, -61.43e-3],
    "V0_optimized_std": [5.36e-3, 4.57e-3, 4.74e-3, 4.94e-3,
                         4.94e-3, 4.55e-3, 5.46e-3, 4.48e-3],
    "ext_delay": 1.5e-3,
    # thalamic stimulus: parrot neurons (not scaled) relaying one Poisson generator
    "th_num_neurons": 902,
    "th_rate": 120.0,            # Hz
    "th_start": 0.7,             # s
    "th_duration": 0.01,         # s
    "th_conn_probs": [0.0, 0.0, 0.0983, 0.0619, 0.0, 0.0, 0.0512, 0.0196],
    "th_PSP": 0.15e-3,           # V, converted to a PSC like the recurrent weights
    "th_delay": 1.5e-3,          # s
    "th_delay_rel_sd": 0.5,
    # DC stimulus: amplitude dc_amp * K_ext per population
    "dc_amp": 0.3e-12,           # A
    "dc_start": 0.65,            # s
    "dc_duration": 0.1,          # s
}


def is_microcircuit(model: Any) -> bool:
    """True if ``model`` describes the Potjans & Diesmann microcircuit.

    Recognised by ``network_params['label'] == 'microcircuit'`` or by the presence of
    the connection probability matrix ``conn_probs``.

    Parameters
    ----------
    model : Network
        Object with ``network_params``.

    Returns
    -------
    bool
        Whether it is the microcircuit.
    """
    params = getattr(model, "network_params", {}) or {}
    return params.get("label") == "microcircuit" or "conn_probs" in params


def simulation_params(model: Any = None, overrides: Mapping[str, Any] | None = None
                      ) -> dict[str, Any]:
    """Return the simulation parameters for ``model`` merged with ``overrides``.

    Parameters
    ----------
    model : Network, optional
        Selects :data:`MICROCIRCUIT_DEFAULTS` for the microcircuit and
        :data:`GENERIC_DEFAULTS` otherwise.
    overrides : mapping, optional
        Values replacing the defaults (SI units).  Values of ``None`` are ignored so that
        keyword arguments left at ``None`` keep the default.

    Returns
    -------
    dict
        Every simulation parameter (SI units), the defaults with the overrides applied.

    Raises
    ------
    ValueError
        If an override names an unknown parameter.
    """
    base = MICROCIRCUIT_DEFAULTS if model is not None and is_microcircuit(model) \
        else GENERIC_DEFAULTS
    params = copy.deepcopy(base)
    unknown = []
    for key, value in (overrides or {}).items():
        if key not in MICROCIRCUIT_DEFAULTS:
            unknown.append(key)
        elif value is not None:
            params[key] = copy.deepcopy(value)
    if unknown:
        raise ValueError(f"unknown simulation parameter(s) {', '.join(map(repr, unknown))}; "
                         f"valid names are {', '.join(sorted(MICROCIRCUIT_DEFAULTS))}")
    return params
