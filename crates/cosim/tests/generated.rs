//! The project's key check on generated designs: for random integer networks, the generated
//! Verilog simulated by Icarus and by Verilator writes exactly the log of the cycle model
//! (same lines, same cycle numbers), and the decoded RTL trace equals the golden integer
//! evaluator's spikes and membranes.
//!
//! Seeds: `SPIKELOOM_COSIM_SEEDS=<n>` runs n networks per simulator (default 40 for Icarus,
//! 3 for Verilator, whose model build takes seconds per design); `SPIKELOOM_NETLIST_SEEDS=<n>`
//! post-synthesis (iCE40 and ECP5 netlist) checks (default 1).

mod common;
use std::path::{Path, PathBuf};

use common::{available, netlist_yosys};
use spikeloom_cosim::{
    compare_logs, compare_with_contract, decode_log, run_netlist, run_rtl, stimulus_from_spikes,
    stimulus_from_values, LogLine, NetlistTarget, Simulator, StimCmd,
};
use spikeloom_cyclesim::{simulate, CycleSim};
use spikeloom_plan::testing::{
    big_device, random_conv_qnet, random_delay_qnet, random_engine_qnet, random_format3_qnet,
    random_pool_qnet, random_qnet, random_shared_qnet, uniform_counts, uniform_neurons, Rng,
};
use spikeloom_plan::{
    flash_hex, plan, AccMemChoice, ConvEngineChoice, EventMemChoice, KernelMemChoice, LoadState,
    PlanConfig, StateMemChoice, WeightImage, WeightMemChoice, FLASH_HEX,
};
use spikeloom_qnet::{eval, SpikeSteps};
use spikeloom_verilog::{generate, GenOptions};

const STEPS: usize = 5;
const SAMPLES: usize = 2;

fn seeds(default: u64) -> u64 {
    std::env::var("SPIKELOOM_COSIM_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

fn work(name: &str) -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("cosim-generated-{name}"))
}

/// Everything wrong with one seed's design, or `Ok`.
fn check_seed(seed: u64, sim: Simulator) -> Result<(), String> {
    check_net(seed, &random_qnet(seed), sim, "", STEPS)
}

/// The same networks with their weights in an SPRAM store (filled by the design's weight loader
/// from the harness's flash model at the implicit power-on before the first command): everything
/// wrong, or `Ok`. Odd seeds plan one lane (rows of at most 8 bits pack two per SPRAM word).
fn check_spram_seed(seed: u64, sim: Simulator) -> Result<(), String> {
    check_net_with(
        seed,
        &random_format3_qnet(seed),
        sim,
        "sp-",
        STEPS,
        WeightMemChoice::Spram,
        &spram_config(seed),
    )
}

/// The SPRAM tests' settings of `seed`: [`config`], one lane for odd seeds.
fn spram_config(seed: u64) -> PlanConfig {
    PlanConfig {
        lanes: (seed % 2 == 1).then_some(1),
        ..config(WeightMemChoice::Spram)
    }
}

/// `count` seeds for the SPRAM tests: half (rounded down) whose store is packed (rows of at
/// most 8 bits, two per SPRAM word), the rest with whole SPRAM words, in seed order each.
fn spram_seeds(count: u64) -> Vec<u64> {
    let dev = device(WeightMemChoice::Spram);
    let store = |seed: u64| {
        plan(&random_format3_qnet(seed), &spram_config(seed), &dev)
            .ok()
            .filter(|p| p.weight_store.is_loaded())
            .map(|p| p.weight_store.packed())
    };
    let list = split_seeds(
        count as usize,
        (count / 2) as usize,
        2000,
        (
            &|s| store(s) == Some(true),
            "random networks with a packed SPRAM store",
        ),
        (
            &|s| store(s) == Some(false),
            "random networks with whole SPRAM words",
        ),
    );
    // the SPRAMs the weights and event lists leave hold units' state (stalling units)
    let stalled = list
        .iter()
        .filter(|&&s| {
            plan(&random_format3_qnet(s), &spram_config(s), &dev).is_ok_and(|p| {
                p.engine
                    .is_some_and(|e| e.units.iter().any(|u| u.state_spram))
            })
        })
        .count();
    assert!(
        count < 2 || stalled * 2 >= list.len(),
        "{stalled} of {} with a unit's state in SPRAM",
        list.len()
    );
    list
}

/// `big_device`; when `mem` asks for SPRAM, an iCE40 as large with the UP5K's four SPRAMs (the
/// plans of the SPRAM paths are iCE40 plans: one read port per memory, no paired buffers).
fn device(mem: WeightMemChoice) -> spikeloom_board::Device {
    let mut d = big_device();
    if mem == WeightMemChoice::Spram {
        d.family = spikeloom_board::Family::Ice40;
        d.spram_count = 4;
    }
    d
}

/// Format-3 networks (graded input, spike counts, CubaLi): everything wrong, or `Ok`.
fn check_format3_seed(seed: u64, sim: Simulator) -> Result<(), String> {
    check_net(seed, &random_format3_qnet(seed), sim, "f3-", STEPS)
}

/// Networks with NIR Delays (delay lines, on top of format 3), over enough steps for the
/// delays to show: everything wrong, or `Ok`.
fn check_pool_seed(seed: u64, sim: Simulator) -> Result<(), String> {
    check_net(seed, &random_pool_qnet(seed), sim, "pool-", STEPS)
}

/// Networks whose 2-4 dense layers share one neuron unit (per-layer weight shifts, sizes,
/// constants and parameter ROMs in one sl_unit): everything wrong, or `Ok`.
fn check_shared_seed(seed: u64, sim: Simulator) -> Result<(), String> {
    check_net(seed, &random_shared_qnet(seed), sim, "shared-", STEPS)
}

fn check_delay_seed(seed: u64, sim: Simulator) -> Result<(), String> {
    check_net(seed, &random_delay_qnet(seed), sim, "dl-", 10)
}

fn check_net(
    seed: u64,
    net: &spikeloom_qnet::QNet,
    sim: Simulator,
    tag: &str,
    steps: usize,
) -> Result<(), String> {
    check_net_in(seed, net, sim, tag, steps, WeightMemChoice::Bram)
}

/// Plan settings of the generated tests: weights in `mem`, and with SPRAM weights the event
/// lists that can share one SPRAM there too (sl_evspram), one accumulator RAM for the
/// convolution cores, the units' state in the SPRAMs left (stalling units) and the kernels in
/// the weight store, as the UP5K does when block RAM is short.
fn config(mem: WeightMemChoice) -> PlanConfig {
    PlanConfig {
        require_fit: false,
        weight_memory: mem,
        event_memory: if mem == WeightMemChoice::Spram {
            EventMemChoice::Spram
        } else {
            EventMemChoice::Bram
        },
        conv_acc_memory: if mem == WeightMemChoice::Spram {
            AccMemChoice::Shared
        } else {
            AccMemChoice::PerCore
        },
        state_memory: if mem == WeightMemChoice::Spram {
            StateMemChoice::Spram
        } else {
            StateMemChoice::Bram
        },
        kernel_memory: if mem == WeightMemChoice::Spram {
            KernelMemChoice::Store
        } else {
            KernelMemChoice::Rom
        },
        ..PlanConfig::default()
    }
}

/// Conv/pool stacks with their weights and their shareable event lists in SPRAM: everything
/// wrong, or `Ok`.
fn check_evspram_seed(seed: u64, sim: Simulator) -> Result<(), String> {
    check_net_in(
        seed,
        &random_pool_qnet(seed),
        sim,
        "evs-",
        STEPS,
        WeightMemChoice::Spram,
    )
}

/// The first `count` seeds whose conv/pool stack puts event lists in the shared SPRAM and
/// shares the convolution accumulators.
/// Half of them (rounded up) keep their kernels in the weight store (`WeightStore::kernels`),
/// first.
fn evspram_seeds(count: usize) -> Vec<u64> {
    let mem = WeightMemChoice::Spram;
    // (shares lists and accumulators, kernels in the store)
    let kind = |seed: u64| {
        plan(&random_pool_qnet(seed), &config(mem), &device(mem)).map_or((false, false), |p| {
            (
                p.event_spram.is_some() && p.conv_acc.is_some(),
                p.weight_store.kernels,
            )
        })
    };
    split_seeds(
        count,
        count.div_ceil(2),
        400,
        (
            &|s| kind(s) == (true, true),
            "conv/pool stacks with kernels in the store",
        ),
        (&|s| kind(s).0, "conv/pool stacks sharing event lists"),
    )
}

/// `count` seeds below `below`: the first `first` satisfying `a`, then the rest of `count`
/// satisfying `b` (none twice); each part's description names what the assertion missed.
fn split_seeds(
    count: usize,
    first: usize,
    below: u64,
    (a, what_a): (&dyn Fn(u64) -> bool, &str),
    (b, what_b): (&dyn Fn(u64) -> bool, &str),
) -> Vec<u64> {
    let mut seeds: Vec<u64> = (0..below).filter(|&s| a(s)).take(first).collect();
    assert_eq!(seeds.len(), first, "{what_a}");
    let rest: Vec<u64> = (0..below)
        .filter(|&s| !seeds.contains(&s) && b(s))
        .take(count - first)
        .collect();
    seeds.extend(rest);
    assert_eq!(seeds.len(), count, "{what_b}");
    seeds
}

fn check_net_in(
    seed: u64,
    net: &spikeloom_qnet::QNet,
    sim: Simulator,
    tag: &str,
    steps: usize,
    mem: WeightMemChoice,
) -> Result<(), String> {
    check_net_with(seed, net, sim, tag, steps, mem, &config(mem))
}

/// Convolution layers on the engine's shared units (`PlanConfig::conv_units`): conv and
/// conv/pool stacks with one neuron structure in every layer, 2-4 lanes, every third with the
/// SPRAM memories (shared event lists and convolution accumulators).
fn conv_unit_case(seed: u64) -> (spikeloom_qnet::QNet, WeightMemChoice, PlanConfig) {
    let net = if seed.is_multiple_of(2) {
        random_pool_qnet(seed / 2)
    } else {
        random_conv_qnet(seed / 2)
    };
    let mem = if seed.is_multiple_of(3) {
        WeightMemChoice::Spram
    } else {
        WeightMemChoice::Bram
    };
    let cfg = PlanConfig {
        lanes: Some(2 + (seed / 2 % 3) as usize),
        conv_units: Some(true),
        ..config(mem)
    };
    (uniform_neurons(net, seed), mem, cfg)
}

/// The first `count` cases whose plan runs a convolution layer on a shared unit.
/// A third of them (at least one of two or more) with a convolution layer on a unit whose
/// state is in SPRAM (it stalls, `UnitPlan::state_spram`), first.
fn conv_unit_seeds(count: usize) -> Vec<u64> {
    // (on a unit, on a stalling unit)
    let kind = |seed: u64| {
        let (net, mem, cfg) = conv_unit_case(seed);
        plan(&net, &cfg, &device(mem)).map_or((false, false), |p| {
            let on = |l: usize, stall: bool| {
                p.cores[l].conv.is_some()
                    && p.engine.as_ref().is_some_and(|e| {
                        e.unit_of(l)
                            .is_some_and(|(u, _)| !stall || e.units[u].state_spram)
                    })
            };
            let n = p.cores.len();
            ((0..n).any(|l| on(l, false)), (0..n).any(|l| on(l, true)))
        })
    };
    let stalled = if count >= 2 { count.div_ceil(3) } else { 0 };
    split_seeds(
        count,
        stalled,
        2000,
        (
            &|s| kind(s).1,
            "convolution layers on units with their state in SPRAM",
        ),
        (&|s| kind(s).0, "convolution layers on shared units"),
    )
}

/// One convolution engine for every convolution layer (`PlanConfig::conv_engine`, sl_conv
/// `NL` > 1): conv and conv/pool stacks (`testing::random_engine_qnet`) on one shared unit,
/// 1-3 lanes, with the SPRAM memories
/// the engine needs (kernels in the loaded store, shared accumulators); the seeds whose layers
/// meet the engine's conditions (power-of-two strides, one channel group, same lanes and
/// weight width).
fn conv_engine_case(seed: u64) -> (spikeloom_qnet::QNet, PlanConfig) {
    let net = random_engine_qnet(seed);
    let cfg = PlanConfig {
        lanes: Some(1 + (seed % 3) as usize),
        conv_units: Some(true),
        conv_engine: ConvEngineChoice::Shared,
        ..config(WeightMemChoice::Spram)
    };
    (uniform_neurons(net, seed), cfg)
}

/// The first `count` cases whose plan has a convolution engine, half of them (at least one)
/// serving three or more layers.
fn conv_engine_seeds(count: usize) -> Vec<u64> {
    let layers = |seed: u64| {
        let (net, cfg) = conv_engine_case(seed);
        plan(&net, &cfg, &device(WeightMemChoice::Spram))
            .ok()
            .and_then(|p| p.conv_engine.map(|e| e.cores.len()))
            .unwrap_or(0)
    };
    split_seeds(
        count,
        count.div_ceil(2),
        4000,
        (
            &|s| layers(s) >= 3,
            "a convolution engine of three or more layers",
        ),
        (&|s| layers(s) >= 2, "a convolution engine"),
    )
}

fn check_conv_engine_seed(seed: u64, sim: Simulator) -> Result<(), String> {
    let (net, cfg) = conv_engine_case(seed);
    check_net_with(seed, &net, sim, "ce-", STEPS, WeightMemChoice::Spram, &cfg)
}

/// Spike counts of 1..=3 bits per layer on shared units (`testing::uniform_counts`): dense
/// layers alone (even seeds) or with convolution layers joining them (odd seeds, 1-3 lanes).
fn mixed_count_case(seed: u64) -> (spikeloom_qnet::QNet, PlanConfig) {
    let net = match seed % 4 {
        0 | 2 => random_shared_qnet(seed),
        1 => random_conv_qnet(seed),
        _ => random_pool_qnet(seed),
    };
    let cfg = PlanConfig {
        lanes: Some(1 + (seed / 2 % 3) as usize),
        conv_units: Some(true),
        ..config(WeightMemChoice::Bram)
    };
    (uniform_counts(net, seed), cfg)
}

/// The first `count` mixed-count cases with a unit whose layers' counts differ in width.
fn mixed_count_seeds(count: usize) -> Vec<u64> {
    let seeds: Vec<u64> = (0..2000)
        .filter(|&seed| {
            let (net, cfg) = mixed_count_case(seed);
            plan(&net, &cfg, &device(WeightMemChoice::Bram)).is_ok_and(|p| {
                p.engine.iter().flat_map(|e| &e.units).any(|u| {
                    u.layers
                        .iter()
                        .any(|&l| p.cores[l].count_bits() != u.count_bits(&p.cores))
                })
            })
        })
        .take(count)
        .collect();
    assert_eq!(seeds.len(), count, "units of mixed count widths");
    seeds
}

fn check_mixed_count_seed(seed: u64, sim: Simulator) -> Result<(), String> {
    let (net, cfg) = mixed_count_case(seed);
    check_net_with(seed, &net, sim, "mc-", STEPS, WeightMemChoice::Bram, &cfg)
}

fn check_conv_unit_seed(seed: u64, sim: Simulator) -> Result<(), String> {
    let (net, mem, cfg) = conv_unit_case(seed);
    check_net_with(seed, &net, sim, "cu-", STEPS, mem, &cfg)
}

fn check_net_with(
    seed: u64,
    net: &spikeloom_qnet::QNet,
    sim: Simulator,
    tag: &str,
    steps: usize,
    mem: WeightMemChoice,
    cfg: &PlanConfig,
) -> Result<(), String> {
    let plan = plan(net, cfg, &device(mem)).map_err(|e| format!("plan: {e}"))?;
    if mem == WeightMemChoice::Spram && plan.weight_store.depth > 0 {
        assert!(plan.weight_store.is_loaded(), "seed {seed}: SPRAM store");
    }
    let bundle_dir = work(&format!("{sim}-{tag}bundle-{seed}"));
    let _ = std::fs::remove_dir_all(&bundle_dir);
    generate(&plan, &GenOptions::default())
        .write_to(&bundle_dir)
        .map_err(|e| format!("writing {}: {e}", bundle_dir.display()))?;

    let mut rng = Rng::new(seed.wrapping_mul(31).wrapping_add(7));
    let density = rng.range(10, 60) as u64;
    let bits = net.input_bits;
    let max = (1i64 << bits) - 1;
    let data: Vec<u8> = (0..steps * SAMPLES * net.input_size)
        .map(|_| {
            if rng.chance(density) {
                rng.range(1, max) as u8
            } else {
                0
            }
        })
        .collect();
    let input = SpikeSteps::graded(steps, SAMPLES, net.input_size, data.clone(), bits)
        .map_err(|e| e.to_string())?;
    let stim = stimulus_from_values(&data, [steps, SAMPLES, net.input_size], bits)
        .map_err(|e| e.to_string())?;

    let model_log = CycleSim::new(&plan)
        .run_stimulus(&stim)
        .map_err(|e| format!("cycle model: {e}"))?;
    // a loaded store: the log starts with the power-on load, ready after the planned cycles
    if let Some(l) = plan.loader {
        let want = LogLine::Load {
            cycle: l.flash_load_cycles(),
            state: LoadState::Ready.code(),
        };
        if model_log.first() != Some(&want) {
            return Err(format!(
                "cycle model: the log starts with {:?}, not the planned load {want:?}",
                model_log.first()
            ));
        }
    }
    let iface = plan.top_interface();
    let rtl_log = run_rtl(
        &bundle_dir,
        &iface,
        &stim,
        sim,
        &work(&format!("{sim}-{tag}work")),
    )
    .map_err(|e| format!("{sim}: {e}"))?;
    if let Some(m) = compare_logs(&model_log, &rtl_log) {
        return Err(format!("{sim} log differs from the cycle model: {m}"));
    }

    // fixed == RTL, independently of the cycle model.
    let decoded = decode_log(&rtl_log, &iface, steps, SAMPLES).map_err(|e| e.to_string())?;
    let golden = eval(net, &input).map_err(|e| format!("golden model: {e}"))?;
    if let Some(m) = compare_with_contract(&decoded, &golden, net.output_layer) {
        return Err(format!("{sim} differs from the integer contract: {m}"));
    }

    // Step cycle counts: one definition (decode.rs) for RTL logs and the cycle model.
    let cycle_trace = simulate(&plan, &input).map_err(|e| format!("cycle model: {e}"))?;
    let load = plan
        .loader
        .map(|l| (l.flash_load_cycles(), LoadState::Ready));
    if cycle_trace.load != load {
        return Err(format!(
            "cycle model trace: load {:?}, planned {load:?}",
            cycle_trace.load
        ));
    }
    for n in 0..SAMPLES {
        let rtl_cycles = &decoded.cycles_per_step[n];
        if *rtl_cycles != cycle_trace.cycles_per_step[n] {
            return Err(format!(
                "sample {n}: step cycles {rtl_cycles:?}, cycle model {:?}",
                cycle_trace.cycles_per_step[n]
            ));
        }
    }
    Ok(())
}

/// Check `count` seeds, then fail listing every failing one.
fn check_seeds(count: u64, sim: Simulator) {
    check_seeds_with(count, sim, check_seed);
}

fn check_seeds_with(count: u64, sim: Simulator, check: fn(u64, Simulator) -> Result<(), String>) {
    let failures: Vec<String> = (0..count)
        .filter_map(|seed| check(seed, sim).err().map(|e| format!("seed {seed}: {e}")))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {count} random networks fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn icarus_equals_cycle_model_on_random_networks() {
    if !available(Simulator::Icarus) {
        return;
    }
    check_seeds(seeds(40), Simulator::Icarus);
}

#[test]
fn verilator_equals_cycle_model_on_random_networks() {
    if !available(Simulator::Verilator) {
        return;
    }
    check_seeds(seeds(3), Simulator::Verilator);
}

/// Graded input values, spike-count layers and CubaLi read-outs (dense and convolution cores):
/// Icarus log == cycle model log, decoded RTL == `qnet::eval`. Seeds: `SPIKELOOM_COSIM_SEEDS`
/// (default 24).
#[test]
fn icarus_equals_cycle_model_on_format3_networks() {
    if !available(Simulator::Icarus) {
        return;
    }
    check_seeds_with(seeds(24), Simulator::Icarus, check_format3_seed);
}

/// As above under Verilator (default 3 seeds: 3 = a convolution net, see
/// `random_format3_qnet`).
#[test]
fn verilator_equals_cycle_model_on_format3_networks() {
    if !available(Simulator::Verilator) {
        return;
    }
    let n = seeds(4);
    check_seeds_with(n, Simulator::Verilator, check_format3_seed);
}

/// Conv/pool stacks (`random_pool_qnet`: poolings with gaps, padding and cropped remainders on
/// odd maps, in front of convolution cores and of the engine's dense layers, through sl_pmap):
/// Icarus log == cycle model log, decoded RTL == `qnet::eval`. Seeds: `SPIKELOOM_COSIM_SEEDS`
/// (default 12; format-3 networks of seeds 1 mod 4 are pooled stacks too).
#[test]
fn icarus_equals_cycle_model_on_pooled_stacks() {
    if !available(Simulator::Icarus) {
        return;
    }
    check_seeds_with(seeds(12), Simulator::Icarus, check_pool_seed);
}

/// As above under Verilator (default 2 seeds).
#[test]
fn verilator_equals_cycle_model_on_pooled_stacks() {
    if !available(Simulator::Verilator) {
        return;
    }
    check_seeds_with(seeds(2), Simulator::Verilator, check_pool_seed);
}

/// Dense layers sharing one neuron unit (`plan/tests/plan.rs` checks that these plans do share
/// one): Icarus log == cycle model log, decoded RTL == `qnet::eval`.
#[test]
fn icarus_equals_cycle_model_on_shared_units() {
    if !available(Simulator::Icarus) {
        return;
    }
    check_seeds_with(seeds(24), Simulator::Icarus, check_shared_seed);
}

/// Convolution layers updating their neurons on a unit shared with dense layers (sl_conv
/// `EXT_UNIT`, sl_unit `CONV`): Icarus log == cycle model log, decoded RTL == `qnet::eval`.
/// Seeds: `SPIKELOOM_COSIM_SEEDS` (default 12).
#[test]
fn icarus_equals_cycle_model_with_convolutions_on_shared_units() {
    if !available(Simulator::Icarus) {
        return;
    }
    check_listed(
        conv_unit_seeds(seeds(12) as usize),
        Simulator::Icarus,
        check_conv_unit_seed,
    );
}

/// As above under Verilator (default 2 cases).
#[test]
fn verilator_equals_cycle_model_with_convolutions_on_shared_units() {
    if !available(Simulator::Verilator) {
        return;
    }
    check_listed(
        conv_unit_seeds(seeds(2) as usize),
        Simulator::Verilator,
        check_conv_unit_seed,
    );
}

/// One convolution engine running every convolution layer (sl_conv `NL` > 1, per-layer
/// geometry tables): Icarus log == cycle model log (cycle counts included), decoded RTL ==
/// `qnet::eval`. Seeds: `SPIKELOOM_COSIM_SEEDS` (default 8).
#[test]
fn icarus_equals_cycle_model_with_one_convolution_engine() {
    if !available(Simulator::Icarus) {
        return;
    }
    check_listed(
        conv_engine_seeds(seeds(8) as usize),
        Simulator::Icarus,
        check_conv_engine_seed,
    );
}

/// As above under Verilator (default 2 cases).
#[test]
fn verilator_equals_cycle_model_with_one_convolution_engine() {
    if !available(Simulator::Verilator) {
        return;
    }
    check_listed(
        conv_engine_seeds(seeds(2) as usize),
        Simulator::Verilator,
        check_conv_engine_seed,
    );
}

/// Layers of spike counts of different widths on one unit (sl_unit `L_NMAX`, sl_neuron
/// `n_max`): Icarus log == cycle model log, decoded RTL == `qnet::eval`. Seeds:
/// `SPIKELOOM_COSIM_SEEDS` (default 12).
#[test]
fn icarus_equals_cycle_model_with_mixed_count_widths_on_shared_units() {
    if !available(Simulator::Icarus) {
        return;
    }
    check_listed(
        mixed_count_seeds(seeds(12) as usize),
        Simulator::Icarus,
        check_mixed_count_seed,
    );
}

/// As above under Verilator (default 2 cases).
#[test]
fn verilator_equals_cycle_model_with_mixed_count_widths_on_shared_units() {
    if !available(Simulator::Verilator) {
        return;
    }
    check_listed(
        mixed_count_seeds(seeds(2) as usize),
        Simulator::Verilator,
        check_mixed_count_seed,
    );
}

#[test]
fn verilator_equals_cycle_model_on_shared_units() {
    if !available(Simulator::Verilator) {
        return;
    }
    check_seeds_with(seeds(2), Simulator::Verilator, check_shared_seed);
}

/// NIR Delay (per-source delay lines, uniform and per-neuron delays, on dense and convolution
/// cores): Icarus log == cycle model log, decoded RTL == `qnet::eval`. Seeds:
/// `SPIKELOOM_COSIM_SEEDS` (default 16).
#[test]
fn icarus_equals_cycle_model_on_delay_networks() {
    if !available(Simulator::Icarus) {
        return;
    }
    check_seeds_with(seeds(16), Simulator::Icarus, check_delay_seed);
}

/// As above under Verilator (default 3 seeds; seed 3 is a convolution net).
#[test]
fn verilator_equals_cycle_model_on_delay_networks() {
    if !available(Simulator::Verilator) {
        return;
    }
    check_seeds_with(seeds(4), Simulator::Verilator, check_delay_seed);
}

/// Weights in SPRAM (iCE40 UP5K store, `rtl-templates/mem/sl_wspram.v`), loaded by the
/// design's sl_wload from the flash model (the `L` line must match too): Icarus log == cycle model log, decoded RTL == `qnet::eval`, on format-3
/// networks (dense and convolution cores, graded events), half of them with a packed store
/// (`spram_seeds`). Seeds: `SPIKELOOM_COSIM_SEEDS` (default 8).
#[test]
fn icarus_equals_cycle_model_with_spram_weights() {
    if !available(Simulator::Icarus) {
        return;
    }
    check_listed(spram_seeds(seeds(8)), Simulator::Icarus, check_spram_seed);
}

/// As above under Verilator (default 2 seeds).
#[test]
fn verilator_equals_cycle_model_with_spram_weights() {
    if !available(Simulator::Verilator) {
        return;
    }
    check_listed(
        spram_seeds(seeds(2)),
        Simulator::Verilator,
        check_spram_seed,
    );
}

/// Event lists in the shared SPRAM (sl_evspram, one port for the input list and the lists
/// between convolution cores) with the weights in SPRAM: Icarus log == cycle model log,
/// decoded RTL == `qnet::eval`, on conv/pool stacks that share lists. Seeds:
/// `SPIKELOOM_COSIM_SEEDS` (default 6).
#[test]
fn icarus_equals_cycle_model_with_event_lists_in_spram() {
    if !available(Simulator::Icarus) {
        return;
    }
    check_listed(
        evspram_seeds(seeds(6) as usize),
        Simulator::Icarus,
        check_evspram_seed,
    );
}

/// As above under Verilator (default 2 seeds).
#[test]
fn verilator_equals_cycle_model_with_event_lists_in_spram() {
    if !available(Simulator::Verilator) {
        return;
    }
    check_listed(
        evspram_seeds(seeds(2) as usize),
        Simulator::Verilator,
        check_evspram_seed,
    );
}

/// Check the listed seeds with `check` under `sim`, then fail listing every failing one.
fn check_listed(list: Vec<u64>, sim: Simulator, check: fn(u64, Simulator) -> Result<(), String>) {
    let failures: Vec<String> = list
        .iter()
        .filter_map(|&seed| check(seed, sim).err().map(|e| format!("seed {seed}: {e}")))
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The first random network with dense weights (a store to load) planned with SPRAM weights,
/// its bundle written afresh to `work(tag)`.
fn loaded_design(tag: &str) -> (spikeloom_plan::Plan, PathBuf) {
    let cfg = PlanConfig {
        require_fit: false,
        weight_memory: WeightMemChoice::Spram,
        ..PlanConfig::default()
    };
    let plan = (0..20)
        .map(|seed| plan(&random_qnet(seed), &cfg, &device(WeightMemChoice::Spram)).unwrap())
        .find(|p| p.loader.is_some())
        .expect("a random network with dense weights");
    let dir = work(tag);
    let _ = std::fs::remove_dir_all(&dir);
    generate(&plan, &GenOptions::default())
        .write_to(&dir)
        .unwrap();
    (plan, dir)
}

/// A corrupt image in the flash: RTL (flash model + sl_wload) and cycle model (set_flash) stop
/// the load with the same verdict at the same cycle, every power-on.
fn check_corrupt_flash(sim: Simulator) {
    if !available(sim) {
        return;
    }
    let (plan, bundle_dir) = loaded_design(&format!("{sim}-corrupt-flash"));
    let l = plan.loader.unwrap();
    let mut bytes = WeightImage::new(plan.weight_image()).unwrap().to_bytes();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x80;
    std::fs::write(bundle_dir.join(FLASH_HEX), flash_hex(&bytes)).unwrap();
    let stim = [StimCmd::PowerOn, StimCmd::PowerOn];
    let mut model = CycleSim::new(&plan);
    model.set_flash(bytes);
    let model_log = model.run_stimulus(&stim).unwrap();
    let want = LogLine::Load {
        cycle: l.flash_load_cycles(),
        state: LoadState::Crc.code(),
    };
    assert_eq!(model_log, vec![want, want]);
    let rtl_log = run_rtl(
        &bundle_dir,
        &plan.top_interface(),
        &stim,
        sim,
        &work(&format!("{sim}-work")),
    )
    .unwrap();
    assert_eq!(rtl_log, model_log, "{sim}");
}

#[test]
fn icarus_and_cycle_model_refuse_a_corrupt_flash_image_alike() {
    check_corrupt_flash(Simulator::Icarus);
}

#[test]
fn verilator_and_cycle_model_refuse_a_corrupt_flash_image_alike() {
    check_corrupt_flash(Simulator::Verilator);
}

/// Post-synthesis: the Yosys netlist of a generated design (with the family's cell models)
/// writes the cycle model's log. iCE40 netlists have their weights in SPRAM (SB_SPRAM256KA's
/// cell model, loaded by the synthesised sl_wload from the flash model), ECP5 netlists in a
/// block RAM ROM.
fn check_netlist_seed(seed: u64, target: NetlistTarget, yosys: &Path) -> Result<(), String> {
    check_netlist_net(seed, &random_qnet(seed), target, yosys, "")
}

/// `tag` keeps the work directories of tests that may run at once apart.
fn check_netlist_net(
    seed: u64,
    net: &spikeloom_qnet::QNet,
    target: NetlistTarget,
    yosys: &Path,
    tag: &str,
) -> Result<(), String> {
    let cfg = config(netlist_mem(target));
    check_netlist_with(seed, net, &cfg, target, yosys, tag)
}

/// iCE40 netlists keep their weights in SPRAM, ECP5 netlists in block RAM.
fn netlist_mem(target: NetlistTarget) -> WeightMemChoice {
    match target {
        NetlistTarget::Ice40 => WeightMemChoice::Spram,
        NetlistTarget::Ecp5 => WeightMemChoice::Bram,
    }
}

fn check_netlist_with(
    seed: u64,
    net: &spikeloom_qnet::QNet,
    cfg: &PlanConfig,
    target: NetlistTarget,
    yosys: &Path,
    tag: &str,
) -> Result<(), String> {
    let mem = netlist_mem(target);
    let plan = plan(net, cfg, &device(mem)).map_err(|e| format!("plan: {e}"))?;
    let bundle_dir = work(&format!("{target}-netlist-bundle-{tag}{seed}"));
    let _ = std::fs::remove_dir_all(&bundle_dir);
    generate(&plan, &GenOptions::default())
        .write_to(&bundle_dir)
        .map_err(|e| format!("writing {}: {e}", bundle_dir.display()))?;
    let mut rng = Rng::new(seed ^ 0x5eed);
    let data: Vec<u8> = (0..3 * net.input_size)
        .map(|_| u8::from(rng.chance(40)))
        .collect();
    let stim = stimulus_from_spikes(&data, [3, 1, net.input_size]).map_err(|e| e.to_string())?;
    let model_log = CycleSim::new(&plan)
        .run_stimulus(&stim)
        .map_err(|e| format!("cycle model: {e}"))?;
    let work_dir = work(&format!("{target}-netlist-work-{tag}{seed}"));
    let netlist_log = run_netlist(
        &bundle_dir,
        &plan.top_interface(),
        &stim,
        target,
        yosys,
        &work_dir,
    )
    .map_err(|e| format!("{target} netlist: {e}"))?;
    match compare_logs(&model_log, &netlist_log) {
        Some(m) => Err(format!(
            "{target} netlist log differs from the cycle model: {m}"
        )),
        None => Ok(()),
    }
}

/// Check `SPIKELOOM_NETLIST_SEEDS` seeds (default 1: synthesis takes seconds to a minute each).
fn check_netlists(target: NetlistTarget) {
    let Some(yosys) = netlist_yosys() else {
        return;
    };
    let count = std::env::var("SPIKELOOM_NETLIST_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1u64);
    let failures: Vec<String> = (0..count)
        .filter_map(|seed| {
            check_netlist_seed(seed, target, &yosys)
                .err()
                .map(|e| format!("seed {seed}: {e}"))
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn ice40_netlists_equal_cycle_model() {
    check_netlists(NetlistTarget::Ice40);
}

/// The iCE40 netlist of a conv/pool stack whose event lists share an SPRAM (SB_SPRAM256KA's
/// cell model for sl_evspram, beside the SPRAM weight store).
#[test]
fn ice40_netlist_with_event_lists_in_spram_equals_cycle_model() {
    let Some(yosys) = netlist_yosys() else {
        return;
    };
    let seed = evspram_seeds(1)[0];
    let r = check_netlist_net(
        seed,
        &random_pool_qnet(seed),
        NetlistTarget::Ice40,
        &yosys,
        "evspram-",
    );
    assert!(r.is_ok(), "seed {seed}: {}", r.unwrap_err());
}

/// The iCE40 netlist of a convolution engine serving three layers (its variable products on
/// SB_MAC16 cell models: Yosys maps them with `synth_ice40 -dsp`).
#[test]
fn ice40_netlist_with_a_convolution_engine_equals_cycle_model() {
    let Some(yosys) = netlist_yosys() else {
        return;
    };
    let seed = conv_engine_seeds(1)[0];
    let (net, cfg) = conv_engine_case(seed);
    let r = check_netlist_with(seed, &net, &cfg, NetlistTarget::Ice40, &yosys, "engine-");
    assert!(r.is_ok(), "seed {seed}: {}", r.unwrap_err());
}

/// The ECP5 netlist of a network whose dense layers share one neuron unit.
#[test]
fn ecp5_netlist_with_a_shared_unit_equals_cycle_model() {
    let Some(yosys) = netlist_yosys() else {
        return;
    };
    let r = check_netlist_net(
        1,
        &random_shared_qnet(1),
        NetlistTarget::Ecp5,
        &yosys,
        "shared-",
    );
    assert!(r.is_ok(), "seed 1: {}", r.unwrap_err());
}

#[test]
fn ecp5_netlists_equal_cycle_model() {
    check_netlists(NetlistTarget::Ecp5);
}

/// `path` relative to the process's working directory (`..` up to the common prefix).
fn relative_to_cwd(path: &Path) -> PathBuf {
    let cwd = std::env::current_dir().unwrap();
    let common = cwd
        .components()
        .zip(path.components())
        .take_while(|(a, b)| a == b)
        .count();
    let mut rel = PathBuf::new();
    for _ in common..cwd.components().count() {
        rel.push("..");
    }
    rel.extend(path.components().skip(common));
    rel
}

/// A bundle named by a relative path (as `build -o out/` names it) still gives the flash model
/// the design's image: the simulators run in the bundle's directory, so a relative `+flash=`
/// would name no file there and the loader read an erased flash (state 3) instead of loading.
fn check_relative_bundle_loads(sim: Simulator) {
    if !available(sim) {
        return;
    }
    let (plan, abs) = loaded_design(&format!("{sim}-relative-bundle"));
    let rel = relative_to_cwd(&abs);
    assert!(
        rel.is_relative() && rel.join(FLASH_HEX).is_file(),
        "{}",
        rel.display()
    );
    let stim = [StimCmd::PowerOn];
    let model_log = CycleSim::new(&plan).run_stimulus(&stim).unwrap();
    assert_eq!(
        model_log,
        vec![LogLine::Load {
            cycle: plan.loader.unwrap().flash_load_cycles(),
            state: LoadState::Ready.code(),
        }]
    );
    let rtl_log = run_rtl(
        &rel,
        &plan.top_interface(),
        &stim,
        sim,
        &work(&format!("{sim}-relative-work")),
    )
    .unwrap();
    assert_eq!(rtl_log, model_log, "{sim}");
}

#[test]
fn icarus_loads_the_flash_image_of_a_relative_bundle_path() {
    check_relative_bundle_loads(Simulator::Icarus);
}

#[test]
fn verilator_loads_the_flash_image_of_a_relative_bundle_path() {
    check_relative_bundle_loads(Simulator::Verilator);
}
