r"""Number of unstable modes of many networks at once (generalized Nyquist criterion).

The count of every network follows :func:`neuromf.linear_response.unstable_modes`
(MacFarlane & Postlethwaite 1977; applied to LIF networks as in Brunel & Hakim 1999 and
Brunel 2000): :math:`Z = [\varphi(0) - \varphi(\infty)]/\pi` with
:math:`\varphi = \arg\det(1 - M(\omega))` on the grid from 0 Hz in steps of
:math:`\min(2\,\mathrm{Hz}, 1/(16 d_{max}))`, extended in powers of two from 2 kHz until
the spectral radius of :math:`M` at the last frequency is below 1, and refined (up to 6
rounds, 8 points per interval) where the phase steps by :math:`\ge \pi/2`.

The batch samples that fine grid adaptively (:func:`_adaptive_segment`): every 32nd
frequency (fewer where the delay factor turns by more than 1/8 of a turn per coarse
step) and the last one, then midpoints
on the fine grid of every interval where :math:`\det(1 - M)` turns by more than
:math:`\pi/4` or moves by more than half its modulus, or where an eigenvalue nears the
half line :math:`(1, \infty)` (there the crossing frequencies are interpolated, so
those intervals end up on the fine grid itself).  Where the winding is delicate the
samples are therefore those of the single-network grid (same frequencies, same
refinement); elsewhere about a tenth of them suffice.  The samples are evaluated
directly (no frequency interpolation), as flat (network, frequency) arrays sorted by
network and frequency, so sampling, extension and refinement are vectorized over the
batch.  Counts are identical to the single-network path and crossing frequencies
agree to rounding (tests/test_scan_batched.py, benchmarks/phase_diagram.py).
"""

from __future__ import annotations

from itertools import permutations
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment

__all__ = ["nyquist_counts"]

# the constants of neuromf.linear_response.unstable_modes (checked equal in the tests)
_MAX_PHASE_STEP = 0.5 * np.pi   # largest phase step of det(1 - M) that resolves the winding
_MAX_N_CROSSINGS = 64           # crossing frequencies located up to this many populations

_REFINE_ROUNDS = 6
_REFINE_POINTS = 8
_CANDIDATES = tuple(1e3 * 2**k for k in range(1, 8))

# adaptive sampling of the fine grid (see _adaptive_segment)
_COARSE_MAX = 32             # fine-grid steps per coarse step, at most
_RESOLVED_PHASE = np.pi / 4     # largest step of arg det(1 - M) between samples,
_RESOLVED_CHORD = 0.5           # largest move of det(1 - M) relative to its modulus,
_RESOLVED_EIGEN = 0.05          # margin of eigenvalues to (1, inf) (see _unresolved)
_MAX_PERMUTATION_N = 4      # assignment by enumerating permutations up to this size


def _longest_delay(network: Any) -> float:
    """Largest mean delay + 3 standard deviations (s), as
    :func:`neuromf.linear_response.unstable_modes`."""
    params = network.network_params
    delays = np.asarray(params.get("Delay", params.get("D_mean", 0.0)), dtype=float)
    spread = params.get("Delay_sd", params.get("D_std"))
    spread = np.zeros(1) if spread is None else np.asarray(spread, dtype=float)
    return float(np.max(delays + 3 * spread)) if np.size(delays) else 0.0


def _frequency_step(network: Any) -> float:
    """Grid step (Hz) of :func:`neuromf.linear_response.unstable_modes`."""
    longest = _longest_delay(network)
    return 2.0 if longest <= 0 else min(2.0, 1.0 / (16.0 * longest))


def _coarse_stride(df: float, longest: float) -> int:
    """Fine-grid steps per coarse step: at most ``_COARSE_MAX`` and at most 1/8 of a
    turn of the delay factor exp(-i omega d) per coarse step."""
    if longest <= 0:
        return _COARSE_MAX
    return int(max(1, min(_COARSE_MAX, np.floor(1.0 / (8.0 * df * longest)))))


def _phase(M: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sign (unit complex) and log|.| of det(1 - M); closed form for 2 x 2."""
    if M.shape[-1] == 2:
        det = (1.0 - M[..., 0, 0]) * (1.0 - M[..., 1, 1]) - M[..., 0, 1] * M[..., 1, 0]
        size = np.abs(det)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(size > 0, det / size, 0.0), np.log(size)
    return np.linalg.slogdet(np.eye(M.shape[-1]) - M)


def _eigvals(M: np.ndarray) -> np.ndarray:
    """Eigenvalues of a stack of matrices; closed form for 2 x 2."""
    if M.shape[-1] == 2:
        half = 0.5 * (M[..., 0, 0] + M[..., 1, 1])
        root = np.sqrt(0.25 * (M[..., 0, 0] - M[..., 1, 1]) ** 2 + M[..., 0, 1] * M[..., 1, 0])
        return np.stack([half + root, half - root], axis=-1)
    return np.linalg.eigvals(M)


def nyquist_counts(batch: Any, variance_channel: bool = False, f_max: float | None = None,
                   crossings: bool = True) -> dict:
    """Unstable-mode counts of every network of a :class:`~neuromf.batch.Batch`.

    Parameters
    ----------
    batch : Batch
        The networks (working points are computed if needed).
    variance_channel : bool
        Include the response to the input variance.
    f_max : float, optional
        Highest frequency (Hz) of the grid; default: extend as described above.
    crossings : bool
        Also locate the frequencies where an eigenvalue crosses the real axis right of 1
        (for at most 64 populations).

    Returns
    -------
    dict
        Arrays over the grid points: ``count`` (int), ``closed`` (bool),
        ``spectral_radius_at_f_max``, ``max_phase_step`` (rad, between the samples),
        ``f_max``, ``df`` (Hz, the fine grid's step), ``n_frequencies`` (frequencies
        sampled, at most those of the single-network grid), and with ``crossings``
        ``crossing_frequencies`` (list of
        sorted lists, Hz) and ``lowest_crossing_frequency`` (Hz, NaN where none).

    Raises
    ------
    RuntimeError
        If the spectral radius is still >= 1 at the last candidate frequency for some
        network (names its index in the batch).
    ValueError
        If det(1 - M) vanishes on the grid of some network.
    """
    G = len(batch)
    dfs = np.array([_frequency_step(net) for net in batch.networks])
    delays = np.array([_longest_delay(net) for net in batch.networks])
    candidates = ([float(f_max)] if f_max is not None else list(_CANDIDATES))
    parts = []
    lam_end = np.zeros((G, batch.n), complex)
    radius = np.zeros(G)
    for df, longest in {(a, b) for a, b in zip(dfs, delays, strict=True)}:
        active = np.flatnonzero((dfs == df) & (delays == longest))
        stride = _coarse_stride(df, longest)
        last = None
        for f_hi in candidates:
            start = last + df if last is not None else 0.0
            extension = np.arange(start, f_hi + 0.5 * df, df)
            if extension.size:
                point, index, sign, logabs, lam, end = _adaptive_segment(
                    batch, active, extension, stride, variance_channel, crossings)
                parts.append((point, extension[index], sign, logabs, lam))
                last = float(extension[-1])
                lam_end[active] = end
                radius[active] = np.abs(end).max(axis=-1)
            closed = radius[active] < 1.0
            active = active[~closed]
            if active.size == 0:
                break
        else:
            raise RuntimeError(
                f"the spectral radius of the effective connectivity of network {active[0]} "
                f"of the batch is still {radius[active[0]]:.3g} >= 1 at {last:.0f} Hz: the "
                "number of unstable modes cannot be counted on a finite grid (strong "
                "coupling with δ synapses?); give a larger f_max")
    point, freq, sign, logabs, lam = _merge(parts, crossings)
    point, freq, sign, logabs, lam = _refine(batch, point, freq, sign, logabs, lam,
                                             variance_channel)
    if np.any(np.isneginf(logabs)):
        bad = point[np.isneginf(logabs)][0]
        raise ValueError(f"det(1 - M) vanishes on the grid of network {bad} of the batch: "
                         "its working point is exactly marginal")
    same = point[1:] == point[:-1]
    step = np.angle(sign[1:] / sign[:-1])[same]
    owner = point[1:][same]
    total = np.bincount(owner, weights=step, minlength=G)
    max_step = np.zeros(G)
    np.maximum.at(max_step, owner, np.abs(step))
    tail = -np.angle(1.0 - lam_end).sum(axis=-1)
    count = np.rint(-(total + tail) / np.pi).astype(int)
    n_freq = np.bincount(point, minlength=G)
    ends = np.flatnonzero(np.r_[point[1:] != point[:-1], True])
    result = {"count": count,
              "closed": (radius < 1.0) & (max_step < _MAX_PHASE_STEP),
              "spectral_radius_at_f_max": radius, "max_phase_step": max_step,
              "f_max": freq[ends], "df": dfs, "n_frequencies": n_freq}
    if crossings:
        found = (_crossings(point, 2 * np.pi * freq, lam, G) if batch.n <= _MAX_N_CROSSINGS
                 else [None] * G)
        result["crossing_frequencies"] = found
        result["lowest_crossing_frequency"] = np.array(
            [min(f) if f else np.nan for f in found])
    return result


def _sample(batch, point, freq, variance_channel, eigen):
    """sign, log|det(1 - M)| (and the eigenvalues of M) of network ``point[i]`` at
    ``freq[i]`` (Hz), evaluated directly."""
    M = batch.connectivity_at(point, 2 * np.pi * freq, variance_channel)
    sign, logabs = _phase(M)
    return sign, logabs, (_eigvals(M) if eigen else None)


def _unresolved(point, index, sign, logabs, lam, crossings):
    """Intervals (i, i + 1) of the sample arrays that need a point in between.

    An interval more than one fine step wide is resolved if (i) arg det(1 - M) moves by
    less than ``_RESOLVED_PHASE`` (pi/4, half the step at which
    :func:`neuromf.linear_response.unstable_modes` refines its grid), (ii) det(1 - M)
    moves by less than ``_RESOLVED_CHORD`` times its smaller modulus at the two ends
    (the curve between the samples cannot come near 0 unless it bends far from the
    chord), and, with ``crossings``, (iii) no eigenvalue of M comes within ``reach`` of
    the half line (1, inf) where :func:`_crossings` locates the crossing frequencies
    (``reach``: twice the largest displacement of the eigenvalue set, its Hausdorff
    distance between the two ends, plus ``_RESOLVED_EIGEN``).
    """
    same = (point[1:] == point[:-1]) & (index[1:] - index[:-1] > 1)
    step = np.abs(np.angle(sign[1:] / sign[:-1]))
    size = np.exp(logabs)
    z = sign * size
    chord = np.abs(z[1:] - z[:-1])
    bad = (step > _RESOLVED_PHASE) | (chord > _RESOLVED_CHORD * np.minimum(size[1:], size[:-1]))
    if crossings:
        a, b = lam[:-1], lam[1:]
        dist = np.abs(a[:, :, None] - b[:, None, :])
        move = np.maximum(dist.min(axis=2).max(axis=1), dist.min(axis=1).max(axis=1))
        reach = (2 * move + _RESOLVED_EIGEN)[:, None]
        near = ((((a.real + reach) > 1.0) & (np.abs(a.imag) < reach))
                | (((b.real + reach) > 1.0) & (np.abs(b.imag) < reach)))
        bad |= near.any(axis=1)
    return np.flatnonzero(same & bad)


def _adaptive_segment(batch, active, extension, stride, variance_channel, crossings):
    """Samples of the fine grid ``extension`` (Hz) for the networks ``active``: every
    ``stride``-th frequency and the last, then midpoints (on the fine grid) of every
    unresolved interval until all intervals are resolved or one fine step wide.

    Where the phase of det(1 - M) moves fast or M comes near an eigenvalue crossing,
    the samples are therefore the fine grid itself, the grid of
    :func:`neuromf.linear_response.unstable_modes`; elsewhere the winding is resolved
    with fewer samples.  Returns (point, index into ``extension``, sign, log|det|,
    eigenvalues or None, eigenvalues at the last frequency per network)."""
    F = extension.size
    coarse = np.unique(np.r_[np.arange(0, F, stride), F - 1])
    point = np.repeat(active, coarse.size)
    index = np.tile(coarse, active.size)
    sign, logabs, lam = _sample(batch, point, extension[index], variance_channel, True)
    for _ in range(64):
        k = _unresolved(point, index, sign, logabs, lam, crossings)
        if k.size == 0:
            break
        new_p, new_i = point[k], (index[k] + index[k + 1]) // 2
        s, la, lm = _sample(batch, new_p, extension[new_i], variance_channel, True)
        point = np.concatenate([point, new_p])
        index = np.concatenate([index, new_i])
        order = np.lexsort((index, point))
        point, index = point[order], index[order]
        sign = np.concatenate([sign, s])[order]
        logabs = np.concatenate([logabs, la])[order]
        lam = np.concatenate([lam, lm])[order]
    ends = np.flatnonzero(np.r_[point[1:] != point[:-1], True])
    return point, index, sign, logabs, (lam if crossings else None), lam[ends]


def _merge(parts, crossings):
    point = np.concatenate([p[0] for p in parts])
    freq = np.concatenate([p[1] for p in parts])
    order = np.lexsort((freq, point))
    cols = [np.concatenate([p[k] for p in parts])[order] for k in (2, 3)]
    lam = np.concatenate([p[4] for p in parts])[order] if crossings else None
    return point[order], freq[order], cols[0], cols[1], lam


def _refine(batch, point, freq, sign, logabs, lam, variance_channel):
    """Insert points into every interval (of one network) where arg det(1 - M) steps by
    at least pi/2, as :func:`neuromf.linear_response._refine_where_phase_jumps`."""
    frac = np.arange(1, _REFINE_POINTS + 1) / (_REFINE_POINTS + 1)
    for _ in range(_REFINE_ROUNDS):
        same = point[1:] == point[:-1]
        jumps = np.nonzero(same & (np.abs(np.angle(sign[1:] / sign[:-1]))
                                   >= _MAX_PHASE_STEP))[0]
        if jumps.size == 0:
            break
        new_f = (freq[jumps, None] + (freq[jumps + 1] - freq[jumps])[:, None] * frac).ravel()
        new_p = np.repeat(point[jumps], _REFINE_POINTS)
        M = batch.connectivity_at(new_p, 2 * np.pi * new_f, variance_channel)
        s, la = _phase(M)
        point = np.concatenate([point, new_p])
        freq = np.concatenate([freq, new_f])
        order = np.lexsort((freq, point))
        point, freq = point[order], freq[order]
        sign = np.concatenate([sign, s])[order]
        logabs = np.concatenate([logabs, la])[order]
        if lam is not None:
            lam = np.concatenate([lam, _eigvals(M)])[order]
    return point, freq, sign, logabs, lam


def _crossings(point, omegas, lam, G):
    """Frequencies (Hz) where an eigenvalue crosses the real axis right of 1, per network
    (as :func:`neuromf.linear_response._crossings_right_of_one`: eigenvalues of
    neighbouring frequencies paired by minimum total distance, linear interpolation)."""
    right = lam.real > 1.0
    up = (right & (lam.imag >= 0)).any(axis=1)
    down = (right & (lam.imag < 0)).any(axis=1)
    same = point[1:] == point[:-1]
    k = np.nonzero(same & ((up[:-1] & down[1:]) | (down[:-1] & up[1:])))[0]
    found: list[list[float]] = [[] for _ in range(G)]
    if k.size == 0:
        return found
    a, b = lam[k], lam[k + 1]
    n = lam.shape[1]
    if n <= _MAX_PERMUTATION_N:
        perms = np.array(list(permutations(range(n))))
        cost = np.abs(a[:, None, :] - b[:, perms]).sum(axis=-1)      # (C, P)
        cols = perms[np.argmin(cost, axis=1)]
    else:
        cols = np.array([linear_sum_assignment(np.abs(x[:, None] - y[None, :]))[1]
                         for x, y in zip(a, b, strict=True)])
    bj = np.take_along_axis(b, cols, axis=1)
    cross = (a.imag * bj.imag < 0) | ((a.imag == 0) & (bj.imag != 0))
    with np.errstate(divide="ignore", invalid="ignore"):
        t = a.imag / (a.imag - bj.imag)
    hit = cross & ((1 - t) * a.real + t * bj.real > 1.0)
    ci, _ = np.nonzero(hit)
    w0, w1 = omegas[k][:, None], omegas[k + 1][:, None]
    f = ((w0 + t * (w1 - w0)) / (2 * np.pi))[hit]
    for g, value in zip(point[k][ci], f, strict=True):
        found[g].append(float(value))
    return [sorted(x) for x in found]
