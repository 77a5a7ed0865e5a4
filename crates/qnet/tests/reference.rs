//! Property test: `eval` equals an independent, deliberately naive implementation of the module
//! doc of `spikeloom_qnet::net` (dense loops, i128, no shared code) on random small networks,
//! a third of them spatial with convolution projections (strides, padding, dilation, groups,
//! cropped outputs, recurrent "same" convolutions). The reference computes a convolution in
//! gather form (each output reads its window), `eval` in event form (each input spike adds its
//! kernel footprint). Format 3 features are drawn too: graded input values (`input_bits` up to
//! 8), spike-count layers (`QFire::Count`, with and without the floor at `-theta`), per-source
//! delays and `CubaLi` read-outs; every event value multiplies its weights. Format 4: pooled
//! projections (`PoolGeometry`, sum pooling with windows that do not overlap, padding, gaps and cropped
//! remainders on odd maps) in front of a convolution or a dense projection (Flatten + Affine);
//! the reference pools in gather form (each window sums its elements), `eval` maps each event.

// Index loops are the point of the reference: it must read like the spec, not like `eval`.
#![allow(clippy::needless_range_loop)]

use proptest::prelude::*;
use spikeloom_qnet::{
    eval, ConvGeometry, PoolGeometry, QFire, QLayer, QNet, QNeuron, QProjection, QReset, QSource,
    Rounding, SpikeSteps,
};

use spikeloom_testkit::reference::reference;
/// Tiny deterministic generator so one proptest `u64` describes a whole network.
use spikeloom_testkit::Rng;

fn pick_bits(rng: &mut Rng, lo: i64, hi: i64, small: i64) -> u32 {
    // Half the time a small width so saturation and clipping happen often.
    if rng.chance(50) {
        rng.range(lo, small) as u32
    } else {
        rng.range(lo, hi) as u32
    }
}

fn shape3(rng: &mut Rng) -> [usize; 3] {
    [1, 2, 3].map(|_| rng.range(1, 4) as usize)
}

/// A random convolution reading a `src` map: any groups/kernel/stride/dilation/padding, the
/// output extent usually PyTorch's formula, sometimes any extent the contract allows.
fn random_conv(rng: &mut Rng, src: [usize; 3]) -> ConvGeometry {
    let divisors: Vec<usize> = (1..=src[0]).filter(|g| src[0].is_multiple_of(*g)).collect();
    let groups = divisors[rng.range(0, divisors.len() as i64 - 1) as usize];
    let kernel = [rng.range(1, 3) as usize, rng.range(1, 3) as usize];
    let stride = [rng.range(1, 2) as usize, rng.range(1, 2) as usize];
    let dilation = [rng.range(1, 2) as usize, rng.range(1, 2) as usize];
    let mut padding = [0; 2];
    let mut output = [groups * rng.range(1, 2) as usize, 0, 0];
    for a in 0..2 {
        let extent = dilation[a] * (kernel[a] - 1) + 1;
        padding[a] = rng.range(0, (extent as i64 - 1).min(2)) as usize;
        let n = src[a + 1];
        let max_out = (n + padding[a] - 1) / stride[a] + 1;
        output[a + 1] = if n + 2 * padding[a] >= extent && rng.chance(70) {
            (n + 2 * padding[a] - extent) / stride[a] + 1
        } else {
            rng.range(1, max_out as i64) as usize
        };
    }
    ConvGeometry {
        input: src,
        output,
        kernel,
        stride,
        padding,
        dilation,
        groups,
    }
}

/// A random non-overlapping pooling of a `src` map: windows of 1..3, strides of the window or
/// one more (gaps), padding below the window, the output extent usually PyTorch's formula
/// (which drops a remainder on odd maps), sometimes smaller.
fn random_pool(rng: &mut Rng, src: [usize; 3]) -> PoolGeometry {
    let mut kernel = [0; 2];
    let mut stride = [0; 2];
    let mut padding = [0; 2];
    let mut output = [src[0], 0, 0];
    for a in 0..2 {
        let n = src[a + 1];
        kernel[a] = rng.range(1, 3.min(n as i64 + 1)) as usize;
        stride[a] = kernel[a] + usize::from(rng.chance(25));
        padding[a] = rng.range(0, kernel[a] as i64 - 1) as usize;
        if n + 2 * padding[a] < kernel[a] {
            padding[a] = 0;
            kernel[a] = kernel[a].min(n);
        }
        let max_out = (n + padding[a] - 1) / stride[a] + 1;
        output[a + 1] = if rng.chance(80) {
            ((n + 2 * padding[a] - kernel[a]) / stride[a] + 1).min(max_out)
        } else {
            rng.range(1, max_out as i64) as usize
        };
    }
    PoolGeometry {
        input: src,
        output,
        kernel,
        stride,
        padding,
    }
}

/// A shape-preserving ("same", stride 1) convolution of a `c x h x w` map onto itself.
fn same_conv(rng: &mut Rng, shape: [usize; 3]) -> ConvGeometry {
    let divisors: Vec<usize> = (1..=shape[0])
        .filter(|g| shape[0].is_multiple_of(*g))
        .collect();
    let k = [1, 3][rng.range(0, 1) as usize];
    let d = rng.range(1, 2) as usize;
    ConvGeometry {
        input: shape,
        output: shape,
        kernel: [k, k],
        stride: [1, 1],
        padding: [d * (k - 1) / 2; 2],
        dilation: [d, d],
        groups: divisors[rng.range(0, divisors.len() as i64 - 1) as usize],
    }
}

fn random_net(rng: &mut Rng) -> QNet {
    let spatial = rng.chance(33);
    let flat = |rng: &mut Rng| [1, 1, rng.range(1, 6) as usize];
    let input_shape = if spatial { shape3(rng) } else { flat(rng) };
    let input_size: usize = input_shape.iter().product();
    let n_layers = rng.range(1, 4) as usize;
    // First pass: layer shapes; a spatial layer is usually the output of a convolution of the
    // previous layer (or the input).
    let mut shapes: Vec<[usize; 3]> = Vec::new();
    let mut first_conv: Vec<Option<(Option<PoolGeometry>, ConvGeometry)>> = Vec::new();
    for l in 0..n_layers {
        let src = if l == 0 { input_shape } else { shapes[l - 1] };
        if spatial && rng.chance(70) {
            // Pool + Conv: the convolution reads the pooled map.
            let pool = rng.chance(35).then(|| random_pool(rng, src));
            let g = random_conv(rng, pool.as_ref().map_or(src, |p| p.output));
            shapes.push(g.output);
            first_conv.push(Some((pool, g)));
        } else {
            shapes.push(if spatial { shape3(rng) } else { flat(rng) });
            first_conv.push(None);
        }
    }
    let sizes: Vec<usize> = shapes.iter().map(|s| s.iter().product()).collect();
    // Half the nets take graded input values.
    let input_bits = if rng.chance(50) {
        1
    } else {
        rng.range(2, 8) as u32
    };
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
        let mut add_proj = |rng: &mut Rng,
                            source: QSource,
                            width: usize,
                            delayed: bool,
                            conv: Option<ConvGeometry>,
                            pool: Option<PoolGeometry>| {
            let cols = pool.as_ref().map_or(width, PoolGeometry::target_size);
            let len = conv.as_ref().map_or(size * cols, ConvGeometry::weight_len);
            let weight = (0..len)
                .map(|_| {
                    if rng.chance(density) {
                        rng.range(-wmax - 1, wmax) as i32
                    } else {
                        0
                    }
                })
                .collect();
            // Some projections read each source neuron with its own extra delay.
            let source_delay = if rng.chance(20) {
                (0..width).map(|_| rng.range(0, 5) as u32).collect()
            } else {
                Vec::new()
            };
            inputs.push(QProjection {
                source_delay,
                source,
                source_size: width,
                weight,
                delayed,
                origin: format!("p{l}_{}", rng.next_u64() % 1000),
                conv,
                pool,
            });
        };
        if let Some((pool, g)) = first_conv[l].clone() {
            let source = if l == 0 {
                QSource::Input
            } else {
                QSource::Layer(l - 1)
            };
            let width = if l == 0 { input_size } else { sizes[l - 1] };
            add_proj(rng, source, width, false, Some(g), pool);
        }
        if spatial && rng.chance(25) {
            let g = same_conv(rng, shapes[l]);
            add_proj(rng, QSource::Layer(l), size, true, Some(g), None);
        }
        // Pool + Flatten + Affine of a spatial source: dense rows over the pooled elements.
        let dense_pool = |rng: &mut Rng, shape: [usize; 3]| {
            (spatial && rng.chance(30)).then(|| random_pool(rng, shape))
        };
        if l == 0 || rng.chance(50) {
            let pool = dense_pool(rng, input_shape);
            add_proj(rng, QSource::Input, input_size, false, None, pool);
        }
        if rng.chance(15) {
            add_proj(rng, QSource::Input, input_size, true, None, None);
        }
        for (j, &w) in sizes.iter().enumerate().take(l) {
            if j + 1 == l || rng.chance(30) {
                let pool = dense_pool(rng, shapes[j]);
                add_proj(rng, QSource::Layer(j), w, false, None, pool);
            }
        }
        for (j, &w) in sizes.iter().enumerate() {
            if rng.chance(20) {
                let pool = dense_pool(rng, shapes[j]);
                add_proj(rng, QSource::Layer(j), w, true, None, pool);
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
        // A third of the spiking layers emit spike counts (reset Subtract, no delay, theta > 0).
        let fire = if rng.chance(33) {
            QFire::Count {
                spike_bits: rng.range(1, 8) as u32,
                floor_at_minus_threshold: rng.chance(50),
            }
        } else {
            QFire::Single
        };
        let counting = fire != QFire::Single;
        let (reset, reset_delay) = if counting {
            (QReset::Subtract, false)
        } else {
            (reset, reset_delay)
        };
        let threshold = |rng: &mut Rng| {
            if counting {
                // Small thresholds make large counts (and count saturation) common.
                let hi = if rng.chance(50) { small } else { small / 8 };
                vec_state(rng, 1, hi.max(1))
            } else {
                vec_state(rng, -small / 4, small)
            }
        };
        let kind = rng.range(0, 3);
        let neuron = match kind {
            0 => QNeuron::Lif {
                beta: vec_decay(rng),
                threshold: threshold(rng),
                v_reset: vec_state(rng, -small / 4, small / 4),
                reset,
                reset_delay,
            },
            1 => QNeuron::CubaLif {
                alpha: vec_decay(rng),
                beta: vec_decay(rng),
                threshold: threshold(rng),
                v_reset: vec_state(rng, -small / 4, small / 4),
                reset: if reset == QReset::ZeroKeepInput {
                    QReset::ZeroDropInput
                } else {
                    reset
                },
                reset_delay,
                current_bits: pick_bits(rng, 4, 32, 10),
            },
            2 => QNeuron::Li {
                beta: vec_decay(rng),
            },
            _ => QNeuron::CubaLi {
                alpha: vec_decay(rng),
                beta: vec_decay(rng),
                current_bits: pick_bits(rng, 4, 32, 10),
            },
        };
        layers.push(QLayer {
            fire: if kind < 2 { fire } else { QFire::Single },
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
    let has_conv = layers
        .iter()
        .any(|l: &QLayer| l.inputs.iter().any(|p| p.conv.is_some()));
    let has_pool = layers
        .iter()
        .any(|l: &QLayer| l.inputs.iter().any(|p| p.pool.is_some()));
    let format3 = input_bits > 1
        || layers.iter().any(|l: &QLayer| {
            l.fire != QFire::Single
                || matches!(l.neuron, QNeuron::CubaLi { .. })
                || l.inputs.iter().any(|p| !p.source_delay.is_empty())
        });
    QNet {
        input_bits,
        // Nets without format-3 features keep exercising format 1 (dense) and 2 (conv) files.
        format: if has_pool {
            4
        } else if format3 {
            3
        } else if has_conv {
            2
        } else {
            1
        },
        input_size,
        layers,
        output_layer: n_layers - 1,
        provenance: vec![],
    }
}

fn check(seed: u64) -> Result<(), TestCaseError> {
    let mut rng = Rng::new(seed);
    let net = random_net(&mut rng);
    prop_assert!(
        net.validate().is_ok(),
        "generator made an invalid net: {:?}",
        net.validate()
    );
    let steps = rng.range(1, 12) as usize;
    let samples = rng.range(1, 3) as usize;
    let density = rng.range(0, 100) as u64;
    let max_value = (1i64 << net.input_bits) - 1;
    let input: Vec<Vec<Vec<u8>>> = (0..steps)
        .map(|_| {
            (0..samples)
                .map(|_| {
                    (0..net.input_size)
                        .map(|_| {
                            if rng.chance(density) {
                                rng.range(1, max_value) as u8
                            } else {
                                0
                            }
                        })
                        .collect()
                })
                .collect()
        })
        .collect();
    let flat: Vec<u8> = input.iter().flatten().flatten().copied().collect();
    let spikes = SpikeSteps::graded(steps, samples, net.input_size, flat, net.input_bits).unwrap();
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
        prop_assert_eq!(
            lt.saturations.count,
            want.sat_count[l],
            "count saturations layer {} seed {}",
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
    let (mut sat, mut cur_sat, mut spikes, mut kinds) = (0u64, 0u64, 0u64, [0u32; 4]);
    // Format 3: count layers (with floor), multi-spike events, count saturations, graded
    // inputs, projections with source delays.
    let (mut count_layers, mut floors, mut multi, mut count_sat) = (0u32, 0u32, 0u64, 0u64);
    let (mut graded, mut delayed_sources) = (0u32, 0u32);
    // conv projections: all, delayed, grouped, strided, dilated, padded, cropped output.
    let mut conv = [0u32; 7];
    let mut conv_spikes = 0u64;
    // pooled projections: conv, dense, gaps (stride > window), padding, a cropped remainder
    let mut pools = [0u32; 5];
    for seed in 0..400 {
        let mut rng = Rng::new(seed);
        let net = random_net(&mut rng);
        for p in net.layers.iter().flat_map(|l| &l.inputs) {
            if let Some(g) = &p.pool {
                let cropped = (0..2).any(|a| {
                    (g.output[a + 1] - 1) * g.stride[a] + g.kernel[a]
                        < g.input[a + 1] + g.padding[a]
                });
                let flags = [
                    p.conv.is_some(),
                    p.conv.is_none(),
                    g.stride != g.kernel,
                    g.padding != [0, 0],
                    cropped,
                ];
                for (c, f) in pools.iter_mut().zip(flags) {
                    *c += u32::from(f);
                }
            }
            if let Some(g) = &p.conv {
                let standard = (0..2).all(|a| {
                    let extent = g.dilation[a] * (g.kernel[a] - 1) + 1;
                    g.input[a + 1] + 2 * g.padding[a] >= extent
                        && g.output[a + 1]
                            == (g.input[a + 1] + 2 * g.padding[a] - extent) / g.stride[a] + 1
                });
                let flags = [
                    true,
                    p.delayed,
                    g.groups > 1,
                    g.stride != [1, 1],
                    g.dilation != [1, 1],
                    g.padding != [0, 0],
                    !standard,
                ];
                for (c, f) in conv.iter_mut().zip(flags) {
                    *c += u32::from(f);
                }
            }
        }
        for l in &net.layers {
            kinds[match l.neuron {
                QNeuron::Lif { .. } => 0,
                QNeuron::CubaLif { .. } => 1,
                QNeuron::Li { .. } => 2,
                QNeuron::CubaLi { .. } => 3,
            }] += 1;
            if let QFire::Count {
                floor_at_minus_threshold,
                ..
            } = l.fire
            {
                count_layers += 1;
                floors += u32::from(floor_at_minus_threshold);
            }
            delayed_sources += l
                .inputs
                .iter()
                .filter(|p| !p.source_delay.is_empty())
                .count() as u32;
        }
        graded += u32::from(net.input_bits > 1);
        let steps = 8;
        let max_value = (1i64 << net.input_bits) - 1;
        let data: Vec<u8> = (0..steps * net.input_size)
            .map(|_| {
                if rng.chance(50) {
                    rng.range(1, max_value) as u8
                } else {
                    0
                }
            })
            .collect();
        let tr = eval(
            &net,
            &SpikeSteps::graded(steps, 1, net.input_size, data, net.input_bits).unwrap(),
        )
        .unwrap();
        for (lt, l) in tr.layers.iter().zip(&net.layers) {
            if l.inputs.iter().any(|p| p.conv.is_some()) {
                conv_spikes += lt.spikes.iter().map(|&s| u64::from(s)).sum::<u64>();
            }
            sat += lt.saturations.state;
            cur_sat += lt.saturations.current;
            count_sat += lt.saturations.count;
            multi += lt.spikes.iter().filter(|&&s| s > 1).count() as u64;
            spikes += lt.spikes.iter().map(|&s| u64::from(s)).sum::<u64>();
        }
    }
    assert!(
        sat > 100 && cur_sat > 10 && spikes > 1000,
        "sat {sat} cur_sat {cur_sat} spikes {spikes}"
    );
    assert!(kinds.iter().all(|&k| k > 50), "{kinds:?}");
    assert!(
        count_layers > 50 && floors > 20 && multi > 200 && count_sat > 20,
        "count layers {count_layers} with floor {floors}, multi-spike events {multi}, count saturations {count_sat}"
    );
    assert!(
        graded > 100 && delayed_sources > 50,
        "graded-input nets {graded}, projections with source delays {delayed_sources}"
    );
    assert!(conv.iter().all(|&c| c > 10), "conv coverage {conv:?}");
    assert!(pools.iter().all(|&c| c > 10), "pool coverage {pools:?}");
    assert!(conv_spikes > 200, "conv layers spiked {conv_spikes} times");
}
