//! The classification read-out, in one place for every engine and report: a spiking output
//! layer names the class whose neuron fired most (spike-count argmax); a non-spiking integrator
//! (Li, CubaLi) names the class whose membrane summed over time is largest. Ties go to the
//! lowest neuron index.

use spikeloom_float::{FloatNet, Neuron};
use spikeloom_qnet::{QNet, QNeuron};

/// How the output layer's values name a class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Readout {
    /// Argmax of the spike counts (or summed spike-count values) over time.
    SpikeCount,
    /// Argmax of the membrane summed over time (a non-spiking Li or CubaLi read-out layer).
    MembraneSum,
}

impl Readout {
    /// The read-out of an output layer that spikes (`true`) or only integrates (`false`).
    pub fn for_output(spiking: bool) -> Readout {
        if spiking {
            Readout::SpikeCount
        } else {
            Readout::MembraneSum
        }
    }

    /// The read-out of an integer network's output layer.
    pub fn of_qnet(net: &QNet) -> Readout {
        let neuron = &net.layers[net.output_layer].neuron;
        Self::for_output(!matches!(
            neuron,
            QNeuron::Li { .. } | QNeuron::CubaLi { .. }
        ))
    }

    /// The read-out of a float network's output layer.
    pub fn of_float(net: &FloatNet) -> Readout {
        let neuron = &net.layers[net.output_layer].neuron;
        Self::for_output(!matches!(neuron, Neuron::Li { .. } | Neuron::CubaLi { .. }))
    }

    /// Words for reports: "spike-count argmax" or "membrane-sum argmax".
    pub fn describe(self) -> &'static str {
        match self {
            Readout::SpikeCount => "spike-count argmax",
            Readout::MembraneSum => "membrane-sum argmax, non-spiking read-out",
        }
    }

    /// [`Readout::predict`] on a layer's recorded arrays (`[T][N][size]` spikes and membranes of
    /// any numeric type: float traces hold f32, integer traces i32).
    pub fn predict_arrays<V: Copy + Into<f64>>(
        self,
        steps: usize,
        samples: usize,
        size: usize,
        spikes: &[u8],
        membrane: &[V],
    ) -> Vec<usize> {
        self.predict(
            steps,
            samples,
            size,
            |i| f64::from(spikes[i]),
            |i| membrane[i].into(),
        )
    }

    /// Predicted class of each sample from the output layer's spikes and membranes, both
    /// `[T][N][size]` row-major: this read-out's values summed over time, argmax per sample.
    pub fn predict(
        self,
        steps: usize,
        samples: usize,
        size: usize,
        spike: impl Fn(usize) -> f64,
        membrane: impl Fn(usize) -> f64,
    ) -> Vec<usize> {
        match self {
            Readout::SpikeCount => predict(steps, samples, size, spike),
            Readout::MembraneSum => predict(steps, samples, size, membrane),
        }
    }
}

/// Predicted class of each sample from per-step values `value(idx)` of a `[T][N][size]` array:
/// the neuron with the largest sum over time wins, the lowest index on ties.
pub fn predict(
    steps: usize,
    samples: usize,
    size: usize,
    value: impl Fn(usize) -> f64,
) -> Vec<usize> {
    let mut sums = vec![0.0f64; samples * size];
    for t in 0..steps {
        for (k, s) in sums.iter_mut().enumerate() {
            *s += value(t * samples * size + k);
        }
    }
    sums.chunks(size.max(1))
        .map(|row| {
            // Strict `>` keeps the first maximum.
            let mut best = 0;
            for (i, &v) in row.iter().enumerate() {
                if v > row[best] {
                    best = i;
                }
            }
            best
        })
        .collect()
}

/// Fraction of predictions equal to their label (a label that is no class index, e.g. a
/// negative one, never matches).
pub fn accuracy<L: Copy + TryInto<usize>>(predicted: &[usize], labels: &[L]) -> f64 {
    if labels.is_empty() {
        return 0.0;
    }
    let hits = predicted
        .iter()
        .zip(labels)
        .filter(|(&p, &l)| l.try_into().ok() == Some(p))
        .count();
    hits as f64 / labels.len() as f64
}

/// Spike count (or summed count values) per sample and neuron of a `[T][N][size]` array,
/// `[N][size]`.
pub fn spike_counts(spikes: &[u8], steps: usize, samples: usize, size: usize) -> Vec<Vec<u32>> {
    let mut counts = vec![vec![0u32; size]; samples];
    for t in 0..steps {
        for (s, row) in counts.iter_mut().enumerate() {
            let at = (t * samples + s) * size;
            for (c, &v) in row.iter_mut().zip(&spikes[at..at + size]) {
                *c += u32::from(v);
            }
        }
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argmax_of_counts_with_ties_to_lowest() {
        // T=2, N=2, size=3 ; sample 0 counts [1,2,2] -> 1 ; sample 1 counts [0,0,0] -> 0
        let spikes = [0u8, 1, 1, 0, 0, 0, 1, 1, 1, 0, 0, 0];
        let p = predict(2, 2, 3, |i| f64::from(spikes[i]));
        assert_eq!(p, [1, 0]);
        assert_eq!(accuracy(&p, &[1usize, 1]), 0.5);
        assert_eq!(accuracy(&p, &[1i64, -1]), 0.5);
        assert_eq!(
            spike_counts(&spikes, 2, 2, 3),
            [vec![1, 2, 2], vec![0, 0, 0]]
        );
    }

    #[test]
    fn membrane_read_out_ignores_spikes() {
        // no spikes at all; the membrane sums name class 2 then class 0
        let spikes = [0u8; 12];
        let v = [0.0, 1.0, 2.0, 3.0, -1.0, 0.0, 0.0, 1.0, 2.0, 3.0, -1.0, 0.0];
        let count = Readout::SpikeCount.predict(2, 2, 3, |i| f64::from(spikes[i]), |i| v[i]);
        let mem = Readout::MembraneSum.predict(2, 2, 3, |i| f64::from(spikes[i]), |i| v[i]);
        assert_eq!(count, [0, 0]);
        assert_eq!(mem, [2, 0]);
    }
}
