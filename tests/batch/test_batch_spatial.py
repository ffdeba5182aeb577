"""Batched most unstable eigenvalue (neuromf.batch.spatial) against the network level.

Reference for every grid point: ``neuromf.stability_report.stability_analysis`` on one
network at a time (its own working point, transfer function, low-pass fit, xi(k) from
``spatial._effective_profile`` and Lambert W roots per network).  Both interpolate the
transfer function in frequency to ~1e-12, hence 1e-10 relative.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import neuromf
from neuromf.batch import Batch
from neuromf.scan import BATCHED, scan
from neuromf.stability_report import stability_analysis

RTOL = 1e-10


def test_most_unstable_eigenvalue_equals_stability_analysis():
    base = neuromf.models.load_model("senk2020")
    W = np.asarray(base.network_params["W"], float)
    width = np.asarray(base.network_params["width"], float)
    # tau_m moves the rate-model time constant, the inhibitory weight the sign and size
    # of xi(k), the widths its k-dependence (two width groups in one batch)
    nets = [base.change_parameters({"tau_m": tau, "W": W * np.array([1.0, scale]),
                                    "width": width * stretch})
            for tau in (0.004, 0.0055, 0.007) for scale in (0.9, 1.0, 1.1)
            for stretch in (1.0, 1.5)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = Batch(nets).most_unstable_eigenvalue()
        ref = np.array([stability_analysis(net.copy())["eigenvalue"] for net in nets])
    assert got.shape == (len(nets),) and np.iscomplexobj(got)
    np.testing.assert_allclose(got, ref, rtol=RTOL)
    # the grid covers stable and unstable (oscillatory) points
    assert {bool(x.real < 0) for x in ref} == {True, False}


def test_scan_of_the_most_unstable_eigenvalue_is_batched(monkeypatch):
    axes = {"tau_m": [4.0, 5.5, 7.0]}
    calls = []
    original = BATCHED["most_unstable_eigenvalue"]
    monkeypatch.setitem(BATCHED, "most_unstable_eigenvalue",
                        lambda b: calls.append(len(b)) or original(b))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        batched = scan("senk2020", axes, quantity="most_unstable_eigenvalue", batch_size=3,
                       progress=False)
        assert calls == [3]
        monkeypatch.delitem(BATCHED, "most_unstable_eigenvalue")
        pointwise = scan("senk2020", axes, quantity="most_unstable_eigenvalue",
                         progress=False)
    np.testing.assert_allclose(batched.data, pointwise.data, rtol=RTOL)


def test_unequal_delays_are_refused():
    base = neuromf.models.load_model("senk2020")
    delay = np.asarray(base.network_params["D_mean"], float)
    nets = [base, base.change_parameters({"D_mean": delay * np.array([1.0, 2.0])})]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError, match="common delay.*grid point 1"):
            Batch(nets).most_unstable_eigenvalue()
        with pytest.raises(ValueError, match="common delay"):
            stability_analysis(nets[1].copy())
