"""The package's import structure (docs/architecture.md).

The layers contract in pyproject.toml is checked by import-linter (`lint-imports`), and the
import graph (grimp, which records module-level and function-level imports) must have no
cycle.  A newcomer must be able to rely on both: a module never reaches up a layer.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "neuromf"

grimp = pytest.importorskip("grimp", reason="import-linter (extra 'test') is needed")


def _strongly_connected_components(adjacency: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iteratively; components with more than one module are cycles."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components = []
    counter = 0
    for root in adjacency:
        if root in index:
            continue
        work = [(root, iter(sorted(adjacency[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(adjacency[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        components.append(sorted(component))
    return components


def test_cycle_finder_finds_a_known_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _strongly_connected_components(graph) == [["a", "b", "c"]]
    assert _strongly_connected_components({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles():
    graph = grimp.build_graph("neuromf")
    adjacency = {m: set(graph.find_modules_directly_imported_by(m)) for m in graph.modules}
    cycles = _strongly_connected_components(adjacency)
    assert cycles == [], f"import cycles between neuromf modules: {cycles}"


def test_layers_contract_holds():
    executable = shutil.which("lint-imports")
    if executable is None:
        pytest.skip("lint-imports (import-linter) is not installed")
    run = subprocess.run([executable, "--config", str(ROOT / "pyproject.toml")], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert " 0 broken" in run.stdout.split("Contracts:")[-1]


def test_linear_response_never_imports_a_neuron_model():
    graph = grimp.build_graph("neuromf")
    lif_modules = {m for m in graph.modules if m.startswith("neuromf.lif")}
    for module in graph.find_descendants("neuromf.linear_response") | {"neuromf.linear_response"}:
        assert not (graph.find_modules_directly_imported_by(module) & lif_modules), module


def test_neuron_models_register_with_the_linear_response():
    code = ("import neuromf.lif.exp, neuromf.lif.delta\n"
            "from neuromf.linear_response import registered_prefixes, neuron_model\n"
            "assert set(registered_prefixes()) >= {'lif.exp.', 'lif.delta.'}\n"
            "import neuromf.lif.exp as e\n"
            "assert neuron_model('lif.exp.').transfer_function is e.transfer_function\n")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, timeout=120)


def test_built_in_neuron_models_load_on_first_use():
    """A network loaded from a file has 'lif.delta.' results without lif.delta imported."""
    code = ("import sys\n"
            "from neuromf.linear_response import neuron_model\n"
            "assert 'neuromf.lif.delta' not in sys.modules\n"
            "model = neuron_model('lif.delta.')\n"
            "import neuromf.lif.delta as d\n"
            "assert model.transfer_function is d.transfer_function\n")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, timeout=120)


def test_unknown_neuron_model_prefix_is_a_clear_error():
    from neuromf.linear_response import neuron_model

    with pytest.raises(ValueError, match="did you mean 'lif.exp.'"):
        neuron_model("lif.expp.")


# ---------------------------------------------------------------------------
# a new neuron model plugs in by registering (docs/architecture.md, "Adding a neuron model")
# ---------------------------------------------------------------------------

_TOY_PREFIX = "toy_lowpass."


def _toy_low_pass(omegas, H0, tau):
    """Rate response H0 / (1 + i omega tau) (Hz/V) of a linear rate neuron, (n_freq, n)."""
    omegas = np.atleast_1d(np.asarray(omegas, dtype=float))
    return np.broadcast_to(H0 / (1 + 1j * omegas[:, None] * tau), (omegas.size, 1)).copy()


def _toy_transfer_function(network, freqs=None):
    from neuromf.utils import _cache

    omegas = 2 * np.pi * np.atleast_1d(freqs if freqs is not None
                                       else network.analysis_params["omegas"] / (2 * np.pi))
    params = {"omegas": omegas, "H0": network.network_params["H0"],
              "tau": network.network_params["tau_rate"]}
    return _cache(network, _toy_low_pass, params, _TOY_PREFIX + "transfer_function",
                  "hertz / volt")


@pytest.mark.parametrize("coupling, delay", [(0.5, 2e-3), (3.0, 2e-3), (-0.5, 2e-3),
                                             (-2.0, 1e-3), (-8.0, 2e-3)])
def test_a_registered_toy_neuron_model_gets_the_network_response(coupling, delay):
    """A linear rate neuron registered under its own prefix: `unstable_modes` counts the
    roots of (1 + s tau) e^{s d} = c in the right half-plane, which the Lambert W function
    gives in closed form (Helias et al. 2013, Eq. 8), c = tau_m K J H0."""
    from scipy.special import lambertw

    from neuromf.linear_response import (
        NeuronModel,
        power_spectra,
        register_neuron_model,
        unstable_modes,
    )
    from neuromf.models import Plain

    register_neuron_model(NeuronModel(prefix=_TOY_PREFIX,
                                      transfer_function=_toy_transfer_function))
    tau_m, K, J, tau = 10e-3, 100.0, 1e-4, 5e-3
    H0 = coupling / (tau_m * K * J)
    net = Plain({"tau_m": tau_m, "K": np.array([[K]]), "J": np.array([[J]]),
                 "N": np.array([1000.0]), "Delay": np.array([[delay]]),
                 "Delay_sd": np.array([[0.0]]), "delay_dist": "none", "H0": H0,
                 "tau_rate": tau})
    result = unstable_modes(net, prefix=_TOY_PREFIX)
    z = coupling * (delay / tau) * np.exp(delay / tau)
    roots = [lambertw(z, k) / delay - 1 / tau for k in range(-60, 61)]
    assert result["closed"]
    assert result["count"] == sum(1 for s in roots if s.real > 0)
    # and the spectra of the toy network: |1/(1 - M)|^2 nu/N at 0 Hz for a stable case
    if result["count"] == 0:
        from neuromf import network_properties

        net.results[_TOY_PREFIX + "firing_rates"] = np.array([5.0])
        _toy_transfer_function(net, freqs=np.array([0.0]))
        network_properties.delay_dist_matrix(net, freqs=np.array([0.0]))
        from neuromf.linear_response import effective_connectivity

        effective_connectivity(net, prefix=_TOY_PREFIX)
        spectrum = power_spectra(net, prefix=_TOY_PREFIX)
        np.testing.assert_allclose(spectrum[0, 0], 5.0 / 1000.0 / (1 - coupling) ** 2,
                                   rtol=1e-12)


def test_no_module_is_much_over_600_lines():
    """One concept per module (docs/architecture.md): none much over 600 lines."""
    sizes = {path.relative_to(ROOT).as_posix(): len(path.read_text(encoding="utf-8")
                                                     .splitlines())
             for path in PACKAGE.rglob("*.py")}
    too_long = {path: n for path, n in sizes.items() if n > 650}
    assert too_long == {}, f"split these modules by concept: {too_long}"


def test_every_module_says_its_concept():
    """Each module starts with a docstring (its one concept and, where it implements
    formulas, their papers)."""
    import ast

    missing = [path.relative_to(ROOT).as_posix() for path in PACKAGE.rglob("*.py")
               if path.name != "__main__.py" and ast.get_docstring(
                   ast.parse(path.read_text(encoding="utf-8"))) is None]
    assert missing == []
