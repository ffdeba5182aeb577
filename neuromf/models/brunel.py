"""Brunel (2000) sparsely connected network of excitatory and inhibitory LIF neurons."""

from __future__ import annotations

import numpy as np

from .basic import Basic


class Brunel2000(Basic):
    """Brunel (2000) 'model A': E and I populations with δ synapses.

    Given the excitatory PSP ``j`` (V), the relative inhibition ``g``, in-degrees ``K``
    and the external rate per synapse ``nu_ext``, derives

    - ``J = [[j, −g j], [j, −g j]]`` (PSP jumps, V), ``J_ext = j`` for both populations;
    - ``nu_thr = theta / (j K_E tau_m)``, the external rate that brings the mean input
      to threshold, with ``theta = V_th_abs`` measured from rest ``E_L`` (Brunel 2000,
      Eq. 8), and ``eta = nu_ext / nu_thr``;

    plus everything :class:`Basic` derives.  Built-in sets ``brunel2000_A`` … ``_D``
    are the states of Brunel 2000, Fig. 8.

    Parameters
    ----------
    network_params, analysis_params, file
        See :class:`neuromf.models.Network`, e.g. ``Brunel2000('brunel2000_C')``.
    """

    def _derived_network_params(self) -> dict:
        derived = super()._derived_network_params()
        p = self.network_params
        j, g = (np.asarray(p[k], dtype=float).item() for k in ("j", "g"))
        derived["J"] = np.array([[j, -g * j], [j, -g * j]])
        derived["J_ext"] = np.array([j, j])
        E_L = np.atleast_1d(np.asarray(p.get("E_L", 0.0), dtype=float))[0]
        theta = np.atleast_1d(np.asarray(p["V_th_abs"], dtype=float))[0] - E_L
        tau_m = np.atleast_1d(np.asarray(p["tau_m"], dtype=float))[0]
        K = np.asarray(p["K"], dtype=float)
        K_EE = K[0, 0] if K.ndim == 2 else float(np.atleast_1d(K)[0])
        if not K_EE > 0 or not theta > 0:
            raise ValueError(f"Brunel2000 needs K[E, E] > 0 and a threshold above rest "
                             f"(V_th_abs - E_L > 0), got K[E, E] = {K_EE}, "
                             f"V_th_abs - E_L = {theta} V")
        nu_thr = float(theta / (j * K_EE * tau_m))
        derived["nu_thr"] = nu_thr
        eta = np.asarray(p["nu_ext"], dtype=float) / nu_thr
        derived["eta"] = eta.item() if eta.size == 1 else eta
        return derived
