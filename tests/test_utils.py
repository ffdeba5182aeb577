"""Exact results cache, dependency invalidation, parameter lookup and checks."""

from __future__ import annotations

import numpy as np
import pytest

import neuromf
from neuromf.utils import _cache, check_choice, check_positive, fingerprint


def test_fingerprint_is_exact():
    a = np.arange(5000, dtype=float)
    b = a.copy()
    b[2500] = np.nextafter(b[2500], np.inf)   # one ulp in the elided middle
    assert fingerprint(a) != fingerprint(b)
    assert fingerprint(a) != fingerprint(a.astype(np.float32))
    assert fingerprint(a.reshape(50, 100)) != fingerprint(a.reshape(100, 50))
    assert fingerprint({"x": 1, "y": a}) == fingerprint({"y": a.copy(), "x": 1})
    assert fingerprint(0.1) != fingerprint(0.1 + 1e-17 * 2**3)


class _Counter:
    def __init__(self):
        self.calls = 0

    def __call__(self, K):
        self.calls += 1
        return float(np.sum(K))


def test_cache_returns_stored_value_and_recomputes_on_exact_change():
    net = neuromf.models.load_model("brunel2000_C")
    count = _Counter()
    big = np.zeros(5000)
    assert _cache(net, count, {"K": big}, "test.sum") == 0.0
    assert _cache(net, count, {"K": big.copy()}, "test.sum") == 0.0
    assert count.calls == 1
    changed = big.copy()
    changed[2500] = 1.0   # NNMT's str()-based key would return the stale 0.0 here
    assert _cache(net, count, {"K": changed}, "test.sum") == 1.0
    assert count.calls == 2


def test_nnmt_cache_returns_stale_result(nnmt):
    """The NNMT 1.3 bug neuromf fixes: a changed middle element is not noticed."""
    net = nnmt.models.Network()
    big = np.zeros(5000)
    changed = big.copy()
    changed[2500] = 1.0
    first = nnmt.utils._cache(net, np.sum, {"a": big}, "s")
    second = nnmt.utils._cache(net, np.sum, {"a": changed}, "s")
    assert first == 0.0 and second == 0.0    # stale: the true sum is 1.0


def test_changing_a_parameter_invalidates_exactly_the_dependent_results():
    net = neuromf.models.load_model("brunel2000_C")
    neuromf.lif.delta.working_point(net)
    _cache(net, lambda Delay: float(np.sum(Delay)), {"Delay": net.network_params["Delay"]},
           "test.delay_sum")
    rates = net.results["lif.delta.firing_rates"].copy()
    net.network_params["K"] = net.network_params["K"] * 1.0
    net.network_params["K"][0, 0] = 900.0     # in-place change of an input of the rates
    assert net.show() == ["test.delay_sum"]   # rates and inputs derived from them dropped
    with pytest.raises(RuntimeError, match="first need to calculate 'lif.delta.firing_rates'"):
        neuromf.lif.delta.mean_input(net)
    new_rates = neuromf.lif.delta.firing_rates(net)
    assert not np.allclose(new_rates, rates)


def test_checks_name_parameter_value_and_unit():
    with pytest.raises(ValueError, match=r"tau_m must be > 0, got -0.01 s"):
        check_positive("tau_m", -0.01, "s")
    with pytest.raises(ValueError, match=r"tau_r must be >= 0"):
        check_positive("tau_r", [0.0, -1e-3], "s", allow_zero=True)
    with pytest.raises(ValueError, match="must be finite"):
        check_positive("sigma", np.nan, "V")
    with pytest.raises(ValueError, match="valid choices are 'shift', 'taylor'"):
        check_choice("method", "foo", ["shift", "taylor"])


def test_nnmt_unit_helpers_convert_in_place():
    from neuromf import ureg
    from neuromf.utils import _convert_to_si_and_strip_units, pint_array

    params = {"tau_m": 10 * ureg.ms, "W": np.array([1.0, 2.0]) * ureg.pA, "label": "x", "g": 4}
    _convert_to_si_and_strip_units(params)
    assert params["tau_m"] == pytest.approx(0.01)
    np.testing.assert_allclose(params["W"], [1e-12, 2e-12])
    assert params["label"] == "x" and params["g"] == 4
    q = pint_array([1 * ureg.ms, 2000 * ureg.us])
    np.testing.assert_allclose(q.to("ms").magnitude, [1.0, 2.0])
