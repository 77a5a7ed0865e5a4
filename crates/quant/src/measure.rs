//! Runs the integer network on the calibration input and compares it with the float trace:
//! saturations, spike agreement per layer and pooled, accuracy with labels.

use spikeloom_qnet::{eval, QNet, QNeuron};

use crate::calib::Calibration;
use crate::error::QuantError;
use crate::readout::{accuracy, Readout};
use crate::report::QuantReport;

/// Fills the calibration fields of `report`.
pub fn measure(
    qnet: &QNet,
    calib: &Calibration,
    report: &mut QuantReport,
) -> Result<(), QuantError> {
    let fixed = eval(qnet, &calib.input)?;
    let (steps, samples) = (calib.input.steps(), calib.input.samples());
    report.calibration_steps = steps;
    report.calibration_samples = samples;
    let (mut agree, mut total) = (0u64, 0u64);
    for ((lr, ql), (ft, qt)) in report
        .layers
        .iter_mut()
        .zip(&qnet.layers)
        .zip(calib.float.layers.iter().zip(&fixed.layers))
    {
        lr.state_saturations = Some(qt.saturations.state);
        lr.current_saturations = qt.current.as_ref().map(|_| qt.saturations.current);
        lr.count_saturations = lr.spike_bits.map(|_| qt.saturations.count);
        if matches!(ql.neuron, QNeuron::Li { .. } | QNeuron::CubaLi { .. }) {
            continue;
        }
        // Spike values are 0/1, or counts for a multi-spike layer: equal counts agree.
        let same = ft
            .spikes
            .iter()
            .zip(&qt.spikes)
            .filter(|(a, b)| a == b)
            .count() as u64;
        let n = qt.spikes.len() as u64;
        agree += same;
        total += n;
        lr.spike_agreement = Some(if n == 0 { 1.0 } else { same as f64 / n as f64 });
        lr.float_spikes = Some(ft.spikes.iter().map(|&s| u64::from(s)).sum());
        lr.fixed_spikes = Some(qt.spikes.iter().map(|&s| u64::from(s)).sum());
    }
    report.spike_agreement = (total > 0).then(|| agree as f64 / total as f64);
    if let Some(labels) = &calib.labels {
        let o = qnet.output_layer;
        let size = qnet.layers[o].size;
        let (ft, qt) = (&calib.float.layers[o], &fixed.layers[o]);
        let readout = Readout::of_qnet(qnet);
        let pf = readout.predict_arrays(steps, samples, size, &ft.spikes, &ft.membrane);
        let pq = readout.predict_arrays(steps, samples, size, &qt.spikes, &qt.membrane);
        report.float_accuracy = Some(accuracy(&pf, labels));
        report.fixed_accuracy = Some(accuracy(&pq, labels));
    }
    Ok(())
}
