"""The finite-jump population density (``synapses='jumps'``) against independent references.

References: an event-driven Monte-Carlo of independent LIF neurons with Poisson jump input
(exact in continuous time, tests/dynamics/jump_mc.py), a Monte-Carlo of neurons updated as
NEST's iaf_psc_delta at resolution 0.1 ms (the 'discrete-time' scheme's model), the Siegert
rate of the diffusion limit (J -> 0 at fixed mu, sigma; Brunel 2000, Eq. 21), and exact
bookkeeping (probability, positivity).  Parameters are those of Brunel 2000 state D's
neurons (tau_m = 20 ms, tau_r = 2 ms, V_r = 10 mV, V_th = 20 mV; J = 0.1 mV, -0.45 mV).
"""

from __future__ import annotations

import numpy as np
import pytest
from jump_mc import lif_discrete_rate, lif_jump_rate

import neuromf
from neuromf import dynamics as dy
from neuromf.dynamics import _jump_operator as jo
from neuromf.special._siegert import delta_firing_rate

TAU, TAU_R, V_R, V_TH = 20e-3, 2e-3, 10e-3, 20e-3
RATES = np.array([[15000.0, 1500.0]])      # Hz: 1000 x 15 Hz excitatory, 250 x 6 Hz inh.
JUMPS = np.array([[1e-4, -4.5e-4]])         # V


def _stationary(q, rates=RATES, jumps=JUMPS, v_min=-0.02):
    h = np.min(np.abs(jumps)) / q
    grid = jo.make_jump_grid([v_min], [V_R], [V_TH], [h])
    op = jo.JumpOperator(grid, [TAU], jumps)
    m, nu = jo.stationary_masses(op, rates, [0.0], [TAU_R])
    return op, m, float(nu[0])


def test_stationary_rate_matches_event_driven_monte_carlo():
    # MC: 4000 neurons x 1 s, exact event-driven integration (no time step)
    nu_mc, se = lif_jump_rate(RATES[0], JUMPS[0], n_neurons=4000, t_sim=1.1, seed=3)
    nus = {q: _stationary(q)[2] for q in (4, 8, 16)}
    # the upwind leak is first order in h: the error halves with h ...
    extrapolated = 2 * nus[16] - nus[8]
    e4, e8, e16 = (nus[q] - extrapolated for q in (4, 8, 16))
    assert 1.7 < e4 / e8 < 2.3 and 1.7 < e8 / e16 < 2.5, (e4, e8, e16)
    # ... and the h -> 0 limit is the Monte-Carlo rate (5.99 Hz; Siegert would be 6.51)
    assert abs(extrapolated / nu_mc - 1) < 3 * se / nu_mc + 0.005, (extrapolated, nu_mc, se)
    assert abs(nus[16] / nu_mc - 1) < 0.025


def test_discrete_time_rate_matches_nest_like_monte_carlo():
    # MC of neurons updated as iaf_psc_delta at 0.1 ms (inputs of a step summed)
    nu_mc, se = lif_discrete_rate(RATES[0], JUMPS[0], n_neurons=4000, t_sim=1.1, seed=4)
    op, m, nu = _stationary(4)
    stepper = jo.DiscreteJumpStepper(op, 1e-4)
    hist = [nu] * 20                      # re-injection after tau_r = 20 steps
    for _ in range(2500):
        m, e, _ = stepper.step(m, RATES, [0.0], np.array([hist[-20]]))
        hist.append(float(e[0]))
    assert abs(hist[-1] / nu_mc - 1) < 3 * se / nu_mc + 0.005, (hist[-1], nu_mc, se)
    assert m.min() >= 0
    assert abs(m.sum() + sum(hist[-20:]) * 1e-4 - 1) < 1e-12


def test_small_jumps_reproduce_the_siegert_rate():
    # J -> 0 at fixed mu = 15 mV, sigma = 3 mV (r_+ - r_- = mu/(tau J), r_+ + r_- = s^2/(tau J^2))
    mu, sig = 15e-3, 3e-3
    nu_s = delta_firing_rate(mu, sig, V_R, V_TH, TAU, TAU_R)
    dev = []
    for J in (1e-4, 5e-5, 2.5e-5):
        s2, m1 = sig ** 2 / (TAU * J ** 2), mu / (TAU * J)
        rates = np.array([[0.5 * (s2 + m1), 0.5 * (s2 - m1)]])
        _, _, nu = _stationary(8, rates, np.array([[J, -J]]), v_min=-0.01)
        dev.append(nu / nu_s - 1)
    assert dev[0] > dev[1] > dev[2] > 0, dev
    assert dev[2] < 0.01, dev          # 0.56 % at J = 0.025 mV (sigma / J = 120)


def test_stationary_density_and_public_simulate_agree_with_the_operator():
    net = neuromf.models.Brunel2000("brunel2000_D")
    r = dy.simulate(net, 0.02, dt=1e-4, synapses="jumps", scheme="discrete-time",
                    progress=False, record_densities=True, density_interval=0.01)
    assert r.parameters["synapses"] == "jumps"
    assert r.densities.shape[1:] == (2, r.parameters["n_cells"])
    np.testing.assert_allclose((r.densities[-1] * r.parameters["h"][:, None]).sum(1)
                               + r.rates[-20:].mean(0) * TAU_R, 1.0, rtol=2e-3)
    assert r.diagnostics["probability_drift_per_second"] < 1e-10


@pytest.mark.parametrize("scheme, dt, fs", [("discrete-time", 1e-4, "conserving"),
                                            ("discrete-time", 1e-4, "input"),
                                            ("backward-euler", 2e-5, "conserving")])
def test_brunel_B_conserves_probability_and_stays_non_negative(scheme, dt, fs):
    net = neuromf.models.Brunel2000("brunel2000_B")
    r = dy.simulate(net, 0.01, dt=dt, synapses="jumps", scheme=scheme, jump_cells=2,
                    finite_size=fs, seed=1, progress=False, perturbation=0.05)
    assert r.diagnostics["probability_drift_per_second"] < 1e-10
    assert r.diagnostics["min_density"] >= 0
    assert np.all(np.isfinite(r.rates)) and r.rates.min() >= 0


def test_crank_nicolson_conserves_and_checks_its_positivity_bound():
    net = neuromf.models.Brunel2000("brunel2000_D")
    with pytest.raises(ValueError, match="crank-nicolson.*dt <="):
        dy.simulate(net, 0.01, dt=1e-4, synapses="jumps", scheme="crank-nicolson",
                    progress=False)
    r = dy.simulate(net, 0.002, dt=2e-5, synapses="jumps", scheme="crank-nicolson",
                    jump_cells=1, progress=False, perturbation=0.05)
    assert r.diagnostics["probability_drift_per_second"] < 1e-10
    assert r.diagnostics["min_density"] >= 0


def test_nu_ext_stimulus_relaxes_to_the_stationary_rate_of_the_raised_drive():
    # uncoupled population (K = 0, one external synapse of J = 0.6 mV at 1250 Hz): a
    # +5 Hz nu_ext step must end where the operator's own stationary state for 1255 Hz is
    # (independent of the stimulus code path)
    from dyn_helpers import uncoupled
    net = uncoupled([15e-3], [3e-3])
    p = net.network_params
    stim = dy.Stimulus(nu_ext=dy.step(0.005, 5.0))
    r = dy.simulate(net, 0.2, dt=1e-4, synapses="jumps", scheme="discrete-time",
                    stimulus=stim, progress=False)
    J = float(p["J_ext"][0, 0])
    rates = np.array([[float(p["nu_ext"][0]) + 5.0]])
    op, m, nu = _stationary(4, rates, np.array([[J]]), v_min=r.parameters["v_min"][0])
    stepper = jo.DiscreteJumpStepper(op, 1e-4)
    hist = [nu] * 20
    for _ in range(2000):
        m, e, _ = stepper.step(m, rates, [0.0], np.array([hist[-20]]))
        hist.append(float(e[0]))
    assert r.rates[-1, 0] == pytest.approx(hist[-1], rel=1e-6)
    assert r.rates[-1, 0] > 1.04 * r.rates[40, 0]       # before the step: 3.18 Hz


def test_bad_input_raises_clear_errors():
    net = neuromf.models.Brunel2000("brunel2000_D")
    with pytest.raises(ValueError, match="synapses"):
        dy.simulate(net, 0.01, synapses="shot", progress=False)
    with pytest.raises(ValueError, match="method='fokker-planck'"):
        dy.simulate(net, 0.01, method="rate", synapses="jumps", progress=False)
    with pytest.raises(ValueError, match="only for synapses='jumps'"):
        dy.simulate(net, 0.01, scheme="discrete-time", progress=False)
    with pytest.raises(ValueError, match="jump_cells"):
        dy.simulate(net, 0.01, synapses="jumps", jump_cells=0, progress=False)
    with pytest.raises(ValueError, match="jump_counts"):
        dy.simulate(net, 0.01, synapses="jumps", jump_counts="gauss", progress=False)
    with pytest.raises(ValueError, match="'var' stimulus"):
        dy.simulate(net, 0.01, synapses="jumps", progress=False,
                    stimulus=dy.Stimulus(var=dy.step(0.005, 1e-6)))
    mc = neuromf.models.Microcircuit()
    with pytest.raises(ValueError, match="delta synapses"):
        dy.simulate(mc, 0.01, synapses="jumps", progress=False)
