"""Self-consistent firing rates: nu = Phi(mu(nu), sigma(nu)).

Three methods (``fixpoint_method``):

``'newton'`` (default)
    Damped Newton steps on ``F(nu) = Phi(nu) − nu`` from ``nu_0`` (Jacobian by
    batched finite differences: all columns in one vectorized evaluation), to full
    precision (|F_i| ≤ 1e-12·nu_i + 1e-14·max(nu) Hz).  The result is accepted only
    if it is a linearly stable fixed point of the rate dynamics
    ``d nu/ds = −nu + Phi(nu)``; otherwise the dynamics are first relaxed (as 'ODE')
    until the relative residual is below 1e-3 and Newton polishes from there.  Either
    way the stable fixed point that 'ODE' finds is returned.
``'ODE'``
    NNMT's method: integrate the rate dynamics on [0, t_max_ODE] repeatedly until
    two consecutive unit-time samples differ by less than ``eps_tol`` (finds stable
    fixed points).
``'LSTSQ'``
    NNMT's method: least squares of ``F`` with rates ≥ 0 (also finds unstable fixed
    points; needs a good initial guess ``nu_0``).
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable

import numpy as np
import scipy.integrate as sint
import scipy.linalg as sla
import scipy.optimize as sopt

from .utils import check_choice

FIXPOINT_METHODS = ("newton", "ODE", "LSTSQ")


#: default wall-clock budget (s) of one fixed-point solve
TIME_BUDGET = 6.0


class SolverBudgetError(RuntimeError):
    """The fixed-point solver ran out of its time or evaluation budget."""


#: rate functions whose rate and partial derivatives are known in one pass:
#: ``{Phi: f}`` with ``f(mu, sigma, **params) -> (nu, dnu/dmu, dnu/dsigma)``
_RATE_DERIVATIVES: dict = {}


def register_rate_derivatives(firing_rate_func: Callable, derivatives: Callable) -> None:
    """Declare ``derivatives`` as the one-pass rate and derivatives of ``firing_rate_func``.

    With it (and inputs that carry their Jacobians) the Newton solver takes analytic
    steps instead of finite-difference Jacobians.

    Parameters
    ----------
    firing_rate_func : callable
        ``Phi(mu, sigma, **params)``, rate in Hz.
    derivatives : callable
        ``(mu, sigma, **params) -> (nu, dnu/dmu, dnu/dsigma)`` in Hz, Hz/V, Hz/V.
    """
    _RATE_DERIVATIVES[firing_rate_func] = derivatives


def _make_residual(firing_rate_func: Callable, firing_rate_params: dict,
                   input_dict: dict, time_budget: float | None = None,
                   max_evaluations: int | None = None) -> Callable:
    """``phi(nu) = Phi(mu(nu), sigma(nu))``, raising SolverBudgetError (with the last
    residual) once ``time_budget`` seconds or ``max_evaluations`` calls are used up.

    ``phi.residual_and_jacobian`` is ``nu -> (Phi(nu) - nu, dF/dnu)`` with the analytic
    Jacobian (sharing the budget) where the rate function has registered its
    derivatives (:func:`register_rate_derivatives`) and
    both inputs their ``'fast'`` and ``'jacobian'`` functions
    (:func:`neuromf.lif._general._input_dict`); otherwise None.
    """
    start = time.perf_counter()
    state = {"calls": 0, "residual": np.nan}

    def charge() -> None:
        state["calls"] += 1
        elapsed = time.perf_counter() - start
        if ((time_budget is not None and elapsed > time_budget)
                or (max_evaluations is not None and state["calls"] > max_evaluations)):
            raise SolverBudgetError(
                f"firing rates did not converge within the solver budget "
                f"({elapsed:.1f} s of time_budget={time_budget} s, {state['calls'] - 1} "
                f"evaluations of max_evaluations={max_evaluations}); last max residual "
                f"{state['residual']:.3g} Hz. The parameters may be far outside the "
                f"range of the theory (check weights, in-degrees and external input), or "
                f"give a larger time_budget")

    def phi(nu: np.ndarray) -> np.ndarray:
        charge()
        inputs = {key: spec["func"](nu, **spec["params"]) for key, spec in input_dict.items()}
        out = firing_rate_func(**firing_rate_params, **inputs)
        if np.ndim(nu) == 1:
            state["residual"] = float(np.max(np.abs(np.asarray(out) - nu)))
        return out

    phi.residual_and_jacobian = None
    try:
        derivatives = _RATE_DERIVATIVES.get(firing_rate_func)
    except TypeError:                       # unhashable callable
        derivatives = None
    if (derivatives is not None and set(input_dict) == {"mu", "sigma"}
            and all("jacobian" in spec and "fast" in spec for spec in input_dict.values())):
        mu_of, sigma_of = input_dict["mu"]["fast"], input_dict["sigma"]["fast"]
        d_mu_of = input_dict["mu"]["jacobian"]
        d_sigma_of = input_dict["sigma"]["jacobian"]

        def residual_and_jacobian(nu: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            charge()
            mu, sigma = mu_of(nu), sigma_of(nu)
            rate, d_mu, d_sigma = derivatives(mu=mu, sigma=sigma, **firing_rate_params)
            jac = d_mu[:, None] * d_mu_of(nu, mu) + d_sigma[:, None] * d_sigma_of(nu, sigma)
            jac.flat[::jac.shape[0] + 1] -= 1.0
            f = rate - nu
            state["residual"] = float(np.max(np.abs(f)))
            return f, jac

        phi.residual_and_jacobian = residual_and_jacobian
    return phi


def _check_options(nu_0, dim: int, eps_tol, t_max_ODE, maxiter_ODE, rtol, maxiter_newton,
                   time_budget, max_evaluations) -> np.ndarray:
    """Domain of the solver options; the initial rates as a float array (n,)."""
    for name, value in (("eps_tol", eps_tol), ("t_max_ODE", t_max_ODE), ("rtol", rtol)):
        if (not isinstance(value, (int, float, np.floating, np.integer))
                or isinstance(value, bool) or not np.isfinite(value) or value <= 0):
            raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    for name, value in (("maxiter_ODE", maxiter_ODE), ("maxiter_newton", maxiter_newton)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be a whole number >= 1, got {value!r}")
    if time_budget is not None and not (isinstance(time_budget, (int, float))
                                        and time_budget > 0):
        raise ValueError(f"time_budget must be a number of seconds > 0 or None, got "
                         f"{time_budget!r}")
    if max_evaluations is not None and not (isinstance(max_evaluations, (int, np.integer))
                                            and max_evaluations >= 1):
        raise ValueError(f"max_evaluations must be a whole number >= 1 or None, got "
                         f"{max_evaluations!r}")
    if nu_0 is None:
        return np.zeros(dim)
    try:
        nu = np.array(nu_0, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"nu_0 must be rates in Hz (numbers), got {nu_0!r}") from None
    if nu.size == 1 and nu.ndim == 0:
        nu = np.full(dim, float(nu))
    if nu.shape != (dim,):
        raise ValueError(f"nu_0 must hold one rate per population: {dim} values, got "
                         f"shape {nu.shape}")
    if not np.all(np.isfinite(nu)) or np.any(nu < 0):
        raise ValueError(f"nu_0 must be finite and >= 0 Hz, got {nu}")
    return nu


def _dimension(input_dict: dict) -> int:
    return int(np.shape(input_dict["mu"]["params"]["K"])[0])


def _firing_rate_integration(firing_rate_func: Callable, firing_rate_params: dict,
                             input_dict: dict, nu_0=None, fixpoint_method: str = "newton",
                             eps_tol: float = 1e-7, t_max_ODE: float = 1000,
                             maxiter_ODE: int = 1000, rtol: float = 1e-12,
                             maxiter_newton: int = 100, time_budget: float | None = TIME_BUDGET,
                             max_evaluations: int | None = None) -> np.ndarray:
    """Solve the self-consistency equation for the stationary firing rates.

    Parameters
    ----------
    firing_rate_func : callable
        ``Phi(mu=..., sigma=..., **firing_rate_params)``, vectorized over a leading
        batch dimension of ``mu`` and ``sigma``.
    firing_rate_params : dict
        Fixed arguments of ``firing_rate_func``.
    input_dict : dict
        ``{'mu': {'func': f, 'params': p}, 'sigma': {...}}``; ``f(nu, **p)`` gives
        the input statistics for rates ``nu`` (shape (..., n)).
    nu_0 : array, optional
        Initial rates (Hz); default zeros.
    fixpoint_method : {'newton', 'ODE', 'LSTSQ'}
        See the module docstring.
    eps_tol : float
        Tolerance of 'ODE' (max change per unit time) and 'LSTSQ' (mean squared
        residual), as in NNMT.
    t_max_ODE, maxiter_ODE
        Integration interval and number of intervals of 'ODE'.
    rtol : float
        Relative tolerance of the Newton polish.
    maxiter_newton : int
        Newton iterations before giving up.
    time_budget : float or None
        Wall-clock seconds the solve may take (default :data:`TIME_BUDGET`); None for
        no limit.
    max_evaluations : int or None
        Most evaluations of the rate function (default: no limit).

    Returns
    -------
    np.ndarray
        Rates (Hz).

    Raises
    ------
    RuntimeError
        If the method does not converge, with iterations and last residual
        (:class:`SolverBudgetError` when the budget is used up).
    ValueError
        For invalid options, or input statistics that are not finite at ``nu_0``.
    """
    check_choice("fixpoint_method", fixpoint_method, FIXPOINT_METHODS)
    dim = _dimension(input_dict)
    nu = _check_options(nu_0, dim, eps_tol, t_max_ODE, maxiter_ODE, rtol, maxiter_newton,
                        time_budget, max_evaluations)
    inputs = {key: np.asarray(spec["func"](nu, **spec["params"]), dtype=float)
              for key, spec in input_dict.items()}
    for key, value in inputs.items():
        if not np.all(np.isfinite(value)):
            raise ValueError(f"the input {key} of the neurons is not finite at the initial "
                             f"rates nu_0 ({value} V): check the weights J, in-degrees K "
                             f"and the external input (K_ext, J_ext, nu_ext)")
    phi = _make_residual(firing_rate_func, firing_rate_params, input_dict, time_budget,
                         max_evaluations)
    fj = getattr(phi, "residual_and_jacobian", None)
    first = None
    if fixpoint_method == "newton" and fj is not None:
        first = fj(nu)      # the unchecked one-pass evaluation; on trouble the checked one
        if not (np.all(np.isfinite(first[0])) and np.all(np.isfinite(first[1]))):
            first = None
    start = phi(nu) if first is None else first[0] + nu
    if not np.all(np.isfinite(start)):
        raise ValueError(f"the firing rates are not finite at nu_0 (Phi = {start} Hz for "
                         f"mu = {inputs.get('mu')} V, sigma = {inputs.get('sigma')} V): the "
                         f"parameters are outside the range of the rate formula")

    if fixpoint_method == "ODE":
        return _solve_ode(phi, nu, eps_tol, t_max_ODE, maxiter_ODE)
    if fixpoint_method == "LSTSQ":
        return _solve_lstsq(phi, nu, eps_tol, dim)
    return _solve_newton(phi, nu, rtol, maxiter_newton, maxiter_ODE, first)


def _newton_analytic(fj: Callable, nu: np.ndarray, rtol: float, maxiter: int,
                     first: tuple | None = None
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
    """:func:`_newton` with the analytic Jacobian: ``fj(nu) -> (F, dF/dnu)`` gives both in
    one evaluation, so a step costs one evaluation (plus one per halving of the step);
    ``first`` is ``fj(nu)`` if already known.  Returns (nu, F, dF/dnu, converged)."""
    f, jac = fj(nu) if first is None else first
    for _ in range(maxiter):
        if np.all(np.abs(f) <= _tolerance(nu, rtol)):
            return nu, f, jac, True
        # LAPACK directly (numpy's wrapper costs more than the 8 x 8 solve itself)
        _, _, step, info = sla.lapack.dgesv(jac, -f)
        if info != 0:                   # singular Jacobian
            step = np.linalg.lstsq(jac, -f, rcond=None)[0]
        if not np.all(np.isfinite(step)):
            break
        norm = math.sqrt(f @ f)
        damping = 1.0
        while damping > 1e-6:
            trial = np.maximum(nu + damping * step, 0.0)
            f_trial, jac_trial = fj(trial)
            if (math.sqrt(f_trial @ f_trial) < norm
                    or np.all(np.abs(f_trial) <= _tolerance(trial, rtol))):
                break
            damping *= 0.5
        else:
            break
        nu, f, jac = trial, f_trial, jac_trial
    return nu, f, jac, bool(np.all(np.abs(f) <= _tolerance(nu, rtol)))


def _solve_ode(phi: Callable, nu: np.ndarray, eps_tol: float, t_max: float,
               maxiter: int) -> np.ndarray:
    def rhs(_, x):
        return phi(x) - x

    eps = np.inf
    for _ in range(maxiter):
        sol = sint.solve_ivp(rhs, [0, t_max], nu, t_eval=[t_max - 1, t_max], method="LSODA")
        if not sol.success:
            raise RuntimeError(f"ODE integration of the rate dynamics failed: {sol.message}")
        eps = float(np.max(np.abs(sol.y[:, 1] - sol.y[:, 0])))
        nu = sol.y[:, 1]
        if eps < eps_tol:
            return nu
    raise RuntimeError(f"ODE fixed-point iteration did not converge after {maxiter} "
                       f"intervals; last maximum change {eps:e} Hz, desired {eps_tol:e} Hz")


def _solve_lstsq(phi: Callable, nu: np.ndarray, eps_tol: float, dim: int) -> np.ndarray:
    res = sopt.least_squares(lambda x: phi(x) - x, nu, bounds=(0, np.inf))
    if res.cost / dim < eps_tol:
        return res.x
    raise RuntimeError(f"least squares stopped in a local minimum after {res.nfev} "
                       f"evaluations; mean squared residual {res.cost / dim:e} Hz^2, "
                       f"desired {eps_tol:e}")


def _tolerance(nu: np.ndarray, rtol: float) -> np.ndarray:
    """|F_i| allowed at convergence: rtol·nu_i + 1e-14·max(1, max nu) (per system on the
    last axis)."""
    scale = np.maximum(1.0, np.max(np.abs(nu), axis=-1, keepdims=True))
    return rtol * np.abs(nu) + 1e-14 * scale


def _jacobian(phi: Callable, nu: np.ndarray, f0: np.ndarray) -> np.ndarray:
    """d F / d nu by forward differences, all columns in one batched evaluation."""
    steps = 1e-7 * np.maximum(np.abs(nu), 1e-3)
    batch = nu[None, :] + np.diag(steps)
    f = phi(batch) - batch
    return (f - f0[None, :]).T / steps[None, :]


def _relax(phi: Callable, nu: np.ndarray, maxiter: int) -> np.ndarray:
    """Integrate the rate dynamics until the relative residual is below 1e-3."""
    def rhs(_, x):
        return phi(x) - x

    for _ in range(maxiter):
        residual = phi(nu) - nu
        if np.all(np.abs(residual) <= 1e-3 * np.abs(nu) + 1e-6):
            return nu
        sol = sint.solve_ivp(rhs, [0, 5.0], nu, method="LSODA", rtol=1e-6, atol=1e-9)
        if not sol.success:
            raise RuntimeError(f"relaxation of the rate dynamics failed: {sol.message}")
        nu = np.maximum(sol.y[:, -1], 0.0)
    raise RuntimeError(f"rate dynamics did not settle after {maxiter} relaxation intervals "
                       f"(5 time units each); last max residual "
                       f"{np.max(np.abs(phi(nu) - nu)):e} Hz. The network may have no "
                       f"stable fixed point; try fixpoint_method='LSTSQ' with a guess nu_0")


def _newton(phi: Callable, nu: np.ndarray, rtol: float, maxiter: int
            ) -> tuple[np.ndarray, np.ndarray, bool, int]:
    """Damped Newton on F = Phi(nu) − nu, rates kept >= 0. Returns (nu, F, converged, its)."""
    f = phi(nu) - nu
    for iteration in range(maxiter):
        if np.all(np.abs(f) <= _tolerance(nu, rtol)):
            return nu, f, True, iteration
        jac = _jacobian(phi, nu, f)
        try:
            step = np.linalg.solve(jac, -f)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(jac, -f, rcond=None)[0]
        if not np.all(np.isfinite(step)):
            break
        norm = np.linalg.norm(f)
        damping = 1.0
        while damping > 1e-6:
            trial = np.maximum(nu + damping * step, 0.0)
            f_trial = phi(trial) - trial
            if (np.linalg.norm(f_trial) < norm
                    or np.all(np.abs(f_trial) <= _tolerance(trial, rtol))):
                break
            damping *= 0.5
        else:
            break
        nu, f = trial, f_trial
    return nu, f, bool(np.all(np.abs(f) <= _tolerance(nu, rtol))), maxiter


def _is_stable(phi: Callable, nu: np.ndarray, f: np.ndarray) -> bool:
    """Linear stability of the rate dynamics d nu/ds = Phi(nu) − nu at ``nu``
    (``f`` = Phi(nu) − nu there)."""
    eigenvalues = np.linalg.eigvals(_jacobian(phi, nu, f))
    return bool(np.all(eigenvalues.real < 0))


def _solve_newton(phi: Callable, nu: np.ndarray, rtol: float, maxiter: int,
                  maxiter_relax: int, first: tuple | None = None) -> np.ndarray:
    # Fast path: Newton straight from the initial guess, accepted if it lands on a
    # linearly stable fixed point (the one the rate dynamics would relax to).
    start = nu
    fj = getattr(phi, "residual_and_jacobian", None)
    if fj is not None:
        nu, f, jac, converged = _newton_analytic(fj, start, rtol, maxiter, first)
        if converged and np.all(np.isfinite(jac)) and np.all(np.linalg.eigvals(jac).real < 0):
            return nu
    else:
        nu, f, converged, _ = _newton(phi, start, rtol, maxiter)
        if converged and _is_stable(phi, nu, f):
            return nu
    # Robust path: relax the rate dynamics into the basin of a stable fixed point.
    relaxed = _relax(phi, start, maxiter_relax)
    if fj is not None:
        nu, f, _, converged = _newton_analytic(fj, relaxed, rtol, maxiter)
        iterations = maxiter
    if fj is None or not converged:
        nu, f, converged, iterations = _newton(phi, relaxed, rtol, maxiter)
    if converged:
        return nu
    residual = float(np.max(np.abs(f)))
    if np.all(np.abs(f) <= _tolerance(nu, 1e3 * rtol)):
        warnings.warn(f"Newton polish reached only {residual:e} Hz max residual",
                      RuntimeWarning, stacklevel=3)
        return nu
    raise RuntimeError(f"Newton iteration for the firing rates did not converge after "
                       f"{iterations} iterations; last max residual {residual:e} Hz")


def _batched_newton(residual_and_jacobian: Callable, nu: np.ndarray, rtol: float = 1e-12,
                    maxiter: int = 100) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Damped Newton for many independent rate systems at once.

    Parameters
    ----------
    residual_and_jacobian : callable
        ``f(nu, index) -> (F, dF/dnu)`` for the systems ``index`` (an index array or
        slice into the G systems) at rates ``nu`` of shape (len(index), n): residuals
        and Jacobians (…, n, n) of ``F = Phi(nu) - nu``.
    nu : array (G, n)
        Initial rates (Hz).

    Returns
    -------
    nu, converged, stable : arrays of shapes (G, n), (G,), (G,)
        ``stable`` marks linearly stable fixed points of ``d nu/ds = F(nu)`` (all
        eigenvalues of dF/dnu with negative real part).  Systems that did not converge
        or are unstable are for the caller to solve one by one.
    """
    nu = np.array(nu, dtype=float)
    F, jac = residual_and_jacobian(nu, slice(None))
    stalled = np.zeros(len(nu), dtype=bool)
    for _ in range(maxiter):
        converged = np.all(np.abs(F) <= _tolerance(nu, rtol), axis=1)
        active = ~converged & np.all(np.isfinite(F), axis=1) & ~stalled
        if not np.any(active):
            break
        idx = np.flatnonzero(active)
        try:
            step = np.linalg.solve(jac[idx], -F[idx][..., None])[..., 0]
        except np.linalg.LinAlgError:
            break
        norm = np.linalg.norm(F[idx], axis=1)
        damping = np.ones(idx.size)
        pending = np.ones(idx.size, dtype=bool)
        new_nu, new_F, new_jac = nu[idx].copy(), F[idx].copy(), jac[idx].copy()
        for _ in range(20):
            trial = np.maximum(nu[idx] + damping[:, None] * step, 0.0)
            F_trial, jac_trial = residual_and_jacobian(trial, idx)
            better = pending & (np.linalg.norm(F_trial, axis=1) < norm)
            new_nu[better], new_F[better], new_jac[better] = (trial[better], F_trial[better],
                                                              jac_trial[better])
            pending &= ~better
            if not np.any(pending):
                break
            damping[pending] *= 0.5
        nu[idx], F[idx], jac[idx] = new_nu, new_F, new_jac
        stalled[idx[pending]] = True     # no descent along the Newton direction
    converged = np.all(np.abs(F) <= _tolerance(nu, rtol), axis=1)
    stable = np.zeros(len(nu), dtype=bool)
    finite = np.all(np.isfinite(jac), axis=(1, 2))
    stable[finite] = np.all(np.linalg.eigvals(jac[finite]).real < 0, axis=1)
    return nu, converged, stable
