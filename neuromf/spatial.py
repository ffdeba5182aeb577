"""Spatially structured networks: connectivity profiles and the effective profile ξ(k).

A population ``b`` projects onto population ``a`` with a distance-dependent connection
probability p_b(x), normalised to ∫ p_b(x) dx = 1 (one-dimensional ring, Senk et al.
2020, Sec. II).  Linear stability of a spatially homogeneous state is analysed per
spatial Fourier mode ``k``: the connectivity matrix is replaced by ``W ∘ p̂(k)`` with
the Fourier transform p̂_b(k) = ∫ p_b(x) e^{−ikx} dx of each source's profile.

Parameter functions
-------------------
_ft_spatial_profile_boxcar, _ft_spatial_profile_exponential,
_ft_spatial_profile_gaussian, _ft_spatial_profile, _effective_profile, _xi_of_k,
_solve_chareq_rate_boxcar, _eigenvals_branches_rate (eigenvalues of the spatial rate model,
Senk et al. 2020, Eq. 7), _compute_profile_characteristics

Network functions
-----------------
xi_of_k, compute_profile_characteristics
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .special._chareq import _branches, _lambertw_roots, _unique_value
from .utils import (
    _cache,
    check_choice,
    check_finite,
    check_positive,
    get_required_results,
)

__all__ = [
    "_ft_spatial_profile_boxcar",
    "_ft_spatial_profile_exponential",
    "_ft_spatial_profile_gaussian",
    "_ft_spatial_profile",
    "_effective_profile",
    "_xi_of_k",
    "_compute_profile_characteristics",
    "xi_of_k",
    "compute_profile_characteristics",
    "PROFILES",
]

_prefix = "spatial."

#: names of the spatial profiles with a closed-form Fourier transform
PROFILES = ("boxcar", "exponential", "gaussian")


def _outer_k_width(k: Any, width: Any) -> tuple[np.ndarray, np.ndarray]:
    """Validate ``k`` (1/m) and ``width`` (m); return the outer product k·width."""
    k = check_finite("k", np.asarray(k, dtype=float), "1/m")
    width = check_positive("width", np.asarray(width, dtype=float), "m")
    return np.multiply.outer(k, width), width


def _ft_spatial_profile_boxcar(k: Any, width: Any) -> np.ndarray | float:
    """Fourier transform of a normalised boxcar profile, sin(k w) / (k w).

    The profile is p(x) = 1 / (2w) for |x| < w and 0 otherwise (Senk et al. 2020,
    Sec. II; lif_meanfield_tools ``p_hat_boxcar``).  At k = 0 the value is exactly 1.

    Parameters
    ----------
    k : float or array_like
        Wavenumber(s) in 1/m (any sign; the transform is even in k).
    width : float or array_like
        Half width(s) w of the boxcar in m, > 0.

    Returns
    -------
    float or numpy.ndarray
        Shape ``np.shape(k) + np.shape(width)``.

    Raises
    ------
    ValueError
        If a width is not > 0 or k is not finite.
    """
    kw, _ = _outer_k_width(k, width)
    # np.sinc(x) = sin(pi x)/(pi x), exactly 1 at x = 0
    out = np.sinc(kw / np.pi)
    return out[()] if out.ndim == 0 else out


def _ft_spatial_profile_exponential(k: Any, width: Any) -> np.ndarray | float:
    """Fourier transform of a normalised exponential profile, 1 / (1 + (k w)²).

    The profile is p(x) = exp(−|x| / w) / (2w).

    Parameters
    ----------
    k : float or array_like
        Wavenumber(s) in 1/m.
    width : float or array_like
        Decay length(s) w in m, > 0.

    Returns
    -------
    float or numpy.ndarray
        Shape ``np.shape(k) + np.shape(width)``.
    """
    kw, _ = _outer_k_width(k, width)
    out = 1.0 / (1.0 + kw**2)
    return out[()] if out.ndim == 0 else out


def _ft_spatial_profile_gaussian(k: Any, width: Any) -> np.ndarray | float:
    """Fourier transform of a normalised Gaussian profile, exp(−(k w)² / 2).

    The profile is p(x) = exp(−x² / (2w²)) / (√(2π) w).

    Parameters
    ----------
    k : float or array_like
        Wavenumber(s) in 1/m.
    width : float or array_like
        Standard deviation(s) w in m, > 0.

    Returns
    -------
    float or numpy.ndarray
        Shape ``np.shape(k) + np.shape(width)``.
    """
    kw, _ = _outer_k_width(k, width)
    out = np.exp(-0.5 * kw**2)
    return out[()] if out.ndim == 0 else out


_FT = {
    "boxcar": _ft_spatial_profile_boxcar,
    "exponential": _ft_spatial_profile_exponential,
    "gaussian": _ft_spatial_profile_gaussian,
}


def _ft_spatial_profile(k: Any, width: Any, profile: str = "boxcar") -> np.ndarray | float:
    """Fourier transform of the spatial profile named ``profile``.

    Parameters
    ----------
    k : float or array_like
        Wavenumber(s) in 1/m.
    width : float or array_like
        Width parameter(s) in m, > 0.
    profile : {'boxcar', 'exponential', 'gaussian'}
        Shape of the profile.

    Returns
    -------
    float or numpy.ndarray
        Shape ``np.shape(k) + np.shape(width)``.
    """
    check_choice("profile", profile, PROFILES)
    return _FT[profile](k, width)


def _critical_eigenvalue(matrices: np.ndarray) -> np.ndarray:
    """Eigenvalue of largest modulus of each matrix in a stack (last two axes).

    For the rank-one connectivity of Senk et al. (2020) (all rows equal, every
    population receives the same input) this is the only non-zero eigenvalue.
    """
    eig = np.linalg.eigvals(matrices)
    idx = np.argmax(np.abs(eig), axis=-1)
    return np.take_along_axis(eig, idx[..., None], axis=-1)[..., 0]


def _effective_profile(k_wavenumbers: Any, W_rate: Any, width: Any,
                       profile: str = "boxcar") -> np.ndarray:
    """Effective spatial profile ξ(k): eigenvalue of ``W_rate ∘ p̂(k)`` (Senk 2020, Eq. 5).

    Parameters
    ----------
    k_wavenumbers : float or array_like
        Wavenumbers in 1/m, shape (n_k,) or scalar.
    W_rate : array_like
        Dimensionless rate-model weight matrix [target, source], shape (n, n).
    width : array_like
        Profile widths in m: shape (n,) (one per source population, broadcast along
        the source axis as in lif_meanfield_tools) or (n, n).
    profile : {'boxcar', 'exponential', 'gaussian'}
        Shape of the connectivity profiles.

    Returns
    -------
    numpy.ndarray
        ξ(k), shape ``np.shape(k_wavenumbers)``; real for real weights and symmetric
        profiles (a negligible imaginary part from the eigen-solver is dropped).
    """
    W_rate = check_finite("W_rate", np.atleast_2d(np.asarray(W_rate, dtype=float)))
    if W_rate.shape[0] != W_rate.shape[1]:
        raise ValueError(f"W_rate must be a square matrix, got shape {W_rate.shape}")
    width = np.asarray(width, dtype=float)
    if width.ndim > 2 or (width.ndim >= 1 and width.shape[-1] != W_rate.shape[1]):
        raise ValueError(f"width must be a scalar, one value per source population or a "
                         f"matrix of shape {W_rate.shape}, got shape {width.shape}")
    p_hat = _ft_spatial_profile(k_wavenumbers, width, profile)
    k_shape = np.shape(k_wavenumbers)
    if np.ndim(width) == 0:
        p_hat = np.asarray(p_hat)[..., None, None]
    elif np.ndim(width) == 1:
        p_hat = np.asarray(p_hat)[..., None, :]
    xi = _critical_eigenvalue(W_rate * p_hat)
    scale = np.max(np.abs(xi)) if xi.size else 0.0
    if np.all(np.abs(xi.imag) <= 1e-12 * max(scale, np.finfo(float).tiny)):
        xi = xi.real
    return xi.reshape(k_shape)


def _xi_of_k(k_wavenumbers: Any, W_rate: Any, width: Any,
             profile: str = "boxcar") -> tuple[float, float, float, float]:
    """Extrema of the effective spatial profile ξ(k) over a wavenumber grid.

    Senk et al. 2020, Fig. 3(b, d) (lif_meanfield_tools ``xi_of_k``).  The minimum
    of ξ (most negative effective coupling) determines the onset of wave trains, the
    maximum the onset of rate instabilities.

    Parameters
    ----------
    k_wavenumbers : array_like
        Wavenumbers in 1/m, shape (n_k,).
    W_rate : array_like
        Rate-model weight matrix [target, source].
    width : array_like
        Profile widths in m (one per source population or a matrix).
    profile : {'boxcar', 'exponential', 'gaussian'}
        Shape of the connectivity profiles.

    Returns
    -------
    xi_min, xi_max : float
        Extrema of ξ(k).
    k_min, k_max : float
        Wavenumbers (1/m) where they are attained.

    Warns
    -----
    UserWarning
        If an extremum lies at the last grid wavenumber (grid probably too short).
    """
    ks = np.atleast_1d(np.asarray(k_wavenumbers, dtype=float))
    if ks.ndim != 1 or ks.size == 0:
        raise ValueError(f"k_wavenumbers must be a non-empty 1-d array, got shape "
                         f"{np.shape(k_wavenumbers)}")
    xis = _effective_profile(ks, W_rate, width, profile)
    if np.iscomplexobj(xis):
        raise ValueError("the effective profile xi(k) is complex for these weights; "
                         "its extrema are undefined")
    i_min, i_max = int(np.argmin(xis)), int(np.argmax(xis))
    for name, idx in (("minimum", i_min), ("maximum", i_max)):
        if idx == ks.size - 1 and ks.size > 1:
            warnings.warn(f"the {name} of xi(k) lies at the largest wavenumber of the grid "
                          f"(k = {ks[idx]:g} 1/m); extend k_wavenumbers", stacklevel=2)
    return float(xis[i_min]), float(xis[i_max]), float(ks[i_min]), float(ks[i_max])


def _compute_profile_characteristics(k_wavenumbers: Any, W_rate: Any, width: Any,
                                     tau_rate: Any, delay: Any,
                                     profile: str = "boxcar") -> dict:
    """Characteristics of a two-population (E, I) spatial rate network.

    Follows lif_meanfield_tools ``compute_profile_characteristics`` (Senk et al.
    2020, Sec. III and Fig. 3): relative width ρ = w_I / w_E, relative inhibition
    η = −W_EI / W_EE, extrema of ξ(k), the principal-branch eigenvalues at those
    wavenumbers (Eq. 7), the oscillation frequency and phase velocity of the wave
    mode at k_min, and the ratio τ / d.

    Parameters
    ----------
    k_wavenumbers : array_like
        Wavenumbers in 1/m.
    W_rate : array_like
        Rate-model weights, shape (2, 2), populations ordered (E, I).
    width : array_like
        Widths of the E and I profiles in m, shape (2,).
    tau_rate : float or array_like
        Rate-model time constant(s) in s (all equal).
    delay : float or array_like
        Delay(s) in s (all equal).
    profile : {'boxcar', 'exponential', 'gaussian'}
        Shape of the connectivity profiles.

    Returns
    -------
    dict
        Keys 'rho', 'eta', 'xi_min', 'xi_max', 'k_min', 'k_f_min', 'k_max',
        'k_f_max', 'tau_delay', 'lambda_min', 'lambda_max', 'lambda_f_min', 'speed'
        (SI units: 1/m, 1/s, Hz, m/s).
    """
    W_rate = np.asarray(W_rate, dtype=float)
    width = np.asarray(width, dtype=float)
    if W_rate.shape != (2, 2) or width.shape != (2,):
        raise ValueError(f"profile characteristics need an E-I network: W_rate of shape "
                         f"(2, 2) and width of shape (2,), got {W_rate.shape} and "
                         f"{width.shape}")
    check_positive("width", width, "m")
    tau = _unique_value("tau_rate", tau_rate, "s")
    d = _unique_value("delay", delay, "s")
    if W_rate[0, 0] == 0:
        raise ValueError("W_rate[0, 0] (E -> E weight) must be non-zero to define eta")
    xi_min, xi_max, k_min, k_max = _xi_of_k(k_wavenumbers, W_rate, width, profile)
    # principal-branch roots of (1 + λτ) e^{λd} = ξ(k) (Senk et al. 2020, Eq. 7)
    lambda_min = complex(_lambertw_roots(0, _effective_profile(k_min, W_rate, width, profile),
                                         tau, d))
    lambda_max = complex(_lambertw_roots(0, _effective_profile(k_max, W_rate, width, profile),
                                         tau, d))
    return {
        "rho": float(width[1] / width[0]),
        "eta": float(-W_rate[0, 1] / W_rate[0, 0]),
        "xi_min": xi_min,
        "xi_max": xi_max,
        "k_min": k_min,
        "k_f_min": k_min / (2.0 * np.pi),
        "k_max": k_max,
        "k_f_max": k_max / (2.0 * np.pi),
        "tau_delay": tau / d,
        "lambda_min": lambda_min,
        "lambda_max": lambda_max,
        "lambda_f_min": lambda_min.imag / (2.0 * np.pi),
        "speed": lambda_min.imag / k_min if k_min != 0 else np.inf,
    }


# ---------------------------------------------------------------------------
# eigenvalues of the spatial rate model (Senk et al. 2020, Eq. 7)
# ---------------------------------------------------------------------------

def _solve_chareq_rate_boxcar(branch: Any, k: Any, tau: Any, W_rate: Any, width: Any,
                              delay: Any, profile: str = "boxcar") -> Any:
    """Eigenvalues of the spatial rate model with boxcar connectivity (Senk 2020, Eq. 7).

    The characteristic equation (1 + λτ) e^{λd} = ξ(k), with ξ(k) the effective
    spatial profile (eigenvalue of ``W_rate ∘ p̂(k)``, Eq. 5), is solved on the
    given Lambert W branch(es).

    Parameters
    ----------
    branch : int or array_like of int
        Lambert W branch number(s).
    k : float or array_like
        Wavenumber(s) in 1/m.
    tau : float or array_like
        Rate-model time constant(s) in s (all equal).
    W_rate : array_like
        Rate-model weights [target, source] (dimensionless).
    width : array_like
        Widths of the spatial profiles of the source populations in m.
    delay : float or array_like
        Delay(s) in s (all equal).
    profile : {'boxcar', 'exponential', 'gaussian'}
        Shape of the profiles (the name follows lif_meanfield_tools; boxcar is the
        default).

    Returns
    -------
    complex or numpy.ndarray
        λ in 1/s, shape ``shape(branch) + shape(k)``.
    """
    t = _unique_value("tau", tau, "s")
    d = _unique_value("delay", delay, "s")
    xi = _effective_profile(k, W_rate, width, profile)
    out = _lambertw_roots(branch, xi, t, d)
    return out[()] if out.ndim == 0 else out


def _eigenvals_branches_rate(k_wavenumbers: Any, branches: Any, tau: Any, W_rate: Any,
                             width: Any, delay: Any, profile: str = "boxcar"
                             ) -> tuple[float, int, complex, np.ndarray]:
    """Rate-model eigenvalues for several Lambert W branches over a wavenumber grid.

    Senk et al. 2020, Eq. 7 and Fig. 6 (α = 0); lif_meanfield_tools
    ``eigenvals_branches_rate``.

    Parameters
    ----------
    k_wavenumbers : array_like
        Wavenumbers in 1/m, shape (n_k,).
    branches : array_like of int
        Lambert W branches, shape (n_b,).
    tau, W_rate, width, delay, profile
        See :func:`_solve_chareq_rate_boxcar`.

    Returns
    -------
    k_eig_max : float
        Wavenumber (1/m) of the eigenvalue with the largest real part.
    idx_k_eig_max : int
        Its index in ``k_wavenumbers``.
    eigenval_max : complex
        That eigenvalue (1/s).  Where branches 0 and −1 tie (complex-conjugate pair
        for real ξ), the branch-0 member (non-negative imaginary part) is returned.
    eigenvals : numpy.ndarray
        All eigenvalues, shape (n_b, n_k).
    """
    ks = np.atleast_1d(np.asarray(k_wavenumbers, dtype=float))
    br = np.atleast_1d(_branches(branches))
    if ks.ndim != 1 or br.ndim != 1 or ks.size == 0 or br.size == 0:
        raise ValueError("k_wavenumbers and branches must be non-empty 1-d arrays")
    eigenvals = np.asarray(_solve_chareq_rate_boxcar(br, ks, tau, W_rate, width, delay,
                                                     profile), dtype=complex)
    re = np.where(np.isfinite(eigenvals.real), eigenvals.real, -np.inf)
    i_b, i_k = np.unravel_index(int(np.argmax(re)), re.shape)
    best = re[i_b, i_k]
    ties = np.flatnonzero(np.isclose(re[:, i_k], best, rtol=1e-12,
                                     atol=1e-12 * abs(best)))
    if (br[ties] == 0).any():
        i_b = int(ties[np.flatnonzero(br[ties] == 0)[0]])
    return float(ks[i_k]), int(i_k), complex(eigenvals[i_b, i_k]), eigenvals


_CHARACTERISTICS_KEYS = ("rho", "eta", "xi_min", "xi_max", "k_min", "k_f_min", "k_max",
                         "k_f_max", "tau_delay", "lambda_min", "lambda_max",
                         "lambda_f_min", "speed")
_CHARACTERISTICS_UNITS = (None, None, None, None, "1 / meter", "1 / meter", "1 / meter",
                          "1 / meter", None, "1 / second", "1 / second", "hertz",
                          "meter / second")


def _profile_characteristics_tuple(k_wavenumbers, W_rate, width, tau_rate, delay,
                                   profile="boxcar"):
    res = _compute_profile_characteristics(k_wavenumbers, W_rate, width, tau_rate, delay,
                                           profile)
    return tuple(res[key] for key in _CHARACTERISTICS_KEYS)


# ---------------------------------------------------------------------------
# network level
# ---------------------------------------------------------------------------

def _rate_model_params(network: Any) -> dict:
    """tau_rate and W_rate: fit results if present, else network parameters."""
    out = {}
    for key in ("tau_rate", "W_rate"):
        rkey = "lif.exp." + key
        if rkey in network.results:
            out[key] = get_required_results(network, [key], [rkey])[key]
        elif key in network.network_params:
            out[key] = network.network_params[key]
        else:
            raise RuntimeError(
                f"{key!r} is needed: run neuromf.rate_mapping.fit_transfer_function(network) "
                f"first or give {key!r} as a network parameter")
    return out


def _network_lookup(network: Any, name: str, where: str = "network_params") -> Any:
    params = getattr(network, where)
    if name not in params:
        raise RuntimeError(f"the network does not define the parameter {name!r}")
    return params[name]


def xi_of_k(network: Any, profile: str = "boxcar") -> tuple[float, float, float, float]:
    """Extrema of the effective spatial profile ξ(k) of a network.

    See :func:`_xi_of_k`.  Uses ``analysis_params['k_wavenumbers']``,
    ``network_params['width']`` and the rate-model weights ``W_rate`` (result of
    :func:`neuromf.rate_mapping.fit_transfer_function`, or a network parameter).
    Results are stored under 'spatial.xi_min', 'spatial.xi_max', 'spatial.k_min',
    'spatial.k_max' (Senk et al. 2020, Eq. 5 and Fig. 3).

    Parameters
    ----------
    network : neuromf.models.Network
        Network with ``width`` (m) and ``W_rate`` and ``k_wavenumbers`` (1/m).
    profile : {'boxcar', 'exponential', 'gaussian'}, optional
        Shape of the spatial connectivity profiles (default boxcar).

    Returns
    -------
    xi_min, xi_max : float
        Extrema of ξ(k) (dimensionless).
    k_min, k_max : float
        Wavenumbers (1/m) where they are attained.
    """
    params = {
        "k_wavenumbers": _network_lookup(network, "k_wavenumbers", "analysis_params"),
        "W_rate": _rate_model_params(network)["W_rate"],
        "width": _network_lookup(network, "width"),
        "profile": profile,
    }
    return _cache(network, _xi_of_k, params,
                  [_prefix + k for k in ("xi_min", "xi_max", "k_min", "k_max")],
                  [None, None, "1 / meter", "1 / meter"])


def compute_profile_characteristics(network: Any, profile: str = "boxcar") -> dict:
    """Profile characteristics of a spatial E-I network (see
    :func:`_compute_profile_characteristics`).

    Needs ``width`` and ``Delay`` (all delays equal) in ``network_params``,
    ``k_wavenumbers`` in ``analysis_params`` and ``tau_rate`` / ``W_rate`` from
    :func:`neuromf.rate_mapping.fit_transfer_function` (or as network parameters).
    Each characteristic is stored under 'spatial.<name>' (Senk et al. 2020, Sec. III).

    Parameters
    ----------
    network : neuromf.models.Network
        Spatial E-I network as described above.
    profile : {'boxcar', 'exponential', 'gaussian'}, optional
        Shape of the spatial connectivity profiles (default boxcar).

    Returns
    -------
    dict
        Keys 'rho', 'eta', 'xi_min', 'xi_max', 'k_min', 'k_f_min', 'k_max',
        'k_f_max', 'tau_delay', 'lambda_min', 'lambda_max', 'lambda_f_min', 'speed'
        (SI units: 1/m, 1/s, Hz, m/s).
    """
    rate = _rate_model_params(network)
    params = {
        "k_wavenumbers": _network_lookup(network, "k_wavenumbers", "analysis_params"),
        "W_rate": rate["W_rate"],
        "width": _network_lookup(network, "width"),
        "tau_rate": rate["tau_rate"],
        "delay": _network_lookup(network, "Delay"),
        "profile": profile,
    }
    values = _cache(network, _profile_characteristics_tuple, params,
                    [_prefix + k for k in _CHARACTERISTICS_KEYS],
                    list(_CHARACTERISTICS_UNITS))
    return dict(zip(_CHARACTERISTICS_KEYS, values, strict=True))
