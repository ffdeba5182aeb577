"""The docs' optional-page placeholder: ``%OPTIONAL:/dynamics%`` in a toctree becomes the
entry when ``docs/dynamics.md`` exists and disappears otherwise (checked on a temporary
source directory, without Sphinx)."""

import importlib.util
from pathlib import Path
from types import SimpleNamespace

EXT = Path(__file__).resolve().parents[2] / "docs" / "_ext" / "neuromf_docs.py"


def _ext():
    spec = importlib.util.spec_from_file_location("neuromf_docs", EXT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_optional_toctree_entry(tmp_path):
    ext = _ext()
    app = SimpleNamespace(srcdir=str(tmp_path))
    text = "```{toctree}\nmodels\n%OPTIONAL:/dynamics%\n../guide\n```\n"
    source = [text]
    ext._optional_pages(app, "user_guide/index", source)
    assert source[0] == "```{toctree}\nmodels\n\n../guide\n```\n"     # absent: dropped

    (tmp_path / "dynamics.md").write_text("# Population dynamics\n")
    source = [text]
    ext._optional_pages(app, "user_guide/index", source)
    assert source[0] == "```{toctree}\nmodels\n/dynamics\n../guide\n```\n"
