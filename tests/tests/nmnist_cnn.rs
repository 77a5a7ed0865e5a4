//! The NIR paper's N-MNIST CNN shape trained by Sinabs (tests/fixtures/exporters/nmnist_cnn:
//! Conv 2->16 5x5/2, Conv 16->16 3x3, SumPool 2, Conv 16->8 3x3, SumPool 2, Flatten, Affine
//! 128->256, Affine 256->10, IAF): the poolings stay index maps, so the planned weight memory
//! holds the graph's own parameters (counted here from the NIR tensors), the design fits the
//! ULX3S-25F, and the cycle model equals the golden model on it.

use spikeloom_nir::Node;
use spikeloom_plan::PlanConfig;
use spikeloom_quant::{Calibration, QuantConfig};
use spikeloom_tests::{root, Fixture};

/// The fixture quantized with its calibration (8-bit defaults), and the device of `board`.
fn quantized_for(fx: &Fixture, board: &str) -> (spikeloom_qnet::QNet, spikeloom_board::Device) {
    let calib =
        Calibration::new(&fx.net, fx.input.clone(), fx.float_trace(), None).expect("calibration");
    let (q, _) = spikeloom_quant::quantize(&fx.net, Some(&calib), &QuantConfig::default())
        .expect("quantize");
    let device = spikeloom_board::Board::builtin(board)
        .expect("board")
        .device;
    (q, device)
}

#[test]
fn nmnist_cnn_weight_memory_is_its_parameter_count_and_cycle_equals_fixed() {
    let fx = Fixture::load_exporter("nmnist_cnn", 2);
    // independent count: the weight tensors of the NIR graph
    let file = spikeloom_nir::read(root().join("tests/fixtures/exporters/nmnist_cnn/model.nir"))
        .expect("model.nir reads");
    let params: usize = file
        .graph
        .nodes
        .values()
        .map(|n| match n {
            Node::Conv2d { weight, .. } | Node::Affine { weight, .. } => weight.data.len(),
            _ => 0,
        })
        .sum();
    assert_eq!(params, 39_584, "the fixture is the paper's shape");
    let (q, device) = quantized_for(&fx, "ulx3s-25f");
    // 1 lane: the smallest design (`generate` takes 2 lanes for this board, 56 of its 56 block
    // RAMs by the estimate with the CLI's calibration on all 8 samples; this test calibrates on
    // 2).
    let cfg = PlanConfig {
        lanes: Some(1),
        ..PlanConfig::default()
    };
    let plan = spikeloom_plan::plan(&q, &cfg, &device).expect("fits the 25F");
    // weight slots in memory: the conv kernels (P output channels per word, padding lanes
    // included) and the store's words x lanes (lane padding of the last block included)
    let lanes = plan.engine.as_ref().map_or(1, |e| e.lanes);
    let kernels: usize = plan
        .cores
        .iter()
        .filter(|c| c.conv.is_some())
        .map(|c| c.weights.len())
        .sum();
    let slots = kernels + plan.weight_store.depth * lanes;
    assert!(
        (params..=params + params / 20).contains(&slots),
        "{slots} weight slots for {params} parameters\n{plan}"
    );
    let bits: u64 = plan.resources.rom_bits;
    assert!(bits <= 8 * 1024 * 1024 / 2, "ROM bits {bits}");
    let cyc = spikeloom_cyclesim::simulate(&plan, &fx.input).expect("cycle model");
    let golden = spikeloom_qnet::eval(&q, &fx.input).expect("eval");
    for (l, g) in golden.layers.iter().enumerate() {
        assert_eq!(cyc.layers[l].spikes, g.spikes, "layer {l}: spikes");
        assert_eq!(cyc.layers[l].membrane, g.membrane, "layer {l}: membranes");
        assert!(g.spikes.iter().any(|&s| s > 0), "layer {l} spikes");
    }
}

/// On the iCEBreaker (UP5K) the dense weights go to SPRAM, the three large event lists (input,
/// iaf1, iaf2: 10,504 words of index and count) share one more SPRAM (sl_evspram) and the three
/// convolution cores share one accumulator RAM: 57 of the estimate's block RAMs; the cycle
/// model, reading them through its twins, still equals the golden model, in the same cycles as
/// with every memory its own. What stays over the device is ARCHITECTURE.md's "Memory at
/// N-MNIST scale".
#[test]
fn nmnist_cnn_shares_event_lists_and_accumulators_on_the_up5k() {
    let fx = Fixture::load_exporter("nmnist_cnn", 2);
    let (q, device) = quantized_for(&fx, "icebreaker");
    let plan_for = |event_memory, conv_acc_memory| {
        let cfg = PlanConfig {
            lanes: Some(1),
            require_fit: false,
            event_memory,
            conv_acc_memory,
            ..PlanConfig::default()
        };
        spikeloom_plan::plan(&q, &cfg, &device).expect("plans")
    };
    use spikeloom_plan::{AccMemChoice, EventMemChoice};
    let plan = plan_for(EventMemChoice::Auto, AccMemChoice::Auto);
    let es = plan.event_spram.as_ref().expect("event lists in SPRAM");
    let names: Vec<&str> = es
        .lists
        .iter()
        .map(|&b| plan.buffers[b].name.as_str())
        .collect();
    assert_eq!(names, ["input", "iaf1", "iaf2"], "{plan}");
    assert_eq!(es.words, 2 * 34 * 34 + 2 * 16 * 16 * 16);
    let sa = plan.conv_acc.as_ref().expect("shared accumulators");
    assert_eq!(
        (sa.cores.clone(), sa.depth),
        (vec![0, 1, 2], 4096),
        "{plan}"
    );
    let own = plan_for(EventMemChoice::Bram, AccMemChoice::PerCore);
    assert_eq!(plan.resources.sprams, own.resources.sprams + 1);
    assert!(
        plan.resources.brams + 50 <= own.resources.brams,
        "{} block RAMs with the shared memories, {} without",
        plan.resources.brams,
        own.resources.brams
    );
    let cyc = spikeloom_cyclesim::simulate(&plan, &fx.input).expect("cycle model");
    let golden = spikeloom_qnet::eval(&q, &fx.input).expect("eval");
    for (l, g) in golden.layers.iter().enumerate() {
        assert_eq!(cyc.layers[l].spikes, g.spikes, "layer {l}: spikes");
        assert_eq!(cyc.layers[l].membrane, g.membrane, "layer {l}: membranes");
    }
    // sharing the memories does not change a cycle
    let cyc_own = spikeloom_cyclesim::simulate(&own, &fx.input).expect("cycle model");
    assert_eq!(cyc.cycles_per_step, cyc_own.cycles_per_step);
}

/// On the iCEBreaker (UP5K) at one lane the planner fits the design by itself: the weights
/// and the kernels in two SPRAMs (two 8-bit words per SPRAM word; the store holds exactly the
/// network's 39,584 weights), the large event lists in the third, the one neuron unit's 8,970
/// membranes in the fourth (it stalls while a neuron is written back), the host bridge without
/// its rate encoder, and one convolution engine for the three convolutions (without it the
/// logic stays over the device's routable share). The cycle model, through the stalling unit
/// and the kernel reads from the store, still equals the golden model, and the stalls cost
/// cycles (ARCHITECTURE.md, "A unit's state in SPRAM", "One convolution engine").
#[test]
fn nmnist_cnn_fits_the_up5k_with_state_and_kernels_in_spram_and_one_convolution_engine() {
    let fx = Fixture::load_exporter("nmnist_cnn", 2);
    let (q, device) = quantized_for(&fx, "icebreaker");
    let plan_for = |state_memory| {
        let cfg = PlanConfig {
            lanes: Some(1),
            require_fit: false,
            state_memory,
            ..PlanConfig::default()
        };
        spikeloom_plan::plan(&q, &cfg, &device).expect("plans")
    };
    use spikeloom_plan::StateMemChoice;
    let plan = plan_for(StateMemChoice::Auto);
    let e = plan.engine.as_ref().expect("engine");
    assert_eq!(e.units.len(), 1, "{plan}");
    assert!(e.units[0].state_spram, "{plan}");
    assert_eq!(e.units[0].depth, 8970);
    let ws = &plan.weight_store;
    assert!(ws.packed() && ws.kernels, "{plan}");
    assert_eq!(ws.depth, 39_584, "every weight once: {plan}");
    assert_eq!(plan.weight_image().len(), 39_584 / 2);
    assert!(!plan.bridge_pixels, "{plan}");
    assert_eq!(plan.resources.sprams, 4);
    assert!(plan.resources.brams <= device.bram_count, "{plan}");
    assert!(plan.fit.fits, "{:?}\n{plan}", plan.fit.problems);
    let ce = plan.conv_engine.as_ref().expect("one convolution engine");
    assert_eq!(ce.cores, [0, 1, 2], "{plan}");
    // one sl_conv per layer: the same memories, but logic over the routable share
    let per_layer = spikeloom_plan::plan(
        &q,
        &PlanConfig {
            lanes: Some(1),
            require_fit: false,
            conv_engine: spikeloom_plan::ConvEngineChoice::PerLayer,
            ..PlanConfig::default()
        },
        &device,
    )
    .expect("plans");
    assert!(per_layer.conv_engine.is_none());
    assert_eq!(per_layer.resources.brams, plan.resources.brams);
    assert!(
        !per_layer.fit.fits
            && per_layer
                .fit
                .problems
                .iter()
                .all(|p| p.starts_with("logic")),
        "{:?}",
        per_layer.fit.problems
    );
    let cyc = spikeloom_cyclesim::simulate(&plan, &fx.input).expect("cycle model");
    let golden = spikeloom_qnet::eval(&q, &fx.input).expect("eval");
    for (l, g) in golden.layers.iter().enumerate() {
        assert_eq!(cyc.layers[l].spikes, g.spikes, "layer {l}: spikes");
        assert_eq!(cyc.layers[l].membrane, g.membrane, "layer {l}: membranes");
    }
    // the state in block RAM (the design no longer fits, but runs the same) is faster
    let bram = plan_for(StateMemChoice::Bram);
    assert!(!bram.engine.as_ref().unwrap().units[0].state_spram);
    let cyc_bram = spikeloom_cyclesim::simulate(&bram, &fx.input).expect("cycle model");
    let (a, b): (u64, u64) = (
        cyc.cycles_per_step.iter().flatten().sum(),
        cyc_bram.cycles_per_step.iter().flatten().sum(),
    );
    assert!(
        a > b,
        "{a} cycles with the state in SPRAM, {b} in block RAM"
    );
    for (l, g) in golden.layers.iter().enumerate() {
        assert_eq!(cyc_bram.layers[l].spikes, g.spikes, "layer {l}: spikes");
    }
}
