//! The `.npy` format (NumPy NEP 1): magic, version, a Python-literal header dict, raw data.

use std::path::Path;

/// Element data of an array, in its stored type.
#[derive(Debug, Clone, PartialEq)]
pub enum NpyData {
    /// `|u1`
    U8(Vec<u8>),
    /// `|b1` (stored as 0/1 bytes)
    Bool(Vec<u8>),
    /// `|i1`
    I8(Vec<i8>),
    /// `<i2`
    I16(Vec<i16>),
    /// `<i4`
    I32(Vec<i32>),
    /// `<i8`
    I64(Vec<i64>),
    /// `<u2`
    U16(Vec<u16>),
    /// `<u4`
    U32(Vec<u32>),
    /// `<u8`
    U64(Vec<u64>),
    /// `<f4`
    F32(Vec<f32>),
    /// `<f8`
    F64(Vec<f64>),
}

/// An n-dimensional array in C order.
#[derive(Debug, Clone, PartialEq)]
pub struct NpyArray {
    /// Dimensions, outermost first.
    pub shape: Vec<usize>,
    /// Elements.
    pub data: NpyData,
}

/// Why a `.npy` file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum NpyError {
    /// File system error.
    #[error("{path}: {source}")]
    Io {
        /// Path.
        path: String,
        /// OS error.
        source: std::io::Error,
    },
    /// Not a valid `.npy` file.
    #[error("{path}: not a valid .npy file: {reason}")]
    Format {
        /// Path (or `<bytes>`).
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// A valid file with a dtype or layout spikeloom does not accept.
    #[error("{path}: unsupported .npy array: {reason}")]
    Unsupported {
        /// Path (or `<bytes>`).
        path: String,
        /// What is unsupported and what to do.
        reason: String,
    },
}

impl NpyData {
    /// The NumPy dtype string of this data.
    pub fn descr(&self) -> &'static str {
        match self {
            NpyData::U8(_) => "|u1",
            NpyData::Bool(_) => "|b1",
            NpyData::I8(_) => "|i1",
            NpyData::I16(_) => "<i2",
            NpyData::I32(_) => "<i4",
            NpyData::I64(_) => "<i8",
            NpyData::U16(_) => "<u2",
            NpyData::U32(_) => "<u4",
            NpyData::U64(_) => "<u8",
            NpyData::F32(_) => "<f4",
            NpyData::F64(_) => "<f8",
        }
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        match self {
            NpyData::U8(v) | NpyData::Bool(v) => v.len(),
            NpyData::I8(v) => v.len(),
            NpyData::I16(v) => v.len(),
            NpyData::I32(v) => v.len(),
            NpyData::I64(v) => v.len(),
            NpyData::U16(v) => v.len(),
            NpyData::U32(v) => v.len(),
            NpyData::U64(v) => v.len(),
            NpyData::F32(v) => v.len(),
            NpyData::F64(v) => v.len(),
        }
    }

    /// True when there are no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Elements as f64 (exact for every supported type but large i64/u64).
    pub fn to_f64(&self) -> Vec<f64> {
        match self {
            NpyData::U8(v) | NpyData::Bool(v) => v.iter().map(|&x| f64::from(x)).collect(),
            NpyData::I8(v) => v.iter().map(|&x| f64::from(x)).collect(),
            NpyData::I16(v) => v.iter().map(|&x| f64::from(x)).collect(),
            NpyData::I32(v) => v.iter().map(|&x| f64::from(x)).collect(),
            // Spike counts and labels are far below 2^53: the conversion is exact for them.
            NpyData::I64(v) => v.iter().map(|&x| x as f64).collect(),
            NpyData::U16(v) => v.iter().map(|&x| f64::from(x)).collect(),
            NpyData::U32(v) => v.iter().map(|&x| f64::from(x)).collect(),
            NpyData::U64(v) => v.iter().map(|&x| x as f64).collect(),
            NpyData::F32(v) => v.iter().map(|&x| f64::from(x)).collect(),
            NpyData::F64(v) => v.clone(),
        }
    }

    /// Elements as i64 when the type is an integer or bool type; `None` for floats.
    pub fn to_i64(&self) -> Option<Vec<i64>> {
        Some(match self {
            NpyData::U8(v) | NpyData::Bool(v) => v.iter().map(|&x| i64::from(x)).collect(),
            NpyData::I8(v) => v.iter().map(|&x| i64::from(x)).collect(),
            NpyData::I16(v) => v.iter().map(|&x| i64::from(x)).collect(),
            NpyData::I32(v) => v.iter().map(|&x| i64::from(x)).collect(),
            NpyData::I64(v) => v.clone(),
            NpyData::U16(v) => v.iter().map(|&x| i64::from(x)).collect(),
            NpyData::U32(v) => v.iter().map(|&x| i64::from(x)).collect(),
            // Values above i64::MAX saturate (no label or spike count comes near).
            NpyData::U64(v) => v
                .iter()
                .map(|&x| i64::try_from(x).unwrap_or(i64::MAX))
                .collect(),
            NpyData::F32(_) | NpyData::F64(_) => return None,
        })
    }
}

/// Read a `.npy` file.
pub fn read_npy(path: &Path) -> Result<NpyArray, NpyError> {
    let bytes = std::fs::read(path).map_err(|source| NpyError::Io {
        path: path.display().to_string(),
        source,
    })?;
    parse(&bytes, &path.display().to_string())
}

/// Parse `.npy` bytes.
pub fn read_npy_bytes(bytes: &[u8]) -> Result<NpyArray, NpyError> {
    parse(bytes, "<bytes>")
}

fn parse(bytes: &[u8], path: &str) -> Result<NpyArray, NpyError> {
    let bad = |reason: &str| NpyError::Format {
        path: path.to_string(),
        reason: reason.to_string(),
    };
    if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
        return Err(bad("missing the \\x93NUMPY magic"));
    }
    let (header_len, start): (usize, usize) = match bytes[6] {
        1 => (usize::from(u16::from_le_bytes([bytes[8], bytes[9]])), 10),
        2 | 3 => {
            if bytes.len() < 12 {
                return Err(bad("truncated header"));
            }
            let n = u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]);
            (usize::try_from(n).map_err(|_| bad("header too large"))?, 12)
        }
        v => return Err(bad(&format!("unknown format version {v}"))),
    };
    let end = start
        .checked_add(header_len)
        .filter(|&e| e <= bytes.len())
        .ok_or_else(|| bad("truncated header"))?;
    let header = std::str::from_utf8(&bytes[start..end]).map_err(|_| bad("header is not text"))?;
    let descr = dict_value(header, "descr").ok_or_else(|| bad("header has no 'descr'"))?;
    let descr = descr.trim_matches(|c| c == '\'' || c == '"').to_string();
    let fortran = dict_value(header, "fortran_order").ok_or_else(|| bad("no 'fortran_order'"))?;
    let shape_text = dict_value(header, "shape").ok_or_else(|| bad("header has no 'shape'"))?;
    let shape = parse_shape(&shape_text).ok_or_else(|| bad("unreadable 'shape'"))?;
    let unsupported = |reason: String| NpyError::Unsupported {
        path: path.to_string(),
        reason,
    };
    if fortran.trim() != "False" {
        return Err(unsupported(
            "Fortran-ordered array; save it with np.ascontiguousarray first".into(),
        ));
    }
    let count = shape
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .ok_or_else(|| bad("shape too large"))?;
    let body = &bytes[end..];
    let data = decode(&descr, body, count).map_err(|reason| match reason {
        DecodeError::Truncated => bad(&format!(
            "data is truncated: shape {shape:?} needs more than the {} bytes present",
            body.len()
        )),
        DecodeError::Dtype => unsupported(format!(
            "dtype '{descr}' (use bool, integer or float32/64 arrays)"
        )),
    })?;
    Ok(NpyArray { shape, data })
}

enum DecodeError {
    Truncated,
    Dtype,
}

fn decode(descr: &str, body: &[u8], count: usize) -> Result<NpyData, DecodeError> {
    fn take<const N: usize, T>(
        body: &[u8],
        count: usize,
        f: fn([u8; N]) -> T,
    ) -> Result<Vec<T>, DecodeError> {
        let need = count.checked_mul(N).ok_or(DecodeError::Truncated)?;
        if body.len() < need {
            return Err(DecodeError::Truncated);
        }
        Ok(body[..need]
            .chunks_exact(N)
            .map(|c| {
                let mut a = [0u8; N];
                a.copy_from_slice(c);
                f(a)
            })
            .collect())
    }
    Ok(match descr {
        "|u1" | "<u1" => NpyData::U8(take::<1, u8>(body, count, |a| a[0])?),
        "|b1" => NpyData::Bool(take::<1, u8>(body, count, |a| u8::from(a[0] != 0))?),
        "|i1" | "<i1" => NpyData::I8(take::<1, i8>(body, count, i8::from_le_bytes)?),
        "<i2" => NpyData::I16(take::<2, i16>(body, count, i16::from_le_bytes)?),
        "<i4" => NpyData::I32(take::<4, i32>(body, count, i32::from_le_bytes)?),
        "<i8" => NpyData::I64(take::<8, i64>(body, count, i64::from_le_bytes)?),
        "<u2" => NpyData::U16(take::<2, u16>(body, count, u16::from_le_bytes)?),
        "<u4" => NpyData::U32(take::<4, u32>(body, count, u32::from_le_bytes)?),
        "<u8" => NpyData::U64(take::<8, u64>(body, count, u64::from_le_bytes)?),
        "<f4" => NpyData::F32(take::<4, f32>(body, count, f32::from_le_bytes)?),
        "<f8" => NpyData::F64(take::<8, f64>(body, count, f64::from_le_bytes)?),
        _ => return Err(DecodeError::Dtype),
    })
}

/// The raw text of `'key': value` in a Python dict literal (value up to the next top-level comma).
fn dict_value(header: &str, key: &str) -> Option<String> {
    let pos = header
        .find(&format!("'{key}'"))
        .or_else(|| header.find(&format!("\"{key}\"")))?;
    let rest = &header[pos + key.len() + 2..];
    let rest = rest.trim_start().strip_prefix(':')?.trim_start();
    let mut depth = 0i32;
    let mut out = String::new();
    for c in rest.chars() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth -= 1,
            ',' | '}' if depth == 0 => break,
            _ => {}
        }
        out.push(c);
    }
    Some(out.trim().to_string())
}

fn parse_shape(text: &str) -> Option<Vec<usize>> {
    let inner = text.trim().strip_prefix('(')?.strip_suffix(')')?;
    inner
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().ok())
        .collect()
}

/// Encode an array as `.npy` (format version 1.0, C order).
pub fn write_npy_bytes(array: &NpyArray) -> Vec<u8> {
    let shape = match array.shape.len() {
        1 => format!("({},)", array.shape[0]),
        _ => format!(
            "({})",
            array
                .shape
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let mut header = format!(
        "{{'descr': '{}', 'fortran_order': False, 'shape': {}, }}",
        array.data.descr(),
        shape
    );
    // Pad so that the data starts at a multiple of 64 bytes, ending with a newline (NEP 1).
    let unpadded = 10 + header.len() + 1;
    header.push_str(&" ".repeat((64 - unpadded % 64) % 64));
    header.push('\n');
    let mut out = Vec::with_capacity(10 + header.len() + array.data.len() * 8);
    out.extend_from_slice(b"\x93NUMPY\x01\x00");
    let len = u16::try_from(header.len()).unwrap_or(u16::MAX);
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    match &array.data {
        NpyData::U8(v) | NpyData::Bool(v) => out.extend_from_slice(v),
        NpyData::I8(v) => out.extend(v.iter().flat_map(|x| x.to_le_bytes())),
        NpyData::I16(v) => out.extend(v.iter().flat_map(|x| x.to_le_bytes())),
        NpyData::I32(v) => out.extend(v.iter().flat_map(|x| x.to_le_bytes())),
        NpyData::I64(v) => out.extend(v.iter().flat_map(|x| x.to_le_bytes())),
        NpyData::U16(v) => out.extend(v.iter().flat_map(|x| x.to_le_bytes())),
        NpyData::U32(v) => out.extend(v.iter().flat_map(|x| x.to_le_bytes())),
        NpyData::U64(v) => out.extend(v.iter().flat_map(|x| x.to_le_bytes())),
        NpyData::F32(v) => out.extend(v.iter().flat_map(|x| x.to_le_bytes())),
        NpyData::F64(v) => out.extend(v.iter().flat_map(|x| x.to_le_bytes())),
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_dtype() {
        let cases = vec![
            NpyData::U8(vec![0, 1, 255, 7, 8, 9]),
            NpyData::Bool(vec![0, 1, 1, 0, 0, 1]),
            NpyData::I64(vec![-5, 0, 5, i64::MAX, i64::MIN, 3]),
            NpyData::I32(vec![-5, 0, 5, 1, 2, 3]),
            NpyData::U64(vec![0, 1, u64::MAX, 7, 8, 9]),
            NpyData::F32(vec![0.5, -1.25, 3.0, 1e-7, 2.0, 9.5]),
            NpyData::F64(vec![0.5, -1.25, 3.0, 1e-300, 2.0, 9.5]),
        ];
        for data in cases {
            let a = NpyArray {
                shape: vec![2, 3],
                data,
            };
            let bytes = write_npy_bytes(&a);
            assert_eq!(read_npy_bytes(&bytes).unwrap(), a);
        }
    }

    #[test]
    fn header_is_64_byte_aligned_and_1d_shape_has_trailing_comma() {
        let a = NpyArray {
            shape: vec![4],
            data: NpyData::U8(vec![1, 2, 3, 4]),
        };
        let bytes = write_npy_bytes(&a);
        assert_eq!((bytes.len() - 4) % 64, 0);
        assert!(String::from_utf8_lossy(&bytes).contains("(4,)"));
    }

    #[test]
    fn rejects_bad_inputs_with_reasons() {
        let err = read_npy_bytes(b"hello world").unwrap_err().to_string();
        assert!(err.contains("magic"), "{err}");
        let a = NpyArray {
            shape: vec![10],
            data: NpyData::F64(vec![0.0; 10]),
        };
        let bytes = write_npy_bytes(&a);
        let err = read_npy_bytes(&bytes[..bytes.len() - 8])
            .unwrap_err()
            .to_string();
        assert!(err.contains("truncated"), "{err}");
        let mut swapped = bytes.clone();
        let at = swapped.windows(3).position(|w| w == b"<f8").unwrap();
        swapped[at] = b'>';
        let err = read_npy_bytes(&swapped).unwrap_err().to_string();
        assert!(err.contains("dtype '>f8'"), "{err}");
    }
}
