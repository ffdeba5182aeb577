"""The documentation site: it builds with warnings as errors, its internal links resolve, and
it renders in a headless browser.

The site is built once per session (fixture ``built_docs``) with the examples at their quick
sizes (``NEUROMF_DOCS_QUICK=1``); the doctrees are kept for the linkcheck builder.

* ``test_docs_build``: ``sphinx-build -W -b html`` (session fixture ``built_docs``; -W also
  fails on the numpydoc checks of ``docs/_ext/neuromf_apicheck.py``) produced every section,
  an API page for every public function named here (classes with their methods), the CLI
  reference with a section for every subcommand of :func:`neuromf.cli.build_parser` and
  every long option, and the executed gallery with figures.
* ``test_docs_internal_links``: ``sphinx-build -b linkcheck`` restricted to internal links
  (``linkcheck_ignore`` skips http(s): CI has no internet) reports nothing broken, and every
  relative ``href`` of the built HTML points to an existing file and anchor (checked here
  with the standard-library HTML parser).
* ``test_docs_in_browser``: headless Chromium (Debian package ``chromium``) opens
  ``index.html`` and one gallery page through the DevTools protocol, and the pages have their
  title, a rendered figure (``<img>`` with a non-zero natural width) and no console errors of
  the site itself (failed loads of external resources such as the MathJax CDN are
  reported, not counted: no internet in CI).  Screenshots go to ``$NEUROMF_ARTIFACTS``
  (default ``tests/artifacts/``).
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
BUILD_TIMEOUT = 600          # s; about 2 minutes on an idle 2-core machine


def sphinx_env() -> dict:
    """Environment of the docs builds: quick examples, this checkout first on the path."""
    env = dict(os.environ)
    env["NEUROMF_DOCS_QUICK"] = "1"
    env["MPLBACKEND"] = "Agg"
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + [p for p in
                                         env.get("PYTHONPATH", "").split(os.pathsep) if p])
    return env


@pytest.fixture(scope="session")
def built_docs(tmp_path_factory) -> dict:
    """Build the HTML site once; returns ``{'html': Path, 'doctrees': Path, 'seconds': float}``."""
    pytest.importorskip("sphinx", reason="the docs extra is not installed "
                        "(pip install -e '.[docs]')")
    for module in ("pydata_sphinx_theme", "numpydoc", "myst_parser", "sphinxcontrib.bibtex",
                   "sphinxarg", "sphinx_gallery"):
        pytest.importorskip(module, reason=f"{module} (docs extra) is not installed")
    out = tmp_path_factory.mktemp("docs")
    html, doctrees = out / "html", out / "doctrees"
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
         "-d", str(doctrees), str(DOCS), str(html)],
        cwd=ROOT, env=sphinx_env(), capture_output=True, text=True, timeout=BUILD_TIMEOUT)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        pytest.fail(f"sphinx-build -W -b html failed (exit {proc.returncode}):\n"
                    f"{proc.stderr[-8000:]}\n{proc.stdout[-2000:]}")
    return {"html": html, "doctrees": doctrees, "seconds": seconds}


ARTIFACTS = Path(os.environ.get("NEUROMF_ARTIFACTS", ROOT / "tests" / "artifacts"))
GALLERY_PAGE = "auto_examples/microcircuit_power_spectra.html"


def test_docs_build(built_docs):
    html = built_docs["html"]
    for page in ("index.html", "getting_started.html", "user_guide/index.html",
                 "user_guide/transfer_functions.html", "theory/transfer.html",
                 "theory/network_response.html", "coming_from_nnmt.html",
                 "coming_from_lmt.html", "api.html", "cli.html", "performance.html",
                 "validation.html", "simulation.html", "lfp.html", "references.html",
                 "auto_examples/index.html", GALLERY_PAGE):
        assert (html / page).is_file(), f"missing page {page}"
    for name in ("neuromf.lif.exp.working_point", "neuromf.lif.exp.power_spectra",
                 "neuromf.linear_response.unstable_modes", "neuromf.special.shift_firing_rate",
                 "neuromf.plotting.use_style", "neuromf.models.Network"):
        assert (html / "generated" / f"{name}.html").is_file(), f"no API page for {name}"
    for cls, member in (("neuromf.models.Network", "save"),
                        ("neuromf.lmt.Network", "power_spectra"),
                        ("neuromf.simulation.NetworkSpec", "indegrees")):
        page = (html / "generated" / f"{cls}.html").read_text(encoding="utf-8")
        assert f'id="{cls}.{member}"' in page, f"the API page of {cls} lacks {member}"
    cli = (html / "cli.html").read_text(encoding="utf-8")
    assert "analyze" in cli and "--variance-channel" in cli
    missing = _cli_entries_missing(cli)
    assert not missing, f"the CLI reference lacks subcommands / options: {missing}"
    gallery = (html / GALLERY_PAGE).read_text(encoding="utf-8")
    assert "sphx-glr-single-img" in gallery or "sphx-glr-multi-img" in gallery
    assert "max relative deviation from NNMT" in gallery      # the printed comparison
    refs = (html / "references.html").read_text(encoding="utf-8")
    assert "Fourcaud" in refs and "Schuecker" in refs
    print(f"docs built in {built_docs['seconds']:.0f} s")


def _cli_entries_missing(cli_html: str) -> list:
    """Subcommands of ``neuromf`` (from the parser itself) without a section in the
    generated CLI reference, and long options (but --help) missing from it."""
    import argparse

    from neuromf.cli import build_parser

    sub = next(a for a in build_parser()._actions
               if isinstance(a, argparse._SubParsersAction))
    missing = []
    for name, parser in sub.choices.items():
        if f'id="neuromf-{name}"' not in cli_html:
            missing.append(name)
        missing += [(name, opt) for action in parser._actions
                    for opt in action.option_strings
                    if opt.startswith("--") and opt != "--help" and opt not in cli_html]
    assert len(sub.choices) >= 9      # models ... dynamics
    return missing


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("href"):
            self.hrefs.append(attrs["href"])


def _parse(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    return parser


def test_docs_internal_links(built_docs, tmp_path):
    html, doctrees = built_docs["html"], built_docs["doctrees"]
    out = tmp_path / "linkcheck"
    proc = subprocess.run(
        [sys.executable, "-m", "sphinx", "-q", "-b", "linkcheck", "-d", str(doctrees),
         str(DOCS), str(out)],
        cwd=ROOT, env=sphinx_env(), capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-4000:] + proc.stdout[-2000:]
    results = [json.loads(line) for line in
               (out / "output.json").read_text(encoding="utf-8").splitlines() if line]
    broken = [r for r in results if r["status"] == "broken"]
    assert not broken, broken

    pages = {p: _parse(p) for p in html.rglob("*.html")}
    bad = []
    for page, links in pages.items():
        for href in links.hrefs:
            parts = urlsplit(href)
            if parts.scheme or href.startswith(("//", "mailto:")):
                continue
            target = page if not parts.path else (page.parent / unquote(parts.path)).resolve()
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                bad.append(f"{page.relative_to(html)} -> {href} (no file)")
            elif parts.fragment and target.suffix == ".html":
                ids = pages[target].ids if target in pages else _parse(target).ids
                if unquote(parts.fragment) not in ids:
                    bad.append(f"{page.relative_to(html)} -> {href} (no anchor)")
    assert not bad, "\n".join(bad[:50])


# --- headless Chromium through the DevTools protocol --------------------------------------

def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _DevTools:
    """Minimal DevTools-protocol client for one page target (websocket-client)."""

    def __init__(self, ws_url: str):
        import websocket

        self.ws = websocket.create_connection(ws_url, timeout=60, suppress_origin=True)
        self.next_id = 0
        self.events: list[dict] = []

    def call(self, method: str, **params) -> dict:
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def wait_for(self, method: str, timeout: float = 60) -> None:
        end = time.monotonic() + timeout
        if any(e.get("method") == method for e in self.events):
            return
        while time.monotonic() < end:
            message = json.loads(self.ws.recv())
            self.events.append(message)
            if message.get("method") == method:
                return
        raise TimeoutError(method)

    def close(self):
        self.ws.close()


def _console_errors(events: list[dict]) -> tuple[list[str], list[str]]:
    """(errors of the site itself, failed loads of external resources)."""
    own, external = [], []
    for event in events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            own.append(f"exception: {details.get('text')} "
                       f"{details.get('exception', {}).get('description', '')}")
        elif method == "Runtime.consoleAPICalled" and params.get("type") == "error":
            own.append("console.error: " + " ".join(str(a.get("value", a.get("description")))
                                                     for a in params.get("args", [])))
        elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
            entry = params["entry"]
            url = entry.get("url", "")
            if url.startswith(("http://", "https://")) and entry.get("source") == "network":
                external.append(f"{url}: {entry.get('text')}")
            else:
                own.append(f"{entry.get('source')}: {entry.get('text')} {url}")
    return own, external


def _open_page(tools: _DevTools, url: str, shot: Path) -> dict:
    tools.events.clear()
    tools.call("Page.navigate", url=url)
    tools.wait_for("Page.loadEventFired")
    time.sleep(1.0)                          # let the theme's scripts run
    state = tools.call("Runtime.evaluate", returnByValue=True, expression="""(() => {
        const imgs = Array.from(document.querySelectorAll('img'));
        return {title: document.title,
                images: imgs.length,
                rendered: imgs.filter(i => i.complete && i.naturalWidth > 0).length,
                h1: (document.querySelector('h1') || {}).textContent || ''};
    })()""")["result"]["value"]
    png = tools.call("Page.captureScreenshot", format="png")["data"]
    shot.write_bytes(base64.b64decode(png))
    state["errors"], state["external"] = _console_errors(tools.events)
    return state


def test_docs_in_browser(built_docs):
    chromium = _chromium()
    if chromium is None:
        pytest.skip("no headless browser: install Debian's chromium "
                    "(apt-get install -y chromium) to run the browser test")
    pytest.importorskip("websocket", reason="websocket-client (test extra) is not installed")
    import urllib.request

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    with tempfile.TemporaryDirectory() as profile:
        proc = subprocess.Popen(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu",
             "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
             f"--user-data-dir={profile}", f"--remote-debugging-port={port}",
             "--window-size=1280,2000", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            targets = None
            for _ in range(300):                  # up to 30 s for the browser to start
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list",
                                                timeout=2) as response:
                        targets = [t for t in json.load(response) if t["type"] == "page"]
                    if targets:
                        break
                except OSError:
                    pass
                time.sleep(0.1)
            assert targets, "chromium did not open its DevTools endpoint"
            tools = _DevTools(targets[0]["webSocketDebuggerUrl"])
            try:
                for domain in ("Page", "Runtime", "Log"):
                    tools.call(f"{domain}.enable")
                html = built_docs["html"]
                index = _open_page(tools, (html / "index.html").as_uri(),
                                   ARTIFACTS / "docs_index.png")
                gallery = _open_page(tools, (html / GALLERY_PAGE).as_uri(),
                                     ARTIFACTS / "docs_gallery.png")
            finally:
                tools.close()
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
    print(f"screenshots: {ARTIFACTS / 'docs_index.png'}, {ARTIFACTS / 'docs_gallery.png'}")
    for name, state in (("index", index), ("gallery", gallery)):
        if state["external"]:
            print(f"{name}: external resources not loaded (offline): {state['external']}")
        assert not state["errors"], f"{name} page console errors: {state['errors']}"
    assert index["title"].startswith("neuromf"), index["title"]
    assert "Power spectra of the microcircuit" in gallery["title"], gallery["title"]
    assert gallery["rendered"] >= 1 and gallery["images"] >= 1, gallery
    assert index["rendered"] >= 0
    for shot in ("docs_index.png", "docs_gallery.png"):
        assert (ARTIFACTS / shot).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
