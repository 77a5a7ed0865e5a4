//! Tool reports as data: nextpnr's `--report` JSON (utilization, Fmax) and Yosys' `stat -json`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Use of one cell type after place-and-route.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    /// Cells used.
    pub used: u64,
    /// Cells on the device.
    pub available: u64,
}

/// Timing of one clock.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ClockFmax {
    /// Highest frequency the placed design reaches, MHz.
    pub achieved: f64,
    /// Target given to nextpnr, MHz.
    pub constraint: f64,
}

/// What the tools say about a built design.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ToolReport {
    /// nextpnr utilization per cell type (only types with `used > 0`).
    pub utilization: BTreeMap<String, Usage>,
    /// nextpnr Fmax per clock net.
    pub fmax: BTreeMap<String, ClockFmax>,
    /// Yosys cell counts of the top module after synthesis.
    pub synth_cells: BTreeMap<String, u64>,
}

impl ToolReport {
    /// Clocks whose achieved frequency is below `target_mhz`, as `clock: achieved X < target Y`.
    pub fn timing_failures(&self, target_mhz: f64) -> Vec<String> {
        self.fmax
            .iter()
            .filter(|(_, f)| f.achieved < target_mhz)
            .map(|(clock, f)| {
                format!(
                    "clock `{clock}` reaches {:.2} MHz < target {target_mhz} MHz",
                    f.achieved
                )
            })
            .collect()
    }
}

#[derive(Deserialize)]
struct NextpnrReport {
    utilization: BTreeMap<String, Usage>,
    #[serde(default)]
    fmax: BTreeMap<String, ClockFmax>,
}

/// Parse nextpnr's `--report` JSON into utilization (used cells only) and Fmax.
pub fn parse_nextpnr_report(json: &str) -> Result<ToolReport, String> {
    let raw: NextpnrReport = serde_json::from_str(json).map_err(|e| e.to_string())?;
    Ok(ToolReport {
        utilization: raw
            .utilization
            .into_iter()
            .filter(|(_, u)| u.used > 0)
            .collect(),
        fmax: raw.fmax,
        synth_cells: BTreeMap::new(),
    })
}

/// Parse Yosys' `stat -json`: the cell counts summed over the design's modules.
pub fn parse_yosys_stat(json: &str) -> Result<BTreeMap<String, u64>, String> {
    let value: serde_json::Value = serde_json::from_str(json).map_err(|e| e.to_string())?;
    let modules = value
        .get("modules")
        .and_then(|m| m.as_object())
        .ok_or("no `modules` object")?;
    let mut cells = BTreeMap::new();
    for module in modules.values() {
        if let Some(by_type) = module.get("num_cells_by_type").and_then(|c| c.as_object()) {
            for (cell, n) in by_type {
                *cells.entry(cell.clone()).or_insert(0) += n.as_u64().unwrap_or(0);
            }
        }
    }
    Ok(cells)
}
