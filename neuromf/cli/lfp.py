"""``neuromf lfp MODEL [--probe lfp|cdm|eeg] [--from theory|simulation] [--out DIR]``.

Writes the spike-signal kernels of the model and the signal spectrum predicted by
mean-field theory or the simulated signal and its spectrum, with figures
(:func:`neuromf.lfp_report.lfp_report`; extra ``lfp``, and ``sim`` for
``--from simulation``).
"""

from __future__ import annotations

import argparse
from typing import Any

from ._common import add_common_options, add_out_option, check_out, load_model, output_folder


def register_cli(sub: Any) -> None:
    """Add the ``lfp`` subcommand.

    Parameters
    ----------
    sub : argparse._SubParsersAction
        The subparsers of the ``neuromf`` parser (:func:`neuromf.cli.build_parser`).
    """
    p = sub.add_parser("lfp", help="LFP / current dipole moment / EEG kernels and spectra",
                       description="Spike-signal kernels of the model (LFPy/NEURON) and the "
                                   "signal spectrum from theory or a NEST simulation.")
    p.add_argument("model", help="built-in model name or network YAML file")
    p.add_argument("--probe", choices=["lfp", "cdm", "eeg"], default="lfp",
                   help="signal: laminar LFP of the cortical column, current dipole moment "
                        "or EEG at the scalp (default: %(default)s)")
    p.add_argument("--from", dest="source", choices=["theory", "simulation"],
                   default="theory",
                   help="spectrum from mean-field theory or from a NEST simulation "
                        "(extra 'sim') (default: %(default)s)")
    add_out_option(p, "lfp", "kernels, spectra and figures")
    p.add_argument("--nnmt-convention", action="store_true",
                   help="theory with the mean channel only and Poisson spike trains "
                        "(default: variance channel and renewal spike-train noise)")
    add_common_options(p)
    p.set_defaults(func=cmd_lfp)


def cmd_lfp(args: argparse.Namespace) -> int:
    """Run ``neuromf lfp``; print the written files by kind; 0 on success.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed arguments of ``neuromf lfp``.

    Returns
    -------
    int
        The exit code, 0 on success (bad input: exit code 2 and a one-line message).
    """
    out = check_out(args.out)
    net = load_model(args.model)
    from ..lfp_report import lfp_report

    with output_folder(out):
        files = lfp_report(net, probe=args.probe, source=args.source, out_dir=out,
                           nnmt_convention=args.nnmt_convention,
                           print_summary=args.source == "theory")
    for kind, path in files.items():
        print(f"{kind}: {path}")
    return 0
