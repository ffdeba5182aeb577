r"""Input statistics of the populations in time: delayed recurrent rates and external drive.

The mean and variance of the synaptic input of population :math:`a` at time :math:`t`
(diffusion approximation, Fourcaud & Brunel 2002, Eq. 3.4; Brunel 2000, Eqs. 4–5) with
the delays :math:`d_{ab}` drawn from the model's delay distributions:

.. math::

    \mu_a(t) = \tau_{m,a}\Big(\sum_b K_{ab}J_{ab}\,(k_{ab} * \nu_b)(t)
               + \sum_x K^{ext}_{ax}J^{ext}_{ax}\nu^{ext}_{x}(t)\Big)
               + \tau_{m,a} I_a(t)/C_a,\qquad
    \sigma_a^2(t) = \tau_{m,a}\Big(\sum_b K_{ab}J_{ab}^2\,(k_{ab} * \nu_b)(t)
               + \sum_x K^{ext}_{ax}(J^{ext}_{ax})^2\nu^{ext}_{x}(t)\Big),

with :math:`k_{ab}` the delay density.  On the time grid :math:`t_n = n\Delta t` the delay
densities become kernels over lags :math:`l \ge 1` (:func:`delay_kernel`): a fixed delay
is split linearly between the two neighbouring lags (the mean delay is exact), a
distributed one gets the probability of :math:`[(l - \frac12)\Delta t, (l + \frac12)\Delta t)`
(the same distributions as :func:`neuromf.network_properties._delay_dist_matrix`).
Delays shorter than :math:`\Delta t` act as one step (the rate of the current step is
not yet known when its input is computed).  Populations that share a kernel are
filtered once (the microcircuit has two kernels: excitatory and inhibitory sources).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import special, stats

from ..models import synapse_type
from ..network_properties import DELAY_DISTRIBUTIONS
from ..special._siegert import ALPHA_SHIFT
from ..utils import check_choice, check_finite, check_positive

__all__ = ["Populations", "populations_from_model", "delay_kernel", "DelayLine"]

_KERNEL_TAIL = 8.0       # distributed kernels extend to mean + 8 sd (mass beyond < 1e-15)


def _vec(p: dict, key: str, n: int, unit: str, default=None) -> np.ndarray:
    if key not in p:
        if default is None:
            raise ValueError(f"the model's network_params lack {key!r} ({unit}), needed by "
                             "neuromf.dynamics")
        return np.full(n, float(default))
    value = np.asarray(p[key], dtype=float)
    if value.ndim == 0:
        value = np.full(n, float(value))
    if value.shape != (n,):
        raise ValueError(f"{key} must be a scalar or have one value per population ({n}), "
                         f"got shape {value.shape}")
    return check_finite(key, value, unit)


def _mat(p: dict, key: str, n: int, unit: str) -> np.ndarray:
    value = np.asarray(p[key], dtype=float) * np.ones((n, n))
    if value.shape != (n, n):
        raise ValueError(f"{key} must be an ({n}, {n}) matrix, got shape "
                         f"{np.shape(p[key])}")
    return check_finite(key, value, unit)


@dataclass
class Populations:
    """Per-population parameters of a model in SI units (arrays of length P)."""

    names: list
    synapse: str
    tau_m: np.ndarray
    tau_r: np.ndarray
    V_0: np.ndarray
    V_th: np.ndarray
    tau_s: np.ndarray
    C: np.ndarray
    N: np.ndarray
    J: np.ndarray
    K: np.ndarray
    Delay: np.ndarray
    Delay_sd: np.ndarray
    delay_dist: str
    ext_mu: np.ndarray          # tau_m sum_x K_ext J_ext nu_ext (V)
    ext_var: np.ndarray         # tau_m sum_x K_ext J_ext^2 nu_ext (V^2)
    ext_mu_per_rate: np.ndarray   # tau_m sum_x K_ext J_ext (V/Hz)
    ext_var_per_rate: np.ndarray  # tau_m sum_x K_ext J_ext^2 (V^2/Hz)
    I_ext: np.ndarray           # DC current (A)
    extra: dict = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.names)

    @property
    def shift_factor(self) -> np.ndarray:
        """alpha/2 sqrt(tau_s/tau_m): boundary shift per unit sigma (0 for delta synapses)."""
        return 0.5 * ALPHA_SHIFT * np.sqrt(self.tau_s / self.tau_m)


def populations_from_model(model: Any) -> Populations:
    """Collect the parameters ``neuromf.dynamics`` needs from ``model.network_params``.

    Uses the theory's names and conventions (``J`` in V, potentials relative to rest,
    ``J_ext``, ``K_ext``, ``nu_ext``, ``I_ext``, ``Delay``, ``Delay_sd``, ``delay_dist``).
    """
    if not hasattr(model, "network_params"):
        raise TypeError(f"model must be a neuromf network (with network_params), got "
                        f"{type(model).__name__}")
    p = model.network_params
    for key in ("populations", "J", "K", "tau_m", "tau_r", "V_0_rel", "V_th_rel"):
        if key not in p:
            raise ValueError(f"the model's network_params lack {key!r}, needed by "
                             "neuromf.dynamics")
    names = [str(x) for x in np.atleast_1d(p["populations"])]
    n = len(names)
    kind = synapse_type(p)
    tau_m = check_positive("tau_m", _vec(p, "tau_m", n, "s"), "s")
    tau_r = check_positive("tau_r", _vec(p, "tau_r", n, "s"), "s", allow_zero=True)
    V_0 = _vec(p, "V_0_rel", n, "V")
    V_th = _vec(p, "V_th_rel", n, "V")
    if np.any(V_th <= V_0):
        raise ValueError(f"V_th_rel ({V_th.tolist()} V) must exceed V_0_rel "
                         f"({V_0.tolist()} V)")
    tau_s = (check_positive("tau_s", _vec(p, "tau_s", n, "s"), "s") if kind == "exp"
             else np.zeros(n))
    C = check_positive("C", _vec(p, "C", n, "F", default=250e-12), "F")
    N = check_positive("N", _vec(p, "N", n, "", default=np.inf), "")
    J = _mat(p, "J", n, "V")
    K = check_positive("K", _mat(p, "K", n, ""), "", allow_zero=True)
    if "Delay" in p:
        Delay = check_positive("Delay", _mat(p, "Delay", n, "s"), "s", allow_zero=True)
    else:
        raise ValueError("the model's network_params lack 'Delay' (s), needed by "
                         "neuromf.dynamics")
    delay_dist = check_choice("delay_dist", p.get("delay_dist", "none"), DELAY_DISTRIBUTIONS)
    Delay_sd = (check_positive("Delay_sd", _mat(p, "Delay_sd", n, "s"), "s", allow_zero=True)
                if "Delay_sd" in p else np.zeros((n, n)))
    if delay_dist == "none":
        Delay_sd = np.zeros((n, n))
    # external drive, per population (K_ext (n,) or (n, n_ext))
    K_ext = np.asarray(p.get("K_ext", 0.0), dtype=float)
    J_ext = np.asarray(p.get("J_ext", 0.0), dtype=float)
    nu_ext = np.asarray(p.get("nu_ext", 0.0), dtype=float)
    check_positive("K_ext", K_ext, "", allow_zero=True)
    check_positive("nu_ext", nu_ext, "Hz", allow_zero=True)
    check_finite("J_ext", J_ext, "V")
    KJ = K_ext * J_ext
    KJ2 = K_ext * J_ext ** 2
    if KJ.ndim == 2:
        nu = np.broadcast_to(nu_ext, (KJ.shape[1],))
        drive, drive2 = KJ @ nu, KJ2 @ nu
        per_rate, per_rate2 = KJ.sum(1), KJ2.sum(1)
    else:
        per_rate = np.broadcast_to(KJ, (n,)).astype(float)
        per_rate2 = np.broadcast_to(KJ2, (n,)).astype(float)
        drive, drive2 = per_rate * nu_ext, per_rate2 * nu_ext
    I_ext = _vec(p, "I_ext", n, "A", default=0.0)
    return Populations(
        names=names, synapse=kind, tau_m=tau_m, tau_r=tau_r, V_0=V_0, V_th=V_th,
        tau_s=tau_s, C=C, N=N, J=J, K=K, Delay=Delay, Delay_sd=Delay_sd,
        delay_dist=delay_dist, ext_mu=tau_m * drive, ext_var=tau_m * drive2,
        ext_mu_per_rate=tau_m * per_rate, ext_var_per_rate=tau_m * per_rate2, I_ext=I_ext)


def _cdf(x: np.ndarray, mean: float, sd: float, dist: str) -> np.ndarray:
    """CDF of the delay distribution at ``x`` (s), as the theory defines it."""
    if dist == "lognormal":
        s2 = np.log1p((sd / mean) ** 2)
        return stats.lognorm.cdf(x, s=np.sqrt(s2), scale=mean * np.exp(-0.5 * s2))
    cdf = 0.5 * special.erfc(-(x - mean) / (np.sqrt(2.0) * sd))
    if dist == "truncated_gaussian":
        c0 = 0.5 * special.erfc(mean / (np.sqrt(2.0) * sd))
        cdf = np.clip((cdf - c0) / (1.0 - c0), 0.0, 1.0)
    return cdf


def delay_kernel(mean: float, sd: float, dist: str, dt: float) -> np.ndarray:
    """Weights of lags ``1, 2, ...`` (index 0 is lag 1) of one delay distribution.

    Parameters
    ----------
    mean, sd : float
        Mean and standard deviation of the delay (s); the parameters of
        :func:`neuromf.network_properties._delay_dist_matrix`.
    dist : {'none', 'gaussian', 'truncated_gaussian', 'lognormal'}
    dt : float
        Time step (s).

    Returns
    -------
    ndarray
        Non-negative weights summing to 1.  A fixed delay ``d = (l + f) dt`` gets
        ``1 - f`` at lag ``l`` and ``f`` at ``l + 1`` (``l >= 1``); a distributed delay gets
        the probability of each bin ``[(l - 1/2) dt, (l + 1/2) dt)``, everything below
        ``1.5 dt`` at lag 1 (for 'gaussian' including the mass at negative delays).
    """
    check_choice("delay_dist", dist, DELAY_DISTRIBUTIONS)
    x = mean / dt
    if dist == "none" or sd == 0:
        if x <= 1.0:
            return np.array([1.0])
        lag = int(np.floor(x))
        frac = x - lag
        if frac < 1e-9:
            w = np.zeros(lag)
            w[-1] = 1.0
            return w
        w = np.zeros(lag + 1)
        w[lag - 1], w[lag] = 1.0 - frac, frac
        return w
    if dist == "lognormal" and mean <= 0:
        raise ValueError(f"a lognormal delay needs a mean > 0 s, got {mean} s")
    n_lag = max(2, int(np.ceil((mean + _KERNEL_TAIL * sd) / dt)) + 1)
    edges = (np.arange(1, n_lag + 1) + 0.5) * dt        # upper edges of lags 1..n_lag
    cdf = _cdf(edges, mean, sd, dist)
    w = np.diff(np.concatenate([[0.0], cdf]))
    w[-1] += 1.0 - cdf[-1]
    return np.clip(w, 0.0, None) / np.clip(w, 0.0, None).sum()


def delayed_external_rate(external: Any, times: np.ndarray, dt: float) -> np.ndarray:
    """Rate of an external population as its targets receive it, through its delays.

    Parameters
    ----------
    external : ExternalPopulation
        A stimulus population (:class:`neuromf.dynamics.stimulus.ExternalPopulation`):
        ``rate`` (a signal in Hz), ``delay``, ``delay_sd`` (s) and ``delay_dist``.
    times : numpy.ndarray
        Times of the run (s), spaced by ``dt``.
    dt : float
        Time step (s).

    Returns
    -------
    numpy.ndarray
        The rate (Hz) at each of ``times`` convolved with the delay kernel of
        :func:`delay_kernel` (the rate before ``times[0]`` evaluated as the signal gives it).

    Raises
    ------
    ValueError
        If the rate is not one value per time.
    """
    kern = delay_kernel(float(external.delay), float(external.delay_sd),
                        external.delay_dist, dt)
    lags = np.arange(1, kern.size + 1)
    t_ext = np.concatenate([times[0] - lags[::-1] * dt, times])
    r = external.rate.values(t_ext, "Hz", f"{external.name} rate (Hz)")
    if r.ndim != 1:
        raise ValueError(f"{external.name}: the rate of an external population is one value "
                         "per time (Hz)")
    return np.convolve(r, np.concatenate([[0.0], kern]))[kern.size:kern.size + times.size]


class DelayLine:
    """Ring buffer of past population rates and the delayed input statistics.

    Parameters
    ----------
    pops : Populations
    dt : float
        Time step (s).
    nu0 : array (P,)
        Rates (Hz) that fill the history before ``t = 0``.

    Notes
    -----
    ``mean_var()`` returns the recurrent contributions to ``mu`` (V) and ``sigma^2``
    (V²) at the next step from the stored rates (lags >= 1); ``push(rate)`` stores the
    rate of the step just computed; ``refractory_source()`` returns the re-injected flux
    (Hz), the rate ``tau_r`` ago (linearly split between two lags when ``tau_r / dt`` is
    not an integer; ``tau_r >= dt`` is required).
    """

    def __init__(self, pops: Populations, dt: float, nu0) -> None:
        n = pops.n
        pairs = np.stack([pops.Delay.ravel(), pops.Delay_sd.ravel()], axis=1)
        uniq, inverse = np.unique(pairs, axis=0, return_inverse=True)
        kernels = [delay_kernel(m, s, pops.delay_dist, dt) for m, s in uniq]
        x_r = pops.tau_r / dt
        if np.any(x_r < 1.0 - 1e-9):
            raise ValueError(f"dt = {dt} s must not exceed the refractory period tau_r = "
                             f"{pops.tau_r.min()} s (the re-injection after tau_r is held in "
                             "the rate history); choose dt <= tau_r")
        r0 = np.floor(x_r + 1e-9).astype(int)
        frac = np.clip(x_r - r0, 0.0, None)
        frac[frac < 1e-9] = 0.0
        self.length = L = int(max(max(k.size for k in kernels), r0.max() + 1))
        n_c = len(kernels)
        kern = np.zeros((n_c, L))
        for c, k in enumerate(kernels):
            kern[c, L - k.size:] = k[::-1]      # column j <-> lag L - j
        self.kernels_rev = kern
        cls = inverse.reshape(n, n)
        self.classes = cls          # kernel index of every (target, source) pair
        tau = pops.tau_m[:, None]
        W_mu = np.zeros((n, n_c, n))
        W_var = np.zeros((n, n_c, n))
        a_idx, b_idx = np.indices((n, n))
        W_mu[a_idx, cls, b_idx] = tau * pops.K * pops.J
        W_var[a_idx, cls, b_idx] = tau * pops.K * pops.J ** 2
        self.W_mu = W_mu.reshape(n, n_c * n)
        self.W_var = W_var.reshape(n, n_c * n)
        self.buffer = np.empty((2 * L, n))
        self.buffer[:] = np.asarray(nu0, dtype=float)
        self.k = L - 1
        cols = np.arange(n)
        # rows of the window (k+1 .. k+L) for the refractory lags r0 and r0 + 1
        self._ref_rows0 = L - r0
        self._ref_rows1 = L - r0 - 1
        self._ref_w0 = 1.0 - frac
        self._ref_w1 = frac
        self._cols = cols
        self.n_kernels = n_c

    def window(self) -> np.ndarray:
        """The last ``L`` rates, oldest first, shape (L, P)."""
        return self.buffer[self.k + 1:self.k + 1 + self.length]

    def filtered(self) -> np.ndarray:
        """Delay-filtered rates (Hz) of every kernel and source, index ``c * P + b``."""
        return (self.kernels_rev @ self.window()).ravel()

    def mean_var(self):
        F = self.filtered()
        return self.W_mu @ F, self.W_var @ F

    def refractory_source(self) -> np.ndarray:
        b = self.buffer
        start = self.k + 1
        out = self._ref_w0 * b[start + self._ref_rows0, self._cols]
        if self._ref_w1.any():
            out = out + self._ref_w1 * b[start + np.maximum(self._ref_rows1, 0), self._cols]
        return out

    def push(self, rate) -> None:
        self.k = (self.k + 1) % self.length
        self.buffer[self.k] = rate
        self.buffer[self.k + self.length] = rate
