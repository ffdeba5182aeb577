"""Regression cases of the parabolic-cylinder evaluation that once failed.

The steepest-descent path of ``neuromf.special._pcf`` lost track (Newton did not
converge) at a few (x, Omega) pairs near threshold; found by an E-I network at
mu = 14.2 mV, sigma = 2.7 mV and by a random sweep. Reference: mpmath's parabolic
cylinder function U(a, x) at 30 digits, Psi(z, x) = exp(x^2/4) U(z, -x) with
z = -1/2 + i Omega (DLMF 12.2), and its x-derivatives by DLMF 12.8.9.
"""

from __future__ import annotations

import numpy as np
import pytest

from neuromf.special import psi

CASES = [(0.7276638648924064, 10.343544952112401), (8.288276190629022, 0.7777851165098012),
         (8.684870361476236, 0.7777851165098012)]


def _mp_psi(x: float, omega: float) -> list[complex]:
    import mpmath as mp

    with mp.workdps(30):
        z = mp.mpc(-0.5, omega)
        scale = mp.exp(mp.mpf(x) ** 2 / 4)
        # Psi^(n)(z, x) = (1/2 + z)_n Psi(z + n, x)  (DLMF 12.8.9 with the e^{x^2/4} factor)
        return [complex(mp.rf(0.5 + z, n) * scale * mp.pcfu(z + n, -x)) for n in range(3)]


@pytest.mark.parametrize("x, omega", CASES)
def test_psi_at_former_failures(x, omega):
    log_scale, values = psi(np.array([x]), np.array([omega]))
    ours = np.exp(log_scale[:, 0]) * values[:, 0]
    np.testing.assert_allclose(ours, _mp_psi(x, omega), rtol=1e-10)


def test_transfer_function_near_threshold_matches_nnmt(nnmt):
    from neuromf.lif import _transfer

    mu, sigma = np.array([14.2236e-3, 15.6460e-3]), np.array([2.73733e-3, 2.87094e-3])
    omegas = 2 * np.pi * np.array([1.0, 40.0, 164.6, 330.0])
    ours = _transfer._transfer_function(mu, sigma, 10e-3, 0.5e-3, 2e-3, 15e-3, 0.0, omegas,
                                        refractory_phase=False)
    theirs = nnmt.lif.exp._transfer_function(mu, sigma, 10e-3, 0.5e-3, 2e-3, 15e-3, 0.0,
                                             omegas)
    np.testing.assert_allclose(ours, theirs, rtol=1e-8)
