//! spikeloom-npy (placeholder: filled by its stage).
