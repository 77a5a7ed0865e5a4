//! `.npz` files written by numpy itself (`tests/fixtures/npz/make_npz.py`): `np.savez` and
//! `np.savez_compressed` both give every member zip64 sizes; the second deflates them.

use spikeloom_npy::{read_npz, NpyData};
use std::path::Path;

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/npz")
        .join(name)
}

#[test]
fn reads_what_numpy_savez_and_savez_compressed_write() {
    // spikes = (arange(24).reshape(3, 2, 1, 2, 2) % 3 == 0) as float32, labels = [1, 0].
    let expected: Vec<f32> = (0..24).map(|i| f32::from(u8::from(i % 3 == 0))).collect();
    for file in ["savez.npz", "savez_compressed.npz"] {
        let members = read_npz(&fixture(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        let names: Vec<&str> = members.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["spikes", "labels"], "{file}");
        assert_eq!(members[0].1.shape, [3, 2, 1, 2, 2], "{file}");
        assert_eq!(members[0].1.data, NpyData::F32(expected.clone()), "{file}");
        assert_eq!(members[1].1.data, NpyData::I64(vec![1, 0]), "{file}");
    }
}

#[test]
fn a_corrupt_deflate_stream_is_an_error_not_a_panic() {
    let mut bytes = std::fs::read(fixture("savez_compressed.npz")).unwrap();
    // The first member's data starts after its 30-byte header, 10-byte name, 20-byte extra.
    for b in &mut bytes[60..80] {
        *b ^= 0x5a;
    }
    let dir = std::env::temp_dir().join(format!("spikeloom-npz-corrupt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("c.npz");
    std::fs::write(&path, bytes).unwrap();
    let err = read_npz(&path).unwrap_err().to_string();
    assert!(err.contains("c.npz"), "{err}");
    let _ = std::fs::remove_dir_all(dir);
}
