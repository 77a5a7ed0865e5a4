//! Harnesses + driver on a hand-written `spikeloom_top` (tests/data/echo): both simulators must
//! write exactly the log that the design's echo rule predicts (computed here, independently of
//! the Verilog), and decoding that log must give back the echoed inputs and step cycle counts.

use std::path::{Path, PathBuf};

use spikeloom_cosim::{
    check_tools, compare_logs, decode_log, run_netlist, run_rtl, stimulus_from_spikes, CosimError,
    LogLine, NetlistTarget, Simulator, StimCmd, TopInterface,
};

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
        weight_granules: 0,
    }
}

fn bundle() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/echo")
}

fn work(name: &str) -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("cosim-echo-{name}"))
}

/// True when `sim` can run; otherwise the test passes as skipped unless tools are required.
fn available(sim: Simulator) -> bool {
    match check_tools(sim) {
        Ok(()) => true,
        Err(e) if std::env::var("SPIKELOOM_REQUIRE_TOOLS").as_deref() == Ok("1") => panic!("{e}"),
        Err(e) => {
            println!("skipped: {e}");
            false
        }
    }
}

/// Deterministic pseudo-random binary spikes `[T][N][F]`.
fn spikes(t: usize, n: usize, f: usize, seed: u64) -> Vec<u8> {
    let mut state = seed;
    (0..t * n * f)
        .map(|_| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            u8::from(state >> 62 == 0)
        })
        .collect()
}

/// The log the echo design must produce, from its rule (see the header of spikeloom_top.v).
fn predict(stim: &[StimCmd]) -> Vec<LogLine> {
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
    if !available(Simulator::Icarus) {
        return;
    }
    if spikeloom_toolchain::process::find_program(Path::new("yosys")).is_none() {
        assert_ne!(
            std::env::var("SPIKELOOM_REQUIRE_TOOLS").as_deref(),
            Ok("1"),
            "yosys not found"
        );
        println!("skipped: yosys not found");
        return;
    }
    let input = spikes(3, 2, SIZE, 11);
    let stim = stimulus_from_spikes(&input, [3, 2, SIZE]).unwrap();
    let got = run_netlist(
        &bundle(),
        &iface(),
        &stim,
        target,
        &work(&format!("netlist-{target}")),
    )
    .unwrap();
    if let Some(m) = compare_logs(&predict(&stim), &got) {
        panic!("{target} netlist: {m}");
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
