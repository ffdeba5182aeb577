"""Regression tests for the model input validation of issue 14, one per cause found by
the bad-input campaign (units, derived parameters and the cache, ranges, hangs,
internal exceptions).

Expected values are closed forms: J = tau_s / C * W (Basic), the Brunel (2000) weight
matrix [[j, -g j], [j, -g j]], unit conversions by definition (1 kHz = 1000 Hz).
Errors must be ValueError / TypeError / FileNotFoundError whose message names the
parameter.
"""

from __future__ import annotations

import shutil
import time
import warnings

import h5py
import numpy as np
import pytest
import yaml
from references import nnmt_file

import neuromf
from neuromf.models import Basic, Brunel2000, Microcircuit, Network, Plain, _builtin, load_model
from neuromf.utils import ureg

MICRO = "microcircuit_network_params.yaml"
BASIC = "basic_minimal_network_params.yaml"


def _micro_yaml(tmp_path, **changes):
    raw = yaml.safe_load(open(nnmt_file(MICRO)))
    raw.update(changes)
    path = tmp_path / "net.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


# ---------------------------------------------------------------------------
# units
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("key, value, words", [
    ("tau_m", {"val": 10.0, "unit": "mV"}, ["tau_m", "mV"]),
    ("N", {"val": [1.0] * 8, "unit": "ms"}, ["N", "ms"]),
    ("tau_m", {"val": 20.0}, ["tau_m", "without 'unit'"]),
    ("tau_m", {"val": 10.0, "unit": "%"}, ["tau_m", "%"]),
    ("tau_m", {"val": 10.0, "unit": ""}, ["tau_m", "empty unit"]),
    ("tau_m", {"val": 10.0, "unit": "ms ms"}, ["tau_m", "juxtaposes"]),
    ("tau_m", {"val": 10.0, "unit": "ms/"}, ["tau_m", "ms/"]),
    ("tau_m", {"val": 10.0, "unit": "ms", "sd": 1}, ["tau_m", "sd"]),
    ("tau_m", {"val": "ten", "unit": "ms"}, ["tau_m"]),
    ("tau_m", {"val": 10.0, "unit": 3}, ["tau_m", "unit"]),
])
def test_bad_units_in_yaml_name_the_parameter(tmp_path, key, value, words):
    path = _micro_yaml(tmp_path, **{key: value})
    with pytest.raises(ValueError) as info:
        Microcircuit(str(path))
    for word in words:
        assert word in str(info.value)


def test_dimension_of_dict_quantities_is_checked():
    base = Microcircuit(nnmt_file(MICRO))
    with pytest.raises(ValueError, match="tau_m was given in mV"):
        base.change_parameters({"tau_m": 10 * ureg.mV})
    with pytest.raises(ValueError, match="N was given in ms"):
        Basic({"populations": ["E"], "N": 5 * ureg.ms, "tau_m": 10 * ureg.ms,
               "tau_r": 2 * ureg.ms, "V_0_abs": -65 * ureg.mV, "V_th_abs": -50 * ureg.mV})
    # a dimensionless quantity is fine for a pure number; plain numbers are SI (NNMT)
    net = base.change_parameters({"g": 5 * ureg.dimensionless, "tau_m": 0.02})
    assert net.network_params["g"] == 5 and net.network_params["tau_m"] == 0.02


def test_pure_numbers_may_omit_the_unit_as_in_nnmt_files():
    # NNMT's microcircuit file gives W_rate as {val: ...} without unit
    net = Microcircuit(nnmt_file(MICRO))
    assert np.shape(net.network_params["W_rate"]) == (8, 8)


def test_transfer_function_freqs_take_their_unit():
    net = Microcircuit(nnmt_file(MICRO))
    neuromf.lif.exp.working_point(net)
    in_khz = neuromf.lif.exp.transfer_function(net, freqs=np.array([0.01, 0.1]) * ureg.kHz)
    in_hz = neuromf.lif.exp.transfer_function(net, freqs=[10.0, 100.0])
    np.testing.assert_allclose(in_khz, in_hz, rtol=1e-13)
    with pytest.raises(ValueError, match="freqs must be frequencies"):
        neuromf.lif.exp.transfer_function(net, freqs=10 * ureg.ms)
    with pytest.raises(TypeError, match="freqs"):
        neuromf.lif.exp.transfer_function(net, freqs=["ten"])
    with pytest.raises(ValueError, match="freqs"):
        neuromf.lif.exp.transfer_function(net, freqs=[])


def test_edited_hdf5_files_are_checked(tmp_path):
    path = tmp_path / "net.h5"
    Microcircuit(nnmt_file(MICRO)).save(path)
    dropped = tmp_path / "dropped.h5"
    shutil.copy(path, dropped)
    with h5py.File(dropped, "a") as f:
        del f["network_params/tau_m/unit"]
    with pytest.raises(ValueError, match="tau_m.*without 'unit'"):
        Microcircuit(file=dropped)
    changed = tmp_path / "changed.h5"
    shutil.copy(path, changed)
    with h5py.File(changed, "a") as f:
        del f["network_params/tau_m/unit"]
        f["network_params/tau_m"].create_dataset("unit", data="mV")
    with pytest.raises(ValueError, match="tau_m was given in mV"):
        Microcircuit(file=changed)
    truncated = tmp_path / "truncated.h5"
    truncated.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(ValueError, match="truncated.h5"):
        Microcircuit(file=truncated)


# ---------------------------------------------------------------------------
# derived parameters and the cache
# ---------------------------------------------------------------------------

def test_in_place_change_of_a_given_parameter_rederives():
    net = load_model("brunel2000_C")
    rates = neuromf.lif.delta.firing_rates(net).copy()
    net.network_params["g"] = 8.0
    j = net.network_params["j"]
    new_rates = neuromf.lif.delta.firing_rates(net)
    np.testing.assert_allclose(net.network_params["J"], [[j, -8 * j], [j, -8 * j]])
    assert not np.allclose(new_rates, rates)
    # the same as building the network with g = 8
    ref = load_model("brunel2000_C").change_parameters({"g": 8.0})
    np.testing.assert_allclose(new_rates, neuromf.lif.delta.firing_rates(ref), rtol=1e-12)


def test_in_place_change_of_analysis_parameters_rederives_the_grid():
    net = load_model("brunel2000_C")
    net.analysis_params["f_max"] = 11.0           # 1 Hz steps from 1 Hz: 10 frequencies
    neuromf.lif.delta.working_point(net)
    assert neuromf.lif.delta.transfer_function(net).shape == (10, 2)
    net.analysis_params["f_min"] = 20.0
    with pytest.raises(ValueError, match="f_max = 11.0 Hz must be larger than f_min"):
        neuromf.lif.delta.transfer_function(net)


def test_in_place_change_of_a_derived_parameter_is_refused():
    net = Microcircuit(nnmt_file(MICRO))
    net.network_params["J"] = net.network_params["J"] * 2
    with pytest.raises(ValueError, match="J is a derived parameter.*change_parameters"):
        neuromf.lif.exp.firing_rates(net)


def test_dependency_record_survives_save_and_load(tmp_path):
    net = Microcircuit(nnmt_file(MICRO), nnmt_file("bos2016_analysis_params.yaml"))
    neuromf.lif.exp.working_point(net)
    neuromf.network_properties.delay_dist_matrix(net)
    net.save(tmp_path / "net.h5")
    loaded = Microcircuit(file=tmp_path / "net.h5")
    assert sorted(loaded.results) == sorted(net.results)
    loaded.network_params["tau_m"] = 0.02          # given parameter, edited in place
    remaining = loaded.show()
    assert "lif.exp.firing_rates" not in remaining  # depends on tau_m
    assert "network_properties.delay_dist_matrix" in remaining   # does not
    rates = neuromf.lif.exp.firing_rates(loaded)
    ref = Microcircuit(nnmt_file(MICRO)).change_parameters({"tau_m": 0.02})
    np.testing.assert_allclose(rates, neuromf.lif.exp.firing_rates(ref), rtol=1e-10)


def test_file_without_dependency_record_is_conservative(tmp_path, nnmt):
    """An NNMT file holds no dependency record: any edit drops every result."""
    theirs = nnmt.models.Microcircuit(nnmt_file(MICRO))
    theirs.network_params["J"]   # derived by NNMT
    theirs.results["lif.exp.firing_rates"] = np.ones(8)
    theirs.result_units["lif.exp.firing_rates"] = "hertz"
    theirs.save(str(tmp_path / "theirs.h5"))
    net = Microcircuit(file=tmp_path / "theirs.h5")
    assert net.show() == ["lif.exp.firing_rates"]
    net.network_params["nu_ext"] = 9.0
    assert net.show() == []


def test_change_parameters_rejects_unknown_keys():
    net = Microcircuit(nnmt_file(MICRO))
    with pytest.raises(ValueError, match="did you mean 'tau_m'"):
        net.change_parameters({"tau_mm": 0.02})
    with pytest.raises(ValueError, match="not a parameter of this Network"):
        Network({"a": 1}).change_parameters({"zzz": 2})
    with pytest.raises(TypeError, match="must be a dict"):
        net.change_parameters([("g", 5)])


@pytest.mark.parametrize("typo, right", [("E_l", "E_L"), ("EL", "E_L"),
                                         ("PSC_rel_sdd", "PSC_rel_sd"), ("G", "g"),
                                         ("tau_mem", "tau_m")])
def test_misspelt_keys_raise_with_a_suggestion(tmp_path, typo, right):
    raw = yaml.safe_load((_builtin.DATA_DIR / "potjans2014.yaml").read_text())
    key = {"E_l": "E_L", "EL": "E_L", "PSC_rel_sdd": "PSC_rel_sd", "G": "g",
           "tau_mem": "tau_m"}[typo]
    raw[typo] = raw.pop(key)
    path = tmp_path / "net.yaml"
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(ValueError, match=f"unknown parameter '{typo}'.*did you mean.*'{right}'"):
        load_model(path)


def test_unknown_keys_in_analysis_parameters_raise():
    with pytest.raises(ValueError, match="did you mean 'f_max'"):
        Microcircuit(nnmt_file(MICRO), {"f_min": 1.0, "fmax": 10.0, "df": 1.0})


def test_plain_and_network_accept_any_names_but_not_case_slips():
    assert Plain({"my_parameter": 1, "tau_m": 0.01}).network_params["my_parameter"] == 1
    with pytest.raises(ValueError, match="did you mean 'tau_m'"):
        Network({"TAU_M": 0.01})


def test_register_parameter_makes_a_name_known():
    from neuromf.models import _schema
    neuromf.models.register_parameter("my_scale", "", "scalar", "positive")
    try:
        net = Microcircuit(nnmt_file(MICRO)).change_parameters({"my_scale": 2.0})
        assert net.network_params["my_scale"] == 2.0
        with pytest.raises(ValueError, match="my_scale must be > 0"):
            Microcircuit(nnmt_file(MICRO)).change_parameters({"my_scale": -1.0})
    finally:
        _schema._EXTRA["network_params"].pop("my_scale")


def test_missing_required_key_names_key_and_model(tmp_path):
    raw = yaml.safe_load(open(nnmt_file(MICRO)))
    del raw["tau_m"]
    path = tmp_path / "net.yaml"
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(ValueError, match=r"Microcircuit needs the network parameter\(s\) "
                                         r"'tau_m'"):
        Microcircuit(str(path))
    del raw["w"]
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(ValueError, match="'w' or 'PSP_e'"):
        Microcircuit(str(path))


@pytest.mark.parametrize("name", sorted(_builtin.BUILTIN))
def test_builtin_round_trip_name_file_model(tmp_path, name):
    """A copy of a built-in file loads as its name does: class, parameters, analysis."""
    by_name = load_model(name)
    copy = tmp_path / _builtin.BUILTIN[name][1]
    shutil.copy(_builtin.DATA_DIR / _builtin.BUILTIN[name][1], copy)
    by_file = load_model(copy)
    assert type(by_file) is type(by_name)
    for kind in ("network_params", "analysis_params"):
        ours, theirs = getattr(by_file, kind), getattr(by_name, kind)
        assert sorted(ours) == sorted(theirs)
        for key in theirs:
            if isinstance(theirs[key], str):
                assert ours[key] == theirs[key]
            else:
                np.testing.assert_array_equal(np.asarray(ours[key]), np.asarray(theirs[key]))
    assert len(by_file.analysis_params["omegas"]) > 0


def test_brunel_file_with_edits_is_a_brunel_model(tmp_path):
    raw = yaml.safe_load((_builtin.DATA_DIR / "brunel2000_C.yaml").read_text())
    raw["g"] = 6.0
    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump(raw))
    net = load_model(path)
    assert isinstance(net, Brunel2000)
    np.testing.assert_allclose(net.network_params["J"][0, 1], -6.0 * 0.1e-3)
    assert "omegas" not in net.analysis_params      # no analysis file next to it


def test_check_file_lists_given_and_derived_parameters(tmp_path):
    shutil.copy(_builtin.DATA_DIR / "brunel2000_C.yaml", tmp_path / "brunel2000_C.yaml")
    lines = neuromf.models.check_file(tmp_path / "brunel2000_C.yaml")
    text = "\n".join(lines)
    assert "valid Brunel2000 model with 2 populations" in lines[0]
    assert "  nu_thr = 10 Hz" in text            # theta / (j K_E tau_m) = 20 mV / 2 mV / 0.1 s
    assert "  eta = 2" in text and "analysis frequencies: 499" in text
    with pytest.raises(ValueError, match="unknown model"):
        neuromf.models.check_file(tmp_path / "nope.yaml")


# ---------------------------------------------------------------------------
# ranges
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("analysis, words", [
    ({"f_min": 10.0, "f_max": 1.0, "df": 1.0}, ["f_max", "larger than f_min"]),
    ({"f_min": np.nan, "f_max": 10.0, "df": 1.0}, ["f_min", "finite"]),
    ({"f_min": 1.0, "f_max": np.inf, "df": 1.0}, ["f_max", "finite"]),
    ({"f_min": 1.0, "f_max": 10.0, "df": np.nan}, ["df", "finite"]),
    ({"f_min": 1.0, "f_max": 10.0, "df": 0.0}, ["df", "> 0"]),
    ({"f_min": 1.0, "f_max": 1e12, "df": 1.0}, ["points", "df"]),
    ({"k_min": 5.0, "k_max": 1.0, "dk": 1.0}, ["k_max", "larger than k_min"]),
    ({"f_min": "one", "f_max": 10.0, "df": 1.0}, ["f_min"]),
])
def test_bad_analysis_ranges(analysis, words):
    with pytest.raises((ValueError, TypeError)) as info:
        Microcircuit(nnmt_file(MICRO), analysis)
    for word in words:
        assert word in str(info.value)


def test_huge_external_drive_gives_a_finite_result_or_a_clear_error():
    for change in ({"K_ext": np.full(8, 1e12)}, {"nu_ext": 1e12}):
        net = Microcircuit(nnmt_file(MICRO), {"f_min": 1.0, "f_max": 50.0, "df": 7.0})
        net.change_parameters(change, overwrite=True)
        try:
            neuromf.lif.exp.working_point(net)
            tf = neuromf.lif.exp.transfer_function(net)
        except ValueError as exc:
            assert "not finite" in str(exc)
        else:
            assert np.all(np.isfinite(tf))


# ---------------------------------------------------------------------------
# hangs: every call returns or raises within 10 s
# ---------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("model, change, method", [
    (Basic, {"tau_s": 5e-3}, "taylor"),                 # tau_s / tau_m = 0.5
    ("potjans2014", {"tau_s": 5e-3}, "taylor"),         # hung for > 9 min before
    (Basic, {"W": np.full((8, 8), 87.8)}, "shift"),     # a forgotten unit: 87.8 A
    (Basic, {"W": np.full((8, 8), 87.8)}, "taylor"),
])
def test_solvers_return_or_raise_within_10_s(model, change, method):
    net = (load_model(model) if isinstance(model, str) else model(nnmt_file(BASIC))
           ).change_parameters(change)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")          # accuracy warnings of the Taylor rates
        try:
            rates = neuromf.lif.exp.firing_rates(net, method=method)
        except RuntimeError as exc:        # non-convergence, with the last residual
            assert "residual" in str(exc)
        else:
            assert np.all(np.isfinite(rates)) and np.all(rates >= 0)
    assert time.perf_counter() - start < 10.0


# ---------------------------------------------------------------------------
# internal exceptions become ValueError / TypeError naming the parameter
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("change, exc, words", [
    ({"tau_s": 0.0}, ValueError, ["tau_s", "> 0"]),
    ({"C": 0.0}, ValueError, ["C", "> 0"]),
    ({"tau_m": "ten"}, TypeError, ["tau_m"]),
    ({"K_ext": ["a"] * 8}, TypeError, ["K_ext"]),
    ({"tau_m": np.ones(3) * 0.01}, ValueError, ["tau_m", "8 populations"]),
    ({"g": np.inf}, ValueError, ["g", "finite"]),
    ({"populations": "E"}, TypeError, ["populations"]),
    ({"delay_dist": "uniform"}, ValueError, ["delay_dist", "truncated_gaussian"]),
])
def test_microcircuit_bad_values(change, exc, words):
    with pytest.raises(exc) as info:
        Microcircuit(nnmt_file(MICRO)).change_parameters(change)
    for word in words:
        assert word in str(info.value)


def test_brunel_infinite_and_zero_values():
    with pytest.raises(ValueError, match="j must be finite"):
        load_model("brunel2000_C").change_parameters({"j": np.inf})
    with pytest.raises(ValueError, match=r"K\[E, E\] > 0"):
        load_model("brunel2000_C").change_parameters({"K": [[0, 250], [1000, 250]]})


def test_binary_file_as_yaml_names_the_file(tmp_path):
    path = tmp_path / "binary.yaml"
    path.write_bytes(b"\xff\xfe\x00garbage\x9c")
    with pytest.raises(ValueError, match="binary.yaml is not a UTF-8 text file"):
        Microcircuit(str(path))


@pytest.mark.parametrize("options, words", [
    ({"nu_0": [1.0, 2.0]}, ["nu_0", "8 values"]),
    ({"rtol": np.nan}, ["rtol", "finite"]),
    ({"eps_tol": -1.0}, ["eps_tol"]),
    ({"maxiter_newton": 2.5}, ["maxiter_newton"]),
    ({"nu_0": [-1.0] * 8}, ["nu_0", ">= 0"]),
])
def test_solver_options_are_checked(options, words):
    net = Microcircuit(nnmt_file(MICRO))
    with pytest.raises(ValueError) as info:
        neuromf.lif.exp.firing_rates(net, **options)
    for word in words:
        assert word in str(info.value)


@pytest.mark.parametrize("text, words", [
    ("", ["Basic needs", "populations"]),
    ("- 1\n- 2\n", ["must hold a mapping"]),
    ("tau_m: {val: 10, unit: ms\n", ["not valid YAML"]),
    ("populations: [E]\ntau_mm: {val: 10, unit: ms}\n", ["tau_mm", "did you mean 'tau_m'"]),
])
def test_empty_broken_and_misspelt_yaml_files(tmp_path, text, words):
    path = tmp_path / "model.yaml"
    path.write_text(text)
    with pytest.raises(ValueError) as info:
        load_model(path)
    for word in words:
        assert word in str(info.value)
    with pytest.raises(FileNotFoundError, match="nope.yaml"):
        Microcircuit(str(tmp_path / "nope.yaml"))
