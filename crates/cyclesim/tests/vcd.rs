//! The VCD waveform: valid (read back by the independent `vcd` crate parser), and what it shows
//! on the top-level ports is exactly the log (decoded from the waveform alone, cycle by cycle).
//! RTL == waveform, signal by signal, is checked in rtl_icarus.rs.

mod common;
mod wave;

use spikeloom_cyclesim::{simulate_with_vcd, LogLine};
use spikeloom_plan::{plan, testing, PlanConfig};
use spikeloom_qnet::SpikeSteps;

/// Rebuild the log from the waveform: `R` on each reset, `T` lines from the trace bus, `O`/`OS`
/// from the output stream, with the cycle counted from the first edge with `rst` low.
fn log_from_wave(samples: &[wave::Sample]) -> Vec<LogLine> {
    let mut log = Vec::new();
    let mut cycle = 0u64;
    let mut in_reset = false;
    for s in samples {
        let bit = |n: &str| s[n] == "1";
        let num = |n: &str| wave::uint(&s[n]).unwrap_or_else(|| panic!("{n} = {}", s[n]));
        if bit("rst") {
            if !in_reset {
                log.push(LogLine::Reset);
            }
            in_reset = true;
            cycle = 0;
            continue;
        }
        in_reset = false;
        if bit("trace_valid") {
            let lanes = s["trace_lane_valid"].len();
            let tv = &s["trace_v"];
            for k in 0..lanes {
                let bitk = |name: &str| s[name].as_bytes()[lanes - 1 - k] == b'1';
                if bitk("trace_lane_valid") {
                    let v = &tv[(lanes - 1 - k) * 32..(lanes - k) * 32];
                    log.push(LogLine::Trace {
                        cycle,
                        layer: num("trace_layer") as u32,
                        neuron: (num("trace_base") + k as u64 * num("trace_step")) as u32,
                        v: u32::from_str_radix(v, 2).expect("v") as i32,
                        // binary networks: one trace_spike bit per lane
                        spike: u32::from(bitk("trace_spike")),
                    });
                }
            }
        }
        if bit("out_valid") {
            log.push(if bit("out_eos") {
                LogLine::OutEos { cycle }
            } else {
                LogLine::Out {
                    cycle,
                    index: num("out_index") as u32,
                    value: 1,
                }
            });
        }
        cycle += 1;
    }
    log
}

fn check_seed(seed: u64) {
    let net = testing::random_qnet(seed);
    let cfg = PlanConfig {
        lanes: [None, Some(1), Some(2), Some(3)][seed as usize % 4],
        require_fit: false,
        ..PlanConfig::default()
    };
    let p = plan(&net, &cfg, &testing::big_device()).expect("plan");
    let mut rng = testing::Rng::new(seed ^ 0x7cd);
    let steps = 6;
    let x = testing::random_input(&mut rng, steps, net.input_size, 45);
    let input = SpikeSteps::new(steps, 1, net.input_size, x.concat()).expect("input");
    let (log, bytes) = simulate_with_vcd(&p, &input, 0, Vec::new()).expect("simulate");
    let text = String::from_utf8(bytes).expect("VCD is ASCII");
    let samples = wave::negedge_samples(&text, "spikeloom_top");
    assert_eq!(log_from_wave(&samples), log, "seed {seed}: waveform vs log");
    // state registers are declared with the RTL names: a convolution core's state, the
    // engine's accumulators, a dense layer's unit
    for c in &p.cores {
        let reg = if c.conv.is_some() { "st" } else { "run" };
        assert!(samples[0].contains_key(&format!("u_{}.{reg}", c.ident)));
    }
    if p.engine.is_some() {
        assert!(samples[0].contains_key("u_acc.st") && samples[0].contains_key("u_acc.j"));
    }
    // deterministic output
    let (_, again) = simulate_with_vcd(&p, &input, 0, Vec::new()).expect("simulate");
    assert_eq!(again, text.as_bytes(), "seed {seed}: VCD not deterministic");
}

#[test]
fn waveform_shows_exactly_the_log() {
    for seed in 0..40 {
        check_seed(seed);
    }
}

#[test]
fn header_and_first_cycles_of_a_tiny_design() {
    // The header and the reset cycles, by hand from VcdWriter's timing rules.
    let net = testing::random_qnet(7);
    let p = plan(&net, &PlanConfig::default(), &testing::big_device()).expect("plan");
    let input = SpikeSteps::new(1, 1, net.input_size, vec![0; net.input_size]).expect("input");
    let (_, bytes) = simulate_with_vcd(&p, &input, 0, Vec::new()).expect("simulate");
    let text = String::from_utf8(bytes).expect("ascii");
    assert!(
        text.starts_with("$version\n    spikeloom-cyclesim"),
        "{text}"
    );
    assert!(text.contains("$timescale 1 ns $end"), "{text}");
    assert!(text.contains("$var wire 1 ! clk $end\n$var wire 1 \" rst $end\n"));
    // tick 0: dumpvars with clk 0 and rst 1; tick 1 rising edge at 5, falling at 10
    let body = &text[text.find("$enddefinitions $end\n").expect("defs") + 21..];
    assert!(body.starts_with("#0\n$dumpvars\n"), "{body}");
    let dump_end = body.find("$end\n").expect("dumpvars end");
    assert!(body[..dump_end].contains("\n0!\n1\"\n"), "{body}");
    assert!(body[dump_end..].starts_with("$end\n#5\n1!\n"), "{body}");
    // rst is released at the falling edge that starts cycle 0 (tick 2, time 20)
    let rel = body.find("#20\n0!\n0\"\n").expect("rst released at 20");
    assert!(
        !body[..rel].contains("0\"\n#"),
        "rst stays high until time 20"
    );
    let err = simulate_with_vcd(&p, &input, 1, Vec::new()).unwrap_err();
    assert!(err.to_string().contains("sample 1"), "{err}");
}
