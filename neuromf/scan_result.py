"""The labeled result of a parameter scan: axes with names, SI values and units, data.

:class:`ScanResult` is what :func:`neuromf.scan.scan` returns; it is saved to and loaded
from the HDF5 layout of :mod:`neuromf.scan_store` (which a running scan writes batch by
batch).  Tables and heat maps of it: :mod:`neuromf.scan_report`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import input_output as io
from .utils import ureg

__all__ = ["ScanResult"]


@dataclass
class ScanResult:
    """Labeled result of a scan: ``data[i_1, ..., i_k, ...]`` at the axis values.

    Made by :func:`neuromf.scan.scan`; written to and read from HDF5 with :meth:`save`
    and :meth:`load` (the layout of :mod:`neuromf.scan_store`).

    Parameters
    ----------
    axis_names : list of str
        Names of the scanned parameters, one per grid axis.
    axis_values : list of numpy.ndarray
        Values of each axis in SI (the units of ``axis_units``), 1d.
    axis_units : list of str
        SI unit of each axis (pint syntax; '' for dimensionless parameters).
    data : numpy.ndarray
        Results, shape grid shape + shape of the quantity at one point, in ``unit``;
        NaN at points not computed (a read-only memory map for ``in_memory=False``).
    done : numpy.ndarray of bool
        Grid shape: True at the points computed.
    quantity : str
        Name of the scanned quantity (:data:`neuromf.scan.QUANTITIES`).
    unit : str
        SI unit of ``data`` (pint syntax).
    method : str
        Colored-noise approximation used ('shift' or 'taylor').
    model : str
        Label of the model.
    populations : list of str
        Population names (the last axis of per-population quantities).
    key : str
        Fingerprint of model, axes, quantity and method (checked when a scan resumes).
    """

    axis_names: list[str]
    axis_values: list[np.ndarray]          # SI
    axis_units: list[str]                  # unit of the SI values
    data: np.ndarray
    done: np.ndarray
    quantity: str
    unit: str
    method: str
    model: str
    populations: list[str] = field(default_factory=list)
    key: str = ""

    def axis_quantity(self, i: int) -> Any:
        """Values of one axis as a pint quantity in SI units.

        Parameters
        ----------
        i : int
            Index of the grid axis.

        Returns
        -------
        pint.Quantity or numpy.ndarray
            The values of axis ``i`` with their SI unit; the plain array for a
            dimensionless axis.
        """
        return ureg.Quantity(self.axis_values[i], self.axis_units[i]) \
            if self.axis_units[i] else self.axis_values[i]

    def save(self, path: str | Path) -> None:
        """Write the result to HDF5 atomically (names, values and units of every axis).

        Parameters
        ----------
        path : str or pathlib.Path
            The HDF5 file (replaced if it exists); the layout of
            :mod:`neuromf.scan_store`, readable by :meth:`load`.
        """
        io.save_h5(path, {
            "scan": {"quantity": self.quantity, "unit": self.unit, "method": self.method,
                     "model": self.model, "key": self.key,
                     "populations": list(self.populations) or None},
            "axes": {name: {"val": values, "unit": unit, "index": i}
                     for i, (name, values, unit) in
                     enumerate(zip(self.axis_names, self.axis_values, self.axis_units))},
            "data": {"val": self.data, "unit": self.unit},
            "done": self.done,
        })

    @classmethod
    def load(cls, path: str | Path) -> ScanResult:
        """Read a result written by :meth:`save` or by a scan with ``out=``.

        Parameters
        ----------
        path : str or pathlib.Path
            The HDF5 file.

        Returns
        -------
        ScanResult
            The labeled result; ``data`` is read into memory.

        Raises
        ------
        FileNotFoundError
            If there is no such file.
        KeyError
            If the file is no scan file (a group or field is missing).
        """
        raw = io.load_h5(path)
        axes = sorted(raw["axes"].items(), key=lambda item: item[1]["index"])
        meta = raw["scan"]
        return cls(axis_names=[name for name, _ in axes],
                   axis_values=[np.asarray(a["val"]) for _, a in axes],
                   axis_units=[a["unit"] for _, a in axes],
                   data=np.asarray(raw["data"]["val"]), done=np.asarray(raw["done"], bool),
                   quantity=meta["quantity"], unit=meta["unit"], method=meta["method"],
                   model=meta["model"], populations=list(meta["populations"] or []),
                   key=meta["key"])
