//! RTL (Icarus Verilog) == cycle model: same log, same cycle numbers, on random networks.
//! This is the hardware engineer's own check; the official co-simulation harness lives in sim/.
//! Needs iverilog/vvp: missing tools skip the test unless SPIKELOOM_REQUIRE_TOOLS=1.

mod common;
mod wave;

use spikeloom_cyclesim::{CycleSim, LogLine, StimCmd, VcdWriter};
use spikeloom_plan::{plan, testing, PlanConfig};
use spikeloom_toolchain::process::{find_program, run, ToolCommand};
use std::path::{Path, PathBuf};

const TB: &str = r#"`timescale 1ns/1ps
module tb;
    parameter integer NCMD = 1;
    reg clk = 0;
    reg rst = 0;
    reg in_valid = 0;
    reg in_eos = 0;
    reg [IW-1:0] in_index = 0;
    wire in_ready, out_valid, out_eos, trace_valid;
    wire [IW-1:0] out_index;
    wire [LW-1:0] trace_layer;
    wire [IW-1:0] trace_base, trace_step;
    wire [TL-1:0] trace_lane_valid, trace_spike;
    wire [TL*32-1:0] trace_v;
    spikeloom_top dut(.clk(clk), .rst(rst), .in_valid(in_valid), .in_ready(in_ready), .in_eos(in_eos),
        .in_index(in_index), .out_valid(out_valid), .out_ready(1'b1), .out_eos(out_eos), .out_index(out_index),
        .trace_valid(trace_valid), .trace_layer(trace_layer), .trace_base(trace_base),
        .trace_step(trace_step), .trace_lane_valid(trace_lane_valid), .trace_v(trace_v), .trace_spike(trace_spike));
    always #5 clk = ~clk;
    reg [31:0] cmd [0:NCMD-1];
    integer pos, outstanding, cycle, fd, k, idle;
    initial begin
        $readmemh("stim.hex", cmd);
        VCD_DUMP
        fd = $fopen("rtl.log", "w");
        pos = 0; outstanding = 0; cycle = 0; idle = 0;
        forever begin
            @(negedge clk);
            while (pos < NCMD && cmd[pos][31:30] == 2'd0 && outstanding == 0) begin
                rst = 1; in_valid = 0;
                @(negedge clk); @(negedge clk);
                rst = 0;
                $fdisplay(fd, "R");
                cycle = 0;
                pos = pos + 1;
            end
            if (pos >= NCMD && outstanding == 0) begin
                $fclose(fd);
                $finish;
            end
            if (pos < NCMD && cmd[pos][31:30] != 2'd0) begin
                in_valid = 1;
                in_eos = cmd[pos][31:30] == 2'd2;
                in_index = cmd[pos][IW-1:0];
            end else begin
                in_valid = 0;
                in_eos = 0;
            end
            #1;
            if (trace_valid)
                for (k = 0; k < TL; k = k + 1)
                    if (trace_lane_valid[k])
                        $fdisplay(fd, "T %0d %0d %0d %0d %0d", cycle, trace_layer, trace_base + k * trace_step,
                                  $signed(trace_v[k*32 +: 32]), trace_spike[k]);
            if (out_valid) begin
                if (out_eos) $fdisplay(fd, "OS %0d", cycle);
                else $fdisplay(fd, "O %0d %0d", cycle, out_index);
            end
            @(posedge clk);
            idle = idle + 1;
            if (in_valid && in_ready) begin
                pos = pos + 1;
                idle = 0;
                if (in_eos) outstanding = outstanding + 1;
            end
            if (out_valid || trace_valid) idle = 0;
            if (out_valid && out_eos) outstanding = outstanding - 1;
            cycle = cycle + 1;
            if (idle > 100000) begin
                $display("STALL at cycle %0d", cycle);
                $fclose(fd);
                $finish;
            end
        end
    end
endmodule
"#;

fn tools() -> Option<(PathBuf, PathBuf)> {
    let found = find_program(Path::new("iverilog")).zip(find_program(Path::new("vvp")));
    if found.is_none() {
        spikeloom_testkit::skip_or_fail("iverilog not found");
    }
    found
}

fn stim_hex(stim: &[StimCmd]) -> String {
    stim.iter()
        .map(|c| match c {
            StimCmd::Reset => "00000000\n".to_string(),
            // binary designs only here (no in_value port): a value is not encoded
            StimCmd::Event(i) | StimCmd::Graded(i, _) => format!("{:08x}\n", (1u32 << 30) | i),
            StimCmd::Eos => format!("{:08x}\n", 2u32 << 30),
            StimCmd::PowerOn => unreachable!("these random designs have no weight loader"),
        })
        .collect()
}

fn stimulus(rng: &mut testing::Rng, input_size: usize) -> Vec<StimCmd> {
    let mut stim = Vec::new();
    for _sample in 0..2 {
        stim.push(StimCmd::Reset);
        for _t in 0..5 {
            for i in 0..input_size {
                if rng.chance(45) {
                    stim.push(StimCmd::Event(i as u32));
                }
            }
            stim.push(StimCmd::Eos);
        }
    }
    stim
}

fn check_seed(seed: u64, iverilog: &Path, vvp: &Path, with_vcd: bool) {
    check_net(seed, &testing::random_qnet(seed), iverilog, vvp, with_vcd);
}

fn check_net(seed: u64, net: &spikeloom_qnet::QNet, iverilog: &Path, vvp: &Path, with_vcd: bool) {
    let lanes = match seed % 4 {
        0 => None,
        k => Some(k as usize),
    };
    let cfg = PlanConfig {
        lanes,
        require_fit: false,
        ..PlanConfig::default()
    };
    let p = plan(net, &cfg, &testing::big_device()).expect("plan");
    let bundle = spikeloom_verilog::generate(&p, &Default::default());
    let dir = std::env::temp_dir().join(format!(
        "spikeloom-rtl-{}-{seed}-{}",
        std::process::id(),
        net.layers[0].inputs[0].conv.is_some()
    ));
    bundle.write_to(&dir).expect("write bundle");
    let iface = p.top_interface();
    let tb = TB
        .replace("IW-1", &format!("{}", iface.in_w - 1))
        .replace("LW-1", &format!("{}", iface.layer_w - 1))
        .replace("TL*32-1", &format!("{}", iface.trace_lanes * 32 - 1))
        .replace("TL-1", &format!("{}", iface.trace_lanes - 1))
        .replace("k < TL", &format!("k < {}", iface.trace_lanes))
        .replace(
            "VCD_DUMP",
            if with_vcd {
                "$dumpfile(\"rtl.vcd\"); $dumpvars(0, dut);"
            } else {
                ""
            },
        );
    std::fs::write(dir.join("tb.v"), tb).expect("tb");
    let mut rng = testing::Rng::new(seed ^ 0x5eed);
    let stim = stimulus(&mut rng, net.input_size);
    std::fs::write(dir.join("stim.hex"), stim_hex(&stim)).expect("stim");
    let mut args = vec![
        "-g2005".to_string(),
        "-o".into(),
        "sim.vvp".into(),
        "-s".into(),
        "tb".into(),
    ];
    args.push(format!("-Ptb.NCMD={}", stim.len()));
    args.push("tb.v".into());
    args.extend(bundle.verilog_paths().iter().map(|s| s.to_string()));
    let cmd = |step: &str, program: &Path, args: Vec<String>| ToolCommand {
        step: step.into(),
        program: program.to_path_buf(),
        args,
        cwd: dir.clone(),
        log: None,
    };
    run(&cmd("iverilog", iverilog, args)).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
    run(&cmd("vvp", vvp, vec!["-n".into(), "sim.vvp".into()]))
        .unwrap_or_else(|e| panic!("seed {seed}: {e}"));
    let rtl = std::fs::read_to_string(dir.join("rtl.log")).expect("rtl log");
    let mut vcd = VcdWriter::new(&p, Vec::new()).expect("vcd");
    let mut lines = Vec::new();
    CycleSim::new(&p)
        .run_with_vcd(&stim, &mut lines, &mut vcd)
        .expect("model");
    // the burst fast path (on by default, off while recording) gives the same log
    let fast = CycleSim::new(&p).run_stimulus(&stim).expect("model");
    assert_eq!(fast, lines, "seed {seed}: bursts changed the log");
    if with_vcd {
        let rtl_vcd = std::fs::read_to_string(dir.join("rtl.vcd")).expect("rtl vcd");
        let ours = String::from_utf8(vcd.finish().expect("vcd")).expect("ascii");
        compare_waves(seed, &rtl_vcd, &ours);
    }
    let model: String = lines.iter().map(|l: &LogLine| format!("{l}\n")).collect();
    if rtl != model {
        let first = rtl.lines().zip(model.lines()).position(|(a, b)| a != b);
        panic!(
            "seed {seed}: RTL and cycle model differ (first differing line {first:?}; rtl {} lines, model {} lines); files in {}\n{p}",
            rtl.lines().count(),
            model.lines().count(),
            dir.display()
        );
    }
    if std::env::var_os("SPIKELOOM_KEEP").is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// Every signal of the model's waveform equals the RTL signal of the same name at every falling
/// clock edge. The RTL testbench raises `rst` one cycle later (at 10 ns instead of 0), and its
/// first reset cycle shows the undefined power-up state, so the comparison starts one sample
/// after the first reset edge; the RTL also records the falling edge at which it stops.
fn compare_waves(seed: u64, rtl: &str, ours: &str) {
    let r = wave::negedge_samples(rtl, "tb.dut");
    let m = wave::negedge_samples(ours, "spikeloom_top");
    let first_rst = |s: &[wave::Sample]| s.iter().position(|x| x["rst"] == "1").expect("reset");
    let (r0, m0) = (first_rst(&r) + 1, first_rst(&m) + 1);
    let (r, m) = (&r[r0..], &m[m0..]);
    assert!(
        r.len() == m.len() || r.len() == m.len() + 1,
        "seed {seed}: {} RTL cycles vs {} model cycles",
        r.len(),
        m.len()
    );
    for (i, (a, b)) in r.iter().zip(m).enumerate() {
        for (name, v) in b {
            let got = a
                .get(name)
                .unwrap_or_else(|| panic!("seed {seed}: RTL has no signal {name}"));
            assert_eq!(
                got, v,
                "seed {seed}: signal {name} at sample {i} (RTL vs model)"
            );
        }
    }
}

#[test]
fn rtl_matches_cycle_model_on_random_nets() {
    let Some((iverilog, vvp)) = tools() else {
        return;
    };
    let count: u64 = std::env::var("SPIKELOOM_RTL_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(24);
    for seed in 0..count {
        check_seed(seed, &iverilog, &vvp, seed < 8);
    }
}

/// The same check on random convolution networks (sl_conv cores: strides, padding, dilation,
/// groups, Conv1d, delayed convolutions, conv -> conv and conv -> dense).
#[test]
fn rtl_matches_cycle_model_on_random_conv_nets() {
    let Some((iverilog, vvp)) = tools() else {
        return;
    };
    let count: u64 = std::env::var("SPIKELOOM_RTL_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(24);
    for seed in 0..count {
        check_net(
            seed,
            &testing::random_conv_qnet(seed),
            &iverilog,
            &vvp,
            seed < 8,
        );
    }
}
