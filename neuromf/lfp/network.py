"""From neuromf network models to kernels, signals and predicted spectra.

* :func:`kernel_model` turns a network (``neuromf.models``) into the populations and
  projections of :mod:`neuromf.lfp.kernels`: ball-and-stick E and I cells,
  current-based exponential synapses with the network's PSC amplitudes ``W`` and
  ``tau_s``, the network's in-degrees ``K`` and delay distributions, populations
  stacked in depth (the microcircuit's layers, Hagen et al. 2016, Cereb. Cortex 26:
  4461, Table 1) and synapse placement by section (excitatory input on the dendrites
  of E cells, inhibitory input perisomatic).
* :func:`theory_spectrum` -- the signal power spectrum predicted by mean-field
  theory: kernels combined with the theory's rate cross-spectra
  (:func:`neuromf.lfp.spectra.signal_spectrum`).
* :func:`simulated_signal` -- the signal of a ``neuromf.simulation`` run from its
  population spike counts.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import scipy.stats as st

from ..utils import check_choice
from . import kernels as K
from .kernelset import SpikeSignalKernels
from .probes import DipoleProbe, EEGProbe, GaussCylinderProbe
from .spectra import (
    kernel_fourier,
    signal_from_spike_counts,
    signal_spectrum,
    spike_count_histogram,
)

__all__ = ["network_geometry", "kernel_model", "network_kernels", "make_probe",
           "spectrum_from_cross_spectra", "theory_spectrum", "simulated_signal"]

# Layer boundaries of the microcircuit column (m, pia at 0), Hagen et al. 2016, Table 1
_LAYERS = {"L23": (-81.6e-6, -587.1e-6), "L4": (-587.1e-6, -922.2e-6),
           "L5": (-922.2e-6, -1170.0e-6), "L6": (-1170.0e-6, -1491.7e-6)}
# 1 mm^2 of cortical surface
_MICROCIRCUIT_RADIUS = np.sqrt(1e-6 / np.pi)
# charge-equivalent current time constant for delta synapses (s)
DELTA_SYNAPSE_TAU = 0.5e-3


def network_geometry(network: Any) -> dict:
    """Depth, depth spread and radius of each population, and LFP contact depths.

    Microcircuit-like population names (``L23E``, ``L4I``, ...) are put in their layer
    (mean depth the layer centre, standard deviation thickness/sqrt(12) of a uniform
    layer) in a column of 1 mm^2; other networks in one cylinder (radius 150 um,
    depth 0, sd 100 um).

    Parameters
    ----------
    network : neuromf.models.Network
        Needs ``populations`` in its ``network_params``.

    Returns
    -------
    dict
        ``depth``, ``depth_sd``, ``radius`` (arrays, m) and ``contacts`` (m).
    """
    names = [str(p) for p in network.network_params["populations"]]
    layer = [next((lay for lay in _LAYERS if n.upper().startswith(lay)), None) for n in names]
    if all(lay is not None for lay in layer):
        top = np.array([_LAYERS[lay][0] for lay in layer])
        bottom = np.array([_LAYERS[lay][1] for lay in layer])
        return dict(depth=0.5 * (top + bottom), depth_sd=(top - bottom) / np.sqrt(12),
                    radius=np.full(len(names), _MICROCIRCUIT_RADIUS),
                    contacts=np.arange(0.0, -1.6e-3, -1e-4))
    n = len(names)
    return dict(depth=np.zeros(n), depth_sd=np.full(n, 100e-6), radius=np.full(n, 150e-6),
                contacts=np.linspace(1000e-6, -200e-6, 13))


def _is_excitatory(W: np.ndarray, names: list[str]) -> np.ndarray:
    """Source populations with positive mean weight (or names ending in E)."""
    sign = np.sign(np.nansum(W, axis=0))
    return np.array([s > 0 if s != 0 else n.upper().endswith("E")
                     for s, n in zip(sign, names, strict=True)])


def _delay_object(mean: float, sd: float, dist: str) -> Any:
    if sd == 0 or dist == "none":
        return float(mean)
    if dist == "lognormal":
        s2 = np.log1p((sd / mean) ** 2)
        return st.lognorm(s=np.sqrt(s2), scale=mean / np.sqrt(1 + (sd / mean) ** 2))
    if dist == "gaussian":
        warnings.warn("Gaussian delays are truncated at 0 for the kernels (a spike cannot "
                      "act before it is sent)", stacklevel=3)
    return st.truncnorm(a=-mean / sd, b=np.inf, loc=mean, scale=sd)


def kernel_model(network: Any, N=None, K_in=None, W=None, cells: dict | None = None,
                 geometry: dict | None = None) -> tuple[list, list]:
    """Populations and projections of a network for :func:`kernels.compute_kernels`.

    Parameters
    ----------
    network : neuromf.models.Network
        Needs ``populations``, ``N``, ``K``, ``W`` or ``J`` and ``C``, ``Delay``,
        and ``tau_s`` (exp synapses; delta synapses are replaced by exponential
        currents of time constant 0.5 ms carrying the same charge ``J C``).
    N, K_in, W : array_like, optional
        Override the network's sizes, in-degrees [target, source] and PSC amplitudes
        (A), e.g. with those of a down-scaled simulation.
    cells : dict, optional
        ``{'E': CellModel, 'I': CellModel}``; default the built-in ball-and-sticks.
    geometry : dict, optional
        As returned by :func:`network_geometry` (the default).

    Returns
    -------
    populations : list of Population
        One per population of the network, with its cell and geometry.
    projections : list of Projection
        One per connected pair, with in-degree, synapse and delay.
    """
    p = network.network_params
    names = [str(x) for x in p["populations"]]
    n = len(names)
    N = np.asarray(p["N"] if N is None else N, dtype=float)
    K_in = np.asarray(p["K"] if K_in is None else K_in, dtype=float)
    stype = p.get("synapse_type", "exp" if "tau_s" in p else "delta")
    if W is None:
        if "W" in p:
            W = np.asarray(p["W"], dtype=float)
        elif stype == "delta":
            W = np.asarray(p["J"], dtype=float) * np.asarray(p["C"]) / DELTA_SYNAPSE_TAU
        else:
            W = np.asarray(p["J"], dtype=float) * np.asarray(p["C"]) / np.asarray(p["tau_s"])
    W = np.broadcast_to(np.asarray(W, dtype=float), (n, n))
    tau_s = DELTA_SYNAPSE_TAU if stype == "delta" else p["tau_s"]
    tau_s = np.broadcast_to(np.asarray(tau_s, dtype=float), (n,))
    delay = np.broadcast_to(np.asarray(p["Delay"], dtype=float), (n, n))
    delay_sd = np.broadcast_to(np.asarray(p.get("Delay_sd", 0.0), dtype=float), (n, n))
    dist = str(p.get("delay_dist", "none"))
    geometry = network_geometry(network) if geometry is None else geometry
    if cells is None:
        cells = {"E": K.ball_and_stick("E"), "I": K.ball_and_stick("I")}
    exc = _is_excitatory(W, names)
    pops = [K.Population(name, int(N[i]), float(geometry["radius"][i]),
                         float(geometry["depth"][i]), float(geometry["depth_sd"][i]),
                         cells["E" if exc[i] else "I"]) for i, name in enumerate(names)]
    projs = []
    for y in range(n):
        for x in range(n):
            if K_in[y, x] <= 0 or W[y, x] == 0:
                continue
            if exc[y]:
                sections = ("apic", "dend") if exc[x] else ("soma", "dend")
            else:
                sections = ("soma", "dend")
            projs.append(K.Projection(
                names[x], names[y], K.Synapse(float(W[y, x]), float(tau_s[y])),
                indegree=float(K_in[y, x]),
                delay=_delay_object(float(delay[y, x]), float(delay_sd[y, x]), dist),
                sections=sections))
    return pops, projs


def make_probe(kind: str, geometry: dict) -> Any:
    """The default probe of a kind: ``'lfp'`` contacts along the column axis,
    ``'cdm'`` p_z, ``'eeg'`` one scalp electrode above the column (four-sphere model).

    Parameters
    ----------
    kind : {'lfp', 'cdm', 'eeg'}
        The probe kind.
    geometry : dict
        As returned by :func:`network_geometry`.

    Returns
    -------
    GaussCylinderProbe, DipoleProbe or EEGProbe
        The probe.
    """
    check_choice("probe", kind, ["lfp", "cdm", "eeg"])
    if kind == "lfp":
        return GaussCylinderProbe(geometry["contacts"], 0.3, float(np.mean(geometry["radius"])),
                                  float(np.mean(geometry["depth_sd"])))
    if kind == "cdm":
        return DipoleProbe()
    return EEGProbe()


def network_kernels(network: Any, probe: str = "lfp", dt: float = 2 ** -4 * 1e-3,
                    tau: float = 50e-3, **model_kwargs: Any) -> SpikeSignalKernels:
    """Kernels of a network for one probe kind (see :func:`kernel_model`).

    With ``'lfp'`` every population uses its own Gaussian cylinder (radius and depth
    spread); the probe's contacts are those of :func:`network_geometry`.

    Parameters
    ----------
    network : neuromf.models.Network
        The network (see :func:`kernel_model`).
    probe : {'lfp', 'cdm', 'eeg'}
        The probe kind (:func:`make_probe`).
    dt : float
        Lag step, s.
    tau : float
        Longest lag, s.
    **model_kwargs
        Passed to :func:`kernel_model` (``N``, ``K_in``, ``W``, ``cells``, ``geometry``).

    Returns
    -------
    SpikeSignalKernels
        The kernels (Hagen et al. 2022, Eq. 1).
    """
    geometry = model_kwargs.pop("geometry", None) or network_geometry(network)
    pops, projs = kernel_model(network, geometry=geometry, **model_kwargs)
    if probe != "lfp":
        return K.compute_kernels(pops, projs, [make_probe(probe, geometry)], dt=dt,
                                 tau=tau)[probe]
    # one probe per postsynaptic population: its own cylinder
    parts = []
    for pop in pops:
        mine = [q for q in projs if q.post == pop.name]
        if not mine:
            continue
        pr = GaussCylinderProbe(geometry["contacts"], 0.3, pop.radius, pop.depth_sd)
        parts.append(K.compute_kernels(pops, mine, [pr], dt=dt, tau=tau)["lfp"])
    pre = [p.name for p in pops if any(q.pre == p.name for q in projs)]
    post = [p.name for p in pops if any(q.post == p.name for q in projs)]
    values = np.zeros((len(post), len(pre), geometry["contacts"].size,
                       int(round(tau / dt)) + 1))
    for part in parts:
        for yi, yn in enumerate(part.post):
            for xi, xn in enumerate(part.pre):
                values[post.index(yn), pre.index(xn)] += part.values[yi, xi]
    return SpikeSignalKernels("lfp", "V", dt, pre, post, values,
                              np.asarray(geometry["contacts"], dtype=float))


def _full_kernels(kernels: SpikeSignalKernels, names: list[str]) -> np.ndarray:
    """Summed kernels in the network's population order (zeros for silent ones)."""
    summed = kernels.summed()
    out = np.zeros((len(names),) + summed.shape[1:])
    for i, name in enumerate(kernels.pre):
        out[names.index(name)] = summed[i]
    return out


def spectrum_from_cross_spectra(kernels: SpikeSignalKernels, cross_spectra, N, omegas,
                                populations: list[str]) -> np.ndarray:
    """``S = sum_{X,X'} N_X N_X' H^_X C_XX' H^_X'^*`` for kernels of a network.

    Parameters
    ----------
    kernels : SpikeSignalKernels
        Kernels of the network (:func:`network_kernels`).
    cross_spectra : array_like, shape (n_freqs, n_pops, n_pops)
        Rate cross-spectra of population-averaged single-neuron rates (Hz), e.g.
        ``neuromf.linear_response.cross_spectral_matrix(network)``.
    N : array_like, shape (n_pops,)
        Neurons per population.
    omegas : array_like, shape (n_freqs,)
        Angular frequencies (rad/s) of ``cross_spectra``.
    populations : list of str
        Population order of ``cross_spectra``.

    Returns
    -------
    ndarray, shape (n_channels, n_freqs)
        Two-sided power spectral density (unit^2 s).
    """
    h = _full_kernels(kernels, list(populations))  # (n_pop, n_ch, n_lags)
    h_hat = np.swapaxes(kernel_fourier(h, kernels.dt, omegas), 0, 1)  # (n_ch, n_pop, n_f)
    return signal_spectrum(h_hat, cross_spectra, N=N)


def theory_spectrum(network: Any, kernels: SpikeSignalKernels, method: str = "shift",
                    variance_channel: bool | None = None, renewal: bool = True
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Signal power spectrum predicted by mean-field theory (exp-synapse networks).

    Computes the working point, transfer function(s), delay distribution, effective
    connectivity and rate cross-spectra of the network (Bos et al. 2016, Eq. 18) and
    combines them with the kernels (:func:`spectrum_from_cross_spectra`).

    Parameters
    ----------
    network : Network
        Exp-synapse model with analysis frequencies.
    kernels : SpikeSignalKernels
        From :func:`network_kernels`.
    method : {'shift', 'taylor'}
        Working point and transfer function method.
    variance_channel : bool, optional
        Include the response to the modulated input variance in the effective
        connectivity (Brunel & Hakim 1999;
        :func:`neuromf.linear_response.effective_connectivity`).  Available for
        ``method='shift'``, where it is the default (None): the mean-only response
        misplaces the spectral peak of networks with strong synapses (docs/lfp.md).
    renewal : bool
        Use the neurons' spike-train spectra (renewal processes, Lindner et al. 2002;
        :func:`neuromf.lif.exp.spike_train_power_spectra`) instead of Poisson noise as the
        source of the rate fluctuations (default): regular neurons (CV < 1) have less
        power at low frequencies than Poisson ones.

    Returns
    -------
    omegas : ndarray
        The network's analysis frequencies (rad/s).
    S : ndarray, shape (n_channels, n_freqs)
        Two-sided power spectral density (unit^2 s).

    Warns
    -----
    UserWarning
        If the working point is linearly unstable
        (:func:`neuromf.stability_verdict.stability_verdict`, mean and variance channel,
        whatever ``variance_channel`` the spectrum uses): the network oscillates and the
        linear theory's spectrum describes no stationary state.
    """
    from .. import linear_response, network_properties
    from ..lif import exp as lif

    check_choice("method", method, ("shift", "taylor"))
    if variance_channel is None:
        variance_channel = method == "shift"
    if variance_channel and method != "shift":
        raise ValueError("the variance channel is available for method='shift' only; "
                         "pass variance_channel=False for method='taylor'")
    lif.working_point(network, method=method)
    lif.transfer_function(network, method=method)
    if variance_channel:
        lif.transfer_function_variance(network)
    network_properties.delay_dist_matrix(network)
    linear_response.effective_connectivity(network, variance_channel=variance_channel)
    if renewal:
        lif.spike_train_power_spectra(network)
    C = np.asarray(linear_response.cross_spectral_matrix(network, renewal=renewal))
    from ..stability_verdict import stability_verdict

    verdict = stability_verdict(network, method=method)   # the one convention of reports
    if not verdict.stable:
        warnings.warn("working point " + verdict.text, stacklevel=2)
    omegas = np.asarray(network.analysis_params["omegas"], dtype=float)
    names = [str(x) for x in network.network_params["populations"]]
    N = np.asarray(network.network_params["N"], dtype=float)
    return omegas, spectrum_from_cross_spectra(kernels, C, N, omegas, names)


def simulated_signal(result: Any, kernels: SpikeSignalKernels) -> tuple[np.ndarray, np.ndarray]:
    """Signal of a simulation from its population spike counts.

    Parameters
    ----------
    result : neuromf.simulation.SimulationResult
        Needs ``populations``, ``spikes`` (per population: neuron indices and spike
        times in s), ``t_start`` and ``t_stop``.
    kernels : SpikeSignalKernels
        Kernels of the simulated network (sizes and in-degrees of the realisation).

    Returns
    -------
    t : ndarray
        Bin start times (s), step ``kernels.dt``.
    V : ndarray, shape (n_channels, n_bins)
        The signal in ``kernels.unit`` (V for LFP and EEG, A m for the CDM).
    """
    names = [str(x) for x in result.populations]
    times = [np.asarray(sp[1], dtype=float) for sp in result.spikes]
    counts = spike_count_histogram(times, result.t_start, result.t_stop, kernels.dt)
    h = _full_kernels(kernels, names)
    v = signal_from_spike_counts(counts, h)
    return result.t_start + kernels.dt * np.arange(counts.shape[1]), v
