"""Interpolation between the LIF network and its rate model (Senk et al. 2020, Sec. F).

The temporal eigenvalues λ(α) of ``(1 + λτ) e^{λd} = ξ_α(λ)``, where ξ_α interpolates
linearly between the effective coupling of the rate model (α = 0, a low-pass with time
constant τ) and that of the spiking network with the LIF transfer function (α = 1;
Schuecker et al. 2015), are followed from the Lambert W solution at α = 0 by Newton
continuation and, independently, by integrating dλ/dα (Senk et al. 2020, Fig. 6).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from scipy.integrate import solve_ivp

from . import conventions
from .spatial import (
    _critical_eigenvalue,
    _effective_profile,
    _eigenvals_branches_rate,
    _ft_spatial_profile,
)
from .special._chareq import _branches, _unique_value
from .utils import check_finite


class _EffectiveCoupling:
    """ξ_s(λ): critical eigenvalue of the spiking network's effective connectivity.

    M_ab(λ) = τ_m,a K_ab J_ab H_a(ω = −iλ) p̂_ab(k)  (Bos et al. 2016, Eq. 12, without
    the delay factor, which the characteristic equation carries separately).
    """

    def __init__(self, transfer_function: Callable[[np.ndarray], np.ndarray],
                 tau_m: Any, J: Any, K: Any, p_hat: np.ndarray, scale: float) -> None:
        self.tf = transfer_function
        J = np.atleast_2d(np.asarray(J, dtype=float))
        K = np.atleast_2d(np.asarray(K, dtype=float))
        self.n = J.shape[0]
        tau_m = np.broadcast_to(np.asarray(tau_m, dtype=float), (self.n,))
        # tau_m of the target (row); NNMT 1.3 broadcasts it over the source (column)
        tau = tau_m[None, :] if conventions.flag("tau_m_columns") else tau_m[:, None]
        self.weights = tau * J * K * p_hat
        self.scale = scale

    def __call__(self, lambdas: Any) -> np.ndarray:
        lam = np.atleast_1d(np.asarray(lambdas, dtype=complex))
        omegas = -1j * lam
        H = np.asarray(self.tf(omegas))
        try:
            H = np.broadcast_to(H.reshape(lam.size, -1), (lam.size, self.n))
        except ValueError:
            raise ValueError(f"the transfer function returned shape {np.shape(H)}; expected "
                             f"(number of frequencies, {self.n})") from None
        if not np.all(np.isfinite(H)):
            raise RuntimeError(f"the transfer function is not finite at lambda = "
                               f"{lam[~np.all(np.isfinite(H), axis=1)]} 1/s")
        return _critical_eigenvalue(H[:, :, None] * self.weights)

    def value_and_derivative(self, lam: complex, n: int = 8) -> tuple[complex, complex]:
        """ξ_s(λ) and dξ_s/dλ, the latter by the Cauchy integral formula.

        ξ_s'(λ) = (1 / 2πi) ∮ ξ_s(ζ) / (ζ − λ)² dζ on a circle of radius r; the
        trapezoidal rule with n nodes has error ~ (r / R)^n, R the distance to the
        nearest singularity (r = 10⁻³ of the eigenvalue's scale here), and one call of
        the transfer function evaluates all n + 1 points.
        """
        radius = 1e-3 * max(abs(lam), self.scale)
        theta = 2.0 * np.pi * np.arange(n) / n
        shifts = radius * np.exp(1j * theta)
        values = self(np.concatenate([[lam], lam + shifts]))
        return complex(values[0]), complex(np.mean(values[1:] * np.exp(-1j * theta)) / radius)


def _xi_alpha(lam: complex, alpha: float, xi_s: _EffectiveCoupling, xi_rate0: complex,
              tau: float) -> tuple[complex, complex, complex, complex]:
    """ξ_s, ξ_r and the interpolated ξ_α with its λ-derivative at λ."""
    if alpha != 0:
        xs, dxs = xi_s.value_and_derivative(lam)
    else:
        xs, dxs = 0.0, 0.0
    xr = xi_rate0 / (1.0 + lam * tau)
    dxr = -tau * xi_rate0 / (1.0 + lam * tau) ** 2
    return xs, xr, alpha * xs + (1.0 - alpha) * xr, alpha * dxs + (1.0 - alpha) * dxr


def _newton_chareq(lam: complex, alpha: float, delay: float, xi_s: _EffectiveCoupling,
                   xi_rate0: complex, tau: float, tol: float = 1e-12, maxiter: int = 50
                   ) -> tuple[complex, float, bool]:
    """Newton's method on g(λ) = ξ_α(λ) − e^{λd}; returns (λ, |g|/|e^{λd}|, converged)."""
    resid = np.inf
    for _ in range(maxiter):
        _, _, xa, dxa = _xi_alpha(lam, alpha, xi_s, xi_rate0, tau)
        e = np.exp(lam * delay)
        g = xa - e
        resid = abs(g) / max(abs(e), 1e-300)
        dg = dxa - delay * e
        if dg == 0 or not np.isfinite(dg):
            return lam, resid, False
        step = g / dg
        lam = lam - step
        if abs(step) <= tol * max(abs(lam), 1.0 / tau):
            xa = (alpha * complex(xi_s(lam)[0]) if alpha != 0 else 0.0) \
                + (1.0 - alpha) * xi_rate0 / (1.0 + lam * tau)
            e = np.exp(lam * delay)
            resid = abs(xa - e) / max(abs(e), 1e-300)
            return lam, resid, resid < 1e-8
    return lam, resid, False


def _d_lambda_d_alpha(lam: complex, alpha: float, delay: float, xi_s: _EffectiveCoupling,
                      xi_rate0: complex, tau: float) -> complex:
    """dλ/dα = −(ξ_s − ξ_r) / (ξ_α' − d ξ_α) along ξ_α(λ) e^{−λd} = 1 (Senk 2020, Fig. 6)."""
    xs, dxs = xi_s.value_and_derivative(lam)
    xr = xi_rate0 / (1.0 + lam * tau)
    dxr = -tau * xi_rate0 / (1.0 + lam * tau) ** 2
    xa = alpha * xs + (1.0 - alpha) * xr
    dxa = alpha * dxs + (1.0 - alpha) * dxr
    return -(xs - xr) / (dxa - delay * xa)


def _continue_in_alpha(lam0: complex, alphas: np.ndarray, delay: float,
                       xi_s: _EffectiveCoupling, xi_rate0: complex, tau: float,
                       imag_sign: float = 1.0, max_halvings: int = 12) -> np.ndarray:
    """Predictor-corrector continuation of the root of ξ_α(λ) e^{−λd} = 1 in α.

    Euler predictor along dλ/dα, Newton corrector, step halving when the corrector
    fails or lands far from the prediction.  Where two real roots merge (a fold in α)
    the continued root leaves the real axis as one of a complex-conjugate pair (and
    vice versa); the corrector is then also started slightly off (on) the real axis,
    on the side ``imag_sign``.
    """
    out = np.empty(alphas.size, dtype=complex)
    lam, a = complex(lam0), 0.0
    new, resid = lam, np.inf
    for i, target in enumerate(alphas):
        while a != target:
            h = target - a
            slope = _d_lambda_d_alpha(lam, a, delay, xi_s, xi_rate0, tau)
            accepted = False
            for _ in range(max_halvings + 1):
                pred = lam + h * slope
                scale = max(abs(lam), 1.0 / tau)
                # roots of neighbouring branches are ~2 pi / d apart
                near = 0.25 * np.pi / delay
                new, resid, ok = _newton_chareq(pred, a + h, delay, xi_s, xi_rate0, tau)
                jump = abs(new - pred)
                if ok and jump <= max(0.5 * abs(pred - lam), 1e-6 * scale) and jump < near:
                    accepted = True
                    break
                # fold: a real root turns complex, or a complex pair meets the real axis
                kicks = []
                if abs(lam.imag) <= 1e-9 * scale:
                    kicks.append(pred + 1j * imag_sign * 1e-3 * scale)
                elif abs(lam.imag) <= 0.05 * scale:
                    kicks.append(complex(pred.real, 0.0))
                for start in kicks:
                    cand, r, ok = _newton_chareq(start, a + h, delay, xi_s, xi_rate0, tau)
                    if ok and abs(cand - lam) < min(near, 0.2 * scale):
                        new, resid, accepted = cand, r, True
                        break
                if accepted:
                    break
                h *= 0.5
            if not accepted:
                raise RuntimeError(
                    f"continuation of the eigenvalue in alpha failed at alpha = {a + h:.6g} "
                    f"after {max_halvings} step halvings; last lambda = {new} 1/s, "
                    f"relative residual {resid:.3g}")
            scale = max(abs(lam), 1.0 / tau)
            if (abs(lam.imag) <= 1e-9 * scale and abs(new.imag) > 1e-9 * scale
                    and np.sign(new.imag) != imag_sign):
                # leaving the real axis: for real-symmetric problems the conjugate is a
                # root, too; take the member on the side of this branch
                cand, _, ok = _newton_chareq(new.conjugate(), a + h, delay, xi_s, xi_rate0,
                                             tau)
                if ok and abs(cand - new.conjugate()) <= 1e-6 * scale:
                    new = cand
            lam, a = new, (target if h == target - a else a + h)
        out[i] = lam
    return out


def _integrate_in_alpha(lam0: complex, alphas: np.ndarray, delay: float,
                        xi_s: _EffectiveCoupling, xi_rate0: complex, tau: float
                        ) -> np.ndarray:
    """Integrate dλ/dα from α = 0 (lif_meanfield_tools ``_lambda_of_alpha_integral``)."""
    def rhs(a, y):
        return np.array([_d_lambda_d_alpha(complex(y[0]), a, delay, xi_s, xi_rate0, tau)])

    if alphas[-1] == 0:
        return np.full(alphas.size, lam0, dtype=complex)
    sol = solve_ivp(rhs, (0.0, float(alphas[-1])), np.array([lam0], dtype=complex),
                    t_eval=alphas, rtol=1e-8, atol=1e-8 * max(abs(lam0), 1.0 / tau))
    if not sol.success:
        raise RuntimeError(f"integration of d lambda / d alpha failed: {sol.message}")
    return sol.y[0]


def _lif_transfer_function_complex(mu: Any, sigma: Any, tau_m: Any, tau_s: Any, tau_r: Any,
                                   V_th_rel: Any, V_0_rel: Any, omegas: Any,
                                   method: str = "shift", dps: int = 30) -> np.ndarray:
    """LIF transfer function at complex angular frequencies (analytic continuation).

    The eigenvalue problem needs H(ω) at ω = −iλ with complex λ.  With s = iω,
    z = −½ + sτ_m, x = √2 (V − mu)/σ and Ψ(z, x) = e^{x²/4} U(z, −x) (U the
    parabolic cylinder function, evaluated by mpmath for complex order):

    * 'shift' (Schuecker et al. 2015, Eq. 18 ff.; threshold and reset shifted by
      σ α/2 √(τ_s/τ_m)):
      H = √2 ν / (σ (1 + sτ_m)) · [Ψ'(z, x_θ) − Ψ'(z, x_r)] / [Ψ(z, x_θ) − e^{−sτ_r} Ψ(z, x_r)]
    * 'taylor' (Schuecker et al. 2014, Eq. 93): √2 ν / (σ (1 + sτ_m)) [a₁ + α k ν₀ /
      (√2 ν) (a₂ − a₁²)] at the unshifted bounds,

    with Ψ'(z, x) = (½ + z) Ψ(z + 1, x), Ψ'' = (½ + z)(3/2 + z) Ψ(z + 2, x) (DLMF 12.8.9),
    times the synaptic low-pass 1 / (1 + sτ_s).  The refractory factor e^{−sτ_r}
    follows neuromf's transfer function (``refractory_phase=True``).  Identical
    populations are evaluated once.

    Returns
    -------
    numpy.ndarray
        H in Hz/V, shape (len(omegas), n_populations).
    """
    import mpmath as mp

    from .special._siegert import (
        ALPHA_SHIFT,
        delta_firing_rate,
        shift_firing_rate,
        taylor_firing_rate,
    )

    if method not in ("shift", "taylor"):
        raise ValueError(f"invalid method {method!r}; valid choices are 'shift', 'taylor'")
    pars = np.broadcast_arrays(*[np.atleast_1d(np.asarray(v, dtype=float)) for v in
                                 (mu, sigma, tau_m, tau_s, tau_r, V_th_rel, V_0_rel)])
    table = np.stack(pars, axis=1)
    omegas = np.atleast_1d(np.asarray(omegas, dtype=complex))
    uniq, inverse = np.unique(table, axis=0, return_inverse=True)
    out_u = np.empty((omegas.size, uniq.shape[0]), dtype=complex)
    for u, (m_, sg, tm, ts, tr, vth, v0) in enumerate(uniq):
        k = np.sqrt(ts / tm)
        shift = sg * ALPHA_SHIFT / 2 * k if method == "shift" else 0.0
        nu = float(shift_firing_rate(m_, sg, v0, vth, tm, tr, ts) if method == "shift"
                   else taylor_firing_rate(m_, sg, v0, vth, tm, tr, ts))
        nu0 = float(delta_firing_rate(m_, sg, v0, vth, tm, tr))
        if nu < 0:
            raise ValueError(
                f"the 'taylor' rate is negative ({nu:.3g} Hz) at mu = {m_:.6g} V, sigma = "
                f"{sg:.6g} V (strongly sub-threshold input); its transfer function is "
                "meaningless there, use method='shift'")
        with mp.workdps(dps):
            x_t = mp.sqrt(2) * (vth + shift - m_) / sg
            x_r = mp.sqrt(2) * (v0 + shift - m_) / sg

            def psi(z, x):
                return mp.exp(x**2 / 4) * mp.pcfu(z, -x)

            for i, om in enumerate(omegas):
                sv = 1j * complex(om)
                z = mp.mpf(-0.5) + mp.mpc(sv) * tm
                den = psi(z, x_t) - mp.exp(-mp.mpc(sv) * tr) * psi(z, x_r)
                a1 = (0.5 + z) * (psi(z + 1, x_t) - psi(z + 1, x_r)) / den
                frac = a1
                if method == "taylor":
                    a2 = (0.5 + z) * (1.5 + z) * (psi(z + 2, x_t) - psi(z + 2, x_r)) / den
                    frac = a1 + ALPHA_SHIFT * k * nu0 / (mp.sqrt(2) * nu) * (a2 - a1**2)
                h = mp.sqrt(2) * nu / (sg * (1 + sv * tm)) * frac / (1 + sv * ts)
                out_u[i, u] = complex(h)
    return out_u[:, inverse.ravel()]


def _lif_transfer_function_callable(mu, sigma, tau_m, tau_s, tau_r, V_th_rel, V_0_rel,
                                    method):
    def tf(omegas):
        return _lif_transfer_function_complex(mu, sigma, tau_m, tau_s, tau_r, V_th_rel,
                                              V_0_rel, omegas, method=method)
    return tf


def _linear_interpolation_alpha(k_wavenumbers: Any, branches: Any, tau_rate: Any,
                                W_rate: Any, width: Any, delay: Any, mu: Any, sigma: Any,
                                tau_m: Any, tau_s: Any, tau_r: Any, V_0_rel: Any,
                                V_th_rel: Any, J: Any, K: Any, alphas: Any = None,
                                method: str = "shift", profile: str = "boxcar",
                                transfer_function: Callable | None = None,
                                integral: bool = True) -> tuple:
    """Eigenvalues while interpolating from the rate model (α = 0) to the LIF network (α = 1).

    Senk et al. 2020, Sec. F and Fig. 6 (lif_meanfield_tools
    ``linear_interpolation_alpha``).  The characteristic equation

        ξ_α(λ) e^{−λd} = 1,  ξ_α = α ξ_s(λ) + (1 − α) ξ_r(λ),

    interpolates linearly between the effective coupling of the spiking model,
    ξ_s(λ) = eig[τ_m K∘J H(−iλ) ∘ p̂(k)] with the LIF transfer function H, and that
    of the fitted rate model, ξ_r(λ) = ξ(k) / (1 + λτ), at the wavenumber k* of the
    most unstable rate-model eigenvalue.  Starting from the exact Lambert W roots
    at α = 0, each branch is followed (1) by predictor-corrector continuation
    (Newton on the characteristic equation; ``lambdas_chareq``) and (2) by
    integrating dλ/dα = −(ξ_s − ξ_r) / (ξ_α' − d ξ_α) (``lambdas_integral``).
    Where two real roots merge as α grows (a fold, dλ/dα diverges), the continuation
    follows the root into the complex plane on the side of its branch (Im λ ≥ 0 for
    branches ≥ 0); the integral is unreliable there.
    dξ_r/dλ is analytic; dξ_s/dλ uses the Cauchy integral formula (H is
    holomorphic in λ), not finite differences.

    Parameters
    ----------
    k_wavenumbers : array_like
        Wavenumbers in 1/m searched for the most unstable rate-model mode.
    branches : array_like of int
        Lambert W branches to follow.
    tau_rate : float or array_like
        Rate-model time constant(s) in s (all equal).
    W_rate : array_like
        Rate-model weights [target, source].
    width : array_like
        Profile widths of the source populations in m.
    delay : float or array_like
        Delay(s) in s (all equal).
    mu, sigma : array_like
        Mean and standard deviation of the input per population in V.
    tau_m, tau_s, tau_r : float or array_like
        Membrane, synaptic and refractory time constants in s.
    V_0_rel, V_th_rel : float or array_like
        Reset and threshold relative to reset in V.
    J : array_like
        Weights in V [target, source].
    K : array_like
        In-degrees [target, source].
    alphas : array_like, optional
        Interpolation parameters in [0, 1], increasing, starting at 0; default
        ``linspace(0, 1, 5)``.
    method : {'shift', 'taylor'}
        Method of the LIF transfer function.
    profile : {'boxcar', 'exponential', 'gaussian'}
        Spatial profile.
    transfer_function : callable, optional
        ``H(omegas) -> array (len(omegas), n_populations)`` (Hz/V, complex angular
        frequencies) used instead of the LIF transfer function (other neuron models,
        tests); mu ... V_th_rel are then ignored.  By default the LIF transfer
        function is evaluated at complex frequencies with mpmath
        (:func:`_lif_transfer_function_complex`, ~30 ms per frequency and population).
    integral : bool
        Also integrate dλ/dα (``lambdas_integral``, an independent check of the
        continuation that needs many more transfer-function evaluations); if False,
        ``lambdas_integral`` is None.

    Returns
    -------
    alphas : numpy.ndarray
        Shape (n_alpha,).
    lambdas_chareq : numpy.ndarray
        Eigenvalues (1/s) from continuation, shape (n_branches, n_alpha).
    lambdas_integral : numpy.ndarray or None
        Eigenvalues (1/s) from integrating dλ/dα, shape (n_branches, n_alpha).
    k_eig_max : float
        k* (1/m).
    eigenval_max : complex
        Most unstable rate-model eigenvalue (1/s).
    eigenvals : numpy.ndarray
        Rate-model eigenvalues, shape (n_branches, n_k).

    Raises
    ------
    ValueError
        Unequal delays or rate time constants, alphas outside [0, 1] or not starting
        at 0.
    RuntimeError
        If the continuation does not converge.
    """
    tau = _unique_value("tau_rate", tau_rate, "s")
    d = _unique_value("delay", delay, "s")
    if alphas is None:
        alphas = np.linspace(0.0, 1.0, 5)
    alphas = check_finite("alphas", np.atleast_1d(np.asarray(alphas, dtype=float)))
    if (alphas.ndim != 1 or alphas[0] != 0.0 or np.any(np.diff(alphas) <= 0)
            or alphas[-1] > 1.0):
        raise ValueError(f"alphas must increase from 0 to at most 1, got {alphas}")
    br = np.atleast_1d(_branches(branches))
    k_eig_max, idx_k, eigenval_max, eigenvals = _eigenvals_branches_rate(
        k_wavenumbers, br, tau, W_rate, width, d, profile)
    if transfer_function is None:
        transfer_function = _lif_transfer_function_callable(
            mu, sigma, tau_m, tau_s, tau_r, V_th_rel, V_0_rel, method)
    width = np.asarray(width, dtype=float)
    p_hat = np.asarray(_ft_spatial_profile(k_eig_max, width, profile))
    if p_hat.ndim == 1:
        p_hat = p_hat[None, :]
    xi_s = _EffectiveCoupling(transfer_function, tau_m, J, K, p_hat, scale=1.0 / tau)
    xi_rate0 = complex(_effective_profile(k_eig_max, W_rate, width, profile))

    lambdas_chareq = np.empty((br.size, alphas.size), dtype=complex)
    lambdas_integral = np.empty((br.size, alphas.size), dtype=complex) if integral else None
    for i in range(br.size):
        lam0 = complex(eigenvals[i, idx_k])
        if not np.isfinite(lam0):
            raise ValueError(f"branch {br[i]} has no rate-model eigenvalue at k = "
                             f"{k_eig_max:g} 1/m (xi = 0)")
        lambdas_chareq[i] = _continue_in_alpha(lam0, alphas, d, xi_s, xi_rate0, tau,
                                               imag_sign=-1.0 if br[i] < 0 else 1.0)
        if integral:
            lambdas_integral[i] = _integrate_in_alpha(lam0, alphas, d, xi_s, xi_rate0, tau)
    return alphas, lambdas_chareq, lambdas_integral, k_eig_max, eigenval_max, eigenvals
