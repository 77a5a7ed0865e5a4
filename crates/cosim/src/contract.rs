//! RTL trace vs the integer contract: the first neuron whose spike or membrane differs from the
//! golden evaluator's (`spikeloom_qnet::eval`).

use std::fmt;

use spikeloom_qnet::QTrace;

use crate::RtlTrace;

/// The first value where the RTL differs from the contract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractMismatch {
    /// Layer name (or `output` for the output event stream).
    pub layer: String,
    /// Time step.
    pub step: usize,
    /// Sample.
    pub sample: usize,
    /// Neuron.
    pub neuron: usize,
    /// `spike`, `membrane` or `output event`; `shape` when the traces do not even line up.
    pub what: &'static str,
    /// Contract value.
    pub expected: i64,
    /// RTL value.
    pub got: i64,
}

impl fmt::Display for ContractMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.what == "shape" {
            return write!(
                f,
                "RTL trace shape differs from the contract's ({})",
                self.layer
            );
        }
        write!(
            f,
            "layer `{}` neuron {} step {} sample {}: {} expected {}, RTL {}",
            self.layer, self.neuron, self.step, self.sample, self.what, self.expected, self.got
        )
    }
}

/// Compare every layer's spikes and membranes, and the output events (against layer
/// `output_layer`'s spikes), step by step; `None` when all agree.
pub fn compare_with_contract(
    rtl: &RtlTrace,
    contract: &QTrace,
    output_layer: usize,
) -> Option<ContractMismatch> {
    let shape = |what: String| ContractMismatch {
        layer: what,
        step: 0,
        sample: 0,
        neuron: 0,
        what: "shape",
        expected: 0,
        got: 0,
    };
    if (rtl.steps, rtl.samples, rtl.layers.len())
        != (contract.steps, contract.samples, contract.layers.len())
    {
        return Some(shape(format!(
            "contract T={} N={} layers={}, RTL T={} N={} layers={}",
            contract.steps,
            contract.samples,
            contract.layers.len(),
            rtl.steps,
            rtl.samples,
            rtl.layers.len()
        )));
    }
    if let Some(((r, q), name)) = rtl
        .layers
        .iter()
        .zip(&contract.layers)
        .zip(&rtl.names)
        .find(|((r, q), _)| r.size != q.size)
    {
        return Some(shape(format!(
            "layer `{name}`: size {} vs {}",
            q.size, r.size
        )));
    }
    let out = contract.layers.get(output_layer);
    if out.is_none_or(|q| q.size != rtl.output_size) {
        return Some(shape(format!(
            "output layer {output_layer} vs {} output events",
            rtl.output_size
        )));
    }
    // every layer, in order, as every verification names differences (a spike anywhere in the
    // layer before a membrane: spikeloom_qnet::LayerTrace::first_difference)
    for ((r, q), name) in rtl.layers.iter().zip(&contract.layers).zip(&rtl.names) {
        if let Some(d) = q.first_difference(rtl.samples, &r.spikes, &r.membrane) {
            return Some(ContractMismatch {
                layer: name.clone(),
                step: d.step,
                sample: d.sample,
                neuron: d.neuron,
                what: d.what,
                expected: d.golden,
                got: d.got.unwrap_or(0),
            });
        }
    }
    // the output event stream against the output layer's spikes
    let q = &contract.layers[output_layer];
    for t in 0..rtl.steps {
        for n in 0..rtl.samples {
            let expected = q.at(&q.spikes, rtl.samples, t, n);
            let got = rtl.outputs_at(t, n);
            if let Some(i) = (0..expected.len()).find(|&i| expected[i] != got[i]) {
                return Some(ContractMismatch {
                    layer: "output".into(),
                    step: t,
                    sample: n,
                    neuron: i,
                    what: "output event",
                    expected: expected[i].into(),
                    got: got[i].into(),
                });
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use spikeloom_qnet::{LayerTrace, Saturations};

    // T=2, N=1, one layer of 2 neurons that is also the output layer.
    fn contract() -> QTrace {
        QTrace {
            steps: 2,
            samples: 1,
            layers: vec![LayerTrace {
                size: 2,
                spikes: vec![0, 1, 1, 0],
                membrane: vec![3, -4, 0, 7],
                current: None,
                saturations: Saturations::default(),
            }],
        }
    }

    fn rtl() -> RtlTrace {
        RtlTrace {
            steps: 2,
            samples: 1,
            output_size: 2,
            output_spikes: vec![0, 1, 1, 0],
            names: vec!["fc".into()],
            layers: vec![LayerTrace {
                size: 2,
                spikes: vec![0, 1, 1, 0],
                membrane: vec![3, -4, 0, 7],
                current: None,
                saturations: Saturations::default(),
            }],
            cycles_per_step: vec![vec![5, 5]],
        }
    }

    #[test]
    fn equal_traces_agree() {
        assert_eq!(compare_with_contract(&rtl(), &contract(), 0), None);
    }

    #[test]
    fn first_difference_is_reported_in_step_order() {
        let mut r = rtl();
        r.layers[0].membrane[3] = 6;
        r.output_spikes[2] = 0;
        // Layers before outputs within a step.
        let m = compare_with_contract(&r, &contract(), 0).unwrap();
        assert_eq!(
            m.to_string(),
            "layer `fc` neuron 1 step 1 sample 0: membrane expected 7, RTL 6"
        );
        r.layers[0].membrane[3] = 7;
        let m = compare_with_contract(&r, &contract(), 0).unwrap();
        assert_eq!(
            (m.step, m.neuron, m.what, m.expected, m.got),
            (1, 0, "output event", 1, 0)
        );
        // An earlier step wins over a later one.
        r.layers[0].spikes[0] = 1;
        let m = compare_with_contract(&r, &contract(), 0).unwrap();
        assert_eq!((m.step, m.neuron, m.what), (0, 0, "spike"));
    }

    #[test]
    fn shape_mismatch() {
        let mut r = rtl();
        r.steps = 3;
        assert_eq!(
            compare_with_contract(&r, &contract(), 0).unwrap().what,
            "shape"
        );
        assert_eq!(
            compare_with_contract(&rtl(), &contract(), 1).unwrap().what,
            "shape"
        );
    }
}
