COMMENT
Current-based synapse with an exponentially decaying current, for linearised
spike-signal kernels (neuromf.lfp).  A spike with NetCon weight w (nA) adds w to the
current amplitude, which then decays with time constant tau.  The current is a
transmembrane current (NONSPECIFIC_CURRENT): positive weights are inward,
i.e. depolarising, currents.
ENDCOMMENT

NEURON {
    POINT_PROCESS NmfExpSynI
    RANGE tau, i
    NONSPECIFIC_CURRENT i
}

UNITS {
    (nA) = (nanoamp)
}

PARAMETER {
    tau = 2 (ms) <1e-9, 1e9>
}

ASSIGNED {
    i (nA)
}

STATE {
    a (nA)
}

INITIAL {
    a = 0
}

BREAKPOINT {
    SOLVE state METHOD cnexp
    i = -a
}

DERIVATIVE state {
    a' = -a / tau
}

NET_RECEIVE(weight (nA)) {
    a = a + weight
}
