//! What the golden evaluator records: per layer spikes, membranes, currents, saturation counts.

/// How often a layer's registers clamped during a run. Every application of `sat_b` in the
/// contract that changes its argument counts once (so an immediate reset that saturates again
/// counts a second time).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Saturations {
    /// Clamps of the membrane register (`sat_state`).
    pub state: u64,
    /// Clamps of the synaptic current register (`sat_current`, CubaLif/CubaLi only).
    pub current: u64,
    /// Spike counts clamped to `2^spike_bits - 1` (`QFire::Count` layers only).
    pub count: u64,
}

impl Saturations {
    /// Sum of both counters.
    pub fn total(&self) -> u64 {
        self.state + self.current + self.count
    }
}

/// One layer's recording, every array row-major `[T][N][size]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerTrace {
    /// Neurons of the layer.
    pub size: usize,
    /// Spikes at the end of each step: 0/1, or the count of a `QFire::Count` layer.
    pub spikes: Vec<u8>,
    /// Membrane at the end of each step (after any immediate reset), in state LSBs.
    /// `i32` holds every value because `state_bits <= 32`.
    pub membrane: Vec<i32>,
    /// Synaptic current at the end of each step, CubaLif and CubaLi layers only.
    pub current: Option<Vec<i32>>,
    /// Saturation counters over the whole run.
    pub saturations: Saturations,
}

impl LayerTrace {
    /// The `size` values of step `t`, sample `n` of a `[T][N][size]` array.
    pub fn at<'a, V>(&self, values: &'a [V], samples: usize, t: usize, n: usize) -> &'a [V] {
        let start = (t * samples + n) * self.size;
        &values[start..start + self.size]
    }
}

impl LayerTrace {
    /// How another engine's recording of this layer differs: `spikes` and `membranes` (any
    /// integer type) are `[T][N][size]` row-major with `samples` samples per step (missing values count as
    /// differences).
    pub fn diff<M: Copy + Into<i64>>(
        &self,
        samples: usize,
        spikes: &[u8],
        membranes: &[M],
    ) -> LayerDiff {
        let size = self.size.max(1);
        let samples = samples.max(1);
        let mut d = LayerDiff {
            mismatches: 0,
            first: None,
            first_spike: (0..self.spikes.len()).find(|&i| spikes.get(i) != Some(&self.spikes[i])),
            first_membrane: (0..self.membrane.len()).find(|&i| {
                membranes.get(i).map(|&m| m.into()) != Some(i64::from(self.membrane[i]))
            }),
        };
        for (i, ((&gs, &gv), (&s, &v))) in self
            .spikes
            .iter()
            .zip(&self.membrane)
            .zip(spikes.iter().zip(membranes))
            .enumerate()
        {
            if gs != s || i64::from(gv) != v.into() {
                d.mismatches += 1;
                if d.first.is_none() {
                    let row = i / size;
                    d.first = Some((row / samples, row % samples, i % size));
                }
            }
        }
        if spikes.len() != self.spikes.len() || membranes.len() != self.membrane.len() {
            d.mismatches += 1;
        }
        d
    }

    /// The difference every verification names first: a spike that differs anywhere in the
    /// layer before a membrane that differs (a wrong spike is the symptom users see; the
    /// membrane tells why), each the earliest of its kind.
    pub fn first_difference<M: Copy + Into<i64>>(
        &self,
        samples: usize,
        spikes: &[u8],
        membranes: &[M],
    ) -> Option<Difference> {
        let d = self.diff(samples, spikes, membranes);
        let (i, what, golden, got) = match (d.first_spike, d.first_membrane) {
            (Some(i), _) => (
                i,
                "spike",
                i64::from(self.spikes[i]),
                spikes.get(i).map(|&s| i64::from(s)),
            ),
            (None, Some(i)) => (
                i,
                "membrane",
                i64::from(self.membrane[i]),
                membranes.get(i).map(|&m| m.into()),
            ),
            (None, None) => return None,
        };
        let (size, samples) = (self.size.max(1), samples.max(1));
        let row = i / size;
        Some(Difference {
            step: row / samples,
            sample: row % samples,
            neuron: i % size,
            what,
            golden,
            got,
        })
    }
}

/// Mismatch count and first difference of one layer between the golden trace and another
/// engine's recording.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerDiff {
    /// Values (spike or membrane) that differ, plus one when the lengths differ.
    pub mismatches: usize,
    /// The first (step, sample, neuron) where the spike or the membrane differs.
    pub first: Option<(usize, usize, usize)>,
    /// Index (`[T][N][size]` row-major) of the first spike that differs or is missing.
    pub first_spike: Option<usize>,
    /// Index of the first membrane that differs or is missing.
    pub first_membrane: Option<usize>,
}

/// One value where an engine differs from the golden trace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// Time step.
    pub step: usize,
    /// Sample.
    pub sample: usize,
    /// Neuron of the layer.
    pub neuron: usize,
    /// `spike` or `membrane`.
    pub what: &'static str,
    /// The golden value.
    pub golden: i64,
    /// The engine's value (`None`: its recording ends before this value).
    pub got: Option<i64>,
}

/// The whole recording of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QTrace {
    /// Time steps `T`.
    pub steps: usize,
    /// Samples `N`.
    pub samples: usize,
    /// One entry per layer, in `QNet::layers` order.
    pub layers: Vec<LayerTrace>,
}

impl QTrace {
    /// Spike counts per sample and neuron of layer `layer`, `[N][size]` row-major.
    pub fn spike_counts(&self, layer: usize) -> Vec<u32> {
        let lt = &self.layers[layer];
        let mut counts = vec![0u32; self.samples * lt.size];
        for step in lt.spikes.chunks_exact(self.samples * lt.size.max(1)) {
            for (c, &s) in counts.iter_mut().zip(step) {
                *c += u32::from(s);
            }
        }
        counts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // T=2, N=2, 2 neurons: rows (t0 n0), (t0 n1), (t1 n0), (t1 n1)
    fn golden() -> LayerTrace {
        LayerTrace {
            size: 2,
            spikes: vec![0, 1, 0, 0, 1, 0, 0, 1],
            membrane: vec![5, 0, 3, 2, 0, 7, 1, 0],
            current: None,
            saturations: Saturations::default(),
        }
    }

    #[test]
    fn equal_recordings_have_no_difference() {
        let g = golden();
        let v: Vec<i64> = g.membrane.iter().map(|&m| i64::from(m)).collect();
        let d = g.diff(2, &g.spikes, &v);
        assert_eq!((d.mismatches, d.first), (0, None));
        assert_eq!(g.first_difference(2, &g.spikes, &v), None);
    }

    #[test]
    fn a_later_spike_is_named_before_an_earlier_membrane() {
        let g = golden();
        let mut v: Vec<i64> = g.membrane.iter().map(|&m| i64::from(m)).collect();
        let mut s = g.spikes.clone();
        v[2] = 4; // t0 n1 neuron 0: membrane 3 -> 4
        s[7] = 0; // t1 n1 neuron 1: spike 1 -> 0
        let d = g.diff(2, &s, &v);
        assert_eq!(d.mismatches, 2);
        assert_eq!(d.first, Some((0, 1, 0)));
        assert_eq!((d.first_spike, d.first_membrane), (Some(7), Some(2)));
        let f = g.first_difference(2, &s, &v).unwrap();
        assert_eq!(
            (f.step, f.sample, f.neuron, f.what, f.golden, f.got),
            (1, 1, 1, "spike", 1, Some(0))
        );
        // a short recording: the missing values differ
        let f = g.first_difference(2, &g.spikes[..6], &v[..2]).unwrap();
        assert_eq!((f.what, f.got), ("spike", None));
        assert_eq!(g.diff(2, &g.spikes[..6], &v[..2]).mismatches, 1);
    }
}
