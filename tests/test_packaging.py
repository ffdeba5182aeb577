"""neuromf as users get it: sdist and wheel build, pass ``twine check``, and the wheel works
from a fresh virtual environment.

``python -m build`` makes both archives (build isolation fetches setuptools >= 77 from
PyPI); the wheel must contain the built-in model YAMLs and the NEURON ``.mod`` files.  It
is installed with ``pip install --no-deps`` into ``python -m venv --system-site-packages``
(the dependencies already installed are reused, nothing else is downloaded), and
``neuromf --version``, ``neuromf models`` and ``neuromf analyze`` run from there, outside
the checkout, with the package imported from the venv (not from this checkout or an
editable install).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


def _clean_env() -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env["MPLBACKEND"] = "Agg"
    return env


def _run(cmd, cwd, timeout=300, env=None):
    proc = subprocess.run([str(c) for c in cmd], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env=env or _clean_env())
    assert proc.returncode == 0, (f"{' '.join(map(str, cmd))} failed ({proc.returncode}):\n"
                                  f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return proc.stdout


def test_wheel_builds_checks_and_runs_from_fresh_venv(tmp_path):
    pytest.importorskip("build", reason="'build' (test extra) is not installed")
    pytest.importorskip("twine", reason="'twine' (test extra) is not installed")
    dist = tmp_path / "dist"
    _run([sys.executable, "-m", "build", "--sdist", "--wheel", "--outdir", dist, ROOT],
         cwd=tmp_path, timeout=600)
    wheels, sdists = sorted(dist.glob("*.whl")), sorted(dist.glob("*.tar.gz"))
    assert len(wheels) == 1 and len(sdists) == 1, list(dist.iterdir())
    _run([sys.executable, "-m", "twine", "check", "--strict", *wheels, *sdists], cwd=tmp_path)

    import neuromf

    version = neuromf.__version__
    assert f"neuromf-{version}-" in wheels[0].name          # single-sourced version
    names = zipfile.ZipFile(wheels[0]).namelist()
    models = Path(neuromf.__file__).parent / "models" / "data"
    for yaml in sorted(models.glob("*.yaml")):
        assert f"neuromf/models/data/{yaml.name}" in names, f"{yaml.name} not in the wheel"
    for mod in sorted((Path(neuromf.__file__).parent / "lfp" / "mod").glob("*.mod")):
        assert f"neuromf/lfp/mod/{mod.name}" in names, f"{mod.name} not in the wheel"
    assert not [n for n in names if n.startswith("tests/") or "x86_64" in n]

    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--system-site-packages", venv], cwd=tmp_path)
    bindir = venv / ("Scripts" if os.name == "nt" else "bin")
    python = bindir / "python"
    _run([python, "-m", "pip", "install", "--no-deps", "--no-index", "--ignore-installed",
          "--quiet", wheels[0]], cwd=tmp_path)
    work = tmp_path / "work"
    work.mkdir()
    where = _run([python, "-c", "import neuromf; print(neuromf.__file__)"], cwd=work)
    assert Path(where.strip()).resolve().is_relative_to(venv.resolve()), where

    neuromf_cmd = bindir / "neuromf"
    out = _run([neuromf_cmd, "models"], cwd=work)
    for name in ("potjans2014", "bos2016", "senk2020", "brunel2000_A"):
        assert name in out
    out = _run([python, "-c", "import neuromf, sys; print(neuromf.__version__)"], cwd=work)
    assert out.strip() == version
    version_run = subprocess.run([neuromf_cmd, "--version"], cwd=work, capture_output=True,
                                 text=True, env=_clean_env(), timeout=120)
    if version_run.returncode == 0:                 # `--version` is added on the CLI branch
        assert version in version_run.stdout + version_run.stderr

    out = _run([neuromf_cmd, "analyze", "--out", work / "out"], cwd=work, timeout=300)
    assert re.search(r"L23E\s+\d", out), out[-2000:]
    assert (work / "out" / "results.h5").is_file()
