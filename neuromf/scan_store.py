"""The HDF5 file of a parameter scan, written batch by batch (bounded memory, resumable).

Layout (readable by :func:`neuromf.input_output.load_h5` and hence
:meth:`neuromf.scan.ScanResult.load`)::

    scan/   quantity, unit, method, model, key, populations
    axes/   <name>/{val, unit, index}
    data/   {val: grid shape + item shape, unit}
    done    bool, grid shape

The file is created once, atomically, with ``data/val`` pre-allocated (NaN) and
``done`` all False; every finished batch of grid points is then written into it in
place (one write per run of consecutive points along the last grid axis) and flushed,
so an interrupted scan loses at most the batches in flight and resumes from ``done``.
Nothing proportional to the grid times the item size is held in memory.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import h5py
import numpy as np

from . import input_output as io

__all__ = ["create", "read_progress", "write_batch", "open_data"]

_TYPE = io._TYPE_ATTR


def create(path: str | Path, meta: dict, axes: dict, shape: tuple, item_shape: tuple,
           dtype: np.dtype, unit: str) -> None:
    """Write a new scan file with pre-allocated ``data/val`` and ``done``.

    The file is written atomically; ``data/val`` is allocated contiguously and filled
    with NaN (integer and boolean data: 0), ``done`` with False.

    Parameters
    ----------
    path : str or pathlib.Path
        The HDF5 file to create (replaced if it exists).
    meta : dict
        Contents of the ``scan`` group: ``quantity``, ``unit``, ``method``, ``model``,
        ``key`` (the scan's fingerprint, checked on resume) and ``populations``.
    axes : dict
        ``{name: {'val': values, 'unit': str, 'index': int}}``, one entry per scan axis,
        values in SI (the unit named by ``'unit'``).
    shape : tuple of int
        Grid shape (number of values per scan axis).
    item_shape : tuple of int
        Shape of the result at one grid point (e.g. ``(n_populations,)``).
    dtype : numpy.dtype
        Data type of the results (float or complex).
    unit : str
        Unit of the scanned quantity (stored as ``data/unit``).
    """
    placeholder = np.zeros(0)
    io.save_h5(path, {"scan": meta, "axes": axes,
                      "data": {"val": placeholder, "unit": unit}, "done": placeholder})
    with h5py.File(path, "r+") as f:
        del f["data/val"]
        del f["done"]
        full = tuple(shape) + tuple(item_shape)
        fill = np.nan if np.dtype(dtype).kind in "fc" else 0
        _allocated(f["data"], "val", full, np.dtype(dtype), fill)
        _allocated(f, "done", tuple(shape), np.dtype(bool), False)


def _allocated(group: h5py.Group, name: str, shape: tuple, dtype: np.dtype,
               fill: Any) -> h5py.Dataset:
    """Contiguous dataset, allocated now and filled with ``fill`` (memory-mappable)."""
    dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
    dcpl.set_alloc_time(h5py.h5d.ALLOC_TIME_EARLY)
    dcpl.set_fill_time(h5py.h5d.FILL_TIME_ALLOC)
    dcpl.set_fill_value(np.array(fill, dtype=dtype))
    space = h5py.h5s.create_simple(shape if shape else (1,)) if shape else \
        h5py.h5s.create(h5py.h5s.SCALAR)
    h5py.h5d.create(group.id, name.encode(), h5py.h5t.py_create(dtype, logical=True),
                    space, dcpl=dcpl)
    dset = group[name]
    dset.attrs[_TYPE] = "array"
    return dset


def read_progress(path: str | Path) -> tuple[str, np.ndarray] | None:
    """Fingerprint and progress of an existing scan file.

    Parameters
    ----------
    path : str or pathlib.Path
        The HDF5 file.

    Returns
    -------
    tuple of (str, numpy.ndarray) or None
        ``(key, done)``: the scan's fingerprint and the boolean grid of finished points;
        None if the file cannot be read or is no scan file.
    """
    try:
        with h5py.File(path, "r") as f:
            key = f["scan/key"].asstr()[0]
            return str(key), np.asarray(f["done"][()], dtype=bool)
    except (OSError, KeyError):
        return None


def _runs(flat: np.ndarray, shape: tuple) -> list[tuple[tuple, slice, slice]]:
    """Split increasing flat grid indices into runs along the last axis:
    [(leading index, slice on the last axis, slice into the batch)]."""
    last = shape[-1] if shape else 1
    row = flat // last
    col = flat % last
    breaks = np.flatnonzero((np.diff(row) != 0) | (np.diff(col) != 1)) + 1
    starts = np.r_[0, breaks]
    stops = np.r_[breaks, flat.size]
    runs = []
    for a, b in zip(starts, stops, strict=True):
        lead = np.unravel_index(int(row[a]), shape[:-1]) if len(shape) > 1 else ()
        runs.append((tuple(int(i) for i in lead), slice(int(col[a]), int(col[b - 1]) + 1),
                     slice(int(a), int(b))))
    return runs


def write_batch(path: str | Path, flat: np.ndarray, values: np.ndarray,
                shape: tuple) -> None:
    """Write one batch of results into the scan file and mark its points done.

    One write per run of consecutive points along the last grid axis; the file is
    flushed at the end.

    Parameters
    ----------
    path : str or pathlib.Path
        A scan file made by :func:`create`.
    flat : numpy.ndarray of int
        Flat (C-order) indices of the grid points of the batch, in any order.
    values : numpy.ndarray
        Results, shape ``(len(flat),) + item_shape``, in the unit of the file.
    shape : tuple of int
        Grid shape of the scan.
    """
    order = np.argsort(flat, kind="stable")
    flat, values = np.asarray(flat)[order], np.asarray(values)[order]
    with h5py.File(path, "r+") as f:
        data, done = f["data/val"], f["done"]
        for lead, cols, part in _runs(flat, shape):
            data[lead + (cols,)] = values[part]
            done[lead + (cols,)] = True
        f.flush()


def open_data(path: str | Path) -> np.ndarray:
    """``data/val`` of a scan file as a read-only memory map (no copy into memory).

    Parameters
    ----------
    path : str or pathlib.Path
        A scan file made by :func:`create`.

    Returns
    -------
    numpy.memmap
        Shape grid shape + item shape, in the unit stored as ``data/unit``; complex
        data (stored as HDF5 compound ``r``, ``i``) are mapped as complex.

    Raises
    ------
    RuntimeError
        If the dataset is not stored contiguously (no memory map possible).
    """
    with h5py.File(path, "r") as f:
        dset = f["data/val"]
        offset, shape, dtype = dset.id.get_offset(), dset.shape, dset.dtype
    if offset is None:
        raise RuntimeError(f"the data of {path} are not stored contiguously")
    dtype = np.dtype(complex) if dtype.names == ("r", "i") else dtype
    return np.memmap(path, mode="r", dtype=dtype, shape=shape, offset=offset)
