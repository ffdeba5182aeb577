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
from ..lif import _general
from ..utils import check_choice
from . import response

__all__ = ["Batch", "batched_working_points"]


def _synapse_type(net: Any) -> str:
    from ..models import synapse_type

    return synapse_type(net.network_params)


def _stack(networks: Sequence[Any], key: str, shape: tuple) -> np.ndarray:
    return np.stack([np.broadcast_to(np.asarray(net.network_params[key], dtype=float), shape)
                     for net in networks])


def _single_working_point(net: Any, method: str) -> dict:
    from .. import lif
    from .points import as_network

    net = as_network(net)
    if _synapse_type(net) == "delta":
        return lif.delta.working_point(net)
    return lif.exp.working_point(net, method=method)


def batched_working_points(networks: Sequence[Any], method: str = "shift") -> dict:
    """Working points of many networks of the same size, solved together.

    One damped Newton iteration runs on all networks at once (vectorized rate functions,
    analytic Jacobians ``dPhi/dmu · dmu/dnu + dPhi/dsigma · dsigma/dnu``); networks
    where it does not converge to a linearly stable fixed point are solved one by one
    with the default solver, so the result equals :func:`neuromf.lif.exp.working_point`
    (``method='shift'``) or :func:`neuromf.lif.delta.working_point` for every network.
    For ``method='taylor'`` every network is solved with its own solver.

    Returns ``{'firing_rates', 'mean_input', 'std_input'}``, each of shape (G, n).
    """
    from .. import _solvers
    from ..special import _siegert

    kind = _synapse_type(networks[0])
    n = len(networks[0].network_params["populations"])
    G = len(networks)
    KJ = np.stack([np.asarray(net.network_params["K"], float)
                   * np.asarray(net.network_params["J"], float) for net in networks])
    KJ2 = np.stack([np.asarray(net.network_params["K"], float)
                    * np.asarray(net.network_params["J"], float) ** 2 for net in networks])
    tau_m = _stack(networks, "tau_m", (n,))
    ext_mu, ext_var = [], []
    for net in networks:
        p = net.network_params
        zero = np.zeros(n)
        ext_mu.append(_general._mean_input(zero, p["J"], p["K"], 1.0, p["J_ext"], p["K_ext"],
                                           p["nu_ext"], p.get("I_ext"), p.get("C")))
        ext_var.append(_general._std_input(zero, p["J"], p["K"], 1.0, p["J_ext"], p["K_ext"],
                                           p["nu_ext"]) ** 2)
    ext_mu, ext_var = np.broadcast_to(ext_mu, (G, n)), np.array(ext_var)

    def inputs(nu, g):
        mu = tau_m[g] * (np.einsum("gab,gb->ga", KJ[g], nu) + ext_mu[g])
        sigma = np.sqrt(tau_m[g] * (np.einsum("gab,gb->ga", KJ2[g], nu) + ext_var[g]))
        return mu, sigma

    if kind == "exp" and method != "shift":
        nu = np.stack([_single_working_point(net, method)["firing_rates"]
                       for net in networks])
        mu, sigma = inputs(nu, slice(None))
        return {"firing_rates": nu, "mean_input": mu, "std_input": sigma}

    tau_r = _stack(networks, "tau_r", (n,))
    V_0 = _stack(networks, "V_0_rel", (n,))
    V_th = _stack(networks, "V_th_rel", (n,))
    shift = 0.0
    if kind == "exp":
        shift = _siegert.ALPHA_SHIFT / 2 * np.sqrt(_stack(networks, "tau_s", (n,)) / tau_m)
    c = np.broadcast_to(shift, tau_m.shape)

    def residual_and_jacobian(nu, g, jacobian=True):
        mu, sigma = inputs(nu, g)
        t_m, t_r, cg = tau_m[g], tau_r[g], c[g]
        V_0s, V_ths = V_0[g] + cg * sigma, V_th[g] + cg * sigma
        rate = _siegert.delta_firing_rate(mu, sigma, V_0s, V_ths, t_m, t_r)
        if not jacobian:
            return rate - nu, None
        d_mu = _siegert.d_delta_firing_rate_d_mu(mu, sigma, V_0s, V_ths, t_m, t_r)
        # Phi(mu, sigma) = S(mu, sigma, V_0 + c sigma, V_th + c sigma): dPhi/dsigma =
        # dS/dsigma - c dS/dmu, since S depends on (V - mu)/sigma
        d_sigma = (_siegert.d_delta_firing_rate_d_sigma(mu, sigma, V_0s, V_ths, t_m, t_r)
                   - cg * d_mu)
        jac = ((d_mu * t_m)[..., None] * KJ[g]
               + (d_sigma * t_m / (2 * sigma))[..., None] * KJ2[g]
               - np.eye(n))
        return rate - nu, jac

    with np.errstate(all="ignore"):
        nu, converged, stable = _solvers._batched_newton(residual_and_jacobian,
                                                         np.zeros((G, n)))
        failed = np.flatnonzero(~(converged & stable))
        if failed.size:
            # the robust path of the single-network solver, for all failures at once:
            # relax the rate dynamics from the same start, then Newton
            start = _relax(residual_and_jacobian, np.zeros((failed.size, n)), failed)
            sub, ok, ok_stable = _solvers._batched_newton(
                lambda x, g: residual_and_jacobian(x, failed[g]), start)
            good = ok & ok_stable
            nu[failed[good]] = sub[good]
            failed = failed[~good]
    for g in failed:
        nu[g] = _single_working_point(networks[g], method)["firing_rates"]
    mu, sigma = inputs(nu, slice(None))
    return {"firing_rates": nu, "mean_input": mu, "std_input": sigma}


def _relax(residual_and_jacobian, nu: np.ndarray, index: np.ndarray,
           maxiter: int = 1000) -> np.ndarray:
    """Integrate the rate dynamics d nu/ds = Phi(nu) - nu of the systems ``index``
    until each relative residual is below 1e-3 (the criterion of
    :func:`neuromf._solvers._relax`), all systems in one stiff integration (BDF with the
    analytic block-diagonal Jacobian)."""
    from scipy import sparse
    from scipy.integrate import solve_ivp

    nu = np.array(nu, dtype=float)
    n = nu.shape[1]
    active = np.arange(len(nu))
    for _ in range(maxiter):
        F, _ = residual_and_jacobian(nu[active], index[active], False)
        settled = np.all(np.abs(F) <= 1e-3 * np.abs(nu[active]) + 1e-6, axis=1)
        active = active[~settled]
        if active.size == 0:
            return nu
        rows = index[active]

        def rhs(_, x, rows=rows):
            return residual_and_jacobian(x.reshape(-1, n), rows, False)[0].ravel()

        def jac(_, x, rows=rows):
            return sparse.block_diag(residual_and_jacobian(x.reshape(-1, n), rows)[1],
                                     format="csc")

        sol = solve_ivp(rhs, [0, 5.0], nu[active].ravel(), method="BDF", jac=jac,
                        rtol=1e-6, atol=1e-9)
        if not sol.success:
            break
        nu[active] = np.maximum(sol.y[:, -1].reshape(-1, n), 0.0)
    return nu


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
        """Network parameter ``key`` stacked to (G, n) ('pop') or (G, n, n) ('matrix')."""
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
        """``firing_rates`` (Hz), ``mean_input``, ``std_input`` (V), each (G, n)."""
        if "wp" not in self._memo:
            self._memo["wp"] = batched_working_points(self.networks, self.method)
        return self._memo["wp"]

    def states(self) -> response.NeuronStates:
        """The neuron states at the working points."""
        if "states" not in self._memo:
            wp = self.working_point()
            tau_s = self.param("tau_s") if self.synapse_type == "exp" else None
            self._memo["states"] = response.NeuronStates(
                self.kind, wp["mean_input"], wp["std_input"], self.param("tau_m"),
                self.param("tau_r"), self.param("V_th_rel"), self.param("V_0_rel"), tau_s,
                self.refractory_phase, self.synaptic_filter)
        return self._memo["states"]

    def cvs(self) -> np.ndarray:
        """ISI coefficients of variation (G, n), as :func:`neuromf.lif.exp.cvs` /
        :func:`neuromf.lif.delta.cvs` (Brunel 2000, App. A.1)."""
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
        """H (Hz/V) and, with ``variance``, H_var (Hz/V²) at the analysis frequencies,
        shape (G, F, n)."""
        key = ("tf", variance)
        if key not in self._memo:
            if not variance and ("tf", True) in self._memo:
                return self._memo[("tf", True)][0], None
            self._memo[key] = response.responses_on_grid(self.states(), self.omegas, variance)
        return self._memo[key]

    def delay_matrix(self, omegas: np.ndarray | None = None) -> np.ndarray:
        """Delay characteristic functions: (F, n, n) if all networks share their delays,
        else (G, F, n, n) (:func:`neuromf.network_properties._delay_dist_matrix`)."""
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
        """Delay characteristic functions at one frequency per entry, (N, n, n)."""
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
        """M at the analysis frequencies, (G, F, n, n)."""
        key = ("M", variance_channel)
        if key not in self._memo:
            H, H_var = self.transfer_functions(variance_channel)
            self._memo[key] = response.effective_connectivity(
                H, self.delay_matrix(), self.param("J", "matrix"), self.param("K", "matrix"),
                self.param("tau_m"), H_var)
        return self._memo[key]

    def spike_train_spectra(self) -> np.ndarray:
        """Spike-train power spectra (Hz) at the analysis frequencies, (G, F, n)."""
        if "S" not in self._memo:
            self._memo["S"] = response.spike_train_spectra(self.states(), self.omegas)
        return self._memo["S"]

    def power_spectra(self, variance_channel: bool = False, renewal: bool = False
                      ) -> np.ndarray:
        """Population-rate power spectra (Hz) at the analysis frequencies, (G, F, n)."""
        key = ("P", variance_channel, renewal)
        if key not in self._memo:
            M = self.effective_connectivity(variance_channel)
            S = self.spike_train_spectra() if renewal else None
            self._memo[key] = response.power_spectra(
                self.working_point()["firing_rates"], M, self.param("N"), S)
        return self._memo[key]

    def eigenvalues(self, variance_channel: bool = False) -> np.ndarray:
        """Eigenvalues of M at the analysis frequencies, (G, F, n), in the order of
        ``numpy.linalg.eig`` (as :func:`neuromf.linear_response.eigen_spectra`)."""
        return np.linalg.eigvals(self.effective_connectivity(variance_channel))

    def peaks(self, variance_channel: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """Peak frequency (Hz) and peak power (Hz) of the power spectra, (G, n) each."""
        return response.peaks(self.power_spectra(variance_channel), self.freqs)

    def tau_rate(self) -> np.ndarray:
        """Time constants (s) of the low-pass fits of the transfer functions (Senk et al.
        2020, Sec. F; :func:`neuromf.rate_mapping._fit_low_pass`), (G, n)."""
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
        """Nyquist counts of every network; see :func:`neuromf.batch.nyquist_counts`
        (``crossings=False`` skips the eigenvalues on the whole grid)."""
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
        """M of the networks ``points`` on the shared ``omegas``, (len(points), F, n, n)."""
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
        """M of network ``points[i]`` at ``omegas[i]`` (rad/s), (N, n, n)."""
        states = self.states().take(points)
        H, H_var = response.responses_at(states, omegas, variance_channel)
        D = self.delay_matrix_at(points, omegas)
        return response.effective_connectivity(
            H[:, None], D[:, None], self.param("J", "matrix")[points],
            self.param("K", "matrix")[points], self.param("tau_m")[points],
            None if H_var is None else H_var[:, None])[:, 0]
