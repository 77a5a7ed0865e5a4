//! The weight loader of a store filled at start-up (SPRAM): rtl-templates/mem/sl_wload.v inside
//! the generated top, its twin `spikeloom_cyclesim::wload::Loader`. Both read their parameters
//! from [`LoaderPlan`], which the planner derives from [`LoaderConfig`] (the board's design clock
//! and the image's place in the SPI flash) and the plan's weight image.

use crate::image::{WeightImage, IMAGE_HEADER_BYTES};

/// The flash clock limit of the read command 0x03 (W25Q128JV: 50 MHz); above it the loader uses
/// 0x0B with 8 dummy clocks.
pub const READ_03_MAX_SCK_HZ: u64 = 50_000_000;
/// tRES1 of the W25Q flash: the wait after the release-from-power-down command, nanoseconds.
pub const TRES1_NS: u64 = 3_000;
/// Default flash offset of the weight image: the first 64 kB boundary after an iCE40 UP5K
/// bitstream (104,090 bytes).
pub const DEFAULT_FLASH_OFFSET: u32 = 0x2_0000;

/// Where the loader finds its image and how fast it runs (a [`crate::PlanConfig`] setting;
/// used only when the store is loaded at start-up).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoaderConfig {
    /// The design clock, Hz (the board's).
    pub clock_hz: u64,
    /// Byte address of the weight image in the SPI flash (24 bits).
    pub flash_offset: u32,
}

impl Default for LoaderConfig {
    fn default() -> Self {
        Self {
            clock_hz: 12_000_000,
            flash_offset: DEFAULT_FLASH_OFFSET,
        }
    }
}

/// The loader's parameters for one design.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoaderPlan {
    /// Granules of the weight image (`Plan::weight_image().len()`).
    pub granules: usize,
    /// CRC-32 of the weight image's payload: the bitstream's image identity.
    pub image_crc: u32,
    /// Byte address of the image in the SPI flash.
    pub flash_offset: u32,
    /// The design clock, Hz.
    pub clock_hz: u64,
}

impl LoaderPlan {
    /// The loader of `image` under `cfg`.
    pub fn new(image: &WeightImage, cfg: &LoaderConfig) -> Self {
        LoaderPlan {
            granules: image.granules().len(),
            image_crc: image.crc(),
            flash_offset: cfg.flash_offset & 0xFF_FFFF,
            clock_hz: cfg.clock_hz.max(1),
        }
    }

    /// Bytes of the image (header and payload).
    pub fn image_bytes(&self) -> usize {
        IMAGE_HEADER_BYTES + 2 * self.granules
    }

    /// Cycles of tRES1 at the design clock, rounded up: the flash takes no command for this long
    /// after its wake-up (the loader keeps CS# high one cycle longer: `TRES_CYCLES` + 1).
    pub fn tres_cycles(&self) -> u32 {
        u32::try_from((self.clock_hz * TRES1_NS).div_ceil(1_000_000_000)).unwrap_or(u32::MAX)
    }

    /// SCK (clock / 2) is above 0x03's limit: read with 0x0B and 8 dummy clocks.
    pub fn fast_read(&self) -> bool {
        self.clock_hz / 2 > READ_03_MAX_SCK_HZ
    }

    /// Cycles a host load may pause before the loader gives up: one second.
    pub fn host_timeout_cycles(&self) -> u32 {
        u32::try_from(self.clock_hz).unwrap_or(u32::MAX)
    }

    /// Cycles of a load from the flash, from the release of the power-on reset to the loader's
    /// verdict on a good image (see sl_wload.v): CS# low, 0xAB (16), CS# high, the tRES1 wait
    /// (`TRES_CYCLES` + 1), the read instruction (2 per bit), 16 per byte, then the last byte's
    /// take (1), CRC (8) and compare (1).
    pub fn flash_load_cycles(&self) -> u64 {
        let instruction = if self.fast_read() { 80 } else { 64 };
        1 + 16
            + 1
            + u64::from(self.tres_cycles())
            + 1
            + instruction
            + 16 * self.image_bytes() as u64
            + 10
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tres1_and_read_command_follow_the_clock() {
        let img = WeightImage::new(vec![1, 2, 3]).unwrap();
        let at = |hz| {
            LoaderPlan::new(
                &img,
                &LoaderConfig {
                    clock_hz: hz,
                    flash_offset: 0x12_3456,
                },
            )
        };
        assert_eq!(at(12_000_000).tres_cycles(), 36);
        assert_eq!(at(48_000_000).tres_cycles(), 144);
        assert_eq!(at(25_000_001).tres_cycles(), 76);
        assert!(!at(100_000_000).fast_read());
        assert!(at(100_000_002).fast_read());
        assert_eq!(at(12_000_000).image_bytes(), 18);
        // 12 MHz, 18 bytes: 1 + 16 + 1 + 37 + 64 + 288 + 10
        assert_eq!(at(12_000_000).flash_load_cycles(), 417);
    }
}
