"""The NNMT-format fixtures in tests/fixtures hold the same values as NNMT's own files.

The tests run from the fixtures (so that a plain clone checks every NNMT claim); this
module is the one place that reads ../shared/reference/nnmt_parameter_files, NNMT's
distributed copies, and skips cleanly where that folder is absent.  Both files are
loaded with neuromf's loader and compared key by key (values and units), and as raw
YAML (so that plain values and {val, unit} entries match one to one).
"""

from __future__ import annotations

import numpy as np
import pytest
import yaml
from references import nnmt_file, shared_nnmt_file

from neuromf.input_output import load_val_unit_dict_from_yaml
from neuromf.utils import is_quantity

FILES = ["basic_minimal_network_params.yaml", "microcircuit_network_params.yaml",
         "bos2016_network_params.yaml", "bos2016_analysis_params.yaml",
         "senk2020_network_params.yaml", "senk2020_analysis_params.yaml"]


@pytest.mark.parametrize("name", FILES)
def test_fixture_equals_shared_nnmt_file(name):
    theirs_path = shared_nnmt_file(name)
    ours_path = nnmt_file(name)
    with open(theirs_path) as f:
        theirs_raw = yaml.safe_load(f)
    with open(ours_path) as f:
        ours_raw = yaml.safe_load(f)
    assert ours_raw == theirs_raw
    ours, theirs = (load_val_unit_dict_from_yaml(p) for p in (ours_path, theirs_path))
    assert list(ours) == list(theirs)
    for key, value in theirs.items():
        if is_quantity(value):
            assert ours[key].units == value.units, key
            np.testing.assert_array_equal(ours[key].magnitude, value.magnitude)
        else:
            np.testing.assert_array_equal(ours[key], value)
