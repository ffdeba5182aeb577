"""Linear response of many networks at once: arrays with a leading grid axis.

A parameter scan evaluates the same analysis for many networks that differ only in
parameter values (Brunel 2000's g x nu_ext plane, the microcircuit's weights).  This
package stacks their SI parameters along a leading *grid axis* (shape ``(G, ...)``)
and evaluates every step of the linear-response pipeline for the whole batch in
vectorized numpy, without a Python loop over the grid points:

* working points (one damped Newton iteration for all points,
  :func:`batched_working_points`) and ISI CVs;
* transfer functions of the mean *and* variance channel from one evaluation of the
  parabolic-cylinder ratios per distinct neuron state, interpolated in frequency
  (Chebyshev pieces of :func:`neuromf.special._pcf_grid.psi_ratios_grid`, shared by all
  columns with the same frequency grid), and spike-train spectra
  (:mod:`neuromf.batch.response`);
* delay matrices, effective connectivity (Bos et al. 2016, Eq. 12 ff.; Brunel & Hakim
  1999 for the variance channel), power spectra (Bos 2016, Eq. 18), eigenvalues and
  spectral peaks;
* the number of unstable modes by the generalized Nyquist criterion on the frequency
  grid of :func:`neuromf.linear_response.unstable_modes`, sampled adaptively
  (:mod:`neuromf.batch.stability`);
* the most unstable eigenvalue of the spatial rate model (Senk et al. 2020, Eq. 7;
  :mod:`neuromf.batch.spatial`).

Grid points of a scan enter as SI parameter sets (:mod:`neuromf.batch.points`): the
model's derivation of the dependent parameters and the checks of what changed, without
building a full network per point.

Results agree with the network-level functions evaluated point by point to ~1e-12
relative (both interpolate in frequency to that accuracy); Nyquist counts are
identical.  :class:`Batch` is the entry point; :mod:`neuromf.scan` uses it for every
built-in quantity.
"""

from .grid import Batch, batched_working_points
from .stability import nyquist_counts

__all__ = ["Batch", "batched_working_points", "nyquist_counts"]
