"""Linear stability of a spatially structured LIF network (the ``neuromf stability`` report).

The pipeline of Senk et al. (2020), Secs. II-F and Figs. 5, 6:

1. working point of the spiking network (Fourcaud & Brunel 2002, 'shift' or 'taylor');
2. LIF transfer function (Schuecker et al. 2015) and its least-squares low-pass fit
   h0 / (1 + iωτ), which maps the network onto a linear rate model with time
   constant ``tau_rate`` and weights ``W_rate`` (Senk 2020, Fig. 5);
3. temporal eigenvalues of the rate model for every wavenumber k and several Lambert W
   branches n (Senk 2020, Eq. 7):

       (1 + λτ) e^{λd} = ξ(k),   λ_n(k) = −1/τ + W_n(ξ(k) (d/τ) e^{d/τ}) / d,

   with the effective spatial profile ξ(k), the eigenvalue of ``W_rate ∘ p̂(k)`` (Eq. 5).

The homogeneous state is linearly stable if every eigenvalue has a negative real part;
the eigenvalue with the largest real part (the most unstable one) sets the wavenumber,
wavelength 2π/k and oscillation frequency Im λ / 2π of the emerging pattern (wave
trains for Im λ ≠ 0 and k ≠ 0).  With ``--lif`` the eigenvalue is also followed from the
rate model to the spiking network (Senk 2020, Fig. 6; α = 0 → 1).

Public functions
----------------
stability_analysis(network, method, branches, profile, lif) -> dict
plot_eigenvalues_vs_k(result, title) -> matplotlib Figure

The command line is :mod:`neuromf.cli.stability`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .utils import check_choice

__all__ = ["stability_analysis", "plot_eigenvalues_vs_k", "SpatialModelError", "DEFAULT_MODEL",
           "METHODS", "PROFILES"]

DEFAULT_MODEL = "senk2020"
METHODS = ("shift", "taylor")
PROFILES = ("boxcar", "exponential", "gaussian")


class SpatialModelError(ValueError):
    """The model lacks what a spatial stability analysis needs."""


def _check_spatial_model(network: Any, name: str) -> None:
    """Raise :class:`SpatialModelError` naming what is missing."""
    p, a = network.network_params, network.analysis_params
    if "width" not in p:
        raise SpatialModelError(
            f"model {name!r} has no spatial structure: the network parameter 'width' (m, "
            f"width of the spatial connectivity profile of each source population) is "
            f"missing; the stability analysis needs a spatially structured model such as "
            f"'{DEFAULT_MODEL}'")
    k = np.asarray(a.get("k_wavenumbers", []), dtype=float)
    if k.size == 0:
        raise SpatialModelError(
            f"model {name!r} defines no wavenumbers: analysis_params needs k_min, k_max and "
            f"dk (1/m), giving 'k_wavenumbers'; pass an analysis file with --analysis")
    if np.asarray(a.get("omegas", [])).size < 3:
        raise SpatialModelError(
            f"model {name!r} defines fewer than 3 analysis frequencies (f_min, f_max, df in "
            f"Hz); the low-pass fit of the transfer function needs at least 3")
    kind = p.get("synapse_type", "exp" if "tau_s" in p else "delta")
    if kind != "exp":
        raise SpatialModelError(
            f"model {name!r} has {kind!r} synapses; the mapping onto a rate model uses the "
            f"transfer function of LIF neurons with exponential synapses ('tau_s')")


def stability_analysis(network: Any, method: str = "shift", branches: Any = None,
                       profile: str = "boxcar", lif: bool = False,
                       name: str | None = None) -> dict:
    """Most unstable eigenvalue of a spatially structured network (Senk et al. 2020).

    Computes the working point, the LIF transfer function and its low-pass fit
    (:func:`neuromf.rate_mapping.fit_transfer_function`), and the rate-model
    eigenvalues over ``analysis_params['k_wavenumbers']`` and the Lambert W
    ``branches`` (:func:`neuromf.linear_stability.eigenvals_branches_rate`; Senk 2020,
    Eq. 7).  All results are cached in ``network.results``.

    Parameters
    ----------
    network : neuromf.models.Network
        Needs ``width`` (m), equal ``Delay`` (s), exponential synapses, and
        ``k_wavenumbers`` (1/m) and ``omegas`` (rad/s) in the analysis parameters.
    method : {'shift', 'taylor'}
        Colored-noise approximation of the rate and transfer function.
    branches : array_like of int, optional
        Lambert W branches; default ``analysis_params['branches']`` or −2 … 2.
    profile : {'boxcar', 'exponential', 'gaussian'}
        Shape of the spatial connectivity profiles.
    lif : bool
        Also follow the most unstable eigenvalue from the rate model (α = 0) to the
        LIF network (α = 1) (:func:`neuromf.linear_stability.linear_interpolation_alpha`,
        Senk 2020, Fig. 6).
    name : str, optional
        Model name used in error messages.

    Returns
    -------
    dict
        'eigenvalue' (complex, 1/s), 'branch' (int), 'k' (1/m), 'idx_k', 'wavelength'
        (m, ``inf`` at k = 0), 'frequency' (Hz, Im λ / 2π), 'stable' (bool, Re λ < 0),
        'eigenvalues' (n_branches, n_k), 'branches', 'k_wavenumbers', 'xi' (ξ(k)),
        'tau_rate' (s), 'W_rate', 'fit_error', 'working_point' and, with ``lif``,
        'eigenvalue_lif' (1/s) and 'alphas', 'lambdas_alpha'.

    Raises
    ------
    SpatialModelError
        If the model lacks spatial parameters, wavenumbers, frequencies or exp synapses.
    ValueError
        Unequal delays or rate time constants, invalid method/profile/branches.
    """
    from . import lif as lif_pkg
    from . import linear_stability, rate_mapping
    from .spatial import _effective_profile

    check_choice("method", method, METHODS)
    check_choice("profile", profile, PROFILES)
    name = name or str(network.network_params.get("label", "network"))
    _check_spatial_model(network, name)

    wp = lif_pkg.exp.working_point(network, method=method)
    lif_pkg.exp.transfer_function(network, method=method)
    _, tau_rate, W_rate, fit_error = rate_mapping.fit_transfer_function(network)
    k_eig_max, idx_k, eigenval_max, eigenvals = linear_stability.eigenvals_branches_rate(
        network, branches=branches, profile=profile)
    br = linear_stability._default_branches(network, branches)
    ks = np.asarray(network.analysis_params["k_wavenumbers"], dtype=float)
    branch = int(br[np.argmin(np.abs(eigenvals[:, idx_k] - eigenval_max))])
    xi = _effective_profile(ks, W_rate, network.network_params["width"], profile)
    result = {
        "eigenvalue": complex(eigenval_max),
        "branch": branch,
        "k": float(k_eig_max),
        "idx_k": int(idx_k),
        "wavelength": 2.0 * np.pi / k_eig_max if k_eig_max != 0 else np.inf,
        "frequency": float(np.imag(eigenval_max) / (2.0 * np.pi)),
        "stable": bool(np.real(eigenval_max) < 0),
        "eigenvalues": np.asarray(eigenvals),
        "branches": br,
        "k_wavenumbers": ks,
        "xi": xi,
        "tau_rate": np.asarray(tau_rate),
        "W_rate": np.asarray(W_rate),
        "fit_error": np.asarray(fit_error),
        "working_point": wp,
    }
    if lif:
        # parameter-level call: the network-level one caches lambdas_integral = None,
        # which Network.save_results cannot write
        p = network.network_params
        alphas, lambdas, _, _, _, _ = linear_stability._linear_interpolation_alpha(
            ks, [branch], tau_rate, W_rate, p["width"], p["Delay"], wp["mean_input"],
            wp["std_input"], p["tau_m"], p["tau_s"], p["tau_r"], p["V_0_rel"], p["V_th_rel"],
            p["J"], p["K"], method=method, profile=profile, integral=False)
        result.update(alphas=np.asarray(alphas), lambdas_alpha=np.asarray(lambdas[0]),
                      eigenvalue_lif=complex(lambdas[0, -1]))
    return result


def plot_eigenvalues_vs_k(result: dict, title: str = ""):
    """Real part and frequency of the rate-model eigenvalues vs wavenumber, and ξ(k).

    One line per Lambert W branch; the star marks the most unstable eigenvalue.  Drawn
    in neuromf's figure style (:data:`neuromf.plotting.STYLE`).

    Parameters
    ----------
    result : dict
        'k_wavenumbers' (1/m), 'branches', 'eigenvalues' (1/s, per branch and
        wavenumber), the most unstable 'eigenvalue' (1/s) at 'k' (1/m) and ξ(k)
        (Senk et al. 2020, Figs. 3 and 6).
    title : str
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
        The figure.
    """
    from .plotting import style_context

    with style_context():
        return _plot_eigenvalues_vs_k(result, title)


def _plot_eigenvalues_vs_k(result: dict, title: str = ""):
    from .plotting import _pyplot

    plt = _pyplot()
    k_mm = 1e-3 * result["k_wavenumbers"]
    eig = result["eigenvalues"]
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8), constrained_layout=True)
    colors = plt.get_cmap("viridis")(np.linspace(0, 0.9, len(result["branches"])))
    for i, (b, color) in enumerate(zip(result["branches"], colors, strict=True)):
        finite = np.isfinite(eig[i])
        axes[0].plot(k_mm[finite], eig[i, finite].real, color=color, label=f"branch {b}")
        axes[1].plot(k_mm[finite], eig[i, finite].imag / (2 * np.pi), color=color)
    lam, k_star = result["eigenvalue"], 1e-3 * result["k"]
    for ax, y in ((axes[0], lam.real), (axes[1], lam.imag / (2 * np.pi))):
        ax.plot(k_star, y, marker="*", color="k", markersize=12, linestyle="none",
                label="most unstable eigenvalue")
        ax.set_xlabel("wavenumber k (1/mm)")
    axes[0].axhline(0.0, color="0.5", lw=0.8)
    axes[0].set_ylabel("Re λ (1/s)")
    axes[0].legend(fontsize="small")
    axes[0].set_title("growth rate" + (" (stable)" if result["stable"] else " (unstable)"))
    axes[1].set_ylabel("Im λ / 2π (Hz)")
    axes[1].set_title("oscillation frequency")
    axes[2].plot(k_mm, np.real(result["xi"]), color="k")
    axes[2].axhline(0.0, color="0.5", lw=0.8)
    axes[2].axvline(k_star, color="k", ls=":", lw=0.8)
    axes[2].set_xlabel("wavenumber k (1/mm)")
    axes[2].set_ylabel("ξ(k) (dimensionless)")
    axes[2].set_title("effective spatial profile")
    if title:
        fig.suptitle(title)
    return fig
