"""HDF5 / YAML I/O: lossless round trips, atomic writes, exact hashes."""

from __future__ import annotations

import os

import numpy as np
import pytest

from neuromf import input_output as io
from neuromf import ureg


def test_h5_round_trip_is_lossless(tmp_path):
    data = {
        "int": 3, "float": 0.1, "complex": 1 + 2j, "bool": True, "none": None,
        "str": "L23E", "strings": ["L23E", "L23I"], "tuple": (1, 2, 3), "empty": [],
        "ints": np.arange(5, dtype=np.int32), "cplx": np.array([1 + 1j, 2 - 1j]),
        "matrix": np.random.default_rng(1).normal(size=(3, 4)),
        "nested": {"deeper": {"x": np.float32(1.5)}, 7: "numeric key"},
        "mixed": [1, "a", None],
    }
    path = tmp_path / "d.h5"
    io.save_h5(path, data)
    back = io.load_h5(path)
    assert back["int"] == 3 and isinstance(back["int"], int)
    assert back["float"] == 0.1 and back["complex"] == 1 + 2j
    assert back["bool"] is True and back["none"] is None
    assert back["str"] == "L23E" and back["strings"] == ["L23E", "L23I"]
    assert back["tuple"] == (1, 2, 3) and back["empty"] == []
    assert back["ints"].dtype == np.int32
    np.testing.assert_array_equal(back["ints"], data["ints"])
    np.testing.assert_array_equal(back["cplx"], data["cplx"])
    np.testing.assert_array_equal(back["matrix"], data["matrix"])
    assert back["nested"]["deeper"]["x"] == np.float32(1.5)
    assert back["nested"][7] == "numeric key"
    assert back["mixed"] == [1, "a", None]


def test_failed_write_keeps_previous_file_and_leaves_no_temp(tmp_path):
    path = tmp_path / "keep.h5"
    io.save_h5(path, {"a": 1})
    with pytest.raises(TypeError):
        io.save_h5(path, {"a": 2, "bad": object()})
    assert io.load_h5(path) == {"a": 1}
    assert sorted(os.listdir(tmp_path)) == ["keep.h5"]


def test_quantity_dicts_round_trip_through_yaml_and_h5(tmp_path):
    q = {"tau_m": 10 * ureg.ms, "W": np.array([[1.0, -4.0]]) * ureg.pA, "label": "x",
         "K": np.array([[1, 2]]), "nested": {"f": 3 * ureg.kHz}}
    for suffix in (".yaml", ".h5"):
        path = tmp_path / f"q{suffix}"
        (io.save_quantity_dict_to_yaml if suffix == ".yaml" else io.save_quantity_dict_to_h5)(
            path, q)
        back = io.load_val_unit_dict(path)
        assert back["tau_m"] == 10 * ureg.ms
        np.testing.assert_array_equal(back["W"].to("pA").magnitude, [[1.0, -4.0]])
        assert back["label"] == "x"
        np.testing.assert_array_equal(back["K"], [[1, 2]])
        assert back["nested"]["f"].to("Hz").magnitude == pytest.approx(3000)


def test_val_unit_conversions():
    q = io.val_unit_to_quantities({"a": {"val": [1, 2], "unit": "mV"}, "b": {"val": 3},
                                   "c": [1, 2]})
    assert q["a"].units == ureg.mV and isinstance(q["a"].magnitude, np.ndarray)
    assert q["b"] == 3 and isinstance(q["c"], np.ndarray)
    back = io.quantities_to_val_unit({"a": q["a"], "l": [1 * ureg.ms, 2000 * ureg.us]})
    assert back["a"]["unit"] == "millivolt"
    assert back["l"] == {"val": [1.0, 2.0], "unit": "millisecond"}


def test_create_hash_is_exact_where_nnmt_collides(nnmt):
    a = np.arange(5000, dtype=float)
    b = a.copy()
    b[2500] += 1.0          # str(a) == str(b): numpy elides the middle of large arrays
    assert str(a) == str(b)
    assert nnmt.input_output.create_hash({"K": a}, ["K"]) == \
        nnmt.input_output.create_hash({"K": b}, ["K"])          # NNMT's collision
    assert io.create_hash({"K": a}, ["K"]) != io.create_hash({"K": b}, ["K"])
    assert io.create_hash({"K": a, "x": 1}, ["K"]) == io.create_hash({"K": a.copy()}, ["K"])


def test_missing_files_raise_clearly(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such parameter file"):
        io.load_val_unit_dict_from_yaml(tmp_path / "missing.yaml")
    with pytest.raises(FileNotFoundError, match="no such HDF5 file"):
        io.load_h5(tmp_path / "missing.h5")
    with pytest.raises(ValueError, match="unknown file type"):
        io.load_val_unit_dict(tmp_path / "x.txt")


def test_saved_network_with_results_loads_in_nnmt(tmp_path):
    """The HDF5 file of a network with computed results (and neuromf's dependency record,
    which holds empty lists for results that depend on no other result) is read by NNMT
    1.3 itself, run side by side, with the same rates."""
    import warnings

    nnmt = pytest.importorskip("nnmt")
    if not hasattr(np, "complex_"):
        np.complex_ = np.complex128           # NNMT 1.3 still uses the removed alias
    import neuromf

    net = neuromf.models.Microcircuit("bos2016")
    rates = neuromf.lif.exp.working_point(net)["firing_rates"]
    net.save(tmp_path / "net.h5")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = nnmt.models.Microcircuit(file=str(tmp_path / "net.h5"))
    np.testing.assert_allclose(theirs.results["lif.exp.firing_rates"], rates, rtol=1e-15)
    again = neuromf.models.Microcircuit(file=tmp_path / "net.h5")
    np.testing.assert_allclose(again.results["lif.exp.firing_rates"], rates, rtol=1e-15)
