//! `spikeloom boards`: the built-in boards with their device, clock, host link and resources.

use crate::CliError;
use clap::Args;
use spikeloom_pipeline::boards::BoardRow;

/// `boards` arguments.
#[derive(Debug, Args)]
pub struct BoardsArgs {
    /// Print a JSON array instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// Run the command.
pub fn run(args: &BoardsArgs) -> Result<(), CliError> {
    let rows = spikeloom_pipeline::boards::list()?;
    if args.json {
        let text = serde_json::to_string_pretty(&rows).map_err(CliError::failure)?;
        println!("{text}");
    } else {
        print!("{}", table(&rows));
    }
    Ok(())
}

/// The human-readable table.
fn table(rows: &[BoardRow]) -> String {
    let header = [
        "board",
        "family",
        "device",
        "clock",
        "host link",
        "LUT",
        "FF",
        "BRAM",
        "SPRAM",
        "DSP",
    ];
    let cells: Vec<[String; 10]> = rows
        .iter()
        .map(|r| {
            [
                r.name.clone(),
                r.family.clone(),
                format!("{} {}", r.device, r.package),
                if r.conv_design_clock_mhz == r.design_clock_mhz {
                    format!("{} MHz ({})", r.design_clock_mhz, r.pll)
                } else {
                    format!(
                        "{} MHz, conv {} MHz ({})",
                        r.design_clock_mhz, r.conv_design_clock_mhz, r.pll
                    )
                },
                r.host_link.clone(),
                r.luts.to_string(),
                r.ffs.to_string(),
                format!("{} x {}b", r.bram, r.bram_bits),
                r.spram.to_string(),
                r.dsp.to_string(),
            ]
        })
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for row in &cells {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.len());
        }
    }
    let line = |items: Vec<&str>| {
        let mut s: String = items
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}  "))
            .collect();
        s.truncate(s.trim_end().len());
        s.push('\n');
        s
    };
    let mut out = line(header.to_vec());
    for row in &cells {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out.push_str("Pass a board name to --board, or a path to your own board .toml file.\n");
    out
}
