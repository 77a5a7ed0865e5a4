//! The whole board top (UART, framing, bridge) simulated in Icarus Verilog with a bit-level UART
//! testbench, driven by bytes this crate encodes; the device's reply bytes are decoded here and
//! compared with what a Rust model of the stand-in core predicts. Skipped without iverilog unless
//! SPIKELOOM_REQUIRE_TOOLS=1.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use spikeloom_hostlink::frame::encode_frame;
use spikeloom_hostlink::{
    rate_encode, Command, Decoder, DeviceErrorCode, Link, PixelRun, Reply, Status,
};
use spikeloom_toolchain::process::{find_program, run, ToolCommand};

const IN: usize = 20;
const OUT: u32 = 12;

/// The stand-in core echoes inputs below OUT, ascending (the bridge scans the bitmap in order).
fn standin(events: &[u32]) -> Vec<u32> {
    let mut v: Vec<u32> = events.iter().copied().filter(|&e| e < OUT).collect();
    v.sort_unstable();
    v.dedup();
    v
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
}

fn step(events: &[u32]) -> Command {
    Command::Step {
        input_size: IN,
        events: events.to_vec(),
    }
}

fn simulate(script: &Script, name: &str) -> Option<Vec<u8>> {
    let (Some(iverilog), Some(vvp)) = (
        find_program(Path::new("iverilog")),
        find_program(Path::new("vvp")),
    ) else {
        assert!(
            std::env::var_os("SPIKELOOM_REQUIRE_TOOLS").is_none(),
            "iverilog/vvp required"
        );
        eprintln!("skipping: iverilog not installed");
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
        "-o".into(),
        "tb.vvp".into(),
        "-s".into(),
        "tb_board".into(),
    ];
    for f in [
        here.join("tests/data/tb_board.v"),
        here.join("tests/data/standin_top.v"),
    ] {
        args.push(f.display().to_string());
    }
    for f in ["uart_rx.v", "uart_tx.v", "host_bridge.v", "board_top.v"] {
        args.push(io.join(f).display().to_string());
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
        args: vec![
            "-n".into(),
            "tb.vvp".into(),
            "+script=script.txt".into(),
            "+out=device.hex".into(),
        ],
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

fn decode_all(bytes: &[u8]) -> Vec<Reply> {
    let mut d = Decoder::new();
    d.push(bytes);
    let mut replies = Vec::new();
    while let Some(f) = d.next_frame() {
        replies.push(Reply::from_frame(&f.unwrap()).unwrap());
    }
    assert_eq!(d.skipped(), 0, "the device sends nothing outside frames");
    replies
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
            counts[o as usize] += 1;
        }
    }
    s.cmd(&Command::Counts);
    s.expect(1);
    want.push(Reply::Counts(counts));
    s.cmd(&Command::Status);
    s.expect(1);
    want.push(Reply::Status(Status {
        version: 2,
        error_seen: true,
        overflow: false,
        input_size: IN as u16,
        output_size: OUT as u16,
        steps: 4,
        crc_errors: 1,
        other_errors: 3,
    }));
    // Two commands back to back: the second is queued while the first replies.
    s.cmd(&step(&[7]));
    s.cmd(&step(&[8, 9]));
    s.expect(2);
    want.push(Reply::StepOut(vec![7]));
    want.push(Reply::StepOut(vec![8, 9]));
    s.cmd(&Command::Reset);
    s.cmd(&Command::Counts);
    s.expect(2);
    want.push(Reply::Ack(0x01));
    want.push(Reply::Counts(vec![0; OUT as usize]));

    let Some(device) = simulate(&s, "board-protocol") else {
        return;
    };
    assert_eq!(decode_all(&device), want);
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
    s.cmd(&Command::Reset);
    s.expect(1);
    for ev in &sample {
        s.cmd(&step(ev));
        s.expect(1);
    }
    s.cmd(&Command::Counts);
    s.expect(1);
    let Some(device) = simulate(&s, "board-link") else {
        return;
    };

    let mut link = Link::new(Replay {
        device: std::io::Cursor::new(device),
        sent: Vec::new(),
    });
    let outputs = link.run_sample(IN, &sample).unwrap();
    let expected: Vec<Vec<u32>> = sample.iter().map(|e| standin(e)).collect();
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
fn standin_pixels(pixels: &[u8], steps: u16, seed: u16) -> (Vec<Vec<u32>>, Vec<u16>) {
    let spikes = rate_encode(pixels, usize::from(steps), seed);
    let outputs: Vec<Vec<u32>> = spikes
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
        counts[*o as usize] += 1;
    }
    (outputs, counts)
}

#[test]
fn board_top_encodes_pixels_on_chip_like_rate_encode() {
    let pixels: Vec<u8> = (0..IN as u32).map(|i| (i * 53 % 256) as u8).collect();
    let runs: [(u16, u16, bool); 3] = [(7, 0x1234, true), (5, 0, false), (1, 0xFFFF, true)];
    let mut s = Script::new();
    let mut want = Vec::new();
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
    want.push(Reply::StepOut(vec![2, 3]));
    let Some(device) = simulate(&s, "board-pixels") else {
        return;
    };
    assert_eq!(decode_all(&device), want);
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
    for &(steps, seed, per_step) in &runs {
        let (outputs, counts) = standin_pixels(&pixels, steps, seed);
        let got = link.run_pixels(&pixels, steps, seed, per_step).unwrap();
        assert_eq!(
            got,
            PixelRun {
                outputs: per_step.then_some(outputs),
                counts
            }
        );
    }
}
