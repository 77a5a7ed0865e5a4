//! spikeloom-qnet: the integer network IR (the software/hardware contract) and its golden evaluator.

mod net;
pub use net::*;
