//! The co-simulation text protocol: stimulus commands and log lines, with `Display` and parsing.
//!
//! Stimulus, one command per line: `R` (reset), `E <index>` (binary input event beat),
//! `E <index> <value>` (graded input event beat, `in_value = value`), `S` (end of step), `P`
//! (power-on of a design with a weight loader: the loader reads the flash, then `R` follows).
//! Log, one line per observed beat: `R`, `O <cycle> <index>` (an output event of value 1: a
//! binary spike or a count of 1) or `O <cycle> <index> <value>` (a spike count above 1),
//! `OS <cycle>`, `T <cycle> <layer> <neuron> <v> <spike>` (`spike`: 0/1, or the count of a
//! multi-spike layer), `L <cycle> <state>` (the weight load after `P` ended at `cycle`, counted
//! from the power-on reset's release, in `state`: `spikeloom_plan::LoadState::code`).
//! Within one cycle, `T` lines come first (ascending neuron), then `O`/`OS`.
//!
//! Harness rules (the RTL harness and [`crate::CycleSim`] follow the same ones):
//! - beats are presented in order, `in_valid` high while a beat is pending; a beat transfers at
//!   the edge where `in_valid && in_ready`; the next beat is presented from the following cycle;
//! - `out_ready` is always 1;
//! - before an `R` and at the end of the stimulus the harness keeps clocking until every `S`
//!   sent since the last reset has produced its `OS`; `R` then holds `rst` for 2 cycles, logs `R`
//!   and restarts the cycle count at 0 (cycle 0 = first edge with `rst` low).

use std::fmt;
use std::str::FromStr;

/// One stimulus command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StimCmd {
    /// Reset.
    Reset,
    /// Binary input event of feature `index`.
    Event(u32),
    /// Graded input event: feature `.0` with value `.1` (`E <index> <value>`).
    Graded(u32, u32),
    /// End of step.
    Eos,
    /// Power-on: both resets (the core's and the weight loader's), then the load (`P`).
    PowerOn,
}

/// One log line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogLine {
    /// A reset happened.
    Reset,
    /// Output event.
    Out {
        /// Cycle.
        cycle: u64,
        /// Neuron index.
        index: u32,
        /// Value the event carries (1 for binary spikes; the count of a multi-spike layer).
        value: u32,
    },
    /// Output end of step.
    OutEos {
        /// Cycle.
        cycle: u64,
    },
    /// One traced neuron update.
    Trace {
        /// Cycle.
        cycle: u64,
        /// Layer index.
        layer: u32,
        /// Neuron index.
        neuron: u32,
        /// Membrane after the update.
        v: i32,
        /// Spike: 0/1, or the spike count of a multi-spike layer.
        spike: u32,
    },
    /// The weight load after a power-on ended (`L <cycle> <state>`).
    Load {
        /// Cycle at which the loader was first seen ready or failed (0 = first edge after the
        /// power-on reset).
        cycle: u64,
        /// The loader's state code (`spikeloom_plan::LoadState`).
        state: u8,
    },
}

/// A malformed protocol line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: cannot parse `{text}`: expected {expected}")]
pub struct ProtocolError {
    /// 1-based line number.
    pub line: usize,
    /// The line.
    pub text: String,
    /// What was expected.
    pub expected: &'static str,
}

impl fmt::Display for StimCmd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Reset => write!(f, "R"),
            Self::Event(i) => write!(f, "E {i}"),
            Self::Graded(i, v) => write!(f, "E {i} {v}"),
            Self::Eos => write!(f, "S"),
            Self::PowerOn => write!(f, "P"),
        }
    }
}

impl fmt::Display for LogLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Reset => write!(f, "R"),
            Self::Out {
                cycle,
                index,
                value: 1,
            } => write!(f, "O {cycle} {index}"),
            Self::Out {
                cycle,
                index,
                value,
            } => write!(f, "O {cycle} {index} {value}"),
            Self::OutEos { cycle } => write!(f, "OS {cycle}"),
            Self::Trace {
                cycle,
                layer,
                neuron,
                v,
                spike,
            } => {
                write!(f, "T {cycle} {layer} {neuron} {v} {spike}")
            }
            Self::Load { cycle, state } => write!(f, "L {cycle} {state}"),
        }
    }
}

fn nums<T: FromStr>(parts: &[&str]) -> Option<Vec<T>> {
    parts.iter().map(|p| p.parse().ok()).collect()
}

impl FromStr for StimCmd {
    type Err = &'static str;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let parts: Vec<&str> = s.split_whitespace().collect();
        const WHAT: &str = "`R`, `P`, `E <index>`, `E <index> <value>` or `S`";
        match parts.as_slice() {
            ["R"] => Ok(Self::Reset),
            ["P"] => Ok(Self::PowerOn),
            ["S"] => Ok(Self::Eos),
            ["E", i] => i.parse().map(Self::Event).map_err(|_| WHAT),
            ["E", i, v] => match (i.parse(), v.parse()) {
                (Ok(i), Ok(v)) => Ok(Self::Graded(i, v)),
                _ => Err(WHAT),
            },
            _ => Err(WHAT),
        }
    }
}

impl FromStr for LogLine {
    type Err = &'static str;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        const WHAT: &str =
            "`R`, `O <cycle> <index> [<value>]`, `OS <cycle>`, `T <cycle> <layer> <neuron> <v> <spike>` or `L <cycle> <state>`";
        let parts: Vec<&str> = s.split_whitespace().collect();
        let (head, rest) = parts.split_first().ok_or(WHAT)?;
        match (*head, rest.len()) {
            ("R", 0) => Ok(Self::Reset),
            ("O", 2 | 3) => {
                let n: Vec<u64> = nums(rest).ok_or(WHAT)?;
                Ok(Self::Out {
                    cycle: n[0],
                    index: u32::try_from(n[1]).map_err(|_| WHAT)?,
                    value: match n.get(2) {
                        None => 1,
                        Some(&v) => u32::try_from(v).map_err(|_| WHAT)?,
                    },
                })
            }
            ("L", 2) => Ok(Self::Load {
                cycle: rest[0].parse().map_err(|_| WHAT)?,
                state: rest[1].parse().map_err(|_| WHAT)?,
            }),
            ("OS", 1) => Ok(Self::OutEos {
                cycle: rest[0].parse().map_err(|_| WHAT)?,
            }),
            ("T", 5) => {
                let spike = rest[4].parse().map_err(|_| WHAT)?;
                Ok(Self::Trace {
                    cycle: rest[0].parse().map_err(|_| WHAT)?,
                    layer: rest[1].parse().map_err(|_| WHAT)?,
                    neuron: rest[2].parse().map_err(|_| WHAT)?,
                    v: rest[3].parse().map_err(|_| WHAT)?,
                    spike,
                })
            }
            _ => Err(WHAT),
        }
    }
}

fn parse_lines<T: FromStr<Err = &'static str>>(text: &str) -> Result<Vec<T>, ProtocolError> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            l.trim().parse().map_err(|expected| ProtocolError {
                line: i + 1,
                text: l.to_string(),
                expected,
            })
        })
        .collect()
}

/// Parse a stimulus file.
pub fn parse_stimulus(text: &str) -> Result<Vec<StimCmd>, ProtocolError> {
    parse_lines(text)
}

/// Parse a log file.
pub fn parse_log(text: &str) -> Result<Vec<LogLine>, ProtocolError> {
    parse_lines(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let log = "L 1300 2\nR\nT 12 0 3 -5 1\nT 12 0 4 7 3\nO 40 2\nO 41 4 3\nOS 43\n";
        let lines = parse_log(log).unwrap();
        let back: String = lines.iter().map(|l| format!("{l}\n")).collect();
        assert_eq!(back, log);
        let stim = parse_stimulus("P\nR\nE 3\n\nE 4 5\nS\n").unwrap();
        assert_eq!(
            stim,
            vec![
                StimCmd::PowerOn,
                StimCmd::Reset,
                StimCmd::Event(3),
                StimCmd::Graded(4, 5),
                StimCmd::Eos
            ]
        );
        let err = parse_stimulus("R\nX 1\n").unwrap_err();
        assert_eq!(err.line, 2);
    }
}
