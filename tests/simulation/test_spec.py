"""Derivation of the network realisation from a model (no NEST needed).

Expected numbers come from /work/shared/reference/potjans2014_microcircuit.md (total
synapse numbers, 585.39 pA/mV, the K-scaling DC formula written out there, the DC
equivalent of the background) and from the model dicts in conftest.py.
"""

from __future__ import annotations

import numpy as np
import pytest
from sim_models import (
    FULL_MEAN_RATES,
    K_EXT,
    N_FULL,
    ei_params,
    microcircuit_params,
    psc_per_psp_numeric,
    standin,
)

from neuromf.simulation import derive_spec, simulation_params
from neuromf.simulation.backend import available_cores
from neuromf.simulation.microcircuit import psc_over_psp


def test_psc_over_psp_matches_numeric_peak_and_reference():
    closed = psc_over_psp(250e-12, 10e-3, 0.5e-3)
    assert closed == pytest.approx(psc_per_psp_numeric(250e-12, 10e-3, 0.5e-3), rel=1e-9)
    assert closed * 1e-3 * 1e12 == pytest.approx(585.39, abs=0.005)  # pA per mV
    with pytest.raises(ValueError, match="tau_s"):
        psc_over_psp(250e-12, 10e-3, 10e-3)


def test_microcircuit_sizes_full_and_tenth():
    full = derive_spec(standin(microcircuit_params()), scale=1.0)
    assert full.connection_rule == "fixed_total_number"
    assert full.total_synapses == pytest.approx(2.989e8, rel=5e-4)
    tenth = derive_spec(standin(microcircuit_params()), scale=0.1)
    assert tenth.k_scale == 0.1
    assert tenth.total_neurons == int(np.sum(np.round(N_FULL * 0.1)))
    assert tenth.total_synapses == pytest.approx(3.0e6, rel=0.01)
    assert tenth.neuron_model == "iaf_psc_exp"
    assert tenth.weight_rel_sd == 0.1


def test_microcircuit_k_scaling_compensation():
    p = microcircuit_params()
    k = 0.1
    spec = derive_spec(standin(p), scale=0.1)
    psc = p["W"] * 1e12
    psc_ext = p["w_ext"] * 1e12
    # weights divided by sqrt(K_scaling)
    np.testing.assert_allclose(spec.weight, psc / np.sqrt(k), rtol=1e-12)
    np.testing.assert_allclose(spec.ext_weight[:, 0], psc_ext / np.sqrt(k), rtol=1e-12)
    # DC (pA) = 1e-3 tau_syn[ms] (1 - sqrt k) (sum_j PSC_ij K_ij rate_j + PSC_ext K_ext bg)
    dc = 1e-3 * 0.5 * (1 - np.sqrt(k)) * (np.sum(psc * p["K"] * FULL_MEAN_RATES, axis=1)
                                          + psc_ext * K_EXT * 8.0)
    np.testing.assert_allclose(spec.neuron_params["I_e"], dc, rtol=1e-9)
    # Poisson background: 8 Hz per external synapse, K_ext scaled and rounded
    np.testing.assert_allclose(spec.ext_rate[:, 0], 8.0 * np.round(K_EXT * k))
    assert spec.V0["type"] == "normal"
    assert spec.V0["mean"][0] == pytest.approx(-68.28)
    assert spec.V0["std"][-1] == pytest.approx(4.48)
    np.testing.assert_allclose(spec.delay[:, 1], 0.75)
    np.testing.assert_allclose(spec.delay_sd[:, 0], 0.75)


def test_microcircuit_dc_background_and_original_v0():
    p = microcircuit_params()
    spec = derive_spec(standin(p), scale=1.0, params={"background": "dc",
                                                      "V0_type": "original"})
    assert spec.ext_rate is None
    # bg_rate * K_ext * PSC_ext * tau_syn (pA, with tau_syn in ms -> factor 1e-3)
    np.testing.assert_allclose(spec.neuron_params["I_e"],
                               8.0 * K_EXT * p["w_ext"] * 1e12 * 0.5 * 1e-3, rtol=1e-12)
    assert np.all(spec.V0["mean"] == -58.0) and np.all(spec.V0["std"] == 10.0)


def test_microcircuit_stimuli():
    p = microcircuit_params()
    spec = derive_spec(standin(p), scale=0.1, params={"thalamic_input": True,
                                                      "dc_input": True})
    th = spec.thalamic
    assert th["n_neurons"] == 902 and th["rate"] == 120.0
    assert (th["start"], th["stop"]) == pytest.approx((700.0, 710.0))
    # synapse numbers from 902 thalamic neurons (Eq. 1), times K_scaling only
    prod = 902.0 * N_FULL
    expected = np.round(np.log(1 - np.array([0, 0, 0.0983, 0.0619, 0, 0, 0.0512, 0.0196]))
                        / np.log((prod - 1) / prod) * 0.1)
    np.testing.assert_array_equal(th["n_synapses"], expected)
    np.testing.assert_allclose(th["weight"], p["w"] * 1e12 / np.sqrt(0.1), rtol=1e-9)
    dc = spec.dc_stimulus
    np.testing.assert_allclose(dc["amplitude"], 0.3 * K_EXT)
    assert (dc["start"], dc["stop"]) == pytest.approx((650.0, 750.0))


def test_generic_network_defaults_fixed_indegree():
    p = ei_params()
    spec = derive_spec(standin(p))
    assert spec.connection_rule == "fixed_indegree"
    assert spec.scale == spec.k_scale == 1.0
    np.testing.assert_array_equal(spec.n_connections, [[160, 40], [160, 40]])
    np.testing.assert_allclose(spec.weight, p["W"] * 1e12)
    np.testing.assert_allclose(spec.ext_rate[:, 0], 300 * 7.8)
    np.testing.assert_allclose(spec.ext_weight[:, 0], 263.4)
    assert spec.V0["type"] == "uniform"
    np.testing.assert_allclose(spec.V0["low"], -65.0)
    assert spec.notes == []


def test_non_integer_indegree_uses_total_number():
    p = ei_params()
    p["K"] = np.array([[160.4, 40.2], [160.0, 40.0]])
    spec = derive_spec(standin(p))
    assert spec.connection_rule == "fixed_total_number"
    np.testing.assert_array_equal(spec.n_connections, np.round(p["K"] * [[1600], [400]]))


def test_delta_network_uses_psp_jumps():
    p = ei_params()
    for key in ("tau_s", "W", "W_ext"):
        p.pop(key)
    p["synapse_type"] = "delta"
    p["J"] = np.array([[0.1e-3, -0.5e-3], [0.1e-3, -0.5e-3]])
    p["J_ext"] = np.array([0.1e-3, 0.1e-3])
    spec = derive_spec(standin(p))
    assert spec.neuron_model == "iaf_psc_delta" and spec.weight_unit == "mV"
    np.testing.assert_allclose(spec.weight, p["J"] * 1e3)
    np.testing.assert_allclose(spec.ext_weight[:, 0], 0.1)
    assert "tau_syn_ex" not in spec.neuron_params


def test_k_scaling_of_generic_network_needs_rates():
    p = ei_params()
    with pytest.raises(ValueError, match="compensation_rates"):
        derive_spec(standin(p), scale=0.5)
    spec = derive_spec(standin(p), scale=0.5, compensation_rates=[10.0, 10.0])
    np.testing.assert_array_equal(spec.n_neurons, [800, 200])
    np.testing.assert_array_equal(spec.n_connections, [[80, 20], [80, 20]])
    # mean recurrent + external input (as current) is kept by the DC term at 10 Hz
    w = p["W"] * 1e12
    full = np.sum(w * p["K"] * 10.0, axis=1) + 263.4 * 300 * 7.8
    scaled = (np.sum(spec.weight * spec.n_connections * 10.0, axis=1)
              + spec.ext_weight[:, 0] * spec.ext_rate[:, 0])
    np.testing.assert_allclose(scaled * 0.5 * 1e-3 + spec.neuron_params["I_e"],
                               full * 0.5 * 1e-3, rtol=1e-9)


@pytest.mark.parametrize("kwargs, match", [
    ({"scale": 0.0}, "scale"),
    ({"scale": -1.0}, "scale"),
    ({"scale": 1.0, "k_scale": -0.5}, "k_scale"),
    ({"scale": 1e-4}, "without neurons"),
    ({"params": {"t_sim": 0.0}}, "t_sim"),
    ({"params": {"threads": 0}}, "threads"),
    ({"params": {"seed": 0}}, "seed"),
    ({"params": {"V0_type": "optimized"}}, "microcircuit"),
    ({"params": {"V0_type": "banana"}}, "V0_type"),
    ({"params": {"background": "noise"}}, "background"),
    ({"params": {"no_such_parameter": 1}}, "no_such_parameter"),
])
def test_bad_input_raises_clear_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        derive_spec(standin(ei_params()), **kwargs)


def test_bad_model_parameters():
    p = ei_params()
    p["Delay"] = np.full((2, 2), 0.05e-3)
    with pytest.raises(ValueError, match="resolution"):
        derive_spec(standin(p))
    p = ei_params()
    del p["K"]
    with pytest.raises(ValueError, match="'K'"):
        derive_spec(standin(p))
    with pytest.raises(TypeError, match="network_params"):
        derive_spec(object())


def test_more_threads_than_cores_warns():
    with pytest.warns(UserWarning, match="exceeds"):
        spec = derive_spec(standin(ei_params()), params={"threads": available_cores() + 1})
    assert spec.threads == available_cores() + 1


def test_simulation_params_copy_and_selection():
    mc = simulation_params(standin(microcircuit_params()))
    assert mc["V0_type"] == "optimized" and mc["seed"] == 55
    generic = simulation_params(standin(ei_params()), {"t_sim": 2.0, "seed": None})
    assert generic["V0_type"] == "uniform" and generic["t_sim"] == 2.0
    assert generic["seed"] == 55   # None keeps the default
    mc["V0_optimized_mean"][0] = 0.0
    assert simulation_params(standin(microcircuit_params()))["V0_optimized_mean"][0] \
        == pytest.approx(-68.28e-3)
