"""The population activity of one time step of a density model, with or without noise.

One concept: what a population emits in a step of ``dt`` given the probability flux
through threshold of its density, for the three finite-size options of
:func:`neuromf.dynamics.simulate` (shared by the diffusion and the finite-jump model):

* ``False``: the activity is the flux (infinitely many neurons);
* ``'input'``: Poisson counts of ``N`` neurons around the flux drive the network, the
  density keeps the deterministic flux (Brunel & Hakim 1999);
* ``'conserving'`` (``True``): the noisy activity is also what the density loses and the
  refractory pool re-injects (the model's own ``finite_size`` removes the excess mass
  near threshold).

The refractory pool integrates emitted minus re-injected mass; with a separate refractory
delay line (``ref_line``) the activity that leaves threshold is pushed there.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


def step_activity(finite_size: Any, rng: Any, flux: np.ndarray, emitted: np.ndarray,
                  source: np.ndarray, density: np.ndarray, pool: np.ndarray,
                  ref_line: Any, n_neurons: np.ndarray, dt: float,
                  conserving: Callable[[np.ndarray, np.ndarray], tuple]
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Activity of one step and the updated density and refractory pool.

    Parameters
    ----------
    finite_size : bool or {'conserving', 'input'}
        The finite-size option of :func:`neuromf.dynamics.simulate`.
    rng : numpy.random.Generator
        Source of the Poisson counts (unused without finite-size noise).
    flux : numpy.ndarray
        Probability flux through threshold per population (Hz).
    emitted : numpy.ndarray
        Mass per unit time (Hz) the density lost across threshold in the step.
    source : numpy.ndarray
        Mass per unit time (Hz) re-injected at reset in the step.
    density : numpy.ndarray
        The density (or cell masses) after the step.
    pool : numpy.ndarray
        Refractory mass per population (dimensionless).
    ref_line : DelayLine or None
        Refractory delay line, if the model keeps one apart from the network's.
    n_neurons : numpy.ndarray
        Neurons per population (the ``N`` of the counts).
    dt : float
        Time step (s).
    conserving : callable
        ``conserving(emitted, density) -> (activity, density)``: the model's
        mass-conserving Poisson activity (``finite_size`` True or 'conserving').

    Returns
    -------
    activity, density, pool : numpy.ndarray
        Population activity (Hz) the network sees, the density and the refractory pool.
    """
    if finite_size == "input":
        activity = rng.poisson(np.maximum(flux, 0.0) * n_neurons) / n_neurons
        pool = pool + dt * (emitted - source)
        ref_line.push(emitted)
    elif finite_size:
        activity, density = conserving(emitted, density)
        pool = pool + dt * (activity - source)
        if ref_line is not None:
            ref_line.push(activity)
    else:
        activity = flux
        pool = pool + dt * (emitted - source)
        if ref_line is not None:
            ref_line.push(emitted)
    return activity, density, pool
