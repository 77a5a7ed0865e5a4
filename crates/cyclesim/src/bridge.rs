//! Twin of the step path of rtl-templates/io/host_bridge.v: the feature memory and its non-zero
//! word list (zero-skip), the feature scan pipeline with the rate encoder's LFSR, the event
//! output register with its skid register, and the engine states of a run (count clear, then
//! per step: start the scan, wait for the end-of-step beat to be taken, wait for the output
//! end of step). Register for register; the frame parser and sender (UART bytes) are not
//! modelled: a run starts with its features in place, as after its frame was taken.
//!
//! [`crate::CycleSim::run_bridge`] wires it to the cycle model's `in_*`/`out_eos` like
//! board_top.v wires the bridge to `spikeloom_top`, so cycles per step include the scan.

/// How a run's feature bytes become events (host_bridge.v `vscan`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Features {
    /// Each non-zero byte is an event with that value (RUN_VALUES, STEP; a bitmap's bits are
    /// 0/1 bytes).
    Values,
    /// Pixel bytes, rate-encoded on chip by the LFSR from `seed` (RUN_PIXELS; seed 0 starts at
    /// 0xACE1), as `spikeloom_hostlink::rate_encode` computes.
    Pixels {
        /// The command's seed.
        seed: u16,
    },
}

/// Engine state of the bridge during a run (host_bridge.v `gst`, the states a run visits).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// G_CLR: the output counts are cleared after the core reset.
    Clear,
    /// G_PNEXT: a step starts (one cycle).
    Next,
    /// G_SCAN: until the end-of-step beat is taken.
    Scan,
    /// G_WAIT: until the core's output end-of-step beat.
    Wait,
    /// G_PFIN and after: the run's steps are done.
    Done,
}

/// Galois LFSR, 8 shifts (host_bridge.v `lfsr8`, hostlink's `Lfsr::next_byte` without the byte).
fn lfsr8(mut s: u16) -> u16 {
    for _ in 0..8 {
        let out = s & 1;
        s >>= 1;
        if out != 0 {
            s ^= 0xB400;
        }
    }
    s
}

/// The bridge's step path (host_bridge.v), reset into a run by [`Bridge::start`].
#[derive(Debug, Clone)]
pub struct Bridge {
    in_size: usize,
    out_size: usize,
    idx_mask: u32,
    val_mask: u32,
    /// Words of a step (PXW) and the mask of the last word's features (LAST_M).
    words: usize,
    last_m: u8,
    /// `ZERO_SKIP`: a step scans the listed non-zero words (else every word).
    zero_skip: bool,
    // feature memory and non-zero word list (what the frame receiver wrote)
    px: Vec<[u8; 4]>,
    nzl: Vec<usize>,
    // engine
    phase: Phase,
    clr: usize,
    clr_done: bool,
    pleft: u32,
    vscan: bool,
    scan_go: bool,
    eos_sent: bool,
    out_done: bool,
    lfsr: u16,
    // scan pipeline
    iss: bool,
    li: usize,
    nlast: usize,
    lempty: bool,
    ia: usize,
    iav: bool,
    iae: bool,
    pxq: [u8; 4],
    s1v: bool,
    s1l: bool,
    s1e: bool,
    s1a: usize,
    pxr: [u8; 4],
    taps: [u8; 4],
    s2v: bool,
    s2l: bool,
    s2e: bool,
    s2a: usize,
    d3: [u8; 4],
    a3: usize,
    m3: u8,
    // output register and skid register: (eos, index, value)
    ov: bool,
    o: (bool, u32, u32),
    sv: bool,
    s: (bool, u32, u32),
}

impl Bridge {
    /// The bridge of a design with `in_size` features of `in_bits` bits (1: binary) on an
    /// `in_w`-bit index port, and `out_size` outputs; `zero_skip`: `ZERO_SKIP`
    /// (`Plan::bridge_zero_skip`).
    pub fn new(
        in_size: usize,
        in_bits: u32,
        in_w: u32,
        out_size: usize,
        zero_skip: bool,
    ) -> Bridge {
        let words = in_size.div_ceil(4).max(1);
        let last_n = in_size - 4 * (words - 1);
        Bridge {
            in_size,
            out_size,
            idx_mask: if in_w >= 32 {
                u32::MAX
            } else {
                (1 << in_w) - 1
            },
            val_mask: (1u32 << in_bits.clamp(1, 31)) - 1,
            words,
            last_m: 0x0F >> (4 - last_n),
            zero_skip,
            px: vec![[0; 4]; words],
            nzl: Vec::new(),
            phase: Phase::Done,
            clr: 0,
            clr_done: false,
            pleft: 0,
            vscan: true,
            scan_go: false,
            eos_sent: false,
            out_done: false,
            lfsr: 0,
            iss: false,
            li: 0,
            nlast: 0,
            lempty: false,
            ia: 0,
            iav: false,
            iae: false,
            pxq: [0; 4],
            s1v: false,
            s1l: false,
            s1e: false,
            s1a: 0,
            pxr: [0; 4],
            taps: [0; 4],
            s2v: false,
            s2l: false,
            s2e: false,
            s2a: 0,
            d3: [0; 4],
            a3: 0,
            m3: 0,
            ov: false,
            o: (false, 0, 0),
            sv: false,
            s: (false, 0, 0),
        }
    }

    /// Store `features` (`in_size` bytes) as the frame receiver does: the feature words and the
    /// list of the words with a non-zero byte (without zero-skip: every word, the scan's word
    /// counter). Only between steps (the RTL refuses a payload while a step scans).
    pub fn set_features(&mut self, features: &[u8]) {
        assert_eq!(features.len(), self.in_size, "one byte per feature");
        self.nzl.clear();
        for (w, chunk) in features.chunks(4).enumerate() {
            let mut word = self.px[w];
            word[..chunk.len()].copy_from_slice(chunk);
            self.px[w] = word;
            if !self.zero_skip || chunk.iter().any(|&b| b != 0) {
                self.nzl.push(w);
            }
        }
    }

    /// A run of `steps` steps (RUN_VALUES / RUN_PIXELS, counts only) starting at the first
    /// cycle after the core reset, with the features set by [`Bridge::set_features`].
    pub fn start(&mut self, features: Features, steps: u32) {
        self.vscan = features == Features::Values;
        if let Features::Pixels { seed } = features {
            self.lfsr = if seed == 0 { 0xACE1 } else { seed };
        }
        self.phase = Phase::Clear;
        self.clr = 0;
        self.clr_done = false;
        self.pleft = steps;
        // the reset's registers
        self.iss = false;
        self.s1v = false;
        self.s2v = false;
        self.iav = false;
        self.m3 = 0;
        self.ov = false;
        self.sv = false;
    }

    /// The engine state in this cycle.
    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// The beat presented on `in_*` in this cycle: `Some(None)` = end of step, `Some(Some((
    /// index, value)))` = event, `None` = no beat.
    pub fn beat(&self) -> Option<Option<(u32, u32)>> {
        self.ov.then_some(if self.o.0 {
            None
        } else {
            Some((self.o.1, self.o.2))
        })
    }

    /// The scan and the output register are empty and no step is starting: nothing changes
    /// until the core's output end of step (G_WAIT).
    pub fn waiting(&self) -> bool {
        self.phase == Phase::Wait && !self.ov && !self.sv && self.m3 == 0
    }

    /// One clock edge: `in_ready` is the core's (only sampled while a beat is presented),
    /// `out_eos` whether the core's output end-of-step beat transfers at this edge.
    pub fn clock(&mut self, in_ready: bool, out_eos: bool) {
        // combinational, from the registers before the edge
        let out_free = !self.ov || in_ready;
        let m3_low = self.m3 & self.m3.wrapping_neg();
        let m3_one = self.m3 & self.m3.wrapping_sub(1) == 0;
        let emit = !self.sv && self.m3 != 0;
        let adv = self.m3 == 0 || (!self.sv && m3_one);
        let lane = match m3_low {
            2 => 1,
            4 => 2,
            8 => 3,
            _ => 0,
        };
        let emitted = (
            m3_low & 0x10 != 0,
            ((self.a3 * 4 + lane) as u32) & self.idx_mask,
            if self.vscan {
                u32::from(self.d3[lane]) & self.val_mask
            } else {
                1
            },
        );
        let spk = (0..4).fold(0u8, |m, j| {
            let hit = if self.vscan {
                self.pxr[j] != 0
            } else {
                self.taps[j] < self.pxr[j]
            };
            m | (u8::from(hit) << j)
        });
        let l8 = lfsr8(self.lfsr);
        let l16 = lfsr8(l8);
        let l24 = lfsr8(l16);
        let l32 = lfsr8(l24);
        let l_last = [l8, l16, l24, l32][self.last_m.count_ones() as usize - 1];
        let raddr = if adv { self.ia } else { self.s1a };
        // the list's read with an enable (ia holds while stalled)
        let ia = if adv {
            self.nzl.get(self.li).copied().unwrap_or(0)
        } else {
            self.ia
        };
        let eos_taken = self.ov && self.o.0 && in_ready;
        // the word in s1 (its data in pxq) has a non-zero feature: always, for a listed word
        let lanes = if self.s1l { self.last_m } else { 0x0F };
        let s1_nz = self.zero_skip || (0..4).any(|j| lanes >> j & 1 == 1 && self.pxq[j] != 0);

        // the LFSR moves one word per listed word scanned (RUN_PIXELS); without the list, one
        // per scanned word with a non-zero pixel
        if adv && self.s1v && !self.vscan && !self.lempty && s1_nz {
            self.lfsr = if self.s1l { l_last } else { l32 };
        }
        // the output register and its skid register
        if out_free {
            if self.sv {
                self.ov = true;
                self.o = self.s;
                self.sv = false;
            } else {
                self.ov = emit;
                self.o = emitted;
            }
        } else if emit {
            self.sv = true;
            self.s = emitted;
        }
        // the scan pipeline, last stage first (each reads its predecessor's old register)
        if self.scan_go {
            self.iss = true;
            self.li = 0;
            self.lempty = self.zero_skip && self.nzl.is_empty();
            self.nlast = self.nzl.len().saturating_sub(1);
        } else if adv {
            self.m3 = if self.s2v {
                let mask = if self.s2l { self.last_m } else { 0x0F };
                let lanes = if self.lempty { 0 } else { spk & mask };
                (u8::from(self.s2e) << 4) | lanes
            } else {
                0
            };
            self.d3 = self.pxr;
            self.a3 = self.s2a;
            self.s2v = self.s1v;
            self.s2l = self.s1l;
            self.s2e = self.s1e;
            self.s2a = self.s1a;
            self.pxr = self.pxq;
            self.taps = [l8 as u8, l16 as u8, l24 as u8, l32 as u8];
            self.s1v = self.iav;
            self.s1l = self.ia == self.words - 1;
            self.s1e = self.iae;
            self.s1a = self.ia;
            self.iav = self.iss;
            self.iae = self.li == self.nlast;
            if self.iss {
                if self.li == self.nlast {
                    self.iss = false;
                }
                self.li += 1;
            }
        } else if emit {
            self.m3 &= !m3_low;
        }
        // the memories' registered reads (no write during a run)
        self.pxq = self.px.get(raddr).copied().unwrap_or([0; 4]);
        self.ia = ia;

        // the engine (the states of a run)
        let mut eos_sent = self.eos_sent || eos_taken;
        let mut out_done = self.out_done || out_eos;
        let mut scan_go = false;
        match self.phase {
            Phase::Clear => {
                if !self.clr_done {
                    self.clr_done = self.clr == self.out_size - 1;
                    self.clr += 1;
                } else {
                    self.phase = if self.pleft == 0 {
                        Phase::Done
                    } else {
                        Phase::Next
                    };
                }
            }
            Phase::Next => {
                scan_go = true;
                eos_sent = false;
                out_done = false;
                self.phase = Phase::Scan;
            }
            Phase::Scan => {
                if self.eos_sent {
                    self.phase = Phase::Wait;
                }
            }
            Phase::Wait => {
                if self.out_done {
                    self.phase = if self.pleft == 1 {
                        Phase::Done
                    } else {
                        Phase::Next
                    };
                    self.pleft -= 1;
                }
            }
            Phase::Done => {}
        }
        self.scan_go = scan_go;
        self.eos_sent = eos_sent;
        self.out_done = out_done;
    }
}
