//! The build report: resources used vs available and vs the plan's estimate, Fmax vs target,
//! cycles and time per inference, synaptic operations per second. Written as `report.json`
//! (data) and `report.txt` (the same facts for people).

use crate::build::Checked;
use crate::design::Design;
use crate::error::{Error, Result};
use serde::Serialize;
use spikeloom_board::{dividers, ClockPlan};
use spikeloom_board::{Board, Family};
use spikeloom_plan::Resources;
use spikeloom_toolchain::process::seconds;
use spikeloom_toolchain::{
    CommandRecord, CriticalPath, SeedOutcome, TimeLimits, ToolInfo, ToolReport, Usage,
};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

/// One resource: the plan's estimate, what place-and-route used, what the device has.
#[derive(Debug, Clone, Serialize)]
pub struct ResourceRow {
    /// `LUT`, `FF`, `BRAM`, `DSP`.
    pub name: String,
    /// Planner estimate (`None` for resources the planner does not estimate).
    pub estimate: Option<u64>,
    /// After synthesis / place-and-route (`None` when the tools did not report it).
    pub used: Option<u64>,
    /// On the device.
    pub available: u64,
}

/// Speed figures, from the cycle model on the verification sample.
#[derive(Debug, Clone, Serialize)]
pub struct Performance {
    /// Where the sample came from.
    pub sample: String,
    /// Steps per inference (T of the sample).
    pub steps: usize,
    /// Samples simulated.
    pub samples: usize,
    /// Cycles of the fastest, mean and slowest step on chip (the host bridge's scan of the
    /// step's features, zero-skip, then the core's compute; host link excluded).
    pub cycles_per_step_min: u64,
    /// Mean cycles per step.
    pub cycles_per_step_mean: f64,
    /// Slowest step.
    pub cycles_per_step_max: u64,
    /// Cycles of a step without any input or spike (the floor), on chip.
    pub idle_step_cycles: u64,
    /// Mean cycles of one inference on chip: from the core reset's release (the bridge clears
    /// its counts while the core clears its state) to the last step's end, every step's
    /// features scanned by the host bridge (`spikeloom_cyclesim::simulate_on_chip`); the host
    /// link's transfer is not included. Every figure below is from these cycles.
    pub cycles_per_inference: f64,
    /// Mean cycles of one inference of the core alone: reset clear + all steps, its input
    /// events fed one per cycle by the co-simulation harness (which presents a step's events
    /// while the previous step computes); what the RTL co-simulation counts.
    pub core_cycles_per_inference: f64,
    /// Mean synaptic operations (weight accumulations) per inference.
    pub synaptic_ops_per_inference: f64,
    /// Synaptic operations per cycle (mean over the sample).
    pub synaptic_ops_per_cycle: f64,
    /// Design clock, MHz.
    pub clock_mhz: f64,
    /// Microseconds per inference at the design clock.
    pub time_per_inference_us_at_clock: f64,
    /// Synaptic operations per second at the design clock.
    pub synaptic_ops_per_second_at_clock: f64,
    /// Microseconds per inference at Fmax (if known).
    pub time_per_inference_us_at_fmax: Option<f64>,
    /// Synaptic operations per second at Fmax (if known).
    pub synaptic_ops_per_second_at_fmax: Option<f64>,
}

/// Synaptic ops per cycle against two bounds: the design's weight ports (its widest core's
/// lanes, P weights per cycle; cores run one at a time) and the chip's (`Device::weight_bound`:
/// every block RAM and SPRAM of the device read at its widest port at once, at the design's
/// weight width).
#[derive(Debug, Clone, Serialize)]
pub struct Efficiency {
    /// The widest core's lanes (P).
    pub lanes: usize,
    /// `synaptic_ops_per_cycle / lanes` (above 1 when paired reads feed 2P weights a cycle).
    pub of_lanes: f64,
    /// The design's widest weight, bits.
    pub weight_bits: u32,
    /// Weights of `weight_bits` the device's memories deliver per cycle.
    pub device_weight_bound: u32,
    /// `synaptic_ops_per_cycle / device_weight_bound`.
    pub of_device: f64,
}

impl Efficiency {
    /// `ops_per_cycle` of a design whose widest core has `lanes` lanes and whose widest weight
    /// has `weight_bits` bits, on a device whose memories deliver `device_weight_bound` of them.
    pub fn new(
        ops_per_cycle: f64,
        lanes: usize,
        weight_bits: u32,
        device_weight_bound: u32,
    ) -> Efficiency {
        Efficiency {
            lanes,
            of_lanes: ops_per_cycle / lanes.max(1) as f64,
            weight_bits,
            device_weight_bound,
            of_device: ops_per_cycle / f64::from(device_weight_bound.max(1)),
        }
    }
}

impl Performance {
    /// Figures from the on-chip cycles (`on_chip`: per step `[N][T]`, per sample and the idle
    /// step), the core's harness-fed cycles per step (`core_cycles`, `[N][T]`, plus
    /// `clear_cycles` per inference) and the synaptic ops (`[N][T]`).
    pub fn new(
        sample: String,
        on_chip: &crate::build::OnChip,
        core_cycles: &[Vec<u64>],
        ops: &[Vec<u64>],
        clear_cycles: u64,
        clock_mhz: f64,
        fmax_mhz: Option<f64>,
    ) -> Performance {
        let all: Vec<u64> = on_chip.per_step.iter().flatten().copied().collect();
        let samples = on_chip.per_sample.len().max(1) as f64;
        let total_ops: u64 = ops.iter().flatten().sum();
        let per_inf = on_chip.per_sample.iter().sum::<u64>() as f64 / samples;
        let core_samples = core_cycles.len().max(1) as f64;
        let core_per_inf =
            core_cycles.iter().flatten().sum::<u64>() as f64 / core_samples + clear_cycles as f64;
        let total_cycles: u64 = all.iter().sum();
        let ops_per_inf = total_ops as f64 / samples;
        let at = |mhz: f64| per_inf / mhz;
        let ops_per_s = |mhz: f64| ops_per_inf / (per_inf / (mhz * 1e6));
        Performance {
            sample,
            steps: on_chip.per_step.first().map_or(0, Vec::len),
            samples: on_chip.per_sample.len(),
            cycles_per_step_min: all.iter().copied().min().unwrap_or(0),
            cycles_per_step_mean: total_cycles as f64 / all.len().max(1) as f64,
            cycles_per_step_max: all.iter().copied().max().unwrap_or(0),
            idle_step_cycles: on_chip.idle_step,
            cycles_per_inference: per_inf,
            core_cycles_per_inference: core_per_inf,
            synaptic_ops_per_inference: ops_per_inf,
            synaptic_ops_per_cycle: ops_per_inf / per_inf.max(1.0),
            clock_mhz,
            time_per_inference_us_at_clock: at(clock_mhz),
            synaptic_ops_per_second_at_clock: ops_per_s(clock_mhz),
            time_per_inference_us_at_fmax: fmax_mhz.map(at),
            synaptic_ops_per_second_at_fmax: fmax_mhz.map(ops_per_s),
        }
    }
}

/// The host link's share of an inference: the UART bytes each way and their wire time at the
/// design's baud, beside the compute on chip (`spikeloom_hostlink::traffic`). One command is in
/// flight at a time (each request waits for the previous reply), so the wire time and the
/// compute add up. USB latency (the bridge's latency timer, per reply) is not included.
#[derive(Debug, Clone, Serialize)]
pub struct HostLinkReport {
    /// Baud rate of the design's UART.
    pub baud: u32,
    /// Step by step, as `spikeloom run --input` sends the sample: RESET, a STEP frame per step
    /// (returning that step's output events), COUNTS.
    pub per_step: LinkFigures,
    /// One frame per sample: `run --pixels` for binary input (the board rate-encodes the
    /// pixels), `run --values` for graded input (the same values every step); `None` when the
    /// sample has more steps than a RUN frame carries (65535), or for binary input on a design
    /// without the rate encoder (`Plan::bridge_pixels`).
    pub per_sample: Option<LinkFigures>,
}

/// One way of sending a sample over the host link.
#[derive(Debug, Clone, Serialize)]
pub struct LinkFigures {
    /// The `spikeloom run` option and the frames it sends.
    pub how: String,
    /// Mean bytes host -> device per inference.
    pub bytes_up: f64,
    /// Mean bytes device -> host per inference.
    pub bytes_down: f64,
    /// Microseconds both ways on the wire (10 bits a byte).
    pub wire_us: f64,
    /// `wire_us` + the inference's compute on chip at the design clock.
    pub end_to_end_us: f64,
    /// `wire_us / end_to_end_us`.
    pub link_share: f64,
}

impl LinkFigures {
    fn new(
        how: String,
        traffic: &[spikeloom_hostlink::Traffic],
        baud: u32,
        compute_us: f64,
    ) -> Self {
        let n = traffic.len().max(1) as f64;
        let wire_us = traffic.iter().map(|t| t.wire_us(baud)).sum::<f64>() / n;
        let end_to_end_us = wire_us + compute_us;
        LinkFigures {
            how,
            bytes_up: traffic.iter().map(|t| t.up as f64).sum::<f64>() / n,
            bytes_down: traffic.iter().map(|t| t.down as f64).sum::<f64>() / n,
            wire_us,
            end_to_end_us,
            link_share: wire_us / end_to_end_us.max(f64::MIN_POSITIVE),
        }
    }
}

impl HostLinkReport {
    /// The link figures of `plan`'s design for the samples of a cycle-model `trace` (their
    /// output events per step), at `baud`, an inference computing for `compute_us` on chip.
    pub fn of_trace(
        plan: &spikeloom_plan::Plan,
        trace: &spikeloom_cyclesim::CycleTrace,
        baud: u32,
        compute_us: f64,
    ) -> Self {
        let n = trace.samples;
        let outputs: Vec<Vec<usize>> = (0..trace.steps)
            .map(|t| {
                (0..n)
                    .map(|s| trace.outputs.get(t * n + s).map_or(0, Vec::len))
                    .collect()
            })
            .collect();
        let mut r = Self::new(&link_shape(plan), &outputs, baud, compute_us);
        if plan.input_bits <= 1 && !plan.bridge_pixels {
            // binary input without the rate encoder: no one-frame-per-sample command
            r.per_sample = None;
        }
        r
    }

    /// The link figures of a sample whose output events per step are `outputs` (`[T][N]`
    /// event counts) on a design of link shape `shape`, at `baud`, whose inference computes for
    /// `compute_us` on chip.
    pub fn new(
        shape: &spikeloom_hostlink::LinkShape,
        outputs: &[Vec<usize>],
        baud: u32,
        compute_us: f64,
    ) -> Self {
        use spikeloom_hostlink::traffic;
        let samples = outputs.first().map_or(0, Vec::len);
        let steps = outputs.len();
        let per_step: Vec<_> = (0..samples)
            .map(|n| {
                let events: Vec<usize> = outputs.iter().map(|row| row[n]).collect();
                traffic::per_step(shape, &events)
            })
            .collect();
        let per_sample = u16::try_from(steps).ok().map(|t| {
            let (one, how) = if shape.graded_input {
                (
                    traffic::run_values(shape, t),
                    "one frame per sample (run --values: RUN_VALUES, the same values every step, then VALUES_OUT counts)",
                )
            } else {
                (
                    traffic::run_pixels(shape, t),
                    "one frame per sample (run --pixels: RUN_PIXELS, the board rate-encodes the pixels, then RUN_OUT counts)",
                )
            };
            LinkFigures::new(how.to_string(), &vec![one; samples.max(1)], baud, compute_us)
        });
        HostLinkReport {
            baud,
            per_step: LinkFigures::new(
                format!("step by step (run --input: RESET, {steps} STEP frames, COUNTS)"),
                &per_step,
                baud,
                compute_us,
            ),
            per_sample,
        }
    }
}

/// The weight image of a design whose weights are loaded at start-up (SPRAM), and its load.
#[derive(Debug, Clone, Serialize)]
pub struct WeightsReport {
    /// Image file (relative to the output directory).
    pub file: String,
    /// Bytes of the image.
    pub bytes: usize,
    /// CRC-32 of its payload (hex): the image the bitstream expects.
    pub crc32: String,
    /// Byte offset in the SPI flash (hex), after the bitstream's erase blocks (`None`: the board
    /// names no flash; the image comes over the host link only).
    pub flash_offset: Option<String>,
    /// Bytes of the built bitstream (it must end before `flash_offset`).
    pub bitstream_bytes: u64,
    /// How to program the image (`None`: the board file names no programmer, or no flash).
    pub program: Option<String>,
    /// Cycles of the load from the flash after power-on (cycle model), apart from inference.
    pub load_cycles: u64,
    /// The same in milliseconds at the design clock.
    pub load_ms_at_clock: f64,
}

/// The whole report (`report.json`).
#[derive(Debug, Clone, Serialize)]
pub struct BuildReport {
    /// Generator version.
    pub generator: String,
    /// Board name.
    pub board: String,
    /// Device name.
    pub device: String,
    /// Bitstream file (relative to the output directory).
    pub bitstream: String,
    /// SHA-256 of the model file.
    pub model_sha256: String,
    /// Lanes per core.
    pub lanes: Vec<usize>,
    /// True when every resource fits the device (place-and-route succeeded).
    pub fits: bool,
    /// Target: the design clock, MHz (nextpnr `--freq`).
    pub target_mhz: f64,
    /// The design clock: oscillator, PLL, host link rate, reset settle time.
    pub clock: ClockReport,
    /// Lowest Fmax over the design's clocks, MHz.
    pub fmax_mhz: Option<f64>,
    /// nextpnr's critical path of the slowest clock: from, to, logic levels, delays.
    pub critical_path: Option<CriticalPath>,
    /// Paths nextpnr leaves out of Fmax, when there are any (see `untimed_note`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub untimed: Option<String>,
    /// True when Fmax >= target.
    pub timing_met: bool,
    /// Clocks that missed the target (only with --allow-timing-failure).
    pub timing_failures: Vec<String>,
    /// LUT/FF/BRAM/DSP estimate vs used vs available.
    pub resources: Vec<ResourceRow>,
    /// Speed figures.
    pub performance: Performance,
    /// Synaptic ops per cycle against the design's lanes and the chip's memories.
    pub efficiency: Efficiency,
    /// The host link's UART transfer per inference, beside the compute.
    pub host_link: HostLinkReport,
    /// Synaptic weights the design holds: the model's parameters (dense matrix entries and
    /// shared kernel weights; biases and neuron parameters not counted).
    pub synapses: u64,
    /// LUTs after synthesis (LUT4s on both families) per synapse.
    pub luts_per_synapse: Option<f64>,
    /// Golden vs cycle model result (`skipped: ...` with --no-verify).
    pub verify_cycle_model: String,
    /// RTL vs cycle model result.
    pub verify_rtl: String,
    /// nextpnr utilization per cell type.
    pub utilization: BTreeMap<String, Usage>,
    /// Yosys cell counts.
    pub synth_cells: BTreeMap<String, u64>,
    /// Wall time of each step, seconds.
    pub step_seconds: Vec<(String, f64)>,
    /// The weight image and its start-up load (a design whose weights are loaded at start-up).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub weights: Option<WeightsReport>,
    /// The placement seed whose result is the bitstream.
    pub seed: u32,
    /// Every seed tried (Fmax, or why it failed).
    pub seeds: Vec<SeedOutcome>,
    /// Time limit of each kind of tool step, seconds.
    pub time_limits_seconds: TimeLimitsReport,
    /// The tools that ran: path, origin (override, native, YoWASP), version, why chosen.
    pub tools: Vec<ToolInfo>,
    /// Every tool command, exactly as run, with its time and outcome.
    pub commands: Vec<CommandRecord>,
}

/// Time limits in seconds.
#[derive(Debug, Clone, Serialize)]
pub struct TimeLimitsReport {
    /// Synthesis.
    pub synth: f64,
    /// Place and route, per seed.
    pub place_and_route: f64,
    /// Packing.
    pub pack: f64,
}

impl From<&TimeLimits> for TimeLimitsReport {
    fn from(l: &TimeLimits) -> Self {
        TimeLimitsReport {
            synth: l.synth.as_secs_f64(),
            place_and_route: l.place_and_route.as_secs_f64(),
            pack: l.pack.as_secs_f64(),
        }
    }
}

/// The design clock as reported.
#[derive(Debug, Clone, Serialize)]
pub struct ClockReport {
    /// Board oscillator, MHz.
    pub oscillator_mhz: f64,
    /// Requested (`--clock-mhz` or the board's default), MHz.
    pub requested_mhz: f64,
    /// The design clock, MHz.
    pub design_mhz: f64,
    /// PLL primitive (`None`: the oscillator drives the design).
    pub pll: Option<String>,
    /// Its dividers (`DIVR 0, DIVF 47, DIVQ 5, FILTER_RANGE 1`).
    pub pll_dividers: Option<String>,
    /// Its VCO, MHz.
    pub pll_vco_mhz: Option<f64>,
    /// Host link baud rate.
    pub baud: Option<u32>,
    /// Design clock cycles per UART bit.
    pub clocks_per_bit: Option<u64>,
    /// True when the divider makes the baud rate exactly.
    pub baud_exact: Option<bool>,
    /// Cycles reset stays asserted after the PLL locks (block RAM start-up).
    pub settle_cycles: u64,
    /// One line describing all of it.
    pub summary: String,
}

impl ClockReport {
    /// From the build's clock plan.
    pub fn new(c: &ClockPlan) -> ClockReport {
        ClockReport {
            oscillator_mhz: c.oscillator.mhz(),
            requested_mhz: c.requested.mhz(),
            design_mhz: c.design.mhz(),
            pll: c.pll.map(|p| p.primitive().cell().to_string()),
            pll_dividers: c.pll.as_ref().map(dividers),
            pll_vco_mhz: c.pll.map(|p| p.vco(c.oscillator).mhz()),
            baud: c.uart.map(|u| u.baud),
            clocks_per_bit: c.uart.map(|u| u.clocks_per_bit),
            baud_exact: c.uart.map(|u| u.exact),
            settle_cycles: c.settle_cycles(),
            summary: crate::design::clock_line(c),
        }
    }
}

/// Lowest achieved Fmax over all clocks.
pub fn fmax(tools: &ToolReport) -> Option<f64> {
    tools.fmax.values().map(|c| c.achieved).reduce(f64::min)
}

/// LUT/FF/LC/BRAM/SPRAM/DSP rows: estimate (board top included) vs the tools' numbers vs the
/// device. LUT4s and FFs are Yosys' counts, logic cells nextpnr's (`ICESTORM_LC`: a LUT4, a FF
/// and a carry share one; `TRELLIS_COMB`: LUT4s, carry halves and distributed RAM), what
/// decides whether logic fits.
pub fn resource_rows(board: &Board, estimate: &Resources, tools: &ToolReport) -> Vec<ResourceRow> {
    let d = &board.device;
    let util = |k: &str| tools.utilization.get(k).map(|u| u.used);
    let cells = |pred: &dyn Fn(&str) -> bool| -> Option<u64> {
        let n: u64 = tools
            .synth_cells
            .iter()
            .filter(|(k, _)| pred(k))
            .map(|(_, v)| v)
            .sum();
        (!tools.synth_cells.is_empty()).then_some(n)
    };
    let (luts, ffs, lc, bram, dsp) = match d.family {
        Family::Ice40 => (
            cells(&|k| k == "SB_LUT4"),
            cells(&|k| k.starts_with("SB_DFF")),
            util("ICESTORM_LC"),
            util("ICESTORM_RAM"),
            util("ICESTORM_DSP"),
        ),
        Family::Ecp5 => (
            cells(&|k| k == "LUT4"),
            util("TRELLIS_FF").or_else(|| cells(&|k| k == "TRELLIS_FF")),
            util("TRELLIS_COMB"),
            util("DP16KD"),
            util("MULT18X18D"),
        ),
    };
    let row = |name: &str, est: Option<u32>, used: Option<u64>, avail: u32| ResourceRow {
        name: name.into(),
        estimate: est.map(u64::from),
        used,
        available: u64::from(avail),
    };
    // A resource nextpnr lists nothing of is unused.
    let mut rows = vec![
        row("LUT", Some(estimate.luts), luts, d.luts),
        row("FF", Some(estimate.ffs), ffs, d.ffs),
        row("LC", Some(estimate.logic_cells), lc, d.luts),
        row("BRAM", Some(estimate.brams), bram.or(Some(0)), d.bram_count),
        row("DSP", Some(estimate.dsps), dsp.or(Some(0)), d.dsp_count),
    ];
    if d.spram_count > 0 {
        rows.insert(
            4,
            row(
                "SPRAM",
                Some(estimate.sprams),
                util("ICESTORM_SPRAM").or(Some(0)),
                d.spram_count,
            ),
        );
    }
    rows
}

/// `report.txt`.
pub fn render(r: &BuildReport) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "spikeloom build report ({})", r.generator);
    let _ = writeln!(
        s,
        "board {} ({}), bitstream {}",
        r.board, r.device, r.bitstream
    );
    let _ = writeln!(s, "model sha256 {}", r.model_sha256);
    let _ = writeln!(s, "lanes per core {:?}\n", r.lanes);
    let _ = writeln!(s, "resources     used  available       (estimate)");
    for row in &r.resources {
        let used = row.used.map_or("?".to_string(), |u| u.to_string());
        let pct = row
            .used
            .filter(|_| row.available > 0)
            .map_or(String::new(), |u| {
                format!(" {:>3.0}%", 100.0 * u as f64 / row.available as f64)
            });
        let est = row.estimate.map_or(String::new(), |e| format!("  ({e})"));
        let _ = writeln!(
            s,
            "  {:<6} {used:>8} {:>10}{pct:<5}{est}",
            row.name, row.available
        );
    }
    let lut = r.resources.iter().find(|row| row.name == "LUT");
    if let (Some(per), Some(luts)) = (r.luts_per_synapse, lut.and_then(|row| row.used)) {
        let _ = writeln!(
            s,
            "  {per:.4} LUT per synapse ({luts} LUTs, {} synapses: the model's weights)",
            r.synapses
        );
    }
    let fmax = r
        .fmax_mhz
        .map_or("unknown".to_string(), |f| format!("{f:.2} MHz"));
    let verdict = if r.timing_met { "met" } else { "NOT MET" };
    let _ = writeln!(s, "\nclock: {}", r.clock.summary);
    let _ = writeln!(
        s,
        "  reset held {} cycles after the PLL locks (block RAM start-up)",
        r.clock.settle_cycles
    );
    let _ = writeln!(
        s,
        "\ntiming: Fmax {fmax} at the {} MHz design clock: {verdict}",
        r.target_mhz
    );
    for f in &r.timing_failures {
        let _ = writeln!(s, "  {f}");
    }
    if let Some(p) = &r.critical_path {
        let _ = writeln!(s, "  critical path:\n{}", path_text(p));
    }
    if let Some(note) = &r.untimed {
        let _ = writeln!(s, "  note: {note}");
    }
    let p = &r.performance;
    let _ = writeln!(s, "\nperformance (cycle model on {}):", p.sample);
    let _ = writeln!(
        s,
        "  cycles per step: min {}, mean {:.1}, max {} (idle step {})",
        p.cycles_per_step_min, p.cycles_per_step_mean, p.cycles_per_step_max, p.idle_step_cycles
    );
    let _ = writeln!(
        s,
        "  per inference ({} steps): {:.0} cycles on chip (the host bridge scans each step's non-zero input words, then the core computes), {:.0} synaptic ops ({:.2} per cycle)",
        p.steps, p.cycles_per_inference, p.synaptic_ops_per_inference, p.synaptic_ops_per_cycle
    );
    let _ = writeln!(
        s,
        "  the core alone, inputs fed one per cycle during the previous step: {:.0} cycles",
        p.core_cycles_per_inference
    );
    let e = &r.efficiency;
    let _ = writeln!(
        s,
        "  against the chip: {:.1}% of the design's {} lanes, {:.1}% of the {} {}-bit weights per cycle the device's memories deliver",
        100.0 * e.of_lanes,
        e.lanes,
        100.0 * e.of_device,
        e.device_weight_bound,
        e.weight_bits
    );
    let _ = writeln!(
        s,
        "  at the design clock {} MHz: {:.1} us per inference, {} synaptic ops/s",
        p.clock_mhz,
        p.time_per_inference_us_at_clock,
        si(p.synaptic_ops_per_second_at_clock)
    );
    if let (Some(t), Some(ops), Some(f)) = (
        p.time_per_inference_us_at_fmax,
        p.synaptic_ops_per_second_at_fmax,
        r.fmax_mhz,
    ) {
        let _ = writeln!(
            s,
            "  at Fmax {f:.2} MHz: {t:.1} us per inference, {} synaptic ops/s",
            si(ops)
        );
    }
    let l = &r.host_link;
    let _ = writeln!(
        s,
        "  host link at {} baud (the figures above are on chip; the UART's wire time, 10 bits a byte, comes on top: one command in flight; USB latency not included):",
        l.baud
    );
    for f in std::iter::once(&l.per_step).chain(&l.per_sample) {
        let _ = writeln!(
            s,
            "    {}: {:.0} B up, {:.0} B down, {} on the wire + {} compute = {} per inference (the link {:.0}%)",
            f.how,
            f.bytes_up,
            f.bytes_down,
            micros(f.wire_us),
            micros(p.time_per_inference_us_at_clock),
            micros(f.end_to_end_us),
            100.0 * f.link_share
        );
    }
    if let Some(w) = &r.weights {
        let from = w.flash_offset.as_ref().map_or_else(
            || "over the host link (the board file names no SPI flash)".to_string(),
            |o| {
                format!(
                    "from SPI flash offset {o} (bitstream {} bytes)",
                    w.bitstream_bytes
                )
            },
        );
        let _ = writeln!(
            s,
            "\nweights: {} ({} bytes, CRC-32 {}) loaded at start-up {from}",
            w.file, w.bytes, w.crc32
        );
        if w.flash_offset.is_some() {
            let _ = writeln!(
                s,
                "  load from the flash: {} cycles = {:.1} ms at {} MHz, once after power-on (not part of an inference)",
                w.load_cycles, w.load_ms_at_clock, p.clock_mhz
            );
        }
        match &w.program {
            Some(cmd) => {
                let _ = writeln!(
                    s,
                    "  program it once: {cmd}  (or let `spikeloom run` load it over the host link)"
                );
            }
            None => {
                let _ = writeln!(
                    s,
                    "  `spikeloom run` loads it over the host link (the board file names no flash programmer)"
                );
            }
        }
    }
    let _ = writeln!(
        s,
        "\nverification:\n  golden model == cycle model: {}",
        r.verify_cycle_model
    );
    let _ = writeln!(s, "  RTL == cycle model: {}", r.verify_rtl);
    let _ = writeln!(s, "\nsteps:");
    for (name, secs) in &r.step_seconds {
        let _ = writeln!(s, "  {name:<16} {secs:>7.1} s");
    }
    if r.seeds.len() > 1 {
        let _ = writeln!(s, "\nplacement seeds (kept seed {}):", r.seed);
        for seed in &r.seeds {
            let outcome = match (&seed.error, seed.fmax_mhz) {
                (Some(e), _) => format!("failed: {e}"),
                (None, Some(f)) => format!("Fmax {f:.2} MHz"),
                (None, None) => "routed, Fmax unknown".to_string(),
            };
            let _ = writeln!(
                s,
                "  seed {:<4} {:>7.1} s  {outcome}",
                seed.seed, seed.seconds
            );
        }
    }
    let _ = writeln!(s, "\ntools:");
    for t in &r.tools {
        let _ = writeln!(s, "  {}: {}", t.describe(), t.reason);
    }
    let l = &r.time_limits_seconds;
    let _ = writeln!(
        s,
        "\ncommands (time limits: synth {}, place-and-route {} per seed, pack {}):",
        seconds(std::time::Duration::from_secs_f64(l.synth)),
        seconds(std::time::Duration::from_secs_f64(l.place_and_route)),
        seconds(std::time::Duration::from_secs_f64(l.pack))
    );
    for c in &r.commands {
        let _ = writeln!(s, "  [{}] {}", c.step, c.command);
    }
    s
}

/// A critical path in a few indented lines: delay and breakdown, from, to, source lines.
pub fn path_text(p: &CriticalPath) -> String {
    let src = |v: &[String]| {
        if v.is_empty() {
            String::new()
        } else {
            format!(" ({})", v.join(", "))
        }
    };
    let mut s = format!(
        "    {:.2} ns, {} logic levels: logic {:.2} ns, routing {:.2} ns, clock-to-out {:.2} ns, setup {:.2} ns\n",
        p.delay_ns, p.logic_levels, p.logic_ns, p.routing_ns, p.clock_to_out_ns, p.setup_ns
    );
    let _ = writeln!(s, "    from {}{}", p.from.signal, src(&p.from.sources));
    let _ = writeln!(s, "    to   {}{}", p.to.signal, src(&p.to.sources));
    if !p.through.is_empty() {
        let _ = writeln!(s, "    through {}", p.through.join(", "));
    }
    s.truncate(s.trim_end().len());
    s
}

/// `12.3 M` style numbers.
fn si(x: f64) -> String {
    match x {
        x if x >= 1e9 => format!("{:.2} G", x / 1e9),
        x if x >= 1e6 => format!("{:.2} M", x / 1e6),
        x if x >= 1e3 => format!("{:.2} k", x / 1e3),
        x => format!("{x:.0}"),
    }
}

/// Remove the outputs of an earlier build in `dir` (bitstreams, reports), so a failed build
/// leaves none that could pass for its own.
pub fn remove_previous(dir: &Path) -> Result<()> {
    for name in [
        "design.bin",
        "design.bit",
        "report.json",
        "report.txt",
        "report.html",
    ] {
        let path = dir.join(name);
        match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(Error::failure(format!(
                    "cannot remove {} of an earlier build: {e}",
                    path.display()
                )))
            }
            _ => {}
        }
    }
    Ok(())
}

/// The weight image's report: the built bitstream must end before the image's flash offset
/// (the board file's `bitstream_bytes` promised it), and the cycle model's load must have
/// succeeded in the planned number of cycles.
pub fn weights_report(
    d: &Design,
    bitstream: &Path,
    load: &Option<(u64, spikeloom_plan::LoadState)>,
) -> Result<Option<WeightsReport>> {
    let Some(w) = &d.manifest.weights else {
        return Ok(None);
    };
    let bitstream_bytes = std::fs::metadata(bitstream)
        .map_err(|e| Error::failure(format!("cannot read {}: {e}", bitstream.display())))?
        .len();
    if let (Some(flash), Some(offset)) = (&d.board.flash, w.flash_offset) {
        flash
            .check_bitstream(bitstream_bytes, offset)
            .map_err(|e| Error::failure(format!("board `{}`: {e}", d.board.name)))?;
    }
    match load {
        Some((cycles, spikeloom_plan::LoadState::Ready)) if *cycles == w.load_cycles => {}
        other => {
            return Err(Error::failure(format!(
                "the cycle model's start-up weight load ended as {other:?}, but the plan expects it ready after {} cycles; this is a bug, please report it",
                w.load_cycles
            )))
        }
    }
    let program = d
        .board
        .flash
        .as_ref()
        .zip(w.flash_offset)
        .and_then(|(f, offset)| f.program_command(offset, &w.file))
        .map(|c| c.join(" "));
    Ok(Some(WeightsReport {
        file: w.file.clone(),
        bytes: w.bytes,
        crc32: format!("{:#010x}", w.crc32),
        flash_offset: w.flash_offset.map(|o| format!("{o:#x}")),
        bitstream_bytes,
        program,
        load_cycles: w.load_cycles,
        load_ms_at_clock: w.load_cycles as f64 / (d.clock.design.mhz() * 1e3),
    }))
}

/// The performance figures of the cycle model's run of the sample.
pub fn performance(c: &Checked, d: &Design, fmax: Option<f64>) -> Performance {
    Performance::new(
        c.sample.origin.clone(),
        &c.on_chip,
        &c.cycle.trace.cycles_per_step,
        &c.ops,
        d.plan.clear_cycles as u64,
        d.clock.design.mhz(),
        fmax,
    )
}

/// `p`'s synaptic ops per cycle against `d`'s widest core and its device's memories.
pub fn efficiency(p: &Performance, d: &Design) -> Efficiency {
    let weight_bits = d.plan.max_weight_bits();
    Efficiency::new(
        p.synaptic_ops_per_cycle,
        d.plan.max_lanes(),
        weight_bits,
        d.board.device.weight_bound(weight_bits),
    )
}

/// What the design's host bridge takes and returns (input and output sizes and kinds).
pub fn link_shape(plan: &spikeloom_plan::Plan) -> spikeloom_hostlink::LinkShape {
    spikeloom_hostlink::LinkShape {
        input_size: plan.input_size,
        output_size: plan.cores[plan.output_layer].size,
        graded_input: plan.input_bits > 1,
        counted_output: plan.output_value_bits() > 1,
    }
}

/// `us` microseconds as `812.3 us` or, from 10 ms, `27.69 ms`.
fn micros(us: f64) -> String {
    if us >= 10_000.0 {
        format!("{:.2} ms", us / 1000.0)
    } else {
        format!("{us:.1} us")
    }
}

/// Synaptic weights of a network: its projections' weights (a convolution's shared kernel once).
pub fn synapses(q: &spikeloom_qnet::QNet) -> u64 {
    q.layers
        .iter()
        .flat_map(|l| &l.inputs)
        .map(|p| p.weight.len() as u64)
        .sum()
}

/// The note on paths nextpnr leaves out of Fmax: through a hard block on its constant clock
/// (an iCE40 SB_MAC16 without registers).
pub fn untimed_note(r: &spikeloom_toolchain::ToolReport) -> Option<String> {
    let (into, out) = r.constant_clock_paths();
    if into.is_none() && out.is_none() {
        return None;
    }
    let ns = |p: Option<&spikeloom_toolchain::CriticalPath>| p.map_or(0.0, |p| p.delay_ns);
    let block = into
        .map(|p| p.to.signal.clone())
        .or(out.map(|p| p.from.signal.clone()))
        .unwrap_or_default();
    Some(format!(
        "nextpnr times a hard block without registers ({block}) as if it had them (its clock is `{}`): the longest path into it is {:.1} ns and out of it {:.1} ns, \
         and a path through it takes both plus its own combinational delay, which is in neither; Fmax leaves such paths out \
         (a registered multiplier removes the gap)",
        spikeloom_toolchain::CONSTANT_CLOCK,
        ns(into),
        ns(out)
    ))
}

/// Write `report.json` and `report.txt`.
pub fn write_reports(report: &BuildReport, dir: &Path) -> Result<()> {
    let json = serde_json::to_string_pretty(report).map_err(Error::failure)? + "\n";
    for (name, text) in [("report.json", json), ("report.txt", render(report))] {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(|e| Error::write(&path, e))?;
    }
    Ok(())
}
