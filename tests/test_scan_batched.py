"""Batched linear response (neuromf.batch) against the network-level functions.

Reference for every grid point: the network-level functions of neuromf.lif,
neuromf.network_properties and neuromf.linear_response called on one network at a
time (an independent code path: per-network parameter lookup, caching, one transfer
function call per channel, one adaptive Nyquist grid per network).  Agreement to
1e-10 relative (both interpolate the parabolic-cylinder ratios in frequency to
~1e-12) and identical unstable-mode counts.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import neuromf
from neuromf import batch as batch_module
from neuromf import linear_response, network_properties
from neuromf.batch import Batch
from neuromf.lif import delta, exp
from neuromf.scan import BATCHED, QUANTITIES, ScanResult, scan

RTOL = 1e-10


def _brunel_grid():
    """Through Brunel 2000's states: SR (g = 3), AI, SI fast (g = 6, eta = 4), SI slow."""
    base = neuromf.models.load_model("brunel2000_C")
    return [base.change_parameters({"g": g, "nu_ext": eta * 10.0})
            for g in (3.0, 4.5, 6.0) for eta in (0.9, 2.0, 4.0)]


@pytest.fixture(scope="module")
def brunel():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nets = _brunel_grid()
        batch = Batch(nets)
        batch.power_spectra(variance_channel=True)
        nyquist = batch.unstable_modes(variance_channel=True)
        refs = []
        for net in nets:
            delta.working_point(net)
            H = delta.transfer_function(net)
            H_var = delta.transfer_function_variance(net)
            D = network_properties.delay_dist_matrix(net)
            M = linear_response.effective_connectivity(net, prefix="lif.delta.",
                                                       variance_channel=True)
            P = linear_response.power_spectra(net, prefix="lif.delta.")
            modes = linear_response.unstable_modes(net, prefix="lif.delta.",
                                                   variance_channel=True)
            refs.append(dict(H=H, H_var=H_var, D=D, M=M, P=P, modes=modes,
                             cvs=delta.cvs(net), wp=dict(net.results)))
    return batch, nyquist, refs


def test_delta_working_point_transfer_functions_and_spectra(brunel):
    batch, _, refs = brunel
    wp = batch.working_point()
    H, H_var = batch.transfer_functions(variance=True)
    M = batch.effective_connectivity(variance_channel=True)
    P = batch.power_spectra(variance_channel=True)
    D = batch.delay_matrix()
    for g, ref in enumerate(refs):
        for key in ("firing_rates", "mean_input", "std_input"):
            np.testing.assert_allclose(wp[key][g], ref["wp"]["lif.delta." + key], rtol=RTOL)
        np.testing.assert_allclose(H[g], ref["H"], rtol=RTOL)
        np.testing.assert_allclose(H_var[g], ref["H_var"], rtol=RTOL)
        np.testing.assert_allclose(D, ref["D"], rtol=1e-14)
        np.testing.assert_allclose(M[g], ref["M"], rtol=RTOL, atol=1e-14 * np.abs(M[g]).max())
        np.testing.assert_allclose(P[g], ref["P"], rtol=RTOL)
        np.testing.assert_allclose(batch.cvs()[g], ref["cvs"], rtol=RTOL)
        # M has rank 1 here (identical rows): its zero eigenvalue is rounding noise
        lam = np.sort_complex(batch.eigenvalues(True)[g])
        np.testing.assert_allclose(lam, np.sort_complex(np.linalg.eigvals(ref["M"])),
                                   rtol=RTOL, atol=1e-12 * np.abs(ref["M"]).max())
    freq, power = batch.peaks(True)
    assert np.array_equal(freq, np.stack([batch.freqs[np.argmax(r["P"], axis=0)]
                                          for r in refs]))
    np.testing.assert_allclose(power, [r["P"].max(axis=0) for r in refs], rtol=RTOL)


def test_delta_nyquist_counts_identical(brunel):
    _, nyquist, refs = brunel
    counts = [r["modes"]["count"] for r in refs]
    assert list(nyquist["count"]) == counts
    assert len(set(counts)) > 2          # the grid covers stable and unstable states
    # the batch samples the same fine grid adaptively (the fine grid only where the
    # phase of det(1 - M) moves fast or an eigenvalue nears (1, inf)): fewer frequencies
    ref_n = np.array([r["modes"]["n_frequencies"] for r in refs])
    assert np.all(nyquist["n_frequencies"] <= ref_n)
    assert nyquist["n_frequencies"].sum() < 0.5 * ref_n.sum()
    assert list(nyquist["f_max"]) == [r["modes"]["f_max"] for r in refs]
    assert list(nyquist["closed"]) == [r["modes"]["closed"] for r in refs]
    for found, ref in zip(nyquist["crossing_frequencies"], refs, strict=True):
        np.testing.assert_allclose(found, ref["modes"]["crossing_frequencies"], rtol=RTOL)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        counts_only = Batch(_brunel_grid()).unstable_modes(True, crossings=False)
    assert list(counts_only["count"]) == counts and "crossing_frequencies" not in counts_only


@pytest.fixture(scope="module")
def microcircuit():
    base = neuromf.models.Microcircuit()
    nets = [base.change_parameters({"g": g, "nu_ext": nu}) for g in (4.0, 5.0)
            for nu in (6.0, 8.0)]
    return nets


@pytest.mark.parametrize("method", ["shift", "taylor"])
def test_exp_transfer_functions_and_spectra(microcircuit, method):
    nets = [net.copy() for net in microcircuit[:2]]
    batch = Batch(nets, method=method)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        H, H_var = batch.transfer_functions(variance=True)
        P = batch.power_spectra()
        for g, net in enumerate(nets):
            exp.working_point(net, method=method)
            np.testing.assert_allclose(batch.working_point()["firing_rates"][g],
                                       net.results["lif.exp.firing_rates"], rtol=RTOL)
            np.testing.assert_allclose(H[g], exp.transfer_function(net, method=method),
                                       rtol=RTOL)
            np.testing.assert_allclose(H_var[g], exp.transfer_function_variance(net),
                                       rtol=RTOL)
            network_properties.delay_dist_matrix(net)
            linear_response.effective_connectivity(net)
            np.testing.assert_allclose(P[g], linear_response.power_spectra(net), rtol=RTOL)
            np.testing.assert_allclose(batch.cvs()[g], exp.cvs(net), rtol=RTOL)
            if method == "shift":
                np.testing.assert_allclose(batch.spike_train_spectra()[g],
                                           exp.spike_train_power_spectra(net), rtol=RTOL)
                np.testing.assert_allclose(batch.power_spectra(renewal=True)[g],
                                           linear_response.power_spectra(net, renewal=True),
                                           rtol=RTOL)


def test_exp_nyquist_counts_identical(microcircuit):
    nets = [net.copy() for net in microcircuit]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = Batch(nets).unstable_modes(variance_channel=True)
        for g, net in enumerate(nets):
            exp.working_point(net)
            ref = linear_response.unstable_modes(net, variance_channel=True)
            assert result["count"][g] == ref["count"]
            assert result["n_frequencies"][g] <= ref["n_frequencies"]
            assert result["f_max"][g] == ref["f_max"]
            np.testing.assert_allclose(result["crossing_frequencies"][g],
                                       ref["crossing_frequencies"] or [], rtol=RTOL)


@pytest.mark.parametrize("model, axes, quantity", [
    ("brunel2000_C", {"g": [3.0, 5.0], "nu_ext": [9.0, 40.0]}, "instability_with_variance"),
    ("brunel2000_C", {"g": [3.0, 5.0], "nu_ext": [9.0, 40.0]}, "peak_frequency"),
    ("brunel2000_C", {"g": [3.0, 5.0], "nu_ext": [9.0, 40.0]}, "power_spectra"),
    ("brunel2000_C", {"g": [3.0, 5.0], "nu_ext": [9.0, 40.0]}, "cvs"),
    ("brunel2000_C", {"g": [3.0, 5.0], "nu_ext": [9.0, 40.0]}, "transfer_function"),
    ("senk2020", {"tau_m": [5.0, 6.0]}, "tau_rate"),
])
def test_scan_batched_equals_point_by_point(model, axes, quantity, monkeypatch):
    calls = []

    class Counting(batch_module.Batch):          # scan imports Batch at call time
        def __init__(self, networks, *args, **kwargs):
            calls.append(len(networks))
            super().__init__(networks, *args, **kwargs)

    monkeypatch.setattr(batch_module, "Batch", Counting)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        batched = scan(model, axes, quantity=quantity, batch_size=4, progress=False)
        assert calls and max(calls) > 1          # the batched path ran
        monkeypatch.delitem(BATCHED, quantity)
        pointwise = scan(model, axes, quantity=quantity, progress=False)
    np.testing.assert_allclose(batched.data, pointwise.data, rtol=RTOL, equal_nan=True)
    assert batched.unit == QUANTITIES[quantity][1]


def test_resume_of_a_batched_quantity(tmp_path, monkeypatch):
    """An interrupted scan (the second batch fails) resumes from the file: the finished
    batch is not recomputed and the result equals an uninterrupted scan."""
    out = tmp_path / "resume.h5"
    axes = {"g": np.array([3.0, 4.5, 6.0]), "nu_ext": np.array([9.0, 20.0])}
    quantity = "unstable_modes_with_variance"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        full = scan("brunel2000_C", axes, quantity=quantity, progress=False)
        original = neuromf.scan._evaluate_points
        calls = []

        def interrupted(network, names, points, *args):
            calls.append(len(points))
            if len(calls) == 2:
                raise KeyboardInterrupt
            return original(network, names, points, *args)

        monkeypatch.setattr(neuromf.scan, "_evaluate_points", interrupted)
        with pytest.raises(KeyboardInterrupt):
            scan("brunel2000_C", axes, quantity=quantity, out=out, batch_size=3,
                 progress=False)
        saved = ScanResult.load(out)
        assert saved.done.sum() == 3 and np.all(np.isnan(saved.data[~saved.done]))
        calls.clear()
        resumed = scan("brunel2000_C", axes, quantity=quantity, out=out, batch_size=3,
                       progress=False)
    assert calls == [3]
    np.testing.assert_array_equal(resumed.data, full.data)
    np.testing.assert_array_equal(ScanResult.load(out).data, full.data)


@pytest.mark.parametrize("quantity, in_memory", [
    ("instability_with_variance", False), ("power_spectra", False),
    ("peak_frequency", True), ("cvs", True)])
def test_resume_after_k_batches(tmp_path, monkeypatch, quantity, in_memory):
    """Interrupted after k = 2 of 4 batches (streamed to the file), the scan resumes with
    the 2 missing batches only and equals an uninterrupted scan bit for bit (the batches
    of the resumed run are those of the interrupted one)."""
    out = tmp_path / f"{quantity}.h5"
    axes = {"g": np.array([3.0, 4.5, 6.0, 7.0]), "nu_ext": np.array([12.0, 30.0])}
    original = neuromf.scan._evaluate_points
    calls = []

    def interrupted(network, names, points, *args):
        calls.append(tuple(points))
        if len(calls) == 3:
            raise KeyboardInterrupt
        return original(network, names, points, *args)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        full = scan("brunel2000_C", axes, quantity=quantity, batch_size=2, progress=False)
        monkeypatch.setattr(neuromf.scan, "_evaluate_points", interrupted)
        with pytest.raises(KeyboardInterrupt):
            scan("brunel2000_C", axes, quantity=quantity, out=out, batch_size=2,
                 in_memory=in_memory, progress=False)
        saved = ScanResult.load(out)
        assert saved.done.sum() == 4
        done_points = set(calls[:2])
        calls.clear()
        resumed = scan("brunel2000_C", axes, quantity=quantity, out=out, batch_size=2,
                       in_memory=in_memory, progress=False)
    assert len(calls) == 2 and not done_points & set(calls)
    np.testing.assert_array_equal(np.asarray(resumed.data), full.data)
    np.testing.assert_array_equal(ScanResult.load(out).data, full.data)


def test_dask_threads_cluster_batched_quantity():
    distributed = pytest.importorskip("distributed")
    axes = {"g": np.array([3.0, 6.0]), "nu_ext": np.array([9.0, 40.0])}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        local = scan("brunel2000_C", axes, quantity="instability_with_variance",
                     progress=False)
        with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                      dashboard_address=None) as cluster:
            with distributed.Client(cluster) as client:
                remote = scan("brunel2000_C", axes, quantity="instability_with_variance",
                              scheduler=client, batch_size=2, progress=False)
    # batches of other composition split the frequency interpolation differently:
    # equal to rounding, counts identical
    np.testing.assert_allclose(remote.data, local.data, rtol=1e-12)
    np.testing.assert_array_equal(remote.data[..., 0], local.data[..., 0])


@pytest.mark.slow
def test_memory_bounded_for_a_grid_larger_than_one_array(tmp_path):
    """Peak memory (tracemalloc) of a streamed scan does not grow with the grid: a grid
    10x larger gives the same peak, although the effective connectivity of that grid
    alone (G x 20000 frequencies x 2 x 2 complex) is several times that peak."""
    import tracemalloc

    base = neuromf.models.load_model("brunel2000_C").change_parameters(
        changed_analysis_params={"f_min": 1.0 * neuromf.ureg.Hz,
                                 "f_max": 2000.0 * neuromf.ureg.Hz,
                                 "df": 0.1 * neuromf.ureg.Hz})
    n_freq = base.analysis_params["omegas"].size

    def peak(n_g):
        axes = {"g": np.linspace(4.0, 6.0, n_g), "nu_ext": np.linspace(15.0, 30.0, 8)}
        tracemalloc.start()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = scan(base, axes, quantity="power_spectra", batch_size=2,
                       out=tmp_path / f"m{n_g}.h5", in_memory=False, progress=False)
        top = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert res.done.all() and np.all(np.isfinite(res.data[-1]))
        return top, res

    small, _ = peak(1)
    large, res = peak(10)
    full_M = 80 * n_freq * 4 * 16
    assert large < 1.3 * small
    assert full_M > 5 * large
    assert isinstance(res.data, np.memmap) and res.data.shape == (10, 8, n_freq, 2)


def test_grid_constants_are_those_of_unstable_modes():
    from neuromf.batch import stability

    assert stability._MAX_PHASE_STEP == linear_response._MAX_PHASE_STEP
    assert stability._MAX_N_CROSSINGS == linear_response._MAX_N_CROSSINGS


def test_bad_batch_input():
    base = neuromf.models.load_model("brunel2000_C")
    with pytest.raises(ValueError, match="one synapse type"):
        Batch([base, neuromf.models.Microcircuit()])
    with pytest.raises(ValueError, match="at least one"):
        Batch([])
    with pytest.raises(ValueError, match="needs out="):
        scan("brunel2000_C", {"g": [4.0]}, in_memory=False, progress=False)


@pytest.mark.slow
def test_local_dask_cluster_settings_and_result():
    """The cluster of neuromf.scan.local_dask_cluster: workers without Dask's
    MALLOC_TRIM_THRESHOLD_ and without the statistical profiler, same scan result."""
    distributed = pytest.importorskip("distributed")
    import os

    from neuromf.scan import local_dask_cluster

    axes = {"g": np.array([3.0, 6.0]), "nu_ext": np.array([9.0, 40.0])}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        local = scan("brunel2000_C", axes, quantity="instability_with_variance",
                     batch_size=2, progress=False)
        with local_dask_cluster(1) as cluster, distributed.Client(cluster) as client:
            env = client.run(lambda: os.environ.get("MALLOC_TRIM_THRESHOLD_"))
            enabled = client.run(lambda: __import__("dask").config.get(
                "distributed.worker.profile.enabled"))
            remote = scan("brunel2000_C", axes, quantity="instability_with_variance",
                          scheduler=client, batch_size=2, progress=False)
    assert set(env.values()) == {None}
    assert set(enabled.values()) == {False}
    np.testing.assert_array_equal(remote.data, local.data)
