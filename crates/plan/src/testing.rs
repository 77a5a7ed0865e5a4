//! Deterministic random integer networks for the property tests of the plan, Verilog and cycle
//! model crates (a seeded generator, so a failing case is reproduced from its seed).

use spikeloom_qnet::{QLayer, QNet, QNeuron, QProjection, QReset, QSource, Rounding};

/// The tests' seeded generator (`spikeloom-testkit`), re-exported for the generators here.
pub use spikeloom_testkit::Rng;

/// Random spike input `[T][input_size]` with the given density in percent.
pub fn random_input(rng: &mut Rng, steps: usize, width: usize, density: u64) -> Vec<Vec<u8>> {
    (0..steps)
        .map(|_| (0..width).map(|_| u8::from(rng.chance(density))).collect())
        .collect()
}

fn decay(rng: &mut Rng, shift: u32) -> u32 {
    let one = 1i64 << shift;
    match rng.range(0, 3) {
        0 => one as u32,
        1 => (one - (one >> 2)) as u32,
        _ => rng.range(0, one) as u32,
    }
}

fn reset(rng: &mut Rng, cuba: bool) -> QReset {
    match rng.range(0, 3) {
        0 => QReset::Subtract,
        1 if !cuba => QReset::ZeroKeepInput,
        1 | 2 => QReset::ZeroDropInput,
        _ => QReset::None,
    }
}

fn per_neuron(rng: &mut Rng, size: usize, lo: i64, hi: i64, uniform: bool) -> Vec<i64> {
    let v0 = rng.range(lo, hi);
    (0..size)
        .map(|_| if uniform { v0 } else { rng.range(lo, hi) })
        .collect()
}

/// A random network: 1-3 layers of random kinds, sizes, bit widths, sparsity, reset rules,
/// delayed (recurrent) projections and per-neuron or uniform parameters.
pub fn random_qnet(seed: u64) -> QNet {
    let mut rng = Rng::new(seed);
    let input_size = rng.range(1, 12) as usize;
    let n_layers = rng.range(1, 3) as usize;
    let layers = random_dense_layers(&mut rng, input_size, n_layers, None);
    dense_net(input_size, layers, ("seed", seed))
}

/// A binary-input network of `layers`, the last one its output, with its seed as provenance.
fn dense_net(input_size: usize, layers: Vec<QLayer>, (what, seed): (&str, u64)) -> QNet {
    QNet {
        input_bits: 1,
        format: 1,
        input_size,
        output_layer: layers.len() - 1,
        layers,
        provenance: vec![(what.into(), seed.to_string())],
    }
}

/// A random network of 2-4 dense layers that can all share one neuron unit
/// (`UnitPlan::compatible`: the same kind, reset rule, reset delay, rounding, state, current and
/// decay widths) and differ in everything a shared unit selects by layer: sizes, weight shifts,
/// weight widths, thresholds, reset values, biases and decays (constant or per neuron),
/// recurrence.
pub fn random_shared_qnet(seed: u64) -> QNet {
    let mut rng = Rng::new(seed ^ 0x5eed_5aa2_ed00);
    let input_size = rng.range(1, 12) as usize;
    let n_layers = rng.range(2, 4) as usize;
    let kind = u32::from(rng.chance(30));
    let state_bits = rng.range(6, 16) as u32;
    let decay_shift = rng.range(0, 8) as u32;
    let mut layers = random_dense_layers(
        &mut rng,
        input_size,
        n_layers,
        Some((kind, state_bits, decay_shift)),
    );
    // the structure of layer 0 everywhere
    let rounding = layers[0].rounding;
    let (reset0, delay0, cur0) = match &layers[0].neuron {
        QNeuron::Lif {
            reset, reset_delay, ..
        } => (*reset, *reset_delay, 0),
        QNeuron::CubaLif {
            reset,
            reset_delay,
            current_bits,
            ..
        } => (*reset, *reset_delay, *current_bits),
        QNeuron::Li { .. } | QNeuron::CubaLi { .. } => unreachable!("kind 0 or 1"),
    };
    for l in &mut layers[1..] {
        l.rounding = rounding;
        match &mut l.neuron {
            QNeuron::Lif {
                reset, reset_delay, ..
            } => (*reset, *reset_delay) = (reset0, delay0),
            QNeuron::CubaLif {
                reset,
                reset_delay,
                current_bits,
                ..
            } => (*reset, *reset_delay, *current_bits) = (reset0, delay0, cur0),
            QNeuron::Li { .. } | QNeuron::CubaLi { .. } => unreachable!("kind 0 or 1"),
        }
    }
    dense_net(input_size, layers, ("shared seed", seed))
}

/// The layers of [`random_qnet`]; `fixed` = (kind, state bits, decay shift) of every layer
/// (`None`: drawn per layer, in `random_qnet`'s draw order).
fn random_dense_layers(
    rng: &mut Rng,
    input_size: usize,
    n_layers: usize,
    fixed: Option<(u32, u32, u32)>,
) -> Vec<QLayer> {
    let mut layers: Vec<QLayer> = Vec::new();
    for li in 0..n_layers {
        let size = rng.range(1, 11) as usize;
        let last = li + 1 == n_layers;
        let kind = match fixed {
            Some((k, _, _)) => k,
            None if last && rng.chance(25) => 2,
            None if rng.chance(30) => 1,
            None => 0,
        };
        let weight_bits = rng.range(2, 8) as u32;
        let state_bits = match fixed {
            Some((_, b, _)) => b,
            None => rng.range(6, 16) as u32,
        };
        let decay_shift = match fixed {
            Some((_, _, d)) => d,
            None => rng.range(0, 8) as u32,
        };
        let sources: Vec<(QSource, usize)> = if li == 0 {
            vec![(QSource::Input, input_size)]
        } else {
            vec![(QSource::Layer(li - 1), layers[li - 1].size)]
        };
        let mut srcs: Vec<(QSource, usize, bool)> =
            sources.into_iter().map(|(s, n)| (s, n, false)).collect();
        if rng.chance(40) {
            srcs.push((QSource::Layer(li), size, true)); // recurrence
        }
        if li > 0 && rng.chance(20) {
            srcs.push((QSource::Input, input_size, rng.chance(50)));
        }
        let wmax = (1i64 << (weight_bits - 1)) - 1;
        let density = rng.range(20, 100) as u64;
        let inputs = srcs
            .iter()
            .enumerate()
            .map(|(k, &(source, n, delayed))| QProjection {
                source_delay: Vec::new(),
                source,
                source_size: n,
                weight: (0..size * n)
                    .map(|_| {
                        if rng.chance(density) {
                            rng.range(-wmax - 1, wmax) as i32
                        } else {
                            0
                        }
                    })
                    .collect(),
                delayed,
                origin: format!("proj{li}_{k}"),
                conv: None,
                pool: None,
            })
            .collect();
        layers.push(finish_layer(
            rng,
            li,
            size,
            kind,
            weight_bits,
            state_bits,
            decay_shift,
            inputs,
        ));
    }
    layers
}

/// Neuron model and parameters of a random layer (shared by the dense and convolution
/// generators; the draw order keeps `random_qnet`'s seeds stable).
#[allow(clippy::too_many_arguments)]
fn finish_layer(
    rng: &mut Rng,
    li: usize,
    size: usize,
    kind: u32,
    weight_bits: u32,
    state_bits: u32,
    decay_shift: u32,
    inputs: Vec<QProjection>,
) -> QLayer {
    let smax = 1i64 << (state_bits - 2);
    let uniform = rng.chance(50);
    let theta = per_neuron(rng, size, 1, smax, uniform);
    let vr_uniform = !rng.chance(20);
    let v_reset = per_neuron(rng, size, -4, 4, vr_uniform);
    let beta: Vec<u32> = {
        let b0 = decay(rng, decay_shift);
        (0..size)
            .map(|_| if uniform { b0 } else { decay(rng, decay_shift) })
            .collect()
    };
    let neuron = match kind {
        0 => QNeuron::Lif {
            beta,
            threshold: theta,
            v_reset,
            reset: reset(rng, false),
            reset_delay: rng.chance(50),
        },
        1 => {
            let a0 = decay(rng, decay_shift);
            QNeuron::CubaLif {
                alpha: vec![a0; size],
                beta,
                threshold: theta,
                v_reset,
                reset: reset(rng, true),
                reset_delay: rng.chance(50),
                current_bits: rng.range(state_bits as i64 - 2, state_bits as i64 + 2) as u32,
            }
        }
        _ => QNeuron::Li { beta },
    };
    let bias_uniform = rng.chance(40);
    QLayer {
        fire: Default::default(),
        name: format!("layer{li}"),
        size,
        inputs,
        weight_bits,
        weight_shift: rng.range(0, 3) as u32,
        bias: per_neuron(rng, size, -(smax >> 3), smax >> 3, bias_uniform),
        neuron,
        state_bits,
        decay_shift,
        rounding: if rng.chance(50) {
            Rounding::Floor
        } else {
            Rounding::HalfUp
        },
        state_lsb: 1.0,
    }
}

/// A device large enough for every random test network.
pub fn big_device() -> spikeloom_board::Device {
    spikeloom_board::Device {
        family: spikeloom_board::Family::Ecp5,
        name: "LFE5U-85F".into(),
        nextpnr_device: "85k".into(),
        package: "CABGA381".into(),
        speed: Some(6),
        luts: 84_000,
        ffs: 84_000,
        bram_count: 208,
        bram_bits: 18_432,
        spram_count: 0,
        dsp_count: 156,
    }
}

/// A random valid convolution geometry on a small input (Conv1d when `H = kH = 1`): channels,
/// groups, kernel, stride, padding (below the dilated extent) and dilation all vary.
pub fn random_conv(rng: &mut Rng) -> spikeloom_qnet::ConvGeometry {
    loop {
        let groups = rng.range(1, 2) as usize;
        let c_in = groups * rng.range(1, 2) as usize;
        let c_out = groups * rng.range(1, 3) as usize;
        let conv1d = rng.chance(25);
        let h = if conv1d { 1 } else { rng.range(1, 6) as usize };
        let w = rng.range(1, 7) as usize;
        let kernel = [
            if conv1d { 1 } else { rng.range(1, 3) as usize },
            rng.range(1, 3) as usize,
        ];
        let stride = [rng.range(1, 2) as usize, rng.range(1, 3) as usize];
        let dilation = [rng.range(1, 2) as usize, rng.range(1, 2) as usize];
        let ext = |a: usize| dilation[a] * (kernel[a] - 1) + 1;
        let padding = [
            rng.range(0, ext(0) as i64 - 1) as usize,
            rng.range(0, ext(1) as i64 - 1) as usize,
        ];
        let out = |a: usize, n: usize| {
            (n + 2 * padding[a])
                .checked_sub(ext(a))
                .map(|t| t / stride[a] + 1)
        };
        let (Some(ho), Some(wo)) = (out(0, h), out(1, w)) else {
            continue;
        };
        let g = spikeloom_qnet::ConvGeometry {
            input: [c_in, h, w],
            output: [c_out, ho, wo],
            kernel,
            stride,
            padding,
            dilation,
            groups,
        };
        if g.problems().is_empty() {
            return g;
        }
    }
}

/// A random network whose first layer is a convolution of the input (sometimes delayed: it then
/// reads the previous step's input), optionally followed by a dense layer or a second
/// convolution of the first layer's spike map.
pub fn random_conv_qnet(seed: u64) -> QNet {
    let mut rng = Rng::new(seed ^ 0xc0417);
    let g0 = random_conv(&mut rng);
    let input_size = g0.source_size();
    let mut layers = Vec::new();
    let n_layers = rng.range(1, 2) as usize;
    let mut src_shape = [0usize; 3];
    for li in 0..n_layers {
        let last = li + 1 == n_layers;
        let kind = if last && rng.chance(20) {
            2
        } else if rng.chance(25) {
            1
        } else {
            0
        };
        let weight_bits = rng.range(2, 8) as u32;
        let state_bits = rng.range(6, 16) as u32;
        let decay_shift = rng.range(0, 8) as u32;
        let wmax = (1i64 << (weight_bits - 1)) - 1;
        let wgen = |n: usize, rng: &mut Rng| -> Vec<i32> {
            (0..n).map(|_| rng.range(-wmax - 1, wmax) as i32).collect()
        };
        let (size, proj) = if li == 0 {
            let w = wgen(g0.weight_len(), &mut rng);
            let delayed = rng.chance(25);
            src_shape = g0.output;
            (
                g0.target_size(),
                QProjection {
                    source_delay: Vec::new(),
                    source: QSource::Input,
                    source_size: input_size,
                    weight: w,
                    conv: Some(g0.clone()),
                    pool: None,
                    delayed,
                    origin: "conv0".into(),
                },
            )
        } else if rng.chance(50) {
            // a second convolution over the first layer's spike map
            let g = random_conv_of(&mut rng, src_shape);
            let wts = wgen(g.weight_len(), &mut rng);
            (
                g.target_size(),
                QProjection {
                    source_delay: Vec::new(),
                    source: QSource::Layer(0),
                    source_size: g.source_size(),
                    weight: wts,
                    conv: Some(g),
                    pool: None,
                    delayed: rng.chance(20),
                    origin: "conv1".into(),
                },
            )
        } else {
            let size = rng.range(1, 9) as usize;
            let src = layers.iter().map(|l: &QLayer| l.size).next().unwrap_or(1);
            (
                size,
                QProjection {
                    source_delay: Vec::new(),
                    source: QSource::Layer(0),
                    source_size: src,
                    weight: wgen(size * src, &mut rng),
                    conv: None,
                    pool: None,
                    delayed: false,
                    origin: "fc1".into(),
                },
            )
        };
        layers.push(finish_layer(
            &mut rng,
            li,
            size,
            kind,
            weight_bits,
            state_bits,
            decay_shift,
            vec![proj],
        ));
    }
    QNet {
        input_bits: 1,
        format: spikeloom_qnet::FORMAT_VERSION,
        input_size,
        output_layer: n_layers - 1,
        layers,
        provenance: vec![("conv seed".into(), seed.to_string())],
    }
}

/// A random pooling of a `(C, H, W)` map with windows that do not overlap: window 1..=3 (at
/// most the extent), stride the window or one more (gaps), padding below the window, PyTorch's
/// output extent (so a remainder past the last window may be cropped).
pub fn random_pool(rng: &mut Rng, shape: [usize; 3]) -> spikeloom_qnet::PoolGeometry {
    let (mut kernel, mut stride, mut padding) = ([1; 2], [1; 2], [0; 2]);
    let mut output = [shape[0], 1, 1];
    for a in 0..2 {
        let n = shape[a + 1];
        kernel[a] = rng.range(1, n.min(3) as i64) as usize;
        stride[a] = kernel[a] + usize::from(rng.chance(25));
        padding[a] = rng.range(0, kernel[a] as i64 - 1) as usize;
        output[a + 1] = (n + 2 * padding[a] - kernel[a]) / stride[a] + 1;
    }
    spikeloom_qnet::PoolGeometry {
        input: shape,
        output,
        kernel,
        stride,
        padding,
    }
}

/// A random convolution of a `(C, H, W)` map (kernel 1..=3, stride 1..=2, padding, dilation,
/// groups), falling back to a 1x1 depthwise one where the map is too small.
fn random_conv_of(rng: &mut Rng, shape: [usize; 3]) -> spikeloom_qnet::ConvGeometry {
    let mut g = random_conv(rng);
    let [c, h, w] = shape;
    g.input = shape;
    if c % g.groups != 0 {
        g.groups = 1;
    }
    let ok = fit_conv(&mut g, [h, w]);
    g.output[0] = g.groups * rng.range(1, 2) as usize;
    if !ok || !g.problems().is_empty() {
        g = spikeloom_qnet::ConvGeometry {
            input: shape,
            output: shape,
            kernel: [1, 1],
            stride: [1, 1],
            padding: [0, 0],
            dilation: [1, 1],
            groups: c,
        };
    }
    g
}

/// Fit `g`'s padding (below the dilated kernel extent) and output rows and columns to an input
/// map of `h_w`; false when the kernel does not fit the map.
fn fit_conv(g: &mut spikeloom_qnet::ConvGeometry, h_w: [usize; 2]) -> bool {
    let mut ok = true;
    for (a, dim) in h_w.into_iter().enumerate() {
        let ext = g.dilation[a] * (g.kernel[a] - 1) + 1;
        g.padding[a] = g.padding[a].min(ext - 1);
        match (dim + 2 * g.padding[a]).checked_sub(ext) {
            Some(t) => g.output[a + 1] = t / g.stride[a] + 1,
            None => ok = false,
        }
    }
    ok
}

/// Layer `li`'s one projection in a conv/pool stack: from the input or the layer before,
/// delayed in about 15% (a dense one when it has no convolution).
fn stack_projection(
    rng: &mut Rng,
    li: usize,
    source_size: usize,
    weight: Vec<i32>,
    conv: Option<spikeloom_qnet::ConvGeometry>,
    pool: Option<spikeloom_qnet::PoolGeometry>,
) -> QProjection {
    let dense = conv.is_none();
    QProjection {
        source_delay: Vec::new(),
        source: if li == 0 {
            QSource::Input
        } else {
            QSource::Layer(li - 1)
        },
        source_size,
        weight,
        conv,
        pool,
        delayed: rng.chance(15),
        origin: format!("{}{li}", if dense { "fc" } else { "conv" }),
    }
}

/// A random conv/pool stack (format 4): a convolution of the input map, pooled first in half
/// of the networks; then a pooled convolution of its spike map, or pooled Flatten + dense; after
/// a second convolution, sometimes a pooled dense read-out. Poolings vary window, stride (gaps),
/// padding and cropping on odd and even maps.
pub fn random_pool_qnet(seed: u64) -> QNet {
    let mut rng = Rng::new(seed ^ 0x9001_4a11);
    let mut shape = [
        rng.range(1, 3) as usize,
        rng.range(2, 9) as usize,
        rng.range(2, 9) as usize,
    ];
    let input_size: usize = shape.iter().product();
    let mut layers: Vec<QLayer> = Vec::new();
    let n_layers = rng.range(2, 3) as usize;
    for li in 0..n_layers {
        let last = li + 1 == n_layers;
        let kind = if last && rng.chance(20) {
            2
        } else if rng.chance(20) {
            1
        } else {
            0
        };
        let weight_bits = rng.range(2, 8) as u32;
        let state_bits = rng.range(8, 16) as u32;
        let decay_shift = rng.range(0, 8) as u32;
        let wmax = (1i64 << (weight_bits - 1)) - 1;
        let wgen = |n: usize, rng: &mut Rng| -> Vec<i32> {
            (0..n).map(|_| rng.range(-wmax - 1, wmax) as i32).collect()
        };
        let src_size: usize = shape.iter().product();
        let pool = (li > 0 || rng.chance(50)).then(|| random_pool(&mut rng, shape));
        let pooled = pool.as_ref().map_or(shape, |g| g.output);
        let dense = li == n_layers - 1 && (li == 2 || rng.chance(50));
        let (size, conv, weight) = if dense {
            let size = rng.range(1, 9) as usize;
            let cols: usize = pooled.iter().product();
            (size, None, wgen(size * cols, &mut rng))
        } else {
            let g = random_conv_of(&mut rng, pooled);
            let w = wgen(g.weight_len(), &mut rng);
            shape = g.output;
            (g.target_size(), Some(g), w)
        };
        let proj = stack_projection(&mut rng, li, src_size, weight, conv, pool);
        layers.push(finish_layer(
            &mut rng,
            li,
            size,
            kind,
            weight_bits,
            state_bits,
            decay_shift,
            vec![proj],
        ));
        if dense {
            break;
        }
    }
    QNet {
        input_bits: 1,
        format: spikeloom_qnet::FORMAT_VERSION,
        input_size,
        output_layer: layers.len() - 1,
        layers,
        provenance: vec![("pool seed".into(), seed.to_string())],
    }
}

/// A random stack for one convolution engine (`PlanConfig::conv_engine`): two or three
/// convolutions of one channel group and power-of-two strides (1 or 2 per axis; kernels,
/// padding, dilation and map sizes random, odd and even), the second and third pooled in half of
/// the networks, then a pooled or plain dense read-out, every layer with the same weight width.
pub fn random_engine_qnet(seed: u64) -> QNet {
    let mut rng = Rng::new(seed ^ 0x00e4_610e);
    let mut shape = [
        rng.range(1, 3) as usize,
        rng.range(3, 9) as usize,
        rng.range(3, 9) as usize,
    ];
    let input_size: usize = shape.iter().product();
    let weight_bits = rng.range(2, 8) as u32;
    let wmax = (1i64 << (weight_bits - 1)) - 1;
    let wgen = |n: usize, rng: &mut Rng| -> Vec<i32> {
        (0..n).map(|_| rng.range(-wmax - 1, wmax) as i32).collect()
    };
    let convs = rng.range(2, 3) as usize;
    let mut layers: Vec<QLayer> = Vec::new();
    for li in 0..=convs {
        let dense = li == convs;
        let src_size: usize = shape.iter().product();
        let pool = (li > 0 && shape[1] >= 2 && shape[2] >= 2 && rng.chance(50))
            .then(|| random_pool(&mut rng, shape));
        let pooled = pool.as_ref().map_or(shape, |g| g.output);
        let (size, conv, weight) = if dense {
            let size = rng.range(1, 6) as usize;
            let cols: usize = pooled.iter().product();
            (size, None, wgen(size * cols, &mut rng))
        } else {
            let g = loop {
                let mut g = random_conv_of(&mut rng, pooled);
                g.groups = 1;
                g.output[0] = rng.range(1, 3) as usize;
                g.stride = [
                    1 + usize::from(rng.chance(40)),
                    1 + usize::from(rng.chance(40)),
                ];
                if fit_conv(&mut g, [pooled[1], pooled[2]]) && g.problems().is_empty() {
                    break g;
                }
            };
            let w = wgen(g.weight_len(), &mut rng);
            shape = g.output;
            (g.target_size(), Some(g), w)
        };
        let proj = stack_projection(&mut rng, li, src_size, weight, conv, pool);
        let state_bits = rng.range(8, 16) as u32;
        let decay_shift = rng.range(0, 8) as u32;
        layers.push(finish_layer(
            &mut rng,
            li,
            size,
            0,
            weight_bits,
            state_bits,
            decay_shift,
            vec![proj],
        ));
    }
    QNet {
        input_bits: 1,
        format: spikeloom_qnet::FORMAT_VERSION,
        input_size,
        output_layer: layers.len() - 1,
        layers,
        provenance: vec![("engine seed".into(), seed.to_string())],
    }
}

/// Format-3 variant of [`random_qnet`] (and, for every fourth seed, of [`random_conv_qnet`],
/// for every fourth other seed of [`random_pool_qnet`]):
/// graded input (2..=8 bits in three of four networks), spike-count layers (`QFire::Count`
/// with 1..=8 bits, floor at -theta or not, on about 60% of the spiking layers, which then use
/// the subtract reset without delay) and CubaLi read-outs (about 60% of the Li layers).
pub fn random_format3_qnet(seed: u64) -> QNet {
    let mut net = if seed % 4 == 3 {
        random_conv_qnet(seed)
    } else if seed % 4 == 1 {
        random_pool_qnet(seed)
    } else {
        random_qnet(seed)
    };
    let mut rng = Rng::new(seed ^ 0xf3f3_0003);
    net.format = spikeloom_qnet::FORMAT_VERSION;
    net.input_bits = if rng.chance(75) {
        rng.range(2, 8) as u32
    } else {
        1
    };
    for l in &mut net.layers {
        let shift = l.decay_shift;
        let state_bits = l.state_bits;
        let size = l.size;
        match &mut l.neuron {
            QNeuron::Lif {
                reset, reset_delay, ..
            }
            | QNeuron::CubaLif {
                reset, reset_delay, ..
            } => {
                if rng.chance(60) {
                    // thresholds are already >= 1 (finish_layer)
                    *reset = QReset::Subtract;
                    *reset_delay = false;
                    l.fire = spikeloom_qnet::QFire::Count {
                        spike_bits: rng.range(1, 8) as u32,
                        floor_at_minus_threshold: rng.chance(50),
                    };
                }
            }
            QNeuron::Li { beta } => {
                if rng.chance(60) {
                    let a0 = decay(&mut rng, shift);
                    l.neuron = QNeuron::CubaLi {
                        alpha: (0..size)
                            .map(|_| {
                                if rng.chance(70) {
                                    a0
                                } else {
                                    decay(&mut rng, shift)
                                }
                            })
                            .collect(),
                        beta: std::mem::take(beta),
                        current_bits: rng.range(state_bits as i64 - 2, state_bits as i64 + 2)
                            as u32,
                    };
                }
            }
            QNeuron::CubaLi { .. } => {}
        }
    }
    net
}

/// Random input values `[T][width]` below `2^bits`: each feature is an event with probability
/// `density` percent, of a uniform value in `1..2^bits` (1 for `bits = 1`: binary spikes).
pub fn random_values(
    rng: &mut Rng,
    steps: usize,
    width: usize,
    density: u64,
    bits: u32,
) -> Vec<Vec<u8>> {
    let max = (1i64 << bits.clamp(1, 8)) - 1;
    (0..steps)
        .map(|_| {
            (0..width)
                .map(|_| {
                    if rng.chance(density) {
                        rng.range(1, max) as u8
                    } else {
                        0
                    }
                })
                .collect()
        })
        .collect()
}

/// [`random_format3_qnet`] with NIR `Delay`s: about 60% of the projections (at least one per
/// network) get per-source delays of 0..=`max` steps (`max` 1..=5), uniform over the sources in
/// half of them, on top of their `delayed` flag.
pub fn random_delay_qnet(seed: u64) -> QNet {
    let mut net = random_format3_qnet(seed);
    let mut rng = Rng::new(seed ^ 0xde1a_0003);
    let n: usize = net.layers.iter().map(|l| l.inputs.len()).sum();
    let forced = rng.range(0, n as i64 - 1) as usize;
    let mut k = 0;
    for l in &mut net.layers {
        for p in &mut l.inputs {
            if k == forced || rng.chance(60) {
                let max = rng.range(1, 5);
                let uniform = rng.chance(50);
                let d0 = rng.range(1, max) as u32;
                p.source_delay = (0..p.source_size)
                    .map(|_| {
                        if uniform {
                            d0
                        } else {
                            rng.range(0, max) as u32
                        }
                    })
                    .collect();
                if !uniform {
                    // at least one source really delayed
                    let i = rng.range(0, p.source_size as i64 - 1) as usize;
                    p.source_delay[i] = d0;
                }
            }
            k += 1;
        }
    }
    net.provenance.push(("delay seed".into(), seed.to_string()));
    net
}

/// The digits-shaped MLP (64 -> 48 -> 10 LIF, 8-bit weights, 16-bit state, per-neuron bias, a
/// decay needing a multiplier) with seeded random weights, binary input: the fixed design the
/// resource tests and the cost measurements (`verilog/examples/graded_bundle.rs`) synthesize.
pub fn digits_mlp() -> QNet {
    mlp_qnet(64, 48, 10, 42)
}

/// An MLP `inputs -> hidden -> outputs` of LIF layers like [`digits_mlp`] (its weights and
/// biases drawn from `seed`), e.g. MNIST-shaped 784 -> 128 -> 10.
pub fn mlp_qnet(inputs: usize, hidden: usize, outputs: usize, seed: u64) -> QNet {
    let mut rng = Rng::new(seed);
    let mut layer = |name: &str, source: QSource, inputs: usize, size: usize| QLayer {
        fire: Default::default(),
        name: name.into(),
        size,
        inputs: vec![QProjection {
            source_delay: Vec::new(),
            source,
            source_size: inputs,
            weight: (0..inputs * size)
                .map(|_| rng.range(-128, 127) as i32)
                .collect(),
            delayed: false,
            origin: format!("fc_{name}"),
            conv: None,
            pool: None,
        }],
        weight_bits: 8,
        weight_shift: 1,
        bias: (0..size).map(|_| rng.range(-300, 300)).collect(),
        neuron: QNeuron::Lif {
            beta: vec![3686; size],
            threshold: vec![544; size],
            v_reset: vec![0; size],
            reset: QReset::Subtract,
            reset_delay: true,
        },
        state_bits: 16,
        decay_shift: 12,
        rounding: Rounding::HalfUp,
        state_lsb: 1.0,
    };
    let first = layer("lif1", QSource::Input, inputs, hidden);
    let out = layer("lif2", QSource::Layer(0), hidden, outputs);
    QNet {
        input_bits: 1,
        format: spikeloom_qnet::FORMAT_VERSION,
        input_size: inputs,
        layers: vec![first, out],
        output_layer: 1,
        provenance: vec![],
    }
}

/// `net` with one neuron structure in every layer: LIF with a subtract reset and reset delay,
/// binary spikes, the first layer's state width, decay shift and rounding, and fresh random
/// per-neuron decays and thresholds drawn from `seed` (the weights and shapes stay). Its
/// convolution and dense layers can then share one neuron unit (`PlanConfig::conv_units`,
/// `UnitPlan::compatible`) when they get the same lanes.
pub fn uniform_neurons(mut net: QNet, seed: u64) -> QNet {
    let mut rng = Rng::new(seed ^ 0x0417_5eed);
    let (sb, ds, rounding) = {
        let l0 = &net.layers[0];
        (l0.state_bits, l0.decay_shift, l0.rounding)
    };
    for l in &mut net.layers {
        l.state_bits = sb;
        l.decay_shift = ds;
        l.rounding = rounding;
        l.fire = spikeloom_qnet::QFire::Single;
        let n = l.size;
        let tmax = (1i64 << (sb - 2)).max(2);
        l.neuron = QNeuron::Lif {
            beta: (0..n).map(|_| rng.range(0, 1 << ds) as u32).collect(),
            threshold: (0..n).map(|_| rng.range(1, tmax)).collect(),
            v_reset: vec![0; n],
            reset: QReset::Subtract,
            reset_delay: true,
        };
        let bmax = tmax / 4;
        for b in &mut l.bias {
            *b = (*b).clamp(-bmax, bmax);
        }
    }
    net
}

/// As [`uniform_neurons`], firing spike counts: every layer a `QFire::Count` of 1..=3 bits
/// (drawn per layer, so layers of different count widths meet on a shared unit,
/// `crate::MIXED_COUNT_MAX_BITS`), one floor rule for the whole network, the subtract reset
/// without delay (as counts require).
pub fn uniform_counts(net: QNet, seed: u64) -> QNet {
    let mut net = uniform_neurons(net, seed);
    let mut rng = Rng::new(seed ^ 0xc0_0a75);
    net.format = net.format.max(spikeloom_qnet::FORMAT_VERSION);
    let floor = rng.chance(50);
    for l in &mut net.layers {
        if let QNeuron::Lif { reset_delay, .. } = &mut l.neuron {
            *reset_delay = false;
        }
        l.fire = spikeloom_qnet::QFire::Count {
            spike_bits: rng.range(1, 3) as u32,
            floor_at_minus_threshold: floor,
        };
    }
    net
}
