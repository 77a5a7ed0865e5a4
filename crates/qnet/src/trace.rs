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
