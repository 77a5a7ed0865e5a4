//! Twins of rtl-templates/mem/sl_wload.v ([`Loader`], the weight loader) and of
//! sim/sl_spi_flash.v ([`Flash`], the co-simulation's SPI flash model).
//!
//! Both are clocked like the RTL: [`Loader::clock`] / [`Flash::clock`] compute every register's
//! next value from the current ones and the inputs of the cycle (nonblocking semantics), so the
//! outputs read after a call are the values the RTL's registers hold after that edge.

use spikeloom_plan::{LoadState, LoaderPlan, IMAGE_HEADER_BYTES};

/// The loader's parameters (sl_wload's Verilog parameters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoaderParams {
    /// Granules of the design's image (`N_GRAN`).
    pub granules: usize,
    /// CRC-32 of the design's payload (`CRC`).
    pub crc: u32,
    /// Byte address of the image in the flash (`FLASH_OFFSET`, 24 bits).
    pub flash_offset: u32,
    /// Cycles of CS# high after the wake-up command, minus one (`TRES_CYCLES`).
    pub tres_cycles: u32,
    /// 0x0B with 8 dummy clocks instead of 0x03 (`FAST_READ`).
    pub fast_read: bool,
    /// Idle cycles after which a host load fails (`HOST_TIMEOUT`).
    pub host_timeout: u32,
}

impl LoaderParams {
    /// The parameters the generated top gives sl_wload for `plan` (crates/verilog emits the
    /// same values).
    pub fn of(plan: &LoaderPlan) -> Self {
        LoaderParams {
            granules: plan.granules,
            crc: plan.image_crc,
            flash_offset: plan.flash_offset,
            tres_cycles: plan.tres_cycles(),
            fast_read: plan.fast_read(),
            host_timeout: plan.host_timeout_cycles(),
        }
    }
}

/// The host byte stream's inputs in one cycle (one-cycle pulses, see sl_wload.v).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HostIn {
    /// `hl_start`: begin a host load.
    pub start: bool,
    /// `hl_valid`: `data` is an image byte.
    pub valid: bool,
    /// `hl_data`.
    pub data: u8,
    /// `hl_keep`: checkpoint.
    pub keep: bool,
    /// `hl_drop`: roll back to the checkpoint.
    pub drop: bool,
    /// `hl_end`: the host says the image is complete.
    pub end: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fst {
    Wake,
    Out,
    Wend,
    Wait,
    In,
    End,
    Off,
}

const POLY: u32 = 0xEDB8_8320;
/// The wake-up instruction (release from deep power-down), sent from bit 7.
const WAKE: u64 = 0xAB;
const HDR: u32 = IMAGE_HEADER_BYTES as u32;

/// sl_wload, register for register.
#[derive(Debug, Clone, Copy)]
pub struct Loader {
    p: LoaderParams,
    total: u32,
    // image checker
    st: LoadState,
    host: bool,
    pos: u32,
    crc: u32,
    lo: u8,
    ff: bool,
    bad: bool,
    sh: u8,
    nb: u8,
    fin: bool,
    c_st: LoadState,
    c_pos: u32,
    c_crc: u32,
    c_lo: u8,
    c_ff: bool,
    c_bad: bool,
    hto: u32,
    fb_valid: bool,
    fb: u8,
    /// `wl_we`: a granule is written this cycle.
    pub we: bool,
    /// `wl_addr`.
    pub addr: u16,
    /// `wl_data`.
    pub data: u16,
    // SPI reader
    fst: Fst,
    rd: bool,
    obits: u8,
    isr: u8,
    ibits: u8,
    wait_n: u32,
    /// `flash_csn`.
    pub csn: bool,
    /// `flash_sck`.
    pub sck: bool,
    /// `flash_mosi`.
    pub mosi: bool,
}

impl Loader {
    /// The loader in its reset state.
    pub fn new(p: LoaderParams) -> Self {
        let mut l = Loader {
            p,
            total: HDR + 2 * p.granules as u32,
            st: LoadState::Flash,
            host: false,
            pos: 0,
            crc: 0,
            lo: 0,
            ff: true,
            bad: false,
            sh: 0,
            nb: 0,
            fin: false,
            c_st: LoadState::Flash,
            c_pos: 0,
            c_crc: 0,
            c_lo: 0,
            c_ff: true,
            c_bad: false,
            hto: 0,
            fb_valid: false,
            fb: 0,
            we: false,
            addr: 0,
            data: 0,
            fst: Fst::Wake,
            rd: false,
            obits: 0,
            isr: 0,
            ibits: 0,
            wait_n: 0,
            csn: true,
            sck: false,
            mosi: false,
        };
        l.reset();
        l
    }

    /// The parameters.
    pub fn params(&self) -> &LoaderParams {
        &self.p
    }

    /// `rst` high at an edge (a power-on reset).
    pub fn reset(&mut self) {
        self.we = false;
        self.fb_valid = false;
        self.st = LoadState::Flash;
        self.host = false;
        self.pos = 0;
        self.crc = 0xFFFF_FFFF;
        self.lo = 0;
        self.ff = true;
        self.bad = false;
        self.sh = 0;
        self.nb = 0;
        self.fin = false;
        self.c_st = LoadState::Flash;
        self.c_pos = 0;
        self.c_crc = 0xFFFF_FFFF;
        self.c_lo = 0;
        self.c_ff = true;
        self.c_bad = false;
        self.hto = 0;
        self.addr = 0;
        self.data = 0;
        self.fst = Fst::Wake;
        self.csn = true;
        self.sck = false;
        self.mosi = false;
        self.rd = false;
        self.obits = 0;
        self.isr = 0;
        self.ibits = 0;
        self.wait_n = 0;
        self.fb = 0;
    }

    /// `wl_state`.
    pub fn state(&self) -> LoadState {
        self.st
    }

    /// `wl_ready`.
    pub fn ready(&self) -> bool {
        self.st == LoadState::Ready
    }

    /// `wl_crc`: CRC-32 of the payload bytes taken so far.
    pub fn crc(&self) -> u32 {
        !self.crc
    }

    /// `wl_pos`: image bytes taken.
    pub fn pos(&self) -> u32 {
        self.pos
    }

    /// One rising clock edge with `rst` low, `miso` on `flash_miso` and the host inputs `h`.
    pub fn clock(&mut self, miso: bool, h: HostIn) {
        let o = *self;
        self.check(&o, h);
        self.spi(&o, miso, h.start);
    }

    /// The image checker (the first always block).
    fn check(&mut self, o: &Loader, h: HostIn) {
        self.we = false;
        if h.start {
            self.st = LoadState::Host;
            self.host = true;
            self.pos = 0;
            self.crc = 0xFFFF_FFFF;
            self.ff = true;
            self.bad = false;
            self.nb = 0;
            self.fin = false;
            self.c_st = LoadState::Host;
            self.c_pos = 0;
            self.c_crc = 0xFFFF_FFFF;
            self.c_ff = true;
            self.c_bad = false;
            self.hto = 0;
        } else if o.host && h.drop {
            self.st = o.c_st;
            self.pos = o.c_pos;
            self.crc = o.c_crc;
            self.lo = o.c_lo;
            self.ff = o.c_ff;
            self.bad = o.c_bad;
            self.nb = 0;
            self.fin = false;
            self.hto = 0;
        } else if o.host && h.end {
            if o.st == LoadState::Host {
                self.st = LoadState::Incomplete;
                self.c_st = LoadState::Incomplete;
            }
        } else if o.host && h.keep {
            self.c_st = o.st;
            self.c_pos = o.pos;
            self.c_crc = o.crc;
            self.c_lo = o.lo;
            self.c_ff = o.ff;
            self.c_bad = o.bad;
            self.hto = 0;
        } else {
            if o.st == LoadState::Host {
                if h.valid {
                    self.hto = 0;
                } else if o.hto == self.p.host_timeout {
                    self.st = LoadState::Timeout;
                    self.c_st = LoadState::Timeout;
                } else {
                    self.hto = o.hto + 1;
                }
            }
            let arrived = if o.host {
                h.valid && o.st == LoadState::Host
            } else {
                o.fb_valid && o.st == LoadState::Flash
            };
            let b = if o.host { h.data } else { o.fb };
            if arrived && o.nb == 0 && !o.fin {
                self.take(o, b);
            } else if o.nb != 0 {
                let fb = (o.crc ^ u32::from(o.sh)) & 1 != 0;
                self.crc = (o.crc >> 1) ^ if fb { POLY } else { 0 };
                self.sh = o.sh >> 1;
                self.nb = o.nb - 1;
            } else if o.fin {
                self.fin = false;
                self.st = if !o.crc == self.p.crc {
                    LoadState::Ready
                } else {
                    LoadState::Crc
                };
            }
        }
    }

    /// Image byte `b` taken at position `o.pos`.
    fn take(&mut self, o: &Loader, b: u8) {
        self.pos = o.pos + 1;
        if o.pos < HDR {
            let field_start = matches!(o.pos, 0 | 4 | 8);
            let bad = (!field_start && o.bad) | (b != self.header_byte(o.pos));
            let ff = (field_start || o.ff) & (b == 0xFF);
            self.bad = bad;
            self.ff = ff;
            if bad && matches!(o.pos, 3 | 7 | 11) {
                self.st = match o.pos {
                    3 if ff => LoadState::Blank,
                    3 => LoadState::Magic,
                    7 => LoadState::Count,
                    _ => LoadState::Hash,
                };
            }
        } else {
            let ppos = o.pos - HDR;
            self.sh = b;
            self.nb = 8;
            if ppos & 1 == 0 {
                self.lo = b;
            } else {
                self.we = true;
                self.addr = (ppos >> 1) as u16;
                self.data = u16::from_le_bytes([o.lo, b]);
            }
            if o.pos == self.total - 1 {
                self.fin = true;
            }
        }
    }

    /// The header byte the design expects at `pos` (< 12).
    fn header_byte(&self, pos: u32) -> u8 {
        let i = pos as usize;
        match i {
            0..=3 => spikeloom_plan::IMAGE_MAGIC[i],
            4..=7 => (self.p.granules as u32).to_le_bytes()[i - 4],
            _ => self.p.crc.to_le_bytes()[i - 8],
        }
    }

    /// The read instruction, sent from bit 31 (0x03) or 39 (0x0B) down to bit 0 (`RD_WORD`).
    fn read_word(&self) -> u64 {
        let addr = u64::from(self.p.flash_offset & 0xFF_FFFF);
        if self.p.fast_read {
            (0x0B << 32) | (addr << 8)
        } else {
            (0x03 << 24) | addr
        }
    }

    /// The SPI flash reader (the second always block).
    fn spi(&mut self, o: &Loader, miso: bool, start: bool) {
        self.fb_valid = false;
        if start {
            self.fst = Fst::Off;
            self.csn = true;
            self.sck = false;
            self.mosi = false;
            return;
        }
        let rd_bits = if self.p.fast_read { 40 } else { 32 };
        match o.fst {
            Fst::Wake => {
                self.csn = false;
                self.mosi = WAKE & 0x80 != 0;
                self.obits = 8;
                self.fst = Fst::Out;
            }
            Fst::Out => {
                if !o.sck {
                    self.sck = true;
                } else {
                    self.sck = false;
                    if o.obits == 1 {
                        self.fst = if o.rd { Fst::In } else { Fst::Wend };
                    } else {
                        let word = if o.rd { self.read_word() } else { WAKE };
                        self.mosi = (word >> (o.obits - 2)) & 1 != 0;
                        self.obits = o.obits - 1;
                    }
                }
            }
            Fst::Wend => {
                self.csn = true;
                self.mosi = false;
                self.wait_n = self.p.tres_cycles;
                self.fst = Fst::Wait;
            }
            Fst::Wait => {
                if o.wait_n != 0 {
                    self.wait_n = o.wait_n - 1;
                } else {
                    self.csn = false;
                    self.mosi = (self.read_word() >> (rd_bits - 1)) & 1 != 0;
                    self.obits = rd_bits;
                    self.rd = true;
                    self.fst = Fst::Out;
                }
            }
            Fst::In => {
                if o.st != LoadState::Flash || o.pos == o.total {
                    self.fst = Fst::End;
                } else if !o.sck {
                    self.sck = true;
                } else {
                    self.sck = false;
                    let bits = (o.isr << 1) | u8::from(miso);
                    self.isr = bits & 0x7F;
                    self.ibits = (o.ibits + 1) & 7;
                    if o.ibits == 7 {
                        self.fb_valid = true;
                        self.fb = bits;
                    }
                }
            }
            Fst::End => {
                self.csn = true;
                self.sck = false;
                self.mosi = false;
                self.fst = Fst::Off;
            }
            Fst::Off => {}
        }
    }
}

/// sim/sl_spi_flash.v: the image at `base`, 0xFF elsewhere; asleep until 0xAB and tRES1.
#[derive(Debug, Clone)]
pub struct Flash {
    base: u32,
    mem: Vec<u8>,
    tres: u32,
    p_csn: bool,
    p_sck: bool,
    asleep: bool,
    hi_n: u32,
    ok: bool,
    bits: u8,
    cmd: u8,
    addr: u32,
    dphase: bool,
    dptr: u32,
    dbit: u8,
    /// `miso`.
    pub miso: bool,
}

impl Flash {
    /// A flash holding `mem` at byte address `base` (an empty `mem`: erased), which needs
    /// `tres_cycles` sampled cycles of CS# high after the wake-up before it takes a command.
    pub fn new(base: u32, mem: Vec<u8>, tres_cycles: u32) -> Self {
        Flash {
            base: base & 0xFF_FFFF,
            mem,
            tres: tres_cycles,
            p_csn: true,
            p_sck: false,
            asleep: true,
            hi_n: 0,
            ok: false,
            bits: 0,
            cmd: 0,
            addr: 0,
            dphase: false,
            dptr: 0,
            dbit: 7,
            miso: true,
        }
    }

    fn byte_at(&self, a: u32) -> u8 {
        a.checked_sub(self.base)
            .and_then(|off| self.mem.get(off as usize))
            .copied()
            .unwrap_or(0xFF)
    }

    /// One rising edge of the system clock with the loader's pins as they are before it.
    pub fn clock(&mut self, csn: bool, sck: bool, mosi: bool) {
        let (p_csn, p_sck) = (self.p_csn, self.p_sck);
        self.p_csn = csn;
        self.p_sck = sck;
        if csn {
            self.miso = true;
            self.dphase = false;
            if !p_csn && self.bits == 8 && self.cmd == 0xAB {
                self.asleep = false;
                self.hi_n = 1;
            } else if self.hi_n != 0 && self.hi_n < self.tres {
                self.hi_n += 1;
            }
        } else if p_csn {
            self.ok = !self.asleep && self.hi_n >= self.tres;
            self.bits = 0;
            self.dphase = false;
            self.dbit = 7;
        } else if sck && !p_sck {
            let bits = self.bits;
            if bits != 63 {
                self.bits = bits + 1;
            }
            if bits < 8 {
                self.cmd = (self.cmd << 1) | u8::from(mosi);
            } else if bits < 32 {
                self.addr = ((self.addr << 1) | u32::from(mosi)) & 0xFF_FFFF;
            }
        } else if !sck && p_sck && self.reading() {
            let a = if self.dphase { self.dptr } else { self.addr };
            self.miso = (self.byte_at(a) >> self.dbit) & 1 != 0;
            if !self.dphase {
                self.dphase = true;
                self.dptr = self.addr;
            }
            if self.dbit == 0 {
                self.dbit = 7;
                self.dptr = (a + 1) & 0xFF_FFFF;
            } else {
                self.dbit -= 1;
            }
        }
    }

    fn reading(&self) -> bool {
        let data_bits = if self.cmd == 0x0B { 40 } else { 32 };
        self.ok && matches!(self.cmd, 0x03 | 0x0B) && self.bits >= data_bits
    }
}

/// A loader wired to a flash model, as in the co-simulation harnesses and the board (the
/// flash samples the loader's pins, the loader samples the flash's `miso`, both before the edge).
#[derive(Debug, Clone)]
pub struct LoadBench {
    /// The loader.
    pub loader: Loader,
    /// The flash model.
    pub flash: Flash,
}

impl LoadBench {
    /// Both in their power-on state.
    pub fn new(params: LoaderParams, flash: Flash) -> Self {
        LoadBench {
            loader: Loader::new(params),
            flash,
        }
    }

    /// One rising edge with the host inputs `h`.
    pub fn clock(&mut self, h: HostIn) {
        let (csn, sck, mosi) = (self.loader.csn, self.loader.sck, self.loader.mosi);
        self.loader.clock(self.flash.miso, h);
        self.flash.clock(csn, sck, mosi);
    }
}
