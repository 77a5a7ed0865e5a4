//! The typed NIR graph: one Rust variant per node type of the `nir` Python package (1.0.8),
//! field names as in NIR. Values are kept as read (f64 for every float, with the stored dtype
//! recorded) so the float engine can reproduce float32 behaviour where it matters.

use std::collections::BTreeMap;

/// Element type a float tensor had in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FloatDtype {
    /// `H5T_IEEE_F32LE`
    F32,
    /// `H5T_IEEE_F64LE`
    F64,
}

/// A dense float tensor in row-major (C) order. A 0-d (scalar) dataset has `shape == []`.
#[derive(Debug, Clone, PartialEq)]
pub struct Tensor {
    /// Dimensions, outermost first.
    pub shape: Vec<usize>,
    /// Row-major values, converted to f64.
    pub data: Vec<f64>,
    /// Stored element type.
    pub dtype: FloatDtype,
}

impl Tensor {
    /// Number of elements (1 for a scalar).
    pub fn len(&self) -> usize {
        self.data.len()
    }
    /// True when the tensor holds no element.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
}

/// Conv padding: explicit per-dimension amounts, or NIR's string forms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Padding {
    /// Zero padding on both sides, one amount per spatial dimension.
    Explicit(Vec<usize>),
    /// `"same"`: output spatial size equals input size (stride 1).
    Same,
    /// `"valid"`: no padding.
    Valid,
}

/// A metadata value (free-form in NIR; nested groups allowed).
#[derive(Debug, Clone, PartialEq)]
pub enum MetaValue {
    /// String dataset.
    Str(String),
    /// Float scalar.
    Float(f64),
    /// Integer or bool scalar.
    Int(i64),
    /// Numeric array (converted to f64).
    Array(Vec<f64>),
    /// Nested group.
    Group(BTreeMap<String, MetaValue>),
}

/// One NIR node. Neuron parameters all share one shape, which is the node's in/out shape.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// Graph input; `shape` is one time step of one sample.
    Input { shape: Vec<usize> },
    /// Graph output.
    Output { shape: Vec<usize> },
    /// `y = W x + b`, W is `(N_out, N_in)`.
    Affine { weight: Tensor, bias: Tensor },
    /// `y = W x`.
    Linear { weight: Tensor },
    /// PyTorch Conv1d; weight `(C_out, C_in/groups, K)`.
    Conv1d {
        weight: Tensor,
        bias: Tensor,
        stride: usize,
        padding: Padding,
        dilation: usize,
        groups: usize,
        input_shape: Option<usize>,
    },
    /// PyTorch Conv2d; weight `(C_out, C_in/groups, kH, kW)`.
    Conv2d {
        weight: Tensor,
        bias: Tensor,
        stride: [usize; 2],
        padding: Padding,
        dilation: [usize; 2],
        groups: usize,
        input_shape: Option<[usize; 2]>,
    },
    /// Sum over each window.
    SumPool2d {
        kernel_size: [usize; 2],
        stride: [usize; 2],
        padding: [usize; 2],
    },
    /// Sum over each window divided by `kH*kW`.
    AvgPool2d {
        kernel_size: [usize; 2],
        stride: [usize; 2],
        padding: [usize; 2],
    },
    /// C-order reshape of dims `start_dim..=end_dim` (batch-less indices, may be negative).
    Flatten {
        input_type: Option<Vec<usize>>,
        start_dim: i64,
        end_dim: i64,
    },
    /// `y = x * s` element-wise.
    Scale { scale: Tensor },
    /// `z = 1 if x > threshold`.
    Threshold { threshold: Tensor },
    /// `y(t) = x(t - delay)`, delay in seconds.
    Delay { delay: Tensor },
    /// Leaky integrate-and-fire.
    Lif {
        tau: Tensor,
        r: Tensor,
        v_leak: Tensor,
        v_threshold: Tensor,
        v_reset: Tensor,
    },
    /// Current-based LIF (synaptic current + membrane).
    CubaLif {
        tau_syn: Tensor,
        tau_mem: Tensor,
        r: Tensor,
        v_leak: Tensor,
        v_threshold: Tensor,
        v_reset: Tensor,
        w_in: Tensor,
    },
    /// Current-based leaky integrator (no threshold).
    CubaLi {
        tau_syn: Tensor,
        tau_mem: Tensor,
        r: Tensor,
        v_leak: Tensor,
        w_in: Tensor,
    },
    /// Integrate-and-fire.
    If {
        r: Tensor,
        v_threshold: Tensor,
        v_reset: Tensor,
    },
    /// Leaky integrator (no threshold).
    Li {
        tau: Tensor,
        r: Tensor,
        v_leak: Tensor,
    },
    /// Integrator `dv/dt = R I` (NIR type string `"I"`).
    Integrator { r: Tensor },
    /// Nested graph.
    Graph(Box<Graph>),
}

impl Node {
    /// The NIR type string of this node (`"LIF"`, `"Affine"`, `"I"`, `"NIRGraph"`, ...).
    pub fn type_name(&self) -> &'static str {
        match self {
            Node::Input { .. } => "Input",
            Node::Output { .. } => "Output",
            Node::Affine { .. } => "Affine",
            Node::Linear { .. } => "Linear",
            Node::Conv1d { .. } => "Conv1d",
            Node::Conv2d { .. } => "Conv2d",
            Node::SumPool2d { .. } => "SumPool2d",
            Node::AvgPool2d { .. } => "AvgPool2d",
            Node::Flatten { .. } => "Flatten",
            Node::Scale { .. } => "Scale",
            Node::Threshold { .. } => "Threshold",
            Node::Delay { .. } => "Delay",
            Node::Lif { .. } => "LIF",
            Node::CubaLif { .. } => "CubaLIF",
            Node::CubaLi { .. } => "CubaLI",
            Node::If { .. } => "IF",
            Node::Li { .. } => "LI",
            Node::Integrator { .. } => "I",
            Node::Graph(_) => "NIRGraph",
        }
    }
}

/// A NIR graph: named nodes and directed edges `(source, target)`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Graph {
    /// Nodes by name (alphabetical, like the file; topology comes from `edges`).
    pub nodes: BTreeMap<String, Node>,
    /// Edges in file order.
    pub edges: Vec<(String, String)>,
    /// Free-form metadata (`metadata/` group), empty when absent.
    pub metadata: BTreeMap<String, MetaValue>,
}

/// A whole `.nir` file.
#[derive(Debug, Clone, PartialEq)]
pub struct NirFile {
    /// The writer's `nir` package version (`/version`).
    pub version: String,
    /// The top-level graph (`/node`).
    pub graph: Graph,
}
