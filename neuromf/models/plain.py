"""Plain network: parameters converted to SI, nothing derived."""

from __future__ import annotations

from .network import Network


class Plain(Network):
    """Network that only reads its parameters and converts them to SI units.

    Parameters
    ----------
    network_params, analysis_params, file
        See :class:`neuromf.models.Network`.
    """
