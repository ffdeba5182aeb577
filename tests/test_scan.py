"""Parameter scans: labeled results, equality of execution modes, resume, Dask.

Reference for every grid point: the working point computed directly on a network
built with the same parameters (change_parameters), one point at a time.
"""

from __future__ import annotations

import numpy as np
import pytest

import neuromf
from neuromf import ureg
from neuromf.cli.scan import _parse_axis
from neuromf.scan import ScanResult, scan

AXES = {"g": np.array([4.0, 5.0]), "nu_ext": np.array([10.0, 20.0, 30.0])}


def _direct(nu_ext):
    net = neuromf.models.load_model("brunel2000_C").change_parameters({"nu_ext": nu_ext * ureg.Hz})
    return neuromf.lif.delta.firing_rates(net)


def test_scan_matches_pointwise_evaluation_and_is_labeled(tmp_path):
    out = tmp_path / "scan.h5"
    result = scan("brunel2000_C", {"nu_ext": AXES["nu_ext"]}, out=out, progress=False)
    assert result.data.shape == (3, 2)
    for i, nu_ext in enumerate(AXES["nu_ext"]):
        np.testing.assert_allclose(result.data[i], _direct(nu_ext), rtol=1e-12)
    loaded = ScanResult.load(out)
    assert loaded.axis_names == ["nu_ext"] and loaded.axis_units == ["1 / second"]
    np.testing.assert_array_equal(loaded.data, result.data)
    assert loaded.done.all() and loaded.populations == ["E", "I"]
    assert loaded.unit == "hertz"


def test_two_dimensional_grid_units_and_local_processes(tmp_path):
    axes = {"tau_m": np.array([15.0, 20.0]) * ureg.ms, "nu_ext": AXES["nu_ext"]}
    serial = scan("brunel2000_C", axes, progress=False)
    parallel = scan("brunel2000_C", axes, workers=2, progress=False)
    np.testing.assert_array_equal(serial.data, parallel.data)
    np.testing.assert_allclose(serial.axis_values[0], [0.015, 0.020])
    net = neuromf.models.load_model("brunel2000_C").change_parameters(
        {"tau_m": [0.015, 0.015], "nu_ext": 30.0})
    # tau_m is per population in this model: a scalar axis value applies to both
    np.testing.assert_allclose(serial.data[0, 2], neuromf.lif.delta.firing_rates(net),
                               rtol=1e-12)


def test_resume_skips_finished_points(tmp_path, monkeypatch):
    out = tmp_path / "resume.h5"
    full = scan("brunel2000_C", {"nu_ext": AXES["nu_ext"]}, progress=False)
    # simulate an interruption: only the first point was finished and saved
    partial = ScanResult.load(_save(full, out))
    partial.done[1:] = False
    partial.data[1:] = np.nan
    partial.save(out)
    calls = []
    original = neuromf.scan._evaluate_points

    def counting(network, names, points, *args):
        calls.extend(points)
        return original(network, names, points, *args)

    monkeypatch.setattr(neuromf.scan, "_evaluate_points", counting)
    resumed = scan("brunel2000_C", {"nu_ext": AXES["nu_ext"]}, out=out, progress=False)
    assert len(calls) == 2
    np.testing.assert_allclose(resumed.data, full.data, rtol=1e-12)


def _save(result, path):
    result.save(path)
    return path


@pytest.mark.slow
def test_dask_local_cluster_gives_the_same_result():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        with distributed.Client(cluster) as client:
            remote = scan("brunel2000_C", {"nu_ext": AXES["nu_ext"]}, scheduler=client,
                          progress=False)
            by_address = scan("brunel2000_C", {"nu_ext": AXES["nu_ext"][:2]},
                              scheduler=cluster.scheduler_address, progress=False)
    local = scan("brunel2000_C", {"nu_ext": AXES["nu_ext"]}, progress=False)
    np.testing.assert_array_equal(remote.data, local.data)
    np.testing.assert_array_equal(by_address.data, local.data[:2])


def test_bad_scan_input():
    with pytest.raises(ValueError, match="cannot scan 'J'"):   # derived in the microcircuit
        scan("potjans2014", {"J": [1.0]}, progress=False)
    with pytest.raises(ValueError, match="valid choices"):
        scan("brunel2000_C", {"nu_ext": [1.0]}, quantity="nope", progress=False)
    with pytest.raises(ValueError, match="workers must be a positive integer"):
        scan("brunel2000_C", {"nu_ext": [1.0]}, workers=0, progress=False)
    with pytest.raises(ValueError, match="STOP > START"):
        _parse_axis("g=5:3:1")
    name, values = _parse_axis("tau_m=5:15:5 ms")   # STOP included (issue 14)
    assert name == "tau_m" and values.units == ureg.ms and list(values.magnitude) == [5, 10, 15]


def test_scan_cli(tmp_path, capsys):
    from neuromf.cli import main

    out = tmp_path / "scan.h5"      # --out is the folder of scan.h5; STOP is included
    code = main(["scan", "brunel2000_C", "--param", "nu_ext=10:20:10", "--param", "g=4,5",
                 "--workers", "1", "--out", str(tmp_path)])
    assert code == 0
    assert "grid of nu_ext, g" in capsys.readouterr().out
    assert ScanResult.load(out).data.shape == (2, 2, 2)


def test_linear_response_and_stability_quantities():
    """Scan quantities beyond the working point equal the direct library calls."""
    from neuromf.stability_report import stability_analysis

    tau = scan("senk2020", {"tau_m": [5.0]}, quantity="tau_rate", progress=False)
    eig = scan("senk2020", {"tau_m": [5.0]}, quantity="most_unstable_eigenvalue",
               progress=False)
    net = neuromf.models.load_model("senk2020")
    direct = stability_analysis(net)
    assert eig.data[0] == pytest.approx(direct["eigenvalue"], rel=1e-12)
    np.testing.assert_allclose(tau.data[0], direct["tau_rate"], rtol=1e-12)
    peak = scan("potjans2014", {"g": [4.0]}, quantity="peak_frequency", progress=False)
    spectra = neuromf.scan._spectra(neuromf.models.Microcircuit(), "shift")
    freqs = neuromf.models.Microcircuit().analysis_params["omegas"] / (2 * np.pi)
    np.testing.assert_array_equal(peak.data[0], freqs[np.argmax(spectra, axis=0)])


def test_unstable_modes_quantity():
    """The scan's unstable-mode counts equal twice the number of eigenvalue crossings
    right of 1 (located from the eigenvalues, not from the phase of det(1 - M)) for the
    same parameters: 'unstable_modes' in the default convention of the stability verdict
    (mean and variance channel), 'unstable_modes_mean_channel' in NNMT's.  Brunel's
    state D (SI slow, oscillating at ~22 Hz in NEST, docs/simulation.md) is unstable only
    with the variance channel."""
    from neuromf import linear_response

    for quantity, variance in (("unstable_modes", True),
                               ("unstable_modes_mean_channel", False)):
        res = scan("brunel2000_A", {"g": [3.0, 6.0]}, quantity=quantity, progress=False)
        for g, count in zip([3.0, 6.0], res.data, strict=True):
            net = neuromf.models.load_model("brunel2000_A")
            net.change_parameters({"g": g * neuromf.ureg.dimensionless}, overwrite=True)
            neuromf.lif.delta.working_point(net)
            r = linear_response.unstable_modes(net, prefix="lif.delta.",
                                               variance_channel=variance)
            assert count == r["count"] == 2 * len(r["crossing_frequencies"])
    d = {q: scan("brunel2000_D", {"g": [4.5]}, quantity=q, progress=False).data[0]
         for q in ("unstable_modes", "unstable_modes_mean_channel")}
    assert d == {"unstable_modes": 2, "unstable_modes_mean_channel": 0}


def test_batched_working_points_equal_one_by_one():
    """The vectorized solver (all grid points in one Newton iteration) must find the same
    stable fixed points as the default solver applied to each network."""
    from neuromf.scan import batched_working_points

    net = neuromf.models.Microcircuit()
    networks = [net.change_parameters({"g": g, "nu_ext": nu})
                for g in (3.0, 4.5, 6.0, 8.0) for nu in (5.0, 8.0, 12.0, 20.0)]
    batched = batched_working_points(networks)
    for i, single in enumerate(networks):
        wp = neuromf.lif.exp.working_point(single)
        for key in ("firing_rates", "mean_input", "std_input"):
            np.testing.assert_allclose(batched[key][i], wp[key], rtol=1e-10, atol=1e-14)
