"""Tests of neuromf.binary (mean-field theory of binary networks, Helias et al. 2014).

Expected values: closed forms (normal distribution function, hand-written sums), an
independent high-precision root of the self-consistency equations (mpmath), and direct
simulations of Glauber dynamics of random binary networks.
"""

import warnings
from types import SimpleNamespace

import mpmath as mp
import numpy as np
import pytest
from scipy.stats import norm

from neuromf import binary as b

# E-I network used for the comparison with simulations (arbitrary input units)
N_EI = np.array([2000, 500])
K_EI = np.array([[100, 25], [100, 25]])
G = 4.3
J_EI = np.array([[0.03, -G * 0.03], [0.03, -G * 0.03]])
J_EXT = np.array([[0.02], [0.02]])
K_EXT = np.array([[2500], [2500]])
M_EXT = np.array([0.2])
THETA = np.array([10.2, 10.1])


def test_activity_for_given_input_is_normal_sf():
    mu = np.array([-1.0, 0.3, 2.0, 5.0])
    sigma = np.array([0.5, 1.0, 2.0, 0.1])
    theta = 0.7
    expected = norm.sf(theta, loc=mu, scale=sigma)
    np.testing.assert_allclose(b._mean_activity_for_given_input(mu, sigma, theta), expected,
                               rtol=1e-14)
    # deterministic neurons for sigma = 0
    np.testing.assert_array_equal(
        b._mean_activity_for_given_input([0.0, 1.0, 0.7], 0.0, 0.7), [0.0, 1.0, 0.5])


def test_input_statistics_closed_form():
    m = np.array([0.1, 0.4])
    J = np.array([[1.0, -2.0], [0.5, -1.5]])
    K = np.array([[10, 4], [8, 3]])
    Jx, Kx, mx = np.array([[0.3], [0.2]]), np.array([[50], [40]]), np.array([0.25])
    mu = b._mean_input(m, J, K, Jx, Kx, mx)
    sd = b._std_input(m, J, K, Jx, Kx, mx)
    mu_hand = [10 * 1.0 * 0.1 - 4 * 2.0 * 0.4 + 50 * 0.3 * 0.25,
               8 * 0.5 * 0.1 - 3 * 1.5 * 0.4 + 40 * 0.2 * 0.25]
    var_hand = [10 * 0.09 + 4 * 4 * 0.24 + 50 * 0.09 * 0.1875,
                8 * 0.25 * 0.09 + 3 * 2.25 * 0.24 + 40 * 0.04 * 0.1875]
    np.testing.assert_allclose(mu, mu_hand, rtol=1e-14)
    np.testing.assert_allclose(sd, np.sqrt(var_hand), rtol=1e-14)
    assert b._mean_input(np.array([[0.1, 0.4], [0.0, 0.0]]), J, K).shape == (2, 2)


def test_mean_activity_against_mpmath_root():
    m = b._mean_activity(J_EI, K_EI, THETA, J_EXT, K_EXT, M_EXT)

    def F(mE, mI):
        ms = [mE, mI]
        out = []
        for a in range(2):
            mu = sum(K_EI[a, c] * J_EI[a, c] * ms[c] for c in range(2)) \
                + K_EXT[a, 0] * J_EXT[a, 0] * M_EXT[0]
            var = sum(K_EI[a, c] * J_EI[a, c] ** 2 * ms[c] * (1 - ms[c]) for c in range(2)) \
                + K_EXT[a, 0] * J_EXT[a, 0] ** 2 * M_EXT[0] * (1 - M_EXT[0])
            out.append(mp.erfc(-(mu - THETA[a]) / mp.sqrt(2 * var)) / 2 - ms[a])
        return out

    with mp.workdps(30):
        ref = mp.findroot(F, (mp.mpf(0.2), mp.mpf(0.25)))
    np.testing.assert_allclose(m, [float(ref[0]), float(ref[1])], rtol=1e-11)


def test_balanced_threshold_gives_half_activity():
    # θ = K∘J m_exp + external: the input sits at threshold, so m = ½ solves the equations
    theta = b._balanced_threshold([0.5, 0.5], J_EI, K_EI, J_EXT, K_EXT, M_EXT)
    np.testing.assert_allclose(theta, b._mean_input([0.5, 0.5], J_EI, K_EI, J_EXT, K_EXT,
                                                    M_EXT), rtol=1e-15)
    m = b._mean_activity(J_EI, K_EI, theta, J_EXT, K_EXT, M_EXT, m0=[0.3, 0.6])
    np.testing.assert_allclose(m, 0.5, atol=1e-12)


def test_unstable_fixed_point_warns():
    # strong recurrent excitation without I->I coupling: the mean-field dynamics oscillate
    J = np.array([[1.0, -2.0], [1.0, 0.0]])
    K = np.array([[100, 100], [100, 1]])
    with pytest.warns(UserWarning, match="unstable"):
        m = b._mean_activity(J, K, np.array([-20.0, 40.0]))
    F = b._GainFunction(J, K, np.array([-20.0, 40.0]), 0.0, 0.0, 0.0)
    assert np.max(np.abs(F(m) - m)) < 1e-12


def test_failure_reports_residual():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(RuntimeError, match=r"max \|F\(m\) - m\|"):
            b._mean_activity(J_EI, K_EI, THETA, J_EXT, K_EXT, M_EXT, tol=1e-300)


@pytest.mark.parametrize("kwargs, match", [
    ({"m": [0.2, 1.3]}, "m must lie"),
    ({"m_ext": -0.1}, "m_ext"),
])
def test_bad_activities_raise(kwargs, match):
    args = {"m": [0.2, 0.3], "J": J_EI, "K": K_EI}
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        b._mean_input(**args)


def test_bad_matrices_raise():
    with pytest.raises(ValueError, match="shape"):
        b._mean_activity(J_EI, np.ones((3, 3)), THETA)
    with pytest.raises(ValueError, match="K"):
        b._mean_activity(J_EI, -K_EI, THETA)
    with pytest.raises(ValueError, match="sigma"):
        b._mean_activity_for_given_input(0.0, -1.0, 0.0)


def test_connectivity_has_fixed_indegree():
    W = b._fixed_indegree_connectivity(N_EI // 10, K_EI // 10, J_EI, rng=3).toarray()
    pop = np.repeat([0, 1], N_EI // 10)
    assert np.all(np.diag(W) == 0)
    for a in range(2):
        for c in range(2):
            block = W[np.ix_(pop == a, pop == c)]
            assert np.all((block != 0).sum(axis=1) == K_EI[a, c] // 10)
            assert np.all(block[block != 0] == J_EI[a, c])
    with pytest.raises(ValueError, match="available"):
        b._fixed_indegree_connectivity([5, 5], [[5, 1], [1, 1]], np.ones((2, 2)))


@pytest.mark.slow
def test_mean_activity_against_glauber_simulation():
    # Six network realisations, 40 tau each after 10 tau warm-up.  The statistical error is
    # the standard error across realisations (quenched connectivity dominates).  The
    # theory neglects pairwise correlations (relative size ~ K/N = 0.05 here) and
    # non-Gaussian input (K = 25 inhibitory inputs): allowed systematic error 0.002.
    m_theory = b._mean_activity(J_EI, K_EI, THETA, J_EXT, K_EXT, M_EXT)
    pop = np.repeat([0, 1], N_EI)
    runs = []
    for seed in range(6):
        W = b._fixed_indegree_connectivity(N_EI, K_EI, J_EI, rng=seed)
        m_sim, trace = b._simulate_glauber(W, THETA, 40.0, pop, t_warmup=10.0, J_ext=J_EXT,
                                           K_ext=K_EXT, m_ext=M_EXT, rng=100 + seed)
        assert trace.shape == (40, 2)
        runs.append(m_sim)
    runs = np.array(runs)
    se = runs.std(axis=0, ddof=1) / np.sqrt(len(runs))
    assert np.all(np.abs(runs.mean(axis=0) - m_theory) < 3 * se + 2e-3)


def test_unconnected_neurons_simulation_matches_binomial_tail():
    # no recurrent coupling: activity is P(J_ext Binomial(K_ext, m_ext) > θ), exactly
    from scipy.stats import binom

    N = np.array([400])
    W = b._fixed_indegree_connectivity(N, [[0]], [[0.0]], rng=0)
    theta = 1.05
    m_sim, trace = b._simulate_glauber(W, theta, 50.0, np.zeros(400, int), J_ext=[[0.1]],
                                       K_ext=[[60]], m_ext=[0.15], rng=1)
    exact = binom.sf(10, 60, 0.15)  # > 1.05 means at least 11 active sources
    se = trace.std() / np.sqrt(trace.size)
    assert abs(m_sim[0] - exact) < 4 * se


def _stub_network():
    return SimpleNamespace(
        network_params={"J": J_EI, "K": K_EI, "theta": THETA, "J_ext": J_EXT,
                        "K_ext": K_EXT, "m_ext": M_EXT},
        analysis_params={}, results={}, results_hash_dict={}, result_units={})


def test_network_level_working_point():
    net = _stub_network()
    wp = b.working_point(net)
    m = b._mean_activity(J_EI, K_EI, THETA, J_EXT, K_EXT, M_EXT)
    np.testing.assert_allclose(wp["mean_activity"], m, rtol=1e-12)
    np.testing.assert_allclose(wp["mean_input"],
                               b._mean_input(m, J_EI, K_EI, J_EXT, K_EXT, M_EXT))
    np.testing.assert_allclose(wp["std_input"],
                               b._std_input(m, J_EI, K_EI, J_EXT, K_EXT, M_EXT))
    assert net.results["binary.mean_activity"] is wp["mean_activity"]
    theta = b.balanced_threshold(net, [0.5, 0.5])
    assert net.results["binary.balanced_threshold"] is theta


def test_network_level_missing_parameters():
    net = _stub_network()
    del net.network_params["theta"]
    with pytest.raises(RuntimeError, match="theta"):
        b.mean_activity(net)
    with pytest.raises(RuntimeError, match="binary.mean_activity"):
        b.mean_input(_stub_network())
