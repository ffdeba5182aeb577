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

    Attributes
    ----------
    times : ndarray (n_t,)
        Time points (s), ``0, dt, ..., t_sim``.
    rates : ndarray (n_t, P)
        Population activity (Hz): the threshold flux, or with ``finite_size`` the number
        of spikes of the ``N`` neurons per step over ``N dt``.
    populations : list of str
    method : str
        'fokker-planck' or 'rate'.
    mu, sigma : ndarray (n_t, P)
        Effective input mean and std (V) that drove the density (for exp synapses the
        filtered mean minus the 'shift', see :mod:`neuromf.dynamics`).
    flux : ndarray (n_t, P) or None
        Deterministic threshold flux (Hz) when ``finite_size`` (else equal to ``rates``).
    densities : ndarray (n_rec, P, M) or None
        Membrane-potential densities (1/V) at ``density_times``.
    V : ndarray (P, M) or None
        Grid nodes (V, relative to rest) of the densities.
    parameters : dict
        Run parameters in SI (dt, t_sim, grid, seed, ...).
    diagnostics : dict
        Probability conservation error, minimum density, wall time.
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
        return float(self.parameters["dt"])

    def mean_rates(self, t_min: float = 0.0, t_max: float | None = None) -> np.ndarray:
        """Time-averaged rates (Hz) over ``[t_min, t_max]`` (s)."""
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

        The mean is removed; ``nperseg`` samples per segment (default: 1 s worth of
        samples, at most the window).  Returns ``(freqs, psd)`` with ``psd`` of shape
        (n_freqs, P).
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
        """Peak frequency (Hz, spectrum above ``f_min``) and rate amplitude of one population:
        half the peak-to-peak and the standard deviation of the rate (Hz) in the window."""
        freqs, psd = self.spectra(t_min)
        sel = freqs >= f_min
        f_peak = float(freqs[sel][np.argmax(psd[sel, population])])
        x = self.rates[self._window(t_min, None), population]
        return {"frequency": f_peak, "half_peak_to_peak": 0.5 * float(x.max() - x.min()),
                "std": float(x.std()), "mean": float(x.mean())}

    def to_dict(self) -> dict:
        """Nested dict of quantities (pint) and plain values, as written by :meth:`save`."""
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
        """Write everything (with units) to an HDF5 file, atomically
        (:func:`neuromf.input_output.save_quantity_dict_to_h5`)."""
        io.save_quantity_dict_to_h5(path, self.to_dict())
