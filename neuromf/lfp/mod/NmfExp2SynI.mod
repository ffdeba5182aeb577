COMMENT
Current-based synapse with a difference-of-exponentials current time course,
normalised so that one spike with NetCon weight w (nA) gives a peak current w.
Used for linearised spike-signal kernels (neuromf.lfp): a conductance synapse
linearised around a potential V becomes this current with weight g (E - V).
Positive weights are inward (depolarising) transmembrane currents.
ENDCOMMENT

NEURON {
    POINT_PROCESS NmfExp2SynI
    RANGE tau1, tau2, i
    NONSPECIFIC_CURRENT i
}

UNITS {
    (nA) = (nanoamp)
}

PARAMETER {
    tau1 = 0.2 (ms) <1e-9, 1e9>
    tau2 = 2.0 (ms) <1e-9, 1e9>
}

ASSIGNED {
    i (nA)
    norm (1)
}

STATE {
    r (nA)
    d (nA)
}

INITIAL {
    LOCAL tp, t1, t2
    t1 = tau1
    t2 = tau2
    if (t1 / t2 > 0.9999) {
        : equal time constants are replaced by nearly equal ones (alpha limit)
        t1 = 0.9999 * t2
        tau1 = t1
    }
    r = 0
    d = 0
    tp = (t1 * t2) / (t2 - t1) * log(t2 / t1)
    norm = 1 / (exp(-tp / t2) - exp(-tp / t1))
}

BREAKPOINT {
    SOLVE state METHOD cnexp
    i = -(d - r)
}

DERIVATIVE state {
    r' = -r / tau1
    d' = -d / tau2
}

NET_RECEIVE(weight (nA)) {
    r = r + weight * norm
    d = d + weight * norm
}
