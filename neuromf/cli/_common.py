"""What every ``neuromf`` subcommand shares: model loading, user errors, output folders,
progress bars and warnings.

* :class:`UserError` -- bad input; :func:`run_command` turns it (and the library's
  ``ValueError``, ``FileNotFoundError``, missing extras, ...) into one line
  ``neuromf <command>: <message>`` and exit code 2, Ctrl-C into ``neuromf <command>:
  interrupted`` and exit code 130, and shows each warning once, as one line (full
  warnings with ``--verbose``).
* :func:`load_model` -- a built-in model name or a network YAML file (plus an optional
  analysis YAML file), with one-line errors for missing, empty or unreadable files.
* :func:`output_folder` -- the one output convention: ``--out DIR`` is a folder
  (default ``neuromf_<command>``), created if missing; if the command fails or is
  interrupted, the files it created there and the folders it created are removed again.
* :func:`add_common_options` -- ``--no-progress`` and ``--verbose`` of every subcommand;
  progress bars are tqdm bars on stderr, drawn only when stderr is a terminal.

This module is imported by ``neuromf --help``: it imports nothing heavy at module level.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import shutil
import signal
import sys
import traceback
import warnings
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from ..conventions import CONVENTIONS, convention

DEFAULT_MODEL = "potjans2014"
METHODS = ("shift", "taylor")
#: at most this many analysis frequencies from ``--freqs``
MAX_FREQUENCIES = 100_000


class UserError(ValueError):
    """Bad input given on the command line; printed as one line, exit code 2."""


class ArgumentParser(argparse.ArgumentParser):
    """``argparse`` parser whose usage errors are one line (and exit code 2)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: {message} (see '{self.prog} --help')\n")


# ---------------------------------------------------------------------------
# options
# ---------------------------------------------------------------------------

def positive_float(text: str) -> float:
    """argparse type: a finite number > 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value > 0 or not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
    return value


def positive_int(text: str) -> int:
    """argparse type: an integer >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {text}")
    return value


def add_common_options(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """``--no-progress`` and ``--verbose``, shared by every subcommand."""
    parser.add_argument("--no-progress", action="store_true",
                        help="no progress bar on stderr (bars are drawn only when stderr "
                             "is a terminal anyway)")
    parser.add_argument("--verbose", "-v", action="store_true",
                        help="full warnings (with source locations) and tracebacks")
    parser.add_argument("--convention", choices=CONVENTIONS, default="neuromf",
                        help="'neuromf' (corrected physics) or 'nnmt' (NNMT 1.3's numbers, "
                             "every deliberate difference switched; docs/coming_from_nnmt.md) "
                             "(default: %(default)s)")
    return parser


OUT_HELP = ("created if missing; a failed or interrupted run removes what it wrote there "
            "(and the folder, if it created it)")


def add_out_option(parser: argparse.ArgumentParser, command: str, what: str,
                   note: str = "") -> None:
    """``--out DIR``: the output folder of ``command`` (default ``neuromf_<command>``)."""
    parser.add_argument("--out", default=f"neuromf_{command}", metavar="DIR",
                        help=f"output folder for {what}; {OUT_HELP}{note} "
                             f"(default: %(default)s)")


def progress(args: argparse.Namespace) -> bool:
    """Whether to draw progress bars (tqdm still draws only on a terminal)."""
    return not getattr(args, "no_progress", False)


# ---------------------------------------------------------------------------
# input
# ---------------------------------------------------------------------------

def _check_yaml_file(path: Path, what: str) -> None:
    """Raise :class:`UserError` unless ``path`` is a readable YAML file with a mapping."""
    import yaml

    if path.is_dir():
        raise UserError(f"{what} {str(path)!r} is a folder, not a YAML file")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise UserError(f"{what} {str(path)!r} is not a UTF-8 text (YAML) file: "
                        f"{err.reason} at byte {err.start}") from None
    except OSError as err:
        raise UserError(f"{what} {str(path)!r} cannot be read: {err.strerror}") from None
    try:
        content = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise UserError(f"{what} {str(path)!r} is not valid YAML{where}: {problem}") from None
    if content is None:
        raise UserError(f"{what} {str(path)!r} is empty; it needs 'name: value' or "
                        f"'name: {{val: ..., unit: ...}}' entries")
    if not isinstance(content, dict):
        raise UserError(f"{what} {str(path)!r} holds a {type(content).__name__}, not a "
                        f"mapping of parameter names to values")


def load_model(model: str, analysis: str | None = None) -> Any:
    """The network of a built-in model name or a network YAML file.

    Parameters
    ----------
    model : str
        Built-in model name (``neuromf models``) or path of a network YAML file.
    analysis : str, optional
        Path of an analysis-parameter YAML file.

    Raises
    ------
    UserError
        For an unknown name, a missing, empty or invalid file, or a missing parameter.
    """
    from ..models import _builtin

    path = Path(model)
    if _builtin.canonical_name(model) is None or path.is_file():
        if not path.exists():
            raise UserError(f"unknown model {model!r}: not a file and not one of the "
                            f"built-in models {', '.join(_builtin.available())}")
        _check_yaml_file(path, "model file")
    if analysis is not None and Path(analysis).is_file():
        _check_yaml_file(Path(analysis), "analysis file")
    elif analysis is not None and _builtin.find_parameter_file(analysis,
                                                              "analysis_params") is None:
        raise UserError(f"--analysis {analysis!r}: no such file and not a built-in model "
                        f"name ({', '.join(_builtin.available())})")
    from ..models import load_model as _load_model

    try:
        return _load_model(model, analysis)
    except KeyError as err:
        raise UserError(f"model {model!r}: missing parameter {err.args[0]!r}") from None


def parse_freqs(text: str) -> dict:
    """``F_MIN:F_MAX:DF`` in Hz -> analysis parameters ``f_min``, ``f_max``, ``df``."""
    try:
        f_min, f_max, df = (float(part) for part in text.split(":"))
    except ValueError:
        raise UserError(f"--freqs must be F_MIN:F_MAX:DF in Hz (e.g. 1:400:1), got "
                        f"{text!r}") from None
    if not all(math.isfinite(x) for x in (f_min, f_max, df)):
        raise UserError(f"--freqs {text!r}: F_MIN, F_MAX and DF must be finite numbers (Hz)")
    if not (0 <= f_min < f_max) or df <= 0:
        raise UserError(f"--freqs {text!r}: needs 0 <= F_MIN < F_MAX and DF > 0 (Hz), "
                        f"e.g. 1:400:1")
    n = (f_max - f_min) / df
    if n > MAX_FREQUENCIES:
        raise UserError(f"--freqs {text!r} gives {n:.3g} frequencies; at most "
                        f"{MAX_FREQUENCIES} are allowed (increase DF or narrow the range)")
    from ..utils import ureg

    return {"f_min": f_min * ureg.Hz, "f_max": f_max * ureg.Hz, "df": df * ureg.Hz}


# ---------------------------------------------------------------------------
# output folders
# ---------------------------------------------------------------------------

def check_out(out: str | os.PathLike) -> Path:
    """Raise :class:`UserError` if ``--out`` cannot be an output folder."""
    path = Path(out)
    if path.exists() and not path.is_dir():
        raise UserError(f"--out {str(out)!r} is an existing file; give a folder (it is "
                        f"created if missing)")
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise UserError(f"--out {str(out)!r}: {str(parent)!r} is a file, not a folder")
            break
    return path


def _tree(path: Path) -> set[Path]:
    return set(path.rglob("*")) if path.is_dir() else set()


@contextlib.contextmanager
def output_folder(out: str | os.PathLike, keep: Sequence[str | os.PathLike] = ()
                  ) -> Iterator[Path]:
    """The output folder of a command: created on entry; cleaned up if the block fails.

    On an exception or Ctrl-C, every file and folder created inside ``out`` during the
    block is removed (except the paths in ``keep``, e.g. a scan checkpoint), and so are
    ``out`` and its parents if this call created them and they are empty.  Files that
    existed before stay (the library replaces files atomically, so they are either the
    old or the new complete version).
    """
    path = check_out(out)
    missing = [p for p in (path, *path.parents) if not p.exists()]
    before = _tree(path)
    kept = {Path(k).resolve() for k in keep}
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise UserError(f"--out {str(out)!r}: cannot create the folder: "
                        f"{err.strerror}") from None
    try:
        yield path
    except BaseException:
        for item in sorted(_tree(path) - before, key=lambda p: len(p.parts), reverse=True):
            if item.resolve() in kept or any(k.is_relative_to(item.resolve()) for k in kept):
                continue
            with contextlib.suppress(OSError):
                if item.is_dir() and not item.is_symlink():
                    shutil.rmtree(item)
                else:
                    item.unlink()
        for folder in missing:          # deepest first
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise


@contextlib.contextmanager
def quiet_workers_on_interrupt() -> Iterator[None]:
    """Ctrl-C ends forked worker processes silently (no traceback per worker).

    Ctrl-C reaches every process of the terminal's process group.  Inside the block,
    SIGINT raises KeyboardInterrupt in this process only; worker processes forked
    here inherit the handler and exit at once with status 130.
    """
    parent = os.getpid()

    def handler(signum: int, frame: Any) -> None:
        if os.getpid() != parent:
            os._exit(130)
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGINT, handler)
    except ValueError:          # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def wrote(paths: Sequence[Any]) -> None:
    """The closing line of a command: ``wrote PATH, PATH, ...``."""
    print("wrote " + ", ".join(str(p) for p in paths))


# ---------------------------------------------------------------------------
# running a command
# ---------------------------------------------------------------------------

def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _is_user_error(err: BaseException) -> bool:
    """Exceptions that describe bad input (or a missing extra), not a bug."""
    if isinstance(err, (ValueError, TypeError, RuntimeError, OSError, ImportError,
                        ArithmeticError)):
        return not isinstance(err, (ZeroDivisionError, NotImplementedError))
    module = type(err).__module__ or ""
    return module.split(".")[0] in ("pint", "yaml", "h5py")


def _message(err: BaseException) -> str:
    if isinstance(err, OSError) and err.strerror and getattr(err, "filename", None):
        return f"{err.filename}: {err.strerror}"
    text = str(err) or type(err).__name__
    if isinstance(err, KeyError):
        text = f"missing {text}"
    return _one_line(text)


def _warning_printer(command: str) -> Callable[..., None]:
    seen: set[tuple[type, str]] = set()

    def show(message, category, filename, lineno, file=None, line=None) -> None:
        text = _one_line(message)
        if (category, text) in seen:
            return
        seen.add((category, text))
        stream = sys.stderr if file is None else file
        with contextlib.suppress(OSError, ValueError):
            stream.write(f"neuromf {command}: warning: {text}\n")

    return show


def _full_warning_printer(message, category, filename, lineno, file=None, line=None) -> None:
    stream = sys.stderr if file is None else file
    with contextlib.suppress(OSError, ValueError):
        stream.write(warnings.formatwarning(message, category, filename, lineno, line))


def run_command(command: str, func: Callable[[argparse.Namespace], int],
                args: argparse.Namespace) -> int:
    """Run ``func(args)``: user errors -> one line and 2, Ctrl-C -> one line and 130.

    Warnings are printed once each, as one line without source location, unless
    ``args.verbose``.  Other exceptions (bugs) also print one line, with exit code 1;
    ``--verbose`` shows their traceback.
    """
    verbose = bool(getattr(args, "verbose", False))
    with warnings.catch_warnings(), convention(getattr(args, "convention", "neuromf")):
        warnings.showwarning = _full_warning_printer if verbose else _warning_printer(command)
        try:
            return int(func(args) or 0)
        except KeyboardInterrupt:
            print(f"neuromf {command}: interrupted", file=sys.stderr)
            return 130
        except BrokenPipeError:   # the output went to a reader that stopped (`| head`)
            with contextlib.suppress(OSError, ValueError):
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 0
        except Exception as err:  # noqa: BLE001 -- every failure ends in one line
            if verbose:
                traceback.print_exc()
            if _is_user_error(err):
                print(f"neuromf {command}: {_message(err)}", file=sys.stderr)
                return 2
            print(f"neuromf {command}: internal error: {type(err).__name__}: "
                  f"{_message(err)} (run with --verbose for the traceback)", file=sys.stderr)
            return 1


def print_table(populations: Sequence[Any], columns: dict[str, tuple[Any, str]],
                file: Any = None) -> None:
    """Rows per population, one right-aligned column per ``{header: (values, format)}``."""
    file = sys.stdout if file is None else file
    names = [str(p) for p in populations]
    width = max(10, max(len(n) for n in names) + 2)
    header = f"{'population':<{width}}" + "".join(f"{h:>16}" for h in columns)
    print(header, file=file)
    print("-" * len(header), file=file)
    for i, name in enumerate(names):
        row = f"{name:<{width}}"
        for values, fmt in columns.values():
            row += f"{values[i]:>16{fmt}}"
        print(row, file=file)
