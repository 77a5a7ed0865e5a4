//! `.npz` writing: a zip archive (method "stored", no compression) of `.npy` members, which
//! `numpy.load` reads directly.

use crate::npy::{write_npy_bytes, NpyArray, NpyError};
use std::path::Path;

/// Write `arrays` as members `<name>.npy` of a `.npz` archive at `path`.
pub fn write_npz(path: &Path, arrays: &[(&str, &NpyArray)]) -> Result<(), NpyError> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    let mut count: u16 = 0;
    for (name, array) in arrays {
        let member = format!("{name}.npy");
        let data = write_npy_bytes(array);
        let crc = crc32fast::hash(&data);
        let too_big = || NpyError::Unsupported {
            path: path.display().to_string(),
            reason: format!("member {member} exceeds 4 GiB (zip64 is not supported)"),
        };
        let size = u32::try_from(data.len()).map_err(|_| too_big())?;
        let offset = u32::try_from(out.len()).map_err(|_| too_big())?;
        let name_len = u16::try_from(member.len()).map_err(|_| too_big())?;
        // Local file header.
        out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        out.extend_from_slice(&20u16.to_le_bytes()); // version needed
        out.extend_from_slice(&0u16.to_le_bytes()); // flags
        out.extend_from_slice(&0u16.to_le_bytes()); // method: stored
        out.extend_from_slice(&0u16.to_le_bytes()); // time
        out.extend_from_slice(&0x21u16.to_le_bytes()); // date 1980-01-01: no timestamp, deterministic
        out.extend_from_slice(&crc.to_le_bytes());
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(&name_len.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes()); // extra length
        out.extend_from_slice(member.as_bytes());
        out.extend_from_slice(&data);
        // Central directory entry.
        central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        central.extend_from_slice(&20u16.to_le_bytes()); // version made by
        central.extend_from_slice(&20u16.to_le_bytes()); // version needed
        central.extend_from_slice(&0u16.to_le_bytes());
        central.extend_from_slice(&0u16.to_le_bytes());
        central.extend_from_slice(&0u16.to_le_bytes());
        central.extend_from_slice(&0x21u16.to_le_bytes());
        central.extend_from_slice(&crc.to_le_bytes());
        central.extend_from_slice(&size.to_le_bytes());
        central.extend_from_slice(&size.to_le_bytes());
        central.extend_from_slice(&name_len.to_le_bytes());
        central.extend_from_slice(&[0u8; 8]); // extra, comment, disk, internal attrs
        central.extend_from_slice(&0u32.to_le_bytes()); // external attrs
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(member.as_bytes());
        count = count.checked_add(1).ok_or_else(too_big)?;
    }
    let cd_offset = u32::try_from(out.len()).unwrap_or(u32::MAX);
    let cd_size = u32::try_from(central.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&central);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&[0u8; 4]); // disk numbers
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&cd_size.to_le_bytes());
    out.extend_from_slice(&cd_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    std::fs::write(path, out).map_err(|source| NpyError::Io {
        path: path.display().to_string(),
        source,
    })
}

/// Read every member of a `.npz` written with `numpy.savez` or [`write_npz`] (stored members;
/// `savez_compressed` archives are rejected with a message).
pub fn read_npz(path: &Path) -> Result<Vec<(String, NpyArray)>, NpyError> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| NpyError::Io {
        path: name.clone(),
        source,
    })?;
    let bad = |reason: &str| NpyError::Format {
        path: name.clone(),
        reason: reason.to_string(),
    };
    let u16_at = |at: usize| -> Result<usize, NpyError> {
        bytes
            .get(at..at + 2)
            .map(|b| usize::from(u16::from_le_bytes([b[0], b[1]])))
            .ok_or_else(|| bad("truncated zip header"))
    };
    let u32_at = |at: usize| -> Result<usize, NpyError> {
        bytes
            .get(at..at + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
            .ok_or_else(|| bad("truncated zip header"))
    };
    let mut members = Vec::new();
    let mut at = 0usize;
    while bytes.get(at..at + 4) == Some(&[0x50, 0x4b, 0x03, 0x04]) {
        let flags = u16_at(at + 6)?;
        let method = u16_at(at + 8)?;
        let size = u32_at(at + 18)?;
        let name_len = u16_at(at + 26)?;
        let extra_len = u16_at(at + 28)?;
        if method != 0 {
            return Err(NpyError::Unsupported {
                path: name.clone(),
                reason: "compressed member (np.savez_compressed); save with np.savez".into(),
            });
        }
        if flags & 0x08 != 0 {
            return Err(NpyError::Unsupported {
                path: name.clone(),
                reason: "streamed zip member (data descriptor); save with np.savez".into(),
            });
        }
        let name_start = at + 30;
        let data_start = name_start + name_len + extra_len;
        let member = bytes
            .get(name_start..name_start + name_len)
            .ok_or_else(|| bad("truncated member name"))?;
        let member = String::from_utf8_lossy(member).into_owned();
        let data = bytes
            .get(data_start..data_start + size)
            .ok_or_else(|| bad("truncated member data"))?;
        let array = crate::npy::read_npy_bytes(data).map_err(|e| NpyError::Format {
            path: format!("{name}:{member}"),
            reason: e.to_string(),
        })?;
        members.push((member.trim_end_matches(".npy").to_string(), array));
        at = data_start + size;
    }
    if members.is_empty() {
        return Err(bad("not a zip archive of .npy members"));
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
