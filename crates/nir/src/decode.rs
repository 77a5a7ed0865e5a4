//! NIR decoding: the HDF5 tree of `nir.write` (groups and datasets only, no attributes: `version`,
//! then `node/` with `type`, `edges`, an optional `metadata/` and one group per node under `nodes/`,
//! nested graphs recursively) -> typed [`Graph`]. Per-field
//! rules follow what `nir.read` (1.0.8) accepts: scalars where tuples are allowed are broadcast,
//! legacy files get `v_reset = 0` and `w_in = 1`, node order is alphabetical, edges keep file
//! order. Shape consistency is *not* checked here; that is `validate`'s job, so a file with
//! several problems reports all of them at once.

use std::collections::BTreeMap;

use crate::error::NirError;
use crate::h5::{H5Data, H5Node, H5Values};
use crate::model::{FloatDtype, Graph, MetaValue, NirFile, Node, Padding, Tensor};

type Tree = BTreeMap<String, H5Node>;

/// Error location of the file root.
const FILE: &str = "file";
/// Error location of the top-level NIRGraph group.
const GRAPH: &str = "graph";

/// Error location of a node: `node 'name'`.
fn at_node(name: &str) -> String {
    format!("node '{name}'")
}

/// Decode a whole file tree (`/version`, `/node`).
pub(crate) fn decode_file(root: &Tree) -> Result<NirFile, NirError> {
    let version = match root.get("version") {
        Some(H5Node::Data(d)) => scalar_string(FILE, "version", d)?,
        // nir.read never looks at the version; a file without one is still readable.
        _ => String::from("unknown"),
    };
    let node = match root.get("node") {
        Some(H5Node::Group(g)) => g,
        Some(H5Node::Data(_)) => {
            return Err(wrong_kind(FILE.into(), "node", "a group", "a dataset"));
        }
        None => {
            return Err(NirError::MissingField {
                location: FILE.into(),
                field: "node".into(),
                hint: Some("a NIR file keeps its graph in the HDF5 group '/node'".into()),
            })
        }
    };
    let fields = Fields {
        loc: GRAPH.into(),
        map: node,
    };
    let type_name = fields.string("type")?;
    if type_name != "NIRGraph" {
        return Err(NirError::BadValue {
            location: GRAPH.into(),
            field: "type".into(),
            message: format!("is '{type_name}', but the top-level node must be a NIRGraph"),
        });
    }
    let graph = decode_graph(&fields, "")?;
    Ok(NirFile { version, graph })
}

/// Decode a NIRGraph group; `prefix` is `""` at top level or `"sub."` inside subgraph `sub`
/// (only used to name nodes in errors).
fn decode_graph(fields: &Fields, prefix: &str) -> Result<Graph, NirError> {
    let nodes_group = fields.group("nodes")?;
    let mut nodes = BTreeMap::new();
    for (name, child) in nodes_group {
        let full = format!("{prefix}{name}");
        let H5Node::Group(map) = child else {
            return Err(wrong_kind(at_node(&full), "(node)", "a group", "a dataset"));
        };
        let node = decode_node(
            &Fields {
                loc: at_node(&full),
                map,
            },
            &full,
        )?;
        nodes.insert(name.clone(), node);
    }
    let edges = decode_edges(fields)?;
    let metadata = match fields.map.get("metadata") {
        Some(H5Node::Group(g)) => decode_metadata(g),
        _ => BTreeMap::new(),
    };
    Ok(Graph {
        nodes,
        edges,
        metadata,
    })
}

fn decode_edges(fields: &Fields) -> Result<Vec<(String, String)>, NirError> {
    let data = fields.data("edges")?;
    let n: usize = data.shape.iter().product();
    // nir writes an empty edge list as a float64 (0,) dataset.
    if n == 0 {
        return Ok(Vec::new());
    }
    let H5Values::Str(values) = &data.values else {
        return Err(wrong_kind(
            fields.loc.clone(),
            "edges",
            "an (E, 2) string array",
            &describe(data),
        ));
    };
    if data.shape.len() != 2 || data.shape[1] != 2 {
        return Err(wrong_kind(
            fields.loc.clone(),
            "edges",
            "an (E, 2) string array",
            &describe(data),
        ));
    }
    Ok(values
        .chunks_exact(2)
        .map(|p| (p[0].clone(), p[1].clone()))
        .collect())
}

fn decode_node(f: &Fields, full: &str) -> Result<Node, NirError> {
    let type_name = f.string("type")?;
    let node = match type_name.as_str() {
        "Input" => Node::Input {
            shape: f.dims("shape")?,
        },
        "Output" => Node::Output {
            shape: f.dims("shape")?,
        },
        "Affine" => Node::Affine {
            weight: f.tensor("weight")?,
            bias: f.tensor("bias")?,
        },
        "Linear" => Node::Linear {
            weight: f.tensor("weight")?,
        },
        "Conv1d" => Node::Conv1d {
            weight: f.tensor("weight")?,
            bias: f.tensor("bias")?,
            stride: f.positive("stride")?,
            padding: f.padding("padding", 1)?,
            dilation: f.positive("dilation")?,
            groups: f.positive("groups")?,
            input_shape: f.optional(|f| f.positive("input_shape"), "input_shape")?,
        },
        "Conv2d" => Node::Conv2d {
            weight: f.tensor("weight")?,
            bias: f.tensor("bias")?,
            stride: f.pair("stride", 1)?,
            padding: f.padding("padding", 2)?,
            dilation: f.pair("dilation", 1)?,
            groups: f.positive("groups")?,
            input_shape: f.optional(|f| f.pair("input_shape", 1), "input_shape")?,
        },
        "SumPool2d" => Node::SumPool2d {
            kernel_size: f.pair("kernel_size", 1)?,
            stride: f.pair("stride", 1)?,
            padding: f.pair("padding", 0)?,
        },
        "AvgPool2d" => Node::AvgPool2d {
            kernel_size: f.pair("kernel_size", 1)?,
            stride: f.pair("stride", 1)?,
            padding: f.pair("padding", 0)?,
        },
        "Flatten" => Node::Flatten {
            input_type: f.optional(|f| f.dims("input_type"), "input_type")?,
            start_dim: f.int_scalar("start_dim")?,
            end_dim: f.int_scalar("end_dim")?,
        },
        "Scale" => Node::Scale {
            scale: f.tensor("scale")?,
        },
        "Threshold" => Node::Threshold {
            threshold: f.tensor("threshold")?,
        },
        "Delay" => Node::Delay {
            delay: f.tensor("delay")?,
        },
        "LIF" => {
            let v_threshold = f.tensor("v_threshold")?;
            Node::Lif {
                tau: f.tensor("tau")?,
                r: f.tensor("r")?,
                v_leak: f.tensor("v_leak")?,
                v_reset: f.tensor_or("v_reset", &v_threshold, 0.0)?,
                v_threshold,
            }
        }
        "CubaLIF" => {
            let v_threshold = f.tensor("v_threshold")?;
            Node::CubaLif {
                tau_syn: f.tensor("tau_syn")?,
                tau_mem: f.tensor("tau_mem")?,
                r: f.tensor("r")?,
                v_leak: f.tensor("v_leak")?,
                v_reset: f.tensor_or("v_reset", &v_threshold, 0.0)?,
                w_in: f.tensor_or("w_in", &v_threshold, 1.0)?,
                v_threshold,
            }
        }
        "CubaLI" => {
            let v_leak = f.tensor("v_leak")?;
            Node::CubaLi {
                tau_syn: f.tensor("tau_syn")?,
                tau_mem: f.tensor("tau_mem")?,
                r: f.tensor("r")?,
                w_in: f.tensor_or("w_in", &v_leak, 1.0)?,
                v_leak,
            }
        }
        "IF" => {
            let v_threshold = f.tensor("v_threshold")?;
            Node::If {
                r: f.tensor("r")?,
                v_reset: f.tensor_or("v_reset", &v_threshold, 0.0)?,
                v_threshold,
            }
        }
        "LI" => Node::Li {
            tau: f.tensor("tau")?,
            r: f.tensor("r")?,
            v_leak: f.tensor("v_leak")?,
        },
        "I" => Node::Integrator { r: f.tensor("r")? },
        "NIRGraph" => Node::Graph(Box::new(decode_graph(f, &format!("{full}."))?)),
        _ => {
            return Err(NirError::UnknownNodeType {
                node: full.to_string(),
                type_name,
            });
        }
    };
    Ok(node)
}

fn decode_metadata(group: &Tree) -> BTreeMap<String, MetaValue> {
    group
        .iter()
        .map(|(k, v)| (k.clone(), meta_value(v)))
        .collect()
}

fn meta_value(node: &H5Node) -> MetaValue {
    let data = match node {
        H5Node::Group(g) => return MetaValue::Group(decode_metadata(g)),
        H5Node::Data(d) => d,
    };
    let scalar = data.shape.is_empty();
    match &data.values {
        H5Values::Str(s) if s.len() == 1 && data.shape.iter().all(|&d| d == 1) => {
            MetaValue::Str(s[0].clone())
        }
        // The seam has no string-array variant; keep the elements, keyed by index.
        H5Values::Str(s) => MetaValue::Group(
            s.iter()
                .enumerate()
                .map(|(i, v)| (i.to_string(), MetaValue::Str(v.clone())))
                .collect(),
        ),
        H5Values::Float(v, _) if scalar && v.len() == 1 => MetaValue::Float(v[0]),
        H5Values::Float(v, _) => MetaValue::Array(v.clone()),
        H5Values::Int(v) | H5Values::Enum(v) if scalar && v.len() == 1 => MetaValue::Int(v[0]),
        H5Values::Int(v) | H5Values::Enum(v) => {
            MetaValue::Array(v.iter().map(|&x| x as f64).collect())
        }
        H5Values::Other(t) => MetaValue::Str(format!("<unsupported HDF5 type {t}>")),
    }
}

/// The datasets and groups of one node, with typed accessors that name the node on error.
struct Fields<'a> {
    /// Error location, e.g. `node 'lif'`.
    loc: String,
    map: &'a Tree,
}

impl Fields<'_> {
    fn missing(&self, field: &str) -> NirError {
        NirError::MissingField {
            location: self.loc.clone(),
            field: field.into(),
            hint: None,
        }
    }

    fn data(&self, field: &str) -> Result<&H5Data, NirError> {
        match self.map.get(field) {
            Some(H5Node::Data(d)) => Ok(d),
            Some(H5Node::Group(_)) => {
                Err(wrong_kind(self.loc.clone(), field, "a dataset", "a group"))
            }
            None => Err(self.missing(field)),
        }
    }

    fn group(&self, field: &str) -> Result<&Tree, NirError> {
        match self.map.get(field) {
            Some(H5Node::Group(g)) => Ok(g),
            Some(H5Node::Data(_)) => {
                Err(wrong_kind(self.loc.clone(), field, "a group", "a dataset"))
            }
            None => Err(self.missing(field)),
        }
    }

    /// Run `read` when `field` is present, `None` when it is absent (legacy files).
    fn optional<T>(
        &self,
        read: impl FnOnce(&Self) -> Result<T, NirError>,
        field: &str,
    ) -> Result<Option<T>, NirError> {
        if self.map.contains_key(field) {
            read(self).map(Some)
        } else {
            Ok(None)
        }
    }

    fn string(&self, field: &str) -> Result<String, NirError> {
        scalar_string(&self.loc, field, self.data(field)?)
    }

    fn tensor(&self, field: &str) -> Result<Tensor, NirError> {
        let d = self.data(field)?;
        let (data, dtype) = match &d.values {
            H5Values::Float(v, t) => (v.clone(), *t),
            // Integer-valued parameters are unusual but unambiguous.
            H5Values::Int(v) => (v.iter().map(|&x| x as f64).collect(), FloatDtype::F64),
            _ => {
                return Err(wrong_kind(
                    self.loc.clone(),
                    field,
                    "a float array",
                    &describe(d),
                ))
            }
        };
        Ok(Tensor {
            shape: d.shape.clone(),
            data,
            dtype,
        })
    }

    /// `field`, or (legacy files) a tensor of `fill` shaped and typed like `like`.
    fn tensor_or(&self, field: &str, like: &Tensor, fill: f64) -> Result<Tensor, NirError> {
        if self.map.contains_key(field) {
            return self.tensor(field);
        }
        Ok(Tensor {
            shape: like.shape.clone(),
            data: vec![fill; like.len()],
            dtype: like.dtype,
        })
    }

    fn ints(&self, field: &str) -> Result<(&H5Data, &[i64]), NirError> {
        let d = self.data(field)?;
        match &d.values {
            H5Values::Int(v) => Ok((d, v)),
            _ => Err(wrong_kind(
                self.loc.clone(),
                field,
                "integer(s)",
                &describe(d),
            )),
        }
    }

    fn bad(&self, field: &str, message: String) -> NirError {
        NirError::BadValue {
            location: self.loc.clone(),
            field: field.into(),
            message,
        }
    }

    fn to_usize(&self, field: &str, v: i64, min: i64) -> Result<usize, NirError> {
        if v < min {
            return Err(self.bad(field, format!("is {v}, must be at least {min}")));
        }
        usize::try_from(v).map_err(|_| self.bad(field, format!("{v} is too large")))
    }

    fn int_scalar(&self, field: &str) -> Result<i64, NirError> {
        let (_, v) = self.ints(field)?;
        match v {
            [x] => Ok(*x),
            _ => Err(self.bad(
                field,
                format!("should be one integer, found {} values", v.len()),
            )),
        }
    }

    fn positive(&self, field: &str) -> Result<usize, NirError> {
        let v = self.int_scalar(field)?;
        self.to_usize(field, v, 1)
    }

    /// Non-negative integer vector (`Input.shape`, `Flatten.input_type`).
    fn dims(&self, field: &str) -> Result<Vec<usize>, NirError> {
        let (d, v) = self.ints(field)?;
        if d.shape.len() > 1 {
            return Err(self.bad(field, "should be a 1-D integer array".into()));
        }
        v.iter().map(|&x| self.to_usize(field, x, 0)).collect()
    }

    /// A `(2,)` array, or a scalar used for both dimensions (PyTorch's int form).
    fn pair(&self, field: &str, min: i64) -> Result<[usize; 2], NirError> {
        let (_, v) = self.ints(field)?;
        let (a, b) = match v {
            [x] => (*x, *x),
            [x, y] => (*x, *y),
            _ => {
                return Err(self.bad(
                    field,
                    format!("should have 1 or 2 values, found {}", v.len()),
                ))
            }
        };
        Ok([self.to_usize(field, a, min)?, self.to_usize(field, b, min)?])
    }

    /// `"same"`, `"valid"`, an int (all dims) or one int per spatial dim.
    fn padding(&self, field: &str, dims: usize) -> Result<Padding, NirError> {
        let d = self.data(field)?;
        if let H5Values::Str(_) = d.values {
            return match self.string(field)?.as_str() {
                "same" => Ok(Padding::Same),
                "valid" => Ok(Padding::Valid),
                other => Err(self.bad(
                    field,
                    format!("is '{other}', expected 'same', 'valid' or integers"),
                )),
            };
        }
        let (_, v) = self.ints(field)?;
        let amounts: Vec<usize> = v
            .iter()
            .map(|&x| self.to_usize(field, x, 0))
            .collect::<Result<_, _>>()?;
        match amounts.len() {
            1 => Ok(Padding::Explicit(vec![amounts[0]; dims])),
            n if n == dims => Ok(Padding::Explicit(amounts)),
            n => Err(self.bad(field, format!("should have 1 or {dims} values, found {n}"))),
        }
    }
}

fn scalar_string(loc: &str, field: &str, d: &H5Data) -> Result<String, NirError> {
    match &d.values {
        H5Values::Str(s) if s.len() == 1 => Ok(s[0].clone()),
        _ => Err(wrong_kind(loc.to_string(), field, "a string", &describe(d))),
    }
}

fn wrong_kind(location: String, field: &str, expected: &str, found: &str) -> NirError {
    NirError::WrongKind {
        location,
        field: field.into(),
        expected: expected.into(),
        found: found.into(),
    }
}

/// Short description of a dataset for error messages: `float32 [3]`, `string []`.
fn describe(d: &H5Data) -> String {
    let kind = match &d.values {
        H5Values::Float(_, FloatDtype::F32) => "float32".to_string(),
        H5Values::Float(_, FloatDtype::F64) => "float64".to_string(),
        H5Values::Int(_) => "integer".to_string(),
        H5Values::Enum(_) => "enum".to_string(),
        H5Values::Str(_) => "string".to_string(),
        H5Values::Other(t) => t.clone(),
    };
    format!("{kind} {}", crate::error::fmt_shape(&d.shape))
}
