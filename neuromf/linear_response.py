"""Linear response of a network of populations around its working point.

Around the stationary state, small rate fluctuations of the populations obey, in the
frequency domain, ``r(omega) = M(omega) r(omega) + x(omega)`` with the effective
connectivity ``M`` (Bos et al. 2016, Eq. 12 ff.)::

    M_ab(omega) = tau_m,a K_ab J_ab H_a(omega) D_ab(omega)

(``H`` the transfer function of the receiving population a in Hz/V, ``D`` the delay
distribution's characteristic function).  Everything else follows from ``M``: the
propagator ``P = (1 - M)^-1 M`` (Bos 2016, Eq. 16), the cross-spectral matrix
``C = (1 - M)^-1 diag(nu/N) (1 - M)^-dagger`` whose diagonal is the power spectrum
(Bos 2016, Eq. 18), eigenvalue trajectories and the sensitivity measure (Bos 2016,
Eq. 7).  The zero-frequency counterparts for single neurons are the pairwise effective
connectivity (Helias et al. 2013, Eq. A.3) and the pairwise covariances (Layer et al.
2023; Dahmen et al. 2019).

Parameter-level functions (leading underscore) take SI arrays and are vectorized over
frequencies with batched numpy linear algebra; frequency-resolved results have shape
``(n_freq, n, n)`` or ``(n_freq, n)``.  The network-level wrappers read their inputs
from ``network.results`` (keys as in NNMT) and cache their result under
``'lif.exp.<name>'``.
"""

from __future__ import annotations

import os
import warnings
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.special import erfcx

from .special._siegert import ALPHA_SHIFT
from .utils import (
    _cache,
    check_choice,
    check_finite,
    check_positive,
    get_required_network_params,
    get_required_results,
)

__all__ = [
    "effective_connectivity", "_effective_connectivity",
    "propagator", "_propagator",
    "cross_spectral_matrix", "_cross_spectral_matrix",
    "power_spectra", "_power_spectra",
    "eigen_spectra", "_eigen_spectra", "EIGEN_QUANTITIES",
    "_match_eigenvalues_across_frequencies",
    "sensitivity_measure", "_sensitivity_measure",
    "sensitivity_measure_all_eigenmodes", "_sensitivity_measure_all_eigenmodes",
    "pairwise_effective_connectivity", "_pairwise_effective_connectivity",
    "spectral_bound", "_spectral_bound",
    "pairwise_covariances", "_pairwise_covariances",
    "unstable_modes", "_unstable_mode_count", "describe_instability",
]

#: Result-key prefix of the neuron model whose transfer function is used: 'lif.exp.'
#: (NNMT's convention, the default) or 'lif.delta.' (δ synapses, keyword ``prefix``).
_PREFIX = "lif.exp."
_DELAY_KEY = "network_properties.delay_dist_matrix"

#: Matrices whose spectra :func:`_eigen_spectra` computes: the effective connectivity
#: M ('MH'), the propagator P = (1 - M)^-1 M ('prop'), its inverse P^-1 ('prop_inv',
#: as in lif_meanfield_tools) and the resolvent (1 - M)^-1 ('resolvent').
EIGEN_QUANTITIES = ("MH", "prop", "prop_inv", "resolvent")



# ---------------------------------------------------------------------------
# input checks
# ---------------------------------------------------------------------------

def _as_square_stack(name: str, value: Any) -> np.ndarray:
    """Return ``value`` as a complex array of shape (..., n, n); raise otherwise."""
    arr = np.asarray(check_finite(name, value))
    if arr.ndim not in (2, 3) or arr.shape[-1] != arr.shape[-2]:
        raise ValueError(f"{name} must have shape (n_freq, n, n) or (n, n), got shape "
                         f"{arr.shape}")
    return arr.astype(complex, copy=False)


def _population_vector(name: str, value: Any, n: int, unit: str,
                       positive: bool = False, allow_zero: bool = True) -> np.ndarray:
    """Return ``value`` broadcast to shape (n,) after checking shape and sign."""
    if positive:
        arr = np.asarray(check_positive(name, value, unit, allow_zero=allow_zero),
                         dtype=float)
    else:
        arr = np.asarray(check_finite(name, value, unit), dtype=float)
    if arr.ndim > 1 or (arr.ndim == 1 and arr.shape[0] not in (1, n)):
        raise ValueError(f"{name} must be a scalar or have shape ({n},) (one value per "
                         f"population), got shape {arr.shape}")
    return np.broadcast_to(arr.reshape(-1) if arr.ndim else arr, (n,))


def _population_matrix(name: str, value: Any, n: int, unit: str,
                       positive: bool = False) -> np.ndarray:
    if positive:
        arr = np.asarray(check_positive(name, value, unit, allow_zero=True), dtype=float)
    else:
        arr = np.asarray(check_finite(name, value, unit), dtype=float)
    if arr.ndim not in (0, 2) or (arr.ndim == 2 and arr.shape != (n, n)):
        raise ValueError(f"{name} must be a scalar or have shape ({n}, {n}) "
                         f"[target, source], got shape {arr.shape}")
    return np.broadcast_to(arr, (n, n))


# ---------------------------------------------------------------------------
# effective connectivity and propagator
# ---------------------------------------------------------------------------

def _effective_connectivity(transfer_function: Any, D: Any, J: Any, K: Any,
                            tau_m: Any, transfer_function_variance: Any = None
                            ) -> np.ndarray:
    """Effective connectivity ``M_ab(omega) = tau_m,a K_ab J_ab H_a(omega) D_ab(omega)``.

    Bos et al. 2016, Eq. 12 ff.: a rate modulation of population b changes the mean
    input of population a by ``tau_m,a K_ab J_ab``, delayed by ``D_ab``, and population
    a responds with its transfer function ``H_a``.

    With ``transfer_function_variance`` (``H^var``, Hz/V²) the modulation of the input
    variance ``sigma_a^2 = tau_m,a sum_b K_ab J_ab^2 nu_b`` is included as well (Brunel &
    Hakim 1999, the two terms of their linearised Fokker-Planck boundary condition)::

        M_ab = tau_m,a K_ab (J_ab H_a + J_ab^2 H^var_a) D_ab.

    It matters where single synapses are strong compared with sigma (inhibition-dominated
    networks with large ``g J``): there the variance channel partly cancels the
    inhibitory mean feedback at low frequencies and dominates at high ones.

    Parameters
    ----------
    transfer_function : array_like
        Transfer functions ``H`` in Hz/V, shape ``(n_freq, n)`` (or ``(n,)`` for a
        single frequency).
    D : array_like
        Delay distribution matrix (dimensionless), shape ``(n_freq, n, n)`` or
        ``(n, n)`` (the same at all frequencies).
    J : array_like
        Synaptic weights in V, shape ``(n, n)`` [target, source] or a scalar.
    K : array_like
        In-degrees, shape ``(n, n)`` [target, source].
    tau_m : float or array_like
        Membrane time constant(s) in s; a vector is indexed by the *target*
        population.
    transfer_function_variance : array_like, optional
        Responses to the input variance in Hz/V², shape of ``transfer_function``
        (:func:`neuromf.lif.exp.transfer_function_variance`); ``None`` (NNMT's and Bos
        et al.'s convention) leaves the variance channel out.

    Returns
    -------
    np.ndarray
        Complex array of shape ``(n_freq, n, n)`` (``(n, n)`` for a 1-d
        ``transfer_function`` and 2-d ``D``).

    Raises
    ------
    ValueError
        For mismatched shapes, negative in-degrees, non-positive ``tau_m`` or
        non-finite input.

    Notes
    -----
    NNMT 1.3 multiplies a vector ``tau_m`` along the source axis; the two agree for a
    common membrane time constant.
    """
    H = np.asarray(check_finite("transfer_function", transfer_function, "Hz/V"))
    D = np.asarray(check_finite("D", D))
    K = np.asarray(check_positive("K", K, allow_zero=True), dtype=float)
    if K.ndim != 2 or K.shape[0] != K.shape[1]:
        raise ValueError(f"K must be a square in-degree matrix (n, n) [target, source], "
                         f"got shape {K.shape}")
    n = K.shape[0]
    J = _population_matrix("J", J, n, "V")
    tau_m = _population_vector("tau_m", tau_m, n, "s", positive=True, allow_zero=False)
    if H.ndim not in (1, 2) or H.shape[-1] != n:
        raise ValueError(f"transfer_function must have shape (n_freq, {n}) or ({n},), got "
                         f"shape {H.shape}")
    if D.ndim not in (2, 3) or D.shape[-2:] != (n, n):
        raise ValueError(f"D must have shape (n_freq, {n}, {n}) or ({n}, {n}), got shape "
                         f"{D.shape}")
    if D.ndim == 3 and (H.ndim == 1 or H.shape[0] != D.shape[0]):
        n_h = 1 if H.ndim == 1 else H.shape[0]
        raise ValueError(f"transfer_function and D must belong to the same frequencies: "
                         f"got {n_h} frequencies in transfer_function and {D.shape[0]} "
                         "in D")
    coupling = tau_m[:, None] * K * J
    if transfer_function_variance is not None:
        H_var = np.asarray(check_finite("transfer_function_variance",
                                        transfer_function_variance, "Hz/V^2"))
        if H_var.shape != H.shape:
            raise ValueError(f"transfer_function_variance must have the shape of "
                             f"transfer_function {H.shape}, got {H_var.shape}")
        gain = coupling * H[..., :, None] + (tau_m[:, None] * K * J**2) * H_var[..., :, None]
        return D * gain
    M = np.multiply(D, coupling, dtype=complex)
    if M.ndim == H.ndim + 1:          # D per frequency: scale in place (saves a copy)
        M *= H[..., :, None]
        return M
    return M * H[..., :, None]


def _propagator(effective_connectivity: Any) -> np.ndarray:
    """Propagator ``P(omega) = (1 - M(omega))^-1 M(omega)`` (Bos et al. 2016, Eq. 16).

    Parameters
    ----------
    effective_connectivity : array_like
        ``M``, shape ``(n_freq, n, n)`` or ``(n, n)``.

    Returns
    -------
    np.ndarray
        ``P`` of the same shape as ``M`` (computed with a batched linear solve).
    """
    M = _as_square_stack("effective_connectivity", effective_connectivity)
    one = np.eye(M.shape[-1])
    return _solve("propagator", one - M, M)


def _solve(what: str, A: np.ndarray, B: np.ndarray) -> np.ndarray:
    try:
        return np.linalg.solve(A, B)
    except np.linalg.LinAlgError:
        raise ValueError(f"cannot compute the {what}: 1 - M is singular at some "
                         "frequency (an eigenvalue of the effective connectivity is "
                         "exactly 1; the linearised network is at a bifurcation)") from None


def _resolvent(M: np.ndarray) -> np.ndarray:
    """``(1 - M)^-1`` for a stack of matrices.

    LAPACK inverts one matrix after the other; a large stack of mid-sized matrices
    (e.g. 500 × 254 × 254) is split over the CPU cores, one BLAS thread each, which is
    about 1.3× faster than multithreaded BLAS on the whole stack (and forms ``1 - M``
    slice by slice, in parallel, without a second full-size temporary).
    """
    cores = os.cpu_count() or 1
    parallel = M.ndim == 3 and cores > 1 and M.shape[0] >= 2 * cores and M.shape[-1] >= 64
    if parallel:
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:
            parallel = False
    out = np.empty(M.shape, dtype=complex)
    diagonal = np.arange(M.shape[-1])
    n_chunks = cores if parallel else 1
    bounds = np.linspace(0, M.shape[0] if M.ndim == 3 else 1, n_chunks + 1).astype(int)

    def invert(i: int) -> None:
        part = slice(bounds[i], bounds[i + 1]) if M.ndim == 3 else slice(None)
        A = np.negative(M[part])
        A[..., diagonal, diagonal] += 1.0
        out[part] = np.linalg.inv(A)

    try:
        if parallel:
            with threadpool_limits(limits=1, user_api="blas"):
                with ThreadPoolExecutor(max_workers=n_chunks) as pool:
                    list(pool.map(invert, range(n_chunks)))
        else:
            invert(0)
        return out
    except np.linalg.LinAlgError:
        raise ValueError("cannot compute the resolvent (1 - M)^-1: 1 - M is singular at "
                         "some frequency (an eigenvalue of the effective connectivity is "
                         "exactly 1; the linearised network is at a bifurcation)") from None


# ---------------------------------------------------------------------------
# spectra
# ---------------------------------------------------------------------------

def _check_spectrum_inputs(nu: Any, M: Any, N: Any) -> tuple[np.ndarray, ...]:
    M = _as_square_stack("effective_connectivity", M)
    n = M.shape[-1]
    nu = _population_vector("nu", nu, n, "Hz", positive=True)
    N = _population_vector("N", N, n, "", positive=True, allow_zero=False)
    return nu, M, N


def _resolvent_and_noise(nu: Any, effective_connectivity: Any, N: Any,
                         spike_train_spectra: Any) -> tuple[np.ndarray, np.ndarray]:
    """``(1 - M)^-1`` and the power of the population-averaged spike-train noise
    ``S_a / N_a``: shape (n,) for Poisson trains (S = nu), or (n_freq, n) for given
    single-neuron spectra."""
    nu, M, N = _check_spectrum_inputs(nu, effective_connectivity, N)
    weights = _noise_weights(nu, N, M, spike_train_spectra)   # checked before the solve
    return _resolvent(M), weights


def _noise_weights(nu: np.ndarray, N: np.ndarray, M: np.ndarray,
                   spike_train_spectra: Any) -> np.ndarray:
    if spike_train_spectra is None:
        return nu / N
    S = np.asarray(check_finite("spike_train_spectra", spike_train_spectra, "Hz"), float)
    expected = M.shape[:-1]
    if S.shape != expected:
        raise ValueError(f"spike_train_spectra must have shape {expected} (frequencies, "
                         f"populations) like the effective connectivity, got {S.shape}")
    if np.any(S < 0):
        raise ValueError("spike_train_spectra must be >= 0 (power spectra in Hz)")
    return S / N


def _cross_spectral_matrix(nu: Any, effective_connectivity: Any, J: Any, K: Any, N: Any,
                           tau_m: Any, spike_train_spectra: Any = None) -> np.ndarray:
    """Cross-spectral matrix of the population rates.

    ``C(omega) = (1 - M)^-1 diag(nu/N) (1 - M)^-dagger`` (Bos et al. 2016, Eq. 18 and
    the derivation before it): each population's spike train is, to lowest order,
    Poisson noise of power ``nu_a / N_a`` for the population-averaged rate, filtered by
    the network's linear response.  With ``spike_train_spectra`` the noise of population
    a is its neurons' unperturbed spike-train spectrum ``S_a(omega) / N_a`` instead
    (renewal spike trains; Lindner et al. 2005, Phys Rev E 72: 061919, Eq. 8;
    :func:`neuromf.lif._transfer._spike_train_power_spectrum_delta`), which is
    ``nu_a CV_a^2`` rather than ``nu_a`` at low frequencies.

    Parameters
    ----------
    nu : array_like
        Firing rates in Hz, shape ``(n,)``.
    effective_connectivity : array_like
        ``M``, shape ``(n_freq, n, n)`` or ``(n, n)``.
    J, K, tau_m : array_like
        Not used; accepted so that the signature matches :func:`_power_spectra` (and
        NNMT's).
    N : array_like
        Numbers of neurons, shape ``(n,)``.
    spike_train_spectra : array_like, optional
        Single-neuron spike-train power spectra in Hz, shape ``(n_freq, n)``.

    Returns
    -------
    np.ndarray
        Hermitian matrices in Hz, shape of ``M``.
    """
    Q, weights = _resolvent_and_noise(nu, effective_connectivity, N, spike_train_spectra)
    return (Q * weights[..., None, :]) @ np.conj(np.swapaxes(Q, -1, -2))


def _power_spectra(nu: Any, effective_connectivity: Any, J: Any, K: Any, N: Any,
                   tau_m: Any, spike_train_spectra: Any = None) -> np.ndarray:
    """Power spectra of the population rates (Bos et al. 2016, Eq. 18).

    The diagonal of :func:`_cross_spectral_matrix`,
    ``P_a(omega) = sum_b |[(1 - M)^-1]_ab|² nu_b / N_b`` (NNMT convention), or with
    ``S_b(omega)`` in place of ``nu_b`` if ``spike_train_spectra`` are given.

    Parameters
    ----------
    nu : array_like
        Firing rates in Hz, shape ``(n,)``.
    effective_connectivity : array_like
        ``M``, shape ``(n_freq, n, n)`` or ``(n, n)``.
    J, K, tau_m : array_like
        Not used (NNMT signature).
    N : array_like
        Numbers of neurons, shape ``(n,)``.
    spike_train_spectra : array_like, optional
        As in :func:`_cross_spectral_matrix`.

    Returns
    -------
    np.ndarray
        Real array in Hz of shape ``(n_freq, n)`` (``(n,)`` for a single matrix).
    """
    Q, weights = _resolvent_and_noise(nu, effective_connectivity, N, spike_train_spectra)
    return (np.einsum("...ab,...ab,...b->...a", Q.real, Q.real, weights)
            + np.einsum("...ab,...ab,...b->...a", Q.imag, Q.imag, weights))


def _eigen_spectra(effective_connectivity: Any, quantity: str = "MH",
                   return_vectors: bool = False
                   ) -> np.ndarray | tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Eigenvalues (and eigenvectors) of M, the propagator or related matrices.

    Bos et al. 2016, Eqs. 4 and 16.  M, ``P = (1 - M)^-1 M``, ``P^-1`` and
    ``(1 - M)^-1`` are functions of M and share its eigenvectors; their eigenvalues are
    ``lambda``, ``lambda/(1 - lambda)``, ``(1 - lambda)/lambda`` and ``1/(1 - lambda)``
    for each eigenvalue ``lambda`` of M.  They are computed from one (batched)
    eigendecomposition of M, which avoids the loss of accuracy of diagonalising the
    ill-conditioned P near an instability.

    Parameters
    ----------
    effective_connectivity : array_like
        ``M``, shape ``(n_freq, n, n)`` or ``(n, n)``.
    quantity : {'MH', 'prop', 'prop_inv', 'resolvent'}
        Matrix whose spectrum is returned (M, P, P^-1, (1 - M)^-1).
    return_vectors : bool
        Also return right and left eigenvectors.

    Returns
    -------
    eigenvalues : np.ndarray
        Shape ``(n_freq, n)``, in the order of ``numpy.linalg.eig`` applied to M.
    right : np.ndarray, optional
        Right eigenvectors as *columns*: ``M @ right[f, :, k] = lambda_k right[f, :, k]``,
        unit 2-norm.
    left : np.ndarray, optional
        Left eigenvectors as *rows* (``left = inv(right)``):
        ``left[f, k, :] @ M = lambda_k left[f, k, :]`` and ``left @ right = 1``.

    Raises
    ------
    ValueError
        For an unknown quantity or a badly shaped matrix.
    """
    check_choice("quantity", quantity, EIGEN_QUANTITIES)
    M = _as_square_stack("effective_connectivity", effective_connectivity)
    lam, right = np.linalg.eig(M)
    with np.errstate(divide="ignore", invalid="ignore"):
        if quantity == "MH":
            values = lam
        elif quantity == "prop":
            values = lam / (1 - lam)
        elif quantity == "prop_inv":
            values = (1 - lam) / lam
        else:
            values = 1 / (1 - lam)
    if not np.all(np.isfinite(values)):
        warnings.warn(f"eigen_spectra: the matrix {quantity!r} does not exist at some "
                      "frequencies (an eigenvalue of M is exactly "
                      f"{'0' if quantity == 'prop_inv' else '1'}); the corresponding "
                      "eigenvalues are inf", RuntimeWarning, stacklevel=2)
    if not return_vectors:
        return values
    return values, right, _left_eigenvectors(right)


def _left_eigenvectors(right: np.ndarray) -> np.ndarray:
    try:
        return np.linalg.inv(right)
    except np.linalg.LinAlgError:
        raise ValueError("the effective connectivity is defective (not diagonalisable) "
                         "at some frequency; left eigenvectors do not exist") from None


# ---------------------------------------------------------------------------
# eigenvalue trajectories
# ---------------------------------------------------------------------------

def _match_eigenvalues_across_frequencies(eigenvalues: Any, margin: float = 1e-5,
                                          frequencies: Any = None
                                          ) -> tuple[np.ndarray, np.ndarray]:
    """Reorder eigenvalues so that each column follows one continuous trajectory.

    Eigensolvers return the eigenvalues at each frequency in an arbitrary order.  To
    obtain trajectories as in Bos et al. 2016, Fig. 4, the eigenvalues at frequency
    ``f`` are assigned to the trajectories by solving the linear assignment problem
    (``scipy.optimize.linear_sum_assignment``) between the eigenvalues and the
    positions predicted by linear extrapolation of each trajectory from the two
    previous frequencies.  Extrapolation lets trajectories cross (or pass close to
    each other) without spurious swaps, which a nearest-neighbour rule produces when
    two eigenvalues move past each other.  The first frequency keeps its order.

    The loop over frequencies is inherently sequential; each step costs O(n²) (plus an
    O(n³) assignment only when the nearest-neighbour choice is not a permutation).

    Parameters
    ----------
    eigenvalues : array_like
        Shape ``(n_freq, n)``.
    margin : float
        Eigenvalues closer than ``margin`` to each other are treated as degenerate
        (exchanging them is harmless).  A step is flagged ambiguous, with a warning,
        when a predicted position is farther than ``margin`` from its assigned
        eigenvalue and less than twice as close to it as to the nearest other,
        non-degenerate eigenvalue: refine the frequency grid there.
    frequencies : array_like, optional
        The frequencies of the rows (any unit); needed for correct extrapolation on a
        non-uniform grid.  A uniform grid is assumed if omitted.

    Returns
    -------
    resorted : np.ndarray
        Eigenvalues with ``resorted[f, k] = eigenvalues[f, mask[f, k]]``.
    mask : np.ndarray
        Integer array ``(n_freq, n)``: for each frequency, the original index of the
        eigenvalue on trajectory k (NNMT's ``resorted_eigenvalues_mask``).
    """
    eig = np.asarray(check_finite("eigenvalues", eigenvalues))
    if eig.ndim != 2:
        raise ValueError(f"eigenvalues must have shape (n_freq, n), got shape {eig.shape}")
    margin = float(check_positive("margin", margin, allow_zero=True))
    n_freq, n = eig.shape
    if frequencies is None:
        x = np.arange(n_freq, dtype=float)
    else:
        x = np.asarray(check_finite("frequencies", frequencies), dtype=float)
        if x.shape != (n_freq,):
            raise ValueError(f"frequencies must have shape ({n_freq},) to match the "
                             f"eigenvalues, got shape {x.shape}")
    mask = np.empty((n_freq, n), dtype=int)
    resorted = np.empty_like(eig, dtype=complex)
    if n_freq == 0:
        return resorted, mask
    mask[0] = np.arange(n)
    resorted[0] = eig[0]
    ambiguous = []
    rows = np.arange(n)
    for f in range(1, n_freq):
        if f >= 2 and x[f - 1] != x[f - 2]:
            slope = (resorted[f - 1] - resorted[f - 2]) / (x[f - 1] - x[f - 2])
            predicted = resorted[f - 1] + slope * (x[f] - x[f - 1])
        else:
            predicted = resorted[f - 1]
        cost = np.abs(predicted[:, None] - eig[f][None, :])
        nearest = np.argmin(cost, axis=1)
        if np.unique(nearest).size == n:
            cols = nearest
        else:
            cols = linear_sum_assignment(cost)[1]
        mask[f] = cols
        resorted[f] = eig[f, cols]
        if n > 1:
            d1 = cost[rows, cols]
            separation = np.abs(eig[f][cols][:, None] - eig[f][None, :])
            others = np.where(separation > margin, cost, np.inf)
            d2 = others.min(axis=1)
            if np.any((d1 > margin) & (d2 < 2 * d1)):
                ambiguous.append(f)
    if ambiguous:
        shown = ", ".join(str(i) for i in ambiguous[:10])
        more = f" and {len(ambiguous) - 10} more" if len(ambiguous) > 10 else ""
        warnings.warn(f"ambiguous eigenvalue matching at frequency index(es) {shown}{more}: "
                      "eigenvalues move by more than their separation between neighbouring "
                      "frequencies there; use a finer frequency grid or check the "
                      "trajectories in the complex plane", stacklevel=2)
    return resorted, mask


# ---------------------------------------------------------------------------
# sensitivity measure
# ---------------------------------------------------------------------------

def _is_none(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value == "None")


def _sensitivity_from_modes(M: np.ndarray, lam: np.ndarray, right: np.ndarray,
                            left: np.ndarray, k: int) -> dict:
    """Sensitivity of eigenvalue ``lam[k]`` of one matrix ``M`` (Bos 2016, Eq. 7)."""
    u = left[k, :]
    v = right[:, k]
    critical = lam[k]
    T = u[:, None] * M * v[None, :]
    direction = np.array([1.0 - critical.real, -critical.imag])
    norm = np.hypot(direction[0], direction[1])
    if norm == 0:
        raise ValueError("the critical eigenvalue is exactly 1: the direction towards 1 "
                         "is undefined")
    direction /= norm
    perpendicular = np.array([-direction[1], direction[0]])
    return {
        "eigenvalue_index": k,
        "critical_eigenvalue": critical,
        "left_eigenvector": u,
        "right_eigenvector": v,
        "k": direction,
        "k_per": perpendicular,
        "sensitivity": T,
        "sensitivity_amp": T.real * direction[0] + T.imag * direction[1],
        "sensitivity_freq": T.real * perpendicular[0] + T.imag * perpendicular[1],
    }


def _stack_with_frequencies(effective_connectivity: Any, analysis_frequencies: Any
                            ) -> tuple[np.ndarray, np.ndarray]:
    """M as a (n_freq, n, n) stack and its frequencies (Hz), checked to match."""
    M = _as_square_stack("effective_connectivity", effective_connectivity)
    if M.ndim == 2:
        M = M[None]
    freqs = np.atleast_1d(np.asarray(check_finite("analysis_frequencies",
                                                  analysis_frequencies, "Hz"), dtype=float))
    if freqs.shape != (M.shape[0],):
        raise ValueError(f"analysis_frequencies must have shape ({M.shape[0]},) to match "
                         f"the effective connectivity, got shape {freqs.shape}")
    return M, freqs


def _sensitivity_measure(effective_connectivity: Any, frequency: float,
                         analysis_frequencies: Any, resorted_eigenvalues_mask: Any = None,
                         eigenvalue_index: Any = None) -> dict:
    """Sensitivity measure of an eigenvalue of M to each connection.

    Bos et al. 2016, Eq. 7: for the eigenvalue ``lambda`` of ``M(omega)`` with right
    eigenvector v and left eigenvector u (``u^T M = lambda u^T``),
    ``T_ab = u_a M_ab v_b / (u^T v)`` is the first-order change of ``lambda`` under a
    relative change of connection ``ab`` (``K_ab -> K_ab (1 + eps)`` moves ``lambda``
    by ``eps T_ab``).  Its projection on the unit vector ``k`` pointing from
    ``lambda`` to 1 (``sensitivity_amp``) changes the height of the spectral peak, the
    projection on the perpendicular ``k_per`` (``sensitivity_freq``) its frequency.

    Parameters
    ----------
    effective_connectivity : array_like
        ``M``, shape ``(n_freq, n, n)``.
    frequency : float
        Frequency in Hz; the nearest analysis frequency is used.
    analysis_frequencies : array_like
        Frequencies of the rows of ``M`` in Hz.
    resorted_eigenvalues_mask : array_like, optional
        Mask from :func:`_match_eigenvalues_across_frequencies`; with it,
        ``eigenvalue_index`` refers to a trajectory.
    eigenvalue_index : int, optional
        Eigenvalue (or trajectory) to analyse; default: the eigenvalue closest to 1.

    Returns
    -------
    dict
        With NNMT's keys: ``eigenvalue_index``, ``critical_frequency`` (Hz),
        ``critical_frequency_index``, ``critical_eigenvalue``, ``left_eigenvector``
        (u, normalised so that ``u^T v = 1``), ``right_eigenvector`` (v, unit norm),
        ``k``, ``k_per`` (2-vectors in the complex plane), ``sensitivity`` (complex
        n x n), ``sensitivity_amp``, ``sensitivity_freq`` (real n x n).
    """
    M, freqs = _stack_with_frequencies(effective_connectivity, analysis_frequencies)
    frequency = float(check_finite("frequency", frequency, "Hz"))
    if frequency < freqs.min() or frequency > freqs.max():
        warnings.warn(f"frequency {frequency} Hz lies outside the analysis frequencies "
                      f"[{freqs.min()}, {freqs.max()}] Hz; the nearest one is used",
                      stacklevel=2)
    fi = int(np.argmin(np.abs(freqs - frequency)))
    lam, right = np.linalg.eig(M[fi])
    left = _left_eigenvectors(right)
    if not _is_none(resorted_eigenvalues_mask):
        order = np.asarray(resorted_eigenvalues_mask)[fi]
        lam, right, left = lam[order], right[:, order], left[order, :]
    if _is_none(eigenvalue_index):
        k = int(np.argmin(np.abs(lam - 1)))
    else:
        k = int(eigenvalue_index)
        if not 0 <= k < lam.size:
            raise ValueError(f"eigenvalue_index must lie in [0, {lam.size - 1}], got {k}")
    result = _sensitivity_from_modes(M[fi], lam, right, left, k)
    result["critical_frequency"] = frequency
    result["critical_frequency_index"] = fi
    return result


def _sensitivity_measure_all_eigenmodes(effective_connectivity: Any,
                                        analysis_frequencies: Any,
                                        margin: float = 1e-5) -> dict:
    """Sensitivity measure of every eigenvalue trajectory at its critical frequency.

    The eigenvalues of ``M`` are followed across frequencies
    (:func:`_match_eigenvalues_across_frequencies`); for each trajectory the frequency
    at which it comes closest to 1 is its critical frequency, where
    :func:`_sensitivity_measure` is evaluated (Bos et al. 2016, Eq. 7, Figs. 5-8).

    Parameters
    ----------
    effective_connectivity : array_like
        ``M``, shape ``(n_freq, n, n)``.
    analysis_frequencies : array_like
        Frequencies in Hz, shape ``(n_freq,)``.
    margin : float
        See :func:`_match_eigenvalues_across_frequencies`.

    Returns
    -------
    dict
        ``{str(k): sensitivity dict of trajectory k}`` (string keys, as NNMT, so that
        the result can be stored in HDF5).
    """
    M, freqs = _stack_with_frequencies(effective_connectivity, analysis_frequencies)
    lam, right = np.linalg.eig(M)
    resorted, mask = _match_eigenvalues_across_frequencies(lam, margin=margin,
                                                           frequencies=freqs)
    critical = np.argmin(np.abs(resorted - 1), axis=0)
    out = {}
    for k, fi in enumerate(critical):
        order = mask[fi]
        r = right[fi][:, order]
        result = _sensitivity_from_modes(M[fi], lam[fi][order], r, _left_eigenvectors(r), k)
        result["critical_frequency"] = float(freqs[fi])
        result["critical_frequency_index"] = int(fi)
        out[str(k)] = result
    return out


# ---------------------------------------------------------------------------
# zero-frequency pairwise quantities
# ---------------------------------------------------------------------------

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
    return float(np.linalg.eigvals(J_eff).real.max())


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


# ---------------------------------------------------------------------------
# linear stability of the working point (Nyquist criterion)
# ---------------------------------------------------------------------------

#: Largest phase step of det(1 - M) between neighbouring frequencies that still
#: resolves the winding unambiguously.
_MAX_PHASE_STEP = 0.5 * np.pi


def _unstable_mode_count(effective_connectivity: Any, omegas: Any) -> dict:
    r"""Number of linearly unstable modes of the working point (generalized Nyquist).

    Rate fluctuations grow as :math:`e^{st}` with :math:`\mathrm{Re}\,s > 0` where
    :math:`\det(1 - M(s)) = 0`.  :math:`M` is analytic in the right half-plane (causal
    transfer functions and delays), so by the argument principle along the imaginary axis
    (Nyquist; generalized to matrices by MacFarlane & Postlethwaite 1977) the number of
    such zeros, counted with multiplicity, is

    .. math::

        Z = \frac{\varphi(0) - \varphi(\infty)}{\pi},\qquad
        \varphi(\omega) = \arg\det\big(1 - M(\omega)\big)\ \text{(continuous)},

    using :math:`M(-\omega) = \overline{M(\omega)}`.  Beyond the last frequency the
    spectral radius of :math:`M` must stay below 1 (then the tail cannot wind around 0
    and :math:`\varphi(\infty) = \varphi(\omega_{max}) - \mathrm{Arg}\det(1-M(\omega_{max}))`).
    Power spectra and covariances of linear-response theory describe the stationary
    state only for :math:`Z = 0`.

    Parameters
    ----------
    effective_connectivity : array_like
        :math:`M` on the grid, shape ``(n_freq, n, n)``.
    omegas : array_like
        Increasing angular frequencies in rad/s, shape ``(n_freq,)``; the first one
        should be 0 (or so small that :math:`\det(1-M)` has not turned yet).

    Returns
    -------
    dict
        ``'count'`` (int, Z), ``'closed'`` (bool: spectral radius < 1 at the last
        frequency and the grid resolves the phase, so the count is exact),
        ``'spectral_radius_at_f_max'``, ``'max_phase_step'`` (rad) and
        ``'crossing_frequencies'`` (Hz, where an eigenvalue crosses the real axis
        right of 1: approximately the frequencies of the unstable oscillations; None for
        more than 64 populations).
    """
    M = _as_square_stack("effective_connectivity", effective_connectivity)
    omegas = np.asarray(check_finite("omegas", omegas, "rad/s"), dtype=float)
    if omegas.ndim != 1 or omegas.size != M.shape[0] or omegas.size < 2:
        raise ValueError(f"omegas must be 1d with one value per matrix of M (got shape "
                         f"{omegas.shape} for {M.shape[0]} matrices; at least 2)")
    if np.any(np.diff(omegas) <= 0) or omegas[0] < 0:
        raise ValueError("omegas must be non-negative and strictly increasing")
    n = M.shape[-1]
    phase, log_abs = np.linalg.slogdet(np.eye(n) - M)    # no overflow for large n
    if np.any(np.isneginf(log_abs)):
        raise ValueError("det(1 - M) vanishes on the grid: the working point is exactly "
                         "marginal")
    step = np.angle(phase[1:] / phase[:-1])
    lam_end = np.linalg.eigvals(M[-1])
    radius = float(np.abs(lam_end).max())
    crossings = _crossings_right_of_one(M, omegas) if n <= _MAX_N_CROSSINGS else None
    # phi(inf) - phi(0) = sum of the steps, then the tail back to arg 1 = 0: each factor
    # 1 - lambda_i stays in the right half-plane there (|lambda_i| < 1)
    tail = -float(np.angle(1.0 - lam_end).sum())
    count = int(round(-(step.sum() + tail) / np.pi))
    max_step = float(np.abs(step).max())
    return {"count": count, "closed": bool(radius < 1.0 and max_step < _MAX_PHASE_STEP),
            "spectral_radius_at_f_max": radius, "max_phase_step": max_step,
            "crossing_frequencies": crossings}


def describe_instability(result: dict) -> str:
    """One line for a result of :func:`unstable_modes` with ``count > 0``."""
    text = (f"the working point is linearly unstable ({result['count']} unstable modes, "
            "Nyquist criterion")
    freqs = result.get("crossing_frequencies")
    if freqs:
        text += "; eigenvalues cross right of 1 at " + ", ".join(f"{f:.0f}" for f in freqs)
        text += " Hz"
    return text + ("): the linear theory predicts growing oscillations, and its power "
                   "spectra describe no stationary state")


#: Largest number of populations for which eigenvalue crossings are located.
_MAX_N_CROSSINGS = 64


def _crossings_right_of_one(M: np.ndarray, omegas: np.ndarray) -> list[float]:
    """Frequencies (Hz) where an eigenvalue of M crosses the real axis right of 1.

    Each such crossing is one encirclement of the critical point 1 by an eigenvalue
    locus (generalized Nyquist); its frequency approximates the oscillation frequency of
    the unstable mode.  Eigenvalues of neighbouring frequencies are paired by minimum
    total distance.  Linear interpolation between the grid points.
    """
    lam = np.linalg.eigvals(M)
    right = lam.real > 1.0
    up, down = right & (lam.imag >= 0), right & (lam.imag < 0)
    candidates = np.nonzero((up[:-1].any(1) & down[1:].any(1))
                            | (down[:-1].any(1) & up[1:].any(1)))[0]
    found = []
    for k in candidates:
        a, b = lam[k], lam[k + 1]
        rows, cols = linear_sum_assignment(np.abs(a[:, None] - b[None, :]))
        for i, j in zip(rows, cols, strict=True):
            if a[i].imag * b[j].imag < 0 or (a[i].imag == 0 and b[j].imag != 0):
                t = a[i].imag / (a[i].imag - b[j].imag)
                if (1 - t) * a[i].real + t * b[j].real > 1.0:
                    found.append(float((omegas[k] + t * (omegas[k + 1] - omegas[k]))
                                       / (2 * np.pi)))
    return sorted(found)


# ---------------------------------------------------------------------------
# network-level wrappers
# ---------------------------------------------------------------------------

def _result(network: Any, name: str, key: str) -> dict:
    return get_required_results(network, [name], [key])


def effective_connectivity(network: Any, *, prefix: str = _PREFIX,
                           variance_channel: bool = False) -> np.ndarray:
    """Effective connectivity of a network; see :func:`_effective_connectivity`.

    Needs ``'lif.exp.transfer_function'`` and ``'network_properties.delay_dist_matrix'``
    at the same frequencies and the parameters ``J``, ``K``, ``tau_m``.  Cached under
    ``'lif.exp.effective_connectivity'``.  With ``prefix='lif.delta.'`` (as the
    network functions of :mod:`neuromf.lif.delta` do) the δ-synapse results are used
    and stored instead; the same holds for all network-level functions below.

    ``variance_channel=True`` adds the response to the modulated input variance and then
    also needs ``'lif.exp.transfer_function_variance'``
    (:func:`neuromf.lif.exp.transfer_function_variance`).  The default (False) is NNMT's
    and Bos et al. 2016's convention; with strong synapses the variance channel is
    needed to predict simulated spectra (``docs/simulation.md``).
    """
    params = get_required_network_params(network, _effective_connectivity,
                                         exclude=["transfer_function", "D"])
    params.update(get_required_results(network, ["transfer_function", "D"],
                                       [prefix + "transfer_function", _DELAY_KEY]))
    if variance_channel:
        params.update(get_required_results(network, ["transfer_function_variance"],
                                           [prefix + "transfer_function_variance"]))
    return _cache(network, _effective_connectivity, params,
                  prefix + "effective_connectivity", "dimensionless")


def propagator(network: Any, *, prefix: str = _PREFIX) -> np.ndarray:
    """Propagator of a network; see :func:`_propagator`.

    Needs ``'lif.exp.effective_connectivity'``; cached under ``'lif.exp.propagator'``.
    """
    params = _result(network, "effective_connectivity", prefix + "effective_connectivity")
    return _cache(network, _propagator, params, prefix + "propagator", "dimensionless")


def _spectrum_params(network: Any, func: Any, prefix: str, renewal: bool) -> dict:
    params = get_required_network_params(network, func,
                                         exclude=["nu", "effective_connectivity"])
    params.update(get_required_results(
        network, ["nu", "effective_connectivity"],
        [prefix + "firing_rates", prefix + "effective_connectivity"]))
    if renewal:
        params.update(get_required_results(network, ["spike_train_spectra"],
                                           [prefix + "spike_train_power_spectra"]))
    return params


def cross_spectral_matrix(network: Any, *, prefix: str = _PREFIX,
                          renewal: bool = False) -> np.ndarray:
    """Cross-spectral matrix of the population rates; see :func:`_cross_spectral_matrix`.

    Needs ``'lif.exp.firing_rates'`` and ``'lif.exp.effective_connectivity'``; cached
    under ``'lif.exp.cross_spectral_matrix'`` (Hz).  ``renewal=True`` uses the neurons'
    spike-train spectra instead of Poisson noise and then also needs
    ``'lif.exp.spike_train_power_spectra'``
    (:func:`neuromf.lif.exp.spike_train_power_spectra`) at the same frequencies.
    """
    return _cache(network, _cross_spectral_matrix,
                  _spectrum_params(network, _cross_spectral_matrix, prefix, renewal),
                  prefix + "cross_spectral_matrix", "hertz")


def power_spectra(network: Any, *, prefix: str = _PREFIX, renewal: bool = False
                  ) -> np.ndarray:
    """Power spectra of the population rates (Bos et al. 2016, Eq. 18).

    See :func:`_power_spectra`.  Needs ``'lif.exp.firing_rates'`` and
    ``'lif.exp.effective_connectivity'``; cached under ``'lif.exp.power_spectra'`` in Hz
    (NNMT labels the same numbers 'hertz ** 2').  ``renewal``: as in
    :func:`cross_spectral_matrix`.
    """
    return _cache(network, _power_spectra,
                  _spectrum_params(network, _power_spectra, prefix, renewal),
                  prefix + "power_spectra", "hertz")


def unstable_modes(network: Any, *, prefix: str = _PREFIX, f_max: float | None = None,
                   variance_channel: bool = False, **transfer_function_kwargs: Any) -> dict:
    """Number of linearly unstable modes of the network's working point (Nyquist).

    Evaluates the effective connectivity on its own frequency grid, from 0 Hz in steps
    of at most 2 Hz and 1/16 of the longest delay's period, up to the first power of
    two times 1 kHz (at least 2 kHz, at most 128 kHz) beyond which the spectral radius
    of ``M`` is below 1, and counts the zeros of det(1 - M) in the right half-plane with
    :func:`_unstable_mode_count`.  A count above 0 means the asynchronous state is
    unstable (the network oscillates, e.g. Brunel & Hakim 1999; Brunel 2000): power
    spectra and covariances of the linear theory then describe no stationary state.

    The network's cached results are not changed (the grid is evaluated on a copy).

    Parameters
    ----------
    network : Network
        With the working point computed (``prefix + 'mean_input'``, ``'std_input'``).
    prefix : {'lif.exp.', 'lif.delta.'}
        Neuron model whose transfer function is used.
    f_max : float, optional
        Highest frequency (Hz) of the grid; default chosen as described above.
    variance_channel : bool
        Include the response to the input variance (:func:`effective_connectivity`).
    **transfer_function_kwargs
        Passed to the model's ``transfer_function`` (e.g. ``method='taylor'``,
        ``synaptic_filter``, ``refractory_phase``), so that the stability belongs to
        the same linear response as the spectra.

    Returns
    -------
    dict
        ``count``, ``closed``, ``spectral_radius_at_f_max``, ``max_phase_step`` as in
        :func:`_unstable_mode_count`, plus ``f_max`` and ``df`` (Hz).

    Raises
    ------
    RuntimeError
        If the spectral radius of ``M`` is still >= 1 at 128 kHz (or at ``f_max``), so
        that the count cannot be closed.
    """
    from . import network_properties
    from .lif import delta, exp

    check_choice("prefix", prefix, ("lif.exp.", "lif.delta."))
    model = exp if prefix == "lif.exp." else delta
    params = network.network_params
    delays = np.asarray(params.get("Delay", params.get("D_mean", 0.0)), dtype=float)
    spread = params.get("Delay_sd", params.get("D_std"))
    spread = np.zeros(1) if spread is None else np.asarray(spread, dtype=float)
    longest = float(np.max(delays + 3 * spread)) if np.size(delays) else 0.0
    df = 2.0 if longest <= 0 else min(2.0, 1.0 / (16.0 * longest))
    work = network.copy()
    options = {k: v for k, v in transfer_function_kwargs.items()
               if k in ("synaptic_filter", "refractory_phase")}

    def connectivity_at(freqs: np.ndarray) -> np.ndarray:
        model.transfer_function(work, freqs=freqs, **transfer_function_kwargs)
        if variance_channel:
            model.transfer_function_variance(work, freqs=freqs, **options)
        network_properties.delay_dist_matrix(work, freqs=freqs)
        return np.array(effective_connectivity(work, prefix=prefix,
                                               variance_channel=variance_channel))

    candidates = ([float(check_positive("f_max", f_max, "Hz", allow_zero=False))]
                  if f_max is not None else [1e3 * 2**k for k in range(1, 8)])
    freqs = np.zeros(0)
    M = np.zeros((0,) + np.shape(params["K"]), dtype=complex)
    for f_hi in candidates:   # extend the grid until the tail cannot wind around 0
        start = freqs[-1] + df if freqs.size else 0.0
        extension = np.arange(start, f_hi + 0.5 * df, df)
        if extension.size:
            freqs = np.concatenate([freqs, extension])
            M = np.concatenate([M, connectivity_at(extension)])
        radius = float(np.abs(np.linalg.eigvals(M[-1])).max())
        if radius < 1.0:
            break
    else:
        raise RuntimeError(
            f"the spectral radius of the effective connectivity is still {radius:.3g} >= 1 "
            f"at {freqs[-1]:.0f} Hz: the number of unstable modes cannot be counted on a "
            "finite grid (strong coupling with δ synapses?); give a larger f_max")
    freqs, M = _refine_where_phase_jumps(freqs, M, connectivity_at)
    result = _unstable_mode_count(M, 2 * np.pi * freqs)
    result.update(f_max=float(freqs[-1]), df=df, n_frequencies=int(freqs.size))
    return result


def _refine_where_phase_jumps(freqs: np.ndarray, M: np.ndarray, connectivity_at: Any,
                              rounds: int = 6, points: int = 8
                              ) -> tuple[np.ndarray, np.ndarray]:
    """Insert ``points`` frequencies into every interval where arg det(1 - M) jumps by
    more than pi/2, up to ``rounds`` times (sharp resonances, e.g. of mean-driven
    neurons, need a finer grid only there)."""
    eye = np.eye(M.shape[-1])
    for _ in range(rounds):
        phase = np.linalg.slogdet(eye - M)[0]
        jumps = np.nonzero(np.abs(np.angle(phase[1:] / phase[:-1])) >= _MAX_PHASE_STEP)[0]
        if jumps.size == 0:
            break
        frac = np.arange(1, points + 1) / (points + 1)
        new = (freqs[jumps, None] + (freqs[jumps + 1] - freqs[jumps])[:, None] * frac).ravel()
        order = np.argsort(np.concatenate([freqs, new]), kind="stable")
        freqs = np.concatenate([freqs, new])[order]
        M = np.concatenate([M, connectivity_at(new)])[order]
    return freqs, M


def eigen_spectra(network: Any, quantity: str = "MH", return_vectors: bool = False, *,
                  prefix: str = _PREFIX
                  ) -> np.ndarray | tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Eigenvalues (and eigenvectors) of M, P, P^-1 or (1 - M)^-1; see :func:`_eigen_spectra`.

    Needs ``'lif.exp.effective_connectivity'``; cached under
    ``'lif.exp.eigen_spectra_<quantity>'`` (and ``'lif.exp.right_eigenvectors'``,
    ``'lif.exp.left_eigenvectors'`` with ``return_vectors``).
    """
    check_choice("quantity", quantity, EIGEN_QUANTITIES)
    params = _result(network, "effective_connectivity", prefix + "effective_connectivity")
    params["quantity"] = quantity
    params["return_vectors"] = bool(return_vectors)
    keys = [f"{prefix}eigen_spectra_{quantity}"]
    units = ["dimensionless"]
    if return_vectors:
        keys += [prefix + "right_eigenvectors", prefix + "left_eigenvectors"]
        units += ["dimensionless", "dimensionless"]
    return _cache(network, _eigen_spectra, params, keys if return_vectors else keys[0],
                  units if return_vectors else units[0])


def _analysis_frequencies(network: Any) -> np.ndarray:
    try:
        omegas = network.analysis_params["omegas"]
    except KeyError:
        raise RuntimeError("the network's analysis parameters define no 'omegas' "
                           "(angular frequencies of the effective connectivity)") from None
    return np.atleast_1d(np.asarray(omegas, dtype=float)) / (2 * np.pi)


def sensitivity_measure(network: Any, frequency: float, resorted_eigenvalues_mask: Any = None,
                        eigenvalue_index: Any = None, *, prefix: str = _PREFIX) -> dict:
    """Sensitivity measure (Bos et al. 2016, Eq. 7); see :func:`_sensitivity_measure`.

    ``frequency`` in Hz (or a pint quantity).  Needs ``'lif.exp.effective_connectivity'``
    and the analysis parameter ``omegas``; cached under ``'lif.exp.sensitivity_measure'``.
    """
    if hasattr(frequency, "to") and hasattr(frequency, "magnitude"):
        frequency = frequency.to("Hz").magnitude
    params = _result(network, "effective_connectivity", prefix + "effective_connectivity")
    params["frequency"] = float(frequency)
    params["analysis_frequencies"] = _analysis_frequencies(network)
    params["resorted_eigenvalues_mask"] = (None if _is_none(resorted_eigenvalues_mask)
                                           else np.asarray(resorted_eigenvalues_mask))
    params["eigenvalue_index"] = None if _is_none(eigenvalue_index) else int(eigenvalue_index)
    return _cache(network, _sensitivity_measure, params, prefix + "sensitivity_measure")


def sensitivity_measure_all_eigenmodes(network: Any, margin: float = 1e-5, *,
                                       prefix: str = _PREFIX) -> dict:
    """Sensitivity measure of every eigenmode; see :func:`_sensitivity_measure_all_eigenmodes`.

    Needs ``'lif.exp.effective_connectivity'`` and ``omegas``; cached under
    ``'lif.exp.sensitivity_measure_all_eigenmodes'``.
    """
    params = _result(network, "effective_connectivity", prefix + "effective_connectivity")
    params["analysis_frequencies"] = _analysis_frequencies(network)
    params["margin"] = float(margin)
    return _cache(network, _sensitivity_measure_all_eigenmodes, params,
                  prefix + "sensitivity_measure_all_eigenmodes")


def pairwise_effective_connectivity(network: Any) -> np.ndarray:
    """Pairwise effective connectivity (Helias et al. 2013, Eq. A.3).

    See :func:`_pairwise_effective_connectivity`.  Needs the working point
    (``'lif.exp.firing_rates'``, ``'lif.exp.mean_input'``, ``'lif.exp.std_input'``);
    cached under ``'lif.exp.pairwise_effective_connectivity'``.
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
    ``'lif.exp.spectral_bound'``.
    """
    params = _result(network, "J_eff", _PREFIX + "pairwise_effective_connectivity")
    return _cache(network, _spectral_bound, params, _PREFIX + "spectral_bound",
                  "dimensionless")


def pairwise_covariances(network: Any) -> np.ndarray:
    """Pairwise covariances (Layer et al. 2023, Eqs. 9, 11); see :func:`_pairwise_covariances`.

    Needs ``'lif.exp.pairwise_effective_connectivity'``, ``'lif.exp.firing_rates'`` and
    ``'lif.exp.cvs'``; cached under ``'lif.exp.pairwise_covariances'`` (Hz).
    """
    params = get_required_results(
        network, ["J_eff", "nu", "cvs"],
        [_PREFIX + "pairwise_effective_connectivity", _PREFIX + "firing_rates",
         _PREFIX + "cvs"])
    return _cache(network, _pairwise_covariances, params, _PREFIX + "pairwise_covariances",
                  "hertz")
