//! spikeloom-hostlink: the host side of the board protocol (PROTOCOL.md beside this crate).
//!
//! [`frame`] encodes commands and decodes device frames (resynchronizing on garbage);
//! [`encode`] is the on-chip rate encoder's software twin ([`rate_encode`]);
//! [`Link`] runs commands over any `Read + Write` byte stream (a serial port from
//! [`open_serial`], a simulation's byte file, a test double), encoding inputs for the bitstream
//! the device reports (binary spike bitmaps or graded input values, [`OutEvent`] outputs with
//! spike counts), and loading a weight image into a bitstream that loads its weights at start-up
//! ([`Link::load_image`]). [`traffic`] counts the bytes a sample takes on the link.

pub mod encode;
pub mod frame;
mod link;
mod serial;
pub mod traffic;

pub use encode::{rate_encode, Lfsr};
pub use frame::{
    crc8, Command, DecodeError, Decoder, DeviceErrorCode, Frame, LoadStatus, OutEvent, Reply,
    Status, LOAD_READY, MAX_LOAD_CHUNK, NO_LOADER,
};
pub use link::{Link, LinkError, LoadReport, PixelRun, SampleRun};
pub use serial::open_serial;
pub use traffic::{LinkShape, Traffic};
