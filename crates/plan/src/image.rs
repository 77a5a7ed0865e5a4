//! The weight image: what the weight loader (rtl-templates/mem/sl_wload.v) reads from the SPI
//! flash or receives over the host link to fill a store the bitstream cannot initialise (SPRAM).
//!
//! Layout (all integers little-endian):
//! ```text
//! bytes 0..4    magic "SLWI"
//! bytes 4..8    granule count N (u32)
//! bytes 8..12   CRC-32 of the payload (u32)
//! bytes 12..    payload: N granules, u16 each (granule g is written to store granule g)
//! ```
//! CRC-32 is zlib's (IEEE 802.3: reflected, polynomial 0xEDB88320, initial value and final xor
//! 0xFFFFFFFF; check value of "123456789" = 0xCBF43926). The CRC is the image's identity: the
//! bitstream holds the CRC of its own weights, the loader refuses an image whose header or
//! payload disagrees, and the host compares it with the board's STATUS.

use std::fmt;

/// Magic bytes at the start of every weight image.
pub const IMAGE_MAGIC: [u8; 4] = *b"SLWI";
/// Bytes before the payload.
pub const IMAGE_HEADER_BYTES: usize = 12;
/// File of a design bundle holding the weight image for the co-simulation's flash model (one
/// byte per line, `$readmemh`).
pub const FLASH_HEX: &str = "flash_image.hex";
/// Most granules a loader can address (its write address is 16 bits: 4 SPRAMs of 16K x 16).
pub const MAX_GRANULES: usize = 1 << 16;

/// CRC-32 (zlib) of `bytes`.
pub fn crc32(bytes: &[u8]) -> u32 {
    !crc32_update(0xFFFF_FFFF, bytes)
}

/// The bit-serial CRC register after `bytes` (no final xor), LSB first like sl_wload.
fn crc32_update(mut crc: u32, bytes: &[u8]) -> u32 {
    for &b in bytes {
        let mut sh = b;
        for _ in 0..8 {
            let fb = (crc ^ u32::from(sh)) & 1 != 0;
            crc = (crc >> 1) ^ if fb { 0xEDB8_8320 } else { 0 };
            sh >>= 1;
        }
    }
    crc
}

/// A weight image: the granules of a store, in store order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeightImage {
    granules: Vec<u16>,
    crc: u32,
}

/// Why bytes are not a usable weight image.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageError {
    /// No granules, or more than a loader can address.
    #[error("a weight image holds 1..={MAX_GRANULES} granules of 16 bits, not {0}")]
    Size(usize),
    /// Shorter than its header says.
    #[error("the file is {got} bytes long, but a weight image of {granules} granules is {want} bytes; it was cut short or is not a weight image")]
    Length {
        /// Bytes present.
        got: usize,
        /// Bytes the header asks for.
        want: usize,
        /// Granules the header announces.
        granules: usize,
    },
    /// Does not start with "SLWI".
    #[error("not a spikeloom weight image (it does not start with \"SLWI\")")]
    Magic,
    /// The payload's CRC differs from the header's.
    #[error("the weight image is corrupt: its payload has CRC-32 {got:#010x}, its header says {want:#010x}")]
    Crc {
        /// CRC of the payload present.
        got: u32,
        /// CRC in the header.
        want: u32,
    },
}

impl WeightImage {
    /// The image of `granules` (1..=[`MAX_GRANULES`]).
    pub fn new(granules: Vec<u16>) -> Result<Self, ImageError> {
        if granules.is_empty() || granules.len() > MAX_GRANULES {
            return Err(ImageError::Size(granules.len()));
        }
        let crc = crc32(&payload_bytes(&granules));
        Ok(WeightImage { granules, crc })
    }

    /// The granules, in store order.
    pub fn granules(&self) -> &[u16] {
        &self.granules
    }

    /// CRC-32 of the payload: the image's identity.
    pub fn crc(&self) -> u32 {
        self.crc
    }

    /// Bytes of the whole image (header + payload).
    pub fn len_bytes(&self) -> usize {
        IMAGE_HEADER_BYTES + 2 * self.granules.len()
    }

    /// The image file's bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.len_bytes());
        out.extend_from_slice(&IMAGE_MAGIC);
        out.extend_from_slice(&(self.granules.len() as u32).to_le_bytes());
        out.extend_from_slice(&self.crc.to_le_bytes());
        out.extend(payload_bytes(&self.granules));
        out
    }

    /// Read an image file's bytes (trailing bytes after the payload are an error too).
    pub fn parse(bytes: &[u8]) -> Result<Self, ImageError> {
        if bytes.len() < IMAGE_HEADER_BYTES || bytes[..4] != IMAGE_MAGIC {
            return Err(ImageError::Magic);
        }
        let word = |at: usize| {
            u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
        };
        let n = word(4) as usize;
        if n == 0 || n > MAX_GRANULES {
            return Err(ImageError::Size(n));
        }
        let want = IMAGE_HEADER_BYTES + 2 * n;
        if bytes.len() != want {
            return Err(ImageError::Length {
                got: bytes.len(),
                want,
                granules: n,
            });
        }
        let granules: Vec<u16> = bytes[IMAGE_HEADER_BYTES..]
            .chunks_exact(2)
            .map(|g| u16::from_le_bytes([g[0], g[1]]))
            .collect();
        let image = WeightImage::new(granules)?;
        if image.crc != word(8) {
            return Err(ImageError::Crc {
                got: image.crc,
                want: word(8),
            });
        }
        Ok(image)
    }
}

impl fmt::Display for WeightImage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "weight image: {} granules ({} bytes), CRC-32 {:#010x}",
            self.granules.len(),
            self.len_bytes(),
            self.crc
        )
    }
}

/// What the weight loader is doing or why it stopped (sl_wload's `wl_state`, the host protocol's
/// STATUS load state and the co-simulation log's `L` line carry its [`LoadState::code`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LoadState {
    /// Reading the image from the SPI flash (after power-on).
    Flash = 0,
    /// Receiving the image over the host link.
    Host = 1,
    /// The store holds the design's weights: the core may run.
    Ready = 2,
    /// The magic read as 0xFF bytes: an erased flash, or no flash answering.
    Blank = 3,
    /// The data does not start with the magic.
    Magic = 4,
    /// The image has another granule count than the design's store.
    Count = 5,
    /// The image's header CRC is not the design's: other weights.
    Hash = 6,
    /// The payload does not match the header's CRC: corrupt.
    Crc = 7,
    /// The host ended the load before the whole image arrived.
    Incomplete = 8,
    /// A host load stopped sending.
    Timeout = 9,
}

impl LoadState {
    /// Every state, by code.
    pub const ALL: [LoadState; 10] = [
        LoadState::Flash,
        LoadState::Host,
        LoadState::Ready,
        LoadState::Blank,
        LoadState::Magic,
        LoadState::Count,
        LoadState::Hash,
        LoadState::Crc,
        LoadState::Incomplete,
        LoadState::Timeout,
    ];

    /// The RTL's encoding.
    pub fn code(self) -> u8 {
        self as u8
    }

    /// The state of an encoding (`None` for codes the loader never reports).
    pub fn from_code(code: u8) -> Option<Self> {
        Self::ALL.get(usize::from(code)).copied()
    }

    /// Still loading (neither ready nor failed).
    pub fn is_busy(self) -> bool {
        matches!(self, LoadState::Flash | LoadState::Host)
    }

    /// What it means for the user.
    pub fn describe(self) -> &'static str {
        match self {
            LoadState::Flash => "reading the weight image from the SPI flash",
            LoadState::Host => "receiving the weight image over the host link",
            LoadState::Ready => "weights loaded and checked",
            LoadState::Blank => {
                "no weight image: the flash reads all 0xFF at the image offset (erased, or no flash answering)"
            }
            LoadState::Magic => "the data at the image offset is not a weight image (no \"SLWI\" magic)",
            LoadState::Count => {
                "the weight image has another size than this bitstream's weight store (an image of another design)"
            }
            LoadState::Hash => {
                "the weight image holds other weights than this bitstream (its CRC-32 differs: another design or an older build)"
            }
            LoadState::Crc => "the weight image is corrupt (its payload does not match its CRC-32)",
            LoadState::Incomplete => "the host ended the load before the whole image arrived",
            LoadState::Timeout => "the host load stopped sending (the loader's timeout ran out)",
        }
    }
}

impl fmt::Display for LoadState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LoadState::Flash => "flash",
            LoadState::Host => "host",
            LoadState::Ready => "ready",
            LoadState::Blank => "blank",
            LoadState::Magic => "magic",
            LoadState::Count => "count",
            LoadState::Hash => "hash",
            LoadState::Crc => "crc",
            LoadState::Incomplete => "incomplete",
            LoadState::Timeout => "timeout",
        })
    }
}

/// The flash model's memory file of `bytes` (one hex byte per line).
pub fn flash_hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 3);
    for b in bytes {
        s.push_str(&format!("{b:02x}\n"));
    }
    s
}

fn payload_bytes(granules: &[u16]) -> Vec<u8> {
    granules.iter().flat_map(|g| g.to_le_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_is_zlibs() {
        // the standard check value, and values from Python's zlib.crc32
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
        // python3 -c 'import zlib; print(hex(zlib.crc32(bytes(range(256)))))'
        assert_eq!(crc32(&(0..=255u8).collect::<Vec<_>>()), 0x2905_8C73);
    }

    #[test]
    fn load_state_codes_round_trip() {
        for s in LoadState::ALL {
            assert_eq!(LoadState::from_code(s.code()), Some(s));
        }
        assert_eq!(LoadState::from_code(10), None);
        assert_eq!(LoadState::Ready.code(), 2);
    }

    #[test]
    fn round_trip_and_layout() {
        let img = WeightImage::new(vec![0x1234, 0xABCD, 0x0001]).unwrap();
        let bytes = img.to_bytes();
        assert_eq!(&bytes[..4], b"SLWI");
        assert_eq!(&bytes[4..8], &[3, 0, 0, 0]);
        assert_eq!(&bytes[12..], &[0x34, 0x12, 0xCD, 0xAB, 0x01, 0x00]);
        assert_eq!(
            u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]),
            crc32(&bytes[12..])
        );
        assert_eq!(img.len_bytes(), bytes.len());
        assert_eq!(WeightImage::parse(&bytes).unwrap(), img);
    }

    #[test]
    fn bad_files_are_named() {
        let good = WeightImage::new(vec![7, 8]).unwrap().to_bytes();
        let mut corrupt = good.clone();
        corrupt[13] ^= 0x40;
        let errors: Vec<String> = [
            b"MZ\x90\x00 not an image".to_vec(),
            good[..good.len() - 1].to_vec(),
            corrupt,
        ]
        .iter()
        .map(|b| WeightImage::parse(b).unwrap_err().to_string())
        .collect();
        let crc_bad = crc32(&[7, 0x40, 8, 0]);
        assert_eq!(
            errors,
            vec![
                "not a spikeloom weight image (it does not start with \"SLWI\")".to_string(),
                "the file is 15 bytes long, but a weight image of 2 granules is 16 bytes; it was cut short or is not a weight image".to_string(),
                format!("the weight image is corrupt: its payload has CRC-32 {crc_bad:#010x}, its header says {:#010x}", crc32(&[7, 0, 8, 0])),
            ]
        );
        assert_eq!(
            WeightImage::new(Vec::new()).unwrap_err().to_string(),
            "a weight image holds 1..=65536 granules of 16 bits, not 0"
        );
    }
}
