"""The verdict of the theory-vs-simulation report (neuromf.simulation.report), no NEST.

Expected values are closed forms of Poisson processes: N independent Poisson trains of
rate ν have population rate ν, ISI CV 1, spike-count correlation 0 and the flat two-sided
population-rate spectrum ν/N; a cross-spectrum c common to all pairs gives the count
correlation c/ν in any bin (|K|² integrates to the same value in numerator and
denominator).
"""

from __future__ import annotations

import numpy as np
import pytest

from neuromf.simulation import analysis
from neuromf.simulation.comparison import ComparisonResult, SimulationResult
from neuromf.simulation.report import (
    Tolerances,
    band_power,
    comparison_checks,
    theory_count_correlations,
    verdict_lines,
    write_comparison_files,
)

POPS = ["E", "I"]
N = np.array([200, 100])
RATES = np.array([8.0, 20.0])
T = 20.0


def poisson_spikes(seed: int = 3) -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(seed)
    out = []
    for n, nu in zip(N, RATES, strict=True):
        count = rng.poisson(nu * T * n)
        out.append((rng.integers(0, n, count), np.sort(rng.uniform(0, T, count))))
    return out


def simulated_statistics(spikes) -> dict:
    args = (spikes, N, 0.0, T)
    freqs, psd, segments = analysis.population_spectra(*args, nperseg=1024, min_segments=8,
                                                       return_segments=True)
    return {"rates": analysis.firing_rates(*args), "cv": analysis.cv_isi(*args)[0],
            "correlations": analysis.spike_count_correlations(*args, bin_width=5e-3),
            "corr_bin": 5e-3, "freqs": freqs, "spectra": psd,
            "spectra_segments": segments}


def poisson_theory(n_model=N) -> dict:
    f = np.linspace(0.5, 500.0, 1000)
    return {"firing_rates": RATES.copy(), "cv": np.ones(2), "frequencies": f,
            "power_spectra": np.broadcast_to(RATES / n_model, (f.size, 2)).copy(),
            "spike_train_spectra": np.broadcast_to(RATES, (f.size, 2)).copy()}


@pytest.fixture(scope="module")
def sim():
    return simulated_statistics(poisson_spikes())


def test_poisson_trains_pass_every_check(sim):
    checks = comparison_checks(POPS, sim, poisson_theory(), N, N)
    kinds = {c["quantity"] for c in checks}
    assert {"rate (Hz)", "CV", "pairwise correlation"} <= kinds
    assert sum(k.startswith("spectrum") for k in kinds) == 3      # < 10, 10-100, 100-500
    assert all(c["ok"] is True for c in checks), [c for c in checks if not c["ok"]]
    assert verdict_lines(checks)[0].startswith("0 of ")
    # Welch: an average of >= 8 segments, not one periodogram
    assert sim["spectra_segments"].shape[0] >= 8
    np.testing.assert_allclose(sim["spectra_segments"].mean(axis=0), sim["spectra"])


def test_mismatched_cv_and_rate_are_flagged(sim):
    theory = poisson_theory()
    theory["cv"] = np.array([0.5, 1.0])                # E: regular in theory, Poisson in sim
    theory["firing_rates"] = RATES * np.array([1.0, 1.5])
    checks = comparison_checks(POPS, sim, theory, N, N, Tolerances(cv_atol=0.1))
    flagged = {(c["quantity"], c["population"]) for c in checks if c["ok"] is False}
    assert flagged == {("CV", "E"), ("rate (Hz)", "I")}
    text = "\n".join(verdict_lines(checks))
    assert "OUTSIDE ±0.1: CV, E" in text and "OUTSIDE ±10 %: rate (Hz), I" in text


def test_spectrum_band_flagged_and_rescaled_by_network_size(sim):
    # theory of a model 10x larger: its spectra, rescaled by N_model / N_sim, match
    n_model = 10 * N
    assert all(c["ok"] for c in comparison_checks(POPS, sim, poisson_theory(n_model),
                                                  N, n_model))
    # a theory spectrum 3x too high below 10 Hz is flagged there only (factor 2)
    theory = poisson_theory()
    low = theory["frequencies"] < 10
    theory["power_spectra"][low] *= 3
    checks = comparison_checks(POPS, sim, theory, N, N)
    bad = {(c["quantity"], c["population"]) for c in checks if c["ok"] is False}
    assert bad == {("spectrum < 10 Hz (Hz²/Hz)", p) for p in POPS}
    assert any("± " in c["detail"] for c in checks if c["quantity"].startswith("spectrum"))


def test_confidence_band_covers_the_poisson_spectrum(sim):
    conf = analysis.spectrum_confidence(sim["spectra_segments"])
    f = sim["freqs"]
    inside = np.abs(sim["spectra"] - RATES / N)[(f > 2) & (f < 450)] \
        <= conf[(f > 2) & (f < 450)]
    assert 0.88 < inside.mean() <= 1.0                  # nominal 95 %


def test_theory_count_correlations_closed_form():
    f = np.linspace(0.1, 400, 500)
    n = np.array([100.0, 50.0])
    nu = np.array([5.0, 10.0])
    auto = np.broadcast_to(nu, (f.size, 2))
    independent = np.broadcast_to(nu / n, (f.size, 2))
    np.testing.assert_allclose(theory_count_correlations(f, independent, auto, n, 5e-3),
                               0.0, atol=1e-12)
    c = np.array([0.05, 0.2])                           # common cross-spectrum (Hz²/Hz)
    pop = auto / n + (1 - 1 / n) * c
    np.testing.assert_allclose(theory_count_correlations(f, pop, auto, n, 5e-3), c / nu,
                               rtol=1e-6)


def test_bad_tolerances_and_band_power():
    with pytest.raises(ValueError, match="spectrum_factor"):
        Tolerances(spectrum_factor=1.0)
    with pytest.raises(ValueError, match="cv_atol"):
        Tolerances(cv_atol=-0.1)
    f = np.array([0.0, 5.0, 50.0])
    psd = np.array([[9.0], [1.0], [3.0]])
    assert band_power(f, psd, (0, 10))[0] == 1.0        # 0 Hz left out
    assert np.isnan(band_power(f, psd, (100, 500))[0])


def test_report_starts_with_the_verdict(sim, tmp_path):
    """The whole report and its figures from synthetic spikes (no NEST)."""
    spikes = poisson_spikes()
    res_sim = SimulationResult(populations=POPS, n_neurons=N, t_start=0.0, t_stop=T,
                               spikes=spikes, rates=sim["rates"], cv=sim["cv"],
                               correlations=sim["correlations"], freqs=sim["freqs"],
                               spectra=sim["spectra"],
                               spectra_segments=sim["spectra_segments"],
                               n_segments=len(sim["spectra_segments"]))
    theory = poisson_theory(10 * N)
    theory["cv"] = np.array([0.5, 1.0])
    theory["stability_text"] = "linearly stable: 0 unstable modes (test)"
    model = type("M", (), {"network_params": {"N": 10 * N, "label": "poisson"}})()
    res = ComparisonResult(simulation=res_sim, theory=theory, table=[])
    res.checks = comparison_checks(POPS, sim, theory, N, 10 * N)
    write_comparison_files(res, model, str(tmp_path), name="poisson")
    text = (tmp_path / "comparison.md").read_text()
    head = text.split("## Setup")[0] if "## Setup" in text else text.split("## Per")[0]
    assert head.startswith("# Theory vs simulation: poisson\n\n## Verdict")
    assert "**OUTSIDE ±0.1: CV, E" in head and "Tolerances: rates ±10 %" in head
    assert "300 of the model's 3,000 neurons" in head and "N_model / N_sim (10, 10)" in head
    assert "Welch average of" in head and "linearly stable" in head
    # a theory of an unstable working point: its checks are marked
    theory["stability"] = {"mark": "linearly unstable (2 unstable modes at 29 Hz, mean + "
                                   "variance channel): spectrum of the linearised, not the "
                                   "stationary state"}
    write_comparison_files(res, model, str(tmp_path), name="poisson")
    checks = (tmp_path / "comparison.md").read_text().split("## All checks")[1]
    assert checks.lstrip().startswith("**Theory spectra and correlations: linearly unstable")
    for name in ("rates_comparison.png", "spectra_comparison.png", "comparison.json"):
        assert (tmp_path / name).stat().st_size > 0
