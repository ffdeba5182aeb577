"""The interface between single-neuron theory and the network linear response.

The network linear response (Bos et al. 2016) is independent of the neuron model: it needs
the populations' rate responses to modulated input, which a neuron model provides.  Each
neuron model (:mod:`neuromf.lif.exp`, :mod:`neuromf.lif.delta`, or one of your own) registers
a :class:`NeuronModel` under its result-key prefix; the network-level functions of
:mod:`neuromf.linear_response` find the model's cached results under that prefix and, where
they need the response on a frequency grid of their own (:func:`.stability.unstable_modes`),
call the registered functions.  This package never imports a neuron model statically: a
model whose prefix is not registered yet is loaded by name, like a plug-in, from
:data:`PROVIDERS` (the built-in models) or from the entry-point group
``neuromf.neuron_models`` of an installed package (name: the prefix, value: the module).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from difflib import get_close_matches
from typing import Any

__all__ = ["NeuronModel", "register_neuron_model", "neuron_model", "registered_prefixes",
           "PROVIDERS"]


@dataclass(frozen=True)
class NeuronModel:
    """What a neuron model provides to the network linear response.

    A frozen dataclass: the parameters are its fields.  The model registers an instance
    with :func:`register_neuron_model`.

    Parameters
    ----------
    prefix : str
        Result-key prefix, ending in a dot (``'lif.exp.'``).  The model's network-level
        functions cache the working point (``prefix + 'firing_rates'``, ``'mean_input'``,
        ``'std_input'``) and the functions below under it.
    transfer_function : callable
        ``transfer_function(network, freqs=None, **options)``: rate response to modulated
        mean input in Hz/V, shape (n_freq, n); cached under ``prefix +
        'transfer_function'``.  ``freqs`` in Hz (default: the analysis frequencies).
    transfer_function_variance : callable, optional
        ``transfer_function_variance(network, freqs=None, **options)``: response to the
        input variance in Hz/V², cached under ``prefix + 'transfer_function_variance'``
        (needed for ``variance_channel=True``).
    spike_train_power_spectra : callable, optional
        ``spike_train_power_spectra(network, freqs=None)``: unperturbed single-neuron
        spike-train spectra in Hz, cached under ``prefix + 'spike_train_power_spectra'``
        (needed for ``renewal=True``).
    shared_options : tuple of str, optional
        Keyword options of ``transfer_function`` that ``transfer_function_variance``
        accepts as well (so that both belong to the same linear response).
    """

    prefix: str
    transfer_function: Callable[..., Any]
    transfer_function_variance: Callable[..., Any] | None = None
    spike_train_power_spectra: Callable[..., Any] | None = None
    shared_options: tuple[str, ...] = ()


_REGISTRY: dict[str, NeuronModel] = {}

#: Modules that register the built-in neuron models, loaded on first use of their prefix
#: (e.g. for a network whose results were loaded from a file).
PROVIDERS = {"lif.exp.": "neuromf.lif.exp", "lif.delta.": "neuromf.lif.delta"}

_ENTRY_POINT_GROUP = "neuromf.neuron_models"


def _load_provider(prefix: str) -> None:
    """Import the module that registers ``prefix``, if one is known."""
    module = PROVIDERS.get(prefix)
    if module is None:
        from importlib.metadata import entry_points

        found = [ep for ep in entry_points(group=_ENTRY_POINT_GROUP) if ep.name == prefix]
        if not found:
            return
        module = found[0].value
    importlib.import_module(module)


def register_neuron_model(model: NeuronModel) -> NeuronModel:
    """Register ``model`` under its prefix (replacing an earlier one) and return it.

    Parameters
    ----------
    model : NeuronModel
        The neuron model's interface (docs/architecture.md, "Adding a neuron model").

    Returns
    -------
    NeuronModel
        ``model`` itself.

    Raises
    ------
    TypeError
        If ``model`` is not a :class:`NeuronModel`.
    ValueError
        If its prefix does not end in '.'.
    """
    if not isinstance(model, NeuronModel):
        raise TypeError(f"register_neuron_model needs a NeuronModel, got "
                        f"{type(model).__name__}")
    if not model.prefix.endswith("."):
        raise ValueError(f"a neuron model's prefix must end in '.', got {model.prefix!r}")
    _REGISTRY[model.prefix] = model
    return model


def registered_prefixes() -> tuple[str, ...]:
    """The prefixes of the registered neuron models.

    Returns
    -------
    tuple of str
        In the order of registration.
    """
    return tuple(_REGISTRY)


def neuron_model(prefix: str) -> NeuronModel:
    """The neuron model registered under ``prefix``.

    A built-in model (:data:`PROVIDERS`) or one declared in the entry-point group
    ``neuromf.neuron_models`` is imported on first use.

    Parameters
    ----------
    prefix : str
        Result-key prefix, e.g. ``'lif.exp.'``.

    Returns
    -------
    NeuronModel
        The registered interface of that neuron model.

    Raises
    ------
    ValueError
        If no model is registered under ``prefix`` (with the closest registered one).
    """
    if isinstance(prefix, str) and prefix not in _REGISTRY:
        _load_provider(prefix)
    try:
        return _REGISTRY[prefix]
    except (KeyError, TypeError):
        candidates = sorted(set(_REGISTRY) | set(PROVIDERS))
        known = ", ".join(repr(p) for p in candidates)
        close = get_close_matches(str(prefix), candidates, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ValueError(f"prefix must name a registered neuron model, got {prefix!r} "
                         f"(known: {known}{hint}); a neuron model registers itself with "
                         "register_neuron_model (docs/architecture.md)") from None
