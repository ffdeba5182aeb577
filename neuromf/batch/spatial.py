r"""Most unstable eigenvalue of the spatial rate model for many networks at once.

Senk et al. (2020) map a spatially structured LIF network onto a rate model: each
population's transfer function is fitted by a low pass :math:`h_0/(1 + i\omega\tau)`
(Sec. F, Fig. 5), the rate weights are :math:`W_{ab} = h_{0,a}\tau_{m,a}K_{ab}J_{ab}`, and
the temporal eigenvalues at wavenumber :math:`k` solve
:math:`(1 + \lambda\tau)e^{\lambda d} = \xi(k)` (Eq. 7), with :math:`\xi(k)` the eigenvalue
of largest modulus of :math:`W \circ \hat p(k)` (Eq. 5):
:math:`\lambda_n = -1/\tau + W_n(\xi\,(d/\tau)\,e^{d/\tau})/d` on the branches :math:`n`
of the Lambert W function (Helias et al. 2013, Eq. 8).

:func:`most_unstable_eigenvalues` evaluates this for a :class:`~neuromf.batch.Batch`
of grid points: the transfer functions of all of them from one batched evaluation,
the low-pass fits, :math:`\xi(k)` and the Lambert W roots as arrays with a leading
grid axis.  The choice of the eigenvalue follows
:func:`neuromf.stability_report.stability_analysis` (largest real part over branches
and wavenumbers; the branch-0 member of a tie).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import conventions
from ..rate_fit import _fit_low_pass
from ..spatial import PROFILES, _critical_eigenvalue, _ft_spatial_profile
from ..special._chareq import _branches, _lambertw_polished
from ..utils import check_choice

__all__ = ["most_unstable_eigenvalues"]


def _common(name: str, values: np.ndarray, unit: str) -> np.ndarray:
    """One value per grid point (all populations equal), shape (G,)."""
    flat = values.reshape(values.shape[0], -1)
    if np.any(flat <= 0) or not np.all(np.isfinite(flat)):
        raise ValueError(f"{name} must be finite and > 0 ({unit}), got "
                         f"{flat[~((flat > 0) & np.isfinite(flat))][0]!r}")
    first = flat[:, 0]
    bad = ~np.all(np.isclose(flat, first[:, None], rtol=1e-12, atol=0.0), axis=1)
    if np.any(bad):
        g = int(np.flatnonzero(bad)[0])
        raise ValueError(f"the Lambert W solution of the characteristic equation needs one "
                         f"common {name} for all populations and connections; grid point "
                         f"{g} of the batch has {name} = {np.array2string(flat[g])} {unit}")
    return first


def most_unstable_eigenvalues(batch: Any, branches: Any = None, profile: str = "boxcar"
                              ) -> np.ndarray:
    """Eigenvalue (1/s) of the spatial rate model with the largest real part, per point.

    Parameters
    ----------
    batch : Batch
        Spatially structured networks with exponential synapses: ``width`` (m) and
        equal ``Delay`` (s) in the network parameters, ``k_wavenumbers`` (1/m) and
        ``omegas`` (rad/s) in the analysis parameters.
    branches : array_like of int, optional
        Lambert W branches; default ``analysis_params['branches']`` or -2 ... 2.
    profile : {'boxcar', 'exponential', 'gaussian'}
        Shape of the spatial connectivity profiles.

    Returns
    -------
    numpy.ndarray
        Complex eigenvalues, shape (G,), 1/s; equal to
        ``stability_analysis(network)['eigenvalue']`` of every network.

    Raises
    ------
    SpatialModelError
        If the model lacks spatial parameters, wavenumbers, frequencies or exp synapses.
    ValueError
        If the rate time constants or delays of a network differ between populations
        (no Lambert W solution), or for an invalid profile or branch.

    References
    ----------
    Senk et al. 2020, Eqs. 5 and 7, Sec. F; Helias et al. 2013, Eq. 8.
    """
    from ..stability_report import _check_spatial_model

    check_choice("profile", profile, PROFILES)
    first = batch.networks[0]
    _check_spatial_model(first, str(first.network_params.get("label", "network")))
    ana = first.analysis_params
    if branches is None:
        branches = ana.get("branches", np.arange(-2, 3))
    br = np.atleast_1d(_branches(branches))
    ks = np.atleast_1d(np.asarray(ana["k_wavenumbers"], dtype=float))

    H, _ = batch.transfer_functions()
    # the low-pass fit of every (point, population) column at once
    _, tau_rate, h0, _, _, _ = _fit_low_pass(np.moveaxis(H, 1, 0), batch.omegas)
    gain = h0 * batch.param("tau_m")                                   # (G, n)
    gain = gain[:, None, :] if conventions.flag("tau_m_columns") else gain[:, :, None]
    W_rate = gain * batch.param("K", "matrix") * batch.param("J", "matrix")
    tau = _common("tau", tau_rate, "s")
    delay = _common("delay", batch.param("Delay", "matrix"), "s")

    xi = np.empty((len(batch), ks.size), complex)
    groups: dict = {}
    for g, net in enumerate(batch.networks):      # distinct profile widths (usually one)
        w = np.asarray(net.network_params["width"], dtype=float)
        groups.setdefault((w.shape, w.tobytes()), (w, []))[1].append(g)
    for w, members in groups.values():
        p_hat = np.asarray(_ft_spatial_profile(ks, w, profile))
        p_hat = (p_hat[..., None, None] if w.ndim == 0 else
                 p_hat[..., None, :] if w.ndim == 1 else p_hat)       # (n_k, ., n)
        xi[members] = _critical_eigenvalue(W_rate[members][:, None] * p_hat[None])
    # as the single-network path: a negligible imaginary part from eig is dropped
    scale = np.maximum(np.abs(xi).max(axis=1), np.finfo(float).tiny)
    xi = np.where(np.all(np.abs(xi.imag) <= 1e-12 * scale[:, None], axis=1)[:, None],
                  xi.real, xi)

    ratio = delay / tau
    if np.any(ratio > 700.0):
        g = int(np.flatnonzero(ratio > 700.0)[0])
        raise ValueError(f"delay / tau = {ratio[g]:g} is too large for the Lambert W "
                         f"solution at grid point {g} (e^(delay/tau) overflows)")
    z = xi * (ratio * np.exp(ratio))[:, None]                          # (G, n_k)
    kk = br[:, None, None]
    w = _lambertw_polished(z[None], kk)                                # (n_b, G, n_k)
    with np.errstate(invalid="ignore"):
        lam = -1.0 / tau[None, :, None] + w / delay[None, :, None]
    lam = np.where((z[None] == 0) & (kk != 0), complex(-np.inf, 0.0), lam)

    re = np.where(np.isfinite(lam.real), lam.real, -np.inf)            # (n_b, G, n_k)
    G = len(batch)
    flat = re.transpose(1, 0, 2).reshape(G, -1)
    i_b, i_k = np.unravel_index(np.argmax(flat, axis=1), (br.size, ks.size))
    points = np.arange(G)
    best = re[i_b, points, i_k]
    at_k = re[:, points, i_k]                                          # (n_b, G)
    ties = np.isclose(at_k, best[None], rtol=1e-12, atol=1e-12 * np.abs(best[None]))
    zero = ties & (br[:, None] == 0)
    i_b = np.where(zero.any(axis=0), np.argmax(zero, axis=0), i_b)
    return lam[i_b, points, i_k]
