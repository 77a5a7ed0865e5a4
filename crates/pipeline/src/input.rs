//! Loading user data: model inputs and labels. Every array a command reads (`--input`,
//! `--calibrate`, `--sample`, `--pixels`, `--values`, `--labels`) goes through [`read_array`]
//! (`.npy`, or one array of a `.npz` named `file.npz:name`), and every input through
//! [`load_steps`] or [`load_rows`]: one place that matches the shape against the model's input
//! and turns bool/int/float values into the bytes the engines take, refusing (never rounding)
//! any value that is not a spike or a valid graded value.

use crate::error::{Error, Result};
use spikeloom_npy::{read_npy, read_npz, NpyArray, NpyData};
use spikeloom_qnet::SpikeSteps;
use std::path::Path;

/// `return Err(Error::input(format!(...)))`.
macro_rules! bail {
    ($($t:tt)*) => {
        return Err(Error::input(format!($($t)*)))
    };
}

/// Samples without a time axis, `[N][F]` row-major (`run --pixels` / `--values`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rows {
    /// Samples.
    pub n: usize,
    /// Features.
    pub f: usize,
    /// One byte per feature.
    pub data: Vec<u8>,
}

/// What the model takes at each step: its input shape (the NIR Input node's, e.g. `[1, 8, 8]`
/// for a CNN; `[F]` when only the size is known) and which values are valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelInput {
    /// Per-step shape; its product is the number of input features.
    pub shape: Vec<usize>,
    /// Valid values.
    pub values: Values,
}

/// Which input values a model takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Values {
    /// A quantized design with binary inputs: 0 or 1.
    Binary,
    /// A quantized design with `bits`-bit graded inputs: `0 ..= 2^bits - 1`.
    Graded(u32),
    /// A float model (or one still to be quantized): spikes, or graded integer values
    /// `0 ..= 255` from which quantization picks the input width.
    Any,
}

impl Values {
    /// The values of a quantized network with `input_bits`-bit inputs.
    pub fn for_bits(input_bits: u32) -> Values {
        if input_bits <= 1 {
            Values::Binary
        } else {
            Values::Graded(input_bits.min(8))
        }
    }

    /// The widest value in bits (8 for `Any`).
    pub fn bits(self) -> u32 {
        match self {
            Values::Binary => 1,
            Values::Graded(bits) => bits.clamp(1, 8),
            Values::Any => 8,
        }
    }

    fn max(self) -> u8 {
        match self {
            Values::Binary => 1,
            Values::Graded(bits) => ((1u32 << bits.clamp(1, 8)) - 1) as u8,
            Values::Any => u8::MAX,
        }
    }

    fn describe(self) -> String {
        match self {
            Values::Binary => "this design takes binary spikes (0/1; its input is 1 bit)".into(),
            Values::Graded(bits) => format!(
                "this design takes {bits}-bit graded input values (integers 0..={})",
                self.max()
            ),
            Values::Any => "the model takes spikes (0/1) or graded integer values 0..=255".into(),
        }
    }

    fn advice(self) -> &'static str {
        match self {
            Values::Binary => {
                "threshold or rate-code the data first, or re-quantize with --input-bits for \
                 graded input (and rebuild)"
            }
            Values::Graded(_) => {
                "scale the data, or re-quantize with a larger --input-bits (and rebuild)"
            }
            Values::Any => {
                "threshold or rate-code the data, or scale graded values to integers first; \
                 nothing is rounded"
            }
        }
    }
}

impl ModelInput {
    /// A model whose input shape is only known as a size.
    pub fn flat(features: usize, values: Values) -> ModelInput {
        ModelInput {
            shape: vec![features],
            values,
        }
    }

    /// Input features per step.
    pub fn features(&self) -> usize {
        self.shape.iter().product()
    }

    fn shape_text(&self) -> String {
        dims(&self.shape)
    }
}

fn dims(shape: &[usize]) -> String {
    let inner: Vec<String> = shape.iter().map(ToString::to_string).collect();
    format!("[{}]", inner.join(", "))
}

/// Read an array from `path`: a `.npy` file, or a `.npz` archive's member named after a colon
/// (`x.npz:spikes`; without a name the archive must hold exactly one array).
pub fn read_array(path: &Path) -> Result<NpyArray> {
    let text = path.to_string_lossy();
    let (file, member) = match text.rfind(".npz:") {
        Some(at) => (Path::new(&text[..at + 4]), Some(&text[at + 5..])),
        None => (path, None),
    };
    if !file.to_string_lossy().ends_with(".npz") {
        return read_npy(path).map_err(Error::input);
    }
    let mut members = read_npz(file).map_err(Error::input)?;
    let names = members
        .iter()
        .map(|(n, _)| n.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let index = match member {
        Some(name) => members.iter().position(|(n, _)| n == name).ok_or_else(|| {
            Error::input(format!(
                "{}: no array named `{name}` (it holds: {names})",
                file.display()
            ))
        })?,
        None if members.len() == 1 => 0,
        None => bail!(
            "{}: the archive holds several arrays ({names}); name one: {}:NAME",
            file.display(),
            file.display()
        ),
    };
    Ok(members.swap_remove(index).1)
}

/// Read a time-major input: `[T, N, *shape]`, `[T, *shape]`, `[T, N, F]` or `[T, F]` (F the
/// flattened size), with values checked against `model.values`.
pub fn load_steps(path: &Path, model: &ModelInput) -> Result<SpikeSteps> {
    steps_from_array(&path.display().to_string(), &read_array(path)?, model)
}

/// [`load_steps`] on an array already in memory (a binding's numpy array); `name` is how the
/// messages call it (a file name, an argument name).
pub fn steps_from_array(name: &str, array: &NpyArray, model: &ModelInput) -> Result<SpikeSteps> {
    let lead = leading(name, &array.shape, model, &["T", "N"])?;
    let (t, n) = (lead[0], lead.get(1).copied().unwrap_or(1));
    if t == 0 || n == 0 {
        bail!("{name}: input is empty (shape {})", dims(&array.shape));
    }
    let f = model.features();
    let data = values(name, array, model.values, |pos| {
        let (step, rest) = (pos / (n * f), pos % (n * f));
        format!("step {step}, sample {}, feature {}", rest / f, rest % f)
    })?;
    SpikeSteps::graded(t, n, f, data, model.values.bits()).map_err(Error::input)
}

/// Read samples without a time axis: `[N, *shape]`, `[*shape]`, `[N, F]` or `[F]`.
pub fn load_rows(path: &Path, model: &ModelInput) -> Result<Rows> {
    let array = read_array(path)?;
    let path = path.display().to_string();
    let lead = leading(&path, &array.shape, model, &["N"])?;
    let n = lead.first().copied().unwrap_or(1);
    if n == 0 {
        bail!("{path}: no samples");
    }
    let f = model.features();
    let data = values(&path, &array, model.values, |pos| {
        format!("sample {}, feature {}", pos / f, pos % f)
    })?;
    Ok(Rows { n, f, data })
}

/// The leading dimensions of `shape` (up to `names.len()`, the first required) when its trailing
/// dimensions are the model's input shape or its flattened size.
fn leading(name: &str, shape: &[usize], model: &ModelInput, names: &[&str]) -> Result<Vec<usize>> {
    let f = model.features();
    let flat = [f];
    let tails: &[&[usize]] = if model.shape.len() > 1 {
        &[&model.shape, &flat]
    } else {
        &[&flat]
    };
    for tail in tails {
        for lead in (1..=names.len())
            .rev()
            .chain(if names.len() == 1 { Some(0) } else { None })
        {
            if shape.len() == lead + tail.len() && shape[lead..] == **tail {
                return Ok(shape[..lead].to_vec());
            }
        }
    }
    let forms: Vec<String> = tails
        .iter()
        .flat_map(|tail| {
            let tail: Vec<String> = tail.iter().map(ToString::to_string).collect();
            let mut forms = vec![format!("[{}, {}]", names.join(", "), tail.join(", "))];
            if names.len() > 1 {
                forms.push(format!("[{}, {}]", names[0], tail.join(", ")));
            } else {
                forms.push(format!("[{}]", tail.join(", ")));
            }
            forms
        })
        .collect();
    let what = if names.len() > 1 {
        "a time-major input"
    } else {
        "samples"
    };
    Err(Error::input(format!(
        "{name}: shape {} does not fit the model's input {} ({f} features per step): {what} must be \
         {}",
        dims(shape),
        model.shape_text(),
        join_or(&forms)
    )))
}

fn join_or(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

/// The values as bytes, or an error with how many are invalid and where the first is.
fn values(
    name: &str,
    array: &NpyArray,
    allowed: Values,
    place: impl Fn(usize) -> String,
) -> Result<Vec<u8>> {
    let max = allowed.max();
    let (data, bad): (Vec<u8>, Vec<usize>) = match &array.data {
        NpyData::U8(v) | NpyData::Bool(v) => check_ints(v.iter().map(|&x| i128::from(x)), max),
        NpyData::I8(v) => check_ints(v.iter().map(|&x| i128::from(x)), max),
        NpyData::I16(v) => check_ints(v.iter().map(|&x| i128::from(x)), max),
        NpyData::I32(v) => check_ints(v.iter().map(|&x| i128::from(x)), max),
        NpyData::I64(v) => check_ints(v.iter().map(|&x| i128::from(x)), max),
        NpyData::U16(v) => check_ints(v.iter().map(|&x| i128::from(x)), max),
        NpyData::U32(v) => check_ints(v.iter().map(|&x| i128::from(x)), max),
        NpyData::U64(v) => check_ints(v.iter().map(|&x| i128::from(x)), max),
        NpyData::F32(v) => check_floats(v.iter().map(|&x| f64::from(x)), max),
        NpyData::F64(v) => check_floats(v.iter().copied(), max),
    };
    let Some(&first) = bad.first() else {
        return Ok(data);
    };
    let value = match &array.data {
        NpyData::F32(v) => format!("{}", v[first]),
        NpyData::F64(v) => format!("{}", v[first]),
        other => format!("{}", other.to_f64()[first]),
    };
    let count = if bad.len() == 1 {
        "1 value is".to_string()
    } else {
        format!("{} values are", bad.len())
    };
    bail!(
        "{name}: {count} not valid: {}; the first is {value} at index {} ({}). {}",
        allowed.describe(),
        dims(&unravel(first, &array.shape)),
        place(first),
        capitalize(allowed.advice())
    )
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

fn check_ints(values: impl Iterator<Item = i128>, max: u8) -> (Vec<u8>, Vec<usize>) {
    let mut bad = Vec::new();
    let data = values
        .enumerate()
        .map(|(i, v)| match u8::try_from(v) {
            Ok(b) if b <= max => b,
            _ => {
                bad.push(i);
                0
            }
        })
        .collect();
    (data, bad)
}

fn check_floats(values: impl Iterator<Item = f64>, max: u8) -> (Vec<u8>, Vec<usize>) {
    let mut bad = Vec::new();
    let data = values
        .enumerate()
        .map(|(i, v)| {
            // Exact integers only: 0.999 or 1e-7 is refused, never rounded.
            if v.fract() == 0.0 && (0.0..=f64::from(max)).contains(&v) {
                v as u8
            } else {
                bad.push(i);
                0
            }
        })
        .collect();
    (data, bad)
}

/// The multi-index of flat position `pos` in a C-ordered array of `shape`.
fn unravel(mut pos: usize, shape: &[usize]) -> Vec<usize> {
    let mut index = vec![0; shape.len()];
    for (i, &d) in shape.iter().enumerate().rev() {
        let d = d.max(1);
        index[i] = pos % d;
        pos /= d;
    }
    index
}

/// Read integer class labels `[N]` (`.npy`, or `file.npz:name`).
pub fn load_labels(path: &Path, n: usize) -> Result<Vec<i64>> {
    labels_from_array(&path.display().to_string(), &read_array(path)?, n)
}

/// [`load_labels`] on an array already in memory; `name` is how the messages call it.
pub fn labels_from_array(name: &str, array: &NpyArray, n: usize) -> Result<Vec<i64>> {
    let labels = array.data.to_i64().ok_or_else(|| {
        Error::input(format!(
            "{name}: labels must be integers, got dtype {}",
            array.data.descr()
        ))
    })?;
    if array.shape.len() != 1 || labels.len() != n {
        bail!(
            "{name}: labels must have shape [{n}] (one per input sample), got {:?}",
            array.shape
        );
    }
    Ok(labels)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(name: &str, array: &NpyArray) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("spikeloom-input-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, spikeloom_npy::write_npy_bytes(array)).unwrap();
        path
    }

    fn msg(e: Error) -> String {
        e.to_string()
    }

    #[test]
    fn unravel_is_numpy_c_order() {
        assert_eq!(unravel(0, &[2, 3, 4]), [0, 0, 0]);
        assert_eq!(unravel(23, &[2, 3, 4]), [1, 2, 3]);
        assert_eq!(unravel(13, &[2, 3, 4]), [1, 0, 1]);
    }

    #[test]
    fn natural_shapes_and_dtypes_are_accepted() {
        let cnn = ModelInput {
            shape: vec![1, 2, 2],
            values: Values::Any,
        };
        let spikes: Vec<f32> = (0..12).map(|i| f32::from(u8::from(i % 5 == 0))).collect();
        let bytes: Vec<u8> = spikes.iter().map(|&v| v as u8).collect();
        for (name, shape) in [
            ("tn.npy", vec![3, 1, 1, 2, 2]),
            ("t.npy", vec![3, 1, 2, 2]),
            ("tnf.npy", vec![3, 1, 4]),
            ("tf.npy", vec![3, 4]),
        ] {
            let p = write(
                name,
                &NpyArray {
                    shape,
                    data: NpyData::F32(spikes.clone()),
                },
            );
            let s = load_steps(&p, &cnn).unwrap();
            assert_eq!((s.steps(), s.samples(), s.width()), (3, 1, 4), "{name}");
            assert_eq!(s.data(), bytes, "{name}");
        }
        let p = write(
            "i64.npy",
            &NpyArray {
                shape: vec![2, 3, 4],
                data: NpyData::I64((0..24).map(|i| i % 2).collect()),
            },
        );
        let s = load_steps(&p, &cnn).unwrap();
        assert_eq!((s.steps(), s.samples(), s.width()), (2, 3, 4));
    }

    #[test]
    fn wrong_values_are_counted_located_and_never_rounded() {
        let binary = ModelInput::flat(3, Values::Binary);
        let mut v = vec![0.0f32; 12];
        v[4] = 0.999;
        v[7] = 2.0;
        let p = write(
            "bad.npy",
            &NpyArray {
                shape: vec![2, 2, 3],
                data: NpyData::F32(v),
            },
        );
        assert_eq!(
            msg(load_steps(&p, &binary).unwrap_err()),
            format!(
                "{}: 2 values are not valid: this design takes binary spikes (0/1; its input is 1 \
                 bit); the first is 0.999 at index [0, 1, 1] (step 0, sample 1, feature 1). \
                 Threshold or rate-code the data first, or re-quantize with --input-bits for \
                 graded input (and rebuild)",
                p.display()
            )
        );
        let graded = ModelInput::flat(3, Values::Graded(4));
        let p = write(
            "neg.npy",
            &NpyArray {
                shape: vec![1, 3],
                data: NpyData::I16(vec![3, -1, 16]),
            },
        );
        assert_eq!(
            msg(load_rows(&p, &graded).unwrap_err()),
            format!(
                "{}: 2 values are not valid: this design takes 4-bit graded input values \
                 (integers 0..=15); the first is -1 at index [0, 1] (sample 0, feature 1). Scale \
                 the data, or re-quantize with a larger --input-bits (and rebuild)",
                p.display()
            )
        );
    }

    #[test]
    fn shapes_that_do_not_fit_list_what_would() {
        let cnn = ModelInput {
            shape: vec![1, 8, 8],
            values: Values::Any,
        };
        let p = write(
            "shape.npy",
            &NpyArray {
                shape: vec![25, 4, 8, 8],
                data: NpyData::U8(vec![0; 25 * 4 * 64]),
            },
        );
        assert_eq!(
            msg(load_steps(&p, &cnn).unwrap_err()),
            format!(
                "{}: shape [25, 4, 8, 8] does not fit the model's input [1, 8, 8] (64 features \
                 per step): a time-major input must be [T, N, 1, 8, 8], [T, 1, 8, 8], [T, N, 64] \
                 or [T, 64]",
                p.display()
            )
        );
    }
}
