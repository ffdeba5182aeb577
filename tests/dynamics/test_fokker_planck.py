"""Fokker–Planck integrator: stationary state, mass conservation, positivity, bad input.

Expected values: the Siegert formula and the Fourcaud & Brunel 2002 'shift' rate of
``neuromf.special._siegert`` (validated against mpmath in tests/special), the closed-form
stationary density of the white-noise LIF neuron (Brunel 2000, Eq. 18 ff., evaluated here
with scipy's Dawson function), closed-form moments of the truncated normal distribution.
"""

from __future__ import annotations

import numpy as np
import pytest
from dyn_helpers import uncoupled
from scipy.special import dawsn, erfc

import neuromf
from neuromf import dynamics as dy
from neuromf.dynamics import _fokker_planck as fp
from neuromf.dynamics._network import delay_kernel
from neuromf.special import _siegert
from neuromf.utils import ureg

# working points with y_th = (V_th - mu)/sigma between -1.7 and 3 (rates 0.06 - 160 Hz)
MU = np.array([12e-3, 15e-3, 18e-3, 25e-3, 5e-3])
SIGMA = np.array([3e-3, 2e-3, 1.5e-3, 3e-3, 5e-3])
V_R, V_TH, TAU, TAU_R = 10e-3, 20e-3, 20e-3, 2e-3


def _grid(n_grid, mu=MU, sigma=SIGMA):
    n = mu.size
    return fp.make_grid(np.minimum(mu, V_R) - 6 * sigma, np.full(n, V_R), np.full(n, V_TH),
                        n_grid)


def test_stationary_rate_equals_siegert_to_1e_6():
    n = MU.size
    grid = _grid(400)
    _, nu = fp.stationary_density(grid, MU, SIGMA, np.full(n, TAU), np.full(n, TAU_R))
    exact = _siegert.delta_firing_rate(MU, SIGMA, V_R, V_TH, TAU, TAU_R)
    np.testing.assert_allclose(nu, exact, rtol=1e-6)
    # fourth-order convergence: 2x finer grid, ~16x (here >= 6x) smaller error
    _, nu2 = fp.stationary_density(_grid(800), MU, SIGMA, np.full(n, TAU), np.full(n, TAU_R))
    assert np.all(np.abs(nu2 / exact - 1) < np.abs(nu / exact - 1) / 6 + 1e-12)


def test_stationary_density_equals_closed_form():
    """p(V) = 2 nu tau/sigma e^{-y^2} int_{max(y, y_r)}^{y_th} e^{u^2} du (Brunel 2000)."""
    n = MU.size
    grid = _grid(400)
    p, nu = fp.stationary_density(grid, MU, SIGMA, np.full(n, TAU), np.full(n, TAU_R))
    y = (grid.V - MU[:, None]) / SIGMA[:, None]
    y_th = ((V_TH - MU) / SIGMA)[:, None]
    lo = np.maximum(y, ((V_R - MU) / SIGMA)[:, None])
    # e^{-y^2} int_lo^{y_th} e^{u^2} du = e^{y_th^2 - y^2} F(y_th) - e^{lo^2 - y^2} F(lo)
    exact = (2 * nu[:, None] * TAU / SIGMA[:, None]
             * (np.exp(y_th ** 2 - y ** 2) * dawsn(y_th) - np.exp(lo ** 2 - y ** 2) * dawsn(lo)))
    err = np.abs(p - exact).max(axis=1) / exact.max(axis=1)
    assert np.all(err < 1e-6), err
    # normalisation with the refractory mass
    np.testing.assert_allclose(np.sum(grid.weights * p, axis=1) + nu * TAU_R, 1.0, rtol=1e-13)


def test_shift_rate_of_exp_synapses_and_time_stepping_keeps_it():
    tau_s = 0.5e-3
    net = uncoupled(MU[:4], SIGMA[:4], tau_s=tau_s)
    r = dy.simulate(net, 0.05, dt=5e-4, progress=False, n_grid=400)
    exact = _siegert.shift_firing_rate(MU[:4], SIGMA[:4], V_R, V_TH, TAU, TAU_R, tau_s)
    np.testing.assert_allclose(r.diagnostics["stationary_rate_discrete"], exact, rtol=1e-6)
    np.testing.assert_allclose(r.rates[-1], exact, rtol=1e-6)


def test_relaxation_after_a_step_reaches_the_new_siegert_rate():
    net = uncoupled(MU[:3], SIGMA[:3])
    step = dy.step(0.01, 1e-3)              # +1 mV of mean input from 10 ms on
    r = dy.simulate(net, 1.0, dt=5e-4, stimulus=dy.Stimulus(mu=step), progress=False,
                    n_grid=400)
    exact = _siegert.delta_firing_rate(MU[:3] + 1e-3, SIGMA[:3], V_R, V_TH, TAU, TAU_R)
    np.testing.assert_allclose(r.rates[-1], exact, rtol=2e-6)
    assert r.diagnostics["probability_drift_per_second"] < 1e-10
    assert r.diagnostics["min_density"] >= 0


def test_rate_method_relaxes_exponentially_to_the_siegert_rate():
    net = uncoupled(MU[:2], SIGMA[:2])
    r = dy.simulate(net, 0.1, dt=1e-4, method="rate", progress=False,
                    stimulus=dy.Stimulus(mu=dy.step(0.0, 1e-3)), rate_tau=5e-3)
    phi0 = _siegert.delta_firing_rate(MU[:2], SIGMA[:2], V_R, V_TH, TAU, TAU_R)
    phi1 = _siegert.delta_firing_rate(MU[:2] + 1e-3, SIGMA[:2], V_R, V_TH, TAU, TAU_R)
    expected = phi1 + (phi0 - phi1) * np.exp(-r.times[:, None] / 5e-3)
    np.testing.assert_allclose(r.rates, expected, rtol=1e-9)


def test_microcircuit_conserves_probability_and_stays_positive():
    net = neuromf.models.Microcircuit()
    stim = dy.microcircuit_stimulus(net, thalamic=True, dc=True)
    r = dy.simulate(net, 0.1, dt=2e-4, stimulus=stim, finite_size=True, seed=3,
                    progress=False, perturbation=0.01,
                    )
    assert r.diagnostics["probability_drift_per_second"] < 1e-10
    assert r.diagnostics["min_density"] >= 0.0
    assert np.all(np.isfinite(r.rates)) and np.all(r.rates >= 0)


def test_network_relaxes_to_the_theory_working_point():
    """Brunel 2000 state C is asynchronous (stable): a kick of the densities decays back to the
    self-consistent Siegert rates of neuromf.lif.delta."""
    net = neuromf.models.Brunel2000("brunel2000_C")
    r = dy.simulate(net, 0.3, dt=1e-4, progress=False, perturbation=0.3)
    wp = neuromf.lif.delta.firing_rates(net)
    np.testing.assert_allclose(r.rates[-1], wp, rtol=1e-5)


def test_delay_kernels_keep_the_mean_delay():
    dt = 1e-4
    k = delay_kernel(1.55e-3, 0.0, "none", dt)       # fixed delay between two lags
    lags = np.arange(1, k.size + 1) * dt
    assert k.sum() == pytest.approx(1.0) and lags @ k == pytest.approx(1.55e-3, rel=1e-12)
    m, s = 1.5e-3, 0.75e-3                            # truncated normal: closed-form mean
    k = delay_kernel(m, s, "truncated_gaussian", dt)
    a = -m / s
    phi, tail = np.exp(-a * a / 2) / np.sqrt(2 * np.pi), 0.5 * erfc(a / np.sqrt(2))
    lags = np.arange(1, k.size + 1) * dt
    assert lags @ k == pytest.approx(m + s * phi / tail, rel=2e-3)
    k = delay_kernel(2e-3, 1e-3, "lognormal", dt)
    lags = np.arange(1, k.size + 1) * dt
    assert lags @ k == pytest.approx(2e-3, rel=2e-3)


def test_finite_size_activity_has_poisson_counts():
    N = 500
    net = uncoupled(np.array([18e-3]), np.array([2e-3]), N=N)
    r = dy.simulate(net, 0.5, dt=1e-4, finite_size=True, seed=7, progress=False)
    again = dy.simulate(net, 0.02, dt=1e-4, finite_size=True, seed=7, progress=False)
    np.testing.assert_array_equal(r.rates[:201], again.rates)    # seeded
    nu = _siegert.delta_firing_rate(18e-3, 2e-3, V_R, V_TH, TAU, TAU_R)
    counts = r.rates[1:, 0] * N * 1e-4
    lam = nu * N * 1e-4
    assert counts.mean() == pytest.approx(lam, rel=0.03)
    assert counts.var() == pytest.approx(lam, rel=0.05)
    assert r.diagnostics["probability_drift_per_second"] < 1e-10


def test_result_saves_h5_with_units(tmp_path):
    net = uncoupled(MU[:2], SIGMA[:2])
    r = dy.simulate(net, 0.01, dt=1e-4, progress=False, record_densities=True)
    path = tmp_path / "dyn.h5"
    r.save(path)
    back = neuromf.input_output.load_val_unit_dict_from_h5(path)
    assert back["rates"].units == ureg.Hz
    np.testing.assert_allclose(back["rates"].magnitude, r.rates)
    assert back["parameters"]["dt"].to("ms").magnitude == pytest.approx(0.1)
    assert back["densities"].shape == (11, 2, 200)


# ---------------------------------------------------------------------------
# bad input: clear errors before integrating
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, match", [
    ({"t_sim": 0.01, "dt": 3e-4}, "integer multiple"),
    ({"t_sim": 0.01, "dt": 2.5e-3}, "tau_r"),
    ({"t_sim": 0.01, "dt": 1e-4, "n_grid": 20}, "too coarse"),
    ({"t_sim": 0.01, "dt": 1e-4, "method": "euler"}, "method"),
])
def test_bad_parameters_raise(kwargs, match):
    net = uncoupled(MU[:1], SIGMA[:1])
    with pytest.raises(ValueError, match=match):
        dy.simulate(net, progress=False, **kwargs)


def test_crank_nicolson_outside_its_positivity_bound_raises():
    net = neuromf.models.Microcircuit()
    with pytest.raises(ValueError, match="not positivity-preserving"):
        dy.simulate(net, 0.01, dt=1e-4, scheme="crank-nicolson", progress=False)


def test_crank_nicolson_conserves_probability_and_matches_backward_euler():
    """Second-order scheme: after a step of mu, CN at dt = 20 µs and BE at dt = 2 µs give
    the same rate trace (BE's first-order error ~ 1e-3 at 2 µs)."""
    net = uncoupled(MU[:2], SIGMA[:2])
    stim = dy.Stimulus(mu=dy.step(0.002, 1e-3))
    cn = dy.simulate(net, 0.01, dt=2e-5, stimulus=stim, scheme="crank-nicolson",
                     progress=False, n_grid=100)
    be = dy.simulate(net, 0.01, dt=2e-6, stimulus=stim, progress=False, n_grid=100)
    assert cn.diagnostics["probability_drift_per_second"] < 1e-10
    assert cn.diagnostics["min_density"] > -1e-12      # round-off only (densities ~ 100 1/V)
    np.testing.assert_allclose(cn.rates[-1], be.rates[-1], rtol=2e-3)


def test_dt_too_large_for_the_implicit_step_raises():
    net = uncoupled(np.array([40e-3]), np.array([0.5e-3]))     # strong drift, weak noise
    with pytest.raises(ValueError, match="numerical diffusion"):
        dy.simulate(net, 0.01, dt=1e-3, progress=False)


@pytest.mark.parametrize("stimulus, match", [
    (dy.Stimulus(nu_ext=dy.from_array([0.0, 0.005], [1.0, 2.0])), "covers"),
    (dy.Stimulus(nu_ext=dy.from_array([0.0, 0.005, 0.01], [1.0, 2.0])), "must match"),
    (dy.Stimulus(nu_ext=dy.from_array(np.linspace(0, 0.01, 5), np.ones((5, 3)))), "column"),
    (dy.Stimulus(nu_ext=dy.step(0.0, 5 * ureg.mV)), "unit of Hz"),
    (dy.Stimulus(I_ext=dy.step(0.0, 5 * ureg.Hz)), "unit of A"),
    (dy.Stimulus(mu=dy.step(0.0, 1e-3, populations=["L9E"])), "unknown population"),
])
def test_bad_stimulus_raises_before_integrating(stimulus, match):
    net = uncoupled(MU[:2], SIGMA[:2])
    with pytest.raises(ValueError, match=match):
        dy.simulate(net, 0.01, dt=1e-4, stimulus=stimulus, progress=False)


def test_array_stimulus_with_units_is_interpolated():
    net = uncoupled(MU[:2], SIGMA[:2])
    t = np.linspace(0, 0.01, 11) * ureg.s
    values = np.linspace(0, 1, 11) * ureg.mV
    r = dy.simulate(net, 0.01, dt=1e-4, progress=False,
                    stimulus=dy.Stimulus(mu=dy.from_array(t, values)))
    np.testing.assert_allclose(r.mu[-1] - r.mu[0], 1e-3, rtol=1e-12)


@pytest.mark.slow
def test_report_run_writes_rates_spectra_and_figures(tmp_path):
    from neuromf.dynamics import report
    lines = report.run("microcircuit", t_sim=0.2, stimulus="thalamic", finite_size=True,
                       out_dir=tmp_path, dt=2e-4, seed=1, progress=False, t_transient=0.05)
    assert lines[0].startswith("neuromf dynamics: microcircuit, 8 populations")
    assert any(line.split()[0] == "L4E" for line in lines if line.strip())
    for name in ("dynamics.h5", "spectra.h5", "rates.png", "spectra.png"):
        assert (tmp_path / name).is_file()
    with pytest.raises(ValueError, match="unknown stimulus"):
        report.run("microcircuit", t_sim=0.01, stimulus="flash", progress=False)


def test_thalamic_pulse_uses_the_simulation_parameters():
    """Independent route: neuromf.simulation.derive_spec builds the NEST realisation
    (synapse numbers, PSC weight in pA, delay) from the same defaults."""
    from neuromf.simulation import derive_spec
    net = neuromf.models.Microcircuit()
    spec = derive_spec(net, scale=1.0, params={"thalamic_input": True})
    th = dy.thalamic_pulse(net)
    p = net.network_params
    np.testing.assert_allclose(th.K, spec.thalamic["n_synapses"] / p["N"], rtol=1e-12)
    np.testing.assert_allclose(th.J, spec.thalamic["weight"] * 1e-12 * p["tau_s"] / p["C"],
                               rtol=1e-12)
    assert th.delay == pytest.approx(spec.thalamic["delay"] * 1e-3)
    r = dy.simulate(net, 0.76, dt=2e-4, stimulus=dy.Stimulus(external=[th]), progress=False)
    before = r.rates[(r.times > 0.6) & (r.times < 0.7)].mean(axis=0)
    peak = r.rates[(r.times > 0.7) & (r.times < 0.73)].max(axis=0)
    targeted = np.asarray(spec.thalamic["n_synapses"]) > 0      # L4 and L6
    assert np.all(peak[targeted] > 2 * before[targeted])


def test_finite_size_input_mode_conserves_probability():
    """Brunel & Hakim 1999 variant: noisy recurrent input, deterministic re-injection."""
    net = neuromf.models.Brunel2000("brunel2000_C")
    r = dy.simulate(net, 0.05, dt=1e-4, finite_size="input", seed=1, progress=False)
    assert r.diagnostics["probability_drift_per_second"] < 1e-10
    assert np.any(r.rates != r.flux)
    with pytest.raises(ValueError, match="finite_size"):
        dy.simulate(net, 0.01, dt=1e-4, finite_size="binomial", progress=False)
