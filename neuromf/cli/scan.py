"""``neuromf scan MODEL --param NAME=START:STOP:STEP ...``: a quantity over a grid.

Evaluates a quantity (rates, spectra peaks, eigenvalues, ...) on the cartesian grid of
the given parameter axes (:func:`neuromf.scan.scan`), prints a table and writes
``DIR/scan.h5`` (also the checkpoint: running the same scan with the same ``--out``
resumes) and a heat map ``DIR/scan_<quantity>.png`` (:mod:`neuromf.scan_report`).

Axis ranges ``START:STOP:STEP`` include STOP when it lies on the grid, as one reads
them: ``g=4:6:1`` is 4, 5, 6.
"""

from __future__ import annotations

import argparse
import math
import os
from pathlib import Path
from typing import Any

from ._common import (
    METHODS,
    UserError,
    add_common_options,
    add_out_option,
    check_out,
    load_model,
    output_folder,
    positive_float,
    positive_int,
    progress,
    quiet_workers_on_interrupt,
    wrote,
)

#: at most this many grid points per axis
MAX_AXIS_POINTS = 100_000
#: some of neuromf.scan.QUANTITIES (for --help, without importing neuromf.scan)
_QUANTITY_HELP = ("rates, mean_input, std_input, peak_frequency, peak_power, "
                  "most_unstable_eigenvalue, unstable_modes, unstable_modes_with_variance, "
                  "tau_rate")


def register_cli(sub: Any) -> None:
    """Add the ``scan`` subcommand.

    Parameters
    ----------
    sub : argparse._SubParsersAction
        The subparsers of the ``neuromf`` parser (:func:`neuromf.cli.build_parser`).
    """
    p = sub.add_parser(
        "scan", help="evaluate a quantity over a grid of model parameters",
        description="Evaluate a quantity on the cartesian grid of one or more parameter "
                    "axes; print a table, write DIR/scan.h5 (resumable checkpoint) and a "
                    "heat map DIR/scan_<quantity>.png.",
        epilog="Ranges START:STOP:STEP include STOP: 'g=4:6:1' scans g = 4, 5, 6. "
               "Example: neuromf scan brunel2000_C --param g=4:6:0.5 "
               "--param 'nu_ext=10:30:5 Hz'")
    p.add_argument("model", help="built-in model name or network YAML file")
    p.add_argument("--param", action="append", required=True, metavar="NAME=VALUES",
                   help="scan axis NAME=START:STOP:STEP (STOP included) or NAME=V1,V2,...; "
                        "values in the model's unit for NAME, or append a unit of the same "
                        "dimension: 'tau_m=5:20:5 ms'; repeat for more axes")
    p.add_argument("--quantity", default="rates",
                   help=f"quantity to evaluate, e.g. {_QUANTITY_HELP}; a wrong name lists all "
                        f"(default: %(default)s)")
    p.add_argument("--method", default="shift", choices=METHODS,
                   help="colored-noise approximation for exp synapses (default: %(default)s)")
    p.add_argument("--workers", type=positive_int, default=os.cpu_count() or 1,
                   help="local worker processes (default: the number of CPUs, "
                        "%(default)s here)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="run on a Dask cluster, e.g. tcp://host:8786 (extra 'dask'); "
                        "overrides --workers")
    p.add_argument("--scheduler-timeout", type=positive_float, default=10.0,
                   metavar="SECONDS",
                   help="give up connecting to --scheduler after this long "
                        "(default: %(default)s)")
    add_out_option(p, "scan", "scan.h5 (the checkpoint a rerun resumes from) and the "
                              "heat map", note=", except the checkpoint")
    add_common_options(p)
    p.set_defaults(func=cmd_scan)


def _number(text: str, what: str, axis: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise UserError(f"--param {axis}: {what} {text.strip()!r} is not a number") from None
    if not math.isfinite(value):
        raise UserError(f"--param {axis}: {what} must be finite, got {text.strip()!r}")
    return value


def _parse_axis(text: str) -> tuple[str, Any]:
    """``'g=3:8:0.5'`` (START:STOP:STEP, STOP included), ``'g=3,4,5'``, or with a unit
    ``'tau_m=5:20:5 ms'`` -> (name, values or pint quantity)."""
    import numpy as np

    try:
        name, spec = text.split("=", 1)
    except ValueError:
        raise UserError(f"--param needs NAME=START:STOP:STEP or NAME=V1,V2,..., got "
                        f"{text!r}") from None
    name = name.strip()
    if not name:
        raise UserError(f"--param {text!r}: the parameter NAME before '=' is missing")
    spec, _, unit = spec.strip().partition(" ")
    unit = unit.strip()
    if ":" in spec:
        parts = spec.split(":")
        if len(parts) != 3:
            raise UserError(f"--param {name}: a range is START:STOP:STEP, got {spec!r}")
        start, stop, step = (_number(x, w, name) for x, w in
                             zip(parts, ("START", "STOP", "STEP"), strict=True))
        if step <= 0 or stop <= start:
            raise UserError(f"--param {name}: need STOP > START and STEP > 0, got {spec!r}")
        # STOP is included when it lies on the grid (up to rounding of the decimal input)
        n = int(math.floor((stop - start) / step * (1 + 1e-12) + 1e-9)) + 1
        if n > MAX_AXIS_POINTS:
            raise UserError(f"--param {name}={spec} gives {n} points; at most "
                            f"{MAX_AXIS_POINTS} per axis are allowed")
        values = start + step * np.arange(n)
    else:
        values = np.array([_number(x, "value", name) for x in spec.split(",")])
    if not unit:
        return name, values
    from ..utils import ureg

    try:
        return name, ureg.Quantity(values, unit)
    except Exception as err:  # noqa: BLE001 -- pint raises several kinds for bad units
        raise UserError(f"--param {name}: unknown unit {unit!r} "
                        f"({' '.join(str(err).split())})") from None


def _check_axis_unit(network: Any, name: str, values: Any) -> None:
    """A unit given for an axis must have the dimension of the model's parameter."""
    from ..utils import is_quantity, ureg

    if not is_quantity(values):
        return
    given = network.input_units.get(name) or ""
    expected = ureg.Quantity(1.0, given).dimensionality
    if values.dimensionality != expected:
        allowed = f"a unit of {given!r}" if given else "no unit (dimensionless)"
        raise UserError(f"--param {name}: unit {str(values.units)!r} has dimension "
                        f"{values.dimensionality}, but {name} needs {allowed}")


def _connect(address: str, timeout: float) -> Any:
    try:
        from distributed import Client
    except ImportError:
        raise UserError("--scheduler needs the extra 'dask': pip install "
                        "'neuromf[dask]'") from None
    try:
        return Client(address, timeout=timeout)
    except (OSError, TimeoutError, ValueError) as err:
        reason = " ".join(str(err).split()) or type(err).__name__
        raise UserError(f"--scheduler {address!r}: cannot connect within {timeout:g} s "
                        f"({reason}); start one with 'dask scheduler' or omit "
                        f"--scheduler") from None


def _check_checkpoint(path: Path) -> None:
    from ..scan import ScanResult

    if not path.exists():
        return
    try:
        ScanResult.load(path)
    except Exception as err:  # noqa: BLE001 -- any unreadable file is the same user error
        reason = " ".join(str(err).split()) or type(err).__name__
        raise UserError(f"--out: {str(path)!r} is not a readable scan checkpoint "
                        f"({reason}); delete it or choose another --out") from None


def cmd_scan(args: argparse.Namespace) -> int:
    """Run ``neuromf scan``; print the table; 0 on success.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed arguments of ``neuromf scan``.

    Returns
    -------
    int
        The exit code, 0 on success (bad input: exit code 2 and a one-line message).
    """
    out = check_out(args.out)
    axes = dict(_parse_axis(text) for text in args.param)
    if len(axes) != len(args.param):
        raise UserError("--param: each parameter may be given once")
    network = load_model(args.model)
    for name, values in axes.items():
        _check_axis_unit(network, name, values)
    checkpoint = out / "scan.h5"
    _check_checkpoint(checkpoint)
    import numpy as np

    from ..plotting import save_figure
    from ..scan import QUANTITIES, scan
    from ..scan_report import SPECTRAL_QUANTITIES, plot_scan, scan_table

    if args.quantity not in QUANTITIES:
        raise UserError(f"--quantity {args.quantity!r} is not one of "
                        f"{', '.join(QUANTITIES)}")
    client = _connect(args.scheduler, args.scheduler_timeout) if args.scheduler else None
    try:
        with output_folder(out, keep=[checkpoint]), quiet_workers_on_interrupt():
            result = scan(network, axes, quantity=args.quantity, method=args.method,
                          out=checkpoint, workers=args.workers, scheduler=client,
                          progress=progress(args))
            unstable = None
            if args.quantity in SPECTRAL_QUANTITIES:   # mark where spectra mean nothing
                counts = scan(network, axes, quantity="unstable_modes", method=args.method,
                              out=out / "scan_unstable_modes.h5", workers=args.workers,
                              scheduler=client, progress=progress(args))
                unstable = np.asarray(counts.data) > 0
            units = {name: network.input_units.get(name) for name in result.axis_names}
            figure = save_figure(plot_scan(result, units, unstable=unstable),
                                 out / f"scan_{result.quantity}.png")
    finally:
        if client is not None:
            client.close()

    grid = " x ".join(str(len(v)) for v in result.axis_values)
    print(f"{result.quantity} ({result.unit}) on a {grid} grid of "
          f"{', '.join(result.axis_names)}: wrote {checkpoint}")
    print(scan_table(result, units, unstable=unstable))
    data = result.data
    finite = data[np.isfinite(data)] if data.dtype.kind == "f" else data
    if finite.size:
        print(f"range: {np.min(finite):.6g} .. {np.max(finite):.6g} {result.unit}")
    wrote([checkpoint] + ([out / "scan_unstable_modes.h5"] if unstable is not None else [])
          + [figure])
    return 0
