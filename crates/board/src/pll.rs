//! PLLs: the iCE40 sysCLOCK PLL (`SB_PLL40_PAD` / `SB_PLL40_CORE`) and the ECP5 `EHXPLLL`, as
//! searches over their dividers within the limits the open tools use (icestorm's `icepll`,
//! Project Trellis' `ecppll`; FPGA-V2-FACTS.md section 3). Frequencies are exact fractions of a
//! hertz, so the design clock, the UART divider and the reports agree to the last digit.
//!
//! - iCE40, SIMPLE feedback: `PFD = f_in / (DIVR + 1)`, `VCO = PFD * (DIVF + 1)`,
//!   `f_out = VCO / 2^DIVQ`; DIVR 0..=15, DIVF 0..=127, DIVQ 1..=6; input 10-133 MHz, PFD
//!   10-133 MHz, VCO 533-1066 MHz, output 16-275 MHz; FILTER_RANGE from the PFD.
//! - ECP5, feedback from CLKOP: `PFD = f_in / CLKI_DIV`, `f_out = PFD * CLKFB_DIV`,
//!   `VCO = f_out * CLKOP_DIV`; each divider 1..=128; input 8-400 MHz, PFD 3.125-400 MHz,
//!   VCO 400-800 MHz, output 10-400 MHz.

use std::cmp::Ordering;
use std::fmt;

use serde::Serialize;

use crate::{Board, Family};

/// An exact frequency, `num / den` hertz (reduced, `den > 0`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Freq {
    num: u64,
    den: u64,
}

impl Freq {
    /// `hz` hertz.
    pub const fn hz(hz: u64) -> Freq {
        Freq { num: hz, den: 1 }
    }

    /// `num / den` hertz (`den` > 0).
    pub fn ratio(num: u64, den: u64) -> Freq {
        let den = den.max(1);
        let g = gcd(num, den).max(1);
        Freq {
            num: num / g,
            den: den / g,
        }
    }

    /// `mhz` megahertz rounded to the nearest hertz (`None` unless finite and positive).
    pub fn from_mhz(mhz: f64) -> Option<Freq> {
        let hz = (mhz * 1e6).round();
        (mhz.is_finite() && (1.0..1e15).contains(&hz)).then(|| Freq::hz(hz as u64))
    }

    /// Numerator (hertz times the denominator).
    pub fn num(self) -> u64 {
        self.num
    }

    /// Denominator.
    pub fn den(self) -> u64 {
        self.den
    }

    /// Megahertz, for display.
    pub fn mhz(self) -> f64 {
        self.num as f64 / self.den as f64 / 1e6
    }

    /// Hertz rounded to the nearest integer (Verilog parameters).
    pub fn round_hz(self) -> u64 {
        (self.num + self.den / 2) / self.den
    }

    /// True when the frequency is a whole number of hertz.
    pub fn is_whole_hz(self) -> bool {
        self.den == 1
    }

    /// `self * m / d`.
    pub fn scale(self, m: u64, d: u64) -> Freq {
        let num = u128::from(self.num) * u128::from(m);
        let den = u128::from(self.den) * u128::from(d.max(1));
        let g = gcd128(num, den).max(1);
        Freq {
            num: u64::try_from(num / g).unwrap_or(u64::MAX),
            den: u64::try_from(den / g).unwrap_or(u64::MAX),
        }
    }

    /// `|self - other|` as a fraction (numerator, denominator), for comparing errors.
    fn distance(self, other: Freq) -> (u128, u128) {
        let a = u128::from(self.num) * u128::from(other.den);
        let b = u128::from(other.num) * u128::from(self.den);
        (a.abs_diff(b), u128::from(self.den) * u128::from(other.den))
    }

    /// True when `self` lies in `[lo_mhz_thousandths, hi_mhz_thousandths]` kHz.
    fn within_khz(self, lo_khz: u64, hi_khz: u64) -> bool {
        let f = u128::from(self.num);
        let d = u128::from(self.den) * 1000;
        f >= u128::from(lo_khz) * d && f <= u128::from(hi_khz) * d
    }
}

impl Ord for Freq {
    fn cmp(&self, other: &Self) -> Ordering {
        (u128::from(self.num) * u128::from(other.den))
            .cmp(&(u128::from(other.num) * u128::from(self.den)))
    }
}

impl PartialOrd for Freq {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Freq {
    /// MHz with up to 6 decimals, trailing zeros dropped (`30`, `33.333333`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let micro = (u128::from(self.num) + u128::from(self.den) / 2) / u128::from(self.den);
        let whole = micro / 1_000_000;
        let frac = micro % 1_000_000;
        if frac == 0 {
            write!(f, "{whole}")
        } else {
            let s = format!("{frac:06}");
            write!(f, "{whole}.{}", s.trim_end_matches('0'))
        }
    }
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

fn gcd128(a: u128, b: u128) -> u128 {
    if b == 0 {
        a
    } else {
        gcd128(b, a % b)
    }
}

/// `(a_num / a_den) < (b_num / b_den)` for errors from [`Freq::distance`].
fn less(a: (u128, u128), b: (u128, u128)) -> bool {
    // errors are below 2^64 Hz * 2^64 and denominators below 2^32 in practice; saturate anyway
    a.0.saturating_mul(b.1) < b.0.saturating_mul(a.1)
}

/// Which PLL primitive a board's design uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PllPrimitive {
    /// iCE40 `SB_PLL40_PAD`: the clock pin is the PLL's own input pad (iCEBreaker pin 35); the
    /// pad may feed nothing but the PLL.
    Ice40Pad,
    /// iCE40 `SB_PLL40_CORE`: the clock comes from another pin through the fabric.
    Ice40Core,
    /// ECP5 `EHXPLLL`.
    Ecp5,
}

impl PllPrimitive {
    /// The Verilog cell name.
    pub fn cell(self) -> &'static str {
        match self {
            PllPrimitive::Ice40Pad => "SB_PLL40_PAD",
            PllPrimitive::Ice40Core => "SB_PLL40_CORE",
            PllPrimitive::Ecp5 => "EHXPLLL",
        }
    }
}

/// How the board file says its clock reaches a PLL (`clock.pll`; default: from the package).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PllInput {
    /// The clock pin is a PLL input pad (iCE40 `SB_PLL40_PAD`).
    Pad,
    /// Through the fabric (iCE40 `SB_PLL40_CORE`; ECP5 always).
    Core,
    /// No PLL: the design runs on the oscillator (a device without a PLL, e.g. iCE40 LP384).
    None,
}

/// iCE40 PLL input pads (the PLLOUT_A pad site of each PLL) per nextpnr device and package, from
/// icestorm's `icebox.py` (`pinloc_db` x `pllinfo_db`). A clock on one of these pins must use
/// `SB_PLL40_PAD` (nextpnr: "Did you mean to use a PAD PLL?").
const ICE40_PLL_PADS: &[(&[&str], &str, &[&str])] = &[
    (&["up5k", "up3k", "u4k"], "sg48", &["35"]),
    (&["up5k", "up3k"], "uwg30", &["B3"]),
    (&["hx1k", "lp1k"], "tq144", &["49"]),
    (&["hx1k", "lp1k"], "vq100", &["33"]),
    (&["hx1k", "lp1k"], "qn84", &["A14"]),
    (&["hx1k", "lp1k"], "cb81", &["J3"]),
    (&["hx1k", "lp1k"], "cm81", &["H4"]),
    (&["hx1k", "lp1k"], "cb121", &["L9"]),
    (&["hx1k", "lp1k"], "cm121", &["J5"]),
    (&["hx1k", "lp1k"], "cb132", &["P7"]),
    (&["hx1k", "lp1k"], "cm36", &["F2"]),
    (&["hx1k", "lp1k"], "cm49", &["G3"]),
    (&["hx1k", "lp1k"], "swg16tr", &["D3"]),
    (&["hx8k", "lp8k", "hx4k", "lp4k"], "cm81", &["G4", "C4"]),
    (&["hx8k", "lp8k", "hx4k", "lp4k"], "bg121", &["L5", "B6"]),
    (&["hx8k", "lp8k", "hx4k", "lp4k"], "cm121", &["L5", "B6"]),
    (&["hx8k", "lp8k", "hx4k", "lp4k"], "cb132", &["P7", "A6"]),
    (&["hx8k", "lp8k", "hx4k", "lp4k"], "cm225", &["N7", "D8"]),
    (&["hx8k", "lp8k"], "ct256", &["R9", "F7"]),
    (&["hx4k", "lp4k"], "tq144", &["49", "129"]),
];

/// iCE40 devices without a PLL.
const ICE40_NO_PLL: &[&str] = &["lp384"];

impl Board {
    /// How the clock reaches the PLL: the board file's `clock.pll`, else from the package (a PLL
    /// input pad, another pin, or a device without a PLL).
    pub fn pll_input(&self) -> PllInput {
        if let Some(p) = self.clock.pll {
            return p;
        }
        let d = &self.device;
        match d.family {
            Family::Ecp5 => PllInput::Core,
            Family::Ice40 if ICE40_NO_PLL.contains(&d.nextpnr_device.as_str()) => PllInput::None,
            Family::Ice40 => {
                let pad = ICE40_PLL_PADS.iter().any(|(devs, pkg, pins)| {
                    devs.contains(&d.nextpnr_device.as_str())
                        && pkg.eq_ignore_ascii_case(&d.package)
                        && pins.contains(&self.clock.pin.as_str())
                });
                if pad {
                    PllInput::Pad
                } else {
                    PllInput::Core
                }
            }
        }
    }

    /// The PLL primitive this board's design uses (`None`: no PLL).
    pub fn pll_primitive(&self) -> Option<PllPrimitive> {
        match (self.device.family, self.pll_input()) {
            (_, PllInput::None) => None,
            (Family::Ecp5, _) => Some(PllPrimitive::Ecp5),
            (Family::Ice40, PllInput::Pad) => Some(PllPrimitive::Ice40Pad),
            (Family::Ice40, PllInput::Core) => Some(PllPrimitive::Ice40Core),
        }
    }
}

/// Limits of a PLL, in kHz (inclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PllLimits {
    /// Reference input.
    pub input_khz: (u64, u64),
    /// Phase-frequency detector.
    pub pfd_khz: (u64, u64),
    /// Oscillator.
    pub vco_khz: (u64, u64),
    /// Output.
    pub output_khz: (u64, u64),
}

/// icepll's limits (iCE40 sysCLOCK PLL).
pub const ICE40_LIMITS: PllLimits = PllLimits {
    input_khz: (10_000, 133_000),
    pfd_khz: (10_000, 133_000),
    vco_khz: (533_000, 1_066_000),
    output_khz: (16_000, 275_000),
};

/// ecppll's limits (ECP5 EHXPLLL).
pub const ECP5_LIMITS: PllLimits = PllLimits {
    input_khz: (8_000, 400_000),
    pfd_khz: (3_125, 400_000),
    vco_khz: (400_000, 800_000),
    output_khz: (10_000, 400_000),
};

/// Dividers of an iCE40 PLL in SIMPLE feedback mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Ice40Pll {
    /// Reference divider: PFD = input / (DIVR + 1).
    pub divr: u8,
    /// Feedback divider: VCO = PFD * (DIVF + 1).
    pub divf: u8,
    /// Output divider: output = VCO / 2^DIVQ.
    pub divq: u8,
    /// Loop filter setting for the PFD frequency.
    pub filter_range: u8,
}

impl Ice40Pll {
    /// PFD frequency for input `fin`.
    pub fn pfd(&self, fin: Freq) -> Freq {
        fin.scale(1, u64::from(self.divr) + 1)
    }

    /// VCO frequency.
    pub fn vco(&self, fin: Freq) -> Freq {
        self.pfd(fin).scale(u64::from(self.divf) + 1, 1)
    }

    /// Output frequency.
    pub fn output(&self, fin: Freq) -> Freq {
        self.vco(fin).scale(1, 1 << self.divq)
    }

    /// FILTER_RANGE for a PFD frequency (Lattice iCE40 sysCLOCK PLL guide; icepll): 1 below
    /// 17 MHz, 2 below 26, 3 below 44, 4 below 66, 5 below 101, else 6.
    pub fn filter_range_for(pfd: Freq) -> u8 {
        let bounds_mhz = [17u64, 26, 44, 66, 101];
        let below = |mhz: u64| pfd < Freq::hz(mhz * 1_000_000);
        bounds_mhz
            .iter()
            .position(|&b| below(b))
            .map_or(6, |i| i as u8 + 1)
    }

    /// Every valid setting for input `fin`, in the order DIVR, DIVF, DIVQ ascending.
    fn settings(fin: Freq) -> impl Iterator<Item = (Ice40Pll, Freq)> {
        let l = ICE40_LIMITS;
        (0u8..=15).flat_map(move |divr| {
            (0u8..=127).flat_map(move |divf| {
                (1u8..=6).filter_map(move |divq| {
                    let mut p = Ice40Pll {
                        divr,
                        divf,
                        divq,
                        filter_range: 0,
                    };
                    let pfd = p.pfd(fin);
                    let vco = p.vco(fin);
                    let ok = pfd.within_khz(l.pfd_khz.0, l.pfd_khz.1)
                        && vco.within_khz(l.vco_khz.0, l.vco_khz.1);
                    p.filter_range = Ice40Pll::filter_range_for(pfd);
                    ok.then(|| (p, p.output(fin)))
                })
            })
        })
    }
}

/// Dividers of an ECP5 EHXPLLL with CLKOP as its own feedback.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Ecp5Pll {
    /// Reference divider: PFD = input / CLKI_DIV.
    pub clki_div: u8,
    /// Feedback divider: output = PFD * CLKFB_DIV.
    pub clkfb_div: u8,
    /// Output divider: VCO = output * CLKOP_DIV.
    pub clkop_div: u8,
}

impl Ecp5Pll {
    /// PFD frequency for input `fin`.
    pub fn pfd(&self, fin: Freq) -> Freq {
        fin.scale(1, u64::from(self.clki_div))
    }

    /// Output (CLKOP) frequency.
    pub fn output(&self, fin: Freq) -> Freq {
        self.pfd(fin).scale(u64::from(self.clkfb_div), 1)
    }

    /// VCO frequency.
    pub fn vco(&self, fin: Freq) -> Freq {
        self.output(fin).scale(u64::from(self.clkop_div), 1)
    }

    /// CLKOP_CPHASE for a 0 degree output: CLKOP_DIV - 1 (the value Lattice's generated
    /// EHXPLLL instances use for no phase shift; the phase does not matter to a design with one
    /// clock).
    pub fn cphase(&self) -> u8 {
        self.clkop_div - 1
    }

    /// Every valid (CLKI_DIV, CLKFB_DIV) for input `fin`, each with the CLKOP_DIV whose VCO is
    /// nearest the middle of the VCO range (600 MHz).
    fn settings(fin: Freq) -> impl Iterator<Item = (Ecp5Pll, Freq)> {
        let l = ECP5_LIMITS;
        (1u8..=128).flat_map(move |clki_div| {
            (1u8..=128).filter_map(move |clkfb_div| {
                let p = Ecp5Pll {
                    clki_div,
                    clkfb_div,
                    clkop_div: 1,
                };
                if !p.pfd(fin).within_khz(l.pfd_khz.0, l.pfd_khz.1) {
                    return None;
                }
                let out = p.output(fin);
                // VCO = out * k within the range: k in [ceil(lo / out), floor(hi / out)]
                let (n, d) = (u128::from(out.num), u128::from(out.den));
                let lo = (u128::from(l.vco_khz.0) * 1000 * d).div_ceil(n).max(1);
                let hi = (u128::from(l.vco_khz.1) * 1000 * d / n).min(128);
                let mid = (600_000_000 * d + n / 2) / n;
                (lo <= hi).then(|| {
                    let clkop_div = mid.clamp(lo, hi) as u8;
                    (Ecp5Pll { clkop_div, ..p }, out)
                })
            })
        })
    }
}

/// A PLL of the design: primitive and dividers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "family", rename_all = "lowercase")]
pub enum Pll {
    /// iCE40 sysCLOCK PLL.
    Ice40 {
        /// Pad or core input.
        primitive: PllPrimitive,
        /// Dividers.
        dividers: Ice40Pll,
    },
    /// ECP5 EHXPLLL.
    Ecp5 {
        /// Dividers.
        dividers: Ecp5Pll,
    },
}

impl Pll {
    /// The primitive.
    pub fn primitive(&self) -> PllPrimitive {
        match self {
            Pll::Ice40 { primitive, .. } => *primitive,
            Pll::Ecp5 { .. } => PllPrimitive::Ecp5,
        }
    }

    /// Output frequency for input `fin`.
    pub fn output(&self, fin: Freq) -> Freq {
        match self {
            Pll::Ice40 { dividers, .. } => dividers.output(fin),
            Pll::Ecp5 { dividers } => dividers.output(fin),
        }
    }

    /// VCO frequency for input `fin`.
    pub fn vco(&self, fin: Freq) -> Freq {
        match self {
            Pll::Ice40 { dividers, .. } => dividers.vco(fin),
            Pll::Ecp5 { dividers } => dividers.vco(fin),
        }
    }

    /// PFD frequency for input `fin`.
    pub fn pfd(&self, fin: Freq) -> Freq {
        match self {
            Pll::Ice40 { dividers, .. } => dividers.pfd(fin),
            Pll::Ecp5 { dividers } => dividers.pfd(fin),
        }
    }
}

/// What a PLL search should find.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The output nearest the frequency, either side (what `icepll` and `ecppll` compute).
    Nearest(Freq),
    /// The fastest output not above the frequency (a design clock must not exceed what timing
    /// allows).
    AtMost(Freq),
}

/// Why no PLL setting exists.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PllError {
    /// The reference clock is outside the PLL's input range.
    #[error("the {input} MHz board clock is outside the {cell} input range {lo}-{hi} MHz")]
    Input {
        /// PLL cell.
        cell: &'static str,
        /// Input, MHz.
        input: Freq,
        /// Range, MHz.
        lo: String,
        /// Range, MHz.
        hi: String,
    },
    /// No setting reaches the target.
    #[error("{cell} cannot make {target} MHz from {input} MHz: its outputs span {lo}-{hi} MHz")]
    Unreachable {
        /// PLL cell.
        cell: &'static str,
        /// Requested output, MHz.
        target: Freq,
        /// Input, MHz.
        input: Freq,
        /// Slowest output, MHz.
        lo: Freq,
        /// Fastest output, MHz.
        hi: Freq,
    },
}

fn khz_text(khz: u64) -> String {
    Freq::hz(khz * 1000).to_string()
}

/// Every setting of `primitive` from the input `fin` whose output is in range, with its output,
/// in the order of the dividers (iCE40: DIVR, DIVF, DIVQ ascending; ECP5: CLKI_DIV, CLKFB_DIV).
pub fn settings(primitive: PllPrimitive, fin: Freq) -> Result<Vec<(Pll, Freq)>, PllError> {
    let (limits, cell) = match primitive {
        PllPrimitive::Ecp5 => (ECP5_LIMITS, primitive.cell()),
        _ => (ICE40_LIMITS, primitive.cell()),
    };
    if !fin.within_khz(limits.input_khz.0, limits.input_khz.1) {
        return Err(PllError::Input {
            cell,
            input: fin,
            lo: khz_text(limits.input_khz.0),
            hi: khz_text(limits.input_khz.1),
        });
    }
    let out_ok = |f: &Freq| f.within_khz(limits.output_khz.0, limits.output_khz.1);
    Ok(match primitive {
        PllPrimitive::Ecp5 => Ecp5Pll::settings(fin)
            .filter(|(_, f)| out_ok(f))
            .map(|(dividers, f)| (Pll::Ecp5 { dividers }, f))
            .collect(),
        _ => Ice40Pll::settings(fin)
            .filter(|(_, f)| out_ok(f))
            .map(|(dividers, f)| {
                (
                    Pll::Ice40 {
                        primitive,
                        dividers,
                    },
                    f,
                )
            })
            .collect(),
    })
}

/// The best setting of `primitive` for `target` from the input `fin` (the first in the order
/// of [`settings`] among equally good ones).
pub fn search(primitive: PllPrimitive, fin: Freq, target: Target) -> Result<Pll, PllError> {
    let all = settings(primitive, fin)?;
    let mut best: Option<(Pll, Freq)> = None;
    for &(pll, f) in &all {
        let better = match (target, best) {
            (Target::Nearest(_), None) => true,
            (Target::AtMost(t), None) => f <= t,
            (Target::Nearest(t), Some((_, b))) => less(f.distance(t), b.distance(t)),
            (Target::AtMost(t), Some((_, b))) => f <= t && f > b,
        };
        if better {
            best = Some((pll, f));
        }
    }
    let target_freq = match target {
        Target::Nearest(t) | Target::AtMost(t) => t,
    };
    best.map(|(p, _)| p).ok_or(PllError::Unreachable {
        cell: primitive.cell(),
        target: target_freq,
        input: fin,
        lo: all.iter().map(|(_, f)| *f).min().unwrap_or(Freq::hz(0)),
        hi: all.iter().map(|(_, f)| *f).max().unwrap_or(Freq::hz(0)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn freq_display_and_order() {
        assert_eq!(Freq::hz(30_000_000).to_string(), "30");
        assert_eq!(Freq::ratio(100_000_000, 3).to_string(), "33.333333");
        assert_eq!(Freq::hz(15_937_500).to_string(), "15.9375");
        assert!(Freq::ratio(100_000_000, 3) < Freq::hz(33_333_334));
        assert!(Freq::ratio(100_000_000, 3) > Freq::hz(33_333_333));
        assert_eq!(Freq::ratio(100_000_000, 3).round_hz(), 33_333_333);
    }

    #[test]
    fn icebreaker_12_to_30_is_exact() {
        // the documented example of FPGA-V2-FACTS: 12 -> 48 MHz is DIVR 0, DIVF 63, DIVQ 4, range 1
        let p = search(
            PllPrimitive::Ice40Pad,
            Freq::hz(12_000_000),
            Target::Nearest(Freq::hz(48_000_000)),
        )
        .unwrap();
        let Pll::Ice40 { dividers, .. } = p else {
            panic!()
        };
        assert_eq!(
            (
                dividers.divr,
                dividers.divf,
                dividers.divq,
                dividers.filter_range
            ),
            (0, 63, 4, 1)
        );
    }
}
