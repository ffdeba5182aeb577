"""Grid points of a scan (neuromf.batch.points) against full networks.

Reference: ``Network.change_parameters`` (the model's own construction, with the schema
check of every parameter), one network per point.
"""

from __future__ import annotations

import numpy as np
import pytest

import neuromf
from neuromf.batch.points import GridPoint, as_network, grid_points


def _same(a, b) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.array_equal(np.asarray(a), np.asarray(b))
    return a == b


@pytest.mark.parametrize("model, names, points", [
    ("brunel2000_C", ["g", "nu_ext"], [(3.0, 9.0), (5.0, 40.0), (5.0, 12.5)]),
    ("potjans2014", ["g", "nu_ext"], [(4.0, 6.0), (5.5, 8.0)]),
    ("potjans2014", ["tau_m"], [(0.008,), (0.012,)]),
])
def test_grid_points_equal_full_networks(model, names, points):
    base = neuromf.models.load_model(model)
    got = grid_points(base, names, points)
    for point, gp in zip(points, got, strict=True):
        full = base.change_parameters(dict(zip(names, point)))
        assert set(gp.network_params) == set(full.network_params)
        for key, value in full.network_params.items():
            assert _same(gp.network_params[key], value), key
        assert gp.analysis_params is base.analysis_params
        assert isinstance(gp, GridPoint)
        net = as_network(gp)
        assert net is gp.network() and _same(net.network_params["J"], full.network_params["J"])


def test_bad_value_raises_the_models_error():
    base = neuromf.models.load_model("brunel2000_C")
    with pytest.raises(ValueError) as expected:
        base.change_parameters({"nu_ext": -1.0})
    with pytest.raises(ValueError) as got:
        grid_points(base, ["nu_ext"], [(10.0,), (-1.0,)])
    assert str(got.value) == str(expected.value)
    with pytest.raises(ValueError, match="tau_m"):
        grid_points(base, ["tau_m"], [(0.0,)])
