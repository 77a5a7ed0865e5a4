//! spikeloom-cyclesim (placeholder: filled by its stage).
