//! A log -> per-layer spikes and membranes and per-step cycle counts.
//!
//! Cycle count of a step (the one definition, shared with the cycle model's reports):
//! `cycles[n][t] = OS(t) - OS(t-1)` where `OS(t)` is the cycle of sample `n`'s end-of-step
//! output beat of step `t`, and `OS(-1) = clear_cycles - 1` (`TopInterface::clear_cycles`: the
//! cycles after reset release that clear the state memories). So a sample's steps sum to
//! `OS(T-1) + 1 - clear_cycles`: input transfer and computation, without the one-time clear. This is
//! the same definition as `spikeloom_cyclesim::CycleTrace::cycles_per_step`.

use crate::{CosimError, LogLine, TopInterface};
use spikeloom_qnet::{LayerTrace, Saturations};

/// Everything a log says about a run of `N` samples of `T` steps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RtlTrace {
    /// Time steps `T`.
    pub steps: usize,
    /// Samples `N`.
    pub samples: usize,
    /// Output layer neurons.
    pub output_size: usize,
    /// Output events `[T][N][output_size]` row-major (from `O` lines): the value each carried
    /// (1 for a binary spike, the count of a multi-spike layer), 0 for no event.
    pub output_spikes: Vec<u8>,
    /// Layer names, QNet order.
    pub names: Vec<String>,
    /// Per layer, QNet order: spikes and membranes `[T][N][size]` in the golden trace's type
    /// (no synaptic current and no saturation counters: the log carries neither).
    pub layers: Vec<LayerTrace>,
    /// Cycles of each step `[N][T]` (see the module doc).
    pub cycles_per_step: Vec<Vec<u64>>,
}

impl RtlTrace {
    /// Row index of step `t`, sample `n` in a `[T][N][size]` array.
    fn row(&self, t: usize, n: usize) -> usize {
        t * self.samples + n
    }

    /// Output spikes of step `t`, sample `n`.
    pub fn outputs_at(&self, t: usize, n: usize) -> &[u8] {
        &self.output_spikes[self.row(t, n) * self.output_size..][..self.output_size]
    }
}

/// Decode a log of `n_samples` samples (one `R` each) of `steps` steps each.
///
/// Every neuron of every layer must be traced exactly once per step; a neuron's k-th trace line
/// in a sample is its update of step k (layers may run pipelined across steps).
pub fn decode_log(
    lines: &[LogLine],
    iface: &TopInterface,
    steps: usize,
    n_samples: usize,
) -> Result<RtlTrace, CosimError> {
    let rows = steps * n_samples;
    let mut trace = RtlTrace {
        steps,
        samples: n_samples,
        output_size: iface.output_size,
        output_spikes: vec![0; rows * iface.output_size],
        names: iface.layers.iter().map(|(name, _)| name.clone()).collect(),
        layers: iface
            .layers
            .iter()
            .map(|(_, size)| LayerTrace {
                size: *size,
                spikes: vec![0; rows * size],
                membrane: vec![0; rows * size],
                current: None,
                saturations: Saturations::default(),
            })
            .collect(),
        cycles_per_step: vec![Vec::with_capacity(steps); n_samples],
    };
    let segments = split_samples(lines)?;
    if segments.len() != n_samples {
        return Err(CosimError::Decode(format!(
            "log holds {} samples (R lines), expected {n_samples}",
            segments.len()
        )));
    }
    for (n, segment) in segments.iter().enumerate() {
        decode_sample(segment, iface, n, &mut trace)?;
    }
    Ok(trace)
}

fn split_samples(lines: &[LogLine]) -> Result<Vec<&[LogLine]>, CosimError> {
    // a power-on's weight load may come first
    let first = lines.iter().find(|l| !matches!(l, LogLine::Load { .. }));
    if first.is_some_and(|l| *l != LogLine::Reset) {
        return Err(CosimError::Decode(
            "log does not start with R (after the weight load's L lines)".into(),
        ));
    }
    let starts: Vec<usize> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| **l == LogLine::Reset)
        .map(|(i, _)| i)
        .collect();
    Ok(starts
        .iter()
        .enumerate()
        .map(|(k, &s)| &lines[s + 1..starts.get(k + 1).copied().unwrap_or(lines.len())])
        .collect())
}

fn decode_sample(
    segment: &[LogLine],
    iface: &TopInterface,
    n: usize,
    trace: &mut RtlTrace,
) -> Result<(), CosimError> {
    let steps = trace.steps;
    let mut updates: Vec<Vec<usize>> = iface
        .layers
        .iter()
        .map(|(_, size)| vec![0; *size])
        .collect();
    let mut step = 0usize;
    let mut prev_os: i128 = i128::from(iface.clear_cycles) - 1;
    for line in segment {
        match *line {
            LogLine::Reset => unreachable!("segments are split at R lines"),
            // a weight load (after a power-on) belongs to no step
            LogLine::Load { .. } => {}
            LogLine::Out {
                cycle,
                index,
                value,
            } => {
                if step >= steps {
                    return Err(extra_output(n, steps, cycle));
                }
                if index as usize >= iface.output_size {
                    return Err(CosimError::Decode(format!(
                        "sample {n} step {step} cycle {cycle}: output index {index} >= output size {}",
                        iface.output_size
                    )));
                }
                let row = trace.row(step, n);
                // the event's value: 1 for a binary spike, else the spike count (<= 8 bits)
                trace.output_spikes[row * iface.output_size + index as usize] =
                    u8::try_from(value).unwrap_or(u8::MAX);
            }
            LogLine::OutEos { cycle } => {
                if step >= steps {
                    return Err(extra_output(n, steps, cycle));
                }
                let cycles = u64::try_from(i128::from(cycle) - prev_os)
                    .ok()
                    .filter(|c| *c > 0)
                    .ok_or_else(|| {
                        CosimError::Decode(format!(
                            "sample {n} step {step}: end-of-step beat at cycle {cycle} is not after the previous one"
                        ))
                    })?;
                trace.cycles_per_step[n].push(cycles);
                prev_os = i128::from(cycle);
                step += 1;
            }
            LogLine::Trace {
                cycle,
                layer,
                neuron,
                v,
                spike,
            } => {
                let (name, size) = iface.layers.get(layer as usize).ok_or_else(|| {
                    CosimError::Decode(format!(
                        "sample {n} cycle {cycle}: trace of layer {layer}, the network has {}",
                        iface.layers.len()
                    ))
                })?;
                let count = updates[layer as usize]
                    .get_mut(neuron as usize)
                    .ok_or_else(|| {
                        CosimError::Decode(format!(
                        "sample {n} cycle {cycle}: layer `{name}` neuron {neuron} >= size {size}"
                    ))
                    })?;
                let t = *count;
                if t >= steps {
                    return Err(CosimError::Decode(format!(
                        "sample {n} cycle {cycle}: layer `{name}` neuron {neuron} updated more than {steps} times"
                    )));
                }
                *count += 1;
                let at = trace.row(t, n) * size + neuron as usize;
                let layer_trace = &mut trace.layers[layer as usize];
                layer_trace.spikes[at] = u8::try_from(spike).unwrap_or(u8::MAX);
                layer_trace.membrane[at] = v;
            }
        }
    }
    if step != steps {
        return Err(CosimError::Decode(format!(
            "sample {n}: {step} end-of-step output beats, expected {steps}"
        )));
    }
    for ((name, _), counts) in iface.layers.iter().zip(&updates) {
        if let Some((neuron, count)) = counts.iter().enumerate().find(|(_, c)| **c != steps) {
            return Err(CosimError::Decode(format!(
                "sample {n}: layer `{name}` neuron {neuron} traced {count} times, expected {steps}"
            )));
        }
    }
    Ok(())
}

fn extra_output(n: usize, steps: usize, cycle: u64) -> CosimError {
    CosimError::Decode(format!(
        "sample {n} cycle {cycle}: output beat after the {steps} expected steps"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use LogLine::{OutEos, Reset};

    fn iface() -> TopInterface {
        TopInterface {
            in_w: 2,
            out_w: 1,
            layer_w: 1,
            neuron_w: 1,
            trace_lanes: 2,
            in_value_w: 1,
            out_value_w: 1,
            spike_w: 1,
            input_size: 3,
            output_size: 2,
            layers: vec![("hidden".into(), 2), ("out".into(), 2)],
            clear_cycles: 0,
            // the longest step of the hand-written logs below (step 0 of the first one)
            max_step_cycles: 9,
            loader: None,
            zero_skip: true,
            pixels: true,
        }
    }

    fn tr(cycle: u64, layer: u32, neuron: u32, v: i32, spike: bool) -> LogLine {
        LogLine::Trace {
            cycle,
            layer,
            neuron,
            v,
            spike: u32::from(spike),
        }
    }

    #[test]
    fn decodes_pipelined_steps_and_cycles() {
        // Layer 0 of step 1 is traced before layer 1 of step 0 (pipelining).
        let log = vec![
            Reset,
            tr(3, 0, 0, 5, false),
            tr(3, 0, 1, 9, true),
            tr(5, 0, 0, 6, false),
            tr(5, 0, 1, -2, false),
            tr(6, 1, 0, 1, false),
            tr(6, 1, 1, 7, true),
            LogLine::Out {
                cycle: 7,
                index: 1,
                value: 1,
            },
            OutEos { cycle: 8 },
            tr(9, 1, 0, 2, true),
            tr(9, 1, 1, 0, false),
            LogLine::Out {
                cycle: 10,
                index: 0,
                value: 3,
            },
            OutEos { cycle: 11 },
        ];
        let d = decode_log(&log, &iface(), 2, 1).unwrap();
        assert_eq!(d.layers[0].membrane, vec![5, 9, 6, -2]);
        assert_eq!(d.layers[0].spikes, vec![0, 1, 0, 0]);
        assert_eq!(d.layers[1].spikes, vec![0, 1, 1, 0]);
        assert_eq!(d.output_spikes, vec![0, 1, 3, 0]);
        assert_eq!(d.outputs_at(1, 0), &[3, 0]);
        assert_eq!(d.cycles_per_step, vec![vec![9, 3]]);
    }

    #[test]
    fn missing_updates_and_steps_are_errors() {
        let log = vec![Reset, tr(1, 0, 0, 0, false), OutEos { cycle: 2 }];
        let err = decode_log(&log, &iface(), 1, 1).unwrap_err().to_string();
        assert!(
            err.contains("layer `hidden` neuron 1 traced 0 times"),
            "{err}"
        );
        let err = decode_log(&[Reset], &iface(), 1, 1)
            .unwrap_err()
            .to_string();
        assert!(err.contains("0 end-of-step"), "{err}");
        let err = decode_log(&[Reset], &iface(), 0, 2)
            .unwrap_err()
            .to_string();
        assert!(err.contains("1 samples"), "{err}");
        let err = decode_log(&[Reset, tr(1, 5, 0, 0, false)], &iface(), 1, 1).unwrap_err();
        assert!(err.to_string().contains("layer 5"), "{err}");
    }
}
