//! Errors of this crate. `NirError` stops reading a file (the file is not a NIR graph we can
//! represent); `Diagnostic` is one problem `validate`/`infer_shapes` found in a graph that was
//! read, and `Diagnostics` carries all of them at once. Message text is a contract (tested).

use std::fmt;
use std::path::PathBuf;

/// Why a file could not be read into a [`crate::Graph`].
#[derive(Debug, thiserror::Error)]
pub enum NirError {
    /// The file could not be opened or read.
    #[error("cannot read '{path}': {source}")]
    Io {
        /// The path given to `read`.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// No HDF5 signature: not a `.nir` file at all.
    #[error(
        "not an HDF5 file (no HDF5 signature); a .nir file is written by `nir.write()` in Python"
    )]
    NotHdf5,
    /// The HDF5 structure is corrupt or truncated.
    #[error("corrupt or truncated HDF5 file at '{path}': {message}")]
    Hdf5 {
        /// HDF5 object path where reading failed.
        path: String,
        /// The HDF5 reader's message.
        message: String,
    },
    /// A dataset uses a compression filter the pure-Rust reader cannot decode.
    #[error(
        "dataset '{path}' uses the {filter} compression filter, which spikeloom cannot decode; \
         re-export with `nir.write(path, graph)` (gzip, the default) or `compression=None`"
    )]
    UnsupportedFilter {
        /// HDF5 dataset path.
        path: String,
        /// Filter name and id.
        filter: String,
    },
    /// A dataset declares more data than any compression could have stored in the file.
    #[error(
        "dataset '{path}' declares {bytes} bytes of data, more than {} times the file's \
         {file_bytes} bytes, which no compression reaches: the file is corrupt, or leaves the \
         data unwritten (HDF5 fill values), which `nir.write` never does",
        crate::h5::MAX_EXPANSION
    )]
    ImplausibleSize {
        /// HDF5 dataset path.
        path: String,
        /// Declared decoded size (`u64::MAX` when it overflows).
        bytes: u64,
        /// Size of the file.
        file_bytes: u64,
    },
    /// A plausible dataset larger than the reader's limit (`ReadOptions::max_dataset_bytes`).
    #[error("{}", over_limit(.path, .dims, .dtype, *.element_bytes, *.limit))]
    DatasetOverLimit {
        /// HDF5 dataset path.
        path: String,
        /// Its dimensions.
        dims: Vec<u64>,
        /// Its element type (`float32`).
        dtype: String,
        /// Bytes per element as stored.
        element_bytes: u64,
        /// The limit applied, in bytes.
        limit: u64,
    },
    /// A required group or dataset is absent.
    #[error("{location}: missing field '{field}'{}", hint_suffix(.hint))]
    MissingField {
        /// Where: `node 'lif'` (dotted name inside subgraphs), `graph` or `file`.
        location: String,
        /// Field name.
        field: String,
        /// What to do, when there is something useful to say.
        hint: Option<String>,
    },
    /// A node's `type` is not one of NIR's node types.
    #[error(
        "node '{node}': unknown node type '{type_name}'; supported types are Affine, AvgPool2d, \
         Conv1d, Conv2d, CubaLI, CubaLIF, Delay, Flatten, I, IF, Input, LI, LIF, Linear, NIRGraph, \
         Output, Scale, SumPool2d, Threshold"
    )]
    UnknownNodeType {
        /// Node name.
        node: String,
        /// The `type` string found.
        type_name: String,
    },
    /// A field has the wrong HDF5 kind (e.g. a string where numbers are expected).
    #[error("{location}: field '{field}' should be {expected}, found {found}")]
    WrongKind {
        /// Where: `node 'lif'`, `graph` or `file`.
        location: String,
        /// Field name.
        field: String,
        /// What NIR writes there.
        expected: String,
        /// What the file has.
        found: String,
    },
    /// A field has the right kind but an impossible value (negative stride, wrong length...).
    #[error("{location}: field '{field}' {message}")]
    BadValue {
        /// Where: `node 'lif'`, `graph` or `file`.
        location: String,
        /// Field name.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// Inlining a subgraph would create a node name that already exists.
    #[error(
        "cannot inline subgraph '{subgraph}': its node '{name}' clashes with an existing node \
         of that name; rename one of them before exporting"
    )]
    FlattenNameClash {
        /// The subgraph node.
        subgraph: String,
        /// The clashing dotted name.
        name: String,
    },
}

/// Bytes as MiB/GiB with one decimal (`1.5 GiB`).
pub(crate) fn fmt_bytes(bytes: u128) -> String {
    let mib = bytes as f64 / (1u64 << 20) as f64;
    if mib >= 1024.0 {
        format!("{:.1} GiB", mib / 1024.0)
    } else {
        format!("{mib:.1} MiB")
    }
}

fn over_limit(path: &str, dims: &[u64], dtype: &str, element_bytes: u64, limit: u64) -> String {
    let count: u128 = dims.iter().map(|&d| u128::from(d)).product();
    let bytes_per = u128::from(element_bytes);
    let shape: Vec<String> = dims.iter().map(|d| d.to_string()).collect();
    let needed_mib = (count * bytes_per).div_ceil(1 << 20);
    format!(
        "dataset '{path}' holds {} {dtype} values ({}), more than the reader's limit of {} \
         per dataset. The limit exists to bound memory: the reader allocates a whole dataset and \
         keeps every value as a 64-bit float ({} for this one). The file is not necessarily \
         corrupt; if this machine has the memory, raise the limit to at least {needed_mib} MiB \
         with --max-dataset-mib {needed_mib} or SPIKELOOM_MAX_DATASET_MIB={needed_mib}",
        shape.join(" x "),
        fmt_bytes(count * bytes_per),
        fmt_bytes(u128::from(limit)),
        fmt_bytes(count * 8),
    )
}

fn hint_suffix(hint: &Option<String>) -> String {
    hint.as_ref().map(|h| format!("; {h}")).unwrap_or_default()
}

/// One problem in a graph. Every variant names the node(s) involved.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Diagnostic {
    /// NaN or infinity in a parameter (inf is allowed only as tau = r = inf, i.e. beta = 1).
    #[error(
        "node '{node}': parameter '{field}' has {count} {what} value(s) (first at flat index \
         {first}); re-export the model with finite parameters"
    )]
    NonFinite {
        /// Node name.
        node: String,
        /// Parameter name.
        field: String,
        /// "NaN" or "infinite".
        what: String,
        /// How many elements are affected.
        count: usize,
        /// Row-major index of the first one.
        first: usize,
    },
    /// Parameters of one neuron node (or weight vs bias) disagree in shape.
    #[error(
        "node '{node}': parameter '{field}' has shape {} but '{reference}' implies {}; the \
         parameters of a node must agree in shape",
        fmt_shape(.shape), fmt_shape(.reference_shape)
    )]
    ParamShapeMismatch {
        /// Node name.
        node: String,
        /// The parameter that disagrees.
        field: String,
        /// Its shape.
        shape: Vec<usize>,
        /// The parameter it was compared with.
        reference: String,
        /// The shape that parameter implies for `field`.
        reference_shape: Vec<usize>,
    },
    /// An edge names a node that does not exist.
    #[error("edge ('{from}', '{to}'): node '{missing}' does not exist in the graph")]
    DanglingEdge {
        /// Edge source.
        from: String,
        /// Edge target.
        to: String,
        /// The name that is missing.
        missing: String,
    },
    /// The source's output shape is not the target's input shape.
    #[error(
        "edge ('{from}', '{to}'): '{from}' outputs shape {} but '{to}' expects {}",
        fmt_shape(.output), fmt_shape(.input)
    )]
    EdgeShapeMismatch {
        /// Edge source.
        from: String,
        /// Edge target.
        to: String,
        /// Source output shape.
        output: Vec<usize>,
        /// Target input shape.
        input: Vec<usize>,
    },
    /// A cycle of stateless nodes: no time step could be evaluated.
    #[error(
        "cycle through {} contains no neuron or delay node; a recurrent loop must pass through \
         a stateful node (LIF, CubaLIF, CubaLI, IF, LI, I, Delay)",
        quote_list(.nodes)
    )]
    CycleWithoutNeuron {
        /// The nodes of the cycle (a strongly connected component), sorted.
        nodes: Vec<String>,
    },
    /// A parameter value outside what it can mean (a time constant <= 0, a negative `r` or
    /// delay): accepted silently it would be clamped or inverted somewhere later.
    #[error(
        "node '{node}': parameter '{field}' has {count} {what} value(s) (first {value} at flat \
         index {first}); {meaning}"
    )]
    InvalidValue {
        /// Node name.
        node: String,
        /// Parameter name.
        field: String,
        /// "negative" or "zero".
        what: String,
        /// How many elements are affected.
        count: usize,
        /// Row-major index of the first one.
        first: usize,
        /// The first one, as stored (f32 values printed as f32).
        value: String,
        /// What the value would mean, and what to do.
        meaning: String,
    },
    /// A node with no elements: an empty layer, projection, input or output.
    #[error(
        "node '{node}': {what} has no elements, so the node computes nothing and its edges carry \
         no values; {fix}"
    )]
    Empty {
        /// Node name.
        node: String,
        /// What is empty (`shape [0]`, `parameter 'tau' (shape [0])`).
        what: String,
        /// What to do.
        fix: String,
    },
    /// A node's shape cannot be derived, or its parameters imply an impossible shape.
    #[error("node '{node}': {message}")]
    Shape {
        /// Node name.
        node: String,
        /// What is wrong.
        message: String,
    },
}

/// Every problem found in a graph, in a deterministic order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} problem(s) in the NIR graph:", self.0.len())?;
        for d in &self.0 {
            write!(f, "\n  - {d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

/// `[2, 3]`, or `[]` for a scalar.
pub(crate) fn fmt_shape(shape: &[usize]) -> String {
    let parts: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    format!("[{}]", parts.join(", "))
}

fn quote_list(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("'{n}'"))
        .collect::<Vec<_>>()
        .join(", ")
}
