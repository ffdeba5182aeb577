"""``neuromf dynamics [MODEL]``: population dynamics in time (Fokker–Planck densities).

Integrates the membrane-potential densities of every population (or the first-order rate
dynamics with the Siegert gain), optionally with finite-size noise and the microcircuit's
thalamic pulse / DC stimulus, and writes rates(t), spectra and figures
(:func:`neuromf.dynamics.report.run`; docs/dynamics.md).
"""

from __future__ import annotations

import argparse
from typing import Any

from ._common import (
    UserError,
    add_common_options,
    add_out_option,
    check_out,
    load_model,
    output_folder,
    positive_float,
    positive_int,
    progress,
)

DEFAULT_MODEL = "potjans2014"
STIMULI = ("none", "thalamic", "dc", "thalamic+dc")
DYNAMICS_METHODS = ("fokker-planck", "rate")
#: as neuromf.dynamics.simulate.SCHEMES / SYNAPSE_MODELS (not imported: the CLI starts fast)
SCHEMES = ("backward-euler", "crank-nicolson", "discrete-time")
SYNAPSE_MODELS = ("diffusion", "jumps")


def register_cli(sub: Any) -> None:
    """Add the ``dynamics`` subcommand.

    Parameters
    ----------
    sub : argparse._SubParsersAction
        The subparsers of the ``neuromf`` parser (:func:`neuromf.cli.build_parser`).
    """
    p = sub.add_parser(
        "dynamics", help="population dynamics in time (Fokker-Planck densities)",
        description="Integrate the population densities (Fokker-Planck equation with "
                    "absorbing threshold and reset, delayed recurrent input) or the "
                    "first-order rate dynamics of a model and write DIR/dynamics.h5 "
                    "(rates(t), inputs, parameters with units), DIR/spectra.h5 and the "
                    "figures rates.png and spectra.png.")
    p.add_argument("model", nargs="?", default=DEFAULT_MODEL,
                   help="built-in model name or network YAML file (default: %(default)s)")
    p.add_argument("--analysis", metavar="FILE",
                   help="analysis-parameter YAML file (default: the model's own)")
    p.add_argument("--t-sim", type=positive_float, default=1.0, metavar="SECONDS",
                   help="biological time in s (default: %(default)s)")
    p.add_argument("--t-transient", type=float, default=0.1, metavar="SECONDS",
                   help="initial time in s left out of mean rates and spectra "
                        "(default: %(default)s)")
    p.add_argument("--stimulus", choices=STIMULI, default="none",
                   help="the microcircuit's thalamic pulse and/or DC stimulus, with the "
                        "parameters of neuromf.simulation (default: %(default)s)")
    p.add_argument("--finite-size", action="store_true",
                   help="finite-size noise of the N neurons per population (seeded)")
    p.add_argument("--method", choices=DYNAMICS_METHODS, default="fokker-planck",
                   help="population densities or first-order rate dynamics with the "
                        "Siegert gain, as NEST's siegert_neuron (default: %(default)s)")
    p.add_argument("--synapses", choices=SYNAPSE_MODELS, default="diffusion",
                   help="input of the density model: diffusion approximation, or finite "
                        "PSP jumps of delta synapses (shot noise) (default: %(default)s)")
    p.add_argument("--scheme", choices=SCHEMES, default="backward-euler",
                   help="time stepping of the density; 'discrete-time' is NEST's update "
                        "of iaf_psc_delta, with --synapses jumps (default: %(default)s)")
    p.add_argument("--dt", type=positive_float, default=1e-4, metavar="SECONDS",
                   help="time step in s (default: %(default)s)")
    p.add_argument("--n-grid", type=positive_int, default=200, metavar="N",
                   help="membrane-potential grid points per population "
                        "(default: %(default)s)")
    p.add_argument("--seed", type=int, default=None,
                   help="seed of the finite-size noise (default: random)")
    add_out_option(p, "dynamics", "dynamics.h5, spectra.h5 and the figures")
    add_common_options(p)
    p.set_defaults(func=cmd_dynamics)


def cmd_dynamics(args: argparse.Namespace) -> int:
    """Run the population dynamics of ``args.model`` and print the summary table.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed arguments of ``neuromf dynamics`` (model, ``t_sim`` and ``t_transient`` in
        s, stimulus, method, finite-size noise, grid and output folder).

    Returns
    -------
    int
        Exit status 0 (bad input raises ``UserError``, a ``ValueError``).
    """
    if not 0 <= args.t_transient < args.t_sim:
        raise UserError(f"--t-transient must lie in [0, --t-sim = {args.t_sim} s), got "
                        f"{args.t_transient} s")
    out = check_out(args.out)
    net = load_model(args.model, args.analysis)
    from ..dynamics.report import run

    with output_folder(out):
        lines = run(net, t_sim=args.t_sim, stimulus=None if args.stimulus == "none"
                    else args.stimulus, finite_size=args.finite_size, out_dir=out,
                    method=args.method, dt=args.dt, seed=args.seed, n_grid=args.n_grid,
                    t_transient=args.t_transient, scheme=args.scheme,
                    synapses=args.synapses, progress=progress(args))
    for line in lines:     # the report ends with the files it wrote
        print(line)
    return 0
