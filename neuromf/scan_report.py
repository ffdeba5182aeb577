"""Tables and heat maps of parameter scans (:class:`neuromf.scan.ScanResult`).

:func:`scan_table` formats the scanned quantity at every grid point as a text table
(one row per grid point, one column per population); :func:`plot_scan` draws it as a
heat map over the first two scan axes (one panel per population; a line plot for a
one-axis scan).  Axis values are shown in the unit the model was given the parameter
in.  Used by ``neuromf scan`` (:mod:`neuromf.cli.scan`).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

import numpy as np

from .plotting import styled

__all__ = ["scan_table", "plot_scan", "axis_values_in", "SPECTRAL_QUANTITIES",
           "UNSTABLE_NOTE"]

#: scan quantities of the linear theory's spectra: meaningful only at stable working points,
#: so tables and heat maps of them mark the linearly unstable grid points
SPECTRAL_QUANTITIES = ("power_spectra", "peak_frequency", "peak_power")

UNSTABLE_NOTE = ("linearly unstable working point (Nyquist count > 0, mean and variance "
                 "channel): the spectrum is that of the linearised, not of a stationary "
                 "state")


def axis_values_in(result: Any, i: int, unit: str | None) -> tuple[np.ndarray, str]:
    """Values of axis ``i`` converted to ``unit`` (default: the stored SI unit).

    Parameters
    ----------
    result : neuromf.scan.ScanResult
        The scan (its ``axis_values`` and ``axis_units``).
    i : int
        Index of the scan axis.
    unit : str or None
        Display unit (a pint unit string with the dimension of the axis); None or ''
        keeps the stored unit.

    Returns
    -------
    values : numpy.ndarray
        The axis values in ``unit``.
    unit : str
        The unit of ``values`` (the stored one when ``unit`` is empty or the axis has
        no unit).

    Raises
    ------
    pint.DimensionalityError
        If ``unit`` has not the dimension of the stored unit.
    """
    values = np.asarray(result.axis_values[i], dtype=float)
    stored = result.axis_units[i]
    if not unit or not stored:
        return values, stored
    from .utils import ureg

    return np.asarray(ureg.Quantity(values, stored).to(unit).magnitude), unit


def _columns(result: Any) -> tuple[list[str], np.ndarray]:
    """Column labels and data reshaped to (grid points..., columns)."""
    grid_ndim = len(result.axis_names)
    data = np.asarray(result.data)
    extra = data.shape[grid_ndim:]
    n_columns = int(np.prod(extra)) if extra else 1
    flat = data.reshape(data.shape[:grid_ndim] + (n_columns,))
    if len(extra) == 1 and len(result.populations) == extra[0]:
        labels = [str(p) for p in result.populations]
    elif not extra:
        labels = [result.quantity]
    else:
        labels = ["[" + ",".join(map(str, idx)) + "]"
                  for idx in itertools.product(*[range(n) for n in extra])]
    return labels, flat


def quantity_note(quantity: str) -> str:
    """What the values of a scan quantity mean (e.g. the stability convention), or ''."""
    from .scan import QUANTITY_NOTES

    return QUANTITY_NOTES.get(quantity, "")


def _format(value: Any) -> str:
    if isinstance(value, complex | np.complexfloating):
        return f"{value.real:.6g}{value.imag:+.6g}j"
    if isinstance(value, float | np.floating) and not np.isfinite(value):
        return "-" if np.isnan(value) else f"{value}"
    return f"{value:.6g}"


def scan_table(result: Any, units: Mapping[str, str] | None = None,
               max_rows: int = 100, unstable: Any = None) -> str:
    """The scanned quantity as a text table, one row per grid point.

    Parameters
    ----------
    result : neuromf.scan.ScanResult
        The scan to format (its axes, data, quantity and unit).
    units : dict, optional
        Display unit per axis name (e.g. the model's input units); default SI.
    max_rows : int
        Rows shown; the rest is summarised in a last line.
    unstable : array of bool, optional
        Shape of the grid: True where the working point is linearly unstable; adds a
        column 'state' and a line saying what 'unstable' means (:data:`UNSTABLE_NOTE`).

    Returns
    -------
    str
        Header with axis names and units and the quantity's unit, then the rows;
        points not computed are shown as '-'.
    """
    units = dict(units or {})
    axes = [axis_values_in(result, i, units.get(name))
            for i, name in enumerate(result.axis_names)]
    labels, flat = _columns(result)
    headers = [f"{name} ({unit})" if unit else name
               for name, (_, unit) in zip(result.axis_names, axes)]
    headers += labels
    if unstable is not None:
        unstable = np.asarray(unstable, dtype=bool)
        headers.append("state")
    rows = []
    for idx in itertools.product(*[range(len(v)) for v, _ in axes]):
        row = [_format(axes[d][0][i]) for d, i in enumerate(idx)]
        row += [_format(v) for v in flat[idx]]
        if unstable is not None:
            row.append("UNSTABLE" if unstable[idx] else "stable")
        rows.append(row)
    shown = rows[:max_rows]
    widths = [max(len(h), *(len(r[c]) for r in shown)) + 2 for c, h in enumerate(headers)]
    note = quantity_note(result.quantity)
    lines = [f"{result.quantity} ({result.unit})" + (f"; {note}" if note else ""),
             "".join(f"{h:>{w}}" for h, w in zip(headers, widths)),
             "-" * sum(widths)]
    lines += ["".join(f"{v:>{w}}" for v, w in zip(r, widths)) for r in shown]
    if len(rows) > max_rows:
        lines.append(f"... {len(rows) - max_rows} more grid points (all are in the "
                     f"HDF5 result)")
    if unstable is not None and unstable.any():
        lines.append(f"UNSTABLE ({int(unstable.sum())} of {unstable.size} points): "
                     f"{UNSTABLE_NOTE}")
    return "\n".join(lines)


@styled
def plot_scan(result: Any, units: Mapping[str, str] | None = None, max_panels: int = 8,
              unstable: Any = None):
    """Heat map of the scanned quantity over the first two axes, one panel per column.

    With more than two axes the others are fixed at their first value (named in the
    title); with one axis, lines over that axis.  Complex quantities are shown by their
    real part.

    Parameters
    ----------
    result : neuromf.scan.ScanResult
        The scan to draw.
    units : dict, optional
        Display unit per axis name (e.g. the model's input units); default SI.
    max_panels : int
        Most columns (populations or result components) drawn.
    unstable : array of bool, optional
        Shape of the grid: True where the working point is linearly unstable; those
        points are marked with a red 'x' (heat map) or a red ring (lines), with a
        legend entry.

    Returns
    -------
    matplotlib.figure.Figure
        The figure, drawn in the project's style (:func:`neuromf.plotting.styled`).
    """
    from .plotting import _pyplot

    plt = _pyplot()
    units = dict(units or {})
    labels, flat = _columns(result)
    flat = np.real(flat).astype(float)
    labels, n = labels[:max_panels], min(len(labels), max_panels)
    axes_vals = [axis_values_in(result, i, units.get(name))
                 for i, name in enumerate(result.axis_names)]
    names = [f"{name} ({unit or 'dimensionless'})"
             for name, (_, unit) in zip(result.axis_names, axes_vals)]
    value_label = (("Re " if np.iscomplexobj(result.data) else "") + result.quantity
                   + f" ({result.unit or 'dimensionless'})")
    note = quantity_note(result.quantity)
    title = (f"{result.model}: {result.quantity} ('{result.method}')"
             + (f"\n{note}" if note else ""))
    if len(result.axis_names) == 1:
        fig, ax = plt.subplots(figsize=(7, 4.5), constrained_layout=True)
        x = axes_vals[0][0]
        for c in range(n):
            ax.plot(x, flat[:, c], marker="o", label=labels[c])
        marked = unstable is not None and bool(np.any(unstable))
        if marked:
            bad = np.asarray(unstable, dtype=bool)
            for c in range(n):
                ax.plot(x[bad], flat[bad, c], "o", mfc="none", mec="red", ms=11,
                        label="linearly unstable" if c == 0 else None)
        ax.set_xlabel(names[0])
        ax.set_ylabel(value_label)
        if n > 1 or marked:
            ax.legend(fontsize="small", title="population")
        ax.set_title(title)
        return fig
    rest = [f"{result.axis_names[d]} = {axes_vals[d][0][0]:.6g}"
            for d in range(2, len(result.axis_names))]
    planes = flat[(slice(None), slice(None)) + (0,) * (flat.ndim - 3)]
    cols = min(n, 4)
    rows = int(np.ceil(n / cols))
    fig, axs = plt.subplots(rows, cols, figsize=(max(3.4 * cols + 0.6, 6.0),
                                                 max(2.9 * rows + 0.6, 3.6)),
                            squeeze=False, constrained_layout=True)
    (x, _), (y, _) = axes_vals[0], axes_vals[1]
    finite = planes[..., :n][np.isfinite(planes[..., :n])]
    vmin, vmax = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    image = None
    for c in range(rows * cols):
        ax = axs[c // cols][c % cols]
        if c >= n:
            ax.axis("off")
            continue
        # rows of the image: second axis; columns: first axis
        image = ax.pcolormesh(x, y, planes[:, :, c].T, shading="nearest", vmin=vmin,
                              vmax=vmax, cmap="viridis")
        ax.set_title(labels[c], fontsize=9)
        ax.set_xlabel(names[0])
        if c % cols == 0:
            ax.set_ylabel(names[1])
        if unstable is not None and np.any(unstable):
            bad = np.asarray(unstable, dtype=bool)[(slice(None), slice(None))
                                                   + (0,) * (np.ndim(unstable) - 2)]
            xi, yi = np.nonzero(bad)
            ax.plot(x[xi], y[yi], "x", color="red", ms=7, mew=2,
                    label="linearly unstable")
            if c == 0:
                ax.legend(loc="upper right", fontsize="small", frameon=True,
                          facecolor="white", framealpha=0.9)
    if image is not None:
        fig.colorbar(image, ax=axs, label=value_label, shrink=0.9)
    fig.suptitle(title + (f", {', '.join(rest)}" if rest else ""))
    return fig
