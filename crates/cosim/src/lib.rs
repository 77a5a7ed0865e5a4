//! spikeloom-cosim (placeholder: filled by its stage).
