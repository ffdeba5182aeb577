r"""Overflow-free integrals of the scaled complementary error function erfcx.

The Siegert formula for the stationary LIF rate and its derivatives (:mod:`neuromf.special.
_siegert`; Siegert 1951; Brunel 2000, Eq. 21) integrate
:math:`\operatorname{erfcx}(-u) = e^{u^2}\operatorname{erfc}(-u)` between the scaled reset
and threshold.  This module evaluates those integrals, and the scaling that keeps them
representable, for 1-d float arrays.

Numerical method
----------------
The integrand is :math:`\operatorname{erfcx}(-u) = e^{u^2}\operatorname{erfc}(-u)`.  Writing
:math:`G(x) = \int_0^x \operatorname{erfcx}(t)\,\mathrm{d}t` (:math:`x \ge 0`) and Dawson's
function :math:`F`, one has for :math:`y > 0`
:math:`\int_0^y \operatorname{erfcx}(-u)\,\mathrm{d}u = 2 e^{y^2} F(y) - G(y)` and for
:math:`y < 0` :math:`-G(|y|)`.  Every result is computed as :math:`e^{-m^2}\tilde{x}` with
:math:`m = \max(y_\theta, 0)` and a scaled quantity :math:`\tilde{x}` that neither overflows
nor underflows, so the exponential factors of the strongly subthreshold regime never meet
(no overflow, no NaN; rates below the double range come out as correctly rounded
sub-normal numbers or 0, while
:func:`neuromf.special.log_delta_firing_rate` stays accurate).

:math:`G` is evaluated from a table of its values at the integers 0..10 plus a 12-node
Gauss–Legendre rule on the remaining unit interval, and for :math:`x \ge 10` from its
asymptotic expansion
:math:`G(x) = \pi^{-1/2}[\gamma/2 + \ln 2x + \sum_{m \ge 1} (-1)^{m+1} (2m-1)!!/(2^m\,2m)
\,x^{-2m}]` (the constant :math:`(\gamma/2 + \ln 2)/\sqrt{\pi}` is checked against mpmath in the
tests).  Differences over short intervals are integrated directly, so that no digits are
lost to cancellation.  The relative error is :math:`\lesssim 10^{-13}` for
:math:`|y| \le 10^4` (see ``tests/special/test_siegert.py``).
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import dawsn, erfc, erfcx

_SQRT_PI = math.sqrt(math.pi)
_INV_SQRT_PI = 1.0 / _SQRT_PI
_EULER_GAMMA = 0.57721566490153286061

# Gauss-Legendre rule used on intervals of length <= 1 (12 nodes reach double
# precision for erfcx there).
_GL_X, _GL_W = np.polynomial.legendre.leggauss(12)

# beyond this argument G and h are evaluated from their asymptotic series
_X_ASYM = 10.0
# asymptotic series: erfcx(t) ~ 1/(sqrt(pi) t) sum_m (-1)^m (2m-1)!!/(2 t^2)^m.  At t >= 10
# the first omitted term (m = 15) is < 1e-19 relative.
_N_ASYM = 14


def _double_factorial_odd(m: int) -> float:
    """(2m - 1)!! with (-1)!! = 1."""
    return float(math.prod(range(1, 2 * m, 2)))


# coefficients of x^{-2m}, m = 1.._N_ASYM, of sqrt(pi) G(x) - gamma/2 - ln(2x)
_G_ASYM_COEF = np.array([(-1) ** (m + 1) * _double_factorial_odd(m) / (2.0 ** m * 2 * m)
                         for m in range(1, _N_ASYM + 1)])
# coefficients of x^{-2m}, m = 1.._N_ASYM, of sqrt(pi) (x erfcx(x) - 1/sqrt(pi))
_H_ASYM_COEF = np.array([(-1) ** m * _double_factorial_odd(m) / 2.0 ** m
                         for m in range(1, _N_ASYM + 1)])
_MAX_M2 = 600.0  # below this, exp(-m^2) times a moderate number is a normal double


def _gl(func, a, b):
    """12-node Gauss-Legendre integral of ``func`` over [a, b] (1-d arrays, short intervals)."""
    half = 0.5 * (b - a)
    nodes = (0.5 * (a + b))[:, None] + half[:, None] * _GL_X
    return half * (func(nodes) @ _GL_W)


def _poly_inv_sq(x, coef):
    """sum_m coef[m-1] x^{-2m} by Horner's scheme in z = 1/x^2."""
    z = 1.0 / (x * x)
    acc = np.zeros_like(z)
    for c in coef[::-1]:
        acc = (acc + c) * z
    return acc


def _build_g_table() -> np.ndarray:
    """G(k) = int_0^k erfcx for k = 0..10 (each unit panel with the 12-node rule)."""
    k = np.arange(int(_X_ASYM), dtype=float)
    panels = _gl(erfcx, k, k + 1.0)
    return np.concatenate([[0.0], np.cumsum(panels)])


_G_TABLE = _build_g_table()


def _g_small(x):
    """G(x) for 0 <= x <= 10."""
    k = np.minimum(np.floor(x), _X_ASYM - 1.0)
    return _G_TABLE[k.astype(np.intp)] + _gl(erfcx, k, x)


def _g(x):
    """G(x) = int_0^x erfcx(t) dt for x >= 0 (1-d array)."""
    out = np.empty_like(x)
    big = x >= _X_ASYM
    if big.any():
        xb = x[big]
        out[big] = _INV_SQRT_PI * (0.5 * _EULER_GAMMA + np.log(2.0 * xb)
                                   + _poly_inv_sq(xb, _G_ASYM_COEF))
    small = ~big
    if small.any():
        out[small] = _g_small(x[small])
    return out


def _erfcx_integral(a, b):
    """int_a^b erfcx(t) dt for 0 <= a <= b (1-d arrays), relative accuracy ~1e-15."""
    out = np.empty_like(a)
    big = a >= _X_ASYM
    if big.any():
        ab, bb = a[big], b[big]
        out[big] = _INV_SQRT_PI * (np.log1p((bb - ab) / ab) + _poly_inv_sq(bb, _G_ASYM_COEF)
                                   - _poly_inv_sq(ab, _G_ASYM_COEF))
    short = ~big & (b - a <= 1.0)
    if short.any():
        out[short] = _gl(erfcx, a[short], b[short])
    rest = ~big & ~short
    if rest.any():
        out[rest] = _g(b[rest]) - _g(a[rest])
    return out


def _h(x):
    """h(x) = x erfcx(x) - 1/sqrt(pi) for x >= 0, without cancellation at large x."""
    out = np.empty_like(x)
    big = x >= _X_ASYM
    if big.any():
        out[big] = _INV_SQRT_PI * _poly_inv_sq(x[big], _H_ASYM_COEF)
    small = ~big
    if small.any():
        xs = x[small]
        out[small] = xs * erfcx(xs) - _INV_SQRT_PI
    return out


def _scaled_integral(y_th, y_r):
    r"""Return (m2, S) with S = e^{-m2} \int_{y_r}^{y_th} erfcx(-u) du, m2 = max(y_th, 0)^2."""
    b, a = y_th, y_r
    m2 = np.where(b > 0.0, b * b, 0.0)
    S = np.empty_like(b)

    sub = b <= 0.0  # whole interval at u <= 0: bounded integrand
    if sub.any():
        S[sub] = _erfcx_integral(-b[sub], -a[sub])

    cross = (a < 0.0) & (b > 0.0)
    if cross.any():
        bc, ac = b[cross], a[cross]
        S[cross] = 2.0 * dawsn(bc) + np.exp(-bc * bc) * (_g(-ac) - _g(bc))

    sup = a >= 0.0
    if sup.any():
        bs, as_ = b[sup], a[sup]
        delta = (bs - as_) * (bs + as_)  # y_th^2 - y_r^2 without cancellation
        Ss = np.empty_like(bs)
        near = delta <= 0.5
        if near.any():
            bn = bs[near]

            def integrand(u, bn=bn):
                bb = bn[:, None]
                return np.exp(-(bb - u) * (bb + u)) * erfc(-u)

            Ss[near] = _gl(integrand, as_[near], bn)
        far = ~near
        if far.any():
            bf, af = bs[far], as_[far]
            Ss[far] = (2.0 * dawsn(bf) - 2.0 * np.exp(-delta[far]) * dawsn(af)
                       - np.exp(-bf * bf) * _erfcx_integral(af, bf))
        S[sup] = Ss
    return m2, S


def _scaled_erfcx_neg(y, m):
    """e^{-m^2} erfcx(-y) for y <= m, m >= 0."""
    out = np.empty_like(y)
    neg = y <= 0.0
    out[neg] = np.exp(-m[neg] ** 2) * erfcx(-y[neg])
    pos = ~neg
    yp, mp_ = y[pos], m[pos]
    out[pos] = np.exp(-(mp_ - yp) * (mp_ + yp)) * erfc(-yp)
    return out


def _unscale(x, m2):
    """x * exp(-m2), correctly rounded also where the result is sub-normal or 0."""
    out = x * np.exp(-np.minimum(m2, _MAX_M2))
    deep = m2 > _MAX_M2
    if deep.any():
        xd = x[deep]
        with np.errstate(divide="ignore"):
            out[deep] = np.sign(xd) * np.exp(np.log(np.abs(xd)) - m2[deep])
    return out
