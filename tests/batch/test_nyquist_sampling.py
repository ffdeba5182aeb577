"""Adaptive sampling of the Nyquist grid (neuromf.batch.stability) for long delays.

With a 40-ms delay the single-network grid of ``linear_response.unstable_modes`` has a
non-integer step (1/(16 d) = 1.5625 Hz) and the delay factor turns fast, so the coarse
stride of the batch drops to 2 fine steps.  Reference: ``unstable_modes`` on one
network at a time (its own full grid); counts identical, crossing frequencies to
1e-10 relative.
"""

from __future__ import annotations

import warnings

import numpy as np

import neuromf
from neuromf import linear_response
from neuromf.batch import Batch, stability
from neuromf.lif import delta


def test_long_delay_counts_and_crossings_equal_unstable_modes():
    base = neuromf.models.load_model("brunel2000_C")
    nets = [base.change_parameters({"Delay": 0.04 * np.ones((2, 2)), "g": g,
                                    "nu_ext": nu})
            for g, nu in ((3.0, 20.0), (5.0, 20.0), (6.0, 40.0), (4.5, 9.0))]
    assert stability._frequency_step(nets[0]) == 1.0 / (16 * 0.04)
    assert stability._coarse_stride(1.0 / (16 * 0.04), 0.04) == 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = Batch(nets).unstable_modes(variance_channel=True)
        for g, net in enumerate(nets):
            delta.working_point(net)
            ref = linear_response.unstable_modes(net, prefix="lif.delta.",
                                                 variance_channel=True)
            assert got["count"][g] == ref["count"]
            assert got["f_max"][g] == ref["f_max"]
            assert got["n_frequencies"][g] <= ref["n_frequencies"]
            np.testing.assert_allclose(got["crossing_frequencies"][g],
                                       ref["crossing_frequencies"] or [], rtol=1e-10)
    assert len(set(got["count"])) > 1
