//! spikeloom-board: FPGA devices and declarative board definitions (boards/*.toml), constraints.

mod device;
pub use device::*;
