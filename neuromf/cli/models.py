"""``neuromf models``: list the built-in models with a one-line description each."""

from __future__ import annotations

import argparse
from typing import Any

from ._common import add_common_options


def register_cli(sub: Any) -> None:
    """Add the ``models`` subcommand.

    Parameters
    ----------
    sub : argparse._SubParsersAction
        The subparsers of the ``neuromf`` parser (:func:`neuromf.cli.build_parser`).
    """
    p = sub.add_parser("models", help="list built-in models",
                       description="List the built-in models (names for 'neuromf analyze' "
                                   "and the other commands) with a short description.")
    add_common_options(p)
    p.set_defaults(func=cmd_models)


def cmd_models(args: argparse.Namespace) -> int:
    """Print one line per built-in model: its name and a description.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed ``neuromf models`` arguments (only the common options).

    Returns
    -------
    int
        Exit code 0.
    """
    from ..models import available

    for name, description in available().items():
        print(f"{name:<16} {description}")
    return 0
