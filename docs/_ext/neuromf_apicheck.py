"""The numpydoc checks of the API reference: which objects it lists, which checks they pass.

One source of truth for ``docs/conf.py`` (``numpydoc_validation_checks`` and
``numpydoc_validation_exclude``, enforced by ``sphinx-build -W``) and for the fast test
``tests/docs/test_docstrings.py`` (the same checks without a Sphinx build, so that a CI
failure names the function and what its docstring lacks).

The public objects are found the way ``docs/api.rst`` (autosummary, ``:recursive:``) and the
templates in ``docs/_templates/autosummary`` find them: every submodule of ``neuromf`` whose
name does not start with ``_``; in each module the names of its ``__all__`` if it has one,
else the functions and classes defined in it, without leading ``_``; in each class the
public methods and properties defined in the class itself (``:members: :undoc-members:``).

Run ``python docs/_ext/neuromf_apicheck.py`` for the report: one line per object and error,
then the count per check (``--all`` reports every numpydoc check, not only the enforced ones).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import sys
import types
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

#: the numpydoc checks the build enforces (numpydoc.validate.ERROR_MSGS):
#: GL08 no docstring; SS01 no summary; SS03 summary does not end with a period;
#: PR01 a parameter of the signature is not documented; PR02 a documented parameter is not
#: in the signature; PR07 a parameter has no description; PR10 "name: type" without the
#: space before the colon; RT01 no Returns section (functions and methods; properties, as
#: in autodoc, need none); RT03 a return value has no description; GL03 double blank lines;
#: GL06/GL07 unknown or misordered sections.  Not enforced: GL02 (closing quotes on their
#: own line), SS05/SS06 (summary wording), ES01/SA01/EX01 (extended summary, See Also,
#: Examples), RS/RT02 style.
CHECKS: frozenset[str] = frozenset({
    "GL03", "GL06", "GL07", "GL08", "SS01", "SS03",
    "PR01", "PR02", "PR07", "PR10", "RT01", "RT03",
})

#: Temporary exclude list: objects (regexes on the full dotted name, ``re.search``) not
#: checked yet, for a module being rewritten on another branch.  Empty: every public object
#: of the API reference passes the checks.  An entry must name its reason and be removed
#: once its docstrings are complete (``test_every_temporary_exclusion_is_still_needed``).
#: ``NEUROMF_DOCS_STRICT=1`` builds the docs without this list.
TEMPORARY_EXCLUDE: tuple[str, ...] = ()

PACKAGE = "neuromf"

#: numpydoc options of docs/conf.py that change how a docstring is parsed
_SPHINX_CONFIG = {"show_class_members": False, "class_members_toctree": False,
                  "xref_param_type": False}


def _public_modules(name: str = PACKAGE) -> Iterator[ModuleType]:
    """Yield the package and every public submodule, depth first (autosummary :recursive:).

    A submodule hidden by a function or class of the same name in its package (``neuromf.
    dynamics.simulate``) has no page, as in autosummary.
    """
    module = importlib.import_module(name)
    yield module
    if hasattr(module, "__path__"):
        for info in sorted(pkgutil.iter_modules(module.__path__), key=lambda i: i.name):
            shadow = vars(module).get(info.name)
            if shadow is not None and not inspect.ismodule(shadow):
                continue          # a function of the package hides the submodule
            if not info.name.startswith("_"):
                yield from _public_modules(f"{name}.{info.name}")


def _module_members(module: ModuleType) -> list[tuple[str, object]]:
    """The functions and classes autosummary lists on the module's page."""
    names = getattr(module, "__all__", None)
    respect_all = names is not None
    if names is None:
        names = [n for n in vars(module) if not n.startswith("_")]
    members = []
    for name in names:
        if name.startswith("_"):
            continue
        obj = getattr(module, name, None)
        if not (inspect.isclass(obj) or inspect.isfunction(obj) or inspect.isbuiltin(obj)):
            continue
        if not respect_all and getattr(obj, "__module__", None) != module.__name__:
            continue
        members.append((name, obj))
    return members


def _class_members(cls: type) -> list[tuple[str, object]]:
    """Public methods, properties and attributes defined in ``cls`` itself (autodoc
    ``:members: :undoc-members:``; attributes include annotated dataclass fields)."""
    members = []
    names = list(vars(cls)) + [n for n in vars(cls).get("__annotations__", {})
                               if n not in vars(cls)]
    for name in names:
        if name.startswith("_"):
            continue
        value = vars(cls).get(name, _NO_VALUE)
        if isinstance(value, (staticmethod, classmethod)):
            value = value.__func__
        if inspect.isclass(value):
            continue
        members.append((name, value))
    return members


class _NoValue:
    """An attribute without a class-level value (a dataclass field with a factory)."""


_NO_VALUE = _NoValue()


def _attribute_comment(cls: type, name: str) -> str | None:
    """The ``#:`` doc-comment autodoc shows for attribute ``name`` of ``cls`` (looked up
    along the MRO, as autodoc inherits attribute docs), or None."""
    try:
        from sphinx.pycode import ModuleAnalyzer
    except ImportError:
        return None
    for base in inspect.getmro(cls):
        if base.__module__ == "builtins":
            continue
        try:
            docs = ModuleAnalyzer.for_module(base.__module__).find_attr_docs()
        except Exception:
            continue
        lines = docs.get((base.__qualname__, name))
        if lines:
            return "\n".join(lines)
    return None


def api_objects() -> list[str]:
    """Full dotted names of every function, class, method, property and class attribute of
    the API reference.

    Returns
    -------
    list of str
        Sorted, without duplicates (an object listed on two module pages appears under
        both names: autodoc documents and numpydoc validates it on both pages).
    """
    names: set[str] = set()
    for module in _public_modules():
        for name, obj in _module_members(module):
            full = f"{module.__name__}.{name}"
            names.add(full)
            if inspect.isclass(obj):
                names.update(f"{full}.{m}" for m, _ in _class_members(obj))
    return sorted(names)


def _resolve(full: str) -> object:
    """The object named ``full``: attributes from the package down, a submodule only where
    no attribute of that name exists (so ``neuromf.dynamics.simulate`` is the function
    that hides the submodule, as for autodoc)."""
    parts = full.split(".")
    obj = importlib.import_module(parts[0])
    for i, part in enumerate(parts[1:], start=1):
        if inspect.ismodule(obj) and part not in vars(obj):
            try:
                obj = importlib.import_module(".".join(parts[:i + 1]))
                continue
            except ImportError:
                pass
        obj = getattr(obj, part)
    return obj


def _comment_doc(full: str, obj: object) -> str | None:
    """The ``#:`` comment autodoc takes as the docstring of an alias (``new = old``).

    A module-level name bound to a function or class of another name that has a ``#:``
    doc-comment is documented by autodoc with that comment, not with the docstring of
    the object (found with Sphinx's own source analyser, when Sphinx is installed).
    """
    module, _, name = full.rpartition(".")
    if getattr(obj, "__name__", name) == name:
        return None
    try:
        from sphinx.pycode import ModuleAnalyzer
        docs = ModuleAnalyzer.for_module(module).find_attr_docs()
    except Exception:          # no Sphinx, or not a module (a class attribute)
        return None
    lines = docs.get(("", name))
    return "\n".join(lines) if lines else None


def errors_of(obj: object, checks: frozenset[str] = CHECKS, doc: str | None = None
              ) -> list[tuple[str, str]]:
    """Numpydoc errors of one object, restricted to ``checks``.

    Parameters
    ----------
    obj : object
        A function, class, method or property (a property is checked as autodoc
        documents it: no Returns section needed).
    checks : frozenset of str
        numpydoc check codes to report.
    doc : str, optional
        The docstring to check instead of the object's own.

    Returns
    -------
    list of tuple of str
        ``(code, message)`` pairs.
    """
    from numpydoc.docscrape import get_doc_object
    from numpydoc.docscrape_sphinx import SphinxClassDoc, SphinxFunctionDoc, SphinxObjDoc
    from numpydoc.validate import validate

    # parsed as numpydoc parses it inside Sphinx (numpydoc.numpydoc.mangle_docstrings):
    # the Sphinx flavour of the parser with the options of docs/conf.py (without the
    # output template, which validation does not use)
    text = inspect.getdoc(obj) if doc is None else doc
    parsed = get_doc_object(obj, doc=text or "", config=dict(_SPHINX_CONFIG),
                            class_doc=SphinxClassDoc, func_doc=SphinxFunctionDoc,
                            obj_doc=SphinxObjDoc)
    report = validate(parsed)
    return [(code, msg) for code, msg in report["errors"] if code in checks]


def validate_object(full: str, checks: frozenset[str] = CHECKS) -> list[tuple[str, str]]:
    """Numpydoc errors of the object named ``full``, restricted to ``checks``.

    Parameters
    ----------
    full : str
        Full dotted name, e.g. ``'neuromf.models.Network.save'``.
    checks : frozenset of str
        numpydoc check codes to report.

    Returns
    -------
    list of tuple of str
        ``(code, message)`` pairs.
    """
    parent_name, _, name = full.rpartition(".")
    parent = _resolve(parent_name)
    if inspect.isclass(parent):
        value = vars(parent).get(name, _NO_VALUE)
        if not (inspect.isfunction(value) or isinstance(value, (property, staticmethod,
                                                                 classmethod))):
            # a class attribute: autodoc passes numpydoc its #: comment (none: no check)
            # and the value, whose own __doc__ decides GL08 (None has none)
            comment = _attribute_comment(parent, name)
            if isinstance(value, types.MemberDescriptorType):
                # a __slots__ entry: autodoc shows the value of a dict __slots__ (or
                # nothing, which numpydoc reports as a missing summary)
                slots = vars(parent).get("__slots__")
                comment = comment or (slots.get(name) if isinstance(slots, dict) else "")
                if comment or "SS01" not in checks:
                    return []
                return [("SS01", "No summary found (a __slots__ entry without a "
                                 "docstring: use a dict __slots__ or a #: comment)")]
            if comment is None:
                return []
            return errors_of(value, checks, doc=comment)
    obj = _resolve(full)
    return errors_of(obj, checks, doc=_comment_doc(full, obj))


def excluded(full: str, exclude: tuple[str, ...] = TEMPORARY_EXCLUDE) -> bool:
    """Whether ``full`` is on the temporary exclude list."""
    return any(re.search(pattern, full) for pattern in exclude)


def validate_api(checks: frozenset[str] = CHECKS,
                 exclude: tuple[str, ...] = TEMPORARY_EXCLUDE) -> dict[str, list]:
    """Errors of every object of the API reference not excluded.

    Parameters
    ----------
    checks : frozenset of str
        numpydoc check codes to report.
    exclude : tuple of str
        Regexes of full names to skip.

    Returns
    -------
    dict
        ``{full name: [(code, message), ...]}`` for the objects with errors.
    """
    found = {}
    for full in api_objects():
        if excluded(full, exclude):
            continue
        errors = validate_object(full, checks)
        if errors:
            found[full] = errors
    return found


def _main(argv: list[str]) -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from numpydoc.validate import ERROR_MSGS
    checks = frozenset(ERROR_MSGS) if "--all" in argv else CHECKS
    exclude = () if "--no-exclude" in argv else TEMPORARY_EXCLUDE
    found = validate_api(checks, exclude)
    counts: Counter = Counter()
    for full, errors in found.items():
        for code, msg in errors:
            counts[code] += 1
            print(f"{full}: {code} {msg}")
    print(f"\n{len(found)} objects with errors; per check: "
          + ", ".join(f"{c} {n}" for c, n in sorted(counts.items())))
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(_main(sys.argv[1:]))
