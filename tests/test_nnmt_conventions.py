"""The convention switch (neuromf.use_convention / neuromf.convention).

For every deliberate difference from NNMT 1.3 (docs/coming_from_nnmt.md) a test shows
(a) that the "nnmt" convention reproduces NNMT 1.3's numbers, run side by side (skipped
without the ``nnmt`` package), and (b) which of the two is right, from an independent
source: a limit, a closed form, a quadrature, a Monte-Carlo estimate or a finite
difference.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose

import neuromf
from neuromf import conventions
from neuromf.lif import exp

# first two populations of the microcircuit (NNMT's standard test parameters), SI
MU = np.array([3.30e-3, 7.03e-3])
SIGMA = np.array([6.19e-3, 5.11e-3])
PARAMS = dict(tau_m=0.01, tau_s=0.0005, tau_r=0.002, V_th_rel=0.015, V_0_rel=0.0)


# ---------------------------------------------------------------------------
# the switch itself
# ---------------------------------------------------------------------------

def test_default_is_neuromf_and_switch_returns_previous():
    assert conventions.current() == "neuromf"
    previous = neuromf.use_convention("nnmt")
    try:
        assert previous == "neuromf" and conventions.current() == "nnmt"
        assert conventions.flag("refractory_phase") is False
    finally:
        neuromf.use_convention("neuromf")
    assert conventions.flag("refractory_phase") is True


def test_context_manager_restores_after_an_exception():
    with pytest.raises(RuntimeError):
        with neuromf.convention("nnmt"):
            assert conventions.is_nnmt()
            raise RuntimeError("boom")
    assert conventions.current() == "neuromf"


def test_unknown_convention_and_flag_are_clear_errors():
    with pytest.raises(ValueError, match="convention must be one of"):
        neuromf.use_convention("NNMT 1.3")
    with pytest.raises(ValueError, match="unknown convention flag"):
        conventions.flag("no_such_flag")


def test_per_call_keyword_wins_over_the_convention():
    omegas = np.array([0.0, 10.0, 100.0])
    with neuromf.convention("nnmt"):
        forced = exp._transfer_function_shift(MU, SIGMA, **PARAMS, omegas=omegas,
                                              refractory_phase=True)
    default = exp._transfer_function_shift(MU, SIGMA, **PARAMS, omegas=omegas)
    assert_allclose(forced, default, rtol=1e-14)
    nnmt_like = exp._transfer_function_shift(MU, SIGMA, **PARAMS, omegas=omegas,
                                             refractory_phase=False)
    with neuromf.convention("nnmt"):
        assert_allclose(exp._transfer_function_shift(MU, SIGMA, **PARAMS, omegas=omegas),
                        nnmt_like, rtol=1e-14)


def test_cached_results_are_kept_apart_per_convention():
    net = neuromf.models.Microcircuit("bos2016")
    exp.working_point(net)
    H_default = exp.transfer_function(net, freqs=[10.0, 50.0])
    with neuromf.convention("nnmt"):
        H_nnmt = exp.transfer_function(net, freqs=[10.0, 50.0])
    assert not np.allclose(H_default, H_nnmt)
    assert_allclose(exp.transfer_function(net, freqs=[10.0, 50.0]), H_default)


# ---------------------------------------------------------------------------
# refractory phase of the transfer function
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("method", ["shift", "taylor"])
def test_refractory_phase_low_frequency_limit(method):
    """Which is right: H(omega -> 0) must equal H(0) = d nu / d mu (the static response).
    With the reset-flux phase it does; without (NNMT) H jumps at omega = 0 ('shift': the
    limit is H(0) / (1 - nu tau_r))."""
    func = exp._transfer_function_shift if method == "shift" else exp._transfer_function_taylor
    om = np.array([0.0, 1e-4])
    H = func(MU, SIGMA, **PARAMS, omegas=om)
    assert_allclose(H[1], H[0], rtol=1e-6)
    with neuromf.convention("nnmt"):
        H_nnmt = func(MU, SIGMA, **PARAMS, omegas=om)
    assert np.all(np.abs(H_nnmt[1] / H_nnmt[0] - 1) > 1e-3)
    if method == "shift":
        rate = exp._firing_rate_shift(MU, SIGMA, PARAMS["V_0_rel"], PARAMS["V_th_rel"],
                                      PARAMS["tau_m"], PARAMS["tau_r"], PARAMS["tau_s"])
        assert_allclose(H_nnmt[1].real * (1 - rate * PARAMS["tau_r"]), H_nnmt[0].real,
                        rtol=1e-4)


def test_refractory_phase_nnmt_convention_matches_nnmt(nnmt):
    om = 2 * np.pi * np.array([1.0, 10.0, 80.0])
    with neuromf.convention("nnmt"):
        ours = exp._transfer_function_shift(MU, SIGMA, **PARAMS, omegas=om)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = nnmt.lif.exp._transfer_function_shift(MU, SIGMA, **PARAMS, omegas=om)
    assert_allclose(ours, theirs, rtol=1e-8)


# ---------------------------------------------------------------------------
# lognormal delays
# ---------------------------------------------------------------------------

def test_lognormal_delays_sign_and_zero_frequency():
    """Which is right: D(omega) = E[exp(-i omega d)] (Monte Carlo) and D(0) = 1."""
    rng = np.random.default_rng(7)
    mu, sd = 1.5e-3, 1.5e-3
    m = neuromf.network_properties._mu_underlying_gaussian(mu, sd)
    s = neuromf.network_properties._sigma_underlying_gaussian(mu, sd)
    d = rng.lognormal(m, s, size=400_000)
    om = np.array([0.0, 2 * np.pi * 50.0, 2 * np.pi * 200.0])
    mc = np.exp(-1j * om[:, None] * d[None, :]).mean(axis=1)
    D = neuromf.network_properties._delay_dist_matrix(mu, sd, "lognormal", om)
    assert_allclose(D, mc, atol=4e-3)
    assert D[0] == 1
    with neuromf.convention("nnmt"):
        D_nnmt = neuromf.network_properties._delay_dist_matrix(mu, sd, "lognormal", om)
    assert D_nnmt[0] == 0
    assert_allclose(D_nnmt[1:], np.conj(D[1:]), rtol=1e-12)


def test_lognormal_nnmt_convention_matches_nnmt(nnmt):
    Delay = np.array([[1.5e-3, 0.75e-3]])
    Delay_sd = np.array([[1.5e-3, 1.0e-3]])
    om = 2 * np.pi * np.array([0.0, 5.0, 60.0])
    with neuromf.convention("nnmt"):
        ours = neuromf.network_properties._delay_dist_matrix(Delay, Delay_sd, "lognormal", om)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = nnmt.network_properties._delay_dist_matrix(Delay, Delay_sd, "lognormal", om)
    assert_allclose(ours, theirs, rtol=1e-6, atol=1e-12)


# ---------------------------------------------------------------------------
# spectral bound
# ---------------------------------------------------------------------------

def test_spectral_bound_sign():
    """Which is right: a stable matrix (all Re lambda < 0) has a negative spectral bound."""
    J_eff = np.array([[-2.0, 0.5], [0.1, -3.0]])
    bound = neuromf.linear_response._spectral_bound(J_eff)
    assert_allclose(bound, np.linalg.eigvals(J_eff).real.max())
    assert bound < 0
    with neuromf.convention("nnmt"):
        assert_allclose(neuromf.linear_response._spectral_bound(J_eff), -bound)


# ---------------------------------------------------------------------------
# 1-d K_ext with 1-d nu_ext
# ---------------------------------------------------------------------------

def test_external_drive_per_population_or_nnmt_dot_product(nnmt):
    """Which is right: population a receives K_ext[a] inputs of rate nu_ext[a] (its own
    sources); NNMT sums all populations' external drives and gives it to every one."""
    args = dict(nu=np.array([1.0, 2.0]), J=np.full((2, 2), 1e-4), K=np.full((2, 2), 10.0),
                tau_m=0.01, J_ext=np.array([1e-4, 1e-4]), K_ext=np.array([100.0, 200.0]),
                nu_ext=np.array([5.0, 0.0]))
    mu = exp._mean_input(**args)
    recurrent = 0.01 * (np.full((2, 2), 10.0) * 1e-4) @ args["nu"]
    assert_allclose(mu, recurrent + 0.01 * np.array([100 * 1e-4 * 5.0, 0.0]))
    with neuromf.convention("nnmt"):
        mu_nnmt = exp._mean_input(**args)
    assert_allclose(mu_nnmt, nnmt.lif._general._mean_input(**args), rtol=1e-12)
    assert_allclose(mu_nnmt, recurrent + 0.01 * 100 * 1e-4 * 5.0)


# ---------------------------------------------------------------------------
# Taylor rates and their derivative
# ---------------------------------------------------------------------------

def test_taylor_rate_negative_falls_back_unless_nnmt():
    mu, sigma = np.array([0.01]), np.array([0.002])      # sub-threshold, weak noise
    args = (mu, sigma, 0.0, 0.015, 0.01, 0.002, 0.0005)
    from neuromf.special._siegert import taylor_firing_rate
    raw = taylor_firing_rate(*args)
    assert raw < -1e-3                                    # the expansion broke down
    with pytest.warns(exp.NegativeRateWarning):
        nu = exp._firing_rate_taylor(*args)
    assert nu >= 0
    with neuromf.convention("nnmt"), pytest.warns(exp.NegativeRateWarning):
        assert_allclose(exp._firing_rate_taylor(*args), raw)


def test_derivative_of_taylor_rate_is_the_derivative(nnmt):
    """neuromf's d nu/d mu equals the central finite difference of the Taylor rate;
    NNMT's analytic formula deviates (expected failure of NNMT's suite)."""
    mu = np.array([-0.0085, 0.004, 0.009])
    sigma = np.array([0.0022, 0.0022, 0.0022])
    args = (0.0, 0.015, 0.01, 0.002, 0.0005)
    h = 1e-7
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fd = (nnmt.lif.exp._firing_rate_taylor(mu + h, sigma, *args)
              - nnmt.lif.exp._firing_rate_taylor(mu - h, sigma, *args)) / (2 * h)
        ours = exp._derivative_of_firing_rates_wrt_mean_input(mu, sigma, *args)
    assert_allclose(ours, fd, rtol=1e-6)


# ---------------------------------------------------------------------------
# external rates for a fixed working point
# ---------------------------------------------------------------------------

def test_external_rates_exact_or_nnmts_least_squares(nnmt):
    """Which is right: rates that do not produce the target are no solution.  Two
    populations with identical inputs cannot be given different targets."""
    p = dict(mu_set=np.array([0.010, 0.012]), sigma_set=np.array([0.004, 0.005]),
             J=np.full((2, 2), 1e-4), K=np.full((2, 2), 10.0), V_0_rel=0.0,
             V_th_rel=0.015, tau_m=0.01, tau_r=0.002, tau_s=0.0005,
             J_ext=np.array([[1e-4, -4e-4], [1e-4, -4e-4]]),
             K_ext=np.array([[100.0, 50.0], [100.0, 50.0]]))
    with pytest.raises(ValueError, match="cannot be reached"):
        neuromf.rate_mapping._external_rates_for_fixed_input(**p)
    with neuromf.convention("nnmt"), pytest.warns(UserWarning, match="miss the target"):
        ours = neuromf.rate_mapping._external_rates_for_fixed_input(**p)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = nnmt.lif.exp._external_rates_for_fixed_input(**p)
    assert_allclose(ours, theirs, rtol=1e-6)


# ---------------------------------------------------------------------------
# NNMT's cache hash
# ---------------------------------------------------------------------------

def test_hash_exact_or_nnmts(nnmt):
    """Which is right: NNMT's hash of str(array) cannot tell apart arrays that differ
    only where numpy's printing elides them."""
    a = np.zeros(2000)
    b = a.copy()
    b[1000] = 1.0
    assert neuromf.input_output.create_hash({"x": a}, ["x"]) != \
        neuromf.input_output.create_hash({"x": b}, ["x"])
    with neuromf.convention("nnmt"):
        ha = neuromf.input_output.create_hash({"x": a}, ["x"])
        hb = neuromf.input_output.create_hash({"x": b}, ["x"])
    assert ha == hb == nnmt.input_output.create_hash({"x": a}, ["x"])


# ---------------------------------------------------------------------------
# left eigenvector of the sensitivity measure
# ---------------------------------------------------------------------------

def test_left_eigenvector_normalisation():
    rng = np.random.default_rng(3)
    M = rng.normal(size=(1, 4, 4)) + 1j * rng.normal(size=(1, 4, 4))
    res = exp._sensitivity_measure(M, frequency=10.0, analysis_frequencies=[10.0])
    u, v = res["left_eigenvector"], res["right_eigenvector"]
    assert_allclose(u @ v, 1.0, rtol=1e-10)        # the normalisation Bos et al. use
    with neuromf.convention("nnmt"):
        res_nnmt = exp._sensitivity_measure(M, frequency=10.0, analysis_frequencies=[10.0])
    u_n = res_nnmt["left_eigenvector"]
    assert_allclose(np.linalg.norm(u_n), 1.0)
    assert_allclose(np.conj(u_n) @ M[0], res["critical_eigenvalue"] * np.conj(u_n),
                    atol=1e-10)
    assert_allclose(res_nnmt["sensitivity"], res["sensitivity"], rtol=1e-10)
