"""Every public object of the API reference passes the numpydoc checks the docs build
enforces, checked in seconds without Sphinx.

The checks, the way the objects are listed (as ``docs/api.rst``'s recursive autosummary
lists them) and the temporary exclusions are those of ``docs/_ext/neuromf_apicheck.py``,
which ``docs/conf.py`` also uses (``numpydoc_validation_checks``,
``numpydoc_validation_exclude``), so a failure here is a failure of ``sphinx-build -W``
(``tests/docs/test_docs_site.py``), reported as "object: check, what is missing".
Run ``python docs/_ext/neuromf_apicheck.py`` for the same list.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

pytest.importorskip("numpydoc", reason="the docs extra is not installed "
                    "(pip install -e '.[docs]')")

EXT = Path(__file__).resolve().parents[2] / "docs" / "_ext" / "neuromf_apicheck.py"


@pytest.fixture(scope="module")
def apicheck():
    spec = importlib.util.spec_from_file_location("neuromf_apicheck", EXT)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("neuromf_apicheck", module)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def objects(apicheck):
    return apicheck.api_objects()


def test_every_public_object_passes_the_numpydoc_checks(apicheck, objects):
    failures = []
    for full in objects:
        if apicheck.excluded(full):
            continue
        failures += [f"{full}: {code} {msg}" for code, msg in apicheck.validate_object(full)]
    assert not failures, ("docstrings that sphinx-build -W refuses (numpydoc checks of "
                          "docs/_ext/neuromf_apicheck.py):\n" + "\n".join(failures))


def test_the_listing_is_that_of_the_api_reference(apicheck, objects):
    """Objects that have API pages (test_docs_site.py) or are documented on one are
    listed; private names and hidden submodules are not."""
    listed = set(objects)
    for name in ("neuromf.lif.exp.working_point", "neuromf.linear_response.unstable_modes",
                 "neuromf.plotting.use_style", "neuromf.models.Network",
                 "neuromf.models.Network.save", "neuromf.simulation.NetworkSpec.indegrees",
                 "neuromf.lmt.Network.power_spectra", "neuromf.input_output.load_h5",
                 "neuromf.cli.main"):
        assert name in listed, name
    assert not [n for n in listed if any(p.startswith("_") for p in n.split("."))]
    # neuromf.dynamics.simulate is a function that hides the submodule of that name
    assert "neuromf.dynamics.simulate" in listed
    assert not [n for n in listed if n.startswith("neuromf.dynamics.simulate.")]
    assert len(listed) > 400


def test_the_checks_catch_missing_sections(apicheck):
    """An undocumented parameter, a missing Returns section, a parameter without
    description and no docstring at all are each reported (independent of neuromf's
    docstrings: synthetic functions written here)."""

    def no_sections(rate: float) -> float:
        """Twice the rate."""
        return 2 * rate

    def no_description(rate: float) -> float:
        """Twice the rate.

        Parameters
        ----------
        rate : float

        Returns
        -------
        float
            Hz.
        """
        return 2 * rate

    def complete(rate: float) -> float:
        """Twice the rate.

        Parameters
        ----------
        rate : float
            Firing rate in Hz.

        Returns
        -------
        float
            Twice ``rate``, Hz.
        """
        return 2 * rate

    def undocumented(rate):
        return rate

    codes = {f.__name__: {c for c, _ in apicheck.errors_of(f)}
             for f in (no_sections, no_description, complete, undocumented)}
    assert codes["no_sections"] == {"PR01", "RT01"}
    assert codes["no_description"] == {"PR07"}
    assert codes["complete"] == set()
    assert "GL08" in codes["undocumented"]


def test_every_temporary_exclusion_is_still_needed(apicheck, objects):
    """Each entry of TEMPORARY_EXCLUDE still covers an object that fails; once none does
    (its branch merged with complete docstrings), the entry must be deleted."""
    stale = []
    for pattern in apicheck.TEMPORARY_EXCLUDE:
        covered = [n for n in objects if apicheck.excluded(n, (pattern,))]
        if not any(apicheck.validate_object(n) for n in covered):
            stale.append(pattern)
    assert not stale, ("delete these entries of TEMPORARY_EXCLUDE in "
                       f"docs/_ext/neuromf_apicheck.py, their objects pass: {stale}")
