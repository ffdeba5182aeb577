"""The lif_meanfield_tools 0.2 object API (neuromf.lmt).

Expected values come from NNMT 1.3 run side by side (NNMT reproduces LMT 0.2 / Bos et al.
2016; the ``nnmt`` fixture skips without it), from closed forms (the working point that
additional external rates are meant to produce, the low-pass fit of an exact low pass) and,
for the delegation itself, from the neuromf function each method wraps under the NNMT
convention.  The example scripts of LMT's README (tests/lmt_examples) must run unchanged.
"""

from __future__ import annotations

import runpy
import shutil
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose

import neuromf
import neuromf.lmt as lmt

EXAMPLES = Path(__file__).parent / "lmt_examples"
NET_YAML = str(EXAMPLES / "network_params_microcircuit.yaml")
ANA_YAML = str(EXAMPLES / "analysis_params.yaml")
ureg = lmt.ureg
# 1 ... 100 Hz in 3 Hz steps keeps NNMT's side-by-side run short
SMALL = {"f_min": 1.0 * ureg.Hz, "f_max": 100.0 * ureg.Hz, "df": 3.0 * ureg.Hz}


@pytest.fixture(scope="module")
def net():
    return lmt.Network(network_params=NET_YAML, analysis_params=ANA_YAML,
                       new_analysis_params=SMALL)


@pytest.fixture(scope="module")
def ref(nnmt):
    """NNMT 1.3's microcircuit from the same files, with its quantities computed."""
    with _quiet():
        network = nnmt.models.Microcircuit(NET_YAML, ANA_YAML)
        network.analysis_params.update(
            omegas=2 * np.pi * np.arange(1.0, 100.0, 3.0))
        out = {"wp": nnmt.lif.exp.working_point(network, method="shift")}
        out["tf"] = nnmt.lif.exp.transfer_function(network, method="shift")
        out["D"] = nnmt.network_properties.delay_dist_matrix(network)
        out["M"] = nnmt.lif.exp.effective_connectivity(network)
        out["P"] = nnmt.lif.exp.power_spectra(network)
        out["sens"] = nnmt.lif.exp.sensitivity_measure(network, frequency=64.0)
        out["fit"] = nnmt.lif.exp.fit_transfer_function(network)
    return out


class _quiet:
    def __enter__(self):
        import warnings
        self._w = warnings.catch_warnings()
        self._w.__enter__()
        warnings.simplefilter("ignore")

    def __exit__(self, *exc):
        self._w.__exit__(*exc)


def test_ureg_is_neuromfs_registry():
    assert lmt.ureg is neuromf.ureg


def test_parameters_are_quantities_and_derived(net):
    p = net.network_params
    assert p["dimension"] == 8
    assert p["tau_m"].units == ureg.ms
    assert_allclose(p["V_th_rel"].to("mV").magnitude, 15.0)
    # J = tau_s / C * W (LMT's derivation), L4E -> L23E doubled
    J = p["J"].to("mV").magnitude
    assert_allclose(J[0, 0], 0.5 * 87.8 / 250.0)
    assert_allclose(J[0, 2], 2 * J[0, 0])
    assert_allclose(net.analysis_params["omegas"].magnitude,
                    2 * np.pi * np.arange(1.0, 100.0, 3.0))


def test_new_params_as_val_unit_dicts_and_quantities():
    a = lmt.Network(NET_YAML, ANA_YAML, new_network_params={"g": 4.0},
                    new_analysis_params={"df": {"val": 3.0, "unit": "Hz"}})
    assert a.network_params["g"] == 4.0
    assert a.analysis_params["df"] == 3.0 * ureg.Hz


def test_working_point_matches_nnmt(net, ref):
    wp = net.working_point()
    assert wp["firing_rates"].units == ureg.Hz and wp["mean_input"].units == ureg.mV
    assert_allclose(wp["firing_rates"].to("Hz").magnitude, ref["wp"]["firing_rates"],
                    rtol=1e-7)
    assert_allclose(wp["mean_input"].to("V").magnitude, ref["wp"]["mean_input"], rtol=1e-9)
    assert_allclose(wp["std_input"].to("V").magnitude, ref["wp"]["std_input"], rtol=1e-9)


def test_transfer_function_matches_nnmt_in_lmts_layout(net, ref):
    H = net.transfer_function()
    assert H.shape == (8, 33) and H.units == ureg.Hz / ureg.mV
    assert_allclose(H.to("Hz/V").magnitude, ref["tf"].T, rtol=1e-8)
    single = net.transfer_function(10 * ureg.Hz)
    assert single.shape == (8,)
    # 10 Hz is on the grid (1 + 3 * 3)
    assert_allclose(single.magnitude, H[:, 3].magnitude, rtol=1e-12)


def test_delay_dist_matrix_matches_nnmt(net, ref):
    D = net.delay_dist_matrix()
    assert D.shape == (33, 8, 8)
    assert_allclose(D.magnitude, ref["D"], rtol=1e-12)
    assert_allclose(net.delay_dist_matrix(4 * ureg.Hz).magnitude, ref["D"][1], rtol=1e-12)


def test_power_spectra_match_nnmt(net, ref):
    P = net.power_spectra()
    assert P.shape == (8, 33)
    assert_allclose(P.to("Hz").magnitude, ref["P"].T, rtol=1e-7)


def test_sensitivity_measure_matches_nnmt(net, ref):
    S = net.sensitivity_measure(64 * ureg.Hz)
    assert_allclose(S.magnitude, ref["sens"]["sensitivity"], rtol=1e-6, atol=1e-12)


def test_eigen_spectra_match_eigenvalues_of_nnmts_effective_connectivity(net, ref):
    lam = net.eigenvalue_spectra("MH")
    assert lam.shape == (8, 33)
    expected = np.linalg.eigvals(ref["M"])                     # (n_freq, n)
    assert_allclose(np.sort_complex(lam.magnitude.T), np.sort_complex(expected), rtol=1e-8)
    right = net.r_eigenvec_spectra("MH").magnitude               # (n, n, n_freq)
    left = net.l_eigenvec_spectra("MH").magnitude
    M = ref["M"][5]
    v, u = right[..., 5], left[..., 5]
    lam5 = lam.magnitude[:, 5]
    assert_allclose(M @ v, v * lam5, atol=1e-10)                 # columns: right vectors
    assert_allclose(u @ M, lam5[:, None] * u, atol=1e-10)        # rows: left vectors
    with pytest.raises(ValueError, match="matrix"):
        net.eigenvalue_spectra("nonsense")


def test_fit_transfer_function_and_coupling_match_nnmt(net, ref):
    tau_rate, W_rate, W_sim, fit_tf, tf0 = net.fit_transfer_function()
    fit_ref, tau_ref, W_ref, _ = ref["fit"]
    assert_allclose(tau_rate.to("s").magnitude, tau_ref, rtol=1e-6)
    assert fit_tf.shape == (8, 33)
    assert_allclose(fit_tf.to("Hz/V").magnitude, np.asarray(fit_ref).T, rtol=1e-6)
    K = net.network_params["K"]
    assert_allclose(W_sim.magnitude * K, W_rate.magnitude, rtol=1e-12)
    # NNMT 1.3 has no effective coupling strength: compare with the function it wraps
    with neuromf.convention("nnmt"):
        ecs = neuromf.rate_mapping.effective_coupling_strength(net._net)
    assert_allclose(net.effective_coupling_strength().magnitude, ecs, rtol=1e-12)


def test_additional_rates_fix_the_working_point(net):
    """Closed-form check: the network with the additional rates has the target input."""
    wp = net.working_point()
    mu_set = wp["mean_input"] - 1 * ureg.mV
    sigma_set = wp["std_input"] + 1 * ureg.mV
    nu_e, nu_i = net.additional_rates_for_fixed_input(mu_set, sigma_set)
    assert np.all(nu_e.magnitude > 0) and np.all(nu_i.magnitude > 0)
    fixed = net.change_parameters(changed_network_params={"nu_e_ext": nu_e,
                                                          "nu_i_ext": nu_i})
    wp2 = fixed.working_point()
    assert_allclose(wp2["mean_input"].to("mV").magnitude, mu_set.to("mV").magnitude,
                    rtol=1e-8)
    assert_allclose(wp2["std_input"].to("mV").magnitude, sigma_set.to("mV").magnitude,
                    rtol=1e-8)
    assert net.results["add_nu_e_ext"] is nu_e
    # change_parameters leaves the original network alone
    assert "nu_e_ext" not in net.network_params or np.all(
        np.asarray(getattr(net.network_params["nu_e_ext"], "magnitude",
                           net.network_params["nu_e_ext"])) == 0)


def test_scan_fit_errors_small_in_the_fast_synapse_regime(net):
    mu = np.array([10.0, 15.0]) * ureg.mV
    sigma = np.array([5.0, 8.0]) * ureg.mV
    errs_tau, errs_h0 = net.scan_fit_transfer_function_mean_std_input(mu, sigma)
    assert errs_tau.shape == (2, 2) and errs_h0.shape == (2, 2)
    assert np.all(np.isfinite(errs_tau.magnitude)) and np.all(errs_h0.magnitude >= 0)


def test_results_cached_and_listed(net):
    net.working_point()
    first = net.firing_rates()
    assert net.firing_rates() is first
    shown = net.show()
    assert shown == sorted(net.results)
    assert {"firing_rates", "mean_input", "std_input"} <= set(shown)


def test_save_load_round_trip_with_units(net, tmp_path):
    net.working_point()
    net.transfer_function()
    net.transfer_function(10 * ureg.Hz)
    net.power_spectra()
    f = net.save(tmp_path / "net.h5")
    with pytest.raises(FileExistsError):
        net.save(f)
    net.save(f, overwrite=True)
    # LMT's layout: results/<name>/{val, unit}
    raw = neuromf.input_output.load_h5(f)
    assert set(raw) >= {"results", "network_params", "analysis_params"}
    assert raw["results"]["firing_rates"]["unit"] == "hertz"
    loaded = lmt.Network(file=f)
    assert loaded.show() == net.show()
    for key in ("firing_rates", "mean_input", "power_spectra", "transfer_function"):
        assert loaded.results[key].units == net.results[key].units
        assert_allclose(loaded.results[key].magnitude, net.results[key].magnitude)
    # the per-frequency cache survives: the stored value is returned, not recomputed
    assert_allclose(loaded.transfer_function(10 * ureg.Hz).magnitude,
                    net.transfer_function(10 * ureg.Hz).magnitude)
    assert len(loaded.results["transfer_function_single"]) == 1
    results_only = net.save_results(tmp_path / "results.h5")
    assert set(neuromf.input_output.load_h5(results_only)) == {"results"}


def test_extend_analysis_frequencies(net):
    other = net.change_parameters()
    other.transfer_function()
    other.extend_analysis_frequencies(np.array([200.0, 250.0]) * ureg.Hz)
    assert "transfer_function" not in other.results
    H = other.transfer_function()
    assert H.shape == (8, 35)
    assert_allclose(other.analysis_params["omegas"].magnitude[-2:],
                    2 * np.pi * np.array([200.0, 250.0]))


def test_methods_delegate_to_the_nnmt_convention_functions(net):
    """Each method returns the neuromf function it wraps, evaluated under the NNMT
    convention (refractory phase omitted)."""
    with neuromf.convention("nnmt"):
        expected = neuromf.lif.exp.transfer_function(net._net, method="shift")
    assert_allclose(net.transfer_function().to("Hz/V").magnitude, expected.T)
    with neuromf.convention("neuromf"):
        corrected = neuromf.lif.exp.transfer_function(net._net.copy(), method="shift")
    assert not np.allclose(corrected, expected)


@pytest.mark.slow
@pytest.mark.parametrize("script", ["minimal_usage_example", "power_spectra",
                                    "sensitivity_measure", "fixing_working_point"])
def test_lmt_example_scripts_run_unchanged(script, tmp_path, monkeypatch):
    work = tmp_path / "examples"
    shutil.copytree(EXAMPLES, work)
    monkeypatch.chdir(work)
    runpy.run_path(str(work / f"{script}.py"), run_name="__main__")
    assert (work / f"{script}.h5").is_file()
    saved = lmt.Network(file=str(work / f"{script}.h5"))
    assert saved.show()


# ---------------------------------------------------------------------------
# Senk et al. 2020: the spatial E-I network in LMT's format
# ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def ei():
    return lmt.Network(str(EXAMPLES / "network_params_ei_spatial.yaml"), ANA_YAML)


def test_ei_additional_external_rates_give_senks_working_point(ei):
    """LMT's nu_e_ext / nu_i_ext drive (one synapse each, weights j and -g j) reproduces
    the working point Senk et al. 2020 designed the external rates for: mu = sigma =
    10 mV; and the built-in senk2020 model (external sources as K_ext, J_ext) agrees."""
    wp = ei.working_point()
    assert_allclose(wp["mean_input"].to("mV").magnitude, 10.0, rtol=1e-6)
    assert_allclose(wp["std_input"].to("mV").magnitude, 10.0, rtol=1e-6)
    with neuromf.convention("nnmt"):
        builtin = neuromf.lif.exp.working_point(neuromf.models.load_model("senk2020"))
    assert_allclose(wp["firing_rates"].to("Hz").magnitude, builtin["firing_rates"],
                    rtol=1e-8)


def test_ei_spatial_methods_delegate(ei):
    xi_min, xi_max, k_min, k_max = ei.xi_of_k()
    k_eig_max, idx, eigenval_max, eigenvals = ei.eigenvals_branches_rate()
    lam0 = ei.solve_chareq_rate_boxcar(0)
    chars = ei.compute_profile_characteristics()
    with neuromf.convention("nnmt"):
        expected_xi = neuromf.spatial.xi_of_k(ei._net)
        expected_lam = neuromf.linear_stability.solve_chareq_rate_boxcar(ei._net, 0)
    assert (xi_min, xi_max) == tuple(expected_xi[:2])
    assert_allclose(k_min.to("1/m").magnitude, expected_xi[2])
    assert_allclose(lam0.to("1/s").magnitude, expected_lam)
    # the most unstable eigenvalue over all branches is one of the branch-0 ... values
    assert eigenval_max.to("1/s").magnitude.real >= lam0.to("1/s").magnitude.real.max() - 1e-9
    assert_allclose(chars["xi_min"], xi_min)
    assert chars["rho"] == pytest.approx(0.07 / 0.2)
    assert ei.results["xi_min"] == xi_min


@pytest.mark.slow
def test_ei_linear_interpolation_two_methods_agree(ei):
    """Characteristic equation solved directly and by the integral method (Senk et al.
    2020, Fig. 6): two independent numerical routes to the same eigenvalues."""
    k = np.array([10.0, 40.0]) / ureg.mm
    alphas, lam_chareq, lam_integral, *_ = ei.linear_interpolation_alpha(
        k, branches=[0], alphas=np.array([0.0, 1.0]))
    assert lam_chareq.shape == (1, 2)
    assert_allclose(lam_chareq.to("1/s").magnitude, lam_integral.to("1/s").magnitude,
                    rtol=1e-6)
