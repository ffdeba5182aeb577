"""Tests of neuromf.lfp.network (model -> kernel specs, spectra, simulated signals) and of
the import guard of the optional extra."""

import importlib.util
import shutil
import subprocess
import sys
from types import SimpleNamespace

import numpy as np
import pytest

from neuromf.lfp import network as LN
from neuromf.lfp.kernelset import SpikeSignalKernels
from neuromf.lfp.spectra import kernel_fourier, signal_spectrum

HAVE = all(importlib.util.find_spec(m) is not None for m in ("LFPy", "neuron", "lfpykit"))


def _kernels():
    rng = np.random.default_rng(3)
    values = rng.normal(size=(2, 2, 3, 40))
    return SpikeSignalKernels("lfp", "V", 1e-4, ["I", "E"], ["E", "I"], values,
                              np.array([0.0, -1e-4, -2e-4]))


def test_microcircuit_kernel_model():
    pytest.importorskip("neuromf.models")
    from neuromf import models
    net = models.Microcircuit()
    pops, projs = LN.kernel_model(net, cells={"E": None, "I": None})
    names = [p.name for p in pops]
    assert names == [str(p) for p in net.network_params["populations"]]
    # layer centres (Hagen et al. 2016, Table 1): L23 between -81.6 and -587.1 um
    assert pops[0].depth == pytest.approx(-0.5 * (81.6e-6 + 587.1e-6))
    assert pops[6].depth == pytest.approx(-0.5 * (1170.0e-6 + 1491.7e-6))
    K = net.network_params["K"]
    assert len(projs) == int(np.sum(K > 0))
    p = next(q for q in projs if q.pre == "L4E" and q.post == "L23E")
    assert p.indegree == pytest.approx(K[0, 2])
    assert p.synapse.weight == pytest.approx(net.network_params["W"][0, 2])
    assert p.sections == ("apic", "dend")
    # truncated Gaussian delay with the network's mean 1.5 ms (truncation at 0 only
    # shifts the mean by sd*phi(2)/Phi(2) ~ 0.04 ms)
    assert 1.5e-3 < p.delay.mean() < 1.6e-3
    q = next(q for q in projs if q.pre == "L23I" and q.post == "L23E")
    assert q.sections == ("soma", "dend")


def test_spectrum_from_cross_spectra_reorders_populations():
    k = _kernels()
    omegas = np.array([10.0, 100.0, 300.0])
    C = np.tile(np.diag([2.0, 5.0]), (3, 1, 1)).astype(complex)  # order E, I
    N = np.array([100.0, 25.0])
    S = LN.spectrum_from_cross_spectra(k, C, N, omegas, ["E", "I"])
    summed = k.values.sum(axis=0)  # pre order I, E
    h_hat = kernel_fourier(summed[[1, 0]], k.dt, omegas)  # E, I
    expected = signal_spectrum(np.swapaxes(h_hat, 0, 1), C, N=N)
    np.testing.assert_allclose(S, expected, rtol=1e-12)


def test_simulated_signal_single_spike():
    k = _kernels()
    result = SimpleNamespace(populations=["E", "I"],
                             spikes=[(np.array([0]), np.array([0.10005])),
                                     (np.array([], int), np.array([]))],
                             t_start=0.1, t_stop=0.11)
    t, v = LN.simulated_signal(result, k)
    assert v.shape == (3, 100)
    np.testing.assert_allclose(t[:2], [0.1, 0.1001])
    np.testing.assert_allclose(v[:, :40], k.summed()[1], atol=1e-12)  # pre 'E' is index 1


def test_numpy_parts_import_without_extra():
    code = ("import sys; sys.modules['LFPy'] = None; sys.modules['neuron'] = None; "
            "sys.modules['lfpykit'] = None\n"
            "import neuromf.lfp as L\n"
            "L.gauss_cylinder_potential([0.0], [1e-4], 0.3, 1e-4, 1e-5)\n"
            "try:\n    L.compute_kernels([], [], [])\nexcept ImportError as e:\n"
            "    assert \"neuromf[lfp]\" in str(e), e\n    print('ok')\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=str(__import__("pathlib").Path(__file__).parents[2]))
    assert out.stdout.strip().endswith("ok"), out.stderr


@pytest.mark.slow
@pytest.mark.skipif(not HAVE or shutil.which("nrnivmodl") is None, reason="extra 'lfp'")
def test_cli_theory_microcircuit_cdm(tmp_path):
    from neuromf.lif import exp as lif
    if not hasattr(lif, "transfer_function"):
        pytest.skip("neuromf.lif.exp.transfer_function not available yet")
    from neuromf.lfp_report import run_lfp_cli
    files = run_lfp_cli("microcircuit", probe="cdm", source="theory", out_dir=tmp_path,
                        tau=30e-3)
    with np.load(files["spectrum"]) as f:
        assert np.all(np.isfinite(f["psd"])) and np.all(f["psd"] >= 0)
    k = SpikeSignalKernels.load(files["kernels"])
    assert k.values.shape[:2] == (8, 8)
    # NNMT's convention gives another spectrum (mean channel only, Poisson noise)
    nnmt = run_lfp_cli("microcircuit", probe="cdm", source="theory",
                       out_dir=tmp_path / "nnmt", tau=30e-3, nnmt_convention=True)
    with np.load(files["spectrum"]) as f, np.load(nnmt["spectrum"]) as g:
        assert not np.allclose(f["psd"], g["psd"], rtol=0.05, atol=0)
