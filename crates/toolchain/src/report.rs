//! Tool reports as data: nextpnr's `--report` JSON (utilization, Fmax, critical paths) and
//! Yosys' `stat -json`.

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
    /// nextpnr's critical path of every pair of clock domains (and I/O) it timed.
    pub critical_paths: Vec<CriticalPath>,
}

/// One step of a timed path: a cell's clock-to-output, a net's routing, a cell's logic, the
/// end register's setup.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PathStep {
    /// `clk-to-q`, `routing`, `logic`, `setup` or `source` (an input pin).
    pub kind: String,
    /// Cell the step ends at.
    pub cell: String,
    /// Its port.
    pub port: String,
    /// The net routed (routing steps).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub net: Option<String>,
    /// Verilog source locations of the net (routing steps).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
    /// Delay, ns.
    pub delay_ns: f64,
}

/// One end of a path: a cell port, with the Verilog location of the net there when known.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PathEnd {
    /// Cell name as placed (Yosys' mangled name).
    pub cell: String,
    /// Port.
    pub port: String,
    /// The register or signal in the design's own terms: the cell name without the suffix
    /// technology mapping appends (`u_board.u_bridge.ttype`).
    pub signal: String,
    /// Verilog source locations of the net leaving (start) or entering (end) it, outside the
    /// synthesis tool's own libraries.
    pub sources: Vec<String>,
}

/// nextpnr's critical path between two clock edges (`posedge clk`, or `<async>` for I/O).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CriticalPath {
    /// Launching clock edge.
    pub from_clock: String,
    /// Capturing clock edge.
    pub to_clock: String,
    /// Where it starts.
    pub from: PathEnd,
    /// Where it ends.
    pub to: PathEnd,
    /// Total delay, ns.
    pub delay_ns: f64,
    /// Logic cells passed (LUTs, carry cells, hard blocks): the logic levels.
    pub logic_levels: usize,
    /// Delay in logic, ns.
    pub logic_ns: f64,
    /// Delay in routing, ns.
    pub routing_ns: f64,
    /// Clock-to-output of the start register (or an input's delay), ns.
    pub clock_to_out_ns: f64,
    /// Setup of the end register, ns.
    pub setup_ns: f64,
    /// Verilog source locations the path's nets come from, in path order, each once.
    pub through: Vec<String>,
    /// Every step.
    pub steps: Vec<PathStep>,
}

impl CriticalPath {
    /// True for a path launched and captured by the same clock edge of a real clock.
    pub fn is_internal(&self) -> bool {
        self.from_clock == self.to_clock && !self.from_clock.contains("<async>")
    }
}

/// nextpnr-ice40 names the "clock" of a hard block whose clock pin is tied low (an SB_MAC16
/// used without registers) `$PACKER_GND_NET`; it times such a block as registered, so paths
/// through its combinational multiplier are cut in two and left out of Fmax.
pub const CONSTANT_CLOCK: &str = "$PACKER_GND_NET";

impl ToolReport {
    /// The critical path of the slowest clock (launched and captured by it).
    pub fn critical_path(&self) -> Option<&CriticalPath> {
        let slowest = self
            .fmax
            .iter()
            .min_by(|a, b| a.1.achieved.total_cmp(&b.1.achieved))
            .map(|(name, _)| name.as_str())?;
        self.critical_paths
            .iter()
            .filter(|p| p.is_internal() && clock_name(&p.from_clock) == slowest)
            .max_by(|a, b| a.delay_ns.total_cmp(&b.delay_ns))
    }

    /// Paths into and out of a block on nextpnr's constant clock ([`CONSTANT_CLOCK`]): what
    /// its Fmax leaves out. (into, out of).
    pub fn constant_clock_paths(&self) -> (Option<&CriticalPath>, Option<&CriticalPath>) {
        let into = self.critical_paths.iter().find(|p| {
            p.to_clock.contains(CONSTANT_CLOCK) && !p.from_clock.contains(CONSTANT_CLOCK)
        });
        let out = self.critical_paths.iter().find(|p| {
            p.from_clock.contains(CONSTANT_CLOCK) && !p.to_clock.contains(CONSTANT_CLOCK)
        });
        (into, out)
    }
}

/// `posedge clk$glb` -> `clk$glb`.
fn clock_name(edge: &str) -> &str {
    edge.strip_prefix("posedge ")
        .or_else(|| edge.strip_prefix("negedge "))
        .unwrap_or(edge)
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
    #[serde(default)]
    critical_paths: Vec<RawPath>,
}

#[derive(Deserialize)]
struct RawPath {
    from: String,
    to: String,
    #[serde(default)]
    path: Vec<RawStep>,
}

#[derive(Deserialize)]
struct RawStep {
    #[serde(rename = "type")]
    kind: String,
    delay: f64,
    from: RawPin,
    to: RawPin,
    #[serde(default)]
    net: Option<String>,
    #[serde(default)]
    sources: Vec<String>,
}

#[derive(Deserialize)]
struct RawPin {
    cell: String,
    port: String,
}

/// Parse nextpnr's `--report` JSON into utilization (used cells only), Fmax and critical paths.
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
        critical_paths: raw.critical_paths.into_iter().filter_map(path).collect(),
    })
}

/// A critical path from nextpnr's steps (`None` for an empty one).
fn path(raw: RawPath) -> Option<CriticalPath> {
    let first = raw.path.first()?;
    let last = raw.path.last()?;
    let sum = |kinds: &[&str]| -> f64 {
        raw.path
            .iter()
            .filter(|s| kinds.contains(&s.kind.as_str()))
            .map(|s| s.delay)
            .sum()
    };
    // sources of the design's own files (not Yosys' techmap libraries under share/)
    let own = |s: &RawStep| -> Vec<String> {
        s.sources
            .iter()
            .filter(|x| !x.contains("/share/") && !x.starts_with("share/"))
            .cloned()
            .collect()
    };
    let routes: Vec<&RawStep> = raw.path.iter().filter(|s| s.kind == "routing").collect();
    let mut through: Vec<String> = Vec::new();
    for s in &routes {
        for src in own(s) {
            if !through.contains(&src) {
                through.push(src);
            }
        }
    }
    Some(CriticalPath {
        from: PathEnd {
            signal: signal(&first.from.cell),
            cell: first.from.cell.clone(),
            port: first.from.port.clone(),
            sources: routes.first().map(|s| own(s)).unwrap_or_default(),
        },
        to: PathEnd {
            signal: signal(&last.to.cell),
            cell: last.to.cell.clone(),
            port: last.to.port.clone(),
            sources: routes.last().map(|s| own(s)).unwrap_or_default(),
        },
        delay_ns: raw.path.iter().map(|s| s.delay).sum(),
        logic_levels: raw.path.iter().filter(|s| s.kind == "logic").count(),
        logic_ns: sum(&["logic"]),
        routing_ns: sum(&["routing"]),
        clock_to_out_ns: sum(&["clk-to-q", "source"]),
        setup_ns: sum(&["setup"]),
        through,
        steps: raw
            .path
            .iter()
            .map(|s| PathStep {
                kind: s.kind.clone(),
                cell: s.to.cell.clone(),
                port: s.to.port.clone(),
                net: s.net.clone(),
                sources: s.sources.clone(),
                delay_ns: s.delay,
            })
            .collect(),
        from_clock: raw.from,
        to_clock: raw.to,
    })
}

/// The design's name for a placed cell: Yosys and nextpnr append `_SB_DFFE_Q_DFFLC`,
/// `_TRELLIS_FF_Q_14`, `_SB_LUT4_O_LC`, ... to the signal a cell drives; cut at the first such
/// suffix (`u_board.u_bridge.ttype_SB_DFFE_Q_DFFLC` -> `u_board.u_bridge.ttype`).
fn signal(cell: &str) -> String {
    const MARKS: [&str; 8] = [
        "_SB_",
        "_TRELLIS_",
        "_LUT4",
        "_DFF",
        "_CCU2C",
        "_DP16KD",
        "_MULT18X18D",
        "$",
    ];
    let cut = MARKS
        .iter()
        .filter_map(|m| cell.find(m))
        .filter(|&i| i > 0)
        .min()
        .unwrap_or(cell.len());
    cell[..cut].to_string()
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
