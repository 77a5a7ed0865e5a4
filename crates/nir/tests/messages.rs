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

/// The adversarial graphs of issue 20 (nir_cases.py `adversarial_cases`).
#[test]
fn values_outside_their_meaning_and_empty_nodes() {
    let one = |d: &str| format!("1 problem(s) in the NIR graph:\n  - {d}");
    // tau = -1 ms on all three neurons of `lif`.
    assert_eq!(
        message("bad_negative_tau"),
        one(
            "node 'lif': parameter 'tau' has 3 negative value(s) (first -0.001 at flat index 0); \
             a time constant must be positive: with tau < 0 the per-step factor 1 - dt/tau \
             exceeds 1, so the state would grow every step instead of decaying (snnTorch exports \
             tau = dt/(1 - beta): a learned beta above 1, which snnTorch clamps to 1 when it \
             runs, exports a negative tau; clamp beta to [0, 1] before exporting)"
        )
    );
    // r = [10, -10, 10].
    assert_eq!(
        message("bad_negative_r"),
        one(
            "node 'lif': parameter 'r' has 1 negative value(s) (first -10 at flat index 1); r \
             scales every input of the neuron (dv/dt = (v_leak - v + r*I)/tau): a negative r \
             would turn excitatory weights inhibitory and inhibitory ones excitatory; re-export \
             the model (snnTorch writes r = tau/dt, so a negative tau gives a negative r too)"
        )
    );
    // CubaLIF tau_syn = [5 ms, 0, 0].
    assert_eq!(
        message("bad_zero_tau_syn"),
        one(
            "node 'lif': parameter 'tau_syn' has 2 zero value(s) (first 0 at flat index 1); a \
             time constant must be positive: tau_syn = 0 divides by zero (dt/tau_syn), so the \
             decay is undefined; use +inf for no decay"
        )
    );
    let empty = "has no elements, so the node computes nothing and its edges carry no values";
    // Linear (0, 2) -> LIF with 0 neurons -> Output [0].
    assert_eq!(
        message("bad_empty_layer"),
        format!(
            "3 problem(s) in the NIR graph:\n  - node 'fc': parameter 'weight' (shape [0, 2]) \
             {empty}; a projection needs at least one input and one output: remove the node or \
             re-export it with its weights\n  - node 'lif': parameter 'tau' (shape [0]) {empty}; \
             a layer needs at least one neuron: remove the node or re-export it with its \
             neurons\n  - node 'output': its shape [0] {empty}; the network must output at least \
             one value: re-export it with the shape of the layer that feeds the Output node"
        )
    );
    // Input [0] -> Linear (3, 0) -> LIF(3).
    assert_eq!(
        message("bad_empty_input"),
        format!(
            "2 problem(s) in the NIR graph:\n  - node 'fc': parameter 'weight' (shape [3, 0]) \
             {empty}; a projection needs at least one input and one output: remove the node or \
             re-export it with its weights\n  - node 'input': its shape [0] {empty}; the network \
             needs at least one input value per time step: re-export it with the real input shape"
        )
    );
}

#[test]
fn dataset_size_limits() {
    // 12000 x 12000 float32 = 576,000,000 bytes = 549.3 MiB > 512 MiB; as f64 1.1 GiB.
    assert_eq!(
        message("bad_large_layer"),
        "dataset '/node/nodes/fc/weight' holds 12000 x 12000 float32 values (549.3 MiB), more \
         than the reader's limit of 512.0 MiB per dataset. The limit exists to bound memory: the \
         reader allocates a whole dataset and keeps every value as a 64-bit float (1.1 GiB for \
         this one). The file is not necessarily corrupt; if this machine has the memory, raise \
         the limit to at least 550 MiB with --max-dataset-mib 550 or \
         SPIKELOOM_MAX_DATASET_MIB=550"
    );
    // 100000 x 100000 float32 declared, nothing written: 4e10 bytes in a small file.
    let m = message("bad_unwritten_dataset");
    assert!(
        m.starts_with(
            "dataset '/node/nodes/fc/weight' declares 40000000000 bytes of data, more than 1100 \
             times the file's "
        ) && m.ends_with(
            " bytes, which no compression reaches: the file is corrupt, or leaves the data \
             unwritten (HDF5 fill values), which `nir.write` never does"
        ),
        "{m}"
    );
}

#[test]
fn the_dataset_limit_is_the_callers_option() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/nir-cases/chain_plain_f64.nir");
    // Its datasets are a few dozen bytes each (3 float64 neuron values, a 3 x 2 weight, the
    // edge list): 16 bytes refuses the first one read, 1 KiB holds them all.
    let tight = spikeloom_nir::ReadOptions {
        max_dataset_bytes: 16,
    };
    match spikeloom_nir::read_with(&path, &tight) {
        Err(spikeloom_nir::NirError::DatasetOverLimit { limit, .. }) => assert_eq!(limit, 16),
        other => panic!("expected DatasetOverLimit, got {other:?}"),
    }
    let roomy = spikeloom_nir::ReadOptions {
        max_dataset_bytes: 1024,
    };
    spikeloom_nir::read_with(&path, &roomy).expect("1 KiB holds every dataset of the file");
    assert_eq!(
        spikeloom_nir::ReadOptions::default().max_dataset_bytes,
        512 << 20
    );
}
