"""The linear-response part of ``neuromf analyze``: transfer functions, delays,
effective connectivity, power spectra and the dominant eigenmode with its
sensitivity measure (Bos et al. 2016), with figures.

The stability of the working point is the shared verdict of
:func:`neuromf.stability_verdict.stability_verdict` (mean and variance channel, Brunel &
Hakim 1999; the mean-only count beside it where the two disagree); figures of an
unstable working point are marked as such.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from . import linear_response, network_properties
from .lif import delta, exp
from .plotting import (
    plot_eigenvalue_trajectories,
    plot_power_spectra,
    plot_transfer_functions,
    save_figure,
)
from .stability_verdict import mark_figure, stability_verdict


def dominant_eigenmode(eigenvalues: np.ndarray, freqs: np.ndarray) -> dict:
    """The eigenvalue of M closest to the instability point 1 over all frequencies.

    Parameters
    ----------
    eigenvalues : np.ndarray
        Eigenvalues of the effective connectivity (dimensionless), shape (n_freq, n).
    freqs : np.ndarray
        Frequencies in Hz, shape (n_freq,).

    Returns
    -------
    dict
        'frequency' (Hz), 'frequency_index', 'mode' (index) and 'eigenvalue'
        (the critical eigenvalue of Bos et al. 2016).
    """
    distance = np.abs(1.0 - eigenvalues)
    fi, mode = np.unravel_index(np.argmin(distance), distance.shape)
    return {"frequency": float(freqs[fi]), "frequency_index": int(fi), "mode": int(mode),
            "eigenvalue": complex(eigenvalues[fi, mode]),
            "distance_to_instability": float(distance[fi, mode])}


def linear_response_report(net: Any, method: str, out: Path, progress: bool = True,
                           print_summary: bool = True, synapse_type: str = "exp",
                           variance_channel: bool = False, renewal: bool = False,
                           model_name: str = "") -> list[Path]:
    """Compute the linear response of a network and write figures.

    ``synapse_type`` 'exp' (``method`` 'shift' or 'taylor') or 'delta' (white-noise
    transfer function, Brunel & Hakim 1999).  ``variance_channel`` adds the response to
    the modulated input variance to the effective connectivity
    (:func:`neuromf.linear_response.effective_connectivity`; 'shift' or 'delta' only).
    ``renewal`` uses the neurons' spike-train spectra instead of Poisson noise in the power
    spectra (:func:`neuromf.linear_response.power_spectra`).  The stability verdict
    (:func:`neuromf.stability_verdict.stability_verdict`, in its default convention
    whatever ``variance_channel`` the spectra use) is printed, its count stored as
    ``'analysis.unstable_modes'`` and its summary as ``'analysis.stability'``; the
    figures of an unstable working point carry its mark.  ``model_name`` goes into the
    figure titles (default: the network's label).

    Results are stored in ``net.results`` (saved by the caller).

    Parameters
    ----------
    net : Network
        The network, with its working point computable.
    method : {'shift', 'taylor'}
        Colored-noise approximation (exponential synapses; Schuecker et al. 2015).
    out : Path
        Folder of the figures.
    progress : bool
        Show progress on stderr.
    print_summary : bool
        Print the stability verdict and the dominant mode.
    synapse_type : {'exp', 'delta'}
        Synapse type of the network.
    variance_channel : bool
        Include the response to the modulated input variance.
    renewal : bool
        Spike-train spectra of the neurons as the noise of the power spectra.
    model_name : str
        Name in the figure titles.

    Returns
    -------
    list of Path
        The written figures.
    """
    out = Path(out)
    pops = [str(p) for p in net.network_params["populations"]]
    freqs = net.analysis_params["omegas"] / (2 * np.pi)
    steps = ["transfer function", "delays", "effective connectivity", "stability",
             "power spectra", "eigenvalues", "sensitivity"]
    prefix = "lif.delta." if synapse_type == "delta" else "lif.exp."
    model = delta if synapse_type == "delta" else exp
    tf_kwargs = {} if synapse_type == "delta" else {"method": method}
    if variance_channel and tf_kwargs.get("method", "shift") != "shift":
        raise ValueError("the variance channel is available for method='shift' and δ "
                         "synapses only")
    with tqdm(total=len(steps), desc="linear response", delay=1.0,
              disable=None if progress else True) as bar:  # None: off unless a tty
        transfer = model.transfer_function(net, **tf_kwargs)
        if variance_channel:
            model.transfer_function_variance(net)
        bar.update()
        network_properties.delay_dist_matrix(net)
        bar.update()
        linear_response.effective_connectivity(net, prefix=prefix,
                                               variance_channel=variance_channel)
        bar.update()
        verdict = stability_verdict(net, method=method)
        bar.update()
        if renewal:
            model.spike_train_power_spectra(net)
        spectra = linear_response.power_spectra(net, prefix=prefix, renewal=renewal)
        bar.update()
        eigenvalues = linear_response.eigen_spectra(net, quantity="MH", prefix=prefix)
        bar.update()
        mode = dominant_eigenmode(eigenvalues, freqs)
        sensitivity = linear_response.sensitivity_measure(net, frequency=mode["frequency"],
                                                          prefix=prefix)
        bar.update()
    net.results["analysis.dominant_eigenmode"] = mode
    net.results["analysis.unstable_modes"] = int(verdict.count)
    net.results["analysis.stability"] = verdict.text
    if print_summary:
        print(("WARNING: working point " if not verdict.stable else "working point ")
              + verdict.text)
        amp = np.asarray(sensitivity["sensitivity_amp"])
        # equal amplitudes (identical populations) in a fixed order, not by their last bits
        order = np.argsort(-np.round(np.abs(amp), 10), axis=None, kind="stable")[:3]
        print(f"dominant eigenmode: λ = {mode['eigenvalue']:.4f} at "
              f"{mode['frequency']:.2f} Hz, |1 − λ| = {mode['distance_to_instability']:.4f}")
        print("largest amplitude sensitivities (Bos et al. 2016, Eq. 7; positive: a stronger "
              "connection moves the mode towards instability):")
        for flat in order:
            a, b = np.unravel_index(flat, amp.shape)
            print(f"  {pops[b]:>6} -> {pops[a]:<6} {amp[a, b]:+.4f}")
    name = model_name or str(net.network_params.get("label", ""))
    channel = ("mean and variance channel" if variance_channel else
               "mean channel only (NNMT)")
    noise = "renewal noise" if renewal else "Poisson noise"
    synapses = "δ synapses" if synapse_type == "delta" else f"exp synapses, '{method}'"
    title = f"{name} ({synapses}; {channel}; {noise})"
    figures = [
        (plot_power_spectra(freqs, spectra, pops, title), "power_spectra.png"),
        (plot_transfer_functions(freqs, transfer, pops, title), "transfer_functions.png"),
        (plot_eigenvalue_trajectories(eigenvalues, freqs, title), "eigenvalues.png"),
    ]
    return [save_figure(mark_figure(fig, verdict), out / filename)
            for fig, filename in figures]
