//! spikeloom's orchestration: what the `spikeloom` commands do, as a library (the CLI parses,
//! calls and prints; a Python binding calls the same functions).
//!
//! A validated [`Config`] (and [`HwConfig`] for a hardware target) opens a [`Session`], which
//! makes each artifact once, on first use, and hands it on: NIR -> float network -> integer
//! network -> design (plan, RTL bundle, board files) -> engine runs on a sample; [`build`]
//! checks a design on its sample and writes the bitstream's reports, [`verify`], [`engines`],
//! [`sweep`], [`board`] and [`program`] are what `verify`, `simulate`, `explore`, `run` and
//! `program` do. Every user array goes through [`input`] (shape matched to the model's input
//! shape, values checked, never rounded). Errors are [`Error`] (input or failed step); the
//! library never prints and never reads environment variables: what the user should see comes
//! back as [`Event`]s or through callbacks.

pub mod board;
pub mod board_weights;
pub mod boards;
pub mod boardsim;
pub mod build;
pub mod build_report;
pub mod config;
pub mod design;
pub mod engines;
pub mod error;
pub mod explore;
pub mod input;
pub mod inspect;
pub mod model;
pub mod program;
pub mod report_html;
pub mod session;
pub mod sweep;
pub mod verify;

pub use config::{Config, HwConfig, LayerSemantics, QuantSettings};
pub use design::{Design, Manifest, WeightsInfo};
pub use error::{Error, ErrorKind, Result};
pub use input::{ModelInput, Rows, Values};
pub use session::{Event, Runs, Session};
