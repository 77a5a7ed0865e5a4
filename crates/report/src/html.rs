//! `render`: `ReportData` -> one self-contained static HTML page (inline CSS and SVG, no script,
//! no external resource). The page is also well-formed XML, which the tests check.

use std::fmt::Write;

use crate::data::{Engine, EngineTrace, LayerTraces, ReportData, ResourceSource};
use crate::svg::{self, escape, num, Series, DIFF_COLOR, FIXED_COLOR, FLOAT_COLOR, HARDWARE_COLOR};

/// Membrane plots per layer when the caller did not choose neurons.
const AUTO_MEMBRANE_NEURONS: usize = 3;

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:1.5em auto;max-width:1100px;color:#222}\
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}\
th{background:#f3f3f3}td.l,th.l{text-align:left}figure{display:inline-block;margin:4px 8px}\
figcaption{font-size:12px;color:#444}.bad{color:#b00}.ok{color:#070}h2{border-bottom:1px solid #ddd}";

/// Render the report page.
pub fn render(d: &ReportData) -> String {
    let mut o = String::new();
    let title = escape(&d.title);
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\"><head><meta charset=\"utf-8\"/>\
         <title>spikeloom report: {title}</title><style>{STYLE}</style></head><body>\n\
         <h1>spikeloom report: {title}</h1><p>{} &#8212; board <b>{}</b>, device <b>{}</b></p>\n",
        escape(&d.generator),
        escape(&d.target.board),
        escape(&d.target.device)
    );
    network(&mut o, d);
    quantization(&mut o, d);
    accuracy(&mut o, d);
    rasters(&mut o, d);
    membranes(&mut o, d);
    resources(&mut o, d);
    timing(&mut o, d);
    if !d.notes.is_empty() {
        o.push_str("<section id=\"notes\"><h2>Notes</h2><ul>");
        for n in &d.notes {
            let _ = write!(o, "<li>{}</li>", escape(n));
        }
        o.push_str("</ul></section>\n");
    }
    o.push_str("</body></html>\n");
    o
}

fn row(o: &mut String, cells: &[String]) {
    o.push_str("<tr>");
    for (i, c) in cells.iter().enumerate() {
        // The first column is a name: left-aligned.
        let class = if i == 0 { " class=\"l\"" } else { "" };
        let _ = write!(o, "<td{class}>{}</td>", escape(c));
    }
    o.push_str("</tr>");
}

fn header(o: &mut String, cells: &[&str]) {
    o.push_str("<table><tr>");
    for (i, c) in cells.iter().enumerate() {
        let class = if i == 0 { " class=\"l\"" } else { "" };
        let _ = write!(o, "<th{class}>{}</th>", escape(c));
    }
    o.push_str("</tr>");
}

fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "-".into(), |v| format!("{:.2} %", 100.0 * v))
}

fn network(o: &mut String, d: &ReportData) {
    let n = &d.network;
    let synapses: usize = n.layers.iter().map(|l| l.synapses).sum();
    let neurons: usize = n.layers.iter().map(|l| l.size).sum();
    let _ = write!(
        o,
        "<section id=\"network\"><h2>Network</h2><p>{} inputs, {} layers, {neurons} neurons, {synapses} synapses.</p>",
        n.input_size,
        n.layers.len()
    );
    header(
        o,
        &[
            "layer",
            "model",
            "neurons",
            "inputs from",
            "synapses",
            "lanes",
            "blocks",
            "leak",
        ],
    );
    for (i, l) in n.layers.iter().enumerate() {
        let name = if i == n.output_layer {
            format!("{} (output)", l.name)
        } else {
            l.name.clone()
        };
        row(
            o,
            &[
                name,
                l.kind.clone(),
                l.size.to_string(),
                l.sources.join(", "),
                l.synapses.to_string(),
                l.lanes.to_string(),
                l.blocks.to_string(),
                l.leak.clone(),
            ],
        );
    }
    o.push_str("</table></section>\n");
}

fn quantization(o: &mut String, d: &ReportData) {
    o.push_str("<section id=\"quantization\"><h2>Quantization</h2>");
    if d.quantization.is_empty() {
        o.push_str(
            "<p>No quantization record (the model was given already quantized).</p></section>\n",
        );
        return;
    }
    header(
        o,
        &[
            "layer",
            "weight bits",
            "state bits",
            "decay shift",
            "weight shift",
            "weight LSB",
            "state LSB",
            "clipped weights",
            "max weight error",
            "saturations",
            "spike agreement",
        ],
    );
    for q in &d.quantization {
        row(
            o,
            &[
                q.layer.clone(),
                q.weight_bits.to_string(),
                q.state_bits.to_string(),
                q.decay_shift.to_string(),
                q.weight_shift.to_string(),
                num(q.weight_lsb),
                num(q.state_lsb),
                q.clipped_weights.to_string(),
                num(q.max_weight_error),
                q.saturations.map_or_else(|| "-".into(), |s| s.to_string()),
                pct(q.spike_agreement),
            ],
        );
    }
    o.push_str("</table></section>\n");
}

fn accuracy(o: &mut String, d: &ReportData) {
    o.push_str("<section id=\"accuracy\"><h2>Accuracy and verification</h2>");
    match &d.accuracy {
        Some(a) => {
            let _ = write!(
                o,
                "<p>Argmax read-out (spike counts; the membrane summed over time for a non-spiking \
                 read-out layer) on {} labelled samples.</p>",
                a.samples
            );
            header(o, &["engine", "accuracy"]);
            row(
                o,
                &["float (training-library semantics)".into(), pct(a.float)],
            );
            row(o, &["fixed (integer golden model)".into(), pct(a.fixed)]);
            row(o, &["hardware (cycle model = RTL)".into(), pct(a.hardware)]);
            o.push_str("</table>");
        }
        None => o.push_str("<p>No labels were given: accuracy not measured.</p>"),
    }
    if !d.verification.is_empty() {
        o.push_str("<ul>");
        for v in &d.verification {
            let _ = write!(o, "<li>{}</li>", escape(v));
        }
        o.push_str("</ul>");
    }
    o.push_str("</section>\n");
}

fn engine_color(e: Engine) -> &'static str {
    match e {
        Engine::Float => FLOAT_COLOR,
        Engine::Fixed => FIXED_COLOR,
        Engine::Hardware => HARDWARE_COLOR,
    }
}

/// The trace each engine is compared with: fixed vs float (quantization), hardware vs fixed
/// (must be identical).
fn reference(lt: &LayerTraces, e: Engine) -> Option<&EngineTrace> {
    let want = match e {
        Engine::Float => return None,
        Engine::Fixed => Engine::Float,
        Engine::Hardware => Engine::Fixed,
    };
    lt.engines.iter().find(|t| t.engine == want)
}

fn rasters(o: &mut String, d: &ReportData) {
    o.push_str("<section id=\"rasters\"><h2>Spike rasters</h2>");
    let _ = write!(
        o,
        "<p>x: time step, y: neuron. Spikes that differ from the reference engine (fixed vs float, \
         hardware vs fixed) are <span style=\"color:{DIFF_COLOR}\">filled or outlined in red</span>.</p>"
    );
    for lt in &d.traces {
        let _ = write!(o, "<h3>{} (sample {})</h3>", escape(&lt.layer), lt.sample);
        for et in &lt.engines {
            let r = reference(lt, et.engine);
            let spikes: usize = et.spikes.iter().map(|&s| usize::from(s != 0)).sum();
            let caption = match r {
                Some(r) => {
                    let diff = et
                        .spikes
                        .iter()
                        .zip(&r.spikes)
                        .filter(|(a, b)| (**a != 0) != (**b != 0))
                        .count();
                    let class = if diff == 0 { "ok" } else { "bad" };
                    format!(
                        "{}: {spikes} spikes, <span class=\"{class}\">{diff} differ from {}</span>",
                        et.engine.name(),
                        r.engine.name()
                    )
                }
                None => format!("{}: {spikes} spikes", et.engine.name()),
            };
            let _ = write!(
                o,
                "<figure>{}<figcaption>{caption}</figcaption></figure>",
                svg::raster(
                    &et.spikes,
                    lt.steps,
                    lt.size,
                    engine_color(et.engine),
                    r.map(|r| r.spikes.as_slice()),
                    &format!("{} spikes of {}", et.engine.name(), lt.layer),
                )
            );
        }
    }
    o.push_str("</section>\n");
}

/// The neurons to plot: the caller's choice, else the most active (by spikes, then by
/// membrane excursion for non-spiking layers), lowest index first on ties.
pub(crate) fn membrane_neurons(lt: &LayerTraces) -> Vec<usize> {
    if !lt.membrane_neurons.is_empty() {
        return lt
            .membrane_neurons
            .iter()
            .copied()
            .filter(|&n| n < lt.size)
            .collect();
    }
    let Some(first) = lt.engines.first() else {
        return Vec::new();
    };
    let mut score: Vec<(u64, f64, usize)> = (0..lt.size)
        .map(|n| {
            let (mut spikes, mut peak) = (0u64, 0.0f64);
            for t in 0..lt.steps {
                let i = t * lt.size + n;
                spikes += u64::from(first.spikes.get(i).copied().unwrap_or(0) != 0);
                peak = peak.max(first.membrane.get(i).copied().unwrap_or(0.0).abs());
            }
            (spikes, peak, n)
        })
        .collect();
    score.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.total_cmp(&a.1)).then(a.2.cmp(&b.2)));
    score
        .into_iter()
        .take(AUTO_MEMBRANE_NEURONS)
        .map(|s| s.2)
        .collect()
}

fn membranes(o: &mut String, d: &ReportData) {
    o.push_str("<section id=\"membranes\"><h2>Membrane traces</h2><p>Float units (integer engines: raw value &#215; state LSB). \
        The hardware line is dashed: it lies on the fixed line when the chain is bit-exact.</p>");
    for lt in &d.traces {
        for n in membrane_neurons(lt) {
            let series: Vec<Series<'_>> = lt
                .engines
                .iter()
                .map(|et| Series {
                    label: et.engine.name(),
                    color: engine_color(et.engine),
                    dash: (et.engine == Engine::Hardware).then_some("4 3"),
                    values: (0..lt.steps)
                        .map(|t| {
                            et.membrane
                                .get(t * lt.size + n)
                                .copied()
                                .unwrap_or(f64::NAN)
                        })
                        .collect(),
                })
                .collect();
            let _ = write!(
                o,
                "<figure>{}<figcaption>{} neuron {n} (sample {})</figcaption></figure>",
                svg::line_plot(
                    &series,
                    lt.threshold,
                    &format!("membrane of {} neuron {n}", lt.layer)
                ),
                escape(&lt.layer),
                lt.sample
            );
        }
    }
    o.push_str("</section>\n");
}

fn resources(o: &mut String, d: &ReportData) {
    o.push_str("<section id=\"resources\"><h2>Resources</h2>");
    if d.resources.is_empty() {
        o.push_str("<p>No resource figures.</p></section>\n");
        return;
    }
    header(o, &["resource", "source", "used", "available", "use", ""]);
    for r in &d.resources {
        let source = match r.source {
            ResourceSource::Estimate => "plan estimate",
            ResourceSource::PlaceAndRoute => "after place and route",
        };
        let share = if r.available == 0 {
            "-".to_string()
        } else {
            format!("{:.1} %", 100.0 * r.used as f64 / r.available as f64)
        };
        let _ = write!(
            o,
            "<tr><td class=\"l\">{}</td><td class=\"l\">{source}</td><td>{}</td><td>{}</td><td>{share}</td><td>{}</td></tr>",
            escape(&r.name),
            r.used,
            r.available,
            svg::usage_bar(r.used, r.available, &format!("{} use", r.name))
        );
    }
    o.push_str("</table></section>\n");
}

fn timing(o: &mut String, d: &ReportData) {
    let t = &d.timing;
    o.push_str("<section id=\"timing\"><h2>Timing</h2>");
    header(o, &["quantity", "value"]);
    let mhz = |v: Option<f64>| v.map_or_else(|| "-".into(), |v| format!("{v:.2} MHz"));
    row(o, &["design clock".into(), mhz(t.target_mhz)]);
    if let Some(c) = &t.clock {
        row(o, &["clock source".into(), c.clone()]);
    }
    row(o, &["Fmax after place and route".into(), mhz(t.fmax_mhz)]);
    if let Some(p) = &t.critical_path {
        row(
            o,
            &[
                "critical path".into(),
                format!(
                    "{:.2} ns, {} logic levels (logic {:.2} ns, routing {:.2} ns, clock-to-out {:.2} ns, setup {:.2} ns)",
                    p.delay_ns, p.logic_levels, p.logic_ns, p.routing_ns, p.clock_to_out_ns, p.setup_ns
                ),
            ],
        );
        let end = |e: &spikeloom_toolchain::PathEnd| {
            let src = if e.sources.is_empty() {
                String::new()
            } else {
                format!(" ({})", e.sources.join(", "))
            };
            format!("{}{src}", e.signal)
        };
        row(o, &["critical path from".into(), end(&p.from)]);
        row(o, &["critical path to".into(), end(&p.to)]);
        if !p.through.is_empty() {
            row(o, &["critical path through".into(), p.through.join(", ")]);
        }
    }
    if let Some(u) = &t.untimed {
        row(o, &["not in Fmax".into(), u.clone()]);
    }
    for (quantity, value) in &t.efficiency {
        row(o, &[quantity.clone(), value.clone()]);
    }
    if let Some(idle) = t.idle_step_cycles {
        row(
            o,
            &["cycles of a step without spikes".into(), idle.to_string()],
        );
    }
    let c = &d.cycles_per_step;
    if !c.is_empty() {
        let mean = c.iter().sum::<u64>() as f64 / c.len() as f64;
        let max = c.iter().copied().max().unwrap_or(0);
        row(o, &["simulated steps".into(), c.len().to_string()]);
        row(o, &["cycles per step (mean)".into(), format!("{mean:.1}")]);
        row(o, &["cycles per step (max)".into(), max.to_string()]);
        // Latency at the clock the design runs at (the design clock), else at Fmax.
        if let Some(f) = t.target_mhz.or(t.fmax_mhz).filter(|f| *f > 0.0) {
            row(
                o,
                &[
                    "latency per step (mean)".into(),
                    format!("{:.2} µs", mean / f),
                ],
            );
            row(
                o,
                &[
                    "time steps per second (mean)".into(),
                    format!("{:.0}", f * 1e6 / mean),
                ],
            );
        }
    }
    o.push_str("</table>");
    let _ = writeln!(
        o,
        "<figure>{}<figcaption>cycles per time step (cycle model, every simulated step)</figcaption></figure></section>",
        svg::histogram(c, "cycles per step histogram")
    );
}
