"""Linear response of the Fokker–Planck integrator against the analytical transfer functions.

Small sinusoidal modulations of the mean input mu and of the variance sigma² of uncoupled
populations; gain and phase of the rate response at the modulation frequency are compared
with neuromf.lif's transfer_function and transfer_function_variance (parabolic-cylinder
solutions of Brunel & Hakim 1999 / Lindner & Schimansky-Geier 2001; 'shift' + synaptic low
pass of Schuecker et al. 2015 for exp synapses), which are validated independently in
tests/lif.  Grid: n_grid = 400 (h/sigma ≈ 0.02), dt = 10 µs.
"""

from __future__ import annotations

import numpy as np
import pytest
from dyn_helpers import uncoupled

from neuromf import dynamics as dy
from neuromf.lif import _transfer

FREQS = np.array([10.0, 50.0, 100.0, 200.0])
MU0, SIGMA0, TAU_M, TAU_R, V_TH, V_0 = 15e-3, 3e-3, 20e-3, 2e-3, 20e-3, 10e-3
T_TRANSIENT, T_FIT = 0.1, 0.1


def _measured_response(tau_s, scheme="backward-euler"):
    n_f = FREQS.size
    net = uncoupled(np.full(2 * n_f, MU0), SIGMA0, tau_m=TAU_M, tau_r=TAU_R, V_0=V_0,
                    V_th=V_TH, tau_s=tau_s)
    d_mu, d_var = 0.05e-3, 0.02 * SIGMA0 ** 2
    stim = dy.Stimulus(
        mu=[dy.sinusoid(d_mu, f, populations=[i]) for i, f in enumerate(FREQS)],
        var=[dy.sinusoid(d_var, f, populations=[n_f + i]) for i, f in enumerate(FREQS)])
    r = dy.simulate(net, T_TRANSIENT + T_FIT, dt=1e-5, stimulus=stim, progress=False,
                    n_grid=400, scheme=scheme)
    sel = r.times >= T_TRANSIENT - 1e-12
    sel[-1] = False                       # [T0, T0 + T): whole periods of every frequency
    t, x = r.times[sel], r.rates[sel]
    omega = 2 * np.pi * np.concatenate([FREQS, FREQS])
    # x = nu0 + |H| a sin(w t + arg H)  =>  (2/T) sum x e^{-iwt} dt = -i H a
    z = 2 * np.mean((x - x.mean(axis=0)) * np.exp(-1j * omega * t[:, None]), axis=0)
    H = 1j * z / np.concatenate([np.full(n_f, d_mu), np.full(n_f, d_var)])
    return H[:n_f], H[n_f:]


@pytest.mark.slow
def test_delta_synapses_reproduce_transfer_functions_within_1_percent():
    H_mu, H_var = _measured_response(None)
    om = 2 * np.pi * FREQS
    ref_mu = _transfer._transfer_function_delta(MU0, SIGMA0, TAU_M, TAU_R, V_TH, V_0, om)[:, 0]
    ref_var = _transfer._transfer_function_variance_delta(MU0, SIGMA0, TAU_M, TAU_R, V_TH, V_0,
                                                          om)[:, 0]
    assert np.all(np.abs(H_mu / ref_mu - 1) < 0.01), np.abs(H_mu / ref_mu - 1)
    assert np.all(np.abs(H_var / ref_var - 1) < 0.01), np.abs(H_var / ref_var - 1)


@pytest.mark.slow
def test_exp_synapses_reproduce_shift_transfer_functions_within_1_percent():
    tau_s = 0.5e-3
    H_mu, H_var = _measured_response(tau_s)
    om = 2 * np.pi * FREQS
    args = (MU0, SIGMA0, TAU_M, tau_s, TAU_R, V_TH, V_0, om)
    ref_mu = _transfer._transfer_function_shift(*args)[:, 0]
    ref_var = _transfer._transfer_function_variance_shift(*args)[:, 0]
    assert np.all(np.abs(H_mu / ref_mu - 1) < 0.01), np.abs(H_mu / ref_mu - 1)
    assert np.all(np.abs(H_var / ref_var - 1) < 0.01), np.abs(H_var / ref_var - 1)


@pytest.mark.slow
def test_crank_nicolson_reproduces_transfer_functions_within_1_percent():
    H_mu, H_var = _measured_response(None, scheme="crank-nicolson")
    om = 2 * np.pi * FREQS
    ref_mu = _transfer._transfer_function_delta(MU0, SIGMA0, TAU_M, TAU_R, V_TH, V_0, om)[:, 0]
    ref_var = _transfer._transfer_function_variance_delta(MU0, SIGMA0, TAU_M, TAU_R, V_TH, V_0,
                                                          om)[:, 0]
    assert np.all(np.abs(H_mu / ref_mu - 1) < 0.01), np.abs(H_mu / ref_mu - 1)
    assert np.all(np.abs(H_var / ref_var - 1) < 0.01), np.abs(H_var / ref_var - 1)
