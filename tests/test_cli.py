"""The ``neuromf`` command: models, analyze (working point + linear response).

Reference for the printed and saved numbers: the library functions called directly on
the same model (the CLI must not compute anything differently).
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np

import neuromf
from neuromf.cli import main
from neuromf.input_output import load_h5


def test_models_lists_builtin_sets(capsys):
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    for name in ("potjans2014", "bos2016", "senk2020", "brunel2000_C"):
        assert name in out


def test_analyze_exp_model_writes_results_and_figures(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["analyze", "senk2020", "--freqs", "1:200:5", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "dominant eigenmode" in printed
    for name in ("results.h5", "working_point.png", "power_spectra.png",
                 "transfer_functions.png", "eigenvalues.png"):
        assert (out / name).is_file(), name
    saved = load_h5(out / "results.h5")
    results = saved["results"]
    net = neuromf.models.load_model("senk2020")
    wp = neuromf.lif.exp.working_point(net)
    rates = results["lif.exp.firing_rates"]
    assert rates["unit"] == "hertz"
    np.testing.assert_allclose(rates["val"], wp["firing_rates"], rtol=1e-12)
    spectra = results["lif.exp.power_spectra"]["val"]
    assert spectra.shape == (len(np.arange(1, 200, 5)), 2)
    assert saved["analysis_params"]["df"]["val"] == 5.0
    assert f"{wp['firing_rates'][0]:.4f}" in printed


def test_analyze_delta_model_and_taylor(tmp_path):
    assert main(["analyze", "brunel2000_C", "--out", str(tmp_path / "b")]) == 0
    saved = load_h5(tmp_path / "b" / "results.h5")["results"]
    assert "lif.delta.firing_rates" in saved and "lif.delta.power_spectra" in saved
    assert main(["analyze", "potjans2014", "--method", "taylor", "--freqs", "10:300:50",
                 "--out", str(tmp_path / "t")]) == 0


def test_analyze_stability_variance_channel_and_renewal(tmp_path, capsys):
    """Brunel 2000 state D is a slow oscillation (SI slow): with --variance-channel the
    report must say unstable; state C (AI) stable.  --renewal stores the spike-train
    spectra and uses them (spectra then differ from the Poisson ones)."""
    assert main(["analyze", "brunel2000_D", "--variance-channel", "--freqs", "1:400:1",
                 "--out", str(tmp_path / "d")]) == 0
    assert "linearly unstable" in capsys.readouterr().out
    assert main(["analyze", "brunel2000_C", "--variance-channel", "--renewal", "--freqs",
                 "1:400:1", "--out", str(tmp_path / "c")]) == 0
    assert "linearly stable" in capsys.readouterr().out
    saved = load_h5(tmp_path / "c" / "results.h5")["results"]
    renewal = saved["lif.delta.power_spectra"]["val"]
    assert "lif.delta.spike_train_power_spectra" in saved
    assert main(["analyze", "brunel2000_C", "--variance-channel", "--freqs", "1:400:1",
                 "--out", str(tmp_path / "p")]) == 0
    poisson = load_h5(tmp_path / "p" / "results.h5")["results"]["lif.delta.power_spectra"]
    assert np.all(renewal[0] < poisson["val"][0])          # CV < 1: less slow power
    np.testing.assert_allclose(renewal[-1], poisson["val"][-1], rtol=0.05)


def test_analyze_unknown_model_fails_cleanly():
    proc = subprocess.run([sys.executable, "-m", "neuromf", "analyze", "no_such_model"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "unknown model 'no_such_model'" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_missing_extra_gives_a_clean_message(monkeypatch, capsys):
    import neuromf.cli as cli

    def needs_nest(args):
        raise ImportError("install the simulation extra with: pip install 'neuromf[sim]'")

    parser = cli.build_parser()
    monkeypatch.setattr(cli, "build_parser", lambda: parser)
    for action in parser._subparsers._group_actions:
        action.choices["models"].set_defaults(func=needs_nest)
    assert cli.main(["models"]) == 2
    assert "neuromf[sim]" in capsys.readouterr().err
