"""The one stability verdict of a working point, shared by every report of neuromf.

Is the asynchronous state of a model linearly stable?  The answer depends on the
effective connectivity that the Nyquist count of unstable modes
(:func:`neuromf.linear_response.unstable_modes`; generalized Nyquist criterion,
MacFarlane & Postlethwaite 1977) is applied to.  neuromf's reports (``neuromf
analyze``, ``compare``, ``lfp``, ``scan``, the examples and their figures) all use
:func:`stability_verdict`, whose default convention is

* **the mean and the variance channel** (Brunel & Hakim 1999, Eqs. 34-36; Lindner &
  Schimansky-Geier 2001): a rate change of the sources modulates both the mean and the
  variance of the targets' input.  With it the count reproduces Brunel's (2000) states
  A-D and NEST's oscillation frequencies (docs/user_guide/stability.md);

and shows the other convention,

* **the mean channel only** (NNMT; Bos et al. 2016, Eq. 16), beside it where the two
  disagree.  The mean-only count calls Brunel's state D stable although it oscillates
  at 22 Hz, and puts the microcircuit's instability at 317 / 334 Hz instead of NEST's
  82-84 Hz.

The variance channel is available for δ synapses and, for exponential synapses, with
the 'shift' approximation (Fourcaud & Brunel 2002); with ``method='taylor'`` the verdict
falls back to the mean channel and says so.  The library's own defaults
(``effective_connectivity(variance_channel=False)``) stay NNMT's, so that NNMT scripts
give NNMT's numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["StabilityVerdict", "stability_verdict", "CONVENTIONS", "DEFAULT_CONVENTION",
           "convention_label", "UNSTABLE_MARK"]

#: convention name -> label used in every report and figure
CONVENTIONS = {
    "variance": "mean and variance channel, Brunel & Hakim 1999",
    "mean": "mean channel only, NNMT / Bos et al. 2016",
}

#: The convention of every stability verdict, unless a command is told otherwise.
DEFAULT_CONVENTION = "variance"

#: Figure and table mark of a linearly unstable working point.
UNSTABLE_MARK = "linearly unstable: spectrum of the linearised, not the stationary state"


def convention_label(convention: str) -> str:
    """Label of a stability convention ('variance' or 'mean') for reports.

    Parameters
    ----------
    convention : {'variance', 'mean'}
        The stability convention.

    Returns
    -------
    str
        The label, e.g. 'mean + variance channel'.

    Raises
    ------
    ValueError
        For an unknown convention.
    """
    try:
        return CONVENTIONS[convention]
    except KeyError:
        raise ValueError(f"unknown stability convention {convention!r}; allowed: "
                         f"{', '.join(map(repr, CONVENTIONS))}") from None


def _count_line(count: int, freqs: list[float] | None) -> str:
    text = f"{count} unstable mode{'s' if count != 1 else ''}"
    if count and freqs:
        text += " at " + ", ".join(f"{f:.0f}" for f in freqs) + " Hz"
    return text


@dataclass
class StabilityVerdict:
    """Result of :func:`stability_verdict`.

    Parameters
    ----------
    convention : str
        'variance' or 'mean': the convention the verdict is given in.
    count : int
        Number of linearly unstable modes (Nyquist) in that convention.
    crossing_frequencies : list of float
        Hz, where eigenvalues of M cross the real axis right of 1.
    other_convention : str or None
        The other convention, if it was evaluated.
    other_count : int or None
        Number of unstable modes in the other convention.
    other_crossing_frequencies : list of float or None
        Hz, the crossings in the other convention.
    note : str
        Why the default convention was not used, if it was not ('' otherwise).
    """

    convention: str
    count: int
    crossing_frequencies: list[float] = field(default_factory=list)
    other_convention: str | None = None
    other_count: int | None = None
    other_crossing_frequencies: list[float] | None = None
    note: str = ""

    @property
    def stable(self) -> bool:
        """True if the working point is linearly stable in the verdict's convention."""
        return self.count == 0

    @property
    def conventions_disagree(self) -> bool:
        """True if the other convention gives another count or other frequencies."""
        if self.other_count is None:
            return False
        return (_count_line(self.count, self.crossing_frequencies)
                != _count_line(self.other_count, self.other_crossing_frequencies))

    @property
    def headline(self) -> str:
        """The verdict in one line (starts with 'linearly stable' or 'linearly unstable')."""
        label = convention_label(self.convention)
        if self.stable:
            text = f"linearly stable: 0 unstable modes (Nyquist criterion, {label})"
        else:
            text = (f"linearly unstable: {_count_line(self.count, self.crossing_frequencies)} "
                    f"(Nyquist criterion, {label}); the linear theory predicts growing "
                    "oscillations, and its power spectra describe no stationary state")
        return text + (f" [{self.note}]" if self.note else "")

    @property
    def other_line(self) -> str:
        """One line with the other convention's count ('' where both agree)."""
        if not self.conventions_disagree:
            return ""
        return (f"{convention_label(self.other_convention)}: "
                f"{_count_line(self.other_count, self.other_crossing_frequencies)}"
                + (" (stable)" if self.other_count == 0 else ""))

    @property
    def text(self) -> str:
        """The headline and, where the conventions disagree, the other one."""
        return self.headline + (f"\n  {self.other_line}" if self.other_line else "")

    @property
    def mark(self) -> str:
        """Mark for a figure or table of this working point ('' if it is stable)."""
        if self.stable:
            return ""
        channel = "mean + variance channel" if self.convention == "variance" else \
            "mean channel only"
        return (f"linearly unstable ({_count_line(self.count, self.crossing_frequencies)}, "
                f"{channel}): spectrum of the linearised, not the stationary state")

    def as_dict(self) -> dict:
        """JSON-serialisable summary.

        Returns
        -------
        dict
            Convention, label, stable, unstable_modes, crossing_frequencies_hz (Hz), the
            other convention's count and crossings, note.
        """
        return {"convention": self.convention, "label": convention_label(self.convention),
                "stable": self.stable, "unstable_modes": self.count,
                "crossing_frequencies_hz": list(self.crossing_frequencies),
                "other_convention": self.other_convention,
                "other_unstable_modes": self.other_count,
                "other_crossing_frequencies_hz": self.other_crossing_frequencies,
                "note": self.note, "text": self.text}


def _synapse_kind(network: Any) -> str:
    from .models import synapse_type

    return synapse_type(network.network_params)


def stability_verdict(network: Any, *, method: str = "shift",
                      convention: str = DEFAULT_CONVENTION, other: bool = True
                      ) -> StabilityVerdict:
    """Number of linearly unstable modes of the working point, in one convention.

    Computes the working point if it is not cached (Fourcaud & Brunel 2002 for
    exponential synapses with ``method``, Siegert for δ synapses), then counts the
    zeros of det(1 - M(s)) in the right half-plane
    (:func:`neuromf.linear_response.unstable_modes`) with the effective connectivity of
    ``convention`` (see the module docstring) and, with ``other``, also of the other
    convention.  The network's cached results other than the working point are not
    changed.

    Parameters
    ----------
    network : Network
        A LIF network with exponential or δ synapses.
    method : {'shift', 'taylor'}
        Colored-noise approximation of exponential synapses (ignored for δ synapses).
    convention : {'variance', 'mean'}
        Effective connectivity of the verdict (default: :data:`DEFAULT_CONVENTION`).
        'variance' with ``method='taylor'`` falls back to 'mean', with a ``note``.
    other : bool
        Also evaluate the other convention (shown where the two disagree).

    Returns
    -------
    StabilityVerdict
        Count, crossing frequencies and, with ``other``, those of the other convention.
    """
    from . import linear_response
    from .lif import delta, exp

    convention_label(convention)
    kind = _synapse_kind(network)
    if kind == "delta":
        prefix, kwargs, model = "lif.delta.", {}, delta
        if "lif.delta.mean_input" not in network.results:
            delta.working_point(network)
    else:
        prefix, kwargs, model = "lif.exp.", {"method": method}, exp
        if "lif.exp.mean_input" not in network.results:
            exp.working_point(network, method=method)
    del model
    note = ""
    if convention == "variance" and kwargs.get("method", "shift") != "shift":
        convention = "mean"
        note = f"the variance channel needs method 'shift', not {method!r}: mean channel only"
        other = False

    def count(conv: str) -> tuple[int, list[float]]:
        res = linear_response.unstable_modes(network, prefix=prefix,
                                             variance_channel=conv == "variance", **kwargs)
        return int(res["count"]), [float(f) for f in (res["crossing_frequencies"] or [])]

    n, freqs = count(convention)
    verdict = StabilityVerdict(convention=convention, count=n, crossing_frequencies=freqs,
                               note=note)
    if other:
        alt = "mean" if convention == "variance" else "variance"
        verdict.other_convention = alt
        verdict.other_count, verdict.other_crossing_frequencies = count(alt)
    return verdict


def mark_figure(fig: Any, verdict: StabilityVerdict | None) -> Any:
    """Mark ``fig`` as a figure of an unstable working point (nothing if stable).

    The mark (:attr:`StabilityVerdict.mark`) is added as the figure's super-title, below
    an existing one, so that a spectrum of an unstable working point is never shown
    unmarked (and constrained layout keeps it clear of the axes).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure.
    verdict : StabilityVerdict or None
        The verdict of the working point shown (None: no mark).

    Returns
    -------
    matplotlib.figure.Figure
        ``fig`` itself.
    """
    if verdict is None or not verdict.mark:
        return fig
    import textwrap

    existing = fig._suptitle.get_text() if getattr(fig, "_suptitle", None) else ""
    mark = "\n".join(textwrap.wrap(verdict.mark, width=int(12 * fig.get_figwidth())))
    text = f"{existing}\n{mark}" if existing else mark
    fig.suptitle(text, color="tab:red" if not existing else "black", fontsize=9)
    return fig


__all__ += ["mark_figure"]
