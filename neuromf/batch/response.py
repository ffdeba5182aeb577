r"""Batched single-neuron responses and network linear response (leading grid axis).

Parameter-level functions of :mod:`neuromf.lif._transfer` and
:mod:`neuromf.linear_response` for ``G`` networks at once.  Per-population inputs have
shape ``(G, n)``, connectivity ``(G, n, n)``; frequency-resolved results ``(G, F, n)``
and ``(G, F, n, n)``.

Transfer functions (Hz/V) and variance responses (Hz/V²) come from *one* evaluation of
the parabolic-cylinder ratios :math:`a_1, a_2` per distinct neuron state
(:func:`neuromf.special._pcf_grid.psi_ratios_grid`; identical states, e.g. the E and I
populations of Brunel's model, are evaluated once), with the formulas of
:mod:`neuromf.lif._transfer`:

* mean channel, white noise (Brunel & Hakim 1999; Lindner & Schimansky-Geier 2001),
  :math:`H = \sqrt2\,\nu a_1 / (\sigma(1 + i\omega\tau_m))`, at threshold and reset
  shifted by :math:`\sigma\frac\alpha2\sqrt{\tau_s/\tau_m}` for exponential synapses
  ('shift', Schuecker et al. 2015) or in first order ('taylor', Schuecker et al. 2014,
  Eq. 93);
* variance channel :math:`H_{\sigma^2} = \nu a_2/(\sigma^2(2 + i\omega\tau_m))` (Lindner &
  Schimansky-Geier 2001, Eq. 6), minus :math:`\frac{\alpha k}{4\sigma}H` for 'shift';
* the synaptic low pass :math:`1/(1 + i\omega\tau_s)` for exponential synapses, exact
  zero-frequency limits :math:`\partial\nu/\partial\mu`, :math:`\partial\nu/\partial\sigma^2`.

Network level: ``M_ab = D_ab tau_m,a K_ab (J_ab H_a + J_ab² H^var_a)`` (Bos et al. 2016,
Eq. 12 ff.), power spectra ``sum_b |[(1 - M)^-1]_ab|² nu_b / N_b`` (Bos 2016, Eq. 18).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np

from ..lif import _transfer
from ..special import _cv, _pcf, _pcf_grid, _siegert
from ..utils import check_finite, check_positive

__all__ = ["NeuronStates", "responses_on_grid", "responses_at", "spike_train_spectra",
           "effective_connectivity", "power_spectra", "peaks"]

_SQRT2 = math.sqrt(2.0)


@dataclass
class NeuronStates:
    """Input statistics and neuron parameters of every (grid point, population).

    All arrays have shape ``(G, n)``, in SI units; voltages relative to the resting
    potential.

    Parameters
    ----------
    kind : {'delta', 'shift', 'taylor'}
        'delta': δ synapses (white-noise input); 'shift' or 'taylor': exponential
        synapses with ``tau_s``, colored-noise approximation by shifted boundaries
        (Fourcaud & Brunel 2002; Schuecker et al. 2015) or in first order (Schuecker et
        al. 2014).
    mu : numpy.ndarray
        Mean input (V), finite.
    sigma : numpy.ndarray
        Standard deviation of the input (V), > 0.
    tau_m : numpy.ndarray
        Membrane time constants (s), > 0.
    tau_r : numpy.ndarray
        Refractory periods (s), >= 0.
    V_th : numpy.ndarray
        Spike thresholds (V), above ``V_0``.
    V_0 : numpy.ndarray
        Reset potentials (V).
    tau_s : numpy.ndarray or None
        Synaptic time constants (s), >= 0; needed unless ``kind`` is 'delta'.
    refractory_phase : bool
        Include the factor ``exp(-i omega tau_r)`` of the delayed reset in the transfer
        functions (as :func:`neuromf.lif.delta.transfer_function`).
    synaptic_filter : bool
        Multiply the transfer functions of exponential synapses by the synaptic low pass
        ``1 / (1 + i omega tau_s)``.

    Raises
    ------
    ValueError
        If ``mu`` is not finite, ``sigma``, ``tau_m`` are not > 0, ``tau_r``, ``tau_s``
        are negative, ``V_th <= V_0``, or ``tau_s`` is missing for exponential synapses.
    """

    kind: str
    mu: np.ndarray
    sigma: np.ndarray
    tau_m: np.ndarray
    tau_r: np.ndarray
    V_th: np.ndarray
    V_0: np.ndarray
    tau_s: np.ndarray | None = None
    refractory_phase: bool = True
    synaptic_filter: bool = True

    def __post_init__(self) -> None:
        check_finite("mu", self.mu, "V")
        check_positive("sigma", self.sigma, "V")
        check_positive("tau_m", self.tau_m, "s")
        check_positive("tau_r", self.tau_r, "s", allow_zero=True)
        if np.any(self.V_th <= self.V_0):
            raise ValueError("V_th_rel must be > V_0_rel (threshold above reset)")
        if self.kind != "delta":
            if self.tau_s is None:
                raise ValueError(f"kind {self.kind!r} needs tau_s (exponential synapses)")
            check_positive("tau_s", self.tau_s, "s", allow_zero=True)

    def take(self, index: np.ndarray) -> NeuronStates:
        """The states of some grid points.

        Parameters
        ----------
        index : numpy.ndarray of int
            Indices of the grid points (rows), any shape; may repeat.

        Returns
        -------
        NeuronStates
            The selected rows; frequency-independent quantities cached by
            :meth:`per_state` are shared with these states.
        """
        def pick(a):
            return None if a is None else a[index]
        taken = NeuronStates(self.kind, pick(self.mu), pick(self.sigma), pick(self.tau_m),
                             pick(self.tau_r), pick(self.V_th), pick(self.V_0),
                             pick(self.tau_s), self.refractory_phase, self.synaptic_filter)
        root, own = self._origin
        taken._origin = (root, index if own is None else own[index])
        return taken

    @property
    def _origin(self) -> tuple:
        """(states of the whole batch, index of these rows in it or None)."""
        return self.__dict__.get("_taken_from", (self, None))

    @_origin.setter
    def _origin(self, value: tuple) -> None:
        self.__dict__["_taken_from"] = value

    def per_state(self, key: tuple, compute) -> np.ndarray:
        """A frequency-independent quantity of these states, computed once per batch.

        Parameters
        ----------
        key : tuple
            Name of the quantity (cache key).
        compute : callable
            ``compute(states) -> array (G, n)`` on the states of the whole batch
            (rates and their derivatives, in Hz and Hz/V).

        Returns
        -------
        numpy.ndarray
            The rows of these states (samples that repeat grid points share them).
        """
        root, index = self._origin
        cache = root.__dict__.setdefault("_per_state", {})
        if key not in cache:
            cache[key] = compute(root)
        value = cache[key]
        return value if index is None else value[index]

    # -- bounds and rates of the white-noise problem whose ratios are needed --------

    def _k(self) -> np.ndarray:
        return np.sqrt(self.tau_s / self.tau_m)

    def _bounds(self, shifted: bool) -> tuple[np.ndarray, np.ndarray]:
        if not shifted:
            return self.V_th, self.V_0
        s = self.sigma * _siegert.ALPHA_SHIFT / 2 * self._k()
        return self.V_th + s, self.V_0 + s

    def _x(self, shifted: bool) -> tuple[np.ndarray, ...]:
        V_th, V_0 = self._bounds(shifted)
        delay = (self.tau_r / self.tau_m if self.refractory_phase
                 else np.zeros_like(self.tau_m))
        return (_SQRT2 * (V_th - self.mu) / self.sigma, _SQRT2 * (V_0 - self.mu) / self.sigma,
                delay)

    def _rate(self, shifted: bool) -> np.ndarray:
        V_th, V_0 = self._bounds(shifted)
        return _siegert.delta_firing_rate(self.mu, self.sigma, V_0, V_th, self.tau_m,
                                          self.tau_r)

    def warn_validity(self, omega_max: float) -> None:
        """Warn where the colored-noise theory is used outside its range (once per batch).

        The approximations for exponential synapses assume ``sqrt(tau_s/tau_m) << 1``
        and ``omega sqrt(tau_m tau_s) << 1`` (Fourcaud & Brunel 2002; Schuecker et al.
        2015); the checks are those of :func:`neuromf.lif.exp.transfer_function`.  No
        warning for δ synapses.

        Parameters
        ----------
        omega_max : float
            Largest angular frequency (rad/s) that will be evaluated.
        """
        if self.kind != "delta":
            _transfer._check_fast_synapses(np.array([omega_max]), self.tau_m.ravel(),
                                           self.tau_s.ravel())


# ---------------------------------------------------------------------------
# ratios: on a shared frequency grid (interpolated) or at given (point, frequency)
# ---------------------------------------------------------------------------

def _unique_columns(*arrays: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct rows of the stacked (G*n) parameters and the inverse index."""
    key = np.stack([np.ravel(a) for a in arrays], axis=-1)
    uniq, inverse = np.unique(key, axis=0, return_inverse=True)
    return uniq, inverse.ravel()


def _ratios_grid(states: NeuronStates, shifted: bool, omegas: np.ndarray,
                 spectrum: bool = False) -> tuple[np.ndarray, ...]:
    """a1, a2 (or the spike-train factor) of every state at the shared ``omegas``,
    shape (G, F, n) each; one interpolant per distinct (x_th, x_r, tau_m, delay)."""
    x_th, x_r, delay = states._x(shifted)
    G, n = x_th.shape
    uniq, inv = _unique_columns(x_th, x_r, states.tau_m, delay)
    om = np.outer(omegas, uniq[:, 2])
    if spectrum:
        out = (_pcf_grid.spike_train_spectrum_factor_grid(uniq[:, 0], uniq[:, 1], om, uniq[:, 3]),)
    else:
        out = _pcf_grid.psi_ratios_grid(uniq[:, 0], uniq[:, 1], om, uniq[:, 3])
    F = omegas.size
    return tuple(np.ascontiguousarray(o[:, inv].reshape(F, G, n).transpose(1, 0, 2))
                 for o in out)


def _ratios_at(states: NeuronStates, shifted: bool, omegas: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray]:
    """a1, a2 at one frequency per grid point (``omegas`` shape (G,)), shape (G, n)."""
    x_th, x_r, delay = states._x(shifted)
    om = omegas[:, None] * states.tau_m
    cols = _distinct_columns(x_th, x_r, om, delay)     # e.g. Brunel's E and I: once
    if cols is None:
        return _pcf.psi_ratios(x_th, x_r, om, delay)
    first, inverse = cols
    a1, a2 = _pcf.psi_ratios(x_th[:, first], x_r[:, first], om[:, first], delay[:, first])
    return a1[:, inverse], a2[:, inverse]


def _distinct_columns(*arrays: np.ndarray, max_n: int = 16):
    """Populations (columns) whose parameters are equal in every row to those of an
    earlier column: (distinct columns, column -> distinct index), or None if all
    columns differ (or there are more than ``max_n``)."""
    n = arrays[0].shape[1]
    if n < 2 or n > max_n:
        return None
    key = np.stack(arrays)                                  # (k, N, n)
    inverse = np.arange(n)
    for j in range(1, n):
        same = np.all(key[..., :j] == key[..., j:j + 1], axis=(0, 1))
        if same.any():
            inverse[j] = inverse[np.argmax(same)]
    if np.all(inverse == np.arange(n)):
        return None
    first = np.unique(inverse)
    return first, np.searchsorted(first, inverse)


# ---------------------------------------------------------------------------
# transfer functions from the ratios
# ---------------------------------------------------------------------------

def _assemble(states: NeuronStates, omegas: np.ndarray, ratios, variance: bool,
              shift_ratios=None) -> tuple[np.ndarray, np.ndarray | None]:
    """H (and H_var) from the ratios; ``omegas`` broadcast against the ratios' frequency
    axis: shape (F,) for (G, F, n) ratios or (G,) for (G, n) ratios."""
    grid = ratios[0].ndim == 3
    if grid:
        w = omegas[None, :, None]
        p = {name: getattr(states, name)[:, None, :]
             for name in ("mu", "sigma", "tau_m", "tau_r", "V_th", "V_0")}
        tau_s = None if states.tau_s is None else states.tau_s[:, None, :]
    else:
        w = omegas[:, None]
        p = {name: getattr(states, name) for name in ("mu", "sigma", "tau_m", "tau_r",
                                                       "V_th", "V_0")}
        tau_s = states.tau_s
    zero = w == 0
    sig = p["sigma"]
    a1, a2 = ratios
    kind = states.kind
    expand = (lambda a: a[:, None, :]) if grid else (lambda a: a)
    low = 1.0 / (1.0 + 1j * w * p["tau_m"])
    if kind == "taylor":
        nu0 = expand(states.per_state(("rate", False), lambda s: s._rate(False)))
        nu = expand(states.per_state(("taylor rate",), lambda s: np.atleast_1d(
            _siegert.taylor_firing_rate(s.mu, s.sigma, s.V_0, s.V_th, s.tau_m, s.tau_r,
                                        s.tau_s))))
        corr = _siegert.ALPHA_SHIFT * np.sqrt(tau_s / p["tau_m"]) * nu0 / _SQRT2
        H = _SQRT2 / sig * low * (nu * a1 + corr * (a2 - a1 * a1))
        H0 = expand(states.per_state(("H0", "taylor"), lambda s: (
            _siegert.d_taylor_firing_rate_d_mu(s.mu, s.sigma, s.V_0, s.V_th, s.tau_m,
                                               s.tau_r, s.tau_s))))
    else:
        shifted = kind == "shift"
        nu = expand(states.per_state(("rate", shifted), lambda s: s._rate(shifted)))
        H = _SQRT2 * nu / sig * low * a1
        if shifted:
            H0 = expand(states.per_state(("H0", "shift"), lambda s: (
                _siegert.d_shift_firing_rate_d_mu(s.mu, s.sigma, s.V_0, s.V_th, s.tau_m,
                                                  s.tau_r, s.tau_s))))
        else:
            H0 = expand(states.per_state(("H0", "delta"), lambda s: (
                _siegert.d_delta_firing_rate_d_mu(s.mu, s.sigma, s.V_0, s.V_th, s.tau_m,
                                                  s.tau_r))))
    H_var = None
    if variance:
        if kind == "taylor":      # the variance channel is 'shift' (as lif.exp)
            shift = NeuronStates("shift", states.mu, states.sigma, states.tau_m,
                                 states.tau_r, states.V_th, states.V_0, states.tau_s,
                                 states.refractory_phase, states.synaptic_filter)
            _, H_var = _assemble(shift, omegas, shift_ratios, True)
            return _finish(states, H, H0, zero, w, tau_s), H_var
        H_var = _variance(states, kind == "shift", nu, a2, low, H, w, expand)
    return _finish(states, H, H0, zero, w, tau_s), H_var


def _variance(states, shifted, nu, a2, low_m, H_w, w, expand):
    sig = expand(states.sigma)
    tau_m = expand(states.tau_m)
    H_var = nu * a2 / (sig**2 * (2.0 + 1j * w * tau_m))
    H0 = states.per_state(("H0 var", shifted), lambda s: _variance_zero(s, shifted))
    tau_s = None
    if shifted:
        mean_shift = _siegert.ALPHA_SHIFT * states._k() / (4 * states.sigma)
        H_var = H_var - expand(mean_shift) * H_w
        tau_s = expand(states.tau_s)
    return _finish(states, H_var, expand(H0), w == 0, w, tau_s)


def _variance_zero(states, shifted):
    """Zero-frequency limit of the variance response, d nu / d sigma² (Hz/V²)."""
    V_th, V_0 = states._bounds(shifted)
    args = (states.mu, states.sigma, V_0, V_th, states.tau_m, states.tau_r)
    H0 = _siegert.d_delta_firing_rate_d_sigma(*args) / (2 * states.sigma)
    if shifted:
        mean_shift = _siegert.ALPHA_SHIFT * states._k() / (4 * states.sigma)
        H0 = H0 - mean_shift * _siegert.d_delta_firing_rate_d_mu(*args)
    return H0


def _finish(states, H, H0, zero, w, tau_s):
    if np.any(zero):
        H = np.where(zero, H0, H)
    if tau_s is not None and states.synaptic_filter:
        H = H / (1.0 + 1j * w * tau_s)
    return H


def responses_on_grid(states: NeuronStates, omegas: np.ndarray, variance: bool = False
                      ) -> tuple[np.ndarray, np.ndarray | None]:
    """Transfer functions of every state on a shared frequency grid.

    The parabolic-cylinder ratios are evaluated once per distinct state and
    interpolated in frequency (:func:`neuromf.special._pcf_grid.psi_ratios_grid`).

    Parameters
    ----------
    states : NeuronStates
        The neuron states, shape (G, n).
    omegas : array_like
        Angular frequencies (rad/s), shape (F,), finite.
    variance : bool
        Also compute the response to the input variance.

    Returns
    -------
    H : numpy.ndarray
        Complex transfer functions of the mean channel (Hz/V), shape (G, F, n).
    H_var : numpy.ndarray or None
        Complex responses to the input variance (Hz/V²), shape (G, F, n); None without
        ``variance``.

    Raises
    ------
    ValueError
        If ``omegas`` is not finite.

    References
    ----------
    Brunel & Hakim 1999; Lindner & Schimansky-Geier 2001, Eq. 6; Schuecker et al. 2015
    (shifted boundaries); Schuecker et al. 2014, Eq. 93 ('taylor').
    """
    omegas = np.atleast_1d(np.asarray(check_finite("omegas", omegas, "rad/s"), float))
    if omegas.size:
        states.warn_validity(float(np.max(np.abs(omegas))))
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"k = sqrt\(tau_s/tau_m\)")
        ratios = _ratios_grid(states, states.kind == "shift", omegas)
        shift_ratios = (_ratios_grid(states, True, omegas)
                        if variance and states.kind == "taylor" else None)
        return _assemble(states, omegas, ratios, variance, shift_ratios)


def responses_at(states: NeuronStates, omegas: np.ndarray, variance: bool = False
                 ) -> tuple[np.ndarray, np.ndarray | None]:
    """Transfer functions of every state row at its own frequency.

    As :func:`responses_on_grid`, evaluated directly (no interpolation).

    Parameters
    ----------
    states : NeuronStates
        The neuron states, shape (N, n).
    omegas : array_like
        Angular frequency (rad/s) of each row of ``states``, shape (N,).
    variance : bool
        Also compute the response to the input variance.

    Returns
    -------
    H : numpy.ndarray
        Complex transfer functions of the mean channel (Hz/V), shape (N, n).
    H_var : numpy.ndarray or None
        Complex responses to the input variance (Hz/V²), shape (N, n); None without
        ``variance``.

    References
    ----------
    Brunel & Hakim 1999; Lindner & Schimansky-Geier 2001, Eq. 6; Schuecker et al. 2015.
    """
    omegas = np.asarray(omegas, float)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"k = sqrt\(tau_s/tau_m\)")
        ratios = _ratios_at(states, states.kind == "shift", omegas)
        shift_ratios = (_ratios_at(states, True, omegas)
                        if variance and states.kind == "taylor" else None)
        return _assemble(states, omegas, ratios, variance, shift_ratios)


def spike_train_spectra(states: NeuronStates, omegas: np.ndarray) -> np.ndarray:
    """Power spectra of the spike trains of every state (renewal process).

    Thresholds and reset as in :mod:`neuromf.lif._transfer` ('delta', or shifted for
    'shift'); at zero frequency ``nu CV²``.

    Parameters
    ----------
    states : NeuronStates
        The neuron states, shape (G, n), of kind 'delta' or 'shift'.
    omegas : array_like
        Angular frequencies (rad/s), shape (F,).

    Returns
    -------
    numpy.ndarray
        Spike-train power spectra (Hz), real, shape (G, F, n).

    Raises
    ------
    ValueError
        For states of kind 'taylor'.

    References
    ----------
    Lindner et al. 2002 (spike-train spectrum of the LIF neuron with white noise).
    """
    omegas = np.atleast_1d(np.asarray(omegas, float))
    shifted = states.kind != "delta"
    if states.kind == "taylor":
        raise ValueError("spike-train spectra exist for 'delta' and 'shift' only")
    (factor,) = _ratios_grid(states, shifted, omegas, spectrum=True)
    V_th, V_0 = states._bounds(shifted)
    args = (states.mu, states.sigma, V_0, V_th, states.tau_m, states.tau_r)
    nu = _siegert.delta_firing_rate(*args)
    cv = _cv.delta_cv(*args)
    om = omegas[None, :, None] * states.tau_m[:, None, :]
    small = np.abs(om) < _transfer._OMEGA_TAU_ZERO
    return np.where(small, (nu * cv**2)[:, None, :], nu[:, None, :] * factor.real)


# ---------------------------------------------------------------------------
# network linear response
# ---------------------------------------------------------------------------

def effective_connectivity(H: np.ndarray, D: np.ndarray, J: np.ndarray, K: np.ndarray,
                           tau_m: np.ndarray, H_var: np.ndarray | None = None
                           ) -> np.ndarray:
    """Effective connectivity ``M_ab = D_ab tau_m,a K_ab (J_ab H_a + J_ab² H^var_a)``.

    Parameters
    ----------
    H : numpy.ndarray
        Transfer functions of the mean channel (Hz/V), shape (G, F, n).
    D : numpy.ndarray
        Delay characteristic functions (dimensionless), shape (F, n, n) shared by all
        grid points or (G, F, n, n).
    J : numpy.ndarray
        Synaptic weights (V), shape (G, n, n).
    K : numpy.ndarray
        In-degrees, shape (G, n, n).
    tau_m : numpy.ndarray
        Membrane time constants (s) of the target populations, shape (G, n).
    H_var : numpy.ndarray, optional
        Responses to the input variance (Hz/V²), shape (G, F, n); None for the mean
        channel only.

    Returns
    -------
    numpy.ndarray
        Complex, dimensionless, shape (G, F, n, n).

    References
    ----------
    Bos et al. 2016, Eq. 12 ff.; Brunel & Hakim 1999 (variance channel).
    """
    coupling = (tau_m[:, :, None] * K * J)[:, None]
    M = coupling * H[..., :, None]
    if H_var is not None:
        M += (tau_m[:, :, None] * K * J**2)[:, None] * H_var[..., :, None]
    M *= D
    return M


def power_spectra(nu: np.ndarray, M: np.ndarray, N: np.ndarray,
                  spike_train_spectra: np.ndarray | None = None) -> np.ndarray:
    """Population-rate power spectra ``P_a = sum_b |[(1 - M)^-1]_ab|² S_b / N_b``.

    Parameters
    ----------
    nu : numpy.ndarray
        Firing rates (Hz), shape (G, n); ``S = nu`` (Poisson spike trains) unless
        ``spike_train_spectra`` is given.
    M : numpy.ndarray
        Effective connectivity (dimensionless), shape (G, F, n, n).
    N : numpy.ndarray
        Population sizes, shape (G, n).
    spike_train_spectra : numpy.ndarray, optional
        Spike-train power spectra ``S`` (Hz), shape (G, F, n).

    Returns
    -------
    numpy.ndarray
        Power spectra (Hz), real, shape (G, F, n).

    Raises
    ------
    ValueError
        If ``1 - M`` is singular at some grid point and frequency.

    References
    ----------
    Bos et al. 2016, Eq. 18.
    """
    n = M.shape[-1]
    A = np.negative(M)
    A[..., np.arange(n), np.arange(n)] += 1.0
    try:
        Q = np.linalg.inv(A)
    except np.linalg.LinAlgError:
        raise ValueError("cannot compute the power spectra: 1 - M is singular at some "
                         "grid point and frequency (the linearised network is at a "
                         "bifurcation)") from None
    if spike_train_spectra is None:
        weights = (nu / N)[:, None, :]
    else:
        weights = spike_train_spectra / N[:, None, :]
    return (np.einsum("...ab,...ab,...b->...a", Q.real, Q.real, weights)
            + np.einsum("...ab,...ab,...b->...a", Q.imag, Q.imag, weights))


def peaks(spectra: np.ndarray, freqs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Frequency and value of the largest spectrum value per (grid point, population).

    Parameters
    ----------
    spectra : numpy.ndarray
        Power spectra, shape (G, F, n).
    freqs : numpy.ndarray
        Frequencies (Hz) of the spectra, shape (F,).

    Returns
    -------
    freq : numpy.ndarray
        Peak frequency (Hz), shape (G, n).
    power : numpy.ndarray
        Spectrum value at the peak (unit of ``spectra``), shape (G, n).
    """
    index = np.argmax(spectra, axis=1)
    return freqs[index], np.take_along_axis(spectra, index[:, None, :], axis=1)[:, 0]
