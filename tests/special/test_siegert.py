"""Tests of neuromf.special._siegert (stationary LIF rates, derivatives, CV).

Where the expected numbers come from
------------------------------------
* mpmath references written here from the defining integrals (Siegert 1951; Brunel 2000,
  Eq. 21 and Appendix A.1; Fourcaud & Brunel 2002, Eq. 4.33), evaluated with
  ``mp.quad`` at 40 digits (30 for the CV).  The float inputs are converted exactly to
  mpmath numbers, so the references are exact functions of the same inputs.
* mpmath central finite differences of those references (derivatives).
* closed-form limits (refractory limit, deterministic limit, small-noise CV, Poisson limit).
* NNMT 1.3 (``nnmt.lif.delta`` / ``nnmt.lif.exp``) side by side on moderate inputs.
"""

from __future__ import annotations

import functools
import itertools
import math
import time
import warnings

import mpmath as mp
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from neuromf.special._cv import delta_cv
from neuromf.special._siegert import (
    ALPHA_SHIFT,
    d_delta_firing_rate_d_mu,
    d_delta_firing_rate_d_sigma,
    d_shift_firing_rate_d_mu,
    d_taylor_firing_rate_d_mu,
    delta_firing_rate,
    log_delta_firing_rate,
    shift_firing_rate,
    taylor_firing_rate,
)

mV, ms = 1e-3, 1e-3
DPS = 40
RTOL = 1e-10
TINY = 1e-300  # below this a reference counts as (nearly) not representable


# ---------------------------------------------------------------------------
# mpmath references
# ---------------------------------------------------------------------------

def _squad(f, pts):
    """mp.quad with the integrand scaled to O(1); mp.quad's tolerance is absolute."""
    scale = max(abs(f(p)) for p in pts if p != mp.inf)
    if scale == 0:
        scale = mp.mpf(1)
    return scale * mp.quad(lambda t: f(t) / scale, pts)


def _split(x, length):
    """Points 0 < c < 4c < ... < length resolving a decay on the scale 1/(2|x| + 1)."""
    c = 1 / (2 * abs(x) + 1)
    pts = [mp.mpf(0)]
    while c < length:
        pts.append(c)
        c *= 4
    return pts + [length]


def mp_siegert_integral(y_r, y_th):
    """int_{y_r}^{y_th} e^{u^2} (1 + erf u) du at the current mpmath precision."""
    total = mp.mpf(0)
    if y_r < 0:  # u <= 0: integrand e^{v^2} erfc(v), v = -u in [lo, hi]
        lo, hi = -min(y_th, mp.mpf(0)), -y_r
        pts = [lo] + [lo + p for p in _split(lo, hi - lo)[1:]]
        total += _squad(lambda v: mp.exp(v * v) * mp.erfc(v), pts)
    if y_th > 0:  # u = y_th - t, integrand e^{y_th^2} e^{-2 y_th t + t^2} erfc(t - y_th)
        b = y_th
        length = b - max(y_r, mp.mpf(0))
        total += mp.exp(b * b) * _squad(lambda t: mp.exp(t * (t - 2 * b)) * mp.erfc(t - b),
                                        _split(b, length))
    return total


def _mpf(*xs):
    return [mp.mpf(float(x)) for x in xs]


def mp_alpha():
    return mp.sqrt(2) * abs(mp.zeta(mp.mpf(1) / 2))


def mp_ys(mu, sigma, V_0, V_th, tau_m=1.0, tau_s=0.0):
    mu, sigma, V_0, V_th, tau_m, tau_s = _mpf(mu, sigma, V_0, V_th, tau_m, tau_s)
    off = mp_alpha() / 2 * mp.sqrt(tau_s / tau_m)
    return (V_th - mu) / sigma + off, (V_0 - mu) / sigma + off


def mp_rate(mu, sigma, V_0, V_th, tau_m, tau_r, tau_s=0.0):
    """Siegert rate (shifted bounds if tau_s > 0), Brunel 2000 Eq. 21 / F&B 2002."""
    return _mp_rate(*(float(x) for x in (mu, sigma, V_0, V_th, tau_m, tau_r, tau_s)))


@functools.cache
def _mp_rate(mu, sigma, V_0, V_th, tau_m, tau_r, tau_s):
    with mp.workdps(DPS):
        y_th, y_r = mp_ys(mu, sigma, V_0, V_th, tau_m, tau_s)
        tau_m, tau_r = _mpf(tau_m, tau_r)
        return 1 / (tau_r + tau_m * mp.sqrt(mp.pi) * mp_siegert_integral(y_r, y_th))


def _erfcx_neg(u):
    return mp.exp(u * u) * mp.erfc(-u)


def mp_d_mu(mu, sigma, V_0, V_th, tau_m, tau_r, tau_s=0.0):
    """nu^2 tau_m sqrt(pi)/sigma [erfcx(-y_th) - erfcx(-y_r)] (analytic)."""
    with mp.workdps(DPS):
        nu = mp_rate(mu, sigma, V_0, V_th, tau_m, tau_r, tau_s)
        y_th, y_r = mp_ys(mu, sigma, V_0, V_th, tau_m, tau_s)
        return (nu ** 2 * mp.mpf(tau_m) * mp.sqrt(mp.pi) / mp.mpf(sigma)
                * (_erfcx_neg(y_th) - _erfcx_neg(y_r)))


def mp_d_sigma(mu, sigma, V_0, V_th, tau_m, tau_r):
    """nu^2 tau_m sqrt(pi)/sigma [y_th erfcx(-y_th) - y_r erfcx(-y_r)] (analytic)."""
    with mp.workdps(DPS):
        nu = mp_rate(mu, sigma, V_0, V_th, tau_m, tau_r)
        y_th, y_r = mp_ys(mu, sigma, V_0, V_th)
        return (nu ** 2 * mp.mpf(tau_m) * mp.sqrt(mp.pi) / mp.mpf(sigma)
                * (y_th * _erfcx_neg(y_th) - y_r * _erfcx_neg(y_r)))


def mp_taylor_terms(mu, sigma, V_0, V_th, tau_m, tau_r, tau_s, dmu=0):
    """(nu0, correction) of Fourcaud & Brunel 2002, Eq. 4.33: nu = nu0 - correction.

    correction = sqrt(tau_s tau_m) alpha sqrt(pi)/2 nu0^2 [erfcx(-y_th) - erfcx(-y_r)];
    ``dmu`` (an mpf) shifts mu exactly, for finite differences.
    """
    with mp.workdps(DPS):
        mu_, sigma_, V_0_, V_th_, tau_m_, tau_r_, tau_s_ = _mpf(mu, sigma, V_0, V_th, tau_m,
                                                                tau_r, tau_s)
        mu_ = mu_ + dmu
        y_th, y_r = (V_th_ - mu_) / sigma_, (V_0_ - mu_) / sigma_
        if dmu == 0:
            nu0 = mp_rate(mu, sigma, V_0, V_th, tau_m, tau_r)
        else:
            nu0 = 1 / (tau_r_ + tau_m_ * mp.sqrt(mp.pi) * mp_siegert_integral(y_r, y_th))
        corr = (mp.sqrt(tau_s_ * tau_m_) * mp_alpha() * mp.sqrt(mp.pi) / 2 * nu0 ** 2
                * (_erfcx_neg(y_th) - _erfcx_neg(y_r)))
        return nu0, corr


@functools.cache
def mp_d_taylor_fd(mu, sigma, V_0, V_th, tau_m, tau_r, tau_s):
    """Central finite difference (step 1e-12 sigma, 40 digits) of the mpmath taylor rate."""
    with mp.workdps(DPS):
        h = mp.mpf(float(sigma)) * mp.mpf("1e-12")
        plus = mp_taylor_terms(mu, sigma, V_0, V_th, tau_m, tau_r, tau_s, h)
        minus = mp_taylor_terms(mu, sigma, V_0, V_th, tau_m, tau_r, tau_s, -h)
        return ((plus[0] - plus[1]) - (minus[0] - minus[1])) / (2 * h)


def assert_close(value, ref, rtol=RTOL, scale=None, what=""):
    """|value - ref| <= rtol * scale (scale = |ref|), or, where the reference is not a normal
    double, value is its correctly rounded value within two sub-normal spacings."""
    assert np.isfinite(value), f"{what}: non-finite {value}"
    ref = mp.mpf(ref)
    scale = abs(ref) if scale is None else mp.mpf(scale)
    if abs(ref) < TINY:
        assert abs(mp.mpf(value) - ref) <= rtol * scale + mp.mpf("1e-323"), (what, value, ref)
    else:
        err = abs(mp.mpf(value) - ref) / scale
        assert err <= rtol, f"{what}: value {value!r}, reference {mp.nstr(ref, 17)}, err {err}"


# ---------------------------------------------------------------------------
# parameter grid over the whole domain
# ---------------------------------------------------------------------------

MUS = [-100, -60, -25, 0, 10, 14.9, 18, 25, 50, 100]  # mV
SIGMAS = [0.1, 0.8, 4, 15, 50]  # mV
PAIRS = [(0, 20), (0, 15), (10, 15), (-5, 19.5)]  # (V_0_rel, V_th_rel) in mV
TAU_R = [0.0, 2 * ms, 5 * ms]
TAU_M = [10 * ms, 20 * ms]
RATIOS = [0.01, 0.05, 0.1]  # tau_s / tau_m


def _grid():
    points = []
    for i, (mu, sigma) in enumerate(itertools.product(MUS, SIGMAS)):
        V_0, V_th = PAIRS[i % len(PAIRS)]
        tau_m = TAU_M[(i // 2) % 2]
        points.append((mu * mV, sigma * mV, V_0 * mV, V_th * mV, tau_m, TAU_R[i % 3],
                       RATIOS[(i // 3) % 3] * tau_m))
    # extremes: |y| ~ 1e4, y_th = 0 exactly, the edge of double range (y_th ~ 26.7)
    points += [
        (-100 * mV, 0.01 * mV, 0.0, 20 * mV, 10 * ms, 2 * ms, 0.1 * ms),    # y_th = 12000
        (100 * mV, 0.01 * mV, 0.0, 20 * mV, 10 * ms, 2 * ms, 0.5 * ms),     # y ~ -8000
        (19.99 * mV, 0.01 * mV, 0.0, 20 * mV, 10 * ms, 0.0, 1 * ms),       # y_th = 1
        (20 * mV, 5 * mV, 0.0, 20 * mV, 10 * ms, 2 * ms, 0.5 * ms),         # y_th = 0
        (0.0, 0.75 * mV, 0.0, 20 * mV, 10 * ms, 2 * ms, 0.1 * ms),         # y_th = 26.7
        (0.0, 0.72 * mV, 0.0, 20 * mV, 10 * ms, 0.0, 0.1 * ms),            # y_th = 27.8
        (15.2 * mV, 0.4 * mV, 14.8 * mV, 15 * mV, 20 * ms, 1 * ms, 0.2 * ms),  # reset near th
    ]
    return points


GRID = _grid()
WHITE = [p[:6] for p in GRID]


@pytest.fixture(scope="module")
def rate_refs():
    return [mp_rate(*p) for p in WHITE]


def _cols(points):
    return [np.array(c, dtype=float) for c in zip(*points, strict=True)]


# ---------------------------------------------------------------------------
# constants and internals
# ---------------------------------------------------------------------------

def test_alpha_shift_matches_mpmath_zeta():
    with mp.workdps(30):
        assert abs(ALPHA_SHIFT - mp_alpha()) <= 2e-16 * 2.07
    assert ALPHA_SHIFT == pytest.approx(2.0652531522312172, rel=1e-15)


def test_erfcx_primitive_against_mpmath():
    """G(x) = int_0^x erfcx, incl. its asymptotic constant (gamma/2 + ln 2)/sqrt(pi)."""
    from neuromf.special._siegert import _erfcx_integral, _g, _h

    xs = np.array([1e-3, 0.3, 1.0, 5.5, 9.99, 10.0, 10.01, 50.0, 1e3, 1e4])
    g = _g(xs)
    h = _h(xs)
    with mp.workdps(30):
        for x, gv, hv in zip(xs, g, h, strict=True):
            xm = mp.mpf(x)
            ref = _squad(lambda t: mp.exp(t * t) * mp.erfc(t), [mp.mpf(0)]
                         + [p for p in (mp.mpf(1), mp.mpf(10), mp.mpf(100)) if p < xm] + [xm])
            assert abs(gv / ref - 1) < 5e-15, x
            href = xm * mp.exp(xm * xm) * mp.erfc(xm) - 1 / mp.sqrt(mp.pi)
            assert abs(hv / href - 1) < 1e-13, x
        # short intervals (direct quadrature path) and intervals beyond 10 (asymptotic)
        a = np.array([0.0, 3.2, 9.6, 10.5, 4000.0])
        b = np.array([0.4, 3.3, 10.4, 10.6, 4000.5])
        for av, bv, v in zip(a, b, _erfcx_integral(a, b), strict=True):
            ref = _squad(lambda t: mp.exp(t * t) * mp.erfc(t), [mp.mpf(av), mp.mpf(bv)])
            assert abs(v / ref - 1) < 5e-15, (av, bv)


# ---------------------------------------------------------------------------
# white noise: rate, log rate, derivatives
# ---------------------------------------------------------------------------

def test_delta_rate_grid_against_mpmath(rate_refs):
    values = delta_firing_rate(*_cols(WHITE))
    assert values.shape == (len(WHITE),)
    for p, v, r in zip(WHITE, values, rate_refs, strict=True):
        assert_close(v, r, what=f"rate at {p}")
    # the scalar path gives the same numbers
    for p, v in zip(WHITE[::7], values[::7], strict=True):
        assert isinstance(delta_firing_rate(*p), float)
        assert delta_firing_rate(*p) == pytest.approx(v, rel=1e-14, abs=1e-320)


def test_log_rate_grid_against_mpmath(rate_refs):
    values = log_delta_firing_rate(*_cols(WHITE))
    with mp.workdps(DPS):
        for p, v, r in zip(WHITE, values, rate_refs, strict=True):
            ref = mp.log(r)
            # relative accuracy RTOL of the rate = absolute accuracy of the log; beyond
            # |log nu| ~ 1e3 the rounding of y = (V - mu)/sigma alone costs ~1e-16 |log nu|
            assert abs(v - ref) <= max(RTOL, 1e-13 * abs(ref)), (p, v, ref)
    # underflow region: rate is 0 or sub-normal, log stays finite
    assert np.all(np.isfinite(values))
    assert delta_firing_rate(-100 * mV, 0.01 * mV, 0.0, 20 * mV, 10 * ms, 2 * ms) == 0.0


def test_d_mu_grid_against_mpmath():
    values = d_delta_firing_rate_d_mu(*_cols(WHITE))
    for p, v in zip(WHITE, values, strict=True):
        assert_close(v, mp_d_mu(*p), what=f"dnu/dmu at {p}")


def test_d_sigma_grid_against_mpmath():
    values = d_delta_firing_rate_d_sigma(*_cols(WHITE))
    for p, v in zip(WHITE, values, strict=True):
        assert_close(v, mp_d_sigma(*p), what=f"dnu/dsigma at {p}")


@pytest.mark.parametrize("point", [
    (15 * mV, 4 * mV, 0.0, 20 * mV, 10 * ms, 2 * ms),
    (-25 * mV, 4 * mV, 0.0, 20 * mV, 10 * ms, 2 * ms),   # y_th = 11, rate ~1e-52
    (50 * mV, 0.8 * mV, 0.0, 15 * mV, 20 * ms, 0.0),     # y ~ -44 .. -62
    (100 * mV, 0.1 * mV, 10 * mV, 15 * mV, 10 * ms, 5 * ms),  # y ~ -850 .. -900
])
def test_derivatives_match_mpmath_finite_differences(point):
    """Analytic d/dmu and d/dsigma against central differences of the mpmath rate."""
    mu, sigma = point[:2]
    with mp.workdps(DPS):
        h = mp.mpf(sigma) * mp.mpf("1e-12")

        def rate_at(mu_, sigma_):
            y_th = (mp.mpf(point[3]) - mu_) / sigma_
            y_r = (mp.mpf(point[2]) - mu_) / sigma_
            return 1 / (mp.mpf(point[5]) + mp.mpf(point[4]) * mp.sqrt(mp.pi)
                        * mp_siegert_integral(y_r, y_th))

        m, s = mp.mpf(mu), mp.mpf(sigma)
        fd_mu = (rate_at(m + h, s) - rate_at(m - h, s)) / (2 * h)
        fd_sigma = (rate_at(m, s + h) - rate_at(m, s - h)) / (2 * h)
    assert_close(d_delta_firing_rate_d_mu(*point), fd_mu, what="d/dmu vs FD")
    assert_close(d_delta_firing_rate_d_sigma(*point), fd_sigma, what="d/dsigma vs FD")


# ---------------------------------------------------------------------------
# colored noise: shift and taylor
# ---------------------------------------------------------------------------

@pytest.mark.slow
def test_shift_rate_and_derivative_grid_against_mpmath():
    values = shift_firing_rate(*_cols(GRID))
    derivs = d_shift_firing_rate_d_mu(*_cols(GRID))
    for p, v, d in zip(GRID, values, derivs, strict=True):
        assert_close(v, mp_rate(*p), what=f"shift rate at {p}")
        assert_close(d, mp_d_mu(*p), what=f"shift d/dmu at {p}")


def test_taylor_rate_grid_against_mpmath():
    """F&B 2002 Eq. 4.33; the value is a difference nu0 - correction, so the error is
    measured relative to nu0 + |correction| (the result itself may be ~0 or negative)."""
    values = taylor_firing_rate(*_cols(GRID))
    n_negative = 0
    for p, v in zip(GRID, values, strict=True):
        nu0, corr = mp_taylor_terms(*p)
        assert_close(v, nu0 - corr, scale=nu0 + abs(corr), what=f"taylor at {p}")
        n_negative += v < 0
    assert n_negative > 0  # the grid reaches the regime where the expansion fails


@pytest.mark.slow
def test_d_taylor_grid_against_mpmath_finite_differences():
    values = d_taylor_firing_rate_d_mu(*_cols(GRID))
    for p, v in zip(GRID, values, strict=True):
        ref = mp_d_taylor_fd(*p)
        # scale: the sizes of the terms of the derivative, d nu0/dmu and d corr/dmu
        scale = abs(mp_d_mu(*p[:6])) + abs(ref - mp_d_mu(*p[:6]))
        assert_close(v, ref, scale=scale, what=f"d taylor/dmu at {p}")


def test_taylor_is_first_order_expansion_of_shift():
    """shift - taylor = O(k^2): halving k quarters the difference; and k -> 0 gives delta."""
    p = (12 * mV, 4 * mV, 0.0, 20 * mV, 10 * ms, 2 * ms)
    tau_m = p[4]
    diffs = []
    for k in (0.02, 0.01, 0.005):
        tau_s = k * k * tau_m
        diffs.append(shift_firing_rate(*p, tau_s) - taylor_firing_rate(*p, tau_s))
    assert diffs[0] / diffs[1] == pytest.approx(4, rel=0.05)
    assert diffs[1] / diffs[2] == pytest.approx(4, rel=0.03)
    nu0 = delta_firing_rate(*p)
    assert shift_firing_rate(*p, 0.0) == nu0
    assert taylor_firing_rate(*p, 0.0) == nu0
    assert d_taylor_firing_rate_d_mu(*p, 0.0) == pytest.approx(d_delta_firing_rate_d_mu(*p),
                                                               rel=1e-15)


def test_large_k_warns_at_the_callers_line():
    for f in ALL_COLORED:
        with pytest.warns(UserWarning, match="tau_s") as record:
            f(10 * mV, 4 * mV, 0.0, 20 * mV, 10 * ms, 0.0, 2 * ms)
        assert record[0].filename == __file__


# ---------------------------------------------------------------------------
# vectorization, mixed regimes, robustness
# ---------------------------------------------------------------------------

ALL_WHITE = [delta_firing_rate, log_delta_firing_rate, d_delta_firing_rate_d_mu,
             d_delta_firing_rate_d_sigma]
ALL_COLORED = [shift_firing_rate, d_shift_firing_rate_d_mu, taylor_firing_rate,
               d_taylor_firing_rate_d_mu]


def _mixed_vector():
    """y_th ~ -3, -5000, +30, 0.5, -0.2 and 1e4 side by side (sigma = 0.01 mV)."""
    sigma = 0.01 * mV
    y_th = np.array([-3.0, -5000.0, 30.0, 0.5, -0.2, 1e4, -3.1])
    return 20 * mV - y_th * sigma, sigma


def test_mixed_regime_vector_equals_scalar_calls_and_mpmath():
    mu, sigma = _mixed_vector()
    args = (0.0, 20 * mV, 10 * ms, 2 * ms)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for f in ALL_WHITE:
            vec = f(mu, sigma, *args)
            scal = np.array([f(m, sigma, *args) for m in mu])
            np.testing.assert_allclose(vec, scal, rtol=1e-14, atol=0)
        for f in ALL_COLORED:
            vec = f(mu, sigma, *args, 0.5 * ms)
            scal = np.array([f(m, sigma, *args, 0.5 * ms) for m in mu])
            np.testing.assert_allclose(vec, scal, rtol=1e-14, atol=0)
    rates = delta_firing_rate(mu, sigma, *args)
    for m, v in zip(mu, rates, strict=True):
        assert_close(v, mp_rate(m, sigma, *args), what=f"mixed rate mu={m}")


_regime = st.sampled_from([-5000.0, -800.0, -40.0, -3.0, -0.3, 0.0, 0.7, 4.0, 12.0, 30.0, 3e3])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(y_th=st.lists(_regime, min_size=1, max_size=12),
       jitter=st.floats(-0.5, 0.5), sigma_mV=st.floats(0.1, 50.0),
       gap_mV=st.floats(0.5, 25.0), tau_r=st.sampled_from([0.0, 2 * ms, 5 * ms]),
       ratio=st.sampled_from(RATIOS))
def test_vectorized_equals_scalar_hypothesis(y_th, jitter, sigma_mV, gap_mV, tau_r, ratio):
    sigma = sigma_mV * mV
    V_th = 20 * mV
    mu = V_th - (np.array(y_th) + jitter) * sigma
    V_0 = V_th - gap_mV * mV
    tau_m = 10 * ms
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for f in ALL_WHITE:
            vec = f(mu, sigma, V_0, V_th, tau_m, tau_r)
            assert vec.shape == mu.shape and not np.any(np.isnan(vec))
            scal = [f(m, sigma, V_0, V_th, tau_m, tau_r) for m in mu]
            np.testing.assert_allclose(vec, scal, rtol=1e-14, atol=0)
        for f in ALL_COLORED:
            vec = f(mu, sigma, V_0, V_th, tau_m, tau_r, ratio * tau_m)
            scal = [f(m, sigma, V_0, V_th, tau_m, tau_r, ratio * tau_m) for m in mu]
            np.testing.assert_allclose(vec, scal, rtol=1e-14, atol=0)
    rate = delta_firing_rate(mu, sigma, V_0, V_th, tau_m, tau_r)
    assert np.all(rate >= 0)
    if tau_r > 0:
        assert np.all(rate <= 1 / tau_r)
    assert np.all(d_delta_firing_rate_d_mu(mu, sigma, V_0, V_th, tau_m, tau_r) >= 0)


def test_broadcasting_shapes():
    mu = np.linspace(-10, 30, 6)[:, None] * mV
    sigma = np.array([1.0, 5.0, 10.0])[None, :] * mV
    tau_r = np.array([0.0, 2 * ms, 4 * ms])
    out = delta_firing_rate(mu, sigma, 0.0, 20 * mV, 10 * ms, tau_r)
    assert out.shape == (6, 3)
    for i, j in itertools.product(range(6), range(3)):
        assert out[i, j] == pytest.approx(
            delta_firing_rate(mu[i, 0], sigma[0, j], 0.0, 20 * mV, 10 * ms, tau_r[j]), rel=1e-14)
    assert d_taylor_firing_rate_d_mu(mu, sigma, 0.0, 20 * mV, 10 * ms, tau_r, 0.5 * ms).shape \
        == (6, 3)


def test_speed_of_mixed_regime_vector():
    rng = np.random.default_rng(0)
    n = 100_000
    mu = rng.uniform(-100, 100, n) * mV
    sigma = 10 ** rng.uniform(-1, np.log10(50), n) * mV
    delta_firing_rate(mu[:10], sigma[:10], 0.0, 20 * mV, 10 * ms, 2 * ms)
    t0 = time.perf_counter()
    rate = delta_firing_rate(mu, sigma, 0.0, 20 * mV, 10 * ms, 2 * ms)
    elapsed = time.perf_counter() - t0
    assert not np.any(np.isnan(rate))
    assert elapsed < 2.0  # ~0.07 s on one idle core; generous for a shared machine


# ---------------------------------------------------------------------------
# limits
# ---------------------------------------------------------------------------

def test_long_refractory_period_limit():
    """nu -> 1/tau_r as tau_r dominates the mean first-passage time."""
    for mu in (15 * mV, 25 * mV, 80 * mV):
        tau_r = 1e4
        nu = delta_firing_rate(mu, 3 * mV, 0.0, 20 * mV, 10 * ms, tau_r)
        passage = 1 / delta_firing_rate(mu, 3 * mV, 0.0, 20 * mV, 10 * ms, 0.0)
        assert nu == pytest.approx(1 / (tau_r + passage), rel=1e-14)
        assert nu * tau_r == pytest.approx(1.0, rel=1e-4)


@pytest.mark.parametrize("mu_mV", [22.0, 30.0, 60.0, 100.0])
def test_deterministic_limit(mu_mV):
    """sigma -> 0, mu > V_th: nu -> 1/(tau_r + tau_m ln((mu - V_r)/(mu - V_th)))."""
    mu, V_0, V_th, tau_m, tau_r = mu_mV * mV, 0.0, 20 * mV, 10 * ms, 2 * ms
    expected = 1 / (tau_r + tau_m * math.log((mu - V_0) / (mu - V_th)))
    previous = None
    for sigma in (1e-2 * mV, 1e-3 * mV, 1e-4 * mV):
        nu = delta_firing_rate(mu, sigma, V_0, V_th, tau_m, tau_r)
        err = abs(nu / expected - 1)
        assert err < (sigma / (mu - V_th)) ** 2  # the correction is O(sigma^2)
        if previous is not None:
            assert err < previous / 50 or err < 1e-13
        previous = err


def test_subthreshold_tail_matches_arrhenius_asymptotics():
    """y_th -> inf: nu ~ y_th e^{-y_th^2} / (tau_m sqrt(pi)) (Brunel 2000, after Eq. 21)."""
    sigma, tau_m = 1 * mV, 10 * ms
    for y in (40.0, 200.0, 1e4):
        mu = 20 * mV - y * sigma
        log_nu = log_delta_firing_rate(mu, sigma, 0.0, 20 * mV, tau_m, 2 * ms)
        # 1/nu ~ 2 tau_m sqrt(pi) e^{y^2} F(y) (the other terms are e^{-y^2} smaller), with
        # Dawson's F(y) ~ 1/(2y) (1 + 1/(2y^2) + 3/(4y^4) + 15/(8y^6)):
        # log nu = -y^2 + log(y/(tau_m sqrt(pi))) - 1/(2y^2) - 5/(8y^4) + O(y^-6)
        expected = (-y * y + math.log(y / (tau_m * math.sqrt(math.pi))) - 1 / (2 * y * y)
                    - 5 / (8 * y ** 4))
        assert log_nu == pytest.approx(expected, abs=max(5 / y ** 6, 1e-14 * y * y))


# ---------------------------------------------------------------------------
# NNMT side by side
# ---------------------------------------------------------------------------

NNMT_POINTS = [  # moderate inputs, where NNMT 1.3 is reliable (it fails for |y_r| == |y_th|)
    (mu * mV, sigma * mV, V_0 * mV, 20 * mV, tau_m, tau_r, ratio * tau_m)
    for mu, sigma, V_0, tau_m, tau_r, ratio in [
        (12, 4, 0, 10 * ms, 2 * ms, 0.05), (5, 6, 0, 10 * ms, 2 * ms, 0.01),
        (18, 2, 10, 20 * ms, 0.0, 0.1), (25, 3, 0, 10 * ms, 2 * ms, 0.05),
        (-5, 8, 0, 10 * ms, 1 * ms, 0.05), (30, 10, 5, 15 * ms, 3 * ms, 0.01),
        (19, 1.5, 0, 10 * ms, 2 * ms, 0.02), (15, 5, -3, 10 * ms, 2 * ms, 0.1),
    ]]


def test_agrees_with_nnmt_on_moderate_inputs():
    nnmt = pytest.importorskip("nnmt")
    import nnmt.lif.delta as nd
    import nnmt.lif.exp as ne

    pairs = [
        (delta_firing_rate, nd._firing_rates_for_given_input, False),
        (d_delta_firing_rate_d_mu, nd._derivative_of_firing_rates_wrt_mean_input, False),
        (shift_firing_rate, ne._firing_rate_shift, True),
        (taylor_firing_rate, ne._firing_rate_taylor, True),
        (d_taylor_firing_rate_d_mu, ne._derivative_of_firing_rates_wrt_mean_input, True),
    ]
    compared = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # NNMT's own warnings (negative taylor rates)
        for ours, theirs, colored in pairs:
            for p in NNMT_POINTS:
                if theirs.__name__.startswith("_derivative") and p[2] - p[0] < -5 * p[1]:
                    continue  # NNMT loses e^{y^2}(1 + erf y) for y_r < -5, see next test
                args = p if colored else p[:6]
                ref = float(np.squeeze(theirs(*args)))
                if np.isfinite(ref):
                    assert ours(*args) == pytest.approx(ref, rel=1e-8), (ours.__name__, p)
                    compared += 1
    assert compared >= 32
    assert nnmt is not None


def test_nnmt_derivative_is_wrong_for_very_negative_y_r():
    """NNMT 1.3 evaluates e^{y_r^2}(1 + erf y_r) literally; for y_r = -8.3 1 + erf(y_r)
    rounds to 0, dropping erfcx(8.3) = 0.067 from the bracket (30% error in dnu/dmu here).
    We agree with mpmath instead."""
    nnmt = pytest.importorskip("nnmt")
    import nnmt.lif.delta as nd

    p = (25 * mV, 3 * mV, 0.0, 20 * mV, 10 * ms, 2 * ms)  # y_th = -1.7, y_r = -8.3
    ours = d_delta_firing_rate_d_mu(*p)
    assert_close(ours, mp_d_mu(*p), what="dnu/dmu at y_r = -8.3")
    assert abs(nd._derivative_of_firing_rates_wrt_mean_input(*p) / ours - 1) > 0.1
    assert nnmt is not None


def test_cv_agrees_with_nnmt():
    pytest.importorskip("nnmt")
    import nnmt.lif.exp as ne

    for p in NNMT_POINTS[:4]:
        nu = delta_firing_rate(*p[:6])
        ref = ne._cvs_single_population(nu, *p[:4], p[4], 0.0)  # tau_s = 0: white noise
        assert delta_cv(*p[:6]) == pytest.approx(ref, rel=1e-8)


# ---------------------------------------------------------------------------
# CV of the inter-spike interval (Brunel 2000, Appendix A.1)
# ---------------------------------------------------------------------------

def mp_cv(mu, sigma, V_0, V_th, tau_m, tau_r):
    """CV from Brunel 2000, Eq. A.1 with the order of integration exchanged (Fubini):

    int_{y_r}^{y_th} dx e^{x^2} int_{-inf}^x dy g(y) = int_{-inf}^{y_th} dy g(y) W(max(y, y_r)),
    g(y) = e^{y^2} erfc(-y)^2, W(z) = int_z^{y_th} e^{x^2} dx = sqrt(pi)/2 (erfi(y_th) - erfi(z)).
    """
    with mp.workdps(30):
        nu = mp_rate(mu, sigma, V_0, V_th, tau_m, tau_r)
        y_th, y_r = mp_ys(mu, sigma, V_0, V_th)

        def W(z):
            return mp.sqrt(mp.pi) / 2 * (mp.erfi(y_th) - mp.erfi(z))

        def g(y):
            return mp.exp(y * y) * mp.erfc(-y) ** 2

        part_b = _squad(lambda t: g(y_th - t) * W(y_th - t), _split(y_th, y_th - y_r))
        part_a = W(y_r) * _squad(lambda t: g(y_r - t), _split(y_r, mp.mpf(50)) + [mp.inf])
        return mp.sqrt(2 * mp.pi * (mp.mpf(tau_m) * nu) ** 2 * (part_a + part_b))


CV_Y = [(-10, -10.1), (-10, -14), (-6, -18), (-2, -3), (-0.5, -12.5), (0.3, -0.7),
        (1, 0), (3, -9), (6, 5), (10, 9.9), (10, -2)]


@pytest.mark.parametrize("y_th,y_r", CV_Y)
def test_cv_against_mpmath(y_th, y_r):
    sigma, V_th = 4 * mV, 20 * mV
    mu = V_th - y_th * sigma
    V_0 = mu + y_r * sigma
    p = (mu, sigma, V_0, V_th, 10 * ms, 1 * ms)
    assert_close(delta_cv(*p), mp_cv(*p), rtol=1e-8, what=f"CV at y=({y_th}, {y_r})")


def test_cv_against_nested_mpmath_quadrature():
    """Values of Eq. A.1 in its original nested form, computed once (35 s each) with
    mp.dps = 20: outer mp.quad over x = y_th - t of e^{x^2} times an inner mp.quad over
    s of e^{(x - s)^2} erfc(s - x)^2 on [0, inf), both split at 4^k / (2|x| + 1)."""
    assert delta_cv(10 * mV, 5 * mV, 0.0, 20 * mV, 10 * ms, 2 * ms) == pytest.approx(
        0.9557451908250362, rel=1e-12)
    assert delta_cv(30 * mV, 2 * mV, 0.0, 20 * mV, 10 * ms, 0.0) == pytest.approx(
        0.11914702452814326, rel=1e-12)


def test_cv_limits():
    tau_m = 10 * ms
    # strongly subthreshold, no refractoriness: Poisson-like, CV -> 1
    assert delta_cv(-20 * mV, 3 * mV, 0.0, 20 * mV, tau_m, 0.0) == pytest.approx(1, abs=1e-12)
    # small noise, suprathreshold: Var T = sigma^2 tau^2/2 (1/(mu-V_th)^2 - 1/(mu-V_r)^2)
    # (linearised first passage of tau dV = (mu - V) dt + sigma sqrt(tau) dW), T = deterministic
    mu, V_0, V_th, tau_r = 30 * mV, 0.0, 20 * mV, 2 * ms
    T = tau_m * math.log((mu - V_0) / (mu - V_th))
    for sigma in (0.1 * mV, 0.03 * mV, 0.01 * mV):
        var = sigma ** 2 * tau_m ** 2 / 2 * (1 / (mu - V_th) ** 2 - 1 / (mu - V_0) ** 2)
        expected = math.sqrt(var) / (T + tau_r)
        # the next order of the small-noise expansion is O(sigma^2)
        assert delta_cv(mu, sigma, V_0, V_th, tau_m, tau_r) == pytest.approx(
            expected, rel=2 * (sigma / (mu - V_th)) ** 2)


def test_cv_vectorized_and_domain():
    mu = np.array([-20, 10, 30, 100]) * mV
    cv = delta_cv(mu, 3 * mV, 0.0, 20 * mV, 10 * ms, 2 * ms)
    assert cv.shape == (4,)
    for m, c in zip(mu, cv, strict=True):
        assert delta_cv(m, 3 * mV, 0.0, 20 * mV, 10 * ms, 2 * ms) == pytest.approx(c, rel=1e-13)
    with pytest.raises(ValueError, match="delta_cv"):
        delta_cv(100 * mV, 1e-3 * mV, 0.0, 20 * mV, 10 * ms, 2 * ms)  # |y| = 8e4
    # more elements than one internal block (4096), mixed regimes
    rng = np.random.default_rng(1)
    mu = rng.uniform(-20, 60, 5000) * mV
    sigma = rng.uniform(0.5, 20, 5000) * mV
    cv = delta_cv(mu, sigma, 0.0, 20 * mV, 10 * ms, 2 * ms)
    assert np.all(np.isfinite(cv)) and np.all(cv > 0)
    for i in (0, 4095, 4096, 4999):
        assert cv[i] == pytest.approx(delta_cv(mu[i], sigma[i], 0.0, 20 * mV, 10 * ms, 2 * ms),
                                      rel=1e-13)


# ---------------------------------------------------------------------------
# bad input
# ---------------------------------------------------------------------------

GOOD = dict(mu=10 * mV, sigma=4 * mV, V_0_rel=0.0, V_th_rel=20 * mV, tau_m=10 * ms,
            tau_r=2 * ms)


@pytest.mark.parametrize("name,value,pattern", [
    ("sigma", 0.0, r"sigma must be > 0, got 0\.0 V"),
    ("sigma", -1e-3, r"sigma must be > 0.*V"),
    ("tau_m", 0.0, r"tau_m must be > 0.*s"),
    ("tau_r", -1e-3, r"tau_r must be >= 0.*-0\.001 s"),
    ("V_th_rel", 0.0, r"V_th_rel must be > V_0_rel.*V_th_rel=0\.0 V"),
    ("V_th_rel", -5 * mV, r"V_th_rel must be > V_0_rel"),
    ("mu", np.nan, r"mu must be finite.*V"),
    ("sigma", np.inf, r"sigma must be finite"),
    ("V_0_rel", np.array([0.0, np.nan]), r"V_0_rel must be finite"),
])
@pytest.mark.parametrize("func", [delta_firing_rate, d_delta_firing_rate_d_sigma, delta_cv,
                                  shift_firing_rate, d_taylor_firing_rate_d_mu])
def test_bad_input_raises(func, name, value, pattern):
    kwargs = dict(GOOD, **{name: value})
    if func in ALL_COLORED:
        kwargs["tau_s"] = 0.5 * ms
    with pytest.raises(ValueError, match=pattern):
        func(**kwargs)


def test_bad_tau_s_raises():
    with pytest.raises(ValueError, match=r"tau_s must be >= 0.*s"):
        taylor_firing_rate(**GOOD, tau_s=-1 * ms)
