"""Side by side with LFPykernels 0.2 (only to compare numbers; no code is shared).

Configuration: the README example of LFPykernels (E and I populations onto E,
conductance synapses linearised at -65 mV, effective leak, truncated-normal
multapses and delays, Gaussian-cylinder LFP and current dipole moment), with
neuromf's own ball-and-stick E cell given to both as a template + morphology, and
an Exp2SynI mechanism compiled from neuromf's NmfExp2SynI.mod for LFPykernels.
Both must agree within 1 % of the kernel's peak magnitude.
"""

import importlib.util
import shutil
import subprocess

import numpy as np
import pytest
import scipy.stats as st

HAVE = all(importlib.util.find_spec(m) is not None
           for m in ("lfpykernels", "LFPy", "neuron", "lfpykit"))
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not HAVE, reason="lfpykernels/LFPy/NEURON not installed"),
              pytest.mark.skipif(shutil.which("nrnivmodl") is None, reason="no nrnivmodl")]

TEMPLATE = """begintemplate NmfTestBallAndStickE
public init, soma, dend, apic, all
objref all
proc init() { all = new SectionList() }
create soma[1], dend[1], apic[1]
endtemplate NmfTestBallAndStickE
"""

DT, TAU, VREST = 2 ** -4, 50.0, -65.0  # ms, ms, mV (LFPykernels units)


def _load_exp2syni(tmp_path):
    import neuron
    if hasattr(neuron.h, "Exp2SynI"):
        return
    from importlib import resources
    src = (resources.files("neuromf.lfp") / "mod" / "NmfExp2SynI.mod").read_text()
    moddir = tmp_path / "mod"
    moddir.mkdir()
    (moddir / "Exp2SynI.mod").write_text(
        src.replace("POINT_PROCESS NmfExp2SynI", "POINT_PROCESS Exp2SynI"))
    subprocess.run(["nrnivmodl"], cwd=moddir, check=True, capture_output=True)
    neuron.load_mechanisms(str(moddir))


def _lfpykernels_kernels(tmp_path, X):
    from lfpykernels import GaussCylinderPotential, KernelApprox, KernelApproxCurrentDipoleMoment

    from neuromf.lfp.kernels import ball_and_stick_hoc

    (tmp_path / "template.hoc").write_text(TEMPLATE)
    (tmp_path / "morph_E.hoc").write_text(ball_and_stick_hoc("E", for_template=True))

    def set_passive(cell, Vrest):
        for sec in cell.template.all:
            sec.insert("pas")
            sec.g_pas = 0.0003
            sec.e_pas = Vrest

    cellParameters = dict(templatefile=str(tmp_path / "template.hoc"),
                          templatename="NmfTestBallAndStickE", templateargs=None,
                          morphology=str(tmp_path / "morph_E.hoc"),
                          custom_fun=[set_passive], custom_fun_args=[{"Vrest": VREST}],
                          v_init=VREST, cm=1.0, Ra=150.0, delete_sections=False)
    kernel = KernelApprox(
        X=["E", "I"], Y="E", N_X=np.array([8192, 1024]), N_Y=8192,
        C_YX=np.array([0.05, 0.05]),
        cellParameters=cellParameters,
        populationParameters=dict(radius=150.0, loc=0.0, scale=75.0),
        multapseFunction=st.truncnorm,
        multapseParameters=[dict(a=(1 - 2.) / .6, b=(10 - 2.) / .6, loc=2.0, scale=0.6),
                            dict(a=(1 - 5.) / 1.1, b=(10 - 5.) / 1.1, loc=5.0, scale=1.1)],
        delayFunction=st.truncnorm,
        delayParameters=[dict(a=-2.2, b=np.inf, loc=1.3, scale=0.5),
                         dict(a=-1.5, b=np.inf, loc=1.2, scale=0.6)],
        synapseParameters=[dict(weight=0.00012, syntype="Exp2Syn", tau1=0.2, tau2=1.8, e=0.0),
                           dict(weight=0.002, syntype="Exp2Syn", tau1=0.1, tau2=9.0,
                                e=-80.0)],
        synapsePositionArguments=[
            dict(section=["apic", "dend"], fun=[st.norm],
                 funargs=[dict(loc=50.0, scale=100.0)], funweights=[1.0]),
            dict(section=["soma", "apic", "dend"], fun=[st.norm],
                 funargs=[dict(loc=-100.0, scale=100.0)], funweights=[1.0])],
        extSynapseParameters=dict(syntype="Exp2Syn", weight=0.0002, tau1=0.2, tau2=1.8,
                                  e=0.0),
        nu_ext=40.0, n_ext=450, nu_X=dict(E=2.5, I=5.0))
    probes = [GaussCylinderPotential(cell=None, z=np.linspace(1000., -200., 13), sigma=0.3,
                                     R=150.0, sigma_z=75.0),
              KernelApproxCurrentDipoleMoment(cell=None)]
    H = kernel.get_kernel(probes=probes, Vrest=VREST, dt=DT, X=X, t_X=100.0, tau=TAU,
                          g_eff=True)
    n0 = int(TAU / DT)  # lag 0 in the symmetric output
    return (H["GaussCylinderPotential"][:, n0:] * 1e-3,          # mV -> V
            H["KernelApproxCurrentDipoleMoment"][2:3, n0:] * 1e-15)  # nA um -> A m


def _neuromf_kernels():
    from neuromf.lfp import kernels as K
    from neuromf.lfp import probes as P

    um, ms, mV = 1e-6, 1e-3, 1e-3
    cell = K.ball_and_stick("E")  # cm 1 uF/cm2, Ra 150 Ohm cm, g_leak 3e-4 S/cm2
    pops = [K.Population("E", 8192, 150 * um, 0.0, 75 * um, cell),
            K.Population("I", 1024, 150 * um, 0.0, 75 * um)]
    projs = [
        K.Projection("E", "E", K.Synapse(0.00012e-6, 1.8 * ms, 0.2 * ms, 0.0),
                     connection_probability=0.05,
                     multapse=st.truncnorm(a=(1 - 2.) / .6, b=(10 - 2.) / .6, loc=2.0,
                                           scale=0.6),
                     delay=st.truncnorm(a=-2.2, b=np.inf, loc=1.3 * ms, scale=0.5 * ms),
                     sections=["apic", "dend"], depth_profile=st.norm(50 * um, 100 * um)),
        K.Projection("I", "E", K.Synapse(0.002e-6, 9.0 * ms, 0.1 * ms, -80 * mV),
                     connection_probability=0.05,
                     multapse=st.truncnorm(a=(1 - 5.) / 1.1, b=(10 - 5.) / 1.1, loc=5.0,
                                           scale=1.1),
                     delay=st.truncnorm(a=-1.5, b=np.inf, loc=1.2 * ms, scale=0.6 * ms),
                     sections=["soma", "apic", "dend"],
                     depth_profile=st.norm(-100 * um, 100 * um)),
    ]
    ext = [K.ExternalInput("E", n_synapses=450, rate=40.0,
                           synapse=K.Synapse(0.0002e-6, 1.8 * ms, 0.2 * ms, 0.0))]
    probes = [P.GaussCylinderProbe(np.linspace(1000., -200., 13) * um, 0.3, 150 * um,
                                   75 * um),
              P.DipoleProbe()]
    return K.compute_kernels(pops, projs, probes, dt=DT * ms, tau=TAU * ms,
                             V_rest=VREST * mV, rates=dict(E=2.5, I=5.0), g_eff=True,
                             external=ext)


def test_kernels_agree_with_lfpykernels(tmp_path):
    from neuromf.lfp.kernels import load_mechanisms
    load_mechanisms()
    _load_exp2syni(tmp_path)
    ours = _neuromf_kernels()
    for x, X in enumerate(["E", "I"]):
        lfp_ref, cdm_ref = _lfpykernels_kernels(tmp_path, X)
        lfp = ours["lfp"].values[0, x]
        cdm = ours["cdm"].values[0, x]
        assert lfp.shape == lfp_ref.shape and cdm.shape == cdm_ref.shape
        assert np.max(np.abs(lfp - lfp_ref)) < 0.01 * np.max(np.abs(lfp_ref)), X
        assert np.max(np.abs(cdm - cdm_ref)) < 0.01 * np.max(np.abs(cdm_ref)), X
