//! Mutation test of the verification chain: a deliberately broken RTL template must be caught by
//! the RTL-vs-cycle-model comparison that `spikeloom verify` runs, and the unbroken design must
//! pass it (so the check is neither blind nor trivially failing).

use spikeloom_cosim::{compare_logs, run_rtl, stimulus_from_spikes, Simulator};
use spikeloom_plan::PlanConfig;
use spikeloom_quant::{Calibration, QuantConfig};
use spikeloom_tests::Fixture;

/// (what, file, original text, mutated text)
const MUTATIONS: &[(&str, &str, &str, &str)] = &[
    (
        "threshold >= instead of >",
        "sl_neuron.v",
        "($signed(u1c[CW0-1:0]) > $signed(th2[CW0-1:0]))",
        "($signed(u1c[CW0-1:0]) >= $signed(th2[CW0-1:0]))",
    ),
    (
        "accumulator hands over the sum without its last weight word",
        "sl_acc.v",
        "if (ho) hreg <= acc_d;",
        "if (ho) hreg <= acc;",
    ),
    (
        "scheduler reads the first block's weight rows for every block",
        "sl_acc.v",
        "rowbase[q] <= rowbase[q] + PROJ_SRC[q*WA +: WA];",
        "rowbase[q] <= rowbase[q];",
    ),
    (
        "accumulators hand over one drain cycle early (last word still in the pipeline)",
        "sl_acc.v",
        "S_DRAIN: if (dr == DRAIN_LAST) st <= S_WAIT;",
        "S_DRAIN: if (dr == DRAIN_LAST - 2'd1) st <= S_WAIT;",
    ),
    (
        "neuron unit pushes the spike of the neuron behind",
        "sl_unit.v",
        "assign push_idx = push ? n_out : {EV_W{1'b0}};",
        "assign push_idx = push ? nv[LAT-1] : {EV_W{1'b0}};",
    ),
    (
        "reset flag ignored",
        "sl_neuron.v",
        "r_1 <= $signed(u0[CW0-1:0]) > $signed(th0[CW0-1:0]);",
        "r_1 <= 1'b0;",
    ),
    (
        "neuron unit drops the weight shift",
        "sl_unit.v",
        "wire signed [XW-1:0] lane_sh = lane_x <<< L_WS[lay*6 +: 6];",
        "wire signed [XW-1:0] lane_sh = lane_x;",
    ),
];

/// (what, file, original text, mutated text): a neuron unit shared by two layers.
const UNIT_MUTATIONS: &[(&str, &str, &str, &str)] = &[
    (
        "shared unit shifts every layer's sums by the first layer's weight shift",
        "sl_unit.v",
        "wire signed [XW-1:0] lane_sh = lane_x <<< L_WS[lay*6 +: 6];",
        "wire signed [XW-1:0] lane_sh = lane_x <<< L_WS[0 +: 6];",
    ),
    (
        "shared unit writes every layer's states at the first layer's addresses",
        "sl_unit.v",
        "always @(posedge clk) aw <= nv_a + L_OFF[lv[LAT-1]*SAW +: SAW];",
        "always @(posedge clk) aw <= nv_a;",
    ),
    (
        "shared unit reads the first layer's threshold for every layer",
        "sl_unit.v",
        "L_THETA_K[lay1*PW +: PW]",
        "L_THETA_K[0 +: PW]",
    ),
    (
        "shared unit sizes every layer's blocks by the first layer",
        "sl_unit.v",
        "wire [EV_W-1:0] ho_size = L_SIZE[ho_lay*EV_W +: EV_W];",
        "wire [EV_W-1:0] ho_size = L_SIZE[0 +: EV_W];",
    ),
];

/// (what, file, original text, mutated text): the convolution core's channel lanes.
const CONV_MUTATIONS: &[(&str, &str, &str, &str)] = &[
    (
        "every conv lane adds lane 0's kernel weight",
        "sl_conv.v",
        "wire signed [WB-1:0] w_s = w_word[g*WB +: WB];",
        "wire signed [WB-1:0] w_s = w_word[0 +: WB];",
    ),
    (
        "conv taps scatter every chunk of channels into chunk 0",
        "sl_conv.v",
        "ch_base <= ch_base + hwo_l;",
        "ch_base <= ch_base;",
    ),
    (
        "conv sweep steps one channel instead of P to the next chunk",
        "sl_conv.v",
        "cbase <= cbase + ch_n_l;",
        "cbase <= cbase + hwo_l;",
    ),
    (
        "conv push index drops the lane's channel offset",
        "sl_conv.v",
        "low_off = q[CW-1:0] * hwo_l;",
        "low_off = q[CW-1:0];",
    ),
    (
        "conv neuron drops the weight shift",
        "sl_neuron.v",
        "wire signed [W-1:0] x1 = (acc_x <<< WS) + b_x;",
        "wire signed [W-1:0] x1 = acc_x + b_x;",
    ),
    (
        "conv padding lanes (channels beyond C_out) count as neurons",
        "sl_conv.v",
        "assign lane_valid[g] = (sj + LANE_C) < cog_l;",
        "assign lane_valid[g] = 1'b1;",
    ),
    (
        "the event decode's row reciprocal is one shift short",
        "sl_conv.v",
        "dv_row <= d_row_p[WI_S +: CW];",
        "dv_row <= d_row_p[WI_S - (WI_S > 0) +: CW];",
    ),
    (
        "the event decode's channel ignores the rows of earlier channels",
        "sl_conv.v",
        "wire [CW-1:0] iy_c = dv_row - dv_ci * hi_l;",
        "wire [CW-1:0] iy_c = dv_row;",
    ),
];

fn tools_present() -> bool {
    match spikeloom_cosim::check_tools(Simulator::Icarus) {
        Ok(()) => true,
        Err(e) => {
            spikeloom_testkit::skip_or_fail(e);
            false
        }
    }
}

#[test]
fn broken_templates_are_caught_and_the_real_one_passes() {
    if !tools_present() {
        return;
    }
    let fx = Fixture::load("mlp_subtract", 2);
    let calib = Calibration::new(&fx.net, fx.input.clone(), fx.float_trace(), None).expect("calib");
    let (mut q, _) =
        spikeloom_quant::quantize(&fx.net, Some(&calib), &QuantConfig::default()).expect("q");
    let device = spikeloom_board::Board::builtin("ulx3s-25f")
        .expect("board")
        .device;
    let cfg = PlanConfig {
        lanes: Some(4),
        require_fit: false,
        ..PlanConfig::default()
    };
    let plan = spikeloom_plan::plan(&q, &cfg, &device).expect("plan");
    let i = &fx.input;
    let stim = stimulus_from_spikes(i.data(), [i.steps(), i.samples(), i.width()]).expect("stim");
    check_mutations("mutation", &plan, &stim, MUTATIONS);

    // the shared unit's per-layer selection, on the same network made to shift its two layers'
    // sums differently (this calibration gives both the same shift)
    q.layers[1].weight_shift += 1;
    let plan = spikeloom_plan::plan(&q, &cfg, &device).expect("plan");
    let e = plan.engine.as_ref().expect("engine");
    let shifts: Vec<u32> = e
        .layers
        .iter()
        .map(|&l| plan.cores[l].weight_shift)
        .collect();
    let thetas: Vec<&spikeloom_plan::Param> =
        e.layers.iter().map(|&l| &plan.cores[l].theta).collect();
    assert!(
        e.units.len() == 1
            && e.units[0].layers.len() == 2
            && shifts[0] != shifts[1]
            && thetas[0] != thetas[1]
            && !thetas[0].is_rom(),
        "the shared-unit mutations need one unit of two layers with different weight shifts and \
         constant thresholds: {shifts:?} {thetas:?}"
    );
    check_mutations("unit-mutation", &plan, &stim, UNIT_MUTATIONS);
}

/// (what, original text, mutated text) in sl_wload.v, the weight loader.
const LOADER_MUTATIONS: &[(&str, &str, &str)] = &[
    ("CRC shifts 9 bits per byte", "nb <= 4'd8;", "nb <= 4'd9;"),
    (
        "tRES1 wait two cycles short (the flash ignores the read)",
        "wait_n <= TRES_CYCLES[TW-1:0];",
        "wait_n <= TRES_CYCLES[TW-1:0] - 2'd2;",
    ),
];

/// The same for the weight loader of an SPRAM design: a broken sl_wload must change the power-on
/// load's `L` line (state or cycle), and the unbroken one must load in the planned cycles.
#[test]
fn a_broken_weight_loader_is_caught() {
    if !tools_present() {
        return;
    }
    let fx = Fixture::load("mlp_subtract", 1);
    let calib = Calibration::new(&fx.net, fx.input.clone(), fx.float_trace(), None).expect("calib");
    let (q, _) =
        spikeloom_quant::quantize(&fx.net, Some(&calib), &QuantConfig::default()).expect("q");
    let device = spikeloom_board::Board::builtin("icebreaker")
        .expect("board")
        .device;
    let cfg = PlanConfig {
        lanes: Some(2),
        require_fit: false,
        weight_memory: spikeloom_plan::WeightMemChoice::Spram,
        ..PlanConfig::default()
    };
    let plan = spikeloom_plan::plan(&q, &cfg, &device).expect("plan");
    let stim = [spikeloom_cosim::StimCmd::PowerOn];
    let expected = spikeloom_cyclesim::CycleSim::new(&plan)
        .run_stimulus(&stim)
        .expect("cycle");
    let bundle = spikeloom_verilog::generate(&plan, &spikeloom_verilog::GenOptions::default());
    let root = std::env::temp_dir().join(format!("spikeloom-wmutation-{}", std::process::id()));
    let run = |dir: &std::path::Path, work: &str| {
        run_rtl(
            dir,
            &plan.top_interface(),
            &stim,
            Simulator::Icarus,
            &root.join(work),
        )
        .expect("icarus runs")
    };
    let clean = root.join("clean");
    bundle.write_to(&clean).expect("write bundle");
    assert_eq!(
        run(&clean, "w0"),
        expected,
        "the unmutated loader must match"
    );
    for (k, (what, from, to)) in LOADER_MUTATIONS.iter().enumerate() {
        let dir = root.join(format!("m{k}"));
        bundle.write_to(&dir).expect("write bundle");
        let path = dir.join("sl_wload.v");
        let text = std::fs::read_to_string(&path).expect("template copy");
        assert!(text.contains(from), "mutation `{what}`: `{from}` not found");
        std::fs::write(&path, text.replacen(from, to, 1)).expect("mutate");
        let log = run(&dir, &format!("w{}", k + 1));
        let m = compare_logs(&expected, &log);
        assert!(m.is_some(), "mutation `{what}` was NOT caught");
        eprintln!("mutation `{what}` caught: {}", m.expect("mismatch"));
    }
    let _ = std::fs::remove_dir_all(&root);
}

/// Icarus on `plan`'s design with each of `mutations` (what, file, original text, mutated
/// text) applied alone: the unmutated design must match the cycle model, and every mutation must
/// be caught by a differing log or by the harness stopping the run.
fn check_mutations(
    tag: &str,
    plan: &spikeloom_plan::Plan,
    stim: &[spikeloom_cosim::StimCmd],
    mutations: &[(&str, &str, &str, &str)],
) {
    let expected = spikeloom_cyclesim::CycleSim::new(plan)
        .run_stimulus(stim)
        .expect("cycle");
    let bundle = spikeloom_verilog::generate(plan, &spikeloom_verilog::GenOptions::default());
    let root = std::env::temp_dir().join(format!("spikeloom-{tag}-{}", std::process::id()));
    let run = |dir: &std::path::Path, work: &str| {
        run_rtl(
            dir,
            &plan.top_interface(),
            stim,
            Simulator::Icarus,
            &root.join(work),
        )
    };
    let clean = root.join("clean");
    bundle.write_to(&clean).expect("write bundle");
    let log = run(&clean, "w0").expect("icarus runs");
    assert_eq!(
        compare_logs(&expected, &log),
        None,
        "{tag}: the unmutated design must match"
    );
    for (k, (what, file, from, to)) in mutations.iter().enumerate() {
        let dir = root.join(format!("m{k}"));
        bundle.write_to(&dir).expect("write bundle");
        let path = dir.join(file);
        let text = std::fs::read_to_string(&path).expect("template copy");
        assert!(
            text.contains(from),
            "mutation `{what}`: `{from}` not found in {file}"
        );
        std::fs::write(&path, text.replacen(from, to, 1)).expect("mutate");
        let caught = match run(&dir, &format!("w{}", k + 1)) {
            Ok(log) => compare_logs(&expected, &log).map(|m| m.to_string()),
            Err(e) => Some(format!("the run stopped: {e}")),
        };
        assert!(caught.is_some(), "{tag}: mutation `{what}` was NOT caught");
        eprintln!(
            "{tag}: mutation `{what}` caught: {}",
            caught.unwrap_or_default()
        );
    }
    let _ = std::fs::remove_dir_all(&root);
}

/// The convolution core's channel lanes: on the cnn fixture (Conv 1->4 at 2 lanes: two chunks
/// of channels, no padding) and on a random convolution whose channels do not fill the lanes
/// (padding lanes), a broken lane weight, chunk step, sweep step, push index or padding mask
/// must be caught, and a broken event decode (a reciprocal's shift, the row within a channel).
#[test]
fn broken_conv_lanes_are_caught() {
    if !tools_present() {
        return;
    }
    let device = spikeloom_board::Board::builtin("ulx3s-25f")
        .expect("board")
        .device;
    let fx = Fixture::load("cnn", 1);
    let calib = Calibration::new(&fx.net, fx.input.clone(), fx.float_trace(), None).expect("calib");
    let (mut q, _) =
        spikeloom_quant::quantize(&fx.net, Some(&calib), &QuantConfig::default()).expect("q");
    // a non-zero weight shift in the convolution (a lost shift is then visible)
    q.layers[0].weight_shift += 1;
    let cfg = PlanConfig {
        // the convolution core's own neuron datapaths (not a shared unit)
        conv_units: Some(false),
        lanes: Some(2),
        require_fit: false,
        ..PlanConfig::default()
    };
    let plan = spikeloom_plan::plan(&q, &cfg, &device).expect("plan");
    let c = &plan.cores[0];
    assert!(
        c.conv.is_some() && c.lanes == 2 && c.conv_chunks() == 2,
        "cnn: 2 lanes x 2 chunks"
    );
    let i = &fx.input;
    let stim = stimulus_from_spikes(i.data(), [i.steps(), i.samples(), i.width()]).expect("stim");
    // the padding mutation changes nothing without padding lanes
    check_mutations("conv-mutation", &plan, &stim, &CONV_MUTATIONS[..5]);

    // a random convolution whose channels per group leave padding lanes (3 channels at a cap
    // of 2 lanes: 2 chunks of 2), 30% input
    let (plan, stim) = (0..500)
        .find_map(|seed| {
            let net = spikeloom_plan::testing::random_conv_qnet(seed);
            let cfg = PlanConfig {
                // the convolution core's own neuron datapaths (not a shared unit)
                conv_units: Some(false),
                lanes: Some(2),
                require_fit: false,
                ..PlanConfig::default()
            };
            let plan = spikeloom_plan::plan(&net, &cfg, &device).ok()?;
            let c = &plan.cores[0];
            let g = c.conv.as_ref()?;
            (g.out_per_group() % c.lanes != 0 && net.input_size <= 256).then_some(())?;
            let mut rng = spikeloom_plan::testing::Rng::new(seed);
            let (t, n, f) = (4, 2, net.input_size);
            let spikes: Vec<u8> = (0..t * n * f).map(|_| u8::from(rng.chance(30))).collect();
            let stim = stimulus_from_spikes(&spikes, [t, n, f]).ok()?;
            Some((plan, stim))
        })
        .expect("a random convolution with padding lanes");
    check_mutations("conv-pad-mutation", &plan, &stim, &CONV_MUTATIONS[5..]);
}

/// (what, file, original text, mutated text): convolution layers on a shared unit (sl_conv
/// `EXT_UNIT`, sl_unit `CONV`).
const CONV_UNIT_MUTATIONS: &[(&str, &str, &str, &str)] = &[
    (
        "the unit steps a convolution lane's neuron by 1",
        "sl_unit.v",
        "n0 <= (CONV != 0) ? n0 + L_NSTEP[lay*EV_W +: EV_W] : n0 + 1'b1;",
        "n0 <= n0 + 1'b1;",
    ),
    (
        "the unit writes a convolution neuron back at its neuron index",
        "sl_unit.v",
        "assign waddr = av[LAT];",
        "assign waddr = n_out[SAW-1:0];",
    ),
    (
        "a convolution core hands a block over while the unit is busy",
        "sl_conv.v",
        "wire ho_fire = (EXT_UNIT != 0) && (st == S_HO) && !u_busy;",
        "wire ho_fire = (EXT_UNIT != 0) && (st == S_HO);",
    ),
    (
        "a hand-off does not read the next block ahead",
        "sl_conv.v",
        "wire [CW-1:0] acc_raddr = (ho_fire && !last_blk) ? blk_c + ONE : sweep ? blk_c : t_a;",
        "wire [CW-1:0] acc_raddr = sweep ? blk_c : t_a;",
    ),
    (
        "a convolution core is done before the unit drains",
        "sl_conv.v",
        "S_UW: if (!u_active) st <= S_DONE;",
        "S_UW: st <= S_DONE;",
    ),
    (
        "a hand-off's last lane ignores the padding lanes",
        "sl_conv.v",
        "assign ho_last = (cog_l - sj > P_LAST_C) ? P_LAST_C : cog_l - sj - ONE;",
        "assign ho_last = P_LAST_C;",
    ),
];

/// What a convolution engine (sl_conv NL > 1) selects by the running layer, broken.
const CONV_ENGINE_MUTATIONS: &[(&str, &str, &str, &str)] = &[
    (
        "the engine reads every layer's kernel at layer 0's base",
        "sl_conv.v",
        "wire [KA-1:0] kbase_l = KBASE[lay*KA +: KA];",
        "wire [KA-1:0] kbase_l = KBASE[0 +: KA];",
    ),
    (
        "the engine reads layer 0's event list for every layer",
        "sl_conv.v",
        "wire [EV_W-1:0] ev_rdata_l = ev_rdata[lay*EV_W +: EV_W];",
        "wire [EV_W-1:0] ev_rdata_l = ev_rdata[0 +: EV_W];",
    ),
    (
        "the engine keeps layer 0's geometry",
        "sl_conv.v",
        "if (st == S_IDLE && start != {NL{1'b0}}) lay_q <= start_i;",
        "if (st == S_IDLE && start != {NL{1'b0}}) lay_q <= {LW{1'b0}};",
    ),
    (
        "the engine does not shift a row by its stride",
        "sl_conv.v",
        "assign oy = ty >> shl_l;",
        "assign oy = ty;",
    ),
    (
        "the engine does not check that the row stride hits the tap",
        "sl_conv.v",
        "assign on_y = (ty & (sh_x - ONE_X)) == ZERO_X;",
        "assign on_y = 1'b1;",
    ),
];

/// One convolution engine for every convolution layer (`PlanConfig::conv_engine`): on a random
/// engine stack of three convolutions, one with a row stride of 2 (UP5K-like plan: kernels in
/// the loaded store, shared accumulators, one unit), each of the engine's per-layer selections
/// broken must be caught.
#[test]
fn broken_conv_engines_are_caught() {
    if !tools_present() {
        return;
    }
    let mut device = spikeloom_plan::testing::big_device();
    device.family = spikeloom_board::Family::Ice40;
    device.spram_count = 4;
    let (plan, stim) = (0..2000)
        .find_map(|seed| {
            let net = spikeloom_plan::testing::uniform_neurons(
                spikeloom_plan::testing::random_engine_qnet(seed),
                seed,
            );
            let cfg = PlanConfig {
                lanes: Some(1),
                require_fit: false,
                conv_units: Some(true),
                weight_memory: spikeloom_plan::WeightMemChoice::Spram,
                conv_acc_memory: spikeloom_plan::AccMemChoice::Shared,
                kernel_memory: spikeloom_plan::KernelMemChoice::Store,
                conv_engine: spikeloom_plan::ConvEngineChoice::Shared,
                ..PlanConfig::default()
            };
            let plan = spikeloom_plan::plan(&net, &cfg, &device).ok()?;
            let e = plan.conv_engine.as_ref()?;
            let strided = e.cores.iter().any(|&l| {
                plan.cores[l]
                    .conv
                    .as_ref()
                    .is_some_and(|g| g.stride[0] == 2)
            });
            (e.cores.len() == 3 && strided && net.input_size <= 128).then_some(())?;
            let mut rng = spikeloom_plan::testing::Rng::new(seed);
            let (t, n, f) = (4, 2, net.input_size);
            let spikes: Vec<u8> = (0..t * n * f).map(|_| u8::from(rng.chance(40))).collect();
            let stim = stimulus_from_spikes(&spikes, [t, n, f]).ok()?;
            // every convolution gets events: layers 0 and 1 spike
            let log = spikeloom_cyclesim::CycleSim::new(&plan)
                .run_stimulus(&stim)
                .ok()?;
            let spiking = |l: u32| {
                log.iter().any(|x| {
                    matches!(x, spikeloom_cyclesim::LogLine::Trace { layer, spike, .. }
                        if *layer == l && *spike > 0)
                })
            };
            (spiking(0) && spiking(1)).then_some(())?;
            Some((plan, stim))
        })
        .expect("a random engine stack of three active convolutions with a row stride of 2");
    check_mutations("conv-engine-mutation", &plan, &stim, CONV_ENGINE_MUTATIONS);
}

/// Convolution layers on a shared unit: on a random convolution network with one neuron
/// structure (so its convolution shares the dense layer's unit) and padding lanes, a lane's
/// neuron step, the write-back address, the hand-off handshake, the read-ahead, the drain wait
/// or the last valid lane broken must be caught.
#[test]
fn broken_conv_hand_offs_are_caught() {
    if !tools_present() {
        return;
    }
    let device = spikeloom_board::Board::builtin("ulx3s-25f")
        .expect("board")
        .device;
    let (plan, stim) = (0..2000)
        .find_map(|seed| {
            let net = spikeloom_plan::testing::uniform_neurons(
                spikeloom_plan::testing::random_conv_qnet(seed),
                seed,
            );
            let cfg = PlanConfig {
                lanes: Some(2),
                require_fit: false,
                conv_units: Some(true),
                ..PlanConfig::default()
            };
            let plan = spikeloom_plan::plan(&net, &cfg, &device).ok()?;
            let c = &plan.cores[0];
            let g = c.conv.as_ref()?;
            (plan.on_unit(0) && g.out_per_group() % c.lanes != 0 && net.input_size <= 256)
                .then_some(())?;
            let mut rng = spikeloom_plan::testing::Rng::new(seed);
            let (t, n, f) = (4, 2, net.input_size);
            let spikes: Vec<u8> = (0..t * n * f).map(|_| u8::from(rng.chance(30))).collect();
            let stim = stimulus_from_spikes(&spikes, [t, n, f]).ok()?;
            Some((plan, stim))
        })
        .expect("a random convolution with padding lanes on a shared unit");
    check_mutations("conv-unit-mutation", &plan, &stim, CONV_UNIT_MUTATIONS);
}

/// Spike counts of different widths on one unit: the unit divides at its widest count and caps
/// each layer at its own maximum (sl_neuron `n_max`, sl_unit `L_NMAX`); a division that ignores
/// the cap must be caught. The network is chosen so that the cap matters: the contract with
/// every narrower layer widened to the unit's count (what the mutation computes) fires a count
/// above a narrower layer's maximum on the stimulus.
#[test]
fn ignored_count_caps_are_caught() {
    if !tools_present() {
        return;
    }
    let device = spikeloom_plan::testing::big_device();
    let (plan, stim) = (0..2000)
        .find_map(|seed| {
            let net = spikeloom_plan::testing::uniform_counts(
                spikeloom_plan::testing::random_shared_qnet(seed),
                seed,
            );
            let cfg = PlanConfig {
                require_fit: false,
                ..PlanConfig::default()
            };
            let plan = spikeloom_plan::plan(&net, &cfg, &device).ok()?;
            let unit = plan.engine.as_ref()?.units.iter().find(|u| {
                u.layers
                    .iter()
                    .any(|&l| plan.cores[l].count_bits() < u.count_bits(&plan.cores))
            })?;
            let widest = unit.count_bits(&plan.cores);
            let narrow: Vec<(usize, u32)> = unit
                .layers
                .iter()
                .map(|&l| (l, plan.cores[l].count_bits()))
                .filter(|&(_, b)| b < widest)
                .collect();
            let mut wide = net.clone();
            for &(l, _) in &narrow {
                if let spikeloom_qnet::QFire::Count { spike_bits, .. } = &mut wide.layers[l].fire {
                    *spike_bits = widest;
                }
            }
            let mut rng = spikeloom_plan::testing::Rng::new(seed);
            let (t, n, f) = (5, 2, net.input_size);
            let spikes: Vec<u8> = (0..t * n * f).map(|_| u8::from(rng.chance(40))).collect();
            let input = spikeloom_qnet::SpikeSteps::new(t, n, f, spikes.clone()).ok()?;
            let trace = spikeloom_qnet::eval(&wide, &input).ok()?;
            narrow
                .iter()
                .any(|&(l, b)| {
                    trace.layers[l]
                        .spikes
                        .iter()
                        .any(|&s| i64::from(s) >= 1 << b)
                })
                .then_some(())?;
            let stim = stimulus_from_spikes(&spikes, [t, n, f]).ok()?;
            Some((plan, stim))
        })
        .expect("a shared unit of mixed count widths whose caps matter");
    check_mutations(
        "count-cap-mutation",
        &plan,
        &stim,
        &[(
            "the unit's division ignores a narrower layer's count cap",
            "sl_neuron.v",
            "pass[k] = (k < (1 << gw)) && (NG > 1 || k <= n_max) && !d[DW-1];",
            "pass[k] = (k < (1 << gw)) && !d[DW-1];",
        )],
    );
}

/// (what, file, original text, mutated text): the event lists sharing one SPRAM (sl_evspram)
/// and the convolution cores' shared accumulator RAM (sl_conv EXT_ACC).
const SHARED_MUTATIONS: &[(&str, &str, &str, &str)] = &[
    (
        "shared event lists are read without their base offset",
        "sl_evspram.v",
        "(we[i] || (rd[i] && !any_we)) ? BASE[i*14 +: 14] : 14'd0;",
        "we[i] ? BASE[i*14 +: 14] : 14'd0;",
    ),
    (
        "shared event lists are written one word past their count",
        "sl_evspram.v",
        "assign off_sel[i*EV_W +: EV_W] = we[i] ? c : {EV_W{1'b0}};",
        "assign off_sel[i*EV_W +: EV_W] = we[i] ? c + 1'b1 : {EV_W{1'b0}};",
    ),
    (
        "a shared event list is not emptied at its source's step start",
        "sl_evspram.v",
        "if (rst || clr[i]) c <= {EV_W{1'b0}};",
        "if (rst) c <= {EV_W{1'b0}};",
    ),
    (
        "an idle convolution core drives the shared accumulators' read address",
        "sl_conv.v",
        "assign acc_ra = (st != S_IDLE) ? acc_raddr : {CW{1'b0}};",
        "assign acc_ra = acc_raddr;",
    ),
    (
        "an idle convolution core drives the shared accumulators' write data",
        "sl_conv.v",
        "assign acc_wd = a_we ? acc_wword : {(P * ACC_W){1'b0}};",
        "assign acc_wd = acc_wword;",
    ),
    (
        "a convolution core leaves its shared accumulator words unzeroed",
        "sl_conv.v",
        "assign acc_wword[g*ACC_W +: ACC_W] = (clr_en || zero_blk) ? {ACC_W{1'b0}} : b_sum;",
        "assign acc_wword[g*ACC_W +: ACC_W] = clr_en ? {ACC_W{1'b0}} : b_sum;",
    ),
];

/// The shared memories: on a random convolution stack whose input list and the list between
/// two convolution cores share the event SPRAM and whose cores share one accumulator RAM, a
/// list read without its base, written past its count or not emptied per step, an idle core
/// driving the accumulators' read address or write data, and a core leaving its words
/// unzeroed must be caught.
#[test]
fn broken_shared_memories_are_caught() {
    if !tools_present() {
        return;
    }
    let mut device = spikeloom_plan::testing::big_device();
    device.family = spikeloom_board::Family::Ice40;
    device.spram_count = 4;
    let (plan, stim) = (0..500)
        .find_map(|seed| {
            let net = spikeloom_plan::testing::random_conv_qnet(seed);
            let cfg = PlanConfig {
                // the convolution core's own neuron datapaths (not a shared unit)
                conv_units: Some(false),
                require_fit: false,
                event_memory: spikeloom_plan::EventMemChoice::Spram,
                conv_acc_memory: spikeloom_plan::AccMemChoice::Shared,
                ..PlanConfig::default()
            };
            let plan = spikeloom_plan::plan(&net, &cfg, &device).ok()?;
            plan.conv_acc.as_ref()?;
            let es = plan.event_spram.as_ref()?;
            (es.lists.len() >= 2 && net.input_size <= 256).then_some(())?;
            let mut rng = spikeloom_plan::testing::Rng::new(seed);
            let (t, n, f) = (4, 2, net.input_size);
            let spikes: Vec<u8> = (0..t * n * f).map(|_| u8::from(rng.chance(30))).collect();
            // every shared list of a layer carries spikes (else its reads prove nothing)
            let input = spikeloom_qnet::SpikeSteps::new(t, n, f, spikes.clone()).ok()?;
            let golden = spikeloom_qnet::eval(&net, &input).ok()?;
            let busy = es.lists.iter().all(|&b| match plan.buffers[b].source {
                spikeloom_qnet::QSource::Input => true,
                spikeloom_qnet::QSource::Layer(l) => golden.layers[l].spikes.iter().any(|&x| x > 0),
            });
            busy.then_some(())?;
            let stim = stimulus_from_spikes(&spikes, [t, n, f]).ok()?;
            Some((plan, stim))
        })
        .expect("a random convolution stack sharing two busy event lists");
    check_mutations("shared-mutation", &plan, &stim, SHARED_MUTATIONS);
}

/// (what, original text, mutated text) in the host bridge (io/host_bridge.v), caught by the
/// board simulation against the bridge's twin (`spikeloom_pipeline::boardsim`): with zero-skip.
const BRIDGE_MUTATIONS: &[(&str, &str, &str)] = &[
    (
        "zero-skip misses a word whose non-zero byte is not its last",
        "if (d_ok && d_feat && r_nz) wnz <= 1'b1;",
        "if (1'b0) wnz <= 1'b1;",
    ),
    (
        "a step's scan starts at the list's second word",
        "        li <= 0;\n        lempty <= ZSKIP && nzn == 0;",
        "        li <= 1;\n        lempty <= ZSKIP && nzn == 0;",
    ),
    (
        "a command scans the list of the frame before",
        "if (c_step || c_pix || c_val) nzn <= nzw;",
        "if (1'b0) nzn <= nzw;",
    ),
    (
        "the end-of-step beat leaves with the first listed word",
        "iae <= li == lend;",
        "iae <= li == 0;",
    ),
    (
        "the rate encoder takes four features' LFSR state for a last word of fewer",
        "wire [15:0] lfsr_next = s1l ? l_last : l32;",
        "wire [15:0] lfsr_next = l32;",
    ),
];

/// As [`BRIDGE_MUTATIONS`], without zero-skip (a step scans every word).
const FULL_SCAN_MUTATIONS: &[(&str, &str, &str)] = &[
    (
        "the rate encoder takes LFSR state for an all-zero word",
        "wire s1_nz = ZSKIP || ((pxq & s1_mask) != {(4 * FW){1'b0}});",
        "wire s1_nz = 1'b1;",
    ),
    (
        "the scan skips the last word",
        "wire [NZW-1:0] lend = ZSKIP ? nlast : LAST_W;",
        "wire [NZW-1:0] lend = ZSKIP ? nlast : LAST_W - 1'b1;",
    ),
];

/// The host bridge's step path: each broken bridge is caught by the board simulation against
/// the twin, and the real one passes. A random network whose input size is not a multiple of
/// 4, counts-only RUN_VALUES and RUN_PIXELS runs, with zero-skip and without.
#[test]
fn a_broken_host_bridge_is_caught() {
    if !tools_present() {
        return;
    }
    check_bridge_mutations(true, BRIDGE_MUTATIONS);
    check_bridge_mutations(false, FULL_SCAN_MUTATIONS);
}

fn check_bridge_mutations(zero_skip: bool, mutations: &[(&str, &str, &str)]) {
    use spikeloom_cyclesim::bridge::Features;
    use spikeloom_hostlink::Command;
    use spikeloom_pipeline::boardsim;
    let (Some(iverilog), Some(vvp)) = (
        spikeloom_toolchain::process::find_program(std::path::Path::new("iverilog")),
        spikeloom_toolchain::process::find_program(std::path::Path::new("vvp")),
    ) else {
        return;
    };
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf();
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("mutation-bridge-{zero_skip}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let out = dir.join("design");
    let design = boardsim::partial_word_design(&out, zero_skip).expect("design");
    let f = design.plan.input_size;

    // values: a non-zero byte before a zero one in a word; pixels: zero words and a last word
    let mut values = vec![0u8; f];
    values[1] = 1;
    values[f - 1] = 1;
    for v in values.iter_mut().skip(4).step_by(3) {
        *v = 1;
    }
    let pixels: Vec<u8> = (0..f)
        .map(|i| {
            if (4..8).contains(&i) {
                0
            } else {
                (37 * i % 251) as u8
            }
        })
        .collect();
    let steps = 4u16;
    let mut script = String::new();
    let mut frames = 0;
    let runs: [(&[u8], Features); 2] = [
        (&values, Features::Values),
        (&pixels, Features::Pixels { seed: 77 }),
    ];
    for (features, mode) in runs {
        let c = match mode {
            Features::Values => Command::RunValues {
                values: features.to_vec(),
                steps,
                per_step: false,
            },
            Features::Pixels { seed } => Command::RunPixels {
                pixels: features.to_vec(),
                steps,
                seed,
                per_step: false,
            },
        };
        boardsim::push_command(&mut script, &mut frames, &c, 1);
    }
    let check = |what: &str| -> Result<(), String> {
        let r = boardsim::simulate(
            &out,
            &design,
            &script,
            (iverilog.clone(), vvp.clone()),
            None,
            &root,
        )?;
        let rtl = boardsim::rtl_runs(&r.beats);
        if rtl.len() != runs.len() {
            return Err(format!("{what}: {} runs", rtl.len()));
        }
        for (k, (features, mode)) in runs.iter().enumerate() {
            boardsim::check_bridge_twin(
                &design,
                &rtl[k..][..1],
                &[(features, usize::from(steps))],
                *mode,
            )?;
        }
        Ok(())
    };
    check("the real bridge").unwrap_or_else(|e| panic!("the real bridge fails: {e}"));
    let file = out.join("board/spikeloom_host_bridge.v");
    let original = std::fs::read_to_string(&file).expect("bridge");
    for (what, from, to) in mutations {
        assert_eq!(
            original.matches(from).count(),
            1,
            "mutation `{what}`: {from:?}"
        );
        std::fs::write(&file, original.replacen(from, to, 1)).expect("mutate");
        match check(what) {
            Ok(()) => panic!("mutation not caught: {what}"),
            Err(e) => println!("caught `{what}`: {}", e.lines().next().unwrap_or("")),
        }
    }
    std::fs::write(&file, &original).expect("restore");
}
