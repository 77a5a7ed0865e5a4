//! `run_on_link` against the generated design inside the real board top (UART, framing,
//! bridge) simulated in Icarus with a bit-level UART testbench: the device bytes are
//! recorded, then replayed to the host code. Skipped without iverilog unless
//! SPIKELOOM_REQUIRE_TOOLS=1.

use super::*;
use crate::boardsim::{self, push_command, BAUD, CLK_HZ};
use crate::config::{Config, HwConfig};
use crate::design::{write, Design, RTL_DIR};
use crate::input::load_steps;
use crate::session::Session;
use spikeloom_cyclesim::bridge::Features;
use spikeloom_hostlink::Command;
use spikeloom_plan::{LoadState, WeightImage};
use spikeloom_toolchain::process::find_program;
use std::fmt::Write as _;
use std::path::PathBuf;

/// What `run_on_link` sends, one command per expected reply frame: bitmap STEPs, or for a
/// `graded` design value STEPs.
fn commands(input: &SpikeSteps, input_size: usize, graded: bool) -> Vec<Command> {
    let mut cmds = vec![Command::Status];
    for n in 0..input.samples() {
        cmds.push(Command::Reset);
        for t in 0..input.steps() {
            let row = input.row(t, n);
            if graded {
                cmds.push(Command::StepValues {
                    values: row.to_vec(),
                });
                continue;
            }
            let events = (0u32..)
                .zip(row)
                .filter(|(_, &s)| s != 0)
                .map(|(i, _)| i)
                .collect();
            cmds.push(Command::Step { input_size, events });
        }
        cmds.push(Command::Counts);
    }
    cmds
}

/// The length of every frame the device sent, in order (5 framing bytes + payload).
fn device_frame_lengths(device: &[u8]) -> Vec<usize> {
    let mut d = spikeloom_hostlink::Decoder::new();
    d.push(device);
    let mut lengths = Vec::new();
    while let Some(f) = d.next_frame() {
        lengths.push(5 + f.unwrap().payload.len());
    }
    assert_eq!(d.skipped(), 0, "the device sends frames only");
    lengths
}

/// The host link's shape of a design, from its plan.
fn link_shape(design: &Design) -> spikeloom_hostlink::LinkShape {
    crate::build_report::link_shape(&design.plan)
}

/// The host bytes of a script.
fn script_bytes(script: &str) -> Vec<u8> {
    script
        .lines()
        .filter_map(|l| l.strip_prefix("B "))
        .map(|b| u8::from_str_radix(b, 16).unwrap())
        .collect()
}

/// iverilog and vvp, or `None` (skip) when not installed and not required.
fn icarus() -> Option<(PathBuf, PathBuf)> {
    match (
        find_program(Path::new("iverilog")),
        find_program(Path::new("vvp")),
    ) {
        (Some(a), Some(b)) => Some((a, b)),
        _ => {
            spikeloom_testkit::skip_or_fail("iverilog not installed");
            None
        }
    }
}

/// Device bytes in, host bytes out, one byte per read like a slow serial port.
struct Replay {
    device: std::io::Cursor<Vec<u8>>,
    sent: Vec<u8>,
}

impl Read for Replay {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min(1);
        self.device.read(&mut buf[..n])
    }
}

impl Write for Replay {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.sent.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Simulate the board top around the design in `dir` on a script; returns the device bytes
/// and the cycle log (`S c`: host done sending before a wait, `F c`: device frame done).
fn simulate_board(
    dir: &Path,
    design: &Design,
    script: &str,
    iverilog: PathBuf,
    vvp: PathBuf,
) -> (Vec<u8>, String) {
    simulate_board_flash(dir, design, script, iverilog, vvp, None)
}

/// As [`simulate_board`]; a design with a weight loader reads `flash` (`None`: erased).
fn simulate_board_flash(
    dir: &Path,
    design: &Design,
    script: &str,
    iverilog: PathBuf,
    vvp: PathBuf,
    flash: Option<&[u8]>,
) -> (Vec<u8>, String) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let r = boardsim::simulate(dir, design, script, (iverilog, vvp), flash, &root).unwrap();
    (r.device, r.cycles)
}

/// The runs of the last board simulation in `dir` ([`boardsim::rtl_runs`]).
fn rtl_runs(dir: &Path) -> Vec<Vec<String>> {
    boardsim::rtl_runs(&std::fs::read_to_string(dir.join(RTL_DIR).join("beats.txt")).unwrap())
}

/// [`boardsim::check_bridge_twin`], failing the test on a difference.
fn check_bridge_twin(
    design: &Design,
    rtl: &[Vec<String>],
    runs: &[(&[u8], usize)],
    mode: Features,
) {
    if let Err(e) = boardsim::check_bridge_twin(design, rtl, runs, mode) {
        panic!("{e}");
    }
}

/// Generate the digits MLP fixture for the iCEBreaker into `dir`.
fn digits_design(dir: &Path) -> Design {
    generated(
        dir,
        "tests/fixtures/models/mlp_subtract/model.nir",
        |_, _| {},
    )
}

/// `spikeloom generate MODEL --board icebreaker -o dir` (model relative to the workspace
/// root) with the settings `configure` makes, in memory and written to `dir`.
fn generated(
    dir: &Path,
    model: &str,
    configure: impl FnOnce(&mut Config, &mut HwConfig),
) -> Design {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut config = Config::new(root.join(model));
    let mut hw = HwConfig::new("icebreaker");
    configure(&mut config, &mut hw);
    let design = Session::new(config).with_hw(hw).into_design().unwrap();
    write(&design, dir).unwrap();
    design
}

#[test]
fn run_pixels_encodes_on_chip_like_rate_encode() {
    let Some((iverilog, vvp)) = icarus() else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("spikeloom-pipeline-runpx-{}", std::process::id()));
    let design = digits_design(&dir);
    let m = &design.manifest;
    // Pixels from the fixture's rate-coded digits: firing rate x 256 (the fixture was coded
    // with rate pixel/16), 3 samples.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let full = load_steps(
        &root.join("tests/fixtures/models/mlp_subtract/input.npy"),
        &ModelInput::flat(m.input_size, Values::Binary),
    )
    .unwrap();
    let n = 3;
    let mut data = vec![0u8; n * full.width()];
    for s in 0..n {
        for i in 0..full.width() {
            let c: usize = (0..full.steps())
                .map(|t| usize::from(full.data()[(t * full.samples() + s) * full.width() + i]))
                .sum();
            data[s * full.width() + i] = (c * 256 / full.steps()).min(255) as u8;
        }
    }
    let px = Pixels {
        n,
        f: full.width(),
        data,
    };
    let steps = 25u16;
    let seed = 40_000;

    // Run twice on the same board: per-step outputs, then counts only (the fast mode).
    let mut script = String::new();
    let mut frames = 0;
    let mut push = |c: &Command, replies: usize, script: &mut String| {
        for b in c.encode().unwrap() {
            let _ = writeln!(script, "B {b:02x}");
        }
        frames += replies;
        let _ = writeln!(script, "Q {frames:x}");
    };
    for per_step in [true, false] {
        push(&Command::Status, 1, &mut script);
        for s in 0..n {
            let c = Command::RunPixels {
                pixels: px.data[s * px.f..][..px.f].to_vec(),
                steps,
                seed: sample_seed(seed, s),
                per_step,
            };
            push(
                &c,
                if per_step { usize::from(steps) + 1 } else { 1 },
                &mut script,
            );
        }
    }
    let (device, cycles) = simulate_board(&dir, &design, &script, iverilog, vvp);
    // the counts-only runs (the second pass) equal the cycle model with the bridge's twin
    let rtl = rtl_runs(&dir);
    assert_eq!(rtl.len(), 2 * n);
    for s in 0..n {
        let row = &px.data[s * px.f..][..px.f];
        let seed = sample_seed(seed, s);
        let mode = Features::Pixels { seed };
        check_bridge_twin(
            &design,
            &rtl[n + s..][..1],
            &[(row, usize::from(steps))],
            mode,
        );
    }

    // the counts-only pass ends with one RUN_OUT frame per sample, of the length the link's
    // byte count says
    let frames = device_frame_lengths(&device);
    let run = spikeloom_hostlink::traffic::run_pixels(&link_shape(&design), steps);
    assert_eq!(frames[frames.len() - n..], vec![run.down; n]);
    assert_eq!(
        run.up,
        Command::RunPixels {
            pixels: px.data[..px.f].to_vec(),
            steps,
            seed,
            per_step: false
        }
        .encode()
        .unwrap()
        .len()
    );

    let mut link = Link::new(Replay {
        device: std::io::Cursor::new(device),
        sent: Vec::new(),
    });
    let input = pixel_spikes(&px, usize::from(steps), seed);
    let want_spikes = model_outputs(&design.model.qnet, &input).unwrap();
    let want_counts = model_counts(&design.model.qnet, &input).unwrap();
    assert!(want_spikes.contains(&1), "something must spike");
    for per_step in [true, false] {
        let opts = PixelOptions {
            steps,
            seed,
            per_step,
        };
        let got =
            run_pixels_on_link(&mut link, m, &design.model.qnet, &px, &opts, &mut |_| {}).unwrap();
        assert_eq!(got.counts, want_counts, "per_step {per_step}");
        if per_step {
            let out = got.spikes.unwrap();
            assert_eq!(out.spikes, want_spikes);
            check_against_model(&design.model.qnet, &input, &out).unwrap();
        } else {
            assert!(got.spikes.is_none());
            check_counts_against_model(&design.model.qnet, &input, &got.counts).unwrap();
        }
    }
    assert!(link.notes().is_empty(), "{:?}", link.notes());
    assert_eq!(
        link.into_inner().sent,
        script
            .lines()
            .filter_map(|l| l.strip_prefix("B "))
            .map(|b| u8::from_str_radix(b, 16).unwrap())
            .collect::<Vec<_>>()
    );

    // Device time of a counts-only sample: host done sending -> reply frame done, minus the
    // reply's own UART time. Reported for the throughput comparison.
    let log: Vec<(&str, u64)> = cycles
        .lines()
        .filter_map(|l| l.split_once(' '))
        .map(|(k, v)| (k, v.parse().unwrap()))
        .collect();
    let bit = u64::from(CLK_HZ / BAUD);
    let (up, down) = pixel_frame_bytes(m);
    let last_s = log.iter().rposition(|(k, _)| *k == "S").unwrap();
    let compute = log[last_s + 1].1 - log[last_s].1 - down as u64 * 10 * bit;
    println!(
        "RUN_PIXELS: {up} B up, {down} B down, {compute} device cycles for {steps} steps \
             ({} cycles/step incl. encoding)",
        compute / u64::from(steps)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn run_streams_samples_through_the_simulated_board() {
    let Some((iverilog, vvp)) = icarus() else {
        return;
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let fixture = root.join("tests/fixtures/models/mlp_subtract");
    let dir = std::env::temp_dir().join(format!("spikeloom-pipeline-run-{}", std::process::id()));
    let design = generated(
        &dir,
        "tests/fixtures/models/mlp_subtract/model.nir",
        |_, _| {},
    );

    // Two samples of the fixture, 6 steps each, keep the simulation short.
    let binary = ModelInput::flat(design.manifest.input_size, Values::Binary);
    let full = load_steps(&fixture.join("input.npy"), &binary)
        .unwrap()
        .take_samples(2);
    let t = 6;
    let input = SpikeSteps::graded(
        t,
        full.samples(),
        full.width(),
        full.data()[..t * full.samples() * full.width()].to_vec(),
        8,
    )
    .unwrap();

    let cmds = commands(&input, design.manifest.input_size, false);
    let mut script = String::new();
    let mut host_bytes = Vec::new();
    for (k, c) in cmds.iter().enumerate() {
        let frame = c.encode().unwrap();
        for b in &frame {
            let _ = writeln!(script, "B {b:02x}");
        }
        let _ = writeln!(script, "Q {:x}", k + 1);
        host_bytes.extend(frame);
    }
    let (device, _) = simulate_board(&dir, &design, &script, iverilog, vvp);

    // The link's byte counts (`traffic::per_step`, what build reports) against the board's: the
    // host's scripted bytes, and every byte the simulated device sent after its STATUS reply,
    // for the output events the golden model computes.
    let want = model_outputs(&design.model.qnet, &input).unwrap();
    let o = design.manifest.output_size;
    let shape = link_shape(&design);
    let traffic: Vec<_> = (0..input.samples())
        .map(|n| {
            let events: Vec<usize> = (0..input.steps())
                .map(|t| {
                    let row = &want[(t * input.samples() + n) * o..][..o];
                    row.iter().filter(|&&s| s != 0).count()
                })
                .collect();
            spikeloom_hostlink::traffic::per_step(&shape, &events)
        })
        .collect();
    let frames = device_frame_lengths(&device);
    let status = Command::Status.encode().unwrap().len();
    assert_eq!(
        host_bytes.len() - status,
        traffic.iter().map(|t| t.up).sum::<usize>()
    );
    assert_eq!(
        frames[1..].iter().sum::<usize>(),
        traffic.iter().map(|t| t.down).sum::<usize>()
    );

    let mut link = Link::new(Replay {
        device: std::io::Cursor::new(device),
        sent: Vec::new(),
    });
    let mut done = Vec::new();
    let got = run_on_link(
        &mut link,
        &design.manifest,
        &design.model.qnet,
        &input,
        &mut |n| done.push(n),
    )
    .unwrap();
    assert!(link.notes().is_empty(), "{:?}", link.notes());
    assert_eq!(done, (1..=input.samples()).collect::<Vec<_>>());
    assert_eq!(
        link.into_inner().sent,
        host_bytes,
        "the host sends exactly the scripted commands"
    );
    // The board's spikes are the integer model's, computed independently by the golden model.
    assert_eq!(got.spikes, want);
    assert!(
        want.contains(&1),
        "the check is meaningful only if something spikes"
    );
    check_against_model(&design.model.qnet, &input, &got).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

/// The digits MLP with its weights in SPRAM (loaded at start-up) for the iCEBreaker, and
/// one sample of 4 steps of the fixture's spikes.
fn loaded_digits(dir: &Path) -> (Design, WeightImage, SpikeSteps) {
    let design = generated(
        dir,
        "tests/fixtures/models/mlp_subtract/model.nir",
        |_, hw| hw.weight_memory = spikeloom_plan::WeightMemChoice::Spram,
    );
    let image = crate::board_weights::load_weights_file(dir, &design.manifest)
        .unwrap()
        .expect("an SPRAM design has a weight image");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let full = load_steps(
        &root.join("tests/fixtures/models/mlp_subtract/input.npy"),
        &ModelInput::flat(design.manifest.input_size, Values::Binary),
    )
    .unwrap()
    .take_samples(1);
    let t = 4;
    let input = SpikeSteps::graded(
        t,
        1,
        full.width(),
        full.data()[..t * full.width()].to_vec(),
        8,
    )
    .unwrap();
    (design, image, input)
}

/// Replay `device` to `ensure_weights` then `run_on_link`; the board's spikes must be the
/// integer model's and the host must have sent exactly `host`.
fn replay_loaded_run(
    design: &Design,
    image: &WeightImage,
    input: &SpikeSteps,
    device: Vec<u8>,
    host: &[u8],
) {
    let mut link = Link::new(Replay {
        device: std::io::Cursor::new(device),
        sent: Vec::new(),
    });
    crate::board_weights::ensure_weights(&mut link, &design.manifest, Some(image), &mut |_| {})
        .unwrap();
    let got = run_on_link(
        &mut link,
        &design.manifest,
        &design.model.qnet,
        input,
        &mut |_| {},
    )
    .unwrap();
    assert!(link.notes().is_empty(), "{:?}", link.notes());
    assert_eq!(
        link.into_inner().sent,
        host,
        "the host sends the scripted commands"
    );
    let want = model_outputs(&design.model.qnet, input).unwrap();
    assert_eq!(got.spikes, want);
    assert!(want.contains(&1), "something must spike");
}

#[test]
fn run_loads_the_weights_over_the_link_when_the_flash_has_none() {
    let Some((iverilog, vvp)) = icarus() else {
        return;
    };
    let dir =
        std::env::temp_dir().join(format!("spikeloom-pipeline-runload-{}", std::process::id()));
    let (design, image, input) = loaded_digits(&dir);
    let w = design.manifest.weights.clone().unwrap();
    // the erased flash fails the power-on load at once (4 bytes of 0xFF); then the host
    // sends the image and the samples
    let mut cmds = vec![Command::Status];
    let bytes = image.to_bytes();
    for (k, part) in bytes.chunks(crate::board_weights::LOAD_CHUNK).enumerate() {
        cmds.push(Command::Load {
            offset: (k * crate::board_weights::LOAD_CHUNK) as u32,
            data: part.to_vec(),
        });
    }
    cmds.push(Command::LoadEnd);
    cmds.extend(commands(&input, design.manifest.input_size, false));
    let (mut script, mut frames) = (String::from("W 800\n"), 0);
    for c in &cmds {
        push_command(&mut script, &mut frames, c, 1);
    }
    let (device, _) = simulate_board_flash(&dir, &design, &script, iverilog, vvp, None);
    assert!(w.bytes == bytes.len() && w.crc32 == image.crc());
    replay_loaded_run(&design, &image, &input, device, &script_bytes(&script));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn run_uses_the_weights_from_the_flash_after_the_board_read_them() {
    let Some((iverilog, vvp)) = icarus() else {
        return;
    };
    let dir = std::env::temp_dir().join(format!(
        "spikeloom-pipeline-runflash-{}",
        std::process::id()
    ));
    let (design, image, input) = loaded_digits(&dir);
    let w = design.manifest.weights.clone().unwrap();
    // STATUS while the board still reads its flash (state 0): the host asks again later
    let (mut script, mut frames) = (String::new(), 0);
    push_command(&mut script, &mut frames, &Command::Status, 1);
    let _ = writeln!(script, "W {:x}", w.load_cycles + 1000);
    push_command(&mut script, &mut frames, &Command::Status, 1);
    for c in commands(&input, design.manifest.input_size, false) {
        push_command(&mut script, &mut frames, &c, 1);
    }
    let (device, _) = simulate_board_flash(
        &dir,
        &design,
        &script,
        iverilog,
        vvp,
        Some(&image.to_bytes()),
    );
    // the first STATUS says the flash is being read, the second that the image is loaded
    let mut d = spikeloom_hostlink::Decoder::new();
    d.push(&device);
    let states: Vec<u8> = std::iter::from_fn(|| d.next_frame())
        .take(2)
        .map(
            |f| match spikeloom_hostlink::Reply::from_frame(&f.unwrap()).unwrap() {
                spikeloom_hostlink::Reply::Status(s) => s.load.unwrap().state,
                other => panic!("{other:?}"),
            },
        )
        .collect();
    assert_eq!(states, [LoadState::Flash.code(), LoadState::Ready.code()]);
    replay_loaded_run(&design, &image, &input, device, &script_bytes(&script));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Deterministic graded values `0..2^bits` (about a third non-zero) for `len` features.
fn random_values(len: usize, bits: u32, seed: u64) -> Vec<u8> {
    let mut rng = spikeloom_testkit::Rng::new(seed);
    (0..len)
        .map(|_| {
            if rng.chance(33) {
                rng.range(1, (1 << bits) - 1) as u8
            } else {
                0
            }
        })
        .collect()
}

/// A Sinabs multi-spike MLP quantized with 3-bit graded input: the board takes value STEPs
/// and RUN_VALUES and answers with spike counts; everything equals the golden evaluator.
#[test]
fn graded_values_and_spike_counts_through_the_simulated_board() {
    let Some((iverilog, vvp)) = icarus() else {
        return;
    };
    let dir = std::env::temp_dir().join(format!(
        "spikeloom-pipeline-run-graded-{}",
        std::process::id()
    ));
    let design = generated(
        &dir,
        "tests/fixtures/exporters/sinabs_lif/model.nir",
        |c, _| {
            c.semantics.convention = Some(spikeloom_float::Convention::Sinabs);
            c.quant.input_bits = Some(3);
        },
    );
    let iface = design.plan.top_interface();
    assert_eq!((iface.in_value_w, iface.out_value_w), (3, 3));
    let m = &design.manifest;
    let qnet = &design.model.qnet;
    let f = m.input_size;
    // Per-step values: 2 samples x 5 steps.
    let (t, n) = (5, 2);
    let input = SpikeSteps::graded(t, n, f, random_values(t * n * f, 3, 7), 8).unwrap();
    // RUN_VALUES: 2 samples x 6 steps.
    let vals = Pixels {
        n: 2,
        f,
        data: random_values(2 * f, 3, 11),
    };
    let steps = 6u16;

    let mut script = String::new();
    let mut frames = 0;
    for c in commands(&input, f, true) {
        push_command(&mut script, &mut frames, &c, 1);
    }
    for per_step in [true, false] {
        push_command(&mut script, &mut frames, &Command::Status, 1);
        for s in 0..vals.n {
            let c = Command::RunValues {
                values: vals.data[s * f..][..f].to_vec(),
                steps,
                per_step,
            };
            let replies = if per_step { usize::from(steps) + 1 } else { 1 };
            push_command(&mut script, &mut frames, &c, replies);
        }
    }
    let (device, cycles) = simulate_board(&dir, &design, &script, iverilog, vvp);
    // the counts-only RUN_VALUES runs (the last two) equal the cycle model with the bridge's
    // twin
    // (the STEP samples before them start with a RESET each, so they are runs of the log too)
    let rtl = rtl_runs(&dir);
    assert_eq!(rtl.len(), input.samples() + 2 * vals.n);
    let rows: Vec<(&[u8], usize)> = (0..vals.n)
        .map(|s| (&vals.data[s * f..][..f], usize::from(steps)))
        .collect();
    check_bridge_twin(&design, &rtl[rtl.len() - vals.n..], &rows, Features::Values);

    let mut link = Link::new(Replay {
        device: std::io::Cursor::new(device),
        sent: Vec::new(),
    });
    let got = run_on_link(&mut link, m, qnet, &input, &mut |_| {}).unwrap();
    let want = model_outputs(qnet, &input).unwrap();
    assert_eq!(got.spikes, want);
    assert!(
        want.iter().any(|&c| c > 1),
        "the check is meaningful only if some output sends several spikes in one step"
    );
    check_against_model(qnet, &input, &got).unwrap();

    let vinput = value_spikes(&vals, usize::from(steps));
    let want_spikes = model_outputs(qnet, &vinput).unwrap();
    let want_counts = model_counts(qnet, &vinput).unwrap();
    assert!(want_spikes.iter().any(|&c| c > 1));
    for per_step in [true, false] {
        let opts = PixelOptions {
            steps,
            seed: 0,
            per_step,
        };
        let got = run_values_on_link(&mut link, m, qnet, &vals, &opts, &mut |_| {}).unwrap();
        assert_eq!(got.counts, want_counts, "per_step {per_step}");
        match got.spikes {
            Some(out) => {
                assert!(per_step);
                assert_eq!(out.spikes, want_spikes);
                check_against_model(qnet, &vinput, &out).unwrap();
            }
            None => {
                check_counts_against_model(qnet, &vinput, &got.counts).unwrap();
            }
        }
    }
    assert!(link.notes().is_empty(), "{:?}", link.notes());
    assert_eq!(link.into_inner().sent, script_bytes(&script));

    // Device time of a counts-only RUN_VALUES sample (host done sending -> reply done,
    // minus the reply's UART time), for the throughput notes in PROTOCOL.md.
    let log: Vec<(&str, u64)> = cycles
        .lines()
        .filter_map(|l| l.split_once(' '))
        .map(|(k, v)| (k, v.parse().unwrap()))
        .collect();
    let bit = u64::from(CLK_HZ / BAUD);
    let (up, down) = values_frame_bytes(m);
    let last_s = log.iter().rposition(|(k, _)| *k == "S").unwrap();
    let compute = log[last_s + 1].1 - log[last_s].1 - down as u64 * 10 * bit;
    println!("RUN_VALUES: {up} B up, {down} B down, {compute} device cycles for {steps} steps");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The bridge's twin on what the fixtures do not exercise: a last word of fewer than four
/// features, an input with no non-zero word (the scan's empty list: one word, no event, no LFSR
/// state), only the last feature set, and random pixels with zero words; RUN_VALUES and
/// RUN_PIXELS, counts only, on a random network whose input size is not a multiple of 4.
#[test]
fn the_bridge_twin_equals_the_board_on_a_partial_last_word_and_empty_inputs() {
    let Some((iverilog, vvp)) = icarus() else {
        return;
    };
    let dir = std::env::temp_dir().join(format!(
        "spikeloom-pipeline-bridge-twin-{}",
        std::process::id()
    ));
    for zero_skip in [true, false] {
        let design = boardsim::partial_word_design(&dir, zero_skip).unwrap();
        assert_eq!(design.plan.bridge_zero_skip, zero_skip);
        let f = design.plan.input_size;
        check_bridge_cases(&dir, &design, f, iverilog.clone(), vvp.clone());
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A bridge built without its rate encoder (`--rate-encoder off`), for binary and for 3-bit
/// input: STATUS says so (flags bit 2), RUN_PIXELS is refused with error 10 and runs nothing,
/// and RUN_VALUES runs before and after it equal the bridge's twin (the feature memory keeps
/// the input's value bits only: random values, all zeros, only the last feature set).
#[test]
fn a_bridge_without_the_rate_encoder_refuses_run_pixels_and_runs_values() {
    let Some((iverilog, vvp)) = icarus() else {
        return;
    };
    let dir = std::env::temp_dir().join(format!(
        "spikeloom-pipeline-no-encoder-{}",
        std::process::id()
    ));
    for bits in [1u32, 3] {
        let design = boardsim::partial_word_design_with(&dir, true, Some(bits)).unwrap();
        assert!(!design.plan.bridge_pixels && !design.manifest.rate_encoder);
        assert_eq!(design.plan.input_bits.max(1), bits);
        let f = design.plan.input_size;
        let max = (1u32 << bits) - 1;
        let mut rng = spikeloom_testkit::Rng::new(23);
        let random: Vec<u8> = (0..f)
            .map(|i| {
                if i < 4 || rng.chance(40) {
                    0
                } else {
                    rng.range(1, i64::from(max)) as u8
                }
            })
            .collect();
        let zeros = vec![0u8; f];
        let mut last = zeros.clone();
        last[f - 1] = max as u8;
        let steps = 4u16;
        let values = |v: &[u8]| Command::RunValues {
            values: v.to_vec(),
            steps,
            per_step: false,
        };
        let mut script = String::new();
        let mut frames = 0;
        push_command(&mut script, &mut frames, &Command::Status, 1);
        for v in [&random, &zeros, &last] {
            push_command(&mut script, &mut frames, &values(v), 1);
        }
        let pixels = Command::RunPixels {
            pixels: vec![200; f],
            steps,
            seed: 7,
            per_step: false,
        };
        push_command(&mut script, &mut frames, &pixels, 1);
        push_command(&mut script, &mut frames, &values(&random), 1);
        let (device, _) = simulate_board(&dir, &design, &script, iverilog.clone(), vvp.clone());
        let mut d = spikeloom_hostlink::Decoder::new();
        d.push(&device);
        let replies: Vec<spikeloom_hostlink::Reply> = std::iter::from_fn(|| d.next_frame())
            .map(|f| spikeloom_hostlink::Reply::from_frame(&f.unwrap()).unwrap())
            .collect();
        assert_eq!(replies.len(), 6, "{bits} bits: {replies:?}");
        match &replies[0] {
            spikeloom_hostlink::Reply::Status(s) => {
                assert!(s.no_rate_encoder, "{s:?}");
                assert_eq!(u32::from(s.in_value_bits), bits);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            replies[4],
            spikeloom_hostlink::Reply::Error {
                code: spikeloom_hostlink::DeviceErrorCode::NoRateEncoder,
                detail: 0x05,
            }
        );
        for r in [&replies[1], &replies[2], &replies[3], &replies[5]] {
            assert!(
                matches!(r, spikeloom_hostlink::Reply::ValuesOut(_)),
                "{r:?}"
            );
        }
        assert_eq!(
            replies[1], replies[5],
            "the same run before and after the refusal"
        );
        // four runs reached the core (the refused RUN_PIXELS none), each as the twin scans it
        let rtl = rtl_runs(&dir);
        assert_eq!(rtl.len(), 4);
        let t = usize::from(steps);
        let runs: Vec<(&[u8], usize)> = vec![(&random, t), (&zeros, t), (&last, t), (&random, t)];
        check_bridge_twin(&design, &rtl, &runs, Features::Values);
        assert!(rtl[0].iter().any(|l| l.starts_with("I ")));
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The runs of [`the_bridge_twin_equals_the_board_on_a_partial_last_word_and_empty_inputs`] on
/// `design` (`f` inputs).
fn check_bridge_cases(dir: &Path, design: &Design, f: usize, iverilog: PathBuf, vvp: PathBuf) {
    let mut rng = spikeloom_testkit::Rng::new(17);
    let zeros = vec![0u8; f];
    let mut last = zeros.clone();
    last[f - 1] = 1;
    let spikes: Vec<u8> = (0..f).map(|_| u8::from(rng.chance(40))).collect();
    // pixels: the first word zero, the rest random with zeros among them
    let pixels: Vec<u8> = (0..f)
        .map(|i| {
            if i < 4 || rng.chance(30) {
                0
            } else {
                rng.range(1, 256) as u8
            }
        })
        .collect();
    let mut last_px = zeros.clone();
    last_px[f - 1] = 200;
    let values: [&[u8]; 3] = [&spikes, &zeros, &last];
    let pixel_runs: [&[u8]; 3] = [&pixels, &zeros, &last_px];
    let steps = 5u16;

    let mut script = String::new();
    let mut frames = 0;
    for v in values {
        let c = Command::RunValues {
            values: v.to_vec(),
            steps,
            per_step: false,
        };
        push_command(&mut script, &mut frames, &c, 1);
    }
    for (k, p) in pixel_runs.iter().enumerate() {
        let c = Command::RunPixels {
            pixels: p.to_vec(),
            steps,
            seed: 1000 + k as u16,
            per_step: false,
        };
        push_command(&mut script, &mut frames, &c, 1);
    }
    let _ = simulate_board(dir, design, &script, iverilog, vvp);
    let rtl = rtl_runs(dir);
    assert_eq!(rtl.len(), 6);
    let t = usize::from(steps);
    let runs: Vec<(&[u8], usize)> = values.iter().map(|v| (*v, t)).collect();
    check_bridge_twin(design, &rtl[..3], &runs, Features::Values);
    for (k, p) in pixel_runs.iter().enumerate() {
        let mode = Features::Pixels {
            seed: 1000 + k as u16,
        };
        check_bridge_twin(design, &rtl[3 + k..][..1], &[(p, t)], mode);
    }
    // no event in the zero runs (zero-skip: the empty list's one word, then the end-of-step
    // beat alone)
    assert!(rtl[1].iter().all(|l| !l.starts_with("I ")), "{:?}", rtl[1]);
    assert!(rtl[0].iter().any(|l| l.starts_with("I ")));
}

/// The graded snnTorch fixture (pixel values 0..16 as the input current at every step) run
/// with RUN_VALUES: one frame of 64 values per sample instead of 16 value STEPs.
#[test]
fn run_values_feeds_the_graded_fixture() {
    let Some((iverilog, vvp)) = icarus() else {
        return;
    };
    let dir = std::env::temp_dir().join(format!(
        "spikeloom-pipeline-run-values-{}",
        std::process::id()
    ));
    let design = generated(&dir, "tests/fixtures/models/graded/model.nir", |c, _| {
        c.quant.input_bits = Some(5)
    });
    let m = &design.manifest;
    let qnet = &design.model.qnet;
    assert_eq!(qnet.input_bits, 5);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let full = load_steps(
        &root.join("tests/fixtures/models/graded/input.npy"),
        &crate::model::qnet_input(qnet),
    )
    .unwrap();
    // The fixture feeds the same pixels at every step: step 0 of 3 samples.
    let n = 3;
    let vals = Pixels {
        n,
        f: full.width(),
        data: full.data()[..n * full.width()].to_vec(),
    };
    assert!(vals.data.iter().any(|&v| v > 1));
    let steps = full.steps() as u16;
    let mut script = String::new();
    let mut frames = 0;
    for per_step in [false, true] {
        push_command(&mut script, &mut frames, &Command::Status, 1);
        for s in 0..n {
            let c = Command::RunValues {
                values: vals.data[s * vals.f..][..vals.f].to_vec(),
                steps,
                per_step,
            };
            let replies = if per_step { usize::from(steps) + 1 } else { 1 };
            push_command(&mut script, &mut frames, &c, replies);
        }
    }
    let (device, _) = simulate_board(&dir, &design, &script, iverilog, vvp);
    let mut link = Link::new(Replay {
        device: std::io::Cursor::new(device),
        sent: Vec::new(),
    });
    let vinput = value_spikes(&vals, usize::from(steps));
    // The fixture's own input is the same as RUN_VALUES' repetition.
    assert_eq!(vinput.data(), full.take_samples(n).data());
    let want_counts = model_counts(qnet, &vinput).unwrap();
    assert!(want_counts.iter().flatten().any(|&c| c > 0));
    for per_step in [false, true] {
        let opts = PixelOptions {
            steps,
            seed: 0,
            per_step,
        };
        let got = run_values_on_link(&mut link, m, qnet, &vals, &opts, &mut |_| {}).unwrap();
        assert_eq!(got.counts, want_counts);
        if let Some(out) = got.spikes {
            assert_eq!(out.spikes, model_outputs(qnet, &vinput).unwrap());
        }
    }
    assert!(link.notes().is_empty(), "{:?}", link.notes());
    assert_eq!(link.into_inner().sent, script_bytes(&script));
    let _ = std::fs::remove_dir_all(&dir);
}

fn msg(e: Error) -> String {
    e.to_string()
}

fn manifest(input_size: usize, output_size: usize) -> Manifest {
    Manifest {
        generator: "test".into(),
        board: "icebreaker".into(),
        family: "ice40".into(),
        device: "up5k".into(),
        clock_hz: 12_000_000,
        baud: 115_200,
        input_size,
        output_size,
        layers: vec![],
        lanes: vec![],
        model_sha256: String::new(),
        qnet_hash: String::new(),
        rate_encoder: true,
        weights: None,
    }
}

#[test]
fn wrong_bitstream_and_misfit_values_are_refused_with_the_reason() {
    let mut qnet = spikeloom_plan::testing::random_qnet(3);
    qnet.input_bits = 4;
    let m = manifest(qnet.input_size, qnet.layers[qnet.output_layer].size);
    let status = spikeloom_hostlink::Status {
        version: 2,
        error_seen: false,
        overflow: false,
        no_rate_encoder: false,
        input_size: m.input_size as u16,
        output_size: m.output_size as u16,
        steps: 0,
        crc_errors: 0,
        other_errors: 0,
        in_value_bits: 1,
        out_value_bits: 1,
        load: None,
    };
    let err = msg(check_status(&status, &m, &qnet).unwrap_err());
    assert!(
            err.contains("takes binary input spikes and sends binary output spikes (it speaks host protocol version 2")
                && err.contains("built for 4-bit input values"),
            "{err}"
        );
    qnet.input_bits = 1;
    check_status(&status, &m, &qnet).unwrap();

    let dir =
        std::env::temp_dir().join(format!("spikeloom-pipeline-run-npy-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("x.npy");
    let array = NpyArray {
        shape: vec![2, 1, 3],
        data: NpyData::U8(vec![0, 15, 3, 1, 16, 0]),
    };
    std::fs::write(&path, spikeloom_npy::write_npy_bytes(&array)).unwrap();
    let steps = |bits| load_steps(&path, &ModelInput::flat(3, Values::for_bits(bits)));
    let err = msg(steps(4).unwrap_err());
    assert!(
        err.ends_with(
            "x.npy: 1 value is not valid: this design takes 4-bit graded input values \
                 (integers 0..=15); the first is 16 at index [1, 0, 1] (step 1, sample 0, feature \
                 1). Scale the data, or re-quantize with a larger --input-bits (and rebuild)"
        ),
        "{err}"
    );
    assert_eq!(steps(5).unwrap().data()[4], 16);
    let err = msg(steps(1).unwrap_err());
    assert!(
            err.contains("3 values are not valid: this design takes binary spikes (0/1; its input is 1 bit); the first is 15 at index [0, 0, 1]"),
            "{err}"
        );
    let rows = NpyArray {
        shape: vec![2, 3],
        data: NpyData::U8(vec![0, 1, 2, 3, 4, 5]),
    };
    std::fs::write(&path, spikeloom_npy::write_npy_bytes(&rows)).unwrap();
    let rows = |bits| crate::input::load_rows(&path, &ModelInput::flat(3, Values::for_bits(bits)));
    let err = msg(rows(2).unwrap_err());
    assert!(
            err.contains("2 values are not valid: this design takes 2-bit graded input values (integers 0..=3); the first is 4 at index [1, 1] (sample 1, feature 1)"),
            "{err}"
        );
    let v = rows(3).unwrap();
    assert_eq!(
        value_spikes(&v, 2).data(),
        [0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5]
    );
    let _ = std::fs::remove_dir_all(&dir);
}
