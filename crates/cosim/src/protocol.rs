//! Text formats of the co-simulation protocol (sim/README.md): stimulus and log files.
//!
//! `StimCmd` and `LogLine` are the cycle model's (spikeloom-cyclesim), so both sides of the
//! comparison share one type; this module adds the harness-specific parsing (`ERROR` lines,
//! x/z values explained).

use crate::{CosimError, LogLine, StimCmd};

/// The stimulus file text: one command per line.
pub fn format_stimulus(cmds: &[StimCmd]) -> String {
    let mut text = String::with_capacity(cmds.len() * 4);
    for cmd in cmds {
        text.push_str(&cmd.to_string());
        text.push('\n');
    }
    text
}

/// The log file text: one line per entry (what the harnesses write).
pub fn format_log(lines: &[LogLine]) -> String {
    let mut text = String::with_capacity(lines.len() * 16);
    for line in lines {
        text.push_str(&line.to_string());
        text.push('\n');
    }
    text
}

/// Parse a harness log. An `ERROR` line (written by the harness when it stops on bad stimulus
/// or its watchdog) becomes [`CosimError::Harness`] with `simulator` as its source.
pub fn parse_log(text: &str, simulator: &str) -> Result<Vec<LogLine>, CosimError> {
    let mut lines = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            continue;
        }
        if let Some(message) = trimmed.strip_prefix("ERROR ") {
            return Err(CosimError::Harness {
                simulator: simulator.to_string(),
                message: message.to_string(),
            });
        }
        lines.push(parse_line(trimmed).map_err(|reason| CosimError::LogSyntax {
            line: i + 1,
            text: trimmed.to_string(),
            reason,
        })?);
    }
    Ok(lines)
}

/// One log line, parsed by the cycle model's `LogLine` parser; an x/z field (Verilog's unknown
/// values) is explained.
fn parse_line(text: &str) -> Result<LogLine, String> {
    text.parse::<LogLine>().map_err(|expected| {
        match text
            .split_ascii_whitespace()
            .skip(1)
            .find(|f| f.chars().any(|c| matches!(c, 'x' | 'X' | 'z' | 'Z')))
        {
            Some(field) => format!(
                "unknown value `{field}` (x/z): the design leaves some state or output unreset"
            ),
            None => format!("expected {expected}"),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_text_round_trips() {
        let lines = vec![
            LogLine::Reset,
            LogLine::Trace {
                cycle: 4,
                layer: 1,
                neuron: 7,
                v: -12,
                spike: 1,
            },
            LogLine::Trace {
                cycle: 4,
                layer: 1,
                neuron: 8,
                v: 3,
                spike: 5,
            },
            LogLine::Out {
                cycle: 5,
                index: 3,
                value: 1,
            },
            LogLine::Out {
                cycle: 6,
                index: 4,
                value: 7,
            },
            LogLine::OutEos { cycle: 7 },
            LogLine::Load {
                cycle: 1234,
                state: 2,
            },
        ];
        let text = format_log(&lines);
        assert_eq!(
            text,
            "R\nT 4 1 7 -12 1\nT 4 1 8 3 5\nO 5 3\nO 6 4 7\nOS 7\nL 1234 2\n"
        );
        assert_eq!(parse_log(&text, "test").unwrap(), lines);
    }

    #[test]
    fn error_line_is_a_harness_error() {
        let err = parse_log("R\nERROR timeout at cycle 9\n", "icarus").unwrap_err();
        assert!(
            matches!(err, CosimError::Harness { ref message, .. } if message == "timeout at cycle 9")
        );
    }

    #[test]
    fn x_values_are_reported_as_unreset_state() {
        let err = parse_log("R\nT 3 0 1 x 0\n", "icarus").unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("line 2") && text.contains("unreset"),
            "{text}"
        );
    }

    #[test]
    fn malformed_lines_are_rejected() {
        for bad in [
            "O 1",
            "OS",
            "T 1 2 3 4",
            "Q 1",
            "O -1 2",
            "O 1 2 3 4",
            "T 1 2 3 4 -1",
            "L 5",
            "L 5 2 1",
        ] {
            assert!(parse_log(bad, "t").is_err(), "{bad}");
        }
    }

    #[test]
    fn stimulus_text() {
        let text = format_stimulus(&[
            StimCmd::Reset,
            StimCmd::Event(3),
            StimCmd::Graded(4, 9),
            StimCmd::Eos,
            StimCmd::PowerOn,
        ]);
        assert_eq!(text, "R\nE 3\nE 4 9\nS\nP\n");
    }
}
