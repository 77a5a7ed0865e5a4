//! Error text is part of the contract: the exact message each malformed fixture produces.
//! Expected strings were written from the fixture's construction in nir_cases.py (which node,
//! which field, which values), not copied from a run.

use std::path::PathBuf;

fn message(case: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/nir-cases")
        .join(format!("{case}.nir"));
    match spikeloom_nir::read(&path) {
        Err(e) => e.to_string(),
        Ok(f) => match spikeloom_nir::validate(&f.graph) {
            Ok(()) => "ok".into(),
            Err(d) => d.to_string(),
        },
    }
}

const SUPPORTED: &str = "supported types are Affine, AvgPool2d, Conv1d, Conv2d, CubaLI, CubaLIF, \
                         Delay, Flatten, I, IF, Input, LI, LIF, Linear, NIRGraph, Output, Scale, \
                         SumPool2d, Threshold";

#[test]
fn read_errors() {
    let not_hdf5 =
        "not an HDF5 file (no HDF5 signature); a .nir file is written by `nir.write()` in Python";
    assert_eq!(message("bad_not_hdf5"), not_hdf5);
    assert_eq!(message("bad_random_bytes"), not_hdf5);
    assert_eq!(
        message("bad_no_node"),
        "file: missing field 'node'; a NIR file keeps its graph in the HDF5 group '/node'"
    );
    assert_eq!(
        message("bad_missing_param"),
        "node 'lif': missing field 'tau'"
    );
    assert_eq!(
        message("bad_unknown_type"),
        format!("node 'lif': unknown node type 'MaxPool2d'; {SUPPORTED}")
    );
    assert_eq!(
        message("bad_wrong_kind"),
        "node 'lif': field 'tau' should be a float array, found string []"
    );
    assert_eq!(
        message("bad_szip"),
        "dataset '/node/nodes/fc/weight' uses the szip (4) compression filter, which spikeloom \
         cannot decode; re-export with `nir.write(path, graph)` (gzip, the default) or \
         `compression=None`"
    );
    // The library's own wording follows the prefix; only the prefix is ours.
    assert!(
        message("bad_truncated").starts_with("corrupt or truncated HDF5 file at '/"),
        "{}",
        message("bad_truncated")
    );
}

#[test]
fn validation_diagnostics() {
    assert_eq!(
        message("bad_nan_param"),
        "1 problem(s) in the NIR graph:\n  - node 'lif': parameter 'v_threshold' has 1 NaN \
         value(s) (first at flat index 1); re-export the model with finite parameters"
    );
    assert_eq!(
        message("bad_inf_threshold"),
        "1 problem(s) in the NIR graph:\n  - node 'lif': parameter 'v_threshold' has 1 infinite \
         value(s) (first at flat index 1); re-export the model with finite parameters"
    );
    assert_eq!(
        message("bad_param_shapes"),
        "1 problem(s) in the NIR graph:\n  - node 'lif': parameter 'r' has shape [4] but 'tau' \
         implies [3]; the parameters of a node must agree in shape"
    );
    assert_eq!(
        message("bad_dangling_edge"),
        "1 problem(s) in the NIR graph:\n  - edge ('lif', 'outptu'): node 'outptu' does not \
         exist in the graph"
    );
    // The (4, 2) weight disagrees with both the (3,) bias and the 3-neuron LIF.
    assert_eq!(
        message("bad_edge_shape"),
        "2 problem(s) in the NIR graph:\n  - node 'fc': parameter 'bias' has shape [3] but \
         'weight' implies [4]; the parameters of a node must agree in shape\n  - edge ('fc', \
         'lif'): 'fc' outputs shape [4] but 'lif' expects [3]"
    );
    // fc (3x2) -> fc2 (3x3) -> fc: an algebraic loop, and fc2's 3 outputs cannot feed fc's 2 inputs.
    assert_eq!(
        message("bad_cycle_no_neuron"),
        "2 problem(s) in the NIR graph:\n  - cycle through 'fc', 'fc2' contains no neuron or \
         delay node; a recurrent loop must pass through a stateful node (LIF, CubaLIF, CubaLI, \
         IF, LI, I, Delay)\n  - edge ('fc2', 'fc'): 'fc2' outputs shape [3] but 'fc' expects [2]"
    );
}
