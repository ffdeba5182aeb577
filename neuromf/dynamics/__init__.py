"""Population dynamics of LIF networks in time (application layer).

Fokker–Planck (population density) integration of every population of a neuromf model,
with delays, stimuli and optional finite-size noise, and first-order rate dynamics with
the Siegert gain for comparison.  See :func:`simulate` and docs/dynamics.md.

With ``synapses='jumps'`` the densities of delta-synapse populations follow the master
equation with finite PSP jumps instead of the diffusion approximation.

References: Brunel & Hakim 1999; Brunel 2000; Fourcaud & Brunel 2002; Richardson 2007;
Augustin et al. 2017; Mattia & Del Giudice 2002; Hahne et al. 2017; Omurtag, Knight &
Sirovich 2000; Nykamp & Tranchina 2000; Richardson & Swarbrick 2010.
"""

from .result import DynamicsResult
from .simulate import METHODS, simulate
from .stimulus import (
    ExternalPopulation,
    Signal,
    Stimulus,
    dc_stimulus,
    from_array,
    microcircuit_stimulus,
    pulse,
    sinusoid,
    step,
    thalamic_pulse,
)

__all__ = ["simulate", "METHODS", "DynamicsResult", "Stimulus", "Signal", "step", "pulse",
           "sinusoid", "from_array", "ExternalPopulation", "thalamic_pulse", "dc_stimulus",
           "microcircuit_stimulus"]
