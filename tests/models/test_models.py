"""Network models: NNMT parameter files, derived parameters, built-in sets, changes, I/O.

References: NNMT 1.3 itself for its own conventions (side by side), the parameter
files in ../shared (NNMT's published microcircuit in-degrees), closed forms written
here (PSP->PSC conversion, Brunel 2000 nu_thr), and unit conversions done by hand.
"""

from __future__ import annotations

import numpy as np
import pytest
from references import nnmt_file

import neuromf
from neuromf import ureg
from neuromf.models import Basic, Microcircuit, Network, Plain, available, load_model


def _compare_params(ours: dict, theirs: dict) -> list[str]:
    compared = []
    for key, value in theirs.items():
        if key not in ours or isinstance(value, str):
            continue
        if isinstance(value, list) or np.asarray(value).dtype.kind in "US":
            assert list(ours[key]) == list(value), key
        else:
            np.testing.assert_allclose(np.asarray(ours[key], dtype=float),
                                       np.asarray(value, dtype=float), rtol=1e-14, err_msg=key)
        compared.append(key)
    return compared


@pytest.mark.parametrize("cls_name, network, analysis", [
    ("Microcircuit", "microcircuit_network_params.yaml", "bos2016_analysis_params.yaml"),
    ("Microcircuit", "bos2016_network_params.yaml", "bos2016_analysis_params.yaml"),
    ("Basic", "basic_minimal_network_params.yaml", "senk2020_analysis_params.yaml"),
    ("Basic", "senk2020_network_params.yaml", "senk2020_analysis_params.yaml"),
])
def test_nnmt_files_load_and_derive_like_nnmt(nnmt, cls_name, network, analysis):
    network, analysis = nnmt_file(network), nnmt_file(analysis)
    ours = getattr(neuromf.models, cls_name)(network, analysis)
    theirs = getattr(nnmt.models, cls_name)(network, analysis)
    keys = _compare_params(ours.network_params, theirs.network_params)
    for derived in ("V_th_rel", "J", "J_ext", "dimension"):
        assert derived in keys
    if cls_name == "Microcircuit":
        assert {"W", "Delay", "Delay_sd", "j"} <= set(keys)
    ana_keys = _compare_params(ours.analysis_params, theirs.analysis_params)
    assert "omegas" in ana_keys and "k_wavenumbers" in ana_keys


def test_microcircuit_derived_structure():
    net = Microcircuit(nnmt_file("microcircuit_network_params.yaml"))
    p = net.network_params
    w, g = p["w"], p["g"]
    W = p["W"]
    # inhibitory sources are the odd columns, L4E -> L23E doubled
    assert W[3, 1] == pytest.approx(-g * w) and W[5, 4] == pytest.approx(w)
    assert W[0, 2] == pytest.approx(2 * w)
    np.testing.assert_allclose(p["J"], p["tau_s"] / p["C"] * W)
    assert p["Delay"][0, 1] == pytest.approx(0.75e-3) and p["Delay"][1, 0] == pytest.approx(1.5e-3)
    assert p["Delay_sd"][2, 3] == pytest.approx(0.375e-3)


def test_units_in_any_prefix_are_converted():
    base = {"populations": ["E", "I"], "N": [4, 1], "C": 250 * ureg.pF,
            "tau_m": 10 * ureg.ms, "tau_s": 0.5 * ureg.ms, "tau_r": 2 * ureg.ms,
            "V_0_abs": -65 * ureg.mV, "V_th_abs": -50 * ureg.mV,
            "W": np.array([[87.8, -351.2], [87.8, -351.2]]) * ureg.pA}
    prefixed = dict(base, C=0.25 * ureg.nF, tau_m=10000 * ureg.us, tau_s=ureg.Quantity(5e-4, "s"),
                    V_th_abs=-0.05 * ureg.V,
                    W=np.array([[0.0878, -0.3512], [0.0878, -0.3512]]) * ureg.nA)
    a = Basic(base, {"f_min": 1 * ureg.Hz, "f_max": 10 * ureg.Hz, "df": 1 * ureg.Hz})
    b = Basic(prefixed, {"f_min": 0.001 * ureg.kHz, "f_max": 0.01 * ureg.kHz,
                         "df": 1000 * ureg.mHz})
    for key in ("C", "tau_m", "tau_s", "V_th_abs", "V_th_rel", "J"):
        np.testing.assert_allclose(a.network_params[key], b.network_params[key], rtol=1e-12)
    assert a.network_params["tau_m"] == pytest.approx(0.01)
    assert a.network_params["J"][0, 0] == pytest.approx(0.5e-3 / 250e-12 * 87.8e-12)
    np.testing.assert_allclose(a.analysis_params["omegas"], b.analysis_params["omegas"])
    np.testing.assert_allclose(a.analysis_params["omegas"], 2 * np.pi * np.arange(1, 10))


def test_yaml_units_with_micro_sign(tmp_path):
    path = tmp_path / "net.yaml"
    path.write_text("tau_m:\n  val: 10000.0\n  unit: µs\nC:\n  val: 0.25\n  unit: nF\n")
    net = Plain(str(path))
    assert net.network_params["tau_m"] == pytest.approx(0.01)
    assert net.network_params["C"] == pytest.approx(250e-12)


def test_psp_to_psc_conversion_matches_potjans_reference():
    # potjans2014_microcircuit.md: 1 mV PSP ~ 585.39 pA, 0.15 mV ~ 87.81 pA
    one_mV = neuromf.models.psc_from_psp(1e-3, 10e-3, 0.5e-3, 250e-12)
    assert one_mV == pytest.approx(585.39e-12, rel=1e-5)
    net = Microcircuit()
    assert net.network_params["w"] == pytest.approx(87.81e-12, rel=1e-4)


def test_builtin_microcircuit_indegrees_match_published(nnmt):
    # NNMT's microcircuit file lists the published in-degrees K_total/N_post; they were
    # computed elsewhere and agree to the ~1e-5 of their rounding (worst: small entries)
    reference = Microcircuit(nnmt_file("microcircuit_network_params.yaml"))
    ours = Microcircuit()
    np.testing.assert_allclose(ours.network_params["K"], reference.network_params["K"],
                               rtol=5e-5, atol=1e-9)
    assert ours.network_params["populations"][0] == "L23E"
    assert len(ours.analysis_params["omegas"]) == 3141


def test_available_and_load_model():
    names = available()
    for name in ("potjans2014", "bos2016", "senk2020", "brunel2000_A", "brunel2000_B",
                 "brunel2000_C", "brunel2000_D"):
        assert name in names
        net = load_model(name)
        assert isinstance(net, Network)
        assert len(net.network_params["populations"]) >= 2
    assert isinstance(load_model("bos2016"), Microcircuit)
    assert isinstance(neuromf.models.Brunel2000("Brunel2000_c"), Basic)
    with pytest.raises(ValueError, match="unknown model 'nope'"):
        load_model("nope")
    with pytest.raises(FileNotFoundError, match="built-in"):
        Basic("nope")


@pytest.mark.parametrize("state, g, eta", [("A", 3, 2), ("B", 6, 4), ("C", 5, 2), ("D", 4.5, 0.9)])
def test_brunel2000_states(state, g, eta):
    net = load_model(f"brunel2000_{state}")
    assert isinstance(net, neuromf.models.Brunel2000)
    p = net.network_params
    # Brunel 2000: nu_thr = theta/(J C_E tau) = 20 mV / (0.1 mV * 1000 * 20 ms) = 10 Hz
    assert p["nu_thr"] == pytest.approx(10.0)
    assert p["nu_ext"] == pytest.approx(eta * 10.0) and p["eta"] == pytest.approx(eta)
    np.testing.assert_allclose(p["J"], [[1e-4, -g * 1e-4]] * 2)
    # potentials relative to rest E_L = 0 (as mu is): reset 10 mV, threshold 20 mV
    np.testing.assert_allclose(p["V_0_rel"], [10e-3, 10e-3])
    np.testing.assert_allclose(p["V_th_rel"], [20e-3, 20e-3])


def test_change_parameters_recomputes_derived():
    net = Microcircuit(nnmt_file("microcircuit_network_params.yaml"))
    new = net.change_parameters({"w": 100 * ureg.pA, "tau_m": 20 * ureg.ms})
    assert new is not net and isinstance(new, Microcircuit)
    assert new.network_params["w"] == pytest.approx(100e-12)
    np.testing.assert_allclose(new.network_params["J"][0, 0], 0.5e-3 / 250e-12 * 100e-12)
    assert net.network_params["w"] == pytest.approx(87.8e-12)   # original untouched
    # SI magnitudes are accepted as well
    other = net.change_parameters({"g": 5.0})
    assert other.network_params["W"][0, 1] == pytest.approx(-5 * 87.8e-12)
    with pytest.raises(ValueError, match="derived parameter"):
        net.change_parameters({"J": np.zeros((8, 8))})


def test_change_parameters_overwrite_discards_results():
    net = load_model("brunel2000_C")
    neuromf.lif.delta.firing_rates(net)
    assert net.results
    assert net.change_parameters({"nu_ext": 25 * ureg.Hz}, overwrite=True) is None
    assert net.results == {} and net.network_params["nu_ext"] == pytest.approx(25.0)


def test_copy_is_independent_and_clear_results():
    net = load_model("brunel2000_C")
    neuromf.lif.delta.working_point(net)
    twin = net.copy()
    twin.network_params["K"][0, 0] = 1.0
    assert net.network_params["K"][0, 0] == 1000
    assert net.show() == ["lif.delta.firing_rates", "lif.delta.mean_input",
                          "lif.delta.std_input"]
    net.clear_results("lif.delta.mean_input")
    assert "lif.delta.mean_input" not in net.results
    net.clear_results()
    assert net.results == {} and net.results_hash_dict == {}


def test_save_load_roundtrip(tmp_path):
    net = Microcircuit(nnmt_file("microcircuit_network_params.yaml"),
                       nnmt_file("bos2016_analysis_params.yaml"))
    neuromf.lif.exp.working_point(net)
    path = tmp_path / "net.h5"
    net.save(path)
    loaded = Microcircuit(file=path)
    for key, value in net.network_params.items():
        if isinstance(value, (str, list)) or np.asarray(value).dtype.kind in "US":
            loaded_value = loaded.network_params[key]
            assert list(np.atleast_1d(loaded_value)) == list(np.atleast_1d(value)), key
        else:
            np.testing.assert_array_equal(loaded.network_params[key], value, err_msg=key)
    assert loaded.input_units["tau_m"] == "millisecond"
    np.testing.assert_array_equal(loaded.results["lif.exp.firing_rates"],
                                  net.results["lif.exp.firing_rates"])
    assert loaded.result_units["lif.exp.firing_rates"] == "hertz"
    np.testing.assert_array_equal(loaded.analysis_params["omegas"],
                                  net.analysis_params["omegas"])
    # the cache survives: recomputing returns the stored value
    assert neuromf.lif.exp.firing_rates(loaded) is not None


def test_h5_written_by_nnmt_loads(nnmt, tmp_path):
    theirs = nnmt.models.Microcircuit(nnmt_file("microcircuit_network_params.yaml"),
                                      nnmt_file("bos2016_analysis_params.yaml"))
    nnmt.lif.exp.working_point(theirs)
    path = tmp_path / "nnmt.h5"
    theirs.save(str(path))
    ours = Microcircuit(file=path)
    np.testing.assert_allclose(ours.network_params["K"], theirs.network_params["K"])
    np.testing.assert_allclose(ours.network_params["J"], theirs.network_params["J"])
    np.testing.assert_allclose(ours.results["lif.exp.firing_rates"],
                               theirs.results["lif.exp.firing_rates"])
    assert list(ours.network_params["populations"]) == list(theirs.network_params["populations"])


@pytest.mark.parametrize("change, match", [
    ({"tau_m": -10 * ureg.ms}, "tau_m must be > 0"),
    ({"tau_r": -1 * ureg.ms}, "tau_r must be >= 0"),
    ({"V_th_abs": -70 * ureg.mV}, "threshold must lie above reset"),
    ({"K": np.ones((3, 3))}, r"K has shape \(3, 3\)"),
    ({"nu_ext": float("nan") * ureg.Hz}, "nu_ext must be finite"),
])
def test_bad_parameters_raise(change, match):
    net = Microcircuit(nnmt_file("microcircuit_network_params.yaml"))
    with pytest.raises(ValueError, match=match):
        net.change_parameters(change)


def test_missing_parameter_names_it_and_the_function():
    net = Microcircuit(nnmt_file("microcircuit_network_params.yaml"))
    del net.network_params["tau_r"]          # removed in place: the model notices
    with pytest.raises(ValueError, match=r"Microcircuit needs the network parameter\(s\) "
                                         r"'tau_r'"):
        neuromf.lif.exp.firing_rates(net)
    net = neuromf.models.Network(nnmt_file("microcircuit_network_params.yaml"))
    with pytest.raises(RuntimeError, match=r"_firing_rates needs the network parameter\(s\) "
                                           r"'J'"):
        neuromf.lif.exp.firing_rates(net)      # a plain Network derives no J


def test_senk2020_builtin_sits_at_the_published_working_point():
    # Senk et al. 2020, Fig. 5: mu = sigma = 10 mV
    wp = neuromf.lif.exp.working_point(load_model("senk2020"))
    np.testing.assert_allclose(wp["mean_input"], [10e-3, 10e-3], rtol=1e-6)
    np.testing.assert_allclose(wp["std_input"], [10e-3, 10e-3], rtol=1e-6)
