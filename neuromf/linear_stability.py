"""Linear stability of networks with a constant delay (rate models and LIF networks).

A linear rate network τ dr/dt = −r(t) + W r(t − d) has solutions r ∝ e^{λt} whose
temporal eigenvalues λ solve the characteristic equation

    (1 + λτ) e^{λd} = c,

with c an eigenvalue of the connectivity W (for spatially structured networks
c = ξ(k), the eigenvalue of ``W ∘ p̂(k)``).  Its roots are given by all branches of
the Lambert W function (Helias et al. 2013, Eq. 8; Senk et al. 2020, Eq. 7):

    λ_n = −1/τ + W_n(c (d/τ) e^{d/τ}) / d,   n ∈ ℤ.

:func:`_linear_interpolation_alpha` follows these eigenvalues while the low-pass
transfer function of the rate model is deformed into the transfer function of the
spiking (LIF) network (Senk et al. 2020, Sec. F and Fig. 6).  The parameter-level
functions live in :mod:`neuromf.special._chareq` (Lambert W roots), :mod:`neuromf.spatial`
(rate model with spatial profiles) and :mod:`neuromf.alpha_interpolation`; this module
re-exports them and holds the network-level functions.

Parameter functions
-------------------
_solve_chareq_lambertw_constant_delay, _solve_chareq_rate_boxcar,
_eigenvals_branches_rate, _linear_interpolation_alpha

Network functions
-----------------
solve_chareq_rate_boxcar, eigenvals_branches_rate, linear_interpolation_alpha
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .alpha_interpolation import (  # noqa: F401  (parameter level)
    _continue_in_alpha,
    _d_lambda_d_alpha,
    _EffectiveCoupling,
    _integrate_in_alpha,
    _lif_transfer_function_callable,
    _lif_transfer_function_complex,
    _linear_interpolation_alpha,
    _newton_chareq,
    _xi_alpha,
)
from .spatial import (  # noqa: F401  (rate-model eigenvalues, re-exported)
    _critical_eigenvalue,
    _effective_profile,
    _eigenvals_branches_rate,
    _network_lookup,
    _rate_model_params,
    _solve_chareq_rate_boxcar,
)
from .special._chareq import _branches, _lambertw_roots, _unique_value
from .utils import _cache, check_finite, get_required_results

__all__ = [
    "_solve_chareq_lambertw_constant_delay",
    "_solve_chareq_rate_boxcar",
    "_eigenvals_branches_rate",
    "_linear_interpolation_alpha",
    "solve_chareq_rate_boxcar",
    "eigenvals_branches_rate",
    "linear_interpolation_alpha",
]

_prefix = "linear_stability."


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------

def _check_delay_distribution(network: Any) -> None:
    p = network.network_params
    sd = p.get("Delay_sd")
    if sd is not None and np.any(np.asarray(sd) > 0) and p.get("delay_dist", "none") != "none":
        raise ValueError(
            "the Lambert W solution of the characteristic equation assumes constant delays; "
            f"the network has delay_dist = {p.get('delay_dist')!r} with Delay_sd > 0")


# ---------------------------------------------------------------------------
# Lambert W solutions
# ---------------------------------------------------------------------------

def _solve_chareq_lambertw_constant_delay(branch_nr: Any, tau: Any, delay: Any,
                                          connectivity: Any,
                                          all_eigenvalues: bool = False) -> Any:
    """Temporal eigenvalue(s) of a linear network with one time constant and delay.

    Solves (1 + λτ) e^{λd} = c exactly with the Lambert W function (Helias et al.
    2013, Eq. 8; Senk et al. 2020, Eq. 7):
    λ = −1/τ + W_n(c d/τ e^{d/τ}) / d.  As in NNMT, ``c`` is the eigenvalue of the
    connectivity with the largest modulus (for the rank-one connectivity of an E-I
    network whose populations receive identical input, the only non-zero one).

    Parameters
    ----------
    branch_nr : int or array_like of int
        Branch number(s) n of the Lambert W function.  For real c the roots on
        branches 0 and −1 are either both real or a complex-conjugate pair, and they
        have the largest real part of all roots.
    tau : float or array_like
        Time constant(s) in s; all entries must be equal.
    delay : float or array_like
        Delay(s) in s; all entries must be equal and > 0.
    connectivity : float or array_like
        Connectivity matrix (dimensionless), shape (n, n) or a stack (..., n, n),
        or the scalar eigenvalue c itself.  For spatial networks this is the weight
        matrix times the Fourier transform of the spatial profiles at one k.
    all_eigenvalues : bool
        If True, solve for every eigenvalue of the connectivity (last axis of the
        result) instead of the one with the largest modulus.

    Returns
    -------
    complex or numpy.ndarray
        Eigenvalue(s) λ in 1/s, shape ``shape(branch_nr) + stack shape`` (plus a
        last axis of length n with ``all_eigenvalues``).  For c = 0 only branch 0
        has a root (λ = −1/τ); the other branches give −inf.

    Raises
    ------
    ValueError
        If taus or delays differ between populations (no Lambert W solution), are
        not > 0, or branch_nr is not an integer.
    """
    t = _unique_value("tau", tau, "s")
    d = _unique_value("delay", delay, "s")
    conn = check_finite("connectivity", np.asarray(connectivity))
    if conn.ndim == 0:
        c = conn.astype(complex)
    else:
        if conn.ndim < 2 or conn.shape[-1] != conn.shape[-2]:
            raise ValueError(f"connectivity must be a scalar or (stacks of) square "
                             f"matrices, got shape {conn.shape}")
        c = np.linalg.eigvals(conn) if all_eigenvalues else _critical_eigenvalue(conn)
    out = _lambertw_roots(branch_nr, c, t, d)
    return out[()] if out.ndim == 0 else out


# ---------------------------------------------------------------------------
# network level
# ---------------------------------------------------------------------------

def _rate_params(network: Any) -> dict:

    _check_delay_distribution(network)
    rate = _rate_model_params(network)
    return {
        "tau": rate["tau_rate"],
        "W_rate": rate["W_rate"],
        "width": _network_lookup(network, "width"),
        "delay": _network_lookup(network, "Delay"),
    }


def _default_branches(network: Any, branches: Any) -> np.ndarray:
    if branches is not None:
        return np.atleast_1d(_branches(branches))
    if "branches" in network.analysis_params:
        return np.atleast_1d(_branches(network.analysis_params["branches"]))
    return np.arange(-2, 3)


def solve_chareq_rate_boxcar(network: Any, branch: int = 0, profile: str = "boxcar"
                             ) -> np.ndarray:
    """Rate-model eigenvalues on one Lambert W branch for the network's wavenumbers.

    See :func:`_solve_chareq_rate_boxcar`.  Needs ``tau_rate`` and ``W_rate``
    (:func:`neuromf.rate_mapping.fit_transfer_function`), ``width`` and ``Delay``
    (all equal) and ``analysis_params['k_wavenumbers']``.  Stored under
    'linear_stability.eigenvalues_rate_boxcar' (Senk et al. 2020, Eq. 7).

    Parameters
    ----------
    network : neuromf.models.Network
        Network with ``tau_rate`` and ``W_rate`` in its results
        (:func:`neuromf.rate_mapping.fit_transfer_function`), ``width`` and equal ``Delay``
        in ``network_params`` and ``k_wavenumbers`` (1/m) in ``analysis_params``.
    branch : int, optional
        Branch of the Lambert W function (default 0, the principal branch).
    profile : {'boxcar', 'exponential', 'gaussian'}, optional
        Shape of the spatial connectivity profiles (default boxcar).

    Returns
    -------
    numpy.ndarray
        λ(k) in 1/s, shape (n_k,).
    """

    params = _rate_params(network)
    params.update(branch=int(branch),
                  k=_network_lookup(network, "k_wavenumbers", "analysis_params"),
                  profile=profile)
    return _cache(network, _solve_chareq_rate_boxcar, params,
                  _prefix + "eigenvalues_rate_boxcar", "1 / second")


def eigenvals_branches_rate(network: Any, branches: Any = None, profile: str = "boxcar"
                            ) -> tuple[float, int, complex, np.ndarray]:
    """Rate-model eigenvalues for several branches over the network's wavenumbers.

    See :func:`_eigenvals_branches_rate`.  ``branches`` defaults to
    ``analysis_params['branches']`` if given, else −2 … 2.  Results are stored
    under 'linear_stability.k_eig_max', '.idx_k_eig_max', '.eigenval_max' and
    '.eigenvals_rate' (Senk et al. 2020, Eq. 7 and Fig. 6 at α = 0).

    Parameters
    ----------
    network : neuromf.models.Network
        Network with ``tau_rate`` and ``W_rate`` in its results
        (:func:`neuromf.rate_mapping.fit_transfer_function`), ``width`` and equal ``Delay``
        in ``network_params`` and ``k_wavenumbers`` (1/m) in ``analysis_params``.
    branches : array_like of int, optional
        Lambert W branches.
    profile : {'boxcar', 'exponential', 'gaussian'}, optional
        Shape of the spatial connectivity profiles (default boxcar).

    Returns
    -------
    k_eig_max : float
        Wavenumber (1/m) of the eigenvalue with the largest real part.
    idx_k_eig_max : int
        Its index in ``k_wavenumbers``.
    eigenval_max : complex
        That eigenvalue (1/s).
    eigenvals : numpy.ndarray
        All eigenvalues in 1/s, shape (n_branches, n_k).
    """

    params = _rate_params(network)
    params.update(k_wavenumbers=_network_lookup(network, "k_wavenumbers", "analysis_params"),
                  branches=_default_branches(network, branches), profile=profile)
    return _cache(network, _eigenvals_branches_rate, params,
                  [_prefix + k for k in ("k_eig_max", "idx_k_eig_max", "eigenval_max",
                                         "eigenvals_rate")],
                  ["1 / meter", None, "1 / second", "1 / second"])


def linear_interpolation_alpha(network: Any, branches: Any = None, alphas: Any = None,
                               method: str = "shift", profile: str = "boxcar",
                               integral: bool = True) -> tuple:
    """Interpolate eigenvalues from the fitted rate model to the LIF network.

    See :func:`_linear_interpolation_alpha`.  Needs the working point
    ('lif.exp.mean_input', 'lif.exp.std_input'), the fit results ('lif.exp.tau_rate',
    'lif.exp.W_rate'), ``width`` and equal ``Delay``.  Results are stored under
    'linear_stability.alphas', '.lambdas_chareq', '.lambdas_integral',
    '.k_eig_max', '.eigenval_max' and '.eigenvals_rate' (Senk et al. 2020, Sec. F and
    Fig. 6).

    Parameters
    ----------
    network : neuromf.models.Network
        Network with ``tau_rate`` and ``W_rate`` in its results
        (:func:`neuromf.rate_mapping.fit_transfer_function`), ``width`` and equal ``Delay``
        in ``network_params``, the working point and the neuron parameters
        ``tau_m``, ``tau_s``, ``tau_r``, ``V_0_rel``, ``V_th_rel``, ``J``, ``K``, and
        ``k_wavenumbers`` (1/m) in ``analysis_params``.
    branches : array_like of int, optional
        Lambert W branches to follow.
    alphas : array_like, optional
        Interpolation parameters in [0, 1], increasing, starting at 0 (0: rate model,
        1: LIF network); default ``linspace(0, 1, 5)``.
    method : {'shift', 'taylor'}, optional
        Method of the LIF transfer function.
    profile : {'boxcar', 'exponential', 'gaussian'}, optional
        Shape of the spatial connectivity profiles (default boxcar).
    integral : bool, optional
        Also integrate dλ/dα as an independent check (default True).

    Returns
    -------
    alphas : numpy.ndarray
        Shape (n_alpha,).
    lambdas_chareq : numpy.ndarray
        Eigenvalues (1/s) from continuation, shape (n_branches, n_alpha).
    lambdas_integral : numpy.ndarray or None
        Eigenvalues (1/s) from integrating dλ/dα (None without ``integral``).
    k_eig_max : float
        Wavenumber (1/m) of the most unstable rate-model mode.
    eigenval_max : complex
        Most unstable rate-model eigenvalue (1/s).
    eigenvals : numpy.ndarray
        Rate-model eigenvalues in 1/s, shape (n_branches, n_k).
    """

    rate = _rate_params(network)
    wp = get_required_results(network, ["mu", "sigma"],
                              ["lif.exp.mean_input", "lif.exp.std_input"])
    p = network.network_params
    params = {
        "k_wavenumbers": _network_lookup(network, "k_wavenumbers", "analysis_params"),
        "branches": _default_branches(network, branches),
        "tau_rate": rate["tau"], "W_rate": rate["W_rate"], "width": rate["width"],
        "delay": rate["delay"], "mu": wp["mu"], "sigma": wp["sigma"],
        "alphas": alphas, "method": method, "profile": profile, "integral": integral,
    }
    for name in ("tau_m", "tau_s", "tau_r", "V_0_rel", "V_th_rel", "J", "K"):
        if name not in p:
            raise RuntimeError(f"linear_interpolation_alpha needs the network parameter "
                               f"{name!r}")
        params[name] = p[name]
    return _cache(network, _linear_interpolation_alpha, params,
                  [_prefix + k for k in ("alphas", "lambdas_chareq", "lambdas_integral",
                                         "k_eig_max", "eigenval_max", "eigenvals_rate")],
                  [None, "1 / second", "1 / second", "1 / meter", "1 / second",
                   "1 / second"])
