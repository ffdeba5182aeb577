"""Theoretical CV of the ISI (Brunel 2000, App. A.1) against independent evaluations.

References: a direct nested scipy quadrature of the textbook double integral (no log
transforms), the Poisson limit (CV -> 1 far below threshold), and NNMT 1.3's
``lif.exp._cvs`` (independent implementation of the same formula via Layer et al. 2023).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy import integrate, special

from neuromf.simulation import theory_cv
from neuromf.simulation.comparison import _cv_single


def cv_direct(y_r, y_th, tau_m, tau_r):
    """Brunel (2000) Eq. A.1 evaluated literally with nested adaptive quadrature."""
    def inner(x):
        return integrate.quad(lambda y: np.exp(y ** 2) * (1 + special.erf(y)) ** 2,
                              -12.0, x, epsabs=0, epsrel=1e-11, limit=200)[0]
    outer = integrate.quad(lambda x: np.exp(x ** 2) * inner(x), y_r, y_th,
                           epsabs=0, epsrel=1e-10, limit=200)[0]
    mfpt = tau_r + tau_m * np.sqrt(np.pi) * integrate.quad(
        lambda x: np.exp(x ** 2) * (1 + special.erf(x)), y_r, y_th, epsrel=1e-12)[0]
    return np.sqrt(2 * np.pi * (tau_m / mfpt) ** 2 * outer)


@pytest.mark.parametrize("y_r, y_th", [(-1.0, 1.5), (-3.0, -0.5), (0.0, 2.5)])
def test_cv_matches_direct_quadrature(y_r, y_th):
    expected = cv_direct(y_r, y_th, 10e-3, 2e-3)
    assert _cv_single(y_r, y_th, 10e-3, 2e-3, 1e-3) == pytest.approx(expected, rel=2e-5)


def test_cv_poisson_limit_far_below_threshold():
    # escape over a high barrier is a Poisson process: CV -> 1 (corrections ~ e^{-y^2})
    assert _cv_single(2.0, 6.0, 10e-3, 0.0, 1e-3) == pytest.approx(1.0, abs=1e-3)


def test_cv_decreases_with_drive_and_is_stable_for_strong_drive():
    # strongly suprathreshold, weak noise: nearly regular firing, CV small but positive
    mu = np.array([10e-3, 15e-3, 20e-3, 40e-3])
    cv = theory_cv(mu, 1e-3, 0.0, 15e-3, 10e-3, 2e-3)
    assert np.all(np.diff(cv) < 0)
    assert 0 < cv[-1] < 0.05


def test_cv_matches_nnmt_with_shift():
    nnmt = pytest.importorskip("nnmt")
    mu, sigma = np.array([8e-3, 12e-3]), np.array([5e-3, 4e-3])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nu = nnmt.lif.exp._firing_rates_for_given_input(mu, sigma, 0.0, 15e-3, 10e-3, 0.0,
                                                        0.5e-3)
        ref = nnmt.lif.exp._cvs(nu, mu, sigma, 0.0, 15e-3, 10e-3, 0.5e-3)
    np.testing.assert_allclose(theory_cv(mu, sigma, 0.0, 15e-3, 10e-3, 0.0, 0.5e-3), ref,
                               rtol=1e-4)


def test_cv_bad_input():
    with pytest.raises(ValueError, match="sigma"):
        theory_cv(1e-3, 0.0, 0.0, 15e-3, 10e-3, 2e-3)
    with pytest.raises(ValueError, match="tau_m"):
        theory_cv(1e-3, 1e-3, 0.0, 15e-3, -10e-3, 2e-3)
