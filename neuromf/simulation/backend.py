"""Lazy access to the optional dependencies of :mod:`neuromf.simulation`.

NEST and matplotlib are imported only when a function needs them, so that
``import neuromf`` (and ``import neuromf.simulation``) works without them.
"""

from __future__ import annotations

import os
import warnings
from types import ModuleType

__all__ = ["import_nest", "new_figure", "nest_available", "available_cores",
           "INSTALL_HINT"]

INSTALL_HINT = "pip install 'neuromf[sim]'"


def import_nest() -> ModuleType:
    """Import and return the ``nest`` module (NEST >= 3), quietly.

    Returns
    -------
    module
        The ``nest`` module.

    Raises
    ------
    ImportError
        If NEST is not installed, naming the ``sim`` extra that provides it.
    """
    # NEST prints a banner on import unless told otherwise.
    os.environ.setdefault("PYNEST_QUIET", "1")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import nest  # noqa: PLC0415
    except ImportError as err:
        raise ImportError(
            "neuromf.simulation needs the NEST simulator (nest-simulator >= 3.0), which is "
            f"not installed; install the simulation extra with: {INSTALL_HINT}  "
            f"(original error: {err})") from err
    version = getattr(nest, "__version__", "3")
    if not str(version).split(".")[0].isdigit() or int(str(version).split(".")[0]) < 3:
        raise ImportError(f"neuromf.simulation needs NEST >= 3.0, found {version}; "
                          f"upgrade with: {INSTALL_HINT}")
    return nest


def nest_available() -> bool:
    """True if NEST can be imported (imports it).

    Returns
    -------
    bool
        Whether ``import nest`` succeeds.
    """
    try:
        import_nest()
    except ImportError:
        return False
    return True


def new_figure(**kwargs):
    """Return a :class:`matplotlib.figure.Figure` that renders with Agg.

    The figure is created without pyplot, so the user's matplotlib backend and the list
    of open pyplot figures are left untouched.

    Parameters
    ----------
    **kwargs
        Passed to :class:`matplotlib.figure.Figure` (``figsize`` in inches, ``layout``).

    Returns
    -------
    matplotlib.figure.Figure
        The figure, with an Agg canvas.

    Raises
    ------
    ImportError
        If matplotlib is missing, naming the ``sim`` extra.
    """
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: PLC0415
        from matplotlib.figure import Figure  # noqa: PLC0415
    except ImportError as err:
        raise ImportError("plots of neuromf.simulation need matplotlib; install the "
                          f"simulation extra with: {INSTALL_HINT}") from err
    fig = Figure(**kwargs)
    FigureCanvasAgg(fig)
    return fig


def available_cores() -> int:
    """Number of CPU cores this process may run on.

    Returns
    -------
    int
        The cores in the process's CPU affinity set (Linux), else ``os.cpu_count()``.
    """
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1
