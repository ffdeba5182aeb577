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
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import scipy.stats as st

from ..utils import check_finite, check_positive
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

def _cache_root() -> Path:
    root = os.environ.get("NEUROMF_CACHE")
    return Path(root) if root else Path.home() / ".cache" / "neuromf"


def _mod_sources() -> dict[str, str]:
    pkg = resources.files("neuromf.lfp") / "mod"
    return {f"{name}.mod": (pkg / f"{name}.mod").read_text() for name in MECHANISMS}


def load_mechanisms(cache_dir: str | Path | None = None) -> Path:
    """Compile (once) and load the synapse mechanisms shipped with neuromf.

    The mechanisms are compiled with ``nrnivmodl`` into a subdirectory of
    ``cache_dir`` (default ``$NEUROMF_CACHE/mechanisms`` or
    ``~/.cache/neuromf/mechanisms``) named by a hash of the sources and the NEURON
    version, and loaded into NEURON.

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
# parameters
# ---------------------------------------------------------------------------

@dataclass
class CellModel:
    """Passive multicompartment neuron representing a postsynaptic population.

    Parameters
    ----------
    morphology : str or Path
        Morphology file (``.hoc``, ``.swc``, ``.asc``) with section names ``soma``,
        ``dend``, ``apic``, ... and z as the depth axis (um, NEURON convention).
    cm : float
        Specific membrane capacitance (F/m^2); 1e-2 F/m^2 = 1 uF/cm^2.
    Ra : float
        Axial resistivity (Ohm m); 1.5 Ohm m = 150 Ohm cm.
    g_leak : float
        Specific leak conductance (S/m^2); 3 S/m^2 = 3e-4 S/cm^2.
    max_segment_length : float, optional
        Maximal compartment length (m); default: NEURON's d_lambda rule at 100 Hz
        (``d_lambda = 0.1``).
    rotation : dict, optional
        Rotation angles (rad) about x, y, z applied before placement
        (``LFPy.Cell.set_rotation``).
    """

    morphology: str | Path
    cm: float = 1e-2
    Ra: float = 1.5
    g_leak: float = 3.0
    max_segment_length: float | None = None
    rotation: dict | None = None

    def __post_init__(self) -> None:
        path = Path(self.morphology)
        if not path.is_file():
            raise FileNotFoundError(f"morphology file {str(path)!r} does not exist")
        if path.suffix.lower() not in (".hoc", ".swc", ".asc"):
            raise ValueError(f"morphology file {str(path)!r} has an unsupported format; "
                             "allowed are .hoc, .swc and .asc")
        check_positive("cm", self.cm, "F/m^2")
        check_positive("Ra", self.Ra, "Ohm m")
        check_positive("g_leak", self.g_leak, "S/m^2")
        if self.max_segment_length is not None:
            check_positive("max_segment_length", self.max_segment_length, "m")


# (section, length um, diameter um, direction +1 up / -1 down)
_BALL_AND_STICK = {
    "E": dict(soma=(20.0, 20.0), sticks=[("apic", 800.0, 3.0, +1), ("dend", 200.0, 2.0, -1)]),
    "I": dict(soma=(16.0, 16.0), sticks=[("dend", 300.0, 2.0, +1), ("dend", 300.0, 2.0, -1)]),
}


def ball_and_stick_hoc(kind: str = "E", for_template: bool = False) -> str:
    """hoc code of the built-in ball-and-stick morphologies.

    ``'E'``: soma (20 um long, 20 um diameter) with an 800 um apical stick
    (``apic``, 3 um) upwards and a 200 um basal stick (``dend``, 2 um) downwards.
    ``'I'``: soma (16 um) with two 300 um sticks (``dend``, 2 um) up and down.
    Depth axis z, soma centred at the origin.

    Parameters
    ----------
    kind : {'E', 'I'}
    for_template : bool
        Also append all sections to a SectionList ``all`` (for loading into a
        NEURON template, e.g. with ``LFPy.TemplateCell``).
    """
    if kind not in _BALL_AND_STICK:
        raise ValueError(f"invalid kind {kind!r}; valid choices are 'E', 'I'")
    spec = _BALL_AND_STICK[kind]
    length, diam = spec["soma"]
    counts: dict[str, int] = {}
    lines = [f"// neuromf built-in ball-and-stick morphology '{kind}' (um)"]
    body = ["soma[0] {", f"    pt3dadd(0, 0, {-length / 2}, {diam})",
            f"    pt3dadd(0, 0, {length / 2}, {diam})", "}"]
    connects = []
    for name, L, d, direction in spec["sticks"]:
        i = counts.get(name, 0)
        counts[name] = i + 1
        z0 = direction * length / 2
        body += [f"{name}[{i}] {{", f"    pt3dadd(0, 0, {z0}, {d})",
                 f"    pt3dadd(0, 0, {z0 + direction * L}, {d})", "}"]
        connects.append(f"connect {name}[{i}](0), soma[0]({1 if direction > 0 else 0})")
    lines.append("create soma[1]")
    lines += [f"create {name}[{n}]" for name, n in counts.items()]
    lines += body + connects
    if for_template:
        lines.append("forall all.append()")
    return "\n".join(lines) + "\n"


def ball_and_stick(kind: str = "E", directory: str | Path | None = None,
                   **cell_params: Any) -> CellModel:
    """Built-in ball-and-stick cell (see :func:`ball_and_stick_hoc`).

    The morphology file is written to ``directory`` (default
    ``$NEUROMF_CACHE/morphologies``); ``cell_params`` go to :class:`CellModel`.
    """
    text = ball_and_stick_hoc(kind)
    directory = Path(directory) if directory is not None else _cache_root() / "morphologies"
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"neuromf_ball_and_stick_{kind}.hoc"
    if not path.is_file() or path.read_text() != text:
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        tmp.write_text(text)
        tmp.replace(path)
    return CellModel(morphology=path, **cell_params)


@dataclass
class Population:
    """A population of neurons in a cylinder.

    Parameters
    ----------
    name : str
    size : int
        Number of neurons.
    radius : float
        Radius of the cylinder in the horizontal plane (m).
    depth : float
        Mean soma depth (z, m; z increases upwards towards the pia).
    depth_sd : float
        Standard deviation of soma depths (m).
    cell : CellModel, optional
        Representative neuron; needed for postsynaptic populations.
    """

    name: str
    size: int
    radius: float = 150e-6
    depth: float = 0.0
    depth_sd: float = 75e-6
    cell: CellModel | None = None

    def __post_init__(self) -> None:
        check_positive(f"size of population {self.name!r}", self.size)
        check_positive(f"radius of population {self.name!r}", self.radius, "m")
        check_finite(f"depth of population {self.name!r}", self.depth, "m")
        check_positive(f"depth_sd of population {self.name!r}", self.depth_sd, "m",
                       allow_zero=True)


@dataclass
class Synapse:
    """Synaptic current time course and strength.

    Current-based (``E_rev=None``): ``I(t) = weight * s(t)`` with ``weight`` the peak
    current (A; > 0 depolarising).  Conductance-based: ``g(t) = weight * s(t)`` with
    ``weight`` the peak conductance (S), linearised around ``V_rest``.
    ``s(t) = exp(-t/tau_decay)`` (``tau_rise=None``) or the difference of
    exponentials with rise ``tau_rise`` normalised to peak 1.
    """

    weight: float
    tau_decay: float
    tau_rise: float | None = None
    E_rev: float | None = None

    def __post_init__(self) -> None:
        unit = "A" if self.E_rev is None else "S"
        check_finite("weight", self.weight, unit)
        if self.E_rev is not None:
            check_positive("weight (conductance)", self.weight, "S", allow_zero=True)
            check_finite("E_rev", self.E_rev, "V")
        check_positive("tau_decay", self.tau_decay, "s")
        if self.tau_rise is not None:
            check_positive("tau_rise", self.tau_rise, "s")
            if self.tau_rise >= self.tau_decay:
                raise ValueError(f"tau_rise must be < tau_decay, got {self.tau_rise} s and "
                                 f"{self.tau_decay} s")

    def integral(self) -> float:
        """``int_0^inf s(t) dt`` (s) of the peak-normalised time course."""
        if self.tau_rise is None:
            return self.tau_decay
        t1, t2 = self.tau_rise, self.tau_decay
        tp = t1 * t2 / (t2 - t1) * np.log(t2 / t1)
        return (t2 - t1) / (np.exp(-tp / t2) - np.exp(-tp / t1))

    def current_weight(self, V_rest: float) -> float:
        """Peak current (A) of the (linearised) synapse; > 0 is depolarising."""
        if self.E_rev is None:
            return float(self.weight)
        return float(self.weight * (self.E_rev - V_rest))


@dataclass
class Projection:
    """Connections from population ``pre`` (X) onto population ``post`` (Y).

    Give either ``connection_probability`` (pairwise probability C_YX; the mean
    number of synapses per connection is ``multapse``) or ``indegree`` (mean number
    of synapses from X onto one neuron of Y, multapses included).

    Parameters
    ----------
    pre, post : str
        Population names.
    synapse : Synapse
    connection_probability : float, optional
    indegree : float, optional
    multapse : float or scipy.stats distribution
        Mean number of synapses per connection, or its distribution: a discrete
        one (``pmf``) or a continuous one whose density is evaluated at 1, 2, ...,
        100 and normalised.
    delay : float or scipy.stats distribution
        Fixed transmission delay (s) or its distribution (in s, support >= 0).
    sections : sequence of str
        Section types that receive synapses (e.g. ``('soma', 'dend')``).
    depth_profile : scipy.stats distribution or list of them, optional
        Density of synapses over absolute depth z (m); ``None``: uniform per area.
    profile_weights : list of float, optional
        Weights of several depth profiles (default equal).
    """

    pre: str
    post: str
    synapse: Synapse
    connection_probability: float | None = None
    indegree: float | None = None
    multapse: Any = 1.0
    delay: Any = 1.5e-3
    sections: Sequence[str] = ("soma", "dend", "apic")
    depth_profile: Any = None
    profile_weights: Sequence[float] | None = None

    def __post_init__(self) -> None:
        if (self.connection_probability is None) == (self.indegree is None):
            raise ValueError(f"projection {self.pre}->{self.post}: give exactly one of "
                             "connection_probability and indegree")
        if self.connection_probability is not None:
            p = check_finite("connection_probability", self.connection_probability)
            if not 0 <= p <= 1:
                raise ValueError(f"connection_probability must be in [0, 1], got {p}")
        if self.indegree is not None:
            check_positive("indegree", self.indegree, allow_zero=True)
        if isinstance(self.sections, str):
            self.sections = (self.sections,)
        multapse_mean(self.multapse)
        _check_delay(self.delay)


@dataclass
class ExternalInput:
    """Persistent external (conductance) input to a postsynaptic population.

    Only its mean conductance enters, as a leak correction (``g_eff``).

    Parameters
    ----------
    post : str
        Postsynaptic population.
    n_synapses : float
        Number of external synapses per neuron, uniform per membrane area.
    rate : float
        Activation rate per synapse (Hz).
    synapse : Synapse
        Conductance-based synapse (``E_rev`` set).
    """

    post: str
    n_synapses: float
    rate: float
    synapse: Synapse = field(default_factory=lambda: Synapse(2e-10, 1.8e-3, 0.2e-3, 0.0))

    def __post_init__(self) -> None:
        check_positive("n_synapses", self.n_synapses, allow_zero=True)
        check_positive("rate", self.rate, "Hz", allow_zero=True)


# ---------------------------------------------------------------------------
# distributions
# ---------------------------------------------------------------------------

def multapse_mean(multapse: Any) -> float:
    """Mean number of synapses per connection.

    A number is returned as it is; a discrete scipy.stats distribution gives its mean;
    for a continuous one the number k = 1, ..., 100 has probability proportional to
    its density at k (Hagen et al. 2022, "multapses").
    """
    if hasattr(multapse, "pmf"):
        m = float(multapse.mean())
    elif hasattr(multapse, "pdf"):
        k = np.arange(1, 101)
        pk = np.asarray(multapse.pdf(k), dtype=float)
        if not np.isfinite(pk).all() or pk.sum() <= 0:
            raise ValueError("multapse distribution has no probability on 1..100 synapses")
        m = float((k * pk).sum() / pk.sum())
    else:
        m = float(check_finite("multapse", multapse))
    if not m > 0:
        raise ValueError(f"multapse (mean synapses per connection) must be > 0, got {m}")
    return m


def _check_delay(delay: Any) -> None:
    if hasattr(delay, "cdf"):
        p_neg = float(delay.cdf(0.0))
        if p_neg > 1e-6:
            raise ValueError(f"delay distribution has P(d < 0) = {p_neg:.3g}; delays (s) must "
                             "be >= 0 (use e.g. scipy.stats.truncnorm truncated at 0)")
    else:
        check_positive("delay", delay, "s", allow_zero=True)


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
