"""Shared pytest fixtures (reference implementations live in references.py)."""

from __future__ import annotations

import os

import numpy as np
import pytest

os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(scope="session")
def nnmt():
    """NNMT 1.3 for side-by-side checks; np.complex_ was removed in numpy 2, NNMT needs it."""
    if not hasattr(np, "complex_"):
        np.complex_ = np.complex128
    return pytest.importorskip("nnmt")
