//! The board top around a generated design, simulated in Icarus with a bit-level UART
//! testbench, and the host bridge checked against its cycle-model twin
//! (`spikeloom_cyclesim::CycleSim::run_bridge`). Test support: the board tests of this crate
//! and the mutation test (tests/tests/mutation.rs) use it; it needs the source tree's `sim/`
//! folder for a design with a weight loader (the SPI flash model).

use crate::design::{Design, Manifest, BOARD_DIR, RTL_DIR};
use spikeloom_cyclesim::bridge::Features;
use spikeloom_cyclesim::{CycleSim, LogLine};
use spikeloom_hostlink::Command;
use spikeloom_toolchain::process::{run, ToolCommand};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The testbench's clock (its UART runs at [`BAUD`]).
pub const CLK_HZ: u32 = 8_000_000;
/// The testbench's UART rate.
pub const BAUD: u32 = 1_000_000;

/// Bit-level UART testbench around `spikeloom_board_top` (script: `B xx` send a byte,
/// `Q k` wait for k device frames, `W n` idle n cycles); every device byte is written as a
/// hex line. A design with a weight loader gets the SPI flash model (`+flash=` its image).
fn testbench(m: &Manifest, iface: &spikeloom_plan::TopInterface) -> String {
    let (loader, flash) = match iface.loader {
            Some(l) => (
                format!(", .HAS_LOADER(1), .IMAGE_CRC(32'h{:08x})", l.image_crc),
                format!(
                    "  sl_spi_flash #(.BASE(24'h{:06x}), .SIZE({}), .TRES_CYCLES({})) flash (\n    .clk(clk), .csn(csn), .sck(sck), .mosi(mosi), .miso(miso));\n",
                    l.flash_offset, l.image_bytes, l.tres_cycles
                ),
            ),
            None => (String::new(), "  assign miso = 1'b1;\n".to_string()),
        };
    format!(
        r#"module tb_run;
  localparam integer BIT = {bit};
  reg clk = 0;
  always #5 clk = ~clk;
  reg rx = 1'b1;
  wire tx;
  wire [2:0] led;
  wire csn, sck, mosi, miso;
{flash}  spikeloom_board_top #(.CLK_HZ({CLK_HZ}), .BAUD({BAUD}), .IN_SIZE({ins}), .OUT_SIZE({outs}),
    .IN_W({in_w}), .OUT_W({out_w}), .IN_VALUE_W({ivw}), .OUT_VALUE_W({ovw}), .N_LEDS(3),
    .LED_INVERT(3'b000), .TIMEOUT(100000), .ZERO_SKIP({zs}), .PIXELS({px}){loader})
    dut (.clk(clk), .locked(1'b1), .uart_rx(rx), .uart_tx(tx), .led(led), .flash_csn(csn), .flash_sck(sck),
    .flash_mosi(mosi), .flash_miso(miso));
  integer script, out, cyc_log, r, i, j, n, frames = 0, state = 0, left = 0;
  integer cycle = 0;
  always @(posedge clk) cycle = cycle + 1;
  // The bridge's side of the core, cycles counted from the core reset's release as in the
  // co-simulation log: R (reset released), P (a step starts: G_PNEXT), I / IE (an input event /
  // end-of-step beat taken), OS (the core's output end of step).
  integer beat_log, bc = 0;
  reg was_rst = 1'b0;
  always @(posedge clk) begin
    if (dut.run_rst) begin
      bc = 0;
      was_rst = 1'b1;
    end else begin
      if (was_rst) $fdisplay(beat_log, "R");
      was_rst = 1'b0;
      if (dut.u_bridge.gst == 4'd6) $fdisplay(beat_log, "P %0d", bc);
      if (dut.in_valid && dut.in_ready) begin
        if (dut.in_eos) $fdisplay(beat_log, "IE %0d", bc);
        else $fdisplay(beat_log, "I %0d %0d %0d", bc, dut.in_index, dut.in_value);
      end
      if (dut.out_valid && dut.out_eos) $fdisplay(beat_log, "OS %0d", bc);
      bc = bc + 1;
    end
  end
  reg [8*4-1:0] op;
  reg [31:0] arg;
  reg [7:0] b;
  task send(input [7:0] v);
    begin
      rx = 0; repeat (BIT) @(posedge clk);
      for (i = 0; i < 8; i = i + 1) begin rx = v[i]; repeat (BIT) @(posedge clk); end
      rx = 1; repeat (BIT) @(posedge clk);
    end
  endtask
  initial forever begin
    @(negedge tx);
    repeat (BIT / 2) @(posedge clk);
    for (j = 0; j < 8; j = j + 1) begin repeat (BIT) @(posedge clk); b[j] = tx; end
    repeat (BIT) @(posedge clk);
    $fdisplay(out, "%02x", b);
    case (state)
      0: if (b == 8'hA5) state = 1;
      1: state = 2;
      2: begin left = b; state = 3; end
      3: begin left = left + 256 * b; state = (left == 0) ? 5 : 4; end
      4: begin left = left - 1; if (left == 0) state = 5; end
      default: begin frames = frames + 1; state = 0; $fdisplay(cyc_log, "F %0d", cycle); end
    endcase
  end
  initial begin
    script = $fopen("script.txt", "r");
    out = $fopen("device.hex", "w");
    cyc_log = $fopen("cycles.txt", "w");
    beat_log = $fopen("beats.txt", "w");
    repeat (64) @(posedge clk);
    while (!$feof(script)) begin
      r = $fscanf(script, "%s %h\n", op, arg);
      if (r == 2 && op == "B") send(arg[7:0]);
      if (r == 2 && op == "W") repeat (arg) @(posedge clk);
      if (r == 2 && op == "Q") begin
        $fdisplay(cyc_log, "S %0d", cycle);
        n = 0;
        while (frames < arg && n < 1000000) begin @(posedge clk); n = n + 1; end
        if (frames < arg) begin $display("tb_run: timeout"); $fclose(out); $finish; end
      end
    end
    repeat (20 * BIT) @(posedge clk);
    $fclose(out);
    $fclose(cyc_log);
    $fclose(beat_log);
    $finish;
  end
endmodule
"#,
        bit = CLK_HZ / BAUD,
        ins = m.input_size,
        outs = m.output_size,
        in_w = iface.in_w,
        out_w = iface.out_w,
        ivw = iface.in_value_w,
        ovw = iface.out_value_w,
        zs = u8::from(iface.zero_skip),
        px = u8::from(iface.pixels),
    )
}

/// Script lines sending `c` and waiting for `replies` more device frames (`frames` counts
/// them all).
pub fn push_command(script: &mut String, frames: &mut usize, c: &Command, replies: usize) {
    for b in c.encode().expect("a command the host library encodes") {
        let _ = writeln!(script, "B {b:02x}");
    }
    *frames += replies;
    let _ = writeln!(script, "Q {frames:x}");
}

fn sources(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "v"))
        .map(|p| p.display().to_string())
        .collect();
    v.sort();
    v
}

/// The iCEBreaker design of a small random network (`plan::testing::random_qnet`) whose input
/// size is above 8 and not a multiple of 4 (a last word of fewer than four features), with
/// the bridge's zero-skip on or off, written to `dir` (its `net.q.json` and the design).
pub fn partial_word_design(dir: &Path, zero_skip: bool) -> Result<Design, String> {
    partial_word_design_with(dir, zero_skip, None)
}

/// As [`partial_word_design`]; `no_encoder`: `Some(bits)` builds the bridge without its rate
/// encoder (`--rate-encoder off`) for a network with `bits`-bit input values (1: binary,
/// `plan::testing::random_qnet`; 2..=8: graded, `random_format3_qnet`).
pub fn partial_word_design_with(
    dir: &Path,
    zero_skip: bool,
    no_encoder: Option<u32>,
) -> Result<Design, String> {
    let partial = |n: &spikeloom_qnet::QNet| n.input_size > 8 && !n.input_size.is_multiple_of(4);
    let net = match no_encoder {
        None => (0..500)
            .map(spikeloom_plan::testing::random_qnet)
            .find(partial),
        Some(bits) if bits <= 1 => (0..500)
            .map(spikeloom_plan::testing::random_qnet)
            .find(|n| partial(n) && n.input_bits <= 1),
        Some(bits) => (0..500)
            .map(spikeloom_plan::testing::random_format3_qnet)
            .find(|n| partial(n) && n.input_bits == bits),
    }
    .ok_or(
        "no random network with a partial last word (and that input) among the first 500 seeds",
    )?;
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let model = dir.join("net.q.json");
    std::fs::write(&model, net.to_json_string())
        .map_err(|e| format!("{}: {e}", model.display()))?;
    let mut hw = crate::config::HwConfig::new("icebreaker");
    hw.zero_skip = Some(zero_skip);
    if no_encoder.is_some() {
        hw.rate_encoder = Some(false);
    }
    let design = crate::session::Session::new(crate::config::Config::new(model))
        .with_hw(hw)
        .into_design()
        .map_err(|e| e.to_string())?;
    crate::design::write(&design, dir).map_err(|e| e.to_string())?;
    Ok(design)
}

/// What a board simulation gave: the device's bytes, the cycle log (`S c`: host done sending
/// before a wait, `F c`: device frame done) and the bridge's beat log (`beats.txt`, see
/// [`rtl_runs`]).
pub struct BoardRun {
    /// Every byte the device sent.
    pub device: Vec<u8>,
    /// The cycle log.
    pub cycles: String,
    /// The beat log.
    pub beats: String,
}

/// Simulate the board top around the design in `dir` (written by [`crate::design::write`]) on a
/// script (`B xx` send a byte, `Q k` wait for k device frames, `W n` idle n cycles) with Icarus
/// (`iverilog`, `vvp`); a design with a weight loader reads `flash` (`None`: erased) from the
/// flash model in `root`/sim.
pub fn simulate(
    dir: &Path,
    design: &Design,
    script: &str,
    (iverilog, vvp): (PathBuf, PathBuf),
    flash: Option<&[u8]>,
    root: &Path,
) -> Result<BoardRun, String> {
    let io = |what: &Path, e: std::io::Error| format!("{}: {e}", what.display());
    let iface = design.plan.top_interface();
    let sim = dir.join("sim");
    std::fs::create_dir_all(&sim).map_err(|e| io(&sim, e))?;
    let script_file = dir.join(RTL_DIR).join("script.txt");
    std::fs::write(&script_file, script).map_err(|e| io(&script_file, e))?;
    let tb = sim.join("tb_run.v");
    std::fs::write(&tb, testbench(&design.manifest, &iface)).map_err(|e| io(&tb, e))?;
    let mut args: Vec<String> = ["-g2005", "-o", "tb.vvp", "-s", "tb_run", "tb_run.v"]
        .map(String::from)
        .to_vec();
    args.extend(sources(&dir.join(RTL_DIR)));
    args.extend(sources(&dir.join(BOARD_DIR)));
    args.push(root.join("sim/sl_spi_flash.v").display().to_string());
    let cmd = |program: PathBuf, args: Vec<String>, cwd: PathBuf| ToolCommand {
        step: "icarus".into(),
        program,
        args,
        cwd,
        log: None,
    };
    run(&cmd(iverilog, args, sim.clone())).map_err(|e| e.to_string())?;
    let mut vvp_args = vec!["-n".into(), sim.join("tb.vvp").display().to_string()];
    if let Some(bytes) = flash {
        let hex = sim.join("flash.hex");
        std::fs::write(&hex, spikeloom_plan::flash_hex(bytes)).map_err(|e| io(&hex, e))?;
        vvp_args.push(format!("+flash={}", hex.display()));
    }
    let log = run(&cmd(vvp, vvp_args, dir.join(RTL_DIR))).map_err(|e| e.to_string())?;
    if log.stdout.contains("tb_run:") {
        return Err(log.stdout);
    }
    let read = |name: &str| {
        let path = dir.join(RTL_DIR).join(name);
        std::fs::read_to_string(&path).map_err(|e| io(&path, e))
    };
    let device = read("device.hex")?
        .lines()
        .map(|l| u8::from_str_radix(l.trim(), 16).map_err(|e| format!("device.hex: {e}")))
        .collect::<Result<_, _>>()?;
    Ok(BoardRun {
        device,
        cycles: read("cycles.txt")?,
        beats: read("beats.txt")?,
    })
}

/// The runs of a board simulation's beat log ([`BoardRun::beats`]): the lines after each core reset
/// that started steps (power-up and RESET commands start none).
pub fn rtl_runs(beats: &str) -> Vec<Vec<String>> {
    let mut runs: Vec<Vec<String>> = Vec::new();
    for line in beats.lines() {
        if line == "R" {
            runs.push(Vec::new());
        } else if let Some(run) = runs.last_mut() {
            run.push(line.to_string());
        }
    }
    runs.retain(|r| r.iter().any(|l| l.starts_with("P ")));
    runs
}

/// The same lines from the cycle model driven by the bridge's twin (`CycleSim::run_bridge`),
/// for a counts-only run of `steps` steps on `features`.
pub fn twin_run(
    design: &Design,
    features: &[u8],
    steps: usize,
    mode: Features,
) -> Result<Vec<String>, String> {
    let mut sim = CycleSim::new(&design.plan);
    let run = sim
        .run_bridge(&vec![features.to_vec(); steps], mode)
        .map_err(|e| e.to_string())?;
    let mut lines: Vec<(u64, u8, String)> = Vec::new();
    lines.extend(run.starts.iter().map(|&c| (c, 0, format!("P {c}"))));
    lines.extend(run.beats.iter().map(|&(c, b)| match b {
        Some((i, v)) => (c, 1, format!("I {c} {i} {v}")),
        None => (c, 1, format!("IE {c}")),
    }));
    lines.extend(run.log.iter().filter_map(|l| match l {
        LogLine::OutEos { cycle } => Some((*cycle, 2, format!("OS {cycle}"))),
        _ => None,
    }));
    lines.sort_by_key(|(c, k, _)| (*c, *k));
    Ok(lines.into_iter().map(|(_, _, l)| l).collect())
}

/// Every counts-only run of the simulated board must equal the cycle model with the bridge's
/// twin, beat for beat and cycle for cycle: `rtl` holds the board's runs ([`rtl_runs`]), `runs`
/// the (features, steps) of the same runs, in order. `Err` describes the first difference.
pub fn check_bridge_twin(
    design: &Design,
    rtl: &[Vec<String>],
    runs: &[(&[u8], usize)],
    mode: Features,
) -> Result<(), String> {
    if rtl.len() != runs.len() {
        return Err(format!(
            "the board's beat log has {} runs, {} expected",
            rtl.len(),
            runs.len()
        ));
    }
    for (k, (got, &(features, steps))) in rtl.iter().zip(runs).enumerate() {
        let want = twin_run(design, features, steps, mode)?;
        if let Some(i) = (0..got.len().max(want.len())).find(|&i| got.get(i) != want.get(i)) {
            let around =
                |v: &[String]| v[i.saturating_sub(3).min(v.len())..(i + 3).min(v.len())].to_vec();
            return Err(format!(
                "run {k}: the bridge's twin differs from the RTL at line {i}: RTL {:?}, twin {:?}",
                around(got),
                around(&want)
            ));
        }
    }
    Ok(())
}
