"""The documentation site, built once per test session and shared by the docs tests.

``sphinx-build -W -b html docs <tmp>/html`` with the examples at their quick sizes
(``NEUROMF_DOCS_QUICK=1``): warnings are errors, so broken cross-references, missing
docstrings of public functions (numpydoc check GL08) and failing gallery examples fail the
build.  The doctrees are kept next to the HTML so that the linkcheck builder reuses them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
BUILD_TIMEOUT = 600          # s; about 2 minutes on an idle 2-core machine


def sphinx_env() -> dict:
    """Environment of the docs builds: quick examples, this checkout first on the path."""
    env = dict(os.environ)
    env["NEUROMF_DOCS_QUICK"] = "1"
    env["MPLBACKEND"] = "Agg"
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + [p for p in
                                         env.get("PYTHONPATH", "").split(os.pathsep) if p])
    return env


@pytest.fixture(scope="session")
def built_docs(tmp_path_factory) -> dict:
    """Build the HTML site once; returns ``{'html': Path, 'doctrees': Path, 'seconds': float}``."""
    pytest.importorskip("sphinx", reason="the docs extra is not installed "
                        "(pip install -e '.[docs]')")
    for module in ("pydata_sphinx_theme", "numpydoc", "myst_parser", "sphinxcontrib.bibtex",
                   "sphinxarg", "sphinx_gallery"):
        pytest.importorskip(module, reason=f"{module} (docs extra) is not installed")
    out = tmp_path_factory.mktemp("docs")
    html, doctrees = out / "html", out / "doctrees"
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
         "-d", str(doctrees), str(DOCS), str(html)],
        cwd=ROOT, env=sphinx_env(), capture_output=True, text=True, timeout=BUILD_TIMEOUT)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        pytest.fail(f"sphinx-build -W -b html failed (exit {proc.returncode}):\n"
                    f"{proc.stderr[-8000:]}\n{proc.stdout[-2000:]}")
    return {"html": html, "doctrees": doctrees, "seconds": seconds}
