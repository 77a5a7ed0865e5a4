//! spikeloom-quant (placeholder: filled by its stage).
