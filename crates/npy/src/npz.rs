//! `.npz` archives: writing (a zip of `.npy` members, method "stored", which `numpy.load`
//! reads directly) and reading what `numpy.savez` / `numpy.savez_compressed` write.

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

/// Read every member of a `.npz` written by `numpy.savez`, `numpy.savez_compressed` or
/// [`write_npz`] (stored or deflated members, with or without zip64 sizes, as numpy writes them).
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
    let field = |at: usize, len: usize| -> Result<u64, NpyError> {
        let b = bytes
            .get(at..at + len)
            .ok_or_else(|| bad("truncated zip header"))?;
        Ok(b.iter()
            .rev()
            .fold(0u64, |acc, &x| (acc << 8) | u64::from(x)))
    };
    let mut members = Vec::new();
    let mut at = 0usize;
    while bytes.get(at..at + 4) == Some(&[0x50, 0x4b, 0x03, 0x04]) {
        let flags = field(at + 6, 2)?;
        let method = field(at + 8, 2)?;
        let name_len = field(at + 26, 2)? as usize;
        let extra_len = field(at + 28, 2)? as usize;
        let name_start = at + 30;
        let member = bytes
            .get(name_start..name_start + name_len)
            .ok_or_else(|| bad("truncated member name"))?;
        let member = String::from_utf8_lossy(member).into_owned();
        let extra = bytes
            .get(name_start + name_len..name_start + name_len + extra_len)
            .ok_or_else(|| bad("truncated extra field"))?;
        let (mut size, mut unpacked) = (field(at + 18, 4)?, field(at + 22, 4)?);
        // numpy writes every member with zip64 sizes (force_zip64): 0xFFFFFFFF here, the real
        // sizes in the zip64 extra field (id 1: uncompressed, then compressed, 8 bytes each).
        if size == 0xFFFF_FFFF || unpacked == 0xFFFF_FFFF {
            let (u, c) = zip64_sizes(extra).ok_or_else(|| bad("zip64 member without sizes"))?;
            (size, unpacked) = (c, u);
        }
        if flags & 0x08 != 0 {
            return Err(NpyError::Unsupported {
                path: name.clone(),
                reason: "streamed zip member (data descriptor); save with np.savez".into(),
            });
        }
        let data_start = name_start + name_len + extra_len;
        let data = usize::try_from(size)
            .ok()
            .and_then(|size| bytes.get(data_start..data_start.checked_add(size)?))
            .ok_or_else(|| bad("truncated member data"))?;
        let inflated;
        let npy = match method {
            0 => data,
            8 => {
                inflated = inflate(data, unpacked)
                    .ok_or_else(|| bad(&format!("member {member}: corrupt deflate data")))?;
                &inflated[..]
            }
            m => {
                return Err(NpyError::Unsupported {
                    path: name.clone(),
                    reason: format!(
                        "member {member} uses zip method {m}; save with np.savez or \
                         np.savez_compressed"
                    ),
                })
            }
        };
        let array = crate::npy::read_npy_bytes(npy).map_err(|e| NpyError::Format {
            path: format!("{name}:{member}"),
            reason: e.to_string(),
        })?;
        members.push((member.trim_end_matches(".npy").to_string(), array));
        at = data_start + data.len();
    }
    if members.is_empty() {
        return Err(bad("not a zip archive of .npy members"));
    }
    Ok(members)
}

/// (uncompressed, compressed) sizes from a zip64 extended-information extra field.
fn zip64_sizes(extra: &[u8]) -> Option<(u64, u64)> {
    let mut rest = extra;
    while rest.len() >= 4 {
        let id = u16::from_le_bytes([rest[0], rest[1]]);
        let len = usize::from(u16::from_le_bytes([rest[2], rest[3]]));
        let body = rest.get(4..4 + len)?;
        if id == 1 && body.len() >= 16 {
            let u = u64::from_le_bytes(body[..8].try_into().ok()?);
            let c = u64::from_le_bytes(body[8..16].try_into().ok()?);
            return Some((u, c));
        }
        rest = &rest[4 + len..];
    }
    None
}

/// Inflate a raw deflate stream whose size the zip header declares (and no more: a corrupt
/// header cannot make it allocate beyond what the stream really holds).
fn inflate(data: &[u8], declared: u64) -> Option<Vec<u8>> {
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::DeflateDecoder::new(data)
        .take(declared)
        .read_to_end(&mut out)
        .ok()?;
    (out.len() as u64 == declared).then_some(out)
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
