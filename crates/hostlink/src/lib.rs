//! spikeloom-hostlink (placeholder).
