//! `DIR/report.html` of a build: fills `spikeloom_report::ReportData` from the pipeline (float,
//! fixed and cycle-model traces of the verification sample, quantization, plan, place and route).

use crate::build::Checked;
use crate::build_report::BuildReport;
use crate::design::Design;
use crate::error::{Error, Result};
use spikeloom_report::{
    estimated_resources, layer_traces, network_summary, pnr_resources, quant_rows, render,
    ReportData, Target, Timing,
};
use spikeloom_toolchain::ToolReport;
use std::path::Path;

/// Write `dir/report.html` for a finished build.
pub fn write(
    title: &str,
    design: &Design,
    checked: &Checked,
    build: &BuildReport,
    tools: &ToolReport,
    dir: &Path,
) -> Result<()> {
    let cycle = &checked.cycle.trace;
    let mut resources = estimated_resources(&design.plan, &design.board.device);
    resources.extend(pnr_resources(tools));
    let data = ReportData {
        title: title.to_string(),
        generator: build.generator.clone(),
        target: Target {
            board: design.board.name.clone(),
            device: design.board.device.name.clone(),
        },
        network: network_summary(&design.plan),
        quantization: design
            .model
            .report
            .as_ref()
            .map(quant_rows)
            .unwrap_or_default(),
        accuracy: None,
        verification: vec![
            format!("golden model vs cycle model: {}", build.verify_cycle_model),
            format!("RTL co-simulation: {}", build.verify_rtl),
            format!("verification sample: {}", checked.sample.origin),
        ],
        traces: layer_traces(
            &design.model.qnet,
            checked.float.as_deref(),
            &checked.golden,
            Some(cycle),
            0,
        ),
        resources,
        timing: Timing {
            target_mhz: Some(build.target_mhz),
            fmax_mhz: build.fmax_mhz,
            idle_step_cycles: Some(build.performance.idle_step_cycles),
            clock: Some(build.clock.summary.clone()),
            critical_path: build.critical_path.clone(),
            untimed: build.untimed.clone(),
            efficiency: efficiency_rows(build),
        },
        // on chip, like every figure of the build report (performance)
        cycles_per_step: checked.on_chip.per_step.iter().flatten().copied().collect(),
        notes: build.timing_failures.clone(),
    };
    let path = dir.join("report.html");
    std::fs::write(&path, render(&data)).map_err(|e| Error::write(&path, e))
}

/// The build's figures against the chip, for the Timing table.
fn efficiency_rows(b: &BuildReport) -> Vec<(String, String)> {
    let p = &b.performance;
    let e = &b.efficiency;
    let mut rows = vec![
        (
            "synaptic ops per cycle".to_string(),
            format!(
                "{:.2} ({:.1}% of the design's {} lanes; {:.1}% of the {} {}-bit weights per cycle the device's memories deliver)",
                p.synaptic_ops_per_cycle,
                100.0 * e.of_lanes,
                e.lanes,
                100.0 * e.of_device,
                e.device_weight_bound,
                e.weight_bits
            ),
        ),
        (
            "time per inference".to_string(),
            format!(
                "{:.1} µs at the design clock ({} steps, {:.0} cycles on chip: the host bridge's scan and the core's compute, host link excluded){}",
                p.time_per_inference_us_at_clock,
                p.steps,
                p.cycles_per_inference,
                p.time_per_inference_us_at_fmax
                    .map_or(String::new(), |t| format!("; {t:.1} µs at Fmax"))
            ),
        ),
    ];
    let l = &b.host_link;
    for f in std::iter::once(&l.per_step).chain(&l.per_sample) {
        rows.push((
            format!("over the host link, {}", f.how),
            format!(
                "{:.1} µs per inference: {:.0} B up and {:.0} B down, {:.1} µs on the wire at {} baud (the link {:.0}%; USB latency not included)",
                f.end_to_end_us, f.bytes_up, f.bytes_down, f.wire_us, l.baud, 100.0 * f.link_share
            ),
        ));
    }
    if let Some(per) = b.luts_per_synapse {
        rows.push((
            "LUT per synapse".to_string(),
            format!("{per:.4} ({} synapses: the model's weights)", b.synapses),
        ));
    }
    rows
}
