"""Self-consistent working point of LIF networks (exp and δ synapses).

References: mpmath quadrature of the Siegert / shifted Siegert formulas
(conftest.mp_siegert, mp_shift_rate) for the self-consistency residual; the
closed-form input statistics written out with explicit sums; NNMT 1.3 side by side
on networks where NNMT is correct.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from references import mp_shift_rate, mp_siegert, nnmt_file

import neuromf
from neuromf import ureg
from neuromf.lif import delta, exp
from neuromf.models import Basic, Microcircuit

MICRO = "microcircuit_network_params.yaml"


def _microcircuit():
    return Microcircuit(nnmt_file(MICRO), nnmt_file("bos2016_analysis_params.yaml"))


def test_input_statistics_match_explicit_sums():
    rng = np.random.default_rng(3)
    n = 4
    nu, J, K = rng.uniform(0, 10, n), rng.normal(0, 1e-4, (n, n)), rng.uniform(0, 500, (n, n))
    tau_m, J_ext = rng.uniform(5e-3, 20e-3, n), rng.uniform(0, 2e-4, n)
    K_ext = rng.uniform(0, 900, n)
    nu_ext, I_ext, C = 8.0, rng.uniform(0, 1e-10, n), 250e-12
    mu = exp._mean_input(nu, J, K, tau_m, J_ext, K_ext, nu_ext, I_ext, C)
    sigma = exp._std_input(nu, J, K, tau_m, J_ext, K_ext, nu_ext)
    for a in range(n):
        m = sum(K[a, b] * J[a, b] * nu[b] for b in range(n)) + K_ext[a] * J_ext[a] * nu_ext
        v = (sum(K[a, b] * J[a, b] ** 2 * nu[b] for b in range(n))
             + K_ext[a] * J_ext[a] ** 2 * nu_ext)
        assert mu[a] == pytest.approx(tau_m[a] * (m + I_ext[a] / C), rel=1e-13)
        assert sigma[a] == pytest.approx(np.sqrt(tau_m[a] * v), rel=1e-13)


def test_microcircuit_rates_are_self_consistent_against_mpmath():
    net = _microcircuit()
    wp = exp.working_point(net)
    p = net.network_params
    for a in range(8):
        reference = mp_shift_rate(wp["mean_input"][a], wp["std_input"][a], 0.0,
                                  p["V_th_rel"], p["tau_m"], p["tau_r"], p["tau_s"])
        assert wp["firing_rates"][a] == pytest.approx(reference, rel=1e-10)


def test_delta_rates_are_self_consistent_against_mpmath():
    net = neuromf.models.load_model("brunel2000_C")
    wp = delta.working_point(net)
    p = net.network_params
    for a in range(2):
        reference = mp_siegert(wp["mean_input"][a], wp["std_input"][a], p["V_0_rel"][a],
                               p["V_th_rel"][a], p["tau_m"][a], p["tau_r"][a])
        assert wp["firing_rates"][a] == pytest.approx(reference, rel=1e-10)
    # state C of Brunel 2000 (AI): E and I identical by symmetry
    assert wp["firing_rates"][0] == pytest.approx(wp["firing_rates"][1], rel=1e-12)


@pytest.mark.parametrize("method", ["shift", "taylor"])
def test_microcircuit_matches_nnmt(nnmt, method):
    ours = exp.working_point(_microcircuit(), method=method)
    theirs_net = nnmt.models.Microcircuit(nnmt_file(MICRO),
                                          nnmt_file("bos2016_analysis_params.yaml"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = nnmt.lif.exp.working_point(theirs_net, method=method, eps_tol=1e-12)
    for key in ("firing_rates", "mean_input", "std_input"):
        np.testing.assert_allclose(ours[key], np.asarray(theirs[key]), rtol=1e-8, err_msg=key)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_random_networks_match_nnmt(nnmt, seed):
    """Random 5-population networks in the fluctuation-driven regime, where NNMT is fine."""
    rng = np.random.default_rng(seed)
    n = 5
    params = {
        "populations": [f"P{i}" for i in range(n)], "N": [1000] * n,
        "C": 250 * ureg.pF, "tau_m": 10 * ureg.ms, "tau_r": 2 * ureg.ms, "tau_s": 0.5 * ureg.ms,
        "V_0_abs": -65 * ureg.mV, "V_th_abs": -50 * ureg.mV,
        "K": rng.uniform(50, 250, (n, n)),
        "W": (rng.uniform(60, 100, (n, n)) * np.where(np.arange(n) % 2, -4, 1)) * ureg.pA,
        "K_ext": rng.uniform(1500, 2500, n), "W_ext": 87.8 * np.ones(n) * ureg.pA,
        "nu_ext": 8 * ureg.Hz,
    }
    ours = exp.firing_rates(Basic(params))
    their_net = nnmt.models.Basic(params)
    theirs = nnmt.lif.exp.firing_rates(their_net, eps_tol=1e-12)
    np.testing.assert_allclose(ours, theirs, rtol=1e-8, atol=1e-12)
    assert np.all(ours >= 0)     # NNMT's ODE can end a hair below zero (-1e-17 Hz)


def test_solver_methods_agree():
    net = _microcircuit()
    newton = exp.firing_rates(net)
    ode = exp.firing_rates(net, fixpoint_method="ODE", eps_tol=1e-13)
    np.testing.assert_allclose(newton, ode, rtol=1e-10)
    lstsq = exp.firing_rates(net, fixpoint_method="LSTSQ", nu_0=newton * 1.1)
    np.testing.assert_allclose(lstsq, newton, rtol=1e-6)
    guess = exp.firing_rates(net, nu_0=np.full(8, 20.0))
    np.testing.assert_allclose(guess, newton, rtol=1e-10)


def test_newton_finds_the_stable_fixed_point_of_a_bistable_unit():
    """One self-exciting population: low-rate and high-rate states are stable, the
    middle one unstable. From nu_0 = 0 the ODE method and the default agree."""
    params = {"populations": ["E"], "N": [1000], "C": 250 * ureg.pF, "tau_m": 10 * ureg.ms,
              "tau_r": 2 * ureg.ms, "tau_s": 0.5 * ureg.ms, "V_0_abs": -65 * ureg.mV,
              "V_th_abs": -50 * ureg.mV, "K": np.array([[400.0]]),
              "W": np.array([[90.0]]) * ureg.pA, "K_ext": np.array([800.0]),
              "W_ext": np.array([87.8]) * ureg.pA, "nu_ext": 8 * ureg.Hz}
    net = Basic(params)
    default = exp.firing_rates(net)
    ode = exp.firing_rates(net, fixpoint_method="ODE", eps_tol=1e-12)
    np.testing.assert_allclose(default, ode, rtol=1e-9)
    high = exp.firing_rates(net, nu_0=np.array([300.0]))
    assert high[0] > 10 * default[0]


def test_dc_current_scalar_and_array():
    net = _microcircuit()
    base = exp.working_point(net)
    for I_ext in (50e-12, np.full(8, 50e-12)):
        other = net.change_parameters({"I_ext": I_ext * ureg.A})
        wp = exp.working_point(other)
        assert not np.allclose(wp["firing_rates"], base["firing_rates"], rtol=1e-3)
        p = other.network_params
        expected_mu = exp._mean_input(wp["firing_rates"], p["J"], p["K"], p["tau_m"], p["J_ext"],
                                      p["K_ext"], p["nu_ext"]) + p["tau_m"] * 50e-12 / p["C"]
        np.testing.assert_allclose(wp["mean_input"], expected_mu, rtol=1e-12)


def test_taylor_negative_rate_warns_names_population_and_falls_back():
    mu = np.array([10e-3, 40e-3])
    sigma = np.array([5e-3, 0.5e-3])
    tau_s = 5e-3   # sqrt(tau_s/tau_m) ~ 0.7: the expansion fails for strong drive
    with pytest.warns(exp.NegativeRateWarning, match="population"):
        nu = exp._firing_rate_taylor(mu, sigma, 0.0, 15e-3, 10e-3, 2e-3, tau_s,
                                     populations=["A", "B"])
    assert np.all(nu >= 0)
    shift = exp._firing_rate_shift(mu, sigma, 0.0, 15e-3, 10e-3, 2e-3, tau_s)
    raw = neuromf.special._siegert.taylor_firing_rate(mu, sigma, 0.0, 15e-3, 10e-3, 2e-3, tau_s)
    np.testing.assert_allclose(nu, np.where(raw < 0, shift, raw))


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.floats(-0.1, 0.1), st.floats(1e-4, 0.05)), min_size=1,
                max_size=6), st.sampled_from(["shift", "taylor"]))
def test_vectorized_equals_scalar_calls(pairs, method):
    mu = np.array([m for m, _ in pairs])
    sigma = np.array([s for _, s in pairs])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        vec = exp._firing_rates_for_given_input(mu, sigma, 0.0, 15e-3, 10e-3, 2e-3, 0.5e-3, method)
        for i in range(len(mu)):
            one = exp._firing_rates_for_given_input(mu[i], sigma[i], 0.0, 15e-3, 10e-3, 2e-3,
                                                    0.5e-3, method)
            assert np.isfinite(one) and one >= 0
            assert vec[i] == pytest.approx(float(one), rel=1e-13, abs=1e-300)


def test_bad_choices_and_non_convergence():
    net = _microcircuit()
    with pytest.raises(ValueError, match="valid choices are 'shift', 'taylor'"):
        exp.firing_rates(net, method="exact")
    with pytest.raises(ValueError, match="valid choices are 'newton', 'ODE', 'LSTSQ'"):
        exp.firing_rates(net, fixpoint_method="bisect")
    with pytest.raises(RuntimeError, match=r"did not converge after 1 intervals; last maximum "
                                           r"change .* Hz"):
        exp.firing_rates(net, fixpoint_method="ODE", maxiter_ODE=1, t_max_ODE=2, eps_tol=1e-15)
    with pytest.raises(ValueError, match="nu_0 must be finite and >= 0"):
        exp.firing_rates(net, nu_0=-np.ones(8))


def test_bad_parameter_level_input():
    with pytest.raises(ValueError, match="tau_s must be > 0"):
        exp._firing_rates(np.zeros((1, 1)), np.ones((1, 1)), 0.0, 0.015, 0.01, 0.002, -1e-3,
                          np.zeros(1), np.zeros(1), 0.0)
    with pytest.raises(ValueError, match="J has shape"):
        delta._firing_rates(np.zeros((2, 2)), np.ones((3, 3)), 0.0, 0.015, 0.01, 0.002,
                            np.zeros(3), np.zeros(3), 0.0)
    with pytest.raises(ValueError, match="I_ext is given but the membrane capacitance C"):
        exp._mean_input(np.ones(1), np.ones((1, 1)), np.ones((1, 1)), 0.01, 0.0, 0.0, 0.0,
                        I_ext=1e-12)


def test_nnmt_script_runs_unchanged_with_neuromf_as_nnmt(nnmt):
    import neuromf as nnmt_like

    net = nnmt_like.models.Microcircuit(nnmt_file(MICRO), nnmt_file("bos2016_analysis_params.yaml"))
    wp = nnmt_like.lif.exp.working_point(net, method="shift")
    ref_net = nnmt.models.Microcircuit(nnmt_file(MICRO), nnmt_file("bos2016_analysis_params.yaml"))
    ref = nnmt.lif.exp.working_point(ref_net, method="shift", eps_tol=1e-12)
    np.testing.assert_allclose(wp["firing_rates"], ref["firing_rates"], rtol=1e-8)
    assert net.results["lif.exp.firing_rates"] is wp["firing_rates"]
