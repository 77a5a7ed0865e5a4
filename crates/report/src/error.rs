//! Errors of the report crate (rendering itself cannot fail; exploration can).

/// Why an exploration could not run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReportError {
    /// Bad exploration settings or sample.
    #[error("explore: {0}")]
    Explore(String),
}
