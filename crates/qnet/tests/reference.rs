//! Property test: `eval` equals an independent, deliberately naive implementation of the module
//! doc of `spikeloom_qnet::net` (dense loops, i128, no shared code) on random small networks.

// Index loops are the point of the reference: it must read like the spec, not like `eval`.
#![allow(clippy::needless_range_loop)]

use proptest::prelude::*;
use spikeloom_qnet::{
    eval, QLayer, QNet, QNeuron, QProjection, QReset, QSource, Rounding, SpikeSteps,
};

/// Tiny deterministic generator so one proptest `u64` describes a whole network.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % ((hi - lo) as u64 + 1)) as i64
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

fn pick_bits(rng: &mut Rng, lo: i64, hi: i64, small: i64) -> u32 {
    // Half the time a small width so saturation and clipping happen often.
    if rng.chance(50) {
        rng.range(lo, small) as u32
    } else {
        rng.range(lo, hi) as u32
    }
}

fn random_net(rng: &mut Rng) -> QNet {
    let input_size = rng.range(1, 6) as usize;
    let n_layers = rng.range(1, 4) as usize;
    let sizes: Vec<usize> = (0..n_layers).map(|_| rng.range(1, 6) as usize).collect();
    let mut layers = Vec::new();
    for (l, &size) in sizes.iter().enumerate() {
        let weight_bits = pick_bits(rng, 2, 16, 5);
        let state_bits = pick_bits(rng, 4, 32, 10);
        let decay_shift = pick_bits(rng, 0, 16, 4);
        let weight_shift = rng.range(0, 6) as u32;
        let wmax = (1i64 << (weight_bits - 1)) - 1;
        let smax = (1i64 << (state_bits - 1)) - 1;
        let density = rng.range(10, 100) as u64;
        let mut inputs = Vec::new();
        let mut add_proj = |rng: &mut Rng, source: QSource, width: usize, delayed: bool| {
            let weight = (0..size * width)
                .map(|_| {
                    if rng.chance(density) {
                        rng.range(-wmax - 1, wmax) as i32
                    } else {
                        0
                    }
                })
                .collect();
            inputs.push(QProjection {
                source,
                source_size: width,
                weight,
                delayed,
                origin: format!("p{l}_{}", rng.next() % 1000),
            });
        };
        if l == 0 || rng.chance(50) {
            add_proj(rng, QSource::Input, input_size, false);
        }
        if rng.chance(15) {
            add_proj(rng, QSource::Input, input_size, true);
        }
        for (j, &w) in sizes.iter().enumerate().take(l) {
            if j + 1 == l || rng.chance(30) {
                add_proj(rng, QSource::Layer(j), w, false);
            }
        }
        for (j, &w) in sizes.iter().enumerate() {
            if rng.chance(20) {
                add_proj(rng, QSource::Layer(j), w, true);
            }
        }
        let small = smax.min((4 * wmax) << weight_shift);
        let vec_state = |rng: &mut Rng, lo: i64, hi: i64| -> Vec<i64> {
            (0..size).map(|_| rng.range(lo, hi)).collect()
        };
        let dmax = 1i64 << decay_shift;
        let vec_decay = |rng: &mut Rng| -> Vec<u32> {
            (0..size)
                .map(|_| {
                    if rng.chance(15) {
                        dmax as u32
                    } else {
                        rng.range(0, dmax) as u32
                    }
                })
                .collect()
        };
        let reset = match rng.range(0, 3) {
            0 => QReset::Subtract,
            1 => QReset::ZeroKeepInput,
            2 => QReset::ZeroDropInput,
            _ => QReset::None,
        };
        let reset_delay = rng.chance(50);
        let neuron = match rng.range(0, 2) {
            0 => QNeuron::Lif {
                beta: vec_decay(rng),
                threshold: vec_state(rng, -small / 4, small),
                v_reset: vec_state(rng, -small / 4, small / 4),
                reset,
                reset_delay,
            },
            1 => QNeuron::CubaLif {
                alpha: vec_decay(rng),
                beta: vec_decay(rng),
                threshold: vec_state(rng, -small / 4, small),
                v_reset: vec_state(rng, -small / 4, small / 4),
                reset: if reset == QReset::ZeroKeepInput {
                    QReset::ZeroDropInput
                } else {
                    reset
                },
                reset_delay,
                current_bits: pick_bits(rng, 4, 32, 10),
            },
            _ => QNeuron::Li {
                beta: vec_decay(rng),
            },
        };
        layers.push(QLayer {
            name: format!("layer{l}"),
            size,
            inputs,
            weight_bits,
            weight_shift,
            bias: vec_state(rng, -small / 8, small / 8),
            neuron,
            state_bits,
            decay_shift,
            rounding: if rng.chance(50) {
                Rounding::HalfUp
            } else {
                Rounding::Floor
            },
            state_lsb: 1.0,
        });
    }
    QNet {
        format: 1,
        input_size,
        layers,
        output_layer: n_layers - 1,
        provenance: vec![],
    }
}

// ---- the naive reference, written from the module doc only ----

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

struct RefOut {
    spikes: Vec<Vec<Vec<Vec<u8>>>>, // [layer][t][n][o]
    mem: Vec<Vec<Vec<Vec<i128>>>>,
    cur: Vec<Vec<Vec<Vec<i128>>>>,
    sat_state: Vec<u64>,
    sat_cur: Vec<u64>,
}

fn reference(net: &QNet, steps: usize, samples: usize, input: &[Vec<Vec<u8>>]) -> RefOut {
    let nl = net.layers.len();
    let z8 = |l: usize| vec![vec![vec![0u8; net.layers[l].size]; samples]; steps];
    let z128 = |l: usize| vec![vec![vec![0i128; net.layers[l].size]; samples]; steps];
    let mut out = RefOut {
        spikes: (0..nl).map(z8).collect(),
        mem: (0..nl).map(z128).collect(),
        cur: (0..nl).map(z128).collect(),
        sat_state: vec![0; nl],
        sat_cur: vec![0; nl],
    };
    for n in 0..samples {
        for t in 0..steps {
            for (l, layer) in net.layers.iter().enumerate() {
                for o in 0..layer.size {
                    let mut acc: i128 = 0;
                    for p in &layer.inputs {
                        for i in 0..p.source_size {
                            let s = match (p.source, p.delayed) {
                                (QSource::Input, false) => input[t][n][i],
                                (QSource::Input, true) => {
                                    if t == 0 {
                                        0
                                    } else {
                                        input[t - 1][n][i]
                                    }
                                }
                                (QSource::Layer(j), false) => out.spikes[j][t][n][i],
                                (QSource::Layer(j), true) => {
                                    if t == 0 {
                                        0
                                    } else {
                                        out.spikes[j][t - 1][n][i]
                                    }
                                }
                            };
                            if s == 1 {
                                acc += i128::from(p.weight[o * p.source_size + i]);
                            }
                        }
                    }
                    let x = acc * (1i128 << layer.weight_shift) + i128::from(layer.bias[o]);
                    let uprev = if t == 0 { 0 } else { out.mem[l][t - 1][n][o] };
                    let iprev = if t == 0 { 0 } else { out.cur[l][t - 1][n][o] };
                    let (k, rnd, sb) = (layer.decay_shift, layer.rounding, layer.state_bits);
                    let mut ss = out.sat_state[l];
                    let (u, s, i) = match &layer.neuron {
                        QNeuron::Li { beta } => {
                            (clamp(dec(uprev, beta[o], k, rnd) + x, sb, &mut ss), 0u8, 0)
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

fn check(seed: u64) -> Result<(), TestCaseError> {
    let mut rng = Rng(seed);
    let net = random_net(&mut rng);
    prop_assert!(
        net.validate().is_ok(),
        "generator made an invalid net: {:?}",
        net.validate()
    );
    let steps = rng.range(1, 12) as usize;
    let samples = rng.range(1, 3) as usize;
    let density = rng.range(0, 100) as u64;
    let input: Vec<Vec<Vec<u8>>> = (0..steps)
        .map(|_| {
            (0..samples)
                .map(|_| {
                    (0..net.input_size)
                        .map(|_| u8::from(rng.chance(density)))
                        .collect()
                })
                .collect()
        })
        .collect();
    let flat: Vec<u8> = input.iter().flatten().flatten().copied().collect();
    let spikes = SpikeSteps::new(steps, samples, net.input_size, flat).unwrap();
    let got = eval(&net, &spikes).unwrap();
    let want = reference(&net, steps, samples, &input);
    for (l, lt) in got.layers.iter().enumerate() {
        let size = lt.size;
        for t in 0..steps {
            for n in 0..samples {
                for o in 0..size {
                    let idx = (t * samples + n) * size + o;
                    let ctx = format!("seed {seed} layer {l} t {t} n {n} o {o}\n{net}");
                    prop_assert_eq!(lt.spikes[idx], want.spikes[l][t][n][o], "spike {}", ctx);
                    prop_assert_eq!(
                        i128::from(lt.membrane[idx]),
                        want.mem[l][t][n][o],
                        "membrane {}",
                        ctx
                    );
                    if let Some(c) = &lt.current {
                        prop_assert_eq!(
                            i128::from(c[idx]),
                            want.cur[l][t][n][o],
                            "current {}",
                            ctx
                        );
                    }
                }
            }
        }
        prop_assert_eq!(
            lt.saturations.state,
            want.sat_state[l],
            "state saturations layer {} seed {}",
            l,
            seed
        );
        prop_assert_eq!(
            lt.saturations.current,
            want.sat_cur[l],
            "current saturations layer {} seed {}",
            l,
            seed
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]
    #[test]
    fn eval_matches_naive_reference(seed in any::<u64>()) {
        check(seed)?;
    }
}

/// The generator must actually exercise saturation, spikes and every neuron kind; otherwise the
/// property above would pass vacuously.
#[test]
fn generator_covers_the_interesting_cases() {
    let (mut sat, mut cur_sat, mut spikes, mut kinds) = (0u64, 0u64, 0u64, [0u32; 3]);
    for seed in 0..400 {
        let mut rng = Rng(seed);
        let net = random_net(&mut rng);
        for l in &net.layers {
            kinds[match l.neuron {
                QNeuron::Lif { .. } => 0,
                QNeuron::CubaLif { .. } => 1,
                QNeuron::Li { .. } => 2,
            }] += 1;
        }
        let steps = 8;
        let data: Vec<u8> = (0..steps * net.input_size)
            .map(|_| u8::from(rng.chance(50)))
            .collect();
        let tr = eval(
            &net,
            &SpikeSteps::new(steps, 1, net.input_size, data).unwrap(),
        )
        .unwrap();
        for lt in &tr.layers {
            sat += lt.saturations.state;
            cur_sat += lt.saturations.current;
            spikes += lt.spikes.iter().map(|&s| u64::from(s)).sum::<u64>();
        }
    }
    assert!(
        sat > 100 && cur_sat > 10 && spikes > 1000,
        "sat {sat} cur_sat {cur_sat} spikes {spikes}"
    );
    assert!(kinds.iter().all(|&k| k > 50), "{kinds:?}");
}
