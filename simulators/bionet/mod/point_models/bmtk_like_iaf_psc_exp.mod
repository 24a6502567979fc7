COMMENT
NEST's iaf_psc_exp as a NEURON artificial cell, written for bmtk_like from the model's equations
(leaky integrate-and-fire, exponentially decaying synaptic currents; Tsodyks et al. 1998 / NEST's
exact integration, Rotter & Diesmann 1999):

    C_m dV/dt = -(C_m/tau_m) (V - E_L) + I_ex + I_in + I_e
    dI_ex/dt = -I_ex/tau_syn_ex,  dI_in/dt = -I_in/tau_syn_in
    an input of weight w (pA) adds w to I_ex (w >= 0) or I_in (w < 0)
    V >= V_th: spike, V = V_reset, clamped for t_ref

Time-driven on NEURON's fixed step dt, in NEST's order: every step V is advanced with the exact
propagators from the currents of the previous step (unless refractory), then the currents decay and
the inputs that arrived during the step are added, then the threshold is tested. Inputs arriving
between steps take effect at the end of the next step (as NEST rounds spike times up to its grid).
Units: mV, ms, pF, pA.
ENDCOMMENT

NEURON {
    ARTIFICIAL_CELL BmtkLikeIafPscExp
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
}

FUNCTION prop21(tau_s, tau, c, hh) {
    : V response (mV) at hh to a unit current decaying with tau_s, membrane tau, capacitance c
    if (fabs(tau - tau_s) < 1e-9) {
        prop21 = hh / c * exp(-hh / tau)
    } else {
        prop21 = tau_s * tau / (c * (tau - tau_s)) * (exp(-hh / tau) - exp(-hh / tau_s))
    }
}

INITIAL {
    V_m = E_L
    i_ex = 0
    i_in = 0
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
    p21ex = prop21(tau_syn_ex, tau_m, C_m, hstep)
    p21in = prop21(tau_syn_in, tau_m, C_m, hstep)
    net_send(hstep, 1)
}

NET_RECEIVE (w) {
    LOCAL vrel
    if (flag == 1) {
        vrel = V_m - E_L
        if (refr <= 0) {
            vrel = p30 * I_e + p21ex * i_ex + p21in * i_in + p33 * vrel
        } else {
            refr = refr - 1
        }
        i_ex = p11ex * i_ex + pend_ex
        i_in = p11in * i_in + pend_in
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
        : an input at the very time of the step just taken belongs to that step (NEST's order)
        if (fabs(t - t_last) < 1e-9) {
            if (w >= 0) { i_ex = i_ex + w } else { i_in = i_in + w }
        } else {
            if (w >= 0) { pend_ex = pend_ex + w } else { pend_in = pend_in + w }
        }
    }
}
