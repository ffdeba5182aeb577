"""The NEST network matches the model (read back with nest.GetConnections).

Expected values are the model's own parameters (in-degrees K, PSC amplitudes W in A,
PSP jumps J in V, delays in s, external drive K_ext * nu_ext), converted to NEST's units
by hand here, and the connection-rule semantics of NEST (fixed in-degree: every target
neuron has exactly K inputs from each source population).
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from sim_models import ei_params, microcircuit_params, standin

from neuromf.simulation import build_network, derive_spec, simulate
from neuromf.simulation.recording import collect_spikes, run_simulation

nest = pytest.importorskip("nest")

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def small_ei(**kw):
    kw = {"N_E": 80, "N_I": 20, "K_E": 20, "K_I": 5, **kw}
    return standin(ei_params(**kw))


def connections(source, target):
    conns = nest.GetConnections(source, target)
    if len(conns) == 0:
        return np.zeros(0, int), np.zeros(0, int), np.zeros(0), np.zeros(0)
    return tuple(np.atleast_1d(np.asarray(conns.get(key)))
                 for key in ("source", "target", "weight", "delay"))


def test_importing_neuromf_simulation_does_not_import_nest():
    code = ("import sys; import neuromf.simulation; "
            "assert 'nest' not in sys.modules, 'nest imported'")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT,
                   env={**os.environ, "PYTHONPATH": ROOT})


def test_missing_nest_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "nest", None)   # makes `import nest` fail
    with pytest.raises(ImportError, match=r"neuromf\[sim\]"):
        simulate(small_ei(), t_sim=0.01, progress=False)


def test_fixed_indegree_weights_delays_and_drive_match_model():
    model = small_ei()
    p = model.network_params
    built = build_network(derive_spec(model, params={"t_presim": 0.0}))
    pops = built.populations
    for i, target in enumerate(pops):
        for j, source in enumerate(pops):
            src, tgt, w, d = connections(source, target)
            # every target neuron has exactly K[i, j] inputs from population j
            per_target = np.bincount(tgt - target[0].global_id, minlength=len(target))
            np.testing.assert_array_equal(per_target, p["K"][i, j])
            assert np.all((src >= source[0].global_id) & (src <= source[-1].global_id))
            np.testing.assert_allclose(w, p["W"][i, j] * 1e12, rtol=1e-12)   # A -> pA
            np.testing.assert_allclose(d, p["Delay"][i, j] * 1e3, rtol=1e-12)  # s -> ms
    gen = built.poisson_background
    np.testing.assert_allclose(gen.get("rate"), p["K_ext"] * p["nu_ext"])
    for i, pop in enumerate(pops):
        _, tgt, w, d = connections(gen[i], pop)
        assert len(tgt) == len(pop)
        np.testing.assert_allclose(w, p["W_ext"][i] * 1e12)
    status = pops[0].get(["C_m", "tau_m", "tau_syn_ex", "t_ref", "V_th", "V_reset", "E_L"])
    assert pops[0][:1].get("model") == "iaf_psc_exp"
    assert status["C_m"][0] == pytest.approx(250.0)
    assert status["tau_syn_ex"][0] == pytest.approx(0.5)
    assert status["V_th"][0] == pytest.approx(-50.0)
    vm = np.asarray(pops[0].get("V_m"))
    assert np.all((vm >= -65.0) & (vm <= -50.0)) and np.std(vm) > 1.0


def test_delta_network_weights_are_psp_jumps_in_mv():
    p = ei_params(N_E=40, N_I=10, K_E=10, K_I=3)
    for key in ("tau_s", "W", "W_ext"):
        p.pop(key)
    p["synapse_type"] = "delta"
    p["J"] = np.array([[0.1e-3, -0.5e-3], [0.2e-3, -0.4e-3]])
    p["J_ext"] = np.array([0.1e-3, 0.1e-3])
    built = build_network(derive_spec(standin(p)))
    assert built.populations[0][:1].get("model") == "iaf_psc_delta"
    for i in range(2):
        for j in range(2):
            _, _, w, _ = connections(built.populations[j], built.populations[i])
            np.testing.assert_allclose(w, p["J"][i, j] * 1e3, rtol=1e-12)


def test_microcircuit_synapse_numbers_and_distributions():
    model = standin(microcircuit_params())
    p = model.network_params
    k = 0.01
    spec = derive_spec(model, scale=k)
    built = build_network(spec)
    prod = np.outer(p["N"], p["N"])
    k_total = np.log(1 - p["conn_probs"]) / np.log((prod - 1) / prod)
    all_w, all_mean = [], []
    for i, target in enumerate(built.populations):
        for j, source in enumerate(built.populations):
            _, _, w, d = connections(source, target)
            # fixed total number: round(K_total * N_scaling * K_scaling)
            assert len(w) == round(k_total[i, j] * k * k)
            if len(w) == 0:
                continue
            mean_w = p["W"][i, j] * 1e12 / np.sqrt(k)
            assert np.all(np.sign(w) == np.sign(mean_w))        # sign kept by redraw
            assert np.all(d >= 0.1 - 1e-12)                     # >= resolution
            all_w.append(w / mean_w)
            all_mean.append(d / (p["Delay"][i, j] * 1e3))
    rel_w = np.concatenate(all_w)
    rel_d = np.concatenate(all_mean)
    # normal with 10 % relative std (truncation far away): mean 1, std 0.1
    assert np.mean(rel_w) == pytest.approx(1.0, abs=0.005)
    assert np.std(rel_w) == pytest.approx(0.1, rel=0.03)
    # delays: normal with 50 % relative std, redrawn below resolution/2, rounded to the
    # 0.1 ms grid; the truncation raises the mean a little (about +2 %)
    assert np.mean(rel_d) == pytest.approx(1.0, abs=0.05)


def test_memory_and_ascii_recording_and_chunking_agree_with_plain_nest(tmp_path):
    model = small_ei()
    spec = derive_spec(model, params={"t_presim": 0.05, "t_sim": 0.15})
    built = build_network(spec, "memory")
    run_simulation(built, progress=False, updates=7)
    mem = collect_spikes(built)
    built = build_network(spec, "ascii", str(tmp_path / "sp"))
    run_simulation(built, progress=False, updates=3)
    asc = collect_spikes(built)
    # the same network run with one plain nest.Simulate call
    built = build_network(spec, "memory")
    nest.Simulate(200.0)
    plain = collect_spikes(built)
    assert sum(len(t) for _, t in mem) > 100
    for a, b, c in zip(mem, asc, plain, strict=True):
        np.testing.assert_array_equal(a[0], b[0])
        np.testing.assert_allclose(a[1], b[1], atol=1e-9)
        np.testing.assert_array_equal(a[0], c[0])
        np.testing.assert_array_equal(a[1], c[1])


def test_interrupted_simulation_leaves_no_result_files(tmp_path, monkeypatch):
    import neuromf.simulation.comparison as cmp

    def interrupted(built, *args, **kwargs):
        nest.Simulate(10.0)
        raise KeyboardInterrupt

    monkeypatch.setattr(cmp, "run_simulation", interrupted)
    out = tmp_path / "out"
    for mode in ("memory", "ascii"):
        with pytest.raises(KeyboardInterrupt):
            simulate(small_ei(), t_sim=0.1, out=str(out), record_to=mode, progress=False)
        assert list(out.iterdir()) == []    # no results, no partial spike folder


@pytest.mark.filterwarnings("ignore:the CV is undefined")
def test_interrupted_writing_leaves_only_complete_files(tmp_path, monkeypatch):
    import neuromf.simulation.analysis as ana

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(ana, "plot_spectra", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        simulate(small_ei(), t_sim=0.1, t_presim=0.0, out=str(tmp_path), progress=False)
    names = sorted(f.name for f in tmp_path.iterdir())
    assert "summary.json" not in names
    assert not [n for n in names if "partial" in n]
    assert "spikes.npz" in names     # written completely before the failure
    from neuromf.simulation import load_spikes
    assert len(load_spikes(str(tmp_path / "spikes.npz"))["spikes"]) == 2


@pytest.mark.slow
def test_simulate_writes_results_and_uses_threads(tmp_path):
    res = simulate(small_ei(), t_sim=0.2, t_presim=0.05, threads=2, out=str(tmp_path),
                   progress=False)
    assert res.spec.threads == 2
    assert nest.local_num_threads == 2
    assert set(res.files) >= {"spikes", "raster", "rates_boxplot", "spectra", "summary"}
    for path in res.files.values():
        assert os.path.getsize(path) > 0
    import json
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["populations"] == ["E", "I"] and summary["threads"] == 2
    np.testing.assert_allclose(summary["rates_hz"], res.rates)
