"""Fixtures of the simulation tests (stand-in models, see sim_models.py)."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("PYNEST_QUIET", "1")   # no NEST banner in test output
from sim_models import ei_params, microcircuit_params, standin


@pytest.fixture
def microcircuit():
    return standin(microcircuit_params())


@pytest.fixture
def ei_network():
    return standin(ei_params())
