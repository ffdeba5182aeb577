"""``neuromf simulate MODEL``: simulate a model's spiking network with NEST.

Prints the rate and CV per population and writes spikes, ``summary.json`` and figures
to ``DIR`` (:func:`neuromf.simulation.simulate`; extra ``sim``).  NEST is imported only
when the command runs.

Example::

    neuromf simulate microcircuit --scale 0.1 --t-sim 1 --threads 2 --out mc_sim
"""

from __future__ import annotations

import argparse
from typing import Any

from ._common import (
    add_common_options,
    add_out_option,
    check_out,
    load_model,
    output_folder,
    positive_float,
    positive_int,
    progress,
)

__all__ = ["register_cli", "add_simulate_arguments", "simulate_from_args"]


def register_cli(sub: Any) -> None:
    """Add the ``simulate`` subcommand.

    Parameters
    ----------
    sub : argparse._SubParsersAction
        The subparsers of the ``neuromf`` parser (:func:`neuromf.cli.build_parser`).
    """
    p = sub.add_parser(
        "simulate", help="simulate a model with NEST (needs neuromf[sim])",
        description="Build the model's spiking network in NEST, simulate it and report "
                    "rates, CVs, correlations and spectra.")
    add_simulate_arguments(p)
    p.set_defaults(func=simulate_from_args)


def add_simulate_arguments(parser: argparse.ArgumentParser, command: str = "simulate"
                           ) -> argparse.ArgumentParser:
    """Add the arguments of ``neuromf simulate MODEL`` to ``parser``.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The (sub)parser.
    command : str
        Name of the command in the help texts ('simulate' or 'compare').

    Returns
    -------
    argparse.ArgumentParser
        ``parser``.
    """
    parser.add_argument("model", help="built-in model name (e.g. 'microcircuit', see "
                                      "'neuromf models') or network YAML file")
    parser.add_argument("--scale", type=positive_float, default=None,
                        help="factor on neuron numbers (default 0.1 for the "
                             "microcircuit, else 1)")
    parser.add_argument("--k-scale", type=positive_float, default=None,
                        help="factor on in-degrees (default: --scale)")
    parser.add_argument("--t-sim", type=positive_float, default=None, metavar="SECONDS",
                        help="analysed simulation time in s (default 1)")
    parser.add_argument("--t-presim", type=float, default=None, metavar="SECONDS",
                        help="discarded presimulation in s (default 0.5)")
    parser.add_argument("--threads", type=positive_int, default=None,
                        help="NEST threads (default 1)")
    parser.add_argument("--seed", type=positive_int, default=None,
                        help="NEST rng seed (default 55)")
    parser.add_argument("--background", choices=("poisson", "dc"), default=None,
                        help="external drive: Poisson spikes (default) or its mean as DC")
    parser.add_argument("--record-to", choices=("auto", "memory", "ascii"), default=None,
                        help="keep spikes in memory or stream them to files "
                             "(default auto: files for large runs)")
    add_out_option(parser, command, "spikes, summary and figures"
                   + (" and the report" if command == "compare" else ""))
    add_common_options(parser)
    return parser


def simulation_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    """Keyword arguments of :func:`neuromf.simulation.simulate` from parsed arguments."""
    return {"scale": args.scale, "t_sim": args.t_sim, "threads": args.threads,
            "out": args.out, "k_scale": args.k_scale, "t_presim": args.t_presim,
            "seed": args.seed, "record_to": args.record_to,
            "progress": progress(args), "background": args.background}


def simulate_from_args(args: argparse.Namespace) -> int:
    """Run ``neuromf simulate`` from parsed arguments; print rates; return exit code 0.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed arguments of ``neuromf simulate``.

    Returns
    -------
    int
        The exit code, 0 on success (bad input: exit code 2 and a one-line message).
    """
    out = check_out(args.out)
    model = load_model(args.model)
    from ..simulation import simulate

    with output_folder(out):
        res = simulate(model, **simulation_kwargs(args))
    if res.rates is not None:
        width = max(len(p) for p in res.populations)
        print(f"{'population':<{width}}  rate (Hz)  CV")
        for p, r, c in zip(res.populations, res.rates, res.cv, strict=True):
            print(f"{p:<{width}}  {r:9.3f}  {c:.2f}")
        print(f"results written to {args.out}")
    return 0
