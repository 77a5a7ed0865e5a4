//! The design clock of one build: the PLL setting that makes it from the board's oscillator,
//! the host link's baud rate at it, and how long reset is held after the PLL locks.
//!
//! The choice: the fastest PLL output not above the requested frequency (`--clock-mhz`, else
//! the board's `design.freq_mhz`). On a board with a known bridge (`host_link.baud_base`) the
//! UART must be exact: an integer number of clocks per bit giving a rate the bridge makes
//! exactly; among the PLL outputs within [`CLOCK_WINDOW_PERCENT`] below the request, the one
//! with the fastest such rate wins (a faster clock breaks a tie). Asking for the oscillator's
//! own frequency uses no PLL.

use std::fmt::Write as _;

use serde::Serialize;

use crate::pll::{self, Freq, Pll, PllPrimitive, ECP5_LIMITS, ICE40_LIMITS};
use crate::validate::MIN_CLOCKS_PER_BIT;
use crate::{Board, BoardError, HostLinkKind};

/// How far below the requested clock (percent) the choice may go for a faster exact link rate.
pub const CLOCK_WINDOW_PERCENT: u64 = 5;

/// How long reset stays asserted after the PLL locks, ns: iCE40 block RAM reads return 0 for a
/// few microseconds after configuration (icestorm #76, ~3 us measured); 15 us is Amaranth's
/// power-on reset for the same reason (FPGA-V2-FACTS.md section 3).
pub const SETTLE_NS: u64 = 15_000;

/// Slowest rate the link search considers, baud.
const MIN_LINK_BAUD: u64 = 9_600;

/// Largest relative baud-rate error the UART divider may leave on a link whose rates are not
/// known (8N1 tolerates ~4-5 % for both ends together; half of it is left to the host's side).
pub const MAX_BAUD_ERROR: f64 = 0.02;

/// The host link's rate at the design clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct UartPlan {
    /// Baud rate.
    pub baud: u32,
    /// Design clock cycles per bit (the divider).
    pub clocks_per_bit: u64,
    /// True when the divider makes exactly `baud` (and, with a known bridge, the bridge makes
    /// it exactly too).
    pub exact: bool,
}

/// The design clock of a build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ClockPlan {
    /// The board's oscillator.
    #[serde(serialize_with = "mhz")]
    pub oscillator: Freq,
    /// What was asked for (`--clock-mhz`, else the board's default).
    #[serde(serialize_with = "mhz")]
    pub requested: Freq,
    /// The PLL making the design clock (`None`: the oscillator drives the design).
    pub pll: Option<Pll>,
    /// The design clock.
    #[serde(serialize_with = "mhz")]
    pub design: Freq,
    /// The host link (`None`: the board has none).
    pub uart: Option<UartPlan>,
}

fn mhz<S: serde::Serializer>(f: &Freq, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(f.mhz())
}

/// What the UART divider makes of a requested rate on a link whose rates are not known: an
/// integer number of design-clock cycles per bit, rounded to nearest.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UartRate {
    /// Requested baud rate.
    pub baud: u32,
    /// Design clock cycles per bit (the divider).
    pub clocks_per_bit: u64,
    /// The rate the divider really produces, bits/s.
    pub actual: f64,
    /// `|actual - baud| / baud`.
    pub error: f64,
}

impl UartRate {
    /// The divider for `baud` at `clock`.
    pub fn new(clock: Freq, baud: u32) -> Self {
        let b = u128::from(baud.max(1));
        let (n, d) = (u128::from(clock.num()), u128::from(clock.den()));
        // round(n / (d * b))
        let clocks_per_bit = ((2 * n + d * b) / (2 * d * b)).max(1) as u64;
        let actual = clock.num() as f64 / clock.den() as f64 / clocks_per_bit as f64;
        UartRate {
            baud,
            clocks_per_bit,
            actual,
            error: (actual - f64::from(baud)).abs() / f64::from(baud.max(1)),
        }
    }

    /// Why this rate cannot be used (too few clocks per bit or more than [`MAX_BAUD_ERROR`]).
    pub fn problem(&self, clock: Freq) -> Option<String> {
        if self.clocks_per_bit < MIN_CLOCKS_PER_BIT {
            Some(format!(
                "baud rate {} is too fast for the {clock} MHz design clock (need >= {MIN_CLOCKS_PER_BIT} clocks per bit)",
                self.baud
            ))
        } else if self.error > MAX_BAUD_ERROR {
            Some(format!(
                "baud rate {} is not reachable from the {clock} MHz design clock: the nearest integer divider ({} clocks per bit) gives {:.0} baud, {:.2} % off (max {:.0} %); use a rate near design clock / N, e.g. {:.0}",
                self.baud,
                self.clocks_per_bit,
                self.actual,
                100.0 * self.error,
                100.0 * MAX_BAUD_ERROR,
                self.actual,
            ))
        } else {
            None
        }
    }

    /// Seconds to send `bytes` bytes of 8N1 (10 bits each) at the real rate.
    pub fn seconds_for(&self, bytes: usize) -> f64 {
        bytes as f64 * 10.0 / self.actual
    }
}

/// True when an FTDI bridge with baud generator `base` makes exactly `baud`: `base / baud` is
/// 1, 1.5, or at least 2 in steps of 1/8 (FTDI AN232B-05).
pub fn ftdi_makes(base: u32, baud: u64) -> bool {
    let eighths = u64::from(base) * 8;
    if baud == 0 || eighths % baud != 0 {
        return false;
    }
    let n = eighths / baud;
    n == 8 || n == 12 || (16..=16384 * 8 + 7).contains(&n)
}

/// Exact rates at `clock` that an FTDI bridge with generator `base` makes, at most `max`, as
/// (baud, clocks per bit), fastest first; at most `limit` of them.
pub fn exact_rates(clock: Freq, base: u32, max: u32, limit: usize) -> Vec<(u32, u64)> {
    let mut out = Vec::new();
    let (n, d) = (u128::from(clock.num()), u128::from(clock.den()));
    let mut k = MIN_CLOCKS_PER_BIT;
    loop {
        let kd = d * u128::from(k);
        let baud = n / kd;
        if baud < u128::from(MIN_LINK_BAUD) || out.len() >= limit {
            break;
        }
        if n % kd == 0 && baud <= u128::from(max) && ftdi_makes(base, baud as u64) {
            out.push((baud as u32, k));
        }
        k += 1;
    }
    out
}

impl ClockPlan {
    /// The design clock for `board`: `clock_mhz` (else the board's default) and, on a board with
    /// a host link, the baud rate `baud` (else the fastest the link makes exactly, or the board's
    /// `default_baud` on a link whose rates are not known).
    pub fn new(
        board: &Board,
        clock_mhz: Option<f64>,
        baud: Option<u32>,
    ) -> Result<ClockPlan, BoardError> {
        let err = |problem: String| BoardError::Clock {
            board: board.name.clone(),
            problem,
        };
        let asked = clock_mhz.unwrap_or(board.design.freq_mhz);
        let requested = Freq::from_mhz(asked).ok_or_else(|| {
            err(format!(
                "the design clock {asked} MHz is not a positive frequency"
            ))
        })?;
        let oscillator = Freq::from_mhz(board.clock.freq_mhz).ok_or_else(|| {
            err(format!(
                "clock.freq_mhz = {} is not a positive frequency",
                board.clock.freq_mhz
            ))
        })?;
        let candidates = candidates(board, oscillator, requested).map_err(&err)?;
        let plan = |(pll, design): (Option<Pll>, Freq), uart| ClockPlan {
            oscillator,
            requested,
            pll,
            design,
            uart,
        };
        let link = &board.host_link;
        if link.kind == HostLinkKind::None {
            return Ok(plan(candidates[0], None));
        }
        let max = link.max_baud.unwrap_or(u32::MAX);
        if let Some(b) = baud {
            if b > max {
                return Err(err(format!(
                    "baud rate {b} exceeds the link's max_baud {max}"
                )));
            }
        }
        let Some(base) = link.baud_base else {
            // a link whose rates are not known: the fastest clock, the rate within MAX_BAUD_ERROR
            let (pll, design) = candidates[0];
            let b = baud.or(link.default_baud).unwrap_or(115_200);
            let r = UartRate::new(design, b);
            if let Some(problem) = r.problem(design) {
                return Err(err(problem));
            }
            let uart = UartPlan {
                baud: b,
                clocks_per_bit: r.clocks_per_bit,
                exact: r.error == 0.0,
            };
            return Ok(plan((pll, design), Some(uart)));
        };
        // a known bridge: the fastest exact rate among the clocks of the window
        let floor = requested.scale(100 - CLOCK_WINDOW_PERCENT, 100);
        let mut best: Option<((Option<Pll>, Freq), UartPlan)> = None;
        for &(pll, design) in candidates.iter().filter(|(_, f)| *f >= floor) {
            let rate = match baud {
                Some(b) => exact_rates(design, base, max, usize::MAX)
                    .into_iter()
                    .find(|(r, _)| *r == b),
                None => exact_rates(design, base, max, 1).into_iter().next(),
            };
            if let Some((b, k)) = rate {
                if best.is_none_or(|(_, u)| b > u.baud) {
                    let uart = UartPlan {
                        baud: b,
                        clocks_per_bit: k,
                        exact: true,
                    };
                    best = Some(((pll, design), uart));
                }
            }
        }
        match best {
            Some((clock, uart)) => Ok(plan(clock, Some(uart))),
            None => {
                let bridge = link.bridge.as_deref().unwrap_or("the bridge");
                let (_, fastest) = candidates[0];
                let rates: Vec<String> = exact_rates(fastest, base, max, 6)
                    .iter()
                    .map(|(b, _)| b.to_string())
                    .collect();
                let what = match baud {
                    Some(b) => format!("baud rate {b}"),
                    None => "any baud rate".to_string(),
                };
                let nearest: Vec<String> =
                    nearest_exact(board, oscillator, requested, base, max, baud)
                        .iter()
                        .map(|(f, b)| format!("{f} MHz ({b} baud)"))
                        .collect();
                let nearest = if nearest.is_empty() {
                    String::new()
                } else {
                    format!(
                        "; the nearest clocks with an exact rate, and the fastest rate within 20% below: {}",
                        nearest.join(", ")
                    )
                };
                Err(err(format!(
                    "no design clock from {floor} to {requested} MHz gives {what} that {bridge} makes exactly with an integer divider \
                     (rates {base}/d, d = 1, 1.5, 2, 2.125, ...; at least {MIN_CLOCKS_PER_BIT} clocks per bit); at {fastest} MHz the exact rates are: {}{nearest}; \
                     choose another --clock-mhz{}",
                    if rates.is_empty() { "none".to_string() } else { rates.join(", ") },
                    if baud.is_some() { " or --baud" } else { "" }
                )))
            }
        }
    }

    /// Clock cycles reset is held after the PLL locks: [`SETTLE_NS`] at the design clock.
    pub fn settle_cycles(&self) -> u64 {
        let n = u128::from(self.design.num()) * u128::from(SETTLE_NS);
        let d = u128::from(self.design.den()) * 1_000_000_000;
        n.div_ceil(d).max(1) as u64
    }

    /// The design clock in whole hertz, rounded up (cycle budgets sized from it never fall short).
    pub fn design_hz_ceil(&self) -> u64 {
        self.design.num().div_ceil(self.design.den())
    }

    /// One line: `30 MHz from the 12 MHz oscillator by SB_PLL40_PAD (DIVR 0, DIVF 79, DIVQ 5;
    /// PFD 12 MHz, VCO 960 MHz)`.
    pub fn describe(&self) -> String {
        let mut s = format!("{} MHz", self.design);
        match &self.pll {
            None => {
                let _ = write!(s, ", the oscillator itself (no PLL)");
            }
            Some(p) => {
                let fin = self.oscillator;
                let _ = write!(
                    s,
                    " from the {fin} MHz oscillator by {} ({}; PFD {} MHz, VCO {} MHz)",
                    p.primitive().cell(),
                    dividers(p),
                    p.pfd(fin),
                    p.vco(fin)
                );
            }
        }
        if self.design != self.requested {
            let _ = write!(s, "; {} MHz requested", self.requested);
        }
        s
    }
}

/// `DIVR 0, DIVF 79, DIVQ 5` / `CLKI_DIV 1, CLKFB_DIV 3, CLKOP_DIV 8`.
pub fn dividers(p: &Pll) -> String {
    match p {
        Pll::Ice40 { dividers: d, .. } => format!(
            "DIVR {}, DIVF {}, DIVQ {}, FILTER_RANGE {}",
            d.divr, d.divf, d.divq, d.filter_range
        ),
        Pll::Ecp5 { dividers: d } => format!(
            "CLKI_DIV {}, CLKFB_DIV {}, CLKOP_DIV {}",
            d.clki_div, d.clkfb_div, d.clkop_div
        ),
    }
}

/// The design clocks `board` can run at, not above `requested`, fastest first, each once (with
/// the first PLL setting found for it); the oscillator alone when it is what was asked for.
fn candidates(
    board: &Board,
    oscillator: Freq,
    requested: Freq,
) -> Result<Vec<(Option<Pll>, Freq)>, String> {
    if requested == oscillator {
        return Ok(vec![(None, oscillator)]);
    }
    let Some(primitive) = board.pll_primitive() else {
        return Err(format!(
            "its device {} has no PLL (or the board file says `clock.pll = \"none\"`): the design runs at the {oscillator} MHz oscillator; \
             drop --clock-mhz or pass {oscillator}",
            board.device.name
        ));
    };
    let mut all = pll::settings(primitive, oscillator).map_err(|e| e.to_string())?;
    let (lo, hi) = match primitive {
        PllPrimitive::Ecp5 => ECP5_LIMITS.output_khz,
        _ => ICE40_LIMITS.output_khz,
    };
    let slowest = all.iter().map(|(_, f)| *f).min();
    let fastest = all.iter().map(|(_, f)| *f).max();
    let (Some(slowest), Some(fastest)) = (slowest, fastest) else {
        return Err(format!(
            "{} makes no clock from the {oscillator} MHz oscillator within its limits",
            primitive.cell()
        ));
    };
    // a request outside what the PLL makes: say its range and the nearest clock it makes
    let outside = if requested < slowest {
        Some(("or less", slowest))
    } else if requested > fastest {
        Some(("or more", fastest))
    } else {
        None
    };
    if let Some((side, nearest)) = outside {
        return Err(format!(
            "{} cannot make {requested} MHz {side} from the {oscillator} MHz oscillator (outputs {}-{} MHz, nearest {nearest}); \
             choose --clock-mhz in that range, or {oscillator} to run on the oscillator without a PLL",
            primitive.cell(),
            Freq::hz(lo * 1000),
            Freq::hz(hi * 1000),
        ));
    }
    all.retain(|(_, f)| *f <= requested);
    all.sort_by_key(|x| std::cmp::Reverse(x.1));
    all.dedup_by(|a, b| a.1 == b.1);
    Ok(all.into_iter().map(|(p, f)| (Some(p), f)).collect())
}

/// The PLL outputs nearest `requested`, below and above it, at which the link has an exact rate
/// (`baud` when given), with that rate: what to suggest when the request's window has none.
fn nearest_exact(
    board: &Board,
    oscillator: Freq,
    requested: Freq,
    base: u32,
    max: u32,
    baud: Option<u32>,
) -> Vec<(Freq, u32)> {
    let Some(primitive) = board.pll_primitive() else {
        return Vec::new();
    };
    let Ok(settings) = pll::settings(primitive, oscillator) else {
        return Vec::new();
    };
    let mut outputs: Vec<Freq> = settings.into_iter().map(|(_, f)| f).collect();
    outputs.sort();
    outputs.dedup();
    let rate = |f: Freq| match baud {
        Some(b) => exact_rates(f, base, max, usize::MAX)
            .into_iter()
            .find(|(r, _)| *r == b)
            .map(|(r, _)| r),
        None => exact_rates(f, base, max, 1).first().map(|(r, _)| *r),
    };
    let below = outputs
        .iter()
        .rev()
        .filter(|f| **f < requested)
        .find_map(|&f| rate(f).map(|r| (f, r)));
    let above = outputs
        .iter()
        .filter(|f| **f > requested)
        .find_map(|&f| rate(f).map(|r| (f, r)));
    // and the fastest link within 20% below the request (the nearest may be a slow one)
    let fastest = outputs
        .iter()
        .filter(|f| **f < requested && **f >= requested.scale(80, 100))
        .filter_map(|&f| rate(f).map(|r| (f, r)))
        .max_by_key(|&(f, r)| (r, f));
    let mut out: Vec<(Freq, u32)> = below.into_iter().chain(above).collect();
    if let Some(x) = fastest.filter(|x| !out.contains(x)) {
        out.push(x);
    }
    out
}
