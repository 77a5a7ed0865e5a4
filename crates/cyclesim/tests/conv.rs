//! Property test for convolution cores: on random convolution networks (strides, padding,
//! dilation, groups, Conv1d, delayed convolutions, conv -> dense and conv -> conv), the cycle
//! model == `qnet::eval` == an independent reference (each convolution expanded into a dense
//! matrix by the direct window formula, run through tests/common), and the cycles per step ==
//! `Plan::step_cycles`, each at most `Plan::max_step_cycles`.

mod common;

use spikeloom_cyclesim::simulate;
use spikeloom_plan::{
    plan, testing, AccMemChoice, EventMemChoice, KernelMemChoice, PlanConfig, StateMemChoice,
    WeightMemChoice,
};

const STEPS: usize = 5;
const SAMPLES: usize = 2;

fn check_seed(seed: u64) -> bool {
    check_net(seed, testing::random_conv_qnet(seed), false).1
}

/// Checks one network; returns the golden spikes of its layers that read a pooled projection,
/// and whether a convolution core has padding lanes (channels per group not a multiple of its
/// lanes).
/// `evspram`: plan for an iCE40 device with the UP5K's four SPRAMs, put the event lists that can
/// share one there (`EventMemChoice::Spram`; the cycle model then reads them through its
/// single-port twin, which refuses two accesses in one cycle) and let the convolution cores
/// share one accumulator RAM (`AccMemChoice::Shared`), the units' state in the SPRAMs left
/// (`StateMemChoice::Spram`: stalling units), the weights in SPRAM and the kernels with them
/// (`KernelMemChoice::Store`, when the SPRAMs suffice).
fn check_net(seed: u64, net: spikeloom_qnet::QNet, evspram: bool) -> (u64, bool) {
    let c = check_net_lists(seed, net, evspram, false);
    (c.pooled_spikes, c.padded)
}

/// As [`check_net`], also returning the number of event lists in the shared SPRAM and of
/// convolution layers on a shared unit (and of those on a unit whose state is in SPRAM);
/// `units`: `PlanConfig::conv_units`.
fn check_net_lists(seed: u64, net: spikeloom_qnet::QNet, evspram: bool, units: bool) -> Checked {
    let dense = common::densified(&net);
    let mut rng = testing::Rng::new(seed ^ 0x5eed);
    let lanes = match seed % 4 {
        0 => None,
        k => Some(k as usize + 1), // 2, 3, 4 (a conv core may take fewer: see the plan)
    };
    let mut device = testing::big_device();
    let mut cfg = PlanConfig {
        lanes,
        require_fit: false,
        conv_units: Some(units),
        ..PlanConfig::default()
    };
    if evspram {
        device.family = spikeloom_board::Family::Ice40;
        device.spram_count = 4;
        cfg.event_memory = EventMemChoice::Spram;
        cfg.conv_acc_memory = AccMemChoice::Shared;
        cfg.state_memory = StateMemChoice::Spram;
        cfg.kernel_memory = KernelMemChoice::Store;
        cfg.weight_memory = WeightMemChoice::Spram;
    }
    let p = plan(&net, &cfg, &device).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
    assert_eq!(
        p.conv_acc.is_some(),
        evspram && p.cores.iter().filter(|c| c.conv.is_some()).count() >= 2,
        "seed {seed}: shared accumulators"
    );
    let shared = p.event_spram.as_ref().map_or(0, |e| e.lists.len());
    assert!(
        p.cores[0].conv.is_some(),
        "seed {seed}: layer 0 is a conv core"
    );
    let (samples, input) = common::random_samples(&mut rng, STEPS, SAMPLES, net.input_size, 45);
    let tr = simulate(&p, &input).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
    common::assert_steps_within_max(&p, &tr, &format!("seed {seed}"));
    let golden =
        spikeloom_qnet::eval(&net, &input).unwrap_or_else(|e| panic!("seed {seed}: eval: {e}"));
    let pooled_spikes: u64 = net
        .layers
        .iter()
        .zip(&golden.layers)
        .filter(|(l, _)| l.inputs.iter().any(|p| p.pool.is_some()))
        .flat_map(|(_, t)| &t.spikes)
        .map(|&s| u64::from(s))
        .sum();
    for (n, sample) in samples.iter().enumerate() {
        let r = common::reference(&dense, sample);
        for (li, layer) in net.layers.iter().enumerate() {
            for t in 0..STEPS {
                let ctx = format!("seed {seed} sample {n} layer {li} step {t}\n{p}");
                let row = common::Row {
                    layer: li,
                    step: t,
                    at: (t * SAMPLES + n) * layer.size,
                    size: layer.size,
                    ctx: &ctx,
                };
                common::assert_row(&tr, &golden, Some(&r), &row);
            }
        }
        for t in 0..STEPS {
            let act = common::activity(&p, sample, |li, t| &r.spikes[li][t][..], t, Vec::new());
            assert_eq!(
                tr.cycles_per_step[n][t],
                p.step_cycles(&act),
                "seed {seed} sample {n} step {t}: cycles"
            );
        }
    }
    let padded = p.cores.iter().any(|c| {
        c.conv
            .as_ref()
            .is_some_and(|g| g.out_per_group() % c.lanes != 0)
    });
    let on_units = (0..p.cores.len())
        .filter(|&l| p.cores[l].conv.is_some() && p.on_unit(l))
        .count();
    assert!(units || on_units == 0, "seed {seed}: conv on a unit");
    // of those, on a unit whose state is in SPRAM (it stalls)
    let stalled = (0..p.cores.len())
        .filter(|&l| {
            p.cores[l].conv.is_some()
                && p.engine
                    .as_ref()
                    .is_some_and(|e| e.unit_of(l).is_some_and(|(u, _)| e.units[u].state_spram))
        })
        .count();
    Checked {
        pooled_spikes,
        padded,
        shared,
        on_units,
        stalled,
        kstore: p.weight_store.kernels,
    }
}

/// What [`check_net_lists`] saw of one network.
struct Checked {
    /// Golden spikes of its layers that read a pooled projection.
    pooled_spikes: u64,
    /// A convolution core has padding lanes.
    padded: bool,
    /// Event lists in the shared SPRAM.
    shared: usize,
    /// Convolution layers on a shared unit, and of those on a unit with its state in SPRAM.
    on_units: usize,
    stalled: usize,
    /// The kernels are in the weight store.
    kstore: bool,
}

/// Random conv/pool stacks (`testing::random_pool_qnet`: poolings with gaps, padding and
/// cropped remainders on odd maps, in front of convolutions and of dense read-outs).
#[test]
fn pooled_cycle_model_matches_contract_on_random_stacks() {
    let (mut pooled_conv, mut pooled_dense, mut drops, mut spikes) = (0, 0, 0, 0);
    for seed in 0..common::cases(300) {
        let net = testing::random_pool_qnet(seed);
        for p in net.layers.iter().flat_map(|l| &l.inputs) {
            if let Some(g) = &p.pool {
                pooled_conv += usize::from(p.conv.is_some());
                pooled_dense += usize::from(p.conv.is_none());
                drops += usize::from(g.drops());
            }
        }
        spikes += check_net(seed, net, false).0;
    }
    eprintln!("{pooled_conv} pooled convolutions, {pooled_dense} pooled dense, {drops} dropping, {spikes} spikes behind poolings");
    assert!(
        pooled_conv > 100 && pooled_dense > 50 && drops > 50 && spikes > 1000,
        "coverage: {pooled_conv} pooled convolutions, {pooled_dense} pooled dense, {drops} dropping, {spikes} spikes behind poolings"
    );
}

#[test]
fn conv_cycle_model_matches_contract_on_random_nets() {
    let count = common::cases(300);
    let padded = (0..count).filter(|&seed| check_seed(seed)).count();
    // (checked at the default case count; a reduced SPIKELOOM_PROPTEST_CASES may draw none)
    assert!(
        count < 100 || padded * 20 >= count as usize,
        "coverage: {padded} of {count} networks have padding lanes"
    );
    eprintln!("{padded} of {count} networks have padding lanes");
}

/// Shared memories: event lists in the shared SPRAM (sl_evspram's twin) and the convolution
/// cores' shared accumulator RAM: random conv/pool stacks and convolution nets planned with
/// them keep cycle model == contract == reference and the cycle formula, and the lists that
/// can share do (conv -> conv chains share two or more lists and the accumulators).
#[test]
fn cycle_model_matches_contract_with_event_lists_in_spram() {
    let (mut nets, mut lists, mut multi, mut kstore) = (0, 0, 0, 0);
    // (`multi`: two or more shared lists, i.e. a conv -> conv chain, which shares accumulators)
    for seed in 0..common::cases(150) {
        for net in [
            testing::random_pool_qnet(seed),
            testing::random_conv_qnet(seed),
        ] {
            let c = check_net_lists(seed, net, true, false);
            nets += usize::from(c.shared > 0);
            lists += c.shared;
            multi += usize::from(c.shared > 1);
            kstore += usize::from(c.kstore);
        }
    }
    eprintln!("{nets} networks share {lists} event lists; {multi} share two or more; {kstore} keep their kernels in the weight store");
    assert!(
        nets > 50 && multi > 10 && kstore > 50,
        "coverage: {nets} networks share {lists} event lists; {multi} share two or more; {kstore} keep their kernels in the weight store"
    );
}

/// The generator covers the geometry features the core must handle.
#[test]
fn generator_covers_the_geometry_features() {
    let (mut stride, mut pad, mut dil, mut groups, mut delayed, mut conv1d, mut two) =
        (false, false, false, false, false, false, false);
    for seed in 0..300 {
        let net = testing::random_conv_qnet(seed);
        for l in &net.layers {
            for p in &l.inputs {
                if let Some(g) = &p.conv {
                    stride |= g.stride.iter().any(|&s| s > 1);
                    pad |= g.padding.iter().any(|&s| s > 0);
                    dil |= g.dilation.iter().any(|&s| s > 1);
                    groups |= g.groups > 1;
                    delayed |= p.delayed;
                    conv1d |= g.input[1] == 1 && g.kernel[0] == 1;
                    two |= p.source != spikeloom_qnet::QSource::Input;
                }
            }
        }
    }
    assert!(stride && pad && dil && groups && delayed && conv1d && two);
}

/// Convolution layers on the engine's shared units (`PlanConfig::conv_units`): random conv and
/// conv/pool stacks with one neuron structure in every layer (so convolution and dense layers
/// can share a unit), alone and with the shared SPRAM lists and accumulators (and the units'
/// state in SPRAM), keep cycle model == contract == reference and the cycle formula.
#[test]
fn cycle_model_matches_contract_with_convolutions_on_shared_units() {
    let (mut nets, mut layers, mut stalls) = (0, 0, 0);
    let count = common::cases(200);
    for seed in 0..count {
        for net in [
            testing::random_pool_qnet(seed),
            testing::random_conv_qnet(seed),
        ] {
            let net = testing::uniform_neurons(net, seed);
            let c = check_net_lists(seed, net, seed.is_multiple_of(3), true);
            let (on_units, stalled) = (c.on_units, c.stalled);
            nets += usize::from(on_units > 0);
            layers += on_units;
            stalls += stalled;
        }
    }
    eprintln!(
        "{nets} networks run {layers} convolution layers on shared units, {stalls} on units with their state in SPRAM"
    );
    // (a convolution layer joins a unit only with a dense layer of its lanes; checked at the
    // default case count)
    assert!(
        count < 100 || (nets * 10 >= count as usize && stalls * 30 >= count as usize),
        "coverage: {nets} networks run {layers} convolution layers on shared units, {stalls} on units with their state in SPRAM"
    );
}
