//! Errors of the lowering step (NIR graph -> `FloatNet`). Every variant names the NIR node or
//! metadata key at fault and says what the user can do about it.

use thiserror::Error;

/// Why a NIR graph could not be lowered to a layered float network.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum LowerError {
    /// A node (or node arrangement) the float reference cannot express yet.
    #[error("node `{node}` ({kind}) is not supported: {hint}")]
    Unsupported {
        /// NIR node name.
        node: String,
        /// NIR node type or arrangement.
        kind: String,
        /// What is missing and what the user can do.
        hint: String,
    },
    /// An edge names a node that does not exist.
    #[error("edge `{from}` -> `{to}` names unknown node `{missing}`; fix the edge list")]
    UnknownNode {
        /// Edge source.
        from: String,
        /// Edge target.
        to: String,
        /// The name that is not a node.
        missing: String,
    },
    /// Sizes along an edge do not agree.
    #[error("node `{node}`: {detail}")]
    Shape {
        /// NIR node name.
        node: String,
        /// What disagreed with what.
        detail: String,
    },
    /// A neuron or synapse parameter has a value the semantics cannot use.
    #[error("node `{node}`, parameter `{param}`: {detail}")]
    Parameter {
        /// NIR node name.
        node: String,
        /// Parameter (field) name.
        param: String,
        /// What is wrong and what to do.
        detail: String,
    },
    /// The graph has no usable input or output, or several of them.
    #[error("graph structure: {detail}")]
    Structure {
        /// What is wrong and what to do.
        detail: String,
    },
    /// A cycle made only of synapse nodes (no neuron to carry state between steps).
    #[error("algebraic loop through {nodes:?}: every cycle must pass through a neuron node (LIF, CubaLIF, IF, ...)")]
    AlgebraicLoop {
        /// Nodes on the loop.
        nodes: Vec<String>,
    },
    /// A metadata entry that should set a semantic option has an unusable value.
    #[error("metadata `{key}`: {detail}")]
    Metadata {
        /// Metadata key.
        key: String,
        /// What was found and what is accepted.
        detail: String,
    },
    /// A semantic option given by the caller is unusable.
    #[error("option `{option}`: {detail}")]
    Option {
        /// Option name.
        option: String,
        /// What is wrong.
        detail: String,
    },
}
