//! `render` on a real pipeline run (mlp_subtract): the page is well-formed, has every section,
//! one raster per layer and engine, and its difference counts match an independent count.

mod common;

use spikeloom_report::{render, Engine};

#[test]
fn report_of_a_fixture_is_complete_and_well_formed() {
    let r = common::run("mlp_subtract", 8);
    let data = common::report(&r);
    let html = render(&data);
    let names = common::xml_elements(&html);
    for id in [
        "network",
        "quantization",
        "accuracy",
        "rasters",
        "membranes",
        "resources",
        "timing",
        "notes",
    ] {
        assert!(
            html.contains(&format!("<section id=\"{id}\">")),
            "missing section {id}"
        );
    }
    // Raster per layer and engine + 3 membrane plots per layer + 6 usage bars (LUT4, FF,
    // logic cells, BRAM, SPRAM, DSP of the UP5K estimate) + 1 histogram.
    let layers = r.qnet.layers.len();
    let svgs = names.iter().filter(|n| *n == "svg").count();
    assert_eq!(svgs, layers * 3 + layers * 3 + 6 + 1);
    // The title is escaped, never raw markup.
    assert!(html.contains("mlp_subtract &lt;test &amp; &quot;escape&quot;&gt;"));
    // Hardware == fixed (the cycle model is bit-exact), so every hardware caption says 0.
    assert_eq!(html.matches("0 differ from fixed").count(), layers);
    // Fixed vs float differences: counted here independently from the raw traces of sample 0.
    for (l, layer) in r.qnet.layers.iter().enumerate() {
        let (steps, samples, size) = (r.fixed.steps, r.fixed.samples, layer.size);
        let mut diff = 0;
        for t in 0..steps {
            for k in 0..size {
                let i = (t * samples) * size + k;
                diff +=
                    usize::from(r.fixed.layers[l].spikes[i] != r.float_trace.layers[l].spikes[i]);
            }
        }
        let fixed_spikes: usize = (0..steps)
            .map(|t| {
                r.fixed.layers[l].spikes[t * samples * size..][..size]
                    .iter()
                    .map(|&s| s as usize)
                    .sum::<usize>()
            })
            .sum();
        let caption = format!(
            "fixed: {fixed_spikes} spikes, <span class=\"{}\">{diff} differ from float</span>",
            if diff == 0 { "ok" } else { "bad" }
        );
        assert!(
            html.contains(&caption),
            "layer {l}: expected caption {caption}"
        );
    }
}

#[test]
fn a_hardware_mismatch_is_shown_in_red() {
    let r = common::run("mlp_subtract", 2);
    let mut data = common::report(&r);
    let hw = data.traces[0]
        .engines
        .iter_mut()
        .find(|e| e.engine == Engine::Hardware)
        .unwrap();
    hw.spikes[0] ^= 1;
    let html = render(&data);
    assert!(html.contains("1 differ from fixed"));
    assert!(html.contains("<span class=\"bad\">1 differ from fixed</span>"));
}

#[test]
fn rendering_is_deterministic_and_handles_empty_data() {
    let r = common::run("mlp_subtract", 2);
    let data = common::report(&r);
    assert_eq!(render(&data), render(&data));
    let empty = render(&spikeloom_report::ReportData::default());
    common::xml_elements(&empty);
    assert!(empty.contains("no data"));
}
