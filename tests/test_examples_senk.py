"""The Senk et al. 2020 examples run in --quick mode and write their figures.

Run in-process with ``runpy`` (the package is already imported, so each takes a few
seconds).  Besides the PNG, the printed self-checks of the examples are read:
the external rates must reproduce the target working points (through the core's
mean_input / std_input), the looped NNMT-style scan must equal the vectorised scan,
and the interpolation must start at the rate-model eigenvalue (α = 0).
"""

from __future__ import annotations

import re
import runpy
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_NUM = r"[-+]?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?"


def _run_example(name: str, out: Path, monkeypatch, capsys) -> str:
    monkeypatch.setattr(sys, "argv", [name, str(out), "--quick"])
    runpy.run_path(str(EXAMPLES / name), run_name="__main__")
    return capsys.readouterr().out


def test_mapping_lif_rate_quick(tmp_path, monkeypatch, capsys):
    text = _run_example("senk2020_mapping_lif_rate.py", tmp_path, monkeypatch, capsys)
    assert (tmp_path / "senk2020_mapping_lif_rate.png").read_bytes()[:8] == PNG_MAGIC
    assert "at 16 working points" in text  # 6, 8, 10, 12 mV squared
    reproduced = float(re.search(rf"reproduced to ({_NUM}) mV", text).group(1))
    assert reproduced < 1e-9
    rel = float(re.search(rf"rate\): ({_NUM})", text).group(1))
    assert rel < 1e-9


def test_spatial_patterns_quick(tmp_path, monkeypatch, capsys):
    text = _run_example("senk2020_spatial_patterns.py", tmp_path, monkeypatch, capsys)
    assert (tmp_path / "senk2020_spatial_patterns.png").read_bytes()[:8] == PNG_MAGIC
    most = re.search(rf"most unstable rate-model eigenvalue: \(?({_NUM})([+-]{_NUM})j", text)
    start = re.search(rf"branch 0: rate model \(?({_NUM})([+-]{_NUM})j", text)
    assert most and start
    assert float(start.group(1)) == pytest.approx(float(most.group(1)), rel=1e-4)
    assert float(start.group(2)) == pytest.approx(float(most.group(2)), rel=1e-4)


def test_brunel2000_phase_diagram_quick(tmp_path, monkeypatch, capsys):
    """States of Brunel 2000, Fig. 8, from the Nyquist count with the variance channel:
    A and B unstable (B fast, frequency set by the delay), C stable (AI), D unstable with
    a slow oscillation."""
    out = tmp_path / "phase.png"
    monkeypatch.setattr(sys, "argv", ["brunel2000_phase_diagram.py", "--out", str(out),
                                      "--quick"])
    runpy.run_path(str(EXAMPLES / "brunel2000_phase_diagram.py"), run_name="__main__")
    text = capsys.readouterr().out
    assert out.read_bytes()[:8] == PNG_MAGIC
    states = {m.group(1): (int(m.group(2)), float(m.group(3))) for m in re.finditer(
        rf"state (\w) .*?: (\d+) unstable modes, lowest crossing ({_NUM}|nan) Hz", text)}
    assert states["A"][0] > 0 and states["B"][0] > 0 and states["D"][0] > 0
    assert states["C"][0] == 0
    assert 100 < states["B"][1] < 300 and 5 < states["D"][1] < 50
