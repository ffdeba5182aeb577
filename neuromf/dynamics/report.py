"""Plain entry point for ``neuromf dynamics MODEL ...``: run, summarise, write h5 and figures.

The CLI (owned elsewhere) maps its arguments onto :func:`run`; see docs/dynamics.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..utils import ureg
from .simulate import simulate
from .stimulus import Stimulus, microcircuit_stimulus

__all__ = ["run", "STIMULI", "resolve_stimulus"]

#: Names accepted for ``stimulus`` by :func:`run` (the CLI's ``--stimulus``).
STIMULI = ("none", "thalamic", "dc", "thalamic+dc")


def resolve_stimulus(model: Any, stimulus: Any) -> Stimulus | None:
    """The :class:`Stimulus` a stimulus name stands for.

    Parameters
    ----------
    model : neuromf.models.Network
        The microcircuit-like model whose simulation parameters define the thalamic pulse
        and the DC stimulus (:func:`neuromf.dynamics.stimulus.microcircuit_stimulus`).
    stimulus : None, str or Stimulus
        ``None`` or 'none', 'thalamic', 'dc', 'thalamic+dc' (case-insensitive), or a
        :class:`Stimulus`, which is returned unchanged.

    Returns
    -------
    Stimulus or None
        The stimulus; ``None`` for no stimulus.

    Raises
    ------
    ValueError
        For any other name.
    """
    if stimulus is None or isinstance(stimulus, Stimulus):
        return stimulus
    name = str(stimulus).lower()
    if name not in STIMULI:
        raise ValueError(f"unknown stimulus {stimulus!r}; choose one of {', '.join(STIMULI)} "
                         "or pass a neuromf.dynamics.Stimulus")
    if name == "none":
        return None
    return microcircuit_stimulus(model, thalamic="thalamic" in name, dc="dc" in name)


def _model(model_name_or_network: Any):
    if hasattr(model_name_or_network, "network_params"):
        return model_name_or_network
    from ..models import load_model
    return load_model(str(model_name_or_network))


def run(model_name_or_network: Any, t_sim: float = 1.0, stimulus: Any = None,
        finite_size: bool = False, out_dir: str | Path | None = None, *,
        method: str = "fokker-planck", dt: float = 1e-4, seed: int | None = None,
        n_grid: int = 200, t_transient: float = 0.1, perturbation: float = 0.0,
        scheme: str = "backward-euler", synapses: str = "diffusion",
        progress: bool = True, figures: bool = True) -> list[str]:
    """Simulate the population dynamics of a model and report rates and spectra.

    Parameters
    ----------
    model_name_or_network : str or Network
        Built-in model name (``neuromf.models.available()``), YAML path, or a network.
    t_sim : float
        Biological time (s).
    stimulus : None, 'none', 'thalamic', 'dc', 'thalamic+dc' or Stimulus
        The named stimuli are the microcircuit's (parameters of neuromf.simulation).
    finite_size : bool
        Finite-size noise of the ``N`` neurons per population.
    out_dir : path, optional
        Folder for ``dynamics.h5`` (rates(t), inputs, parameters, units), ``spectra.h5``
        and the figures ``rates.png``, ``spectra.png``.
    method, dt, seed, n_grid, perturbation, scheme, synapses, progress
        As in :func:`neuromf.dynamics.simulate` (``synapses='jumps'``: finite PSP jumps of
        δ synapses; ``scheme='discrete-time'``: NEST's update of ``iaf_psc_delta``).
    t_transient : float
        Initial time (s) left out of the mean rates and spectra.
    figures : bool
        Write the figures (needs matplotlib).

    Returns
    -------
    list of str
        The printed report lines.
    """
    model = _model(model_name_or_network)
    stim = resolve_stimulus(model, stimulus)
    if not 0 <= t_transient < t_sim:
        raise ValueError(f"t_transient = {t_transient} s must lie in [0, t_sim = {t_sim} s)")
    result = simulate(model, t_sim, dt=dt, method=method, stimulus=stim,
                      finite_size=finite_size, seed=seed, progress=progress, n_grid=n_grid,
                      perturbation=perturbation, scheme=scheme, synapses=synapses)
    label = model.network_params.get("label", type(model).__name__)
    lines = [f"neuromf dynamics: {label}, {len(result.populations)} populations, "
             f"method {method}"
             + (f" ({synapses} synapses, {scheme})" if method == "fokker-planck" else "")
             + f", t_sim {t_sim:g} s, dt {dt * 1e3:g} ms"
             + (f", finite size (seed {seed})" if finite_size else "")
             + (f", stimulus {stimulus}" if stimulus is not None else ""),
             f"wall time {result.diagnostics['wall_time']:.2f} s"]
    if "probability_drift_per_second" in result.diagnostics:
        lines.append(f"probability drift {result.diagnostics['probability_drift_per_second']:.2g}"
                     " per s, min density "
                     f"{result.diagnostics['min_density']:.2g} 1/V")
    freqs, psd = result.spectra(t_min=t_transient)
    mean = result.mean_rates(t_min=t_transient)
    sel = result.times >= t_transient
    std = result.rates[sel].std(axis=0)
    band = freqs >= 5.0
    lines.append(f"{'population':>10s} {'rate (Hz)':>10s} {'std (Hz)':>10s} "
                 f"{'peak (Hz)':>10s}")
    for i, name in enumerate(result.populations):
        peak = freqs[band][np.argmax(psd[band, i])] if band.any() else np.nan
        lines.append(f"{name:>10s} {mean[i]:10.3f} {std[i]:10.3f} {peak:10.1f}")
    if out_dir is not None:
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        result.save(out / "dynamics.h5")
        from ..input_output import save_quantity_dict_to_h5
        save_quantity_dict_to_h5(out / "spectra.h5", {
            "freqs": ureg.Quantity(freqs, "Hz"), "power": ureg.Quantity(psd, "Hz"),
            "populations": list(result.populations), "t_transient": ureg.Quantity(
                t_transient, "s")})
        written = ["dynamics.h5", "spectra.h5"]
        if figures:
            written += _figures(result, freqs, psd, out, t_transient)
        lines.append("wrote " + ", ".join(str(out / w) for w in written))
    return lines


def _figures(result, freqs, psd, out: Path, t_transient: float) -> list[str]:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    n = len(result.populations)
    fig, axes = plt.subplots(n, 1, figsize=(7, 1.2 * n + 1), sharex=True, squeeze=False)
    for i, name in enumerate(result.populations):
        ax = axes[i, 0]
        ax.plot(result.times, result.rates[:, i], lw=0.6)
        ax.set_ylabel(f"{name}\n(Hz)")
    axes[-1, 0].set_xlabel("time (s)")
    fig.suptitle(f"population rates ({result.method})")
    fig.tight_layout()
    fig.savefig(out / "rates.png", dpi=120)
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(6, 4))
    for i, name in enumerate(result.populations):
        ax.semilogy(freqs[1:], psd[1:, i], label=name, lw=0.8)
    ax.set_xlabel("frequency (Hz)")
    ax.set_ylabel("power (Hz)")
    ax.set_xlim(0, min(500.0, freqs[-1]))
    ax.legend(fontsize=7, ncol=2)
    ax.set_title(f"rate spectra after {t_transient:g} s")
    fig.tight_layout()
    fig.savefig(out / "spectra.png", dpi=120)
    plt.close(fig)
    return ["rates.png", "spectra.png"]
