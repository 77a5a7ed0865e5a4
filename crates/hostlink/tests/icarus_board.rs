//! The whole board top (UART, framing, bridge) simulated in Icarus Verilog with a bit-level UART
//! testbench, driven by bytes this crate encodes; the device's reply bytes are decoded here and
//! compared with what a Rust model of the stand-in core predicts. Skipped without iverilog unless
//! SPIKELOOM_REQUIRE_TOOLS=1.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use spikeloom_hostlink::frame::encode_frame;
use spikeloom_hostlink::{
    rate_encode, Command, Decoder, DeviceErrorCode, Link, LinkError, LoadStatus, OutEvent, Reply,
    SampleRun, Status,
};
use spikeloom_plan::{crc32, flash_hex, LoadState, WeightImage};
use spikeloom_toolchain::process::{find_program, run, ToolCommand};

const IN: usize = 20;
const OUT: u32 = 12;

/// The stand-in core echoes inputs below OUT, ascending (the bridge scans the bitmap in order).
fn standin(events: &[u32]) -> Vec<OutEvent> {
    let mut v: Vec<u32> = events.iter().copied().filter(|&e| e < OUT).collect();
    v.sort_unstable();
    v.dedup();
    v.into_iter().map(OutEvent::spike).collect()
}

/// The graded stand-in (standin_graded_top.v) echoes non-zero values below OUT with count
/// min(value, 7).
fn standin_graded(values: &[u8]) -> Vec<OutEvent> {
    (0u32..OUT)
        .zip(values)
        .filter(|(_, &v)| v != 0)
        .map(|(index, &v)| OutEvent {
            index,
            count: v.min(7),
        })
        .collect()
}

fn spikes(indices: &[u32]) -> Vec<OutEvent> {
    indices.iter().copied().map(OutEvent::spike).collect()
}

/// The STATUS a fresh binary stand-in board sends.
fn fresh_status(graded: bool) -> Status {
    Status {
        version: 5,
        error_seen: false,
        overflow: false,
        no_rate_encoder: false,
        input_size: IN as u16,
        output_size: OUT as u16,
        steps: 0,
        crc_errors: 0,
        other_errors: 0,
        in_value_bits: if graded { 4 } else { 1 },
        out_value_bits: if graded { 3 } else { 1 },
        load: None,
    }
}

struct Script {
    text: String,
    frames: u32,
    bytes: Vec<u8>,
}

impl Script {
    fn new() -> Self {
        Script {
            text: "W 14\n".into(),
            frames: 0,
            bytes: Vec::new(),
        }
    }
    fn raw(&mut self, bytes: &[u8]) {
        for b in bytes {
            let _ = writeln!(self.text, "B {b:02x}");
        }
        self.bytes.extend_from_slice(bytes);
    }
    fn idle(&mut self, bits: u32) {
        let _ = writeln!(self.text, "W {bits:x}");
    }
    /// Wait for `n` more device frames.
    fn expect(&mut self, n: u32) {
        self.frames += n;
        let _ = writeln!(self.text, "Q {:x}", self.frames);
    }
    fn cmd(&mut self, c: &Command) {
        self.raw(&c.encode().unwrap());
    }
    /// Set the PLL's lock input.
    fn lock(&mut self, locked: bool) {
        let _ = writeln!(self.text, "L {}", u8::from(locked));
    }
}

fn step(events: &[u32]) -> Command {
    Command::Step {
        input_size: IN,
        events: events.to_vec(),
    }
}

/// Simulate the board top around the binary stand-in core, or with `graded` around the graded
/// one (4-bit input values, 3-bit output counts).
fn simulate(script: &Script, name: &str, graded: bool) -> Option<Vec<u8>> {
    simulate_core(script, name, graded, None)
}

/// The stand-in with a weight loader (standin_top.v with LOADER): the image it was built for, its
/// host timeout in cycles, and what the flash model holds at 0x20000 (`None`: erased).
struct Loader<'a> {
    image: &'a WeightImage,
    host_timeout: u32,
    flash: Option<&'a [u8]>,
}

fn simulate_loader(script: &Script, name: &str, loader: &Loader) -> Option<Vec<u8>> {
    simulate_core(script, name, false, Some(loader))
}

fn simulate_core(
    script: &Script,
    name: &str,
    graded: bool,
    loader: Option<&Loader>,
) -> Option<Vec<u8>> {
    let (Some(iverilog), Some(vvp)) = (
        find_program(Path::new("iverilog")),
        find_program(Path::new("vvp")),
    ) else {
        spikeloom_testkit::skip_or_fail("iverilog not installed");
        return None;
    };
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let io = here.join("../../rtl-templates/io");
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("script.txt"), &script.text).unwrap();
    let mut args: Vec<String> = vec![
        "-g2005".into(),
        "-Wall".into(),
        if graded { "-DGRADED" } else { "-DBINARY" }.into(),
        "-o".into(),
        "tb.vvp".into(),
        "-s".into(),
        "tb_board".into(),
    ];
    // the binary stand-in is also the loader's (-DLOADER)
    let core = if graded {
        "tests/data/standin_graded_top.v"
    } else {
        "tests/data/standin_top.v"
    };
    for f in [here.join("tests/data/tb_board.v"), here.join(core)] {
        args.push(f.display().to_string());
    }
    for f in ["uart_rx.v", "uart_tx.v", "host_bridge.v", "board_top.v"] {
        args.push(io.join(f).display().to_string());
    }
    let mut run_args = vec![
        "-n".into(),
        "tb.vvp".into(),
        "+script=script.txt".into(),
        "+out=device.hex".into(),
    ];
    if let Some(l) = loader {
        std::fs::write(
            dir.join("standin_wload.vh"),
            format!(
                "localparam [31:0] IMAGE_CRC = 32'h{:08x};\nlocalparam integer HOST_TIMEOUT = {};\n",
                l.image.crc(),
                l.host_timeout
            ),
        )
        .unwrap();
        args.extend(["-DLOADER".into(), format!("-I{}", dir.display())]);
        for f in [
            "../../rtl-templates/mem/sl_wload.v",
            "../../sim/sl_spi_flash.v",
        ] {
            args.push(here.join(f).display().to_string());
        }
        let _ = std::fs::remove_file(dir.join("flash.hex"));
        if let Some(bytes) = l.flash {
            std::fs::write(dir.join("flash.hex"), flash_hex(bytes)).unwrap();
            run_args.push("+flash=flash.hex".into());
        }
    }
    let compile = ToolCommand {
        step: "iverilog".into(),
        program: iverilog,
        args,
        cwd: dir.clone(),
        log: Some("iverilog.log".into()),
    };
    let out = run(&compile).unwrap();
    assert!(
        !out.stderr.contains("warning") && !out.stdout.contains("warning"),
        "{}{}",
        out.stdout,
        out.stderr
    );
    let sim = ToolCommand {
        step: "vvp".into(),
        program: vvp,
        args: run_args,
        cwd: dir.clone(),
        log: Some("vvp.log".into()),
    };
    let out = run(&sim).unwrap();
    assert!(!out.stdout.contains("tb_board:"), "{}", out.stdout);
    let hex = std::fs::read_to_string(dir.join("device.hex")).unwrap();
    Some(
        hex.lines()
            .map(|l| u8::from_str_radix(l.trim(), 16).unwrap())
            .collect(),
    )
}

fn decode_all(bytes: &[u8], counted: bool) -> Vec<Reply> {
    let mut d = Decoder::new();
    d.push(bytes);
    let mut replies = Vec::new();
    while let Some(f) = d.next_frame() {
        replies.push(Reply::from_frame_counted(&f.unwrap(), counted).unwrap());
    }
    assert_eq!(d.skipped(), 0, "the device sends nothing outside frames");
    replies
}

/// Reset is held while the PLL is unlocked: a command sent then gets no reply, the board answers
/// once the lock is back (and SETTLE_CYCLES have passed), and a lock lost later resets the
/// bridge (its step count starts again).
#[test]
fn board_top_waits_for_the_pll_lock_and_resets_when_it_is_lost() {
    let mut s = Script::new();
    s.lock(false);
    s.cmd(&Command::Status);
    s.idle(40);
    s.lock(true);
    // the default SETTLE_CYCLES (31) plus the lock synchronizer: under 5 bits of 8 cycles
    s.idle(5);
    s.cmd(&step(&[1, 13]));
    s.expect(1);
    s.cmd(&Command::Status);
    s.expect(1);
    s.lock(false);
    s.idle(2);
    s.lock(true);
    s.idle(5);
    s.cmd(&Command::Status);
    s.expect(1);
    let Some(bytes) = simulate(&s, "lock", false) else {
        return;
    };
    let replies = decode_all(&bytes, false);
    let stepped = Status {
        steps: 1,
        ..fresh_status(false)
    };
    assert_eq!(
        replies,
        [
            Reply::StepOut(spikes(&[1])),
            Reply::Status(stepped),
            Reply::Status(fresh_status(false)),
        ]
    );
}

#[test]
fn board_top_speaks_the_protocol_and_recovers_from_garbage() {
    let samples: [&[u32]; 4] = [
        &[0, 3, 11, 12, 19],
        &[],
        &[1, 2, 5],
        &[
            19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0,
        ],
    ];
    let mut s = Script::new();
    let mut want = Vec::new();
    s.raw(&[0x00, 0x13, 0xFF]); // garbage without SYNC: skipped silently
    s.cmd(&Command::Reset);
    s.expect(1);
    want.push(Reply::Ack(0x01));
    for ev in &samples[..2] {
        s.cmd(&step(ev));
        s.expect(1);
        want.push(Reply::StepOut(standin(ev)));
    }
    // A STEP frame corrupted in transit (payload bit flipped, CRC unchanged).
    let mut bad = step(&[4]).encode().unwrap();
    bad[5] ^= 0x01;
    s.raw(&bad);
    s.expect(1);
    want.push(Reply::Error {
        code: DeviceErrorCode::BadCrc,
        detail: 0x02,
    });
    // A SYNC byte inside garbage starts a bogus frame with an unknown command.
    s.raw(&[0xA5, 0x7F, 0x00, 0x00, 0x12]);
    s.expect(1);
    want.push(Reply::Error {
        code: DeviceErrorCode::UnknownCommand,
        detail: 0x7F,
    });
    // A well-formed frame with the wrong payload length for STEP.
    s.raw(&encode_frame(0x02, &[0xFF]));
    s.expect(1);
    want.push(Reply::Error {
        code: DeviceErrorCode::BadLength,
        detail: 0x02,
    });
    // A frame that stops mid-payload: the device times out and resynchronizes.
    s.raw(&[0xA5, 0x02, 0x03, 0x00]);
    s.idle(400);
    s.expect(1);
    want.push(Reply::Error {
        code: DeviceErrorCode::Timeout,
        detail: 4,
    });
    for ev in &samples[2..] {
        s.cmd(&step(ev));
        s.expect(1);
        want.push(Reply::StepOut(standin(ev)));
    }
    let mut counts = vec![0u16; OUT as usize];
    for ev in samples {
        for o in standin(ev) {
            counts[o.index as usize] += 1;
        }
    }
    s.cmd(&Command::Counts);
    s.expect(1);
    want.push(Reply::Counts(counts));
    s.cmd(&Command::Status);
    s.expect(1);
    want.push(Reply::Status(Status {
        error_seen: true,
        steps: 4,
        crc_errors: 1,
        other_errors: 3,
        ..fresh_status(false)
    }));
    // Two commands back to back: the second is queued while the first replies.
    s.cmd(&step(&[7]));
    s.cmd(&step(&[8, 9]));
    s.expect(2);
    want.push(Reply::StepOut(spikes(&[7])));
    want.push(Reply::StepOut(spikes(&[8, 9])));
    s.cmd(&Command::Reset);
    s.cmd(&Command::Counts);
    s.expect(2);
    want.push(Reply::Ack(0x01));
    want.push(Reply::Counts(vec![0; OUT as usize]));

    let Some(device) = simulate(&s, "board-protocol", false) else {
        return;
    };
    assert_eq!(decode_all(&device, false), want);
}

/// Replays recorded device bytes to a `Link` and checks what it sends and returns.
struct Replay {
    device: std::io::Cursor<Vec<u8>>,
    sent: Vec<u8>,
}

impl std::io::Read for Replay {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        // One byte at a time, as a slow serial port would deliver them.
        let n = buf.len().min(1);
        self.device.read(&mut buf[..n])
    }
}

impl std::io::Write for Replay {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.sent.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn link_runs_a_sample_against_the_simulated_board() {
    let sample: Vec<Vec<u32>> = vec![vec![0, 5, 19], vec![], vec![11, 12, 3], vec![3]];
    let mut s = Script::new();
    // The link asks STATUS once before the first command that depends on the bitstream.
    s.cmd(&Command::Status);
    s.expect(1);
    s.cmd(&Command::Reset);
    s.expect(1);
    for ev in &sample {
        s.cmd(&step(ev));
        s.expect(1);
    }
    s.cmd(&Command::Counts);
    s.expect(1);
    let Some(device) = simulate(&s, "board-link", false) else {
        return;
    };

    let mut link = Link::new(Replay {
        device: std::io::Cursor::new(device),
        sent: Vec::new(),
    });
    let outputs = link.run_sample(IN, &sample).unwrap();
    let expected: Vec<Vec<OutEvent>> = sample.iter().map(|e| standin(e)).collect();
    assert_eq!(outputs, expected);
    let counts = link.counts().unwrap();
    assert_eq!(counts[3], 2);
    assert_eq!(
        counts.iter().map(|&c| u32::from(c)).sum::<u32>(),
        expected.iter().map(|v| v.len() as u32).sum::<u32>()
    );
    assert!(link.notes().is_empty(), "{:?}", link.notes());
    let err = link.status().unwrap_err().to_string();
    assert!(err.contains("stream ended"), "{err}");
    assert_eq!(link.into_inner().sent[..s.bytes.len()], s.bytes[..]);
}

/// What the stand-in core answers to a RUN_PIXELS sample: the encoder's spikes below OUT.
fn standin_pixels(pixels: &[u8], steps: u16, seed: u16) -> (Vec<Vec<OutEvent>>, Vec<u16>) {
    let spikes = rate_encode(pixels, usize::from(steps), seed);
    let outputs: Vec<Vec<OutEvent>> = spikes
        .chunks(pixels.len())
        .map(|row| {
            let events: Vec<u32> = (0u32..)
                .zip(row)
                .filter(|(_, &s)| s != 0)
                .map(|(i, _)| i)
                .collect();
            standin(&events)
        })
        .collect();
    let mut counts = vec![0u16; OUT as usize];
    for o in outputs.iter().flatten() {
        counts[o.index as usize] += 1;
    }
    (outputs, counts)
}

#[test]
fn board_top_encodes_pixels_on_chip_like_rate_encode() {
    // features 4..7 all 0: a word the bridge skips, with no LFSR state taken
    let pixels: Vec<u8> = (0..IN as u32)
        .map(|i| {
            if (4..8).contains(&i) {
                0
            } else {
                (i * 53 % 256) as u8
            }
        })
        .collect();
    let runs: [(u16, u16, bool); 3] = [(7, 0x1234, true), (5, 0, false), (1, 0xFFFF, true)];
    let mut s = Script::new();
    let mut want = Vec::new();
    s.cmd(&Command::Status);
    s.expect(1);
    want.push(Reply::Status(fresh_status(false)));
    for &(steps, seed, per_step) in &runs {
        s.cmd(&Command::RunPixels {
            pixels: pixels.clone(),
            steps,
            seed,
            per_step,
        });
        let (outputs, counts) = standin_pixels(&pixels, steps, seed);
        if per_step {
            s.expect(u32::from(steps));
            want.extend(outputs.into_iter().map(Reply::StepOut));
        }
        s.expect(1);
        want.push(Reply::RunOut(counts));
    }
    // A RUN_PIXELS frame of the wrong length, then spike-input commands still work.
    s.raw(&encode_frame(0x05, &[0, 1, 0, 1, 0]));
    s.expect(1);
    want.push(Reply::Error {
        code: DeviceErrorCode::BadLength,
        detail: 0x05,
    });
    s.cmd(&Command::Reset);
    s.cmd(&step(&[2, 3]));
    s.expect(2);
    want.push(Reply::Ack(0x01));
    want.push(Reply::StepOut(spikes(&[2, 3])));
    let Some(device) = simulate(&s, "board-pixels", false) else {
        return;
    };
    assert_eq!(decode_all(&device, false), want);
    assert!(
        want.iter()
            .any(|r| matches!(r, Reply::StepOut(v) if v.len() > 1)),
        "the check is meaningful only if something spikes"
    );

    // The same bytes through `Link::run_pixels`.
    let mut link = Link::new(Replay {
        device: std::io::Cursor::new(device),
        sent: Vec::new(),
    });
    assert_eq!(link.status().unwrap(), fresh_status(false));
    for &(steps, seed, per_step) in &runs {
        let (outputs, counts) = standin_pixels(&pixels, steps, seed);
        let got = link.run_pixels(&pixels, steps, seed, per_step).unwrap();
        assert_eq!(
            got,
            SampleRun {
                outputs: per_step.then_some(outputs),
                counts
            }
        );
    }
}

/// A graded-input, spike-count board (4-bit input values, 3-bit output counts): graded STEP,
/// RUN_VALUES with and without per-step replies, RUN_PIXELS (spikes carry value 1), COUNTS
/// adding counts and saturating, and the device rejecting values that do not fit.
#[test]
fn graded_board_takes_values_and_returns_counts() {
    let v1: Vec<u8> = (0..IN as u32).map(|i| ((i * 7 + 3) % 17) as u8).collect(); // 0..=16
    let v1: Vec<u8> = v1.iter().map(|&v| v.min(15)).collect();
    let v2: Vec<u8> = (0..IN).map(|i| u8::from(i % 3 == 0) * 9).collect();
    // Saturation: output 0 gets 7 per step, output 1 gets 3, output 2 gets 1.
    let sat: Vec<u8> = (0..IN)
        .map(|i| [15, 3, 1].get(i).copied().unwrap_or(0))
        .collect();
    let sat_steps: u16 = 9400; // 7 x 9400 = 65800 > 65535
    let mut s = Script::new();
    let mut want = Vec::new();
    s.cmd(&Command::Status);
    s.expect(1);
    want.push(Reply::Status(fresh_status(true)));
    s.cmd(&Command::Reset);
    s.expect(1);
    want.push(Reply::Ack(0x01));
    for v in [&v1, &v2] {
        s.cmd(&Command::StepValues { values: v.clone() });
        s.expect(1);
        want.push(Reply::StepOut(standin_graded(v)));
    }
    let mut counts = vec![0u16; OUT as usize];
    for v in [&v1, &v2] {
        for e in standin_graded(v) {
            counts[e.index as usize] += u16::from(e.count);
        }
    }
    s.cmd(&Command::Counts);
    s.expect(1);
    want.push(Reply::Counts(counts));
    // 16 does not fit 4 bits: rejected before the step runs (the steps counter stays at 2).
    let mut wide = v1.clone();
    wide[13] = 16;
    s.cmd(&Command::StepValues {
        values: wide.clone(),
    });
    s.expect(1);
    want.push(Reply::Error {
        code: DeviceErrorCode::ValueTooWide,
        detail: 0x02,
    });
    s.cmd(&Command::RunValues {
        values: wide,
        steps: 2,
        per_step: false,
    });
    s.expect(1);
    want.push(Reply::Error {
        code: DeviceErrorCode::ValueTooWide,
        detail: 0x06,
    });
    // A bitmap STEP has the wrong length for a graded bitstream.
    s.cmd(&Command::Step {
        input_size: IN,
        events: vec![1],
    });
    s.expect(1);
    want.push(Reply::Error {
        code: DeviceErrorCode::BadLength,
        detail: 0x02,
    });
    s.cmd(&Command::Status);
    s.expect(1);
    want.push(Reply::Status(Status {
        error_seen: true,
        steps: 2,
        other_errors: 3,
        ..fresh_status(true)
    }));
    // RUN_VALUES: the same values every step.
    let run_counts = |v: &[u8], steps: u16| {
        let mut c = vec![0u16; OUT as usize];
        for e in standin_graded(v) {
            c[e.index as usize] = (u32::from(e.count) * u32::from(steps)).min(65535) as u16;
        }
        c
    };
    s.cmd(&Command::RunValues {
        values: v1.clone(),
        steps: 3,
        per_step: true,
    });
    s.expect(4);
    for _ in 0..3 {
        want.push(Reply::StepOut(standin_graded(&v1)));
    }
    want.push(Reply::ValuesOut(run_counts(&v1, 3)));
    s.cmd(&Command::RunValues {
        values: sat.clone(),
        steps: sat_steps,
        per_step: false,
    });
    s.expect(1);
    let sat_counts = run_counts(&sat, sat_steps);
    assert_eq!(sat_counts[..3], [65535, 3 * 9400, 9400]);
    want.push(Reply::ValuesOut(sat_counts.clone()));
    s.cmd(&Command::Counts);
    s.expect(1);
    want.push(Reply::Counts(sat_counts));
    // RUN_PIXELS on a graded bitstream: the encoder's spikes arrive with value 1.
    let pixels: Vec<u8> = (0..IN as u32).map(|i| (i * 53 % 256) as u8).collect();
    s.cmd(&Command::RunPixels {
        pixels: pixels.clone(),
        steps: 4,
        seed: 99,
        per_step: true,
    });
    s.expect(5);
    let (outputs, counts) = standin_pixels(&pixels, 4, 99);
    want.extend(outputs.into_iter().map(Reply::StepOut));
    want.push(Reply::RunOut(counts));

    let Some(device) = simulate(&s, "board-graded", true) else {
        return;
    };
    assert_eq!(decode_all(&device, true), want);
    assert!(
        want.iter()
            .any(|r| matches!(r, Reply::StepOut(v) if v.iter().any(|e| e.count > 1))),
        "the check is meaningful only if counts above 1 come back"
    );

    // The host side of the same session: `Link` encodes values for this bitstream (it asked
    // STATUS first) and refuses what does not fit before sending it.
    let mut link = Link::new(Replay {
        device: std::io::Cursor::new(device),
        sent: Vec::new(),
    });
    assert_eq!(link.status().unwrap(), fresh_status(true));
    let err = link.step_values(&[16; IN]).unwrap_err();
    assert!(matches!(
        err,
        LinkError::ValueTooWide {
            feature: 0,
            value: 16,
            bits: 4
        }
    ));
    assert_eq!(
        err.to_string(),
        "input value 16 of feature 0 does not fit the bitstream's 4-bit input (max 15)"
    );
    let err = link.step_values(&[1; 3]).unwrap_err().to_string();
    assert!(err.contains("has 20 inputs, but the host sends 3"), "{err}");
    let outs = link.run_sample_values(&[v1.clone(), v2.clone()]).unwrap();
    assert_eq!(outs, vec![standin_graded(&v1), standin_graded(&v2)]);
    assert!(link.counts().is_ok());
    // The forged commands (wide values, bitmap STEP) fail with the device's error.
    let mut wide = v1.clone();
    wide[13] = 16;
    let rejected = |r: Result<Reply, LinkError>| match r {
        Err(LinkError::Rejected { cmd, code }) => (cmd, code),
        other => panic!("{other:?}"),
    };
    let r = link.transact(&Command::StepValues {
        values: wide.clone(),
    });
    assert_eq!(rejected(r), (0x02, DeviceErrorCode::ValueTooWide));
    let r = link.transact(&Command::RunValues {
        values: wide,
        steps: 2,
        per_step: false,
    });
    let err = LinkError::Rejected {
        cmd: 0x06,
        code: DeviceErrorCode::ValueTooWide,
    };
    assert_eq!(
        err.to_string(),
        "device rejected command 0x06: an input value does not fit the bitstream's input width"
    );
    assert_eq!(rejected(r), (0x06, DeviceErrorCode::ValueTooWide));
    let r = link.transact(&Command::Step {
        input_size: IN,
        events: vec![1],
    });
    assert_eq!(rejected(r), (0x02, DeviceErrorCode::BadLength));
    assert_eq!(link.status().unwrap().other_errors, 3);
    let got = link.run_values(&v1, 3, true).unwrap();
    assert_eq!(
        got,
        SampleRun {
            outputs: Some(vec![standin_graded(&v1); 3]),
            counts: run_counts(&v1, 3)
        }
    );
    let got = link.run_values(&sat, sat_steps, false).unwrap();
    assert_eq!(got.outputs, None);
    assert_eq!(got.counts[0], 65535);
    assert_eq!(link.counts().unwrap(), got.counts);
    let (outputs, counts) = standin_pixels(&pixels, 4, 99);
    let got = link.run_pixels(&pixels, 4, 99, true).unwrap();
    assert_eq!(
        got,
        SampleRun {
            outputs: Some(outputs),
            counts
        }
    );
    assert!(link.notes().is_empty(), "{:?}", link.notes());
    assert_eq!(link.into_inner().sent, s.bytes);
}

// ---------------------------------------------------------------- weight loading

/// The stand-in loader's image: granule g's low 4 bits are the output its input g maps to.
fn wl_image(seed: u16) -> WeightImage {
    WeightImage::new(
        (0..20u16)
            .map(|g| ((g * 5 + 3) % 12) | ((g.wrapping_mul(37).wrapping_add(seed)) << 8))
            .collect(),
    )
    .unwrap()
}

/// What the loaded stand-in answers to a step: granule i's low 4 bits for each event i < 20,
/// in input order.
fn wl_standin(img: &WeightImage, events: &[u32]) -> Vec<OutEvent> {
    events
        .iter()
        .filter(|&&e| e < 20)
        .map(|&e| OutEvent::spike(u32::from(img.granules()[e as usize] & 0xF)))
        .collect()
}

fn wl_status(img: &WeightImage, state: LoadState, loaded_crc: u32, pos: u32) -> Status {
    Status {
        load: Some(LoadStatus {
            state: state.code(),
            image_crc: img.crc(),
            loaded_crc,
            pos,
        }),
        ..fresh_status(false)
    }
}

fn load(offset: usize, bytes: &[u8]) -> Command {
    Command::Load {
        offset: offset as u32,
        data: bytes.to_vec(),
    }
}

#[test]
fn board_loads_its_weights_over_the_link_then_runs() {
    let img = wl_image(1);
    let bytes = img.to_bytes();
    let n = bytes.len() as u32;
    let mut s = Script::new();
    let mut want = Vec::new();
    // an erased flash: the loader says so, and the core does not run
    s.cmd(&Command::Status);
    s.expect(1);
    // 4 bytes of 0xFF read, no payload: CRC register untouched (CRC-32 of nothing = 0)
    want.push(Reply::Status(wl_status(&img, LoadState::Blank, 0, 4)));
    s.cmd(&step(&[1]));
    s.expect(1);
    want.push(Reply::Error {
        code: DeviceErrorCode::NotLoaded,
        detail: 0x02,
    });
    // chunk 0; chunk 1 corrupted on the line (rolled back), then sent again
    s.cmd(&load(0, &bytes[..16]));
    s.expect(1);
    want.push(Reply::Loaded {
        state: LoadState::Host.code(),
        crc: crc32(&bytes[12..16]),
        pos: 16,
    });
    let mut bad = load(16, &bytes[16..32]).encode().unwrap();
    bad[12] ^= 0x10;
    s.raw(&bad);
    s.expect(1);
    want.push(Reply::Error {
        code: DeviceErrorCode::BadCrc,
        detail: 0x07,
    });
    s.cmd(&load(16, &bytes[16..32]));
    s.expect(1);
    want.push(Reply::Loaded {
        state: LoadState::Host.code(),
        crc: crc32(&bytes[12..32]),
        pos: 32,
    });
    // a chunk at the wrong offset changes nothing
    s.cmd(&load(40, &bytes[40..]));
    s.expect(1);
    want.push(Reply::Error {
        code: DeviceErrorCode::OutOfSequence,
        detail: 0x07,
    });
    s.cmd(&load(32, &bytes[32..]));
    s.expect(1);
    want.push(Reply::Loaded {
        state: LoadState::Ready.code(),
        crc: img.crc(),
        pos: n,
    });
    s.cmd(&Command::LoadEnd);
    s.expect(1);
    want.push(Reply::LoadEnded {
        state: LoadState::Ready.code(),
        crc: img.crc(),
        pos: n,
    });
    s.cmd(&Command::Status);
    s.expect(1);
    want.push(Reply::Status(Status {
        error_seen: true,
        crc_errors: 1,
        other_errors: 2,
        ..wl_status(&img, LoadState::Ready, img.crc(), n)
    }));
    // the core now runs on the loaded weights
    for ev in [&[0u32, 3, 7, 19][..], &[2, 18]] {
        s.cmd(&step(ev));
        s.expect(1);
        want.push(Reply::StepOut(wl_standin(&img, ev)));
    }
    let loader = Loader {
        image: &img,
        host_timeout: 20_000,
        flash: None,
    };
    let Some(device) = simulate_loader(&s, "board-load-link", &loader) else {
        return;
    };
    assert_eq!(decode_all(&device, false), want);
}

#[test]
fn board_reads_its_weights_from_the_flash_and_refuses_other_images() {
    let img = wl_image(1);
    let bytes = img.to_bytes();
    let n = bytes.len() as u32;
    let other = wl_image(2).to_bytes();
    for (name, flash, state, loaded_crc, pos) in [
        ("flash-good", &bytes, LoadState::Ready, img.crc(), n),
        // another design's weights: the header's CRC differs, the load stops after the header
        ("flash-other", &other, LoadState::Hash, 0, 12),
    ] {
        let mut s = Script::new();
        s.cmd(&Command::Status);
        s.expect(1);
        s.cmd(&step(&[5, 6]));
        s.expect(1);
        let step_reply = if state == LoadState::Ready {
            Reply::StepOut(wl_standin(&img, &[5, 6]))
        } else {
            Reply::Error {
                code: DeviceErrorCode::NotLoaded,
                detail: 0x02,
            }
        };
        let loader = Loader {
            image: &img,
            host_timeout: 20_000,
            flash: Some(flash),
        };
        let Some(device) = simulate_loader(&s, &format!("board-load-{name}"), &loader) else {
            return;
        };
        let got = decode_all(&device, false);
        let Reply::Status(status) = got[0] else {
            panic!("{name}: {got:?}");
        };
        let load = status.load.unwrap();
        assert_eq!(
            (load.state, load.image_crc, load.pos),
            (state.code(), img.crc(), pos),
            "{name}"
        );
        if state == LoadState::Ready {
            assert_eq!(load.loaded_crc, loaded_crc);
        }
        assert_eq!(got[1], step_reply, "{name}");
    }
}

#[test]
fn board_load_fails_when_the_host_ends_early_or_stalls() {
    let img = wl_image(1);
    let bytes = img.to_bytes();
    let mut s = Script::new();
    let mut want = Vec::new();
    // LOAD_END before the whole image: the loader fails the load
    s.cmd(&load(0, &bytes[..20]));
    s.cmd(&Command::LoadEnd);
    s.expect(2);
    want.push(Reply::Loaded {
        state: LoadState::Host.code(),
        crc: crc32(&bytes[12..20]),
        pos: 20,
    });
    want.push(Reply::LoadEnded {
        state: LoadState::Incomplete.code(),
        crc: crc32(&bytes[12..20]),
        pos: 20,
    });
    // a load that stops sending: the loader's timeout (2000 cycles here) fails it
    s.cmd(&load(0, &bytes[..20]));
    s.expect(1);
    want.push(Reply::Loaded {
        state: LoadState::Host.code(),
        crc: crc32(&bytes[12..20]),
        pos: 20,
    });
    s.idle(0x400);
    s.cmd(&Command::Status);
    s.expect(1);
    let loader = Loader {
        image: &img,
        host_timeout: 2_000,
        flash: None,
    };
    let Some(device) = simulate_loader(&s, "board-load-stall", &loader) else {
        return;
    };
    let got = decode_all(&device, false);
    assert_eq!(got[..3], want[..]);
    let Reply::Status(status) = got[3] else {
        panic!("{got:?}");
    };
    assert_eq!(status.load.unwrap().state, LoadState::Timeout.code());
}

#[test]
fn link_loads_an_image_against_the_simulated_board() {
    let img = wl_image(3);
    let bytes = img.to_bytes();
    let chunk = 16;
    // what load_image sends: STATUS, the chunks, LOAD_END; then a step
    let mut s = Script::new();
    s.cmd(&Command::Status);
    s.expect(1);
    for (k, part) in bytes.chunks(chunk).enumerate() {
        s.cmd(&load(k * chunk, part));
        s.expect(1);
    }
    s.cmd(&Command::LoadEnd);
    s.expect(1);
    s.cmd(&step(&[4, 9]));
    s.expect(1);
    let loader = Loader {
        image: &img,
        host_timeout: 20_000,
        flash: None,
    };
    let Some(device) = simulate_loader(&s, "board-load-linklib", &loader) else {
        return;
    };
    let mut link = Link::new(Replay {
        device: std::io::Cursor::new(device),
        sent: Vec::new(),
    });
    let mut confirmed = Vec::new();
    let report = link
        .load_image(&bytes, chunk, &mut |b| confirmed.push(b))
        .unwrap();
    assert_eq!(report.crc, img.crc());
    assert_eq!(
        (report.frames, report.resent),
        (bytes.len().div_ceil(chunk), 0)
    );
    assert_eq!(confirmed.last(), Some(&bytes.len()));
    assert_eq!(link.step(IN, &[4, 9]).unwrap(), wl_standin(&img, &[4, 9]));
    // the replay then ends: a load now times out, naming how far it got
    let err = link.load_image(&bytes, chunk, &mut |_| {}).unwrap_err();
    assert!(
        matches!(err, LinkError::LoadTimeout { sent: 0, total } if total == bytes.len()),
        "{err}"
    );
    assert_eq!(link.into_inner().sent[..s.bytes.len()], s.bytes[..]);
}
