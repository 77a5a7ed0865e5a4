//! Readable text dump of a `FloatNet` (for `spikeloom inspect`, test snapshots and bug
//! reports): semantics with their provenance, then one block per layer. Per-neuron vectors are
//! summarized as one value when uniform, else as `min..max`.

use std::fmt;

use crate::net::{FloatNet, Neuron, Source};

fn summary(v: &[f64]) -> String {
    match v.first() {
        None => "[]".into(),
        Some(first) if v.iter().all(|x| x == first) => format!("{first}"),
        Some(_) => {
            let min = v.iter().copied().fold(f64::INFINITY, f64::min);
            let max = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            format!("{min}..{max}")
        }
    }
}

fn source_name(net: &FloatNet, s: Source) -> String {
    match s {
        Source::Input => "input".into(),
        Source::Layer(i) => net
            .layers
            .get(i)
            .map_or_else(|| format!("layer {i}"), |l| l.name.clone()),
    }
}

impl fmt::Display for FloatNet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.semantics;
        let src = |key: &str| match s.provenance.iter().find(|(k, _)| k == key).map(|(_, v)| v) {
            Some(v) => match v.evidence() {
                Some(why) => format!("{}: {why}", v.name()),
                None => v.name().to_string(),
            },
            None => "?".to_string(),
        };
        let version = match s.norse {
            Some(_) => format!(", version {}", src("norse_version")),
            None => String::new(),
        };
        writeln!(
            f,
            "convention {} ({}{version})",
            s.convention_name(),
            src("convention")
        )?;
        writeln!(f, "dt {} ({})", s.dt, src("dt"))?;
        writeln!(
            f,
            "reset {} ({}), reset_delay {} ({})",
            s.reset.name(),
            src("reset"),
            s.reset_delay,
            src("reset_delay")
        )?;
        writeln!(f, "input {}", self.input_size)?;
        for (i, l) in self.layers.iter().enumerate() {
            let out = if i == self.output_layer {
                " [output]"
            } else {
                ""
            };
            writeln!(
                f,
                "layer {i} `{}` size {} shape {:?}{out}",
                l.name, l.size, l.shape
            )?;
            match &l.neuron {
                Neuron::Lif { beta, threshold, v_reset, reset, reset_delay, zero_input } => writeln!(
                    f,
                    "  LIF beta {} threshold {} v_reset {} reset {} delay {reset_delay} zero-reset input {zero_input:?}",
                    summary(beta),
                    summary(threshold),
                    summary(v_reset),
                    reset.name()
                )?,
                Neuron::CubaLif { alpha, beta, threshold, v_reset, reset, reset_delay } => writeln!(
                    f,
                    "  CubaLIF alpha {} beta {} threshold {} v_reset {} reset {} delay {reset_delay}",
                    summary(alpha),
                    summary(beta),
                    summary(threshold),
                    summary(v_reset),
                    reset.name()
                )?,
                Neuron::Li { beta } => writeln!(f, "  LI beta {}", summary(beta))?,
                Neuron::CubaLi { alpha, beta } => writeln!(
                    f,
                    "  CubaLI alpha {} beta {}",
                    summary(alpha),
                    summary(beta)
                )?,
            }
            for p in &l.inputs {
                let delayed = if p.delayed { " delayed (t-1)" } else { "" };
                let source_delay = match (p.source_delay.iter().min(), p.source_delay.iter().max())
                {
                    (Some(lo), Some(hi)) if lo == hi => format!(" source delay {lo} steps"),
                    (Some(lo), Some(hi)) => format!(" source delays {lo}..{hi} steps"),
                    _ => String::new(),
                };
                writeln!(
                    f,
                    "  <- {} via `{}` {}x{} weights {}{delayed}{source_delay}",
                    source_name(self, p.source),
                    p.origin,
                    l.size,
                    p.columns(),
                    summary(&p.weight)
                )?;
                if let Some(g) = &p.pool {
                    writeln!(
                        f,
                        "     pool {:?} -> {:?} kernel {:?} stride {:?} padding {:?} (an index map: {} columns)",
                        g.input, g.output, g.kernel, g.stride, g.padding, p.columns()
                    )?;
                }
                if let Some(c) = &p.conv {
                    writeln!(
                        f,
                        "     conv {:?} -> {:?} kernel {:?} stride {:?} padding {:?} dilation {:?} groups {} ({} shared weights)",
                        c.input, c.output, c.kernel, c.stride, c.padding, c.dilation, c.groups, p.weight.len()
                    )?;
                }
            }
            writeln!(f, "  bias {}", summary(&l.bias))?;
        }
        Ok(())
    }
}
