"""Low-pass fit of the LIF transfer function: the rate model of a LIF network.

Senk et al. 2020, Sec. F and App. F: each population's transfer function is fitted by a
first-order low-pass ``h0 / (1 + i omega tau_rate)`` over the analysis frequencies, which
gives the rate model's time constant ``tau_rate`` and weights ``W_rate = h0 tau_m K∘J``
(Senk 2020, Fig. 5); also over grids of mean and std of the input.
:mod:`neuromf.rate_mapping` re-exports these functions beside the external rates for a
fixed working point and the effective coupling strength.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
from tqdm import tqdm

from . import conventions
from .special._siegert import shift_firing_rate, taylor_firing_rate
from .utils import (
    _cache,
    check_choice,
    check_finite,
    check_positive,
    get_required_results,
)

_prefix = "lif.exp."
_METHODS = ("shift", "taylor")


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------

def _target_rates(mu_set, sigma_set, V_0_rel, V_th_rel, tau_m, tau_r, tau_s, method):
    """Stationary rates at the target working point (Fourcaud & Brunel 2002)."""
    check_choice("method", method, _METHODS)
    func = shift_firing_rate if method == "shift" else taylor_firing_rate
    nu = np.atleast_1d(np.asarray(func(mu_set, sigma_set, V_0_rel, V_th_rel, tau_m, tau_r,
                                       tau_s), dtype=float))
    if np.any(nu < 0):
        raise ValueError(
            f"the 'taylor' rate is negative ({nu}) at the target working point "
            f"mu_set = {mu_set} V, sigma_set = {sigma_set} V (strongly subthreshold input, "
            "where the first-order expansion breaks down); use method='shift'")
    return nu


# ---------------------------------------------------------------------------
# low-pass fit of the transfer function
# ---------------------------------------------------------------------------

def _fit_low_pass(transfer_function: Any, omegas: Any, maxiter: int = 100,
                  tol: float = 1e-13) -> tuple[np.ndarray, ...]:
    """Least-squares fit of |H(ω)| by |h0 / (1 + iωτ)| for every column of H.

    Minimises Σ_ω (|H(ω)| − h0 / √(1 + ω²τ²))² (Senk et al. 2020, Sec. F, the
    criterion of lif_meanfield_tools / NNMT).  All columns are fitted at once:
    the start values come from the exact linear relation
    1/|H|² = 1/h0² + (τ/h0)² ω² of a low-pass, then Gauss–Newton steps with a
    closed-form 2 × 2 normal-equation solve (step halving keeps the cost
    decreasing).  Fit errors follow the convention of ``scipy.optimize.curve_fit``
    (covariance s² (JᵀJ)⁻¹ with s² = RSS / (n_ω − 2)).

    Parameters
    ----------
    transfer_function : array_like
        Complex (or real) transfer functions, shape (n_ω, ...) ; the fit runs over
        axis 0 independently for every trailing index.
    omegas : array_like
        Angular frequencies in rad/s, shape (n_ω,), at least 3 distinct values.

    Returns
    -------
    fit : numpy.ndarray
        h0 / (1 + iωτ), same shape as ``transfer_function`` (complex).
    tau : numpy.ndarray
        Fitted time constants in s, shape (...), ≥ 0.
    h0 : numpy.ndarray
        Fitted zero-frequency gains (units of H), > 0.
    fit_error : numpy.ndarray
        Combined relative error √(err_tau² + err_h0²) (NNMT's ``fit_error``).
    err_tau, err_h0 : numpy.ndarray
        Relative one-standard-deviation errors of τ and h0.
    """
    H = np.asarray(transfer_function)
    check_finite("transfer_function", H)
    w = check_finite("omegas", np.asarray(omegas, dtype=float), "rad/s")
    if w.ndim != 1 or H.shape[:1] != w.shape:
        raise ValueError(f"transfer_function must have the frequencies on axis 0 "
                         f"(shape {H.shape}) matching omegas (shape {w.shape})")
    if np.unique(np.abs(w)).size < 3:
        raise ValueError("the low-pass fit needs at least 3 distinct frequencies")
    y = np.abs(H).reshape(w.size, -1)
    if np.any(np.all(y == 0, axis=0)):
        raise ValueError("a transfer function is zero at all frequencies; nothing to fit")
    w2 = (w**2)[:, None]

    # start: weighted linear fit of 1/|H|^2 = p + q ω² (weights |H|^4 ~ relative errors)
    mask = y > 0
    inv = np.where(mask, 1.0 / np.where(mask, y, 1.0) ** 2, 0.0)
    wt = np.where(mask, y**4, 0.0)
    s0, s1, s2 = wt.sum(0), (wt * w2).sum(0), (wt * w2**2).sum(0)
    t0, t1 = (wt * inv).sum(0), (wt * inv * w2).sum(0)
    det = s0 * s2 - s1**2
    with np.errstate(divide="ignore", invalid="ignore"):
        p = (s2 * t0 - s1 * t1) / det
        q = (s0 * t1 - s1 * t0) / det
    p = np.where(np.isfinite(p) & (p > 0), p, 1.0 / np.max(y, axis=0) ** 2)
    q = np.where(np.isfinite(q) & (q > 0), q, 0.0)
    h0 = 1.0 / np.sqrt(p)
    tau = np.sqrt(q) * h0

    def model(h0_, tau_):
        return h0_ / np.sqrt(1.0 + w2 * tau_**2)

    def rss(h0_, tau_):
        return np.sum((y - model(h0_, tau_)) ** 2, axis=0)

    # Gauss-Newton in relative parameters (h0 (1 + u), tau (1 + v)): well scaled normal
    # equations; near the minimum full steps are taken (quadratic convergence)
    tau = np.where(tau > 0, tau, 1e-3 / np.max(np.abs(w)))
    cost = rss(h0, tau)
    done = np.zeros(h0.shape, dtype=bool)
    for _ in range(maxiter):
        den = 1.0 + w2 * tau**2
        f = h0 / np.sqrt(den)
        j1, j2 = f, -f * w2 * tau**2 / den
        r = y - f
        a11, a12, a22 = (j1**2).sum(0), (j1 * j2).sum(0), (j2**2).sum(0)
        g1, g2 = (j1 * r).sum(0), (j2 * r).sum(0)
        det = a11 * a22 - a12**2
        ok = det > 1e-14 * a11 * a22
        with np.errstate(divide="ignore", invalid="ignore"):
            u = np.where(ok, (a22 * g1 - a12 * g2) / det, g1 / a11)
            v = np.where(ok, (a11 * g2 - a12 * g1) / det, 0.0)
        step = np.ones_like(h0)
        small = np.maximum(np.abs(u), np.abs(v)) < 1e-6
        new_h0, new_tau = h0 * (1 + u), np.abs(tau * (1 + v))
        new_cost = rss(new_h0, new_tau)
        for _ in range(40):
            worse = (new_cost > cost) & ~small
            if not np.any(worse):
                break
            step = np.where(worse, 0.5 * step, step)
            new_h0 = np.where(worse, h0 * (1 + step * u), new_h0)
            new_tau = np.where(worse, np.abs(tau * (1 + step * v)), new_tau)
            new_cost = np.where(worse, rss(new_h0, new_tau), new_cost)
        accept = (new_cost <= cost) | small
        converged = np.maximum(np.abs(step * u), np.abs(step * v)) <= tol
        h0 = np.where(accept, new_h0, h0)
        tau = np.where(accept, new_tau, tau)
        cost = np.where(accept, new_cost, cost)
        done = converged | ~accept
        if np.all(done):
            break
    if not np.all(done):
        raise RuntimeError(
            f"the low-pass fit did not converge in {maxiter} Gauss-Newton iterations for "
            f"{int(np.sum(~done))} transfer function(s); last relative steps "
            f"{np.max(np.abs(u[~done])):.3g}, residual sum of squares {np.max(cost[~done]):.3g}")

    # scipy.optimize.curve_fit convention for the parameter covariance
    den = 1.0 + w2 * tau**2
    d_h0 = 1.0 / np.sqrt(den)
    d_tau = -h0 * w2 * tau / den**1.5
    a11, a12, a22 = (d_h0**2).sum(0), (d_h0 * d_tau).sum(0), (d_tau**2).sum(0)
    det = a11 * a22 - a12**2
    s2 = cost / (w.size - 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        var_h0 = s2 * a22 / det
        var_tau = s2 * a11 / det
        err_h0 = np.sqrt(var_h0) / np.abs(h0)
        err_tau = np.sqrt(var_tau) / np.abs(tau)
    err_tau = np.where(cost == 0, 0.0, err_tau)
    err_h0 = np.where(cost == 0, 0.0, err_h0)
    fit_error = np.sqrt(err_tau**2 + err_h0**2)
    fit = h0 / (1.0 + 1j * w[:, None] * tau)
    trailing = H.shape[1:]
    return (fit.reshape(H.shape), tau.reshape(trailing), h0.reshape(trailing),
            fit_error.reshape(trailing), err_tau.reshape(trailing), err_h0.reshape(trailing))


def _fit_transfer_function(transfer_function: Any, omegas: Any, tau_m: Any, J: Any,
                           K: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Fit the LIF transfer function by a low-pass and derive the rate model.

    Senk et al. 2020, Sec. F and Fig. 5(b, c): each population's transfer function
    H_a(ω) is fitted by h0_a / (1 + iωτ_a) (see :func:`_fit_low_pass`); the rate
    model τ_a dr_a/dt = −r_a + Σ_b W_ab r_b(t − d) then has the weights

        W_rate[a, b] = h0_a τ_m,a K_ab J_ab,

    the zero-frequency limit of the effective connectivity (Bos et al. 2016,
    Eq. 12).  NNMT multiplies by h0 of the *source* population (numpy broadcasting);
    this differs only when the populations' transfer functions differ.

    Parameters
    ----------
    transfer_function : array_like
        Shape (n_ω, n) in Hz/V.
    omegas : array_like
        Angular frequencies in rad/s, shape (n_ω,).
    tau_m : float or array_like
        Membrane time constants in s.
    J : array_like
        Weights in V, (n, n).
    K : array_like
        In-degrees, (n, n).

    Returns
    -------
    transfer_function_fit : numpy.ndarray
        (n_ω, n) complex, Hz/V.
    tau_rate : numpy.ndarray
        (n,) in s.
    W_rate : numpy.ndarray
        (n, n), dimensionless.
    fit_error : numpy.ndarray
        (n,) combined relative fit error.
    """
    H = np.asarray(transfer_function)
    if H.ndim != 2:
        raise ValueError(f"transfer_function must have shape (n_omegas, n_populations), "
                         f"got {H.shape}")
    J = np.atleast_2d(np.asarray(J, dtype=float))
    K = np.atleast_2d(np.asarray(K, dtype=float))
    n = H.shape[1]
    if J.shape != (n, n) or K.shape != (n, n):
        raise ValueError(f"J and K must have shape ({n}, {n}), got {J.shape} and {K.shape}")
    tau_m = check_positive("tau_m", np.broadcast_to(np.asarray(tau_m, float), (n,)), "s")
    fit, tau_rate, h0, fit_error, _, _ = _fit_low_pass(H, omegas)
    # h0 and tau_m of the target (row); NNMT 1.3 broadcasts them over the source (column)
    gain = h0 * tau_m
    W_rate = (gain[None, :] if conventions.flag("tau_m_columns") else gain[:, None]) * K * J
    return fit, tau_rate, W_rate, fit_error


def _scan_fit_transfer_function_mean_std_input(
        mean_inputs: Any, std_inputs: Any, tau_m: float, tau_s: float, tau_r: float,
        V_0_rel: float, V_th_rel: float, omegas: Any, method: str = "shift",
        progress: bool = True, chunk_size: int = 64,
        transfer_function: Callable | None = None) -> dict:
    """Transfer function, its low-pass fit and the stationary rate on a (mu, sigma) grid.

    lif_meanfield_tools ``scan_fit_transfer_function_mean_std_input`` and Senk et al.
    2020, Fig. 5(a, c).  The grid points are treated as independent single
    populations and evaluated in vectorised chunks (a progress bar reports the
    chunks).

    Parameters
    ----------
    mean_inputs, std_inputs : array_like
        Grids of mu and sigma in V, shapes (n_mu,) and (n_sigma,).
    tau_m, tau_s, tau_r : float
        Time constants in s.
    V_0_rel, V_th_rel : float
        Reset and threshold relative to reset in V.
    omegas : array_like
        Angular frequencies in rad/s.
    method : {'shift', 'taylor'}
        Approximation for the transfer function and the rate.
    progress : bool
        Show a progress bar on stderr (drawn once the scan takes more than 1 s).
    chunk_size : int
        Grid points per vectorised call.
    transfer_function : callable, optional
        ``H(mu, sigma, omegas) -> (n_ω, n_points)`` replacing the LIF transfer
        function (other neuron models, tests).

    Returns
    -------
    dict
        'firing_rates' (Hz), 'tau_rate' (s), 'h0' (Hz/V), 'fit_error', 'err_tau',
        'err_h0', each of shape (n_mu, n_sigma); 'transfer_function' and
        'transfer_function_fit', shape (n_mu, n_sigma, n_ω).
    """
    mus = check_finite("mean_inputs", np.atleast_1d(np.asarray(mean_inputs, float)), "V")
    sigmas = check_positive("std_inputs", np.atleast_1d(np.asarray(std_inputs, float)),
                            "V")
    w = check_finite("omegas", np.asarray(omegas, dtype=float), "rad/s")
    check_choice("method", method, _METHODS)
    if int(chunk_size) < 1:
        raise ValueError(f"chunk_size must be >= 1, got {chunk_size}")
    MU, SIG = np.meshgrid(mus, sigmas, indexing="ij")
    mu_flat, sig_flat = MU.ravel(), SIG.ravel()
    if transfer_function is None:
        from .lif._transfer import _transfer_function

        def transfer_function(mu, sigma, om):
            ones = np.ones_like(mu)
            return _transfer_function(mu, sigma, tau_m * ones, tau_s * ones, tau_r * ones,
                                      V_th_rel * ones, V_0_rel * ones, om, method=method)

    n_pts = mu_flat.size
    H = np.empty((w.size, n_pts), dtype=complex)
    starts = range(0, n_pts, int(chunk_size))
    with tqdm(total=len(starts), desc="transfer function scan", delay=1.0,
              disable=None if progress else True) as bar:  # None: off unless a tty
        for s in starts:
            sl = slice(s, min(s + int(chunk_size), n_pts))
            H[:, sl] = np.asarray(transfer_function(mu_flat[sl], sig_flat[sl], w)).reshape(
                w.size, -1)
            bar.update()
    fit, tau, h0, fit_error, err_tau, err_h0 = _fit_low_pass(H, w)
    rates = _target_rates(mu_flat, sig_flat, V_0_rel, V_th_rel, tau_m, tau_r, tau_s, method)
    shape = MU.shape
    return {
        "firing_rates": rates.reshape(shape),
        "tau_rate": tau.reshape(shape),
        "h0": h0.reshape(shape),
        "fit_error": fit_error.reshape(shape),
        "err_tau": err_tau.reshape(shape),
        "err_h0": err_h0.reshape(shape),
        "transfer_function": np.moveaxis(H, 0, -1).reshape(shape + (w.size,)),
        "transfer_function_fit": np.moveaxis(fit, 0, -1).reshape(shape + (w.size,)),
    }


# ---------------------------------------------------------------------------
# network level
# ---------------------------------------------------------------------------

def _params(network: Any, names: Iterable[str], func_name: str) -> dict:
    out, missing = {}, []
    for name in names:
        if name in network.network_params:
            out[name] = network.network_params[name]
        else:
            missing.append(name)
    if missing:
        raise RuntimeError(f"{func_name} needs the network parameter(s) "
                           f"{', '.join(repr(m) for m in missing)}")
    return out


def fit_transfer_function(network: Any) -> tuple:
    """Fit the network's transfer function by low-passes (Senk et al. 2020, Fig. 5).

    See :func:`_fit_transfer_function`.  Needs 'lif.exp.transfer_function'.  Results
    are stored under 'lif.exp.transfer_function_fit', 'lif.exp.tau_rate',
    'lif.exp.W_rate' and 'lif.exp.fit_error'.

    Parameters
    ----------
    network : Network
        With ``tau_m``, ``J``, ``K``, ``analysis_params['omegas']`` and the result
        'lif.exp.transfer_function'.

    Returns
    -------
    transfer_function_fit, tau_rate, W_rate, fit_error : np.ndarray
        Fitted transfer functions (n_ω, n) in Hz/V, rate time constants (n,) in s,
        rate-model weights (n, n, dimensionless) and relative fit errors (n,); see
        :func:`_fit_transfer_function`.
    """
    params = _params(network, ["tau_m", "J", "K"], "fit_transfer_function")
    if "omegas" not in network.analysis_params:
        raise RuntimeError("fit_transfer_function needs analysis_params['omegas']")
    params["omegas"] = network.analysis_params["omegas"]
    params["transfer_function"] = get_required_results(
        network, ["transfer_function"], [_prefix + "transfer_function"])["transfer_function"]
    return _cache(network, _fit_transfer_function, params,
                  [_prefix + "transfer_function_fit", _prefix + "tau_rate",
                   _prefix + "W_rate", _prefix + "fit_error"],
                  ["hertz / volt", "second", None, None])


_SCAN_KEYS = ("firing_rates", "tau_rate", "h0", "fit_error", "err_tau", "err_h0",
              "transfer_function", "transfer_function_fit")
_SCAN_UNITS = ("hertz", "second", "hertz / volt", None, None, None, "hertz / volt",
               "hertz / volt")


def _scan_tuple(mean_inputs, std_inputs, tau_m, tau_s, tau_r, V_0_rel, V_th_rel, omegas,
                method="shift", progress=True):
    res = _scan_fit_transfer_function_mean_std_input(
        mean_inputs, std_inputs, tau_m, tau_s, tau_r, V_0_rel, V_th_rel, omegas,
        method=method, progress=progress)
    return tuple(res[k] for k in _SCAN_KEYS)


def scan_fit_transfer_function_mean_std_input(network: Any, mean_inputs: Any,
                                              std_inputs: Any, method: str = "shift",
                                              population: int = 0,
                                              progress: bool = True) -> dict:
    """Scan the low-pass fit over a (mu, sigma) grid for one population's neurons.

    See :func:`_scan_fit_transfer_function_mean_std_input`.  Neuron parameters are
    those of ``population``; frequencies are ``analysis_params['omegas']``.  Results
    are stored under 'rate_mapping.scan.<key>'.

    Parameters
    ----------
    network : Network
        Supplies the neuron parameters and ``analysis_params['omegas']``.
    mean_inputs, std_inputs : array_like
        Grids of mu and sigma in V.
    method : {'shift', 'taylor'}
        Approximation of the transfer function and the rate (Fourcaud & Brunel 2002;
        Schuecker et al. 2015).
    population : int
        Index of the population whose neuron parameters are used.
    progress : bool
        Show a progress bar on stderr.

    Returns
    -------
    dict
        As :func:`_scan_fit_transfer_function_mean_std_input`: 'firing_rates' (Hz),
        'tau_rate' (s), 'h0' (Hz/V), 'fit_error', 'err_tau', 'err_h0' on the grid.
    """
    p = _params(network, ["tau_m", "tau_s", "tau_r", "V_0_rel", "V_th_rel"],
                "scan_fit_transfer_function_mean_std_input")
    params = {k: float(np.ravel(np.asarray(v, float))[
        population if np.size(v) > 1 else 0]) for k, v in p.items()}
    if "omegas" not in network.analysis_params:
        raise RuntimeError("the scan needs analysis_params['omegas']")
    params.update(mean_inputs=np.asarray(mean_inputs, float),
                  std_inputs=np.asarray(std_inputs, float),
                  omegas=network.analysis_params["omegas"], method=method,
                  progress=progress)
    values = _cache(network, _scan_tuple, params,
                    ["rate_mapping.scan." + k for k in _SCAN_KEYS], list(_SCAN_UNITS))
    return dict(zip(_SCAN_KEYS, values, strict=True))
