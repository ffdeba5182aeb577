r"""Parabolic cylinder functions of complex order for the LIF linear response.

The linear response of the leaky integrate-and-fire neuron driven by white noise
(Brunel & Hakim 1999; Lindner & Schimansky-Geier 2001; Schuecker et al. 2015, Eq. 18 ff.)
is built from

.. math::

    \Psi(z, x) = e^{x^2/4}\, U(z, -x), \qquad z = -\tfrac12 + i\Omega, \quad
    \Omega = \omega\tau_m,

with :math:`U(a, x)` the parabolic cylinder function (DLMF 12.2), and from its
:math:`x`-derivatives :math:`\Psi' = (z + \tfrac12)\Psi(z+1, x)`,
:math:`\Psi'' = (z+\tfrac12)(z+\tfrac32)\Psi(z+2, x)` (DLMF 12.8.9).  :math:`\Psi` solves
:math:`\Psi'' - x\Psi' - i\Omega\Psi = 0`, the adjoint Fokker–Planck equation of the
Ornstein–Uhlenbeck process in the variable :math:`x = \sqrt2 (V-\mu)/\sigma`.

Method
------
Everything is computed from the integrals (DLMF 12.5.1 with :math:`t \to` real axis)

.. math::

    I_n(x) = \int_0^\infty t^{\,n-1+i\Omega} e^{-t^2/2 + x t}\,\mathrm{d}t
           = \Gamma(n + i\Omega)\,\Psi(z+n, x), \qquad n = 1, 2,

and :math:`\Gamma(1+i\Omega)\Psi(z, x) = t_L^{i\Omega} + i\Omega\,Q(x)`, where
:math:`Q` is the regularised :math:`n = 0` integral

.. math::

    Q(x) = \sum_{k\ge1} c_k \frac{t_L^{k+i\Omega}}{k+i\Omega}
         + \int_{t_L}^{\infty} t^{i\Omega-1} e^{-t^2/2+xt}\,\mathrm{d}t ,\qquad
    e^{xt-t^2/2} = \sum_k c_k t^k ,

for a small :math:`t_L > 0` (the analytic continuation of :math:`I_0` splits into the
pole part :math:`t_L^{i\Omega}/(i\Omega)` and :math:`Q`).  Then
:math:`\Gamma(1+i\Omega)\,\Psi^{(n)} = i\Omega\, I_n` for :math:`n = 1, 2`, and
ratios such as :math:`[\Psi'(x_\theta) - \Psi'(x_r)]/[\Psi(x_\theta) - \Psi(x_r)]` are
formed from :math:`I_1, I_2, Q` without ever dividing by :math:`\Omega` — :math:`\Omega = 0`
is exact and small :math:`\Omega` loses no digits.

For :math:`\Omega > 3` the pole part is not split off:
:math:`\Gamma(1+i\Omega)\Psi(z,x) = i\Omega I_0` is computed directly ("P form"), because
there :math:`|\Gamma(1+i\Omega)\Psi|` can be far below :math:`|t_L^{i\Omega}| = 1`.

Two quadratures evaluate the integrals, chosen per point:

* *bent contour* (:math:`\Omega \le 3` and :math:`x < 8`, or :math:`\Omega \le 9` and
  :math:`-1.5 < x < 8`): the series above on :math:`[0, t_L e^{i\vartheta}]`, a straight line
  in :math:`\ln t` from there to the saddle point
  :math:`t_* = (x + \sqrt{x^2 + 4(1+i\Omega)})/2` of the :math:`n = 1` integrand, and the
  horizontal half line :math:`t_* + [0, \infty)`, each with a Gauss–Legendre rule
  (:math:`\vartheta = 0` for :math:`\Omega \le 3`, where the pole parts of :math:`x_\theta` and
  :math:`x_r` must coincide, else :math:`\vartheta = \arg t_*`).  The integrand oscillates
  slowly here and cancellation costs at most about three digits;
* *steepest descent* (elsewhere): the path through :math:`t_*` in :math:`u = \ln t`,
  parametrised by :math:`\phi(u) = \phi(u_*) - \tau^2` (Newton continuation) and integrated
  with the trapezoidal rule in :math:`\tau` (step 0.25 for :math:`\Omega < 9`, else 0.5).
  Along this path the integrand is :math:`e^{\phi_*}e^{-\tau^2} u'(\tau)` times the smooth
  factor :math:`t^{n-1}`.  :math:`i\Omega I_0` comes from the recurrence
  :math:`I_2 - x I_1` (DLMF 12.8.1; :math:`x \le 0`, no cancellation) or directly from the
  same path (:math:`x > 0`: the path stays near :math:`t = x` or spirals into the origin
  with damping :math:`e^{-\Omega \arg t}`; for :math:`x \ge 8` and :math:`\Omega \le 3` it gives
  :math:`Q` up to a relative :math:`e^{-x^2/2}`).

All large factors are kept as a separate real exponent (:math:`I_n = e^{S}\hat I_n`), so
nothing overflows or underflows to NaN (checked for :math:`|x| \le 300`,
:math:`|\Omega| \le 2\cdot10^4`).  For many frequencies per population
:func:`psi_ratios_grid` interpolates in :math:`\Omega`.

Valid domain and accuracy
-------------------------
Relative error :math:`\le 10^{-10}` (typically :math:`10^{-13}`, worst seen
:math:`10^{-11}`) against mpmath at 50 digits for real :math:`|x| \le 45` and
:math:`|\Omega| \le 650` (``tests/special/test_pcf.py`` sweeps :math:`|y| \le 30`,
:math:`y = x/\sqrt2`, and :math:`f \le 10` kHz at :math:`\tau_m = 10` ms).  Outside that
domain the functions still run but warn that the accuracy is not verified.  Negative
:math:`\Omega` uses :math:`\Psi(\bar z, x) = \overline{\Psi(z, x)}` (real :math:`x`).
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy.special import loggamma

__all__ = [
    "psi",
    "psi_ratios",
    "log_abs_psi",
    "X_MAX_VERIFIED",
    "OMEGA_MAX_VERIFIED",
]

#: Largest |x| for which the accuracy has been verified against mpmath.
X_MAX_VERIFIED = 45.0
#: Largest |Omega| = |omega tau_m| for which the accuracy has been verified.
OMEGA_MAX_VERIFIED = 650.0

# region boundaries (see module docstring)
_OM_REAL_ALL = 3.0      # bent contour for every x < _X_HIGH up to this Omega (Q form)
_OM_REAL_MID = 9.0      # ... and for _X_LOW < x < _X_MID up to this Omega
_X_LOW = -1.5
_X_HIGH = 8.0
_X_MID = 8.0

# series near the origin
_N_SERIES = 24

# Gauss-Legendre rules for the real-axis quadrature
_GL_A = np.polynomial.legendre.leggauss(32)
_GL_B = np.polynomial.legendre.leggauss(48)

# trapezoidal rules on the steepest-descent path: (h, M) -> nodes tau = h*j, |j| <= M
_SD_FINE = (0.25, 28)
_SD_COARSE = (0.5, 12)     # |tau| <= 6: e^{-36} of the peak (M = 14 agrees to 1e-16)
_OM_SD_COARSE = 9.0     # Omega above which the coarse rule is accurate
_NEWTON_MAX = 30


# ---------------------------------------------------------------------------
# real-axis quadrature
# ---------------------------------------------------------------------------

def _t_left(*xs):
    """Series radius t_L, shared by all given x so that pole parts cancel exactly."""
    m = np.abs(xs[0])
    for x in xs[1:]:
        m = np.maximum(m, np.abs(x))
    return 0.5 / (1.0 + m)


def _bent_contour(x, om, t_l):
    """T, Q, I1, I2 (unscaled): series on [0, t_L e^{i theta}], a straight line in ln t from
    there to the saddle t_* of the n = 1 integrand, then the half line t_* + [0, inf).

    ``x``, ``om``, ``t_l`` are 1d float arrays of equal length with om >= 0 and
    x < _X_HIGH (so that nothing overflows).  theta = 0 for Omega <= _OM_REAL_ALL (the
    Q form, whose pole part T = t_L^{i Omega} must be shared by x_theta and x_r) and
    theta = arg t_* otherwise (then |T| = t_L e^{-Omega theta} is small and P0 = T + i Om Q
    suffers no cancellation).
    """
    s0 = 1j * om
    ts = _saddle(1.0 + s0, x)
    ln_ts = np.log(ts)
    theta = np.where(om <= _OM_REAL_ALL, 0.0, ln_ts.imag)
    ln_tl = np.log(t_l) + 1j * theta
    t_l = np.exp(ln_tl)
    t_pow_iom = np.exp(s0 * ln_tl)  # T = (t_L e^{i theta})^{i Omega}

    # series: e^{xt - t^2/2} = sum c_k t^k, (k+1) c_{k+1} = x c_k - c_{k-1}
    c_prev = np.zeros_like(x)
    c = np.ones_like(x)
    tk = np.ones(x.shape, complex)
    q = np.zeros(x.shape, complex)
    i1 = np.zeros(x.shape, complex)
    i2 = np.zeros(x.shape, complex)
    for k in range(_N_SERIES):
        term = c * tk
        if k >= 1:
            q += term / (k + s0)
        i1 += term * t_l / (k + 1 + s0)
        i2 += term * t_l * t_l / (k + 2 + s0)
        c, c_prev = (x * c - c_prev) / (k + 1), c
        tk = tk * t_l
    q *= t_pow_iom
    i1 *= t_pow_iom
    i2 *= t_pow_iom

    # segment A: u = ln t on the straight line from ln t_L to ln t_*
    xa, wa = _GL_A
    half = 0.5 * (ln_ts - ln_tl)
    u = (0.5 * (ln_ts + ln_tl))[:, None] + half[:, None] * xa[None, :]
    t = np.exp(u)
    f = (half[:, None] * wa[None, :]) * np.exp(x[:, None] * t - 0.5 * t * t + s0[:, None] * u)
    q += f.sum(axis=1)
    i1 += (f * t).sum(axis=1)
    i2 += (f * t * t).sum(axis=1)

    # segment B: t = t_* + r, r in [0, R]; |e^{-t^2/2+xt}| falls like e^{-kappa r - r^2/2}
    kappa = np.maximum(ts.real - x, 0.0)
    r_max = 100.0 / (kappa + np.sqrt(kappa * kappa + 100.0))  # kappa R + R^2/2 = 50
    xb, wb = _GL_B
    half = 0.5 * r_max
    r = half[:, None] * (xb[None, :] + 1.0)
    t = ts[:, None] + r
    lt = np.log(t)
    f = (half[:, None] * wb[None, :]) * np.exp(x[:, None] * t - 0.5 * t * t
                                               + (s0[:, None] - 1.0) * lt)
    q += f.sum(axis=1)
    i1 += (f * t).sum(axis=1)
    i2 += (f * t * t).sum(axis=1)
    return t_pow_iom, q, i1, i2


# ---------------------------------------------------------------------------
# steepest-descent quadrature
# ---------------------------------------------------------------------------

def _saddle(s, x):
    """Saddle t_* of t^{s-1} e^{-t^2/2+xt} dt / dt in u = ln t: t^2 - x t - s = 0."""
    sq = np.sqrt(x * x + 4.0 * s)
    return np.where(x >= 0, 0.5 * (x + sq), 2.0 * s / (sq - x))


def _steepest_descent(x, om, h, m_nodes):
    """Scaled I0 (direct), I1, I2 and the real scale S (I_n = e^S * hat)."""
    s = 1.0 + 1j * om
    ts = _saddle(s, x)
    us = np.log(ts)
    phs = s * us - 0.5 * ts * ts + x * ts
    d2 = -2.0 * ts * ts + x * ts
    d3 = -4.0 * ts * ts + x * ts
    d4 = -8.0 * ts * ts + x * ts
    a1 = np.sqrt(-2.0 / d2)
    a1 = np.where(a1.real < 0, -a1, a1)  # orientation: towards increasing Re u
    a2 = -d3 * a1 * a1 / (6.0 * d2)
    a3 = -(0.5 * d2 * a2 * a2 + 0.5 * d3 * a1 * a1 * a2 + d4 * a1 ** 4 / 24.0) / (d2 * a1)

    scale = phs.real
    phase = np.exp(1j * phs.imag)
    n = x.shape[0]
    # both halves of the path (tau > 0 and tau < 0) in one array of length 2n
    sign = np.repeat([1.0, -1.0], n)
    s2, x2, us2, phs2 = (np.concatenate([v, v]) for v in (s, x, us, phs))
    a1_2, a2_2, a3_2 = (np.concatenate([v, v]) for v in (a1, a2, a3))
    acc1 = np.zeros(2 * n, complex)
    acc2 = np.zeros(2 * n, complex)
    acc0 = np.zeros(2 * n, complex)
    u = us2
    up = sign * a1_2
    tau = 0.0
    for j in range(1, m_nodes + 1):
        tn = j * h                                   # |tau| at this node
        if j == 1:
            st = sign * tn
            u = us2 + st * (a1_2 + st * (a2_2 + st * a3_2))
        else:
            t = np.exp(u)
            p1 = s2 - t * t + x2 * t
            p2 = -2.0 * t * t + x2 * t
            upp = (-2.0 - p2 * up * up) / p1
            dt = sign * (tn - tau)
            u = u + dt * up + 0.5 * dt * dt * upp
        target = phs2 - tn * tn
        for _ in range(_NEWTON_MAX):
            t = np.exp(u)
            du = (s2 * u - 0.5 * t * t + x2 * t - target) / (s2 - t * t + x2 * t)
            u = u - du
            # quadratic convergence: after a step |du| <= 1e-9 the error is O(du^2)
            if np.all(np.abs(du) <= 1e-9 * (1.0 + np.abs(u))):
                break
        else:
            bad = np.abs(du) > 1e-10 * (1.0 + np.abs(u))
            if np.any(bad):
                raise RuntimeError(
                    f"steepest-descent path: Newton did not converge after {_NEWTON_MAX} "
                    f"iterations (largest last step {np.max(np.abs(du)):.3g}) at "
                    f"x={x2[bad][0]!r}, Omega={om[np.flatnonzero(bad)[0] % n]!r}")
        t = np.exp(u)
        up = (-2.0 * tn) * sign / (s2 - t * t + x2 * t)
        tau = tn
        w = (h * np.exp(-tn * tn)) * up
        acc1 += w
        wt = w * t
        acc2 += wt
        acc0 += w / t
    i1 = h * a1 + acc1[:n] + acc1[n:]
    i2 = h * a1 * ts + acc2[:n] + acc2[n:]
    i0 = h * a1 / ts + acc0[:n] + acc0[n:]
    return scale, i0 * phase, i1 * phase, i2 * phase


def _steepest_descent_refining(x, om, h, m_nodes, refinements: int = 3):
    """:func:`_steepest_descent`, retried with half the step (same path length) when
    the path-following Newton iteration fails: the predictor of a long step can land
    off the path (seen at x ~ 0.7, Omega ~ 10 and x ~ 8.5, Omega ~ 0.8).  A finer rule
    is at least as accurate."""
    for attempt in range(refinements + 1):
        try:
            return _steepest_descent(x, om, h, m_nodes)
        except RuntimeError:
            if attempt == refinements:
                raise
            h, m_nodes = 0.5 * h, 2 * m_nodes
    raise AssertionError("unreachable")


# ---------------------------------------------------------------------------
# dispatch: the three basic quantities in "Q form"
# ---------------------------------------------------------------------------

def _basic(x, om, t_l):
    """Return (S, S0, P0hat, Qhat, I1hat, I2hat) for 1d x, om >= 0 and series radii t_l.

    Gamma(1 + i Omega) Psi(z, x) = e^{S0} P0hat,
    Gamma(1 + i Omega) Psi^(n)(z, x) = i Omega e^S I_n hat  (n = 1, 2),
    and for Omega <= _OM_REAL_ALL also Gamma(1 + i Omega) Psi = t_L^{i Omega} + i Omega e^S Qhat
    with the given (real) t_L (Qhat is NaN elsewhere).
    """
    n = x.shape[0]
    S = np.zeros(n)
    S0 = np.zeros(n)
    P0 = np.zeros(n, complex)
    Q = np.full(n, np.nan + 0j)
    I1 = np.zeros(n, complex)
    I2 = np.zeros(n, complex)
    small = om <= _OM_REAL_ALL
    real = (small & (x < _X_HIGH)) | ((om <= _OM_REAL_MID) & (x > _X_LOW) & (x < _X_MID))
    if np.any(real):
        T, q, i1, i2 = _bent_contour(x[real], om[real], t_l[real])
        Q[real], I1[real], I2[real] = q, i1, i2
        P0[real] = T + 1j * om[real] * q
    sd = ~real
    if np.any(sd):
        for fine in (True, False):
            sel = sd & ((om < _OM_SD_COARSE) if fine else (om >= _OM_SD_COARSE))
            if not np.any(sel):
                continue
            h, m_nodes = _SD_FINE if fine else _SD_COARSE
            xs, oms = x[sel], om[sel]
            sc, i0, i1, i2 = _steepest_descent_refining(xs, oms, h, m_nodes)
            # Gamma(1 + i Om) Psi = i Om I_0 = I_2 - x I_1 (DLMF 12.8.1)
            p0 = np.where(xs <= 0, i2 - xs * i1, 1j * oms * i0)
            s0 = sc.copy()
            # x >= _X_HIGH with small Omega: the path stays near t = x and i0 is the
            # regularised Q (the pole part near t = 0 is relatively negligible)
            qf = small[sel] & (xs >= _X_HIGH)
            if np.any(qf):
                tl_iom = np.exp(1j * oms[qf] * np.log(t_l[sel][qf]))
                mag = np.log(np.maximum(oms[qf] * np.abs(i0[qf]), 1e-300)) + sc[qf]
                s0q = np.maximum(mag, 0.0)
                with np.errstate(under="ignore"):
                    p0[qf] = (tl_iom * np.exp(-s0q)
                              + 1j * oms[qf] * i0[qf] * np.exp(sc[qf] - s0q))
                s0[qf] = s0q
                qq = np.full(xs.shape, np.nan + 0j)
                qq[qf] = i0[qf]
                Q[sel] = qq
            S[sel], S0[sel], P0[sel], I1[sel], I2[sel] = sc, s0, p0, i1, i2
    return S, S0, P0, Q, I1, I2


_CHUNK = 2048


def _basic_chunked(x, om, t_l):
    """:func:`_basic` in chunks (keeps the temporaries in cache)."""
    n = x.shape[0]
    if n <= _CHUNK:
        return _basic(x, om, t_l)
    parts = [_basic(x[i:i + _CHUNK], om[i:i + _CHUNK], t_l[i:i + _CHUNK])
             for i in range(0, n, _CHUNK)]
    return tuple(np.concatenate([p[k] for p in parts]) for k in range(len(parts[0])))


def _combine(om, d, t_l, bt, br, form=None):
    """F1, F2 of :func:`psi_ratios` from the basic quantities at x_theta and x_r (om >= 0).

    ``form``: None picks per point (Q form for Omega <= 3, else P form); 'q' or 'p'
    evaluates only that form (callers that know on which side of 3 all points lie).
    """
    St, S0t, P0t, Qt, I1t, I2t = bt
    Sr, S0r, P0r, Qr, I1r, I2r = br
    big = np.maximum(St, Sr)
    theta = om * d
    eth = np.exp(-1j * theta)
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        ft = np.exp(St - big)
        fr = np.exp(Sr - big)
        num1 = I1t * ft - I1r * fr
        num2 = I2t * ft - I2r * fr
        if form != "p":
            # Q form (small Omega): den / (i Om) = T E + Q_t - e^{-i theta} Q_r,
            # E = (1 - e^{-i theta}) / (i Om) -> d for Om -> 0
            small = theta < 1e-8
            safe_om = np.where(small, 1.0, om)
            E = np.where(small, d * (1.0 - 0.5j * theta),
                         -np.expm1(-1j * theta) / (1j * safe_om))
            tl_iom = np.exp(1j * om * np.log(t_l))
            den_q = tl_iom * E * np.exp(-big) + Qt * ft - eth * Qr * fr
            if form == "q":
                return num1 / den_q, num2 / den_q
        # P form (larger Omega): den = P0_t - e^{-i theta} P0_r, numerators times i Om
        big0 = np.maximum(np.maximum(S0t, S0r), big)
        den_p = P0t * np.exp(S0t - big0) - eth * P0r * np.exp(S0r - big0)
        scale_p = 1j * om * np.exp(big - big0) / den_p
        if form == "p":
            return num1 * scale_p, num2 * scale_p
        use_q = om <= _OM_REAL_ALL
        f1 = np.where(use_q, num1 / den_q, num1 * scale_p)
        f2 = np.where(use_q, num2 / den_q, num2 * scale_p)
    return f1, f2


def _combine_spectrum(om, d, t_l, bt, br, form=None):
    r"""Renewal spectrum factor :math:`(|\Psi_\theta|^2 - |\Psi_r|^2) /
    |\Psi_\theta - e^{-i\Omega d}\Psi_r|^2` from the basic quantities (om >= 0).

    Both the numerator and the denominator vanish like :math:`\Omega^2` at
    :math:`\Omega = 0`; in the Q form (:math:`\Gamma\Psi = T + i\Omega e^S Q`,
    :math:`|T| = 1`) the factor :math:`\Omega^2` is divided out analytically.  The
    remaining cancellation costs :math:`\epsilon/\Omega` relative accuracy, so callers
    use the exact limit :math:`\mathrm{CV}^2` below :math:`\Omega = 10^{-4}`.
    """
    St, S0t, P0t, Qt, _, _ = bt
    Sr, S0r, P0r, Qr, _, _ = br
    big = np.maximum(St, Sr)
    big0 = np.maximum(S0t, S0r)
    eth = np.exp(-1j * om * d)
    with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
        # P form: |a|^2 - |b|^2 over |a - e^{-i theta} b|^2
        if form != "q":
            a = P0t * np.exp(S0t - big0)
            b = P0r * np.exp(S0r - big0)
            p_form = (np.abs(a) ** 2 - np.abs(b) ** 2) / np.abs(a - eth * b) ** 2
            if form == "p":
                return (p_form,)
        # Q form, scaled by e^{-big}: G = T + i Om e^{big} q, q = Q e^{S - big}
        qt, qr = Qt * np.exp(St - big), Qr * np.exp(Sr - big)
        small = om * d < 1e-8
        safe_om = np.where(om > 0, om, 1.0)
        E = np.where(small, d * (1.0 - 0.5j * om * d), -np.expm1(-1j * om * d) / (1j * safe_om))
        T = np.exp(1j * om * np.log(t_l))
        den = T * E * np.exp(-big) + qt - eth * qr
        cross = 2.0 * np.exp(-big) * np.real(1j * np.conj(T) * (qt - qr)) / safe_om
        q_form = (cross + np.abs(qt) ** 2 - np.abs(qr) ** 2) / np.abs(den) ** 2
    if form == "q":
        return (q_form,)
    return (np.where(om <= _OM_REAL_ALL, q_form, p_form),)


def _prepare(x, omega_tau, *more):
    arrays = np.broadcast_arrays(np.asarray(x, float), np.asarray(omega_tau, float),
                                 *[np.asarray(m, float) for m in more])
    shape = arrays[0].shape
    flat = [a.ravel() for a in arrays]
    for name, a in (("x", flat[0]), ("omega_tau", flat[1])):
        if not np.all(np.isfinite(a)):
            raise ValueError(f"{name} must be finite, got {a[~np.isfinite(a)][0]!r}")
    if np.any(np.abs(flat[0]) > X_MAX_VERIFIED) or np.any(np.abs(flat[1]) > OMEGA_MAX_VERIFIED):
        warnings.warn(
            f"parabolic cylinder functions evaluated outside the verified domain "
            f"|x| <= {X_MAX_VERIFIED}, |omega*tau_m| <= {OMEGA_MAX_VERIFIED} "
            f"(got max |x| = {np.max(np.abs(flat[0])):.4g}, max |omega*tau_m| = "
            f"{np.max(np.abs(flat[1])):.4g}); accuracy is not guaranteed there",
            stacklevel=3)
    return shape, flat


# ---------------------------------------------------------------------------
# public functions
# ---------------------------------------------------------------------------

def psi(x, omega_tau):
    r"""Scaled :math:`\Psi, \Psi', \Psi''` at :math:`(z, x)` for :math:`z = -1/2 + i\Omega`.

    :math:`\Psi(z, x) = e^{x^2/4} U(z, -x)` with :math:`U` the parabolic cylinder function
    (DLMF 12.2; NNMT's ``_Psi``), primes are :math:`x`-derivatives (DLMF 12.8.9).

    Parameters
    ----------
    x : array_like
        Real argument, e.g. :math:`\sqrt2 (V_\theta - \mu)/\sigma`.
    omega_tau : array_like
        :math:`\Omega = \omega\tau_m` (real, any sign); broadcast against ``x``.

    Returns
    -------
    log_scale : numpy.ndarray
        Real exponents :math:`S_k`, shape ``(3,) + shape``.
    values : numpy.ndarray
        Complex, shape ``(3,) + shape``: :math:`e^{-S_k}\Psi^{(k)}` for
        :math:`k = 0, 1, 2` (so :math:`\Psi^{(k)} = e^{S_k}\,\mathrm{values}[k]`).

    Notes
    -----
    Valid domain and accuracy: see the module docstring (relative error
    :math:`\le 10^{-10}` for :math:`|x| \le 45`, :math:`|\Omega| \le 650`).
    """
    shape, (xf, omf) = _prepare(x, omega_tau)
    om = np.abs(omf)
    S, S0, P0, _, I1, I2 = _basic_chunked(xf, om, _t_left(xf))
    lg = loggamma(1.0 + 1j * om)  # log Gamma(1 + i Om)
    log_scale = np.stack([S0, S, S]) - lg.real
    rot = np.exp(-1j * lg.imag)
    vals = np.stack([P0 * rot, 1j * om * I1 * rot, 1j * om * I2 * rot])
    neg = omf < 0
    vals[:, neg] = np.conj(vals[:, neg])
    return log_scale.reshape((3,) + shape), vals.reshape((3,) + shape)


def log_abs_psi(x, omega_tau):
    r""":math:`\ln|\Psi(z, x)|`, :math:`z = -1/2 + i\Omega`; finite where :math:`\Psi` overflows.

    :math:`\Psi(z, x) = e^{x^2/4} U(z, -x)` as in :func:`psi` (DLMF 12.2); the logarithm is
    taken of the scaled value, so it stays finite where :math:`|\Psi|` itself exceeds the
    double range.

    Parameters
    ----------
    x : array_like
        Real argument (dimensionless), e.g. :math:`\sqrt2 (V_\theta - \mu)/\sigma`.
    omega_tau : array_like
        :math:`\Omega = \omega\tau_m` (dimensionless, real, any sign); broadcast against
        ``x``.

    Returns
    -------
    numpy.ndarray
        :math:`\ln|\Psi(z, x)|`, real, with the broadcast shape of ``x`` and
        ``omega_tau``; ``-inf`` where :math:`\Psi` is exactly 0.

    Raises
    ------
    ValueError
        If ``x`` or ``omega_tau`` holds NaN or infinity.

    Warns
    -----
    UserWarning
        Outside the verified domain :math:`|x| \le 45`, :math:`|\Omega| \le 650`.
    """
    log_scale, vals = psi(x, omega_tau)
    with np.errstate(divide="ignore"):
        return log_scale[0] + np.log(np.abs(vals[0]))


def psi_ratios(x_th, x_r, omega_tau, delay=0.0):
    r"""Threshold/reset ratios of :math:`\Psi` entering the LIF transfer function.

    .. math::

        F_n = \frac{\Psi^{(n)}(z, x_\theta) - \Psi^{(n)}(z, x_r)}
                   {\Psi(z, x_\theta) - e^{-i\Omega d}\,\Psi(z, x_r)}, \quad n = 1, 2,

    with :math:`z = -1/2 + i\Omega` and :math:`d = \tau_r/\tau_m` the refractory delay of
    the reset in units of :math:`\tau_m` (``delay=0`` gives the ratio used by NNMT and
    Schuecker et al. 2015, Eq. 29).  Numerator and denominator both vanish at
    :math:`\Omega = 0`; the ratio is evaluated without dividing by :math:`\Omega`, so
    :math:`\Omega = 0` returns the exact limit and small :math:`\Omega` loses no digits.

    Parameters
    ----------
    x_th, x_r : array_like
        :math:`\sqrt2(V_\theta-\mu)/\sigma` and :math:`\sqrt2(V_r-\mu)/\sigma`.
    omega_tau : array_like
        :math:`\Omega = \omega\tau_m`, any sign.
    delay : array_like, optional
        :math:`\tau_r/\tau_m \ge 0`.

    Returns
    -------
    F1, F2 : numpy.ndarray
        Complex arrays with the broadcast shape of the inputs.

    Notes
    -----
    Where both :math:`\Psi(z,x_\theta)` and :math:`\Psi(z,x_r)` underflow relative to each
    other nothing special happens: all quantities carry a common real exponent.  Valid
    domain: as for :func:`psi`.
    """
    return _pair(x_th, x_r, omega_tau, delay, _combine)


def _pair(x_th, x_r, omega_tau, delay, combine):
    """``combine`` of the basic quantities at x_th and x_r, evaluated directly."""
    shape, (xt, omf, xr, d) = _prepare(x_th, omega_tau, x_r, delay)
    if np.any(d < 0):
        raise ValueError(f"delay must be >= 0 (tau_r/tau_m), got {d[d < 0][0]!r}")
    om = np.abs(omf)
    t_l = _t_left(xt, xr)
    out = combine(om, d, t_l, _basic_chunked(xt, om, t_l), _basic_chunked(xr, om, t_l))
    neg = omf < 0
    result = []
    for f in out:
        f[neg] = np.conj(f[neg])
        result.append(f.reshape(shape))
    return tuple(result)
