"""``neuromf check FILE.yaml``: validate a model file and print its derived parameters."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ._common import _check_yaml_file, add_common_options


def register_cli(sub: Any) -> None:
    """Add the ``check`` subcommand.

    Parameters
    ----------
    sub : argparse._SubParsersAction
        The subparsers of the ``neuromf`` parser (:func:`neuromf.cli.build_parser`).
    """
    p = sub.add_parser(
        "check", help="validate a model file and print its derived parameters",
        description="Load a network parameter file (or a built-in model name) as 'neuromf "
                    "analyze' would, check every parameter's name, unit dimension, shape "
                    "and range, and print the model class, the given and the derived "
                    "parameters with units and the analysis frequencies.  Exit code 2 "
                    "with one line naming the offending parameter if the file is invalid.")
    p.add_argument("model", metavar="MODEL",
                   help="network parameter file (YAML, {val, unit} entries) or a built-in "
                        "model name ('neuromf models')")
    p.add_argument("--analysis", metavar="FILE", default=None,
                   help="analysis parameter file (YAML); default: the one that belongs to "
                        "MODEL (as for 'neuromf analyze')")
    add_common_options(p)
    p.set_defaults(func=cmd_check)


def cmd_check(args: argparse.Namespace) -> int:
    """Validate ``args.model`` and print its given and derived parameters with units.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed ``neuromf check`` arguments: ``model`` (file or built-in name) and
        ``analysis`` (file or None).

    Returns
    -------
    int
        Exit code 0; an invalid file raises a user error (one line, exit code 2).
    """
    from ..models import check_file

    for path, what in ((args.model, "model file"), (args.analysis, "analysis file")):
        if path is not None and (Path(path).suffix in (".yaml", ".yml") or Path(path).exists()):
            _check_yaml_file(Path(path), what)
    for line in check_file(args.model, args.analysis):
        print(line)
    return 0
