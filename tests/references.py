"""Independent reference implementations and paths shared by the tests.

The references here are written directly from the papers' formulas in mpmath
(arbitrary precision) and never call neuromf's numerics.  (A module of its own, not
conftest.py, so that ``from references import ...`` is unambiguous.)
"""

from __future__ import annotations

from pathlib import Path

import pytest

#: NNMT-format parameter files shipped with the tests (values as published)
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "nnmt_parameter_files"
#: the same files as distributed with NNMT, where ../shared exists (optional)
SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SHARED_NNMT_FILES = SHARED / "reference" / "nnmt_parameter_files"


def nnmt_file(name: str) -> str:
    """Path of one of the NNMT-format parameter files in tests/fixtures."""
    path = FIXTURES / name
    if not path.is_file():
        raise FileNotFoundError(f"test fixture {path} is missing from the repository")
    return str(path)


def shared_nnmt_file(name: str) -> str:
    """Path of NNMT's own copy of a parameter file in ../shared; skip if absent."""
    path = SHARED_NNMT_FILES / name
    if not path.is_file():
        pytest.skip(f"shared reference file {path} not available")
    return str(path)


def mp_siegert(mu, sigma, V_0, V_th, tau_m, tau_r, dps: int = 30, exact: bool = False):
    """Siegert rate (Brunel 2000, Eq. 21) by mpmath quadrature, arguments SI floats.

    Returns a float, or the mpmath number itself with ``exact=True`` (for mp.diff).
    """
    import mpmath as mp

    with mp.workdps(dps):
        y_th = (mp.mpf(V_th) - mu) / sigma
        y_r = (mp.mpf(V_0) - mu) / sigma
        integral = mp.quad(lambda u: mp.exp(u**2) * (1 + mp.erf(u)), [y_r, y_th])
        rate = 1 / (tau_r + tau_m * mp.sqrt(mp.pi) * integral)
        return rate if exact else float(rate)


def mp_shift_rate(mu, sigma, V_0, V_th, tau_m, tau_r, tau_s, dps: int = 30,
                  exact: bool = False):
    """Fourcaud & Brunel 2002 shifted-boundary rate by mpmath quadrature."""
    import mpmath as mp

    with mp.workdps(dps):
        alpha = mp.sqrt(2) * abs(mp.zeta(0.5))
        shift = sigma * alpha / 2 * mp.sqrt(mp.mpf(tau_s) / tau_m)
        return mp_siegert(mu, sigma, V_0 + shift, V_th + shift, tau_m, tau_r, dps, exact)
