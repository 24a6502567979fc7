COMMENT
Slow non-inactivating potassium current (M current, spike-frequency adaptation) as in Pospischil et
al. (2008), Biol Cybern 99:427-441 (after Yamada et al. 1989):
  I_M = gbar p (v - ek)
  p_inf = 1 / (1 + exp(-(v + 35)/10))
  tau_p = tau_max / (3.3 exp((v + 35)/20) + exp(-(v + 35)/20))
v in mV, tau in ms. Written for bmtk_like from the published equations.
ENDCOMMENT

NEURON {
    SUFFIX km_p
    USEION k READ ek WRITE ik
    RANGE gbar, taumax, ik
}

UNITS {
    (mA) = (milliamp)
    (mV) = (millivolt)
    (S) = (siemens)
}

PARAMETER {
    gbar = 7e-5 (S/cm2)
    taumax = 608 (ms)
}

ASSIGNED {
    v (mV)
    ek (mV)
    ik (mA/cm2)
    pinf
    ptau (ms)
}

STATE { p }

BREAKPOINT {
    SOLVE states METHOD cnexp
    ik = gbar * p * (v - ek)
}

INITIAL {
    rates(v)
    p = pinf
}

DERIVATIVE states {
    rates(v)
    p' = (pinf - p) / ptau
}

PROCEDURE rates(v (mV)) {
    pinf = 1 / (1 + exp(-(v + 35) / 10))
    ptau = taumax / (3.3 * exp((v + 35) / 20) + exp(-(v + 35) / 20))
}
