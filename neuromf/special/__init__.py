"""Special functions of LIF mean-field theory, vectorized and overflow-free.

``_siegert``: Siegert formula (white noise), shifted and Taylor colored-noise rates and
their derivatives; ``_cv``: the ISI CV; ``_pcf`` / ``_pcf_grid``: the parabolic-cylinder-type
integrals Ψ of complex order behind the transfer functions; ``_chareq``: Lambert W roots of
the delayed rate equation.  Each function documents its validated domain.
"""

from ._cv import delta_cv
from ._pcf import log_abs_psi, psi, psi_ratios
from ._siegert import (
    ALPHA_SHIFT,
    d_delta_firing_rate_d_mu,
    d_delta_firing_rate_d_sigma,
    d_shift_firing_rate_d_mu,
    d_taylor_firing_rate_d_mu,
    delta_firing_rate,
    log_delta_firing_rate,
    shift_firing_rate,
    taylor_firing_rate,
)

__all__ = ["ALPHA_SHIFT", "delta_firing_rate", "log_delta_firing_rate",
           "d_delta_firing_rate_d_mu", "d_delta_firing_rate_d_sigma", "shift_firing_rate",
           "d_shift_firing_rate_d_mu", "taylor_firing_rate", "d_taylor_firing_rate_d_mu",
           "delta_cv", "psi", "log_abs_psi", "psi_ratios"]
