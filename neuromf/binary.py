"""Networks of binary neurons: mean-field working point and Glauber dynamics.

A binary neuron i is either active (n_i = 1) or inactive (0).  Under Glauber
dynamics with asynchronous updates each neuron is updated at rate 1/τ to
n_i = H(h_i − θ_i), with input h_i = Σ_j J_ij n_j (+ external input) and H the
Heaviside function (van Vreeswijk & Sompolinsky 1996, 1998; Helias et al. 2014).

For many weak, independent inputs the input is Gaussian with (Helias et al. 2014,
mean-field theory of binary networks; van Vreeswijk & Sompolinsky 1998)

    mu_a     = Σ_b K_ab J_ab m_b + Σ_x K_ext,ax J_ext,ax m_ext,x
    sigma_a² = Σ_b K_ab J_ab² m_b (1 − m_b) + Σ_x K_ext,ax J_ext,ax² m_ext,x (1 − m_ext,x)

and the mean activity of population a is

    m_a = ½ erfc(−(mu_a − θ_a) / (√2 sigma_a)).

The population activities relax as τ dm/dt = −m + F(m) (Ginzburg & Sompolinsky
1994); the stationary working point is a fixed point of F.

Parameter functions
-------------------
_mean_activity_for_given_input, _mean_input, _std_input, _mean_activity,
_balanced_threshold, _fixed_indegree_connectivity, _simulate_glauber

Network functions
-----------------
mean_activity, mean_input, std_input, working_point, balanced_threshold
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from scipy.integrate import solve_ivp
from scipy.optimize import root
from scipy.special import erfc

from .utils import (
    _cache,
    check_finite,
    check_positive,
    get_optional_network_params,
    get_required_network_params,
    get_required_results,
)

__all__ = [
    "_mean_activity_for_given_input",
    "_mean_input",
    "_std_input",
    "_mean_activity",
    "_balanced_threshold",
    "_fixed_indegree_connectivity",
    "_simulate_glauber",
    "mean_activity",
    "mean_input",
    "std_input",
    "working_point",
    "balanced_threshold",
]

_prefix = "binary."


# ---------------------------------------------------------------------------
# input statistics and transfer function
# ---------------------------------------------------------------------------

def _external(KJ: Any, m_ext: Any) -> np.ndarray:
    """Σ_x KJ[a, x] m_ext[x] for matrix KJ, elementwise for one source per population."""
    KJ = np.asarray(KJ, dtype=float)
    m_ext = np.asarray(m_ext, dtype=float)
    return KJ @ m_ext if KJ.ndim == 2 else KJ * m_ext


def _check_activity(name: str, m: Any) -> np.ndarray:
    m = check_finite(name, np.asarray(m, dtype=float))
    if np.any((m < 0) | (m > 1)):
        raise ValueError(f"{name} must lie in [0, 1] (fraction of active neurons), got {m}")
    return m


def _mean_input(m: Any, J: Any, K: Any, J_ext: Any = 0.0, K_ext: Any = 0.0,
                m_ext: Any = 0.0) -> np.ndarray:
    """Mean input mu_a = Σ_b K_ab J_ab m_b + Σ_x K_ext,ax J_ext,ax m_ext,x.

    Helias et al. 2014 (first cumulant of the summed input).

    Parameters
    ----------
    m : array_like
        Mean activities of the populations, shape (..., n), in [0, 1].
    J : array_like
        Weights [target, source], (n, n) (units of the threshold).
    K : array_like
        In-degrees [target, source], (n, n).
    J_ext, K_ext : array_like, optional
        External weights and in-degrees: (n, n_ext) matrices, or per population.
    m_ext : float or array_like, optional
        Activities of the external sources in [0, 1].

    Returns
    -------
    numpy.ndarray
        mu, shape (..., n).
    """
    m = _check_activity("m", m)
    KJ = np.asarray(K, dtype=float) * np.asarray(J, dtype=float)
    ext = _external(np.asarray(K_ext, float) * np.asarray(J_ext, float),
                    _check_activity("m_ext", m_ext))
    return m @ KJ.T + ext


def _std_input(m: Any, J: Any, K: Any, J_ext: Any = 0.0, K_ext: Any = 0.0,
               m_ext: Any = 0.0) -> np.ndarray:
    """Standard deviation of the input, σ_a² = Σ_b K_ab J_ab² m_b (1 − m_b) + external.

    Helias et al. 2014, neglecting pairwise correlations (each input neuron
    is a Bernoulli variable of mean m_b).  Arguments as in :func:`_mean_input`.
    """
    m = _check_activity("m", m)
    m_ext = _check_activity("m_ext", m_ext)
    KJ2 = np.asarray(K, dtype=float) * np.asarray(J, dtype=float) ** 2
    ext = _external(np.asarray(K_ext, float) * np.asarray(J_ext, float) ** 2,
                    m_ext * (1.0 - m_ext))
    return np.sqrt((m * (1.0 - m)) @ KJ2.T + ext)


def _mean_activity_for_given_input(mu: Any, sigma: Any, theta: Any) -> np.ndarray:
    """Mean activity m = ½ erfc(−(mu − θ) / (√2 σ)) for Gaussian input.

    Helias et al. 2014 (Gaussian input).  For sigma = 0 the neuron is deterministic:
    m = H(mu − θ), with m = ½ at mu = θ.

    Parameters
    ----------
    mu, sigma : array_like
        Mean and standard deviation (≥ 0) of the input.
    theta : float or array_like
        Thresholds.

    Returns
    -------
    numpy.ndarray
        Activities in [0, 1].
    """
    mu = check_finite("mu", np.asarray(mu, dtype=float))
    sigma = check_positive("sigma", np.asarray(sigma, dtype=float), allow_zero=True)
    theta = check_finite("theta", np.asarray(theta, dtype=float))
    diff = mu - theta
    with np.errstate(divide="ignore", invalid="ignore"):
        x = diff / (np.sqrt(2.0) * sigma)
    m = 0.5 * erfc(-x)
    det = np.broadcast_to(sigma == 0, m.shape)
    if np.any(det):
        m = np.where(det, np.where(diff > 0, 1.0, np.where(diff < 0, 0.0, 0.5)), m)
    return m


def _balanced_threshold(m_exp: Any, J: Any, K: Any, J_ext: Any = 0.0, K_ext: Any = 0.0,
                        m_ext: Any = 0.0) -> np.ndarray:
    """Threshold equal to the mean input at the expected activity, θ = K∘J m_exp (+ ext).

    With this threshold the mean input sits exactly at threshold (balance), so the
    populations settle at m = ½ (NNMT convention; van Vreeswijk & Sompolinsky 1998).

    Parameters
    ----------
    m_exp : array_like
        Expected mean activity per population.
    J, K, J_ext, K_ext, m_ext
        As in :func:`_mean_input`.

    Returns
    -------
    numpy.ndarray
        θ per population.
    """
    return _mean_input(m_exp, J, K, J_ext, K_ext, m_ext)


# ---------------------------------------------------------------------------
# self-consistent working point
# ---------------------------------------------------------------------------

class _GainFunction:
    """F(m) = ½ erfc(−(mu(m) − θ)/(√2 σ(m))) and its Jacobian."""

    def __init__(self, J, K, theta, J_ext, K_ext, m_ext):
        J = check_finite("J", np.atleast_2d(np.asarray(J, dtype=float)))
        K = check_positive("K", np.atleast_2d(np.asarray(K, dtype=float)), allow_zero=True)
        if J.shape[0] != J.shape[1] or K.shape != J.shape:
            raise ValueError(f"J and K must be square matrices of equal shape, got "
                             f"{J.shape} and {K.shape}")
        self.n = J.shape[0]
        self.KJ = K * J
        self.KJ2 = K * J**2
        m_ext = _check_activity("m_ext", m_ext)
        KJe = np.asarray(K_ext, float) * np.asarray(J_ext, float)
        KJ2e = np.asarray(K_ext, float) * np.asarray(J_ext, float) ** 2
        self.mu_ext = np.broadcast_to(_external(KJe, m_ext), (self.n,)).astype(float)
        self.var_ext = np.broadcast_to(_external(KJ2e, m_ext * (1 - m_ext)),
                                       (self.n,)).astype(float)
        self.theta = np.broadcast_to(check_finite("theta", np.asarray(theta, float)),
                                     (self.n,)).astype(float)

    def stats(self, m):
        mu = self.KJ @ m + self.mu_ext
        var = np.maximum(self.KJ2 @ (m * (1.0 - m)) + self.var_ext, 0.0)
        return mu, np.sqrt(var)

    def __call__(self, m):
        mu, sigma = self.stats(np.clip(m, 0.0, 1.0))
        return _mean_activity_for_given_input(mu, sigma, self.theta)

    def jacobian(self, m):
        m = np.clip(m, 0.0, 1.0)
        mu, sigma = self.stats(m)
        out = np.zeros((self.n, self.n))
        pos = sigma > 0
        if np.any(pos):
            s = sigma[pos]
            x = (mu[pos] - self.theta[pos]) / s
            pdf = np.exp(-0.5 * x**2) / np.sqrt(2.0 * np.pi)
            d_sigma = self.KJ2[pos] * (1.0 - 2.0 * m)[None, :] / (2.0 * s[:, None])
            out[pos] = pdf[:, None] * (self.KJ[pos] / s[:, None] - x[:, None] / s[:, None]
                                       * d_sigma)
        return out


def _mean_activity(J: Any, K: Any, theta: Any, J_ext: Any = 0.0, K_ext: Any = 0.0,
                   m_ext: Any = 0.0, m0: Any = None, tol: float = 1e-12,
                   t_max: float = 200.0) -> np.ndarray:
    """Self-consistent mean activities of a network of binary neurons.

    Solves m = F(m) with F from :func:`_mean_activity_for_given_input`,
    :func:`_mean_input` and :func:`_std_input` (Helias et al. 2014;
    van Vreeswijk & Sompolinsky 1998).  The mean-field dynamics τ dm/dt = −m + F(m)
    are integrated from ``m0`` with a stiff solver (analytic Jacobian), which
    finds a fixed point that is stable under these dynamics; the result is then
    polished by Newton-type root finding.  If the dynamics do not settle (e.g. a
    limit cycle), root finding from the time average is tried and a warning says
    that the fixed point found is unstable.

    Parameters
    ----------
    J, K : array_like
        Weights and in-degrees [target, source], (n, n).
    theta : float or array_like
        Thresholds per population.
    J_ext, K_ext, m_ext : optional
        External inputs (see :func:`_mean_input`).
    m0 : array_like, optional
        Initial activities (default ½ for every population).
    tol : float
        Required max |F(m) − m|.
    t_max : float
        Longest integration time of the relaxation dynamics, in units of τ.

    Returns
    -------
    numpy.ndarray
        Mean activities in [0, 1], shape (n,).

    Raises
    ------
    RuntimeError
        If no fixed point is found; the message gives the last residual.
    """
    F = _GainFunction(J, K, theta, J_ext, K_ext, m_ext)
    m = np.full(F.n, 0.5) if m0 is None else np.broadcast_to(
        _check_activity("m0", m0), (F.n,)).astype(float)
    check_positive("tol", tol)

    def residual(x):
        return F(x) - x

    def polish(x):
        sol = root(residual, x, jac=lambda y: F.jacobian(y) - np.eye(F.n), method="hybr",
                   options={"xtol": 1e-14})
        y = np.clip(sol.x, 0.0, 1.0)
        return y, float(np.max(np.abs(residual(y))))

    t, history, res = 0.0, [], np.inf
    chunk, best_res, stalled = 10.0, np.inf, 0
    while t < t_max and stalled < 5:
        sol = solve_ivp(lambda _, y: F(y) - y, (0.0, chunk), m, method="LSODA",
                        jac=lambda _, y: F.jacobian(y) - np.eye(F.n), rtol=1e-7,
                        atol=1e-10)
        if not sol.success:
            break
        m = np.clip(sol.y[:, -1], 0.0, 1.0)
        history.append(sol.y.mean(axis=1))
        t += chunk
        res = float(np.max(np.abs(residual(m))))
        if res <= tol:
            return m
        if res < 1e-4:
            y, r = polish(m)
            if r <= tol and np.max(np.abs(y - m)) < 1e-2:
                return y
        # a limit cycle (or chaos) keeps the residual from shrinking
        stalled = 0 if res < 0.5 * best_res else stalled + 1
        best_res = min(best_res, res)
    # the relaxation did not settle: root finding from the state and the time average
    starts = [m] + ([np.clip(np.mean(history, axis=0), 0, 1)] if history else [])
    best = (m, res)
    for start in starts:
        y, r = polish(start)
        if r < best[1]:
            best = (y, r)
        if r <= tol:
            growth = np.max(np.linalg.eigvals(F.jacobian(y) - np.eye(F.n)).real)
            if growth >= 0:
                warnings.warn(
                    f"the mean-field dynamics tau dm/dt = -m + F(m) do not settle (largest "
                    f"growth rate {growth:.3g}/tau at the fixed point); returning the fixed "
                    f"point m = {y}, which is unstable under these dynamics", stacklevel=2)
            return y
    raise RuntimeError(
        f"no self-consistent mean activity found: relaxation over {t:g} tau and root "
        f"finding left max |F(m) - m| = {best[1]:.3g} at m = {best[0]}")


# ---------------------------------------------------------------------------
# direct simulation (Glauber dynamics)
# ---------------------------------------------------------------------------

def _fixed_indegree_connectivity(N: Any, K: Any, J: Any, rng: Any = None):
    """Sparse neuron-level weight matrix with fixed in-degrees (no autapses/multapses).

    Parameters
    ----------
    N : array_like of int
        Population sizes, shape (n,).
    K : array_like of int
        In-degrees [target, source], (n, n); K_ab ≤ N_b (N_a − 1 for a = b).
    J : array_like
        Weights [target, source], (n, n).
    rng : numpy.random.Generator or int, optional
        Random generator or seed.

    Returns
    -------
    scipy.sparse.csr_matrix
        W, shape (Σ N, Σ N); W[i, j] is the weight from neuron j onto neuron i.
    """
    from scipy.sparse import csr_matrix

    rng = np.random.default_rng(rng)
    N = np.atleast_1d(np.asarray(N, dtype=int))
    K = np.atleast_2d(np.asarray(K, dtype=int))
    J = np.atleast_2d(np.asarray(J, dtype=float))
    if K.shape != (N.size, N.size) or J.shape != K.shape:
        raise ValueError(f"K and J must have shape ({N.size}, {N.size}), got {K.shape} "
                         f"and {J.shape}")
    starts = np.concatenate([[0], np.cumsum(N)])
    rows, cols, vals = [], [], []
    for a in range(N.size):
        for b in range(N.size):
            avail = N[b] - (1 if a == b else 0)
            if K[a, b] < 0 or K[a, b] > avail:
                raise ValueError(f"K[{a}, {b}] = {K[a, b]} must lie in [0, {avail}] "
                                 f"(available source neurons)")
            if K[a, b] == 0:
                continue
            for i in range(starts[a], starts[a + 1]):
                if a == b:
                    # draw from the population without neuron i (no autapses)
                    src = rng.choice(avail, size=K[a, b], replace=False)
                    src = src + (src >= i - starts[b])
                else:
                    src = rng.choice(N[b], size=K[a, b], replace=False)
                rows.append(np.full(K[a, b], i))
                cols.append(starts[b] + src)
                vals.append(np.full(K[a, b], J[a, b]))
    n_tot = int(starts[-1])
    if not rows:
        return csr_matrix((n_tot, n_tot))
    return csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                      shape=(n_tot, n_tot))


def _simulate_glauber(W: Any, theta: Any, T: float, pop_index: Any, t_warmup: float = 10.0,
                      J_ext: Any = 0.0, K_ext: Any = 0.0, m_ext: Any = 0.0,
                      n0: Any = None, rng: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """Simulate asynchronous Glauber dynamics of binary neurons.

    In each elementary step one randomly chosen neuron i is updated to
    n_i = H(Σ_j W_ij n_j + h_ext,i − θ_i) (deterministic threshold units, random
    update order; van Vreeswijk & Sompolinsky 1998).  N steps make one time
    constant τ.  The external input of a neuron of population a is drawn afresh at
    each update as Σ_x J_ext,ax · Binomial(K_ext,ax, m_ext,x) (independent
    Bernoulli sources).

    Parameters
    ----------
    W : array_like or scipy.sparse matrix
        Weights (N, N), W[i, j] from j onto i.
    theta : float or array_like
        Threshold per population.
    T : float
        Recording duration in units of τ (after the warm-up).
    pop_index : array_like of int
        Population of every neuron, shape (N,).
    t_warmup : float
        Discarded initial period in units of τ.
    J_ext, K_ext, m_ext : optional
        External sources: (n, n_ext) weights and in-degrees, (n_ext,) activities.
    n0 : array_like, optional
        Initial state (default: each neuron active with probability ½).
    rng : numpy.random.Generator or int, optional

    Returns
    -------
    m_pop : numpy.ndarray
        Time-averaged activity per population, shape (n,).
    trace : numpy.ndarray
        Population activities sampled once per τ, shape (n_samples, n).
    """
    from scipy.sparse import csc_matrix

    rng = np.random.default_rng(rng)
    Wc = csc_matrix(W)
    N = Wc.shape[0]
    indptr, targets, weights = Wc.indptr, Wc.indices, Wc.data
    pop = np.asarray(pop_index, dtype=int)
    n_pop = int(pop.max()) + 1
    theta_n = np.broadcast_to(np.asarray(theta, float), (n_pop,))[pop]
    sizes = np.bincount(pop, minlength=n_pop).astype(float)
    Je = np.asarray(J_ext, dtype=float)
    Ke = np.asarray(K_ext, dtype=int)
    has_ext = bool(np.any(Je != 0) and np.any(Ke != 0))
    state = ((rng.random(N) < 0.5) if n0 is None else np.asarray(n0)).astype(float)
    field = Wc @ state
    n_total = int(round((t_warmup + T) * N))
    n_warm = int(round(t_warmup * N))
    order = rng.integers(0, N, size=n_total)
    # input minus threshold at each update, external part drawn in advance
    offset = -theta_n[order]
    if has_ext:
        Je, Ke = np.broadcast_arrays(np.atleast_2d(Je), np.atleast_2d(Ke))
        n_x = Je.shape[-1]
        Je = np.broadcast_to(Je, (n_pop, n_x))
        Ke = np.broadcast_to(Ke, (n_pop, n_x))
        me = _check_activity("m_ext", np.broadcast_to(np.asarray(m_ext, float), (n_x,)))
        pops_upd = pop[order]
        for x in range(n_x):
            offset += Je[pops_upd, x] * rng.binomial(Ke[pops_upd, x], me[x])
    active = np.bincount(pop, weights=state, minlength=n_pop)
    acc = np.zeros(n_pop)
    trace = []
    for step in range(n_total):
        i = order[step]
        new = 1.0 if field[i] + offset[step] > 0.0 else 0.0
        delta = new - state[i]
        if delta != 0.0:
            state[i] = new
            sl = slice(indptr[i], indptr[i + 1])
            field[targets[sl]] += delta * weights[sl]
            active[pop[i]] += delta
        if step >= n_warm:
            acc += active
            if (step - n_warm) % N == 0:
                trace.append(active / sizes)
    m_pop = acc / ((n_total - n_warm) * sizes)
    return m_pop, np.array(trace)


# ---------------------------------------------------------------------------
# network level
# ---------------------------------------------------------------------------

def _optional(network: Any, func) -> dict:
    params = get_optional_network_params(network, func)
    return {k: v for k, v in params.items() if k in ("J_ext", "K_ext", "m_ext")}


def mean_activity(network: Any, m0: Any = None) -> np.ndarray:
    """Mean activities of a binary network (see :func:`_mean_activity`).

    Self-consistent m = ½ erfc(−(μ − θ)/(√2 σ)) (Helias et al. 2014; van Vreeswijk &
    Sompolinsky 1998).  Stored under 'binary.mean_activity'.

    Parameters
    ----------
    network : neuromf.models.Network
        Network with ``J``, ``K`` and ``theta`` (optional ``J_ext``, ``K_ext``, ``m_ext``)
        in its network parameters (inputs in units of the threshold scale).
    m0 : array_like, optional
        Initial activities of the relaxation dynamics (default ½ for every population).

    Returns
    -------
    numpy.ndarray
        Mean activities in [0, 1] (fraction of active neurons), shape (n,).
    """
    params = get_required_network_params(network, _mean_activity)
    params.update(_optional(network, _mean_activity))
    if m0 is not None:
        params["m0"] = m0
    return _cache(network, _mean_activity, params, _prefix + "mean_activity")


def _input_network_function(network: Any, func, key: str) -> np.ndarray:
    params = get_required_network_params(network, func, exclude=["m"])
    params.update(_optional(network, func))
    params["m"] = get_required_results(network, ["m"], [_prefix + "mean_activity"])["m"]
    return _cache(network, func, params, key)


def mean_input(network: Any) -> np.ndarray:
    """Mean input at the computed mean activity (see :func:`_mean_input`).

    μ_a = Σ_b K_ab J_ab m_b + external input (Helias et al. 2014).  Needs
    'binary.mean_activity'.  Stored under 'binary.mean_input'.

    Parameters
    ----------
    network : neuromf.models.Network
        Network with ``J``, ``K`` and ``theta`` (optional ``J_ext``, ``K_ext``, ``m_ext``)
        in its network parameters (inputs in units of the threshold scale).

    Returns
    -------
    numpy.ndarray
        Mean input per population (units of ``J``), shape (n,).
    """
    return _input_network_function(network, _mean_input, _prefix + "mean_input")


def std_input(network: Any) -> np.ndarray:
    """Input standard deviation at the computed mean activity (see :func:`_std_input`).

    σ_a² = Σ_b K_ab J_ab² m_b (1 − m_b) + external input (Helias et al. 2014).  Needs
    'binary.mean_activity'.  Stored under 'binary.std_input'.

    Parameters
    ----------
    network : neuromf.models.Network
        Network with ``J``, ``K`` and ``theta`` (optional ``J_ext``, ``K_ext``, ``m_ext``)
        in its network parameters (inputs in units of the threshold scale).

    Returns
    -------
    numpy.ndarray
        Standard deviation of the input per population (units of ``J``), shape (n,).
    """
    return _input_network_function(network, _std_input, _prefix + "std_input")


def working_point(network: Any, m0: Any = None) -> dict:
    """Mean activity, mean input and input standard deviation of a binary network.

    Parameters
    ----------
    network : neuromf.models.Network
        Network with ``J``, ``K`` and ``theta`` (optional ``J_ext``, ``K_ext``, ``m_ext``)
        in its network parameters (inputs in units of the threshold scale).
    m0 : array_like, optional
        Initial activities (default ½ for every population).

    Returns
    -------
    dict
        Keys 'mean_activity', 'mean_input', 'std_input'.
    """
    return {"mean_activity": mean_activity(network, m0=m0),
            "mean_input": mean_input(network),
            "std_input": std_input(network)}


def balanced_threshold(network: Any, m_exp: Any) -> np.ndarray:
    """Balanced threshold for the expected activity ``m_exp`` (see
    :func:`_balanced_threshold`).  Stored under 'binary.balanced_threshold'.

    θ_a = Σ_b K_ab J_ab m_exp,b (+ external input): with it the mean input sits exactly at
    threshold (balance; van Vreeswijk & Sompolinsky 1998).

    Parameters
    ----------
    network : neuromf.models.Network
        Network with ``J`` and ``K`` (optional ``J_ext``, ``K_ext``, ``m_ext``)
        in its network parameters (inputs in units of the threshold scale).
    m_exp : array_like
        Expected mean activity per population, in [0, 1].

    Returns
    -------
    numpy.ndarray
        Thresholds per population (units of ``J``), shape (n,).
    """
    params = get_required_network_params(network, _balanced_threshold, exclude=["m_exp"])
    params.update(_optional(network, _balanced_threshold))
    params["m_exp"] = np.asarray(m_exp, dtype=float)
    return _cache(network, _balanced_threshold, params, _prefix + "balanced_threshold")
