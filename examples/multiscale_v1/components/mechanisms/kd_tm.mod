COMMENT
Delayed-rectifier potassium current of the Traub-Miles family as used by Pospischil et al. (2008),
Biol Cybern 99:427-441:
  I_Kd = gbar n^4 (v - ek)
  alpha_n = -0.032 (v - VT - 15) / (exp(-(v - VT - 15)/5) - 1)     beta_n = 0.5 exp(-(v - VT - 10)/40)
Rates in 1/ms, v in mV. Written for bmtk_like from the published equations.
ENDCOMMENT

NEURON {
    SUFFIX kd_tm
    USEION k READ ek WRITE ik
    RANGE gbar, vt, ik
}

UNITS {
    (mA) = (milliamp)
    (mV) = (millivolt)
    (S) = (siemens)
}

PARAMETER {
    gbar = 0.005 (S/cm2)
    vt = -56.2 (mV)
}

ASSIGNED {
    v (mV)
    ek (mV)
    ik (mA/cm2)
    ninf
    ntau (ms)
}

STATE { n }

BREAKPOINT {
    SOLVE states METHOD cnexp
    ik = gbar * n * n * n * n * (v - ek)
}

INITIAL {
    rates(v)
    n = ninf
}

DERIVATIVE states {
    rates(v)
    n' = (ninf - n) / ntau
}

FUNCTION vtrap(x (mV), y (mV)) (mV) {
    if (fabs(x / y) < 1e-6) {
        vtrap = y * (1 - x / y / 2)
    } else {
        vtrap = x / (exp(x / y) - 1)
    }
}

PROCEDURE rates(v (mV)) {
    LOCAL an, bn, u
    u = v - vt
    an = 0.032 * vtrap(-(u - 15), 5)
    bn = 0.5 * exp(-(u - 10) / 40)
    ntau = 1 / (an + bn)
    ninf = an * ntau
}
