r"""Finite-volume Fokker–Planck operator of leaky integrate-and-fire populations.

The membrane-potential density :math:`p_a(V, t)` of population :math:`a` obeys
(Brunel & Hakim 1999; Brunel 2000, Eqs. 10–17)

.. math::

    \partial_t p = -\partial_V J + \nu_a(t - \tau_r)\,\delta(V - V_r), \qquad
    J = \frac{\mu_a(t) - V}{\tau_m} p - \frac{\sigma_a^2(t)}{2\tau_m}\partial_V p,

on :math:`V_{\min} \le V \le V_\theta` with an absorbing threshold :math:`p(V_\theta) = 0`
whose flux is the rate, :math:`\nu_a(t) = J(V_\theta, t)`, a reflecting lower bound
:math:`J(V_{\min}) = 0`, and re-injection at the reset :math:`V_r` after the refractory
time (the refractory mass is held outside the density, see :mod:`._network`).

Discretisation
--------------
Vertex-centred finite volumes on a uniform grid :math:`V_i = V_{\min} + i h`,
:math:`i = 0..M` with :math:`V_M = V_\theta` (absorbing node, not stored) and the reset on a
node :math:`i_r`; control volumes :math:`w_i = h` (:math:`h/2` at :math:`V_{\min}`).  The
flux through the edge between nodes :math:`i, i+1` is the Scharfetter–Gummel
(exponentially fitted) flux with the drift :math:`a = (\mu - V_{i+1/2})/\tau_m` of the edge
midpoint and :math:`D = \sigma^2/(2\tau_m)`,

.. math::

    J_{i+1/2} = \frac{D}{h}\big[B(-P)\,p_i - B(P)\,p_{i+1}\big],\qquad
    P = \frac{a h}{D},\quad B(x) = \frac{x}{e^x - 1},

exact for a constant flux and a constant drift across the edge, upwind for
:math:`|P| \gg 1` and central for :math:`|P| \ll 1` (Scharfetter & Gummel 1969; as used for
the LIF Fokker–Planck equation by Augustin et al. 2017).  The rate is the flux into the
threshold node, :math:`\nu = (D/h) B(-P_{M-1/2}) p_{M-1}`, so the discrete probability
:math:`\sum_i w_i p_i` + refractory mass is conserved exactly (up to round-off).

Time step: backward Euler, :math:`(W/\Delta t - L(\mu^{n+1}, \sigma^{n+1}))\,p^{n+1} =
W p^n/\Delta t + s^{n+1} e_{i_r}`.  The matrix is an M-matrix (positive diagonal,
non-positive off-diagonals, column-diagonally dominant), so the density stays
non-negative for every :math:`\Delta t`.  All populations are solved at once as one
block-tridiagonal system (LAPACK ``dgtsv``, :math:`O(P M)` per step).

The stationary state of the same discrete operator (:func:`stationary_density`) is the
finite-volume version of threshold integration (Richardson 2007): one tridiagonal solve
for the density per unit flux.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.linalg.lapack import dgtsv

__all__ = ["Grid", "make_grid", "sg_coefficients", "stationary_density", "BackwardEuler",
           "CrankNicolson"]


@dataclass
class Grid:
    """Voltage grids of all populations (SI units, V).

    Attributes
    ----------
    V : ndarray (P, M)
        Node potentials; node ``M`` (the threshold) is not stored.
    h : ndarray (P,)
        Grid spacing.
    weights : ndarray (P, M)
        Control volumes ``w_i`` (V): ``h``, ``h/2`` at the lower bound.
    i_reset : ndarray (P,) of int
        Index of the reset node.
    V_edges : ndarray (P, M)
        Midpoints between node ``i`` and ``i+1`` (the last one is ``V_th - h/2``).
    V_th, V_r : ndarray (P,)
    """

    V: np.ndarray
    h: np.ndarray
    weights: np.ndarray
    i_reset: np.ndarray
    V_edges: np.ndarray
    V_th: np.ndarray
    V_r: np.ndarray

    @property
    def n_nodes(self) -> int:
        return self.V.shape[1]


def make_grid(V_min, V_r, V_th, n_grid: int) -> Grid:
    """Uniform grids with ``n_grid`` intervals per population, reset on a node.

    Parameters
    ----------
    V_min, V_r, V_th : array (P,)
        Target lower bound, reset and threshold (V); ``V_min <= V_r < V_th``.
    n_grid : int
        Number of intervals between the lower bound and the threshold (the same for all
        populations); the reset interval ``[V_r, V_th]`` gets
        ``round(n_grid (V_th - V_r)/(V_th - V_min))`` of them, and the lower bound moves
        down (never up) so that the reset lies on a node.
    """
    V_min, V_r, V_th = (np.atleast_1d(np.asarray(x, dtype=float)) for x in (V_min, V_r, V_th))
    n_grid = int(n_grid)
    if n_grid < 8:
        raise ValueError(f"n_grid must be >= 8 grid intervals, got {n_grid}")
    if np.any(V_th <= V_r):
        raise ValueError(f"threshold must exceed reset, got V_th={V_th.tolist()} V, "
                         f"V_r={V_r.tolist()} V")
    if np.any(V_min > V_r):
        raise ValueError(f"the lower bound of the grid V_min={V_min.tolist()} V must not "
                         f"exceed the reset V_r={V_r.tolist()} V")
    n_r = np.maximum(1, np.floor(n_grid * (V_th - V_r) / (V_th - V_min))).astype(int)
    n_r = np.minimum(n_r, n_grid - 1)
    h = (V_th - V_r) / n_r
    i_reset = n_grid - n_r
    V_lo = V_r - i_reset * h
    idx = np.arange(n_grid)
    V = V_lo[:, None] + idx[None, :] * h[:, None]
    weights = np.broadcast_to(h[:, None], V.shape).copy()
    weights[:, 0] *= 0.5
    return Grid(V=V, h=h, weights=weights, i_reset=i_reset, V_edges=V + 0.5 * h[:, None],
                V_th=V_th, V_r=V_r)


def _bernoulli(x: np.ndarray) -> np.ndarray:
    """B(x) = x / (e^x - 1), B(0) = 1; 0 for large positive x (no warnings)."""
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.expm1(x)
        out = np.divide(x, e, out=np.ones_like(x), where=e != 0)
    return out


def _curvature(pe: np.ndarray, bm: np.ndarray) -> np.ndarray:
    r"""r(z) = 1 - 2 coth(z)/z + 2/z^2 at z = P/2, written with B(P) as
    1 - 4/P + 8 (1 - B(P))/P^2 (series 1/3 + P^2/90 for |P| < 1e-3)."""
    inv = 1.0 / pe
    r = 1.0 - bm
    r *= inv
    r *= 8.0
    r -= 4.0
    r *= inv
    r += 1.0
    small = np.abs(pe) < 1e-3
    if small.any():
        r[small] = 1.0 / 3.0 + pe[small] ** 2 / 90.0
    return r


def sg_coefficients(grid: Grid, mu, sigma, tau_m):
    r"""Exponentially fitted flux coefficients ``(X, Y)`` of every edge, shape (P, M), in V/s.

    ``J_{i+1/2} = Y_i p_i - X_i p_{i+1}`` (the last edge ends at the absorbing threshold,
    ``p_M = 0``).  The Scharfetter–Gummel coefficients ``(D/h) B(-P)``, ``(D/h) B(P)``
    (module docstring) are corrected for the curvature of the potential
    :math:`\Phi = (V - \mu)^2/\sigma^2` across the edge (the drift is linear in V):
    integrating :math:`J e^{\Phi} = -D (p e^{\Phi})'` over the edge with
    :math:`e^{u^2/\sigma^2} \approx 1 + u^2/\sigma^2` gives the factor
    :math:`e^{\epsilon/4}/(1 + \epsilon\,r(P/2)/4)`, :math:`\epsilon = h^2/\sigma^2`,
    :math:`r(z) = 1 - 2\coth(z)/z + 2/z^2`, which raises the order of the stationary
    error from :math:`(h/\sigma)^2` to :math:`(h/\sigma)^4`.
    """
    D = sigma * sigma / (2.0 * tau_m)
    q = 0.25 * (grid.h / sigma) ** 2
    pe = mu[:, None] - grid.V_edges
    pe *= (grid.h / (D * tau_m))[:, None]
    pe += 1e-300                # P = 0 exactly would give 0/0 below; no other effect
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        bm = pe / np.expm1(pe)  # B(P); 0 where e^P overflows
        r = _curvature(pe, bm)
    r *= q[:, None]
    r += 1.0
    kappa = np.divide((np.exp(q) * D / grid.h)[:, None], r, out=r)
    X = kappa * bm
    Y = kappa * pe
    Y += X                      # B(-x) = B(x) + x
    return X, Y


def _assemble(grid: Grid, X: np.ndarray, Y: np.ndarray, diag_extra):
    """Bands of ``diag_extra - L`` (L the flux divergence), flattened over populations."""
    P, M = X.shape
    diag = Y.copy()
    diag[:, 1:] += X[:, :-1]
    if diag_extra is not None:
        diag += diag_extra
    lower = np.zeros((P, M))
    lower[:, 1:] = -Y[:, :-1]
    upper = np.zeros((P, M))
    upper[:, :-1] = -X[:, :-1]
    return lower.ravel()[1:], diag.ravel(), upper.ravel()[:-1]


def _solve(dl, d, du, b):
    _, _, _, x, info = dgtsv(dl, d, du, b, overwrite_dl=1, overwrite_d=1, overwrite_du=1,
                             overwrite_b=1)
    if info != 0:
        raise RuntimeError(f"tridiagonal solve failed (LAPACK dgtsv info={info}); the "
                           "Fokker-Planck matrix is singular: check sigma > 0 and the grid")
    return x


def stationary_density(grid: Grid, mu, sigma, tau_m, tau_r):
    r"""Stationary density and rate of the discrete operator (threshold integration).

    Solves :math:`-L q = e_{i_r}` (density per unit flux re-injected at reset, Richardson
    2007 in finite-volume form), then :math:`\nu = 1/(\sum_i w_i q_i + \tau_r)` and
    :math:`p = \nu q`, so that :math:`\sum_i w_i p_i + \nu\tau_r = 1`.

    Parameters
    ----------
    grid : Grid
    mu, sigma : array (P,)
        Mean and standard deviation of the input (V), for exp synapses the effective
        ('shift') values.
    tau_m, tau_r : array (P,)
        Membrane time constant and refractory period (s).

    Returns
    -------
    p : ndarray (P, M)
        Density (1/V).
    nu : ndarray (P,)
        Rate (Hz).
    """
    mu, sigma, tau_m, tau_r = (np.broadcast_to(np.asarray(x, dtype=float), grid.h.shape)
                               for x in (mu, sigma, tau_m, tau_r))
    X, Y = sg_coefficients(grid, mu, sigma, tau_m)
    P, M = X.shape
    dl, d, du = _assemble(grid, X, Y, None)
    b = np.zeros((P, M))
    b[np.arange(P), grid.i_reset] = 1.0
    q = _solve(dl, d, du, b.reshape(-1, 1)).reshape(P, M)
    nu = 1.0 / (np.sum(grid.weights * q, axis=1) + tau_r)
    return nu[:, None] * q, nu


class BackwardEuler:
    """Implicit (backward Euler) step of the densities of all populations.

    Parameters
    ----------
    grid : Grid
    tau_m : array (P,)
    dt : float
        Time step (s).
    """

    def __init__(self, grid: Grid, tau_m, dt: float) -> None:
        self.grid = grid
        self.tau_m = np.broadcast_to(np.asarray(tau_m, dtype=float), grid.h.shape).copy()
        self.dt = float(dt)
        self.w_dt = grid.weights / self.dt
        P, M = grid.V.shape
        self._reset_flat = np.arange(P) * M + grid.i_reset
        self._lower = np.zeros((P, M))
        self._diag = np.zeros((P, M))
        self._upper = np.zeros((P, M))
        self._lower_flat = self._lower.reshape(-1)[1:]
        self._diag_flat = self._diag.reshape(-1)
        self._upper_flat = self._upper.reshape(-1)[:-1]

    def step(self, p: np.ndarray, mu, sigma, source):
        """Advance ``p`` (P, M) by one step with input ``mu``, ``sigma`` (V) of the new time
        and re-injected flux ``source`` (Hz) at reset; returns ``(p_new, emitted, rate)``.

        ``rate`` (Hz) is the threshold flux of the new density and ``emitted`` the mass
        that left through threshold during the step per dt (equal for backward Euler), so
        that ``sum(w p_new) = sum(w p) + dt (source - emitted)`` exactly.
        """
        X, Y = sg_coefficients(self.grid, mu, sigma, self.tau_m)
        b = self.w_dt * p
        p_new = self._solve(X, Y, 1.0, b, source, p.shape)
        rate = Y[:, -1] * p_new[:, -1]
        return p_new, rate, rate

    def _solve(self, X, Y, theta, b, source, shape):
        """Solve (W/dt - theta L) p = b + source e_reset for all populations at once."""
        lower, diag, upper = self._lower, self._diag, self._upper
        if theta == 1.0:
            np.add(Y, self.w_dt, out=diag)
            diag[:, 1:] += X[:, :-1]
            np.negative(Y[:, :-1], out=lower[:, 1:])
            np.negative(X[:, :-1], out=upper[:, :-1])
        else:
            np.multiply(Y, theta, out=diag)
            diag[:, 1:] += theta * X[:, :-1]
            diag += self.w_dt
            np.multiply(Y[:, :-1], -theta, out=lower[:, 1:])
            np.multiply(X[:, :-1], -theta, out=upper[:, :-1])
        lower[:, 0] = 0.0
        upper[:, -1] = 0.0
        bf = b.reshape(-1)
        bf[self._reset_flat] += source
        _, _, _, x, info = dgtsv(self._lower_flat, self._diag_flat, self._upper_flat,
                                 bf.reshape(-1, 1), overwrite_dl=1, overwrite_d=1,
                                 overwrite_du=1, overwrite_b=1)
        if info != 0:
            raise RuntimeError(f"tridiagonal solve failed (LAPACK dgtsv info={info})")
        return x.reshape(shape)


class CrankNicolson(BackwardEuler):
    r"""Crank–Nicolson step (second order in dt), exactly conservative.

    :math:`(W/\Delta t - \tfrac12 L^{n+1}) p^{n+1} = (W/\Delta t + \tfrac12 L^n) p^n + s\,e_{i_r}`.
    The emitted mass per step is :math:`\Delta t(\nu^{n+1} + \nu^n)/2`.  Unlike backward
    Euler it keeps the density non-negative only for
    :math:`\Delta t \le \min_i w_i / (\tfrac12 (Y_i + X_{i-1}))` (explicit half step), see
    :meth:`max_positive_dt`.

    Parameters
    ----------
    grid, tau_m, dt
        As :class:`BackwardEuler`.
    mu0, sigma0 : array (P,)
        Input of the initial state (V).
    """

    theta = 0.5

    def __init__(self, grid: Grid, tau_m, dt: float, mu0, sigma0) -> None:
        super().__init__(grid, tau_m, dt)
        self._X, self._Y = sg_coefficients(grid, np.asarray(mu0, float),
                                           np.asarray(sigma0, float), self.tau_m)

    def max_positive_dt(self) -> float:
        """Largest dt (s) for which the explicit half step keeps every density >= 0."""
        out = self._Y.copy()
        out[:, 1:] += self._X[:, :-1]
        return float(np.min(self.grid.weights / ((1.0 - self.theta) * out)))

    def step(self, p: np.ndarray, mu, sigma, source):
        th = self.theta
        J = self._Y * p
        J[:, :-1] -= self._X[:, :-1] * p[:, 1:]
        flux_old = J[:, -1].copy()
        b = self.w_dt * p
        b -= (1.0 - th) * J
        b[:, 1:] += (1.0 - th) * J[:, :-1]
        X, Y = sg_coefficients(self.grid, mu, sigma, self.tau_m)
        p_new = self._solve(X, Y, th, b, source, p.shape)
        self._X, self._Y = X, Y
        rate = Y[:, -1] * p_new[:, -1]
        return p_new, th * rate + (1.0 - th) * flux_old, rate
