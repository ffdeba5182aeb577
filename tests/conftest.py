"""Shared pytest fixtures (reference implementations live in references.py)."""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import settings

os.environ.setdefault("MPLBACKEND", "Agg")

# CI runs the property tests with a fixed sequence of examples (reproducible runs);
# locally they explore new examples each time.
settings.register_profile("ci", derandomize=True, deadline=None)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture(scope="session")
def nnmt():
    """NNMT 1.3 for side-by-side checks; np.complex_ was removed in numpy 2, NNMT needs it."""
    if not hasattr(np, "complex_"):
        np.complex_ = np.complex128
    return pytest.importorskip("nnmt")
