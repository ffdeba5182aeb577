"""Tests of neuromf.linear_stability (Lambert W solutions, interpolation to the LIF model).

Expected values: the characteristic equation (1 + λτ) e^{λd} = c itself (residuals),
mpmath's independent Lambert W and root finder, and closed forms obtained when the
"spiking" transfer function is itself a low-pass (then the α = 1 end of the
interpolation has an exact Lambert W solution, too).
"""

from types import SimpleNamespace

import mpmath as mp
import numpy as np
import pytest

from neuromf import linear_stability as ls
from neuromf import spatial as sp

TAU, DELAY = 1.93e-3, 1.5e-3
BRANCHES = np.arange(-6, 7)


def _chareq_residual(lam, tau, d, c):
    return np.abs((1 + lam * tau) * np.exp(lam * d) - c) / np.abs(c)


@pytest.mark.parametrize("c", [0.3, 2.5, -0.2, -4.0, 1.5 - 2.0j, -0.7 + 0.1j])
def test_lambertw_roots_satisfy_chareq(c):
    lam = ls._solve_chareq_lambertw_constant_delay(BRANCHES, TAU, DELAY, c)
    assert lam.shape == BRANCHES.shape
    assert np.all(_chareq_residual(lam, TAU, DELAY, c) < 1e-12)
    # distinct branches give distinct roots
    assert np.unique(np.round(lam, 6)).size == BRANCHES.size


def test_principal_root_against_mpmath_findroot():
    # independent: Newton iteration of mpmath on the characteristic equation
    c = -3.0
    lam = complex(ls._solve_chareq_lambertw_constant_delay(0, TAU, DELAY, c))
    with mp.workdps(30):
        root = mp.findroot(lambda x: (1 + x * TAU) * mp.exp(x * DELAY) - c,
                           mp.mpc(lam.real * 1.01, lam.imag * 0.99))
    assert lam == pytest.approx(complex(root), rel=1e-13)


def test_matrix_connectivity_uses_largest_eigenvalue():
    W = np.array([[2.0, -3.0], [2.0, -3.0]])  # eigenvalues 0 and -1
    lam = ls._solve_chareq_lambertw_constant_delay(BRANCHES, [TAU, TAU], [[DELAY] * 2] * 2, W)
    assert np.all(_chareq_residual(lam, TAU, DELAY, -1.0) < 1e-12)
    full = np.array([[1.0, 0.5], [0.2, -2.0]])
    all_l = ls._solve_chareq_lambertw_constant_delay(0, TAU, DELAY, full, all_eigenvalues=True)
    eig = np.linalg.eigvals(full)
    assert all_l.shape == (2,)
    assert np.all(_chareq_residual(all_l, TAU, DELAY, eig) < 1e-12)
    stack = np.stack([W, full])
    assert ls._solve_chareq_lambertw_constant_delay([0, 1], TAU, DELAY, stack).shape == (2, 2)


def test_zero_coupling():
    lam = ls._solve_chareq_lambertw_constant_delay([0, 1], TAU, DELAY, 0.0)
    assert lam[0] == pytest.approx(-1 / TAU)
    assert lam[1].real == -np.inf


@pytest.mark.parametrize("kwargs, match", [
    ({"tau": [TAU, 2 * TAU]}, "tau"),
    ({"delay": [[DELAY, DELAY], [DELAY, 2 * DELAY]]}, "delay"),
    ({"delay": 0.0}, "delay"),
    ({"tau": -TAU}, "tau"),
    ({"branch_nr": 0.5}, "branch"),
])
def test_bad_input_raises(kwargs, match):
    args = {"branch_nr": 0, "tau": TAU, "delay": DELAY, "connectivity": 1.0}
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        ls._solve_chareq_lambertw_constant_delay(**args)


def _senk_rate_model():
    W = np.array([[2.7, -3.4], [2.7, -3.4]])
    width = np.array([2e-4, 7e-5])
    ks = np.arange(1e3, 1e5, 5e2)
    return ks, W, width


def test_rate_boxcar_matches_lambertw_of_effective_matrix():
    ks, W, width = _senk_rate_model()
    lam = ls._solve_chareq_rate_boxcar(BRANCHES, ks, TAU, W, width, DELAY)
    assert lam.shape == (BRANCHES.size, ks.size)
    # xi(k) in closed form for identical rows
    xi = 2.7 * np.sinc(ks * width[0] / np.pi) - 3.4 * np.sinc(ks * width[1] / np.pi)
    assert np.all(_chareq_residual(lam, TAU, DELAY, xi[None, :]) < 1e-12)
    single = ls._solve_chareq_rate_boxcar(0, ks[7], TAU, W, width, DELAY)
    assert single == lam[6, 7]


def test_eigenvals_branches_rate_maximum():
    ks, W, width = _senk_rate_model()
    branches = np.array([-1, 0, 1, 2])
    k_max, idx, lam_max, ev = ls._eigenvals_branches_rate(ks, branches, TAU, W, width, DELAY)
    assert ev.shape == (4, ks.size)
    assert lam_max.real == pytest.approx(np.max(ev.real), rel=1e-14)
    assert k_max == ks[idx]
    # complex-conjugate pair on branches 0 / -1: the branch-0 member is reported
    assert lam_max == ev[1, idx]
    assert lam_max.imag >= 0


# --- interpolation between a "spiking" transfer function and the rate model -------------

TAU_M = 5e-3
J = np.array([[0.1756e-3, -0.878e-3]] * 2)
K = np.array([[400, 100]] * 2)
H0 = 1.2 / (TAU_M * 0.1756e-3 * 400)
W_RATE = H0 * TAU_M * K * J


def _low_pass(h, tau):
    def tf(omegas):
        return np.outer(h / (1 + 1j * np.asarray(omegas) * tau), np.ones(2))
    return tf


def _interpolate(tf, alphas=None, branches=(-1, 0, 1)):
    ks, _, width = _senk_rate_model()
    return ls._linear_interpolation_alpha(
        ks, np.array(branches), TAU, W_RATE, width, DELAY, None, None, TAU_M, None, None,
        None, None, J, K, alphas=alphas, transfer_function=tf)


def test_interpolation_end_points_are_exact_eigenvalues():
    h1, tau1 = 1.1 * H0, 2.5e-3
    alphas = np.linspace(0, 1, 6)
    a, lam_c, lam_i, k_max, lam_max, ev = _interpolate(_low_pass(h1, tau1), alphas)
    _, _, width = _senk_rate_model()
    branches = np.array([-1, 0, 1])
    # α = 0: rate model (Lambert W with the fitted tau and W_rate)
    rate = ls._solve_chareq_rate_boxcar(branches, k_max, TAU, W_RATE, width, DELAY)
    np.testing.assert_allclose(lam_c[:, 0], rate, rtol=1e-14)
    np.testing.assert_allclose(lam_i[:, 0], rate, rtol=1e-14)
    # α = 1: the "spiking" low-pass, again exactly solvable by Lambert W
    spiking = ls._solve_chareq_rate_boxcar(branches, k_max, tau1, h1 * TAU_M * K * J, width,
                                           DELAY)
    np.testing.assert_allclose(lam_c[:, -1], spiking, rtol=1e-12)
    np.testing.assert_allclose(lam_i[:, -1], spiking, rtol=1e-7)
    # intermediate α: both methods agree and satisfy the interpolated equation
    np.testing.assert_allclose(lam_i, lam_c, rtol=1e-7)
    p_hat = sp._ft_spatial_profile_boxcar(k_max, width)
    xi0 = np.sum(W_RATE[0] * p_hat)
    xi1 = np.sum(h1 * TAU_M * K[0] * J[0] * p_hat)
    for j, alpha in enumerate(a):
        lam = lam_c[:, j]
        xi = alpha * xi1 / (1 + lam * tau1) + (1 - alpha) * xi0 / (1 + lam * TAU)
        assert np.all(np.abs(xi * np.exp(-lam * DELAY) - 1) < 1e-10)


def test_interpolation_with_non_low_pass_transfer_function():
    # second-order low-pass: no closed form; check the characteristic equation at α = 1
    tau1 = 1.2e-3

    def tf(omegas):
        return np.outer(H0 / (1 + 1j * np.asarray(omegas) * tau1) ** 2, np.ones(2))

    _, lam_c, lam_i, k_max, _, _ = _interpolate(tf, np.linspace(0, 1, 3), branches=(0,))
    _, _, width = _senk_rate_model()
    xi = np.sum(H0 * TAU_M * K[0] * J[0] * sp._ft_spatial_profile_boxcar(k_max, width))
    lam = lam_c[0, -1]
    assert abs(xi / (1 + lam * tau1) ** 2 * np.exp(-lam * DELAY) - 1) < 1e-10
    assert lam_i[0, -1] == pytest.approx(lam, rel=1e-6)


def test_interpolation_bad_alphas():
    with pytest.raises(ValueError, match="alphas"):
        _interpolate(_low_pass(H0, TAU), alphas=[0.2, 1.0])
    with pytest.raises(ValueError, match="alphas"):
        _interpolate(_low_pass(H0, TAU), alphas=[0.0, 0.5, 1.5])


def test_complex_lif_transfer_function_matches_real_axis_implementations():
    # mpmath continuation vs neuromf's fast transfer function on the real axis
    transfer = pytest.importorskip("neuromf.lif._transfer")
    omegas = 2 * np.pi * np.array([0.5, 10.0, 100.0, 300.0])
    for method in ("shift", "taylor"):
        for mu, sigma in ((10e-3, 10e-3), (6e-3, 4e-3), (18e-3, 3e-3)):
            args = ([mu, mu], [sigma, sigma], TAU_M, 0.5e-3, 2e-3, 15e-3, 0.0, omegas)
            if method == "taylor" and mu == 6e-3:
                # the first-order 'taylor' rate is negative here (-0.38 Hz)
                with pytest.raises(ValueError, match="negative"):
                    ls._lif_transfer_function_complex(*args, method=method)
                continue
            ours = ls._lif_transfer_function_complex(*args, method=method)
            ref = transfer._transfer_function(*args, method=method)
            np.testing.assert_allclose(ours, ref, rtol=1e-11)


def test_complex_lif_transfer_function_matches_nnmt_off_axis():
    # NNMT evaluates the same formula (tau_r = 0) with its own code, also at complex omega
    nnmt_exp = pytest.importorskip("nnmt.lif.exp")
    omegas = np.array([10 + 5j, 600 - 300j, -2000j + 150])
    args = (np.array([10e-3]), np.array([8e-3]), TAU_M, 0.5e-3, 0.0, 15e-3, 0.0, omegas)
    with np.errstate(all="ignore"):
        ref = nnmt_exp._transfer_function_shift(*args)
    np.testing.assert_allclose(ls._lif_transfer_function_complex(*args), ref, rtol=1e-10)


def test_interpolation_lif_transfer_function():
    # Senk 2020 working point (10 mV, 10 mV): fit the LIF transfer function, then follow the
    # principal eigenvalue from the rate model (α = 0) to the LIF network (α = 1)
    transfer = pytest.importorskip("neuromf.lif._transfer")
    from neuromf.rate_mapping import _fit_transfer_function

    ks, _, width = _senk_rate_model()
    mu, sigma = np.array([10e-3] * 2), np.array([10e-3] * 2)
    omegas = 2 * np.pi * np.arange(1.0, 200.0)
    H = transfer._transfer_function(mu, sigma, TAU_M, 0.5e-3, 0.0, 15e-3, 0.0, omegas)
    _, tau_rate, W_rate, _ = _fit_transfer_function(H, omegas, TAU_M, J, K)
    args = dict(tau_m=TAU_M, tau_s=0.5e-3, tau_r=0.0, V_0_rel=0.0, V_th_rel=15e-3)
    alphas, lam_c, lam_i, k_max, lam_max, _ = ls._linear_interpolation_alpha(
        ks, np.array([0]), tau_rate, W_rate, width, DELAY, mu, sigma, J=J, K=K,
        alphas=np.array([0.0, 1.0]), integral=False, **args)
    assert lam_i is None
    assert lam_c[0, 0] == lam_max
    lam = lam_c[0, -1]
    Hl = ls._lif_transfer_function_complex(mu, sigma, TAU_M, 0.5e-3, 0.0, 15e-3, 0.0,
                                           np.array([-1j * lam]))[0]
    xi = np.sum(TAU_M * K[0] * J[0] * Hl[0] * sp._ft_spatial_profile_boxcar(k_max, width))
    assert abs(xi * np.exp(-lam * DELAY) - 1) < 1e-10
    # the low-pass fit is good: the LIF eigenvalue is close to the rate-model one
    assert abs(lam - lam_max) < 0.2 * abs(lam_max)


def _stub_network():
    ks, W, width = _senk_rate_model()
    return SimpleNamespace(
        network_params={"width": width, "Delay": np.full((2, 2), DELAY),
                        "Delay_sd": np.zeros((2, 2)), "delay_dist": "none",
                        "tau_rate": np.array([TAU, TAU]), "W_rate": W},
        analysis_params={"k_wavenumbers": ks},
        results={}, results_hash_dict={}, result_units={})


def test_network_level_rate_eigenvalues():
    net = _stub_network()
    ks, W, width = _senk_rate_model()
    lam = ls.solve_chareq_rate_boxcar(net, branch=0)
    np.testing.assert_array_equal(
        lam, ls._solve_chareq_rate_boxcar(0, ks, TAU, W, width, DELAY))
    k_max, idx, lam_max, ev = ls.eigenvals_branches_rate(net)
    assert ev.shape == (5, ks.size)
    assert net.results["linear_stability.eigenval_max"] == lam_max


def test_network_level_rejects_distributed_delays():
    net = _stub_network()
    net.network_params.update(Delay_sd=np.full((2, 2), 1e-4), delay_dist="gaussian")
    with pytest.raises(ValueError, match="constant delays"):
        ls.eigenvals_branches_rate(net)
    net = _stub_network()
    net.network_params["Delay"] = np.array([[DELAY, 2 * DELAY]] * 2)
    with pytest.raises(ValueError, match="delay"):
        ls.eigenvals_branches_rate(net)


def test_interpolation_through_a_fold():
    # one population, k ≈ 0: (1 + λτ) e^{λd} = ξ has two real roots (branches 0, −1) for
    # −(τ/d) e^{−d/τ−1} ≈ −0.218 < ξ < 0 and a complex pair below.  Interpolating from
    # ξ0 = −0.2 (rate model) to ξ1 = −0.3 (a "spiking" low-pass with the same τ), the
    # real roots merge and leave the real axis; the end points are Lambert W roots.
    tau_m, j, k = 5e-3, -1e-3, 1.0
    xi0, xi1 = -0.2, -0.3
    h1 = xi1 / (tau_m * k * j)

    def tf(omegas):
        return (h1 / (1 + 1j * np.asarray(omegas) * TAU))[:, None]

    alphas = np.linspace(0, 1, 5)
    _, lam_c, lam_i, k_max, _, _ = ls._linear_interpolation_alpha(
        np.array([1e-6]), np.array([0, -1]), TAU, [[xi0]], [1e-4], DELAY, None, None, tau_m,
        None, None, None, None, [[j]], [[k]], alphas=alphas, transfer_function=tf)
    start = ls._solve_chareq_lambertw_constant_delay([0, -1], TAU, DELAY, xi0)
    end = ls._solve_chareq_lambertw_constant_delay([0, -1], TAU, DELAY, xi1)
    assert np.all(start.imag == 0) and np.all(end.imag != 0)
    np.testing.assert_allclose(lam_c[:, 0], start, rtol=1e-10)
    np.testing.assert_allclose(lam_c[:, -1], end, rtol=1e-10)


def test_network_level_interpolation_on_senk2020():
    models = pytest.importorskip("neuromf.models")
    exp = pytest.importorskip("neuromf.lif.exp")
    from neuromf import rate_mapping as rm

    net = models.Basic("senk2020")
    nu_ext = rm.external_rates_for_fixed_input(net, 10e-3, 10e-3)
    net.change_parameters({"nu_ext": nu_ext}, overwrite=True)
    exp.working_point(net)
    exp.transfer_function(net)
    rm.fit_transfer_function(net)
    alphas, lam_c, lam_i, k_max, lam_max, ev = ls.linear_interpolation_alpha(
        net, branches=[0], alphas=[0.0, 1.0], integral=False)
    assert lam_c[0, 0] == lam_max and lam_i is None
    assert net.results["linear_stability.lambdas_chareq"] is lam_c
    # the low-pass fit is close (fit error ~0.5 %), so the LIF eigenvalue stays near the
    # rate-model one; at α = 1 it solves the LIF characteristic equation
    assert lam_c[0, 1] == pytest.approx(lam_max, rel=0.2)
    p = net.network_params
    H = ls._lif_transfer_function_complex(
        net.results["lif.exp.mean_input"], net.results["lif.exp.std_input"], p["tau_m"],
        p["tau_s"], p["tau_r"], p["V_th_rel"], p["V_0_rel"], np.array([-1j * lam_c[0, 1]]))[0]
    M = p["tau_m"][:, None] * p["K"] * p["J"] * H[:, None] \
        * sp._ft_spatial_profile_boxcar(k_max, p["width"])
    xi = np.linalg.eigvals(M)[np.argmax(np.abs(np.linalg.eigvals(M)))]
    assert abs(xi * np.exp(-lam_c[0, 1] * DELAY) - 1) < 1e-10
