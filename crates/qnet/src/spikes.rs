//! Input events, time-major like snnTorch: `[T steps][N samples][width]`: binary spikes, or
//! graded values (`SpikeSteps::graded`) for a network with `input_bits > 1`.

/// Why spike data was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpikeStepsError {
    /// The buffer length does not equal `steps * samples * width`.
    #[error(
        "spike data has {got} values but shape [{steps}, {samples}, {width}] needs {expected}"
    )]
    Length {
        /// Steps.
        steps: usize,
        /// Samples.
        samples: usize,
        /// Features.
        width: usize,
        /// `steps * samples * width`.
        expected: usize,
        /// Actual length.
        got: usize,
    },
    /// A value is wider than the input allows (binary: 0 or 1).
    #[error("input value {value} at step {step}, sample {sample}, feature {feature} exceeds {max}, the largest {bits}-bit input value{hint}", hint = if *.bits == 1 { " (inputs must be binary spikes)" } else { "" })]
    ValueTooWide {
        /// Step.
        step: usize,
        /// Sample.
        sample: usize,
        /// Feature.
        feature: usize,
        /// The offending value.
        value: u8,
        /// Largest value allowed.
        max: u8,
        /// Input width in bits.
        bits: u32,
    },
}

/// Input values `[T][N][width]`, row-major, every value below `2^bits`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpikeSteps {
    steps: usize,
    samples: usize,
    width: usize,
    bits: u32,
    data: Vec<u8>,
}

impl SpikeSteps {
    /// Wraps row-major `[steps][samples][width]` data, checking its length and that it is binary.
    pub fn new(
        steps: usize,
        samples: usize,
        width: usize,
        data: Vec<u8>,
    ) -> Result<Self, SpikeStepsError> {
        Self::graded(steps, samples, width, data, 1)
    }

    /// Like `new` for graded input: every value must fit `bits` (1 ..= 8) unsigned bits.
    pub fn graded(
        steps: usize,
        samples: usize,
        width: usize,
        data: Vec<u8>,
        bits: u32,
    ) -> Result<Self, SpikeStepsError> {
        let bits = bits.clamp(1, 8);
        let max = ((1u32 << bits) - 1) as u8;
        let expected = steps
            .checked_mul(samples)
            .and_then(|x| x.checked_mul(width))
            .unwrap_or(usize::MAX);
        if data.len() != expected {
            return Err(SpikeStepsError::Length {
                steps,
                samples,
                width,
                expected,
                got: data.len(),
            });
        }
        if let Some(pos) = data.iter().position(|&v| v > max) {
            let feature = pos % width;
            let sample = (pos / width) % samples;
            let step = pos / (width * samples);
            return Err(SpikeStepsError::ValueTooWide {
                step,
                sample,
                feature,
                value: data[pos],
                max,
                bits,
            });
        }
        Ok(Self {
            steps,
            samples,
            width,
            bits,
            data,
        })
    }

    /// All-zero spikes of the given shape.
    pub fn zeros(steps: usize, samples: usize, width: usize) -> Self {
        Self {
            steps,
            samples,
            width,
            bits: 1,
            data: vec![0; steps * samples * width],
        }
    }

    /// Number of time steps `T`.
    pub fn steps(&self) -> usize {
        self.steps
    }

    /// Number of samples `N`.
    pub fn samples(&self) -> usize {
        self.samples
    }

    /// Features per sample and step.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Width of one value in bits (1: binary spikes).
    pub fn bits(&self) -> u32 {
        self.bits
    }

    /// The row-major data.
    pub fn data(&self) -> &[u8] {
        &self.data
    }

    /// The `width` spikes of one step of one sample (panics if out of range, like slice indexing).
    pub fn row(&self, step: usize, sample: usize) -> &[u8] {
        let start = (step * self.samples + sample) * self.width;
        &self.data[start..start + self.width]
    }

    /// The same values checked against (and recorded as) `bits`-bit input: what a network with
    /// `input_bits = bits` takes.
    pub fn with_bits(&self, bits: u32) -> Result<SpikeSteps, SpikeStepsError> {
        Self::graded(
            self.steps,
            self.samples,
            self.width,
            self.data.clone(),
            bits,
        )
    }

    /// The first `n` samples (all of them if there are fewer), every step kept.
    pub fn take_samples(&self, n: usize) -> SpikeSteps {
        let n = n.min(self.samples);
        let mut data = Vec::with_capacity(self.steps * n * self.width);
        for t in 0..self.steps {
            for s in 0..n {
                data.extend_from_slice(self.row(t, s));
            }
        }
        SpikeSteps {
            samples: n,
            data,
            ..*self
        }
    }

    /// Sets one spike (panics if out of range, like slice indexing).
    pub fn set(&mut self, step: usize, sample: usize, feature: usize, spike: bool) {
        let idx = (step * self.samples + sample) * self.width + feature;
        self.data[idx] = u8::from(spike);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_wrong_length_and_too_wide_values() {
        assert!(matches!(
            SpikeSteps::new(2, 1, 3, vec![0; 5]),
            Err(SpikeStepsError::Length {
                expected: 6,
                got: 5,
                ..
            })
        ));
        let err = SpikeSteps::new(2, 2, 3, vec![0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0]).unwrap_err();
        assert_eq!(
            err,
            SpikeStepsError::ValueTooWide {
                step: 1,
                sample: 1,
                feature: 1,
                value: 2,
                max: 1,
                bits: 1
            }
        );
    }

    #[test]
    fn take_samples_keeps_every_step_of_the_first_samples() {
        // [2 steps][3 samples][1 feature]: step 0 = 1, 2, 3; step 1 = 4, 5, 6.
        let s = SpikeSteps::graded(2, 3, 1, vec![1, 2, 3, 4, 5, 6], 3).unwrap();
        let two = s.take_samples(2);
        assert_eq!((two.steps(), two.samples(), two.bits()), (2, 2, 3));
        assert_eq!(two.data(), &[1, 2, 4, 5]);
        assert_eq!(s.take_samples(9), s);
    }

    #[test]
    fn with_bits_checks_the_values_against_the_new_width() {
        let s = SpikeSteps::graded(1, 1, 3, vec![0, 3, 1], 8).unwrap();
        assert_eq!(s.with_bits(2).unwrap().bits(), 2);
        assert!(matches!(
            s.with_bits(1),
            Err(SpikeStepsError::ValueTooWide {
                feature: 1,
                value: 3,
                ..
            })
        ));
    }

    #[test]
    fn row_addresses_time_major() {
        let s = SpikeSteps::new(2, 2, 2, vec![0, 0, 0, 1, 1, 0, 1, 1]).unwrap();
        assert_eq!(s.row(0, 1), &[0, 1]);
        assert_eq!(s.row(1, 0), &[1, 0]);
    }
}
