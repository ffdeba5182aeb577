"""``neuromf analyze [MODEL|network.yaml]``: working point and linear response.

Prints the working point (rates, mean and std of the input per population), the
stability verdict, the dominant eigenmode and its largest sensitivities
(:func:`neuromf.analysis.linear_response_report`), and writes ``DIR/results.h5`` and
the figures.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from ._common import (
    DEFAULT_MODEL,
    METHODS,
    add_common_options,
    add_out_option,
    check_out,
    load_model,
    output_folder,
    parse_freqs,
    print_table,
    progress,
    wrote,
)


def register_cli(sub: Any) -> None:
    """Add the ``analyze`` subcommand.

    Parameters
    ----------
    sub : argparse._SubParsersAction
        The subparsers of the ``neuromf`` parser (:func:`neuromf.cli.build_parser`).
    """
    p = sub.add_parser(
        "analyze", help="working point and linear response of a model",
        description="Working point (Fourcaud & Brunel 2002 for exp synapses, Siegert for "
                    "delta synapses), transfer functions, stability (Nyquist criterion), "
                    "power spectra and the dominant eigenmode with its sensitivity "
                    "(Bos et al. 2016); writes DIR/results.h5 and figures.")
    p.add_argument("model", nargs="?", default=DEFAULT_MODEL,
                   help="built-in model name (see 'neuromf models') or network YAML file "
                        "(default: %(default)s)")
    p.add_argument("--analysis", metavar="FILE",
                   help="analysis-parameter YAML file or built-in model name whose analysis "
                        "parameters to use (frequencies, wavenumbers)")
    p.add_argument("--method", choices=METHODS, default="shift",
                   help="colored-noise approximation for exp synapses (default: shift)")
    p.add_argument("--freqs", metavar="F_MIN:F_MAX:DF",
                   help="analysis frequencies in Hz, e.g. 1:400:1 (default: the model's)")
    p.add_argument("--variance-channel", action="store_true",
                   help="include the response to the modulated input variance in the "
                        "effective connectivity (Brunel & Hakim 1999; NNMT and the default "
                        "use the mean channel only)")
    p.add_argument("--renewal", action="store_true",
                   help="power spectra with the neurons' spike-train spectra as noise "
                        "instead of Poisson noise (Lindner et al. 2002)")
    add_out_option(p, "analyze", "results.h5 and the figures")
    add_common_options(p)
    p.set_defaults(func=cmd_analyze)


def cmd_analyze(args: argparse.Namespace) -> int:
    """Run ``neuromf analyze``; 0 on success.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed arguments of ``neuromf analyze``.

    Returns
    -------
    int
        The exit code, 0 on success (bad input: exit code 2 and a one-line message).
    """
    out = check_out(args.out)
    changed = parse_freqs(args.freqs) if args.freqs else None
    net = load_model(args.model, args.analysis)
    if changed:
        net = net.change_parameters(changed_analysis_params=changed)
    from .. import lif
    from ..models import synapse_type
    from ..plotting import model_name, plot_working_point, save_figure

    with output_folder(out):
        kind = synapse_type(net.network_params)
        start = time.perf_counter()
        if kind == "delta":
            wp = lif.delta.working_point(net)
            label = "δ synapses (Siegert)"
        else:
            wp = lif.exp.working_point(net, method=args.method)
            label = f"exp synapses, method '{args.method}'"
        elapsed = time.perf_counter() - start
        pops = net.network_params["populations"]
        name = net.network_params.get("label", args.model)
        title_name = model_name(net, args.model)
        print(f"{name}: working point ({label}) in {elapsed * 1e3:.1f} ms")
        print_table(pops, {"rate (Hz)": (wp["firing_rates"], ".4f"),
                           "mu (mV)": (1e3 * wp["mean_input"], ".4f"),
                           "sigma (mV)": (1e3 * wp["std_input"], ".4f")})
        extra = _linear_response(net, kind, args.method, out, args.variance_channel,
                                 args.renewal, progress(args), title_name)
        net.save_results(out / "results.h5")
        fig = plot_working_point(pops, wp["firing_rates"], wp["mean_input"], wp["std_input"],
                                 title=f"{title_name}: working point ({label})")
        written = [out / "results.h5", save_figure(fig, out / "working_point.png"), *extra]
    wrote(written)
    return 0


def _linear_response(net: Any, kind: str, method: str, out: Path, variance_channel: bool,
                     renewal: bool, show_progress: bool, name: str) -> list[Path]:
    """Transfer functions, spectra and dominant eigenmode, with figures."""
    from ..analysis import linear_response_report

    if "omegas" not in net.analysis_params or not len(net.analysis_params["omegas"]):
        print("no analysis frequencies: skipping the linear response (give --freqs)")
        return []
    return linear_response_report(net, method, out, progress=show_progress,
                                  synapse_type=kind, variance_channel=variance_channel,
                                  renewal=renewal, model_name=name)
