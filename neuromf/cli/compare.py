"""``neuromf compare MODEL``: theory vs NEST simulation of a model, with a report.

Prints theory and simulated rates side by side and the verdict (every quantity outside
its tolerance), and always writes the Markdown report ``comparison.md``,
``comparison.json`` and figures to ``DIR`` (default ``neuromf_compare``;
:func:`neuromf.simulation.compare`; extra ``sim``).

With ``--dynamics`` the theory is the population-density model in time
(:func:`neuromf.dynamics.compare.compare_dynamics`): NEST's population rates (PSTH) and
spectra overlaid with the density model's of the same realisation, stimulus, time and seed,
a table of mean rate, spectral peak and amplitude (and, with ``--pulse-interval``, the
trial-averaged thalamic-pulse response) per population, h5/csv data and figures.

Example::

    neuromf compare microcircuit --scale 0.1 --t-sim 5 --threads 2 --out mc_report
    neuromf compare microcircuit --dynamics --t-sim 2 --stimulus thalamic \
        --pulse-interval 0.1 --out mc_dynamics
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from ._common import (
    METHODS,
    UserError,
    check_out,
    load_model,
    output_folder,
    positive_float,
    positive_int,
    progress,
)
from .simulate import add_simulate_arguments, simulation_kwargs

__all__ = ["register_cli", "add_compare_arguments", "compare_from_args",
           "dynamics_from_args"]

#: --stimulus and --finite-size choices (neuromf.dynamics.compare.STIMULI / FINITE_SIZE;
#: repeated here so that building the parser imports no numerics).
STIMULI = ("none", "thalamic", "dc", "thalamic+dc")
FINITE_SIZE = ("conserving", "input", "none")


def register_cli(sub: Any) -> None:
    """Add the ``compare`` subcommand.

    Parameters
    ----------
    sub : argparse._SubParsersAction
        The subparsers of the ``neuromf`` parser (:func:`neuromf.cli.build_parser`).
    """
    p = sub.add_parser(
        "compare", help="theory vs NEST simulation of a model (needs neuromf[sim])",
        description="Compute the model's working point and simulate its spiking network; "
                    "write a Markdown report with rates, CVs and spectra side by side. "
                    "With --dynamics: NEST's population rates in time and spectra against "
                    "the population-density model of the same network.")
    add_compare_arguments(p)
    p.set_defaults(func=compare_from_args)


def add_compare_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add the arguments of ``neuromf compare MODEL`` to ``parser``.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        Parser to extend: the simulation options of ``neuromf simulate``, the theory's
        working-point method, the report's tolerances and the ``--dynamics`` options.

    Returns
    -------
    argparse.ArgumentParser
        ``parser`` itself.
    """
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
    dyn = parser.add_argument_group(
        "population dynamics in time (--dynamics; neuromf.dynamics.compare)")
    dyn.add_argument("--dynamics", action="store_true",
                     help="compare with the population-density model (Fokker-Planck) of the "
                          "same realisation instead of the stationary theory")
    dyn.add_argument("--stimulus", choices=STIMULI, default="none",
                     help="the microcircuit's thalamic pulse and/or DC stimulus in both "
                          "models (default: %(default)s)")
    dyn.add_argument("--pulse-interval", type=positive_float, default=None,
                     metavar="SECONDS",
                     help="repeat the thalamic pulse every SECONDS from th_start on and "
                          "report the trial-averaged pulse response (peak, latency)")
    dyn.add_argument("--finite-size", choices=FINITE_SIZE, default="conserving",
                     help="finite-size noise of the density model for the simulated N "
                          "(default: %(default)s)")
    dyn.add_argument("--dt", type=positive_float, default=1e-4, metavar="SECONDS",
                     help="time step of the density model (default: %(default)s)")
    dyn.add_argument("--n-grid", type=positive_int, default=200, metavar="N",
                     help="grid intervals per population (default: %(default)s)")
    dyn.add_argument("--bin", type=positive_float, default=1e-3, metavar="SECONDS",
                     help="bin width of rates and spectra (default: %(default)s)")
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


def dynamics_from_args(args: argparse.Namespace) -> int:
    """Run ``neuromf compare MODEL --dynamics`` from parsed arguments.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed arguments of :func:`add_compare_arguments`.

    Returns
    -------
    int
        0; user errors raise :class:`UserError` (exit status 2).

    Raises
    ------
    UserError
        For ``--pulse-interval`` without a thalamic stimulus.
    """
    out = check_out(args.out)
    model = load_model(args.model)
    from ..dynamics.compare import compare_dynamics, table_lines
    from ..plotting import model_name

    if args.pulse_interval is not None and "thalamic" not in args.stimulus:
        raise UserError("--pulse-interval repeats the thalamic pulse: add --stimulus "
                        "thalamic (or thalamic+dc)")
    with output_folder(out):
        res = compare_dynamics(
            model, args.scale, 1.0 if args.t_sim is None else args.t_sim,
            k_scale=args.k_scale, t_presim=args.t_presim,
            seed=55 if args.seed is None else args.seed,
            threads=1 if args.threads is None else args.threads, stimulus=args.stimulus,
            pulse_interval=args.pulse_interval, finite_size=args.finite_size, dt=args.dt,
            n_grid=args.n_grid, bin_width=args.bin, background=args.background, out=out,
            progress=progress(args), name=model_name(model, args.model))
    for line in table_lines(res):
        print(line)
    t = res.timings
    print(f"NEST {t['nest_wall']:.1f} s wall ({t['nest_cpu']:.1f} s CPU), density model "
          f"{t['fp_wall']:.1f} s wall ({t['fp_cpu']:.1f} s CPU)")
    print("wrote " + ", ".join(res.files.values()))
    return 0


def compare_from_args(args: argparse.Namespace) -> int:
    """Run ``neuromf compare`` from parsed arguments and print the comparison table.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed arguments of ``neuromf compare`` (:func:`add_compare_arguments`); with
        ``args.dynamics`` the NEST run is compared with the population-density model
        (:func:`neuromf.dynamics.compare.compare_dynamics`), otherwise with the stationary
        theory (:func:`neuromf.simulation.compare`).

    Returns
    -------
    int
        Exit status 0 (bad input raises ``UserError``, a ``ValueError``).
    """
    if getattr(args, "dynamics", False):
        return dynamics_from_args(args)
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
