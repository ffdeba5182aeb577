"""Leaky integrate-and-fire neurons: ``delta`` (δ synapses) and ``exp`` (exponential synapses)."""

from . import delta, exp

__all__ = ["delta", "exp"]
