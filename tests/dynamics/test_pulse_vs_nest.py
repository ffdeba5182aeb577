"""Thalamic pulse, trial-averaged, against NEST: the 10 %-scale microcircuit (slow).

Expected values: the NEST simulation of the same realisation (N = K = 0.1, weights
/ sqrt(0.1), DC compensation, seed 55, 1 thread), with the thalamic pulse of the
simulation (902 sources x 120 Hz for 10 ms) repeated every 100 ms from 0.5 s on (25
pulses, 0.3 s pulse-free after 0.2 s presimulation).  The density model of that
realisation (finite-size noise for the simulated N, seed 55) must give the trial-averaged
latency of the peak of every population within 1 ms and its peak rate within 50 % — the
bounds stated in docs/dynamics.md ("Thalamic pulse against NEST"; measured: latencies
within 0.5 ms, peaks -47 % to +1 % with this protocol, -12 % to +18 % with 38 pulses after
1 s without pulses).  The pulse-free mean rates are not within 10 %: the density model
(like the stationary theory) fires more than the 10 %-scale NEST network (+10 to +69 %);
asserted is that stated bound (above NEST, by less than a factor 2).
About 50 s CPU (NEST 2.95 s of model time with 1 thread, density model 2.95 s).
"""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest

import neuromf
from neuromf.dynamics.compare import compare_dynamics

pytest.importorskip("nest")
os.environ.setdefault("PYNEST_QUIET", "1")


@pytest.mark.slow
def test_thalamic_pulse_peak_and_latency_at_10_percent_scale_match_nest():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = compare_dynamics(neuromf.models.Microcircuit(), 0.1, 2.75, t_presim=0.2,
                               seed=55, threads=1, stimulus="thalamic",
                               pulse_interval=0.1, sim_params={"th_start": 0.5},
                               progress=False)
    assert res.pulses["nest"]["n_trials"] == 25
    nest, fp = res.pulses["nest"], res.pulses["fp"]
    # every population responds strongly (peak > 10 x its baseline) in both
    assert np.all(nest["peak"] > 10 * nest["baseline"])
    assert np.all(fp["peak"] > 10 * fp["baseline"])
    np.testing.assert_allclose(fp["peak"], nest["peak"], rtol=0.50)
    np.testing.assert_allclose(fp["latency"], nest["latency"], atol=1.0e-3)
    rate_nest = np.array([r["rate_nest"] for r in res.table])
    rate_fp = np.array([r["rate_fp"] for r in res.table])
    assert np.all(rate_fp > rate_nest) and np.all(rate_fp < 2 * rate_nest)
    # L4E, the thalamic target, responds first in both (about 4 ms after onset)
    assert np.argmin(nest["latency"]) == 2 and np.argmin(fp["latency"]) == 2
