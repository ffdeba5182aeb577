"""Command-line interface: ``neuromf`` (or ``python -m neuromf``).

Subcommands
-----------
models                      list the built-in models
analyze [MODEL|network.yaml] working point (and linear response) -> DIR/results.h5 + figures
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

DEFAULT_MODEL = "potjans2014"


def _load_model(model: str, analysis: str | None):
    from .models import load_model

    return load_model(model, analysis)


def _print_table(populations, columns: dict[str, tuple[np.ndarray, str]], file=None):
    file = sys.stdout if file is None else file
    names = [str(p) for p in populations]
    width = max(10, max(len(n) for n in names) + 2)
    header = f"{'population':<{width}}" + "".join(f"{h:>16}" for h in columns)
    print(header, file=file)
    print("-" * len(header), file=file)
    for i, name in enumerate(names):
        row = f"{name:<{width}}"
        for values, fmt in columns.values():
            row += f"{values[i]:>16{fmt}}"
        print(row, file=file)


def _parse_freqs(text: str) -> dict:
    from .utils import ureg

    try:
        f_min, f_max, df = (float(part) for part in text.split(":"))
    except ValueError:
        raise SystemExit(f"--freqs must be f_min:f_max:df in Hz, got {text!r}") from None
    if not (0 <= f_min < f_max) or df <= 0:
        raise SystemExit(f"--freqs needs 0 <= f_min < f_max and df > 0, got {text!r}")
    return {"f_min": f_min * ureg.Hz, "f_max": f_max * ureg.Hz, "df": df * ureg.Hz}


def cmd_models(args: argparse.Namespace) -> int:
    from .models import available

    for name, description in available().items():
        print(f"{name:<16} {description}")
    return 0


def cmd_analyze(args: argparse.Namespace) -> int:
    from . import lif
    from .plotting import plot_working_point, save_figure

    try:
        net = _load_model(args.model, args.analysis)
    except (ValueError, FileNotFoundError) as err:
        print(f"neuromf analyze: {err}", file=sys.stderr)
        return 2
    if args.freqs:
        net = net.change_parameters(changed_analysis_params=_parse_freqs(args.freqs))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    from .models import synapse_type

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
    print(f"{name}: working point ({label}) in {elapsed * 1e3:.1f} ms")
    _print_table(pops, {"rate (Hz)": (wp["firing_rates"], ".4f"),
                        "mu (mV)": (1e3 * wp["mean_input"], ".4f"),
                        "sigma (mV)": (1e3 * wp["std_input"], ".4f")})
    extra = _linear_response(net, kind, args.method, out,
                             getattr(args, "variance_channel", False),
                             getattr(args, "renewal", False))
    net.save_results(out / "results.h5")
    fig = plot_working_point(pops, wp["firing_rates"], wp["mean_input"], wp["std_input"],
                             title=f"{name}: working point")
    written = [out / "results.h5", save_figure(fig, out / "working_point.png"), *extra]
    print("wrote " + ", ".join(str(p) for p in written))
    return 0


def _linear_response(net, kind: str, method: str, out: Path,
                     variance_channel: bool = False, renewal: bool = False) -> list[Path]:
    """Transfer functions, spectra and dominant eigenmode, with figures."""
    from .analysis import linear_response_report

    if "omegas" not in net.analysis_params or not len(net.analysis_params["omegas"]):
        print("no analysis frequencies: skipping the linear response (give --freqs)")
        return []
    return linear_response_report(net, method, out, synapse_type=kind,
                                  variance_channel=variance_channel, renewal=renewal)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="neuromf",
        description="Mean-field theory of spiking LIF networks (NNMT-compatible).")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("models", help="list built-in models")
    p.set_defaults(func=cmd_models)

    p = sub.add_parser("analyze", help="working point and linear response of a model")
    p.add_argument("model", nargs="?", default=DEFAULT_MODEL,
                   help="built-in model name or network YAML file (default: %(default)s)")
    p.add_argument("--analysis", help="analysis-parameter YAML file")
    p.add_argument("--method", choices=["shift", "taylor"], default="shift",
                   help="colored-noise approximation for exp synapses (default: shift)")
    p.add_argument("--freqs", help="analysis frequencies f_min:f_max:df in Hz")
    p.add_argument("--variance-channel", action="store_true",
                   help="include the response to the modulated input variance in the "
                        "effective connectivity (Brunel & Hakim 1999; NNMT and the default "
                        "use the mean channel only)")
    p.add_argument("--renewal", action="store_true",
                   help="power spectra with the neurons' spike-train spectra as noise "
                        "instead of Poisson noise (Lindner et al. 2002)")
    p.add_argument("--out", default="neuromf_out", help="output directory")
    p.set_defaults(func=cmd_analyze)

    for register in _extra_commands():
        register(sub)
    return parser


def _extra_commands() -> list[Any]:
    """Subcommands contributed by optional modules (simulation, LFP, stability, scan)."""
    registrars = []
    for module_name in ("simulation.cli", "lfp.cli", "stability_cli", "scan"):
        try:
            module = __import__(f"neuromf.{module_name}", fromlist=["register_cli"])
        except ModuleNotFoundError as err:
            if err.name and err.name.startswith("neuromf"):
                continue  # that part of neuromf is not in this installation
            raise
        if hasattr(module, "register_cli"):
            registrars.append(module.register_cli)
    return registrars


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except ImportError as err:     # a missing optional extra (NEST, LFPy, ...)
        print(f"neuromf {args.command}: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
