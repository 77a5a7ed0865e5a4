//! Board validation: every inconsistency is collected, so one run reports all of them.

use std::collections::BTreeMap;

use crate::{builtin::fragment, Board, BoardError, Family, HostLinkKind};

/// nextpnr-ice40 device flags (without dashes).
const ICE40_DEVICES: &[&str] = &[
    "lp384", "lp1k", "lp4k", "lp8k", "hx1k", "hx4k", "hx8k", "up3k", "up5k", "u1k", "u2k", "u4k",
];
/// nextpnr-ecp5 device flags (without dashes).
const ECP5_DEVICES: &[&str] = &[
    "12k", "25k", "45k", "85k", "um-25k", "um-45k", "um-85k", "um5g-25k", "um5g-45k", "um5g-85k",
];
/// Fewest clock cycles per UART bit the receiver's mid-bit sampling tolerates.
pub const MIN_CLOCKS_PER_BIT: u64 = 4;

/// Check a parsed board; `Err(Invalid)` lists every problem found.
pub fn validate(board: &Board) -> Result<(), BoardError> {
    let mut problems = Vec::new();
    check_device(board, &mut problems);
    check_clocks(board, &mut problems);
    check_host_link(board, &mut problems);
    check_pins(board, &mut problems);
    check_flash(board, &mut problems);
    for name in &board.constraint_fragments {
        if fragment(name).is_none() {
            problems.push(format!(
                "constraint_fragments: `{name}` is not a file in constraints/"
            ));
        }
    }
    if let Some(p) = &board.programmer {
        if p.command.is_empty() {
            problems.push("programmer.command is empty".to_string());
        }
        if let Some(d) = &p.detect {
            if d.command.is_empty() || d.present.is_empty() || d.identity.is_empty() {
                problems.push(
                    "programmer.detect needs a command, the text `present` and at least one \
                     `identity`"
                        .to_string(),
                );
            }
        }
    }
    // the default design clock must be one the board makes (PLL, exact link rate); only
    // meaningful once the rest is consistent
    if problems.is_empty() {
        let conv = board.design.conv_freq_mhz.map(|f| ("conv_freq_mhz", f));
        for (key, mhz) in std::iter::once(("freq_mhz", board.design.freq_mhz)).chain(conv) {
            if let Err(e) = crate::ClockPlan::new(board, Some(mhz), None) {
                problems.push(match e {
                    BoardError::Clock { problem, .. } => format!("design.{key} = {mhz}: {problem}"),
                    other => other.to_string(),
                });
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(BoardError::Invalid {
            board: board.name.clone(),
            problems,
        })
    }
}

fn check_device(board: &Board, problems: &mut Vec<String>) {
    let d = &board.device;
    let (known, speed_ok) = match d.family {
        Family::Ice40 => (ICE40_DEVICES, d.speed.is_none()),
        Family::Ecp5 => (ECP5_DEVICES, matches!(d.speed, Some(6..=8))),
    };
    if !known.contains(&d.nextpnr_device.as_str()) {
        problems.push(format!(
            "device.nextpnr_device `{}` is not a {:?} device nextpnr knows (one of {})",
            d.nextpnr_device,
            d.family,
            known.join(", ")
        ));
    }
    if !speed_ok {
        problems.push(match d.family {
            Family::Ice40 => "device.speed must be omitted for iCE40".to_string(),
            Family::Ecp5 => "device.speed must be 6, 7 or 8 for ECP5".to_string(),
        });
    }
    if d.package.is_empty() {
        problems.push("device.package is empty".to_string());
    }
    if d.luts == 0 || d.ffs == 0 || d.bram_bits == 0 {
        problems.push("device.luts, device.ffs and device.bram_bits must be > 0".to_string());
    }
}

fn check_clocks(board: &Board, problems: &mut Vec<String>) {
    let valid = |f: f64| f.is_finite() && f > 0.0 && f <= 1000.0;
    if !valid(board.clock.freq_mhz) {
        problems.push(format!(
            "clock.freq_mhz = {} is not a frequency in (0, 1000] MHz",
            board.clock.freq_mhz
        ));
    }
    if !valid(board.design.freq_mhz) {
        problems.push(format!(
            "design.freq_mhz = {} is not a frequency in (0, 1000] MHz",
            board.design.freq_mhz
        ));
    }
    if let Some(f) = board.design.conv_freq_mhz.filter(|f| !valid(*f)) {
        problems.push(format!(
            "design.conv_freq_mhz = {f} is not a frequency in (0, 1000] MHz"
        ));
    }
}

fn check_host_link(board: &Board, problems: &mut Vec<String>) {
    let link = &board.host_link;
    if link.kind == HostLinkKind::None {
        if link.rx.is_some() || link.tx.is_some() {
            problems.push("host_link.kind = \"none\" but rx/tx pins are given".to_string());
        }
        return;
    }
    if link.rx.is_none() || link.tx.is_none() {
        problems.push("host_link: a UART link needs both `rx` and `tx` pins".to_string());
    }
    let Some(max) = link.max_baud else {
        problems.push("host_link: a UART link needs `max_baud`".to_string());
        return;
    };
    match (link.baud_base, link.default_baud) {
        (Some(base), None) => {
            if base == 0 || max > base {
                problems.push(format!(
                    "host_link.max_baud {max} exceeds the bridge's fastest rate baud_base {base}"
                ));
            }
        }
        (None, Some(default)) => {
            if default == 0 || default > max {
                problems.push(format!(
                    "host_link.default_baud {default} must be in 1..=max_baud ({max})"
                ));
            }
        }
        (Some(_), Some(_)) => problems.push(
            "host_link: give `baud_base` (a known bridge: the rate follows the design clock) or `default_baud`, not both"
                .to_string(),
        ),
        (None, None) => problems.push(
            "host_link: a UART link needs `baud_base` (a known bridge) or `default_baud`"
                .to_string(),
        ),
    }
}

fn check_pins(board: &Board, problems: &mut Vec<String>) {
    let mut uses: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    uses.entry(board.clock.pin.as_str())
        .or_default()
        .push("clock".to_string());
    if let Some(rx) = &board.host_link.rx {
        uses.entry(rx).or_default().push("host_link.rx".to_string());
    }
    if let Some(tx) = &board.host_link.tx {
        uses.entry(tx).or_default().push("host_link.tx".to_string());
    }
    for led in &board.leds {
        uses.entry(&led.pin)
            .or_default()
            .push(format!("led `{}`", led.name));
    }
    for button in &board.buttons {
        uses.entry(&button.pin)
            .or_default()
            .push(format!("button `{}`", button.name));
    }
    if let Some(f) = &board.flash {
        for (pin, what) in [
            (&f.sck, "flash.sck"),
            (&f.csn, "flash.csn"),
            (&f.mosi, "flash.mosi"),
            (&f.miso, "flash.miso"),
        ] {
            uses.entry(pin).or_default().push(what.to_string());
        }
    }
    for (pin, users) in &uses {
        if !pin_name_ok(board.device.family, pin) {
            problems.push(format!(
                "pin `{pin}` ({}) is not a package pin name (iCE40: `35` or `B2`; ECP5: `G2`)",
                users.join(", ")
            ));
        }
        if users.len() > 1 {
            problems.push(format!(
                "pin `{pin}` is used twice: {}",
                users.join(" and ")
            ));
        }
    }
}

fn check_flash(board: &Board, problems: &mut Vec<String>) {
    let Some(f) = &board.flash else {
        return;
    };
    if !f.erase_block.is_power_of_two() {
        problems.push(format!(
            "flash.erase_block {} is not a power of two",
            f.erase_block
        ));
    }
    if f.bitstream_bytes == 0 || u64::from(f.first_free_offset()) >= u64::from(f.size) {
        problems.push(format!(
            "flash.bitstream_bytes {} must be > 0 and leave room in the {}-byte flash",
            f.bitstream_bytes, f.size
        ));
    }
    if f.size > 1 << 24 {
        problems.push(format!(
            "flash.size {} exceeds the 16 MB a 24-bit SPI address reaches",
            f.size
        ));
    }
}

/// iCE40 packages name pins by number (QFN/TQFP) or ball (BGA); ECP5 packages only by ball.
fn pin_name_ok(family: Family, pin: &str) -> bool {
    let letters = pin.chars().take_while(|c| c.is_ascii_uppercase()).count();
    let digits = &pin[letters..];
    let digits_ok = !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit());
    match family {
        Family::Ice40 => digits_ok && letters <= 2,
        Family::Ecp5 => digits_ok && (1..=2).contains(&letters),
    }
}
