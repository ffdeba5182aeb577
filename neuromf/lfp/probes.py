"""Forward models from transmembrane currents to extracellular signals (numpy only).

All functions take and return SI quantities: positions in m, currents in A,
conductivities in S/m, potentials in V, current dipole moments in A m.

* :func:`point_source_potential` -- potential of point current sources in an
  infinite homogeneous volume conductor (e.g. Nunez & Srinivasan 2006, Eq. 4.1;
  Hagen et al. 2022, Eq. 3).
* :func:`gauss_cylinder_potential` -- potential of sources smeared uniformly over
  a disc of radius ``R`` in the horizontal plane and with a Gaussian of standard
  deviation ``sigma_z`` in depth: the forward model for a population of cells
  whose somata are spread homogeneously in a cylinder of radius ``R`` and
  Gaussian in depth (Hagen et al. 2022, Methods "Spatially averaged
  extracellular potentials", Eqs. 17-19).  Evaluated with a vectorised quadrature
  (one array operation for all contacts x sources).
* :func:`current_dipole_moment` -- ``p = sum_i I_i r_i`` (Nunez & Srinivasan 2006,
  Eq. 4.7; Hagen et al. 2022, Eq. 5).
* :func:`four_sphere_eeg_matrix` -- EEG electrode potentials per unit dipole in the
  four-sphere head model of Næss et al. 2017 (through ``lfpykit``; needs the
  ``lfp`` extra).
"""

from __future__ import annotations

import numpy as np

from ..utils import check_finite, check_positive

__all__ = [
    "point_source_potential",
    "disc_potential",
    "gauss_cylinder_potential",
    "current_dipole_moment",
    "dipole_moment_matrix",
    "dipole_potential",
    "four_sphere_eeg_matrix",
    "GaussCylinderProbe",
    "DipoleProbe",
    "EEGProbe",
]

LFP_EXTRA_HINT = "pip install 'neuromf[lfp]'"

# Gauss-Legendre rule used per panel of the depth quadrature; 20 panels of one
# sigma_z each cover +-10 sigma_z around the source (the Gaussian weight outside is
# below 1e-22).
_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(24)
_N_SIGMA = 10.0
_N_PANELS = 20


def _as_positions(name: str, value, ndim_last: int = 3) -> np.ndarray:
    arr = np.atleast_2d(np.asarray(value, dtype=float))
    if arr.ndim != 2 or arr.shape[-1] != ndim_last:
        raise ValueError(f"{name} must have shape (n, {ndim_last}) (positions in m), "
                         f"got shape {np.shape(value)}")
    check_finite(name, arr, "m")
    return arr


def point_source_potential(contacts, sources, sigma: float) -> np.ndarray:
    """Potential of unit point current sources in an infinite homogeneous medium.

    ``phi = I / (4 pi sigma |r_e - r_s|)`` (Nunez & Srinivasan 2006, Eq. 4.1;
    Hagen et al. 2022, Eq. 3).

    Parameters
    ----------
    contacts : array_like, shape (n_contacts, 3)
        Electrode positions (m).
    sources : array_like, shape (n_sources, 3)
        Source positions (m).
    sigma : float
        Extracellular conductivity (S/m).

    Returns
    -------
    ndarray, shape (n_contacts, n_sources)
        Potential per unit current (V/A = Ohm).
    """
    contacts = _as_positions("contacts", contacts)
    sources = _as_positions("sources", sources)
    check_positive("sigma", sigma, "S/m")
    dist = np.linalg.norm(contacts[:, None, :] - sources[None, :, :], axis=-1)
    if np.any(dist == 0):
        raise ValueError("contacts and sources must not coincide (the point-source "
                         "potential diverges at distance 0 m)")
    return 1.0 / (4 * np.pi * sigma * dist)


def disc_potential(dz, radius: float, sigma: float) -> np.ndarray:
    """On-axis potential of a unit current spread uniformly over a disc.

    ``phi = (sqrt(dz^2 + R^2) - |dz|) / (2 pi sigma R^2)``, the integral of the
    point-source potential over a disc of radius ``R`` with current density
    ``1/(pi R^2)`` (Hagen et al. 2022, Eq. 18).

    Parameters
    ----------
    dz : array_like
        Axial distance(s) between contact and disc (m).
    radius : float
        Disc radius R (m), > 0.
    sigma : float
        Extracellular conductivity (S/m).

    Returns
    -------
    ndarray
        Potential per unit current (Ohm), same shape as ``dz``.
    """
    check_positive("radius", radius, "m")
    check_positive("sigma", sigma, "S/m")
    dz = np.abs(check_finite("dz", np.asarray(dz, dtype=float), "m"))
    # (sqrt(dz^2+R^2) - |dz|) / R^2 = 1 / (sqrt(dz^2+R^2) + |dz|), free of cancellation
    return 1.0 / (2 * np.pi * sigma * (np.hypot(dz, radius) + dz))


def _gauss_cylinder_kernel(dz: np.ndarray, radius: float, sigma: float,
                           sigma_z: float) -> np.ndarray:
    """Disc potential convolved with a Gaussian in depth, for an array of offsets.

    With u the axial distance and u = R sinh t, the disc potential times du becomes
    R^2/2 (1 + e^{-2t}) dt, a smooth integrand; so

        phi(d) = 1/(2 pi sigma) int_0^inf (1 + e^{-2t})/2 [g(|d| - R sinh t)
                 + g(|d| + R sinh t)] dt

    (g the depth Gaussian).  The range of u where g is non-negligible,
    |d| +- 10 sigma_z, is cut into panels of one sigma_z, each mapped to t and
    integrated with Gauss-Legendre.
    """
    d = np.abs(dz).ravel()
    k = np.linspace(-_N_SIGMA, _N_SIGMA, _N_PANELS + 1)
    u_edges = np.clip(d[:, None] + sigma_z * k[None, :], 0.0, None)  # (n, P+1)
    t_edges = np.arcsinh(u_edges / radius)
    t_lo, t_hi = t_edges[:, :-1], t_edges[:, 1:]
    half = 0.5 * (t_hi - t_lo)
    t = (t_lo + t_hi)[..., None] * 0.5 + half[..., None] * _GL_NODES  # (n, P, q)
    s = radius * np.sinh(t)
    norm = 1.0 / (sigma_z * np.sqrt(2 * np.pi))
    dd = d[:, None, None]
    g = norm * (np.exp(-0.5 * ((dd - s) / sigma_z) ** 2)
                + np.exp(-0.5 * ((dd + s) / sigma_z) ** 2))
    integrand = 0.5 * (1.0 + np.exp(-2.0 * t)) * g
    val = np.einsum("npq,q,np->n", integrand, _GL_WEIGHTS, half)
    return (val / (2 * np.pi * sigma)).reshape(np.shape(dz))


def gauss_cylinder_potential(z_contacts, z_sources, sigma: float, radius: float,
                             sigma_z: float, chunk: int = 20000) -> np.ndarray:
    """Potential on the cylinder axis of sources spread over a Gaussian cylinder.

    Each source (current ``I`` at depth ``z_s``) is spread uniformly over a disc of
    radius ``R`` and with a Gaussian of standard deviation ``sigma_z`` in depth,
    which is the average over a population of cells with somata uniform in the
    disc and Gaussian in depth (Hagen et al. 2022, Eqs. 17-19)::

        phi(z_e) = I / (pi R^2) int dz g(z) (sqrt((z_e - z_s - z)^2 + R^2)
                   - |z_e - z_s - z|) / (2 sigma)

    For ``sigma_z = 0`` this is the plain disc potential :func:`disc_potential`;
    for ``R, sigma_z -> 0`` it tends to the point-source potential
    ``I/(4 pi sigma |z_e - z_s|)``.  The integral is computed with one vectorised
    panel Gauss-Legendre quadrature after the substitution ``u = R sinh t`` that
    removes the kink of the disc potential (relative error < 1e-10 against
    adaptive high-precision quadrature, see tests).

    Parameters
    ----------
    z_contacts : array_like, shape (n_contacts,)
        Contact depths on the cylinder axis (m).
    z_sources : array_like, shape (n_sources,)
        Source depths (m), e.g. segment midpoints of a cell at the mean depth.
    sigma : float
        Extracellular conductivity (S/m), > 0.
    radius : float
        Cylinder (population) radius R (m), > 0.
    sigma_z : float
        Standard deviation of the depth Gaussian (m), >= 0.
    chunk : int
        Number of contact-source pairs evaluated per array operation (memory bound).

    Returns
    -------
    ndarray, shape (n_contacts, n_sources)
        Potential per unit source current (Ohm).
    """
    z_e = check_finite("z_contacts", np.atleast_1d(np.asarray(z_contacts, float)), "m")
    z_s = check_finite("z_sources", np.atleast_1d(np.asarray(z_sources, float)), "m")
    if z_e.ndim != 1 or z_s.ndim != 1:
        raise ValueError("z_contacts and z_sources must be 1-d arrays of depths (m), got "
                         f"shapes {z_e.shape} and {z_s.shape}")
    check_positive("sigma", sigma, "S/m")
    check_positive("radius", radius, "m")
    check_positive("sigma_z", sigma_z, "m", allow_zero=True)
    dz = (z_e[:, None] - z_s[None, :]).ravel()
    if sigma_z == 0:
        return disc_potential(dz, radius, sigma).reshape(z_e.size, z_s.size)
    out = np.empty_like(dz)
    for start in range(0, dz.size, chunk):
        out[start:start + chunk] = _gauss_cylinder_kernel(
            dz[start:start + chunk], float(radius), float(sigma), float(sigma_z))
    return out.reshape(z_e.size, z_s.size)


def current_dipole_moment(currents, positions) -> np.ndarray:
    """Current dipole moment ``p = sum_i I_i r_i`` of a set of current sources.

    Nunez & Srinivasan 2006, Eq. 4.7; Hagen et al. 2022, Eq. 5.  For a set of
    currents summing to zero (a whole cell) the result does not depend on the origin.

    Parameters
    ----------
    currents : array_like, shape (n_sources,) or (n_sources, n_times)
        Transmembrane currents (A).
    positions : array_like, shape (n_sources, 3)
        Source positions (m).

    Returns
    -------
    ndarray, shape (3,) or (3, n_times)
        Current dipole moment (A m).
    """
    positions = _as_positions("positions", positions)
    currents = check_finite("currents", np.asarray(currents, dtype=float), "A")
    if currents.shape[0] != positions.shape[0]:
        raise ValueError(f"currents has {currents.shape[0]} sources but positions has "
                         f"{positions.shape[0]}")
    return np.tensordot(positions.T, currents, axes=(1, 0))


def dipole_moment_matrix(positions, axis: str | None = None) -> np.ndarray:
    """Linear map from source currents to the current dipole moment.

    Parameters
    ----------
    positions : array_like, shape (n_sources, 3)
        Source positions (m).
    axis : {None, 'x', 'y', 'z'}
        ``None`` returns all three components; a letter returns one row (for a
        population symmetric about the z axis only the z component survives the
        average over cell rotations, Hagen et al. 2022, Eq. 20).

    Returns
    -------
    ndarray, shape (3, n_sources) or (1, n_sources)
        Dipole moment per unit current (m).
    """
    positions = _as_positions("positions", positions)
    if axis is None:
        return positions.T.copy()
    axes = {"x": 0, "y": 1, "z": 2}
    if axis not in axes:
        raise ValueError(f"invalid axis {axis!r}; valid choices are None, 'x', 'y', 'z'")
    return positions[:, axes[axis]][None, :].copy()


def dipole_potential(p, dipole_location, contacts, sigma: float) -> np.ndarray:
    """Far-field potential of a current dipole in an infinite homogeneous medium.

    ``phi = p . (r - r_p) / (4 pi sigma |r - r_p|^3)`` (Nunez & Srinivasan 2006,
    Eq. 4.8).

    Parameters
    ----------
    p : array_like, shape (3,) or (3, n_times)
        Current dipole moment (A m).
    dipole_location : array_like, shape (3,)
        Dipole position (m).
    contacts : array_like, shape (n_contacts, 3)
        Electrode positions (m).
    sigma : float
        Conductivity (S/m).

    Returns
    -------
    ndarray, shape (n_contacts,) or (n_contacts, n_times)
        Potential (V).
    """
    contacts = _as_positions("contacts", contacts)
    loc = _as_positions("dipole_location", dipole_location)[0]
    check_positive("sigma", sigma, "S/m")
    p = check_finite("p", np.asarray(p, dtype=float), "A m")
    r = contacts - loc
    dist = np.linalg.norm(r, axis=1)
    if np.any(dist == 0):
        raise ValueError("contacts must not coincide with the dipole location")
    geom = r / (4 * np.pi * sigma * dist[:, None] ** 3)
    return np.tensordot(geom, p, axes=(1, 0))


def _import_lfpykit():
    try:
        from lfpykit import eegmegcalc
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError(f"EEG forward models need lfpykit: {LFP_EXTRA_HINT}") from err
    return eegmegcalc


def four_sphere_eeg_matrix(electrodes, dipole_location,
                           radii=(79000e-6, 80000e-6, 85000e-6, 90000e-6),
                           sigmas=(0.3, 1.5, 0.015, 0.3)) -> np.ndarray:
    """EEG potential per unit current dipole in the four-sphere head model.

    Næss et al. 2017 (Front. Hum. Neurosci. 11:490), Eqs. 12-19, evaluated with
    ``lfpykit.FourSphereVolumeConductor`` (needs the ``lfp`` extra).

    Parameters
    ----------
    electrodes : array_like, shape (n_electrodes, 3)
        Electrode positions (m), on or inside the outer (scalp) sphere.
    dipole_location : array_like, shape (3,)
        Dipole position (m), inside the innermost (brain) sphere.
    radii : sequence of 4 floats
        Outer radii of brain, CSF, skull and scalp (m); default from Næss et al.
        2017, Table 1 (79, 80, 85, 90 mm).
    sigmas : sequence of 4 floats
        Conductivities of the four shells (S/m); default as in Næss et al. 2017.

    Returns
    -------
    ndarray, shape (n_electrodes, 3)
        Potential per unit dipole moment along x, y, z (V / (A m)).
    """
    electrodes = _as_positions("electrodes", electrodes)
    loc = _as_positions("dipole_location", dipole_location)[0]
    radii = check_positive("radii", np.asarray(radii, dtype=float), "m")
    sigmas = check_positive("sigmas", np.asarray(sigmas, dtype=float), "S/m")
    if radii.shape != (4,) or sigmas.shape != (4,):
        raise ValueError(f"radii and sigmas need 4 values each (brain, CSF, skull, scalp), "
                         f"got {radii.shape} and {sigmas.shape}")
    if np.any(np.diff(radii) <= 0):
        raise ValueError(f"radii must increase from brain to scalp, got {radii} m")
    if np.linalg.norm(loc) >= radii[0]:
        raise ValueError(f"dipole_location must lie inside the brain sphere of radius "
                         f"{radii[0]} m, got |r| = {np.linalg.norm(loc)} m")
    if np.any(np.linalg.norm(electrodes, axis=1) > radii[-1] * (1 + 1e-12)):
        raise ValueError(f"electrodes must lie on or inside the scalp sphere of radius "
                         f"{radii[-1]} m")
    eegmegcalc = _import_lfpykit()
    # electrodes placed "on" the scalp may sit a rounding error outside it
    norms = np.linalg.norm(electrodes, axis=1)
    limit = radii[-1] * (1 - 1e-12)
    electrodes = electrodes * np.minimum(1.0, limit / np.maximum(norms, 1e-300))[:, None]
    um = 1e6
    model = eegmegcalc.FourSphereVolumeConductor(electrodes * um, radii=list(radii * um),
                                              sigmas=list(sigmas))
    # lfpykit works in um, nA um and mV: mV / (nA um) = 1e-3 V / 1e-15 A m
    m = np.asarray(model.get_transformation_matrix(loc * um), dtype=float)
    return m * 1e12


class GaussCylinderProbe:
    """LFP across depth of a population spread over a Gaussian cylinder.

    Parameters
    ----------
    z : array_like
        Contact depths (m).
    sigma : float
        Extracellular conductivity (S/m).
    radius : float
        Population radius (m).
    sigma_z : float
        Standard deviation of the soma depths (m).
    """

    name = "lfp"
    unit = "V"

    def __init__(self, z, sigma: float = 0.3, radius: float = 150e-6,
                 sigma_z: float = 75e-6) -> None:
        self.z = check_finite("z", np.atleast_1d(np.asarray(z, dtype=float)), "m")
        self.sigma = float(check_positive("sigma", sigma, "S/m"))
        self.radius = float(check_positive("radius", radius, "m"))
        self.sigma_z = float(check_positive("sigma_z", sigma_z, "m", allow_zero=True))

    def matrix(self, positions) -> np.ndarray:
        """(n_contacts, n_sources) map from source currents (A) to potentials (V).

        Parameters
        ----------
        positions : array_like
            Source positions (x, y, z) in m, shape (n_sources, 3).

        Returns
        -------
        np.ndarray
            The map in V/A (Gaussian cylinder, Hagen et al. 2022, Eqs. 17-19), shape (n_contacts,
            n_sources).
        """
        positions = _as_positions("positions", positions)
        return gauss_cylinder_potential(self.z, positions[:, 2], self.sigma,
                                        self.radius, self.sigma_z)

    def __repr__(self) -> str:
        return (f"GaussCylinderProbe({self.z.size} contacts, sigma={self.sigma} S/m, "
                f"radius={self.radius} m, sigma_z={self.sigma_z} m)")


class DipoleProbe:
    """z component of the current dipole moment (A m) of a population.

    Averaged over rotations of cells about the z axis, the x and y components of a
    population's dipole moment cancel (Hagen et al. 2022, Eq. 20).
    """

    name = "cdm"
    unit = "A m"

    def matrix(self, positions) -> np.ndarray:
        """(1, n_sources) map from source currents (A) to p_z (A m).

        Parameters
        ----------
        positions : array_like
            Source positions (x, y, z) in m, shape (n_sources, 3).

        Returns
        -------
        np.ndarray
            The map in m, shape (1, n_sources).
        """
        return dipole_moment_matrix(positions, axis="z")

    def __repr__(self) -> str:
        return "DipoleProbe(z)"


class EEGProbe:
    """EEG electrodes in the four-sphere head model, fed by the population's p_z.

    Parameters
    ----------
    electrodes : array_like, shape (n, 3)
        Electrode positions (m); default one electrode on the scalp straight above
        the dipole.
    dipole_location : array_like, shape (3,)
        Position of the population's dipole (m); default 78 mm on the z axis (1 mm
        below the brain surface).
    radii, sigmas
        Head model, see :func:`four_sphere_eeg_matrix`.
    """

    name = "eeg"
    unit = "V"

    def __init__(self, electrodes=None, dipole_location=(0.0, 0.0, 78e-3),
                 radii=(79000e-6, 80000e-6, 85000e-6, 90000e-6),
                 sigmas=(0.3, 1.5, 0.015, 0.3)) -> None:
        if electrodes is None:
            electrodes = [[0.0, 0.0, radii[-1]]]
        self.electrodes = _as_positions("electrodes", electrodes)
        self.dipole_location = _as_positions("dipole_location", dipole_location)[0]
        self.radii = tuple(float(r) for r in radii)
        self.sigmas = tuple(float(s) for s in sigmas)
        self._eeg = four_sphere_eeg_matrix(self.electrodes, self.dipole_location,
                                           self.radii, self.sigmas)

    def matrix(self, positions) -> np.ndarray:
        """(n_electrodes, n_sources) map from source currents (A) to potentials (V).

        Parameters
        ----------
        positions : array_like
            Source positions (x, y, z) in m, shape (n_sources, 3).

        Returns
        -------
        np.ndarray
            The map in V/A (four-sphere head model, Næss et al. 2017), shape
            (n_electrodes, n_sources).
        """
        return self._eeg[:, 2:3] @ dipole_moment_matrix(positions, axis="z")

    def __repr__(self) -> str:
        return f"EEGProbe({len(self.electrodes)} electrodes, four-sphere head model)"
