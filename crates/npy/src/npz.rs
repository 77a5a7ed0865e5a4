//! `.npz` archives: writing (a zip of `.npy` members, method "stored", which `numpy.load`
//! reads directly) and reading what `numpy.savez` / `numpy.savez_compressed` write. The zip
//! container is the `zip` crate's; this module names the members and words the errors.

use std::io::{Cursor, Read, Write};
use std::path::Path;

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipArchive, ZipWriter};

use crate::npy::{write_npy_bytes, NpyArray, NpyError};

/// Write `arrays` as members `<name>.npy` of a `.npz` archive at `path`.
pub fn write_npz(path: &Path, arrays: &[(&str, &NpyArray)]) -> Result<(), NpyError> {
    let name = path.display().to_string();
    let zip_error = |e: &dyn std::fmt::Display| NpyError::Unsupported {
        path: name.clone(),
        reason: format!("cannot write the zip archive: {e}"),
    };
    // No timestamp (1980-01-01, zip's zero date): the same arrays give the same bytes.
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Stored)
        .last_modified_time(DateTime::default())
        .large_file(false);
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    for (member, array) in arrays {
        let data = write_npy_bytes(array);
        if u32::try_from(data.len()).is_err() {
            return Err(NpyError::Unsupported {
                path: name.clone(),
                reason: format!("member {member}.npy exceeds 4 GiB (zip64 is not written)"),
            });
        }
        zip.start_file(format!("{member}.npy"), options)
            .map_err(|e| zip_error(&e))?;
        zip.write_all(&data).map_err(|e| zip_error(&e))?;
    }
    let bytes = zip.finish().map_err(|e| zip_error(&e))?.into_inner();
    std::fs::write(path, bytes).map_err(|source| NpyError::Io { path: name, source })
}

/// Read every member of a `.npz` written by `numpy.savez`, `numpy.savez_compressed` or
/// [`write_npz`] (stored or deflated members, zip64 sizes as numpy writes them), in archive order.
pub fn read_npz(path: &Path) -> Result<Vec<(String, NpyArray)>, NpyError> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| NpyError::Io {
        path: name.clone(),
        source,
    })?;
    let bad = |reason: String| NpyError::Format {
        path: name.clone(),
        reason,
    };
    let mut archive = ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| bad(format!("not a zip archive of .npy members ({e})")))?;
    if archive.is_empty() {
        return Err(bad("not a zip archive of .npy members (it is empty)".into()));
    }
    let mut members = Vec::with_capacity(archive.len());
    for i in 0..archive.len() {
        let mut file = archive
            .by_index(i)
            .map_err(|e| bad(format!("member {i}: {e}")))?;
        let member = file.name().to_string();
        let method = file.compression();
        if !matches!(
            method,
            CompressionMethod::Stored | CompressionMethod::Deflated
        ) {
            return Err(NpyError::Unsupported {
                path: name.clone(),
                reason: format!(
                    "member {member} uses zip method {method}; save with np.savez or \
                     np.savez_compressed"
                ),
            });
        }
        // Grown as the data really inflates (no allocation from a declared size), and checked
        // against the member's CRC-32 at its end.
        let mut npy = Vec::new();
        file.read_to_end(&mut npy)
            .map_err(|e| bad(format!("member {member}: corrupt data ({e})")))?;
        let array = crate::npy::read_npy_bytes(&npy).map_err(|e| NpyError::Format {
            path: format!("{name}:{member}"),
            reason: e.to_string(),
        })?;
        members.push((member.trim_end_matches(".npy").to_string(), array));
    }
    Ok(members)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::npy::NpyData;

    #[test]
    fn npz_round_trip() {
        let dir = std::env::temp_dir().join(format!("spikeloom-npz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("t.npz");
        let a = NpyArray {
            shape: vec![2, 3],
            data: NpyData::U8(vec![1, 0, 1, 0, 0, 1]),
        };
        let b = NpyArray {
            shape: vec![1],
            data: NpyData::F64(vec![0.25]),
        };
        write_npz(&path, &[("spikes", &a), ("scale", &b)]).unwrap();
        let back = read_npz(&path).unwrap();
        assert_eq!(
            back,
            vec![("spikes".to_string(), a), ("scale".to_string(), b)]
        );
        std::fs::write(&path, b"PK\x03\x04").unwrap();
        assert!(read_npz(&path).is_err());
    }
}
