"""Tests of ``neuromf stability`` (neuromf/cli/stability.py, neuromf/stability_report.py).

Sources of the expected values:

* the printed eigenvalue is compared with the maximum over the eigenvalues computed
  directly through the parameter-level library functions (working point, transfer
  function, low-pass fit, Lambert W solution);
* independently of the Lambert W solver, the reported eigenvalue must solve the
  rate-model characteristic equation of Senk et al. (2020), Eq. 7,
  (1 + λτ) e^{λd} = ξ(k), ξ(k) = Σ_b W_rate[a, b] sin(k w_b) / (k w_b) (Eq. 5, boxcar
  profile, written out here), with τ, W_rate from the CLI's results.h5 and widths and
  delay from the model file;
* that no root lies further right is checked by the argument principle (winding
  number of (1 + λτ) e^{λd} − ξ(k) around a rectangle), again without Lambert W;
* the principal Lambert W branch has |Im W| < π, so Im(λ d) ∈ (0, π) on branch 0;
* stability: for |ξ(k)| < 1 at all k every root has Re λ < 0 (if Re λ ≥ 0 then
  |1 + λτ| ≥ 1 and |e^{λd}| ≥ 1, contradicting |ξ| < 1);
* the low-pass fit is compared with NNMT 1.3 (an independent implementation).
"""

from __future__ import annotations

import contextlib
import copy
import io
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from neuromf.cli import main
from neuromf.input_output import load_h5

ROOT = Path(__file__).resolve().parents[1]
SENK_YAML = ROOT / "neuromf" / "models" / "data" / "senk2020.yaml"
# Senk et al. 2020 model file: boxcar half widths and the common delay
WIDTH = np.array([0.2e-3, 0.07e-3])  # m
DELAY = 1.5e-3  # s

_NUM = r"[-+]?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?"


def _run_cli(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def _parse(text: str) -> dict:
    m = re.search(rf"lambda\s+=\s+({_NUM}) ([+-]) ({_NUM})j 1/s", text)
    assert m, text
    lam = complex(float(m.group(1)), float(m.group(3)) * (1 if m.group(2) == "+" else -1))
    return {
        "lambda": lam,
        "branch": int(re.search(r"branch\s+=\s+(-?\d+)", text).group(1)),
        "k": 1e3 * float(re.search(rf"wavenumber = ({_NUM}) 1/mm", text).group(1)),
        "wavelength": 1e-3 * float(re.search(rf"wavelength = ({_NUM}) mm", text).group(1)),
        "frequency": float(re.search(rf"frequency\s+=\s+({_NUM}) Hz", text).group(1)),
        "unstable": "UNSTABLE" in text.split("state (rate model):")[1].splitlines()[0],
    }


def _xi(k, W_rate, width=WIDTH):
    """Effective boxcar profile, Senk 2020 Eq. 5, rank-one W_rate (rows equal)."""
    kw = np.multiply.outer(np.asarray(k, float), width)
    return (np.sin(kw) / kw) @ W_rate[0]


def _winding_numbers(x0, X, Y, tau, d, xi, n_side=40000):
    """Zeros of f(λ) = (1 + λτ) e^{λd} − ξ inside [x0, X] × [−Y, Y], one per ξ."""
    s = np.linspace(0.0, 1.0, n_side, endpoint=False)
    path = np.concatenate([x0 + (X - x0) * s - 1j * Y,           # bottom, left -> right
                           X + 1j * (-Y + 2 * Y * s),             # right, up
                           X - (X - x0) * s + 1j * Y,             # top, right -> left
                           x0 + 1j * (Y - 2 * Y * s)])            # left, down
    path = np.append(path, path[0])
    f = (1 + path * tau) * np.exp(path * d) - np.asarray(xi)[:, None]
    dphi = np.angle(f[:, 1:] / f[:, :-1])
    assert np.max(np.abs(dphi)) < 1.0, "contour sampled too coarsely"
    return np.rint(dphi.sum(axis=1) / (2 * np.pi)).astype(int)


@pytest.fixture(scope="module")
def senk_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("stability")
    code, text, err = _run_cli(["stability", "senk2020", "--out", str(out)])
    assert code == 0, err
    return out, text


def test_cli_writes_figure_and_results(senk_run):
    out, text = senk_run
    png = out / "eigenvalues_vs_k.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    results = load_h5(out / "results.h5")["results"]
    for key in ("lif.exp.tau_rate", "lif.exp.W_rate", "linear_stability.eigenvals_rate",
                "linear_stability.eigenval_max"):
        assert key in results
    assert "most unstable eigenvalue" in text


def test_printed_eigenvalue_is_maximum_of_library_eigenvalues(senk_run):
    """Recompute through the parameter-level functions and take the maximum."""
    from neuromf.lif._transfer import _transfer_function
    from neuromf.linear_stability import _solve_chareq_rate_boxcar
    from neuromf.models import load_model
    from neuromf.rate_mapping import _fit_transfer_function
    from neuromf.special._siegert import shift_firing_rate

    _, text = senk_run
    got = _parse(text)
    net = load_model("senk2020")
    p, a = net.network_params, net.analysis_params
    # identical populations: mu, sigma from the external drive at the self-consistent rate
    from neuromf.lif.exp import _firing_rates, _mean_input, _std_input

    nu = _firing_rates(p["J"], p["K"], p["V_0_rel"], p["V_th_rel"], p["tau_m"], p["tau_r"],
                       p["tau_s"], p["J_ext"], p["K_ext"], p["nu_ext"])
    mu = _mean_input(nu, p["J"], p["K"], p["tau_m"], p["J_ext"], p["K_ext"], p["nu_ext"])
    sigma = _std_input(nu, p["J"], p["K"], p["tau_m"], p["J_ext"], p["K_ext"], p["nu_ext"])
    np.testing.assert_allclose(nu, shift_firing_rate(mu, sigma, p["V_0_rel"], p["V_th_rel"],
                                                     p["tau_m"], p["tau_r"], p["tau_s"]),
                               rtol=1e-9)
    H = _transfer_function(mu, sigma, p["tau_m"], p["tau_s"], p["tau_r"], p["V_th_rel"],
                           p["V_0_rel"], a["omegas"], method="shift")
    _, tau_rate, W_rate, _ = _fit_transfer_function(H, a["omegas"], p["tau_m"], p["J"], p["K"])
    ks = a["k_wavenumbers"]
    branches = np.arange(-2, 3)
    lam = np.asarray(_solve_chareq_rate_boxcar(branches, ks, tau_rate, W_rate, p["width"],
                                               p["Delay"]))
    re = np.where(np.isfinite(lam.real), lam.real, -np.inf)
    i_b, i_k = np.unravel_index(np.argmax(re), re.shape)
    best = lam[i_b, i_k]
    # printed with 12 significant digits
    assert abs(got["lambda"].real - best.real) <= 1e-9 * abs(best)
    assert abs(got["lambda"].imag - abs(best.imag)) <= 1e-9 * abs(best)
    assert got["k"] == pytest.approx(ks[i_k], rel=1e-11)
    assert got["wavelength"] == pytest.approx(2 * np.pi / ks[i_k], rel=1e-5)
    assert got["frequency"] == pytest.approx(got["lambda"].imag / (2 * np.pi), rel=1e-5)


def test_eigenvalue_solves_rate_characteristic_equation(senk_run):
    """(1 + λτ) e^{λd} = ξ(k) (Senk 2020, Eq. 7) with ξ written out from Eq. 5."""
    out, text = senk_run
    got = _parse(text)
    res = load_h5(out / "results.h5")["results"]
    tau = float(np.ravel(res["lif.exp.tau_rate"]["val"])[0])  # unit: second
    assert res["lif.exp.tau_rate"]["unit"] == "second"
    W_rate = np.asarray(res["lif.exp.W_rate"])
    np.testing.assert_allclose(W_rate[0], W_rate[1], rtol=1e-12)  # rank one
    lam = complex(res["linear_stability.eigenval_max"]["val"])
    assert lam == pytest.approx(got["lambda"], rel=1e-11)
    xi = _xi(got["k"], W_rate)
    residual = (1 + lam * tau) * np.exp(lam * DELAY) - xi
    assert abs(residual) <= 1e-10 * abs(xi)
    # principal branch: Im W_0 ∈ (−π, π] and Im W = d Im λ
    assert got["branch"] == 0
    assert 0 < lam.imag * DELAY < np.pi
    # unstable (Re λ > 0) -> the verdict says so
    assert lam.real > 0 and got["unstable"]


def test_no_root_further_right_argument_principle(senk_run):
    """Winding numbers: no root with Re λ > Re λ* + δ at any k, and exactly the
    conjugate pair λ*, λ̄* with Re λ > Re λ* − δ at k*."""
    out, text = senk_run
    got = _parse(text)
    res = load_h5(out / "results.h5")["results"]
    tau = float(np.ravel(res["lif.exp.tau_rate"]["val"])[0])
    W_rate = np.asarray(res["lif.exp.W_rate"])
    ks = np.arange(1.0, 100.0, 0.5) * 1e3  # senk2020 analysis file: 1..100 /mm, dk 0.5 /mm
    xis = _xi(ks, W_rate)
    lam = got["lambda"]
    delta = 2.0  # 1/s
    xi_max = np.max(np.abs(xis))
    # for Re λ ≥ x0, |f + ξ| ≥ max(1 + Re λ τ, |Im λ| τ) e^{x0 d}: roots lie within
    X = 2.0 / tau  # (1 + 2) e^{2 d/τ} > xi_max
    assert (1 + X * tau) * np.exp(X * DELAY) > 2 * xi_max
    x0 = lam.real + delta
    Y = 2 * xi_max * np.exp(-x0 * DELAY) / tau
    assert np.all(_winding_numbers(x0, X, Y, tau, DELAY, xis) == 0)
    i_star = int(np.argmin(np.abs(ks - got["k"])))
    x0 = lam.real - delta
    Y = 2 * xi_max * np.exp(-x0 * DELAY) / tau
    assert _winding_numbers(x0, X, Y, tau, DELAY, xis[i_star:i_star + 1])[0] == 2


def test_fit_agrees_with_nnmt(senk_run, nnmt):
    """tau_rate and W_rate of the CLI against NNMT 1.3's fit_transfer_function."""
    out, _ = senk_run
    res = load_h5(out / "results.h5")["results"]
    files = ROOT / "tests" / "fixtures" / "nnmt_parameter_files"
    net = nnmt.models.Basic(str(files / "senk2020_network_params.yaml"),
                            str(files / "senk2020_analysis_params.yaml"))
    nu_ext = nnmt.lif.exp.external_rates_for_fixed_input(net, mu_set=10e-3, sigma_set=10e-3)
    net.change_parameters(changed_network_params={"nu_ext": nu_ext}, overwrite=True)
    nnmt.lif.exp.working_point(net)
    nnmt.lif.exp.transfer_function(net)
    _, tau_rate, W_rate, _ = nnmt.lif.exp.fit_transfer_function(net)
    # NNMT's curve_fit stops at its default tolerance (~1e-8 relative)
    np.testing.assert_allclose(np.ravel(res["lif.exp.tau_rate"]["val"]),
                               np.asarray(tau_rate).ravel(), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(res["lif.exp.W_rate"]), np.asarray(W_rate),
                               rtol=1e-6)


def _write_model(tmp_path: Path, **changes) -> Path:
    params = yaml.safe_load(SENK_YAML.read_text())
    params = copy.deepcopy(params)
    for key, value in changes.items():
        params[key] = value
    path = tmp_path / "model.yaml"
    path.write_text(yaml.safe_dump(params))
    return path


def test_weak_coupling_is_stable(tmp_path):
    """In-degrees / 5: |ξ(k)| < 1 everywhere, hence every root has Re λ < 0."""
    from neuromf.models import load_model
    from neuromf.stability_report import stability_analysis

    K = (np.array(yaml.safe_load(SENK_YAML.read_text())["K"]) // 5).tolist()
    net = load_model(_write_model(tmp_path, K=K), "senk2020")
    res = stability_analysis(net)
    xi = _xi(res["k_wavenumbers"], res["W_rate"])
    assert np.max(np.abs(xi)) < 1  # premise of the bound
    assert res["stable"] and res["eigenvalue"].real < 0
    code, text, _ = _run_cli(["stability", str(tmp_path / "model.yaml"), "--analysis",
                              "senk2020", "--out", str(tmp_path / "out")])
    assert code == 0 and not _parse(text)["unstable"]
    assert "linearly stable" in text


def test_model_without_width_exits_2():
    """Real exit status and message through ``python -m neuromf``."""
    proc = subprocess.run([sys.executable, "-m", "neuromf", "stability", "brunel2000_C",
                           "--out", "unused"], capture_output=True, text=True, cwd=ROOT,
                          timeout=60)
    assert proc.returncode == 2
    assert "width" in proc.stderr and "brunel2000_C" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("argv, words", [
    (["stability", "no_such_model"], ["unknown model", "no_such_model"]),
    (["stability", "potjans2014"], ["width"]),
    (["stability", "senk2020", "--max-branch", "-1"], ["--max-branch"]),
])
def test_bad_input_exits_2(argv, words, tmp_path):
    code, text, err = _run_cli(argv + ["--out", str(tmp_path)])
    assert code == 2
    for word in words:
        assert word in err
    assert not (tmp_path / "results.h5").exists()


def test_missing_wavenumbers_and_unequal_delays(tmp_path):
    # a YAML model without analysis parameters has no wavenumbers (an unchanged copy
    # of the built-in file would get the built-in's analysis parameters)
    path = _write_model(tmp_path, label="senk2020_edited")
    code, _, err = _run_cli(["stability", str(path), "--out", str(tmp_path)])
    assert code == 2 and "k_wavenumbers" in err
    # unequal delays: no Lambert W solution
    path = _write_model(tmp_path, D_mean={"val": [[1.5, 1.0], [1.5, 1.0]], "unit": "ms"})
    code, _, err = _run_cli(["stability", str(path), "--analysis", "senk2020",
                             "--out", str(tmp_path)])
    assert code == 2 and "delay" in err


def test_lif_interpolation_option(tmp_path):
    """--lif follows the eigenvalue to α = 1 and reports it (smoke test: values of the
    interpolation itself are tested in tests/test_linear_stability.py)."""
    code, text, err = _run_cli(["stability", "--lif", "--out", str(tmp_path)])
    assert code == 0, err
    m = re.search(rf"LIF network \(alpha = 1\): lambda = ({_NUM}) ([+-]) ({_NUM})j", text)
    assert m
    assert "state (LIF network, branch 0)" in text
