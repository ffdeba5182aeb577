"""Signals and their power spectra from spike-signal kernels (numpy only).

Conventions (SI throughout):

* A kernel ``H_X(tau)`` (one row per channel) is the signal caused by **one spike of
  one neuron** of the presynaptic population X, summed over all postsynaptic
  populations Y (Hagen et al. 2022, Eq. 1).  It is sampled at lags
  ``tau_k = t0 + k dt``.
* The signal of a network is ``V(t) = sum_X (A_X * H_X)(t)`` where ``A_X`` is the
  population activity: the summed spike trains of all ``N_X`` neurons (spikes/s),
  or, in discrete time, the spike count per bin (Hagen et al. 2022, Eq. 2).
* Fourier transform ``f^(omega) = int f(t) e^{-i omega t} dt`` (the convention of
  the delay factor ``e^{-i omega d}`` and the synaptic low-pass
  ``1/(1 + i omega tau_s)`` in the linear-response theory).
* Spectra are two-sided densities in angular frequency:
  ``S(omega) = int c(tau) e^{-i omega tau} d tau``, so that
  ``var = int S(omega) d omega / (2 pi)``; a Poisson spike train of rate nu has
  ``S = nu``.
* The cross-spectral matrix ``C_XX'(omega) = <r^_X r^_X'^*>/T`` of the
  **population-averaged single-neuron rates** ``r_X = A_X / N_X`` is what the
  mean-field theory delivers (Bos et al. 2016, Eq. 18: ``(1 - M)^-1 diag(nu/N)
  (1 - M)^-dagger``, NNMT's normalisation; Poisson neurons give ``nu_X / N_X``).
  The spectrum of the signal is then

      S_V(omega) = sum_{X,X'} N_X N_X' H^_X(omega) C_XX'(omega) H^_X'(omega)^*

  (:func:`signal_spectrum`; pass ``N=None`` if ``C`` already refers to the
  population activities ``A_X``).

Delays: a kernel computed by :mod:`neuromf.lfp.kernels` already contains the
distribution of transmission delays from the presynaptic spike to the synaptic
current, so its Fourier transform contains the delay factor.  It must not be
multiplied by the delay characteristic function again.  The delays inside the
theory's ``C`` (the effective connectivity ``M``) describe the network dynamics
and are a separate, independent use of the delays.
"""

from __future__ import annotations

import numpy as np
from scipy import signal as sps

from ..utils import check_finite, check_positive

__all__ = [
    "kernel_fourier",
    "signal_spectrum",
    "signal_from_spike_counts",
    "spike_count_histogram",
    "power_spectrum_estimate",
]


def kernel_fourier(kernels, dt: float, omegas, t0: float = 0.0,
                   chunk: int = 512) -> np.ndarray:
    """Fourier transform of sampled kernels at arbitrary angular frequencies.

    ``H^(omega) = sum_k H(t0 + k dt) e^{-i omega (t0 + k dt)} dt`` (rectangle rule;
    equal to the trapezoidal rule for kernels that vanish at both ends).

    Parameters
    ----------
    kernels : array_like, shape (..., n_lags)
        Kernel samples; the last axis is the lag.
    dt : float
        Lag step (s).
    omegas : array_like, shape (n_freqs,)
        Angular frequencies (rad/s).
    t0 : float
        Lag of the first sample (s).
    chunk : int
        Frequencies per array operation.

    Returns
    -------
    ndarray, shape (..., n_freqs), complex
        In the unit of the kernel times s.
    """
    h = check_finite("kernels", np.asarray(kernels, dtype=float))
    check_positive("dt", dt, "s")
    omegas = check_finite("omegas", np.atleast_1d(np.asarray(omegas, dtype=float)), "rad/s")
    lags = t0 + dt * np.arange(h.shape[-1])
    out = np.empty(h.shape[:-1] + omegas.shape, dtype=complex)
    for start in range(0, omegas.size, chunk):
        w = omegas[start:start + chunk]
        phase = np.exp(-1j * np.outer(lags, w)) * dt  # (n_lags, n_w)
        out[..., start:start + chunk] = h @ phase
    return out


def signal_spectrum(kernels_hat, cross_spectra, N=None) -> np.ndarray:
    """Power spectrum of a signal from kernels and population cross-spectra.

    ``S_c(omega) = sum_{X,X'} N_X N_X' H^_cX(omega) C_XX'(omega) H^_cX'(omega)^*``
    for every channel c (Hagen et al. 2022, Eq. 2 in the frequency domain combined
    with the rate cross-spectra of Bos et al. 2016, Eq. 18).

    Parameters
    ----------
    kernels_hat : array_like, shape (n_channels, n_pops, n_freqs)
        Fourier-transformed kernels per presynaptic population (signal unit x s per
        spike), e.g. from :func:`kernel_fourier`.
    cross_spectra : array_like, shape (n_freqs, n_pops, n_pops)
        Two-sided cross-spectral matrix ``C_XX'(omega) = <r^_X r^_X'^*>/T``.  With
        ``N`` given, of the population-averaged single-neuron rates (Hz; NNMT's
        power-spectrum normalisation, Poisson: ``nu/N`` on the diagonal); with
        ``N=None``, of the population activities (summed spike trains).
    N : array_like, shape (n_pops,), optional
        Population sizes.

    Returns
    -------
    ndarray, shape (n_channels, n_freqs)
        Two-sided power spectral density (signal unit^2 s).

    Raises
    ------
    ValueError
        On mismatched shapes, or a cross-spectral matrix that is not Hermitian
        (which would give a complex "power").
    """
    h = np.asarray(kernels_hat)
    c = np.asarray(cross_spectra)
    check_finite("kernels_hat", h)
    check_finite("cross_spectra", c)
    if h.ndim != 3:
        raise ValueError(f"kernels_hat must have shape (n_channels, n_pops, n_freqs), "
                         f"got {h.shape}")
    n_ch, n_pop, n_f = h.shape
    if c.shape != (n_f, n_pop, n_pop):
        raise ValueError(f"cross_spectra must have shape (n_freqs, n_pops, n_pops) = "
                         f"({n_f}, {n_pop}, {n_pop}) to match kernels_hat, got {c.shape}")
    scale = np.max(np.abs(c)) if c.size else 0.0
    if scale > 0 and np.max(np.abs(c - np.conj(np.swapaxes(c, 1, 2)))) > 1e-8 * scale:
        raise ValueError("cross_spectra must be Hermitian in the population indices "
                         "(C_XX' = C_X'X^*) at every frequency")
    if N is not None:
        n = check_positive("N", np.asarray(N, dtype=float))
        if n.shape != (n_pop,):
            raise ValueError(f"N must have shape ({n_pop},), got {n.shape}")
        h = h * n[None, :, None]
    s = np.einsum("cxf,fxy,cyf->cf", h, c, np.conj(h))
    return s.real


def signal_from_spike_counts(counts, kernels, t0_index: int = 0) -> np.ndarray:
    """Signal from binned population spike counts by convolution with kernels.

    ``V_c[n] = sum_X sum_k H_cX[k] A_X[n - k - t0_index]`` (Hagen et al. 2022, Eq. 1
    in discrete time), with the kernels sampled at the bin width of the counts.

    Parameters
    ----------
    counts : array_like, shape (n_pops, n_bins)
        Spikes per bin of each whole presynaptic population.
    kernels : array_like, shape (n_pops, n_channels, n_lags)
        Signal per spike at lags ``(t0_index + k) dt``.
    t0_index : int
        Lag of the first kernel sample in bins (>= 0: kernels are causal).

    Returns
    -------
    ndarray, shape (n_channels, n_bins)
        Signal aligned with the bins of ``counts`` (zero history before the first bin).
    """
    a = check_finite("counts", np.asarray(counts, dtype=float))
    h = check_finite("kernels", np.asarray(kernels, dtype=float))
    if a.ndim != 2 or h.ndim != 3 or h.shape[0] != a.shape[0]:
        raise ValueError(f"counts must be (n_pops, n_bins) and kernels (n_pops, n_channels,"
                         f" n_lags) with equal n_pops, got {a.shape} and {h.shape}")
    if int(t0_index) != t0_index or t0_index < 0:
        raise ValueError(f"t0_index must be an integer >= 0, got {t0_index!r}")
    n_bins = a.shape[1]
    full = sps.fftconvolve(a[:, None, :], h, axes=-1)  # (n_pops, n_ch, n_bins+n_lags-1)
    v = full.sum(axis=0)
    out = np.zeros((h.shape[1], n_bins))
    stop = max(0, n_bins - t0_index)
    out[:, t0_index:] = v[:, :stop]
    return out


def spike_count_histogram(spike_times, t_start: float, t_stop: float,
                          dt: float) -> np.ndarray:
    """Spikes per bin of each population.

    Parameters
    ----------
    spike_times : sequence of array_like
        Spike times (s) of all neurons of each population.
    t_start, t_stop : float
        Interval (s).
    dt : float
        Bin width (s).

    Returns
    -------
    ndarray, shape (n_pops, n_bins)
        Bins ``[t_start + n dt, t_start + (n+1) dt)``.
    """
    check_positive("dt", dt, "s")
    if not t_stop > t_start:
        raise ValueError(f"t_stop must be > t_start, got {t_start} s and {t_stop} s")
    n_bins = int(round((t_stop - t_start) / dt))
    edges = t_start + dt * np.arange(n_bins + 1)
    return np.array([np.histogram(np.asarray(st, dtype=float), bins=edges)[0]
                     for st in spike_times], dtype=float)


def power_spectrum_estimate(x, dt: float, nperseg: int = 1024):
    """Welch estimate of the two-sided power spectral density of sampled signals.

    Parameters
    ----------
    x : array_like, shape (..., n_times)
        Signal samples (mean removed per segment).
    dt : float
        Sampling step (s).
    nperseg : int
        Segment length (samples); frequency resolution ``2 pi / (nperseg dt)``.

    Returns
    -------
    omegas : ndarray
        Angular frequencies (rad/s), >= 0.
    psd : ndarray, shape (..., n_freqs)
        Two-sided density in the convention of :func:`signal_spectrum` (unit^2 s),
        i.e. half of the usual one-sided density.
    """
    check_positive("dt", dt, "s")
    x = check_finite("x", np.asarray(x, dtype=float))
    f, p = sps.welch(x, fs=1.0 / dt, nperseg=min(nperseg, x.shape[-1]),
                     detrend="constant", axis=-1)
    p = np.array(p, copy=True)
    # welch doubles all bins except DC (and Nyquist for even lengths)
    p[..., 1:] *= 0.5
    if min(nperseg, x.shape[-1]) % 2 == 0:
        p[..., -1] *= 2.0
    return 2 * np.pi * f, p
