//! spikeloom-nir: reads NIR HDF5 files (as written by `nir.write`, any nir version seen in the
//! wild) into a typed graph, validates it, infers shapes and inlines subgraphs.
//!
//! ```no_run
//! let file = spikeloom_nir::read("model.nir")?;
//! spikeloom_nir::validate(&file.graph)?;
//! let flat = spikeloom_nir::flatten_subgraphs(&file.graph)?;
//! let shapes = spikeloom_nir::infer_shapes(&flat)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod decode;
mod error;
mod flatten;
mod h5;
mod model;
mod shapes;
mod validate;

pub use error::{Diagnostic, Diagnostics, NirError};
pub use flatten::flatten_subgraphs;
pub use model::*;
pub use shapes::{infer_shapes, NodeShapes};
pub use validate::validate;

use std::path::Path;

/// Default largest decoded size of one dataset: 512 MiB. A dense layer that size has 134M
/// float32 weights, hundreds of times the block RAM of any FPGA spikeloom targets.
pub const DEFAULT_MAX_DATASET_BYTES: u64 = 512 << 20;

/// How a file is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadOptions {
    /// Largest decoded size of one dataset, in bytes: the reader allocates a dataset's whole
    /// declared extent (and keeps every value as f64), so this bounds the memory a file can
    /// make it take. Default [`DEFAULT_MAX_DATASET_BYTES`].
    pub max_dataset_bytes: u64,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            max_dataset_bytes: DEFAULT_MAX_DATASET_BYTES,
        }
    }
}

/// Read a `.nir` file. Structure and field types are checked; graph-level consistency
/// (shapes, edges, cycles, NaN) is left to [`validate`] so all such problems are reported together.
pub fn read(path: impl AsRef<Path>) -> Result<NirFile, NirError> {
    read_with(path, &ReadOptions::default())
}

/// [`read`] with explicit options.
pub fn read_with(path: impl AsRef<Path>, opts: &ReadOptions) -> Result<NirFile, NirError> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|source| NirError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    read_bytes_with(&bytes, opts)
}

/// Read a `.nir` file already in memory. Never panics, whatever the bytes.
pub fn read_bytes(bytes: &[u8]) -> Result<NirFile, NirError> {
    read_bytes_with(bytes, &ReadOptions::default())
}

/// [`read_bytes`] with explicit options.
pub fn read_bytes_with(bytes: &[u8], opts: &ReadOptions) -> Result<NirFile, NirError> {
    let tree = h5::load(bytes, opts.max_dataset_bytes)?;
    decode::decode_file(&tree)
}
