//! First difference between two logs, located in network terms.

use std::collections::BTreeMap;
use std::fmt;

use crate::LogLine;

/// Where two logs first differ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirstMismatch {
    /// 0-based index of the first differing line.
    pub line: usize,
    /// The line of the reference log (`None`: the reference ended first).
    pub expected: Option<LogLine>,
    /// The line of the checked log (`None`: it ended first).
    pub got: Option<LogLine>,
    /// Sample (count of `R` lines before, minus one; 0 if none).
    pub sample: usize,
    /// Time step within the sample: for a trace line, how often that neuron was traced before
    /// in the sample; otherwise the number of end-of-step beats before.
    pub step: usize,
    /// Layer and neuron when the differing line is a trace line.
    pub neuron: Option<(u32, u32)>,
}

impl fmt::Display for FirstMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let show =
            |l: &Option<LogLine>| l.map_or_else(|| "end of log".to_string(), |l| format!("`{l}`"));
        write!(
            f,
            "log line {} (sample {}, step {}",
            self.line + 1,
            self.sample,
            self.step
        )?;
        if let Some((layer, neuron)) = self.neuron {
            write!(f, ", layer {layer} neuron {neuron}")?;
        }
        write!(
            f,
            "): expected {}, got {}",
            show(&self.expected),
            show(&self.got)
        )
    }
}

/// The first line where `got` differs from `expected`, or `None` when they are identical.
pub fn compare_logs(expected: &[LogLine], got: &[LogLine]) -> Option<FirstMismatch> {
    let line = (0..expected.len().max(got.len())).find(|&i| expected.get(i) != got.get(i))?;
    let exp = expected.get(line).copied();
    let got_line = got.get(line).copied();
    // Locate by the reference log when it has the line, else by the checked one.
    let (context, at) = if exp.is_some() {
        (expected, exp)
    } else {
        (got, got_line)
    };
    let (sample, step, neuron) = locate(&context[..line], at);
    Some(FirstMismatch {
        line,
        expected: exp,
        got: got_line,
        sample,
        step,
        neuron,
    })
}

fn locate(before: &[LogLine], at: Option<LogLine>) -> (usize, usize, Option<(u32, u32)>) {
    let start = before.iter().rposition(|l| *l == LogLine::Reset);
    let resets = before.iter().filter(|l| **l == LogLine::Reset).count();
    let sample = resets.saturating_sub(1);
    let segment = &before[start.map_or(0, |s| s + 1)..];
    match at {
        Some(LogLine::Trace { layer, neuron, .. }) => {
            let mut counts: BTreeMap<(u32, u32), usize> = BTreeMap::new();
            for l in segment {
                if let LogLine::Trace { layer, neuron, .. } = *l {
                    *counts.entry((layer, neuron)).or_default() += 1;
                }
            }
            let step = counts.get(&(layer, neuron)).copied().unwrap_or(0);
            (sample, step, Some((layer, neuron)))
        }
        _ => {
            let step = segment
                .iter()
                .filter(|l| matches!(l, LogLine::OutEos { .. }))
                .count();
            (sample, step, None)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use LogLine::{Out, OutEos, Reset, Trace};

    fn log() -> Vec<LogLine> {
        vec![
            Reset,
            OutEos { cycle: 3 },
            Reset,
            Trace {
                cycle: 2,
                layer: 1,
                neuron: 4,
                v: 7,
                spike: 0,
            },
            OutEos { cycle: 4 },
            Trace {
                cycle: 6,
                layer: 1,
                neuron: 4,
                v: 9,
                spike: 1,
            },
            Out {
                cycle: 7,
                index: 0,
                value: 1,
            },
            OutEos { cycle: 8 },
        ]
    }

    #[test]
    fn identical_logs_have_no_mismatch() {
        assert_eq!(compare_logs(&log(), &log()), None);
    }

    #[test]
    fn trace_mismatch_is_located() {
        let mut got = log();
        got[5] = Trace {
            cycle: 6,
            layer: 1,
            neuron: 4,
            v: 8,
            spike: 1,
        };
        let m = compare_logs(&log(), &got).unwrap();
        assert_eq!(
            (m.line, m.sample, m.step, m.neuron),
            (5, 1, 1, Some((1, 4)))
        );
        assert_eq!(m.expected, Some(log()[5]));
        let text = m.to_string();
        assert!(
            text.contains("line 6")
                && text.contains("`T 6 1 4 9 1`")
                && text.contains("`T 6 1 4 8 1`"),
            "{text}"
        );
    }

    #[test]
    fn cycle_and_length_mismatches() {
        let mut got = log();
        got[6] = Out {
            cycle: 8,
            index: 0,
            value: 1,
        };
        let m = compare_logs(&log(), &got).unwrap();
        assert_eq!((m.line, m.sample, m.step, m.neuron), (6, 1, 1, None));
        let short = &log()[..7];
        let m = compare_logs(&log(), short).unwrap();
        assert_eq!((m.line, m.got), (7, None));
        assert!(m.to_string().contains("got end of log"));
        let m = compare_logs(short, &log()).unwrap();
        assert_eq!((m.line, m.expected, m.step), (7, None, 1));
    }
}
