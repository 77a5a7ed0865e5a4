//! Frames of the host protocol: `A5 TYPE LENlo LENhi payload CRC8`, CRC-8 with polynomial 0x07
//! and initial value 0 over TYPE..payload (the SYNC byte is not covered).

/// First byte of every frame.
pub const SYNC: u8 = 0xA5;
/// Longest payload the decoder accepts (a device never sends more than 2 x 65535 counts).
pub const MAX_PAYLOAD: usize = 2 * 65535;
/// Most input features a RUN_PIXELS frame can carry (5 header bytes + pixels in a u16 length).
pub const MAX_PIXELS: usize = 65535 - 5;
/// Most input features a RUN_VALUES frame can carry (3 header bytes + values in a u16 length).
pub const MAX_VALUES: usize = 65535 - 3;
/// Most image bytes one LOAD frame can carry (4 offset bytes + data in a u16 length).
pub const MAX_LOAD_CHUNK: usize = 65535 - 4;
/// Protocol version of this crate (STATUS reports the device's).
pub const VERSION: u8 = 5;
/// STATUS's load state of a bitstream whose weights are in the bitstream (no loader).
pub const NO_LOADER: u8 = 0xFF;
/// The loader's ready state (sl_wload's `wl_state`, `spikeloom_plan::LoadState::Ready`).
pub const LOAD_READY: u8 = 2;

/// CRC-8, polynomial x^8 + x^2 + x + 1 (0x07), initial value 0, no reflection, no final xor.
pub fn crc8(bytes: &[u8]) -> u8 {
    bytes.iter().fold(0u8, |crc, &b| {
        (0..8).fold(crc ^ b, |c, _| {
            if c & 0x80 != 0 {
                (c << 1) ^ 0x07
            } else {
                c << 1
            }
        })
    })
}

/// A command from the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Reset the network state and the output counts.
    Reset,
    /// Run one time step with these input features spiking (indices < `input_size`): the
    /// bitmap STEP of a binary-input bitstream.
    Step {
        /// Number of input features of the design.
        input_size: usize,
        /// Indices of the features that spike this step (any order, duplicates ignored).
        events: Vec<u32>,
    },
    /// Run one time step of a graded-input bitstream (STATUS `in_value_bits` > 1): one value per
    /// input feature (exactly the design's input size); the non-zero ones are input events.
    StepValues {
        /// One value per feature, each below `2^in_value_bits`.
        values: Vec<u8>,
    },
    /// Read the per-output spike counts since the last reset.
    Counts,
    /// Read the device status.
    Status,
    /// Reset, then run `steps` time steps of one sample whose spikes the device generates from
    /// `pixels` with the on-chip rate encoder ([`crate::rate_encode`] with `seed`).
    RunPixels {
        /// One 8-bit value per input feature (exactly the design's input size).
        pixels: Vec<u8>,
        /// Time steps, 1..=65535.
        steps: u16,
        /// LFSR seed of this sample (0 means 0xACE1).
        seed: u16,
        /// Also send a STEP_OUT frame after every step (slower; for bit-exact checks).
        per_step: bool,
    },
    /// Bytes of a weight image for the device's loader, starting at byte `offset` of the image:
    /// offset 0 starts a load, any other offset must equal the bytes the loader has taken.
    Load {
        /// Position of `data` in the image.
        offset: u32,
        /// 1..=[`MAX_LOAD_CHUNK`] image bytes.
        data: Vec<u8>,
    },
    /// The whole image was sent: the loader must now hold a complete, checked image.
    LoadEnd,
    /// Reset, then run `steps` time steps that all get the same input `values` (graded STEP
    /// semantics: non-zero values are events carrying them): a "direct current" input.
    RunValues {
        /// One value per input feature (exactly the design's input size).
        values: Vec<u8>,
        /// Time steps, 1..=65535.
        steps: u16,
        /// Also send a STEP_OUT frame after every step.
        per_step: bool,
    },
}

/// Command byte of STEP.
pub const STEP: u8 = 0x02;
/// Command byte of RUN_PIXELS.
pub const RUN_PIXELS: u8 = 0x05;
/// Command byte of RUN_VALUES.
pub const RUN_VALUES: u8 = 0x06;
/// Command byte of LOAD.
pub const LOAD: u8 = 0x07;
/// Command byte of LOAD_END.
pub const LOAD_END: u8 = 0x08;

impl Command {
    /// The command byte.
    pub fn code(&self) -> u8 {
        match self {
            Command::Reset => 0x01,
            Command::Step { .. } | Command::StepValues { .. } => STEP,
            Command::Counts => 0x03,
            Command::Status => 0x04,
            Command::RunPixels { .. } => RUN_PIXELS,
            Command::RunValues { .. } => RUN_VALUES,
            Command::Load { .. } => LOAD,
            Command::LoadEnd => LOAD_END,
        }
    }

    /// The payload: for a step, the input bitmap (feature i = bit i%8 of byte i/8); for a graded
    /// step, the value bytes.
    pub fn payload(&self) -> Result<Vec<u8>, String> {
        match self {
            Command::Step { input_size, events } => {
                let mut bitmap = vec![0u8; input_size.div_ceil(8)];
                for &e in events {
                    let i = e as usize;
                    if i >= *input_size {
                        return Err(format!(
                            "input event {e} is out of range (input size {input_size})"
                        ));
                    }
                    bitmap[i / 8] |= 1 << (i % 8);
                }
                Ok(bitmap)
            }
            Command::RunPixels {
                pixels,
                steps,
                seed,
                per_step,
            } => {
                if *steps == 0 {
                    return Err("RUN_PIXELS needs at least one time step".to_string());
                }
                if pixels.is_empty() || pixels.len() > MAX_PIXELS {
                    return Err(format!(
                        "RUN_PIXELS carries 1..={MAX_PIXELS} pixels, got {}",
                        pixels.len()
                    ));
                }
                let mut p = vec![u8::from(*per_step)];
                p.extend_from_slice(&seed.to_le_bytes());
                p.extend_from_slice(&steps.to_le_bytes());
                p.extend_from_slice(pixels);
                Ok(p)
            }
            Command::StepValues { values } => {
                if values.is_empty() || values.len() > 65535 {
                    return Err(format!(
                        "a graded STEP carries 1..=65535 values, got {}",
                        values.len()
                    ));
                }
                Ok(values.clone())
            }
            Command::RunValues {
                values,
                steps,
                per_step,
            } => {
                if *steps == 0 {
                    return Err("RUN_VALUES needs at least one time step".to_string());
                }
                if values.is_empty() || values.len() > MAX_VALUES {
                    return Err(format!(
                        "RUN_VALUES carries 1..={MAX_VALUES} values, got {}",
                        values.len()
                    ));
                }
                let mut p = vec![u8::from(*per_step)];
                p.extend_from_slice(&steps.to_le_bytes());
                p.extend_from_slice(values);
                Ok(p)
            }
            Command::Load { offset, data } => {
                if data.is_empty() || data.len() > MAX_LOAD_CHUNK {
                    return Err(format!(
                        "a LOAD frame carries 1..={MAX_LOAD_CHUNK} image bytes, got {}",
                        data.len()
                    ));
                }
                let mut p = offset.to_le_bytes().to_vec();
                p.extend_from_slice(data);
                Ok(p)
            }
            _ => Ok(Vec::new()),
        }
    }

    /// The whole frame.
    pub fn encode(&self) -> Result<Vec<u8>, String> {
        Ok(encode_frame(self.code(), &self.payload()?))
    }
}

/// `A5 TYPE LEN payload CRC` for any type byte and payload (also used by tests to forge frames).
pub fn encode_frame(kind: u8, payload: &[u8]) -> Vec<u8> {
    let len = payload.len() as u16;
    let mut body = vec![kind, len as u8, (len >> 8) as u8];
    body.extend_from_slice(payload);
    let crc = crc8(&body);
    let mut out = vec![SYNC];
    out.extend(body);
    out.push(crc);
    out
}

/// A frame from the device with a correct checksum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// Type byte.
    pub kind: u8,
    /// Payload.
    pub payload: Vec<u8>,
}

/// Device status (reply to [`Command::Status`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Status {
    /// Protocol version (5; 4 = RUN_PIXELS's encoder does not skip zero words, 3 = no weight
    /// loading either, 2 = no RUN_VALUES and no value widths either, 1 = no RUN_PIXELS either).
    pub version: u8,
    /// An error frame was sent since power-up.
    pub error_seen: bool,
    /// More output events arrived in one step than the design has outputs.
    pub overflow: bool,
    /// The bitstream has no rate encoder: it refuses RUN_PIXELS ([`DeviceErrorCode::NoRateEncoder`];
    /// flags bit 2, version 5 bitstreams built without it).
    pub no_rate_encoder: bool,
    /// Input features of the design.
    pub input_size: u16,
    /// Output neurons of the design.
    pub output_size: u16,
    /// Steps run since the last reset (saturating).
    pub steps: u16,
    /// Frames dropped for a bad checksum (saturating).
    pub crc_errors: u8,
    /// Other protocol errors (saturating).
    pub other_errors: u8,
    /// Bits of an input value: 1 = binary spikes (bitmap STEP), more = graded STEP of one value
    /// byte per feature (version 3; 1 for older devices).
    pub in_value_bits: u8,
    /// Bits of an output spike count: 1 = binary output events, more = STEP_OUT entries carry
    /// a count byte (version 3; 1 for older devices).
    pub out_value_bits: u8,
    /// The weight loader of a bitstream whose weights are loaded at start-up (version 4);
    /// `None` when the bitstream holds its weights.
    pub load: Option<LoadStatus>,
}

/// The weight loader's part of STATUS (protocol version 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoadStatus {
    /// The loader's state (`spikeloom_plan::LoadState` code: 0 reading the flash, 1 host load,
    /// 2 ready, 3.. why it failed).
    pub state: u8,
    /// CRC-32 of the weight image the bitstream was built for.
    pub image_crc: u32,
    /// CRC-32 of the image payload the loader has taken (the loaded image's once ready).
    pub loaded_crc: u32,
    /// Image bytes the loader has taken.
    pub pos: u32,
}

impl LoadStatus {
    /// The device holds the weights of the image whose CRC-32 is `crc`.
    pub fn holds(&self, crc: u32) -> bool {
        self.state == LOAD_READY && self.loaded_crc == crc && self.image_crc == crc
    }
}

impl Status {
    /// Whether the bitstream takes graded input values.
    pub fn graded_input(&self) -> bool {
        self.in_value_bits > 1
    }

    /// Whether the output events carry spike counts.
    pub fn counted_output(&self) -> bool {
        self.out_value_bits > 1
    }

    /// Largest input value the bitstream accepts (1 for binary spikes).
    pub fn max_input_value(&self) -> u8 {
        ((1u16 << self.in_value_bits.clamp(1, 8)) - 1) as u8
    }
}

/// One output event of a step: the output neuron and its spike count (1 for a binary output
/// layer; 1..=255 for a spike-count layer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OutEvent {
    /// Output neuron.
    pub index: u32,
    /// Spikes it sent in the step.
    pub count: u8,
}

impl OutEvent {
    /// A binary spike of output `index`.
    pub fn spike(index: u32) -> Self {
        OutEvent { index, count: 1 }
    }
}

/// What the device reported as wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceErrorCode {
    /// A frame's checksum did not match.
    BadCrc,
    /// Unknown command byte.
    UnknownCommand,
    /// Wrong payload length for the command.
    BadLength,
    /// A frame stopped arriving mid-way.
    Timeout,
    /// An input value does not fit the bitstream's input width (the command did not run).
    ValueTooWide,
    /// A command arrived while another was still running.
    Busy,
    /// LOAD / LOAD_END sent to a bitstream without a weight loader.
    NoLoader,
    /// A LOAD frame's offset is not where the loader is.
    OutOfSequence,
    /// STEP / RUN_* before the weights were loaded.
    NotLoaded,
    /// RUN_PIXELS sent to a bitstream built without the rate encoder.
    NoRateEncoder,
    /// An unknown code.
    Other(u8),
}

impl DeviceErrorCode {
    fn from_byte(b: u8) -> Self {
        match b {
            1 => Self::BadCrc,
            2 => Self::UnknownCommand,
            3 => Self::BadLength,
            4 => Self::Timeout,
            5 => Self::ValueTooWide,
            6 => Self::Busy,
            7 => Self::NoLoader,
            8 => Self::OutOfSequence,
            9 => Self::NotLoaded,
            10 => Self::NoRateEncoder,
            other => Self::Other(other),
        }
    }
}

impl std::fmt::Display for DeviceErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::BadCrc => write!(f, "bad checksum (frame corrupted on the line)"),
            Self::UnknownCommand => write!(
                f,
                "unknown command (the bitstream speaks an older protocol; rebuild and reprogram it)"
            ),
            Self::BadLength => write!(
                f,
                "wrong payload length (the bitstream has another input size or input kind)"
            ),
            Self::Timeout => write!(f, "frame stalled mid-way"),
            Self::ValueTooWide => {
                write!(f, "an input value does not fit the bitstream's input width")
            }
            Self::Busy => write!(f, "busy (another command was still running)"),
            Self::NoLoader => write!(
                f,
                "this bitstream has no weight loader (its weights are in the bitstream)"
            ),
            Self::OutOfSequence => write!(
                f,
                "weight image bytes out of sequence (the offset is not the loader's position)"
            ),
            Self::NotLoaded => write!(
                f,
                "the weights are not loaded (the core does not run until a weight image is loaded)"
            ),
            Self::NoRateEncoder => write!(
                f,
                "this bitstream has no rate encoder (built without it to fit the device): send \
                 the spikes (STEP) or values (RUN_VALUES), or rebuild with --rate-encoder on"
            ),
            Self::Other(c) => write!(f, "error code {c}"),
        }
    }
}

/// A decoded device frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// A command (by code) completed.
    Ack(u8),
    /// Output events of the step, in the order the output layer pushes them: ascending by
    /// neuron for a dense layer, by address (channel chunk, then position) for a convolution
    /// layer (count 1 each for a binary output).
    StepOut(Vec<OutEvent>),
    /// Spike count per output neuron since the last reset.
    Counts(Vec<u16>),
    /// Device status.
    Status(Status),
    /// End of a RUN_PIXELS sample: spike count per output neuron over its steps.
    RunOut(Vec<u16>),
    /// End of a RUN_VALUES sample: spike count per output neuron over its steps.
    ValuesOut(Vec<u16>),
    /// A LOAD frame was taken: the loader's state, CRC and position after it.
    Loaded {
        /// Loader state (`LoadStatus::state`).
        state: u8,
        /// CRC-32 of the payload taken so far.
        crc: u32,
        /// Image bytes taken.
        pos: u32,
    },
    /// LOAD_END: the loader's verdict.
    LoadEnded {
        /// Loader state (2 = ready).
        state: u8,
        /// CRC-32 of the payload taken.
        crc: u32,
        /// Image bytes taken.
        pos: u32,
    },
    /// The device rejected something; `detail` is the command byte concerned (or parser state).
    Error {
        /// What went wrong.
        code: DeviceErrorCode,
        /// Command byte (or parser state for a timeout).
        detail: u8,
    },
}

impl Reply {
    /// Interpret a checked frame of a bitstream with binary outputs (STEP_OUT entries are u16
    /// indices); see [`Reply::from_frame_counted`].
    pub fn from_frame(frame: &Frame) -> Result<Reply, DecodeError> {
        Self::from_frame_counted(frame, false)
    }

    /// Interpret a checked frame; `counted`: the device's STEP_OUT entries are u16 index + u8
    /// count (STATUS `out_value_bits` > 1).
    pub fn from_frame_counted(frame: &Frame, counted: bool) -> Result<Reply, DecodeError> {
        let p = &frame.payload;
        let bad = |what: &str| DecodeError::Malformed {
            kind: frame.kind,
            what: what.to_string(),
        };
        let words = || p.chunks_exact(2).map(|w| u16::from_le_bytes([w[0], w[1]]));
        let word = |at: usize| u32::from_le_bytes([p[at], p[at + 1], p[at + 2], p[at + 3]]);
        match frame.kind {
            0x81 if p.len() == 1 => Ok(Reply::Ack(p[0])),
            0x82 if counted && p.len().is_multiple_of(3) => Ok(Reply::StepOut(
                p.chunks_exact(3)
                    .map(|e| OutEvent {
                        index: u32::from(u16::from_le_bytes([e[0], e[1]])),
                        count: e[2],
                    })
                    .collect(),
            )),
            0x82 if !counted && p.len().is_multiple_of(2) => Ok(Reply::StepOut(
                words().map(|i| OutEvent::spike(u32::from(i))).collect(),
            )),
            0x83 if p.len().is_multiple_of(2) => Ok(Reply::Counts(words().collect())),
            0x85 if p.len().is_multiple_of(2) => Ok(Reply::RunOut(words().collect())),
            0x86 if p.len().is_multiple_of(2) => Ok(Reply::ValuesOut(words().collect())),
            0x87 if p.len() == 9 => Ok(Reply::Loaded {
                state: p[0],
                crc: word(1),
                pos: word(5),
            }),
            0x88 if p.len() == 9 => Ok(Reply::LoadEnded {
                state: p[0],
                crc: word(1),
                pos: word(5),
            }),
            0x84 if matches!(p.len(), 10 | 12 | 25) => Ok(Reply::Status(Status {
                version: p[0],
                error_seen: p[1] & 1 != 0,
                overflow: p[1] & 2 != 0,
                no_rate_encoder: p[1] & 4 != 0,
                input_size: u16::from_le_bytes([p[2], p[3]]),
                output_size: u16::from_le_bytes([p[4], p[5]]),
                steps: u16::from_le_bytes([p[6], p[7]]),
                crc_errors: p[8],
                other_errors: p[9],
                in_value_bits: p.get(10).copied().unwrap_or(1),
                out_value_bits: p.get(11).copied().unwrap_or(1),
                load: (p.len() == 25 && p[12] != NO_LOADER).then(|| LoadStatus {
                    state: p[12],
                    loaded_crc: word(13),
                    pos: word(17),
                    image_crc: word(21),
                }),
            })),
            0xEE if p.len() == 2 => Ok(Reply::Error {
                code: DeviceErrorCode::from_byte(p[0]),
                detail: p[1],
            }),
            0x81..=0x88 | 0xEE => Err(bad(&format!("payload of {} bytes", p.len()))),
            _ => Err(bad("unknown frame type")),
        }
    }
}

/// A problem in the device's byte stream.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// A frame's checksum was wrong; the decoder skipped to the next SYNC.
    #[error("device frame type {kind:#04x}: checksum {got:#04x} != computed {want:#04x}")]
    BadCrc {
        /// Type byte.
        kind: u8,
        /// Received CRC.
        got: u8,
        /// Computed CRC.
        want: u8,
    },
    /// A frame had a correct checksum but an unexpected shape.
    #[error("device frame type {kind:#04x}: {what}")]
    Malformed {
        /// Type byte.
        kind: u8,
        /// What was wrong.
        what: String,
    },
}

/// Streaming decoder: push bytes as they arrive, take frames out. Bytes outside frames are
/// skipped (and counted); a bad checksum restarts the search just after that frame's SYNC.
#[derive(Debug, Default)]
pub struct Decoder {
    buf: Vec<u8>,
    skipped: usize,
}

impl Decoder {
    /// An empty decoder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Bytes skipped so far because they were not part of a frame.
    pub fn skipped(&self) -> usize {
        self.skipped
    }

    /// Add received bytes.
    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// The next complete frame, an error for a corrupt one, or `None` when more bytes are needed.
    pub fn next_frame(&mut self) -> Option<Result<Frame, DecodeError>> {
        loop {
            let start = self.buf.iter().position(|&b| b == SYNC);
            let Some(start) = start else {
                self.skipped += self.buf.len();
                self.buf.clear();
                return None;
            };
            self.skipped += start;
            self.buf.drain(..start);
            if self.buf.len() < 4 {
                return None;
            }
            let len = usize::from(u16::from_le_bytes([self.buf[2], self.buf[3]]));
            if len > MAX_PAYLOAD {
                self.skip_one();
                continue;
            }
            if self.buf.len() < 5 + len {
                return None;
            }
            let want = crc8(&self.buf[1..4 + len]);
            let got = self.buf[4 + len];
            if got != want {
                let kind = self.buf[1];
                self.skip_one();
                return Some(Err(DecodeError::BadCrc { kind, got, want }));
            }
            let frame = Frame {
                kind: self.buf[1],
                payload: self.buf[4..4 + len].to_vec(),
            };
            self.buf.drain(..5 + len);
            return Some(Ok(frame));
        }
    }

    fn skip_one(&mut self) {
        self.buf.remove(0);
        self.skipped += 1;
    }
}
