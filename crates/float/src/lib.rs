//! spikeloom-float: lowering of a NIR graph to a discrete-time layered network, and the float engine.

mod net;
pub use net::*;
