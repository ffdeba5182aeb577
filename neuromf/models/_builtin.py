"""Registry of the parameter sets shipped with neuromf (``neuromf/models/data``)."""

from __future__ import annotations

from pathlib import Path

DATA_DIR = Path(__file__).with_name("data")

#: name -> (model class name, network file, analysis file, description)
BUILTIN = {
    "potjans2014": ("Microcircuit", "potjans2014.yaml", "potjans2014_analysis.yaml",
                    "Potjans & Diesmann 2014 cortical microcircuit, 8 populations, "
                    "exp synapses (the default model)"),
    "microcircuit": ("Microcircuit", "potjans2014.yaml", "potjans2014_analysis.yaml",
                     "alias of potjans2014"),
    "bos2016": ("Microcircuit", "bos2016.yaml", "bos2016_analysis.yaml",
                "Bos et al. 2016 variant of the microcircuit, truncated Gaussian delays"),
    "senk2020": ("Basic", "senk2020.yaml", "senk2020_analysis.yaml",
                 "Senk et al. 2020 two-population E-I network with boxcar spatial profile"),
    **{f"brunel2000_{state}": ("Brunel2000", f"brunel2000_{state}.yaml", "brunel2000_analysis.yaml",
                               f"Brunel 2000 E-I network, delta synapses, state {state}: {desc}")
       for state, desc in (("A", "g=3, nu_ext/nu_thr=2, synchronous regular"),
                           ("B", "g=6, nu_ext/nu_thr=4, synchronous irregular (fast)"),
                           ("C", "g=5, nu_ext/nu_thr=2, asynchronous irregular"),
                           ("D", "g=4.5, nu_ext/nu_thr=0.9, synchronous irregular (slow)"))},
}


def available() -> dict[str, str]:
    """Names of the built-in parameter sets with a one-line description each.

    Returns
    -------
    dict
        ``{name: description}``.
    """
    return {name: entry[3] for name, entry in BUILTIN.items()}


def find_parameter_file(name: str, kind: str) -> Path | None:
    """Path of a built-in network or analysis parameter file, or None.

    ``name`` is a set name ('potjans2014') or, for analysis parameters, also the name
    of an analysis file without extension ('potjans2014_analysis').
    """
    key = canonical_name(name)
    if key is not None:
        filename = BUILTIN[key][1] if kind == "network_params" else BUILTIN[key][2]
        return DATA_DIR / filename
    candidate = DATA_DIR / f"{name.lower()}.yaml"
    return candidate if kind == "analysis_params" and candidate.is_file() else None


def canonical_name(name: str) -> str | None:
    """The registry key for ``name`` (case-insensitive), or None if not built in."""
    lowered = {k.lower(): k for k in BUILTIN}
    return lowered.get(str(name).lower())
