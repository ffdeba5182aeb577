"""Behaviour of the ``neuromf`` command line (issues 10 and 14).

* The printed output of ``neuromf analyze senk2020`` and ``neuromf stability senk2020``
  is the output of the implementation before the CLI became the package
  ``neuromf/cli/``: ``tests/cli_baselines/*.txt`` were captured from commit d16c62a
  (see the README there) and are compared with timings and output paths masked.
* ``neuromf --help`` and ``neuromf models`` import no scientific library and answer in
  well under 0.5 s more than a bare ``python -c pass``.
* Every user error is one line ``neuromf <command>: ...`` with exit code 2 and leaves no
  output folder; Ctrl-C is one line, exit code 130, no partial output.
* Output files get the mode of a newly created file (0666 minus the umask).
* ``scan`` ranges include their stop; the scan prints a table and writes a heat map
  whose numbers are the library's working points called directly.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import stat
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

from neuromf.cli import build_parser, main
from neuromf.cli._common import run_command

BASELINES = Path(__file__).with_name("cli_baselines")
REPO = Path(__file__).resolve().parents[1]


def _env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _mask(text: str) -> str:
    """Mask what legitimately differs between runs: timings and output paths."""
    text = re.sub(r" in [0-9.]+ (ms|s)$", " in <TIME>", text, flags=re.M)
    return re.sub(r"^wrote .*$",
                  lambda m: "wrote " + ", ".join(Path(p).name for p in
                                                 m.group(0)[6:].split(", ")),
                  text, flags=re.M)


@pytest.mark.parametrize("command", ["analyze", "stability"])
def test_output_equals_pre_refactor_baseline(command, tmp_path, capsys):
    expected = (BASELINES / f"{command}_senk2020.txt").read_text()
    assert main([command, "senk2020", "--out", str(tmp_path / "out")]) == 0
    assert _mask(capsys.readouterr().out) == _mask(expected)
    # new files get 0666 minus the umask (0644 for the usual umask 022), not 0600
    umask = os.umask(0o022)
    os.umask(umask)
    for path in (tmp_path / "out").iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask, path


def test_help_and_models_import_nothing_heavy_and_are_fast():
    heavy = ("scipy", "matplotlib", "h5py", "pint", "numpy", "yaml")
    for args in (["--help"], ["models"]):
        proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "neuromf", *args],
                              capture_output=True, text=True, env=_env(), timeout=60)
        assert proc.returncode == 0, proc.stderr
        imported = {line.split("|")[-1].strip().split(".")[0]
                    for line in proc.stderr.splitlines() if line.startswith("import time")}
        assert not imported & set(heavy), (args, imported & set(heavy))

    def best_of(cmd, n=3):
        times = []
        for _ in range(n):
            start = time.perf_counter()
            subprocess.run(cmd, capture_output=True, env=_env(), timeout=60, check=True)
            times.append(time.perf_counter() - start)
        return min(times)

    bare = best_of([sys.executable, "-c", "pass"])
    for args in (["--help"], ["models"]):
        assert best_of([sys.executable, "-m", "neuromf", *args]) - bare < 0.5, args


def test_lazy_package_keeps_nnmt_style_access():
    code = ("import sys, neuromf as nnmt; assert 'pint' not in sys.modules; "
            "net = nnmt.models.Microcircuit(); "
            "print(nnmt.lif.exp.working_point(net)['firing_rates'][0] > 0, "
            "nnmt.ureg.Quantity(1, 'ms').to('s').magnitude, 'lif' in dir(nnmt))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=_env(), timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["True", "0.001", "True"]


def test_version(capsys):
    from neuromf._version import __version__

    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"neuromf {__version__}"


def test_every_option_has_help():
    parser = build_parser()
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert set(subparsers.choices) == {"models", "check", "analyze", "simulate", "compare",
                                       "lfp", "stability", "scan", "dynamics"}
    for name, sub in [("neuromf", parser), *subparsers.choices.items()]:
        for action in sub._actions:
            if isinstance(action, argparse._SubParsersAction):
                continue
            assert action.help and action.help.strip(), (name, action.dest)


def test_choices_match_the_library():
    from neuromf.cli import stability as cli_stability
    from neuromf.cli.scan import _QUANTITY_HELP
    from neuromf.scan import QUANTITIES
    from neuromf.stability_report import METHODS, PROFILES

    assert cli_stability.PROFILES == PROFILES
    from neuromf.cli._common import METHODS as CLI_METHODS
    assert CLI_METHODS == METHODS
    assert set(_QUANTITY_HELP.split(", ")) <= set(QUANTITIES)


def _files(tmp_path: Path) -> dict[str, Path]:
    tmp_path.mkdir(exist_ok=True)
    senk = (REPO / "neuromf" / "models" / "data" / "senk2020.yaml").read_text()
    files = {"empty": tmp_path / "empty.yaml", "syntax": tmp_path / "syntax.yaml",
             "typo": tmp_path / "typo.yaml", "a_file": tmp_path / "a_file.txt",
             "corrupt": tmp_path / "corrupt"}
    files["empty"].write_text("")
    files["syntax"].write_text("populations: [EX, IN\nN: : 3\n")
    files["typo"].write_text(senk.replace("\ntau_m:", "\ntau_mm:"))
    files["a_file"].write_text("x")
    files["corrupt"].mkdir()
    (files["corrupt"] / "scan.h5").write_bytes(b"\x89HDF\r\n\x1a\n" + b"\0" * 40)
    return files


# (command line, a fragment the message must contain); OUT is a fresh output folder
USER_ERRORS = [
    (["compare", "no_such_modell", "--out", "OUT"], "unknown model 'no_such_modell'"),
    (["simulate", "no_such_modell", "--out", "OUT"], "unknown model"),
    (["lfp", "no_such_modell", "--out", "OUT"], "unknown model"),
    (["stability", "no_such_modell", "--out", "OUT"], "unknown model"),
    (["analyze", "senk2020", "--freqs", "0:-5:1", "--out", "OUT"], "0 <= F_MIN < F_MAX"),
    (["analyze", "senk2020", "--freqs", "1:1e12:1", "--out", "OUT"], "at most 100000"),
    (["analyze", "senk2020", "--freqs", "1:nan:1", "--out", "OUT"], "finite"),
    (["analyze", "senk2020", "--freqs", "1:2", "--out", "OUT"], "F_MIN:F_MAX:DF"),
    (["analyze", "senk2020", "--out", "a_file"], "is an existing file"),
    (["scan", "brunel2000_C", "--param", "g=4,5", "--workers", "1", "--out", "corrupt"],
     "not a readable scan checkpoint"),
    (["scan", "brunel2000_C", "--param", "g=4,5", "--scheduler", "tcp://127.0.0.1:9",
      "--scheduler-timeout", "1", "--out", "OUT"], "cannot connect"),
    (["analyze", "empty", "--out", "OUT"], "is empty"),
    (["analyze", "syntax", "--out", "OUT"], "not valid YAML at line"),
    (["analyze", "typo", "--out", "OUT"], "'tau_m'"),
    (["analyze", "senk2020", "--analysis", "empty", "--out", "OUT"], "is empty"),
    (["scan", "senk2020", "--param", "tau_m=5,10 furlongs", "--out", "OUT"],
     "has dimension [length], but tau_m needs a unit of 'millisecond'"),
    (["scan", "senk2020", "--param", "tau_m=5,10 blargs", "--out", "OUT"], "unknown unit"),
    (["scan", "senk2020", "--param", "tau_m=5:x:1", "--out", "OUT"], "STOP 'x' is not a"),
    (["scan", "senk2020", "--param", "J=1,2", "--out", "OUT"], "cannot scan 'J'"),
    (["scan", "senk2020", "--param", "g=4,5", "--quantity", "nope", "--out", "OUT"],
     "--quantity 'nope'"),
    (["stability", "brunel2000_C", "--out", "OUT"], "no spatial structure"),
    (["stability", "--max-branch", "-1", "--out", "OUT"], "--max-branch must be >= 0"),
]


@pytest.mark.parametrize("argv, fragment", USER_ERRORS,
                         ids=[" ".join(a[:3]) for a, _ in USER_ERRORS])
def test_user_errors_are_one_line_with_exit_code_2(argv, fragment, tmp_path, capsys):
    files = _files(tmp_path / "in")
    argv = [str(files[a]) if a in files else a for a in argv]
    out = tmp_path / "out"
    argv = [str(out) if a == "OUT" else a for a in argv]
    assert main(argv) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith(f"neuromf {argv[0]}: "), lines[0]
    assert fragment in lines[0], lines[0]
    assert not out.exists()                         # no (empty) output folder left
    assert sorted(p.name for p in files["corrupt"].iterdir()) == ["scan.h5"]


def test_usage_errors_are_one_line(capsys):
    for argv in (["analyze", "--method", "nope"], ["scan", "senk2020"], [], ["nope"]):
        with pytest.raises(SystemExit) as exit_info:
            main(argv)
        assert exit_info.value.code == 2
        lines = capsys.readouterr().err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("neuromf"), lines


def test_interrupt_removes_partial_outputs(tmp_path, capsys, monkeypatch):
    """Ctrl-C after the first figure was written: exit 130, one line, no folder left;
    files that were in an existing folder before stay."""
    import neuromf.analysis

    def interrupted(net, method, out, **kwargs):
        (Path(out) / "power_spectra.png").write_text("half")
        raise KeyboardInterrupt

    monkeypatch.setattr(neuromf.analysis, "linear_response_report", interrupted)
    out = tmp_path / "new" / "out"
    assert main(["analyze", "senk2020", "--out", str(out)]) == 130
    assert capsys.readouterr().err == "neuromf analyze: interrupted\n"
    assert not (tmp_path / "new").exists()
    existing = tmp_path / "existing"
    existing.mkdir()
    (existing / "notes.txt").write_text("mine")
    assert main(["analyze", "senk2020", "--out", str(existing)]) == 130
    assert [p.name for p in existing.iterdir()] == ["notes.txt"]


@pytest.mark.slow
def test_ctrl_c_on_a_parallel_scan(tmp_path):
    """A real SIGINT to the process group of ``neuromf scan --workers 2``: one line, exit
    130, no worker tracebacks; the folder holds at most the (resumable) checkpoint."""
    out = tmp_path / "scan"
    proc = subprocess.Popen(
        [sys.executable, "-m", "neuromf", "scan", "potjans2014", "--param", "g=3:8:0.01",
         "--quantity", "peak_frequency", "--workers", "2", "--out", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(),
        start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not out.exists() and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        time.sleep(1.0)                              # workers busy
        assert proc.poll() is None, proc.communicate()
        os.killpg(proc.pid, signal.SIGINT)           # what Ctrl-C in a terminal does
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, err
    assert err == "neuromf scan: interrupted\n"
    if out.exists():
        assert [p.name for p in out.iterdir()] == ["scan.h5"]
        from neuromf.scan import ScanResult
        assert not ScanResult.load(out / "scan.h5").done.all()


def test_scan_range_includes_stop_prints_table_and_heat_map(tmp_path, capsys):
    import neuromf
    from neuromf.scan import ScanResult

    out = tmp_path / "scan"
    assert main(["scan", "brunel2000_C", "--param", "g=4:6:1", "--param",
                 "nu_ext=10,20", "--workers", "1", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    result = ScanResult.load(out / "scan.h5")
    np.testing.assert_allclose(result.axis_values[0], [4.0, 5.0, 6.0])   # STOP included
    assert (out / "scan_rates.png").stat().st_size > 0
    # reference: the library's working point of the changed model, called directly
    net = neuromf.models.load_model("brunel2000_C").change_parameters({"g": 5.0,
                                                                      "nu_ext": 20.0})
    rates = neuromf.lif.delta.working_point(net)["firing_rates"]
    row = next(line for line in printed.splitlines() if line.split()[:2] == ["5", "20"])
    np.testing.assert_allclose([float(x) for x in row.split()[2:]], rates, rtol=1e-5)
    assert "grid of g, nu_ext" in printed and "range:" in printed


def test_warnings_once_one_line_or_full_with_verbose(capsys):
    def noisy(args):
        for _ in range(3):
            warnings.warn("working point\nclose to the boundary", UserWarning, stacklevel=1)
        warnings.warn("working point\nclose to the boundary", UserWarning, stacklevel=1)
        return 0

    assert run_command("analyze", noisy, argparse.Namespace(verbose=False)) == 0
    assert capsys.readouterr().err == \
        "neuromf analyze: warning: working point close to the boundary\n"
    with warnings.catch_warnings():
        warnings.simplefilter("default")
        assert run_command("analyze", noisy, argparse.Namespace(verbose=True)) == 0
    err = capsys.readouterr().err
    assert "UserWarning" in err and __file__ in err


def test_bugs_are_one_line_with_exit_code_1(capsys):
    def buggy(args):
        return [][1]

    assert run_command("scan", buggy, argparse.Namespace(verbose=False)) == 1
    err = capsys.readouterr().err
    assert err.startswith("neuromf scan: internal error: IndexError") and err.count("\n") == 1


def test_atomic_write_mode_and_failed_rename(tmp_path, monkeypatch):
    from neuromf import input_output as io

    target = tmp_path / "kept.txt"
    target.write_text("old")
    target.chmod(0o640)
    with io.atomic_write(target) as tmp:
        Path(tmp).write_text("new")
    assert target.read_text() == "new" and stat.S_IMODE(target.stat().st_mode) == 0o640

    def no_rename(src, dst):
        raise OSError(18, "Invalid cross-device link")

    monkeypatch.setattr(io.os, "replace", no_rename)
    with pytest.raises(OSError), io.atomic_write(target) as tmp:
        Path(tmp).write_text("newer")
    assert target.read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kept.txt"]   # no temp file


def test_output_into_a_closed_pipe_is_not_an_error():
    """`neuromf models | head -1`: the reader stops early; no message, exit 0.  The read end
    is closed before the command writes, so that the write fails for certain."""
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-m", "neuromf", "models"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 0
    assert stderr == ""


def test_check_validates_a_model_file(tmp_path):
    """`neuromf check`: a copy of a built-in file is valid and shows its derived weights; a
    misspelt key is one line naming it with a suggestion, exit 2."""
    import shutil
    import subprocess
    import sys
    from importlib import resources

    good = tmp_path / "brunel2000_C.yaml"
    shutil.copy(resources.files("neuromf.models") / "data" / "brunel2000_C.yaml", good)
    run = subprocess.run([sys.executable, "-m", "neuromf", "check", str(good)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "valid Brunel2000 model" in run.stdout and "derived" in run.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text("g:\n  val: 5\n  unit: dimensionless\nJJ: 1\n")
    run = subprocess.run([sys.executable, "-m", "neuromf", "check", str(bad)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 2
    assert run.stderr.count("\n") == 1 and "did you mean 'J'" in run.stderr


def test_dynamics_command_writes_rates_that_match_the_stationary_theory(tmp_path):
    """`neuromf dynamics brunel2000_C`: the asynchronous state C (stable, Brunel 2000) relaxes
    to the Siegert rate of neuromf.lif.delta (an independent code path, the stationary
    theory); files written, one report."""
    import subprocess
    import sys

    import h5py
    import numpy as np

    import neuromf

    out = tmp_path / "dyn"
    run = subprocess.run([sys.executable, "-m", "neuromf", "dynamics", "brunel2000_C",
                          "--t-sim", "0.3", "--t-transient", "0.1", "--dt", "2e-4",
                          "--n-grid", "200", "--out", str(out)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert {p.name for p in out.iterdir()} >= {"dynamics.h5", "spectra.h5", "rates.png"}
    assert run.stdout.count("wrote ") == 1
    net = neuromf.models.load_model("brunel2000_C")
    stationary = neuromf.lif.delta.firing_rates(net)
    with h5py.File(out / "dynamics.h5") as f:
        names = list(f)
    rates = [float(x) for line in run.stdout.splitlines()
             if line.strip().startswith(("E ", "I ")) for x in line.split()[1:2]]
    assert names and len(rates) == 2
    np.testing.assert_allclose(rates, stationary, rtol=0.01)


@pytest.mark.slow
def test_dynamics_finite_jumps_from_the_command_line(tmp_path):
    """`neuromf dynamics --synapses jumps --scheme discrete-time`: the finite-jump density
    model with NEST's update runs from the CLI and gives Brunel 2000 state C's mean rate of
    the NEST network (37.84 Hz, N = 12 500, seed 1; docs/dynamics.md, "Brunel 2000, states
    A–D") within 5 %, the issue's bound for state C."""
    import subprocess
    import sys

    out = tmp_path / "jumps"
    run = subprocess.run([sys.executable, "-m", "neuromf", "dynamics", "brunel2000_C",
                          "--t-sim", "0.3", "--t-transient", "0.1", "--synapses", "jumps",
                          "--scheme", "discrete-time", "--no-progress", "--out", str(out)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "jumps synapses, discrete-time" in run.stdout.splitlines()[0]
    rates = [float(line.split()[1]) for line in run.stdout.splitlines()
             if line.strip().startswith(("E ", "I "))]
    assert len(rates) == 2
    assert max(abs(r / 37.84 - 1) for r in rates) < 0.05, rates


def test_dynamics_cli_refuses_an_unknown_synapse_model():
    """A typo in --synapses is a one-line usage error (exit 2) naming the choices."""
    import subprocess
    import sys

    run = subprocess.run([sys.executable, "-m", "neuromf", "dynamics", "brunel2000_C",
                          "--synapses", "jump"], capture_output=True, text=True, timeout=60)
    assert run.returncode == 2
    assert "diffusion" in run.stderr and "jumps" in run.stderr


def test_convention_option_switches_to_nnmt_numbers(tmp_path):
    """`--convention nnmt` on any subcommand: the transfer function that `analyze` saves is
    NNMT's (no refractory phase factor exp(-i omega tau_r), tau_r = 2 ms in Brunel's
    network), computed here in-process with the per-call keyword; the default keeps
    neuromf's."""
    import subprocess
    import sys

    import h5py
    import numpy as np

    import neuromf

    saved = {}
    for conv in ("nnmt", "neuromf"):
        out = tmp_path / conv
        run = subprocess.run([sys.executable, "-m", "neuromf", "analyze", "brunel2000_C",
                              "--convention", conv, "--out", str(out)],
                             capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stderr
        with h5py.File(out / "results.h5") as f:
            group = f["results"]["lif.delta.transfer_function"]
            saved[conv] = np.asarray(group["val"][()])
    net = neuromf.models.load_model("brunel2000_C")
    neuromf.lif.delta.working_point(net)
    nnmt_H = neuromf.lif.delta.transfer_function(net, refractory_phase=False)
    ours_H = neuromf.lif.delta.transfer_function(net, refractory_phase=True)
    np.testing.assert_allclose(saved["nnmt"], nnmt_H, rtol=1e-12)
    np.testing.assert_allclose(saved["neuromf"], ours_H, rtol=1e-12)
    assert not np.allclose(nnmt_H, ours_H, rtol=1e-6)
