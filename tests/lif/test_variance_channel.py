"""Variance channel of the LIF linear response and the Nyquist stability count.

Independent references:

* the rate response to modulated mean and variance from a direct numerical solution of
  the linearised Fokker-Planck equation by threshold integration (Richardson 2007, Phys
  Rev E 76: 021919), written here with scipy's ODE solver -- it shares no formula with
  the parabolic-cylinder expressions under test;
* the zero-frequency limits as mpmath derivatives of the Siegert / shifted Siegert rate
  (``tests/references.py``);
* the Jacobian of the stationary rate map nu -> Phi(mu(nu), sigma(nu)) by mpmath
  differentiation, which the effective connectivity with the variance channel must equal
  at omega = 0 (Brunel & Hakim 1999: both mu and sigma^2 depend on the rates);
* the closed-form roots of the delayed rate equation ``(1 + s tau) + a exp(-s d) = 0``
  via the Lambert W function, for the unstable-mode count.
"""

from __future__ import annotations

import mpmath as mp
import numpy as np
import pytest
from references import mp_shift_rate, mp_siegert
from scipy.integrate import solve_ivp
from scipy.special import lambertw

from neuromf import linear_response as LR
from neuromf.lif._general import _mean_input, _std_input
from neuromf.lif._transfer import (
    _transfer_function_delta,
    _transfer_function_variance_delta,
    _transfer_function_variance_shift,
)

TAU_M, TAU_R, V_TH, V_R = 20e-3, 2e-3, 20e-3, 10e-3


def _threshold_integration(mu, sigma, omega, tau_m=TAU_M, tau_r=TAU_R, V_th=V_TH, V_r=V_R):
    """Rate responses (Hz/V, Hz/V^2) to modulated mean and variance by threshold integration.

    Units: time in tau_m, voltage in mV.  Fokker-Planck flux J = (mu - V) P - D dP/dV
    with D = sigma^2 / 2; absorbing threshold, reinjection at V_r after tau_r.  Linear
    response: i w P1 = -dJ1/dV + r1 exp(-i w tau_r) delta(V - V_r), with
    J1 = (mu - V) P1 - D dP1/dV + dmu P0 - dD dP0/dV.  Integrated downwards from V_th
    (P1 = 0, J1 = r1) and split into the part proportional to r1 and the driven part;
    J1 -> 0 far below fixes r1.
    """
    mu, s, vth, vr = mu * 1e3, sigma * 1e3, V_th * 1e3, V_r * 1e3
    D = s * s / 2
    w, t_r = omega * tau_m, tau_r / tau_m
    v_lb = min(vr, mu) - 10 * s

    def rhs(v, y, above_reset):
        p0, ph, jh, pm, jm, pv, jv = y
        j0 = 1.0 if above_reset else 0.0
        dp0 = ((mu - v) * p0 - j0) / D
        return [dp0,
                ((mu - v) * ph - jh) / D, -1j * w * ph,                 # proportional to r1
                ((mu - v) * pm + p0 - jm) / D, -1j * w * pm,           # driven, d mu = 1
                ((mu - v) * pv - jv - dp0) / D, -1j * w * pv]          # driven, d D = 1

    opts = {"rtol": 1e-11, "atol": 1e-14, "method": "DOP853"}
    y0 = np.array([0, 0, 1, 0, 0, 0, 0], complex)
    upper = solve_ivp(rhs, (vth, vr), y0, args=(True,), **opts)
    y = upper.y[:, -1].copy()
    y[2] -= np.exp(-1j * w * t_r)           # reinjected flux crossing V_r downwards
    lower = solve_ivp(rhs, (vr, v_lb), y, args=(False,), dense_output=True, **opts)
    y_lb = lower.y[:, -1]
    # r0 = 1 / (int P0 + tau_r) in units of 1/tau_m (P0 computed for unit flux)
    grid_u = np.linspace(vr, vth, 4001)
    grid_l = np.linspace(v_lb, vr, 4001)
    p_u = solve_ivp(rhs, (vth, vr), y0, args=(True,), t_eval=grid_u[::-1], **opts).y[0].real
    p_l = lower.sol(grid_l[::-1])[0].real
    mass = np.trapezoid(p_u[::-1], grid_u) + np.trapezoid(p_l[::-1], grid_l)
    r0 = 1.0 / (mass + t_r)
    r1_mu = -y_lb[4] / y_lb[2] * r0          # per mV of mean, in 1/tau_m
    r1_D = -y_lb[6] / y_lb[2] * r0           # per mV^2 of D
    return r1_mu / tau_m * 1e3, r1_D / tau_m * 1e6 / 2, r0 / tau_m


@pytest.mark.parametrize("mu, sigma", [(18.4e-3, 3.36e-3), (12e-3, 5e-3), (24e-3, 2e-3)])
def test_delta_responses_match_threshold_integration(mu, sigma):
    omegas = 2 * np.pi * np.array([1.0, 17.0, 80.0, 350.0])
    H_mu = _transfer_function_delta(mu, sigma, TAU_M, TAU_R, V_TH, V_R, omegas)[:, 0]
    H_var = _transfer_function_variance_delta(mu, sigma, TAU_M, TAU_R, V_TH, V_R, omegas)[:, 0]
    for k, om in enumerate(omegas):
        ref_mu, ref_var, nu0 = _threshold_integration(mu, sigma, om)
        assert nu0 == pytest.approx(mp_siegert(mu, sigma, V_R, V_TH, TAU_M, TAU_R), rel=1e-6)
        assert abs(H_mu[k] - ref_mu) < 1e-5 * abs(ref_mu), (om, H_mu[k], ref_mu)
        assert abs(H_var[k] - ref_var) < 1e-5 * abs(ref_var), (om, H_var[k], ref_var)


def _mp_dsigma2(rate, mu, sigma):
    with mp.workdps(30):
        return float(mp.diff(lambda s2: rate(mu, mp.sqrt(s2)), mp.mpf(sigma) ** 2))


@pytest.mark.parametrize("mu, sigma", [(15e-3, 4e-3), (22e-3, 1.5e-3), (5e-3, 6e-3)])
def test_zero_frequency_limits_are_sigma2_derivatives(mu, sigma):
    def siegert(m, s):
        return mp_siegert(m, s, V_R, V_TH, TAU_M, TAU_R, dps=60, exact=True)

    tau_s = 0.5e-3

    def shifted(m, s):
        return mp_shift_rate(m, s, V_R, V_TH, TAU_M, TAU_R, tau_s, dps=60, exact=True)

    ref_delta = _mp_dsigma2(siegert, mu, sigma)
    ref_shift = _mp_dsigma2(shifted, mu, sigma)
    for om in (0.0, 1e-6):
        got = _transfer_function_variance_delta(mu, sigma, TAU_M, TAU_R, V_TH, V_R, om)[0, 0]
        assert got == pytest.approx(ref_delta, rel=1e-7)
        got = _transfer_function_variance_shift(mu, sigma, TAU_M, tau_s, TAU_R, V_TH, V_R,
                                                om)[0, 0]
        assert got == pytest.approx(ref_shift, rel=1e-7)


def test_symmetry_and_high_frequency_limit():
    mu, sigma = 18e-3, 3e-3
    om = 2 * np.pi * np.array([3.0, 40.0, 200.0])
    h_pos = _transfer_function_variance_delta(mu, sigma, TAU_M, TAU_R, V_TH, V_R, om)
    h_neg = _transfer_function_variance_delta(mu, sigma, TAU_M, TAU_R, V_TH, V_R, -om)
    np.testing.assert_allclose(h_neg, np.conj(h_pos), rtol=1e-12)
    # omega -> infinity: H_var -> nu0 / sigma^2 (the rate follows the noise intensity
    # instantaneously); the approach is slow (~ omega^-1/2), so compare at Omega = 600
    nu0 = mp_siegert(mu, sigma, V_R, V_TH, TAU_M, TAU_R)
    h_hi = _transfer_function_variance_delta(mu, sigma, TAU_M, TAU_R, V_TH, V_R,
                                             600 / TAU_M)[0, 0]
    assert abs(h_hi / (nu0 / sigma**2) - 1) < 0.05


def test_static_effective_connectivity_is_jacobian_of_rate_map():
    """M(0) with the variance channel = d Phi_a / d nu_b of the self-consistency map."""
    J = np.array([[0.2e-3, -1.0e-3], [0.2e-3, -1.0e-3]])
    K = np.array([[400.0, 100.0], [400.0, 100.0]])
    J_ext, K_ext, nu_ext = np.array([0.2e-3, 0.15e-3]), np.array([500.0, 600.0]), 12.0
    nu = np.array([8.0, 11.0])
    mu = _mean_input(nu, J, K, TAU_M, J_ext, K_ext, nu_ext)
    sigma = _std_input(nu, J, K, TAU_M, J_ext, K_ext, nu_ext)
    H_mu = _transfer_function_delta(mu, sigma, TAU_M, TAU_R, V_TH, V_R, 0.0)
    H_var = _transfer_function_variance_delta(mu, sigma, TAU_M, TAU_R, V_TH, V_R, 0.0)
    M = LR._effective_connectivity(H_mu[0], np.ones((2, 2)), J, K, TAU_M,
                                   transfer_function_variance=H_var[0])
    M_mean = LR._effective_connectivity(H_mu[0], np.ones((2, 2)), J, K, TAU_M)
    ref = np.empty((2, 2))
    for a in range(2):
        for b in range(2):
            def phi(x, a=a, b=b):
                m = TAU_M * (sum(K[a, c] * J[a, c] * (x if c == b else nu[c]) for c in range(2))
                             + K_ext[a] * J_ext[a] * nu_ext)
                v = TAU_M * (sum(K[a, c] * J[a, c] ** 2 * (x if c == b else nu[c])
                                 for c in range(2)) + K_ext[a] * J_ext[a] ** 2 * nu_ext)
                return mp_siegert(m, mp.sqrt(v), V_R, V_TH, TAU_M, TAU_R, dps=60, exact=True)
            with mp.workdps(30):
                ref[a, b] = float(mp.diff(phi, mp.mpf(nu[b])))
    np.testing.assert_allclose(M.real, ref, rtol=1e-6)
    # the mean channel alone misses the inhibitory variance term (here > 10 %)
    assert np.abs(M_mean.real[:, 1] / ref[:, 1] - 1).min() > 0.1


def _lambert_unstable_count(a, tau, d, branches=60):
    """Roots of (1 + s tau) + a e^{-s d} = 0 with Re s > 0, via Lambert W.

    With w = (s + 1/tau) d: w e^w = -(a d / tau) e^{d / tau}, so
    s_k = W_k(-(a d/tau) e^{d/tau}) / d - 1/tau on every branch k.
    """
    z = -(a * d / tau) * np.exp(d / tau)
    roots = [lambertw(z, k) / d - 1 / tau for k in range(-branches, branches + 1)]
    return sum(1 for s in roots if s.real > 0)


@pytest.mark.parametrize("a, d", [(0.5, 2e-3), (3.0, 2e-3), (8.0, 2e-3), (30.0, 1e-3),
                                  (-0.5, 2e-3), (-2.0, 1e-3)])
def test_unstable_mode_count_matches_lambert_w(a, d):
    tau = 10e-3
    f = np.arange(0.0, 2e5, 1.0)
    om = 2 * np.pi * f
    M = (-a * np.exp(-1j * om * d) / (1 + 1j * om * tau))[:, None, None]
    result = LR._unstable_mode_count(M, om)
    assert result["closed"]
    assert result["count"] == _lambert_unstable_count(a, tau, d)


def test_crossing_frequency_near_onset_is_oscillation_frequency():
    """Just above the Hopf point the unstable root s = eps + i w0 has w0 close to the
    frequency where the Nyquist locus crosses the real axis right of 1."""
    tau, d = 10e-3, 2e-3
    # onset: w0 d + arctan(w0 tau) = pi, a_c = sqrt(1 + (w0 tau)^2)
    from scipy.optimize import brentq

    w0 = brentq(lambda w: w * d + np.arctan(w * tau) - np.pi, 1.0, np.pi / d)
    a = 1.01 * np.hypot(1.0, w0 * tau)
    f = np.arange(0.0, 5e4, 0.5)
    om = 2 * np.pi * f
    M = (-a * np.exp(-1j * om * d) / (1 + 1j * om * tau))[:, None, None]
    result = LR._unstable_mode_count(M, om)
    z = -(a * d / tau) * np.exp(d / tau)
    roots = [lambertw(z, k) / d - 1 / tau for k in (-1, 0)]
    unstable = [s for s in roots if s.real > 0]
    assert result["count"] == len(unstable) == 2
    assert result["crossing_frequencies"] == pytest.approx(
        [abs(unstable[0].imag) / (2 * np.pi)], rel=0.02)


def test_unstable_mode_count_rejects_bad_grids():
    M = np.zeros((3, 1, 1), complex)
    with pytest.raises(ValueError, match="increasing"):
        LR._unstable_mode_count(M, [0.0, 2.0, 1.0])
    with pytest.raises(ValueError, match="one value per matrix"):
        LR._unstable_mode_count(M, [0.0, 1.0])


def _inhibitory_delta_network(J_mV, nu_ext, d_ms):
    """One inhibitory δ-synapse population (N = 5000, K = 500, 1000 external inputs of
    0.1 mV), as in docs/simulation.md."""
    from neuromf.models import Basic

    params = {"populations": ["I"], "N": np.array([5000.0]), "tau_m": 20e-3, "tau_r": 2e-3,
              "V_0_abs": 10e-3, "V_th_abs": 20e-3, "E_L": 0.0, "C": 250e-12,
              "K": np.array([[500.0]]), "J": np.array([[J_mV * 1e-3]]),
              "K_ext": np.array([1000.0]), "J_ext": np.array([0.1e-3]), "nu_ext": nu_ext,
              "Delay": np.array([[d_ms * 1e-3]]), "Delay_sd": np.array([[0.0]]),
              "delay_dist": "none", "synapse_type": "delta"}
    return Basic(params, {"f_min": 2.0, "f_max": 500.0, "df": 2.0})


@pytest.mark.parametrize("J_mV, nu_ext, d_ms, stable", [(-0.2, 25.0, 2.0, False),
                                                         (-0.1, 10.0, 4.0, True)])
def test_network_unstable_modes(J_mV, nu_ext, d_ms, stable):
    """NEST (docs/simulation.md): the first network oscillates (peak 10^5 x the
    low-frequency power), the second is asynchronous with a damped 80-Hz resonance.
    The count from the phase of det(1 - M) must equal twice the number of eigenvalue
    crossings right of 1 (a different computation), and the cached results stay."""
    from neuromf.lif import delta

    net = _inhibitory_delta_network(J_mV, nu_ext, d_ms)
    delta.working_point(net)
    before = set(net.results)
    for variance in (False, True):
        r = delta.unstable_modes(net, variance_channel=variance)
        assert r["closed"]
        assert (r["count"] == 0) == stable
        assert r["count"] == 2 * len(r["crossing_frequencies"])
    assert set(net.results) == before
    with pytest.raises(ValueError, match="prefix"):
        LR.unstable_modes(net, prefix="lif.gauss.")


def test_brunel2000_states_from_linear_stability():
    """Brunel 2000 (J Comput Neurosci 8: 183, Figs. 2 and 8): state A is synchronous
    regular, B synchronous irregular with a fast global oscillation (frequency set by the
    delay, well above 100 Hz), C asynchronous irregular, D synchronous irregular with a
    slow oscillation (set by the membrane time constant, tens of Hz).  Brunel's analysis
    includes the variance channel; with it the Nyquist count reproduces all four states.
    The mean channel alone (NNMT's convention) misses the slow instability of D."""
    from neuromf.lif import delta
    from neuromf.models import load_model

    result = {}
    for state in "ABCD":
        net = load_model(f"brunel2000_{state}")
        delta.working_point(net)
        result[state] = delta.unstable_modes(net, variance_channel=True)
        if state == "D":
            assert delta.unstable_modes(net)["count"] == 0
    assert result["A"]["count"] > 0
    assert result["B"]["count"] > 0
    assert all(100 < f < 300 for f in result["B"]["crossing_frequencies"])
    assert result["C"]["count"] == 0
    assert result["D"]["count"] > 0
    assert all(5 < f < 50 for f in result["D"]["crossing_frequencies"])
