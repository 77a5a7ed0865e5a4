//! spikeloom-nir: reads NIR HDF5 files into a typed graph and validates it.

mod model;
pub use model::*;
