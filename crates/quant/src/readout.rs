//! Classification read-out used for accuracy: spike-count argmax of the output layer (membrane
//! sum over time for a non-spiking Li read-out); ties go to the lowest neuron index.

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

/// Fraction of predictions equal to their label.
pub fn accuracy(predicted: &[usize], labels: &[usize]) -> f64 {
    if labels.is_empty() {
        return 0.0;
    }
    let hits = predicted.iter().zip(labels).filter(|(p, l)| p == l).count();
    hits as f64 / labels.len() as f64
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
        assert_eq!(accuracy(&p, &[1, 1]), 0.5);
    }
}
