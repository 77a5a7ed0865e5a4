//! Inline SVG plots: spike rasters, line plots, usage bars and histograms.
//!
//! Every function returns one well-formed `<svg>` element (tests parse the page as XML), sized
//! in pixels, with no scripts and no external references. Coordinates are printed with one
//! decimal so the output is deterministic and small.

use std::fmt::Write;

/// Colours of the three engines and of differences (colour-blind-safe Okabe–Ito palette).
pub const FLOAT_COLOR: &str = "#0072B2";
/// Fixed-point golden model.
pub const FIXED_COLOR: &str = "#E69F00";
/// Cycle model of the hardware.
pub const HARDWARE_COLOR: &str = "#009E73";
/// A spike that differs from the reference.
pub const DIFF_COLOR: &str = "#D55E00";

/// Escape text for HTML/XML content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A number for a label: integers plainly, others with three significant digits.
pub fn num(v: f64) -> String {
    if !v.is_finite() {
        return "n/a".into();
    }
    if v == v.round() && v.abs() < 1e9 {
        return format!("{}", v as i64);
    }
    let mag = v.abs();
    if mag >= 100.0 {
        format!("{v:.0}")
    } else if mag >= 1.0 {
        format!("{v:.2}")
    } else if mag >= 0.001 {
        format!("{v:.4}")
    } else {
        format!("{v:.2e}")
    }
}

fn open(out: &mut String, w: f64, h: f64, label: &str) {
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w:.0}" height="{h:.0}" viewBox="0 0 {w:.0} {h:.0}" role="img" aria-label="{}">"#,
        escape(label)
    );
}

fn text(out: &mut String, x: f64, y: f64, anchor: &str, s: &str) {
    let _ = write!(
        out,
        r#"<text x="{x:.1}" y="{y:.1}" text-anchor="{anchor}" font-size="10">{}</text>"#,
        escape(s)
    );
}

/// Spike raster of `spikes` (`[steps][size]`): x = step, y = neuron. Spikes that differ from
/// `reference` (same shape) are drawn in [`DIFF_COLOR`]; `color` is used for the others.
pub fn raster(
    spikes: &[u8],
    steps: usize,
    size: usize,
    color: &str,
    reference: Option<&[u8]>,
    label: &str,
) -> String {
    let (w, h, left, bottom) = (300.0, 170.0, 30.0, 20.0);
    let (pw, ph) = (w - left - 5.0, h - bottom - 5.0);
    let cw = pw / steps.max(1) as f64;
    let ch = ph / size.max(1) as f64;
    let mut out = String::new();
    open(&mut out, w, h, label);
    let _ = write!(
        out,
        r##"<rect x="{left:.1}" y="5" width="{pw:.1}" height="{ph:.1}" fill="#fafafa" stroke="#999"/>"##
    );
    let mut missing = String::new();
    for t in 0..steps {
        for n in 0..size {
            let i = t * size + n;
            let s = spikes.get(i).copied().unwrap_or(0) != 0;
            let r = reference.map(|r| r.get(i).copied().unwrap_or(0) != 0);
            let (x, y) = (left + t as f64 * cw, 5.0 + n as f64 * ch);
            if s {
                let fill = if r == Some(false) { DIFF_COLOR } else { color };
                let _ = write!(
                    out,
                    r#"<rect x="{x:.1}" y="{y:.1}" width="{:.1}" height="{:.1}" fill="{fill}"/>"#,
                    cw.max(0.6),
                    ch.max(0.6)
                );
            } else if r == Some(true) {
                // A reference spike this engine lacks: an outlined cell, so both kinds show.
                let _ = write!(
                    missing,
                    r#"<rect x="{x:.1}" y="{y:.1}" width="{:.1}" height="{:.1}" fill="none" stroke="{DIFF_COLOR}"/>"#,
                    cw.max(0.6),
                    ch.max(0.6)
                );
            }
        }
    }
    out.push_str(&missing);
    text(&mut out, left, h - 6.0, "start", "0");
    text(&mut out, w - 5.0, h - 6.0, "end", &format!("{steps} steps"));
    text(&mut out, left - 3.0, 14.0, "end", "0");
    text(
        &mut out,
        left - 3.0,
        h - bottom,
        "end",
        &size.saturating_sub(1).to_string(),
    );
    out.push_str("</svg>");
    out
}

/// One line of a [`line_plot`].
#[derive(Debug, Clone, PartialEq)]
pub struct Series<'a> {
    /// Legend text.
    pub label: &'a str,
    /// Stroke colour.
    pub color: &'a str,
    /// Dash pattern (`None` = solid).
    pub dash: Option<&'a str>,
    /// One value per step.
    pub values: Vec<f64>,
}

/// Line plot of `series` over steps, with an optional horizontal threshold line.
pub fn line_plot(series: &[Series<'_>], threshold: Option<f64>, label: &str) -> String {
    let (w, h, left, bottom, top) = (420.0, 180.0, 46.0, 20.0, 18.0);
    let (pw, ph) = (w - left - 8.0, h - bottom - top);
    let steps = series.iter().map(|s| s.values.len()).max().unwrap_or(0);
    let finite = series
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .chain(threshold)
        .filter(|v| v.is_finite());
    let (mut lo, mut hi) = finite.fold((0.0f64, 0.0f64), |(a, b), v| (a.min(v), b.max(v)));
    if hi - lo < 1e-12 {
        (lo, hi) = (lo - 1.0, hi + 1.0);
    }
    let x = |t: usize| left + pw * t as f64 / (steps.max(2) - 1) as f64;
    let y = |v: f64| top + ph * (hi - v) / (hi - lo);
    let mut out = String::new();
    open(&mut out, w, h, label);
    let _ = write!(
        out,
        r##"<rect x="{left:.1}" y="{top:.1}" width="{pw:.1}" height="{ph:.1}" fill="#fafafa" stroke="#999"/>"##
    );
    if lo < 0.0 && hi > 0.0 {
        let _ = write!(
            out,
            r##"<line x1="{left:.1}" y1="{y0:.1}" x2="{:.1}" y2="{y0:.1}" stroke="#ccc"/>"##,
            left + pw,
            y0 = y(0.0)
        );
    }
    if let Some(th) = threshold.filter(|v| v.is_finite()) {
        let _ = write!(
            out,
            r##"<line x1="{left:.1}" y1="{yt:.1}" x2="{:.1}" y2="{yt:.1}" stroke="#999" stroke-dasharray="2 3"/>"##,
            left + pw,
            yt = y(th)
        );
        text(&mut out, left + pw - 2.0, y(th) - 2.0, "end", "threshold");
    }
    for s in series {
        let pts: Vec<String> = s
            .values
            .iter()
            .enumerate()
            .filter(|(_, v)| v.is_finite())
            .map(|(t, &v)| format!("{:.1},{:.1}", x(t), y(v)))
            .collect();
        let dash = s
            .dash
            .map(|d| format!(r#" stroke-dasharray="{d}""#))
            .unwrap_or_default();
        let _ = write!(
            out,
            r#"<polyline fill="none" stroke="{}" stroke-width="1.5"{dash} points="{}"/>"#,
            s.color,
            pts.join(" ")
        );
    }
    let mut lx = left;
    for s in series {
        let _ = write!(
            out,
            r#"<rect x="{lx:.1}" y="4" width="10" height="8" fill="{}"/>"#,
            s.color
        );
        text(&mut out, lx + 13.0, 12.0, "start", s.label);
        lx += 20.0 + 6.0 * s.label.len() as f64;
    }
    text(&mut out, left - 3.0, top + 8.0, "end", &num(hi));
    text(&mut out, left - 3.0, top + ph, "end", &num(lo));
    text(&mut out, left, h - 6.0, "start", "0");
    text(
        &mut out,
        left + pw,
        h - 6.0,
        "end",
        &format!("step {}", steps.saturating_sub(1)),
    );
    out.push_str("</svg>");
    out
}

/// A horizontal usage bar: `used` of `available`, red beyond 100 %.
pub fn usage_bar(used: u64, available: u64, label: &str) -> String {
    let (w, h) = (260.0, 16.0);
    let frac = if available == 0 {
        if used == 0 {
            0.0
        } else {
            f64::INFINITY
        }
    } else {
        used as f64 / available as f64
    };
    let color = if frac > 1.0 {
        DIFF_COLOR
    } else if frac > 0.8 {
        FIXED_COLOR
    } else {
        HARDWARE_COLOR
    };
    let mut out = String::new();
    open(&mut out, w, h, label);
    let _ = write!(
        out,
        r##"<rect x="0" y="0" width="{w:.0}" height="{h:.0}" fill="#eee" stroke="#999"/><rect x="0" y="0" width="{:.1}" height="{h:.0}" fill="{color}"/>"##,
        w * frac.min(1.0)
    );
    out.push_str("</svg>");
    out
}

/// Histogram of `values`: one bar per distinct value when there are few, else 20 equal bins.
pub fn histogram(values: &[u64], label: &str) -> String {
    let (w, h, left, bottom, top) = (420.0, 170.0, 40.0, 22.0, 8.0);
    let (pw, ph) = (w - left - 8.0, h - bottom - top);
    let mut out = String::new();
    open(&mut out, w, h, label);
    let (Some(&lo), Some(&hi)) = (values.iter().min(), values.iter().max()) else {
        text(&mut out, w / 2.0, h / 2.0, "middle", "no data");
        out.push_str("</svg>");
        return out;
    };
    let span = hi - lo + 1;
    let bins = span.min(20) as usize;
    let width = span.div_ceil(bins as u64);
    let mut counts = vec![0u64; bins];
    for &v in values {
        counts[((v - lo) / width) as usize] += 1;
    }
    let peak = counts.iter().copied().max().unwrap_or(1).max(1);
    let bw = pw / bins as f64;
    let _ = write!(
        out,
        r##"<line x1="{left:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#999"/>"##,
        top + ph,
        left + pw,
        top + ph
    );
    for (i, &c) in counts.iter().enumerate() {
        let bh = ph * c as f64 / peak as f64;
        let from = lo + i as u64 * width;
        let _ = write!(
            out,
            r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{bh:.1}" fill="{FLOAT_COLOR}"><title>{}</title></rect>"#,
            left + i as f64 * bw + 1.0,
            top + ph - bh,
            (bw - 2.0).max(0.5),
            escape(&if width == 1 {
                format!("{from} cycles: {c} steps")
            } else {
                format!("{from}..{} cycles: {c} steps", from + width - 1)
            })
        );
    }
    text(&mut out, left - 3.0, top + 8.0, "end", &peak.to_string());
    text(&mut out, left - 3.0, top + ph, "end", "0");
    text(&mut out, left, h - 6.0, "start", &lo.to_string());
    text(&mut out, left + pw, h - 6.0, "end", &format!("{hi} cycles"));
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(escape(r#"<a & "b">"#), "&lt;a &amp; &quot;b&quot;&gt;");
    }

    #[test]
    fn histogram_counts_every_value_once() {
        // 3 distinct values -> 3 bins with counts 2, 1, 3 (titles carry the counts).
        let svg = histogram(&[5, 5, 6, 7, 7, 7], "h");
        assert!(svg.contains("5 cycles: 2 steps"));
        assert!(svg.contains("6 cycles: 1 steps"));
        assert!(svg.contains("7 cycles: 3 steps"));
        // Wide range: 20 bins of width 5 covering 0..=99, every value counted.
        let vals: Vec<u64> = (0..100).collect();
        let svg = histogram(&vals, "h");
        assert_eq!(svg.matches("cycles: 5 steps").count(), 20);
    }

    #[test]
    fn raster_marks_differences() {
        // 2 steps x 2 neurons; the engine has a spike the reference lacks and misses one it has.
        let svg = raster(&[1, 0, 0, 1], 2, 2, FIXED_COLOR, Some(&[1, 1, 0, 0]), "r");
        assert_eq!(svg.matches(&format!(r#"fill="{DIFF_COLOR}""#)).count(), 1);
        assert_eq!(svg.matches(&format!(r#"stroke="{DIFF_COLOR}""#)).count(), 1);
        assert_eq!(svg.matches(&format!(r#"fill="{FIXED_COLOR}""#)).count(), 1);
    }

    #[test]
    fn numbers_are_short() {
        assert_eq!(num(3.0), "3");
        assert_eq!(num(0.123456), "0.1235");
        assert_eq!(num(12.3456), "12.35");
        assert_eq!(num(f64::NAN), "n/a");
    }
}
