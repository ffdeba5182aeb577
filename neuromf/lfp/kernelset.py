"""Container for spike-signal kernels (numpy only)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .spectra import kernel_fourier

__all__ = ["SpikeSignalKernels"]


@dataclass
class SpikeSignalKernels:
    """Kernels ``H_YX(channel, tau)`` of one probe for all population pairs.

    ``values[y, x, c, k]`` is the signal on channel ``c`` at lag ``k * dt`` after one
    spike of one neuron of the presynaptic population ``pre[x]``, caused by the
    synaptic currents it evokes in the postsynaptic population ``post[y]``
    (Hagen et al. 2022, Eq. 1).  The delay distribution is already applied.

    Parameters
    ----------
    probe : str
        ``'lfp'``, ``'cdm'`` or ``'eeg'``.
    unit : str
        Unit of the signal per spike (``'V'`` or ``'A m'``).
    dt : float
        Lag step (s).
    pre, post : list of str
        Presynaptic and postsynaptic population names.
    values : ndarray, shape (n_post, n_pre, n_channels, n_lags)
        The kernels, in ``unit`` per spike.
    channels : ndarray
        Contact depths (m) for the LFP, electrode indices otherwise.
    """

    probe: str
    unit: str
    dt: float
    pre: list[str]
    post: list[str]
    values: np.ndarray
    channels: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @property
    def lags(self) -> np.ndarray:
        """Lags of the samples (s).

        Returns
        -------
        np.ndarray
            ``k dt`` for k = 0 … n_lags − 1, in s.
        """
        return self.dt * np.arange(self.values.shape[-1])

    def summed(self) -> np.ndarray:
        """Kernels per presynaptic population summed over postsynaptic ones.

        Returns
        -------
        ndarray, shape (n_pre, n_channels, n_lags)
            The kernels of each presynaptic population, in ``unit`` per spike.
        """
        return self.values.sum(axis=0)

    def fourier(self, omegas) -> np.ndarray:
        """Fourier transforms of :meth:`summed` as (n_channels, n_pre, n_freqs).

        The layout expected by :func:`neuromf.lfp.spectra.signal_spectrum`.

        Parameters
        ----------
        omegas : array_like
            Angular frequencies, rad/s.

        Returns
        -------
        np.ndarray
            ``H^(omega)`` in ``unit`` per spike times s, shape (n_channels, n_pre, n_freqs).
        """
        h = np.swapaxes(self.summed(), 0, 1)
        return kernel_fourier(h, self.dt, omegas)

    def save(self, path: str | Path) -> None:
        """Write to a ``.npz`` file.

        Parameters
        ----------
        path : str or Path
            The file.
        """
        np.savez(path, probe=self.probe, unit=self.unit, dt=self.dt,
                 pre=np.array(self.pre), post=np.array(self.post), values=self.values,
                 channels=self.channels)

    @classmethod
    def load(cls, path: str | Path) -> SpikeSignalKernels:
        """Read a file written by :meth:`save`.

        Parameters
        ----------
        path : str or Path
            A file written by :meth:`save`.

        Returns
        -------
        SpikeSignalKernels
            The kernels.
        """
        with np.load(path, allow_pickle=False) as f:
            return cls(probe=str(f["probe"]), unit=str(f["unit"]), dt=float(f["dt"]),
                       pre=[str(p) for p in f["pre"]], post=[str(p) for p in f["post"]],
                       values=f["values"], channels=f["channels"])
