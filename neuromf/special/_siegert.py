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

The integrals of :math:`\operatorname{erfcx}` behind every result are evaluated without overflow
by :mod:`neuromf.special._erfcx_integrals` (method and accuracy there).

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

from ._erfcx_integrals import (
    _G_TABLE,
    _SQRT_PI,
    _X_ASYM,
    _gl,
    _h,
    _scaled_erfcx_neg,
    _scaled_integral,
    _unscale,
)
from ._erfcx_integrals import (
    _erfcx_integral as _erfcx_integral,
)
from ._erfcx_integrals import (
    _g as _g,
)

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

# k = sqrt(tau_s / tau_m) above which the colored-noise approximations are doubtful
# (same bound as NNMT, k > sqrt(0.1))
_K_WARN = math.sqrt(0.1)


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
    r"""Natural logarithm of :func:`delta_firing_rate`, accurate where the rate underflows.

    The rate (Siegert formula, Brunel 2000, Eq. 21) underflows double precision for
    strongly subthreshold input, :math:`y_\theta \gtrsim 27`; its logarithm does not.  For
    :math:`y_\theta \to \infty`,
    :math:`\ln\nu \approx -y_\theta^2 + \ln(y_\theta / (\tau_m\sqrt{\pi}))`.

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
        :math:`\ln(\nu / \mathrm{Hz})`, broadcast shape of the arguments.

    Raises
    ------
    ValueError
        For non-finite arguments, ``sigma <= 0``, ``tau_m <= 0``, ``tau_r < 0`` or
        ``V_th_rel <= V_0_rel``.
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
    where each of them alone would over- or underflow.

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
        :math:`\partial\nu/\partial\mu` in Hz/V (> 0), broadcast shape of the arguments.

    Raises
    ------
    ValueError
        For non-finite arguments, ``sigma <= 0``, ``tau_m <= 0``, ``tau_r < 0`` or
        ``V_th_rel <= V_0_rel``.
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
        :math:`\partial\nu/\partial\sigma` in Hz/V, broadcast shape of the arguments.

    Raises
    ------
    ValueError
        For non-finite arguments, ``sigma <= 0``, ``tau_m <= 0``, ``tau_r < 0`` or
        ``V_th_rel <= V_0_rel``.
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
    (the :math:`\omega \to 0` limit of the 'shift' transfer function, Schuecker et al. 2015;
    Fourcaud & Brunel 2002, Eq. 4.33).

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
    tau_s : float or array_like
        Synaptic time constant in s, >= 0 (0 gives the white-noise result).

    Returns
    -------
    float or numpy.ndarray
        :math:`\partial\nu/\partial\mu` in Hz/V, broadcast shape of the arguments.

    Raises
    ------
    ValueError
        For non-finite arguments, ``sigma <= 0``, ``tau_m <= 0``, ``tau_r < 0``,
        ``tau_s < 0`` or ``V_th_rel <= V_0_rel``.

    Warns
    -----
    UserWarning
        If :math:`k = \sqrt{\tau_s/\tau_m} > \sqrt{0.1}`, outside the validity range of
        the colored-noise approximation.
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
    tau_s : float or array_like
        Synaptic time constant in s, >= 0 (0 gives the white-noise result).

    Returns
    -------
    float or numpy.ndarray
        :math:`\partial\nu/\partial\mu` in Hz/V, broadcast shape of the arguments (the
        derivative of the raw first-order rate, which may itself be negative).

    Raises
    ------
    ValueError
        For non-finite arguments, ``sigma <= 0``, ``tau_m <= 0``, ``tau_r < 0``,
        ``tau_s < 0`` or ``V_th_rel <= V_0_rel``.

    Warns
    -----
    UserWarning
        If :math:`k = \sqrt{\tau_s/\tau_m} > \sqrt{0.1}`, outside the validity range of
        the colored-noise approximation.
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
