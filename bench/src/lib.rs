//! spikeloom-bench: side-by-side measurements of spikeloom's engines, the RTL simulators,
//! snnTorch (numbers produced by `bench/snntorch_bench.py`) and place and route; written to
//! `bench/results.json` and printed as a markdown table by the `spikeloom-bench` binary.

pub mod fixture;
pub mod measure;
pub mod pnr;
pub mod results;
pub mod rtl;
pub mod timing;
