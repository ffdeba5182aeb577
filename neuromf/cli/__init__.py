"""The ``neuromf`` command line (also ``python -m neuromf``).

One module per subcommand, each with ``register_cli(subparsers)``:

=============  ============================================================  ==================
command        what it does                                                  module
=============  ============================================================  ==================
models         list the built-in models                                      :mod:`.models`
check          validate a model file, print its derived parameters           :mod:`.check`
analyze        working point and linear response of a model                  :mod:`.analyze`
simulate       NEST simulation of a model (extra ``sim``)                    :mod:`.simulate`
compare        theory vs NEST simulation, with a report (extra ``sim``)      :mod:`.compare`
lfp            LFP / CDM / EEG kernels and spectra (extra ``lfp``)           :mod:`.lfp`
stability      most unstable eigenvalue of a spatial network (Senk 2020)     :mod:`.stability`
scan           a quantity over a grid of model parameters                    :mod:`.scan`
dynamics       population densities in time (Fokker-Planck), stimuli, noise  :mod:`.dynamics`
=============  ============================================================  ==================

What they share (model loading, one-line errors with exit code 2, output folders,
progress bars, warnings) is :mod:`._common`.  The computations live in the application
modules below (``neuromf.analysis``, ``neuromf.stability_report``, ``neuromf.scan``,
``neuromf.scan_report``, ``neuromf.simulation``, ``neuromf.lfp_report``); the modules
here only parse, call and print.  Imports are deferred to the command that needs them,
so that ``neuromf --help`` and ``neuromf models`` answer at once.
"""

from __future__ import annotations

import sys

from .._version import __version__
from . import analyze, check, compare, dynamics, lfp, models, scan, simulate, stability
from ._common import ArgumentParser, run_command

__all__ = ["main", "build_parser"]

#: subcommand modules, in the order of ``neuromf --help``
COMMANDS = (models, check, analyze, simulate, compare, lfp, stability, scan, dynamics)


def build_parser() -> ArgumentParser:
    """The ``neuromf`` argument parser with every subcommand.

    Returns
    -------
    ArgumentParser
        The parser (also the source of the command-line reference, ``docs/cli.rst``).
    """
    parser = ArgumentParser(
        prog="neuromf",
        description="Mean-field theory of spiking LIF networks (NNMT-compatible).")
    parser.add_argument("--version", action="version", version=f"neuromf {__version__}",
                        help="print the version of neuromf and exit")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND",
                                title="commands")
    for module in COMMANDS:
        module.register_cli(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run ``neuromf`` with ``argv`` (default ``sys.argv[1:]``); return the exit code.

    Parameters
    ----------
    argv : list of str, optional
        The arguments.

    Returns
    -------
    int
        0 on success, 2 for bad input (one-line message), 130 when interrupted.
    """
    try:
        args = build_parser().parse_args(argv)
        return run_command(args.command, args.func, args)
    except KeyboardInterrupt:
        print("neuromf: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
