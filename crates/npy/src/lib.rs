//! spikeloom-npy: NumPy `.npy` reading and writing, `.npz` writing (stored) and reading (stored or
//! deflated, as `numpy.savez` and `numpy.savez_compressed` write them).
//!
//! Only what spikeloom's users exchange with Python: little-endian (or byte-order-free) numeric
//! arrays in C order. Everything else is rejected with a message that says what was found. The
//! formats themselves are `npyz`'s (`.npy`) and the `zip` crate's (`.npz`).

mod npy;
mod npz;

pub use npy::{read_npy, read_npy_bytes, write_npy_bytes, NpyArray, NpyData, NpyError};
pub use npz::{read_npz, write_npz};
