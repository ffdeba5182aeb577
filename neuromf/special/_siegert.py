r"""Stationary firing rates of the leaky integrate-and-fire neuron in the diffusion limit.

White noise (delta synapses): the Siegert formula for the mean first-passage time
(Siegert 1951; Amit & Tsodyks 1991; Brunel 2000, Eq. 21),

.. math::

    \frac{1}{\nu} = \tau_r + \tau_m \sqrt{\pi} \int_{y_r}^{y_\theta} e^{u^2}
    (1 + \operatorname{erf} u)\,\mathrm{d}u, \qquad y_\theta = \frac{V_\theta - \mu}{\sigma},\quad
    y_r = \frac{V_r - \mu}{\sigma},

its derivatives with respect to :math:`\mu` and :math:`\sigma`, the coefficient of
variation of the inter-spike interval (Brunel 2000, Appendix A.1), and the colored-noise
corrections for exponentially decaying synaptic currents of Fourcaud & Brunel 2002
('shift' of the integration bounds, and its first-order Taylor expansion, their Eq. 4.33).

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
sub-normal numbers or 0, while :func:`log_delta_firing_rate` stays accurate).

:math:`G` is evaluated from a table of its values at the integers 0..10 plus a 12-node
Gauss–Legendre rule on the remaining unit interval, and for :math:`x \ge 10` from its
asymptotic expansion
:math:`G(x) = \pi^{-1/2}[\gamma/2 + \ln 2x + \sum_{m \ge 1} (-1)^{m+1} (2m-1)!!/(2^m\,2m)
\,x^{-2m}]` (the constant :math:`(\gamma/2 + \ln 2)/\sqrt{\pi}` is checked against mpmath in the
tests).  Differences over short intervals are integrated directly, so that no digits are
lost to cancellation.  The relative error is :math:`\lesssim 10^{-13}` for
:math:`|y| \le 10^4` (see ``tests/special/test_siegert.py``).

All functions broadcast over all arguments (numpy rules); scalar arguments give a Python
float.  Units are SI: V for potentials, s for times, Hz for rates.
"""

from __future__ import annotations

import functools
import math
import warnings

import numpy as np
from scipy.special import dawsn, erfc, erfcx, zeta

from neuromf.utils import check_finite, check_positive

__all__ = [
    "ALPHA_SHIFT",
    "delta_firing_rate",
    "log_delta_firing_rate",
    "d_delta_firing_rate_d_mu",
    "d_delta_firing_rate_d_sigma",
    "shift_firing_rate",
    "d_shift_firing_rate_d_mu",
    "taylor_firing_rate",
    "d_taylor_firing_rate_d_mu",
]

#: :math:`\sqrt{2}\,|\zeta(1/2)|`, the boundary shift constant of Fourcaud & Brunel 2002
#: (Eq. 4.33; :math:`\zeta` is the Riemann zeta function).
ALPHA_SHIFT: float = float(math.sqrt(2.0) * abs(zeta(0.5)))

_SQRT_PI = math.sqrt(math.pi)
_INV_SQRT_PI = 1.0 / _SQRT_PI
_EULER_GAMMA = 0.57721566490153286061
# k = sqrt(tau_s / tau_m) above which the colored-noise approximations are doubtful
# (same bound as NNMT, k > sqrt(0.1))
_K_WARN = math.sqrt(0.1)

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


# ---------------------------------------------------------------------------
# argument handling
# ---------------------------------------------------------------------------

_ARG_UNITS = {"mu": "V", "sigma": "V", "V_0_rel": "V", "V_th_rel": "V", "tau_m": "s",
              "tau_r": "s", "tau_s": "s"}


def _raise_for_bad_input(named):
    """Raise the ValueError (naming parameter, value and unit) for the first bad argument."""
    for name, value in named.items():
        unit = _ARG_UNITS[name]
        if name in ("sigma", "tau_m"):
            check_positive(name, value, unit)
        elif name in ("tau_r", "tau_s"):
            check_positive(name, value, unit, allow_zero=True)
        else:
            check_finite(name, value, unit)


def _prepare(mu, sigma, V_0_rel, V_th_rel, tau_m, tau_r, tau_s=None):
    """Check the arguments, broadcast them and return flat float arrays plus the shape."""
    named = {"mu": mu, "sigma": sigma, "V_0_rel": V_0_rel, "V_th_rel": V_th_rel,
             "tau_m": tau_m, "tau_r": tau_r}
    if tau_s is not None:
        named["tau_s"] = tau_s
    arrays = [np.asarray(x, dtype=float) for x in named.values()]
    # fast path: one cheap test per argument; the helpers build the message on failure
    ok = all(np.isfinite(a).all() for a in arrays)
    ok = ok and (arrays[1] > 0).all() and (arrays[4] > 0).all() and (arrays[5] >= 0).all()
    ok = ok and (tau_s is None or (arrays[6] >= 0).all())
    if not ok:
        _raise_for_bad_input(named)
    arrays = np.broadcast_arrays(*arrays)
    shape = arrays[0].shape
    flat = [x.ravel() for x in arrays]
    bad = flat[3] <= flat[2]
    if bad.any():
        raise ValueError(
            "V_th_rel must be > V_0_rel (threshold above reset), got V_th_rel="
            f"{float(flat[3][bad][0])!r} V, V_0_rel={float(flat[2][bad][0])!r} V")
    return flat, shape


def _shape_output(x, shape):
    if shape == ():
        return float(x[0])
    return x.reshape(shape)


def _quiet_underflow(func):
    """Run ``func`` with floating-point underflow ignored (tiny factors flush to 0 by design)."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with np.errstate(under="ignore"):
            return func(*args, **kwargs)
    return wrapper


def _k_of(tau_s, tau_m):
    k = np.sqrt(tau_s / tau_m)
    if np.any(k > _K_WARN * (1.0 + 1e-12)):
        warnings.warn(
            f"k = sqrt(tau_s/tau_m) = {np.max(k):.3g} > sqrt(0.1): the colored-noise "
            "approximation of Fourcaud & Brunel 2002 assumes tau_s << tau_m and may be "
            "inaccurate", stacklevel=4)
    return k


def _core(mu, sigma, V_0_rel, V_th_rel, tau_m, tau_r, y_offset=None):
    """Scaled Siegert quantities: y_th, y_r, m2, S and n_tilde = nu e^{m2}."""
    y_th = (V_th_rel - mu) / sigma
    y_r = (V_0_rel - mu) / sigma
    if y_offset is not None:
        y_th = y_th + y_offset
        y_r = y_r + y_offset
    m2, S = _scaled_integral(y_th, y_r)
    n_tilde = 1.0 / (tau_r * np.exp(-m2) + tau_m * _SQRT_PI * S)
    return y_th, y_r, m2, S, n_tilde


def _brackets(y_th, y_r, m2):
    r"""Scaled B = erfcx(-y_th) - erfcx(-y_r) and C = y_th erfcx(-y_th) - y_r erfcx(-y_r).

    Both are returned multiplied by e^{-m2}.
    """
    m = np.sqrt(m2)
    E_th = _scaled_erfcx_neg(y_th, m)
    E_r = _scaled_erfcx_neg(y_r, m)
    B = E_th - E_r
    C = y_th * E_th - y_r * E_r
    sub = y_th <= 0.0
    if sub.any():
        # y erfcx(-y) -> -1/sqrt(pi) for y -> -inf: subtract the constant analytically
        C[sub] = _h(-y_r[sub]) - _h(-y_th[sub])
    return B, C


# ---------------------------------------------------------------------------
# white noise
# ---------------------------------------------------------------------------

@_quiet_underflow
def delta_firing_rate(mu, sigma, V_0_rel, V_th_rel, tau_m, tau_r):
    r"""Stationary firing rate of the LIF neuron driven by white noise (Siegert formula).

    .. math::

        \nu = \Big[\tau_r + \tau_m \sqrt{\pi} \int_{y_r}^{y_\theta} e^{u^2}
        (1 + \operatorname{erf} u)\,\mathrm{d}u\Big]^{-1}, \quad
        y_\theta = \frac{V_{\theta} - \mu}{\sigma},\;y_r = \frac{V_0 - \mu}{\sigma}

    (Siegert 1951; Amit & Tsodyks 1991; Brunel 2000, Eq. 21).

    Parameters
    ----------
    mu : float or array_like
        Mean input (free membrane potential relative to the resting potential) in V.
    sigma : float or array_like
        Standard deviation of the input in V, > 0.
    V_0_rel : float or array_like
        Reset potential relative to rest in V.
    V_th_rel : float or array_like
        Threshold relative to rest in V, > ``V_0_rel``.
    tau_m : float or array_like
        Membrane time constant in s, > 0.
    tau_r : float or array_like
        Refractory period in s, >= 0.

    Returns
    -------
    float or numpy.ndarray
        Rate in Hz, broadcast shape of the arguments.  Accurate to ~1e-13 relative for
        :math:`|y| \le 10^4`; where the rate is below the smallest double (about
        :math:`y_\theta > 27`) it is a sub-normal number or 0.  Use
        :func:`log_delta_firing_rate` there.

    Raises
    ------
    ValueError
        For non-finite arguments, ``sigma <= 0``, ``tau_m <= 0``, ``tau_r < 0`` or
        ``V_th_rel <= V_0_rel``.
    """
    (mu, sigma, V_0, V_th, tau_m, tau_r), shape = _prepare(mu, sigma, V_0_rel, V_th_rel,
                                                           tau_m, tau_r)
    _, _, m2, _, n_tilde = _core(mu, sigma, V_0, V_th, tau_m, tau_r)
    return _shape_output(_unscale(n_tilde, m2), shape)


@_quiet_underflow
def log_delta_firing_rate(mu, sigma, V_0_rel, V_th_rel, tau_m, tau_r):
    r"""Natural logarithm of :func:`delta_firing_rate` (rate in Hz), accurate also where the rate
    underflows double precision (strongly subthreshold input, :math:`y_\theta \gtrsim 27`).

    Same parameters as :func:`delta_firing_rate`.  For :math:`y_\theta \to \infty`,
    :math:`\ln\nu \approx -y_\theta^2 + \ln(y_\theta / (\tau_m\sqrt{\pi}))`.
    """
    (mu, sigma, V_0, V_th, tau_m, tau_r), shape = _prepare(mu, sigma, V_0_rel, V_th_rel,
                                                           tau_m, tau_r)
    _, _, m2, _, n_tilde = _core(mu, sigma, V_0, V_th, tau_m, tau_r)
    return _shape_output(np.log(n_tilde) - m2, shape)


@_quiet_underflow
def d_delta_firing_rate_d_mu(mu, sigma, V_0_rel, V_th_rel, tau_m, tau_r):
    r"""Derivative of the Siegert rate with respect to the mean input, in Hz/V.

    .. math::

        \frac{\partial\nu}{\partial\mu} = \nu^2 \frac{\tau_m\sqrt{\pi}}{\sigma}
        \big[\operatorname{erfcx}(-y_\theta) - \operatorname{erfcx}(-y_r)\big]

    (derivative of Brunel 2000, Eq. 21; zero-frequency limit of the white-noise transfer
    function, Brunel & Hakim 1999).  The factors :math:`\nu^2` and
    :math:`e^{y_\theta^2}` are combined analytically, so the result is finite and accurate
    where each of them alone would over- or underflow.  Same parameters as
    :func:`delta_firing_rate`.
    """
    (mu, sigma, V_0, V_th, tau_m, tau_r), shape = _prepare(mu, sigma, V_0_rel, V_th_rel,
                                                           tau_m, tau_r)
    y_th, y_r, m2, _, n = _core(mu, sigma, V_0, V_th, tau_m, tau_r)
    B, _ = _brackets(y_th, y_r, m2)
    return _shape_output(_unscale(n * n * tau_m * _SQRT_PI / sigma * B, m2), shape)


@_quiet_underflow
def d_delta_firing_rate_d_sigma(mu, sigma, V_0_rel, V_th_rel, tau_m, tau_r):
    r"""Derivative of the Siegert rate with respect to the input standard deviation, in Hz/V.

    .. math::

        \frac{\partial\nu}{\partial\sigma} = \nu^2 \frac{\tau_m\sqrt{\pi}}{\sigma}
        \big[y_\theta \operatorname{erfcx}(-y_\theta) - y_r \operatorname{erfcx}(-y_r)\big]

    (derivative of Brunel 2000, Eq. 21, using :math:`\partial y/\partial\sigma = -y/\sigma`).
    Same parameters as :func:`delta_firing_rate`.
    """
    (mu, sigma, V_0, V_th, tau_m, tau_r), shape = _prepare(mu, sigma, V_0_rel, V_th_rel,
                                                           tau_m, tau_r)
    y_th, y_r, m2, _, n = _core(mu, sigma, V_0, V_th, tau_m, tau_r)
    _, C = _brackets(y_th, y_r, m2)
    return _shape_output(_unscale(n * n * tau_m * _SQRT_PI / sigma * C, m2), shape)


# ---------------------------------------------------------------------------
# colored noise (exponential synapses), Fourcaud & Brunel 2002
# ---------------------------------------------------------------------------

@_quiet_underflow
def shift_firing_rate(mu, sigma, V_0_rel, V_th_rel, tau_m, tau_r, tau_s):
    r"""Stationary rate with exponentially filtered synaptic input, 'shift' method.

    The Siegert formula evaluated with threshold and reset both shifted up by
    :math:`\sigma \frac{\alpha}{2}\sqrt{\tau_s/\tau_m}`, :math:`\alpha = \sqrt{2}|\zeta(1/2)|`
    (Fourcaud & Brunel 2002, Eq. 4.33 and the effective-threshold expression after it).
    Valid for :math:`k = \sqrt{\tau_s/\tau_m} \ll 1`; a warning is issued for
    :math:`k > \sqrt{0.1}`.

    Parameters
    ----------
    mu, sigma, V_0_rel, V_th_rel, tau_m, tau_r
        As in :func:`delta_firing_rate` (V, s).
    tau_s : float or array_like
        Synaptic time constant in s, >= 0 (0 gives the white-noise rate).

    Returns
    -------
    float or numpy.ndarray
        Rate in Hz.
    """
    (mu, sigma, V_0, V_th, tau_m, tau_r, tau_s), shape = _prepare(
        mu, sigma, V_0_rel, V_th_rel, tau_m, tau_r, tau_s)
    offset = 0.5 * ALPHA_SHIFT * _k_of(tau_s, tau_m)
    _, _, m2, _, n_tilde = _core(mu, sigma, V_0, V_th, tau_m, tau_r, offset)
    return _shape_output(_unscale(n_tilde, m2), shape)


@_quiet_underflow
def d_shift_firing_rate_d_mu(mu, sigma, V_0_rel, V_th_rel, tau_m, tau_r, tau_s):
    r"""Derivative of :func:`shift_firing_rate` with respect to mu, in Hz/V.

    The shift :math:`\sigma\frac{\alpha}{2}\sqrt{\tau_s/\tau_m}` depends on
    :math:`\sigma` only, so this is :func:`d_delta_firing_rate_d_mu` at the shifted bounds
    (the :math:`\omega \to 0` limit of the 'shift' transfer function, Schuecker et al. 2015).
    Same parameters as :func:`shift_firing_rate`.
    """
    (mu, sigma, V_0, V_th, tau_m, tau_r, tau_s), shape = _prepare(
        mu, sigma, V_0_rel, V_th_rel, tau_m, tau_r, tau_s)
    offset = 0.5 * ALPHA_SHIFT * _k_of(tau_s, tau_m)
    y_th, y_r, m2, _, n = _core(mu, sigma, V_0, V_th, tau_m, tau_r, offset)
    B, _ = _brackets(y_th, y_r, m2)
    return _shape_output(_unscale(n * n * tau_m * _SQRT_PI / sigma * B, m2), shape)


@_quiet_underflow
def taylor_firing_rate(mu, sigma, V_0_rel, V_th_rel, tau_m, tau_r, tau_s):
    r"""Stationary rate with exponential synapses, first order in :math:`k=\sqrt{\tau_s/\tau_m}`.

    Fourcaud & Brunel 2002, Eq. 4.33:

    .. math::

        \nu = \nu_0 - \sqrt{\tau_s\tau_m}\,\frac{\alpha\sqrt{\pi}}{2}\,\nu_0^2
        \big[\operatorname{erfcx}(-y_\theta) - \operatorname{erfcx}(-y_r)\big]
        = \nu_0 - \frac{\alpha k \sigma}{2} \frac{\partial\nu_0}{\partial\mu},

    with :math:`\nu_0` the white-noise (Siegert) rate and :math:`\alpha = \sqrt{2}|\zeta(1/2)|`.
    This is the expansion of :func:`shift_firing_rate` to first order in :math:`k`.

    Parameters
    ----------
    mu, sigma, V_0_rel, V_th_rel, tau_m, tau_r, tau_s
        As in :func:`shift_firing_rate`.

    Returns
    -------
    float or numpy.ndarray
        The raw first-order rate in Hz.  **It can be negative** (roughly where
        :math:`y_\theta \gtrsim 1/(\alpha k)`, i.e. strongly subthreshold input, where the
        expansion breaks down); negative values are returned unchanged and without warning,
        so callers must test ``rate < 0`` and fall back (e.g. to :func:`shift_firing_rate`).
    """
    (mu, sigma, V_0, V_th, tau_m, tau_r, tau_s), shape = _prepare(
        mu, sigma, V_0_rel, V_th_rel, tau_m, tau_r, tau_s)
    k = _k_of(tau_s, tau_m)
    y_th, y_r, m2, _, n = _core(mu, sigma, V_0, V_th, tau_m, tau_r)
    B, _ = _brackets(y_th, y_r, m2)
    value = n * (1.0 - 0.5 * ALPHA_SHIFT * k * tau_m * _SQRT_PI * n * B)
    return _shape_output(_unscale(value, m2), shape)


@_quiet_underflow
def d_taylor_firing_rate_d_mu(mu, sigma, V_0_rel, V_th_rel, tau_m, tau_r, tau_s):
    r"""Exact derivative of :func:`taylor_firing_rate` with respect to mu, in Hz/V.

    With :math:`B = \operatorname{erfcx}(-y_\theta) - \operatorname{erfcx}(-y_r)` and
    :math:`C = y_\theta\operatorname{erfcx}(-y_\theta) - y_r\operatorname{erfcx}(-y_r)`,

    .. math::

        \frac{\partial\nu}{\partial\mu} = \nu_0^2\frac{\tau_m\sqrt{\pi}}{\sigma}
        \big[B + \alpha k\,C - \alpha k\,\tau_m\sqrt{\pi}\,\nu_0 B^2\big]

    (the zero-frequency limit of the colored-noise transfer function in the Taylor
    approximation, Schuecker et al. 2014, Appendix B; here obtained by differentiating
    Fourcaud & Brunel 2002, Eq. 4.33, using :math:`\partial_\mu \operatorname{erfcx}(-y)
    = -[2/\sqrt{\pi} + 2y\operatorname{erfcx}(-y)]/\sigma`).
    Same parameters as :func:`shift_firing_rate`.
    """
    (mu, sigma, V_0, V_th, tau_m, tau_r, tau_s), shape = _prepare(
        mu, sigma, V_0_rel, V_th_rel, tau_m, tau_r, tau_s)
    ak = ALPHA_SHIFT * _k_of(tau_s, tau_m)
    y_th, y_r, m2, _, n = _core(mu, sigma, V_0, V_th, tau_m, tau_r)
    B, C = _brackets(y_th, y_r, m2)
    value = n * n * tau_m * _SQRT_PI / sigma * (B + ak * C - ak * tau_m * _SQRT_PI * n * B * B)
    return _shape_output(_unscale(value, m2), shape)


# ---------------------------------------------------------------------------
# rate and its derivatives in one pass (inner loop of the fixed-point solver)
# ---------------------------------------------------------------------------

def _fast_cross(y_th, y_r):
    """(m2, S, E_th, E_r) of :func:`_scaled_integral` / :func:`_brackets` for the common
    case y_r < 0 < y_th < _X_ASYM, -y_r < _X_ASYM, y_th^2 < _MAX_M2 (same arithmetic as the
    general branches, with the two G evaluations in one Gauss-Legendre call)."""
    n = y_th.shape[0]
    x = np.concatenate([y_th, -y_r])
    k = np.floor(x)
    g = _G_TABLE[k.astype(np.intp)] + _gl(erfcx, k, x)
    m2 = y_th * y_th
    S = 2.0 * dawsn(y_th) + np.exp(-m2) * (g[n:] - g[:n])
    return m2, S, erfc(-y_th), np.exp(-m2) * erfcx(-y_r)


@_quiet_underflow
def _shift_rate_and_derivatives(mu, sigma, V_0_rel, V_th_rel, tau_m, tau_r, tau_s):
    r""":func:`shift_firing_rate` and its partial derivatives with respect to mu and sigma.

    With :math:`y = (V - \mu)/\sigma + \delta`, :math:`\delta = \frac{\alpha}{2}
    \sqrt{\tau_s/\tau_m}` (Fourcaud & Brunel 2002), differentiating the Siegert formula
    (Brunel 2000, Eq. 21) at both bounds gives

    .. math::

        \frac{\partial\nu}{\partial\mu} = \nu^2\frac{\tau_m\sqrt\pi}{\sigma} B,\qquad
        \frac{\partial\nu}{\partial\sigma} = \nu^2\frac{\tau_m\sqrt\pi}{\sigma}
        (C - \delta B),

    :math:`B = \operatorname{erfcx}(-y_\theta) - \operatorname{erfcx}(-y_r)`,
    :math:`C = y_\theta\operatorname{erfcx}(-y_\theta) - y_r\operatorname{erfcx}(-y_r)`
    (:math:`\partial y/\partial\sigma = -(y - \delta)/\sigma`).  Arguments must already be
    checked (1-d float arrays of one length, or broadcastable): this is the inner loop of
    the fixed-point solver, whose parameters are validated once.

    Parameters
    ----------
    mu, sigma : numpy.ndarray
        Mean and standard deviation of the input in V (sigma > 0).
    V_0_rel, V_th_rel : float or numpy.ndarray
        Reset and threshold relative to rest in V.
    tau_m, tau_r, tau_s : float or numpy.ndarray
        Membrane time constant, refractory period and synaptic time constant in s.

    Returns
    -------
    nu, dnu_dmu, dnu_dsigma : numpy.ndarray
        Rate in Hz and its derivatives in Hz/V, broadcast shape of the arguments.
    """
    mu = np.asarray(mu, dtype=float)
    sigma = np.asarray(sigma, dtype=float)
    tau_m = np.asarray(tau_m, dtype=float)
    offset = (0.5 * ALPHA_SHIFT) * np.sqrt(np.asarray(tau_s, dtype=float) / tau_m)
    y_th = (V_th_rel - mu) / sigma + offset
    shape = y_th.shape
    if y_th.ndim != 1 or any(np.ndim(a) > 1 for a in (tau_m, tau_r, offset)):
        # a batch: flatten everything to the broadcast shape
        arrays = np.broadcast_arrays(mu, sigma, V_0_rel, V_th_rel, tau_m, tau_r, offset)
        mu, sigma, V_0_rel, V_th_rel, tau_m, tau_r, offset = (a.ravel() for a in arrays)
        y_th = (V_th_rel - mu) / sigma + offset
    y_r = (V_0_rel - mu) / sigma + offset
    if np.all((y_r < 0.0) & (y_th > 0.0) & (y_th < _X_ASYM) & (y_r > -_X_ASYM)):
        m2, S, E_th, E_r = _fast_cross(y_th, y_r)
        B = E_th - E_r
        C = y_th * E_th - y_r * E_r
        scale = np.exp(-m2)                     # m2 < 100: no underflow
        n = 1.0 / (tau_r * scale + tau_m * _SQRT_PI * S)
        common = (n * n * scale) * tau_m * _SQRT_PI / sigma
        out = (n * scale, common * B, common * (C - offset * B))
    else:
        m2, S = _scaled_integral(y_th, y_r)
        B, C = _brackets(y_th, y_r, m2)
        n = 1.0 / (tau_r * np.exp(-m2) + tau_m * _SQRT_PI * S)
        common = n * n * tau_m * _SQRT_PI / sigma
        out = (_unscale(n, m2), _unscale(common * B, m2),
               _unscale(common * (C - offset * B), m2))
    return tuple(np.reshape(o, shape) for o in out)
