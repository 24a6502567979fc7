COMMENT
Fast sodium current of the Traub-Miles family as used by Pospischil et al. (2008) "Minimal
Hodgkin-Huxley type models for different classes of cortical and thalamic neurons",
Biol Cybern 99:427-441, eqs. for I_Na (their Table 1 / Appendix):
  I_Na = gbar m^3 h (v - ena)
  alpha_m = -0.32 (v - VT - 13) / (exp(-(v - VT - 13)/4) - 1)     beta_m = 0.28 (v - VT - 40) / (exp((v - VT - 40)/5) - 1)
  alpha_h = 0.128 exp(-(v - VT - 17)/18)                          beta_h = 4 / (1 + exp(-(v - VT - 40)/5))
Rates in 1/ms, v in mV. Written for bmtk_like from the published equations.
ENDCOMMENT

NEURON {
    SUFFIX na_tm
    USEION na READ ena WRITE ina
    RANGE gbar, vt, ina
}

UNITS {
    (mA) = (milliamp)
    (mV) = (millivolt)
    (S) = (siemens)
}

PARAMETER {
    gbar = 0.05 (S/cm2)
    vt = -56.2 (mV)
}

ASSIGNED {
    v (mV)
    ena (mV)
    ina (mA/cm2)
    minf
    hinf
    mtau (ms)
    htau (ms)
}

STATE { m h }

BREAKPOINT {
    SOLVE states METHOD cnexp
    ina = gbar * m * m * m * h * (v - ena)
}

INITIAL {
    rates(v)
    m = minf
    h = hinf
}

DERIVATIVE states {
    rates(v)
    m' = (minf - m) / mtau
    h' = (hinf - h) / htau
}

FUNCTION vtrap(x (mV), y (mV)) (mV) {
    : x / (exp(x/y) - 1), continuous at x = 0 (limit y)
    if (fabs(x / y) < 1e-6) {
        vtrap = y * (1 - x / y / 2)
    } else {
        vtrap = x / (exp(x / y) - 1)
    }
}

PROCEDURE rates(v (mV)) {
    LOCAL am, bm, ah, bh, u
    u = v - vt
    am = 0.32 * vtrap(-(u - 13), 4)
    bm = 0.28 * vtrap(u - 40, 5)
    ah = 0.128 * exp(-(u - 17) / 18)
    bh = 4 / (1 + exp(-(u - 40) / 5))
    mtau = 1 / (am + bm)
    minf = am * mtau
    htau = 1 / (ah + bh)
    hinf = ah * htau
}
