//! Readable text dump of a `QNet` (`Display`): a bug report is a file. Every number the
//! arithmetic uses is printed; uniform per-neuron vectors are shortened to `all N: v`.

use std::fmt::{self, Display, Formatter};

use crate::net::{QLayer, QNet, QNeuron, QSource};

impl Display for QNet {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        writeln!(f, "qnet format {}", self.format)?;
        writeln!(f, "input_size {}", self.input_size)?;
        let out_name = self
            .layers
            .get(self.output_layer)
            .map_or("?", |l| l.name.as_str());
        writeln!(f, "output_layer {} `{}`", self.output_layer, out_name)?;
        for (k, v) in &self.provenance {
            writeln!(f, "provenance {k} = {v}")?;
        }
        for (i, layer) in self.layers.iter().enumerate() {
            write_layer(f, i, layer)?;
        }
        Ok(())
    }
}

fn write_layer(f: &mut Formatter<'_>, index: usize, l: &QLayer) -> fmt::Result {
    let kind = match l.neuron {
        QNeuron::Lif { .. } => "lif",
        QNeuron::CubaLif { .. } => "cubalif",
        QNeuron::Li { .. } => "li",
        QNeuron::CubaLi { .. } => "cubali",
    };
    writeln!(f, "\nlayer {index} `{}` {kind} size {}", l.name, l.size)?;
    writeln!(
        f,
        "  weight_bits {} weight_shift {} state_bits {} decay_shift {} rounding {:?} state_lsb {:e}",
        l.weight_bits, l.weight_shift, l.state_bits, l.decay_shift, l.rounding, l.state_lsb
    )?;
    match &l.neuron {
        QNeuron::Lif {
            beta,
            threshold,
            v_reset,
            reset,
            reset_delay,
        } => {
            writeln!(f, "  reset {reset:?} reset_delay {reset_delay}")?;
            writeln!(f, "  beta {}", Vector(beta))?;
            writeln!(f, "  threshold {}", Vector(threshold))?;
            writeln!(f, "  v_reset {}", Vector(v_reset))?;
        }
        QNeuron::CubaLif {
            alpha,
            beta,
            threshold,
            v_reset,
            reset,
            reset_delay,
            current_bits,
        } => {
            writeln!(
                f,
                "  reset {reset:?} reset_delay {reset_delay} current_bits {current_bits}"
            )?;
            writeln!(f, "  alpha {}", Vector(alpha))?;
            writeln!(f, "  beta {}", Vector(beta))?;
            writeln!(f, "  threshold {}", Vector(threshold))?;
            writeln!(f, "  v_reset {}", Vector(v_reset))?;
        }
        QNeuron::Li { beta } => writeln!(f, "  beta {}", Vector(beta))?,
        QNeuron::CubaLi {
            alpha,
            beta,
            current_bits,
        } => {
            writeln!(f, "  current_bits {current_bits}")?;
            writeln!(f, "  alpha {}", Vector(alpha))?;
            writeln!(f, "  beta {}", Vector(beta))?;
        }
    }
    writeln!(f, "  bias {}", Vector(&l.bias))?;
    for p in &l.inputs {
        let src = match p.source {
            QSource::Input => "input".to_string(),
            QSource::Layer(j) => format!("layer {j}"),
        };
        let delayed = if p.delayed { " delayed (t-1)" } else { "" };
        writeln!(
            f,
            "  projection `{}` from {src} ({} wide){delayed}",
            p.origin, p.source_size
        )?;
        if let Some(g) = &p.pool {
            writeln!(
                f,
                "    pool input {:?} output {:?} kernel {:?} stride {:?} padding {:?}",
                g.input, g.output, g.kernel, g.stride, g.padding
            )?;
        }
        match &p.conv {
            None => {
                for (o, row) in p.weight.chunks(p.columns().max(1)).enumerate() {
                    writeln!(f, "    w[{o}] {}", Row(row))?;
                }
            }
            Some(c) => {
                writeln!(
                    f,
                    "    conv input {:?} output {:?} kernel {:?} stride {:?} padding {:?} dilation {:?} groups {}",
                    c.input, c.output, c.kernel, c.stride, c.padding, c.dilation, c.groups
                )?;
                let per_out = c.fan_in().max(1);
                for (co, k) in p.weight.chunks(per_out).enumerate() {
                    writeln!(f, "    k[{co}] {}", Row(k))?;
                }
            }
        }
    }
    Ok(())
}

/// A per-neuron vector: `all N: v` when uniform, else the full list.
struct Vector<'a, T>(&'a [T]);

impl<T: Display + PartialEq> Display for Vector<'_, T> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self.0.first() {
            Some(first) if self.0.len() > 1 && self.0.iter().all(|v| v == first) => {
                write!(f, "all {}: {first}", self.0.len())
            }
            _ => write!(f, "{}", Row(self.0)),
        }
    }
}

/// A bracketed list.
struct Row<'a, T>(&'a [T]);

impl<T: Display> Display for Row<'_, T> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str("[")?;
        for (i, v) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{v}")?;
        }
        f.write_str("]")
    }
}
