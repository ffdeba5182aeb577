"""A batch of networks of the same size: stacked parameters and the batched pipeline.

:class:`Batch` stacks the SI parameters of ``G`` networks along a leading grid axis and
evaluates working points (Fourcaud & Brunel 2002, Eq. 3.4; Brunel 2000, Eq. 21),
transfer functions, delay matrices, effective connectivity, power spectra (Bos et al.
2016, Eqs. 12-18), eigenvalues, spectral peaks and Nyquist counts for all of them at
once (:mod:`neuromf.batch.response`, :mod:`neuromf.batch.stability`).  Intermediate
results are kept on the batch, so asking for several quantities evaluates each step
once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import network_properties
from ..utils import check_choice
from . import response
from .working_points import _stack, _synapse_type, batched_working_points

__all__ = ["Batch", "batched_working_points"]


class Batch:
    """``G`` networks of the same size, evaluated together (leading grid axis).

    Parameters
    ----------
    networks : sequence of Network
        Same populations and analysis frequencies; exponential or δ synapses (all the
        same kind).
    method : {'shift', 'taylor'}
        Colored-noise approximation for exponential synapses (ignored for δ synapses).
    refractory_phase, synaptic_filter : bool
        As in :func:`neuromf.lif.exp.transfer_function`.

    Raises
    ------
    ValueError
        For no networks, an unknown ``method``, or networks of different synapse types
        or sizes.
    """

    def __init__(self, networks: Sequence[Any], method: str = "shift", *,
                 refractory_phase: bool = True, synaptic_filter: bool = True) -> None:
        networks = list(networks)
        if not networks:
            raise ValueError("a batch needs at least one network")
        check_choice("method", method, ["shift", "taylor"])
        kinds = {_synapse_type(net) for net in networks}
        if len(kinds) != 1:
            raise ValueError(f"a batch needs networks of one synapse type, got {sorted(kinds)}")
        shapes = {np.shape(net.network_params["K"]) for net in networks}
        if len(shapes) != 1:
            raise ValueError(f"a batch needs networks of one size, got K shapes {shapes}")
        self.networks = networks
        self.synapse_type = kinds.pop()
        self.method = method
        self.kind = "delta" if self.synapse_type == "delta" else method
        self.refractory_phase = bool(refractory_phase)
        self.synaptic_filter = bool(synaptic_filter)
        self.n = shapes.pop()[0]
        self._memo: dict = {}

    def __len__(self) -> int:
        return len(self.networks)

    # -- parameters ---------------------------------------------------------------

    def param(self, key: str, shape: str = "pop") -> np.ndarray:
        """Network parameter ``key`` of every network, stacked along the grid axis.

        Parameters
        ----------
        key : str
            Name in ``network_params`` (SI values, e.g. 'tau_m' in s, 'J' in V).
        shape : {'pop', 'matrix'}
            Per-population parameter, broadcast to (n,), or connection parameter,
            broadcast to (n, n).

        Returns
        -------
        numpy.ndarray
            Shape (G, n) for 'pop', (G, n, n) for 'matrix', in the SI unit of ``key``.

        Raises
        ------
        KeyError
            If a network has no parameter ``key``.
        """
        memo = ("param", key, shape)
        if memo not in self._memo:
            full = (self.n,) if shape == "pop" else (self.n, self.n)
            self._memo[memo] = _stack(self.networks, key, full)
        return self._memo[memo]

    @property
    def omegas(self) -> np.ndarray:
        """The analysis angular frequencies (rad/s), the same for every network."""
        if "omegas" not in self._memo:
            first = self.networks[0].analysis_params.get("omegas")
            if first is None:
                raise RuntimeError("the networks' analysis parameters define no 'omegas'")
            first = np.atleast_1d(np.asarray(first, float))
            for net in self.networks[1:]:
                other = np.atleast_1d(np.asarray(net.analysis_params.get("omegas"), float))
                if other.shape != first.shape or np.any(other != first):
                    raise ValueError("the networks of a batch must share their analysis "
                                     "frequencies 'omegas'")
            self._memo["omegas"] = first
        return self._memo["omegas"]

    @property
    def freqs(self) -> np.ndarray:
        """The analysis frequencies in Hz."""
        return self.omegas / (2 * np.pi)

    # -- working point ------------------------------------------------------------

    def working_point(self) -> dict:
        """Self-consistent working points of all networks (computed once).

        Returns
        -------
        dict
            ``'firing_rates'`` (Hz), ``'mean_input'`` and ``'std_input'`` (V), each of
            shape (G, n); see :func:`batched_working_points` (Brunel 2000, Eq. 21;
            Fourcaud & Brunel 2002, Eq. 3.4).
        """
        if "wp" not in self._memo:
            self._memo["wp"] = batched_working_points(self.networks, self.method)
        return self._memo["wp"]

    def states(self) -> response.NeuronStates:
        """The neuron states at the working points.

        Returns
        -------
        neuromf.batch.response.NeuronStates
            Input mean and standard deviation (V) and neuron parameters (V, s) of every
            (network, population), shape (G, n) each.
        """
        if "states" not in self._memo:
            wp = self.working_point()
            tau_s = self.param("tau_s") if self.synapse_type == "exp" else None
            self._memo["states"] = response.NeuronStates(
                self.kind, wp["mean_input"], wp["std_input"], self.param("tau_m"),
                self.param("tau_r"), self.param("V_th_rel"), self.param("V_0_rel"), tau_s,
                self.refractory_phase, self.synaptic_filter)
        return self._memo["states"]

    def cvs(self) -> np.ndarray:
        """Coefficients of variation of the inter-spike intervals at the working points.

        The same values as :func:`neuromf.lif.exp.cvs` or :func:`neuromf.lif.delta.cvs`
        for every network.

        Returns
        -------
        numpy.ndarray
            Dimensionless CVs, shape (G, n).

        References
        ----------
        Brunel 2000, App. A.1.
        """
        from ..lif import exp
        from ..special import _cv

        wp = self.working_point()
        if self.synapse_type == "delta":
            return _cv.delta_cv(wp["mean_input"], wp["std_input"], self.param("V_0_rel"),
                                     self.param("V_th_rel"), self.param("tau_m"),
                                     self.param("tau_r"))
        return exp._cvs(wp["firing_rates"], wp["mean_input"], wp["std_input"],
                        self.param("V_0_rel"), self.param("V_th_rel"), self.param("tau_m"),
                        self.param("tau_s"))

    # -- frequency-resolved pipeline on the analysis frequencies --------------------

    def transfer_functions(self, variance: bool = False
                           ) -> tuple[np.ndarray, np.ndarray | None]:
        """Transfer functions of the mean and variance channel at the analysis frequencies.

        Parameters
        ----------
        variance : bool
            Also compute the response to modulations of the input variance.

        Returns
        -------
        H : numpy.ndarray
            Complex transfer functions of the mean channel (Hz/V), shape (G, F, n).
        H_var : numpy.ndarray or None
            Complex responses to the input variance (Hz/V²), shape (G, F, n); None
            without ``variance``.

        References
        ----------
        Brunel & Hakim 1999; Lindner & Schimansky-Geier 2001, Eq. 6; Schuecker et al.
        2015 (shifted boundaries for exponential synapses); see
        :mod:`neuromf.batch.response`.
        """
        key = ("tf", variance)
        if key not in self._memo:
            if not variance and ("tf", True) in self._memo:
                return self._memo[("tf", True)][0], None
            self._memo[key] = response.responses_on_grid(self.states(), self.omegas, variance)
        return self._memo[key]

    def delay_matrix(self, omegas: np.ndarray | None = None) -> np.ndarray:
        """Characteristic functions of the delay distributions of every connection.

        Parameters
        ----------
        omegas : array_like, optional
            Angular frequencies (rad/s), shape (F,); default the analysis frequencies
            (then the result is kept on the batch).

        Returns
        -------
        numpy.ndarray
            Complex, dimensionless; shape (F, n, n) if all networks share their delays,
            else (G, F, n, n) (as :func:`neuromf.network_properties.delay_dist_matrix`).
        """
        own = omegas is None
        omegas = self.omegas if own else np.atleast_1d(np.asarray(omegas, float))
        if own and "D" in self._memo:
            return self._memo["D"]
        groups = self._delay_groups()
        if len(groups) == 1:
            D = network_properties._delay_dist_matrix(*groups[0][0], omegas)
        else:
            D = np.empty((len(self), omegas.size, self.n, self.n), complex)
            for params, members in groups:
                D[members] = network_properties._delay_dist_matrix(*params, omegas)[None]
        if own:
            self._memo["D"] = D
        return D

    def _delay_groups(self) -> list:
        """[((Delay, Delay_sd, delay_dist), member indices)] over distinct delay sets."""
        if "delay_groups" not in self._memo:
            groups: dict = {}
            for g, net in enumerate(self.networks):
                p = net.network_params
                delay = np.broadcast_to(np.asarray(p["Delay"], float), (self.n, self.n))
                sd = p.get("Delay_sd")
                sd = None if sd is None else np.broadcast_to(np.asarray(sd, float),
                                                             (self.n, self.n))
                dist = str(p.get("delay_dist", "none"))
                key = (delay.tobytes(), None if sd is None else sd.tobytes(), dist)
                groups.setdefault(key, ((delay, sd, dist), []))[1].append(g)
            self._memo["delay_groups"] = [(params, np.array(m)) for params, m in
                                          groups.values()]
        return self._memo["delay_groups"]

    def delay_matrix_at(self, points: np.ndarray, omegas: np.ndarray) -> np.ndarray:
        """Characteristic functions of the delay distributions at one frequency per entry.

        Parameters
        ----------
        points : numpy.ndarray of int
            Indices of networks of the batch, shape (N,) (may repeat).
        omegas : numpy.ndarray
            Angular frequency (rad/s) for each entry of ``points``, shape (N,).

        Returns
        -------
        numpy.ndarray
            Complex, dimensionless, shape (N, n, n): entry ``i`` for network
            ``points[i]`` at ``omegas[i]``.
        """
        out = np.empty((points.size, self.n, self.n), complex)
        groups = self._delay_groups()
        for params, members in groups:
            sel = np.isin(points, members) if len(groups) > 1 else slice(None)
            w = omegas[sel]
            D, order = self._unique_frequencies(params, w)
            out[sel] = D[order]
        return out

    @staticmethod
    def _unique_frequencies(params, w):
        uniq, inverse = np.unique(w, return_inverse=True)
        return network_properties._delay_dist_matrix(*params, uniq), inverse.ravel()

    def effective_connectivity(self, variance_channel: bool = False) -> np.ndarray:
        """Effective connectivity M at the analysis frequencies.

        ``M_ab = D_ab tau_m,a K_ab (J_ab H_a + J_ab² H^var_a)``; see
        :func:`neuromf.batch.response.effective_connectivity`.

        Parameters
        ----------
        variance_channel : bool
            Include the response to the input variance (the ``J²`` term).

        Returns
        -------
        numpy.ndarray
            Complex, dimensionless, shape (G, F, n, n).

        References
        ----------
        Bos et al. 2016, Eq. 12 ff.; Brunel & Hakim 1999 (variance channel).
        """
        key = ("M", variance_channel)
        if key not in self._memo:
            H, H_var = self.transfer_functions(variance_channel)
            self._memo[key] = response.effective_connectivity(
                H, self.delay_matrix(), self.param("J", "matrix"), self.param("K", "matrix"),
                self.param("tau_m"), H_var)
        return self._memo[key]

    def spike_train_spectra(self) -> np.ndarray:
        """Power spectra of the single-neuron spike trains at the analysis frequencies.

        Returns
        -------
        numpy.ndarray
            Spike-train power spectra (Hz), shape (G, F, n); see
            :func:`neuromf.batch.response.spike_train_spectra` (Lindner et al. 2002).

        Raises
        ------
        ValueError
            For exponential synapses with ``method='taylor'`` (no spike-train spectra).
        """
        if "S" not in self._memo:
            self._memo["S"] = response.spike_train_spectra(self.states(), self.omegas)
        return self._memo["S"]

    def power_spectra(self, variance_channel: bool = False, renewal: bool = False
                      ) -> np.ndarray:
        """Population-rate power spectra at the analysis frequencies.

        Parameters
        ----------
        variance_channel : bool
            Effective connectivity with the variance channel.
        renewal : bool
            Weight each population with its spike-train spectrum instead of its rate
            (renewal-process noise, Lindner et al. 2002).

        Returns
        -------
        numpy.ndarray
            Power spectra (Hz), shape (G, F, n); see
            :func:`neuromf.batch.response.power_spectra`.

        Raises
        ------
        ValueError
            If ``1 - M`` is singular at some network and frequency.

        References
        ----------
        Bos et al. 2016, Eq. 18.
        """
        key = ("P", variance_channel, renewal)
        if key not in self._memo:
            M = self.effective_connectivity(variance_channel)
            S = self.spike_train_spectra() if renewal else None
            self._memo[key] = response.power_spectra(
                self.working_point()["firing_rates"], M, self.param("N"), S)
        return self._memo[key]

    def eigenvalues(self, variance_channel: bool = False) -> np.ndarray:
        """Eigenvalues of the effective connectivity at the analysis frequencies.

        Parameters
        ----------
        variance_channel : bool
            Effective connectivity with the variance channel.

        Returns
        -------
        numpy.ndarray
            Complex, dimensionless, shape (G, F, n), in the order of
            ``numpy.linalg.eig`` (as :func:`neuromf.linear_response.eigen_spectra`).

        References
        ----------
        Bos et al. 2016, Eqs. 12 and 16.
        """
        return np.linalg.eigvals(self.effective_connectivity(variance_channel))

    def peaks(self, variance_channel: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """Frequency and value of the largest power-spectrum value of each population.

        Parameters
        ----------
        variance_channel : bool
            Power spectra with the variance channel.

        Returns
        -------
        freq : numpy.ndarray
            Peak frequency (Hz), one of the analysis frequencies, shape (G, n).
        power : numpy.ndarray
            Power at the peak (Hz), shape (G, n).
        """
        return response.peaks(self.power_spectra(variance_channel), self.freqs)

    def tau_rate(self) -> np.ndarray:
        """Time constants of low-pass fits of the transfer functions.

        The modulus of each transfer function (mean channel) is fitted by
        ``|h0 / (1 + i omega tau)|`` (least squares over the analysis frequencies), as
        :func:`neuromf.lif.exp.fit_transfer_function`.

        Returns
        -------
        numpy.ndarray
            Time constants tau (s), shape (G, n).

        References
        ----------
        Senk et al. 2020, Sec. F.
        """
        from ..rate_mapping import _fit_low_pass

        H, _ = self.transfer_functions()
        return _fit_low_pass(np.moveaxis(H, 1, 0), self.omegas)[1]

    def most_unstable_eigenvalue(self, branches: Any = None, profile: str = "boxcar"
                                 ) -> np.ndarray:
        """Eigenvalue of the spatial rate model with the largest real part, per point.

        Parameters
        ----------
        branches : array_like of int, optional
            Lambert W branches; default ``analysis_params['branches']`` or -2 ... 2.
        profile : {'boxcar', 'exponential', 'gaussian'}
            Shape of the spatial connectivity profiles.

        Returns
        -------
        numpy.ndarray
            Complex eigenvalues (1/s), shape (G,); see
            :func:`neuromf.batch.spatial.most_unstable_eigenvalues` (Senk et al. 2020,
            Eq. 7).
        """
        from .spatial import most_unstable_eigenvalues

        return most_unstable_eigenvalues(self, branches, profile)

    # -- stability ----------------------------------------------------------------

    def unstable_modes(self, variance_channel: bool = False, f_max: float | None = None,
                       crossings: bool = True) -> dict:
        """Number of linearly unstable modes of every network (generalized Nyquist).

        Parameters
        ----------
        variance_channel : bool
            Effective connectivity with the variance channel.
        f_max : float, optional
            Highest frequency (Hz) of the Nyquist grid; default: extended in powers of
            two from 2 kHz until the spectral radius of M is below 1, as
            :func:`neuromf.linear_response.unstable_modes`.
        crossings : bool
            Also find the frequencies where eigenvalues cross the real axis right of 1
            (``False`` skips the eigenvalues on the whole frequency grid).

        Returns
        -------
        dict
            The counts and crossing frequencies of every network; see
            :func:`neuromf.batch.nyquist_counts` (the result is kept on the batch).

        Raises
        ------
        RuntimeError
            If the spectral radius of M is still >= 1 at the highest candidate frequency.
        ValueError
            If det(1 - M) vanishes on the frequency grid of some network.

        References
        ----------
        MacFarlane & Postlethwaite 1977 (generalized Nyquist criterion); Brunel & Hakim
        1999; Brunel 2000.
        """
        from .stability import nyquist_counts

        key = ("nyquist", variance_channel, f_max)
        if key in self._memo:
            return self._memo[key]
        if not crossings and key + (False,) in self._memo:
            return self._memo[key + (False,)]
        result = nyquist_counts(self, variance_channel=variance_channel, f_max=f_max,
                                crossings=crossings)
        self._memo[key if crossings else key + (False,)] = result
        return result

    def connectivity_on_grid(self, points: np.ndarray, omegas: np.ndarray,
                             variance_channel: bool) -> np.ndarray:
        """Effective connectivity of some networks on a shared frequency grid.

        Parameters
        ----------
        points : numpy.ndarray of int
            Indices of networks of the batch, shape (N,).
        omegas : numpy.ndarray
            Angular frequencies (rad/s), shape (F,).
        variance_channel : bool
            Include the variance channel.

        Returns
        -------
        numpy.ndarray
            Complex, dimensionless, shape (N, F, n, n) (Bos et al. 2016, Eq. 12 ff.).
        """
        states = self.states().take(points)
        H, H_var = response.responses_on_grid(states, omegas, variance_channel)
        D = self.delay_matrix(omegas)
        if D.ndim == 4:
            D = D[points]
        return response.effective_connectivity(
            H, D, self.param("J", "matrix")[points], self.param("K", "matrix")[points],
            self.param("tau_m")[points], H_var)

    def connectivity_at(self, points: np.ndarray, omegas: np.ndarray,
                        variance_channel: bool) -> np.ndarray:
        """Effective connectivity at one frequency per entry.

        Parameters
        ----------
        points : numpy.ndarray of int
            Indices of networks of the batch, shape (N,) (may repeat).
        omegas : numpy.ndarray
            Angular frequency (rad/s) for each entry of ``points``, shape (N,).
        variance_channel : bool
            Include the variance channel.

        Returns
        -------
        numpy.ndarray
            Complex, dimensionless, shape (N, n, n): M of network ``points[i]`` at
            ``omegas[i]`` (Bos et al. 2016, Eq. 12 ff.).
        """
        states = self.states().take(points)
        H, H_var = response.responses_at(states, omegas, variance_channel)
        D = self.delay_matrix_at(points, omegas)
        return response.effective_connectivity(
            H[:, None], D[:, None], self.param("J", "matrix")[points],
            self.param("K", "matrix")[points], self.param("tau_m")[points],
            None if H_var is None else H_var[:, None])[:, 0]
