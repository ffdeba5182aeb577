"""Network properties that do not depend on the neuron model: delay distributions.

A synaptic delay ``d`` drawn from a distribution ``p(d)`` enters the linear response of
a network through its characteristic function

.. math::  D_{ab}(\\omega) = \\mathrm{E}\\left[e^{-i\\omega d_{ab}}\\right]
           = \\int p_{ab}(d)\\, e^{-i\\omega d}\\, \\mathrm{d}d ,

which multiplies the effective connectivity (Bos et al. 2016, Eq. 12 ff.).  One
convention holds for every kind of distribution: ``D(0) = 1`` and
``D(-omega) = conj(D(omega))``.

Functions
---------
delay_dist_matrix
    Network-level wrapper, cached under ``'network_properties.delay_dist_matrix'``.
_delay_dist_matrix
    Parameter-level function.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import erfc, erfcx

from . import conventions
from .utils import (
    _cache,
    check_choice,
    check_finite,
    check_positive,
    frequencies_in_hz,
    get_required_network_params,
)

__all__ = ["delay_dist_matrix", "_delay_dist_matrix", "DELAY_DISTRIBUTIONS",
           "_lognormal_characteristic_function", "_mu_underlying_gaussian",
           "_sigma_underlying_gaussian"]

#: NNMT's result key of the delay distribution matrix (an alias of neuromf's key).
NNMT_KEY = "D"
_KEY = "network_properties.delay_dist_matrix"

#: Valid values of the ``delay_dist`` parameter.
DELAY_DISTRIBUTIONS = ("none", "gaussian", "truncated_gaussian", "lognormal")

# Trapezoidal rule on a shifted line for the lognormal characteristic function:
# z in [-_LN_HALF_WIDTH, _LN_HALF_WIDTH] (standard normal variable), at most
# _LN_MAX_SHIFT imaginary shift, step min(_LN_STEP, _LN_STEP_PER_SIGMA / s)
# (self-convergence: absolute error < 3e-13 for 0.003 <= s <= 3, any omega).
_LN_HALF_WIDTH = 10.0
_LN_MAX_SHIFT = 3.0
_LN_STEP = 0.25
_LN_STEP_PER_SIGMA = 0.25
# truncated gaussian: for mean/sd above this, P(d < 0) < 1e-18 and the truncation
# correction is below double precision
_TRUNCATION_NEGLIGIBLE = 9.0
# number of (row x node) evaluations per vectorized chunk (memory bound)
_LN_CHUNK = 2_000_000


def delay_dist_matrix(network: Any, freqs: Any = None) -> np.ndarray:
    """Characteristic function of the delay distribution of every connection.

    Reads ``Delay``, ``Delay_sd`` and ``delay_dist`` from ``network.network_params`` and
    the angular frequencies ``omegas`` (rad/s) from ``network.analysis_params``, unless
    ``freqs`` is given.  The result is cached in
    ``network.results['network_properties.delay_dist_matrix']`` and, under NNMT's key,
    in ``network.results['D']`` (the same array).

    Parameters
    ----------
    network : neuromf.models.Network
        Network with the delay parameters.
    freqs : array_like, optional
        Frequencies in Hz (plain numbers or a pint quantity); ``omegas = 2 pi freqs``.

    Returns
    -------
    np.ndarray
        Complex array of shape ``(len(omegas), n, n)``; see :func:`_delay_dist_matrix`.

    Raises
    ------
    RuntimeError
        If a required parameter is missing.
    """
    params = get_required_network_params(network, _delay_dist_matrix,
                                         exclude=["omegas", "Delay_sd"])
    try:
        params["Delay_sd"] = network.network_params["Delay_sd"]
    except KeyError:
        if params["delay_dist"] != "none":
            raise RuntimeError(
                "neuromf.network_properties.delay_dist_matrix needs the network "
                f"parameter 'Delay_sd' for delay_dist={params['delay_dist']!r}, which "
                "the network does not define.") from None
        params["Delay_sd"] = None
    if freqs is None:
        try:
            params["omegas"] = network.analysis_params["omegas"]
        except KeyError:
            raise RuntimeError(
                "neuromf.network_properties.delay_dist_matrix needs the analysis "
                "parameter 'omegas' (or the argument freqs), which the network does not "
                "define.") from None
    else:
        params["omegas"] = 2 * np.pi * frequencies_in_hz(freqs)
    D = _cache(network, _delay_dist_matrix, params, _KEY, "dimensionless")
    # NNMT's scripts read the result as network.results['D']: keep it as an alias that
    # goes stale together with neuromf's key
    network.results[NNMT_KEY] = D
    network.result_units[NNMT_KEY] = "dimensionless"
    deps = getattr(network, "_result_dependencies", None)
    if isinstance(deps, dict) and _KEY in deps:
        deps[NNMT_KEY] = deps[_KEY]
    return D


def _delay_dist_matrix(Delay: Any, Delay_sd: Any, delay_dist: str,
                       omegas: Any) -> np.ndarray:
    """Characteristic function ``E[exp(-i omega d)]`` of the delay of every connection.

    Bos et al. 2016 (Eq. 12 ff.) multiply the effective connectivity with this factor.
    The kinds of distributions, with mean ``Delay`` = mu and standard deviation
    ``Delay_sd`` = s of the delay itself:

    ``'none'``
        fixed delay: ``exp(-i omega mu)``.
    ``'gaussian'``
        normal distribution (negative delays have non-zero probability):
        ``exp(-i omega mu - (omega s)**2 / 2)``.
    ``'truncated_gaussian'``
        normal distribution N(mu, s²) truncated at 0 and renormalised; ``mu`` and ``s``
        are the parameters of the untruncated normal distribution.  Completing the
        square gives ``exp(-i omega mu - (omega s)**2/2) erfc(z) / erfc(-mu/(sqrt2 s))``
        with ``z = (-mu/s + i omega s)/sqrt2``, evaluated here through the scaled
        complementary error function so that it stays finite for any ``omega s``.
    ``'lognormal'``
        lognormal distribution whose own mean and standard deviation are ``mu`` and
        ``s``.  Its characteristic function has no closed form (Beaulieu 2008).  Writing
        ``d = exp(m + sigma z)`` with z standard normal,
        ``sigma² = log(1 + s²/mu²)`` and ``m = log mu - sigma²/2``, the integral over z
        is an entire function of z; the integration line is moved to
        ``Im z = -eta`` with ``eta = min(pi/(2 sigma), 3)``, where the oscillating factor
        becomes damped, and the trapezoidal rule (exponentially convergent for such
        integrands) is applied, vectorized over all frequencies and distinct
        (mu, s) pairs.  Absolute accuracy is about 1e-13.

    Parameters
    ----------
    Delay : array_like
        Mean delays in s, shape ``(n, n)`` (or any shape, or a scalar).
    Delay_sd : array_like or None
        Standard deviations of the delays in s, a scalar or the shape of ``Delay``.
        Ignored (may be None) for ``delay_dist='none'``.
    delay_dist : {'none', 'gaussian', 'truncated_gaussian', 'lognormal'}
        Kind of distribution.
    omegas : array_like
        Angular frequencies in rad/s (negative values allowed).

    Returns
    -------
    np.ndarray
        Complex array of shape ``(len(omegas),) + Delay.shape``, equal to 1 at
        ``omega = 0``.

    Raises
    ------
    ValueError
        For an unknown ``delay_dist``, negative or non-finite delays or standard
        deviations, mismatched shapes, or a lognormal delay with mean 0 and sd > 0.

    Notes
    -----
    NNMT 1.3 returns ``E[exp(+i omega d)]`` (the complex conjugate) for the lognormal
    distribution and 0 instead of 1 at ``omega = 0``; under
    ``neuromf.use_convention("nnmt")`` so does this function (flag
    ``lognormal_delay_nnmt``; ``tests/test_conventions.py`` shows which is right).
    """
    check_choice("delay_dist", delay_dist, DELAY_DISTRIBUTIONS)
    Delay = np.asarray(check_positive("Delay", Delay, "s", allow_zero=True), dtype=float)
    omegas = np.atleast_1d(np.asarray(check_finite("omegas", omegas, "rad/s"),
                                      dtype=float))
    if omegas.ndim != 1:
        raise ValueError(f"omegas must be a scalar or a 1-d array of angular frequencies "
                         f"in rad/s, got an array of shape {omegas.shape}")
    shape = omegas.shape + Delay.shape
    if delay_dist == "none":
        Delay_sd = np.zeros_like(Delay)
    elif Delay_sd is None:
        raise ValueError(f"Delay_sd (s) is required for delay_dist={delay_dist!r}, "
                         "got None")
    Delay_sd = np.asarray(check_positive("Delay_sd", Delay_sd, "s", allow_zero=True),
                          dtype=float)
    if Delay_sd.ndim and Delay_sd.shape != Delay.shape:
        raise ValueError(f"Delay_sd must be a scalar or have the shape of Delay "
                         f"{Delay.shape}, got shape {Delay_sd.shape}")
    if delay_dist == "lognormal" and np.any((Delay_sd > 0) & (Delay == 0)):
        raise ValueError("a lognormal delay distribution needs Delay > 0 s wherever "
                         "Delay_sd > 0 s; got Delay = 0 s with Delay_sd = "
                         f"{Delay_sd[(Delay_sd > 0) & (Delay == 0)].max()!r} s")
    # Networks typically have few distinct (mean, sd) pairs: evaluate each pair once
    # for all frequencies, then gather.
    pairs, inverse = np.unique(
        np.stack([Delay.reshape(-1), np.broadcast_to(Delay_sd, Delay.shape).reshape(-1)],
                 axis=-1), axis=0, return_inverse=True)
    mu, sd = pairs[:, 0], pairs[:, 1]
    w = omegas[:, None]
    if delay_dist == "lognormal":
        values = np.exp(-1j * w * mu)
        spread = sd > 0
        if np.any(spread):
            values[:, spread] = _lognormal_cf_omegas(mu[spread], sd[spread], omegas)
        if conventions.flag("lognormal_delay_nnmt"):
            # NNMT 1.3: the conjugate E[exp(+i omega d)] of every lognormal entry, 0 at 0
            values = values.conj()
            values[omegas == 0] = 0.0
    else:
        values = np.exp(-1j * w * mu - 0.5 * (w * sd) ** 2)      # fixed or gaussian
        if delay_dist == "truncated_gaussian":
            truncated = (sd > 0) & (mu < _TRUNCATION_NEGLIGIBLE * sd)
            if np.any(truncated):
                values[:, truncated] = _truncated_gaussian_cf(mu[truncated], sd[truncated],
                                                              w)
    # take() keeps C order (fancy indexing values[:, idx] returns a frequency-fastest
    # layout, which makes every product with D, and hashing it, stride through memory)
    return np.take(values, inverse.ravel(), axis=1).reshape(shape)


def _truncated_gaussian_cf(mu: np.ndarray, sd: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Characteristic function of N(mu, sd²) truncated to [0, inf), sd > 0.

    ``E = [2 g - exp(-mu²/(2 sd²)) erfcx(zeta)] / erfc(-mu/(sqrt2 sd))`` with
    ``g = exp(-i w mu - (w sd)²/2)`` and ``zeta = (mu/sd - i w sd)/sqrt2``; this follows
    from erfc(z) = 2 - exp(-z²) erfcx(-z) and keeps every term bounded
    (Re zeta >= 0).
    """
    r = mu / sd
    zeta = (r - 1j * w * sd) / np.sqrt(2)
    g = np.exp(-1j * w * mu - 0.5 * (w * sd) ** 2)
    return (2 * g - np.exp(-0.5 * r ** 2) * erfcx(zeta)) / erfc(-r / np.sqrt(2))


def _lognormal_cf_omegas(mu: np.ndarray, sd: np.ndarray, omegas: np.ndarray) -> np.ndarray:
    """Lognormal characteristic function for means ``mu`` > 0, sds ``sd`` > 0 (1-d)."""
    sigma2 = np.log1p((sd / mu) ** 2)
    scale = mu * np.exp(-0.5 * sigma2)          # exp(m), m the mean of log d
    values = _lognormal_cf(np.abs(omegas)[:, None] * scale[None, :],
                           np.broadcast_to(np.sqrt(sigma2), (len(omegas), len(mu))))
    neg = omegas < 0
    values[neg] = values[neg].conj()
    return values


def _lognormal_cf(a: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    """``E[exp(-i a exp(sigma z))]`` for standard normal z, a >= 0, sigma > 0.

    The integrand ``phi(z) exp(-i a exp(sigma z))`` is entire in z and decays in the
    strip ``-pi/sigma <= Im z <= 0`` for Re z -> +-inf, so the integration line can be
    moved to ``Im z = -eta``.  There ``exp(-i a exp(sigma z))`` acquires the damping
    factor ``exp(-a exp(sigma Re z) sin(sigma eta))``; with ``sigma eta = pi/2`` the
    fast oscillation disappears entirely.  The Gaussian factor grows by at most
    ``exp(eta²/2)``, which bounds the cancellation, hence ``eta <= 3``.
    """
    a = np.asarray(a, dtype=float)
    sigma = np.asarray(sigma, dtype=float)
    shape = np.broadcast_shapes(a.shape, sigma.shape)
    a = np.broadcast_to(a, shape).ravel()
    sigma = np.broadcast_to(sigma, shape).ravel()
    step = min(_LN_STEP, _LN_STEP_PER_SIGMA / float(sigma.max()))
    nodes = np.arange(-_LN_HALF_WIDTH, _LN_HALF_WIDTH + 0.5 * step, step)
    out = np.empty(a.size, dtype=complex)
    chunk = max(1, _LN_CHUNK // nodes.size)
    for start in range(0, a.size, chunk):
        sl = slice(start, start + chunk)
        s = sigma[sl, None]
        eta = np.minimum(0.5 * np.pi / s, _LN_MAX_SHIFT)
        z = nodes[None, :] - 1j * eta
        integrand = np.exp(-0.5 * z * z - 1j * a[sl, None] * np.exp(s * z))
        out[sl] = integrand.sum(axis=1) * (step / np.sqrt(2 * np.pi))
    out[a == 0] = 1.0
    return out.reshape(shape)


# ---------------------------------------------------------------------------
# lognormal helpers under NNMT 1.3's names (parameters of the underlying Gaussian)
# ---------------------------------------------------------------------------

def _mu_underlying_gaussian(mu: Any, sigma: Any) -> Any:
    """Mean ``m`` of ``log d`` for a lognormal delay with mean ``mu`` and sd ``sigma``.

    ``m = log(mu) - log(1 + sigma²/mu²)/2`` (moments of the lognormal distribution).
    """
    mu, sigma = np.asarray(mu, dtype=float), np.asarray(sigma, dtype=float)
    return np.log(mu) - 0.5 * np.log1p((sigma / mu) ** 2)


def _sigma_underlying_gaussian(mu: Any, sigma: Any) -> Any:
    """Standard deviation ``s`` of ``log d``: ``s² = log(1 + sigma²/mu²)``."""
    mu, sigma = np.asarray(mu, dtype=float), np.asarray(sigma, dtype=float)
    return np.sqrt(np.log1p((sigma / mu) ** 2))


def _lognormal_characteristic_function(omega: Any, mu: Any, sigma: Any) -> Any:
    """Characteristic function ``E[exp(+i omega X)]`` of ``X = exp(mu + sigma Z)``.

    ``mu`` and ``sigma`` are the mean and standard deviation of the underlying Gaussian
    (NNMT 1.3's name and argument order); vectorized over broadcastable arguments and
    accurate to about 1e-13 absolute (see :func:`_lognormal_cf`).  This is the
    mathematicians' sign convention; the delay distribution matrix uses
    ``E[exp(-i omega d)]``, its conjugate.
    """
    omega = np.asarray(omega, dtype=float)
    mu = np.asarray(mu, dtype=float)
    sigma = np.asarray(check_positive("sigma", sigma), dtype=float)
    a = np.abs(omega) * np.exp(mu)
    value = np.conj(_lognormal_cf(a, np.broadcast_to(sigma, a.shape) if a.ndim else sigma))
    value = np.where(omega < 0, np.conj(value), value)
    return value[()] if value.ndim == 0 else value
