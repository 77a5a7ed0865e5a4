//! Shared test helpers: an independent reference of the QNet arithmetic, written from the
//! contract in crates/qnet/src/net.rs (not from the cycle model or the RTL).
#![allow(dead_code)]

use spikeloom_qnet::{QNet, QNeuron, QReset, QSource, Rounding};

fn round_shift(x: i128, k: u32, r: Rounding) -> i128 {
    match r {
        Rounding::Floor => x >> k,
        Rounding::HalfUp if k == 0 => x,
        Rounding::HalfUp => (x + (1i128 << (k - 1))) >> k,
    }
}

fn sat(x: i128, b: u32) -> i128 {
    x.clamp(-(1i128 << (b - 1)), (1i128 << (b - 1)) - 1)
}

/// Per layer `[T][size]` spikes and membranes of one sample.
pub struct RefOut {
    pub spikes: Vec<Vec<Vec<u8>>>,
    pub membranes: Vec<Vec<Vec<i64>>>,
}

/// Evaluate one sample `[T][input_size]`.
pub fn reference(net: &QNet, input: &[Vec<u8>]) -> RefOut {
    let nl = net.layers.len();
    let mut u: Vec<Vec<i128>> = net.layers.iter().map(|l| vec![0; l.size]).collect();
    let mut cur: Vec<Vec<i128>> = u.clone();
    let mut prev_s: Vec<Vec<u8>> = net.layers.iter().map(|l| vec![0; l.size]).collect();
    let mut out = RefOut {
        spikes: vec![Vec::new(); nl],
        membranes: vec![Vec::new(); nl],
    };
    let mut prev_in: Vec<u8> = vec![0; net.input_size];
    for x_in in input {
        let mut now_s: Vec<Vec<u8>> = net.layers.iter().map(|l| vec![0; l.size]).collect();
        for (li, l) in net.layers.iter().enumerate() {
            for o in 0..l.size {
                let mut acc: i128 = 0;
                for p in &l.inputs {
                    let src: &[u8] = match (p.source, p.delayed) {
                        (QSource::Input, true) => &prev_in,
                        (QSource::Input, false) => x_in,
                        (QSource::Layer(s), false) => &now_s[s],
                        (QSource::Layer(s), true) => &prev_s[s],
                    };
                    for (i, &s) in src.iter().enumerate() {
                        if s == 1 {
                            acc += i128::from(p.weight[o * p.source_size + i]);
                        }
                    }
                }
                let x = (acc << l.weight_shift) + i128::from(l.bias[o]);
                let dec =
                    |v: i128, d: u32| round_shift(i128::from(d) * v, l.decay_shift, l.rounding);
                let sb = l.state_bits;
                let u0 = u[li][o];
                let (nu, s) = match &l.neuron {
                    QNeuron::Li { beta } => (sat(dec(u0, beta[o]) + x, sb), false),
                    QNeuron::CubaLi { .. } => todo!("CubaLi"),
                    QNeuron::Lif {
                        beta,
                        threshold,
                        v_reset,
                        reset,
                        reset_delay,
                    } => {
                        let (th, vr) = (i128::from(threshold[o]), i128::from(v_reset[o]));
                        let r = u0 > th;
                        let pre = match reset {
                            QReset::Subtract => dec(u0, beta[o]) + x - if r { th } else { 0 },
                            QReset::ZeroKeepInput => dec(if r { vr } else { u0 }, beta[o]) + x,
                            QReset::ZeroDropInput => {
                                if r {
                                    vr
                                } else {
                                    dec(u0, beta[o]) + x
                                }
                            }
                            QReset::None => dec(u0, beta[o]) + x,
                        };
                        immediate(sat(pre, sb), r, th, vr, *reset, *reset_delay, sb)
                    }
                    QNeuron::CubaLif {
                        alpha,
                        beta,
                        threshold,
                        v_reset,
                        reset,
                        reset_delay,
                        current_bits,
                    } => {
                        let (th, vr) = (i128::from(threshold[o]), i128::from(v_reset[o]));
                        let r = u0 > th;
                        let i = sat(dec(cur[li][o], alpha[o]) + x, *current_bits);
                        cur[li][o] = i;
                        let un = dec(u0, beta[o]) + i;
                        let pre = match reset {
                            QReset::Subtract => un - if r { th } else { 0 },
                            QReset::None => un,
                            _ => {
                                if r {
                                    vr
                                } else {
                                    un
                                }
                            }
                        };
                        immediate(sat(pre, sb), r, th, vr, *reset, *reset_delay, sb)
                    }
                };
                u[li][o] = nu;
                now_s[li][o] = u8::from(s);
            }
            out.spikes[li].push(now_s[li].clone());
            out.membranes[li].push(u[li].iter().map(|&v| v as i64).collect());
        }
        prev_s = now_s;
        prev_in = x_in.clone();
    }
    out
}

fn immediate(
    u: i128,
    r: bool,
    th: i128,
    vr: i128,
    reset: QReset,
    delay: bool,
    sb: u32,
) -> (i128, bool) {
    let s = u > th;
    if delay || reset == QReset::None {
        return (u, s);
    }
    let d = i128::from(s) - i128::from(r);
    let v = match reset {
        QReset::Subtract => u - d * th,
        _ => u - d * (u - vr),
    };
    (sat(v, sb), s)
}

/// `samples` random inputs of `steps` x `width` spikes (`density` percent), per sample and as
/// one time-major `SpikeSteps`.
pub fn random_samples(
    rng: &mut spikeloom_plan::testing::Rng,
    steps: usize,
    samples: usize,
    width: usize,
    density: u64,
) -> (Vec<Vec<Vec<u8>>>, spikeloom_qnet::SpikeSteps) {
    let per: Vec<Vec<Vec<u8>>> = (0..samples)
        .map(|_| spikeloom_plan::testing::random_input(rng, steps, width, density))
        .collect();
    let mut flat = Vec::new();
    for t in 0..steps {
        for s in &per {
            flat.extend_from_slice(&s[t]);
        }
    }
    let input = spikeloom_qnet::SpikeSteps::new(steps, samples, width, flat).expect("input");
    (per, input)
}
