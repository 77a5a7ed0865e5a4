//! Binary input spikes, time-major like snnTorch: `[T steps][N samples][width]`.

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
    /// A value is neither 0 nor 1.
    #[error("spike value {value} at step {step}, sample {sample}, feature {feature} is not 0 or 1; inputs must be binary spikes")]
    NotBinary {
        /// Step.
        step: usize,
        /// Sample.
        sample: usize,
        /// Feature.
        feature: usize,
        /// The offending value.
        value: u8,
    },
}

/// Binary spikes `[T][N][width]`, row-major, every value 0 or 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpikeSteps {
    steps: usize,
    samples: usize,
    width: usize,
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
        if let Some(pos) = data.iter().position(|&v| v > 1) {
            let feature = pos % width;
            let sample = (pos / width) % samples;
            let step = pos / (width * samples);
            return Err(SpikeStepsError::NotBinary {
                step,
                sample,
                feature,
                value: data[pos],
            });
        }
        Ok(Self {
            steps,
            samples,
            width,
            data,
        })
    }

    /// All-zero spikes of the given shape.
    pub fn zeros(steps: usize, samples: usize, width: usize) -> Self {
        Self {
            steps,
            samples,
            width,
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

    /// The row-major data.
    pub fn data(&self) -> &[u8] {
        &self.data
    }

    /// The `width` spikes of one step of one sample (panics if out of range, like slice indexing).
    pub fn row(&self, step: usize, sample: usize) -> &[u8] {
        let start = (step * self.samples + sample) * self.width;
        &self.data[start..start + self.width]
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
    fn rejects_wrong_length_and_non_binary() {
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
            SpikeStepsError::NotBinary {
                step: 1,
                sample: 1,
                feature: 1,
                value: 2
            }
        );
    }

    #[test]
    fn row_addresses_time_major() {
        let s = SpikeSteps::new(2, 2, 2, vec![0, 0, 0, 1, 1, 0, 1, 1]).unwrap();
        assert_eq!(s.row(0, 1), &[0, 1]);
        assert_eq!(s.row(1, 0), &[1, 0]);
    }
}
