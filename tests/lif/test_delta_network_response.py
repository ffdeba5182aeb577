"""Network linear response with δ synapses (neuromf.lif.delta; NNMT has none).

Reference: for one population with a fixed delay d the propagator is scalar and the
rate spectrum has the closed form P(ω) = (ν/N) / |1 − τ_m K J H(ω) e^{−iωd}|²
(Bos et al. 2016, Eq. 18 with n = 1); H at ω → 0 is the derivative of the Siegert rate,
here an mpmath central difference of the Siegert quadrature.
"""

from __future__ import annotations

import numpy as np
import pytest
from references import mp_siegert

import neuromf
from neuromf import ureg
from neuromf.lif import delta


@pytest.fixture(scope="module")
def inhibitory_population():
    params = {"populations": ["I"], "N": [2000], "tau_m": 20 * ureg.ms, "tau_r": 2 * ureg.ms,
              "V_0_abs": 10 * ureg.mV, "V_th_abs": 20 * ureg.mV, "E_L": 0 * ureg.mV,
              "K": np.array([[250.0]]), "J": np.array([[-0.3]]) * ureg.mV,
              "K_ext": np.array([1000.0]), "J_ext": np.array([0.1]) * ureg.mV,
              "nu_ext": 30 * ureg.Hz, "Delay": np.array([[2.0]]) * ureg.ms,
              "Delay_sd": np.array([[0.0]]) * ureg.ms, "delay_dist": "none",
              "synapse_type": "delta"}
    net = neuromf.models.Basic(params, {"f_min": 1 * ureg.Hz, "f_max": 400 * ureg.Hz,
                                        "df": 7 * ureg.Hz})
    delta.working_point(net)
    delta.transfer_function(net)
    neuromf.network_properties.delay_dist_matrix(net)
    delta.effective_connectivity(net)
    return net


def test_one_population_spectrum_has_the_closed_form(inhibitory_population):
    net = inhibitory_population
    p, r = net.network_params, net.results
    omegas = net.analysis_params["omegas"]
    H = r["lif.delta.transfer_function"][:, 0]
    loop = p["tau_m"] * p["K"][0, 0] * p["J"][0, 0] * H * np.exp(-1j * omegas * 2e-3)
    expected = r["lif.delta.firing_rates"][0] / p["N"][0] / np.abs(1 - loop) ** 2
    np.testing.assert_allclose(delta.power_spectra(net)[:, 0], expected, rtol=1e-12)
    C = delta.cross_spectral_matrix(net)
    np.testing.assert_allclose(C[:, 0, 0].real, expected, rtol=1e-12)
    eig = delta.eigen_spectra(net)
    np.testing.assert_allclose(eig[:, 0], loop, rtol=1e-12)


def test_zero_frequency_transfer_is_the_siegert_slope(inhibitory_population):
    net = inhibitory_population
    p, r = net.network_params, net.results
    mu, sigma = r["lif.delta.mean_input"][0], r["lif.delta.std_input"][0]
    V_0, V_th, tau_m, tau_r = (float(np.ravel(p[k])[0])
                               for k in ("V_0_rel", "V_th_rel", "tau_m", "tau_r"))
    h = 1e-6
    slope = (mp_siegert(mu + h, sigma, V_0, V_th, tau_m, tau_r)
             - mp_siegert(mu - h, sigma, V_0, V_th, tau_m, tau_r)) / (2 * h)
    H0 = delta.transfer_function(net, freqs=[0.0])
    assert H0[0, 0].real == pytest.approx(slope, rel=1e-7)


def test_results_are_kept_apart_from_exp_results(inhibitory_population):
    keys = inhibitory_population.show()
    assert "lif.delta.effective_connectivity" in keys
    assert not any(k.startswith("lif.exp.") for k in keys)
