"""Linear response of networks: effective connectivity, propagator, spectra, eigenmodes,
sensitivity measure, pairwise effective connectivity and covariances.

Independent references used here:
- closed forms derived by hand: one population with constant transfer function h and a
  fixed delay d has M = tau K J h exp(-i w d) and power spectrum
  (nu/N) / |1 - tau K J h exp(-i w d)|^2; two populations via Cramer's rule
  (1 - M)^-1 = adj(1 - M) / det(1 - M);
- explicit matrix inverses (numpy.linalg.inv) at single frequencies;
- finite-difference perturbation of in-degrees (central differences) for the sensitivity
  measure (first-order eigenvalue perturbation theory);
- synthetic eigenvalue trajectories with known ground truth (shuffled per frequency);
- the stationary covariance of an Ornstein-Uhlenbeck process (Lyapunov equation,
  scipy.linalg.solve_continuous_lyapunov) against the integrated propagator spectrum;
- Monte-Carlo sampling of a linear stochastic system for the pairwise covariances;
- finite differences of the mpmath Fourcaud-Brunel rate (tests/conftest.py) for the
  pairwise effective connectivity;
- NNMT 1.3 side by side on random inputs (its conventions).
"""

from __future__ import annotations

import warnings
from types import SimpleNamespace

import mpmath as mp
import numpy as np
import pytest
from references import mp_shift_rate
from scipy.linalg import solve_continuous_lyapunov

import neuromf.linear_response as lr
from neuromf.network_properties import _delay_dist_matrix


def _random_inputs(n=5, n_freq=30, seed=0, scale=1.0):
    rng = np.random.default_rng(seed)
    omegas = 2 * np.pi * np.linspace(0.5, 400, n_freq)
    tau_s = 0.5e-3
    H = (rng.uniform(20, 80, n)[None, :] * np.exp(-0.1 * rng.uniform(size=n))[None, :]
         / (1 + 1j * omegas[:, None] * tau_s))
    J = scale * rng.normal(0, 1.5e-4, (n, n))
    K = rng.uniform(10, 400, (n, n))
    Delay = rng.uniform(0.5e-3, 2e-3, (n, n))
    D = _delay_dist_matrix(Delay, 0.5 * Delay, "truncated_gaussian", omegas)
    tau_m = 10e-3
    nu = rng.uniform(0.5, 10, n)
    N = rng.uniform(500, 5000, n)
    return dict(H=H, D=D, J=J, K=K, tau_m=tau_m, nu=nu, N=N, omegas=omegas)


# ---------------------------------------------------------------------------
# effective connectivity, propagator, spectra: closed forms
# ---------------------------------------------------------------------------

def test_one_population_closed_form_spectrum():
    # One population, constant transfer function h (Hz/V), fixed delay d:
    # M(w) = tau K J h exp(-i w d), C(w) = (nu/N) / |1 - M(w)|^2 (scalar resolvent).
    tau, K, J, h, d, nu, N = 10e-3, 800.0, -0.1e-3, 60.0 + 5j, 1.5e-3, 8.0, 1000.0
    omegas = 2 * np.pi * np.linspace(0, 500, 101)
    D = _delay_dist_matrix(np.array([[d]]), None, "none", omegas)
    H = np.full((omegas.size, 1), h)
    M = lr._effective_connectivity(H, D, np.array([[J]]), np.array([[K]]), tau)
    m = tau * K * J * h * np.exp(-1j * omegas * d)
    np.testing.assert_allclose(M[:, 0, 0], m, rtol=1e-14)
    expected = (nu / N) / np.abs(1 - m) ** 2
    P = lr._power_spectra(np.array([nu]), M, J, K, np.array([N]), tau)
    assert P.shape == (omegas.size, 1)
    np.testing.assert_allclose(P[:, 0], expected, rtol=1e-13)
    C = lr._cross_spectral_matrix(np.array([nu]), M, J, K, np.array([N]), tau)
    np.testing.assert_allclose(C[:, 0, 0], expected, rtol=1e-13)
    np.testing.assert_allclose(lr._propagator(M)[:, 0, 0], m / (1 - m), rtol=1e-13)


def test_two_populations_cramer_rule():
    # (1 - M)^-1 = [[1 - m22, m12], [m21, 1 - m11]] / det(1 - M) for 2 x 2 matrices;
    # C = Q diag(nu/N) Q^dagger element by element.
    p = _random_inputs(n=2, n_freq=25, seed=4)
    M = lr._effective_connectivity(p["H"], p["D"], p["J"], p["K"], p["tau_m"])
    m11, m12, m21, m22 = M[:, 0, 0], M[:, 0, 1], M[:, 1, 0], M[:, 1, 1]
    det = (1 - m11) * (1 - m22) - m12 * m21
    Q = np.stack([np.stack([1 - m22, m12], -1), np.stack([m21, 1 - m11], -1)], -2)
    Q = Q / det[:, None, None]
    a = p["nu"] / p["N"]
    C_ref = np.einsum("fik,k,fjk->fij", Q, a, Q.conj())
    C = lr._cross_spectral_matrix(p["nu"], M, p["J"], p["K"], p["N"], p["tau_m"])
    np.testing.assert_allclose(C, C_ref, rtol=1e-12, atol=1e-14 * np.abs(C_ref).max())
    P = lr._power_spectra(p["nu"], M, p["J"], p["K"], p["N"], p["tau_m"])
    np.testing.assert_allclose(P, np.abs(C_ref[:, [0, 1], [0, 1]]), rtol=1e-12)
    np.testing.assert_allclose(lr._propagator(M), Q @ M, rtol=1e-12, atol=1e-15)


def test_effective_connectivity_definition_and_target_tau_m():
    # M_ab = tau_m,a K_ab J_ab H_a D_ab, element by element; tau_m of the *target*.
    p = _random_inputs(n=3, n_freq=4, seed=1)
    tau_m = np.array([5e-3, 10e-3, 20e-3])
    M = lr._effective_connectivity(p["H"], p["D"], p["J"], p["K"], tau_m)
    for f in range(4):
        for a in range(3):
            for b in range(3):
                expected = tau_m[a] * p["K"][a, b] * p["J"][a, b] * p["H"][f, a] * p["D"][f, a, b]
                assert abs(M[f, a, b] - expected) <= 1e-15 * abs(expected)
    # a frequency-independent D (n, n) and a single frequency (1-d H)
    M2 = lr._effective_connectivity(p["H"], p["D"][0], p["J"], p["K"], tau_m)
    np.testing.assert_allclose(M2[0], M[0], rtol=1e-15)
    M1 = lr._effective_connectivity(p["H"][2], p["D"][2], p["J"], p["K"], tau_m)
    assert M1.shape == (3, 3)
    np.testing.assert_allclose(M1, M[2], rtol=1e-15)


def test_propagator_identities_against_explicit_inverse():
    p = _random_inputs(n=6, n_freq=12, seed=2, scale=3.0)
    M = lr._effective_connectivity(p["H"], p["D"], p["J"], p["K"], p["tau_m"])
    P = lr._propagator(M)
    f = 7
    Q = np.linalg.inv(np.eye(6) - M[f])
    np.testing.assert_allclose(P[f], Q @ M[f], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(P[f], Q - np.eye(6), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(np.einsum("fij,fjk->fik", np.eye(6) - M, P), M, atol=1e-13)
    np.testing.assert_allclose(lr._propagator(M[f]), P[f], rtol=1e-13)


def test_cross_spectral_matrix_is_hermitian_positive():
    p = _random_inputs(n=5, n_freq=20, seed=3)
    M = lr._effective_connectivity(p["H"], p["D"], p["J"], p["K"], p["tau_m"])
    C = lr._cross_spectral_matrix(p["nu"], M, p["J"], p["K"], p["N"], p["tau_m"])
    np.testing.assert_allclose(C, np.conj(np.swapaxes(C, -1, -2)), atol=1e-15)
    assert np.all(np.linalg.eigvalsh(C) > -1e-15)
    P = lr._power_spectra(p["nu"], M, p["J"], p["K"], p["N"], p["tau_m"])
    np.testing.assert_allclose(P, np.einsum("fii->fi", C).real, rtol=1e-12)


def test_integrated_propagator_spectrum_equals_ou_covariance():
    # Rate model with low-pass response: M(w) = W / (1 + i w tau).  Then P xi with white
    # noise xi of power Dn is the Ornstein-Uhlenbeck process tau dy/dt = -(1 - W) y + W xi,
    # whose stationary covariance S solves (1 - W) S + S (1 - W)^T = W Dn W^T / tau, and
    # S = int P(w) Dn P(w)^dagger dw / (2 pi).
    W = np.array([[0.4, -0.9], [0.6, -0.5]])
    Dn = np.array([2.0, 5.0])
    tau = 5e-3
    # w = tan(theta) / tau maps [0, pi/2) onto [0, inf); Gauss-Legendre in theta.
    x, wts = np.polynomial.legendre.leggauss(400)
    theta = 0.25 * np.pi * (x + 1)
    wts = 0.25 * np.pi * wts
    omegas = np.tan(theta) / tau
    M = W[None] / (1 + 1j * omegas * tau)[:, None, None]
    P = lr._propagator(M)
    integrand = np.einsum("fik,k,fjk->fij", P, Dn, P.conj())
    jac = (1 / tau) / np.cos(theta) ** 2
    # C(-w) = conj C(w): int over R = 2 Re int over [0, inf)
    S = 2 * np.einsum("f,fij->ij", wts * jac, integrand).real / (2 * np.pi)
    A = np.eye(2) - W
    S_ref = solve_continuous_lyapunov(A, W @ np.diag(Dn) @ W.T / tau)
    np.testing.assert_allclose(S, S_ref, rtol=1e-8)


# ---------------------------------------------------------------------------
# eigen spectra
# ---------------------------------------------------------------------------

def test_eigen_spectra_vectors_and_quantities():
    p = _random_inputs(n=5, n_freq=15, seed=5, scale=2.0)
    M = lr._effective_connectivity(p["H"], p["D"], p["J"], p["K"], p["tau_m"])
    lam, right, left = lr._eigen_spectra(M, "MH", return_vectors=True)
    assert lam.shape == (15, 5) and right.shape == left.shape == (15, 5, 5)
    scale = np.abs(M).max()
    # M v = lambda v (columns), u^T M = lambda u^T (rows), u^T v = delta
    np.testing.assert_allclose(M @ right, right * lam[:, None, :], atol=1e-13 * scale)
    np.testing.assert_allclose(left @ M, lam[:, :, None] * left,
                               atol=1e-12 * scale * np.abs(left).max())
    np.testing.assert_allclose(left @ right, np.broadcast_to(np.eye(5), right.shape),
                               atol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(right, axis=1), 1.0, rtol=1e-13)
    # the other matrices, built explicitly, have the same eigenvectors
    f = 9
    Q = np.linalg.inv(np.eye(5) - M[f])
    explicit = {"prop": Q @ M[f], "prop_inv": np.linalg.inv(Q @ M[f]), "resolvent": Q}
    for quantity, matrix in explicit.items():
        values = lr._eigen_spectra(M, quantity)
        assert values.shape == (15, 5)
        np.testing.assert_allclose(matrix @ right[f], right[f] * values[f][None, :],
                                   atol=1e-11 * np.abs(values[f]).max(), err_msg=quantity)
    np.testing.assert_allclose(lr._eigen_spectra(M[f]), lam[f], rtol=1e-13)


def test_eigen_spectra_singular_cases_warn():
    M = np.array([[[0.0, 0.0], [0.0, 0.5]]])
    with pytest.warns(RuntimeWarning, match="prop_inv"):
        values = lr._eigen_spectra(M, "prop_inv")
    assert np.isinf(values).sum() == 1
    with pytest.raises(ValueError, match="quantity.*'MH'.*'prop'"):
        lr._eigen_spectra(M, "Q")


# ---------------------------------------------------------------------------
# eigenvalue matching
# ---------------------------------------------------------------------------

def _shuffled(truth, seed):
    rng = np.random.default_rng(seed)
    perms = np.array([rng.permutation(truth.shape[1]) for _ in range(truth.shape[0])])
    perms[0] = np.arange(truth.shape[1])
    return np.take_along_axis(truth, perms, axis=1), perms


def test_matching_recovers_crossing_trajectories():
    # Ground truth: lambda_1 = t and lambda_2 = -t + i delta pass each other at t = 0
    # at a distance delta much smaller than the step; lambda_3 circles far away.  The
    # eigensolver order is simulated by shuffling each row.
    t = np.linspace(-1, 1, 40)                  # t = 0 lies between two grid points
    delta = 1e-3
    truth = np.stack([t + 0j, -t + 1j * delta, 3 + np.exp(2j * t)], axis=1)
    raw, perms = _shuffled(truth, 8)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        resorted, mask = lr._match_eigenvalues_across_frequencies(raw)
    np.testing.assert_array_equal(resorted, truth)
    np.testing.assert_array_equal(np.take_along_axis(raw, mask, axis=1), resorted)
    np.testing.assert_array_equal(mask, np.argsort(perms, axis=1))


def test_matching_nearest_neighbour_would_swap(nnmt):
    # NNMT's nearest-neighbour rule turns the crossing of the previous test into a
    # reflection (spurious swap at t = 0); the extrapolating matcher does not.
    t = np.linspace(-1, 1, 40)
    truth = np.stack([t + 0j, -t + 1e-3j], axis=1)
    theirs, _ = nnmt.lif.exp._match_eigenvalues_across_frequencies(truth, margin=1e-5)
    assert not np.array_equal(theirs, truth)
    ours, _ = lr._match_eigenvalues_across_frequencies(truth)
    np.testing.assert_array_equal(ours, truth)


def test_matching_eigenvalues_of_a_matrix_family():
    # M(t) = S diag(lambda(t)) S^-1 with a fixed random S: numpy.linalg.eig returns the
    # eigenvalues in its own order; trajectories are known up to the initial labelling.
    rng = np.random.default_rng(9)
    t = np.linspace(0, 1, 300)
    truth = np.stack([np.exp(2j * np.pi * t) * 0.8, 0.5 - t + 0.2j, -0.5 + t - 0.2j,
                      0.3 * np.exp(-4j * np.pi * t) - 0.1, 1.2 - 0.5 * t ** 2 + 0.1j * t],
                     axis=1)
    S = rng.normal(size=(5, 5)) + 1j * rng.normal(size=(5, 5))
    M = S[None] @ (truth[:, :, None] * np.linalg.inv(S)[None])
    raw = np.linalg.eigvals(M)
    resorted, mask = lr._match_eigenvalues_across_frequencies(raw, frequencies=t)
    order = [int(np.argmin(np.abs(truth[0] - value))) for value in resorted[0]]
    np.testing.assert_allclose(resorted, truth[:, order], atol=1e-10)


def test_matching_nonuniform_grid_and_degenerate_pairs():
    # Non-uniform grid: extrapolation must use the actual frequency spacing.  Two
    # identical trajectories (degenerate eigenvalues) raise no ambiguity warning.
    f = np.concatenate([np.linspace(-1, -0.05, 20), np.linspace(0.02, 1, 5)])
    truth = np.stack([f + 0j, -f + 1e-3j, 2 + 0j * f, 2 + 0j * f], axis=1)
    raw, _ = _shuffled(truth, 1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        resorted, _ = lr._match_eigenvalues_across_frequencies(raw, frequencies=f)
    np.testing.assert_array_equal(resorted, truth)


def test_matching_warns_when_ambiguous():
    # Eigenvalues jumping by more than their separation between grid points.
    rng = np.random.default_rng(2)
    raw = rng.normal(size=(6, 4)) + 1j * rng.normal(size=(6, 4))
    with pytest.warns(UserWarning, match="ambiguous eigenvalue matching"):
        lr._match_eigenvalues_across_frequencies(raw)


def test_matching_agrees_with_nnmt_on_fine_grid(nnmt):
    # Eigenvalues of a random 8-population effective connectivity on 800 frequencies
    # (steps far below the eigenvalue separations): both matchers give the same
    # trajectories and masks, and the raw order does change along the way.
    p = _random_inputs(n=8, n_freq=800, seed=0, scale=2.0)
    M = lr._effective_connectivity(p["H"], p["D"], p["J"], p["K"], p["tau_m"])
    raw = np.linalg.eigvals(M)
    ours, our_mask = lr._match_eigenvalues_across_frequencies(raw)
    theirs, their_mask = nnmt.lif.exp._match_eigenvalues_across_frequencies(raw)
    assert np.any(ours != raw)
    np.testing.assert_array_equal(ours, theirs)
    np.testing.assert_array_equal(our_mask, their_mask)


# ---------------------------------------------------------------------------
# sensitivity measure
# ---------------------------------------------------------------------------

def _sensitivity_setup(seed=6):
    p = _random_inputs(n=4, n_freq=30, seed=seed, scale=4.0)
    freqs = p["omegas"] / (2 * np.pi)
    M = lr._effective_connectivity(p["H"], p["D"], p["J"], p["K"], p["tau_m"])
    return p, freqs, M


def _eigenvalues_with_K(p, K, f):
    M = lr._effective_connectivity(p["H"][f], p["D"][f], p["J"], K, p["tau_m"])
    return np.linalg.eigvals(M)


def test_sensitivity_against_finite_differences():
    # T_ab predicts d lambda / d eps for K_ab -> K_ab (1 + eps); central differences with
    # eps = 1e-5 have O(eps^2) error.
    p, freqs, M = _sensitivity_setup()
    result = lr._sensitivity_measure(M, 123.0, freqs)
    f = result["critical_frequency_index"]
    assert f == np.argmin(np.abs(freqs - 123.0))
    lam = result["critical_eigenvalue"]
    assert np.argmin(np.abs(np.linalg.eigvals(M[f]) - 1)) == np.argmin(
        np.abs(np.linalg.eigvals(M[f]) - lam))
    eps = 1e-5
    k = result["k"]
    k_per = result["k_per"]
    for a in range(4):
        for b in range(4):
            shifted = []
            for sign in (1, -1):
                K = p["K"].copy()
                K[a, b] *= 1 + sign * eps
                values = _eigenvalues_with_K(p, K, f)
                shifted.append(values[np.argmin(np.abs(values - lam))])
            fd = (shifted[0] - shifted[1]) / (2 * eps)
            T = result["sensitivity"][a, b]
            assert abs(T - fd) < 1e-7 * max(1.0, abs(fd)), (a, b, T, fd)
            assert abs(result["sensitivity_amp"][a, b] - (fd.real * k[0] + fd.imag * k[1])) < 1e-7
            assert abs(result["sensitivity_freq"][a, b]
                       - (fd.real * k_per[0] + fd.imag * k_per[1])) < 1e-7
    # k is the unit vector from lambda to 1, k_per perpendicular to it
    np.testing.assert_allclose(k, np.array([1 - lam.real, -lam.imag]) / abs(1 - lam))
    assert abs(k @ k_per) < 1e-15 and abs(np.hypot(*k_per) - 1) < 1e-15
    # sum over all connections: M is homogeneous of degree 1 in K, so sum T = lambda
    assert abs(result["sensitivity"].sum() - lam) < 1e-12 * max(1, abs(lam))


def test_sensitivity_vectors_and_index_selection():
    p, freqs, M = _sensitivity_setup(seed=7)
    result = lr._sensitivity_measure(M, 50.0, freqs, eigenvalue_index=2)
    f = result["critical_frequency_index"]
    u, v, lam = result["left_eigenvector"], result["right_eigenvector"], \
        result["critical_eigenvalue"]
    np.testing.assert_allclose(M[f] @ v, lam * v, atol=1e-13)
    np.testing.assert_allclose(u @ M[f], lam * u, atol=1e-12 * np.abs(u).max())
    assert abs(u @ v - 1) < 1e-12
    assert abs(lam - lr._eigen_spectra(M[f])[2]) < 1e-13
    with pytest.raises(ValueError, match="eigenvalue_index"):
        lr._sensitivity_measure(M, 50.0, freqs, eigenvalue_index=4)
    with pytest.warns(UserWarning, match="outside the analysis frequencies"):
        lr._sensitivity_measure(M, 1e4, freqs)


def test_sensitivity_all_eigenmodes():
    # Each trajectory is analysed at the frequency where it comes closest to 1, and the
    # result equals _sensitivity_measure there with the same mask and index.
    p, freqs, M = _sensitivity_setup(seed=8)
    raw = lr._eigen_spectra(M)
    resorted, mask = lr._match_eigenvalues_across_frequencies(raw, frequencies=freqs)
    results = lr._sensitivity_measure_all_eigenmodes(M, freqs)
    assert sorted(results) == ["0", "1", "2", "3"]
    for key, res in results.items():
        k = int(key)
        f = int(np.argmin(np.abs(resorted[:, k] - 1)))
        assert res["critical_frequency_index"] == f
        assert abs(res["critical_eigenvalue"] - resorted[f, k]) < 1e-13
        single = lr._sensitivity_measure(M, freqs[f], freqs, resorted_eigenvalues_mask=mask,
                                         eigenvalue_index=k)
        np.testing.assert_allclose(res["sensitivity"], single["sensitivity"], atol=1e-13)


def test_sensitivity_nnmt_side_by_side(nnmt):
    p, freqs, M = _sensitivity_setup(seed=10)
    ours = lr._sensitivity_measure(M, 200.0, freqs)
    theirs = nnmt.lif.exp._sensitivity_measure(M, 200.0, freqs, "None", "None")
    for key in ["critical_frequency_index", "critical_eigenvalue", "k", "k_per",
                "sensitivity", "sensitivity_amp", "sensitivity_freq"]:
        np.testing.assert_allclose(ours[key], theirs[key], rtol=1e-10, atol=1e-14,
                                   err_msg=key)


# ---------------------------------------------------------------------------
# NNMT side by side: effective connectivity, propagator, power spectra
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("seed", [0, 1, 2])
def test_spectra_nnmt_side_by_side(nnmt, seed):
    p = _random_inputs(n=8, n_freq=60, seed=seed, scale=2.0)
    args = (p["H"], p["D"], p["J"], p["K"], p["tau_m"])
    M = lr._effective_connectivity(*args)
    np.testing.assert_allclose(M, nnmt.lif.exp._effective_connectivity(*args), rtol=1e-14,
                               atol=1e-17)
    np.testing.assert_allclose(lr._propagator(M), nnmt.lif.exp._propagator(M), rtol=1e-10,
                               atol=1e-14)
    spectra = (p["nu"], M, p["J"], p["K"], p["N"], p["tau_m"])
    np.testing.assert_allclose(lr._power_spectra(*spectra),
                               nnmt.lif.exp._power_spectra(*spectra), rtol=1e-10)


# ---------------------------------------------------------------------------
# pairwise effective connectivity, spectral bound, covariances
# ---------------------------------------------------------------------------

def test_pairwise_effective_connectivity_against_mpmath_derivatives():
    # w_ab = d nu_a / d nu_b with mu_a = tau_m sum_b J_ab nu_b + ..., sigma_a^2 =
    # tau_m sum_b J_ab^2 nu_b + ...; d Phi/d mu and d Phi/d sigma of the mpmath
    # Fourcaud-Brunel rate by numerical differentiation (mpmath.diff).
    V_0, V_th, tau_m, tau_r, tau_s = 10e-3, 20e-3, 10e-3, 2e-3, 0.5e-3
    mu = np.array([12e-3, 16e-3, 21e-3])
    sigma = np.array([5e-3, 3e-3, 2.5e-3])
    J = np.array([[0.2e-3, -0.8e-3, 0.1e-3], [0.15e-3, -1.0e-3, 0.3e-3],
                  [0.4e-3, -0.5e-3, 0.0]])
    nu = np.array([mp_shift_rate(m, s, V_0, V_th, tau_m, tau_r, tau_s)
                   for m, s in zip(mu, sigma, strict=True)])
    w = lr._pairwise_effective_connectivity(nu, mu, sigma, J, V_0, V_th, tau_m, tau_s)
    def rate(m, s):
        return mp.mpf(mp_shift_rate(m, s, V_0, V_th, tau_m, tau_r, tau_s, dps=30))

    for a in range(3):
        m_a, s_a = mu[a], sigma[a]
        with mp.workdps(30):
            d_mu = float(mp.diff(lambda m, s_a=s_a: rate(m, s_a), m_a, h=1e-7))
            d_sigma = float(mp.diff(lambda s, m_a=m_a: rate(m_a, s), s_a, h=1e-7))
        expected = tau_m * J[a] * d_mu + tau_m * J[a] ** 2 * d_sigma / (2 * sigma[a])
        np.testing.assert_allclose(w[a], expected, rtol=1e-6, atol=1e-12)


def test_pairwise_effective_connectivity_nnmt_side_by_side(nnmt):
    rng = np.random.default_rng(12)
    n = 6
    mu = rng.uniform(5e-3, 18e-3, n)
    sigma = rng.uniform(2e-3, 6e-3, n)
    nu = rng.uniform(1, 20, n)
    J = rng.normal(0, 0.3e-3, (n, n))
    args = (nu, mu, sigma, J, 10e-3, 20e-3, 10e-3, 0.5e-3)
    np.testing.assert_allclose(lr._pairwise_effective_connectivity(*args),
                               nnmt.lif.exp._pairwise_effective_connectivity(*args),
                               rtol=1e-12, atol=1e-18)


def test_spectral_bound():
    # Matrix with known eigenvalues (S diag S^-1): the bound is the largest real part,
    # also when it is negative (NNMT 1.3 returns its absolute value).
    rng = np.random.default_rng(13)
    S = rng.normal(size=(4, 4))
    for eigenvalues, bound in [([0.3, -0.9, 0.1 + 0.2j, 0.1 - 0.2j], 0.3),
                               ([-0.2, -1.5, -0.4 + 1j, -0.4 - 1j], -0.2)]:
        J_eff = (S @ np.diag(eigenvalues) @ np.linalg.inv(S)).real
        assert abs(lr._spectral_bound(J_eff) - bound) < 1e-12


def test_pairwise_covariances_properties_and_monte_carlo(nnmt):
    # Defining properties (Layer et al. 2023, Eqs. 9 and 11): C = A diag(D) A^T with
    # A = (1 - J_eff)^-1 and diag(C) = cv^2 nu.  Monte Carlo: y = A x with independent
    # x_k ~ N(0, D_k) has covariance C (4e5 samples, 5 standard errors).
    J_eff = np.array([[0.1, -0.4, 0.05], [0.3, -0.2, 0.1], [0.2, -0.3, -0.1]])
    nu = np.array([3.0, 8.0, 5.0])
    cvs = np.array([0.9, 1.1, 0.7])
    C, D = lr._pairwise_covariances(J_eff, nu, cvs, return_noise_strength=True)
    np.testing.assert_allclose(np.diag(C), cvs ** 2 * nu, rtol=1e-13)
    np.testing.assert_allclose(C, C.T, rtol=1e-13)
    assert np.all(D > 0)
    rng = np.random.default_rng(14)
    x = rng.normal(size=(400_000, 3)) * np.sqrt(D)
    y = np.linalg.solve(np.eye(3) - J_eff, x.T).T
    prods = y[:, :, None] * y[:, None, :]
    se = prods.std(axis=0) / np.sqrt(len(y))
    assert np.all(np.abs(prods.mean(axis=0) - C) < 5 * se)
    np.testing.assert_allclose(C, nnmt.lif.exp._pairwise_covariances(J_eff, nu, cvs),
                               rtol=1e-12)
    # one neuron: C = cv^2 nu, D = cv^2 nu (1 - w)^2
    C1, D1 = lr._pairwise_covariances(np.array([[0.3]]), [4.0], [0.8], True)
    assert abs(C1[0, 0] - 2.56) < 1e-14 and abs(D1[0] - 2.56 * 0.49) < 1e-14


# ---------------------------------------------------------------------------
# bad input
# ---------------------------------------------------------------------------

def test_bad_inputs():
    p = _random_inputs(n=3, n_freq=5)
    H, D, J, K, tau = p["H"], p["D"], p["J"], p["K"], p["tau_m"]
    with pytest.raises(ValueError, match="same frequencies"):
        lr._effective_connectivity(H[:4], D, J, K, tau)
    with pytest.raises(ValueError, match=r"transfer_function must have shape \(n_freq, 3\)"):
        lr._effective_connectivity(H[:, :2], D, J, K, tau)
    with pytest.raises(ValueError, match="D must have shape"):
        lr._effective_connectivity(H, D[:, :2], J, K, tau)
    with pytest.raises(ValueError, match="J must be"):
        lr._effective_connectivity(H, D, J[:2], K, tau)
    with pytest.raises(ValueError, match="(?s)K must be >= 0"):
        lr._effective_connectivity(H, D, J, -K, tau)
    with pytest.raises(ValueError, match="tau_m must be > 0"):
        lr._effective_connectivity(H, D, J, K, 0.0)
    with pytest.raises(ValueError, match="tau_m must be a scalar or have shape"):
        lr._effective_connectivity(H, D, J, K, [1e-2, 1e-2])
    with pytest.raises(ValueError, match="transfer_function must be finite"):
        lr._effective_connectivity(H * np.nan, D, J, K, tau)
    M = lr._effective_connectivity(H, D, J, K, tau)
    with pytest.raises(ValueError, match="nu must be a scalar or have shape"):
        lr._power_spectra(p["nu"][:2], M, J, K, p["N"], tau)
    with pytest.raises(ValueError, match="(?s)N must be > 0"):
        lr._power_spectra(p["nu"], M, J, K, 0 * p["N"], tau)
    with pytest.raises(ValueError, match="effective_connectivity must have shape"):
        lr._cross_spectral_matrix(p["nu"], M[..., :2], J, K, p["N"], tau)
    with pytest.raises(ValueError, match="singular"):
        lr._propagator(np.eye(3)[None])
    with pytest.raises(ValueError, match="eigenvalues must have shape"):
        lr._match_eigenvalues_across_frequencies(np.ones(4))
    with pytest.raises(ValueError, match="frequencies must have shape"):
        lr._match_eigenvalues_across_frequencies(np.ones((4, 2)), frequencies=[1, 2])
    with pytest.raises(ValueError, match="analysis_frequencies must have shape"):
        lr._sensitivity_measure(M, 1.0, np.arange(4.0))
    with pytest.raises(ValueError, match="(?s)sigma must be > 0"):
        lr._pairwise_effective_connectivity(p["nu"], [0.01] * 3, [0.0] * 3, J, 0.01, 0.02,
                                            0.01, 5e-4)
    with pytest.raises(ValueError, match="J_eff must be a square"):
        lr._pairwise_covariances(np.ones((2, 3)), [1, 1], [1, 1])


# ---------------------------------------------------------------------------
# network-level wrappers
# ---------------------------------------------------------------------------

def _network(n=3, n_freq=6, seed=0):
    p = _random_inputs(n=n, n_freq=n_freq, seed=seed)
    net = SimpleNamespace(
        network_params=dict(J=p["J"], K=p["K"], tau_m=p["tau_m"], N=p["N"], tau_s=0.5e-3,
                            V_0_rel=10e-3, V_th_rel=20e-3),
        analysis_params=dict(omegas=p["omegas"]),
        results={}, results_hash_dict={}, result_units={})
    return net, p


def test_network_level_chain_and_caching():
    net, p = _network()
    with pytest.raises(RuntimeError, match="lif.exp.transfer_function"):
        lr.effective_connectivity(net)
    net.results["lif.exp.transfer_function"] = p["H"]
    with pytest.raises(RuntimeError, match="network_properties.delay_dist_matrix"):
        lr.effective_connectivity(net)
    net.results["network_properties.delay_dist_matrix"] = p["D"]
    M = lr.effective_connectivity(net)
    np.testing.assert_array_equal(
        M, lr._effective_connectivity(p["H"], p["D"], p["J"], p["K"], p["tau_m"]))
    assert net.results["lif.exp.effective_connectivity"] is M
    assert lr.effective_connectivity(net) is M
    with pytest.raises(RuntimeError, match="lif.exp.firing_rates"):
        lr.power_spectra(net)
    net.results["lif.exp.firing_rates"] = p["nu"]
    P = lr.power_spectra(net)
    np.testing.assert_array_equal(P, lr._power_spectra(p["nu"], M, None, None, p["N"], None))
    assert net.results["lif.exp.power_spectra"] is P
    assert net.result_units["lif.exp.power_spectra"] == "hertz"
    C = lr.cross_spectral_matrix(net)
    np.testing.assert_allclose(np.einsum("fii->fi", C).real, P, rtol=1e-12)
    np.testing.assert_array_equal(lr.propagator(net), lr._propagator(M))
    assert "lif.exp.propagator" in net.results
    lam = lr.eigen_spectra(net)
    np.testing.assert_array_equal(lam, np.linalg.eigvals(M))
    values, right, left = lr.eigen_spectra(net, "prop", return_vectors=True)
    np.testing.assert_allclose(values, lam / (1 - lam), rtol=1e-14)
    assert net.results["lif.exp.left_eigenvectors"] is left
    freqs = p["omegas"] / (2 * np.pi)
    s = lr.sensitivity_measure(net, 100.0)
    assert s["critical_frequency_index"] == np.argmin(np.abs(freqs - 100.0))
    assert net.results["lif.exp.sensitivity_measure"] is s
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")         # 6 frequencies: matching is ambiguous
        allmodes = lr.sensitivity_measure_all_eigenmodes(net)
    assert set(allmodes) == {"0", "1", "2"}


def test_network_level_pairwise_chain():
    net, p = _network()
    with pytest.raises(RuntimeError, match="lif.exp.firing_rates"):
        lr.pairwise_effective_connectivity(net)
    net.results["lif.exp.firing_rates"] = p["nu"]
    net.results["lif.exp.mean_input"] = np.array([12e-3, 15e-3, 18e-3])
    net.results["lif.exp.std_input"] = np.array([4e-3, 4e-3, 3e-3])
    J_eff = lr.pairwise_effective_connectivity(net)
    assert net.results["lif.exp.pairwise_effective_connectivity"] is J_eff
    bound = lr.spectral_bound(net)
    assert bound == lr._spectral_bound(J_eff)
    with pytest.raises(RuntimeError, match="lif.exp.cvs"):
        lr.pairwise_covariances(net)
    net.results["lif.exp.cvs"] = np.array([0.8, 0.9, 1.0])
    C = lr.pairwise_covariances(net)
    np.testing.assert_allclose(np.diag(C), net.results["lif.exp.cvs"] ** 2 * p["nu"],
                               rtol=1e-12)


def test_microcircuit_pipeline_matches_nnmt_on_same_inputs(nnmt):
    # Network-level pipeline on the Bos et al. 2016 microcircuit (3141 frequencies):
    # NNMT's delay matrix, effective connectivity and power spectra evaluated on our
    # working point and transfer function give the same spectra.
    from references import nnmt_file

    from neuromf import models, network_properties
    from neuromf.lif import exp as lif

    if not hasattr(lif, "transfer_function"):
        pytest.skip("neuromf.lif.exp.transfer_function not available")
    net = models.Microcircuit(nnmt_file("bos2016_network_params.yaml"),
                              nnmt_file("bos2016_analysis_params.yaml"))
    lif.working_point(net)
    H = lif.transfer_function(net)
    network_properties.delay_dist_matrix(net)
    lif.effective_connectivity(net)
    spectra = lif.power_spectra(net)
    p, omegas = net.network_params, net.analysis_params["omegas"]
    D = nnmt.network_properties._delay_dist_matrix(p["Delay"], p["Delay_sd"],
                                                   p["delay_dist"], omegas)
    M = nnmt.lif.exp._effective_connectivity(H, D, p["J"], p["K"], p["tau_m"])
    expected = nnmt.lif.exp._power_spectra(net.results["lif.exp.firing_rates"], M, p["J"],
                                           p["K"], p["N"], p["tau_m"])
    np.testing.assert_allclose(spectra, expected, rtol=1e-10)
