//! A command/reply session with a device over any byte stream. One command is in flight at a
//! time (the device queues at most one): send, then read frames until its reply arrives.
//!
//! The first command of a session that depends on the bitstream (every one but
//! [`Link::status`] and [`Link::transact`]) asks the device's STATUS once: its input size and
//! value widths decide how steps are encoded (bitmap or value bytes) and how STEP_OUT entries
//! are decoded (indices or index + count), and let the host refuse input the bitstream cannot
//! take before sending it.

use std::io::{ErrorKind, Read, Write};

use crate::frame::{
    Command, DecodeError, Decoder, DeviceErrorCode, OutEvent, Reply, Status, LOAD, LOAD_END,
    LOAD_READY, MAX_LOAD_CHUNK, STEP,
};

/// What the device returned for one RUN_PIXELS or RUN_VALUES sample.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleRun {
    /// Output events of each step (only when asked for per-step outputs).
    pub outputs: Option<Vec<Vec<OutEvent>>>,
    /// Spike count per output neuron over the sample (saturating at 65535).
    pub counts: Vec<u16>,
}

/// The result of a RUN_PIXELS sample (same shape as a RUN_VALUES one).
pub type PixelRun = SampleRun;

/// What [`Link::load_image`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoadReport {
    /// Image bytes sent (once each, resends not counted).
    pub bytes: usize,
    /// LOAD frames the device took.
    pub frames: usize,
    /// Frames sent again after the device reported them corrupt.
    pub resent: usize,
    /// CRC-32 of the payload the device loaded.
    pub crc: u32,
}

/// Resends of one LOAD frame before a load gives up.
const LOAD_RETRIES: usize = 3;

/// Why a host-link operation failed.
#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    /// The command could not be encoded (e.g. an input index out of range).
    #[error("cannot encode command: {0}")]
    Encode(String),
    /// The input does not suit the bitstream the device runs (sizes, value widths, version).
    #[error("{0}")]
    Mismatch(String),
    /// An input value is larger than the bitstream's input width allows.
    #[error("input value {value} of feature {feature} does not fit the bitstream's {bits}-bit input (max {max}){hint}", max = (1u16 << bits) - 1, hint = if *bits == 1 { "; this bitstream takes binary spikes (0/1): rebuild from a model quantized with graded input (--input-bits) to send values" } else { "" })]
    ValueTooWide {
        /// Input feature.
        feature: usize,
        /// Its value.
        value: u8,
        /// The bitstream's input value width.
        bits: u8,
    },
    /// Reading or writing the port failed.
    #[error("host link I/O: {0}")]
    Io(#[from] std::io::Error),
    /// No reply before the port's read timeout.
    #[error("no reply to command {cmd:#04x} from the device (read timed out); is the board programmed with a spikeloom bitstream and the baud rate right?")]
    Timeout {
        /// Command byte.
        cmd: u8,
    },
    /// The stream ended.
    #[error("the device stream ended while waiting for the reply to command {cmd:#04x}")]
    Closed {
        /// Command byte.
        cmd: u8,
    },
    /// The device rejected the command.
    #[error("device rejected command {cmd:#04x}: {code}")]
    Rejected {
        /// Command byte.
        cmd: u8,
        /// Device error code.
        code: DeviceErrorCode,
    },
    /// The device's weight loader refused the image or stopped (`state`: its load state code,
    /// `spikeloom_plan::LoadState`).
    #[error("the board's weight loader stopped in state {state} after {pos} image bytes")]
    LoadFailed {
        /// Loader state.
        state: u8,
        /// Image bytes it had taken.
        pos: u32,
    },
    /// No reply during a weight load.
    #[error("the weight load timed out: the board stopped answering after {sent} of {total} image bytes (is the board still connected, and the baud rate right?)")]
    LoadTimeout {
        /// Image bytes the device had confirmed.
        sent: usize,
        /// Image bytes.
        total: usize,
    },
    /// A reply had the wrong shape for the command.
    #[error("unexpected reply to command {cmd:#04x}: {reply:?}")]
    Unexpected {
        /// Command byte.
        cmd: u8,
        /// What came back.
        reply: Box<Reply>,
    },
}

/// A session with one device.
pub struct Link<T: Read + Write> {
    io: T,
    decoder: Decoder,
    /// Device errors and corrupt frames seen while waiting for replies, oldest first.
    notes: Vec<String>,
    /// The device's last STATUS (sizes and value widths of its bitstream).
    device: Option<Status>,
}

impl<T: Read + Write> Link<T> {
    /// Wrap a byte stream (its read timeout decides how long a reply may take).
    pub fn new(io: T) -> Self {
        Link {
            io,
            decoder: Decoder::new(),
            notes: Vec::new(),
            device: None,
        }
    }

    /// The byte stream.
    pub fn into_inner(self) -> T {
        self.io
    }

    /// Unrelated device errors and corrupt frames seen so far.
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// The device's STATUS, asked once per session (cached; [`Link::status`] refreshes it).
    pub fn device(&mut self) -> Result<Status, LinkError> {
        match self.device {
            Some(s) => Ok(s),
            None => self.status(),
        }
    }

    /// Reset the network and the counts.
    pub fn reset(&mut self) -> Result<(), LinkError> {
        self.device()?;
        match self.transact(&Command::Reset)? {
            Reply::Ack(0x01) => Ok(()),
            reply => Err(unexpected(0x01, reply)),
        }
    }

    /// Run one step with binary input spikes (feature indices); returns the output events
    /// (ascending, or in a convolution output layer's address order). On a graded-input
    /// bitstream the spikes are sent as values 1.
    pub fn step(&mut self, input_size: usize, events: &[u32]) -> Result<Vec<OutEvent>, LinkError> {
        let dev = self.device()?;
        check_input_size(&dev, input_size)?;
        if dev.graded_input() {
            let mut values = vec![0u8; input_size];
            for &e in events {
                let slot = values.get_mut(e as usize).ok_or_else(|| {
                    LinkError::Encode(format!(
                        "input event {e} is out of range (input size {input_size})"
                    ))
                })?;
                *slot = 1;
            }
            return self.step_command(&Command::StepValues { values });
        }
        self.step_command(&Command::Step {
            input_size,
            events: events.to_vec(),
        })
    }

    /// Run one step with one input value per feature (graded input: a non-zero value is an event
    /// carrying it); returns the output events (ascending, or in a convolution output layer's
    /// address order). Values must fit the bitstream's input width (checked here, and again by
    /// the device); on a binary-input bitstream only 0/1 fit.
    pub fn step_values(&mut self, values: &[u8]) -> Result<Vec<OutEvent>, LinkError> {
        let dev = self.device()?;
        check_values(&dev, values)?;
        if dev.graded_input() {
            self.step_command(&Command::StepValues {
                values: values.to_vec(),
            })
        } else {
            let events = (0u32..).zip(values).filter(|(_, &v)| v != 0);
            self.step_command(&Command::Step {
                input_size: values.len(),
                events: events.map(|(i, _)| i).collect(),
            })
        }
    }

    fn step_command(&mut self, cmd: &Command) -> Result<Vec<OutEvent>, LinkError> {
        match self.transact(cmd)? {
            Reply::StepOut(out) => Ok(out),
            reply => Err(unexpected(STEP, reply)),
        }
    }

    /// Spike counts per output neuron since the last reset.
    pub fn counts(&mut self) -> Result<Vec<u16>, LinkError> {
        self.device()?;
        match self.transact(&Command::Counts)? {
            Reply::Counts(c) => Ok(c),
            reply => Err(unexpected(0x03, reply)),
        }
    }

    /// Device status (also remembered: it decides how later commands are encoded).
    pub fn status(&mut self) -> Result<Status, LinkError> {
        match self.transact(&Command::Status)? {
            Reply::Status(s) => {
                self.device = Some(s);
                Ok(s)
            }
            reply => Err(unexpected(0x04, reply)),
        }
    }

    /// Reset, then run every step of one sample of binary spikes; returns the output events per
    /// step.
    pub fn run_sample(
        &mut self,
        input_size: usize,
        steps: &[Vec<u32>],
    ) -> Result<Vec<Vec<OutEvent>>, LinkError> {
        self.reset()?;
        steps
            .iter()
            .map(|events| self.step(input_size, events))
            .collect()
    }

    /// Reset, then run every step of one sample of input values (one row of values per step,
    /// see [`Link::step_values`]); returns the output events per step.
    pub fn run_sample_values(
        &mut self,
        steps: &[Vec<u8>],
    ) -> Result<Vec<Vec<OutEvent>>, LinkError> {
        let dev = self.device()?;
        for row in steps {
            check_values(&dev, row)?;
        }
        self.reset()?;
        steps.iter().map(|row| self.step_values(row)).collect()
    }

    /// One sample encoded on the device (RUN_PIXELS): the device resets, generates the spikes
    /// of `pixels` with its rate encoder ([`crate::rate_encode`]`(pixels, steps, seed)`), runs
    /// `steps` steps and returns the counts (and, with `per_step`, every step's outputs).
    pub fn run_pixels(
        &mut self,
        pixels: &[u8],
        steps: u16,
        seed: u16,
        per_step: bool,
    ) -> Result<SampleRun, LinkError> {
        let dev = self.device()?;
        check_input_size(&dev, pixels.len())?;
        if dev.version < 2 {
            return Err(LinkError::Mismatch(format!(
                "the board speaks host protocol version {}, which has no on-chip encoder \
                 (RUN_PIXELS needs version 5); rebuild and reprogram the bitstream, or send spikes",
                dev.version
            )));
        }
        if dev.version < 5 {
            return Err(LinkError::Mismatch(format!(
                "the board speaks host protocol version {}, whose on-chip encoder draws random \
                 numbers for all-zero pixel words, so its spikes are not the ones this host \
                 computes (`rate_encode`, version 5); rebuild and reprogram the bitstream, or send \
                 spikes",
                dev.version
            )));
        }
        let cmd = Command::RunPixels {
            pixels: pixels.to_vec(),
            steps,
            seed,
            per_step,
        };
        self.run(&cmd, steps, per_step)
    }

    /// One sample of constant input values (RUN_VALUES): the device resets and runs `steps`
    /// steps that each get `values` (as [`Link::step_values`]), then returns the counts (and,
    /// with `per_step`, every step's outputs).
    pub fn run_values(
        &mut self,
        values: &[u8],
        steps: u16,
        per_step: bool,
    ) -> Result<SampleRun, LinkError> {
        let dev = self.device()?;
        if dev.version < 3 {
            return Err(LinkError::Mismatch(format!(
                "the board speaks host protocol version {}, which has no RUN_VALUES (needs \
                 version 3); rebuild and reprogram the bitstream, or send every step",
                dev.version
            )));
        }
        check_values(&dev, values)?;
        let cmd = Command::RunValues {
            values: values.to_vec(),
            steps,
            per_step,
        };
        self.run(&cmd, steps, per_step)
    }

    /// Load a weight image (the image file's bytes) into the device's weight loader: LOAD frames
    /// of at most `chunk` bytes from offset 0, then LOAD_END, which must leave the loader ready.
    /// A frame the device reports corrupt (bad CRC) is sent again, up to 3 times; a device that
    /// reports an offset out of sequence (a lost reply) gets the image again from offset 0,
    /// once. `progress` gets the bytes confirmed so far. The device checks the image (size,
    /// CRC-32 against the bitstream's) and a refusal is [`LinkError::LoadFailed`]; a device
    /// that stops answering is [`LinkError::LoadTimeout`].
    pub fn load_image(
        &mut self,
        image: &[u8],
        chunk: usize,
        progress: &mut dyn FnMut(usize),
    ) -> Result<LoadReport, LinkError> {
        let dev = self.device()?;
        if dev.load.is_none() {
            return Err(LinkError::Mismatch(
                "the board's bitstream has no weight loader: its weights are in the bitstream, \
                 there is nothing to load"
                    .into(),
            ));
        }
        if image.is_empty() {
            return Err(LinkError::Encode("the weight image is empty".into()));
        }
        let chunk = chunk.clamp(1, MAX_LOAD_CHUNK);
        let timeout = |sent| {
            move |e: LinkError| match e {
                LinkError::Timeout { .. } | LinkError::Closed { .. } => LinkError::LoadTimeout {
                    sent,
                    total: image.len(),
                },
                e => e,
            }
        };
        let mut report = LoadReport {
            bytes: image.len(),
            frames: 0,
            resent: 0,
            crc: 0,
        };
        let (mut offset, mut tries, mut restarted) = (0usize, 0usize, false);
        while offset < image.len() {
            let end = (offset + chunk).min(image.len());
            let cmd = Command::Load {
                offset: offset as u32,
                data: image[offset..end].to_vec(),
            };
            match self.transact(&cmd).map_err(timeout(offset)) {
                Ok(Reply::Loaded { state, crc, pos }) => {
                    if state > LOAD_READY {
                        return Err(LinkError::LoadFailed { state, pos });
                    }
                    if pos as usize != end {
                        return Err(unexpected(LOAD, Reply::Loaded { state, crc, pos }));
                    }
                    report.frames += 1;
                    offset = end;
                    tries = 0;
                    progress(offset);
                }
                Ok(reply) => return Err(unexpected(LOAD, reply)),
                Err(LinkError::Rejected {
                    code: DeviceErrorCode::BadCrc,
                    ..
                }) if tries < LOAD_RETRIES => {
                    tries += 1;
                    report.resent += 1;
                }
                Err(LinkError::Rejected {
                    code: DeviceErrorCode::OutOfSequence,
                    ..
                }) if !restarted && offset > 0 => {
                    restarted = true;
                    offset = 0;
                }
                Err(e) => return Err(e),
            }
        }
        match self
            .transact(&Command::LoadEnd)
            .map_err(timeout(image.len()))?
        {
            Reply::LoadEnded { state, crc, .. } if state == LOAD_READY => {
                report.crc = crc;
                Ok(report)
            }
            Reply::LoadEnded { state, pos, .. } => Err(LinkError::LoadFailed { state, pos }),
            reply => Err(unexpected(LOAD_END, reply)),
        }
    }

    /// Send a RUN_* command and collect its per-step frames and final counts.
    fn run(&mut self, cmd: &Command, steps: u16, per_step: bool) -> Result<SampleRun, LinkError> {
        let code = cmd.code();
        self.send(cmd)?;
        let mut outputs = Vec::new();
        loop {
            match self.receive(code)? {
                Reply::StepOut(out) if per_step && outputs.len() < usize::from(steps) => {
                    outputs.push(out)
                }
                Reply::RunOut(counts) | Reply::ValuesOut(counts)
                    if !per_step || outputs.len() == usize::from(steps) =>
                {
                    return Ok(SampleRun {
                        outputs: per_step.then_some(outputs),
                        counts,
                    });
                }
                reply => return Err(unexpected(code, reply)),
            }
        }
    }

    /// Send one command and wait for its reply (`cmd | 0x80`); device errors naming this command
    /// fail it, other errors are kept in [`Link::notes`].
    pub fn transact(&mut self, cmd: &Command) -> Result<Reply, LinkError> {
        self.send(cmd)?;
        self.receive(cmd.code())
    }

    fn send(&mut self, cmd: &Command) -> Result<(), LinkError> {
        let frame = cmd.encode().map_err(LinkError::Encode)?;
        self.io.write_all(&frame)?;
        self.io.flush()?;
        Ok(())
    }

    /// The next reply frame for command `code` (errors naming it fail it).
    fn receive(&mut self, code: u8) -> Result<Reply, LinkError> {
        loop {
            while let Some(next) = self.decoder.next_frame() {
                let counted = self.device.is_some_and(|d| d.counted_output());
                let reply = match next.and_then(|f| Reply::from_frame_counted(&f, counted)) {
                    Ok(reply) => reply,
                    Err(e) => {
                        self.note(&e);
                        continue;
                    }
                };
                match reply {
                    Reply::Error { code: err, detail }
                        if detail == code && err != DeviceErrorCode::Timeout =>
                    {
                        return Err(LinkError::Rejected {
                            cmd: code,
                            code: err,
                        });
                    }
                    Reply::Error { code: err, detail } => {
                        self.notes
                            .push(format!("device error {err:?} (detail {detail:#04x})"));
                    }
                    Reply::Ack(c) if c != code => {
                        self.notes.push(format!("stray ack for {c:#04x}"))
                    }
                    reply => return Ok(reply),
                }
            }
            let mut buf = [0u8; 256];
            match self.io.read(&mut buf) {
                Ok(0) => return Err(LinkError::Closed { cmd: code }),
                Ok(n) => self.decoder.push(&buf[..n]),
                Err(e) if matches!(e.kind(), ErrorKind::TimedOut | ErrorKind::WouldBlock) => {
                    return Err(LinkError::Timeout { cmd: code });
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(e.into()),
            }
        }
    }

    fn note(&mut self, e: &DecodeError) {
        self.notes.push(e.to_string());
    }
}

/// The input size the host wants to send must be the bitstream's.
fn check_input_size(dev: &Status, input_size: usize) -> Result<(), LinkError> {
    if input_size != usize::from(dev.input_size) {
        return Err(LinkError::Mismatch(format!(
            "the board's bitstream has {} inputs, but the host sends {input_size} per step; \
             program the board with the bitstream of this design",
            dev.input_size
        )));
    }
    Ok(())
}

/// Input values must match the input size and fit the bitstream's input value width.
fn check_values(dev: &Status, values: &[u8]) -> Result<(), LinkError> {
    check_input_size(dev, values.len())?;
    let max = dev.max_input_value();
    match values.iter().position(|&v| v > max) {
        Some(feature) => Err(LinkError::ValueTooWide {
            feature,
            value: values[feature],
            bits: dev.in_value_bits.clamp(1, 8),
        }),
        None => Ok(()),
    }
}

fn unexpected(cmd: u8, reply: Reply) -> LinkError {
    LinkError::Unexpected {
        cmd,
        reply: Box::new(reply),
    }
}
