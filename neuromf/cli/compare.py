"""``neuromf compare MODEL``: theory vs NEST simulation of a model, with a report.

Prints theory and simulated rates side by side and the verdict (every quantity outside
its tolerance), and always writes the Markdown report ``comparison.md``,
``comparison.json`` and figures to ``DIR`` (default ``neuromf_compare``;
:func:`neuromf.simulation.compare`; extra ``sim``).

Example::

    neuromf compare microcircuit --scale 0.1 --t-sim 5 --threads 2 --out mc_report
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from ._common import METHODS, check_out, load_model, output_folder, positive_float
from .simulate import add_simulate_arguments, simulation_kwargs

__all__ = ["register_cli", "add_compare_arguments", "compare_from_args"]


def register_cli(sub: Any) -> None:
    """Add the ``compare`` subcommand."""
    p = sub.add_parser(
        "compare", help="theory vs NEST simulation of a model (needs neuromf[sim])",
        description="Compute the model's working point and simulate its spiking network; "
                    "write a Markdown report with rates, CVs and spectra side by side.")
    add_compare_arguments(p)
    p.set_defaults(func=compare_from_args)


def add_compare_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add the arguments of ``neuromf compare MODEL`` to ``parser``."""
    add_simulate_arguments(parser, command="compare")
    parser.add_argument("--method", choices=METHODS, default="shift",
                        help="working-point method of the theory (exp synapses)")
    tol = parser.add_argument_group("tolerances of the report's verdict")
    tol.add_argument("--rate-tol", type=positive_float, default=0.1, metavar="REL",
                     help="largest relative rate deviation (default: %(default)s)")
    tol.add_argument("--cv-tol", type=positive_float, default=0.1, metavar="ABS",
                     help="largest absolute deviation of the CV (default: %(default)s)")
    tol.add_argument("--corr-tol", type=positive_float, default=0.02, metavar="ABS",
                     help="largest absolute deviation of the pairwise spike-count "
                          "correlation (default: %(default)s)")
    tol.add_argument("--spectrum-factor", type=positive_float, default=2.0, metavar="F",
                     help="largest factor between simulated and theoretical spectra, "
                          "averaged over the bands < 10, 10-100, 100-500 Hz "
                          "(default: %(default)s)")
    return parser


def tolerances_from_args(args: argparse.Namespace) -> Any:
    """The :class:`neuromf.simulation.report.Tolerances` of parsed arguments."""
    from ..simulation.report import Tolerances
    from ._common import UserError

    try:
        return Tolerances(rate_rtol=args.rate_tol, cv_atol=args.cv_tol,
                          corr_atol=args.corr_tol, spectrum_factor=args.spectrum_factor)
    except ValueError as err:
        text = str(err)
        for name, option in (("rate_rtol", "--rate-tol"), ("cv_atol", "--cv-tol"),
                             ("corr_atol", "--corr-tol"),
                             ("spectrum_factor", "--spectrum-factor")):
            text = text.replace(f"tolerance {name}", option)
        raise UserError(text) from None


def compare_from_args(args: argparse.Namespace) -> int:
    """Run ``neuromf compare`` from parsed arguments; print the table; return 0."""
    out = check_out(args.out)
    model = load_model(args.model)
    from ..plotting import model_name
    from ..simulation import compare
    from ..simulation.report import verdict_lines

    tolerances = tolerances_from_args(args)
    with output_folder(out):
        res = compare(model, method=args.method, tolerances=tolerances,
                      name=model_name(model, args.model), **simulation_kwargs(args))
    if res.table:
        width = max(len(r["population"]) for r in res.table)
        print(f"{'population':<{width}}  theory (Hz)  sim (Hz)  rel. error")
        for r in res.table:
            print(f"{r['population']:<{width}}  {r['rate_theory']:11.3f}  "
                  f"{r['rate_sim']:8.3f}  {100 * r['rate_rel_error']:+9.1f} %")
        stability = res.theory.get("stability_text")
        if stability:
            print("working point " + stability)
        for line in verdict_lines(res.checks):
            print(line)
        print(f"report: {os.path.join(args.out, 'comparison.md')}")
    return 0
