//! spikeloom-plan (placeholder: filled by its stage).
