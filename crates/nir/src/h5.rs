//! The only module that talks to the HDF5 library (`hdf5-pure`): it loads a whole file into a
//! small in-memory tree of groups and typed datasets, with limits that keep hostile input
//! (fuzzed, truncated, huge declared extents) from exhausting memory or stack. Everything after
//! this works on the tree, so NIR decoding never sees HDF5 types.

use std::collections::BTreeMap;

use hdf5_pure::{DType, Error as H5Error, File, FormatError, Group};

use crate::error::NirError;
use crate::model::FloatDtype;

/// Deepest group nesting accepted. NIR nests `node/nodes/<sub>/nodes/...`, three levels per
/// subgraph; 64 allows ~20 levels of subgraphs while bounding recursion on cyclic group links.
const MAX_DEPTH: usize = 64;
/// Most objects (groups + datasets) in one file; guards against group-link loops.
const MAX_OBJECTS: usize = 200_000;
/// Deflate can expand ~1032x; no honest dataset decodes to more than this times the file size.
pub(crate) const MAX_EXPANSION: u64 = 1100;
/// Files smaller than this may still hold datasets up to it (tiny files, fill values).
const MIN_EXPANSION_ALLOWANCE: u64 = 1 << 20;

/// Values of one dataset, flattened in row-major order.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum H5Values {
    /// IEEE float data.
    Float(Vec<f64>, FloatDtype),
    /// Any integer type (signed or unsigned), widened.
    Int(Vec<i64>),
    /// An HDF5 enum (h5py stores `bool` as `int8` enum FALSE/TRUE).
    Enum(Vec<i64>),
    /// Fixed-length or variable-length strings.
    Str(Vec<String>),
    /// A datatype NIR never writes; the text names it for the error message.
    Other(String),
}

/// One dataset: its dimensions (`[]` for a scalar) and values.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct H5Data {
    pub shape: Vec<usize>,
    pub values: H5Values,
}

/// A group or a dataset.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum H5Node {
    Group(BTreeMap<String, H5Node>),
    Data(H5Data),
}

/// Parse `bytes` as HDF5 and load every group and dataset; a dataset may decode to at most
/// `max_dataset_bytes`.
pub(crate) fn load(
    bytes: &[u8],
    max_dataset_bytes: u64,
) -> Result<BTreeMap<String, H5Node>, NirError> {
    if !hdf5_pure::is_hdf5_bytes(bytes) {
        return Err(NirError::NotHdf5);
    }
    let file = File::from_bytes(bytes.to_vec()).map_err(|e| h5_error("/", e))?;
    let file_bytes = bytes.len() as u64;
    let mut loader = Loader {
        limit: max_dataset_bytes,
        plausible: file_bytes
            .saturating_mul(MAX_EXPANSION)
            .max(MIN_EXPANSION_ALLOWANCE),
        file_bytes,
        objects: 0,
    };
    loader.group(&file.root(), "", 0)
}

struct Loader {
    /// The caller's limit on one dataset (`ReadOptions::max_dataset_bytes`).
    limit: u64,
    /// The most one dataset of this file can decode to unless the file is corrupt.
    plausible: u64,
    file_bytes: u64,
    objects: usize,
}

impl Loader {
    fn group(
        &mut self,
        group: &Group,
        path: &str,
        depth: usize,
    ) -> Result<BTreeMap<String, H5Node>, NirError> {
        if depth > MAX_DEPTH {
            return Err(NirError::Hdf5 {
                path: path.to_string(),
                message: format!("groups nested deeper than {MAX_DEPTH} levels"),
            });
        }
        let mut out = BTreeMap::new();
        let sub_groups = group.groups().map_err(|e| h5_error(path, e))?;
        let datasets = group.datasets().map_err(|e| h5_error(path, e))?;
        self.objects += sub_groups.len() + datasets.len();
        if self.objects > MAX_OBJECTS {
            return Err(NirError::Hdf5 {
                path: path.to_string(),
                message: format!("more than {MAX_OBJECTS} objects"),
            });
        }
        for name in sub_groups {
            let child_path = format!("{path}/{name}");
            let child = group.group(&name).map_err(|e| h5_error(&child_path, e))?;
            let tree = self.group(&child, &child_path, depth + 1)?;
            out.insert(name, H5Node::Group(tree));
        }
        for name in datasets {
            let child_path = format!("{path}/{name}");
            let data = self.dataset(group, &name, &child_path)?;
            out.insert(name, H5Node::Data(data));
        }
        Ok(out)
    }

    fn dataset(&self, group: &Group, name: &str, path: &str) -> Result<H5Data, NirError> {
        let err = |e| h5_error(path, e);
        let ds = group.dataset(name).map_err(err)?;
        let dims = ds.shape().map_err(err)?;
        let elem = ds.element_size().map_err(err)?;
        let dtype = ds.dtype().map_err(err)?;
        // Check the declared size before reading: the library allocates (and fill-initialises)
        // the whole extent up front, so a corrupt extent would otherwise abort the process.
        let count = dims.iter().try_fold(1u64, |acc, &d| acc.checked_mul(d));
        let bytes = count.and_then(|n| n.checked_mul(elem));
        match bytes {
            Some(b) if b > self.plausible => {
                return Err(NirError::ImplausibleSize {
                    path: path.to_string(),
                    bytes: b,
                    file_bytes: self.file_bytes,
                })
            }
            Some(b) if b > self.limit => {
                return Err(NirError::DatasetOverLimit {
                    path: path.to_string(),
                    dims: dims.clone(),
                    dtype: dtype_name(&dtype, elem),
                    element_bytes: elem,
                    limit: self.limit,
                })
            }
            Some(_) => {}
            None => {
                return Err(NirError::ImplausibleSize {
                    path: path.to_string(),
                    bytes: u64::MAX,
                    file_bytes: self.file_bytes,
                })
            }
        }
        let shape = dims.iter().map(|&d| d as usize).collect();
        let values = match dtype {
            DType::F32 => H5Values::Float(
                ds.read_f32()
                    .map_err(err)?
                    .into_iter()
                    .map(f64::from)
                    .collect(),
                FloatDtype::F32,
            ),
            DType::F64 => H5Values::Float(ds.read_f64().map_err(err)?, FloatDtype::F64),
            DType::I8
            | DType::I16
            | DType::I32
            | DType::I64
            | DType::U8
            | DType::U16
            | DType::U32
            | DType::U64 => H5Values::Int(ds.read_i64().map_err(err)?),
            DType::Enum(_) => H5Values::Enum(ds.read_i64().map_err(err)?),
            DType::String | DType::VariableLengthString => {
                H5Values::Str(ds.read_string().map_err(err)?)
            }
            other => H5Values::Other(other.to_string()),
        };
        Ok(H5Data { shape, values })
    }
}

/// NumPy's name of an element type (`float32`), else the library's description.
fn dtype_name(dtype: &DType, bytes: u64) -> String {
    match dtype {
        DType::F32 | DType::F64 => format!("float{}", bytes * 8),
        DType::I8 | DType::I16 | DType::I32 | DType::I64 => format!("int{}", bytes * 8),
        DType::U8 | DType::U16 | DType::U32 | DType::U64 => format!("uint{}", bytes * 8),
        other => format!("{other} ({bytes}-byte)"),
    }
}

/// Map a library error onto ours, keeping the object path.
fn h5_error(path: &str, e: H5Error) -> NirError {
    let path = if path.is_empty() {
        "/".to_string()
    } else {
        path.to_string()
    };
    match e {
        H5Error::Format(FormatError::SignatureNotFound) => NirError::NotHdf5,
        H5Error::Format(FormatError::UnsupportedFilter(id)) => NirError::UnsupportedFilter {
            path,
            filter: filter_name(id),
        },
        other => NirError::Hdf5 {
            path,
            message: other.to_string(),
        },
    }
}

/// Human name of an HDF5 filter id (the registered ids h5py can write).
fn filter_name(id: u16) -> String {
    match id {
        1 => "deflate (1)".into(),
        2 => "shuffle (2)".into(),
        3 => "fletcher32 (3)".into(),
        4 => "szip (4)".into(),
        5 => "nbit (5)".into(),
        6 => "scaleoffset (6)".into(),
        32000 => "lzf (32000)".into(),
        other => format!("filter id {other}"),
    }
}
