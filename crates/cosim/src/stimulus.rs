//! Input values -> stimulus commands: the input is checked as `spikeloom_qnet::SpikeSteps`
//! (shape, value width) and each sample's commands come from the cycle model's own builder
//! (`spikeloom_cyclesim::stimulus_for`), so the RTL and the cycle model run one stimulus.

use crate::{CosimError, StimCmd};
use spikeloom_qnet::SpikeSteps;

/// The stimulus for binary input spikes `spikes`, time-major `[T][N][F]` (flat, C order) with
/// `shape = [T, N, F]`: per sample one `R`, then per step the events of that step (ascending
/// feature index) and one `S`.
pub fn stimulus_from_spikes(spikes: &[u8], shape: [usize; 3]) -> Result<Vec<StimCmd>, CosimError> {
    stimulus_from_values(spikes, shape, 1)
}

/// The stimulus for graded input values `values` `[T][N][F]` of `bits` bits each (1 ..= 8):
/// like [`stimulus_from_spikes`], with one `E <index> <value>` beat per non-zero value (`bits =
/// 1` gives the binary `E <index>` beats).
pub fn stimulus_from_values(
    values: &[u8],
    shape: [usize; 3],
    bits: u32,
) -> Result<Vec<StimCmd>, CosimError> {
    if bits > 8 {
        return Err(CosimError::Stimulus(format!(
            "{bits}-bit input values: the event interface carries at most 8 bits"
        )));
    }
    let [t_len, n_len, f_len] = shape;
    if u32::try_from(f_len).is_err() {
        return Err(CosimError::Stimulus(format!(
            "{f_len} input features do not fit an event index"
        )));
    }
    let steps = SpikeSteps::graded(t_len, n_len, f_len, values.to_vec(), bits)
        .map_err(|e| CosimError::Stimulus(e.to_string()))?;
    Ok((0..n_len)
        .flat_map(|n| spikeloom_cyclesim::stimulus_for(&steps, n))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use StimCmd::{Eos, Event, Reset};

    #[test]
    fn samples_steps_and_events_in_order() {
        // T=2, N=2, F=3; element [t][n][f].
        let spikes = [
            0, 1, 1, /* t0 n0 */ 1, 0, 0, /* t0 n1 */
            0, 0, 0, /* t1 n0 */ 0, 0, 1, /* t1 n1 */
        ];
        let cmds = stimulus_from_spikes(&spikes, [2, 2, 3]).unwrap();
        assert_eq!(
            cmds,
            vec![
                Reset,
                Event(1),
                Event(2),
                Eos,
                Eos,
                Reset,
                Event(0),
                Eos,
                Event(2),
                Eos
            ]
        );
    }

    #[test]
    fn graded_values_become_valued_beats() {
        use StimCmd::Graded;
        // T=2, N=1, F=3, 3-bit values
        let cmds = stimulus_from_values(&[0, 5, 7, 1, 0, 0], [2, 1, 3], 3).unwrap();
        assert_eq!(
            cmds,
            vec![Reset, Graded(1, 5), Graded(2, 7), Eos, Graded(0, 1), Eos]
        );
        let err = stimulus_from_values(&[8], [1, 1, 1], 3)
            .unwrap_err()
            .to_string();
        assert!(err.contains("3-bit"), "{err}");
        assert!(stimulus_from_values(&[1], [1, 1, 1], 9).is_err());
        assert_eq!(
            stimulus_from_values(&[1, 0], [1, 1, 2], 1).unwrap(),
            vec![Reset, Event(0), Eos]
        );
    }

    #[test]
    fn bad_shape_and_graded_values_are_errors() {
        assert!(stimulus_from_spikes(&[0; 5], [2, 1, 3]).is_err());
        let err = stimulus_from_spikes(&[0, 2, 0], [1, 1, 3])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("step 0, sample 0, feature 1") && err.contains("binary"),
            "{err}"
        );
    }
}
