//! Conformance with the NIR paper's single-LIF experiment (github.com/neuromorphs/NIR,
//! paper/01_lif, copied with its licence and source commit into tests/fixtures/nir-paper/01_lif
//! by tests/fixtures/gen/nir_paper_lif.py). One LIF (tau 2.5 ms, threshold 0.1) driven by the
//! 1000-step spike train of lif_norse.ipynb at dt = 1e-4 (the folder's README). Each exporter
//! file, simulated under its exporter's convention as spikeloom resolves it from the file, must
//! give that exporter's published spikes exactly and its membrane within float rounding; the
//! NIR equations (nir-euler) must give the paper's exact solution's spikes; and snnTorch's
//! published run is explained: its membrane is the NIR voltage divided by r·dt/tau.

mod common;

use spikeloom_qnet::SpikeSteps;
use std::path::{Path, PathBuf};

use spikeloom_float::{
    lower, simulate, Convention, FloatNet, NirVersion, NorseVersion, ResetMode, SemanticsOptions,
    SettingSource,
};

/// The paper's time step (paper/01_lif/README.md: "We use a timestep of dt=0.0001").
const PAPER_DT: f64 = 1e-4;
/// Membrane tolerance as for the exporter fixtures (`REL * |want| + SCALE * max|want|`): the
/// libraries run in float32 with their own operation order.
const REL: f64 = 1e-5;
const SCALE: f64 = 2e-6;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/nir-paper/01_lif")
}

/// (input, membrane, spike) columns of `lif_<name>.csv`.
fn csv(name: &str) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let path = dir().join(format!("lif_{name}.csv"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let (mut x, mut v, mut s) = (Vec::new(), Vec::new(), Vec::new());
    for line in text.lines() {
        let cols: Vec<f64> = line.split(',').map(|c| c.trim().parse().unwrap()).collect();
        let [a, b, c] = cols[..] else {
            panic!(
                "{}: row {line:?} is not (input, membrane, spike)",
                path.display()
            )
        };
        x.push(a);
        v.push(b);
        s.push(c);
    }
    assert_eq!(x.len(), 1000, "{}", path.display());
    (x, v, s)
}

fn steps(spikes: &[f64]) -> Vec<usize> {
    (0..spikes.len()).filter(|&i| spikes[i] != 0.0).collect()
}

fn input() -> SpikeSteps {
    let x = common::spike_input(&dir(), "input.npy");
    assert_eq!((x.steps(), x.samples(), x.width()), (1000, 1, 1));
    x
}

/// Reads `file`, lowers it with `opts` (plus the file's nir version, as the CLI passes it).
fn lowered(file: &str, opts: SemanticsOptions) -> FloatNet {
    let f = spikeloom_nir::read(dir().join(file)).unwrap();
    spikeloom_nir::validate(&f.graph).unwrap();
    let opts = SemanticsOptions {
        nir_version: NirVersion::parse(&f.version),
        ..opts
    };
    lower(&f.graph, &opts).unwrap_or_else(|e| panic!("{file}: {e}"))
}

/// (spike steps, membrane) of the single neuron.
fn run(net: &FloatNet) -> (Vec<usize>, Vec<f32>) {
    let trace = simulate(net, &input()).unwrap();
    let layer = &trace.layers[net.output_layer];
    let spikes: Vec<f64> = layer.spikes.iter().map(|&s| f64::from(s)).collect();
    (steps(&spikes), layer.membrane.clone())
}

/// Runs `net` and requires `lif_<platform>.csv`'s spikes exactly and its membrane within
/// float rounding; returns the spike steps.
fn reproduces(net: &FloatNet, platform: &str) -> Vec<usize> {
    let (spikes, mem) = run(net);
    let (_, want_mem, want_spk) = csv(platform);
    assert_eq!(spikes, steps(&want_spk), "spikes of lif_{platform}.csv");
    let (bad, max) = common::compare(&mem, &want_mem, REL, SCALE);
    eprintln!(
        "{} vs lif_{platform}.csv: spikes {spikes:?}, max |dv| {max:e}",
        net.semantics.convention_name()
    );
    assert_eq!(bad, 0, "membrane off lif_{platform}.csv by up to {max}");
    spikes
}

fn source(net: &FloatNet, key: &str) -> SettingSource {
    net.semantics
        .provenance
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, s)| s.clone())
        .unwrap()
}

#[test]
fn the_input_is_the_notebooks_spike_train() {
    let x = input();
    for name in ["norse", "rockpool", "exact", "snntorch"] {
        let (col, _, _) = csv(name);
        let from_csv: Vec<u8> = col.iter().map(|v| u8::from(*v != 0.0)).collect();
        assert_eq!(from_csv, x.data(), "lif_{name}.csv input column");
    }
    assert_eq!(x.data().iter().filter(|&&v| v == 1).count(), 34);
}

/// `--semantics norse --dt 1e-4`: the file was written by nir 0.1.1, so Norse wrote tau in
/// seconds (before 1.1), and the run equals Norse's own (`lif_norse.csv`).
#[test]
fn norse_export_under_norse_reproduces_norse() {
    let net = lowered(
        "lif_norse.nir",
        SemanticsOptions {
            convention: Some(Convention::Norse),
            dt: Some(PAPER_DT),
            ..Default::default()
        },
    );
    assert_eq!(net.semantics.norse, Some(NorseVersion::Before1_1));
    assert_eq!(source(&net, "norse_version").name(), "version");
    assert_eq!(net.semantics.convention_name(), "norse@<1.1");
    assert_eq!(reproduces(&net, "norse"), vec![460, 510, 710, 760]);
    // The Norse 1.1 reading of the same file (tau = dt·tau) never reaches the threshold.
    let v11 = net_with_version(NorseVersion::V1_1);
    assert!(run(&v11).0.is_empty());
}

fn net_with_version(v: NorseVersion) -> FloatNet {
    lowered(
        "lif_norse.nir",
        SemanticsOptions {
            convention: Some(Convention::Norse),
            norse: Some(v),
            dt: Some(PAPER_DT),
            ..Default::default()
        },
    )
}

/// Without any option, lif_rockpool.nir is recognised from r (one tau, r = 24.019737 gives the
/// round dt = 1e-4) and reproduces Rockpool's own run (`lif_rockpool.csv`).
#[test]
fn rockpool_export_is_recognised_and_reproduces_rockpool() {
    let net = lowered("lif_rockpool.nir", SemanticsOptions::default());
    assert_eq!(net.semantics.convention, Convention::Rockpool);
    assert!(matches!(
        source(&net, "convention"),
        SettingSource::Fingerprint(why) if why.contains("dt = 0.0001 s, a round time step")
    ));
    assert_eq!(net.semantics.dt, PAPER_DT);
    assert_eq!(reproduces(&net, "rockpool"), vec![450, 500, 710, 760]);
}

/// The NIR equations with forward Euler (`nir-euler`, reset by subtraction as the exact
/// solver's `apply_reset`) against the paper's event-driven exact solution: the same spikes;
/// the membrane differs by Euler's first-order error only (per step, decay 1 - dt/tau = 0.96
/// against exp(-dt/tau) = 0.96079, input 0.04 against 1 - exp(-0.04) = 0.03921, on a membrane
/// below the 0.1 threshold: measured 1.39e-3, bounded here by 2e-3). With nir-euler's default
/// reset to zero the spikes are the same and the membrane differs by up to 6.2e-3 (what issue
/// 19 saw): the excess above the threshold that subtraction keeps.
#[test]
fn nir_euler_matches_the_exact_solution() {
    let net = lowered(
        "lif_norse.nir",
        SemanticsOptions {
            convention: Some(Convention::NirEuler),
            dt: Some(PAPER_DT),
            reset: Some(ResetMode::Subtract),
            ..Default::default()
        },
    );
    let (spikes, mem) = run(&net);
    let (_, want_mem, want_spk) = csv("exact");
    assert_eq!(spikes, steps(&want_spk));
    let max = mem
        .iter()
        .zip(&want_mem)
        .map(|(g, w)| (f64::from(*g) - w).abs())
        .fold(0.0, f64::max);
    eprintln!("nir-euler vs lif_exact.csv: spikes {spikes:?}, max |dv| {max:e}");
    assert!(max < 2e-3, "nir-euler vs exact: {max}");
    let zero = lowered(
        "lif_norse.nir",
        SemanticsOptions {
            convention: Some(Convention::NirEuler),
            dt: Some(PAPER_DT),
            ..Default::default()
        },
    );
    assert_eq!(zero.semantics.reset, ResetMode::Zero);
    assert_eq!(
        run(&zero).0,
        spikes,
        "nir-euler with its default reset to zero"
    );
    // Norse before 1.1 is forward Euler of the same equations: the same spikes.
    assert_eq!(
        spikes,
        run(&net_with_version(NorseVersion::Before1_1)).0,
        "norse@<1.1 and nir-euler"
    );
}

/// The snnTorch question of issue 19. `lif_snntorch.csv` is snnTorch's import of lif_norse.nir
/// (lif_snntorch.ipynb, `snn.import_from_nir`, snnTorch at the paper's commit): its import keeps
/// the input weight and divides the threshold by w_scale = r·dt/tau = 0.04 instead
/// ("hack_w_scale", `import_nir.py` of snnTorch 0.8), with reset "zero" and reset_delay False.
/// So its membrane is the NIR voltage / 0.04 = 25x ours, with identical spikes: the difference
/// of up to 2.4 is that scale, not a different model.
#[test]
fn snntorch_csv_is_the_nir_voltage_scaled_by_one_over_r_dt_over_tau() {
    let net = lowered(
        "lif_norse.nir",
        SemanticsOptions {
            convention: Some(Convention::Snntorch),
            reset: Some(ResetMode::Zero),
            reset_delay: Some(false),
            ..Default::default()
        },
    );
    let (spikes, mem) = run(&net);
    let (_, want_mem, want_spk) = csv("snntorch");
    assert_eq!(spikes, steps(&want_spk));
    // w_scale from the file's own parameters (tau, r stored as float32; snnTorch's dt 1e-4).
    let f = spikeloom_nir::read(dir().join("lif_norse.nir")).unwrap();
    let spikeloom_nir::Node::Lif { tau, r, .. } = &f.graph.nodes["1"] else {
        panic!("node 1 is the LIF")
    };
    let w_scale = r.data[0] * PAPER_DT / tau.data[0];
    assert!((w_scale - 0.04).abs() < 1e-6, "{w_scale}");
    let scaled: Vec<f32> = mem
        .iter()
        .map(|v| (f64::from(*v) / w_scale) as f32)
        .collect();
    let (bad, max) = common::compare(&scaled, &want_mem, REL, SCALE);
    // Unscaled, the traces differ by up to 2.4 (the observation).
    let (_, raw_max) = common::compare(&mem, &want_mem, REL, SCALE);
    eprintln!(
        "snntorch (zero, no delay) vs lif_snntorch.csv: spikes {spikes:?}, max |dv| {raw_max:e} \
         as is, {max:e} divided by w_scale {w_scale}"
    );
    assert_eq!(
        bad, 0,
        "scaled membrane off lif_snntorch.csv by up to {max}"
    );
    assert!(raw_max > 2.3, "{raw_max}");
}
