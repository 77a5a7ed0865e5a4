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

/// Read a `.nir` file. Structure and field types are checked; graph-level consistency
/// (shapes, edges, cycles, NaN) is left to [`validate`] so all such problems are reported together.
pub fn read(path: impl AsRef<Path>) -> Result<NirFile, NirError> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|source| NirError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    read_bytes(&bytes)
}

/// Read a `.nir` file already in memory. Never panics, whatever the bytes.
pub fn read_bytes(bytes: &[u8]) -> Result<NirFile, NirError> {
    let tree = h5::load(bytes)?;
    decode::decode_file(&tree)
}
