"""What spike-signal kernels are computed for: cell models, populations, synapses,
projections and external input (SI parameters), and the ball-and-stick cells of
Hagen et al. 2022 (PLOS Comput Biol 18: e1010353, Sec. "Methods: Kernel approximation").

Pure descriptions (dataclasses with checked fields); :mod:`neuromf.lfp.kernels` turns them
into LFPy/NEURON cells and computes the kernels.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..utils import check_finite, check_positive

__all__ = ["multapse_mean", "CellModel", "Population", "Synapse", "Projection", "ExternalInput",
           "ball_and_stick", "ball_and_stick_hoc"]


def _cache_root() -> Path:
    root = os.environ.get("NEUROMF_CACHE")
    return Path(root) if root else Path.home() / ".cache" / "neuromf"


def multapse_mean(multapse: Any) -> float:
    """Mean number of synapses per connection.

    A number is returned as it is; a discrete scipy.stats distribution gives its mean;
    for a continuous one the number k = 1, ..., 100 has probability proportional to
    its density at k (Hagen et al. 2022, "multapses").

    Parameters
    ----------
    multapse : float or scipy.stats distribution
        Number of synapses per connection or its distribution.

    Returns
    -------
    float
        The mean.
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
        Excitatory (pyramidal-like) or inhibitory (stellate-like) morphology.
    for_template : bool
        Also append all sections to a SectionList ``all`` (for loading into a
        NEURON template, e.g. with ``LFPy.TemplateCell``).

    Returns
    -------
    str
        The hoc code (lengths and diameters in um).

    Raises
    ------
    ValueError
        If ``kind`` is not 'E' or 'I'.
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

    Parameters
    ----------
    kind : {'E', 'I'}
        Morphology (:func:`ball_and_stick_hoc`).
    directory : str or Path, optional
        Where the ``.hoc`` file is written.
    **cell_params
        Passed to :class:`CellModel` (e.g. passive parameters).

    Returns
    -------
    CellModel
        The cell, with its morphology file.
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
        Population name.
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

    Parameters
    ----------
    weight : float
        Peak current (A) or peak conductance (S, with ``E_rev``).
    tau_decay : float
        Decay time constant, s.
    tau_rise : float, optional
        Rise time constant, s (None: instantaneous rise).
    E_rev : float, optional
        Reversal potential, V (None: current-based).
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
        """``int_0^inf s(t) dt`` (s) of the peak-normalised time course.

        Returns
        -------
        float
            The integral in s (``tau_decay`` for a single exponential).
        """
        if self.tau_rise is None:
            return self.tau_decay
        t1, t2 = self.tau_rise, self.tau_decay
        tp = t1 * t2 / (t2 - t1) * np.log(t2 / t1)
        return (t2 - t1) / (np.exp(-tp / t2) - np.exp(-tp / t1))

    def current_weight(self, V_rest: float) -> float:
        """Peak current (A) of the (linearised) synapse; > 0 is depolarising.

        Parameters
        ----------
        V_rest : float
            Membrane potential the conductance is linearised at, V.

        Returns
        -------
        float
            ``weight`` (current-based) or ``weight (E_rev - V_rest)``, in A.
        """
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
        Time course and strength of the synaptic current.
    connection_probability : float, optional
        Pairwise connection probability C_YX.
    indegree : float, optional
        Mean number of synapses from X onto one neuron of Y.
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
