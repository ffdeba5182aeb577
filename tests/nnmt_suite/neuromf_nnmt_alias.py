"""Pytest plugin that runs NNMT 1.3's own test suite against neuromf.

Loaded with ``python -m pytest -p neuromf_nnmt_alias`` (with ``tests/nnmt_suite`` on
``PYTHONPATH``) inside a copy of NNMT's ``tests/`` folder.  It

* installs an import alias, so that ``import nnmt`` and ``import nnmt.X.Y`` give the
  modules ``neuromf`` and ``neuromf.X.Y`` (the same objects, not copies), ahead of any
  installed ``nnmt`` package;
* switches neuromf to the NNMT convention (``neuromf.use_convention("nnmt")``), under
  which every deliberate difference reproduces NNMT 1.3's numbers;
* gives NNMT's *private numerical helpers* that neuromf deliberately does not have
  (``PRIVATE_HELPERS``) a stand-in that raises ``NotImplementedError``.  NNMT's test files
  reference them in class bodies, so without a name there the whole file fails to collect;
  with the stand-in only the tests of those helpers fail (they are on the expected-failure
  list, ``expected_failures.txt``).  The stand-ins exist only inside the suite's process.

No code of NNMT's suite lives here; the suite is only run.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys

ALIAS = "nnmt"
TARGET = "neuromf"


class _AliasLoader(importlib.abc.Loader):
    """Loader that hands back the already-imported neuromf module."""

    def __init__(self, target: str) -> None:
        self.target = target

    def create_module(self, spec):  # noqa: D102
        return importlib.import_module(self.target)

    def exec_module(self, module) -> None:  # noqa: D102
        pass  # the target module is fully initialised by its own import


class _AliasFinder(importlib.abc.MetaPathFinder):
    """Resolve ``nnmt`` and ``nnmt.*`` to ``neuromf`` and ``neuromf.*``."""

    def find_spec(self, fullname, path=None, target=None):  # noqa: D102
        if fullname != ALIAS and not fullname.startswith(ALIAS + "."):
            return None
        real = TARGET + fullname[len(ALIAS):]
        if importlib.util.find_spec(real) is None:
            return None
        return importlib.machinery.ModuleSpec(fullname, _AliasLoader(real),
                                              is_package=True)


#: NNMT-private numerical helpers that neuromf does not provide (its own numerics differ):
#: module (neuromf name) -> helper names.
PRIVATE_HELPERS = {
    "neuromf.lif.exp": ["_Phi", "_Phi_prime_mu", "_Psi", "_d_Psi", "_d_2_Psi", "pcfu_vec"],
    "neuromf.lif.delta": ["_erfcx_integral", "_get_erfcx_integral_gl_order"],
    # the low-pass fit is neuromf.rate_mapping._fit_low_pass, a layer above lif._general
    "neuromf.lif._general": ["_fit_transfer_function"],
}


def _missing_helper(module: str, name: str):
    def helper(*args, **kwargs):
        raise NotImplementedError(
            f"{name} is a private numerical helper of NNMT's {module.replace(TARGET, ALIAS)}; "
            "neuromf computes the same quantity with its own numerics and has no such function")

    helper.__name__ = name
    helper.__qualname__ = name
    return helper


def install_private_helper_stand_ins() -> None:
    """Give each missing NNMT-private helper a stand-in that raises (suite process only)."""
    for module, names in PRIVATE_HELPERS.items():
        mod = importlib.import_module(module)
        for name in names:
            if not hasattr(mod, name):
                setattr(mod, name, _missing_helper(module, name))


def install_alias() -> None:
    """Make ``import nnmt`` resolve to neuromf (idempotent)."""
    for name in [m for m in sys.modules if m == ALIAS or m.startswith(ALIAS + ".")]:
        del sys.modules[name]
    if not any(isinstance(f, _AliasFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, _AliasFinder())


def activate() -> None:
    """Alias, stand-ins and NNMT convention, all at once."""
    install_alias()
    import neuromf

    install_private_helper_stand_ins()
    neuromf.use_convention("nnmt")


# At import: ``-p`` plugins are imported before the suite's conftest.py, which imports
# nnmt at module level; activating later would leave it holding the installed NNMT.
activate()


def pytest_configure(config) -> None:
    """Fail loudly if something replaced the alias before collection."""
    import sys as _sys

    mod = _sys.modules.get(ALIAS)
    if mod is not None and mod.__name__ != TARGET:
        raise RuntimeError(f"'import {ALIAS}' gives {mod!r}, not {TARGET}; the alias plugin "
                           "must be loaded with -p before the suite's conftest")
