r"""Transfer functions of the leaky integrate-and-fire neuron (parameter level).

The rate response :math:`\nu(\omega) = H(\omega)\,\mu(\omega)` of a LIF neuron in the
diffusion approximation to a small modulation of its mean input (Hz/V, one column per
population, shape ``(len(omegas), n_pop)``):

* white noise (δ synapses), Brunel & Hakim 1999; Lindner & Schimansky-Geier 2001;
  Brunel 2000 (with refractory period):

  .. math::

      H_\delta(\omega) = \frac{\sqrt2\,\nu_0}{\sigma\,(1+i\omega\tau_m)}
      \frac{\Psi'(z, x_\theta) - \Psi'(z, x_r)}
           {\Psi(z, x_\theta) - e^{-i\omega\tau_r}\Psi(z, x_r)},\qquad
      z = -\tfrac12 + i\omega\tau_m,\quad x = \sqrt2\,\frac{V - \mu}{\sigma},

  with :math:`\Psi(z,x) = e^{x^2/4}U(z,-x)` (:mod:`neuromf.special._pcf`) and :math:`\nu_0`
  the Siegert rate;
* exponential synapses, 'shift' (Schuecker et al. 2015, Eq. 18 ff.): the same expression at
  threshold and reset shifted by :math:`\sigma\frac{\alpha}{2}\sqrt{\tau_s/\tau_m}`
  (:math:`\alpha = \sqrt2|\zeta(1/2)|`, Fourcaud & Brunel 2002) with the shifted Siegert rate;
* exponential synapses, 'taylor' (Schuecker et al. 2014, Eq. 93): the first-order
  expansion in :math:`k = \sqrt{\tau_s/\tau_m}`,

  .. math::

      H(\omega) = \frac{\sqrt2\,\nu}{\sigma (1+i\omega\tau_m)}\Big[a_1
      + \frac{\alpha k \nu_0}{\sqrt2\,\nu}\big(a_2 - a_1^2\big)\Big],\qquad
      a_n = \frac{\Psi^{(n)}(z,x_\theta) - \Psi^{(n)}(z,x_r)}
                 {\Psi(z,x_\theta) - e^{-i\omega\tau_r}\Psi(z,x_r)},

  at the unshifted bounds, :math:`\nu` the 'taylor' rate and :math:`\nu_0` the Siegert rate.

For exponential synapses the response to a modulation of the input *current* carries the
extra low pass :func:`_synaptic_filter` :math:`1/(1+i\omega\tau_s)` (``synaptic_filter=True``,
NNMT's default; Schuecker et al. 2015, text below Eq. 29).

Refractory period
-----------------
The reset flux returns :math:`\tau_r` after the threshold flux, which multiplies the reset
term of the denominator by :math:`e^{-i\omega\tau_r}` (Brunel 2000, linear stability
analysis with :math:`\tau_{rp}`).  With it (``refractory_phase=True``, the default) the
:math:`\omega \to 0` limit is exactly :math:`\partial\nu/\partial\mu` for all three methods
(for 'taylor' the derivative of the Taylor rate).  NNMT 1.3 omits the factor; its
transfer function then tends to :math:`\partial\nu/\partial\mu/(1-\nu\tau_r)` for
:math:`\omega\to0` (while it returns :math:`\partial\nu/\partial\mu` at exactly
:math:`\omega = 0`).  ``refractory_phase=False`` reproduces NNMT's numbers.

Numerics
--------
No overflow or NaN anywhere in :math:`|y| \le 30`, :math:`|\omega\tau_m| \le 650` (strongly
sub-threshold input gives correctly tiny responses, not NaN); :math:`\omega = 0` is exact
(no 0/0); :math:`H(-\omega) = \overline{H(\omega)}` for every method.  For many
frequencies the parabolic-cylinder ratios are interpolated in frequency
(:func:`neuromf.special._pcf_grid.psi_ratios_grid`), relative error :math:`\lesssim 10^{-12}`.

Validity
--------
The colored-noise theory assumes fast synapses, :math:`k = \sqrt{\tau_s/\tau_m} \ll 1`
(a warning is issued for :math:`k > \sqrt{0.1}`, NNMT's bound), and low frequencies,
:math:`\omega\sqrt{\tau_m\tau_s} \ll 1` (warning above 20).  The diffusion approximation
itself assumes many small inputs.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
from scipy.special import log_ndtr

from .. import conventions
from ..special import _cv, _pcf_grid, _siegert
from ..utils import check_choice, check_finite, check_positive, check_sigma_nonzero

__all__ = [
    "_transfer_function",
    "_transfer_function_shift",
    "_transfer_function_taylor",
    "_transfer_function_delta",
    "_transfer_function_variance_delta",
    "_transfer_function_variance_shift",
    "_spike_train_power_spectrum_delta",
    "_spike_train_power_spectrum_shift",
    "_synaptic_filter",
    "_derivative_of_firing_rates_wrt_input_rate",
]

TRANSFER_METHODS = ("shift", "taylor")
_K_WARN = math.sqrt(0.1)
_HIGH_FREQ_WARN = 20.0  # omega sqrt(tau_m tau_s) above which 'shift'/'taylor' are doubtful
_SQRT2 = math.sqrt(2.0)


# ---------------------------------------------------------------------------
# input handling
# ---------------------------------------------------------------------------

def _as_populations(**params):
    """Check and broadcast per-population parameters to 1d arrays of a common length."""
    arrays = {name: np.atleast_1d(np.asarray(v, dtype=float)) for name, v in params.items()}
    for name, a in arrays.items():
        if a.ndim != 1:
            raise ValueError(f"{name} must be a scalar or a 1d array (one value per "
                             f"population), got shape {a.shape}")
    n = max(a.size for a in arrays.values())
    bad = {name: a.shape for name, a in arrays.items() if a.size not in (1, n)}
    if bad:
        desc = ", ".join(f"{k} {s}" for k, s in bad.items())
        raise ValueError(f"shape mismatch: per-population parameters must have length 1 or "
                         f"{n}; got {desc}")
    return {name: np.broadcast_to(a, (n,)).copy() for name, a in arrays.items()}


def _check_common(p, omegas):
    check_finite("mu", p["mu"], "V")
    check_positive("sigma", p["sigma"], "V")
    check_positive("tau_m", p["tau_m"], "s")
    check_positive("tau_r", p["tau_r"], "s", allow_zero=True)
    check_finite("V_th_rel", p["V_th_rel"], "V")
    check_finite("V_0_rel", p["V_0_rel"], "V")
    if np.any(p["V_th_rel"] <= p["V_0_rel"]):
        bad = p["V_th_rel"] <= p["V_0_rel"]
        raise ValueError("V_th_rel must be > V_0_rel (threshold above reset), got V_th_rel="
                         f"{p['V_th_rel'][bad][0]!r} V, V_0_rel={p['V_0_rel'][bad][0]!r} V")
    omegas = np.atleast_1d(np.asarray(omegas, dtype=float))
    if omegas.ndim != 1:
        raise ValueError(f"omegas must be a scalar or a 1d array (rad/s), got shape "
                         f"{omegas.shape}")
    check_finite("omegas", omegas, "rad/s")
    return omegas


def _check_fast_synapses(omegas, tau_m, tau_s):
    check_positive("tau_s", tau_s, "s", allow_zero=True)
    k = np.sqrt(tau_s / tau_m)
    if np.any(k > _K_WARN):
        warnings.warn(
            f"k = sqrt(tau_s/tau_m) = {np.max(k):.3g} > sqrt(0.1): the colored-noise transfer "
            "function (Schuecker et al. 2015; Fourcaud & Brunel 2002) assumes fast synapses, "
            "tau_s << tau_m; its validity is limited here", stacklevel=3)
    if omegas.size:
        w = np.max(np.abs(omegas)) * np.max(np.sqrt(tau_m * tau_s))
        if w > _HIGH_FREQ_WARN:
            warnings.warn(
                f"omega*sqrt(tau_m*tau_s) reaches {w:.3g}: the colored-noise transfer function "
                "assumes omega*sqrt(tau_m*tau_s) << 1 (Schuecker et al. 2015); its validity is "
                "limited at these frequencies", stacklevel=3)


def _quiet(func, *args):
    """Call a stationary-rate function without its own fast-synapse warning (issued here)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"k = sqrt\(tau_s/tau_m\)")
        return np.atleast_1d(func(*args))


def _ratios(x_th, x_r, omegas, tau_m, delay):
    """F1, F2 of :func:`neuromf.special._pcf.psi_ratios` on the (omega, population) grid."""
    om = np.outer(omegas, tau_m)
    return _pcf_grid.psi_ratios_grid(x_th, x_r, om, delay)


def _white_noise_response(nu, mu, sigma, tau_m, tau_r, V_th, V_0, omegas, refractory_phase):
    """sqrt2 nu / (sigma (1 + i omega tau_m)) * a1 and a1, a2 (shape (K, P))."""
    x_th = _SQRT2 * (V_th - mu) / sigma
    x_r = _SQRT2 * (V_0 - mu) / sigma
    refractory_phase = conventions.flag("refractory_phase", refractory_phase)
    delay = tau_r / tau_m if refractory_phase else np.zeros_like(tau_m)
    a1, a2 = _ratios(x_th, x_r, omegas, tau_m, delay)
    pref = _SQRT2 * nu / sigma / (1.0 + 1j * np.outer(omegas, tau_m))
    return pref * a1, a1, a2


# ---------------------------------------------------------------------------
# public parameter-level functions
# ---------------------------------------------------------------------------

def _synaptic_filter(omegas, tau_s) -> np.ndarray:
    r"""Low pass :math:`1/(1 + i\omega\tau_s)` of the synaptic current, shape (len(omegas), n).

    Schuecker et al. 2015, text below Eq. 29 (response to a modulation of the input current
    rather than of the mean membrane potential).
    """
    return 1.0 / (1.0 + 1j * np.outer(omegas, tau_s))


def _transfer_function_delta(mu, sigma, tau_m, tau_r, V_th_rel, V_0_rel, omegas, *,
                             refractory_phase: bool | None = None) -> np.ndarray:
    r"""White-noise (δ-synapse) LIF transfer function, Hz/V.

    Brunel & Hakim 1999; Lindner & Schimansky-Geier 2001; refractory period as in Brunel
    2000 (see the module docstring).  :math:`H(0) = \partial\nu_0/\partial\mu` of the Siegert
    rate.  For :math:`\omega\to\infty`,
    :math:`|H| \simeq \sqrt2\,\nu_0/(\sigma\sqrt{\omega\tau_m})` (Brunel et al. 2001; Lindner &
    Schimansky-Geier 2001).

    Parameters
    ----------
    mu, sigma : float or array_like, shape (n_pop,)
        Mean and standard deviation of the input in V (sigma > 0).
    tau_m, tau_r : float or array_like
        Membrane time constant (> 0) and refractory period (>= 0) in s.
    V_th_rel, V_0_rel : float or array_like
        Threshold and reset relative to the resting potential in V (V_th_rel > V_0_rel).
    omegas : float or array_like, shape (K,)
        Angular frequencies in rad/s (any sign; :math:`H(-\omega) = \overline{H(\omega)}`).
    refractory_phase : bool or None, keyword-only
        Include the factor :math:`e^{-i\omega\tau_r}` of the delayed reset; ``None``
        (default) follows the convention (``neuromf``: True, ``nnmt``: False).

    Returns
    -------
    numpy.ndarray
        Complex, shape (K, n_pop), Hz/V.
    """
    p = _as_populations(mu=mu, sigma=sigma, tau_m=tau_m, tau_r=tau_r, V_th_rel=V_th_rel,
                        V_0_rel=V_0_rel)
    omegas = _check_common(p, omegas)
    nu = _quiet(_siegert.delta_firing_rate, p["mu"], p["sigma"], p["V_0_rel"], p["V_th_rel"],
                p["tau_m"], p["tau_r"])
    result, _, _ = _white_noise_response(nu, p["mu"], p["sigma"], p["tau_m"], p["tau_r"],
                                         p["V_th_rel"], p["V_0_rel"], omegas,
                                         refractory_phase)
    zero = omegas == 0
    if np.any(zero):
        result[zero] = _quiet(_siegert.d_delta_firing_rate_d_mu, p["mu"], p["sigma"],
                              p["V_0_rel"], p["V_th_rel"], p["tau_m"], p["tau_r"])
    return result


def _transfer_function_shift(mu, sigma, tau_m, tau_s, tau_r, V_th_rel, V_0_rel, omegas,
                             synaptic_filter=True, *,
                             refractory_phase: bool | None = None) -> np.ndarray:
    r"""Colored-noise LIF transfer function, 'shift' method (Schuecker et al. 2015), Hz/V.

    The white-noise transfer function with threshold and reset shifted by
    :math:`\sigma\frac{\alpha}{2}\sqrt{\tau_s/\tau_m}` and the shifted Siegert rate
    (Fourcaud & Brunel 2002), times :func:`_synaptic_filter` if ``synaptic_filter``.
    :math:`H(0) = \partial\nu/\partial\mu` of the shifted rate at fixed shift
    (:func:`neuromf.special._siegert.d_shift_firing_rate_d_mu`).

    Parameters
    ----------
    mu, sigma, tau_m, tau_r, V_th_rel, V_0_rel, omegas
        As in :func:`_transfer_function_delta` (V, s, rad/s).
    tau_s : float or array_like
        Synaptic time constant in s (>= 0), scalar or per population.
    synaptic_filter : bool
        Multiply by :math:`1/(1+i\omega\tau_s)` (NNMT's default True).
    refractory_phase : bool or None, keyword-only
        Include :math:`e^{-i\omega\tau_r}`; False reproduces NNMT 1.3; ``None`` (default)
        follows :func:`neuromf.use_convention`.

    Returns
    -------
    numpy.ndarray
        Complex, shape (len(omegas), n_pop), Hz/V.

    Notes
    -----
    Same signature and units as ``nnmt.lif.exp._transfer_function_shift``.  Assumes
    :math:`\sqrt{\tau_s/\tau_m} \ll 1` and :math:`\omega\sqrt{\tau_m\tau_s} \ll 1` (warns
    otherwise).
    """
    p = _as_populations(mu=mu, sigma=sigma, tau_m=tau_m, tau_s=tau_s, tau_r=tau_r,
                        V_th_rel=V_th_rel, V_0_rel=V_0_rel)
    omegas = _check_common(p, omegas)
    _check_fast_synapses(omegas, p["tau_m"], p["tau_s"])
    shift = p["sigma"] * _siegert.ALPHA_SHIFT / 2 * np.sqrt(p["tau_s"] / p["tau_m"])
    V_th = p["V_th_rel"] + shift
    V_0 = p["V_0_rel"] + shift
    nu = _quiet(_siegert.delta_firing_rate, p["mu"], p["sigma"], V_0, V_th, p["tau_m"],
                p["tau_r"])
    result, _, _ = _white_noise_response(nu, p["mu"], p["sigma"], p["tau_m"], p["tau_r"],
                                         V_th, V_0, omegas, refractory_phase)
    zero = omegas == 0
    if np.any(zero):
        result[zero] = _quiet(_siegert.d_shift_firing_rate_d_mu, p["mu"], p["sigma"],
                              p["V_0_rel"], p["V_th_rel"], p["tau_m"], p["tau_r"],
                              p["tau_s"])
    if synaptic_filter:
        result *= _synaptic_filter(omegas, p["tau_s"])
    return result


def _transfer_function_taylor(mu, sigma, tau_m, tau_s, tau_r, V_th_rel, V_0_rel, omegas,
                              synaptic_filter=True, *,
                              refractory_phase: bool | None = None) -> np.ndarray:
    r"""Colored-noise LIF transfer function, 'taylor' method (Schuecker et al. 2014, Eq. 93).

    First order in :math:`k = \sqrt{\tau_s/\tau_m}` (module docstring), times
    :func:`_synaptic_filter` if ``synaptic_filter``.  :math:`H(0)` is the exact derivative of
    the Taylor rate (:func:`neuromf.special._siegert.d_taylor_firing_rate_d_mu`).  Unlike
    NNMT 1.3 (which returns :math:`\partial\nu/\partial\mu` for every :math:`\omega \le 0`),
    :math:`H(-\omega) = \overline{H(\omega)}`.  Where the Taylor rate is negative (the
    expansion has broken down, strongly sub-threshold input) a warning is issued.

    Parameters and returns as in :func:`_transfer_function_shift`.
    """
    p = _as_populations(mu=mu, sigma=sigma, tau_m=tau_m, tau_s=tau_s, tau_r=tau_r,
                        V_th_rel=V_th_rel, V_0_rel=V_0_rel)
    omegas = _check_common(p, omegas)
    _check_fast_synapses(omegas, p["tau_m"], p["tau_s"])
    args = (p["mu"], p["sigma"], p["V_0_rel"], p["V_th_rel"], p["tau_m"], p["tau_r"])
    nu0 = _quiet(_siegert.delta_firing_rate, *args)
    nu = _quiet(_siegert.taylor_firing_rate, *args, p["tau_s"])
    if np.any(nu < 0):
        warnings.warn(
            "negative 'taylor' firing rate (the first-order expansion in sqrt(tau_s/tau_m) "
            "has broken down, strongly sub-threshold input); the 'taylor' transfer function is "
            "meaningless there, use method='shift'", stacklevel=2)
    _, a1, a2 = _white_noise_response(nu0, p["mu"], p["sigma"], p["tau_m"], p["tau_r"],
                                      p["V_th_rel"], p["V_0_rel"], omegas, refractory_phase)
    k = np.sqrt(p["tau_s"] / p["tau_m"])
    corr = _siegert.ALPHA_SHIFT * k * nu0 / _SQRT2          # A / tau_m in NNMT's notation
    result = (_SQRT2 / p["sigma"] / (1.0 + 1j * np.outer(omegas, p["tau_m"]))
              * (nu * a1 + corr * (a2 - a1 * a1)))
    zero = omegas == 0
    if np.any(zero):
        result[zero] = _quiet(_siegert.d_taylor_firing_rate_d_mu, *args, p["tau_s"])
    if synaptic_filter:
        result *= _synaptic_filter(omegas, p["tau_s"])
    return result


def _transfer_function(mu, sigma, tau_m, tau_s, tau_r, V_th_rel, V_0_rel, omegas,
                       method="shift", synaptic_filter=True, *,
                       refractory_phase: bool | None = None) -> np.ndarray:
    r"""LIF transfer function with exponential synapses, Hz/V, shape (len(omegas), n_pop).

    ``method='shift'`` (:func:`_transfer_function_shift`, Schuecker et al. 2015) or
    ``'taylor'`` (:func:`_transfer_function_taylor`, Schuecker et al. 2014, Eq. 93).  Same
    signature as ``nnmt.lif.exp._transfer_function``.
    """
    check_choice("method", method, TRANSFER_METHODS)
    func = _transfer_function_shift if method == "shift" else _transfer_function_taylor
    return func(mu, sigma, tau_m, tau_s, tau_r, V_th_rel, V_0_rel, omegas, synaptic_filter,
                refractory_phase=refractory_phase)


# ---------------------------------------------------------------------------
# variance channel: rate response to a modulation of the input variance sigma^2
# ---------------------------------------------------------------------------

def _white_noise_variance_response(nu, mu, sigma, tau_m, tau_r, V_th, V_0, omegas,
                                   refractory_phase):
    """nu a2 / (sigma^2 (2 + i omega tau_m)) (Hz/V^2) and the mean response (Hz/V)."""
    h_mu, _, a2 = _white_noise_response(nu, mu, sigma, tau_m, tau_r, V_th, V_0, omegas,
                                        refractory_phase)
    h_var = nu * a2 / (sigma**2 * (2.0 + 1j * np.outer(omegas, tau_m)))
    return h_var, h_mu


def _transfer_function_variance_delta(mu, sigma, tau_m, tau_r, V_th_rel, V_0_rel, omegas, *,
                                      refractory_phase: bool | None = None) -> np.ndarray:
    r"""Rate response of a white-noise (δ-synapse) LIF neuron to modulated input variance.

    With :math:`\sigma^2(t) = \sigma^2 + \delta\sigma^2 e^{i\omega t}` the rate responds as
    :math:`\nu(\omega) = H_{\sigma^2}(\omega)\,\delta\sigma^2`,

    .. math::

        H_{\sigma^2}(\omega) = \frac{\nu_0}{\sigma^2 (2 + i\omega\tau_m)}
        \frac{\Psi''(z, x_\theta) - \Psi''(z, x_r)}
             {\Psi(z, x_\theta) - e^{-i\omega\tau_r}\Psi(z, x_r)}

    (notation of the module docstring).  This is the noise-intensity response of Lindner &
    Schimansky-Geier 2001 (their Eq. 6 with :math:`D = \sigma^2/2`, written with
    :math:`e^{x^2/4}D_{\nu-2} = \Psi''/(\nu(\nu-1))`), the second input channel of Brunel
    & Hakim 1999: in a network a rate change of a presynaptic population modulates the
    variance :math:`\sigma^2 = \tau_m\sum K J^2\nu` by :math:`\tau_m K J^2\,\delta\nu`.
    :math:`H_{\sigma^2}(0) = \partial\nu_0/\partial(\sigma^2)`; for :math:`\omega\to\infty`
    it tends to the real constant :math:`\nu_0/\sigma^2` (the rate follows the noise
    intensity instantaneously, Lindner & Schimansky-Geier 2001), whereas the mean response
    decays as :math:`\omega^{-1/2}`.

    Parameters and returns as in :func:`_transfer_function_delta`, but in Hz/V².
    """
    p = _as_populations(mu=mu, sigma=sigma, tau_m=tau_m, tau_r=tau_r, V_th_rel=V_th_rel,
                        V_0_rel=V_0_rel)
    omegas = _check_common(p, omegas)
    args = (p["mu"], p["sigma"], p["V_0_rel"], p["V_th_rel"], p["tau_m"], p["tau_r"])
    nu = _quiet(_siegert.delta_firing_rate, *args)
    result, _ = _white_noise_variance_response(nu, p["mu"], p["sigma"], p["tau_m"],
                                               p["tau_r"], p["V_th_rel"], p["V_0_rel"],
                                               omegas, refractory_phase)
    zero = omegas == 0
    if np.any(zero):
        result[zero] = _quiet(_siegert.d_delta_firing_rate_d_sigma, *args) / (2 * p["sigma"])
    return result


def _transfer_function_variance_shift(mu, sigma, tau_m, tau_s, tau_r, V_th_rel, V_0_rel,
                                      omegas, synaptic_filter=True, *,
                                      refractory_phase: bool | None = None) -> np.ndarray:
    r"""Rate response to modulated input variance with exponential synapses ('shift'), Hz/V².

    In the 'shift' approximation (Fourcaud & Brunel 2002; Schuecker et al. 2015) threshold
    and reset move with :math:`\sigma` by :math:`s = \sigma\frac{\alpha}{2}k`,
    :math:`k = \sqrt{\tau_s/\tau_m}`.  Moving both bounds by :math:`s` is moving the mean
    by :math:`-s`, so a modulation :math:`\delta\sigma^2` acts through the white-noise
    variance response at the shifted bounds plus a mean modulation
    :math:`-\frac{\alpha k}{4\sigma}\delta\sigma^2`:

    .. math::

        H_{\sigma^2}(\omega) = \Big[H^{w}_{\sigma^2}(\omega)
        - \frac{\alpha k}{4\sigma} H^{w}_{\mu}(\omega)\Big]\,\frac{1}{1 + i\omega\tau_s},

    with :math:`H^w` the white-noise responses (:func:`_transfer_function_variance_delta`,
    :func:`_transfer_function_delta`) at the shifted bounds and the shifted rate.  Mean and
    noise intensity of the synaptic current both pass the synaptic low pass
    (``synaptic_filter``; to first order in :math:`\tau_s`).  The :math:`\omega\to0`
    limit is exactly :math:`\partial\nu_{shift}/\partial(\sigma^2)`.

    Parameters and returns as in :func:`_transfer_function_shift`, but in Hz/V².
    """
    p = _as_populations(mu=mu, sigma=sigma, tau_m=tau_m, tau_s=tau_s, tau_r=tau_r,
                        V_th_rel=V_th_rel, V_0_rel=V_0_rel)
    omegas = _check_common(p, omegas)
    _check_fast_synapses(omegas, p["tau_m"], p["tau_s"])
    k = np.sqrt(p["tau_s"] / p["tau_m"])
    shift = p["sigma"] * _siegert.ALPHA_SHIFT / 2 * k
    V_th = p["V_th_rel"] + shift
    V_0 = p["V_0_rel"] + shift
    args = (p["mu"], p["sigma"], V_0, V_th, p["tau_m"], p["tau_r"])
    nu = _quiet(_siegert.delta_firing_rate, *args)
    h_var, h_mu = _white_noise_variance_response(nu, p["mu"], p["sigma"], p["tau_m"],
                                                 p["tau_r"], V_th, V_0, omegas,
                                                 refractory_phase)
    mean_shift = _siegert.ALPHA_SHIFT * k / (4 * p["sigma"])   # d(-s)/d(sigma^2), 1/V
    result = h_var - mean_shift * h_mu
    zero = omegas == 0
    if np.any(zero):
        result[zero] = (_quiet(_siegert.d_delta_firing_rate_d_sigma, *args) / (2 * p["sigma"])
                        - mean_shift * _quiet(_siegert.d_delta_firing_rate_d_mu, *args))
    if synaptic_filter:
        result *= _synaptic_filter(omegas, p["tau_s"])
    return result


# ---------------------------------------------------------------------------
# power spectrum of the unperturbed spike train (renewal process of the LIF neuron)
# ---------------------------------------------------------------------------

_OMEGA_TAU_ZERO = 1e-4     # below: the exact limit nu CV^2 (the formula is 0/0 at 0)


def _spike_train_spectrum(nu, cv, mu, sigma, tau_m, tau_r, V_th, V_0, omegas):
    """nu (|Psi_th|^2 - |Psi_r|^2) / |Psi_th - e^{-i w tau_r} Psi_r|^2 on the grid."""
    om = np.outer(omegas, tau_m)
    factor = _pcf_grid.spike_train_spectrum_factor_grid(
        _SQRT2 * (V_th - mu) / sigma, _SQRT2 * (V_0 - mu) / sigma, om, tau_r / tau_m)
    small = np.abs(om) < _OMEGA_TAU_ZERO
    return np.where(small, np.broadcast_to(nu * cv**2, om.shape), nu * factor)


def _spike_train_power_spectrum_delta(mu, sigma, tau_m, tau_r, V_th_rel, V_0_rel,
                                      omegas) -> np.ndarray:
    r"""Power spectrum of the spike train of a white-noise-driven LIF neuron, in Hz.

    Lindner, Schimansky-Geier & Longtin 2002 (Phys Rev E 66: 031916) for the stationary
    renewal process of the LIF neuron with refractory period:

    .. math::

        S(\omega) = \nu_0\,\frac{|\Psi(z, x_\theta)|^2 - |\Psi(z, x_r)|^2}
                              {|\Psi(z, x_\theta) - e^{-i\omega\tau_r}\Psi(z, x_r)|^2}

    (notation of the module docstring).  :math:`S(0) = \nu_0\,\mathrm{CV}^2`
    (:func:`neuromf.special._cv.delta_cv`) and :math:`S(\omega\to\infty) = \nu_0`
    (the Poisson value that Bos et al. 2016, Eq. 18 use at all frequencies).  Used as
    the noise source of the rate cross-spectra with ``renewal=True``
    (:func:`neuromf.linear_response._cross_spectral_matrix`).

    Parameters
    ----------
    mu, sigma, tau_m, tau_r, V_th_rel, V_0_rel, omegas
        As in :func:`_transfer_function_delta` (V, s, rad/s).

    Returns
    -------
    numpy.ndarray
        Real, shape (len(omegas), n_pop), Hz; even in omega.
    """
    p = _as_populations(mu=mu, sigma=sigma, tau_m=tau_m, tau_r=tau_r, V_th_rel=V_th_rel,
                        V_0_rel=V_0_rel)
    omegas = _check_common(p, omegas)
    args = (p["mu"], p["sigma"], p["V_0_rel"], p["V_th_rel"], p["tau_m"], p["tau_r"])
    nu = _quiet(_siegert.delta_firing_rate, *args)
    cv = _quiet(_cv.delta_cv, *args)
    return _spike_train_spectrum(nu, cv, p["mu"], p["sigma"], p["tau_m"], p["tau_r"],
                                 p["V_th_rel"], p["V_0_rel"], omegas)


def _spike_train_power_spectrum_shift(mu, sigma, tau_m, tau_s, tau_r, V_th_rel, V_0_rel,
                                      omegas) -> np.ndarray:
    r"""Spike-train power spectrum with exponential synapses, 'shift' approximation (Hz).

    :func:`_spike_train_power_spectrum_delta` at threshold and reset shifted by
    :math:`\sigma\frac{\alpha}{2}\sqrt{\tau_s/\tau_m}` (Fourcaud & Brunel 2002), with the
    shifted rate; :math:`S(0) = \nu\,\mathrm{CV}^2` with the CV at the shifted bounds.
    Assumes :math:`\tau_s \ll \tau_m` like the 'shift' transfer function.
    """
    p = _as_populations(mu=mu, sigma=sigma, tau_m=tau_m, tau_s=tau_s, tau_r=tau_r,
                        V_th_rel=V_th_rel, V_0_rel=V_0_rel)
    omegas = _check_common(p, omegas)
    _check_fast_synapses(omegas, p["tau_m"], p["tau_s"])
    shift = p["sigma"] * _siegert.ALPHA_SHIFT / 2 * np.sqrt(p["tau_s"] / p["tau_m"])
    V_th, V_0 = p["V_th_rel"] + shift, p["V_0_rel"] + shift
    args = (p["mu"], p["sigma"], V_0, V_th, p["tau_m"], p["tau_r"])
    nu = _quiet(_siegert.delta_firing_rate, *args)
    cv = _quiet(_cv.delta_cv, *args)
    return _spike_train_spectrum(nu, cv, p["mu"], p["sigma"], p["tau_m"], p["tau_r"], V_th,
                                 V_0, omegas)


def _derivative_of_firing_rates_wrt_input_rate(mu, sigma, tau_m, tau_s, tau_r, V_th_rel,
                                               V_0_rel, j) -> np.ndarray:
    r"""Derivative of the stationary ('shift') rate with respect to one input rate.

    Helias et al. 2013, Eq. A.3: an input of rate :math:`\nu_{in}` and weight :math:`j`
    contributes :math:`\tau_m j\nu_{in}` to :math:`\mu` and :math:`\tau_m j^2\nu_{in}` to
    :math:`\sigma^2`, so

    .. math::

        \frac{\partial\nu}{\partial\nu_{in}} = \sqrt\pi(\tau_m\nu)^2\frac{j}{\sigma}
        \Big[B + \frac{j}{2\sigma} C\Big],\quad
        B = \operatorname{erfcx}(-\tilde y_\theta) - \operatorname{erfcx}(-\tilde y_r),\quad
        C = y_\theta\operatorname{erfcx}(-\tilde y_\theta) - y_r\operatorname{erfcx}(-\tilde y_r),

    with :math:`y = (V-\mu)/\sigma`, the shifted
    :math:`\tilde y = y + \frac\alpha2\sqrt{\tau_s/\tau_m}`
    and :math:`\nu` the 'shift' rate (NNMT's convention, ``nnmt.lif.exp``; unitless).
    ``erfcx`` keeps it finite where NNMT's :math:`e^{y^2}(1+\operatorname{erf}y)` overflows.

    Parameters
    ----------
    mu, sigma, tau_m, tau_s, tau_r, V_th_rel, V_0_rel
        As in :func:`_transfer_function_shift`.
    j : float or array_like
        Synaptic weight in V (broadcast against the populations).
    """
    check_sigma_nonzero(sigma)
    p = _as_populations(mu=mu, sigma=sigma, tau_m=tau_m, tau_s=tau_s, tau_r=tau_r,
                        V_th_rel=V_th_rel, V_0_rel=V_0_rel)
    _check_common(p, np.zeros(0))
    _check_fast_synapses(np.zeros(0), p["tau_m"], p["tau_s"])
    j = np.asarray(j, dtype=float)
    check_finite("j", j, "V")
    y_th = (p["V_th_rel"] - p["mu"]) / p["sigma"]
    y_r = (p["V_0_rel"] - p["mu"]) / p["sigma"]
    off = _siegert.ALPHA_SHIFT / 2 * np.sqrt(p["tau_s"] / p["tau_m"])
    shift = p["sigma"] * off
    log_nu = _quiet(_siegert.log_delta_firing_rate, p["mu"], p["sigma"], p["V_0_rel"] + shift,
                    p["V_th_rel"] + shift, p["tau_m"], p["tau_r"])
    # log erfcx(-y) = y^2 + log(2) + log Phi(sqrt2 y): finite for all y
    log_e_th = (y_th + off) ** 2 + math.log(2.0) + log_ndtr(_SQRT2 * (y_th + off))
    log_e_r = (y_r + off) ** 2 + math.log(2.0) + log_ndtr(_SQRT2 * (y_r + off))
    ratio = np.exp(log_e_r - log_e_th)                     # erfcx(-y_r)/erfcx(-y_th) <= 1
    # sqrt(pi) (tau_m nu)^2 erfcx(-y_th) / sigma, in log form (no overflow, no 0 * inf)
    with np.errstate(under="ignore"):
        pref = (math.sqrt(math.pi) / p["sigma"] * p["tau_m"] ** 2
                * np.exp(2.0 * log_nu + log_e_th))
    lin = pref * j * (1.0 - ratio)
    sqr = pref * j * j / (2.0 * p["sigma"]) * (y_th - y_r * ratio)
    return lin + sqr
