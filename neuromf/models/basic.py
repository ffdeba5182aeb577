"""Basic network: populations with arbitrary connectivity, no assumed structure."""

from __future__ import annotations

import numpy as np

from .network import Network, _omegas


def relative_potentials(p: dict, default_reset) -> dict:
    """Reset and threshold relative to the potential that the mean input ``mu`` is
    measured from: the resting potential ``E_L`` if given, else the reset (NNMT).

    Parameters
    ----------
    p : dict
        Network parameters (SI) with ``V_0_abs``, ``V_th_abs`` and optionally ``E_L``.
    default_reset : float or np.ndarray
        ``V_0_rel`` without ``E_L`` (V; NNMT: 0).

    Returns
    -------
    dict
        ``V_0_rel`` and ``V_th_rel`` in V.
    """
    V_0_abs = np.asarray(p["V_0_abs"], dtype=float)
    V_th_abs = np.asarray(p["V_th_abs"], dtype=float)
    if "E_L" in p and np.any(np.asarray(p["E_L"]) != V_0_abs):
        return {"V_0_rel": V_0_abs - np.asarray(p["E_L"]),
                "V_th_rel": V_th_abs - np.asarray(p["E_L"])}
    return {"V_0_rel": default_reset, "V_th_rel": V_th_abs - V_0_abs}


class Basic(Network):
    """Network model with arbitrary in-degree and weight matrices.

    Derived parameters (as NNMT's ``Basic``):

    - ``dimension`` : number of populations;
    - ``V_0_rel = 0``, ``V_th_rel = V_th_abs − V_0_abs`` (potentials relative to reset,
      NNMT's convention, which assumes reset = resting potential); if the resting
      potential ``E_L`` is given, potentials are measured from it instead
      (``V_0_rel = V_0_abs − E_L``, ``V_th_rel = V_th_abs − E_L``), as the mean input
      ``mu`` is (Brunel 2000 has E_L = 0, V_r = 10 mV, θ = 20 mV);
    - ``J = tau_s / C · W`` and ``J_ext = tau_s / C · W_ext``: PSC amplitudes (A)
      turned into the integrated PSC divided by C (V), the weight convention of the
      mean-field functions (numpy broadcasting as in NNMT);
    - ``omegas = 2π · arange(f_min, f_max, df)`` and ``k_wavenumbers`` from the
      analysis parameters.

    Networks of δ-synapse neurons may give ``J`` (PSP jump, V) instead of ``W``.
    If ``Delay`` / ``Delay_sd`` are missing but ``D_mean`` / ``D_std`` are given (as
    in Senk et al. 2020's parameter file) they are used.

    Parameters
    ----------
    network_params, analysis_params, file
        See :class:`neuromf.models.Network`.  ``network_params`` may name a built-in
        set, e.g. ``Basic('brunel2000_A')`` or ``Basic('senk2020')``.
    """

    def _derived_network_params(self) -> dict:
        p = self.network_params
        derived: dict = {}
        if "populations" in p:
            dim = len(p["populations"])
            derived["dimension"] = dim
            derived["V_0_rel"] = np.zeros(dim)
        if "V_th_abs" in p and "V_0_abs" in p:
            derived.update(relative_potentials(p, derived.get("V_0_rel", 0.0)))
        if "tau_s" in p and "C" in p:
            ratio = np.asarray(p["tau_s"]) / np.asarray(p["C"])
            if "W" in p:
                derived["J"] = ratio * np.asarray(p["W"], dtype=float)
            if "W_ext" in p:
                derived["J_ext"] = ratio * np.asarray(p["W_ext"], dtype=float)
        if "Delay" not in p and "D_mean" in p:
            derived["Delay"] = np.asarray(p["D_mean"], dtype=float)
        if "Delay_sd" not in p and "D_std" in p:
            derived["Delay_sd"] = np.asarray(p["D_std"], dtype=float)
        return derived

    def _derived_analysis_params(self) -> dict:
        return _omegas(self.analysis_params)

