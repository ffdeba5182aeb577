"""LFP, current dipole moment and EEG from spiking networks and from mean-field theory.

Spike-signal kernels (Hagen et al. 2022) computed with LFPy + NEURON (extra ``lfp``:
``pip install 'neuromf[lfp]'``), forward models (Gaussian-cylinder LFP, current dipole
moment, four-sphere EEG), signals from population spike counts and signal power
spectra predicted from the theory's rate cross-spectra.

Importing this package needs only numpy and scipy; the functions that run NEURON or
use lfpykit raise an ImportError naming the extra when it is missing.
"""

from .kernels import (
    CellModel,
    ExternalInput,
    Population,
    Projection,
    Synapse,
    ball_and_stick,
    ball_and_stick_hoc,
    compute_kernels,
    delay_weights,
    load_mechanisms,
    multapse_mean,
)
from .kernelset import SpikeSignalKernels
from .probes import (
    DipoleProbe,
    EEGProbe,
    GaussCylinderProbe,
    current_dipole_moment,
    dipole_moment_matrix,
    dipole_potential,
    disc_potential,
    four_sphere_eeg_matrix,
    gauss_cylinder_potential,
    point_source_potential,
)
from .spectra import (
    kernel_fourier,
    power_spectrum_estimate,
    signal_from_spike_counts,
    signal_spectrum,
    spike_count_histogram,
)

__all__ = [
    "CellModel", "ExternalInput", "Population", "Projection", "Synapse", "ball_and_stick",
    "ball_and_stick_hoc", "compute_kernels", "delay_weights", "load_mechanisms",
    "multapse_mean", "SpikeSignalKernels", "DipoleProbe", "EEGProbe", "GaussCylinderProbe",
    "current_dipole_moment", "dipole_moment_matrix", "dipole_potential", "disc_potential",
    "four_sphere_eeg_matrix", "gauss_cylinder_potential", "point_source_potential",
    "kernel_fourier", "power_spectrum_estimate", "signal_from_spike_counts",
    "signal_spectrum", "spike_count_histogram",
]
