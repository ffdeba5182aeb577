"""The Potjans & Diesmann (2014) cortical microcircuit."""

from __future__ import annotations

import numpy as np

from .basic import relative_potentials
from .network import Network, _omegas


def psc_from_psp(psp: float | np.ndarray, tau_m: float, tau_s: float, C: float
                 ) -> float | np.ndarray:
    """PSC amplitude (A) whose exponential current gives a PSP of peak ``psp`` (V).

    The membrane (``tau_m``, ``C``) filters the current ``I0 exp(−t/tau_s)``; the
    voltage peaks at ``t* = tau_m tau_s/(tau_m − tau_s) ln(tau_m/tau_s)`` with height
    ``I0/C · tau_m tau_s/(tau_m − tau_s) · (exp(−t*/tau_m) − exp(−t*/tau_s))``
    (Potjans & Diesmann 2014, model description; for 250 pF, 10 ms, 0.5 ms:
    1 mV ↔ 585.39 pA).

    Parameters
    ----------
    psp : float or np.ndarray
        Peak PSP in V.
    tau_m : float
        Membrane time constant in s.
    tau_s : float
        Synaptic time constant in s (not equal to ``tau_m``).
    C : float
        Membrane capacitance in F.

    Returns
    -------
    float or np.ndarray
        PSC amplitude ``I0`` in A.

    Raises
    ------
    ValueError
        If ``tau_m == tau_s``.
    """
    if tau_m == tau_s:
        raise ValueError("psc_from_psp: tau_m must differ from tau_s "
                         f"(both {tau_s} s)")
    t_peak = tau_m * tau_s / (tau_m - tau_s) * np.log(tau_m / tau_s)
    kernel_peak = (tau_m * tau_s / (tau_m - tau_s)
                   * (np.exp(-t_peak / tau_m) - np.exp(-t_peak / tau_s)))
    return psp * C / kernel_peak


def indegrees_from_connection_probabilities(conn_probs: np.ndarray, N: np.ndarray
                                            ) -> np.ndarray:
    """In-degrees K[a, b] for 'fixed total number' connectivity with multapses.

    ``K_total = log(1 − C) / log((N_pre N_post − 1)/(N_pre N_post))`` synapses are drawn
    between populations (Potjans & Diesmann 2014, Eq. 1), i.e. ``K = K_total/N_post``
    per neuron of the target population.

    Parameters
    ----------
    conn_probs : np.ndarray
        Connection probabilities C[a, b] [target, source], shape (n, n).
    N : np.ndarray
        Neurons per population, shape (n,).

    Returns
    -------
    np.ndarray
        Mean in-degrees K[a, b] (synapses per target neuron, multapses included).
    """
    conn_probs = np.asarray(conn_probs, dtype=float)
    N = np.asarray(N, dtype=float)
    pairs = np.outer(N, N)
    K_total = np.log1p(-conn_probs) / np.log1p(-1.0 / pairs)
    return K_total / N[:, None]


class Microcircuit(Network):
    """The Potjans & Diesmann (2014) four-layer cortical microcircuit.

    ``Microcircuit()`` loads the built-in parameter set ``'potjans2014'`` (see
    :func:`neuromf.models.available`); ``Microcircuit('bos2016')`` the variant of
    Bos et al. (2016); a YAML path or dict in NNMT's format works as in NNMT.

    Derived parameters, as NNMT's ``Microcircuit``: ``dimension``, ``V_0_rel = 0``,
    ``V_th_rel``, ``j = tau_s/C·w``, the PSC matrix ``W`` (``w`` for excitatory,
    ``−g·w`` for inhibitory sources, L4E → L23E doubled), ``J = tau_s/C·W``,
    ``J_ext``, the delay matrices ``Delay`` (``d_e``, ``d_i``) and ``Delay_sd``
    (``d_e_sd``, ``d_i_sd``) by source population, ``omegas`` and ``k_wavenumbers``.

    Parameter sets that give the mean PSP ``PSP_e`` instead of ``w`` get ``w`` (and
    ``w_ext`` if missing) from :func:`psc_from_psp`; sets that give connection
    probabilities ``conn_probs`` instead of ``K`` get ``K`` from
    :func:`indegrees_from_connection_probabilities`.

    Parameters
    ----------
    network_params, analysis_params, file
        See :class:`neuromf.models.Network`; ``network_params`` defaults to
        ``'potjans2014'``.
    """

    default_parameter_set = "potjans2014"

    def _setup(self, network_quantities: dict, analysis_quantities: dict) -> None:
        network_quantities = dict(network_quantities)
        network_quantities["label"] = "microcircuit"
        super()._setup(network_quantities, analysis_quantities)

    def _derived_network_params(self) -> dict:
        p = self.network_params
        dim = len(p["populations"])
        derived: dict = {"dimension": dim}
        derived.update(relative_potentials(p, 0.0))
        tau_s, C = p["tau_s"], p["C"]
        w = p.get("w")
        if w is None:
            if "PSP_e" not in p:
                raise ValueError("Microcircuit needs the PSC amplitude 'w' or the mean "
                                 "PSP 'PSP_e'")
            w = psc_from_psp(p["PSP_e"], p["tau_m"], tau_s, C)
            derived["w"] = w
        if "w_ext" not in p:
            derived["w_ext"] = w
        w_ext = p.get("w_ext", w)
        if "K" not in p:
            if "conn_probs" not in p or "N" not in p:
                raise ValueError("Microcircuit needs the in-degrees 'K' or the connection "
                                 "probabilities 'conn_probs' together with 'N'")
            derived["K"] = indegrees_from_connection_probabilities(p["conn_probs"], p["N"])
        ratio = tau_s / C
        derived["j"] = ratio * w
        inhibitory = np.zeros(dim, dtype=bool)
        inhibitory[1::2] = True
        W = np.where(inhibitory[None, :], -p["g"] * w, w) * np.ones((dim, dim))
        if dim > 2:
            W[0, 2] *= 2.0                      # L4E -> L23E (Potjans & Diesmann 2014)
        derived["W"] = W
        derived["J"] = ratio * W
        derived["Delay"] = np.where(inhibitory[None, :], p["d_i"], p["d_e"]) * np.ones((dim, dim))
        derived["Delay_sd"] = (np.where(inhibitory[None, :], p["d_i_sd"], p["d_e_sd"])
                               * np.ones((dim, dim)))
        derived["J_ext"] = ratio * np.ones(np.shape(p["K_ext"])) * w_ext
        # units the derived parameters are shown and saved in (NNMT's: those they are
        # computed from; weights in mV)
        units = self.input_units
        for key, source in (("Delay", "d_e"), ("Delay_sd", "d_e_sd"), ("W", "w"),
                            ("V_th_rel", "V_th_abs"), ("V_0_rel", "V_0_abs")):
            if source in units:
                units.setdefault(key, units[source])
        for key in ("J", "j", "J_ext"):
            units.setdefault(key, "millivolt")
        return derived

    def _derived_analysis_params(self) -> dict:
        return _omegas(self.analysis_params)
