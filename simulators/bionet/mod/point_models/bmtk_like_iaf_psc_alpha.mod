COMMENT
NEST's iaf_psc_alpha as a NEURON artificial cell, written for bmtk_like from the model's equations
(leaky integrate-and-fire with alpha-shaped synaptic currents; NEST's exact integration, Rotter &
Diesmann 1999):

    C_m dV/dt = -(C_m/tau_m) (V - E_L) + I_ex + I_in + I_e
    I_x(t) = w e/tau_x t exp(-t/tau_x) after an input of weight w (pA; peak w at t = tau_x),
    i.e. dD_x/dt = -D_x/tau_x, dI_x/dt = D_x - I_x/tau_x, an input adds w e/tau_x to D_x
    V >= V_th: spike, V = V_reset, clamped for t_ref

Propagators over one step h (a = 1/tau_x - 1/tau_m):
    I <- h e^(-h/tau_x) D + e^(-h/tau_x) I,   D <- e^(-h/tau_x) D
    V response to D(0) = 1: e^(-h/tau_m) (1 - e^(-a h)(1 + a h)) / (a^2 C_m)
    V response to I(0) = 1: tau_x tau_m / (C_m (tau_m - tau_x)) (e^(-h/tau_m) - e^(-h/tau_x))
Time-driven on NEURON's fixed step dt in NEST's order (see bmtk_like_iaf_psc_exp.mod). Units: mV, ms, pF, pA.
ENDCOMMENT

NEURON {
    ARTIFICIAL_CELL BmtkLikeIafPscAlpha
    RANGE tau_m, C_m, t_ref, E_L, V_th, V_reset, I_e, tau_syn_ex, tau_syn_in
    RANGE V_m, i_ex, i_in
}

PARAMETER {
    tau_m = 10 (ms)
    C_m = 250
    t_ref = 2 (ms)
    E_L = -70 (mV)
    V_th = -55 (mV)
    V_reset = -70 (mV)
    I_e = 0
    tau_syn_ex = 2 (ms)
    tau_syn_in = 2 (ms)
}

ASSIGNED {
    V_m (mV)
    i_ex
    i_in
    d_ex
    d_in
    pend_ex
    pend_in
    refr
    nref
    hstep (ms)
    t_last (ms)
    p33
    p30
    p11ex
    p11in
    p21ex
    p21in
    p31ex
    p31in
    p32ex
    p32in
}

FUNCTION prop_i(tau_s, tau, c, hh) {
    if (fabs(tau - tau_s) < 1e-9) {
        prop_i = hh / c * exp(-hh / tau)
    } else {
        prop_i = tau_s * tau / (c * (tau - tau_s)) * (exp(-hh / tau) - exp(-hh / tau_s))
    }
}

FUNCTION prop_d(tau_s, tau, c, hh) {
    LOCAL a
    a = 1 / tau_s - 1 / tau
    if (fabs(a * hh) < 1e-6) {
        prop_d = hh * hh / (2 * c) * exp(-hh / tau)
    } else {
        prop_d = exp(-hh / tau) * (1 - exp(-a * hh) * (1 + a * hh)) / (a * a * c)
    }
}

INITIAL {
    V_m = E_L
    i_ex = 0
    i_in = 0
    d_ex = 0
    d_in = 0
    pend_ex = 0
    pend_in = 0
    refr = 0
    hstep = dt
    t_last = 0
    nref = floor(t_ref / hstep + 0.5)
    p33 = exp(-hstep / tau_m)
    p30 = tau_m / C_m * (1 - p33)
    p11ex = exp(-hstep / tau_syn_ex)
    p11in = exp(-hstep / tau_syn_in)
    p21ex = hstep * p11ex
    p21in = hstep * p11in
    p31ex = prop_d(tau_syn_ex, tau_m, C_m, hstep)
    p31in = prop_d(tau_syn_in, tau_m, C_m, hstep)
    p32ex = prop_i(tau_syn_ex, tau_m, C_m, hstep)
    p32in = prop_i(tau_syn_in, tau_m, C_m, hstep)
    net_send(hstep, 1)
}

NET_RECEIVE (w) {
    LOCAL vrel
    if (flag == 1) {
        vrel = V_m - E_L
        if (refr <= 0) {
            vrel = p30 * I_e + p31ex * d_ex + p32ex * i_ex + p31in * d_in + p32in * i_in + p33 * vrel
        } else {
            refr = refr - 1
        }
        i_ex = p21ex * d_ex + p11ex * i_ex
        i_in = p21in * d_in + p11in * i_in
        d_ex = p11ex * d_ex + pend_ex * exp(1) / tau_syn_ex
        d_in = p11in * d_in + pend_in * exp(1) / tau_syn_in
        pend_ex = 0
        pend_in = 0
        V_m = vrel + E_L
        t_last = t
        if (vrel >= V_th - E_L) {
            refr = nref
            V_m = V_reset
            net_event(t)
        }
        net_send(hstep, 1)
    } else {
        if (fabs(t - t_last) < 1e-9) {
            if (w >= 0) { d_ex = d_ex + w * exp(1) / tau_syn_ex } else { d_in = d_in + w * exp(1) / tau_syn_in }
        } else {
            if (w >= 0) { pend_ex = pend_ex + w } else { pend_in = pend_in + w }
        }
    }
}
