//! Test helper: the mlp_subtract fixture through the real pipeline, and a `ReportData` built
//! from it with the crate's own collection helpers.

#![allow(dead_code)]

use std::path::PathBuf;

use spikeloom_board::Board;
use spikeloom_float::{FloatNet, FloatTrace, SemanticsOptions};
use spikeloom_npy::{read_npy, NpyData};
use spikeloom_plan::{Plan, PlanConfig};
use spikeloom_qnet::{QNet, QTrace, SpikeSteps};
use spikeloom_quant::{Calibration, QuantConfig, QuantReport};
use spikeloom_report::*;

pub fn fixture_dir(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/models")
        .join(name)
}

/// Everything one run of the pipeline produces.
pub struct Run {
    pub float: FloatNet,
    pub calib: Calibration,
    pub qnet: QNet,
    pub quant: QuantReport,
    pub board: Board,
    pub plan: Plan,
    pub input: SpikeSteps,
    pub labels: Vec<usize>,
    pub float_trace: FloatTrace,
    pub fixed: QTrace,
    pub cycle: spikeloom_cyclesim::CycleTrace,
}

/// The first `samples` samples of a digits fixture through float, quant, plan, eval, cycle model.
pub fn run(name: &str, samples: usize) -> Run {
    let dir = fixture_dir(name);
    let file = spikeloom_nir::read(dir.join("model.nir")).unwrap();
    let flat = spikeloom_nir::flatten_subgraphs(&file.graph).unwrap();
    let float = spikeloom_float::lower(&flat, &SemanticsOptions::default()).unwrap();
    let x = read_npy(&dir.join("input.npy")).unwrap();
    let (t, n_all, f) = (x.shape[0], x.shape[1], x.shape[2]);
    let NpyData::U8(all) = x.data else {
        panic!("input.npy is not uint8")
    };
    let n = samples.min(n_all);
    let mut data = Vec::with_capacity(t * n * f);
    for step in 0..t {
        data.extend_from_slice(&all[step * n_all * f..][..n * f]);
    }
    let y = read_npy(&dir.join("labels.npy"))
        .unwrap()
        .data
        .to_i64()
        .unwrap();
    let labels: Vec<usize> = y[..n].iter().map(|&v| v as usize).collect();
    let input = SpikeSteps::new(t, n, f, data.clone()).unwrap();
    let float_trace =
        spikeloom_float::simulate(&float, &SpikeSteps::graded(t, n, f, data, 8).unwrap()).unwrap();
    let calib = Calibration::new(
        &float,
        input.clone(),
        float_trace.clone(),
        Some(labels.clone()),
    )
    .unwrap();
    let (qnet, quant) =
        spikeloom_quant::quantize(&float, Some(&calib), &QuantConfig::default()).unwrap();
    let board = Board::builtin("icebreaker").unwrap();
    // require_fit off: the report must also render a design that overflows the board (red bars).
    let cfg = PlanConfig {
        require_fit: false,
        ..PlanConfig::default()
    };
    let plan = spikeloom_plan::plan(&qnet, &cfg, &board.device).unwrap();
    let fixed = spikeloom_qnet::eval(&qnet, &input).unwrap();
    let cycle = spikeloom_cyclesim::simulate(&plan, &input).unwrap();
    Run {
        float,
        calib,
        qnet,
        quant,
        board,
        plan,
        input,
        labels,
        float_trace,
        fixed,
        cycle,
    }
}

/// A full report of `r` (no place-and-route figures).
pub fn report(r: &Run) -> ReportData {
    ReportData {
        title: "mlp_subtract <test & \"escape\">".into(),
        generator: "spikeloom test".into(),
        target: Target {
            board: r.board.name.clone(),
            device: r.board.device.name.clone(),
        },
        network: network_summary(&r.plan),
        quantization: quant_rows(&r.quant),
        accuracy: Some(Accuracy {
            samples: r.labels.len(),
            float: r.quant.float_accuracy,
            fixed: r.quant.fixed_accuracy,
            hardware: Some(cycle_accuracy(&r.qnet, &r.cycle, &r.labels)),
        }),
        verification: vec!["fixed == cycle: identical".into()],
        traces: layer_traces(&r.qnet, Some(&r.float_trace), &r.fixed, Some(&r.cycle), 0),
        resources: estimated_resources(&r.plan, &r.board.device),
        timing: Timing {
            target_mhz: Some(12.0),
            fmax_mhz: None,
            idle_step_cycles: Some(r.plan.idle_step_cycles()),
            ..Default::default()
        },
        cycles_per_step: all_step_cycles(&r.cycle),
        notes: vec!["a note".into()],
    }
}

/// Parse `html` as XML, panicking at the first well-formedness error; returns the element names.
pub fn xml_elements(html: &str) -> Vec<String> {
    // Drop the HTML5 doctype, which is not XML.
    let body = html.trim_start_matches("<!DOCTYPE html>\n");
    let mut reader = quick_xml::Reader::from_str(body);
    reader.config_mut().check_end_names = true;
    let mut names = Vec::new();
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(quick_xml::events::Event::Start(e)) | Ok(quick_xml::events::Event::Empty(e)) => {
                names.push(String::from_utf8_lossy(e.name().as_ref()).into_owned());
            }
            Ok(_) => {}
            Err(e) => panic!("not well-formed at byte {}: {e}", reader.buffer_position()),
        }
    }
    names
}
