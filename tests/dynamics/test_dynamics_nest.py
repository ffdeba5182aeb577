"""The density model against NEST (slow): Brunel 2000 states B and C at N = 0.2 × 12 500
with the full in-degrees (K = 1000 / 250), 0.3 s after 0.1 s, seed 1.

Expected values come from the spiking simulation of the same model object
(neuromf.simulation); tolerances are the issue's: state C mean rates within 5 %, state B
oscillation frequency within 10 % (the amplitude is not, see docs/dynamics.md).  State D
at full scale (1 s): the oscillation amplitude of the finite-jump density model
(synapses='jumps', NEST's discrete-time update, finite-size noise) within 25 %.
"""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest
from scipy.signal import welch

import neuromf
from neuromf import dynamics as dy

pytest.importorskip("nest")
os.environ.setdefault("PYNEST_QUIET", "1")

BIN = 2e-4


def _nest(state):
    from neuromf.simulation import simulate
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return simulate(neuromf.models.Brunel2000(f"brunel2000_{state}"), scale=0.2,
                        k_scale=1.0, t_sim=0.3, t_presim=0.1, threads=2, plots=False,
                        progress=False, seed=1)


def _peak(x, fs):
    f, p = welch(x - x.mean(), fs=fs, nperseg=x.size)
    band = f >= 20
    return f[band][np.argmax(p[band])]


@pytest.mark.slow
def test_state_C_mean_rates_within_5_percent_of_nest():
    res = _nest("C")
    r = dy.simulate(neuromf.models.Brunel2000("brunel2000_C"), 0.4, dt=1e-4, progress=False,
                    perturbation=0.01)
    np.testing.assert_allclose(r.mean_rates(0.1), res.rates, rtol=0.05)


@pytest.mark.slow
def test_state_B_oscillation_frequency_within_10_percent_of_nest():
    res = _nest("B")
    edges = np.arange(res.t_start, res.t_stop + BIN / 2, BIN)
    _, t = res.spikes[0]
    act = np.histogram(t, edges)[0] / (res.n_neurons[0] * BIN)
    f_nest = _peak(act, 1 / BIN)
    r = dy.simulate(neuromf.models.Brunel2000("brunel2000_B"), 0.5, dt=1e-4, progress=False,
                    perturbation=0.01)
    x = r.rates[r.times >= 0.2, 0]
    f_fp = _peak(x, 1e4)
    assert abs(f_fp / f_nest - 1) < 0.10, (f_fp, f_nest)
    assert r.mean_rates(0.2)[0] == pytest.approx(res.rates[0], rel=0.05)


def _amplitude(act, dt, n_neurons=None):
    """Std of the activity in 1-ms bins (Hz), the Poisson part nu/(N 1 ms) removed."""
    k = int(round(1e-3 / dt))
    c = act[:act.size // k * k].reshape(-1, k).mean(axis=1)
    var = c.var()
    if n_neurons is not None:
        var -= c.mean() / (n_neurons * 1e-3)
    return np.sqrt(max(var, 0.0))


@pytest.mark.slow
def test_state_D_amplitude_within_25_percent_of_nest_with_finite_jumps():
    # full-scale NEST (N = 12 500, 0.6 s after 0.1 s, ~20 s CPU) against the finite-jump
    # density at NEST's resolution ('discrete-time', binomial recurrent counts) with
    # finite-size noise; the diffusion model is off by -53 % / +50 % here (docs/dynamics.md)
    from neuromf.simulation import simulate
    model = neuromf.models.Brunel2000("brunel2000_D")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = simulate(model, scale=1.0, t_sim=0.6, t_presim=0.1, threads=2, plots=False,
                       progress=False, seed=1)
    edges = np.arange(res.t_start, res.t_stop + BIN / 2, BIN)
    _, t = res.spikes[0]
    act = np.histogram(t, edges)[0] / (res.n_neurons[0] * BIN)
    amp_nest = _amplitude(act, BIN, res.n_neurons[0])
    r = dy.simulate(model, 1.2, dt=1e-4, synapses="jumps", scheme="discrete-time",
                    jump_cells=2, finite_size="conserving", seed=1, progress=False,
                    perturbation=0.01)
    x = r.rates[r.times >= 0.2, 0][1:]
    amp = _amplitude(x, 1e-4, float(model.network_params["N"][0]))
    print(f"D amplitude: density {amp:.2f} Hz, NEST {amp_nest:.2f} Hz")
    assert abs(amp / amp_nest - 1) < 0.25, (amp, amp_nest)
    assert x.mean() == pytest.approx(res.rates[0], rel=0.10)
