"""Tests of the LFPy/NEURON kernel computation in neuromf.lfp.kernels.

Expected properties follow from the linearity and geometry of the method (Hagen et al.
2022): causality after the smallest delay, linearity in weight and out-degree,
translation with population depth, invariance of the dipole moment of a
current-conserving cell under translation; error messages for bad input.
"""

import importlib.util
import shutil

import numpy as np
import pytest
import scipy.stats as st

from neuromf.lfp import kernels as K
from neuromf.lfp import probes as P

HAVE = all(importlib.util.find_spec(m) is not None for m in ("LFPy", "neuron", "lfpykit"))
needs_neuron = pytest.mark.skipif(not HAVE or shutil.which("nrnivmodl") is None,
                                  reason="LFPy/NEURON/nrnivmodl not installed (extra 'lfp')")

DT, TAU = 2 ** -4 * 1e-3, 20e-3
UM = 1e-6


@pytest.fixture(scope="module")
def cell_E(tmp_path_factory):
    return K.ball_and_stick("E", directory=tmp_path_factory.mktemp("morph"))


def _kernels(cell, depth=0.0, weight=1e-10, p=0.1, delay=1e-3, sections=("apic",),
             probe_z=None, indegree=None, tau_rise=None):
    pops = [K.Population("E", 1000, 150 * UM, depth, 50 * UM, cell),
            K.Population("I", 250)]
    conn = dict(connection_probability=p) if indegree is None else dict(indegree=indegree)
    projs = [K.Projection("I", "E", K.Synapse(weight, 3e-3, tau_rise), delay=delay,
                          sections=sections, multapse=2.0, **conn)]
    z = np.linspace(900, -300, 7) * UM if probe_z is None else probe_z
    return K.compute_kernels(pops, projs, [P.GaussCylinderProbe(z, 0.3, 150 * UM, 50 * UM),
                                           P.DipoleProbe()], dt=DT, tau=TAU)


@pytest.mark.parametrize("delay", [1e-3, 1.03e-3,
                                   st.truncnorm(a=-1.5, b=np.inf, loc=1.2e-3, scale=0.4e-3)])
@needs_neuron
def test_kernels_are_causal(cell_E, delay):
    H = _kernels(cell_E, delay=delay)
    d_min = delay if np.isscalar(delay) else 1.2e-3 - 1.5 * 0.4e-3
    for name in ("lfp", "cdm"):
        h = H[name].values[0, 0]
        lags = H[name].lags
        assert np.all(h[:, lags <= d_min] == 0), name
        assert np.all(np.abs(h[:, lags > d_min + 2 * DT]).max(axis=1) > 0), name


@needs_neuron
def test_kernels_linear_in_weight_and_outdegree(cell_E):
    base = _kernels(cell_E)
    double_w = _kernels(cell_E, weight=2e-10)
    double_p = _kernels(cell_E, p=0.2)
    # in-degree K_in = C N_X m (= 0.1 * 250 * 2) gives the same projection
    via_k = _kernels(cell_E, indegree=0.1 * 250 * 2.0)
    for name in ("lfp", "cdm"):
        h = base[name].values
        scale = np.abs(h).max()
        assert scale > 0
        np.testing.assert_allclose(double_w[name].values, 2 * h, rtol=0, atol=1e-9 * scale)
        np.testing.assert_allclose(double_p[name].values, 2 * h, rtol=0, atol=1e-9 * scale)
        np.testing.assert_allclose(via_k[name].values, h, rtol=0, atol=1e-12 * scale)


@needs_neuron
def test_kernels_shift_with_population_depth(cell_E):
    z = np.linspace(900, -300, 7) * UM
    shift = 150 * UM
    a = _kernels(cell_E, depth=0.0, probe_z=z, tau_rise=0.5e-3)
    b = _kernels(cell_E, depth=shift, probe_z=z + shift, tau_rise=0.5e-3)
    scale = np.abs(a["lfp"].values).max()
    np.testing.assert_allclose(b["lfp"].values, a["lfp"].values, rtol=0, atol=1e-6 * scale)
    # the dipole moment of a current-conserving cell does not depend on its position
    scale = np.abs(a["cdm"].values).max()
    np.testing.assert_allclose(b["cdm"].values, a["cdm"].values, rtol=0, atol=1e-6 * scale)


@needs_neuron
def test_uniform_input_on_uniform_membrane_gives_no_signal(cell_E):
    # current injected uniformly per membrane area of a uniform passive cell keeps it
    # isopotential: no axial currents, no net transmembrane current, no signal
    H = _kernels(cell_E, sections=("soma", "dend", "apic"))
    ref = _kernels(cell_E)
    assert np.abs(H["cdm"].values).max() < 1e-9 * np.abs(ref["cdm"].values).max()


@needs_neuron
def test_g_eff_with_zero_rates_changes_nothing(cell_E):
    pops = [K.Population("E", 1000, 150 * UM, 0.0, 50 * UM, cell_E), K.Population("I", 250)]
    proj = [K.Projection("I", "E", K.Synapse(1e-9, 5e-3, 0.2e-3, E_rev=-80e-3),
                         connection_probability=0.1, sections=["apic"])]
    probe = [P.DipoleProbe()]
    a = K.compute_kernels(pops, proj, probe, dt=DT, tau=TAU, V_rest=-65e-3)
    b = K.compute_kernels(pops, proj, probe, dt=DT, tau=TAU, V_rest=-65e-3, g_eff=True,
                          rates=dict(I=0.0))
    c = K.compute_kernels(pops, proj, probe, dt=DT, tau=TAU, V_rest=-65e-3, g_eff=True,
                          rates=dict(I=50.0),
                          external=[K.ExternalInput("E", 2000, 20.0)])
    np.testing.assert_allclose(b["cdm"].values, a["cdm"].values, rtol=1e-12, atol=0)
    # the linearised inhibitory current at -65 mV with E_rev = -80 mV is outward:
    # opposite sign to an excitatory current on the same sections
    assert np.sign(a["cdm"].values.sum()) == np.sign(_kernels(cell_E, weight=-1e-10)
                                                     ["cdm"].values.sum())
    # more leak -> faster decay of the response
    ha, hc = a["cdm"].values[0, 0, 0], c["cdm"].values[0, 0, 0]
    assert abs(hc[-1]) / np.abs(hc).max() < abs(ha[-1]) / np.abs(ha).max()


@needs_neuron
def test_swc_morphology(tmp_path):
    # soma (type 1) and an apical stick (type 4) going up, basal stick (type 3) down
    swc = ("1 1 0 0 0 10 -1\n2 4 0 0 10 1.5 1\n3 4 0 0 400 1.5 2\n"
           "4 3 0 0 -10 1 1\n5 3 0 0 -150 1 4\n")
    path = tmp_path / "cell.swc"
    path.write_text(swc)
    H = _kernels(K.CellModel(path), sections=("apic",))
    assert np.abs(H["cdm"].values).max() > 0


def test_bad_input(tmp_path, cell_E):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        K.CellModel(tmp_path / "missing.hoc")
    (tmp_path / "cell.txt").write_text("x")
    with pytest.raises(ValueError, match="format"):
        K.CellModel(tmp_path / "cell.txt")
    with pytest.raises(ValueError, match="radius"):
        K.Population("E", 100, radius=-1e-4)
    with pytest.raises(ValueError, match="tau_rise"):
        K.Synapse(1e-10, 1e-3, tau_rise=2e-3)
    with pytest.raises(ValueError, match="P\\(d < 0\\)"):
        K.Projection("I", "E", K.Synapse(1e-10, 1e-3), connection_probability=0.1,
                     delay=st.norm(1e-3, 1e-3))
    with pytest.raises(ValueError, match="exactly one"):
        K.Projection("I", "E", K.Synapse(1e-10, 1e-3))
    with pytest.raises(ValueError, match="kind"):
        K.ball_and_stick_hoc("X")


@needs_neuron
def test_unknown_section_and_population(cell_E):
    pops = [K.Population("E", 100, cell=cell_E), K.Population("I", 100)]
    bad = [K.Projection("I", "E", K.Synapse(1e-10, 1e-3), connection_probability=0.1,
                        sections=["axon"])]
    with pytest.raises(ValueError, match="unknown section.*axon"):
        K.compute_kernels(pops, bad, [P.DipoleProbe()], dt=DT, tau=TAU)
    bad = [K.Projection("X", "E", K.Synapse(1e-10, 1e-3), connection_probability=0.1)]
    with pytest.raises(ValueError, match="unknown pre population 'X'"):
        K.compute_kernels(pops, bad, [P.DipoleProbe()], dt=DT, tau=TAU)
    bad = [K.Projection("E", "I", K.Synapse(1e-10, 1e-3), connection_probability=0.1)]
    with pytest.raises(ValueError, match="no cell"):
        K.compute_kernels(pops, bad, [P.DipoleProbe()], dt=DT, tau=TAU)


def test_delay_weights():
    dt = 1e-4
    # fixed delay between grid points: linear-interpolation split, mean kept
    w = K.delay_weights(1.03e-3, dt)
    np.testing.assert_allclose(w[10:], [0.7, 0.3], rtol=1e-12)
    assert np.all(w[:10] == 0)
    # a distribution: weights sum to 1 and reproduce its mean (linear interpolation
    # keeps the first moment exactly); compare with scipy's mean
    dist = st.truncnorm(a=-2.2, b=np.inf, loc=1.3e-3, scale=0.5e-3)
    w = K.delay_weights(dist, dt)
    assert abs(w.sum() - 1) < 1e-12
    assert abs((w * dt * np.arange(w.size)).sum() - dist.mean()) < 1e-3 * dt
    assert np.all(w[:int((1.3e-3 - 2.2 * 0.5e-3) / dt)] == 0)


def test_multapse_mean():
    # continuous distribution: probability of k synapses proportional to pdf(k)
    dist = st.truncnorm(a=(1 - 2.) / .6, b=(10 - 2.) / .6, loc=2.0, scale=0.6)
    k = np.arange(1, 11)
    pk = np.exp(-0.5 * ((k - 2.0) / 0.6) ** 2)  # the truncation only rescales
    assert abs(K.multapse_mean(dist) - (k * pk).sum() / pk.sum()) < 1e-12
    assert K.multapse_mean(st.poisson(3.0)) == pytest.approx(3.0)
    assert K.multapse_mean(2.5) == 2.5
    with pytest.raises(ValueError, match="multapse"):
        K.multapse_mean(-1.0)
