//! `bench/results.json` and the markdown tables for the README.

use std::fmt::Write;

use serde::Serialize;

use crate::measure::{AccuracyRow, Efficiency, GenTime, Throughput};
use crate::pnr::PnrRow;
use crate::rtl::RtlRun;

/// snnTorch figures as written by `bench/snntorch_bench.py`.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct SnnTorch {
    /// Versions and device.
    pub setup: String,
    /// Samples x steps timed.
    pub what: String,
    /// Median seconds for the whole input.
    pub median_s: f64,
    /// (sample, step) pairs per second.
    pub steps_per_s: f64,
    /// Output spikes equal the fixture's recorded snnTorch spikes.
    pub matches_fixture: bool,
}

/// Everything one bench run measured.
#[derive(Debug, Clone, Serialize)]
pub struct Results {
    /// How and where it ran.
    pub setup: Vec<String>,
    /// NIR -> Verilog time vs network size.
    pub generate: Vec<GenTime>,
    /// Fixture the engines ran on.
    pub engine_model: String,
    /// Synaptic events of that run.
    pub synaptic_events: u64,
    /// Rust engines.
    pub engines: Vec<Throughput>,
    /// snnTorch on CPU, when measured.
    pub snntorch: Option<SnnTorch>,
    /// Cycle model vs RTL simulators on the same stimulus.
    pub rtl: Vec<RtlRun>,
    /// Synaptic ops per cycle.
    pub efficiency: Vec<Efficiency>,
    /// Accuracy float vs fixed vs hardware.
    pub accuracy: Vec<AccuracyRow>,
    /// Place and route.
    pub pnr: Vec<PnrRow>,
}

fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "-".into(), |v| format!("{:.1} %", 100.0 * v))
}

fn si(v: f64) -> String {
    if v >= 1e9 {
        format!("{:.2} G", v / 1e9)
    } else if v >= 1e6 {
        format!("{:.2} M", v / 1e6)
    } else if v >= 1e3 {
        format!("{:.1} k", v / 1e3)
    } else {
        format!("{v:.1}")
    }
}

impl Results {
    /// Markdown tables (medians and ratios).
    pub fn markdown(&self) -> String {
        let mut o = String::new();
        let _ = writeln!(o, "Setup: {}\n", self.setup.join("; "));
        let _ = writeln!(
            o,
            "### Generate time (NIR -> Verilog: read, lower, quantize, plan, generate)\n"
        );
        let _ = writeln!(
            o,
            "| model | synapses | median | min | runs |\n|---|---:|---:|---:|---:|"
        );
        for g in &self.generate {
            let _ = writeln!(
                o,
                "| {} | {} | {:.1} ms | {:.1} ms | {} |",
                g.model.rsplit('/').next().unwrap_or(&g.model),
                g.synapses,
                1e3 * g.total.median_s,
                1e3 * g.total.min_s,
                g.total.runs
            );
        }
        let _ = writeln!(
            o,
            "\n### Engine throughput on `{}` ({} synaptic events)\n",
            self.engine_model, self.synaptic_events
        );
        let _ = writeln!(
            o,
            "| engine | input | median | steps/s | synaptic events/s |\n|---|---|---:|---:|---:|"
        );
        for e in &self.engines {
            let _ = writeln!(
                o,
                "| {} | {} | {:.2} ms | {} | {} |",
                e.engine,
                e.what,
                1e3 * e.time.median_s,
                si(e.steps_per_s),
                si(e.events_per_s)
            );
        }
        if let Some(s) = &self.snntorch {
            let ev = self.synaptic_events as f64 / s.median_s;
            let _ = writeln!(
                o,
                "| snnTorch ({}; output spikes {} the fixture) | {} | {:.2} ms | {} | {} |",
                s.setup,
                if s.matches_fixture {
                    "match"
                } else {
                    "DIFFER from"
                },
                s.what,
                1e3 * s.median_s,
                si(s.steps_per_s),
                si(ev)
            );
        }
        let _ = writeln!(
            o,
            "\n### Cycle model vs RTL simulation (same design, same stimulus)\n"
        );
        let _ = writeln!(
            o,
            "| simulator | build | run (median) | cycles | cycles/s | cycle model speed-up | log == cycle model |\n|---|---:|---:|---:|---:|---:|---|"
        );
        // Speed-up in simulated cycles per second (the simulators may run different sample counts).
        let model_cps = self.rtl.first().map(|r| r.cycles_per_s).unwrap_or(f64::NAN);
        for r in &self.rtl {
            let _ = writeln!(
                o,
                "| {} | {:.1} s | {:.1} ms | {} | {} | {:.1}x | {} |",
                r.simulator,
                r.build_s,
                1e3 * r.run.median_s,
                r.cycles,
                si(r.cycles_per_s),
                model_cps / r.cycles_per_s,
                if r.log_equals_cycle_model {
                    "yes"
                } else {
                    "NO"
                }
            );
        }
        let _ = writeln!(o, "\n### Hardware efficiency (cycle model)\n");
        let _ = writeln!(
            o,
            "| model | board | lanes | synaptic ops | cycles on chip (core alone) | ops/cycle on chip | lanes (P) | of P | chip bound (weights/cycle) | of chip | lane use while reading weights |\n|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
        );
        for e in &self.efficiency {
            let _ = writeln!(
                o,
                "| {} | {} | {:?} | {} | {} ({}) | {:.2} | {:.0} | {:.1} % | {:.0} ({}-bit) | {:.1} % | {:.1} % |",
                e.model,
                e.board,
                e.lanes,
                e.synaptic_events,
                e.on_chip_cycles,
                e.cycles,
                e.ops_per_cycle,
                e.port_bound,
                100.0 * e.fraction_of_bound,
                e.device_bound,
                e.weight_bits,
                100.0 * e.fraction_of_device,
                100.0 * e.lane_utilisation
            );
        }
        let _ = writeln!(
            o,
            "\n### Accuracy (argmax read-out: spike counts, or the summed membrane of a non-spiking read-out; fixture samples)\n"
        );
        let _ = writeln!(o, "| model | samples | float | fixed | hardware | hardware == fixed |\n|---|---:|---:|---:|---:|---|");
        for a in &self.accuracy {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} | {} |",
                a.model,
                a.samples,
                pct(a.float),
                pct(a.fixed),
                pct(Some(a.hardware)),
                if a.hardware_equals_fixed { "yes" } else { "NO" }
            );
        }
        self.anchors(&mut o);
        if !self.pnr.is_empty() {
            let _ = writeln!(o, "\n### Place and route\n");
            let _ = writeln!(
                o,
                "| model | device | lanes | cells used (nextpnr) | Fmax / target | estimate LUT/FF/BRAM/DSP | build |\n|---|---|---|---|---:|---|---:|"
            );
            for p in &self.pnr {
                let cells = match &p.error {
                    Some(e) => format!("build failed: {}", e.lines().next().unwrap_or("")),
                    None => p
                        .cells
                        .iter()
                        .map(|(k, u, a)| format!("{k} {u}/{a}"))
                        .collect::<Vec<_>>()
                        .join(", "),
                };
                let _ = writeln!(
                    o,
                    "| {} | {} | {:?} | {} | {} / {:.0} MHz | {}/{}/{}/{} | {:.0} s |",
                    p.model,
                    p.device,
                    p.lanes,
                    cells.replace('|', "/"),
                    p.fmax_mhz.map_or_else(|| "-".into(), |f| format!("{f:.1}")),
                    p.target_mhz,
                    p.estimate.0,
                    p.estimate.1,
                    p.estimate.2,
                    p.estimate.3,
                    p.build_s
                );
            }
        }
        o
    }
}

/// The anchors' published numbers (../shared/FPGA-FACTS.md): network, part, accuracy, µs per
/// inference, logic, block RAM, DSP.
const ANCHORS: [[&str; 7]; 5] = [
    [
        "Spiker+ MNIST MLP",
        "MNIST",
        "Xilinx Artix-7",
        "93.85 %",
        "780",
        "7612 LC",
        "18",
    ],
    [
        "Flexi-NeurA (2026)",
        "MNIST",
        "Xilinx",
        "97.23 %",
        "1100",
        "1623 LC",
        "7",
    ],
    [
        "NIR2FPGA, 8/8 bit",
        "SHD-class",
        "Xilinx (PYNQ)",
        "-17.6 pt vs float",
        "6981",
        "1935 LUT",
        "20",
    ],
    [
        "NIR2FPGA, 16/16 bit",
        "SHD-class",
        "Xilinx (PYNQ)",
        "-9.7 pt vs float",
        "7211",
        "",
        "",
    ],
    [
        "Spiker+ (2024), 5/6 bit",
        "SHD-class",
        "Xilinx",
        "-2.45 pt vs float",
        "540",
        "18268 LUT",
        "51",
    ],
];

impl Results {
    /// The scale fixtures' rows (cycle model, µs per inference at the board's default design
    /// clock) beside the anchors' published numbers.
    fn anchors(&self, o: &mut String) {
        let scale: Vec<&Efficiency> = self
            .efficiency
            .iter()
            .filter(|e| e.model == "mnist_mlp" || e.model == "shd_rleaky")
            .collect();
        if scale.is_empty() {
            return;
        }
        let _ = writeln!(
            o,
            "\n### Beside the anchors (their published numbers: ../shared/FPGA-FACTS.md; their parts are Xilinx 6-input-LUT devices, several times larger)\n"
        );
        let _ = writeln!(
            o,
            "| design | network | part, lanes | cycles per inference on chip (core alone) | µs per inference on chip | µs per inference over the UART: one frame per sample / step by step (baud) | synaptic ops per cycle (of the chip's weight bound) |\n|---|---|---|---:|---:|---:|---|"
        );
        for e in scale {
            let per = e.on_chip_cycles as f64 / e.samples.max(1) as f64;
            let core = e.cycles as f64 / e.samples.max(1) as f64;
            let _ = writeln!(
                o,
                "| spikeloom {} ({} steps) | {} | {}, {:?} | {:.0} ({core:.0}) | {:.0} at {} MHz | {} / {:.0} ({} baud) | {:.2} (of {:.0}: {:.1} %) |",
                e.model,
                e.steps,
                if e.model == "mnist_mlp" { "MNIST-shaped 784-128-10" } else { "SHD-shaped 700-RLeaky(128)-20" },
                e.board,
                e.lanes,
                per,
                per / e.design_mhz,
                e.design_mhz,
                e.host_link
                    .per_sample
                    .as_ref()
                    .map_or("-".to_string(), |f| format!("{:.0}", f.end_to_end_us)),
                e.host_link.per_step.end_to_end_us,
                e.host_link.baud,
                e.ops_per_cycle,
                e.device_bound,
                100.0 * e.fraction_of_device
            );
        }
        let _ = writeln!(
            o,
            "\n| anchor | network | part | accuracy | µs per inference | logic | BRAM |\n|---|---|---|---|---:|---|---:|"
        );
        for a in ANCHORS {
            let _ = writeln!(o, "| {} |", a.join(" | "));
        }
    }
}
