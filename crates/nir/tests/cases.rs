//! Data-driven tests over tests/fixtures/nir-cases (written by tests/fixtures/gen/nir_cases.py):
//! every valid case must read back exactly what the Python `nir` package reads (its JSON
//! sidecar) and validate cleanly; every malformed case must fail with the named error.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;
use spikeloom_nir::{
    read, read_bytes, validate, Diagnostic, FloatDtype, Graph, MetaValue, NirError, Node, Padding,
    Tensor,
};

fn cases_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/nir-cases")
}

/// (case name, .nir path, sidecar) for every case, sorted.
fn cases() -> Vec<(String, PathBuf, Value)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(cases_dir()).expect("fixture dir") {
        let path = entry.expect("dir entry").path();
        if path.extension().is_some_and(|e| e == "json") {
            let side: Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            out.push((name, path.with_extension("nir"), side));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// A field value in the sidecar's vocabulary.
#[derive(Debug, PartialEq)]
enum Val {
    Float {
        dtype: &'static str,
        shape: Vec<usize>,
        data: Vec<f64>,
    },
    Int {
        shape: Vec<usize>,
        data: Vec<i64>,
    },
    Str(String),
}

fn tensor(t: &Tensor) -> Val {
    let dtype = match t.dtype {
        FloatDtype::F32 => "float32",
        FloatDtype::F64 => "float64",
    };
    Val::Float {
        dtype,
        shape: t.shape.clone(),
        data: t.data.clone(),
    }
}

fn ints(v: &[usize]) -> Val {
    Val::Int {
        shape: vec![v.len()],
        data: v.iter().map(|&x| x as i64).collect(),
    }
}

fn int(v: i64) -> Val {
    Val::Int {
        shape: vec![],
        data: vec![v],
    }
}

fn padding(p: &Padding) -> Val {
    match p {
        Padding::Same => Val::Str("same".into()),
        Padding::Valid => Val::Str("valid".into()),
        Padding::Explicit(v) => ints(v),
    }
}

/// The node as (type string, fields) in the names `nir`'s `to_dict()` uses.
fn fields(node: &Node) -> (&'static str, BTreeMap<&'static str, Val>) {
    let m = |v: Vec<(&'static str, Val)>| v.into_iter().collect::<BTreeMap<_, _>>();
    match node {
        Node::Input { shape } => ("Input", m(vec![("shape", ints(shape))])),
        Node::Output { shape } => ("Output", m(vec![("shape", ints(shape))])),
        Node::Affine { weight, bias } => (
            "Affine",
            m(vec![("weight", tensor(weight)), ("bias", tensor(bias))]),
        ),
        Node::Linear { weight } => ("Linear", m(vec![("weight", tensor(weight))])),
        Node::Conv1d {
            weight,
            bias,
            stride,
            padding: p,
            dilation,
            groups,
            input_shape,
        } => (
            "Conv1d",
            m(vec![
                ("weight", tensor(weight)),
                ("bias", tensor(bias)),
                ("stride", int(*stride as i64)),
                (
                    "padding",
                    match p {
                        Padding::Explicit(v) if v.len() == 1 => int(v[0] as i64),
                        other => padding(other),
                    },
                ),
                ("dilation", int(*dilation as i64)),
                ("groups", int(*groups as i64)),
                (
                    "input_shape",
                    int(input_shape.expect("fixtures store input_shape") as i64),
                ),
            ]),
        ),
        Node::Conv2d {
            weight,
            bias,
            stride,
            padding: p,
            dilation,
            groups,
            input_shape,
        } => (
            "Conv2d",
            m(vec![
                ("weight", tensor(weight)),
                ("bias", tensor(bias)),
                ("stride", ints(stride)),
                ("padding", padding(p)),
                ("dilation", ints(dilation)),
                ("groups", int(*groups as i64)),
                (
                    "input_shape",
                    ints(&input_shape.expect("fixtures store input_shape")),
                ),
            ]),
        ),
        Node::SumPool2d {
            kernel_size,
            stride,
            padding,
        } => (
            "SumPool2d",
            m(vec![
                ("kernel_size", ints(kernel_size)),
                ("stride", ints(stride)),
                ("padding", ints(padding)),
            ]),
        ),
        Node::AvgPool2d {
            kernel_size,
            stride,
            padding,
        } => (
            "AvgPool2d",
            m(vec![
                ("kernel_size", ints(kernel_size)),
                ("stride", ints(stride)),
                ("padding", ints(padding)),
            ]),
        ),
        Node::Flatten {
            input_type,
            start_dim,
            end_dim,
        } => (
            "Flatten",
            m(vec![
                (
                    "input_type",
                    ints(input_type.as_ref().expect("fixtures store input_type")),
                ),
                ("start_dim", int(*start_dim)),
                ("end_dim", int(*end_dim)),
            ]),
        ),
        Node::Scale { scale } => ("Scale", m(vec![("scale", tensor(scale))])),
        Node::Threshold { threshold } => ("Threshold", m(vec![("threshold", tensor(threshold))])),
        Node::Delay { delay } => ("Delay", m(vec![("delay", tensor(delay))])),
        Node::Lif {
            tau,
            r,
            v_leak,
            v_threshold,
            v_reset,
        } => (
            "LIF",
            m(vec![
                ("tau", tensor(tau)),
                ("r", tensor(r)),
                ("v_leak", tensor(v_leak)),
                ("v_threshold", tensor(v_threshold)),
                ("v_reset", tensor(v_reset)),
            ]),
        ),
        Node::CubaLif {
            tau_syn,
            tau_mem,
            r,
            v_leak,
            v_threshold,
            v_reset,
            w_in,
        } => (
            "CubaLIF",
            m(vec![
                ("tau_syn", tensor(tau_syn)),
                ("tau_mem", tensor(tau_mem)),
                ("r", tensor(r)),
                ("v_leak", tensor(v_leak)),
                ("v_threshold", tensor(v_threshold)),
                ("v_reset", tensor(v_reset)),
                ("w_in", tensor(w_in)),
            ]),
        ),
        Node::CubaLi {
            tau_syn,
            tau_mem,
            r,
            v_leak,
            w_in,
        } => (
            "CubaLI",
            m(vec![
                ("tau_syn", tensor(tau_syn)),
                ("tau_mem", tensor(tau_mem)),
                ("r", tensor(r)),
                ("v_leak", tensor(v_leak)),
                ("w_in", tensor(w_in)),
            ]),
        ),
        Node::If {
            r,
            v_threshold,
            v_reset,
        } => (
            "IF",
            m(vec![
                ("r", tensor(r)),
                ("v_threshold", tensor(v_threshold)),
                ("v_reset", tensor(v_reset)),
            ]),
        ),
        Node::Li { tau, r, v_leak } => (
            "LI",
            m(vec![
                ("tau", tensor(tau)),
                ("r", tensor(r)),
                ("v_leak", tensor(v_leak)),
            ]),
        ),
        Node::Integrator { r } => ("I", m(vec![("r", tensor(r))])),
        Node::Graph(_) => ("NIRGraph", BTreeMap::new()),
    }
}

fn shape_of(v: &Value) -> Vec<usize> {
    v["shape"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_u64().unwrap() as usize)
        .collect()
}

fn json_float(v: &Value) -> f64 {
    match v {
        Value::String(s) if s == "inf" => f64::INFINITY,
        Value::String(s) if s == "-inf" => f64::NEG_INFINITY,
        Value::String(s) if s == "nan" => f64::NAN,
        other => other.as_f64().unwrap(),
    }
}

fn json_val(v: &Value) -> Val {
    match v["kind"].as_str().unwrap() {
        "float" => Val::Float {
            dtype: if v["dtype"] == "float32" {
                "float32"
            } else {
                "float64"
            },
            shape: shape_of(v),
            data: v["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(json_float)
                .collect(),
        },
        "int" => Val::Int {
            shape: shape_of(v),
            data: v["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_i64().unwrap())
                .collect(),
        },
        "str" => Val::Str(v["value"].as_str().unwrap().to_string()),
        other => panic!("unexpected field kind {other}"),
    }
}

/// Bitwise-equal floats (NaN equal to NaN), everything else by `==`.
fn same(a: &Val, b: &Val) -> bool {
    match (a, b) {
        (
            Val::Float {
                dtype: d1,
                shape: s1,
                data: x1,
            },
            Val::Float {
                dtype: d2,
                shape: s2,
                data: x2,
            },
        ) => {
            d1 == d2
                && s1 == s2
                && x1.len() == x2.len()
                && x1
                    .iter()
                    .zip(x2)
                    .all(|(p, q)| p.to_bits() == q.to_bits() || (p.is_nan() && q.is_nan()))
        }
        _ => a == b,
    }
}

fn compare_graph(g: &Graph, side: &Value, at: &str, errs: &mut Vec<String>) {
    let nodes = side["nodes"].as_object().unwrap();
    let names: Vec<&String> = g.nodes.keys().collect();
    let want: Vec<&String> = nodes.keys().collect();
    if names != want {
        errs.push(format!("{at}: node names {names:?} != {want:?}"));
        return;
    }
    for (name, node) in &g.nodes {
        let exp = &nodes[name.as_str()];
        let (typ, got) = fields(node);
        if exp["type"] != typ {
            errs.push(format!("{at}{name}: type {typ} != {}", exp["type"]));
            continue;
        }
        if let Node::Graph(inner) = node {
            compare_graph(inner, &exp["graph"], &format!("{at}{name}."), errs);
            continue;
        }
        let exp_fields = exp["fields"].as_object().unwrap();
        let got_keys: Vec<&str> = got.keys().copied().collect();
        let exp_keys: Vec<&str> = exp_fields.keys().map(|k| k.as_str()).collect();
        if got_keys != exp_keys {
            errs.push(format!("{at}{name}: fields {got_keys:?} != {exp_keys:?}"));
            continue;
        }
        for (k, v) in &got {
            let e = json_val(&exp_fields[*k]);
            if !same(v, &e) {
                errs.push(format!("{at}{name}.{k}: {v:?} != {e:?}"));
            }
        }
    }
    let edges: Vec<(String, String)> = side["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e[0].as_str().unwrap().to_string(),
                e[1].as_str().unwrap().to_string(),
            )
        })
        .collect();
    if g.edges != edges {
        errs.push(format!("{at}: edges {:?} != {edges:?}", g.edges));
    }
    compare_meta(&g.metadata, side["metadata"].as_object().unwrap(), at, errs);
}

fn compare_meta(
    got: &BTreeMap<String, MetaValue>,
    want: &serde_json::Map<String, Value>,
    at: &str,
    errs: &mut Vec<String>,
) {
    let gk: Vec<&String> = got.keys().collect();
    let wk: Vec<&String> = want.keys().collect();
    if gk != wk {
        errs.push(format!("{at}metadata keys {gk:?} != {wk:?}"));
        return;
    }
    for (k, v) in got {
        let w = &want[k.as_str()];
        let scalar = w
            .get("shape")
            .is_some_and(|s| s.as_array().unwrap().is_empty());
        let nums = || w["data"].as_array().unwrap();
        let ok = match (v, w["kind"].as_str().unwrap()) {
            (MetaValue::Str(s), "str") => w["value"] == s.as_str(),
            (MetaValue::Float(x), "float") if scalar => {
                json_float(&nums()[0]).to_bits() == x.to_bits()
            }
            (MetaValue::Int(x), "int") if scalar => nums()[0].as_i64() == Some(*x),
            (MetaValue::Int(x), "bool") if scalar => nums()[0].as_bool() == Some(*x != 0),
            (MetaValue::Array(xs), "float" | "int") => {
                xs.len() == nums().len() && xs.iter().zip(nums()).all(|(a, b)| *a == json_float(b))
            }
            (MetaValue::Group(g), "group") => {
                compare_meta(
                    g,
                    w["items"].as_object().unwrap(),
                    &format!("{at}{k}."),
                    errs,
                );
                true
            }
            _ => false,
        };
        if !ok {
            errs.push(format!("{at}metadata {k}: {v:?} != {w}"));
        }
    }
}

fn read_error_kind(e: &NirError) -> &'static str {
    match e {
        NirError::Io { .. } => "Io",
        NirError::NotHdf5 => "NotHdf5",
        NirError::Hdf5 { .. } => "Hdf5",
        NirError::UnsupportedFilter { .. } => "UnsupportedFilter",
        NirError::ImplausibleSize { .. } => "ImplausibleSize",
        NirError::DatasetOverLimit { .. } => "DatasetOverLimit",
        NirError::MissingField { .. } => "MissingField",
        NirError::UnknownNodeType { .. } => "UnknownNodeType",
        NirError::WrongKind { .. } => "WrongKind",
        NirError::BadValue { .. } => "BadValue",
        NirError::FlattenNameClash { .. } => "FlattenNameClash",
    }
}

fn diag_kind(d: &Diagnostic) -> &'static str {
    match d {
        Diagnostic::NonFinite { .. } => "NonFinite",
        Diagnostic::ParamShapeMismatch { .. } => "ParamShapeMismatch",
        Diagnostic::DanglingEdge { .. } => "DanglingEdge",
        Diagnostic::EdgeShapeMismatch { .. } => "EdgeShapeMismatch",
        Diagnostic::CycleWithoutNeuron { .. } => "CycleWithoutNeuron",
        Diagnostic::Shape { .. } => "Shape",
        Diagnostic::InvalidValue { .. } => "InvalidValue",
        Diagnostic::Empty { .. } => "Empty",
    }
}

#[test]
fn every_case_reads_like_the_nir_package() {
    let all = cases();
    assert!(
        all.len() >= 40,
        "expected the generated fixture set, found {} cases",
        all.len()
    );
    let mut errs = Vec::new();
    let mut valid = 0;
    for (name, path, side) in &all {
        if let Some(kind) = side.get("expect_error").and_then(Value::as_str) {
            let got = match read(path) {
                Err(e) => read_error_kind(&e).to_string(),
                Ok(f) => match validate(&f.graph) {
                    Ok(()) => "Ok".to_string(),
                    Err(d) => d.0.iter().map(diag_kind).collect::<Vec<_>>().join(","),
                },
            };
            if !got.split(',').any(|k| k == kind) {
                errs.push(format!("{name}: expected {kind}, got {got}"));
            }
            continue;
        }
        valid += 1;
        match read(path) {
            Err(e) => errs.push(format!("{name}: read failed: {e}")),
            Ok(f) => {
                if side["version"] != f.version.as_str() {
                    errs.push(format!(
                        "{name}: version {} != {}",
                        f.version, side["version"]
                    ));
                }
                compare_graph(&f.graph, &side["graph"], &format!("{name}: "), &mut errs);
                if let Err(d) = validate(&f.graph) {
                    errs.push(format!("{name}: valid case fails validation: {d}"));
                }
            }
        }
    }
    assert!(valid >= 25, "only {valid} valid cases");
    assert!(
        errs.is_empty(),
        "{} mismatches:\n{}",
        errs.len(),
        errs.join("\n")
    );
}

#[test]
fn read_bytes_matches_read() {
    for (name, path, _) in cases() {
        let bytes = std::fs::read(&path).unwrap();
        // Debug text, because NaN parameters make `PartialEq` fail on identical graphs.
        let a = format!("{:?}", read(&path).map_err(|e| e.to_string()));
        let b = format!("{:?}", read_bytes(&bytes).map_err(|e| e.to_string()));
        assert_eq!(a, b, "{name}");
    }
}

#[test]
fn missing_file_is_an_io_error_naming_the_path() {
    let e = read("/nonexistent/model.nir").unwrap_err();
    assert!(matches!(e, NirError::Io { .. }));
    assert!(
        e.to_string()
            .starts_with("cannot read '/nonexistent/model.nir': "),
        "{e}"
    );
}
