"""``neuromf stability [MODEL]``: linear stability of a spatially structured network.

Prints the working point, the rate model fitted to the LIF transfer function and the
most unstable eigenvalue (Senk et al. 2020; :func:`neuromf.stability_report.
stability_analysis`), and writes ``DIR/results.h5`` and ``DIR/eigenvalues_vs_k.png``.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from ._common import (
    METHODS,
    UserError,
    add_common_options,
    add_out_option,
    check_out,
    load_model,
    output_folder,
    wrote,
)

DEFAULT_MODEL = "senk2020"
#: as neuromf.stability_report.PROFILES (not imported here: --help must stay fast)
PROFILES = ("boxcar", "exponential", "gaussian")


def register_cli(sub: Any) -> None:
    """Add the ``stability`` subcommand.

    Parameters
    ----------
    sub : argparse._SubParsersAction
        The subparsers of the ``neuromf`` parser (:func:`neuromf.cli.build_parser`).
    """
    p = sub.add_parser(
        "stability",
        help="most unstable eigenvalue of a spatially structured network (Senk et al. 2020)",
        description="Working point, low-pass fit of the LIF transfer function (rate model) "
                    "and rate-model eigenvalues over wavenumbers and Lambert W branches; "
                    "prints the most unstable eigenvalue and writes DIR/results.h5 and "
                    "DIR/eigenvalues_vs_k.png.")
    p.add_argument("model", nargs="?", default=DEFAULT_MODEL,
                   help="built-in model name or network YAML file with 'width' "
                        "(default: %(default)s)")
    p.add_argument("--analysis", metavar="FILE",
                   help="analysis-parameter YAML file (needs k_min, k_max, dk) or built-in "
                        "model name whose analysis parameters to use")
    p.add_argument("--method", choices=METHODS, default="shift",
                   help="colored-noise approximation (default: %(default)s)")
    p.add_argument("--profile", choices=PROFILES, default="boxcar",
                   help="spatial connectivity profile (default: %(default)s)")
    p.add_argument("--max-branch", type=int, default=2, metavar="N",
                   help="use the Lambert W branches -N .. N (default: %(default)s)")
    p.add_argument("--lif", action="store_true",
                   help="also follow the eigenvalue from the rate model to the LIF network "
                        "(alpha = 0 -> 1, Senk 2020 Fig. 6; a few seconds)")
    add_out_option(p, "stability", "results.h5 and eigenvalues_vs_k.png")
    add_common_options(p)
    p.set_defaults(func=cmd_stability)


def cmd_stability(args: argparse.Namespace) -> int:
    """Run the stability analysis for ``args.model``; 0 on success.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed arguments of ``neuromf stability``.

    Returns
    -------
    int
        The exit code, 0 on success (bad input: exit code 2 and a one-line message).
    """
    if args.max_branch < 0:
        raise UserError(f"--max-branch must be >= 0, got {args.max_branch}")
    out = check_out(args.out)
    net = load_model(args.model, args.analysis)
    import numpy as np

    from ..plotting import save_figure
    from ..stability_report import plot_eigenvalues_vs_k, stability_analysis

    branches = np.arange(-args.max_branch, args.max_branch + 1)
    start = time.perf_counter()
    res = stability_analysis(net, method=args.method, branches=branches,
                             profile=args.profile, lif=args.lif, name=args.model)
    elapsed = time.perf_counter() - start

    label = net.network_params.get("label", args.model)
    wp = res["working_point"]
    pops = [str(x) for x in net.network_params.get("populations", range(len(wp["mean_input"])))]
    print(f"{label}: stability analysis ('{args.method}', {args.profile} profile, branches "
          f"{branches[0]}..{branches[-1]}, {res['k_wavenumbers'].size} wavenumbers) "
          f"in {elapsed:.2f} s")
    for i, pop in enumerate(pops):
        print(f"  {pop:<8} rate {wp['firing_rates'][i]:10.4f} Hz   "
              f"mu {1e3 * wp['mean_input'][i]:8.4f} mV   "
              f"sigma {1e3 * wp['std_input'][i]:8.4f} mV")
    print(f"rate model: tau_rate = {1e3 * np.ravel(res['tau_rate'])[0]:.6g} ms, "
          f"fit error = {100 * np.max(res['fit_error']):.3g} %, W_rate (row 0) = "
          f"{np.array2string(res['W_rate'][0], precision=6)}")
    lam = res["eigenvalue"]
    print("most unstable eigenvalue:")
    print(f"  lambda     = {lam.real:.12g} {'+' if lam.imag >= 0 else '-'} "
          f"{abs(lam.imag):.12g}j 1/s")
    print(f"  branch     = {res['branch']}")
    print(f"  wavenumber = {1e-3 * res['k']:.12g} 1/mm")
    print(f"  wavelength = {1e3 * res['wavelength']:.6g} mm")
    print(f"  frequency  = {res['frequency']:.6g} Hz")
    if args.lif:
        lam_lif = res["eigenvalue_lif"]
        print(f"  LIF network (alpha = 1): lambda = {lam_lif.real:.8g} "
              f"{'+' if lam_lif.imag >= 0 else '-'} {abs(lam_lif.imag):.8g}j 1/s, "
              f"frequency {lam_lif.imag / (2 * np.pi):.6g} Hz")
    verdict = ("linearly stable (Re lambda < 0)" if res["stable"]
               else "linearly UNSTABLE (Re lambda >= 0)")
    print(f"state (rate model): {verdict}")
    if args.lif:
        stable_lif = res["eigenvalue_lif"].real < 0
        print(f"state (LIF network, branch {res['branch']}): "
              f"{'linearly stable' if stable_lif else 'linearly UNSTABLE'}")

    with output_folder(out):
        net.save_results(out / "results.h5")
        from ..plotting import model_name

        fig = plot_eigenvalues_vs_k(res, title=f"{model_name(net, args.model)}: rate-model "
                                               f"eigenvalues ('{args.method}', "
                                               f"{args.profile} profile)")
        written = [out / "results.h5", save_figure(fig, out / "eigenvalues_vs_k.png")]
    wrote(written)
    return 0
