//! Twin of rtl-templates/core/sl_ctrl.v (time-step controller).

/// States of sl_ctrl.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum St {
    Clr,
    Begin,
    In,
    Start,
    Wait,
    Out,
    Oeos,
}

impl St {
    /// Encoding of the RTL's `st` register (`C_CLR` = 0 ... `C_OEOS` = 6).
    pub fn code(self) -> u64 {
        self as u64
    }
}

/// Combinational outputs of the controller.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct CtrlOut {
    pub in_ready: bool,
    pub start: Option<usize>,
    pub clr: Option<usize>,
    pub in_clr: bool,
    pub raddr: u32,
    pub out_valid: bool,
    pub out_eos: bool,
}

pub(crate) struct Ctrl {
    layers: usize,
    clear_cycles: usize,
    pub st: St,
    layer: usize,
    clr_addr: usize,
    out_i: u32,
    primed: bool,
    pub parity: bool,
    /// `w_ready`: the weight store is complete (always for a ROM store; a loaded store's
    /// loader sets it). The controller leaves its clear state only then.
    pub w_ready: bool,
}

impl Ctrl {
    pub fn new(layers: usize, clear_cycles: usize) -> Self {
        Self {
            layers,
            clear_cycles,
            st: St::Clr,
            layer: 0,
            clr_addr: 0,
            out_i: 0,
            primed: false,
            parity: false,
            w_ready: true,
        }
    }

    /// (layer, out_i) registers, for waveforms.
    pub fn regs(&self) -> (usize, u32) {
        (self.layer, self.out_i)
    }

    /// Layer whose core runs while the controller waits for its done.
    pub fn waiting_on(&self) -> Option<usize> {
        (self.st == St::Wait).then_some(self.layer)
    }

    /// `rst`: every register but `w_ready` (an input, kept by the loader).
    pub fn reset(&mut self) {
        let w_ready = self.w_ready;
        *self = Self::new(self.layers, self.clear_cycles);
        self.w_ready = w_ready;
    }

    pub fn comb(&self) -> CtrlOut {
        CtrlOut {
            in_ready: self.st == St::In,
            start: (self.st == St::Start).then_some(self.layer),
            clr: (self.st == St::Clr).then_some(self.clr_addr),
            in_clr: self.st == St::Begin,
            raddr: if self.st == St::Out { self.out_i } else { 0 },
            out_valid: self.st == St::Oeos || (self.st == St::Out && self.primed),
            out_eos: self.st == St::Oeos,
        }
    }

    /// Clock edge; `beat` = (in_valid, in_eos) presented this cycle, `out_cnt` = events of the
    /// output layer's current bank.
    pub fn clock(&mut self, beat: Option<bool>, done_any: bool, out_cnt: u32) {
        match self.st {
            St::Clr => {
                if self.clr_addr + 1 == self.clear_cycles {
                    if self.w_ready {
                        self.st = St::Begin;
                    }
                } else {
                    self.clr_addr += 1;
                }
            }
            St::Begin => self.st = St::In,
            St::In => {
                if beat == Some(true) {
                    self.st = St::Start;
                    self.layer = 0;
                }
            }
            St::Start => self.st = St::Wait,
            St::Wait => {
                if done_any {
                    if self.layer + 1 == self.layers {
                        self.st = St::Out;
                        self.out_i = 0;
                        self.primed = false;
                    } else {
                        self.layer += 1;
                        self.st = St::Start;
                    }
                }
            }
            St::Out => {
                if self.out_i == out_cnt {
                    self.st = St::Oeos;
                } else if !self.primed {
                    self.primed = true;
                } else {
                    self.out_i += 1;
                    self.primed = false;
                }
            }
            St::Oeos => {
                self.parity = !self.parity;
                self.st = St::Begin;
            }
        }
    }
}
