"""The theory side of ``compare``: spectra with the variance channel and the stability
count (no NEST needed)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lif"))
from test_variance_channel import _inhibitory_delta_network  # noqa: E402

from neuromf.simulation.comparison import default_theory  # noqa: E402


def test_unstable_delta_network_is_flagged():
    """J = -0.2 mV, d = 2 ms oscillates in NEST (docs/simulation.md); the theory must say
    so instead of returning spectra silently."""
    net = _inhibitory_delta_network(-0.2, 25.0, 2.0)
    with pytest.warns(UserWarning, match="linearly unstable"):
        th = default_theory(net)
    assert th["unstable_modes"] > 0
    assert "variance channel" in th["spectra_source"]
    assert th["power_spectra"].shape == (len(th["frequencies"]), 1)


def test_stable_delta_network_is_not_flagged():
    net = _inhibitory_delta_network(-0.1, 10.0, 4.0)
    th = default_theory(net)
    assert th["unstable_modes"] == 0
