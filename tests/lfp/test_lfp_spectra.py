"""Tests of neuromf.lfp.spectra: kernel Fourier transforms, signals from spike counts,
analytic signal spectra.

Expected values: closed-form Fourier transforms of alpha kernels, the closed-form
rate spectrum of a one-population linear network, and a Monte-Carlo Poisson
population whose simulated signal spectrum is estimated independently.
"""

import numpy as np
import pytest

from neuromf.lfp import spectra


def alpha_kernel(amp, tau_k, dt, n):
    t = dt * np.arange(n)
    return amp * t * np.exp(-t / tau_k)


def alpha_hat(amp, tau_k, omegas):
    # int_0^inf amp t e^{-t/tau} e^{-i w t} dt = amp / (1/tau + i w)^2
    return amp / (1 / tau_k + 1j * omegas) ** 2


def test_kernel_fourier_alpha_closed_form():
    dt, tau_k = 1e-5, 5e-3
    h = alpha_kernel(2.0, tau_k, dt, 20000)  # 200 ms = 40 tau_k
    omegas = 2 * np.pi * np.array([0.0, 3.0, 40.0, 250.0])
    got = spectra.kernel_fourier(h, dt, omegas)
    # Euler-Maclaurin: rectangle rule error ~ dt^2 h'(0)/12 = 1.7e-11 (absolute)
    np.testing.assert_allclose(got, alpha_hat(2.0, tau_k, omegas), rtol=1e-6, atol=3e-11)
    # a lag offset t0 multiplies by e^{-i w t0}
    got_shift = spectra.kernel_fourier(h, dt, omegas, t0=1.5e-3)
    np.testing.assert_allclose(got_shift, got * np.exp(-1j * omegas * 1.5e-3), rtol=1e-12)


def test_one_population_spectrum_closed_form():
    # one population with self-coupling M(w) = m0 e^{-i w d} / (1 + i w tau_s):
    # C(w) = (nu/N) / |1 - M(w)|^2 (Bos et al. 2016, Eq. 18 for one population); with
    # the alpha kernel the signal spectrum is N nu |H^|^2 / |1 - M|^2
    nu, N, m0, d, tau_s = 8.0, 400, -0.7, 1.5e-3, 2e-3
    dt, tau_k, amp = 1e-5, 4e-3, 3e-6
    omegas = 2 * np.pi * np.linspace(0.5, 300, 40)
    M = m0 * np.exp(-1j * omegas * d) / (1 + 1j * omegas * tau_s)
    C = (nu / N / np.abs(1 - M) ** 2)[:, None, None]
    h = alpha_kernel(amp, tau_k, dt, 16000)
    h_hat = spectra.kernel_fourier(h[None, :], dt, omegas)  # (1 pop, n_freqs)
    S = spectra.signal_spectrum(h_hat[None, :, :], C, N=[N])
    expected = N * nu * np.abs(alpha_hat(amp, tau_k, omegas)) ** 2 / np.abs(1 - M) ** 2
    # relative kernel error up to 5e-5 at 300 Hz (Euler-Maclaurin, see above), squared
    np.testing.assert_allclose(S[0], expected, rtol=2e-4)


def test_two_population_spectrum_matches_direct_sum():
    # S = sum_XY N_X N_Y H_X C_XY H_Y^*, written out by hand for two populations
    rng = np.random.default_rng(1)
    n_f = 5
    h = rng.normal(size=(3, 2, n_f)) + 1j * rng.normal(size=(3, 2, n_f))
    b = rng.normal(size=(n_f, 2, 2)) + 1j * rng.normal(size=(n_f, 2, 2))
    C = b @ np.conj(np.swapaxes(b, 1, 2))  # Hermitian positive semi-definite
    N = np.array([10.0, 3.0])
    S = spectra.signal_spectrum(h, C, N=N)
    direct = np.zeros((3, n_f))
    for c in range(3):
        for f in range(n_f):
            v = h[c, :, f] * N
            direct[c, f] = (v @ C[f] @ np.conj(v)).real
    np.testing.assert_allclose(S, direct, rtol=1e-12)
    assert np.all(S >= 0)


def test_monte_carlo_poisson_population_spectrum():
    # N independent Poisson neurons: C = nu/N; the Welch spectrum of the simulated
    # signal (counts convolved with the kernel) must match the prediction
    rng = np.random.default_rng(12345)
    N, nu, dt, T = 200, 5.0, 1e-3, 200.0
    counts = rng.poisson(N * nu * dt, size=(1, int(T / dt))).astype(float)
    h = alpha_kernel(1e-6, 5e-3, dt, 100)
    v = spectra.signal_from_spike_counts(counts, h[None, None, :])
    omegas, psd = spectra.power_spectrum_estimate(v, dt, nperseg=1000)
    band = (omegas > 2 * np.pi * 2) & (omegas < 2 * np.pi * 200)
    h_hat = spectra.kernel_fourier(h[None, None, :], dt, omegas[band])
    pred = spectra.signal_spectrum(h_hat, np.full((band.sum(), 1, 1), nu / N), N=[N])[0]
    ratio = psd[0, band] / pred
    assert abs(ratio.mean() - 1) < 0.03   # ~400 segments x 198 bins
    assert np.all(np.abs(ratio - 1) < 0.4)


def test_single_spike_reproduces_kernel():
    rng = np.random.default_rng(0)
    kernels = rng.normal(size=(2, 3, 17))
    counts = np.zeros((2, 60))
    counts[1, 10] = 1.0
    v = spectra.signal_from_spike_counts(counts, kernels)
    expected = np.zeros((3, 60))
    expected[:, 10:27] = kernels[1]
    np.testing.assert_allclose(v, expected, atol=1e-12)
    # with a lag offset of 4 bins the kernel starts 4 bins later
    v4 = spectra.signal_from_spike_counts(counts, kernels, t0_index=4)
    np.testing.assert_allclose(v4[:, 14:31], kernels[1], atol=1e-12)
    # superposition: two spikes give the sum of shifted kernels
    counts[0, 30] = 2.0
    v2 = spectra.signal_from_spike_counts(counts, kernels)
    expected[:, 30:47] += 2 * kernels[0]
    np.testing.assert_allclose(v2, expected, atol=1e-12)


def test_spike_count_histogram():
    counts = spectra.spike_count_histogram([[0.0005, 0.0015, 0.0016], []], 0.0, 0.003, 1e-3)
    np.testing.assert_array_equal(counts, [[1, 2, 0], [0, 0, 0]])


def test_bad_input():
    h = np.ones((1, 2, 3), dtype=complex)
    with pytest.raises(ValueError, match="cross_spectra"):
        spectra.signal_spectrum(h, np.ones((3, 3, 3)))
    C = np.zeros((3, 2, 2), dtype=complex)
    C[:, 0, 1] = 1j
    with pytest.raises(ValueError, match="Hermitian"):
        spectra.signal_spectrum(h, C)
    with pytest.raises(ValueError, match="N"):
        spectra.signal_spectrum(h, np.ones((3, 2, 2)), N=[1.0, -2.0])
    with pytest.raises(ValueError, match="dt"):
        spectra.kernel_fourier(np.ones(3), -1.0, [1.0])
    with pytest.raises(ValueError, match="t0_index"):
        spectra.signal_from_spike_counts(np.ones((1, 5)), np.ones((1, 1, 2)), t0_index=-1)
