"""Network-level linear response of the exp-synapse microcircuit, side by side with NNMT.

NNMT 1.3 is the reference for its own conventions where it is correct; it omits the
refractory phase factor exp(-i omega tau_r) of the reset flux, so it is compared with
``refractory_phase=False``. The zero-frequency limit (reference: dnu/dmu) checks the
default.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from references import nnmt_file

import neuromf
from neuromf import ureg
from neuromf.lif import exp

ANALYSIS = {"f_min": 5 * ureg.Hz, "f_max": 400 * ureg.Hz, "df": 35 * ureg.Hz}


@pytest.fixture(scope="module")
def pair(nnmt):
    path = nnmt_file("bos2016_network_params.yaml")
    ours = neuromf.models.Microcircuit(path, ANALYSIS)
    theirs = nnmt.models.Microcircuit(path, ANALYSIS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exp.working_point(ours)
        nnmt.lif.exp.working_point(theirs, eps_tol=1e-12)
        exp.transfer_function(ours, refractory_phase=False)
        nnmt.lif.exp.transfer_function(theirs)
        neuromf.network_properties.delay_dist_matrix(ours)
        nnmt.network_properties.delay_dist_matrix(theirs)
        exp.effective_connectivity(ours)
        nnmt.lif.exp.effective_connectivity(theirs)
    return ours, theirs


@pytest.mark.slow
@pytest.mark.parametrize("key", ["transfer_function", "effective_connectivity"])
def test_matches_nnmt(pair, key):
    ours, theirs = pair
    np.testing.assert_allclose(ours.results["lif.exp." + key],
                               np.asarray(theirs.results["lif.exp." + key]), rtol=1e-8)


@pytest.mark.slow
def test_power_spectra_match_nnmt(pair, nnmt):
    ours, theirs = pair
    np.testing.assert_allclose(exp.power_spectra(ours),
                               np.asarray(nnmt.lif.exp.power_spectra(theirs)), rtol=1e-8)


def test_zero_frequency_limit_is_the_rate_derivative():
    net = neuromf.models.Microcircuit()
    wp = exp.working_point(net)
    H0 = exp.transfer_function(net, freqs=[0.0, 1e-6])
    p = net.network_params
    slope = exp._derivative_of_firing_rates_wrt_mean_input(
        wp["mean_input"], wp["std_input"], p["V_0_rel"], p["V_th_rel"], p["tau_m"], p["tau_r"],
        p["tau_s"], method="shift")
    np.testing.assert_allclose(H0[0].real, slope, rtol=1e-12)
    np.testing.assert_allclose(H0[1], slope, rtol=1e-6)


def test_transfer_function_needs_working_point_and_valid_method():
    net = neuromf.models.Microcircuit()
    with pytest.raises(RuntimeError, match="first need to calculate 'lif.exp.mean_input'"):
        exp.transfer_function(net)
    exp.working_point(net)
    with pytest.raises(ValueError, match="valid choices are 'shift', 'taylor'"):
        exp.transfer_function(net, method="exact")
    with pytest.raises(ValueError, match="freqs must be finite"):
        exp.transfer_function(net, freqs=[np.nan])
