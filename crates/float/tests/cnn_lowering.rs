//! Lowering of the snnTorch digits CNN fixture (tests/fixtures/models/cnn): the Conv2d stays a
//! shared-kernel projection with PyTorch's geometry, and AvgPool2d -> Flatten -> Linear becomes
//! one dense projection that keeps the Linear's own 10 x 64 matrix (times the average's 1/4)
//! behind the pooling's index map, whose composition equals `W_fc · P_avg` computed here
//! independently from the NIR parameters. (Spike agreement with snnTorch is in
//! snntorch_fixtures.rs.)

use std::path::Path;

use spikeloom_float::{lower, ConvGeometry, PoolGeometry, SemanticsOptions, Source};
use spikeloom_nir::Node;

#[test]
fn cnn_keeps_the_kernel_and_the_linear_behind_the_pool_map() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/models/cnn");
    let file = spikeloom_nir::read(dir.join("model.nir")).expect("cnn model.nir");
    let net = lower(&file.graph, &SemanticsOptions::default()).expect("lower");
    assert_eq!(net.input_size, 64);
    let names: Vec<&str> = net.layers.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, ["lif1", "lif2"]);

    let conv_proj = &net.layers[0].inputs[0];
    assert_eq!(conv_proj.source, Source::Input);
    assert_eq!(
        conv_proj.conv,
        Some(ConvGeometry {
            input: [1, 8, 8],
            output: [4, 8, 8],
            kernel: [3, 3],
            stride: [1, 1],
            padding: [1, 1],
            dilation: [1, 1],
            groups: 1,
        })
    );
    let Node::Conv2d { weight, bias, .. } = &file.graph.nodes["conv1"] else {
        panic!("conv1 is not a Conv2d")
    };
    assert_eq!(
        conv_proj.weight, weight.data,
        "kernel stored once, unchanged"
    );
    // Bias per output channel, repeated over the channel's 8x8 plane.
    for (o, b) in net.layers[0].bias.iter().enumerate() {
        assert_eq!(*b, bias.data[o / 64], "bias of neuron {o}");
    }

    let dense = &net.layers[1].inputs[0];
    assert_eq!(
        (dense.source, dense.conv.is_none()),
        (Source::Layer(0), true)
    );
    assert_eq!(dense.source_size, 256);
    assert_eq!(
        dense.pool,
        Some(PoolGeometry {
            input: [4, 8, 8],
            output: [4, 4, 4],
            kernel: [2, 2],
            stride: [2, 2],
            padding: [0, 0],
        })
    );
    // The Linear's matrix, not one copy per pooled element.
    assert_eq!(dense.weight.len(), 10 * 64);
    // Flatten moves no values and records no origin.
    assert_eq!(dense.origin, "pool1 + fc2");
    let Node::Affine { weight: fc, .. } = &file.graph.nodes["fc2"] else {
        panic!("fc2 is not an Affine")
    };
    let pool = dense.pool.as_ref().unwrap();
    // Independent expectation: class k, spike (c, y, x) feeds pooled unit (c, y/2, x/2) / 4.
    for k in 0..10 {
        for c in 0..4 {
            for y in 0..8 {
                for x in 0..8 {
                    let pooled = (c * 4 + y / 2) * 4 + x / 2;
                    let want = fc.data[k * 64 + pooled] / 4.0;
                    let m = pool
                        .map((c * 8 + y) * 8 + x)
                        .expect("every element is pooled");
                    let got = dense.weight[k * 64 + m];
                    assert_eq!(got, want, "class {k} spike ({c},{y},{x})");
                }
            }
        }
    }
}
