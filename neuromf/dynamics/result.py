"""Result of a population-dynamics run: rates in time, optional densities, parameters, h5 output."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .. import input_output as io
from ..utils import ureg

__all__ = ["DynamicsResult"]


@dataclass
class DynamicsResult:
    """Population rates in time from :func:`neuromf.dynamics.simulate`.

    The fields are set by :func:`neuromf.dynamics.simulate`; all values in SI.

    Parameters
    ----------
    times : numpy.ndarray, shape (n_t,)
        Time points (s), ``0, dt, ..., t_sim``.
    rates : numpy.ndarray, shape (n_t, P)
        Population activity (Hz): the threshold flux, or with ``finite_size`` the number
        of spikes of the ``N`` neurons per step over ``N dt``.
    populations : list of str
        Population names, in the order of the columns.
    method : str
        'fokker-planck' or 'rate'.
    mu, sigma : numpy.ndarray, shape (n_t, P)
        Effective input mean and std (V) that drove the density (for exp synapses the
        filtered mean minus the 'shift', see :mod:`neuromf.dynamics`).
    flux : numpy.ndarray, shape (n_t, P), optional
        Deterministic threshold flux (Hz) when ``finite_size`` (else equal to ``rates``).
    densities : numpy.ndarray, shape (n_rec, P, M), optional
        Membrane-potential densities (1/V) at ``density_times``.
    density_times : numpy.ndarray, shape (n_rec,), optional
        Times (s) at which ``densities`` were recorded.
    V : numpy.ndarray, shape (P, M), optional
        Grid nodes (V, relative to rest) of the densities.
    parameters : dict
        Run parameters in SI (dt, t_sim, grid, seed, ...).
    diagnostics : dict
        Probability conservation error, minimum density, number of steps, wall time (s).
    network_params : dict
        The model's network parameters, in the units the model was given them in.
    """

    times: np.ndarray
    rates: np.ndarray
    populations: list
    method: str
    mu: np.ndarray
    sigma: np.ndarray
    flux: np.ndarray | None = None
    densities: np.ndarray | None = None
    density_times: np.ndarray | None = None
    V: np.ndarray | None = None
    parameters: dict = field(default_factory=dict)
    diagnostics: dict = field(default_factory=dict)
    network_params: dict = field(default_factory=dict)

    @property
    def dt(self) -> float:
        """Time step (s) of the run, ``parameters['dt']``."""
        return float(self.parameters["dt"])

    def mean_rates(self, t_min: float = 0.0, t_max: float | None = None) -> np.ndarray:
        """Time-averaged rates (Hz) over a window of the run.

        Parameters
        ----------
        t_min : float
            Start of the window (s).
        t_max : float, optional
            End of the window (s); default the end of the run.

        Returns
        -------
        numpy.ndarray, shape (P,)
            Mean of ``rates`` (Hz) over the samples in ``[t_min, t_max]``.

        Raises
        ------
        ValueError
            If the window holds fewer than 2 samples.
        """
        sel = self._window(t_min, t_max)
        return self.rates[sel].mean(axis=0)

    def _window(self, t_min: float, t_max: float | None) -> np.ndarray:
        t_max = self.times[-1] if t_max is None else t_max
        sel = (self.times >= t_min - 1e-12) & (self.times <= t_max + 1e-12)
        if sel.sum() < 2:
            raise ValueError(f"the window [{t_min}, {t_max}] s holds fewer than 2 samples of "
                             f"the run (0 .. {self.times[-1]} s)")
        return sel

    def spectra(self, t_min: float = 0.0, t_max: float | None = None,
                nperseg: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Power spectra of the population rates (Welch, one-sided, Hz²/Hz = Hz).

        Welch's method (Welch 1967) with Hann windows; the mean is removed per segment.

        Parameters
        ----------
        t_min : float
            Start of the window (s).
        t_max : float, optional
            End of the window (s); default the end of the run.
        nperseg : int, optional
            Samples per segment; default 1 s worth of samples; at most the window.

        Returns
        -------
        freqs : numpy.ndarray, shape (n_freqs,)
            Frequencies (Hz), from 0 to the Nyquist frequency ``1/(2 dt)``.
        psd : numpy.ndarray, shape (n_freqs, P)
            One-sided power spectral density of the rates (Hz²/Hz = Hz).

        Raises
        ------
        ValueError
            If the window holds fewer than 2 samples.
        """
        from scipy.signal import welch
        sel = self._window(t_min, t_max)
        x = self.rates[sel]
        fs = 1.0 / self.dt
        n = x.shape[0]
        if nperseg is None:
            nperseg = min(n, int(round(fs)))
        freqs, psd = welch(x, fs=fs, nperseg=min(nperseg, n), axis=0, detrend="constant")
        return freqs, psd

    def oscillation(self, t_min: float = 0.0, population: int = 0,
                    f_min: float = 5.0) -> dict:
        """Peak frequency and rate amplitude of one population after ``t_min``.

        Parameters
        ----------
        t_min : float
            Start of the analysed window (s); it ends at the end of the run.
        population : int
            Index of the population.
        f_min : float
            Lowest frequency (Hz) searched for the spectral peak (excludes the slow
            drifts near 0 Hz).

        Returns
        -------
        dict
            ``frequency``: the peak of :meth:`spectra` above ``f_min`` (Hz);
            ``half_peak_to_peak``, ``std`` and ``mean`` of the rate in the window (Hz).

        Raises
        ------
        ValueError
            If the window holds fewer than 2 samples.
        """
        freqs, psd = self.spectra(t_min)
        sel = freqs >= f_min
        f_peak = float(freqs[sel][np.argmax(psd[sel, population])])
        x = self.rates[self._window(t_min, None), population]
        return {"frequency": f_peak, "half_peak_to_peak": 0.5 * float(x.max() - x.min()),
                "std": float(x.std()), "mean": float(x.mean())}

    def to_dict(self) -> dict:
        """Nested dict of quantities (pint) and plain values, as written by :meth:`save`.

        Returns
        -------
        dict
            ``times``, ``rates``, ``mu``, ``sigma`` (and ``flux``, ``densities``,
            ``density_times``, ``V`` when recorded) as pint quantities, ``populations``,
            ``method``, ``parameters`` (times in s, rates in Hz as quantities; None as
            the string 'None'), ``diagnostics`` and ``network_params``.
        """
        q = ureg.Quantity
        data: dict[str, Any] = {
            "times": q(self.times, "s"),
            "rates": q(self.rates, "Hz"),
            "mu": q(self.mu, "V"),
            "sigma": q(self.sigma, "V"),
            "populations": list(self.populations),
            "method": self.method,
        }
        if self.flux is not None:
            data["flux"] = q(self.flux, "Hz")
        if self.densities is not None:
            data["densities"] = q(self.densities, "1/V")
            data["density_times"] = q(self.density_times, "s")
            data["V"] = q(self.V, "V")
        units = {"dt": "s", "t_sim": "s", "v_min": "V", "rate_tau": "s", "initial_rates": "Hz",
                 "density_interval": "s"}
        params = {}
        for key, value in self.parameters.items():
            if value is None:
                params[key] = "None"
            elif key in units:
                params[key] = q(np.asarray(value, dtype=float), units[key])
            else:
                params[key] = value
        data["parameters"] = params
        diag = dict(self.diagnostics)
        if "wall_time" in diag:
            diag["wall_time"] = q(diag["wall_time"], "s")
        data["diagnostics"] = diag
        data["network_params"] = self.network_params
        return data

    def save(self, path: str | Path) -> None:
        """Write everything (with units) to an HDF5 file, atomically.

        Uses :func:`neuromf.input_output.save_quantity_dict_to_h5` on :meth:`to_dict`.

        Parameters
        ----------
        path : str or pathlib.Path
            The HDF5 file (replaced if it exists).
        """
        io.save_quantity_dict_to_h5(path, self.to_dict())
