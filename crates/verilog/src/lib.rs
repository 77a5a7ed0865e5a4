//! spikeloom-verilog (placeholder: filled by its stage).
