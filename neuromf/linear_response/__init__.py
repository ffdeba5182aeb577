"""Linear response of a network of populations around its working point.

Around the stationary state, small rate fluctuations of the populations obey, in the
frequency domain, ``r(omega) = M(omega) r(omega) + x(omega)`` with the effective
connectivity ``M`` (Bos et al. 2016, Eq. 12 ff.)::

    M_ab(omega) = tau_m,a K_ab J_ab H_a(omega) D_ab(omega)

(``H`` the transfer function of the receiving population a in Hz/V, ``D`` the delay
distribution's characteristic function).  Everything else follows from ``M``: the
propagator ``P = (1 - M)^-1 M`` (Bos 2016, Eq. 16), the cross-spectral matrix
``C = (1 - M)^-1 diag(nu/N) (1 - M)^-dagger`` whose diagonal is the power spectrum
(Bos 2016, Eq. 18), eigenvalue trajectories and the sensitivity measure (Bos 2016,
Eq. 7).  The zero-frequency counterparts for single neurons are the pairwise effective
connectivity (Helias et al. 2013, Eq. A.3) and the pairwise covariances (Layer et al.
2023; Dahmen et al. 2019).

Parameter-level functions (leading underscore) take SI arrays and are vectorized over
frequencies with batched numpy linear algebra; frequency-resolved results have shape
``(n_freq, n, n)`` or ``(n_freq, n)``.  The network-level wrappers read their inputs
from ``network.results`` (keys as in NNMT) and cache their result under
``'lif.exp.<name>'``.

Modules (one concept each): :mod:`.neuron_model` (the interface a neuron model provides
and its registry), :mod:`.connectivity` (effective connectivity), :mod:`.resolvent`
(resolvent and propagator), :mod:`.spectra` (cross-spectra and power spectra),
:mod:`.eigenmodes` (eigenvalues, eigenvectors, trajectories), :mod:`.sensitivity`
(sensitivity measure), :mod:`.covariances` (zero-frequency pairwise quantities),
:mod:`.stability` (Nyquist count of unstable modes).  This package never imports a neuron
model (:mod:`neuromf.lif`); the network-level functions find the model by its prefix.
"""

from ._inputs import (  # noqa: F401
    _DELAY_KEY,
    _PREFIX,
    _as_square_stack,
    _is_none,
    _population_matrix,
    _population_vector,
    _result,
    _solve,
)
from .connectivity import (  # noqa: F401
    _effective_connectivity,
    effective_connectivity,
)
from .covariances import (  # noqa: F401
    _pairwise_covariances,
    _pairwise_effective_connectivity,
    _spectral_bound,
    pairwise_covariances,
    pairwise_effective_connectivity,
    spectral_bound,
)
from .eigenmodes import (  # noqa: F401
    EIGEN_QUANTITIES,
    _eigen_spectra,
    _left_eigenvectors,
    _match_eigenvalues_across_frequencies,
    eigen_spectra,
)
from .neuron_model import (  # noqa: F401
    NeuronModel,
    neuron_model,
    register_neuron_model,
    registered_prefixes,
)
from .resolvent import (  # noqa: F401
    _propagator,
    _resolvent,
    propagator,
)
from .sensitivity import (  # noqa: F401
    _analysis_frequencies,
    _sensitivity_from_modes,
    _sensitivity_measure,
    _sensitivity_measure_all_eigenmodes,
    _stack_with_frequencies,
    sensitivity_measure,
    sensitivity_measure_all_eigenmodes,
)
from .spectra import (  # noqa: F401
    _check_spectrum_inputs,
    _cross_spectral_matrix,
    _noise_weights,
    _power_spectra,
    _resolvent_and_noise,
    _spectrum_params,
    cross_spectral_matrix,
    power_spectra,
)
from .stability import (  # noqa: F401
    _MAX_N_CROSSINGS,
    _MAX_PHASE_STEP,
    _crossings_right_of_one,
    _refine_where_phase_jumps,
    _unstable_mode_count,
    describe_instability,
    unstable_modes,
)

__all__ = [
    "neuron_model",
    "NeuronModel",
    "register_neuron_model",
    "registered_prefixes",
    "effective_connectivity",
    "propagator",
    "cross_spectral_matrix",
    "power_spectra",
    "EIGEN_QUANTITIES",
    "eigen_spectra",
    "sensitivity_measure",
    "sensitivity_measure_all_eigenmodes",
    "pairwise_covariances",
    "pairwise_effective_connectivity",
    "spectral_bound",
    "describe_instability",
    "unstable_modes",
    "_effective_connectivity",
    "_propagator",
    "_cross_spectral_matrix",
    "_power_spectra",
    "_eigen_spectra",
    "_match_eigenvalues_across_frequencies",
    "_sensitivity_measure",
    "_sensitivity_measure_all_eigenmodes",
    "_pairwise_effective_connectivity",
    "_spectral_bound",
    "_pairwise_covariances",
    "_unstable_mode_count",
]
