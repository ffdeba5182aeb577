"""Tests of the numpy forward models in neuromf.lfp.probes.

Expected values come from closed forms (dipole moment of a current pair, point-source
and dipole potentials, potential of a centred dipole in an insulated homogeneous sphere)
and from adaptive mpmath quadrature of the defining integrals.
"""

import importlib.util

import mpmath as mp
import numpy as np
import pytest

from neuromf.lfp import probes

HAS_LFPYKIT = importlib.util.find_spec("lfpykit") is not None


def test_dipole_moment_radial_current_pair():
    # current +I enters at r1 = a n and leaves at r2 = b n (n radial unit vector):
    # p = I r1 - I r2 = I (a - b) n  (Nunez & Srinivasan 2006, Eq. 4.7)
    n = np.array([1.0, 2.0, 2.0]) / 3.0
    a, b = 0.7e-3, 0.2e-3
    current = 1.3e-9 * np.sin(np.linspace(0, 3, 7))
    currents = np.vstack([current, -current])
    positions = np.vstack([a * n, b * n])
    p = probes.current_dipole_moment(currents, positions)
    expected = (a - b) * n[:, None] * current[None, :]
    np.testing.assert_allclose(p, expected, rtol=1e-14, atol=1e-30)
    # a current-conserving source has an origin-independent dipole moment
    p_shift = probes.current_dipole_moment(currents, positions + [1e-3, -2e-3, 5e-4])
    np.testing.assert_allclose(p_shift, expected, rtol=1e-12, atol=1e-30)
    # the z-only linear map used by the population probes
    pz = probes.DipoleProbe().matrix(positions) @ currents
    np.testing.assert_allclose(pz[0], expected[2], rtol=1e-14)


def test_point_source_pair_far_field_is_dipole():
    # far from a current pair, the sum of point-source potentials tends to the dipole
    # potential p.r/(4 pi sigma r^3); relative correction O((separation/distance)^2)
    sigma, current, half = 0.3, 1e-9, 1e-6
    sources = np.array([[0, 0, half], [0, 0, -half]])
    contacts = np.array([[1e-3, 0, 1e-3], [0, 0, 2e-3], [3e-3, 1e-3, -1e-3]])
    phi = probes.point_source_potential(contacts, sources, sigma) @ [current, -current]
    p = np.array([0, 0, 2 * half * current])
    r = np.linalg.norm(contacts, axis=1)
    expected = contacts @ p / (4 * np.pi * sigma * r ** 3)
    np.testing.assert_allclose(phi, expected, rtol=1e-5)
    np.testing.assert_allclose(probes.dipole_potential(p, [0, 0, 0], contacts, sigma),
                               expected, rtol=1e-14)


def test_gauss_cylinder_tends_to_point_source():
    # for R, sigma_z -> 0 the smeared source is a point source I/(4 pi sigma |dz|)
    # (Hagen et al. 2022, Eq. 3); corrections are O((R/dz)^2, (sigma_z/dz)^2)
    z_e = np.array([-500e-6, -50e-6, 20e-6, 300e-6, 1e-3])
    z_s = np.array([0.0, 150e-6])
    m = probes.gauss_cylinder_potential(z_e, z_s, sigma=0.3, radius=1e-8, sigma_z=1e-8)
    expected = 1 / (4 * np.pi * 0.3 * np.abs(z_e[:, None] - z_s[None, :]))
    np.testing.assert_allclose(m, expected, rtol=1e-6)
    m = probes.gauss_cylinder_potential(z_e, z_s, sigma=0.3, radius=1e-6, sigma_z=1e-6)
    np.testing.assert_allclose(m, expected, rtol=2e-3)


@pytest.mark.parametrize("radius, sigma_z", [(150e-6, 75e-6), (1e-6, 100e-6),
                                             (100e-6, 1e-6), (300e-6, 300e-6)])
def test_gauss_cylinder_matches_mpmath_quadrature(radius, sigma_z):
    # the defining integral (Hagen et al. 2022, Eqs. 17-19) by adaptive mpmath quadrature
    mp.mp.dps = 25
    sigma = 0.33
    R, s = mp.mpf(radius), mp.mpf(sigma_z)

    def reference(d):
        def f(z):
            u = d - z
            disc = (mp.sqrt(u ** 2 + R ** 2) - abs(u)) / (2 * sigma * mp.pi * R ** 2)
            return disc * mp.exp(-z ** 2 / (2 * s ** 2)) / (s * mp.sqrt(2 * mp.pi))
        pts = sorted({-mp.inf, d - 3 * R, d - R, d, d + R, d + 3 * R,
                      -5 * s, mp.mpf(0), 5 * s, mp.inf})
        return float(mp.quad(f, pts))

    offsets = [0.0, 10e-6, 120e-6, 700e-6, -1.5e-3]
    got = probes.gauss_cylinder_potential(offsets, [0.0], sigma, radius, sigma_z)[:, 0]
    expected = [reference(mp.mpf(d)) for d in offsets]
    np.testing.assert_allclose(got, expected, rtol=1e-10)


def test_disc_potential_and_zero_depth_spread():
    # on-axis potential of a uniform disc: integral of 1/(4 pi sigma r) over the disc
    mp.mp.dps = 20
    R, sigma = 100e-6, 0.3
    dz = np.array([0.0, 30e-6, 400e-6])
    def disc(d):
        return float(mp.quad(lambda r: 2 * r / R ** 2 / (4 * mp.pi * sigma
                                                         * mp.sqrt(d ** 2 + r ** 2)), [0, R]))

    expected = [disc(d) for d in dz]
    np.testing.assert_allclose(probes.disc_potential(dz, R, sigma), expected, rtol=1e-12)
    m = probes.gauss_cylinder_potential(dz, [0.0], sigma, R, 0.0)[:, 0]
    np.testing.assert_allclose(m, expected, rtol=1e-12)


def test_gauss_cylinder_probe_is_linear_in_sources():
    probe = probes.GaussCylinderProbe(z=np.linspace(1e-3, -2e-4, 13), sigma=0.3,
                                      radius=150e-6, sigma_z=75e-6)
    pos = np.zeros((4, 3))
    pos[:, 2] = [0.0, 1e-4, 3e-4, 6e-4]
    m = probe.matrix(pos)
    assert m.shape == (13, 4)
    # a source current 1 A at depth z_s gives the same as the single-source function
    np.testing.assert_allclose(
        m[:, 2], probes.gauss_cylinder_potential(probe.z, [3e-4], 0.3, 150e-6, 75e-6)[:, 0])


@pytest.mark.parametrize("kwargs, match", [
    (dict(radius=-1e-4), "radius"),
    (dict(radius=0.0), "radius"),
    (dict(sigma_z=-1e-6), "sigma_z"),
    (dict(sigma=0.0), "sigma"),
    (dict(radius=np.nan), "radius"),
])
def test_gauss_cylinder_bad_input(kwargs, match):
    args = dict(sigma=0.3, radius=1e-4, sigma_z=1e-5)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        probes.gauss_cylinder_potential([0.0], [1e-4], **args)
    with pytest.raises(ValueError, match=match):
        probes.GaussCylinderProbe(z=[0.0], **args)


def test_bad_positions():
    with pytest.raises(ValueError, match="positions"):
        probes.current_dipole_moment(np.ones(3), np.ones((3, 2)))
    with pytest.raises(ValueError, match="sources"):
        probes.current_dipole_moment(np.ones(2), np.ones((3, 3)))
    with pytest.raises(ValueError, match="coincide"):
        probes.point_source_potential([[0, 0, 0]], [[0, 0, 0]], 0.3)


@pytest.mark.skipif(not HAS_LFPYKIT, reason="lfpykit not installed (extra 'lfp')")
def test_four_sphere_homogeneous_centred_dipole():
    # a dipole at the centre of an insulated homogeneous sphere of radius R gives the
    # surface potential 3 p.r_hat / (4 pi sigma R^2) (three times the infinite-medium
    # value; e.g. Nunez & Srinivasan 2006, Sec. 6.3); 10 um eccentricity -> O(1e-4)
    R, sigma = 0.09, 0.3
    theta = np.array([0.0, 0.5, 1.0, 2.0])
    electrodes = np.c_[R * np.sin(theta), 0 * theta, R * np.cos(theta)]
    m = probes.four_sphere_eeg_matrix(electrodes, [0, 0, 1e-5], sigmas=(sigma,) * 4)
    scale = 3 / (4 * np.pi * sigma * R ** 2)
    np.testing.assert_allclose(m[:, 2], scale * np.cos(theta), rtol=1e-3, atol=1e-3 * scale)
    np.testing.assert_allclose(m[:, 0], scale * np.sin(theta), rtol=1e-3, atol=1e-3 * scale)
    eeg = probes.EEGProbe(electrodes=electrodes, dipole_location=[0, 0, 1e-5],
                          sigmas=(sigma,) * 4)
    pos = np.array([[0, 0, 1e-4], [0, 0, -1e-4]])
    np.testing.assert_allclose(eeg.matrix(pos) @ [1e-9, -1e-9],
                               m[:, 2] * 2e-4 * 1e-9, rtol=1e-12)
    with pytest.raises(ValueError, match="dipole_location"):
        probes.four_sphere_eeg_matrix(electrodes, [0, 0, 0.085])
