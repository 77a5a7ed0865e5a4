//! Writes a small `.npz` (used once by hand to check that NumPy reads our archives).
use spikeloom_npy::{write_npz, NpyArray, NpyData};

fn main() {
    let a = NpyArray {
        shape: vec![2, 2],
        data: NpyData::U8(vec![1, 0, 0, 1]),
    };
    let b = NpyArray {
        shape: vec![3],
        data: NpyData::F32(vec![0.5, 1.5, -2.0]),
    };
    let path = std::env::args().nth(1).unwrap_or_else(|| "demo.npz".into());
    if let Err(e) = write_npz(std::path::Path::new(&path), &[("spikes", &a), ("v", &b)]) {
        eprintln!("{e}");
        std::process::exit(1);
    }
}
