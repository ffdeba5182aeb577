"""Spike-signal kernels from linearised multicompartment neurons (LFPy + NEURON).

Method of Hagen et al. 2022 (PLOS Comput Biol 18: e1010353), Sec. "Methods:
Kernel approximation", in neuromf's own formulation:

* Each postsynaptic population Y is represented by one passive multicompartment
  neuron placed at the population's mean depth.  Conductance-based synapses are
  linearised around an assumed mean potential ``V_rest``: the synaptic current
  ``g(t) (V - E)`` becomes the current ``g(t) (E - V_rest)`` (inward for E > V_rest),
  and the mean conductance of persistent synaptic input (from all presynaptic
  populations at their rates and from external input) is added to the leak
  (Hagen et al. 2022, Eqs. 10-12, "g_eff").  Current-based synapses (LIF network
  models) are used as they are.
* A spike of one neuron of X activates on average ``K_out = C_YX N_Y m_YX``
  synapses on neurons of Y (``m_YX`` the mean number of synapses per connection,
  multapses), distributed over the compartments with probability proportional to
  membrane area times the synaptic depth profile; the profile is widened by the
  spread of soma depths of Y (Hagen et al. 2022, Eqs. 13-15).  Each compartment gets
  one synapse whose weight is the expected number of synapses there times the
  synaptic weight.
* The response of the linear neuron to one synchronous activation at t = 0 is
  mapped to the signals by the probes (Gaussian-cylinder LFP, current dipole
  moment, four-sphere EEG; :mod:`neuromf.lfp.probes`) and convolved with the
  distribution of transmission delays (applied here once; see
  :mod:`neuromf.lfp.spectra` on the Fourier side).

The current-based synapse mechanisms ``NmfExpSynI`` and ``NmfExp2SynI`` ship as
``.mod`` files with the package and are compiled with ``nrnivmodl`` on first use
into ``$NEUROMF_CACHE/mechanisms`` (default ``~/.cache/neuromf/mechanisms``).

Public parameters are SI (m, s, V, A, S, F/m^2, Ohm m); NEURON's units (um, ms, mV,
nA, uS) are used only inside this module.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import scipy.stats as st

from ..utils import check_finite, check_positive
from .kernel_inputs import (  # noqa: F401  (re-exported)
    _BALL_AND_STICK,
    CellModel,
    ExternalInput,
    Population,
    Projection,
    Synapse,
    _cache_root,
    _check_delay,
    ball_and_stick,
    ball_and_stick_hoc,
    multapse_mean,
)
from .kernelset import SpikeSignalKernels
from .probes import LFP_EXTRA_HINT

__all__ = [
    "CellModel",
    "Population",
    "Synapse",
    "Projection",
    "ExternalInput",
    "ball_and_stick",
    "ball_and_stick_hoc",
    "compute_kernels",
    "load_mechanisms",
    "delay_weights",
    "multapse_mean",
]

MECHANISMS = ("NmfExpSynI", "NmfExp2SynI")

# unit conversions SI -> NEURON
_UM, _MS, _MV, _NA, _US = 1e6, 1e3, 1e3, 1e9, 1e6


def _import_neuron():
    try:
        import LFPy
        import neuron
    except ImportError as err:
        raise ImportError("kernel computation needs LFPy and NEURON: "
                          f"{LFP_EXTRA_HINT}") from err
    return LFPy, neuron


# ---------------------------------------------------------------------------
# mechanisms
# ---------------------------------------------------------------------------

def _mod_sources() -> dict[str, str]:
    pkg = resources.files("neuromf.lfp") / "mod"
    return {f"{name}.mod": (pkg / f"{name}.mod").read_text() for name in MECHANISMS}


def load_mechanisms(cache_dir: str | Path | None = None) -> Path:
    """Compile (once) and load the synapse mechanisms shipped with neuromf.

    The mechanisms are compiled with ``nrnivmodl`` into a subdirectory of
    ``cache_dir`` (default ``$NEUROMF_CACHE/mechanisms`` or
    ``~/.cache/neuromf/mechanisms``) named by a hash of the sources and the NEURON
    version, and loaded into NEURON.

    Parameters
    ----------
    cache_dir : str or Path, optional
        Where compiled mechanisms are kept.

    Returns
    -------
    Path
        Directory holding the compiled mechanisms.

    Raises
    ------
    RuntimeError
        If ``nrnivmodl`` or a C compiler is missing, or compilation fails.
    """
    _, neuron = _import_neuron()
    sources = _mod_sources()
    digest = hashlib.sha256(
        ("".join(sources[k] for k in sorted(sources)) + neuron.__version__).encode()
    ).hexdigest()[:16]
    base = Path(cache_dir) if cache_dir is not None else _cache_root() / "mechanisms"
    target = base / digest
    if all(hasattr(neuron.h, m) for m in MECHANISMS):
        return target
    if not (target / "ok").is_file():
        nrnivmodl = shutil.which("nrnivmodl")
        if nrnivmodl is None:
            raise RuntimeError("nrnivmodl (part of NEURON) was not found on PATH; it is "
                               f"needed to compile neuromf's synapse mechanisms ({LFP_EXTRA_HINT})")
        cc = os.environ.get("CC", "")
        if not any(shutil.which(c) for c in (cc, "cc", "gcc", "clang") if c):
            raise RuntimeError("no C compiler (cc, gcc or clang) was found; NEURON needs one "
                               "to compile neuromf's synapse mechanisms (.mod files). Install "
                               "a compiler, e.g. 'apt-get install build-essential'.")
        base.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix="build-", dir=base))
        for name, text in sources.items():
            (tmp / name).write_text(text)
        proc = subprocess.run([nrnivmodl], cwd=tmp, capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"nrnivmodl failed (exit {proc.returncode}) in {tmp}:\n"
                               f"{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
        (tmp / "ok").write_text("compiled\n")
        try:
            tmp.rename(target)
        except OSError:  # another process finished first
            shutil.rmtree(tmp, ignore_errors=True)
    neuron.load_mechanisms(str(target))
    missing = [m for m in MECHANISMS if not hasattr(neuron.h, m)]
    if missing:
        raise RuntimeError(f"loading the compiled mechanisms from {target} did not define "
                           f"{missing}; delete that directory to recompile")
    return target


# ---------------------------------------------------------------------------
# distributions
# ---------------------------------------------------------------------------

def delay_weights(delay: Any, dt: float) -> np.ndarray:
    """Weights ``w_k`` of lags ``k dt`` that apply a delay (distribution) to a kernel.

    ``H(k dt) = sum_j w_j h((k - j) dt)`` equals the average of the linearly
    interpolated delay-free kernel ``h(tau - d)`` over delays d: each delay is split
    between its neighbouring grid lags with the linear-interpolation weights.  This
    keeps the mean delay and the total weight (1) exact, and the kernel is zero for
    lags below the smallest delay when ``h(0) = 0``.

    Parameters
    ----------
    delay : float or scipy.stats distribution
        Fixed delay (s) or distribution with a ``cdf`` and ``ppf`` (s).
    dt : float
        Lag step (s).

    Returns
    -------
    np.ndarray
        ``w_k`` for k = 0, 1, …, summing to 1 (trailing zeros trimmed).
    """
    check_positive("dt", dt, "s")
    _check_delay(delay)
    if hasattr(delay, "cdf"):
        lo = max(0.0, float(delay.ppf(1e-12)))
        hi = float(delay.ppf(1 - 1e-12))
        n = max(64, int(np.ceil((hi - lo) / dt * 64)))
        x = np.linspace(lo, hi, n + 1)
        mass = np.diff(delay.cdf(x))
        mass /= mass.sum()
        pos = 0.5 * (x[1:] + x[:-1]) / dt
    else:
        mass = np.array([1.0])
        pos = np.array([float(delay) / dt])
    k0 = np.floor(pos).astype(int)
    frac = pos - k0
    w = np.zeros(k0.max() + 2)
    np.add.at(w, k0, mass * (1 - frac))
    np.add.at(w, k0 + 1, mass * frac)
    return np.trim_zeros(w, "b")


def _profile_density(profile: Any, weights: Sequence[float] | None, z: np.ndarray,
                     spread: float) -> np.ndarray:
    """Depth profile of synapses averaged over soma-depth offsets N(0, spread^2)."""
    profiles = list(profile) if isinstance(profile, (list, tuple)) else [profile]
    weights = [1.0] * len(profiles) if weights is None else list(weights)
    if len(weights) != len(profiles):
        raise ValueError(f"profile_weights has {len(weights)} entries for "
                         f"{len(profiles)} depth profiles")
    out = np.zeros_like(z)
    gh_x, gh_w = np.polynomial.hermite.hermgauss(40)
    for prof, wt in zip(profiles, weights, strict=True):
        if not hasattr(prof, "pdf"):
            raise ValueError(f"depth_profile entries must be scipy.stats distributions "
                             f"over depth (m), got {prof!r}")
        if spread > 0 and getattr(getattr(prof, "dist", None), "name", "") == "norm":
            dens = st.norm(loc=prof.mean(), scale=np.hypot(prof.std(), spread)).pdf(z)
        elif spread > 0:
            off = np.sqrt(2) * spread * gh_x
            dens = (prof.pdf(z[:, None] + off[None, :]) @ gh_w) / np.sqrt(np.pi)
        else:
            dens = prof.pdf(z)
        out += wt * dens
    return out


# ---------------------------------------------------------------------------
# the kernel computation
# ---------------------------------------------------------------------------

def _segment_sections(cell: Any) -> list[str]:
    """Section type (name without index or template prefix) of every segment."""
    names = []
    for sec in cell.allseclist:
        base = sec.name().split(".")[-1].split("[")[0]
        names += [base] * sec.nseg
    return names


def _make_cell(LFPy: Any, neuron: Any, model: CellModel, pop: Population, V_rest: float,
               dt: float, tstop: float) -> Any:
    kwargs = dict(morphology=str(model.morphology), v_init=V_rest * _MV, passive=True,
                  passive_parameters=dict(g_pas=model.g_leak * 1e-4, e_pas=V_rest * _MV),
                  cm=model.cm * 100, Ra=model.Ra * 100, dt=dt * _MS, tstart=0.0,
                  tstop=tstop * _MS, delete_sections=True)
    if model.max_segment_length is not None:
        kwargs.update(nsegs_method="fixed_length",
                      max_nsegs_length=model.max_segment_length * _UM)
    cell = LFPy.Cell(**kwargs)
    if model.rotation:
        cell.set_rotation(**model.rotation)
    cell.set_pos(z=pop.depth * _UM)
    return cell


def _synapse_probability(cell: Any, proj: Projection, post: Population,
                         sec_of_seg: list[str]) -> np.ndarray:
    available = sorted(set(sec_of_seg))
    unknown = [s for s in proj.sections if s not in available]
    if unknown:
        raise ValueError(f"projection {proj.pre}->{proj.post}: unknown section(s) {unknown}; "
                         f"the morphology {str(post.cell.morphology)!r} has sections "
                         f"{available}")
    mask = np.isin(sec_of_seg, list(proj.sections))
    p = np.where(mask, cell.area, 0.0)
    if proj.depth_profile is not None:
        z = cell.z.mean(axis=-1) / _UM
        p = p * _profile_density(proj.depth_profile, proj.profile_weights, z, post.depth_sd)
    total = p.sum()
    if not total > 0:
        raise ValueError(f"projection {proj.pre}->{proj.post}: the depth profile gives no "
                         f"synapses on sections {list(proj.sections)}")
    return p / total


def _synapse_counts(proj: Projection, pops: dict[str, Population]) -> tuple[float, float]:
    """(synapses per postsynaptic neuron, synapses per presynaptic neuron)."""
    n_pre, n_post = pops[proj.pre].size, pops[proj.post].size
    if proj.indegree is not None:
        k_in = float(proj.indegree)
    else:
        k_in = proj.connection_probability * n_pre * multapse_mean(proj.multapse)
    return k_in, k_in * n_post / n_pre


def compute_kernels(populations: Sequence[Population], projections: Sequence[Projection],
                    probes: Sequence[Any], dt: float = 2 ** -4 * 1e-3,
                    tau: float = 50e-3, V_rest: float = -65e-3,
                    rates: dict[str, float] | None = None, g_eff: bool = False,
                    external: Sequence[ExternalInput] = ()) -> dict[str, SpikeSignalKernels]:
    """Spike-signal kernels ``H_YX`` for all projections (Hagen et al. 2022).

    Parameters
    ----------
    populations : sequence of Population
        All populations; postsynaptic ones need a ``cell``.
    projections : sequence of Projection
        One per (pre, post) pair with a kernel.
    probes : sequence of probe objects
        E.g. :class:`~neuromf.lfp.probes.GaussCylinderProbe`,
        :class:`~neuromf.lfp.probes.DipoleProbe`,
        :class:`~neuromf.lfp.probes.EEGProbe`: objects with ``name``, ``unit`` and
        ``matrix(positions)`` mapping currents (A) at positions (m) to the signal.
    dt : float
        Time step (s) of the simulation and of the kernels.
    tau : float
        Length of the kernels (s): lags 0, dt, ..., tau.
    V_rest : float
        Mean membrane potential (V) around which conductance synapses are linearised.
    rates : dict, optional
        Firing rate (Hz) of each presynaptic population; needed with ``g_eff``.
    g_eff : bool
        Add the mean conductance of persistent synaptic input (projections with
        conductance synapses at ``rates``, and ``external``) to the leak.
    external : sequence of ExternalInput
        External conductance input (only used with ``g_eff``).

    Returns
    -------
    dict
        ``{probe.name: SpikeSignalKernels}``; kernels of pairs without a projection
        are zero.
    """
    LFPy, neuron = _import_neuron()
    check_positive("dt", dt, "s")
    check_positive("tau", tau, "s")
    check_finite("V_rest", V_rest, "V")
    pops = {p.name: p for p in populations}
    if len(pops) != len(populations):
        raise ValueError("population names must be unique")
    names = [p.name for p in probes]
    if len(set(names)) != len(names):
        raise ValueError(f"probe names must be unique, got {names}")
    seen = set()
    for proj in projections:
        for role, name in (("pre", proj.pre), ("post", proj.post)):
            if name not in pops:
                raise ValueError(f"projection {proj.pre}->{proj.post}: unknown {role} "
                                 f"population {name!r}; known: {sorted(pops)}")
        if pops[proj.post].cell is None:
            raise ValueError(f"population {proj.post!r} receives a projection but has no cell")
        if (proj.pre, proj.post) in seen:
            raise ValueError(f"two projections {proj.pre}->{proj.post}")
        seen.add((proj.pre, proj.post))
    if g_eff:
        needed = {p.pre for p in projections if p.synapse.E_rev is not None}
        missing = sorted(needed - set(rates or {}))
        if missing:
            raise ValueError(f"g_eff needs the rates (Hz) of populations {missing}")
    load_mechanisms()

    pre_names = [p.name for p in populations if any(q.pre == p.name for q in projections)]
    post_names = [p.name for p in populations if any(q.post == p.name for q in projections)]
    n_lags = int(round(tau / dt)) + 1
    t_spike = 10 * dt
    tstop = t_spike + tau + dt
    out_values = {}
    channels = {}

    for proj in projections:
        post = pops[proj.post]
        cell = _make_cell(LFPy, neuron, post.cell, post, V_rest, dt, tstop)
        try:
            sec_of_seg = _segment_sections(cell)
            if g_eff:
                _add_effective_leak(cell, post, projections, pops, rates or {}, external,
                                    sec_of_seg)
            prob = _synapse_probability(cell, proj, post, sec_of_seg)
            _, k_out = _synapse_counts(proj, pops)
            w_nA = proj.synapse.current_weight(V_rest) * _NA * k_out * prob
            syn_kw = dict(tau=proj.synapse.tau_decay * _MS)
            syntype = "NmfExpSynI"
            if proj.synapse.tau_rise is not None:
                syntype = "NmfExp2SynI"
                syn_kw = dict(tau1=proj.synapse.tau_rise * _MS,
                              tau2=proj.synapse.tau_decay * _MS)
            for idx in np.flatnonzero(w_nA):
                syn = LFPy.Synapse(cell, idx=int(idx), syntype=syntype,
                                   weight=float(w_nA[idx]), **syn_kw)
                syn.set_spike_times(np.array([t_spike * _MS]))
            cell.simulate(rec_imem=True)
            imem = np.asarray(cell.imem) / _NA  # A
            positions = np.c_[cell.x.mean(axis=-1), cell.y.mean(axis=-1),
                              cell.z.mean(axis=-1)] / _UM
            i0 = int(np.argmin(np.abs(np.asarray(cell.tvec) - t_spike * _MS)))
            delay_w = delay_weights(proj.delay, dt)
            for probe in probes:
                sig = probe.matrix(positions) @ imem
                h = sig[:, i0:i0 + n_lags] - sig[:, i0:i0 + 1]
                if h.shape[1] < n_lags:
                    h = np.pad(h, ((0, 0), (0, n_lags - h.shape[1])))
                H = np.array([np.convolve(row, delay_w)[:n_lags] for row in h])
                out_values[(probe.name, proj.post, proj.pre)] = H
                channels[probe.name] = (np.asarray(probe.z) if hasattr(probe, "z")
                                        else np.arange(H.shape[0], dtype=float))
        finally:
            cell.__del__()

    result = {}
    for probe in probes:
        n_ch = channels[probe.name].size if probe.name in channels else 0
        values = np.zeros((len(post_names), len(pre_names), n_ch, n_lags))
        for y, yn in enumerate(post_names):
            for x, xn in enumerate(pre_names):
                key = (probe.name, yn, xn)
                if key in out_values:
                    values[y, x] = out_values[key]
        result[probe.name] = SpikeSignalKernels(
            probe=probe.name, unit=getattr(probe, "unit", ""), dt=dt, pre=pre_names,
            post=post_names, values=values, channels=channels.get(probe.name, np.zeros(0)))
    return result


def _add_effective_leak(cell: Any, post: Population, projections: Sequence[Projection],
                        pops: dict[str, Population], rates: dict[str, float],
                        external: Sequence[ExternalInput], sec_of_seg: list[str]) -> None:
    """Add the mean conductance of persistent synaptic input to g_pas per segment.

    ``dg_i = sum_X K_in,X p_X,i g_X int s_X nu_X / A_i`` (Hagen et al. 2022, Eq. 12),
    with the external input distributed uniformly per membrane area.
    """
    area = cell.area / _UM ** 2  # m^2
    dg = np.zeros(cell.totnsegs)  # S/m^2
    for proj in projections:
        if proj.post != post.name or proj.synapse.E_rev is None:
            continue
        k_in, _ = _synapse_counts(proj, pops)
        prob = _synapse_probability(cell, proj, post, sec_of_seg)
        syn = proj.synapse
        dg += k_in * prob * syn.weight * syn.integral() * rates[proj.pre] / area
    for ext in external:
        if ext.post != post.name:
            continue
        if ext.synapse.E_rev is None:
            raise ValueError("ExternalInput.synapse must be conductance-based (E_rev set)")
        dg += (ext.n_synapses * area / area.sum() * ext.synapse.weight
               * ext.synapse.integral() * ext.rate / area)
    i = 0
    for sec in cell.allseclist:
        for seg in sec:
            seg.g_pas += dg[i] * 1e-4  # S/cm^2
            i += 1
