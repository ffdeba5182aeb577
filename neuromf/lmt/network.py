"""``lmt.Network``: lif_meanfield_tools 0.2's network object on top of neuromf.

One concept: LMT's container of parameters (pint quantities) and results (cached under
LMT's names, LMT's array layout: populations first, frequencies last), whose methods
compute the quantities of Fourcaud & Brunel 2002 (rates), Schuecker et al. 2015
(transfer functions), Bos et al. 2016 (delay distributions, power spectra, eigenvalue
spectra, sensitivity measure) and Senk et al. 2020 (fixed working point, rate-model fit,
spatial profiles, Lambert-W eigenvalues) with neuromf's functions under the NNMT
convention.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from .. import input_output as io
from .. import (
    lif,
    linear_stability,
    network_properties,
    rate_mapping,
    spatial,
)
from ..conventions import convention
from ..utils import from_si, is_quantity, to_si, ureg
from ._base import (
    _PER_ARGUMENT,
    _UNITS,
    _as_quantities,
    _freq_si,
    _listify,
    _NetworkBase,
    _read,
)


class Network(_NetworkBase):
    """LIF network with parameters, analysis parameters and results (LMT 0.2 API).

    Parameters
    ----------
    network_params, analysis_params : str or dict, optional
        YAML files in LMT's ``{val, unit}`` format (or dicts of quantities).  The network
        is LMT's microcircuit model (Potjans & Diesmann 2014; ``label: microcircuit``).
    new_network_params, new_analysis_params : dict, optional
        Parameters that replace those of the files: quantities or ``{val, unit}`` dicts.
    file : str, optional
        HDF5 file written by :meth:`save`; parameters and results are loaded from it.

    Attributes
    ----------
    network_params, analysis_params : dict
        All parameters, including the derived ones, as pint quantities (``lmt.ureg``).
    results : dict
        Computed results under LMT's names, as quantities.
    """

    def __init__(self, network_params: Any = None, analysis_params: Any = None,
                 new_network_params: Mapping | None = None,
                 new_analysis_params: Mapping | None = None,
                 file: str | Path | None = None) -> None:
        self.results: dict[str, Any] = {}
        if file is not None:
            self.load(file)
            return
        net, self.network_params_yaml = _read(network_params, "network_params")
        ana, self.analysis_params_yaml = _read(analysis_params, "analysis_params")
        net.update(_as_quantities(new_network_params or {}))
        ana.update(_as_quantities(new_analysis_params or {}))
        self._build(net, ana)

    # -- administrative ------------------------------------------------------------

    def show(self) -> list[str]:
        """Names of the results computed so far (sorted).

        Returns
        -------
        list of str
            The result names.
        """
        return sorted(self.results)

    def save(self, file: str | Path | None = None, overwrite: bool = False) -> str:
        """Save results and parameters (with units) in LMT's HDF5 layout.

        The default file name is ``<label>_<hash of the network parameters>.h5``.  An
        existing file is only replaced with ``overwrite=True``.

        Parameters
        ----------
        file : str or Path, optional
            The HDF5 file.
        overwrite : bool
            Replace an existing file.

        Returns
        -------
        str
            The file name.

        Raises
        ------
        FileExistsError
            If ``file`` exists and ``overwrite`` is False.
        """
        if file is None:
            file = f"{self.network_params.get('label', 'network')}_{self.hash}.h5"
        if Path(file).exists() and not overwrite:
            raise FileExistsError(f"{file} exists; use overwrite=True to replace it")
        io.save_quantity_dict_to_h5(file, {"results": self.results,
                                           "network_params": self.network_params,
                                           "analysis_params": self.analysis_params})
        return str(file)

    def save_results(self, file: str | Path, overwrite: bool = False) -> str:
        """Save only the results (with units) to ``file``.

        Parameters
        ----------
        file : str or Path
            The HDF5 file.
        overwrite : bool
            Replace an existing file.

        Returns
        -------
        str
            The file name.

        Raises
        ------
        FileExistsError
            If ``file`` exists and ``overwrite`` is False.
        """
        if Path(file).exists() and not overwrite:
            raise FileExistsError(f"{file} exists; use overwrite=True to replace it")
        io.save_quantity_dict_to_h5(file, {"results": self.results})
        return str(file)

    def load(self, file: str | Path) -> None:
        """Replace parameters and results by those saved in ``file``.

        Parameters
        ----------
        file : str or Path
            HDF5 file written by :meth:`save`.

        Raises
        ------
        ValueError
            If the file holds no network parameters.
        """
        data = io.load_val_unit_dict_from_h5(file)
        if "network_params" not in data:
            raise ValueError(f"{file} holds no network_params; not written by save()")
        given = {k: v for k, v in data["network_params"].items()}
        ana = dict(data.get("analysis_params", {}))
        self.network_params_yaml = self.analysis_params_yaml = ""
        self._build(given, {k: v for k, v in ana.items()
                            if k not in _PER_ARGUMENT and k not in ("omegas", "k_wavenumbers")})
        for key, value in ana.items():
            self.analysis_params.setdefault(key, _listify(key, value))
        self.results = {k: _listify(k, v) for k, v in data.get("results", {}).items()}

    def change_parameters(self, changed_network_params: Mapping | None = None,
                          changed_analysis_params: Mapping | None = None) -> Network:
        """A new network with some parameters changed (this one is unchanged).

        Parameters
        ----------
        changed_network_params, changed_analysis_params : mapping, optional
            New values: quantities or ``{val, unit}`` dicts.

        Returns
        -------
        Network
            The new network (no results).
        """
        net = dict(self._given_network)
        net.update(_as_quantities(changed_network_params or {}))
        ana = dict(self._given_analysis)
        ana.update(_as_quantities(changed_analysis_params or {}))
        new = Network.__new__(Network)
        new.results = {}
        new.network_params_yaml = self.network_params_yaml
        new.analysis_params_yaml = self.analysis_params_yaml
        new._build(net, ana)
        return new

    def extend_analysis_frequencies(self, freqs: Any) -> None:
        """Add the frequencies ``freqs`` (quantity or Hz) to the analysis frequencies.

        Results that depend on the frequency grid are dropped; they are recomputed at
        the extended grid on the next call.

        Parameters
        ----------
        freqs : quantity or array_like
            Frequencies (Hz if plain numbers).
        """
        f = np.atleast_1d(freqs.to("hertz").magnitude if is_quantity(freqs)
                          else np.asarray(freqs, float))
        previous = self._net._extra_freqs
        self._net._extra_freqs = f if previous is None else np.union1d(previous, f)
        self._net._derive()
        omegas = self._net.analysis_params["omegas"]
        self.analysis_params["omegas"] = ureg.Quantity(omegas, "hertz")
        for name in ("delay_dist", "transfer_function", "power_spectra", "eigenvalue_spectra",
                     "r_eigenvec_spectra", "l_eigenvec_spectra"):
            self.results.pop(name, None)
        for key in ("eigenvalue_matrix", "r_eigenvec_matrix", "l_eigenvec_matrix"):
            self.analysis_params.pop(key, None)

    # -- working point -------------------------------------------------------------

    def firing_rates(self, method: str = "shift") -> Any:
        """Self-consistent firing rates (Fourcaud & Brunel 2002, Eq. 4.33), Hz.

        Parameters
        ----------
        method : {'shift', 'taylor'}
            Colored-noise approximation (Fourcaud & Brunel 2002; Schuecker et al. 2015).

        Returns
        -------
        pint.Quantity
            Rates per population in Hz.
        """
        self._rate_method = method
        if "firing_rates" not in self.results:
            with convention("nnmt"):
                nu = lif.exp.firing_rates(self._net, method=method)
            self._store("firing_rates", nu)
        return self.results["firing_rates"]

    def mean_input(self) -> Any:
        """Mean input at the firing rates (Fourcaud & Brunel 2002, Eq. 3.4), mV.

        Returns
        -------
        pint.Quantity
            Mean input per population in mV.
        """
        if "mean_input" not in self.results:
            self.firing_rates()
            with convention("nnmt"):
                self._store("mean_input", lif.exp.mean_input(self._net))
        return self.results["mean_input"]

    def std_input(self) -> Any:
        """Standard deviation of the input at the firing rates, mV.

        Returns
        -------
        pint.Quantity
            Standard deviation of the input per population in mV (Fourcaud & Brunel 2002,
            Eq. 3.4).
        """
        if "std_input" not in self.results:
            self.firing_rates()
            with convention("nnmt"):
                self._store("std_input", lif.exp.std_input(self._net))
        return self.results["std_input"]

    def working_point(self) -> dict:
        """``{'firing_rates', 'mean_input', 'std_input'}`` (Hz, mV, mV).

        Returns
        -------
        dict
            The three quantities of :meth:`firing_rates`, :meth:`mean_input` and
            :meth:`std_input`.
        """
        return {"firing_rates": self.firing_rates(), "mean_input": self.mean_input(),
                "std_input": self.std_input()}

    # -- frequency domain ------------------------------------------------------------


    def delay_dist_matrix(self, freq: Any = None) -> Any:
        """Delay distribution matrix D(omega) (Bos et al. 2016), shape (n_freq, n, n) for
        the analysis frequencies, (n, n) for one frequency ``freq``.

        Parameters
        ----------
        freq : pint.Quantity or float, optional
            One frequency (Hz if a plain number); default the analysis frequencies.

        Returns
        -------
        pint.Quantity
            Dimensionless, complex.
        """
        if freq is None:
            if "delay_dist" not in self.results:
                with convention("nnmt"):
                    D = network_properties.delay_dist_matrix(self._net)
                self._store("delay_dist", D)
            return self.results["delay_dist"]
        f = _freq_si(freq)

        def compute():
            Delay, Delay_sd, dist = self._params_si("Delay", "Delay_sd", "delay_dist")
            with convention("nnmt"):
                D = network_properties._delay_dist_matrix(Delay, Delay_sd, dist,
                                                          np.array([2 * np.pi * f]))[0]
            return ureg.Quantity(D, "dimensionless")

        return self._store_at("delay_dist_single", "delay_dist_freqs", freq, compute)


    def transfer_function(self, freq: Any = None, method: str = "shift") -> Any:
        """Transfer functions (Schuecker et al. 2015), Hz/mV: shape (n, n_freq) for the
        analysis frequencies (LMT's layout), (n,) for one frequency ``freq``.

        Parameters
        ----------
        freq : pint.Quantity or float, optional
            One frequency (Hz if a plain number); default the analysis frequencies.
        method : {'shift', 'taylor'}
            Colored-noise approximation (Schuecker et al. 2015, Eq. 18 ff.).

        Returns
        -------
        pint.Quantity
            Complex, in Hz/mV.
        """
        if freq is None:
            if "transfer_function" not in self.results:
                self._ensure_working_point()
                with convention("nnmt"):
                    H = lif.exp.transfer_function(self._net, method=method)
                self._store("transfer_function", np.asarray(H).T)
            return self.results["transfer_function"]
        f = _freq_si(freq)
        return self._store_at(
            "transfer_function_single", "transfer_freqs", freq,
            lambda: from_si(self._transfer_si(np.array([2 * np.pi * f]), method)[0],
                            _UNITS["transfer_function"]))


    def sensitivity_measure(self, freq: Any, method: str = "shift") -> Any:
        """Sensitivity measure (Bos et al. 2016, Eq. 7) at ``freq``: complex (n, n),
        for the eigenvalue of the effective connectivity closest to 1.

        Parameters
        ----------
        freq : pint.Quantity or float
            The frequency (Hz if a plain number).
        method : {'shift', 'taylor'}
            Colored-noise approximation of the transfer function.

        Returns
        -------
        pint.Quantity
            Dimensionless, complex, shape (n, n) [target, source].
        """
        f = _freq_si(freq)

        def compute():
            omega = np.array([2 * np.pi * f])
            H = self._transfer_si(omega, method)
            Delay, Delay_sd, dist = self._params_si("Delay", "Delay_sd", "delay_dist")
            J, K, tau_m = self._params_si("J", "K", "tau_m")
            with convention("nnmt"):
                D = network_properties._delay_dist_matrix(Delay, Delay_sd, dist, omega)
                M = lif.exp._effective_connectivity(H, D, J, K, tau_m)
                res = lif.exp._sensitivity_measure(M, frequency=f,
                                                   analysis_frequencies=np.array([f]))
            return ureg.Quantity(res["sensitivity"], "dimensionless")

        return self._store_at("sensitivity_measure", "sensitivity_freqs", freq, compute)

    def power_spectra(self) -> Any:
        """Power spectra of the population rates (Bos et al. 2016, Eq. 18), Hz, shape
        (n, n_freq).

        Returns
        -------
        pint.Quantity
            Two-sided spectra of the population rates in Hz.
        """
        if "power_spectra" not in self.results:
            self._effective_connectivity()
            with convention("nnmt"):
                P = lif.exp.power_spectra(self._net)
            self._store("power_spectra", np.asarray(P).T)
        return self.results["power_spectra"]


    def eigenvalue_spectra(self, matrix: str) -> Any:
        """Eigenvalues of 'MH' (effective connectivity), 'prop' or 'prop_inv' at every
        analysis frequency (Bos et al. 2016), shape (n, n_freq).

        Parameters
        ----------
        matrix : {'MH', 'prop', 'prop_inv'}
            M, the propagator P = (1 - M)^-1 M, or its inverse.

        Returns
        -------
        pint.Quantity
            Dimensionless, complex.

        Raises
        ------
        ValueError
            For another ``matrix``.
        """
        return self._eigen("eigenvalue_spectra", "eigenvalue_matrix", matrix, 0)

    def r_eigenvec_spectra(self, matrix: str) -> Any:
        """Right eigenvectors, shape (n, n, n_freq) (columns are eigenvectors).

        Parameters
        ----------
        matrix : {'MH', 'prop', 'prop_inv'}
            As for :meth:`eigenvalue_spectra`.

        Returns
        -------
        pint.Quantity
            Dimensionless, complex.
        """
        return self._eigen("r_eigenvec_spectra", "r_eigenvec_matrix", matrix, 1)

    def l_eigenvec_spectra(self, matrix: str) -> Any:
        """Left eigenvectors, shape (n, n, n_freq) (rows are eigenvectors).

        Parameters
        ----------
        matrix : {'MH', 'prop', 'prop_inv'}
            As for :meth:`eigenvalue_spectra`.

        Returns
        -------
        pint.Quantity
            Dimensionless, complex.
        """
        return self._eigen("l_eigenvec_spectra", "l_eigenvec_matrix", matrix, 2)

    # -- Senk et al. 2020 ----------------------------------------------------------------

    def additional_rates_for_fixed_input(self, mean_input_set: Any,
                                         std_input_set: Any) -> tuple[Any, Any]:
        """Additional external excitatory and inhibitory rates (Hz) that fix the working
        point at (mean_input_set, std_input_set) (Senk et al. 2020, App. F).

        Parameters
        ----------
        mean_input_set, std_input_set : pint.Quantity
            Target mean and standard deviation of the input per population (voltages).

        Returns
        -------
        nu_e_ext, nu_i_ext : pint.Quantity
            Additional excitatory and inhibitory external rates per population, Hz.
        """
        mu, sigma = to_si(mean_input_set)[0], to_si(std_input_set)[0]
        with convention("nnmt"):
            nu_e, nu_i = rate_mapping.additional_rates_for_fixed_input(self._net, mu, sigma)
        return self._store("add_nu_e_ext", nu_e), self._store("add_nu_i_ext", nu_i)

    def fit_transfer_function(self) -> tuple:
        """Low-pass fit of the transfer functions and the equivalent rate model (Senk et
        al. 2020, Fig. 5): ``tau_rate`` (ms), ``W_rate``, ``W_rate_sim`` (= W_rate / K),
        ``fit_tf`` (Hz/mV, shape (n, n_freq)) and ``tf0_ecs`` (effective coupling
        strength scaled to a transfer function, Hz/mV).

        Returns
        -------
        tau_rate, W_rate, W_rate_sim, fit_tf, tf0_ecs : pint.Quantity
            As listed above, also stored in ``results``.
        """
        self.transfer_function()
        self._effective_connectivity()
        with convention("nnmt"):
            fit, tau_rate, W_rate, _ = rate_mapping.fit_transfer_function(self._net)
            w_ecs = rate_mapping.effective_coupling_strength(self._net)
        J, K, tau_m = self._params_si("J", "K", "tau_m")
        with np.errstate(divide="ignore", invalid="ignore"):
            W_sim = np.where(K > 0, W_rate / np.where(K > 0, K, 1), 0.0)
            tf0 = w_ecs / (J * np.asarray(tau_m))
        out = (self._store("tau_rate", tau_rate, "millisecond"),
               self._store("W_rate", W_rate, "dimensionless"),
               self._store("W_rate_sim", W_sim, "dimensionless"),
               self._store("fit_tf", np.asarray(fit).T, "hertz / millivolt"),
               self._store("tf0_ecs", tf0, "hertz / millivolt"))
        return out

    def scan_fit_transfer_function_mean_std_input(self, mean_inputs: Any,
                                                  std_inputs: Any) -> tuple[Any, Any]:
        """Relative fit errors of tau and h0 over a (mean, std) grid (Senk et al. 2020,
        Fig. 5): ``errs_tau, errs_h0``, shape (len(mean_inputs), len(std_inputs)).

        Parameters
        ----------
        mean_inputs, std_inputs : pint.Quantity
            Grids of the mean and standard deviation of the input (voltages).

        Returns
        -------
        errs_tau, errs_h0 : pint.Quantity
            Dimensionless relative errors of the fitted time constant and gain.
        """
        mu, sigma = to_si(mean_inputs)[0], to_si(std_inputs)[0]
        with convention("nnmt"):
            res = rate_mapping.scan_fit_transfer_function_mean_std_input(
                self._net, mu, sigma, progress=False)
        return (self._store("errs_tau", res["err_tau"], "dimensionless"),
                self._store("errs_h0", res["err_h0"], "dimensionless"))

    def effective_coupling_strength(self) -> Any:
        """Effective coupling strength (Senk et al. 2020, Eq. E1), dimensionless (n, n).

        Returns
        -------
        pint.Quantity
            Dimensionless, shape (n, n) [target, source].
        """
        self._ensure_working_point()
        with convention("nnmt"):
            w = rate_mapping.effective_coupling_strength(self._net)
        return self._store("effective_coupling_strength", w)


    def linear_interpolation_alpha(self, k_wavenumbers: Any = None, branches: Any = None,
                                   alphas: Any = None) -> tuple:
        """Eigenvalues interpolated between the fitted rate model (alpha = 0) and the LIF
        network (alpha = 1) (Senk et al. 2020, Fig. 6): ``alphas, lambdas_chareq,
        lambdas_integral, k_eig_max, eigenval_max, eigenvals`` (1/s, 1/m).  ``branches``
        and ``alphas`` default to those of
        :func:`neuromf.linear_stability.linear_interpolation_alpha`.

        Parameters
        ----------
        k_wavenumbers : pint.Quantity or array_like, optional
            Wavenumbers (1/m if plain numbers); default the analysis wavenumbers.
        branches : array_like of int, optional
            Lambert W branches.
        alphas : array_like of float, optional
            Interpolation parameters in [0, 1].

        Returns
        -------
        tuple of pint.Quantity
            The six quantities named above, also stored in ``results``.
        """
        net = self._with_wavenumbers(k_wavenumbers)
        with convention("nnmt"):
            out = linear_stability.linear_interpolation_alpha(net, branches=branches,
                                                              alphas=alphas)
        units = ["dimensionless", "1 / second", "1 / second", "1 / meter", "1 / second",
                 "1 / second"]
        names = ["alphas", "lambdas_chareq", "lambdas_integral", "k_eig_max",
                 "eigenval_max", "eigenvals"]
        return tuple(self._store(n, v, u) for n, v, u in zip(names, out, units, strict=True))

    def eigenvals_branches_rate(self, branches: Any = None) -> tuple:
        """Rate-model eigenvalues of the Lambert W branches (Senk et al. 2020, Fig. 6 at
        alpha = 0): ``k_eig_max`` (1/m), ``idx_k_eig_max``, ``eigenval_max``,
        ``eigenvals`` (1/s).

        Parameters
        ----------
        branches : array_like of int, optional
            Lambert W branches (default those of
            :func:`neuromf.linear_stability.eigenvals_branches_rate`).

        Returns
        -------
        tuple
            The four values named above.
        """
        net = self._with_wavenumbers(None)
        with convention("nnmt"):
            k, idx, lam, lams = linear_stability.eigenvals_branches_rate(net, branches)
        return (self._store("k_eig_max", k, "1 / meter"), idx,
                self._store("eigenval_max", lam, "1 / second"),
                self._store("eigenvals_rate", lams, "1 / second"))

    def xi_of_k(self, k_wavenumbers: Any = None) -> tuple:
        """Extrema of the effective spatial profile xi(k) (Senk et al. 2020, Fig. 3):
        ``xi_min, xi_max, k_min, k_max``.

        Parameters
        ----------
        k_wavenumbers : pint.Quantity or array_like, optional
            Wavenumbers (1/m if plain numbers); default the analysis wavenumbers.

        Returns
        -------
        tuple
            ``xi_min, xi_max`` (dimensionless) and ``k_min, k_max`` (1/m).
        """
        net = self._with_wavenumbers(k_wavenumbers)
        with convention("nnmt"):
            xi_min, xi_max, k_min, k_max = spatial.xi_of_k(net)
        return (xi_min, xi_max, ureg.Quantity(k_min, "1 / meter"),
                ureg.Quantity(k_max, "1 / meter"))

    def solve_chareq_rate_boxcar(self, branch: int = 0, k_wavenumbers: Any = None) -> Any:
        """Rate-model eigenvalues lambda(k) on one Lambert W branch, boxcar profiles
        (Senk et al. 2020), 1/s.

        Parameters
        ----------
        branch : int
            The Lambert W branch.
        k_wavenumbers : pint.Quantity or array_like, optional
            Wavenumbers (1/m if plain numbers); default the analysis wavenumbers.

        Returns
        -------
        pint.Quantity
            Complex eigenvalues per wavenumber, 1/s.
        """
        net = self._with_wavenumbers(k_wavenumbers)
        with convention("nnmt"):
            lam = linear_stability.solve_chareq_rate_boxcar(net, branch)
        return ureg.Quantity(lam, "1 / second")

    def compute_profile_characteristics(self) -> dict:
        """Characteristics of the spatial profile (Senk et al. 2020); stored in results
        under their LMT names (rho, eta, xi_min, ..., speed) and returned.

        Returns
        -------
        dict
            The characteristics by LMT name.
        """
        net = self._with_wavenumbers(None)
        with convention("nnmt"):
            chars = spatial.compute_profile_characteristics(net)
        self.results.update(chars)
        return dict(chars)


    def __repr__(self) -> str:
        return f"<lmt.Network {self.network_params.get('label', '')} {self.hash}>"
