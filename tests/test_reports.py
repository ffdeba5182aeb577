"""One stability verdict and one figure style across neuromf's reports.

* The same model gives the same verdict text in ``neuromf analyze``, ``compare``'s theory
  (without NEST), ``neuromf lfp`` (theory) and ``scan``; the convention is the default of
  :mod:`neuromf.stability_verdict` (mean and variance channel, Brunel & Hakim 1999).
  Expected verdicts come from Brunel (2000) and NEST (docs/simulation.md): state C is
  asynchronous (stable in both conventions), state D oscillates at ~22 Hz (NEST) and is
  unstable only with the variance channel.
* Figures the CLI writes (captured where they are saved) carry units in parentheses on
  every axis label, legends, the model's name and the convention in the title, the mark
  of an unstable working point, and a sensible size.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml

import neuromf
from neuromf.cli import main
from neuromf.stability_verdict import UNSTABLE_MARK, mark_figure, stability_verdict

DATA = Path(neuromf.__file__).parent / "models" / "data"


@pytest.fixture
def figures(monkeypatch):
    """Every matplotlib Figure that neuromf saves during the test."""
    import neuromf.analysis
    import neuromf.lfp.plotting
    import neuromf.plotting

    saved = []
    original = neuromf.plotting.save_figure

    def capture(fig, path):
        saved.append((Path(path).name, fig))
        return original(fig, path)

    for module in (neuromf.plotting, neuromf.analysis, neuromf.lfp.plotting):
        monkeypatch.setattr(module, "save_figure", capture)
    return saved


def _texts(fig) -> str:
    parts = [t.get_text() for t in fig.texts]
    if fig._suptitle is not None:
        parts.append(fig._suptitle.get_text())
    parts += [ax.get_title() for ax in fig.axes]
    return "\n".join(parts)


def _check_figure(name: str, fig, min_size=(6.0, 3.4)) -> None:
    w, h = fig.get_size_inches()
    assert w >= min_size[0] and h >= min_size[1], (name, w, h)
    legends = 0
    for ax in fig.axes:
        if ax.get_label() == "<colorbar>" or not ax.get_visible() or not ax.axison:
            continue
        legends += ax.get_legend() is not None
        for label in (ax.get_xlabel(), ax.get_ylabel()):
            if label:
                assert "(" in label and label.rstrip().endswith(")"), (name, label)
    assert legends or name.startswith(("kernels_lfp", "scan_")), f"{name}: no legend"
    assert "channel 0" not in _texts(fig), name


def disagreeing_model(tmp_path: Path) -> Path:
    """senk2020 with 3-ms delays and -1000 pA inhibitory PSCs: stable with the variance
    channel, unstable (≈ 107 Hz) with the mean channel only."""
    params = yaml.safe_load((DATA / "senk2020.yaml").read_text())
    params["W"]["val"] = [[87.8, -1000.0], [87.8, -1000.0]]
    params["D_mean"]["val"] = [[3.0, 3.0], [3.0, 3.0]]
    path = tmp_path / "senk_slow_inhibition.yaml"
    path.write_text(yaml.safe_dump(params))
    return path


def test_verdict_brunel_states_and_other_convention():
    d = stability_verdict(neuromf.models.load_model("brunel2000_D"))
    assert (d.convention, d.count, d.other_count) == ("variance", 2, 0)
    assert d.crossing_frequencies[0] == pytest.approx(29, abs=3)   # NEST: 22 Hz at onset
    assert d.text.startswith("linearly unstable: 2 unstable modes at 29 Hz")
    assert d.other_line == ("mean channel only, NNMT / Bos et al. 2016: 0 unstable modes "
                            "(stable)")
    assert UNSTABLE_MARK.split(":")[0] in d.mark
    c = stability_verdict(neuromf.models.load_model("brunel2000_C"))
    assert c.stable and c.other_line == "" and c.mark == ""
    # 'taylor' has no variance channel: the verdict says which convention it used
    t = stability_verdict(neuromf.models.load_model("senk2020"), method="taylor")
    assert t.convention == "mean" and "needs method 'shift'" in t.text
    with pytest.raises(ValueError, match="unknown stability convention"):
        stability_verdict(neuromf.models.load_model("brunel2000_C"), convention="both")


def test_same_verdict_in_analyze_compare_and_scan(tmp_path, capsys):
    from neuromf.scan import scan
    from neuromf.scan_report import scan_table
    from neuromf.simulation import default_theory

    path = disagreeing_model(tmp_path)
    net = neuromf.models.load_model(str(path), "senk2020")
    verdict = stability_verdict(net)
    assert verdict.stable and verdict.other_count == 2 and verdict.conventions_disagree
    expected = verdict.text
    assert "\n  mean channel only, NNMT / Bos et al. 2016: 2 unstable modes at 1" in expected

    assert main(["analyze", str(path), "--analysis", "senk2020", "--freqs", "1:300:10",
                 "--out", str(tmp_path / "a"), "--no-progress"]) == 0
    assert "working point " + expected in capsys.readouterr().out

    th = default_theory(neuromf.models.load_model(str(path), "senk2020"))
    assert th["stability_text"] == expected and th["unstable_modes"] == verdict.count

    res = scan(neuromf.models.load_model(str(path), "senk2020"), {"tau_m": [5.0]},
               quantity="unstable_modes", progress=False)
    assert res.data.ravel()[0] == verdict.count
    assert "mean and variance channel, Brunel & Hakim 1999" in scan_table(res)
    mean_only = scan(neuromf.models.load_model(str(path), "senk2020"), {"tau_m": [5.0]},
                     quantity="unstable_modes_mean_channel", progress=False)
    assert mean_only.data.ravel()[0] == verdict.other_count


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("nrnivmodl") is None, reason="extra 'lfp' (NEURON)")
def test_same_verdict_in_lfp_and_its_figures(tmp_path, capsys, figures):
    pytest.importorskip("LFPy")
    from neuromf.lfp_report import lfp_report

    path = disagreeing_model(tmp_path)
    net = neuromf.models.load_model(str(path), "senk2020")
    expected = stability_verdict(net).text
    lfp_report(neuromf.models.load_model(str(path), "senk2020"), probe="cdm",
               out_dir=tmp_path / "l", tau=20e-3, print_summary=True, name="senk_variant")
    assert "working point " + expected in capsys.readouterr().out
    by_name = dict(figures)
    spectrum = by_name["spectrum_theory_cdm.png"]
    assert "senk_variant" in _texts(spectrum) and "variance channel" in _texts(spectrum)
    assert "dipole moment p_z" in _texts(spectrum)
    kernels = by_name["kernels_cdm.png"]
    a, b = [ax for ax in kernels.axes if ax.axison][:2]
    assert not a.get_shared_y_axes().joined(a, b)        # own y scale per panel
    for name, fig in figures:
        _check_figure(name, fig)


def test_analyze_figures_of_an_unstable_model_are_marked(tmp_path, figures):
    """bos2016 (the microcircuit variant of Bos et al. 2016) is linearly unstable in the
    default convention (the full microcircuit oscillates at 82-84 Hz in NEST)."""
    assert main(["analyze", "bos2016", "--freqs", "1:300:10", "--out", str(tmp_path),
                 "--no-progress"]) == 0
    by_name = dict(figures)
    assert set(by_name) == {"working_point.png", "power_spectra.png",
                            "transfer_functions.png", "eigenvalues.png"}
    for name in ("power_spectra.png", "transfer_functions.png", "eigenvalues.png"):
        text = _texts(by_name[name])
        assert "linearly unstable" in text and "not the stationary state" in text, name
        assert "bos2016" in text and "microcircuit" not in text, name
        assert "mean channel only (NNMT)" in text, name
    assert "linearly unstable" not in _texts(by_name["working_point.png"])
    for name, fig in figures:
        _check_figure(name, fig)
    # E/I colours of the bar charts are explained
    labels = [t.get_text() for t in by_name["working_point.png"].axes[0].get_legend().texts]
    assert labels == ["excitatory", "inhibitory"]


def test_analyze_figures_of_a_stable_model_are_not_marked(tmp_path, figures):
    assert main(["analyze", "brunel2000_C", "--freqs", "1:300:10", "--out", str(tmp_path),
                 "--no-progress"]) == 0
    for name, fig in figures:
        assert "linearly unstable" not in _texts(fig), name
        _check_figure(name, fig)


def test_scan_figure_and_mark_figure(tmp_path, figures):
    assert main(["scan", "brunel2000_C", "--param", "g=4:6:1", "--quantity",
                 "unstable_modes", "--out", str(tmp_path), "--no-progress"]) == 0
    (name, fig), = figures
    _check_figure(name, fig)
    assert "mean and variance channel" in _texts(fig)
    # the mark goes under an existing title and is kept by constrained layout
    import matplotlib.pyplot as plt

    f, ax = plt.subplots(figsize=(6, 4), constrained_layout=True)
    f.suptitle("title")
    mark_figure(f, stability_verdict(neuromf.models.load_model("brunel2000_D")))
    assert f._suptitle.get_text().startswith("title\nlinearly unstable (2 unstable modes")
    plt.close(f)


def test_simulation_figures_have_bands_legends_units():
    from matplotlib.collections import PolyCollection

    from neuromf.simulation import analysis

    rng = np.random.default_rng(0)
    f = np.linspace(0, 500, 251)
    psd = 1 + rng.random((251, 2))
    fig = analysis.plot_spectra(f, psd, ["L23E", "L23I"], None, f, psd, confidence=0.1 * psd,
                                title="m: spectra", mark="linearly unstable (test)")
    _check_figure("spectra", fig)
    assert any(isinstance(c, PolyCollection) for c in fig.axes[0].collections)
    assert "linearly unstable" in _texts(fig)
    spikes = [(np.array([0, 1]), np.array([0.1, 0.2])), (np.array([0]), np.array([0.15]))]
    raster = analysis.plot_raster(spikes, ["E", "I"], [2, 1], 0.0, 0.3)
    _check_figure("raster", raster)
    texts = [t.get_text() for t in raster.axes[0].get_legend().texts]
    assert texts == ["inhibitory", "excitatory"]


def test_stability_figure(tmp_path, figures):
    assert main(["stability", "senk2020", "--out", str(tmp_path), "--no-progress"]) == 0
    (name, fig), = figures
    _check_figure(name, fig)
    assert fig._suptitle.get_text().startswith("senk2020: rate-model eigenvalues")


def test_compare_tolerance_options_are_checked(tmp_path):
    """A factor of 1 would flag every spectrum: refused before anything runs, one line."""
    import os
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "neuromf", "compare", "brunel2000_C",
                           "--spectrum-factor", "1", "--out", str(tmp_path / "c")],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ,
                               "PYTHONPATH": str(Path(__file__).resolve().parents[1])})
    assert proc.returncode == 2
    assert proc.stderr.strip() == ("neuromf compare: --spectrum-factor must be a number > 1, "
                                   "got 1.0")
    assert not (tmp_path / "c").exists()


def test_scan_of_spectral_quantities_marks_unstable_points(tmp_path):
    """`neuromf scan ... --quantity peak_frequency`: the table marks as UNSTABLE exactly the
    grid points whose working point the point-by-point stability verdict (Nyquist count of
    neuromf.stability_verdict, not the batched scan path) calls unstable; the heat-map
    figure carries the legend entry."""
    import subprocess
    import sys

    import neuromf
    from neuromf.stability_verdict import stability_verdict

    out = tmp_path / "scan"
    run = subprocess.run([sys.executable, "-m", "neuromf", "scan", "brunel2000_C", "--param",
                          "g=3:6:1", "--quantity", "peak_frequency", "--out", str(out)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    rows = [line.split() for line in run.stdout.splitlines()
            if line.strip().endswith(("UNSTABLE", "stable")) and line.split()[0][0].isdigit()]
    marked = {float(r[0]): r[-1] == "UNSTABLE" for r in rows}
    base = neuromf.models.load_model("brunel2000_C")
    expected = {}
    for g in (3.0, 4.0, 5.0, 6.0):
        net = base.change_parameters(changed_network_params={"g": g})
        neuromf.lif.delta.working_point(net)
        expected[g] = stability_verdict(net, other=False).count > 0
    assert marked == expected
    assert any(expected.values()) and not all(expected.values())
    assert "UNSTABLE (" in run.stdout and (out / "scan_peak_frequency.png").is_file()
