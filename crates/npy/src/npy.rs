//! The `.npy` format (NumPy NEP 1): magic, version, a Python-literal header dict, raw data.
//! Headers and data are read and written by `npyz`; this module keeps spikeloom's array type, the
//! dtypes it accepts and the messages its users see.

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
    let bad = |reason: String| NpyError::Format {
        path: path.to_string(),
        reason,
    };
    let unsupported = |reason: String| NpyError::Unsupported {
        path: path.to_string(),
        reason,
    };
    let mut body = bytes;
    let header = npyz::NpyHeader::from_reader(&mut body).map_err(|e| bad(header_error(&e)))?;
    let file = npyz::NpyFile::with_header(header, body);
    let descr = match file.dtype() {
        npyz::DType::Plain(t) => t.to_string(),
        other => {
            return Err(unsupported(format!(
                "dtype {} (use bool, integer or float32/64 arrays)",
                other.descr()
            )))
        }
    };
    if file.order() == npyz::Order::Fortran {
        return Err(unsupported(
            "Fortran-ordered array; save it with np.ascontiguousarray first".into(),
        ));
    }
    let shape = file
        .shape()
        .iter()
        .map(|&d| usize::try_from(d).ok())
        .collect::<Option<Vec<usize>>>()
        .ok_or_else(|| bad("shape too large".into()))?;
    let Some(item) = item_size(&descr) else {
        return Err(unsupported(format!(
            "dtype '{descr}' (use bool, integer or float32/64 arrays)"
        )));
    };
    let need = shape
        .iter()
        .try_fold(item, |acc, &d| acc.checked_mul(d))
        .ok_or_else(|| bad("shape too large".into()))?;
    if body.len() < need {
        return Err(bad(format!(
            "data is truncated: shape {shape:?} needs more than the {} bytes present",
            body.len()
        )));
    }
    let data = decode(&descr, file).map_err(|e| bad(e.to_string()))?;
    Ok(NpyArray { shape, data })
}

/// What a header error means, in the words of the old reader's messages where npyz's are terse.
fn header_error(e: &std::io::Error) -> String {
    let text = e.to_string();
    if text.contains("magic") {
        "missing the \\x93NUMPY magic".into()
    } else if e.kind() == std::io::ErrorKind::UnexpectedEof {
        "truncated header".into()
    } else {
        text
    }
}

/// Bytes per element of the dtypes spikeloom reads (little-endian or byte-order-free).
fn item_size(descr: &str) -> Option<usize> {
    Some(match descr {
        "|u1" | "<u1" | "|b1" | "|i1" | "<i1" => 1,
        "<i2" | "<u2" => 2,
        "<i4" | "<u4" | "<f4" => 4,
        "<i8" | "<u8" | "<f8" => 8,
        _ => return None,
    })
}

/// The elements, read by npyz in the file's dtype (`item_size` has accepted it).
fn decode(descr: &str, file: npyz::NpyFile<&[u8]>) -> std::io::Result<NpyData> {
    Ok(match descr {
        "|u1" | "<u1" => NpyData::U8(file.into_vec()?),
        "|b1" => NpyData::Bool(file.into_vec::<bool>()?.into_iter().map(u8::from).collect()),
        "|i1" | "<i1" => NpyData::I8(file.into_vec()?),
        "<i2" => NpyData::I16(file.into_vec()?),
        "<i4" => NpyData::I32(file.into_vec()?),
        "<i8" => NpyData::I64(file.into_vec()?),
        "<u2" => NpyData::U16(file.into_vec()?),
        "<u4" => NpyData::U32(file.into_vec()?),
        "<u8" => NpyData::U64(file.into_vec()?),
        "<f4" => NpyData::F32(file.into_vec()?),
        "<f8" => NpyData::F64(file.into_vec()?),
        other => unreachable!("item_size accepted dtype {other}"),
    })
}

/// Encode an array as `.npy` (format version 1.0, C order, data aligned to 64 bytes).
pub fn write_npy_bytes(array: &NpyArray) -> Vec<u8> {
    fn encode<T: npyz::AutoSerialize + Clone>(shape: &[usize], values: &[T]) -> Vec<u8> {
        use npyz::WriterBuilder;
        let shape: Vec<u64> = shape.iter().map(|&d| d as u64).collect();
        let mut out = Vec::new();
        // Writing into a Vec cannot fail: npyz's only errors are the writer's.
        let mut writer = npyz::WriteOptions::new()
            .default_dtype()
            .shape(&shape)
            .writer(&mut out)
            .begin_nd()
            .expect("writing to memory");
        writer
            .extend(values.iter().cloned())
            .expect("writing to memory");
        writer.finish().expect("writing to memory");
        out
    }
    let shape = &array.shape;
    match &array.data {
        NpyData::U8(v) => encode(shape, v),
        NpyData::Bool(v) => encode(shape, &v.iter().map(|b| *b != 0).collect::<Vec<bool>>()),
        NpyData::I8(v) => encode(shape, v),
        NpyData::I16(v) => encode(shape, v),
        NpyData::I32(v) => encode(shape, v),
        NpyData::I64(v) => encode(shape, v),
        NpyData::U16(v) => encode(shape, v),
        NpyData::U32(v) => encode(shape, v),
        NpyData::U64(v) => encode(shape, v),
        NpyData::F32(v) => encode(shape, v),
        NpyData::F64(v) => encode(shape, v),
    }
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
            NpyData::I8(vec![-128, 0, 127, 1, -1, 3]),
            NpyData::I16(vec![-5, 0, 5, i16::MAX, i16::MIN, 3]),
            NpyData::U16(vec![0, 1, u16::MAX, 7, 8, 9]),
            NpyData::U32(vec![0, 1, u32::MAX, 7, 8, 9]),
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
        // A tuple, not the integer `(4)`: numpy requires one.
        assert!(String::from_utf8_lossy(&bytes).contains("'shape': (4, )"));
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
        // A version-2 header that declares 4 GiB in a 14-byte file: an error, not an allocation.
        let mut huge = b"\x93NUMPY\x02\x00".to_vec();
        huge.extend_from_slice(&0xFFFF_FFF0u32.to_le_bytes());
        huge.extend_from_slice(b"{}");
        let err = read_npy_bytes(&huge).unwrap_err().to_string();
        assert!(err.contains("truncated header"), "{err}");
    }
}
