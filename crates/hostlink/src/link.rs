//! A command/reply session with a device over any byte stream. One command is in flight at a
//! time (the device queues at most one): send, then read frames until its reply arrives.

use std::io::{ErrorKind, Read, Write};

use crate::frame::{Command, DecodeError, Decoder, DeviceErrorCode, Reply, Status, RUN_PIXELS};

/// What the device returned for one RUN_PIXELS sample.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PixelRun {
    /// Output neurons that spiked at each step (only when asked for per-step outputs).
    pub outputs: Option<Vec<Vec<u32>>>,
    /// Spike count per output neuron over the sample (saturating at 65535).
    pub counts: Vec<u16>,
}

/// Why a host-link operation failed.
#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    /// The command could not be encoded (e.g. an input index out of range).
    #[error("cannot encode command: {0}")]
    Encode(String),
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
    #[error("device rejected command {cmd:#04x}: {code:?}")]
    Rejected {
        /// Command byte.
        cmd: u8,
        /// Device error code.
        code: DeviceErrorCode,
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
}

impl<T: Read + Write> Link<T> {
    /// Wrap a byte stream (its read timeout decides how long a reply may take).
    pub fn new(io: T) -> Self {
        Link {
            io,
            decoder: Decoder::new(),
            notes: Vec::new(),
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

    /// Reset the network and the counts.
    pub fn reset(&mut self) -> Result<(), LinkError> {
        match self.transact(&Command::Reset)? {
            Reply::Ack(0x01) => Ok(()),
            reply => Err(unexpected(0x01, reply)),
        }
    }

    /// Run one step; returns the output neurons that spiked, ascending.
    pub fn step(&mut self, input_size: usize, events: &[u32]) -> Result<Vec<u32>, LinkError> {
        let cmd = Command::Step {
            input_size,
            events: events.to_vec(),
        };
        match self.transact(&cmd)? {
            Reply::StepOut(out) => Ok(out),
            reply => Err(unexpected(0x02, reply)),
        }
    }

    /// Spike counts per output neuron since the last reset.
    pub fn counts(&mut self) -> Result<Vec<u16>, LinkError> {
        match self.transact(&Command::Counts)? {
            Reply::Counts(c) => Ok(c),
            reply => Err(unexpected(0x03, reply)),
        }
    }

    /// Device status.
    pub fn status(&mut self) -> Result<Status, LinkError> {
        match self.transact(&Command::Status)? {
            Reply::Status(s) => Ok(s),
            reply => Err(unexpected(0x04, reply)),
        }
    }

    /// Reset, then run every step of one sample; returns the output spikes per step.
    pub fn run_sample(
        &mut self,
        input_size: usize,
        steps: &[Vec<u32>],
    ) -> Result<Vec<Vec<u32>>, LinkError> {
        self.reset()?;
        steps
            .iter()
            .map(|events| self.step(input_size, events))
            .collect()
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
    ) -> Result<PixelRun, LinkError> {
        let cmd = Command::RunPixels {
            pixels: pixels.to_vec(),
            steps,
            seed,
            per_step,
        };
        self.send(&cmd)?;
        let mut outputs = Vec::new();
        loop {
            match self.receive(RUN_PIXELS)? {
                Reply::StepOut(out) if per_step && outputs.len() < usize::from(steps) => {
                    outputs.push(out)
                }
                Reply::RunOut(counts) if !per_step || outputs.len() == usize::from(steps) => {
                    return Ok(PixelRun {
                        outputs: per_step.then_some(outputs),
                        counts,
                    });
                }
                reply => return Err(unexpected(RUN_PIXELS, reply)),
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
                let reply = match next.and_then(|f| Reply::from_frame(&f)) {
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

fn unexpected(cmd: u8, reply: Reply) -> LinkError {
    LinkError::Unexpected {
        cmd,
        reply: Box::new(reply),
    }
}
