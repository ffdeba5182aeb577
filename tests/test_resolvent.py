"""The resolvent (1 - M)^-1, including the stack split over CPU cores."""

from __future__ import annotations

import numpy as np
import pytest

from neuromf.linear_response import _resolvent


@pytest.mark.parametrize("shape", [(6, 70, 70), (3, 5, 5), (70, 70)])
def test_resolvent_is_the_inverse_of_one_minus_m(shape):
    rng = np.random.default_rng(4)
    M = 0.05 * (rng.normal(size=shape) + 1j * rng.normal(size=shape))
    Q = _resolvent(M)
    identity = np.broadcast_to(np.eye(shape[-1]), M.shape)
    np.testing.assert_allclose(Q @ (identity - M), identity, atol=1e-12)
    assert not np.shares_memory(Q, M)


def test_singular_resolvent_raises():
    M = np.eye(3)[None].repeat(8, axis=0).astype(complex)
    with pytest.raises(ValueError, match="singular"):
        _resolvent(M)
