//! The board session for a design whose weights are loaded at start-up (SPRAM): before the first
//! sample the board must hold this directory's weight image. Its STATUS says which image the
//! bitstream expects (a different CRC: the board runs another design) and what its loader holds;
//! when the flash gave it nothing or something else, the image goes over the host link (LOAD).

use crate::design::Manifest;
use crate::error::{Error, Result};
use spikeloom_hostlink::{Link, LinkError, Status};
use spikeloom_plan::{LoadState, WeightImage};
use std::io::{Read, Write};
use std::path::Path;
use std::time::{Duration, Instant};

/// Image bytes per LOAD frame (one reply each; a corrupt frame costs only itself).
pub const LOAD_CHUNK: usize = 4096;

/// The design directory's weight image, checked against its manifest (`None`: the design's
/// weights are in the bitstream).
pub fn load_weights_file(dir: &Path, m: &Manifest) -> Result<Option<WeightImage>> {
    let Some(w) = &m.weights else {
        return Ok(None);
    };
    let path = dir.join(&w.file);
    let bytes = std::fs::read(&path).map_err(|e| {
        Error::input(format!(
            "cannot read the weight image {}: {e}; pass the directory written by `spikeloom build`",
            path.display()
        ))
    })?;
    let image = WeightImage::parse(&bytes).map_err(|e| {
        Error::input(format!(
            "{}: {e}; rebuild the directory with `spikeloom build`",
            path.display()
        ))
    })?;
    if image.crc() != w.crc32 {
        return Err(Error::input(format!(
            "{} has CRC-32 {:#010x}, but {} was built with an image of CRC-32 {:#010x}: the directory mixes two builds; rebuild it",
            path.display(),
            image.crc(),
            crate::design::MANIFEST,
            w.crc32
        )));
    }
    Ok(Some(image))
}

/// What the board's STATUS asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WeightsAction {
    /// The loader holds this image (read from the flash, or loaded before).
    Loaded,
    /// Send the image: the loader holds nothing usable (its state says why).
    Send(u8),
}

/// Decide from the board's STATUS: refused when its bitstream has no loader or expects another
/// image (another design, or this directory rebuilt since the board was programmed).
pub fn weights_action(status: &Status, m: &Manifest) -> Result<WeightsAction> {
    let Some(w) = &m.weights else {
        return Ok(WeightsAction::Loaded);
    };
    let Some(load) = status.load else {
        return Err(Error::failure(
            "the board runs a bitstream whose weights are in the bitstream (no weight loader), but this directory's design loads its weights at start-up; program the board with this directory's bitstream"
        ));
    };
    if load.image_crc != w.crc32 {
        return Err(Error::failure(format!(
            "the weight image does not match the board's bitstream: the bitstream expects an image with CRC-32 {:#010x}, but {} has CRC-32 {:#010x}; the board runs another design's bitstream (or this directory was rebuilt since): program it with this directory's bitstream",
            load.image_crc,
            w.file,
            w.crc32
        )));
    }
    Ok(if load.holds(w.crc32) {
        WeightsAction::Loaded
    } else {
        WeightsAction::Send(load.state)
    })
}

/// What a load state means, for messages.
pub fn describe_state(state: u8) -> String {
    LoadState::from_code(state).map_or_else(
        || format!("unknown load state {state}"),
        |s| s.describe().to_string(),
    )
}

/// How often STATUS is asked while the board still reads its flash.
const FLASH_POLL: Duration = Duration::from_millis(50);

/// What [`ensure_weights`] did or is doing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WeightsEvent {
    /// The outcome, for the user's output: the board holds the image, or it was loaded.
    Done(String),
    /// The image is being sent over the link (the reason, for the user's diagnostics).
    Loading(String),
    /// Bytes of the image sent so far, of `total`.
    Sent {
        /// Bytes sent.
        done: u64,
        /// Bytes of the image.
        total: u64,
    },
}

/// Make the board hold `image` (the design's): ask STATUS (again while the board still reads
/// its flash, up to twice the planned load time and at least a second), then load over the
/// link unless the loader holds it. Says what happened through `on`.
pub fn ensure_weights<T: Read + Write>(
    link: &mut Link<T>,
    m: &Manifest,
    image: Option<&WeightImage>,
    on: &mut dyn FnMut(WeightsEvent),
) -> Result<()> {
    let (Some(w), Some(image)) = (&m.weights, image) else {
        return Ok(());
    };
    let status_of = |link: &mut Link<T>| {
        link.status()
            .map_err(|e| Error::failure(format!("board `{}`: {e}", m.board)))
    };
    let flash_time = Duration::from_secs_f64(2.0 * w.load_cycles as f64 / m.clock_hz.max(1) as f64)
        .max(Duration::from_secs(1));
    let waited = Instant::now();
    let mut status = status_of(link)?;
    while status
        .load
        .is_some_and(|l| l.state == LoadState::Flash.code())
        && waited.elapsed() < flash_time
    {
        std::thread::sleep(FLASH_POLL);
        status = status_of(link)?;
    }
    let state = match weights_action(&status, m)? {
        WeightsAction::Loaded => {
            on(WeightsEvent::Done(format!(
                "weights: the board holds {} (CRC-32 {:#010x})",
                w.file, w.crc32
            )));
            return Ok(());
        }
        WeightsAction::Send(state) => state,
    };
    on(WeightsEvent::Loading(format!(
        "weights: the board's loader reports: {}; loading {} ({} bytes) over the host link",
        describe_state(state),
        w.file,
        w.bytes
    )));
    let started = Instant::now();
    let bytes = image.to_bytes();
    let total = bytes.len() as u64;
    let mut progress = |done: usize| {
        on(WeightsEvent::Sent {
            done: done as u64,
            total,
        })
    };
    let report = link
        .load_image(&bytes, LOAD_CHUNK, &mut progress)
        .map_err(|e| load_failure(e, m))?;
    let hint = w.flash_offset.map_or(String::new(), |o| {
        format!("; program {} into the flash at {o:#x} to skip this", w.file)
    });
    on(WeightsEvent::Done(format!(
        "weights: loaded {} bytes over the host link in {:.2} s ({} frames, {} sent again){hint}",
        report.bytes,
        started.elapsed().as_secs_f64(),
        report.frames,
        report.resent,
    )));
    Ok(())
}

/// A failed load: the loader's reason, or the link's.
fn load_failure(e: LinkError, m: &Manifest) -> Error {
    match e {
        LinkError::LoadFailed { state, pos } => Error::failure(format!(
            "board `{}`: the weight loader refused the image after {pos} bytes: {}",
            m.board,
            describe_state(state)
        )),
        e => Error::failure(format!("board `{}`: {e}", m.board)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::design::WeightsInfo;
    use spikeloom_hostlink::LoadStatus;

    fn manifest(crc: u32) -> Manifest {
        Manifest {
            generator: String::new(),
            board: "icebreaker".into(),
            family: "ice40".into(),
            device: "iCE40UP5K".into(),
            clock_hz: 12_000_000,
            baud: 3_000_000,
            input_size: 4,
            output_size: 2,
            layers: vec![],
            lanes: vec![],
            model_sha256: String::new(),
            qnet_hash: String::new(),
            rate_encoder: true,
            weights: Some(WeightsInfo {
                file: "weights.bin".into(),
                bytes: 52,
                crc32: crc,
                flash_offset: Some(0x20000),
                load_cycles: 1000,
            }),
        }
    }

    fn status(load: Option<LoadStatus>) -> Status {
        Status {
            version: 5,
            error_seen: false,
            overflow: false,
            no_rate_encoder: false,
            input_size: 4,
            output_size: 2,
            steps: 0,
            crc_errors: 0,
            other_errors: 0,
            in_value_bits: 1,
            out_value_bits: 1,
            load,
        }
    }

    fn msg(e: Error) -> String {
        e.to_string()
    }

    #[test]
    fn the_board_must_expect_this_image() {
        let m = manifest(0x1234_5678);
        let load = |state, image_crc, loaded_crc| {
            Some(LoadStatus {
                state,
                image_crc,
                loaded_crc,
                pos: 52,
            })
        };
        assert_eq!(
            weights_action(&status(load(2, 0x1234_5678, 0x1234_5678)), &m).unwrap(),
            WeightsAction::Loaded
        );
        // an erased flash, or a corrupt image: send it
        assert_eq!(
            weights_action(&status(load(3, 0x1234_5678, 0)), &m).unwrap(),
            WeightsAction::Send(3)
        );
        assert_eq!(
            weights_action(&status(load(7, 0x1234_5678, 0x5555_5555)), &m).unwrap(),
            WeightsAction::Send(7)
        );
        assert_eq!(
            msg(weights_action(&status(load(2, 0xCAFE_F00D, 0xCAFE_F00D)), &m).unwrap_err()),
            "the weight image does not match the board's bitstream: the bitstream expects an image with CRC-32 0xcafef00d, but weights.bin has CRC-32 0x12345678; the board runs another design's bitstream (or this directory was rebuilt since): program it with this directory's bitstream"
        );
        assert_eq!(
            msg(weights_action(&status(None), &m).unwrap_err()),
            "the board runs a bitstream whose weights are in the bitstream (no weight loader), but this directory's design loads its weights at start-up; program the board with this directory's bitstream"
        );
        assert_eq!(
            describe_state(3),
            "no weight image: the flash reads all 0xFF at the image offset (erased, or no flash answering)"
        );
    }

    #[test]
    fn the_image_file_must_match_the_manifest() {
        let dir = std::env::temp_dir().join(format!("spikeloom-wfile-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let img = WeightImage::new(vec![1, 2, 3]).unwrap();
        std::fs::write(dir.join("weights.bin"), img.to_bytes()).unwrap();
        let m = manifest(img.crc());
        assert_eq!(load_weights_file(&dir, &m).unwrap(), Some(img.clone()));
        let other = manifest(img.crc() ^ 1);
        let e = msg(load_weights_file(&dir, &other).unwrap_err());
        assert!(e.contains("the directory mixes two builds"), "{e}");
        let mut bytes = img.to_bytes();
        bytes[13] ^= 1;
        std::fs::write(dir.join("weights.bin"), bytes).unwrap();
        let e = msg(load_weights_file(&dir, &m).unwrap_err());
        assert!(e.contains("the weight image is corrupt"), "{e}");
        std::fs::remove_file(dir.join("weights.bin")).unwrap();
        let e = msg(load_weights_file(&dir, &m).unwrap_err());
        assert!(e.contains("cannot read the weight image"), "{e}");
    }
}
