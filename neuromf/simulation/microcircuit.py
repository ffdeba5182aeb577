"""Derived quantities of the Potjans & Diesmann (2014) microcircuit simulation.

These are the formulas NEST's PyNEST microcircuit example uses to turn the model's
parameters into a network realisation: synapse numbers from connection probabilities,
the PSP -> PSC conversion, the compensation of in-degree scaling, the DC equivalent of
the Poisson background and the thalamic stimulus.  They are plain numpy functions in SI
units and need no NEST.

References
----------
Potjans TC, Diesmann M (2014) Cereb Cortex 24:785-806, Eq. 1 (synapse numbers) and
section "Downscaling".  van Albada SJ, Helias M, Diesmann M (2015) Scalability of
asynchronous networks is limited by one-to-one mapping between effective connectivity
and correlations. PLoS Comput Biol 11:e1004490 (weight and DC compensation under
in-degree scaling).
"""

from __future__ import annotations

import numpy as np

from neuromf.utils import check_positive

__all__ = ["synapse_numbers_from_conn_probs", "psc_over_psp", "dc_equivalent_of_poisson",
           "indegree_scaling_compensation", "thalamic_synapse_numbers"]


def synapse_numbers_from_conn_probs(conn_probs: np.ndarray, n_post: np.ndarray,
                                    n_pre: np.ndarray) -> np.ndarray:
    """Total number of synapses that realise the connection probabilities.

    With K synapses drawn at random (multapses allowed) between N_pre·N_post pairs, the
    probability that a given pair is connected at least once is
    1 − (1 − 1/(N_pre N_post))^K; solving for K gives (Potjans & Diesmann 2014, Eq. 1)

        K = log(1 − C) / log(1 − 1/(N_pre N_post)).

    Parameters
    ----------
    conn_probs : array, shape (n_post, n_pre)
        Connection probabilities C[target, source], in [0, 1).
    n_post, n_pre : array
        Population sizes of targets and sources.

    Returns
    -------
    np.ndarray, shape (n_post, n_pre)
        Expected total numbers of synapses (floats, not rounded).
    """
    conn_probs = np.asarray(conn_probs, dtype=float)
    if np.any(conn_probs < 0) or np.any(conn_probs >= 1):
        raise ValueError(f"conn_probs must lie in [0, 1), got values between "
                         f"{conn_probs.min()} and {conn_probs.max()}")
    check_positive("N", n_post)
    check_positive("N", n_pre)
    prod = np.outer(np.asarray(n_post, dtype=float), np.asarray(n_pre, dtype=float))
    return np.log(1.0 - conn_probs) / np.log((prod - 1.0) / prod)


def psc_over_psp(C: float, tau_m: float, tau_s: float) -> float:
    """Current amplitude (A) of an exponential PSC whose PSP peaks at 1 V.

    The membrane potential response to I(t) = I0 exp(−t/τ_s) is
    V(t) = I0 τ_m τ_s / (C (τ_s − τ_m)) (e^{−t/τ_s} − e^{−t/τ_m}); its maximum, at
    t* = τ_m τ_s log(τ_m/τ_s) / (τ_m − τ_s), defines the PSP amplitude (Hanuschkin et al.
    2010, Front Neuroinform 4:113, Eq. 5).

    Parameters
    ----------
    C : float
        Membrane capacitance in F.
    tau_m, tau_s : float
        Membrane and synaptic time constants in s (must differ).

    Returns
    -------
    float
        PSC/PSP in A/V (about 585.39 pA/mV for 250 pF, 10 ms, 0.5 ms).
    """
    check_positive("C", C, "F")
    check_positive("tau_m", tau_m, "s")
    check_positive("tau_s", tau_s, "s")
    if np.any(np.isclose(tau_m, tau_s, rtol=1e-12, atol=0)):
        raise ValueError(f"tau_m ({tau_m} s) and tau_s ({tau_s} s) must differ for the "
                         "PSP -> PSC conversion")
    t_peak = tau_m * tau_s * np.log(tau_m / tau_s) / (tau_m - tau_s)
    v_peak = tau_m * tau_s / (C * (tau_s - tau_m)) * (np.exp(-t_peak / tau_s)
                                                      - np.exp(-t_peak / tau_m))
    return 1.0 / v_peak


def dc_equivalent_of_poisson(nu_ext: np.ndarray, K_ext: np.ndarray,
                             W_ext: np.ndarray, tau_s: np.ndarray) -> np.ndarray:
    """DC current (A) with the mean of a Poisson drive of exponential PSCs.

    Each input spike injects the charge W_ext τ_s, so K_ext inputs at rate ν_ext carry
    the mean current I = ν_ext K_ext W_ext τ_s (Campbell's theorem).

    Parameters
    ----------
    nu_ext : np.ndarray
        Rate of each external input in Hz.
    K_ext : np.ndarray
        Number of external inputs per neuron.
    W_ext : np.ndarray
        Amplitude of the external PSC in A.
    tau_s : np.ndarray
        Synaptic time constant in s.

    Returns
    -------
    np.ndarray
        The mean current in A (broadcast shape of the arguments).
    """
    return np.asarray(nu_ext) * np.asarray(K_ext) * np.asarray(W_ext) * np.asarray(tau_s)


def indegree_scaling_compensation(W: np.ndarray, K: np.ndarray, rates: np.ndarray,
                                  W_ext: np.ndarray, K_ext: np.ndarray, nu_ext: float,
                                  tau_s: np.ndarray, k_scale: float,
                                  poisson_input: bool = True
                                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weights and DC current that keep the input statistics when in-degrees shrink.

    Scaling in-degrees by k and weights by 1/√k keeps the input variance
    (∝ K W²); the mean input then drops by the factor √k, and the missing part is
    added as the DC current (van Albada et al. 2015)

        I_DC = τ_s (1 − √k) (Σ_j W_ij K_ij ν_j + W_ext K_ext ν_ext),

    with the external term only for Poisson background.  ν_j are the rates of the
    unscaled network.

    Parameters
    ----------
    W : array (n, n)
        Unscaled PSC amplitudes in A, [target, source].
    K : array (n, n)
        Unscaled in-degrees.
    rates : array (n,)
        Firing rates of the unscaled network in Hz.
    W_ext, K_ext : array (n,)
        External PSC amplitude (A) and in-degree.
    nu_ext : float
        Rate of each external input in Hz.
    tau_s : float or array (n,)
        Synaptic time constant in s.
    k_scale : float
        In-degree scaling factor, > 0.
    poisson_input : bool
        Whether the external input is Poisson (then it is scaled too).

    Returns
    -------
    W_new, W_ext_new, I_dc : np.ndarray
        Scaled recurrent and external weights (A) and the compensating DC (A).
    """
    check_positive("k_scale", k_scale)
    sqrt_k = np.sqrt(k_scale)
    W = np.asarray(W, dtype=float)
    W_ext = np.asarray(W_ext, dtype=float)
    rec = np.sum(W * np.asarray(K, dtype=float) * np.asarray(rates, dtype=float), axis=1)
    mean_current = rec
    if poisson_input:
        mean_current = rec + W_ext * np.asarray(K_ext, dtype=float) * nu_ext
    I_dc = np.asarray(tau_s) * (1.0 - sqrt_k) * mean_current
    return W / sqrt_k, W_ext / sqrt_k, I_dc


def thalamic_synapse_numbers(th_conn_probs: np.ndarray, n_thalamic: int,
                             N_full: np.ndarray, k_scale: float) -> np.ndarray:
    """Synapse numbers from the thalamic population to each cortical population.

    As in the PyNEST example the numbers follow from the full-scale population sizes
    (Potjans & Diesmann 2014, Eq. 1) and are multiplied by the in-degree scaling only;
    they are not rounded here.

    Parameters
    ----------
    th_conn_probs : np.ndarray
        Connection probability from the thalamus to each population, shape (n,).
    n_thalamic : int
        Number of thalamic neurons.
    N_full : np.ndarray
        Full-scale neuron numbers, shape (n,).
    k_scale : float
        Factor on the in-degrees.

    Returns
    -------
    np.ndarray
        Synapse numbers (floats, not rounded), shape (n,).
    """
    nums = synapse_numbers_from_conn_probs(np.atleast_2d(th_conn_probs),
                                           np.array([n_thalamic]), N_full)[0]
    return nums * k_scale
