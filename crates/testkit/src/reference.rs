//! An independent reference of the integer contract (`spikeloom_qnet`), written from the
//! module doc of crates/qnet/src/net.rs only, never from the golden evaluator, the cycle model
//! or the RTL: i128 everywhere, dense weights read row-major per target, convolutions gathered
//! from their windows, pooled sums gathered per window, spike counts by floor division. The
//! tests of `qnet::eval` (crates/qnet/tests/reference.rs) and of the cycle model
//! (crates/cyclesim/tests) compare against it.

// Index loops are the point of the reference: it must read like the spec, not like `eval`.
#![allow(clippy::needless_range_loop)]

use spikeloom_qnet::{
    ConvGeometry, PoolGeometry, QFire, QNet, QNeuron, QProjection, QReset, QSource, Rounding,
};

fn rshift(x: i128, k: u32, rounding: Rounding) -> i128 {
    if k == 0 {
        return x;
    }
    let y = match rounding {
        Rounding::Floor => x,
        Rounding::HalfUp => x + (1i128 << (k - 1)),
    };
    // floor division by 2^k
    y.div_euclid(1i128 << k)
}

fn dec(v: i128, d: u32, k: u32, r: Rounding) -> i128 {
    rshift(i128::from(d) * v, k, r)
}

fn clamp(x: i128, bits: u32, count: &mut u64) -> i128 {
    let lo = -(1i128 << (bits - 1));
    let hi = (1i128 << (bits - 1)) - 1;
    let y = x.max(lo).min(hi);
    if y != x {
        *count += 1;
    }
    y
}

/// What the reference computed, per layer `[layer][t][n][neuron]`, and its saturation counts.
pub struct RefOut {
    /// Spikes: 0/1, or the spike count of a `QFire::Count` layer.
    pub spikes: Vec<Vec<Vec<Vec<u8>>>>,
    /// Membranes at the end of each step.
    pub mem: Vec<Vec<Vec<Vec<i128>>>>,
    /// Synaptic currents (0 for the kinds without one).
    pub cur: Vec<Vec<Vec<Vec<i128>>>>,
    /// State saturations per layer.
    pub sat_state: Vec<u64>,
    /// Current saturations per layer.
    pub sat_cur: Vec<u64>,
    /// Spike counts clamped at their width, per layer.
    pub sat_count: Vec<u64>,
}

/// The value source neuron `i` sends that a projection sees at step `t` (module doc: it reads
/// step `t - delayed - source_delay[i]`, 0 before step 0): input value, spike or spike count.
fn source_value(
    out: &RefOut,
    input: &[Vec<Vec<u8>>],
    p: &QProjection,
    t: usize,
    n: usize,
    i: usize,
) -> i128 {
    let extra = if p.source_delay.is_empty() {
        0
    } else {
        p.source_delay[i] as usize
    };
    let delay = usize::from(p.delayed) + extra;
    if t < delay {
        return 0;
    }
    let step = t - delay;
    i128::from(match p.source {
        QSource::Input => input[step][n][i],
        QSource::Layer(j) => out.spikes[j][step][n][i],
    })
}

/// Output `o` of a convolution, gathered from its window: `iy = oy*s - p + ky*d`, zero outside.
fn conv_gather(g: &ConvGeometry, weight: &[i32], o: usize, value: impl Fn(usize) -> i128) -> i128 {
    let [cin, hin, win] = g.input;
    let [cout, hout, wout] = g.output;
    let (co, oy, ox) = (o / (hout * wout), (o / wout) % hout, o % wout);
    let cig = cin / g.groups;
    let group = co / (cout / g.groups);
    let mut acc = 0i128;
    for c in 0..cig {
        let ci = group * cig + c;
        for ky in 0..g.kernel[0] {
            for kx in 0..g.kernel[1] {
                let iy = (oy * g.stride[0] + ky * g.dilation[0]) as i64 - g.padding[0] as i64;
                let ix = (ox * g.stride[1] + kx * g.dilation[1]) as i64 - g.padding[1] as i64;
                if iy < 0 || ix < 0 || iy >= hin as i64 || ix >= win as i64 {
                    continue;
                }
                let i = (ci * hin + iy as usize) * win + ix as usize;
                let k = ((co * cig + c) * g.kernel[0] + ky) * g.kernel[1] + kx;
                acc += value(i) * i128::from(weight[k]);
            }
        }
    }
    acc
}

/// Pooled element `m`: the sum of the source elements in its window (rows
/// `py*s - p .. py*s - p + k`, columns alike), zero padding outside the map.
fn pool_gather(g: &PoolGeometry, m: usize, value: impl Fn(usize) -> i128) -> i128 {
    let [_, hin, win] = g.input;
    let [_, hout, wout] = g.output;
    let (c, py, px) = (m / (hout * wout), (m / wout) % hout, m % wout);
    let mut sum = 0i128;
    for a in 0..g.kernel[0] {
        for b in 0..g.kernel[1] {
            let y = (py * g.stride[0] + a) as i64 - g.padding[0] as i64;
            let x = (px * g.stride[1] + b) as i64 - g.padding[1] as i64;
            if y < 0 || x < 0 || y >= hin as i64 || x >= win as i64 {
                continue;
            }
            sum += value((c * hin + y as usize) * win + x as usize);
        }
    }
    sum
}

/// `QFire::Count` from the module doc: `S = min(max(floor(U/theta), 0), 2^bits - 1)` (a clamp
/// of a larger quotient counts), `U -= S*theta`, then optionally `U = max(U, -theta)`.
fn count(u: i128, th: i128, (bits, floor): (u32, bool), sat: &mut u64) -> (i128, u8) {
    // Floor division written out: truncate, then step down for a negative inexact quotient.
    let mut q = u / th;
    if u % th != 0 && u < 0 {
        q -= 1;
    }
    let max = (1i128 << bits) - 1;
    let s = q.clamp(0, max);
    if q > max {
        *sat += 1;
    }
    let mut u = u - s * th;
    if floor && u < -th {
        u = -th;
    }
    (u, s as u8)
}

/// Run `net` on `input` `[T][N][input_size]` (`steps` x `samples`).
pub fn reference(net: &QNet, steps: usize, samples: usize, input: &[Vec<Vec<u8>>]) -> RefOut {
    let nl = net.layers.len();
    let z8 = |l: usize| vec![vec![vec![0u8; net.layers[l].size]; samples]; steps];
    let z128 = |l: usize| vec![vec![vec![0i128; net.layers[l].size]; samples]; steps];
    let mut out = RefOut {
        spikes: (0..nl).map(z8).collect(),
        mem: (0..nl).map(z128).collect(),
        cur: (0..nl).map(z128).collect(),
        sat_state: vec![0; nl],
        sat_cur: vec![0; nl],
        sat_count: vec![0; nl],
    };
    for n in 0..samples {
        for t in 0..steps {
            for (l, layer) in net.layers.iter().enumerate() {
                for o in 0..layer.size {
                    let mut acc: i128 = 0;
                    for p in &layer.inputs {
                        // the values the weights read: the source's, or the pooled sums
                        let values = |i: usize| match &p.pool {
                            None => source_value(&out, input, p, t, n, i),
                            Some(g) => pool_gather(g, i, |j| source_value(&out, input, p, t, n, j)),
                        };
                        if let Some(g) = &p.conv {
                            acc += conv_gather(g, &p.weight, o, values);
                            continue;
                        }
                        let cols = p
                            .pool
                            .as_ref()
                            .map_or(p.source_size, PoolGeometry::target_size);
                        for i in 0..cols {
                            acc += values(i) * i128::from(p.weight[o * cols + i]);
                        }
                    }
                    let x = acc * (1i128 << layer.weight_shift) + i128::from(layer.bias[o]);
                    let uprev = if t == 0 { 0 } else { out.mem[l][t - 1][n][o] };
                    let iprev = if t == 0 { 0 } else { out.cur[l][t - 1][n][o] };
                    let (k, rnd, sb) = (layer.decay_shift, layer.rounding, layer.state_bits);
                    let mut ss = out.sat_state[l];
                    let counting = match layer.fire {
                        QFire::Single => None,
                        QFire::Count {
                            spike_bits,
                            floor_at_minus_threshold,
                        } => Some((spike_bits, floor_at_minus_threshold)),
                    };
                    let (u, s, i) = match &layer.neuron {
                        QNeuron::Li { beta } => {
                            (clamp(dec(uprev, beta[o], k, rnd) + x, sb, &mut ss), 0u8, 0)
                        }
                        QNeuron::CubaLi {
                            alpha,
                            beta,
                            current_bits,
                        } => {
                            let i = clamp(
                                dec(iprev, alpha[o], k, rnd) + x,
                                *current_bits,
                                &mut out.sat_cur[l],
                            );
                            let u = clamp(dec(uprev, beta[o], k, rnd) + i, sb, &mut ss);
                            (u, 0u8, i)
                        }
                        QNeuron::Lif {
                            beta, threshold, ..
                        } if counting.is_some() => {
                            let u = clamp(dec(uprev, beta[o], k, rnd) + x, sb, &mut ss);
                            let th = i128::from(threshold[o]);
                            let (u, s) = count(u, th, counting.unwrap(), &mut out.sat_count[l]);
                            (u, s, 0)
                        }
                        QNeuron::CubaLif {
                            alpha,
                            beta,
                            threshold,
                            current_bits,
                            ..
                        } if counting.is_some() => {
                            let i = clamp(
                                dec(iprev, alpha[o], k, rnd) + x,
                                *current_bits,
                                &mut out.sat_cur[l],
                            );
                            let u = clamp(dec(uprev, beta[o], k, rnd) + i, sb, &mut ss);
                            let th = i128::from(threshold[o]);
                            let (u, s) = count(u, th, counting.unwrap(), &mut out.sat_count[l]);
                            (u, s, i)
                        }
                        QNeuron::Lif {
                            beta,
                            threshold,
                            v_reset,
                            reset,
                            reset_delay,
                        } => {
                            let th = i128::from(threshold[o]);
                            let vr = i128::from(v_reset[o]);
                            let r: i128 = if uprev > th { 1 } else { 0 };
                            let mut u = match reset {
                                QReset::Subtract => dec(uprev, beta[o], k, rnd) + x - r * th,
                                QReset::ZeroKeepInput => {
                                    dec(if r == 1 { vr } else { uprev }, beta[o], k, rnd) + x
                                }
                                QReset::ZeroDropInput => {
                                    if r == 1 {
                                        vr
                                    } else {
                                        dec(uprev, beta[o], k, rnd) + x
                                    }
                                }
                                QReset::None => dec(uprev, beta[o], k, rnd) + x,
                            };
                            u = clamp(u, sb, &mut ss);
                            let s: i128 = if u > th { 1 } else { 0 };
                            if !reset_delay {
                                let d = s - r;
                                match reset {
                                    QReset::Subtract => u = clamp(u - d * th, sb, &mut ss),
                                    QReset::ZeroKeepInput | QReset::ZeroDropInput => {
                                        u = clamp(u - d * (u - vr), sb, &mut ss)
                                    }
                                    QReset::None => {}
                                }
                            }
                            (u, s as u8, 0)
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
                            let th = i128::from(threshold[o]);
                            let vr = i128::from(v_reset[o]);
                            let r: i128 = if uprev > th { 1 } else { 0 };
                            let i = clamp(
                                dec(iprev, alpha[o], k, rnd) + x,
                                *current_bits,
                                &mut out.sat_cur[l],
                            );
                            let un = dec(uprev, beta[o], k, rnd) + i;
                            let mut u = match reset {
                                QReset::Subtract => un - r * th,
                                QReset::ZeroKeepInput | QReset::ZeroDropInput => {
                                    if r == 1 {
                                        vr
                                    } else {
                                        un
                                    }
                                }
                                QReset::None => un,
                            };
                            u = clamp(u, sb, &mut ss);
                            let s: i128 = if u > th { 1 } else { 0 };
                            if !reset_delay {
                                let d = s - r;
                                match reset {
                                    QReset::Subtract => u = clamp(u - d * th, sb, &mut ss),
                                    QReset::ZeroKeepInput | QReset::ZeroDropInput => {
                                        u = clamp(u - d * (u - vr), sb, &mut ss)
                                    }
                                    QReset::None => {}
                                }
                            }
                            (u, s as u8, i)
                        }
                    };
                    out.sat_state[l] = ss;
                    out.mem[l][t][n][o] = u;
                    out.cur[l][t][n][o] = i;
                    out.spikes[l][t][n][o] = s;
                }
            }
        }
    }
    out
}
