r"""Population density of LIF neurons with finite synaptic jumps (shot-noise input).

For delta synapses every presynaptic spike moves the membrane potential by the PSP
amplitude :math:`J_k`.  With input type :math:`k` arriving as a Poisson process of rate
:math:`r_k(t)` the density :math:`P(V, t)` of a population obeys the master equation
(Omurtag, Knight & Sirovich 2000; Nykamp & Tranchina 2000; Richardson & Swarbrick 2010)

.. math::

    \partial_t P = -\partial_V\Big[\frac{\mu_d(t) - V}{\tau_m} P\Big]
        + \sum_k r_k(t)\,\big[P(V - J_k, t) - P(V, t)\big]
        + \nu(t - \tau_r)\,\delta(V - V_r),

on :math:`V < V_\theta` (:math:`\mu_d` the membrane-current drive, 0 without DC).  A neuron
fires when an excitatory jump carries it across threshold, so the rate is

.. math::

    \nu(t) = \sum_{k: J_k > 0} r_k(t) \int_{V_\theta - J_k}^{V_\theta} P(V, t)\,dV
             \;(+\ \text{drift flux at } V_\theta \text{ if } \mu_d > V_\theta).

The diffusion (Fokker–Planck) equation of :mod:`._fokker_planck` is its limit
:math:`J_k \to 0` at fixed :math:`\mu = \tau_m\sum_k r_k J_k` and
:math:`\sigma^2 = \tau_m \sum_k r_k J_k^2` (Brunel 2000, Eqs. 4–5).

Discretisation
--------------
Cell-centred finite volumes of width :math:`h` ending at threshold, cell masses
:math:`m_i` (:math:`P = m/h`).  The default :math:`h = \min_k |J_k| / q` (``jump_cells``
= q) makes the jumps of the Brunel networks whole numbers of cells, so that a jump moves
the mass of cell :math:`i` exactly to cell :math:`i + J_k/h`; a fractional shift
:math:`s = n + f` is split conservatively, :math:`1-f` to cell :math:`i+n` and :math:`f` to
:math:`i+n+1` (exact mean).  Mass that lands at or beyond threshold is the emitted flux,
mass that would land below the grid stays in the lowest cell (reflecting bound).  The leak
is a first-order upwind flux (numerical diffusion :math:`|a|h/2`, a fraction
:math:`\lesssim |a| h/(\sum_k r_k J_k^2)` of the jump diffusion).  Re-injection at the reset
is split linearly between the two cells whose centres bracket :math:`V_r`.

All populations are stacked into one banded system (lower bandwidth: the largest
excitatory jump in cells + 1, upper: the largest inhibitory one + 1).  Time step: the
:math:`\theta`-scheme :math:`(I - \theta\Delta t L^{n+1}) m^{n+1} = (I + (1-\theta)\Delta t
L^n) m^n + \Delta t\,s\,e_r`.  The columns of :math:`L` sum to minus the emission
coefficient, so probability is conserved to round-off; for backward Euler
(:math:`\theta = 1`) :math:`I - \Delta t L` is a column-diagonally dominant M-matrix and the
masses stay non-negative for every :math:`\Delta t`; Crank–Nicolson (:math:`\theta = 1/2`)
only for :math:`\Delta t \le 2/\max_i(-L_{ii})` (:meth:`JumpStepper.max_positive_dt`).
The stationary density is one banded solve of :math:`-L q = e_r` (unit re-injection),
:math:`\nu = 1/(\sum q + \tau_r)` — the finite-volume analogue of the threshold
integration of Richardson & Swarbrick 2010.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.linalg.lapack import dgbsv
from scipy.special import gammaln

__all__ = ["JumpGrid", "make_jump_grid", "JumpOperator", "JumpStepper", "DiscreteJumpStepper",
           "stationary_masses"]


@dataclass
class JumpGrid:
    """Cell grids of all populations (SI, V); ``M`` cells each, the last one ends at V_th.

    Attributes
    ----------
    h : ndarray (P,)
        Cell width (V).
    centres : ndarray (P, M)
        Cell centres (V).
    faces : ndarray (P, M + 1)
        Cell faces (V); ``faces[:, -1]`` is the threshold.
    reset_cells : ndarray (P, 2) of int
        Cells that receive the re-injected flux, with ``reset_weights`` (P, 2).
    """

    h: np.ndarray
    centres: np.ndarray
    faces: np.ndarray
    reset_cells: np.ndarray
    reset_weights: np.ndarray
    V_th: np.ndarray
    V_r: np.ndarray

    @property
    def n_cells(self) -> int:
        return self.centres.shape[1]


def make_jump_grid(V_min, V_r, V_th, h) -> JumpGrid:
    """Grids of width ``h`` from below ``V_min`` up to ``V_th`` (same cell count for all).

    Parameters
    ----------
    V_min, V_r, V_th, h : array (P,)
        Lower bound (V), reset (V), threshold (V) and cell width (V); ``V_min < V_r``.

    Returns
    -------
    JumpGrid
        ``M = max ceil((V_th - V_min)/h)`` cells per population, the last ending at V_th.

    Raises
    ------
    ValueError
        For a non-positive cell width or ``V_min >= V_r`` or ``V_r >= V_th``.
    """
    V_min, V_r, V_th, h = (np.atleast_1d(np.asarray(x, dtype=float))
                           for x in (V_min, V_r, V_th, h))
    if np.any(h <= 0) or not np.all(np.isfinite(h)):
        raise ValueError(f"the cell width h must be positive and finite, got {h.tolist()} V")
    if np.any(V_min >= V_r) or np.any(V_r >= V_th):
        raise ValueError(f"need V_min < V_r < V_th, got V_min={V_min.tolist()} V, "
                         f"V_r={V_r.tolist()} V, V_th={V_th.tolist()} V")
    M = int(np.max(np.ceil((V_th - V_min) / h - 1e-9)))
    k = np.arange(M + 1)
    faces = V_th[:, None] - (M - k)[None, :] * h[:, None]
    centres = 0.5 * (faces[:, 1:] + faces[:, :-1])
    x = (V_r - centres[:, 0]) / h               # reset in units of cells from centre 0
    i0 = np.floor(x + 1e-12).astype(int)
    f = np.clip(x - i0, 0.0, 1.0)
    f[f < 1e-9] = 0.0
    i0 = np.clip(i0, 0, M - 2)
    return JumpGrid(h=h, centres=centres, faces=faces,
                    reset_cells=np.stack([i0, i0 + 1], axis=1),
                    reset_weights=np.stack([1.0 - f, f], axis=1), V_th=V_th, V_r=V_r)


class JumpOperator:
    r"""Generator :math:`L` of the jump-and-leak dynamics of all populations, banded.

    Parameters
    ----------
    grid : JumpGrid
    tau_m : array (P,)
        Membrane time constants (s).
    jumps : array (P, C)
        PSP amplitude (V) of each input channel of each population (0 pads unused
        channels).

    Notes
    -----
    ``band(rates, mu_d)`` returns :math:`L` in the (l + u + 1, P M) diagonal-ordered
    storage of :func:`scipy.linalg.solve_banded`; ``emission(rates, mu_d, m)`` the flux
    across threshold (Hz) per population.
    """

    def __init__(self, grid: JumpGrid, tau_m, jumps) -> None:
        self.grid = grid
        P, M = grid.centres.shape
        self.P, self.M = P, M
        self.tau_m = np.broadcast_to(np.asarray(tau_m, dtype=float), (P,)).copy()
        J = np.asarray(jumps, dtype=float).reshape(P, -1)
        self.jumps = J
        C = J.shape[1]
        s = J / grid.h[:, None]                       # shift in cells
        lo = np.floor(s + 1e-9).astype(int)
        f = s - lo
        f[np.abs(f) < 1e-9] = 0.0
        used = J != 0
        self.lower = int(max(1, np.max(np.where(used & (J > 0), lo + (f > 0), 0))))
        self.upper = int(max(1, np.max(np.where(used & (J < 0), -lo, 0))))
        l, u = self.lower, self.upper
        nb = l + u + 1
        # unit-rate band per channel, G[c] (nb, P*M), and the emitted fraction X (C, P, M)
        G = np.zeros((C, nb, P * M))
        X = np.zeros((C, P, M))
        col = np.arange(M)
        for c in range(C):                 # few channels: setup only
            for shift, w in ((lo[:, c], 1.0 - f[:, c]), (lo[:, c] + 1, f[:, c])):
                dest = col[None, :] + shift[:, None]              # (P, M)
                wgt = np.where(used[:, c], w, 0.0)[:, None] * np.ones((1, M))
                gone = dest >= M
                X[c] += np.where(gone, wgt, 0.0)
                d_in = np.clip(dest, 0, M - 1)
                inside = ~gone & (wgt > 0)
                pi, ci = np.nonzero(inside)
                np.add.at(G[c], (u + d_in[pi, ci] - ci, pi * M + ci), wgt[pi, ci])
            # loss of every mass that jumps (diagonal)
            G[c, u] -= np.repeat(used[:, c].astype(float), M)
        self.G = G
        self.X = X
        self.n_top = int(max(1, np.max(np.where(used & (J > 0), lo + (f > 0), 0))))
        self._X_top = X[:, :, M - self.n_top:]

    def drift_band(self, mu_d) -> np.ndarray:
        """Upwind leak operator in band storage for the drive ``mu_d`` (P,) in V."""
        g = self.grid
        P, M, u = self.P, self.M, self.upper
        a = (np.asarray(mu_d, dtype=float)[:, None] - g.faces) / self.tau_m[:, None]
        a /= g.h[:, None]
        a[:, 0] = 0.0                                  # reflecting lower bound
        ap, am = np.maximum(a, 0.0), np.maximum(-a, 0.0)
        band = np.zeros((self.lower + u + 1, P, M))
        band[u] = -(ap[:, 1:] + am[:, :-1])             # out through upper / lower face
        band[u + 1, :, :-1] = ap[:, 1:-1]               # cell i -> i+1 (row i+1, col i)
        band[u - 1, :, 1:] = am[:, 1:-1]                # cell i -> i-1 (row i-1, col i)
        return band.reshape(self.lower + u + 1, P * M), ap[:, -1]

    def band(self, rates, drift):
        """``L`` (band storage) for channel rates (P, C) in Hz and a drift band."""
        r = np.asarray(rates, dtype=float)
        Gr = self.G.reshape(self.G.shape[0], self.G.shape[1], self.P, self.M)
        out = np.einsum("cbpm,pc->bpm", Gr, r).reshape(self.G.shape[1], -1)
        out += drift
        return out

    def emission(self, rates, drift_out, m) -> np.ndarray:
        """Threshold flux (Hz) of masses ``m`` (P, M): jumps across and drift through."""
        top = m[:, self.M - self.n_top:]
        nu = np.einsum("pc,cpm,pm->p", np.asarray(rates, float), self._X_top, top)
        return nu + drift_out * m[:, -1]

    def matvec(self, band: np.ndarray, m: np.ndarray) -> np.ndarray:
        """``L m`` for ``L`` in band storage; ``m`` (P, M)."""
        x = m.reshape(-1)
        y = np.zeros_like(x)
        u = self.upper
        n = x.size
        for k in range(-u, self.lower + 1):          # row - col = k
            row = band[u + k]
            if k >= 0:
                y[k:] += row[:n - k] * x[:n - k]
            else:
                y[:n + k] += row[-k:] * x[-k:]
        return y.reshape(m.shape)

    def source(self, s) -> np.ndarray:
        """Re-injection of the flux ``s`` (P,) in Hz at the reset cells, (P, M)."""
        g = self.grid
        out = np.zeros((self.P, self.M))
        rows = np.arange(self.P)
        out[rows, g.reset_cells[:, 0]] += s * g.reset_weights[:, 0]
        out[rows, g.reset_cells[:, 1]] += s * g.reset_weights[:, 1]
        return out


def _solve(l: int, u: int, ab: np.ndarray, b: np.ndarray, work=None) -> np.ndarray:
    """Banded solve (LAPACK ``dgbsv``); ``ab`` in (l + u + 1, n) diagonal storage."""
    if work is None:
        work = np.empty((2 * l + u + 1, ab.shape[1]))
    work[l:] = ab
    _, _, x, info = dgbsv(l, u, work, b, overwrite_ab=1, overwrite_b=1)
    if info != 0:
        raise RuntimeError(f"banded solve of the jump-density step failed (LAPACK dgbsv "
                           f"info={info})")
    return x


def stationary_masses(op: JumpOperator, rates, mu_d, tau_r):
    r"""Stationary cell masses and rate for constant channel rates.

    Parameters
    ----------
    op : JumpOperator
        Grid and channels.
    rates : array (P, C)
        Channel rates (Hz).
    mu_d : array (P,)
        Membrane-current drive (V).
    tau_r : array (P,)
        Refractory period (s).

    Returns
    -------
    m : ndarray (P, M)
        Cell masses, ``m.sum(1) + nu tau_r = 1``.
    nu : ndarray (P,)
        Stationary rate (Hz).
    """
    drift, _ = op.drift_band(mu_d)
    L = op.band(rates, drift)
    b = op.source(np.ones(op.P)).reshape(-1)
    q = _solve(op.lower, op.upper, -L, b).reshape(op.P, op.M)
    if not np.all(np.isfinite(q)):
        raise RuntimeError("the stationary jump-density problem is singular: no excitatory "
                           "input and no suprathreshold drive (nothing reaches threshold)")
    q = np.maximum(q, 0.0)
    nu = 1.0 / (q.sum(axis=1) + np.asarray(tau_r, dtype=float))
    return nu[:, None] * q, nu


class JumpStepper:
    r""":math:`\theta`-scheme step of the jump densities (backward Euler: ``theta = 1``).

    Parameters
    ----------
    op : JumpOperator
    dt : float
        Time step (s).
    theta : float
        1 (backward Euler) or 0.5 (Crank–Nicolson).
    rates0 : array (P, C)
        Channel rates (Hz) of the initial state.
    mu_d0 : array (P,)
        Drive (V) of the initial state.
    """

    def __init__(self, op: JumpOperator, dt: float, theta: float, rates0, mu_d0) -> None:
        self.op = op
        self.dt = float(dt)
        self.theta = float(theta)
        self._drift_key = None
        self._drift = None
        self._L, self._drift_out = self._operator(rates0, mu_d0)
        self._rates = np.asarray(rates0, dtype=float)
        self._work = np.empty((2 * op.lower + op.upper + 1, self._L.shape[1]))

    def _operator(self, rates, mu_d):
        key = np.asarray(mu_d, dtype=float)
        if self._drift_key is None or not np.array_equal(key, self._drift_key):
            self._drift = self.op.drift_band(key)
            self._drift_key = key.copy()
        drift, drift_out = self._drift
        return self.op.band(rates, drift), drift_out

    def max_positive_dt(self) -> float:
        """Largest dt (s) whose explicit part keeps the masses >= 0 (inf for theta = 1)."""
        if self.theta >= 1.0:
            return np.inf
        out = -self._L[self.op.upper]
        return float(1.0 / ((1.0 - self.theta) * np.max(out)))

    def step(self, m: np.ndarray, rates, mu_d, source):
        """Advance the masses ``m`` (P, M) with channel rates (P, C, Hz) and drive (P, V)
        of the new time and the re-injected flux ``source`` (P, Hz).

        Returns ``(m_new, emitted, rate)``: the mass emitted during the step per dt (Hz)
        and the threshold flux of the new state (Hz); ``m_new.sum(1) = m.sum(1) + dt
        (source - emitted)`` up to round-off.
        """
        op, dt, th = self.op, self.dt, self.theta
        L, drift_out = self._operator(rates, mu_d)
        b = m + dt * op.source(source)
        if th < 1.0:
            flux_old = op.emission(self._rates, self._drift_out, m)
            b += (1.0 - th) * dt * op.matvec(self._L, m)
        A = L * (-th * dt)
        A[op.upper] += 1.0
        m_new = _solve(op.lower, op.upper, A, b.reshape(-1), self._work).reshape(m.shape)
        rate = op.emission(rates, drift_out, m_new)
        emitted = rate if th >= 1.0 else th * rate + (1.0 - th) * flux_old
        self._L, self._drift_out, self._rates = L, drift_out, np.asarray(rates, float)
        return m_new, emitted, rate


def _binomial_pmf(n: int, p: float) -> np.ndarray:
    """Binomial(n, p) probabilities of 0..k_max events (tail < 1e-16), renormalised."""
    p = min(max(float(p), 0.0), 1.0)
    if p <= 0.0:
        return np.ones(1)
    if p >= 1.0:
        out = np.zeros(n + 1)
        out[n] = 1.0
        return out
    mean, sd = n * p, np.sqrt(n * p * (1.0 - p))
    k = np.arange(min(n, int(np.ceil(mean + 12.0 * sd + 15.0))) + 1)
    logp = (gammaln(n + 1.0) - gammaln(k + 1.0) - gammaln(n - k + 1.0) + k * np.log(p)
            + (n - k) * np.log1p(-p))
    out = np.exp(logp)
    return out / out.sum()


def _poisson_pmf(lam: float) -> np.ndarray:
    """Poisson probabilities of 0..k_max events (tail < 1e-16), renormalised to sum 1."""
    k_max = int(np.ceil(lam + 12.0 * np.sqrt(lam) + 15.0))
    k = np.arange(k_max + 1)
    if lam <= 0:
        out = np.zeros(k_max + 1)
        out[0] = 1.0
        return out
    logp = k * np.log(lam) - lam - gammaln(k + 1.0)
    p = np.exp(logp)
    return p / p.sum()


class DiscreteJumpStepper:
    r"""Exact step of the jump dynamics with the inputs of a step summed (``'discrete-time'``).

    Per step of length :math:`\Delta t`: the leak maps every cell centre to
    :math:`\mu_d + (V - \mu_d)e^{-\Delta t/\tau_m}` (mass split linearly between the two
    nearest cells); then the potential moves by the sum of the jumps that arrive in the
    step, :math:`\sum_c k_c J_c` with independent :math:`k_c \sim \mathrm{Poisson}(r_c\Delta
    t)` (the convolution with the compound-Poisson kernel); mass at or above threshold is
    emitted; mass below the grid stays in the lowest cell; the re-injected flux is added at
    reset after the step.  This is the update of NEST's ``iaf_psc_delta`` with simulation
    resolution :math:`\Delta t` (inputs of a step summed, leak, threshold test after the
    input) for Poisson input; for :math:`\Delta t \to 0` it converges to the
    continuous-time master equation (first order: in continuous time an excitatory jump
    across threshold fires even if an inhibitory one follows within the step).
    Probability is conserved and masses stay non-negative exactly (sums of non-negative
    products, no solve).

    Parameters
    ----------
    op : JumpOperator
        Grid and channels (its bands are not used).
    dt : float
        Time step (s).
    """

    def __init__(self, op: JumpOperator, dt: float) -> None:
        self.op = op
        self.dt = float(dt)
        self.decay = np.exp(-self.dt / op.tau_m)
        self._leak_key = None
        self._leak = None
        g = op.grid
        self.shift = op.jumps / g.h[:, None]            # cells per jump (P, C)
        #: recurrent inputs counted as Binomial(K, p) per step: arrays (target, channel,
        #: K) set by the caller, and the probabilities ``binomial_p`` updated every step
        self.binomial = None
        self.binomial_p = None

    def max_positive_dt(self) -> float:
        """Non-negative for every dt (inf)."""
        return np.inf

    def _leak_map(self, mu_d):
        """Destination cells and weights of the leak over one step (cached per drive)."""
        key = np.asarray(mu_d, dtype=float)
        if self._leak_key is not None and np.array_equal(key, self._leak_key):
            return self._leak
        g, P, M = self.op.grid, self.op.P, self.op.M
        c_new = key[:, None] + (g.centres - key[:, None]) * self.decay[:, None]
        x = (c_new - g.centres[:, :1]) / g.h[:, None]
        i0 = np.floor(x).astype(int)
        f = x - i0
        i1 = i0 + 1
        # index M collects what the leak carries across threshold (drive above V_th)
        i0c, i1c = np.clip(i0, 0, M), np.clip(i1, 0, M)
        base = (np.arange(P) * (M + 1))[:, None]
        self._leak = ((i0c + base).ravel(), (i1c + base).ravel(), (1.0 - f).ravel(),
                      f.ravel())
        self._leak_key = key.copy()
        return self._leak

    def _kernel(self, p: int, rates_p: np.ndarray):
        """Compound-Poisson kernel of population p over cell offsets, and its lowest offset."""
        kern = np.ones(1)
        lo = 0
        for c, (s, r) in enumerate(zip(self.shift[p], rates_p, strict=True)):
            if s == 0:
                continue
            pk = _poisson_pmf(r * self.dt) if r > 0 else np.ones(1)
            if self.binomial is not None:
                tgt, ch, K = self.binomial
                for j in np.nonzero((tgt == p) & (ch == c))[0]:
                    pk = np.convolve(pk, _binomial_pmf(int(K[j]), self.binomial_p[j]))
            if pk.size == 1:
                continue
            off = np.arange(pk.size) * s                 # cell offsets of k events
            a = np.floor(off + 1e-9).astype(int)
            fr = off - a
            fr[fr < 1e-9] = 0.0
            o_min = int(a.min())
            ck = np.zeros(int(a.max()) + 2 - o_min)
            np.add.at(ck, a - o_min, pk * (1.0 - fr))
            np.add.at(ck, a - o_min + 1, pk * fr)
            kern = np.convolve(kern, ck)
            lo += o_min
        return kern, lo

    def step(self, m: np.ndarray, rates, mu_d, source):
        """Advance the masses one step; returns ``(m_new, emitted, emitted)`` (Hz)."""
        op, dt = self.op, self.dt
        P, M = op.P, op.M
        j0, j1, w0, w1 = self._leak_map(mu_d)
        flat = m.ravel()
        y = (np.bincount(j0, flat * w0, minlength=P * (M + 1))
             + np.bincount(j1, flat * w1, minlength=P * (M + 1))).reshape(P, M + 1)
        emitted = y[:, M].copy()
        m_new = np.empty_like(m)
        rates = np.asarray(rates, dtype=float)
        for p in range(P):            # one convolution per population
            kern, lo = self._kernel(p, rates[p])
            z = np.convolve(y[p, :M], kern)             # z[i] <-> cell i + lo
            below = max(0, -lo)
            top = M - lo                                # first index at/above threshold
            m_new[p] = z[below:top] if lo <= 0 else np.concatenate([np.zeros(lo), z[:top]])
            m_new[p, 0] += z[:below].sum()
            emitted[p] += z[top:].sum()
        m_new += dt * op.source(source)
        emitted /= dt
        return m_new, emitted, emitted
