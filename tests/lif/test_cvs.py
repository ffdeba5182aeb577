"""ISI coefficients of variation (Brunel 2000, App. A.1).

References: mpmath double quadrature of Brunel's formula; NNMT 1.3's exp-synapse cvs
side by side (same convention); the Poisson limit CV -> 1 for strongly
sub-threshold input.
"""

from __future__ import annotations

import numpy as np
import pytest
from references import mp_siegert, nnmt_file

from neuromf.lif import delta, exp
from neuromf.models import Microcircuit, load_model


def _mp_cv(mu, sigma, V_0, V_th, tau_m, tau_r):
    import mpmath as mp

    mp.mp.dps = 20
    y_r, y_th = (mp.mpf(V_0) - mu) / sigma, (mp.mpf(V_th) - mu) / sigma

    def inner(x):
        return mp.quad(lambda y: mp.exp(y**2) * (1 + mp.erf(y)) ** 2, [-mp.inf, x])

    integral = mp.quad(lambda x: mp.exp(x**2) * inner(x), [y_r, y_th])
    nu = mp_siegert(mu, sigma, V_0, V_th, tau_m, tau_r)
    return float(mp.sqrt(2 * mp.pi * (tau_m * nu) ** 2 * integral))


@pytest.mark.slow
def test_delta_cvs_against_mpmath_double_quadrature():
    net = load_model("brunel2000_D")
    delta.working_point(net)
    cv = delta.cvs(net)
    p, r = net.network_params, net.results
    expected = _mp_cv(r["lif.delta.mean_input"][0], r["lif.delta.std_input"][0], p["V_0_rel"][0],
                      p["V_th_rel"][0], p["tau_m"][0], p["tau_r"][0])
    assert cv[0] == pytest.approx(expected, rel=1e-8)


def test_exp_cvs_match_nnmt(nnmt):
    path = nnmt_file("microcircuit_network_params.yaml")
    ours = Microcircuit(path)
    exp.working_point(ours)
    theirs = nnmt.models.Microcircuit(path)
    nnmt.lif.exp.working_point(theirs)
    np.testing.assert_allclose(exp.cvs(ours), nnmt.lif.exp.cvs(theirs), rtol=1e-7)


def test_poisson_limit_of_cv():
    # far below threshold, spikes are rare, independent events: CV -> 1
    nu = exp._firing_rate_shift(0.0, 2e-3, 0.0, 15e-3, 10e-3, 0.0, 0.5e-3)
    cv = exp._cvs(nu, 0.0, 2e-3, 0.0, 15e-3, 10e-3, 0.5e-3)
    assert cv == pytest.approx(1.0, abs=1e-3)


def test_cvs_need_working_point():
    net = load_model("brunel2000_C")
    with pytest.raises(RuntimeError, match="first need to calculate"):
        delta.cvs(net)
