"""Spike-train statistics on synthetic data with known answers (no NEST needed).

Expected values come from the generating processes: a regular train has CV 0, a
Poisson process CV 1 and a gamma process of order k CV 1/sqrt(k); independent Poisson
neurons have zero count correlations, neurons sharing a fraction c of their spikes
(each keeps a spike of a common Poisson 'mother' train with probability c, plus private
spikes) have count correlation c**2 (a mother spike is shared by two neurons with
probability c**2); the two-sided spectrum of the
average of N independent Poisson trains of rate nu is nu/N (Campbell's theorem), and
Parseval's theorem ties the spectrum to the variance of the binned activity.
"""

from __future__ import annotations

import numpy as np
import pytest

from neuromf.simulation import analysis


def poisson_population(rng, n, rate, T, t0=0.0):
    """Independent homogeneous Poisson trains: (index, time) sorted by time."""
    counts = rng.poisson(rate * T, size=n)
    idx = np.repeat(np.arange(n), counts)
    times = t0 + rng.uniform(0, T, size=counts.sum())
    order = np.argsort(times)
    return idx[order], times[order]


def test_rates_count_all_neurons_and_half_open_window():
    # 3 neurons, window (1, 3] s (NEST's device convention): neuron 0 has spikes at both
    # window ends, only the one at 3 s counts
    idx = np.array([0, 0, 0, 1, 0])
    times = np.array([0.5, 1.0, 2.0, 2.5, 3.0])
    rates = analysis.firing_rates([(idx, times)], [3], 1.0, 3.0)
    assert rates[0] == pytest.approx(3 / (3 * 2.0))   # silent neuron 2 included
    per = analysis.per_neuron_rates([(idx, times)], [3], 1.0, 3.0)[0]
    np.testing.assert_allclose(per, [1.0, 0.5, 0.0])


def test_rate_window_must_be_positive():
    with pytest.raises(ValueError, match="t_stop"):
        analysis.firing_rates([(np.array([0]), np.array([1.0]))], [1], 2.0, 1.0)


def test_cv_regular_poisson_gamma():
    rng = np.random.default_rng(1)
    n, T = 200, 50.0
    # regular trains: CV = 0
    t = np.arange(0.01, T, 0.1)
    reg = (np.repeat(np.arange(n), len(t)), np.tile(t, n))
    # Poisson trains, rate 20 Hz: CV = 1
    poi = poisson_population(rng, n, 20.0, T)
    # gamma(order 4) trains, mean ISI 50 ms: CV = 1/2
    isi = rng.gamma(4.0, 0.05 / 4.0, size=(n, 1500))
    gt = np.cumsum(isi, axis=1)
    keep = gt < T
    gam = (np.nonzero(keep)[0], gt[keep])
    cv, per = analysis.cv_isi([reg, poi, gam], [n, n, n], 0.0, T)
    assert cv[0] == pytest.approx(0.0, abs=1e-9)
    assert cv[1] == pytest.approx(1.0, abs=0.02)
    assert cv[2] == pytest.approx(0.5, abs=0.01)
    assert len(per[1]) == n


def test_cv_undefined_population_warns():
    with pytest.warns(UserWarning, match="CV.*X"):
        cv, _ = analysis.cv_isi([(np.array([0]), np.array([0.5]))], [5], 0.0, 1.0,
                                populations=["X"])
    assert np.isnan(cv[0])


def test_count_correlations_independent_shared_and_identical():
    rng = np.random.default_rng(2)
    n, T, rate, c = 100, 100.0, 10.0, 0.3
    indep = poisson_population(rng, n, rate, T)
    # each neuron keeps each spike of a common 'mother' train with probability c and
    # adds private spikes at rate (1 - c) * rate: both neurons of a pair carry a mother
    # spike with probability c**2, so Cov = c**2 rate T_bin and Var = rate T_bin
    mother = np.sort(rng.uniform(0, T, rng.poisson(rate * T)))
    take = rng.random((n, mother.size)) < c
    sh_idx = np.nonzero(take)[0]
    sh_t = np.broadcast_to(mother, take.shape)[take]
    priv_idx, priv_t = poisson_population(rng, n, (1 - c) * rate, T)
    shared = (np.concatenate([sh_idx, priv_idx]), np.concatenate([sh_t, priv_t]))
    same = (np.repeat(np.arange(n), mother.size), np.tile(mother, n))
    corr = analysis.spike_count_correlations([indep, shared, same], [n, n, n], 0.0, T,
                                             bin_width=0.1, n_sample=n)
    assert corr[0] == pytest.approx(0.0, abs=0.005)
    assert corr[1] == pytest.approx(c**2, abs=0.01)
    assert corr[2] == pytest.approx(1.0, abs=1e-12)


def test_poisson_spectrum_equals_rate_over_n():
    rng = np.random.default_rng(3)
    n, rate, T = 50, 8.0, 200.0
    pop = poisson_population(rng, n, rate, T)
    freqs, psd = analysis.population_spectra([pop], [n], 0.0, T, bin_width=1e-3,
                                             nperseg=1024)
    assert psd.shape == (len(freqs), 1)
    assert freqs[-1] == pytest.approx(500.0)
    band = (freqs > 5) & (freqs < 490)
    # white spectrum at the level nu / N (two-sided density, Hz^2/Hz)
    assert np.mean(psd[band, 0]) == pytest.approx(rate / n, rel=0.02)


def test_spectrum_parseval_and_peak():
    rng = np.random.default_rng(4)
    n, T, dt, f0 = 200, 60.0, 1e-3, 40.0
    # inhomogeneous Poisson with rate 10 (1 + 0.5 sin(2 pi f0 t)) by thinning
    cand = poisson_population(rng, n, 15.0, T)
    lam = 10.0 * (1 + 0.5 * np.sin(2 * np.pi * f0 * cand[1]))
    keep = rng.random(cand[1].size) < lam / 15.0
    pop = (cand[0][keep], cand[1][keep])
    nperseg = 2000
    freqs, psd = analysis.population_spectra([pop], [n], 0.0, T, bin_width=dt,
                                             nperseg=nperseg)
    assert freqs[np.argmax(psd[1:, 0]) + 1] == pytest.approx(f0, abs=0.6)
    # Parseval: two-sided integral of the density = variance of the binned activity
    counts = np.bincount(np.ceil(pop[1] / dt).astype(int) - 1, minlength=int(T / dt))
    activity = counts / (n * dt)
    df = freqs[1] - freqs[0]
    total = df * (psd[0, 0] + 2 * psd[1:-1, 0].sum() + psd[-1, 0])
    assert total == pytest.approx(np.var(activity), rel=0.03)


def test_spectrum_needs_enough_bins():
    with pytest.raises(ValueError, match="bins"):
        analysis.population_spectra([(np.array([0]), np.array([0.001]))], [1], 0.0, 0.005)


def test_plots_write_png(tmp_path):
    rng = np.random.default_rng(5)
    pops = [poisson_population(rng, 30, 5.0, 2.0), poisson_population(rng, 10, 20.0, 2.0)]
    names, n = ["E", "I"], [30, 10]
    analysis.plot_raster(pops, names, n, 0.0, 2.0, str(tmp_path / "r.png"))
    analysis.plot_rate_boxplot(analysis.per_neuron_rates(pops, n, 0.0, 2.0), names,
                               str(tmp_path / "b.png"), theory=np.array([5.0, 20.0]))
    f, p = analysis.population_spectra(pops, n, 0.0, 2.0, nperseg=256)
    analysis.plot_spectra(f, p, names, str(tmp_path / "s.png"), f, p)
    analysis.plot_rates_comparison(names, np.array([5.0, 20.0]), np.array([5.5, 19.0]),
                                   str(tmp_path / "c.png"))
    for name in ("r", "b", "s", "c"):
        assert (tmp_path / f"{name}.png").read_bytes()[:4] == b"\x89PNG"
    assert not list(tmp_path.glob(".*partial"))
