"""Parabolic-cylinder ratios at many frequencies per population: piecewise Chebyshev
interpolation in the frequency (the grid form of :func:`neuromf.special._pcf.psi_ratios`).

The transfer functions and spike-train spectra of a population are smooth in
``Omega = omega tau_m``; on each piece of a fixed partition of Omega they are interpolated
from 24 Chebyshev points of the first kind (12 or 16 on a last piece that the largest
frequency cuts short to at most 10 % or 25 % of its width), with pieces bisected until the
tail coefficients fall below 1e-12 relative, so that thousands of frequencies cost a few
hundred direct evaluations.  Relative error <= 1e-12 against :func:`neuromf.special._pcf.psi_ratios`
(tests/special/test_pcf.py).
"""

from __future__ import annotations

import numpy as np

from ._pcf import (  # noqa: F401
    _OM_REAL_ALL,
    OMEGA_MAX_VERIFIED,
    X_MAX_VERIFIED,
    _basic_chunked,
    _combine,
    _combine_spectrum,
    _pair,
    _prepare,
    _saddle,
    _t_left,
)

_CHEB_N = 24
_CHEB_TOL = 1e-12          # tail coefficients relative to the largest one (core noise ~1e-13)
_CHEB_MAX_DEPTH = 8
_PIECE_EDGES = (0.0, 1.0, _OM_REAL_ALL, 9.0, 27.0, 81.0, 243.0, 729.0, 2187.0, 6561.0)
_GRID_MIN = 96             # fewer frequencies per population: evaluate directly
# a piece cut short by the largest frequency is tried first with fewer points: width
# (relative to its full piece) up to which 12 and 16 points are tried (the coefficients
# of the normalised quantities reach 1e-13 at about degree 9 for 8 %, 13 for 25 %)
_SHORT_PIECES = ((0.1, 12), (0.25, 16))


def _cheb_rule(n):
    """First-kind Chebyshev points on [-1, 1] and the matrix from values to coefficients."""
    j = np.arange(n)
    xi = np.cos(np.pi * (j + 0.5) / n)
    mat = (2.0 / n) * np.cos(np.pi * np.outer(j, j + 0.5) / n)
    mat[0] *= 0.5
    return xi, mat


_CHEB_RULES = {n: _cheb_rule(n) for n in (12, 16, _CHEB_N)}
_CHEB_XI, _CHEB_MAT = _CHEB_RULES[_CHEB_N]


def _saddle_exponent(x, om):
    """phi_* of the n = 1 integrand (analytic in Omega): the normalisation of the interpolants."""
    s = 1.0 + 1j * om
    ts = _saddle(s, x)
    return s * np.log(ts) - 0.5 * ts * ts + x * ts


def _normalised(b, phi):
    """Basic quantities divided by e^{phi_*} (O(1), smooth in Omega)."""
    S, S0, P0, Q, I1, I2 = b
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        f = np.exp(S - phi)
        return np.stack([P0 * np.exp(S0 - phi), Q * f, I1 * f, I2 * f])


def _cheb_eval(coef, xi):
    """Sum_k coef[k] T_k(xi) for coef (N, F) and points xi (M,) -> (M, F)."""
    T = np.empty((xi.shape[0], coef.shape[0]))
    T[:, 0] = 1.0
    T[:, 1] = xi
    for k in range(2, coef.shape[0]):
        T[:, k] = 2.0 * xi * T[:, k - 1] - T[:, k - 2]
    cr = np.ascontiguousarray(coef.real)
    ci = np.ascontiguousarray(coef.imag)
    out = np.empty((xi.shape[0], coef.shape[1]), complex)
    # row blocks keep BLAS single-threaded (threads only cost time at these sizes)
    for i in range(0, xi.shape[0], 512):
        out.real[i:i + 512] = T[i:i + 512] @ cr
        out.imag[i:i + 512] = T[i:i + 512] @ ci
    return out


def psi_ratios_grid(x_th, x_r, omega_tau, delay=0.0):
    r""":func:`psi_ratios` for many frequencies per population, by interpolation in :math:`\Omega`.

    Parameters
    ----------
    x_th, x_r, delay : array_like, shape (P,)
        As in :func:`psi_ratios`, one value per population.
    omega_tau : array_like, shape (K, P)
        :math:`\Omega = \omega\tau_m` for each frequency and population.

    Returns
    -------
    F1, F2 : numpy.ndarray, shape (K, P)

    Notes
    -----
    The quantities :math:`\Gamma(1+i\Omega)\Psi`, :math:`I_1`, :math:`I_2` (module docstring)
    at :math:`x_\theta` and :math:`x_r`, divided by :math:`e^{\phi_*(\Omega)}` (the saddle-point
    exponent, which carries their growth and phase), are smooth, analytic functions of
    :math:`\Omega` (nearest singularities at :math:`\mathrm{Im}\,\Omega \ge 1`).  They, and
    :math:`\phi_*` itself (so that the normalisation is the same polynomial at the nodes and
    in between), are interpolated by Chebyshev polynomials of degree 23 on the pieces
    :math:`[0, 1], [1, 3], [3, 9], [9, 27], \dots` of the frequency range (degree 11 or
    15 first on a last piece cut short by the largest frequency); a piece whose
    trailing Chebyshev coefficients exceed :math:`10^{-12}` of the largest is tried with
    the full degree, then halved (up to 8 times, after which its frequencies are
    evaluated directly).  :math:`F_1, F_2`
    are then formed from the interpolated quantities exactly as in :func:`psi_ratios`, so the
    poles of the transfer function near the real axis (low rates, regular firing) cost
    nothing extra.  With fewer than 96 frequencies per population the functions are
    evaluated directly.
    """
    return _grid(x_th, x_r, omega_tau, delay, _combine, 2)


def spike_train_spectrum_factor_grid(x_th, x_r, omega_tau, delay=0.0):
    r"""Renewal spectrum factor of the LIF spike train on a (frequency, population) grid.

    .. math::

        R = \frac{|\Psi(z, x_\theta)|^2 - |\Psi(z, x_r)|^2}
                 {|\Psi(z, x_\theta) - e^{-i\Omega d}\Psi(z, x_r)|^2},

    so that the spike-train power spectrum is :math:`\nu R` (Lindner, Schimansky-Geier &
    Longtin 2002).  Arguments and interpolation as in :func:`psi_ratios_grid`; real,
    shape (K, P).  Inaccurate (cancellation) for :math:`|\Omega| < 10^{-4}`, where the
    limit is :math:`\mathrm{CV}^2`.
    """
    return _grid(x_th, x_r, omega_tau, delay, _combine_spectrum, 1)[0].real


def _grid(x_th, x_r, omega_tau, delay, combine, n_out):
    """``combine`` on the grid, from Chebyshev interpolants of the basic quantities."""
    x_th = np.atleast_1d(np.asarray(x_th, float))
    x_r = np.atleast_1d(np.asarray(x_r, float))
    om_in = np.asarray(omega_tau, float)
    if om_in.ndim != 2 or om_in.shape[1] != x_th.shape[0] or x_r.shape != x_th.shape:
        raise ValueError(f"the grid functions need omega_tau of shape (K, P) and x_th, x_r "
                         f"of shape (P,); got {om_in.shape}, {x_th.shape}, {x_r.shape}")
    d = np.broadcast_to(np.asarray(delay, float), x_th.shape)
    K, P = om_in.shape
    if K < _GRID_MIN:
        return _pair(x_th[None, :], x_r[None, :], om_in, d[None, :], combine)
    xs_all = np.concatenate([x_th, x_r])
    if not (np.all(np.isfinite(xs_all)) and np.all(np.isfinite(om_in))):
        raise ValueError("x_th, x_r and omega_tau must be finite")
    if np.any(d < 0):
        raise ValueError(f"delay must be >= 0 (tau_r/tau_m), got {d[d < 0][0]!r}")
    om_abs = np.abs(om_in)
    om_max = float(om_abs.max())
    if np.max(np.abs(xs_all)) > X_MAX_VERIFIED or om_max > OMEGA_MAX_VERIFIED:
        _prepare(xs_all[:, None], np.array([[om_max]]))  # issues the domain warning
    t_l = _t_left(x_th, x_r)

    # pieces (a, b, depth, number of points)
    pieces = []
    for a, b in zip(_PIECE_EDGES[:-1], _PIECE_EDGES[1:], strict=True):
        if a >= om_max:
            break
        n_pts = _CHEB_N
        if om_max < b:
            frac = (om_max - a) / (b - a)
            n_pts = next((n for f, n in _SHORT_PIECES if frac <= f), _CHEB_N)
        pieces.append((a, min(b, om_max), 0, n_pts))
    if om_max > _PIECE_EDGES[-1]:
        pieces.append((_PIECE_EDGES[-1], om_max, 0, _CHEB_N))
    if not pieces:                       # all frequencies zero
        pieces = [(0.0, 1.0, 0, _CHEB_N)]

    accepted, direct = [], []
    x2 = np.concatenate([x_th, x_r])
    tl2 = np.concatenate([t_l, t_l])
    while pieces:
        nodes = np.concatenate([0.5 * (a + b) + 0.5 * (b - a) * _CHEB_RULES[n][0]
                                for a, b, _, n in pieces])
        om_n = np.repeat(nodes, 2 * P)
        xs = np.tile(x2, nodes.size)
        phi = _saddle_exponent(xs, om_n)
        vals = _normalised(_basic_chunked(xs, om_n, np.tile(tl2, nodes.size)), phi)
        # (5 quantities, nodes, 2 sides * P): P0, Q, I1, I2 and phi_* itself
        vals = np.concatenate([vals, phi[None]]).reshape(5, nodes.size, 2 * P)
        nxt = []
        start = 0
        for a, b, dep, n_pts in pieces:
            use = [1, 2, 3, 4] if b <= _OM_REAL_ALL else [0, 2, 3, 4]
            v = vals[use, start:start + n_pts, :]                      # (4, N, 2P)
            start += n_pts
            coef = np.einsum("kj,qjp->kqp", _CHEB_RULES[n_pts][1], v)  # (N, 4, 2P)
            size = np.max(np.abs(coef[:, :3]), axis=0)
            tail = np.max(np.abs(coef[-3:, :3]), axis=0)
            ok = np.all(np.isfinite(coef)) and np.all(tail <= _CHEB_TOL * size)
            if ok:
                # flush denormals (they make the matrix products very slow)
                coef.real[np.abs(coef.real) < 1e-280] = 0.0
                coef.imag[np.abs(coef.imag) < 1e-280] = 0.0
                accepted.append((a, b, "q" if b <= _OM_REAL_ALL else "p",
                                 coef.reshape(n_pts, 4, 2 * P)))
            elif n_pts < _CHEB_N:
                nxt.append((a, b, dep, _CHEB_N))         # a short piece: full rule first
            elif dep < _CHEB_MAX_DEPTH:
                m = 0.5 * (a + b)
                nxt += [(a, m, dep + 1, _CHEB_N), (m, b, dep + 1, _CHEB_N)]
            else:
                direct.append((a, b))
        pieces = nxt

    outs = [np.empty((K, P), complex) for _ in range(n_out)]
    done = np.zeros((K, P), bool)
    # populations with identical frequency columns share the Chebyshev matrices
    groups = {}
    for p in range(P):
        key = om_abs[:, p].tobytes()
        groups.setdefault(key, []).append(p)
    for cols in groups.values():
        col = om_abs[:, cols[0]]
        pc = np.array(cols)
        every = len(cols) == P                               # one group: all columns
        idx = np.concatenate([pc, P + pc])                   # x_th and x_r columns
        for a, b, form, coef in accepted:
            sel = (col >= a) & (col <= b) & ~done[:, cols[0]]
            if not np.any(sel):
                continue
            om = col[sel]
            xi = np.clip((2.0 * om - a - b) / (b - a), -1.0, 1.0)
            c = coef if every else coef[:, :, idx]
            v = _cheb_eval(c.reshape(c.shape[0], -1), xi).reshape(om.size, 4, 2, len(cols))
            phi = v[:, 3]                                    # interpolated phi_*: (M, 2, n)
            S = phi.real
            if form == "p":
                # P form: every term carries the phase of its side, and the results are
                # ratios (or moduli) of such terms: only the relative phase is needed
                rho = np.exp(1j * (phi.imag[:, 0] - phi.imag[:, 1]))
                q = [v[:, :3, 0] * rho[:, None], v[:, :3, 1]]       # (M, 3, n) each
            else:
                rot = np.exp(1j * phi.imag)
                q = [v[:, :3, 0] * rot[:, None, 0], v[:, :3, 1] * rot[:, None, 1]]
            sides = []
            for side in (0, 1):
                first, i1, i2 = q[side][:, 0], q[side][:, 1], q[side][:, 2]
                p0, qq = (None, first) if form == "q" else (first, None)
                sides.append((S[:, side], S[:, side], p0, qq, i1, i2))
            shp = (om.size, len(cols))
            got = combine(np.broadcast_to(om[:, None], shp), np.broadcast_to(d[pc], shp),
                          np.broadcast_to(t_l[pc], shp), *sides, form=form)
            if every:
                for f, g in zip(outs, got, strict=True):
                    f[sel] = g
                done[sel] = True
            else:
                for f, g in zip(outs, got, strict=True):
                    f[np.ix_(sel, pc)] = g
                done[np.ix_(sel, pc)] = True
    if not np.all(done):
        kk, pp = np.nonzero(~done)
        got = _pair(x_th[pp], x_r[pp], om_abs[kk, pp], d[pp], combine)
        for f, g in zip(outs, got, strict=True):
            f[kk, pp] = g
    neg = om_in < 0
    for f in outs:
        f[neg] = np.conj(f[neg])
    return tuple(outs)
