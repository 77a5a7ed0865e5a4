//! Random conv/pool stacks written as NIR graphs (Sinabs-style IF layers; SumPool or AvgPool
//! with windows that do not overlap, in front of a Conv2d or of Flatten + Affine; random
//! kernels, strides, padding, dilation, groups, channel counts and odd map sizes), lowered,
//! simulated by the float engine, quantized and evaluated by the contract:
//! - the weights stay the graph's own parameters (the pooling is an index map, never copies);
//! - every weight, threshold and AvgPool scale is dyadic and the state is 24 bits, so the
//!   integer network must equal the float one exactly: every spike count of every layer and
//!   step, every membrane times its LSB.

mod common;

use common::Rng;
use spikeloom_float::{lower, Convention, SemanticsOptions};
use spikeloom_nir::{FloatDtype, Graph, Node, Padding, Tensor};
use spikeloom_qnet::SpikeSteps;
use spikeloom_quant::{quantize, Calibration, Precision, QuantConfig};

fn tensor(shape: &[usize], data: Vec<f64>) -> Tensor {
    Tensor {
        shape: shape.to_vec(),
        data,
        dtype: FloatDtype::F32,
    }
}

fn pick(rng: &mut Rng, lo: usize, hi: usize) -> usize {
    lo + (rng.next_u64() % (hi - lo + 1) as u64) as usize
}

/// Dyadic weights k/128 (|k| <= 127), the first one 127/128 so the layer's largest weight,
/// hence its weight LSB, is exact.
fn weights(rng: &mut Rng, n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| {
            if i == 0 {
                127.0 / 128.0
            } else if rng.next_u64().is_multiple_of(3) {
                0.0
            } else {
                (pick(rng, 0, 254) as f64 - 127.0) / 128.0
            }
        })
        .collect()
}

fn if_node(shape: &[usize]) -> Node {
    let n: usize = shape.iter().product();
    Node::If {
        r: tensor(shape, vec![1.0; n]),
        v_threshold: tensor(shape, vec![1.0; n]),
        v_reset: tensor(shape, vec![0.0; n]),
    }
}

/// A pooling of a `(C, H, W)` map with windows that do not overlap; `None` when the map is too
/// small for any window. Returns the node and the pooled shape.
fn pool(rng: &mut Rng, shape: [usize; 3]) -> Option<(Node, [usize; 3])> {
    let mut kernel = [0; 2];
    let mut stride = [0; 2];
    let mut padding = [0; 2];
    let mut out = [shape[0], 0, 0];
    for a in 0..2 {
        let n = shape[a + 1];
        kernel[a] = pick(rng, 1, 3.min(n));
        stride[a] = kernel[a] + usize::from(rng.next_u64().is_multiple_of(4));
        padding[a] = pick(rng, 0, kernel[a] - 1);
        out[a + 1] = (n + 2 * padding[a] - kernel[a]) / stride[a] + 1;
    }
    let node = if rng.next_u64().is_multiple_of(3) && kernel.iter().all(|k| k.is_power_of_two()) {
        Node::AvgPool2d {
            kernel_size: kernel,
            stride,
            padding,
        }
    } else {
        Node::SumPool2d {
            kernel_size: kernel,
            stride,
            padding,
        }
    };
    Some((node, out))
}

/// A Conv2d reading a `(C, H, W)` map; its output shape.
fn conv(rng: &mut Rng, shape: [usize; 3]) -> (Node, [usize; 3]) {
    let c_in = shape[0];
    let divisors: Vec<usize> = (1..=c_in).filter(|g| c_in.is_multiple_of(*g)).collect();
    let groups = divisors[pick(rng, 0, divisors.len() - 1)];
    let c_out = groups * pick(rng, 1, 2);
    let mut kernel = [0; 2];
    let mut stride = [0; 2];
    let mut dilation = [0; 2];
    let mut padding = [0; 2];
    let mut out = [c_out, 0, 0];
    for a in 0..2 {
        let n = shape[a + 1];
        dilation[a] = pick(rng, 1, 2);
        kernel[a] = pick(rng, 1, 3);
        let mut extent = dilation[a] * (kernel[a] - 1) + 1;
        padding[a] = pick(rng, 0, (extent - 1).min(2));
        if n + 2 * padding[a] < extent {
            // a 1x1 tap always fits
            (kernel[a], dilation[a], padding[a]) = (1, 1, 0);
            extent = 1;
        }
        stride[a] = pick(rng, 1, 2);
        out[a + 1] = (n + 2 * padding[a] - extent) / stride[a] + 1;
    }
    let len = c_out * (c_in / groups) * kernel[0] * kernel[1];
    let node = Node::Conv2d {
        weight: tensor(
            &[c_out, c_in / groups, kernel[0], kernel[1]],
            weights(rng, len),
        ),
        bias: tensor(&[c_out], vec![0.0; c_out]),
        stride,
        padding: Padding::Explicit(padding.to_vec()),
        dilation,
        groups,
        input_shape: Some([shape[1], shape[2]]),
    };
    (node, out)
}

/// A random stack: 1-3 of [pool] -> Conv2d -> IF, then [pool] -> Flatten -> Affine -> IF.
/// Returns the graph and the number of weights its nodes hold.
fn stack(rng: &mut Rng) -> (Graph, usize) {
    let mut g = Graph {
        nodes: Default::default(),
        edges: Vec::new(),
        metadata: Default::default(),
    };
    let mut shape = [pick(rng, 1, 3), pick(rng, 3, 9), pick(rng, 3, 9)];
    g.nodes.insert(
        "input".into(),
        Node::Input {
            shape: shape.to_vec(),
        },
    );
    let mut last = "input".to_string();
    let mut params = 0;
    let link = |g: &mut Graph, last: &mut String, name: String, node: Node| {
        g.nodes.insert(name.clone(), node);
        g.edges.push((last.clone(), name.clone()));
        *last = name;
    };
    for l in 0..pick(rng, 1, 3) {
        if rng.next_u64().is_multiple_of(2) {
            if let Some((node, out)) = pool(rng, shape) {
                link(&mut g, &mut last, format!("pool{l}"), node);
                shape = out;
            }
        }
        let (node, out) = conv(rng, shape);
        if let Node::Conv2d { weight, .. } = &node {
            params += weight.len();
        }
        link(&mut g, &mut last, format!("conv{l}"), node);
        shape = out;
        link(&mut g, &mut last, format!("if{l}"), if_node(&shape));
    }
    if !rng.next_u64().is_multiple_of(4) {
        if let Some((node, out)) = pool(rng, shape) {
            link(&mut g, &mut last, "poolf".into(), node);
            shape = out;
        }
    }
    let flat: usize = shape.iter().product();
    link(
        &mut g,
        &mut last,
        "flat".into(),
        Node::Flatten {
            input_type: Some(shape.to_vec()),
            start_dim: 0,
            end_dim: -1,
        },
    );
    let classes = pick(rng, 2, 5);
    params += classes * flat;
    link(
        &mut g,
        &mut last,
        "fc".into(),
        Node::Affine {
            weight: tensor(&[classes, flat], weights(rng, classes * flat)),
            bias: tensor(&[classes], vec![0.0; classes]),
        },
    );
    link(&mut g, &mut last, "out_if".into(), if_node(&[classes]));
    link(
        &mut g,
        &mut last,
        "output".into(),
        Node::Output {
            shape: vec![classes],
        },
    );
    (g, params)
}

fn check(seed: u64) {
    let mut rng = Rng::new(seed);
    let (graph, params) = stack(&mut rng);
    let opts = SemanticsOptions {
        convention: Some(Convention::Sinabs),
        ..Default::default()
    };
    let net = lower(&graph, &opts).unwrap_or_else(|e| panic!("seed {seed}: {e}\n{graph:?}"));
    let weights: usize = net
        .layers
        .iter()
        .flat_map(|l| &l.inputs)
        .map(|p| p.weight.len())
        .sum();
    assert_eq!(weights, params, "seed {seed}: weights are copied");
    let (steps, samples) = (pick(&mut rng, 3, 8), 2);
    let data: Vec<u8> = (0..steps * samples * net.input_size)
        .map(|_| u8::from(rng.next_u64().is_multiple_of(3)))
        .collect();
    let input = SpikeSteps::new(steps, samples, net.input_size, data).unwrap();
    let calib = Calibration::simulate(&net, input, None).unwrap();
    let cfg = QuantConfig {
        default: Precision {
            state_bits: Some(24),
            ..Precision::default()
        },
        ..QuantConfig::default()
    };
    let (q, _) = quantize(&net, Some(&calib), &cfg).unwrap();
    let pooled = q
        .layers
        .iter()
        .flat_map(|l| &l.inputs)
        .filter(|p| p.pool.is_some())
        .count();
    let fixed = spikeloom_qnet::eval(&q, &calib.input).unwrap();
    for (l, (ft, qt)) in calib.float.layers.iter().zip(&fixed.layers).enumerate() {
        assert_eq!(
            qt.spikes, ft.spikes,
            "seed {seed} layer {l} spikes ({pooled} pooled projections)\n{q}"
        );
        let lsb = q.layers[l].state_lsb;
        for (i, (&m, &f)) in qt.membrane.iter().zip(&ft.membrane).enumerate() {
            assert_eq!(
                f64::from(m) * lsb,
                f64::from(f),
                "seed {seed} layer {l} membrane {i}"
            );
        }
    }
}

#[test]
fn random_conv_pool_stacks_quantize_exactly() {
    let (mut pooled, mut pooled_conv, mut spikes) = (0, 0, 0u64);
    for seed in 0..150 {
        check(seed);
        // coverage: the stacks really pool in front of convolutions and Affines, and spike
        let mut rng = Rng::new(seed);
        let (graph, _) = stack(&mut rng);
        let opts = SemanticsOptions {
            convention: Some(Convention::Sinabs),
            ..Default::default()
        };
        let net = lower(&graph, &opts).unwrap();
        for p in net.layers.iter().flat_map(|l| &l.inputs) {
            pooled += usize::from(p.pool.is_some());
            pooled_conv += usize::from(p.pool.is_some() && p.conv.is_some());
        }
        let data: Vec<u8> = (0..6 * net.input_size)
            .map(|_| u8::from(rng.next_u64().is_multiple_of(2)))
            .collect();
        let input = SpikeSteps::new(6, 1, net.input_size, data).unwrap();
        let calib = Calibration::simulate(&net, input, None).unwrap();
        spikes += calib
            .float
            .layers
            .iter()
            .flat_map(|t| &t.spikes)
            .map(|&s| u64::from(s))
            .sum::<u64>();
    }
    eprintln!("pooled {pooled} (before a conv {pooled_conv}), spikes {spikes}");
    assert!(
        pooled > 60 && pooled_conv > 30 && spikes > 2000,
        "pooled {pooled} (before a conv {pooled_conv}), spikes {spikes}"
    );
}
