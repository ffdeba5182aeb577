"""Files of a density-model-vs-NEST comparison: h5 and csv data, overlay figures.

Writes what :func:`neuromf.dynamics.compare.compare_dynamics` computed (population rates in
time, spectra, pulse responses, the table), in neuromf's figure style
(:mod:`neuromf.plotting`).  References: see :mod:`neuromf.dynamics.compare`.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import numpy as np

from ..utils import ureg

__all__ = ["write_outputs", "write_csv"]

_NEST = {"color": "0.25", "lw": 0.9, "label": "NEST"}
_FP = {"color": "tab:orange", "lw": 0.9, "label": "density model"}


def _h5_data(res: Any) -> dict:
    q = ureg.Quantity
    table: dict[str, Any] = {}
    for key in res.table[0]:
        if key == "population":
            continue
        unit = "s" if "latency" in key else "" if key.endswith("_rel") else "Hz"
        vals = np.array([row[key] for row in res.table], dtype=float)
        table[key] = q(vals, unit) if unit else vals
    data: dict[str, Any] = {
        "populations": list(res.populations),
        "times": q(res.times, "s"), "rates_nest": q(res.rates_nest, "Hz"),
        "rates_fp": q(res.rates_fp, "Hz"), "freqs": q(res.freqs, "Hz"),
        "psd_nest": q(res.psd_nest, "Hz"), "psd_fp": q(res.psd_fp, "Hz"),
        "rate_window": q(np.asarray(res.window, float), "s"), "table": table,
        "parameters": {k: ("None" if v is None else v) for k, v in res.parameters.items()},
        "timings": {k: q(float(v), "s") for k, v in res.timings.items() if v is not None},
    }
    if res.pulses is not None:
        data["pulses"] = {"onsets": q(res.pulses["onsets"], "s")}
        for side in ("nest", "fp"):
            pr = res.pulses[side]
            data["pulses"][side] = {
                "lags": q(pr["lags"], "s"), "mean": q(pr["mean"], "Hz"),
                "sem": q(pr["sem"], "Hz"), "baseline": q(pr["baseline"], "Hz"),
                "peak": q(pr["peak"], "Hz"), "latency": q(pr["latency"], "s"),
                "n_trials": int(pr["n_trials"])}
    return data


def write_outputs(res: Any, out: Path, figures: bool = True) -> dict:
    """Write ``dynamics_comparison.h5`` / ``.csv`` and the figures into ``out``.

    Parameters
    ----------
    res : DynamicsComparison
        The comparison.
    out : pathlib.Path
        Output folder (created).
    figures : bool
        Also write ``psth_comparison.png``, ``spectra_dynamics_comparison.png`` and, with
        pulses, ``pulse_response.png``.

    Returns
    -------
    dict
        Paths by kind (also stored in ``res.files``).
    """
    from ..input_output import save_quantity_dict_to_h5

    out.mkdir(parents=True, exist_ok=True)
    files = {"h5": out / "dynamics_comparison.h5", "csv": out / "dynamics_comparison.csv"}
    save_quantity_dict_to_h5(files["h5"], _h5_data(res))
    write_csv(res, files["csv"])
    if figures:
        files["psth"] = _psth_figure(res, out / "psth_comparison.png")
        files["spectra"] = _spectra_figure(res, out / "spectra_dynamics_comparison.png")
        if res.pulses is not None:
            files["pulse"] = _pulse_figure(res, out / "pulse_response.png")
    res.files = {k: str(v) for k, v in files.items()}
    return files


def _grid(n: int, plt: Any, height: float = 1.1):
    fig, axes = plt.subplots(n, 1, figsize=(7.5, height * n + 1.2), sharex=True,
                             squeeze=False)
    return fig, axes[:, 0]


def _title(res: Any, what: str) -> str:
    p = res.parameters
    return (f"{p['name']}: {what}\nNEST vs density model of the same realisation "
            f"(N x {p['scale']:g}; finite size: {p['finite_size']}; seed {p['seed']})")


def _psth_figure(res: Any, path: Path) -> Path:
    from ..plotting import _pyplot, save_figure, style_context

    plt = _pyplot()
    with style_context():
        fig, axes = _grid(len(res.populations), plt)
        w = res.parameters["bin_width"]
        for i, (ax, name) in enumerate(zip(axes, res.populations, strict=True)):
            ax.plot(res.times, res.rates_nest[:, i], **_NEST)
            ax.plot(res.times, res.rates_fp[:, i], **_FP)
            ax.set_ylabel(f"{name}\nrate (Hz)")
        axes[0].legend(loc="upper right", ncol=2)
        axes[-1].set_xlabel(f"time (s), {w * 1e3:g}-ms bins")
        fig.suptitle(_title(res, "population rates"))
        fig.tight_layout()
    return save_figure(fig, path)


def _spectra_figure(res: Any, path: Path) -> Path:
    from ..plotting import _pyplot, save_figure, style_context

    plt = _pyplot()
    n = len(res.populations)
    with style_context():
        cols = 2 if n > 1 else 1
        rows = int(np.ceil(n / cols))
        fig, axes = plt.subplots(rows, cols, figsize=(8, 2.0 * rows + 1), squeeze=False,
                                 sharex=True)
        f = res.freqs
        for i, name in enumerate(res.populations):
            ax = axes.flat[i]
            ax.semilogy(f[1:], res.psd_nest[1:, i], **_NEST)
            ax.semilogy(f[1:], res.psd_fp[1:, i], **_FP)
            ax.set_title(name)
            ax.set_ylabel("power (Hz²/Hz)")
        for ax in axes.flat[n:]:
            ax.set_visible(False)
        for ax in axes[-1]:
            ax.set_xlabel("frequency (Hz)")
        axes.flat[0].legend()
        w0, w1 = res.window
        fig.suptitle(_title(res, f"rate spectra in {w0:g}-{w1:g} s"))
        fig.tight_layout()
    return save_figure(fig, path)


def _pulse_figure(res: Any, path: Path) -> Path:
    from ..plotting import _pyplot, save_figure, style_context

    plt = _pyplot()
    with style_context():
        fig, axes = _grid(len(res.populations), plt, 1.0)
        for side, style in (("nest", _NEST), ("fp", _FP)):
            pr = res.pulses[side]
            lags = pr["lags"] * 1e3
            for i, ax in enumerate(axes):
                ax.plot(lags, pr["mean"][:, i], **style)
                ax.fill_between(lags, pr["mean"][:, i] - pr["sem"][:, i],
                                pr["mean"][:, i] + pr["sem"][:, i], color=style["color"],
                                alpha=0.25, lw=0)
        dur = 1e3 * (res.parameters.get("pulse_duration") or 0.0)
        for ax, name in zip(axes, res.populations, strict=True):
            ax.axvspan(0, dur, color="tab:blue", alpha=0.08, lw=0)
            ax.set_ylabel(f"{name}\nrate (Hz)")
        axes[0].legend(loc="upper right", ncol=2)
        axes[-1].set_xlabel("time after pulse onset (ms); shaded: thalamic pulse, "
                            "bands: ± s.e.m. over pulses")
        n_tr = res.pulses["nest"]["n_trials"]
        fig.suptitle(_title(res, f"thalamic pulse response, {n_tr} pulses"))
        fig.tight_layout()
    return save_figure(fig, path)


def write_csv(res: Any, path: Path) -> None:
    """Write the table as CSV (SI units named in the header), atomically.

    Parameters
    ----------
    res : DynamicsComparison
        The comparison.
    path : pathlib.Path
        Output file.
    """
    from ..input_output import atomic_write

    keys = list(res.table[0])
    units = {k: ("s" if "latency" in k else "" if k.endswith(("_rel", "population"))
                 else "Hz") for k in keys}
    with atomic_write(path) as tmp, open(tmp, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow([f"{k} ({units[k]})" if units[k] else k for k in keys])
        for row in res.table:
            w.writerow([row[k] for k in keys])
