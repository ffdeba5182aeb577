"""Linear stability of the working point: the number of unstable modes by the generalized
Nyquist criterion (MacFarlane & Postlethwaite 1977; applied to LIF networks as in Brunel &
Hakim 1999, Brunel 2000), on an adaptive frequency grid.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment

from .. import network_properties
from ..utils import (
    check_finite,
    check_positive,
)
from ._inputs import (
    _PREFIX,
    _as_square_stack,
)
from .connectivity import effective_connectivity
from .neuron_model import neuron_model

#: Largest phase step of det(1 - M) between neighbouring frequencies that still
#: resolves the winding unambiguously.
_MAX_PHASE_STEP = 0.5 * np.pi

#: Largest number of populations for which eigenvalue crossings are located.
_MAX_N_CROSSINGS = 64


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
    """One line for a result of :func:`unstable_modes` with ``count > 0``.

    Parameters
    ----------
    result : dict
        A result of :func:`unstable_modes` (``count``, ``crossing_frequencies`` in Hz).

    Returns
    -------
    str
        The number of unstable modes, the crossing frequencies and what they mean.
    """
    text = (f"the working point is linearly unstable ({result['count']} unstable modes, "
            "Nyquist criterion")
    freqs = result.get("crossing_frequencies")
    if freqs:
        text += "; eigenvalues cross right of 1 at " + ", ".join(f"{f:.0f}" for f in freqs)
        text += " Hz"
    return text + ("): the linear theory predicts growing oscillations, and its power "
                   "spectra describe no stationary state")


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
    prefix : str
        Result-key prefix of the registered neuron model whose transfer function is
        used (:mod:`.neuron_model`; 'lif.exp.' or 'lif.delta.').
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
    model = neuron_model(prefix)
    if variance_channel and model.transfer_function_variance is None:
        raise ValueError(f"variance_channel=True needs the response to the input variance, "
                         f"which the neuron model {prefix!r} does not provide")
    params = network.network_params
    delays = np.asarray(params.get("Delay", params.get("D_mean", 0.0)), dtype=float)
    spread = params.get("Delay_sd", params.get("D_std"))
    spread = np.zeros(1) if spread is None else np.asarray(spread, dtype=float)
    longest = float(np.max(delays + 3 * spread)) if np.size(delays) else 0.0
    df = 2.0 if longest <= 0 else min(2.0, 1.0 / (16.0 * longest))
    work = network.copy()
    options = {k: v for k, v in transfer_function_kwargs.items()
               if k in model.shared_options}

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
