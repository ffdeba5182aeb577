"""Effective connectivity of a network of populations (Bos et al. 2016, Eq. 12 ff.).

``M_ab(omega) = tau_m,a K_ab J_ab H_a(omega) D_ab(omega)``: a rate modulation of population
b changes the mean input of population a, delayed by ``D_ab``, and a responds with its
transfer function ``H_a``.  Optionally with the variance channel (Brunel & Hakim 1999).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import conventions
from ..utils import (
    _cache,
    check_finite,
    check_positive,
    get_required_network_params,
    get_required_results,
)
from ._inputs import (
    _DELAY_KEY,
    _PREFIX,
    _population_matrix,
    _population_vector,
)


def _effective_connectivity(transfer_function: Any, D: Any, J: Any, K: Any,
                            tau_m: Any, transfer_function_variance: Any = None
                            ) -> np.ndarray:
    """Effective connectivity ``M_ab(omega) = tau_m,a K_ab J_ab H_a(omega) D_ab(omega)``.

    Bos et al. 2016, Eq. 12 ff.: a rate modulation of population b changes the mean
    input of population a by ``tau_m,a K_ab J_ab``, delayed by ``D_ab``, and population
    a responds with its transfer function ``H_a``.

    With ``transfer_function_variance`` (``H^var``, Hz/V²) the modulation of the input
    variance ``sigma_a^2 = tau_m,a sum_b K_ab J_ab^2 nu_b`` is included as well (Brunel &
    Hakim 1999, the two terms of their linearised Fokker-Planck boundary condition)::

        M_ab = tau_m,a K_ab (J_ab H_a + J_ab^2 H^var_a) D_ab.

    It matters where single synapses are strong compared with sigma (inhibition-dominated
    networks with large ``g J``): there the variance channel partly cancels the
    inhibitory mean feedback at low frequencies and dominates at high ones.

    Parameters
    ----------
    transfer_function : array_like
        Transfer functions ``H`` in Hz/V, shape ``(n_freq, n)`` (or ``(n,)`` for a
        single frequency).
    D : array_like
        Delay distribution matrix (dimensionless), shape ``(n_freq, n, n)`` or
        ``(n, n)`` (the same at all frequencies).
    J : array_like
        Synaptic weights in V, shape ``(n, n)`` [target, source] or a scalar.
    K : array_like
        In-degrees, shape ``(n, n)`` [target, source].
    tau_m : float or array_like
        Membrane time constant(s) in s; a vector is indexed by the *target*
        population.
    transfer_function_variance : array_like, optional
        Responses to the input variance in Hz/V², shape of ``transfer_function``
        (:func:`neuromf.lif.exp.transfer_function_variance`); ``None`` (NNMT's and Bos
        et al.'s convention) leaves the variance channel out.

    Returns
    -------
    np.ndarray
        Complex array of shape ``(n_freq, n, n)`` (``(n, n)`` for a 1-d
        ``transfer_function`` and 2-d ``D``).

    Raises
    ------
    ValueError
        For mismatched shapes, negative in-degrees, non-positive ``tau_m`` or
        non-finite input.

    Notes
    -----
    NNMT 1.3 multiplies a vector ``tau_m`` along the source axis; the two agree for a
    common membrane time constant.  Under ``neuromf.use_convention("nnmt")`` so does
    this function (flag ``tau_m_columns``).  ``J`` may also be 1-d, one weight per source
    population (as in NNMT).
    """
    H = np.asarray(check_finite("transfer_function", transfer_function, "Hz/V"))
    D = np.asarray(check_finite("D", D))
    K = np.asarray(check_positive("K", K, allow_zero=True), dtype=float)
    if K.ndim != 2 or K.shape[0] != K.shape[1]:
        raise ValueError(f"K must be a square in-degree matrix (n, n) [target, source], "
                         f"got shape {K.shape}")
    n = K.shape[0]
    J = _population_matrix("J", J, n, "V")
    tau_m = _population_vector("tau_m", tau_m, n, "s", positive=True, allow_zero=False)
    if H.ndim not in (1, 2) or H.shape[-1] != n:
        raise ValueError(f"transfer_function must have shape (n_freq, {n}) or ({n},), got "
                         f"shape {H.shape}")
    if D.ndim not in (2, 3) or D.shape[-2:] != (n, n):
        raise ValueError(f"D must have shape (n_freq, {n}, {n}) or ({n}, {n}), got shape "
                         f"{D.shape}")
    if D.ndim == 3 and (H.ndim == 1 or H.shape[0] != D.shape[0]):
        n_h = 1 if H.ndim == 1 else H.shape[0]
        raise ValueError(f"transfer_function and D must belong to the same frequencies: "
                         f"got {n_h} frequencies in transfer_function and {D.shape[0]} "
                         "in D")
    # tau_m of the target population (row); NNMT 1.3 scales the source (column)
    tau = tau_m[None, :] if conventions.flag("tau_m_columns") else tau_m[:, None]
    coupling = tau * K * J
    if transfer_function_variance is not None:
        H_var = np.asarray(check_finite("transfer_function_variance",
                                        transfer_function_variance, "Hz/V^2"))
        if H_var.shape != H.shape:
            raise ValueError(f"transfer_function_variance must have the shape of "
                             f"transfer_function {H.shape}, got {H_var.shape}")
        gain = coupling * H[..., :, None] + (tau * K * J**2) * H_var[..., :, None]
        return D * gain
    M = np.multiply(D, coupling, dtype=complex)
    if M.ndim == H.ndim + 1:          # D per frequency: scale in place (saves a copy)
        M *= H[..., :, None]
        return M
    return M * H[..., :, None]


def effective_connectivity(network: Any, *, prefix: str = _PREFIX,
                           variance_channel: bool = False) -> np.ndarray:
    """Effective connectivity of a network; see :func:`_effective_connectivity`.

    Needs ``'lif.exp.transfer_function'`` and ``'network_properties.delay_dist_matrix'``
    at the same frequencies and the parameters ``J``, ``K``, ``tau_m``.  Cached under
    ``'lif.exp.effective_connectivity'``.  With ``prefix='lif.delta.'`` (as the
    network functions of :mod:`neuromf.lif.delta` do) the δ-synapse results are used
    and stored instead; the same holds for all network-level functions below.

    ``variance_channel=True`` adds the response to the modulated input variance and then
    also needs ``'lif.exp.transfer_function_variance'``
    (:func:`neuromf.lif.exp.transfer_function_variance`).  The default (False) is NNMT's
    and Bos et al. 2016's convention; with strong synapses the variance channel is
    needed to predict simulated spectra (``docs/simulation.md``).

    Parameters
    ----------
    network : Network
        With the results named above (computed by the neuron model's functions).
    prefix : str
        Result-key prefix of the neuron model ('lif.exp.' or 'lif.delta.';
        :mod:`neuromf.linear_response.neuron_model`).
    variance_channel : bool
        Include the response to the modulated input variance (Brunel & Hakim 1999).

    Returns
    -------
    np.ndarray
        ``M`` (dimensionless, complex), shape (n_freq, n, n) [target, source]
        (Bos et al. 2016, Eq. 12 ff.).
    """
    params = get_required_network_params(network, _effective_connectivity,
                                         exclude=["transfer_function", "D"])
    params.update(get_required_results(network, ["transfer_function", "D"],
                                       [prefix + "transfer_function", _DELAY_KEY]))
    if variance_channel:
        params.update(get_required_results(network, ["transfer_function_variance"],
                                           [prefix + "transfer_function_variance"]))
    return _cache(network, _effective_connectivity, params,
                  prefix + "effective_connectivity", "dimensionless")
