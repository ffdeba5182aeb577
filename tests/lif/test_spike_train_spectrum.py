"""Power spectrum of the LIF neuron's spike train (renewal noise of the rate spectra).

Independent reference: the renewal relation S = nu Re[(1 + F)/(1 - F)] (Cox 1962) with
F(omega) the Fourier transform of the inter-spike-interval density, obtained here by
threshold integration of the Fokker-Planck equation (Richardson 2007, Phys Rev E 76:
021919) for the first passage from reset to threshold, times the refractory phase.  It
shares no formula with the parabolic-cylinder expression under test.  Limits: S(0) =
nu CV^2 with the CV from mpmath quadrature of Brunel 2000, App. A.1; S -> nu.
"""

from __future__ import annotations

import mpmath as mp
import numpy as np
import pytest
from references import mp_siegert
from scipy.integrate import solve_ivp

from neuromf import linear_response as LR
from neuromf.lif._transfer import (
    _spike_train_power_spectrum_delta,
    _spike_train_power_spectrum_shift,
)

TAU_M, TAU_R, V_TH, V_R = 20e-3, 2e-3, 20e-3, 10e-3


def _isi_fourier(mu, sigma, omega):
    """F(omega) = E[exp(-i omega ISI)] by threshold integration (units: tau_m, mV)."""
    mu, s, vth, vr = mu * 1e3, sigma * 1e3, V_TH * 1e3, V_R * 1e3
    D = s * s / 2
    w = omega * TAU_M
    v_lb = min(vr, mu) - 10 * s

    def rhs(v, y):                       # flux J = (mu - v) P - D P'; i w P = -J'
        p, j = y
        return [((mu - v) * p - j) / D, -1j * w * p]

    opts = {"rtol": 1e-11, "atol": 1e-14, "method": "DOP853"}
    # unit outflux at threshold, no source: J at the lower bound
    a = solve_ivp(rhs, (vth, v_lb), np.array([0, 1], complex), **opts).y[1, -1]
    # unit source at the reset, nothing above it
    b = solve_ivp(rhs, (vr, v_lb), np.array([0, -1], complex), **opts).y[1, -1]
    return -b / a * np.exp(-1j * omega * TAU_R)     # J(lb) = F a + b = 0


def _mp_cv(mu, sigma):
    """Brunel 2000, App. A.1, by mpmath quadrature."""
    with mp.workdps(30):
        nu = mp_siegert(mu, sigma, V_R, V_TH, TAU_M, TAU_R, dps=30, exact=True)
        y_th, y_r = (V_TH - mu) / sigma, (V_R - mu) / sigma

        def inner(x):
            return mp.quad(lambda y: mp.exp(y * y) * (1 + mp.erf(y)) ** 2, [-mp.inf, x])

        outer = mp.quad(lambda x: mp.exp(x * x) * inner(x), [y_r, y_th])
        return float(mp.sqrt(2 * mp.pi * outer) * nu * TAU_M), float(nu)


@pytest.mark.parametrize("mu, sigma", [(18.4e-3, 3.36e-3), (12e-3, 5e-3), (24e-3, 2e-3)])
def test_spectrum_matches_renewal_relation(mu, sigma):
    omegas = 2 * np.pi * np.array([0.3, 5.0, 40.0, 200.0])
    S = _spike_train_power_spectrum_delta(mu, sigma, TAU_M, TAU_R, V_TH, V_R, omegas)[:, 0]
    nu = mp_siegert(mu, sigma, V_R, V_TH, TAU_M, TAU_R)
    for k, om in enumerate(omegas):
        F = _isi_fourier(mu, sigma, om)
        ref = nu * ((1 + F) / (1 - F)).real
        assert S[k] == pytest.approx(ref, rel=1e-7), (om, S[k], ref)


@pytest.mark.parametrize("mu, sigma", [(18.4e-3, 3.36e-3), (24e-3, 2e-3)])
def test_limits(mu, sigma):
    cv, nu = _mp_cv(mu, sigma)
    S = _spike_train_power_spectrum_delta(mu, sigma, TAU_M, TAU_R, V_TH, V_R,
                                          [0.0, 2 * np.pi * 0.02, 2 * np.pi * 5e3])[:, 0]
    assert S[0] == pytest.approx(nu * cv**2, rel=1e-9)
    assert S[1] == pytest.approx(nu * cv**2, rel=1e-4)       # the formula near 0
    assert S[2] == pytest.approx(nu, rel=0.01)               # Poisson limit
    neg = _spike_train_power_spectrum_delta(mu, sigma, TAU_M, TAU_R, V_TH, V_R,
                                            [-2 * np.pi * 7.0, 2 * np.pi * 7.0])[:, 0]
    assert neg[0] == pytest.approx(neg[1], rel=1e-12)


def test_shift_variant_is_white_noise_spectrum_at_shifted_bounds():
    mu, sigma, tau_s = 15e-3, 4e-3, 0.5e-3
    shift = sigma * np.sqrt(2) * abs(float(mp.zeta(0.5))) / 2 * np.sqrt(tau_s / TAU_M)
    om = 2 * np.pi * np.array([1.0, 30.0])
    got = _spike_train_power_spectrum_shift(mu, sigma, TAU_M, tau_s, TAU_R, V_TH, V_R, om)
    nu = mp_siegert(mu, sigma, V_R + shift, V_TH + shift, TAU_M, TAU_R)
    for k, w in enumerate(om):
        # the renewal relation at shifted bounds (threshold integration with V shifted)
        F = _isi_fourier(mu - shift, sigma, w)
        assert got[k, 0] == pytest.approx(nu * ((1 + F) / (1 - F)).real, rel=1e-7)


def test_renewal_noise_in_power_spectra():
    """Uncoupled populations (M = 0): the rate spectrum is S_a / N_a exactly; shapes are
    checked."""
    M = np.zeros((3, 2, 2), complex)
    S = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    N = np.array([10.0, 100.0])
    P = LR._power_spectra([7.0, 8.0], M, None, None, N, None, spike_train_spectra=S)
    np.testing.assert_allclose(P, S / N)
    C = LR._cross_spectral_matrix([7.0, 8.0], M, None, None, N, None, spike_train_spectra=S)
    np.testing.assert_allclose(np.diagonal(C, axis1=1, axis2=2).real, S / N)
    with pytest.raises(ValueError, match="shape"):
        LR._power_spectra([7.0, 8.0], M, None, None, N, None, spike_train_spectra=S[:2])
    with pytest.raises(ValueError, match=">= 0"):
        LR._power_spectra([7.0, 8.0], M, None, None, N, None, spike_train_spectra=-S)
