"""Coefficient of variation of the inter-spike intervals of the LIF neuron, white noise.

Brunel 2000, App. A.1 (Tuckwell 1988): ``CV² = 2π (ν τ_m)² ∫∫ ...``, the double integral
evaluated in log form with a geometric quadrature so that it neither overflows nor
underflows far from threshold; validated against mpmath for |y| <= 5e3
(tests/special/test_siegert.py).  Shares the argument handling of
:mod:`neuromf.special._siegert`.
"""

from __future__ import annotations

import numpy as np
from scipy.special import dawsn, erfc, erfcx

from ._siegert import _core, _prepare, _quiet_underflow, _shape_output

__all__ = ["delta_cv"]

_CV_Y_MAX = 1e4  # delta_cv refuses |y| beyond this (checked against mpmath up to 5e3)
_CV_CHUNK = 4096  # elements per block in delta_cv


# ---------------------------------------------------------------------------
# coefficient of variation of the inter-spike interval
# ---------------------------------------------------------------------------

_GL16_X, _GL16_W = np.polynomial.legendre.leggauss(16)


def _log_e2_erfc2(y):
    """log(e^{y^2} erfc(-y)^2), the inner integrand of Brunel 2000, Eq. A.1, in log form."""
    out = np.empty_like(y)
    neg = y < 0.0
    yn = y[neg]
    out[neg] = -yn * yn + 2.0 * np.log(erfcx(-yn))
    yp = y[~neg]
    out[~neg] = yp * yp + 2.0 * np.log(erfc(-yp))
    return out


def _log_int_exp2(z, b):
    """log of int_z^b e^{x^2} dx = e^{b^2} F(b) - e^{z^2} F(z) for z <= b (-inf at z = b)."""
    M = np.maximum(b * b, z * z)
    bracket = np.exp(b * b - M) * dawsn(b) - np.exp(z * z - M) * dawsn(z)
    with np.errstate(divide="ignore"):
        return M + np.log(np.maximum(bracket, 0.0))


def _log_geometric_quadrature(log_integrand, upper, t_max):
    r"""log \int_0^{t_max} exp(log_integrand(t)) dt for integrands that decay from t = 0 on.

    Composite 16-node Gauss-Legendre on geometrically growing panels
    [h(2^j - 1), h(2^{j+1} - 1)], h = 1/(8(|upper| + 1)) resolving the initial decay
    rate ~2|upper| of the integrands below.  Arguments are 1-d arrays; the integrand is
    called with an (n, nodes) array of t values.
    """
    h = 0.125 / (np.abs(upper) + 1.0)
    n_panels = int(np.ceil(np.log2(np.max(t_max / h) + 1.0)))
    j = np.arange(n_panels)
    lo = np.minimum(h[:, None] * (2.0 ** j - 1.0), t_max[:, None])
    hi = np.minimum(h[:, None] * (2.0 ** (j + 1) - 1.0), t_max[:, None])
    half = 0.5 * (hi - lo)
    t = (0.5 * (hi + lo))[:, :, None] + half[:, :, None] * _GL16_X
    n = upper.size
    logf = log_integrand(t.reshape(n, -1)).reshape(t.shape)
    ref = np.max(logf, axis=(1, 2))
    ref = np.where(np.isfinite(ref), ref, 0.0)
    total = np.einsum("ijk,k,ij->i", np.exp(logf - ref[:, None, None]), _GL16_W, half)
    with np.errstate(divide="ignore"):
        return ref + np.log(total)


@_quiet_underflow
def delta_cv(mu, sigma, V_0_rel, V_th_rel, tau_m, tau_r):
    r"""Coefficient of variation of the inter-spike interval of the LIF neuron with white noise.

    Brunel 2000, Appendix A.1:

    .. math::

        \mathrm{CV}^2 = 2\pi(\tau_m\nu)^2 \int_{y_r}^{y_\theta} e^{x^2}\,\mathrm{d}x
        \int_{-\infty}^{x} e^{y^2}(1 + \operatorname{erf} y)^2\,\mathrm{d}y,

    with :math:`\nu` the Siegert rate (:func:`delta_firing_rate`, including ``tau_r``).
    Exchanging the order of integration, the inner :math:`x`-integral is closed-form
    (Dawson's function), leaving one integral over :math:`y \le y_\theta` that is evaluated
    in log form (no overflow) with a composite Gauss–Legendre rule.

    Parameters
    ----------
    mu, sigma, V_0_rel, V_th_rel, tau_m, tau_r
        As in :func:`delta_firing_rate` (V, s).

    Returns
    -------
    float or numpy.ndarray
        CV (dimensionless).  Agrees with mpmath quadrature to ~1e-13 relative for
        :math:`|y_r|, |y_\theta| \le 100` and ~1e-10 at :math:`|y| \approx 5000`.

    Raises
    ------
    ValueError
        As :func:`delta_firing_rate`; and where :math:`|y_r|` or :math:`|y_\theta|`
        exceeds :math:`10^4`, outside the validated domain.
    """
    (mu, sigma, V_0, V_th, tau_m, tau_r), shape = _prepare(mu, sigma, V_0_rel, V_th_rel,
                                                           tau_m, tau_r)
    y_th, y_r, m2, _, n = _core(mu, sigma, V_0, V_th, tau_m, tau_r)
    y_max = np.maximum(np.abs(y_th), np.abs(y_r))
    if (y_max > _CV_Y_MAX).any():
        i = int(np.argmax(y_max))
        raise ValueError(
            f"delta_cv is implemented for |(V - mu)/sigma| <= {_CV_Y_MAX:g}; got "
            f"y_th={float(y_th[i])!r}, y_r={float(y_r[i])!r} (mu={float(mu[i])!r} V, "
            f"sigma={float(sigma[i])!r} V)")
    log_T = np.empty_like(y_th)
    for start in range(0, y_th.size, _CV_CHUNK):  # bounded memory: chunk x panels x nodes
        part = slice(start, start + _CV_CHUNK)
        log_T[part] = _log_cv_double_integral(y_th[part], y_r[part])
    cv2 = 2.0 * np.pi * (tau_m * n) ** 2 * np.exp(log_T - 2.0 * m2)
    return _shape_output(np.sqrt(cv2), shape)


def _log_cv_double_integral(y_th, y_r):
    """log of int_{y_r}^{y_th} dx e^{x^2} int_{-inf}^x dy e^{y^2} erfc(-y)^2 (Brunel 2000, A.1).

    With the order exchanged: int_{-inf}^{y_th} dy e^{y^2} erfc(-y)^2 W(max(y, y_r)),
    W(z) = int_z^{y_th} e^{x^2} dx.
    """
    # part B: y in [y_r, y_th], weight W(y)
    def log_b(t):
        y = y_th[:, None] - t
        return _log_e2_erfc2(y) + _log_int_exp2(y, y_th[:, None])

    log_part_b = _log_geometric_quadrature(log_b, y_th, y_th - y_r)

    # part A: y < y_r, constant weight W(y_r); the integrand has dropped by > e^-45 at
    # t = max(y_r, 0) + 7
    def log_a(t):
        return _log_e2_erfc2(y_r[:, None] - t)

    log_part_a = (_log_geometric_quadrature(log_a, y_r, np.maximum(y_r, 0.0) + 7.0)
                  + _log_int_exp2(y_r, y_th))
    return np.logaddexp(log_part_a, log_part_b)
