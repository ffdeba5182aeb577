"""
Phase diagram of Brunel's (2000) E-I network
============================================

The phase diagram of Brunel's (2000) network of δ-synapse LIF neurons from the linear
stability of its asynchronous state.

For every (g, nu_ext/nu_thr) the working point is solved and the unstable modes of the
linearised dynamics are counted with the generalized Nyquist criterion
(:func:`neuromf.linear_response.unstable_modes`), with the response to the modulated
input mean *and variance* (Brunel & Hakim 1999; Brunel 2000 includes both).  Where the
asynchronous state is unstable, the lowest frequency at which an eigenvalue crosses the
real axis right of 1 tells the kind of oscillation: fast (set by the 1.5-ms delay) or
slow (set by the membrane time constant).

Reference result: Brunel 2000, Fig. 2A and Fig. 8: synchronous regular (SR) for g < 4,
asynchronous irregular (AI) for g > 4 above threshold, SI fast at strong drive and strong
inhibition, SI slow below threshold (nu_ext/nu_thr < 1).  The example prints, for the four
states A–D of Fig. 8, the predicted and the published state.

Usage::

    python examples/brunel2000_phase_diagram.py [--out brunel2000_phase_diagram.png]
        [--variance-channel/--no-variance-channel] [--workers 2] [--quick]

``--quick`` (and the docs build) evaluates a 4 x 3 grid through the four states only (a
few seconds).
"""

# %%
# Stability over the (g, nu_ext) plane
# ------------------------------------

from __future__ import annotations

import argparse
import os

import numpy as np

from neuromf import linear_response
from neuromf.lif import delta
from neuromf.scan import register_quantity, scan

NU_THR = 10.0   # Hz: theta / (j K_E tau_m) of the built-in model (20 mV / (0.1 mV 1000 20 ms))
STATES = {"A": (3.0, 2.0), "B": (6.0, 4.0), "C": (5.0, 2.0), "D": (4.5, 0.9)}   # Fig. 8
PUBLISHED = {"A": "SR", "B": "SI fast", "C": "AI", "D": "SI slow"}               # Fig. 2A
GALLERY = os.environ.get("NEUROMF_DOCS_QUICK") == "1"   # docs build: quick, figure stays open


def _classify(count: int, f_cross: float, g: float) -> str:
    """State from the linear stability: AI if stable, else SR (g < 4) or SI fast/slow."""
    if count == 0:
        return "AI"
    if g < 4:
        return "SR"
    return "SI fast" if f_cross > 100 else "SI slow"


def _stability(net, variance_channel: bool) -> np.ndarray:
    delta.working_point(net)
    result = linear_response.unstable_modes(net, prefix="lif.delta.",
                                            variance_channel=variance_channel)
    freqs = result["crossing_frequencies"] or [np.nan]
    return np.array([result["count"], min(freqs)])


def main() -> None:
    ap = argparse.ArgumentParser(description="Phase diagram of Brunel's (2000) E-I network")
    ap.add_argument("--out", default="brunel2000_phase_diagram.png")
    ap.add_argument("--variance-channel", action=argparse.BooleanOptionalAction,
                    default=True)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--quick", action="store_true", help="coarse grid through A-D only")
    args = ap.parse_args()
    args.quick = args.quick or GALLERY

    register_quantity("stability",
                      lambda net, method: _stability(net, args.variance_channel),
                      "dimensionless")
    if args.quick:
        g, eta = np.array([3.0, 4.5, 5.0, 6.0]), np.array([0.9, 2.0, 4.0])
    else:
        g, eta = np.arange(2.0, 8.01, 0.25), np.arange(0.5, 4.01, 0.125)
    res = scan("brunel2000_C", {"g": g, "nu_ext": eta * NU_THR}, quantity="stability",
               workers=args.workers, progress=not args.quick)
    count, f_cross = res.data[..., 0], res.data[..., 1]
    agree = 0
    for label, (gx, ex) in STATES.items():
        i, j = np.argmin(abs(g - gx)), np.argmin(abs(eta - ex))
        state = _classify(int(count[i, j]), f_cross[i, j], g[i])
        agree += state == PUBLISHED[label]
        print(f"state {label} (g = {g[i]:g}, nu_ext/nu_thr = {eta[j]:g}): "
              f"{int(count[i, j])} unstable modes, lowest crossing {f_cross[i, j]:.0f} Hz "
              f"-> {state}; Brunel 2000: {PUBLISHED[label]}")
    print(f"{agree} of {len(STATES)} states agree with Brunel 2000, Fig. 2A")

    import matplotlib
    import matplotlib.pyplot as plt

    from neuromf.plotting import use_style

    use_style()

    fig, ax = plt.subplots(figsize=(6, 4.5))
    stable = count == 0
    shown = np.where(stable, np.nan, f_cross)
    mesh = ax.pcolormesh(g, eta, shown.T, shading="nearest", cmap="viridis",
                         norm=matplotlib.colors.LogNorm(vmin=10, vmax=1000))
    ax.contour(g, eta, stable.T.astype(float), levels=[0.5], colors="k", linewidths=1.5)
    fig.colorbar(mesh, ax=ax, label="frequency of the unstable mode (Hz)")
    for label, (gx, ex) in STATES.items():
        ax.plot(gx, ex, "wo", mec="k")
        ax.annotate(label, (gx, ex), xytext=(4, 4), textcoords="offset points")
    ax.text(6.5, 1.7, "AI\n(stable)", ha="center")
    ax.plot([], [], "k-", label="stability boundary (Nyquist)")
    ax.plot([], [], "wo", mec="k", label="states A-D of Brunel 2000, Fig. 8")
    ax.legend(loc="upper left")
    ax.grid(False)
    ax.set_xlabel("relative inhibition g (dimensionless)")
    ax.set_ylabel(r"external drive $\nu_{ext}/\nu_{thr}$ (dimensionless)")
    channel = "mean and variance" if args.variance_channel else "mean only"
    ax.set_title(f"Brunel 2000 network: linear stability ({channel} channel)", fontsize=9)
    fig.tight_layout()
    print(f"stable (AI) at {stable.sum()} of {stable.size} grid points")
    if not GALLERY:
        fig.savefig(args.out, dpi=80)
        print(f"figure {args.out}")


if __name__ == "__main__":
    main()
