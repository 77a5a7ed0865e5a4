//! spikeloom-report: the static `report.html` of a build (pure function of [`ReportData`]:
//! inline CSS and SVG, no script, no network), and the helpers that collect its data from the
//! artifacts it is given (plan, traces, quantization and tool reports).
//!
//! ```no_run
//! # let data = spikeloom_report::ReportData::default();
//! let html = spikeloom_report::render(&data);
//! std::fs::write("report.html", html)?;
//! # Ok::<(), std::io::Error>(())
//! ```

mod collect;
mod data;
mod html;
pub mod svg;

pub use collect::{
    all_step_cycles, cell_name, cycle_accuracy, estimated_resources, fmax_mhz, layer_traces,
    network_summary, pnr_resources, quant_rows,
};
pub use data::*;
pub use html::render;
