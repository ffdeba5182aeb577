"""Running the NEST simulation, collecting spikes, writing result files safely.

* :func:`run_simulation` advances the network in whole time steps, in chunks, and draws
  a progress bar (tqdm) on stderr.  Chunking does not change the result: NEST produces
  the same spikes for one long run and for any split into whole steps.
* :func:`collect_spikes` returns the spikes of each population as numpy arrays, either
  from the recorders' memory or from the files NEST streamed during the run
  (``record_to='ascii'``), which keeps large runs out of RAM.
* :func:`atomic_path` makes every result file appear only when it is complete (written
  to a temporary name, then renamed with :func:`os.replace`), so that an interrupted run
  leaves no half-written results.

MPI: NEST distributes neurons over ranks and each rank records only its own neurons.
With ``nest.NumProcesses() > 1`` spikes are therefore always streamed to files in a
folder shared by all ranks; after the run the ranks synchronise and rank 0 reads all
files.  Only rank 0 writes summaries (see :func:`is_writer`).
"""

from __future__ import annotations

import glob
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

import numpy as np
from tqdm import tqdm

from neuromf.input_output import file_mode
from neuromf.simulation.backend import import_nest
from neuromf.simulation.builder import BuiltNetwork

__all__ = ["run_simulation", "collect_spikes", "atomic_path", "is_writer",
           "save_spikes", "load_spikes", "read_ascii_spikes"]


def is_writer() -> bool:
    """True on the MPI rank that writes summaries (rank 0), or without NEST/MPI.

    Returns
    -------
    bool
        Whether this process writes the files.
    """
    try:
        nest = import_nest()
    except ImportError:
        return True
    return nest.Rank() == 0


def run_simulation(built: BuiltNetwork, progress: bool = True, updates: int = 50,
                   stream: IO[str] | None = None) -> dict[str, float]:
    """Simulate ``t_presim + t_sim`` of ``built`` in chunks of whole time steps.

    Parameters
    ----------
    stream : file-like, optional
        Where the progress bar goes (default stderr).
    built : BuiltNetwork
        Network from :func:`~neuromf.simulation.builder.build_network`.
    progress : bool
        Draw a progress bar on stderr (rank 0 only).
    updates : int
        Number of chunks (progress updates).

    Returns
    -------
    dict
        Wall-clock seconds of the presimulation ('presimulate') and of the analysed
        simulation ('simulate').
    """
    nest = import_nest()
    spec = built.spec
    res = spec.resolution
    presim_steps = int(round(spec.t_presim / res))
    total_steps = presim_steps + int(round(spec.t_sim / res))
    updates = max(int(updates), 1)
    # NEST advances in slices of min_delay; chunks that are whole numbers of slices give
    # exactly the spikes of one uninterrupted run
    slice_steps = max(int(round(nest.min_delay / res)), 1)
    bounds = np.round(np.linspace(0, total_steps, updates + 1) / slice_steps) * slice_steps
    bounds = np.unique(np.clip(np.concatenate([bounds, [presim_steps, total_steps]]),
                               0, total_steps)).astype(int)
    # model time in s; disable=None: drawn only when the stream is a terminal
    bar = tqdm(total=round(total_steps * res / 1e3, 6), desc="presimulating", unit="s",
               file=stream, disable=None if progress and nest.Rank() == 0 else True,
               bar_format="{desc} {percentage:5.1f}%|{bar}| {n:.2f}/{total:.2f} s model "
                          "time [{elapsed}<{remaining}]")
    timings = {"presimulate": 0.0, "simulate": 0.0}
    t_last = time.perf_counter()
    try:
        with nest.RunManager():
            for a, b in zip(bounds[:-1], bounds[1:], strict=True):
                nest.Run((b - a) * res)
                now = time.perf_counter()
                timings["presimulate" if b <= presim_steps else "simulate"] += now - t_last
                t_last = now
                bar.set_description_str("presimulating" if b <= presim_steps
                                        else "simulating", refresh=False)
                bar.update(round(b * res / 1e3, 6) - bar.n)
    finally:
        bar.close()
    if nest.NumProcesses() > 1:
        nest.SyncProcesses()
    return timings


def read_ascii_spikes(files: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Senders and times (ms) from NEST ascii spike files (header lines skipped).

    Parameters
    ----------
    files : list of str
        NEST ascii spike files (``.dat``) of one recorder.

    Returns
    -------
    senders : np.ndarray
        NEST global ids of the spiking neurons.
    times : np.ndarray
        Spike times in ms.
    """
    senders, times = [], []
    for fname in files:
        with open(fname) as f:
            header = 0
            for line in f:
                if line[:1].isdigit():
                    break
                header += 1
        data = np.loadtxt(fname, skiprows=header, ndmin=2)
        if data.size:
            senders.append(data[:, 0].astype(np.int64))
            times.append(data[:, 1])
    if not senders:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    return np.concatenate(senders), np.concatenate(times)


def collect_spikes(built: BuiltNetwork) -> list[tuple[np.ndarray, np.ndarray]] | None:
    """Spikes of every population as (neuron index within population, time in s).

    Arrays are sorted by time (then index).  Returns None on MPI ranks other than 0.

    Parameters
    ----------
    built : BuiltNetwork
        The simulated network (:func:`~neuromf.simulation.builder.build_network`).

    Returns
    -------
    list of (np.ndarray, np.ndarray) or None
        Per population, neuron indices (0 … N−1) and spike times in s; None on MPI
        ranks other than 0.
    """
    nest = import_nest()
    out = []
    first = built.first_ids
    if built.record_to == "memory":
        events = built.spike_recorders.get("events")
        if isinstance(events, dict):
            events = (events,)
        raw = [(np.asarray(ev["senders"]).astype(np.int64), np.asarray(ev["times"], float))
               for ev in events]
    else:
        if nest.Rank() != 0:
            return None
        raw = []
        for gid in [rec.global_id for rec in built.spike_recorders]:
            files = sorted(glob.glob(f"{built.record_label}-{gid}-*.dat"))
            raw.append(read_ascii_spikes(files))
    res = built.spec.resolution
    for i, (senders, times_ms) in enumerate(raw):
        # sort by time step (file and memory times may differ in the last bit), then id
        order = np.lexsort((senders, np.round(times_ms / res)))
        out.append(((senders[order] - first[i]).astype(np.int64), times_ms[order] * 1e-3))
    return out


@contextmanager
def atomic_path(path: str) -> Iterator[str]:
    """Yield a temporary file name next to ``path``; rename it to ``path`` on success.

    On any exception (including KeyboardInterrupt) the temporary file is removed and
    ``path`` is left untouched.

    Parameters
    ----------
    path : str
        The file to write.
    """
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix="." + os.path.basename(path) + ".",
                               suffix=".partial")
    os.close(fd)
    try:
        yield tmp
        os.chmod(tmp, file_mode(path))   # not mkstemp's 0600: the mode of a new file
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def save_spikes(path: str, spikes: list[tuple[np.ndarray, np.ndarray]],
                populations: list[str], n_neurons: np.ndarray, t_start: float,
                t_stop: float) -> None:
    """Write spikes (index, time in s per population) to a compressed ``.npz``, atomically.

    Parameters
    ----------
    path : str
        The ``.npz`` file to write.
    spikes : list of (np.ndarray, np.ndarray)
        Per population, neuron indices (0 … N−1) and spike times in s.
    populations : list of str
        Population names.
    n_neurons : np.ndarray
        Neurons per population.
    t_start, t_stop : float
        The analysis window in s.
    """
    arrays: dict[str, Any] = {"populations": np.array(populations),
                              "n_neurons": np.asarray(n_neurons),
                              "window": np.array([t_start, t_stop])}
    for i, (senders, times) in enumerate(spikes):
        arrays[f"senders_{i}"] = senders.astype(np.int32)
        arrays[f"times_{i}"] = times
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        np.savez_compressed(f, **arrays)


def load_spikes(path: str) -> dict[str, Any]:
    """Read a file written by :func:`save_spikes`.

    Parameters
    ----------
    path : str
        The ``.npz`` file.

    Returns
    -------
    dict
        'populations', 'n_neurons', 't_start', 't_stop' (s) and 'spikes', a list of
        (neuron index, time in s) per population.
    """
    with np.load(path) as data:
        pops = [str(p) for p in data["populations"]]
        spikes = [(data[f"senders_{i}"].astype(np.int64), data[f"times_{i}"])
                  for i in range(len(pops))]
        return {"populations": pops, "n_neurons": data["n_neurons"],
                "t_start": float(data["window"][0]), "t_stop": float(data["window"][1]),
                "spikes": spikes}


@contextmanager
def spike_file_folder(out: str | None, mpi: bool) -> Iterator[str]:
    """Folder for streamed spike files, removed afterwards (also on interruption).

    Under MPI every rank must use the same folder, so its name is fixed
    (``<out>/.neuromf-spikes.partial``) and ``out`` is required.
    """
    if mpi:
        if out is None:
            raise ValueError("simulations under MPI stream spikes to files and need an "
                             "output folder: pass out=DIR")
        folder = os.path.join(out, ".neuromf-spikes.partial")
        os.makedirs(folder, exist_ok=True)
    else:
        base = out if out is not None else None
        if base is not None:
            os.makedirs(base, exist_ok=True)
        folder = tempfile.mkdtemp(prefix=".neuromf-spikes-", suffix=".partial", dir=base)
    try:
        yield folder
    finally:
        if not mpi or is_writer():
            shutil.rmtree(folder, ignore_errors=True)
