"""``neuromf compare MODEL --dynamics``: the density model of a NEST realisation, PSTHs,
pulse responses, and the command end to end on a small E–I network (slow, needs NEST).

Expected values: closed forms (van Albada et al. 2015: in-degree scaling with weights
/ sqrt(k) and the DC compensation keeps the mean and variance of the input at the
full-scale rates, Fourcaud & Brunel 2002, Eq. 3.4), hand-counted spike trains, and the
NEST simulation of the same model object (the E–I network's rates: docs/simulation.md,
9.67 Hz in 10 s of NEST against 9.75 Hz of the shift theory).
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from scipy import optimize

import neuromf
from neuromf.dynamics import nest_side as ns
from neuromf.dynamics.compare import pulse_onsets

os.environ.setdefault("PYNEST_QUIET", "1")


def _input_stats(p, rates):
    """mu, sigma² (V, V²) of Fourcaud & Brunel 2002, Eq. 3.4, with I_ext/C, written out."""
    tau_m = np.broadcast_to(np.asarray(p["tau_m"], float), rates.shape)
    C = np.broadcast_to(np.asarray(p["C"], float), rates.shape)
    K_ext = np.asarray(p["K_ext"], float)
    J_ext = np.asarray(p["J_ext"], float)
    mu = tau_m * (p["K"] * p["J"] @ rates + K_ext * J_ext * p["nu_ext"])
    mu = mu + tau_m * np.asarray(p.get("I_ext", 0.0)) / C
    var = tau_m * (p["K"] * p["J"] ** 2 @ rates + K_ext * J_ext ** 2 * p["nu_ext"])
    return mu, var


def test_realisation_of_scaled_microcircuit_keeps_input_statistics_at_full_rates():
    net = neuromf.models.Microcircuit()
    p_full = net.network_params
    rates = np.asarray(p_full["full_mean_rates"], float)
    spec = ns.derive_realisation(net, 0.1)
    real = ns.realisation_model(spec, net).network_params
    np.testing.assert_allclose(real["N"], np.round(0.1 * p_full["N"]), atol=0.5)
    # in-degrees x 0.1 (synapse totals and N rounded: 106 for 106.5 L5I neurons, 0.5 %),
    # weights / sqrt(0.1)
    np.testing.assert_allclose(real["K"], 0.1 * p_full["K"], rtol=6e-3, atol=0.06)
    j = np.asarray(p_full["J"], float)
    np.testing.assert_allclose(real["J"], j / np.sqrt(0.1), rtol=1e-9)
    mu_full, var_full = _input_stats({**p_full, "I_ext": 0.0}, rates)
    mu, var = _input_stats(real, rates)
    # the DC keeps the mean (to the rounding of K), the weights the variance
    np.testing.assert_allclose(mu, mu_full, rtol=6e-3)
    np.testing.assert_allclose(var, var_full, rtol=6e-3)


def test_realisation_stimulus_carries_thalamic_numbers_weights_and_delays():
    net = neuromf.models.Microcircuit()
    spec = ns.derive_realisation(net, 0.1, params={"thalamic_input": True,
                                                   "dc_input": True})
    stim = ns.realisation_stimulus(spec)
    th = stim.external[0]
    # the PyNEST example: synapse totals x k_scale over N x scale neurons, weight / sqrt(k)
    np.testing.assert_allclose(th.K, spec.thalamic["n_synapses"] / spec.n_neurons)
    # PSC (A) of a 0.15-mV PSP peak, by maximising the PSP of a unit exponential current
    C, tau_m, tau_s = 250e-12, 10e-3, 0.5e-3
    psp = optimize.minimize_scalar(
        lambda t: -tau_m * tau_s / (C * (tau_m - tau_s)) * (np.exp(-t / tau_m)
                                                            - np.exp(-t / tau_s)),
        bounds=(0, 0.1), method="bounded", options={"xatol": 1e-14})
    w_full = 0.15e-3 / -psp.fun
    J_expected = w_full / np.sqrt(0.1) * tau_s / C
    np.testing.assert_allclose(th.J, J_expected, rtol=1e-6)
    assert th.delay == pytest.approx(1.5e-3 + ns.RELAY_DELAY)
    assert th.delay_sd == pytest.approx(0.75e-3)
    r = th.rate.values(np.array([0.6999, 0.7, 0.7099, 0.71]), "Hz", "rate")
    np.testing.assert_allclose(r, [0, 120, 120, 0], atol=1e-3)   # 1-ns edges


def test_psth_counts_spikes_in_right_closed_bins():
    # population of 2 neurons: spikes at 1.0, 1.5 (bin 1), 2.0 (bin 1 right edge), 2.2 ms
    spikes = [(np.zeros(4, int), np.array([1.0, 1.5, 2.0, 2.2]) * 1e-3)]
    c, r = ns.psth(spikes, [2], 0.0, 3e-3, 1e-3)
    np.testing.assert_allclose(c, [0.5e-3, 1.5e-3, 2.5e-3])
    np.testing.assert_allclose(r[:, 0], [1 / (2 * 1e-3), 2 / (2 * 1e-3), 1 / (2 * 1e-3)])
    t = np.arange(1, 31) * 1e-4
    _, b = ns.bin_rates(t, np.arange(1, 31)[:, None].astype(float), 0.0, 3e-3, 1e-3)
    np.testing.assert_allclose(b[:, 0], [5.5, 15.5, 25.5])


def test_pulse_response_finds_peak_and_latency_of_a_known_shape():
    width = 5e-4
    centres = (np.arange(4000) + 0.5) * width
    onsets = pulse_onsets(0.3, 2.0, 0.2)
    np.testing.assert_allclose(onsets, 0.3 + 0.2 * np.arange(9))
    rates = np.full((centres.size, 2), 3.0)
    for t in onsets:      # 50 Hz at 4.25 ms after onset in population 0, 20 Hz at 7.75 ms
        rates[int(round(t / width)) + 8, 0] = 50.0
        rates[int(round(t / width)) + 15, 1] = 20.0
    pr = ns.pulse_response(centres, rates, onsets)
    assert pr["n_trials"] == 9
    np.testing.assert_allclose(pr["peak"], [50.0, 20.0])
    np.testing.assert_allclose(pr["latency"], [4.25e-3, 7.75e-3])
    np.testing.assert_allclose(pr["baseline"], [3.0, 3.0])


def test_bad_input_raises_clear_errors():
    with pytest.raises(ValueError, match="overlap"):
        ns.pulse_train([0.1, 0.105], 0.01, 120.0, 1.0)
    with pytest.raises(ValueError, match="pulse interval"):
        pulse_onsets(0.1, 1.0, 0.0)
    from neuromf.dynamics.compare import compare_dynamics
    with pytest.raises(ValueError, match="stimulus"):
        compare_dynamics(neuromf.models.Microcircuit(), stimulus="light")
    with pytest.raises(ValueError, match="thalamic"):
        compare_dynamics(neuromf.models.Microcircuit(), pulse_interval=0.1)
    # checked after deriving the spec, before NEST is imported
    with pytest.raises(ValueError, match="presimulation"):
        compare_dynamics(neuromf.models.Microcircuit(), stimulus="thalamic",
                         pulse_interval=0.1, t_presim=1.0, progress=False)


EI_YAML = """\
label: ei_exp
populations: [E, I]
N: [1600, 400]
synapse_type: exp
C: {val: 250.0, unit: pF}
tau_m: {val: 10.0, unit: ms}
tau_r: {val: 2.0, unit: ms}
tau_s: {val: 0.5, unit: ms}
V_0_abs: {val: -65.0, unit: mV}
V_th_abs: {val: -50.0, unit: mV}
E_L: {val: -65.0, unit: mV}
K: [[160, 40], [160, 40]]
W: {val: [[87.8, -439.0], [87.8, -439.0]], unit: pA}
K_ext: [300, 300]
W_ext: {val: [263.4, 263.4], unit: pA}
nu_ext: {val: 7.8, unit: Hz}
Delay: {val: [[1.5, 1.5], [1.5, 1.5]], unit: ms}
Delay_sd: {val: [[0.0, 0.0], [0.0, 0.0]], unit: ms}
delay_dist: none
"""


@pytest.mark.slow
def test_compare_dynamics_command_on_a_small_ei_network(tmp_path, capsys):
    """Brunel-type E–I network with exp synapses, asynchronous irregular
    (docs/simulation.md: NEST 9.67 / 9.69 Hz in 10 s; 1600 + 400 neurons, K = 160 / 40)."""
    pytest.importorskip("nest")
    from neuromf.cli import main

    path = tmp_path / "ei.yaml"
    path.write_text(EI_YAML)
    out = tmp_path / "out"
    code = main(["compare", str(path), "--dynamics", "--t-sim", "2", "--t-presim", "0.2",
                 "--seed", "3", "--no-progress", "--out", str(out)])
    assert code == 0
    text = capsys.readouterr().out
    for name in ("dynamics_comparison.h5", "dynamics_comparison.csv",
                 "psth_comparison.png", "spectra_dynamics_comparison.png"):
        assert (out / name).stat().st_size > 0
        assert name in text
    rows = (out / "dynamics_comparison.csv").read_text().splitlines()
    header = rows[0].split(",")
    assert header[:4] == ["population", "rate_nest (Hz)", "rate_fp (Hz)", "rate_rel"]
    table = np.array([[float(x) for x in r.split(",")[1:4]] for r in rows[1:]])
    # NEST's rates of this network (independent run: 9.67 / 9.69 Hz over 10 s)
    np.testing.assert_allclose(table[:, 0], 9.68, rtol=0.06)
    # the density model of the same realisation (finite size, seed 3): within 5 %
    np.testing.assert_allclose(table[:, 1], table[:, 0], rtol=0.05)
    np.testing.assert_allclose(table[:, 2], table[:, 1] / table[:, 0] - 1, atol=1e-9)


@pytest.mark.slow
def test_compare_dynamics_reports_clear_errors(tmp_path, capsys):
    from neuromf.cli import main

    code = main(["compare", "microcircuit", "--dynamics", "--pulse-interval", "0.1",
                 "--out", str(tmp_path / "x")])
    assert code == 2
    assert "--stimulus thalamic" in capsys.readouterr().err


@pytest.mark.slow
@pytest.mark.parametrize("finite_size", [False, True, "input"])
def test_full_scale_microcircuit_spectra_peak_at_nests_gamma_within_10_percent(finite_size):
    """NEST full scale (docs/simulation.md: 2 s, seed 55, 4 threads): the rate spectra of
    L2/3E, L2/3I, L4E, L4I, L5E and L6E peak at 82–84 Hz.  The density model of the same
    model object (deterministic limit cycle, and with finite-size noise for the full N,
    seed 1) must put its peak within 10 % of that band: 73.8–92.4 Hz."""
    from neuromf import dynamics as dy

    res = dy.simulate(neuromf.models.Microcircuit(), 1.5, dt=1e-4, finite_size=finite_size,
                      seed=1, progress=False)
    freqs, psd = res.spectra(t_min=0.3)
    band = (freqs >= 20) & (freqs <= 150)
    peaks = freqs[band][np.argmax(psd[band], axis=0)]
    gamma = [0, 1, 2, 3, 4, 6]          # the populations NEST shows at 82-84 Hz
    assert np.all(peaks[gamma] >= 0.9 * 82) and np.all(peaks[gamma] <= 1.1 * 84), peaks
