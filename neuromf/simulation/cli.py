"""Command-line subcommands ``neuromf simulate`` and ``neuromf compare``.

``neuromf.cli`` calls :func:`register_cli` with its subparsers.  NEST is imported only
when a subcommand runs, so ``neuromf --help`` works without it.

Examples::

    neuromf simulate microcircuit --scale 0.1 --t-sim 1 --threads 2 --out mc_sim
    neuromf compare microcircuit --scale 0.1 --t-sim 5 --threads 2 --out mc_report
"""

from __future__ import annotations

from typing import Any

from neuromf.simulation.comparison import (
    add_compare_arguments,
    add_simulate_arguments,
    compare_from_args,
    simulate_from_args,
)

__all__ = ["register_cli"]


def register_cli(subparsers: Any) -> None:
    """Add the 'simulate' and 'compare' subcommands to ``subparsers``."""
    p = subparsers.add_parser(
        "simulate", help="simulate a model with NEST (needs neuromf[sim])",
        description="Build the model's spiking network in NEST, simulate it and report "
                    "rates, CVs, correlations and spectra.")
    add_simulate_arguments(p)
    p.set_defaults(func=simulate_from_args)
    p = subparsers.add_parser(
        "compare", help="theory vs NEST simulation of a model (needs neuromf[sim])",
        description="Compute the model's working point and simulate its spiking network; "
                    "write a Markdown report with rates, CVs and spectra side by side.")
    add_compare_arguments(p)
    p.set_defaults(func=compare_from_args)
