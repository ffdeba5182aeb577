"""Small Sphinx helpers of the neuromf docs.

* ``%OPTIONAL:name%`` in a toctree is replaced by ``name`` when ``docs/name.md`` (or ``.rst``)
  exists and dropped otherwise, so pages written on other branches (``dynamics.md``) appear
  in the navigation as soon as they land, and the build does not fail without them.
"""

from __future__ import annotations

import re
from pathlib import Path

_OPTIONAL = re.compile(r"^(?P<indent>[ \t]*)%OPTIONAL:(?P<name>[\w/.-]+)%[ \t]*$", re.M)


def _optional_pages(app, docname, source):
    srcdir = Path(app.srcdir)

    def replace(match):
        name = match["name"]
        rel = name.lstrip("/")
        exists = any((srcdir / f"{rel}{suffix}").exists() for suffix in (".md", ".rst"))
        return f"{match['indent']}{name}" if exists else ""

    source[0] = _OPTIONAL.sub(replace, source[0])


def setup(app):
    app.connect("source-read", _optional_pages)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
