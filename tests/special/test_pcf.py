"""Tests of neuromf.special._pcf (parabolic cylinder functions for the LIF linear response).

Reference values: mpmath 50-digit ``pcfu`` (DLMF 12.2; mpmath's U(a, x)), with
Psi(z, x) = exp(x^2/4) U(z, -x), Psi' = (z + 1/2) Psi(z + 1, x),
Psi'' = (z + 1/2)(z + 3/2) Psi(z + 2, x) (DLMF 12.8.9); at Omega = 0 the closed forms
Psi(-1/2, x) = 1 and int_0^inf t^{n-1} e^{-t^2/2 + xt} dt by mpmath quadrature.
Domain: y = x / sqrt(2) in [-30, 30], f in [0, 10 kHz] at tau_m = 10 ms.
"""

import math
import warnings

import mpmath as mp
import numpy as np
import pytest

from neuromf.special import _pcf, _pcf_grid

TAU = 0.01
SQRT2 = math.sqrt(2.0)


def _mp_psi(z, x):
    return mp.exp(x * x / 4) * mp.pcfu(z, -x)


def _mp_triplet(y, f):
    """mpmath (Psi, Psi', Psi'') at x = sqrt2 y, Omega = 2 pi f tau, 50 digits."""
    with mp.workdps(50):
        om = 2 * mp.pi * mp.mpf(f) * mp.mpf(TAU)
        x = mp.sqrt(2) * mp.mpf(y)
        z = mp.mpf(-0.5) + 1j * om
        return (_mp_psi(z, x), 1j * om * _mp_psi(z + 1, x),
                1j * om * (1 + 1j * om) * _mp_psi(z + 2, x))


def _rel_err(log_scale, value, ref):
    """|computed/ref - 1| via logs (values may be far outside the double range)."""
    if ref == 0:
        return abs(value)
    d = complex(np.log(value)) + float(log_scale) - complex(mp.log(ref))
    d = complex(d.real, (d.imag + math.pi) % (2 * math.pi) - math.pi)
    return abs(np.expm1(d))


def _check_points(points, tol=1e-10):
    ys = np.array([p[0] for p in points], float)
    fs = np.array([p[1] for p in points], float)
    log_scale, vals = _pcf.psi(SQRT2 * ys, 2 * np.pi * fs * TAU)
    worst = 0.0
    for i, (y, f) in enumerate(points):
        refs = _mp_triplet(y, f)
        for k in range(3):
            if f == 0 and k > 0:
                # Psi' = Psi'' = 0 at Omega = 0 (Psi(-1/2, x) = 1)
                assert vals[k, i] == 0
                continue
            err = _rel_err(log_scale[k, i], vals[k, i], refs[k])
            worst = max(worst, err)
            assert err < tol, (y, f, k, err)
    return worst


SWEEP_Y = [-30, -20, -10, -4, -1, -0.3, 0, 0.7, 1.5, 3, 6, 12, 20, 30]
SWEEP_F = [0, 0.1, 3, 30, 140, 500, 1500, 4000]


def test_psi_matches_mpmath_over_the_domain():
    # (|y| >= 12 at 4 kHz and beyond: see the slow test; mpmath needs seconds per value there)
    points = [(y, f) for y in SWEEP_Y for f in SWEEP_F if not (abs(y) >= 12 and f >= 4000)]
    _check_points(points)


@pytest.mark.slow
def test_psi_matches_mpmath_at_high_frequency():
    points = [(y, 10000) for y in (-10, -3, 0, 3, 10)] + [(-20, 4000), (20, 4000)]
    _check_points(points)


def test_psi_solves_weber_equation():
    # Psi'' - x Psi' - i Omega Psi = 0 (DLMF 12.2.2 transformed), a check independent of mpmath
    x = np.linspace(-42, 42, 29)[:, None]
    om = np.array([0.0, 0.01, 0.7, 2.9, 3.1, 8.0, 9.5, 40.0, 300.0, 628.0])[None, :]
    log_scale, (p0, p1, p2) = _pcf.psi(x, om)
    # bring all three to the scale of the largest term
    big = np.maximum(np.maximum(log_scale[0], log_scale[1]), log_scale[2])
    q0 = p0 * np.exp(log_scale[0] - big)
    q1 = p1 * np.exp(log_scale[1] - big)
    q2 = p2 * np.exp(log_scale[2] - big)
    resid = q2 - x * q1 - 1j * om * q0
    size = np.abs(q2) + np.abs(x * q1) + np.abs(om * q0)
    assert np.all(np.abs(resid) <= 1e-11 * size)


def test_negative_frequencies_give_complex_conjugates():
    x = np.array([-20.0, -1.0, 0.5, 4.0, 30.0])
    om = np.array([0.05, 2.0, 7.0, 50.0, 400.0])
    s_pos, v_pos = _pcf.psi(x, om)
    s_neg, v_neg = _pcf.psi(x, -om)
    assert np.array_equal(s_pos, s_neg)
    assert np.array_equal(v_neg, np.conj(v_pos))
    f_pos = _pcf.psi_ratios(x, x - 3, om, 0.2)
    f_neg = _pcf.psi_ratios(x, x - 3, -om, 0.2)
    assert np.array_equal(f_neg[0], np.conj(f_pos[0]))
    assert np.array_equal(f_neg[1], np.conj(f_pos[1]))


def _mp_ratios(x_th, x_r, om, d):
    """F1, F2 of psi_ratios from mpmath; Omega = 0 from the closed-form limit."""
    with mp.workdps(50):
        x_th, x_r, om, d = (mp.mpf(v) for v in (x_th, x_r, om, d))
        if om == 0:
            # I1(x) = int e^{-t^2/2 + xt} dt = sqrt(pi/2) e^{x^2/2} erfc(-x/sqrt2),
            # I2 = 1 + x I1, and the denominator limit d + int_{x_r}^{x_th} I1(x) dx
            def i1(x):
                return mp.sqrt(mp.pi / 2) * mp.exp(x * x / 2) * mp.erfc(-x / mp.sqrt(2))

            den = d + mp.quad(i1, [x_r, x_th])
            return ((i1(x_th) - i1(x_r)) / den,
                    (x_th * i1(x_th) - x_r * i1(x_r)) / den)
        z = mp.mpf(-0.5) + 1j * om
        den = _mp_psi(z, x_th) - mp.exp(-1j * om * d) * _mp_psi(z, x_r)
        f1 = 1j * om * (_mp_psi(z + 1, x_th) - _mp_psi(z + 1, x_r)) / den
        f2 = 1j * om * (1 + 1j * om) * (_mp_psi(z + 2, x_th) - _mp_psi(z + 2, x_r)) / den
        return f1, f2


RATIO_CASES = [
    # (y_th, y_r, f in Hz, tau_r / tau_m)
    (2.23, -0.18, 0.0, 0.2),       # microcircuit L23e at f = 0 (exact limit)
    (2.23, -0.18, 0.1, 0.2),
    (1.40, -1.55, 500.0, 0.2),
    (1.40, -1.55, 60.0, 0.0),      # NNMT's convention (no refractory phase)
    (30.0, 21.0, 10.0, 0.2),       # strongly sub-threshold
    (30.0, -30.0, 1590.0, 0.2),
    (-14.0, -30.0, 50.0, 0.2),     # strongly supra-threshold (regular firing)
    (-14.0, -30.0, 0.0, 0.2),
    (-29.7, -30.0, 0.0, 0.2),
    (3.5, 3.46, 0.016, 0.1),       # threshold and reset close together
    (8.8, 0.0, 3.2, 0.2),
    (0.35, -0.35, 135.0, 1.0),
    (27.0, 0.7, 0.11, 0.47),
    (-4.6, -11.3, 0.24, 0.13),
    (21.4, -26.2, 146.0, 0.39),
    (8.0, -23.6, 2.6, 0.36),
]


@pytest.mark.parametrize("y_th, y_r, f, d", RATIO_CASES)
def test_psi_ratios_match_mpmath(y_th, y_r, f, d):
    om = 2 * math.pi * f * TAU
    f1, f2 = _pcf.psi_ratios(SQRT2 * y_th, SQRT2 * y_r, om, d)
    r1, r2 = _mp_ratios(SQRT2 * y_th, SQRT2 * y_r, om, d)
    assert abs(complex(f1) - complex(r1)) <= 1e-10 * abs(complex(r1))
    assert abs(complex(f2) - complex(r2)) <= 1e-10 * abs(complex(r2))


def test_small_frequencies_lose_no_digits():
    # the ratio is analytic in Omega: F(Omega) - F(0) = O(Omega), here checked down to 1e-12
    x_th, x_r = SQRT2 * 1.6, SQRT2 * -0.9
    om = np.array([0.0, 1e-12, 1e-9, 1e-6])
    f1, _ = _pcf.psi_ratios(x_th, x_r, om, 0.2)
    r1 = complex(_mp_ratios(x_th, x_r, 0.0, 0.2)[0])
    assert abs(f1[0] - r1) <= 1e-13 * abs(r1)
    dev = np.abs(f1[1:] - f1[0]) / np.abs(f1[0])
    # exactly linear in Omega down to Omega = 1e-12: no cancellation noise
    slope = dev / om[1:]
    assert slope[0] == pytest.approx(slope[2], rel=1e-3)
    assert slope[1] == pytest.approx(slope[2], rel=1e-5)


def test_no_overflow_in_extreme_regimes():
    y_th = np.array([30.0, 30.0, -30.0, 30.0, -30.0])
    y_r = np.array([25.0, -30.0, -30.5, 0.0, -40.0])
    om = 2 * np.pi * TAU * np.array([10000.0, 10000.0, 10000.0, 0.0, 0.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        f1, f2 = _pcf.psi_ratios(SQRT2 * y_th, SQRT2 * y_r, om, 0.2)
        log_scale, vals = _pcf.psi(SQRT2 * y_th, om)
    assert np.all(np.isfinite(f1)) and np.all(np.isfinite(f2))
    assert np.all(np.isfinite(log_scale)) and np.all(np.isfinite(vals))
    assert np.all(np.isfinite(_pcf.log_abs_psi(SQRT2 * y_th, om)))


def test_grid_interpolation_matches_direct_evaluation():
    rng = np.random.default_rng(7)
    n_pop = 6
    y_th = rng.uniform(-5, 12, n_pop)
    y_r = y_th - rng.uniform(0.2, 8, n_pop)
    x_th, x_r = SQRT2 * y_th, SQRT2 * y_r
    tau_m = np.array([0.01, 0.01, 0.02, 0.01, 0.005, 0.01])
    omegas = 2 * np.pi * np.concatenate([[0.0], np.arange(0.1, 700, 0.37)])
    om = np.outer(omegas, tau_m)
    om[5] *= -1                    # a negative frequency in the middle
    d = 0.002 / tau_m
    g1, g2 = _pcf_grid.psi_ratios_grid(x_th, x_r, om, d)
    f1, f2 = _pcf.psi_ratios(x_th[None, :], x_r[None, :], om, d[None, :])
    assert np.max(np.abs(g1 - f1) / np.abs(f1)) < 1e-11
    assert np.max(np.abs(g2 - f2) / np.abs(f2)) < 1e-11


def test_spike_train_spectrum_factor_grid_matches_psi():
    """R = (|Psi_th|^2 - |Psi_r|^2)/|Psi_th - e^{-i Om d} Psi_r|^2 on a grid (Chebyshev
    interpolation of the basic quantities) against R formed from psi() itself (direct
    evaluation, itself tested against mpmath above), for Om >= 1e-3 where the direct
    formula has no cancellation problem; plus one mpmath point."""
    rng = np.random.default_rng(11)
    n_pop = 5
    y_th = rng.uniform(-4, 10, n_pop)
    y_r = y_th - rng.uniform(0.3, 6, n_pop)
    x_th, x_r = SQRT2 * y_th, SQRT2 * y_r
    tau_m = np.array([0.01, 0.02, 0.01, 0.005, 0.01])
    omegas = 2 * np.pi * np.arange(0.2, 900, 0.53)
    om = np.outer(omegas, tau_m)
    d = 0.002 / tau_m
    R = _pcf_grid.spike_train_spectrum_factor_grid(x_th, x_r, om, d)
    s_t, v_t = _pcf.psi(np.broadcast_to(x_th, om.shape), om)
    s_r, v_r = _pcf.psi(np.broadcast_to(x_r, om.shape), om)
    top = np.maximum(s_t[0], s_r[0])
    a, b = np.exp(s_t[0] - top) * v_t[0], np.exp(s_r[0] - top) * v_r[0]
    direct = (np.abs(a) ** 2 - np.abs(b) ** 2) / np.abs(a - np.exp(-1j * om * d) * b) ** 2
    assert np.max(np.abs(R / direct - 1)) < 1e-9
    with mp.workdps(40):
        z = mp.mpc(-0.5, om[100, 0])
        pt, pr = _mp_psi(z, mp.mpf(x_th[0])), _mp_psi(z, mp.mpf(x_r[0]))
        ref = (abs(pt) ** 2 - abs(pr) ** 2) / abs(pt - mp.exp(-1j * om[100, 0] * d[0]) * pr) ** 2
    assert R[100, 0] == pytest.approx(float(ref), rel=1e-10)


def test_bad_input():
    with pytest.raises(ValueError, match="delay"):
        _pcf.psi_ratios(1.0, 0.0, 1.0, -0.1)
    with pytest.raises(ValueError, match="x"):
        _pcf.psi(np.nan, 1.0)
    with pytest.raises(ValueError, match="omega_tau"):
        _pcf.psi(1.0, np.inf)
    with pytest.raises(ValueError, match="shape"):
        _pcf_grid.psi_ratios_grid([1.0, 2.0], [0.0, 0.0], np.ones((200, 3)))
    with pytest.warns(UserWarning, match="verified domain"):
        _pcf.psi(80.0, 1.0)
