"""Zero-frequency pairwise quantities between single neurons: the pairwise effective
connectivity (Helias et al. 2013, Eq. A.3), its spectral bound (Dahmen et al. 2019) and the
pairwise spike-count covariances (Layer et al. 2023, Eqs. 9, 11).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import erfcx

from .. import conventions
from ..special._siegert import ALPHA_SHIFT
from ..utils import (
    _cache,
    check_finite,
    get_required_network_params,
    get_required_results,
)
from ._inputs import (
    _PREFIX,
    _population_vector,
    _result,
    _solve,
)


def _pairwise_effective_connectivity(nu: Any, mu: Any, sigma: Any, J: Any, V_0_rel: Any,
                                     V_th_rel: Any, tau_m: Any, tau_s: Any) -> np.ndarray:
    """Static effective connectivity ``w_ab = d nu_a / d nu_b`` between single neurons.

    Helias et al. 2013, Eq. A.3 (used by Dahmen et al. 2019 and Layer et al. 2023):
    with ``mu_a = tau_m sum_b J_ab nu_b + ...`` and ``sigma_a² = tau_m sum_b J_ab² nu_b +
    ...``, ``w_ab = tau_m (d nu_a/d mu_a) J_ab + tau_m (d nu_a/d sigma_a²) J_ab²``, where
    ``nu_a`` is the Siegert rate with boundaries shifted by ``alpha/2 sqrt(tau_s/tau_m)``
    (Fourcaud & Brunel 2002).  Differentiating ``1/nu = tau_r + tau_m sqrt(pi)
    int_{y_r}^{y_th} erfcx(-u) du`` gives ``tau_m d nu/d mu = sqrt(pi) (tau_m nu)²/sigma
    [erfcx(-y_th') - erfcx(-y_r')]`` and ``tau_m d nu/d sigma² = sqrt(pi) (tau_m nu)² /
    (2 sigma²) [erfcx(-y_th') y_th - erfcx(-y_r') y_r]`` with ``y = (V - mu)/sigma``
    and the shifted ``y' = y + alpha/2 sqrt(tau_s/tau_m)``.

    Parameters
    ----------
    nu : array_like
        Stationary rates in Hz, shape ``(n,)`` (consistent with ``mu`` and ``sigma``).
    mu, sigma : array_like
        Mean and standard deviation of the input in V, shape ``(n,)``.
    J : array_like
        Weights in V, shape ``(n, n)`` [target, source].
    V_0_rel, V_th_rel : float or array_like
        Reset and threshold relative to the resting potential in V.
    tau_m, tau_s : float or array_like
        Membrane and synaptic time constants in s.

    Returns
    -------
    np.ndarray
        Dimensionless matrix of shape ``(n, n)``.
    """
    J = np.asarray(check_finite("J", J, "V"), dtype=float)
    if J.ndim != 2 or J.shape[0] != J.shape[1]:
        raise ValueError(f"J must be a square matrix (n, n) [target, source], got shape "
                         f"{J.shape}")
    n = J.shape[0]
    nu = _population_vector("nu", nu, n, "Hz", positive=True)
    mu = _population_vector("mu", mu, n, "V")
    sigma = _population_vector("sigma", sigma, n, "V", positive=True, allow_zero=False)
    V_0_rel = _population_vector("V_0_rel", V_0_rel, n, "V")
    V_th_rel = _population_vector("V_th_rel", V_th_rel, n, "V")
    tau_m = _population_vector("tau_m", tau_m, n, "s", positive=True, allow_zero=False)
    tau_s = _population_vector("tau_s", tau_s, n, "s", positive=True)
    if np.any(V_th_rel <= V_0_rel):
        raise ValueError(f"V_th_rel must exceed V_0_rel, got V_th_rel = {V_th_rel} V and "
                         f"V_0_rel = {V_0_rel} V")
    shift = 0.5 * ALPHA_SHIFT * np.sqrt(tau_s / tau_m)
    y_th = (V_th_rel - mu) / sigma
    y_r = (V_0_rel - mu) / sigma
    g_th = erfcx(-(y_th + shift))
    g_r = erfcx(-(y_r + shift))
    pre = np.sqrt(np.pi) * (tau_m * nu) ** 2
    d_mu = pre / sigma * (g_th - g_r)
    d_var = pre / (2 * sigma ** 2) * (g_th * y_th - g_r * y_r)
    return d_mu[:, None] * J + d_var[:, None] * J ** 2


def _spectral_bound(J_eff: Any) -> float:
    """Spectral bound: the largest real part of the eigenvalues of ``J_eff``.

    Dahmen et al. 2019; Layer et al. 2023.  The linearised dynamics is stable for a
    bound below 1.

    Parameters
    ----------
    J_eff : array_like
        Pairwise effective connectivity, shape ``(n, n)``.

    Returns
    -------
    float
        ``max Re lambda``.  (NNMT 1.3 returns its absolute value, which misreports
        networks whose eigenvalues all have negative real parts.)
    """
    J_eff = np.asarray(check_finite("J_eff", J_eff))
    if J_eff.ndim != 2 or J_eff.shape[0] != J_eff.shape[1]:
        raise ValueError(f"J_eff must be a square matrix, got shape {J_eff.shape}")
    bound = float(np.linalg.eigvals(J_eff).real.max())
    # NNMT 1.3: |max Re lambda| (flag spectral_bound_abs of the NNMT convention)
    return abs(bound) if conventions.flag("spectral_bound_abs") else bound


def _pairwise_covariances(J_eff: Any, nu: Any, cvs: Any,
                          return_noise_strength: bool = False
                          ) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Zero-frequency covariances of the spike counts of all pairs of neurons.

    Layer et al. 2023, Eqs. 9 and 11 (Dahmen et al. 2019): ``C = A diag(D) A^T`` with
    ``A = (1 - J_eff)^-1``; the effective noise strengths ``D`` are fixed by requiring
    the variances to equal the renewal-process value ``C_aa = cv_a² nu_a``, i.e.
    ``(A o A) D = cv² nu`` (o: element-wise product).

    Parameters
    ----------
    J_eff : array_like
        Pairwise effective connectivity, shape ``(n, n)``.
    nu : array_like
        Rates in Hz, shape ``(n,)``.
    cvs : array_like
        Coefficients of variation of the inter-spike intervals, shape ``(n,)``.
    return_noise_strength : bool
        Also return ``D``.

    Returns
    -------
    np.ndarray
        Covariance matrix in Hz, shape ``(n, n)`` (and ``D`` in Hz if requested).
    """
    J_eff = np.asarray(check_finite("J_eff", J_eff), dtype=float)
    if J_eff.ndim != 2 or J_eff.shape[0] != J_eff.shape[1]:
        raise ValueError(f"J_eff must be a square matrix, got shape {J_eff.shape}")
    n = J_eff.shape[0]
    nu = _population_vector("nu", nu, n, "Hz", positive=True)
    cvs = _population_vector("cvs", cvs, n, "", positive=True)
    A = _solve("covariances", np.eye(n) - J_eff, np.eye(n))
    D = _solve("noise strength", A * A, cvs ** 2 * nu)
    C = (A * D) @ A.T
    if return_noise_strength:
        return C, D
    return C


def pairwise_effective_connectivity(network: Any) -> np.ndarray:
    """Pairwise effective connectivity (Helias et al. 2013, Eq. A.3).

    See :func:`_pairwise_effective_connectivity`.  Needs the working point
    (``'lif.exp.firing_rates'``, ``'lif.exp.mean_input'``, ``'lif.exp.std_input'``);
    cached under ``'lif.exp.pairwise_effective_connectivity'``.

    Parameters
    ----------
    network : Network
        With the results named above (computed by the neuron model's functions).

    Returns
    -------
    np.ndarray
        Dimensionless (n, n) matrix ``d nu_a / d nu_b`` [target, source].
    """
    names = ["nu", "mu", "sigma"]
    params = get_required_network_params(network, _pairwise_effective_connectivity,
                                         exclude=names)
    params.update(get_required_results(
        network, names, [_PREFIX + "firing_rates", _PREFIX + "mean_input",
                         _PREFIX + "std_input"]))
    return _cache(network, _pairwise_effective_connectivity, params,
                  _PREFIX + "pairwise_effective_connectivity", "dimensionless")


def spectral_bound(network: Any) -> float:
    """Spectral bound of the pairwise effective connectivity; see :func:`_spectral_bound`.

    Needs ``'lif.exp.pairwise_effective_connectivity'``; cached under
    ``'lif.exp.spectral_bound'``.  Dahmen et al. 2019.

    Parameters
    ----------
    network : Network
        With the results named above (computed by the neuron model's functions).

    Returns
    -------
    float
        ``max Re lambda`` (dimensionless); below 1 for a stable network.
    """
    params = _result(network, "J_eff", _PREFIX + "pairwise_effective_connectivity")
    return _cache(network, _spectral_bound, params, _PREFIX + "spectral_bound",
                  "dimensionless")


def pairwise_covariances(network: Any) -> np.ndarray:
    """Pairwise covariances (Layer et al. 2023, Eqs. 9, 11); see :func:`_pairwise_covariances`.

    Needs ``'lif.exp.pairwise_effective_connectivity'``, ``'lif.exp.firing_rates'`` and
    ``'lif.exp.cvs'``; cached under ``'lif.exp.pairwise_covariances'`` (Hz).

    Parameters
    ----------
    network : Network
        With the results named above (computed by the neuron model's functions).

    Returns
    -------
    np.ndarray
        Spike-count covariances in Hz, shape (n, n).
    """
    params = get_required_results(
        network, ["J_eff", "nu", "cvs"],
        [_PREFIX + "pairwise_effective_connectivity", _PREFIX + "firing_rates",
         _PREFIX + "cvs"])
    return _cache(network, _pairwise_covariances, params, _PREFIX + "pairwise_covariances",
                  "hertz")
