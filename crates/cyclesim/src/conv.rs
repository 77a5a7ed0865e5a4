//! Twin of rtl-templates/core/sl_conv.v: the convolution core's state machine (event fetch,
//! decode, one cycle per kernel tap of a chunk of P output channels, drain, then the block
//! sweep).
//!
//! The tap arithmetic below mirrors the RTL's counters (it does not call
//! `ConvGeometry::for_each_target`, which `qnet::eval` uses), so the equality tests compare two
//! independent derivations of the footprint. The RTL's three-stage scatter pipeline (target,
//! RAM read, add and write; with the kernel in the weight store the store registers the
//! target's kernel word address itself, so the stages are the same) only delays when a sum
//! lands in the accumulator RAM; it always lands before the sweep reads it (DRAIN), so the
//! model adds at the tap.

use super::{Core, CoreOut, St, Sweep};
use crate::evbuf::EvBuf;

/// Registers of the scatter phase and the accumulator RAM (slot `a * P + k`: lane `k` of
/// address `a`; the lanes stripe the output channels, see sl_conv.v).
pub(crate) struct ConvRegs {
    iy: usize,
    ix: usize,
    /// Lane chunk within the group.
    ch: usize,
    ky: usize,
    kx: usize,
    /// Address of chunk `ch` at output position 0.
    ch_base: usize,
    /// Kernel word of the tap.
    widx: usize,
    /// Value of the event being scattered (`ev_val`, registered in DEC).
    val: i64,
    /// The event lies in a pooling window (`ev_ok`, registered in DEC; always true unpooled).
    ok: bool,
    /// The accumulator RAM: lane `k` of address `a` at `a * stride + k` (`stride` = P, or the
    /// shared RAM's lanes while the simulation lends it, [`Core::shared_acc`]).
    pub(crate) acc_mem: Vec<i64>,
    pub(crate) stride: usize,
}

impl ConvRegs {
    pub fn new(slots: usize, lanes: usize) -> Self {
        Self {
            iy: 0,
            ix: 0,
            ch: 0,
            ky: 0,
            kx: 0,
            ch_base: 0,
            widx: 0,
            val: 1,
            ok: true,
            acc_mem: vec![0; slots],
            stride: lanes,
        }
    }

    /// Synchronous reset: the RTL resets only the FSM and pipeline valid bits; memories and
    /// datapath registers keep their contents (and are rewritten before use).
    pub fn reset(&mut self) {}
}

/// Output coordinate of tap offset `koff` (= k * dilation) for input coordinate `i`, if the tap
/// lands inside the output: `o * s = i + p - koff`.
fn out_coord(i: usize, p: usize, koff: usize, s: usize, n: usize) -> Option<usize> {
    let t = (i + p).checked_sub(koff)?;
    (t % s == 0 && t / s < n).then_some(t / s)
}

impl Core {
    /// Clock edge (see the module doc of sl_conv.v). `o` are this cycle's outputs from
    /// [`Core::comb`]; `u_idle`: the shared unit has nothing in flight (on a unit only).
    pub fn clock(
        &mut self,
        o: &CoreOut,
        start: bool,
        clr: Option<usize>,
        bufs: &[EvBuf],
        u_idle: bool,
    ) {
        let p = self.plan.lanes;
        if !self.on_unit {
            self.state_mems(clr);
        }
        let (Some(g), Some(c)) = (self.plan.conv.as_ref(), self.conv.as_mut()) else {
            return;
        };
        let stride = c.stride;
        if let Some(a) = clr {
            if a < self.plan.blocks {
                c.acc_mem[a * stride..a * stride + p].fill(0);
            }
        }
        let [kh, kw] = g.kernel;
        let cig = g.in_per_group();
        let hwo = g.output[1] * g.output[2];
        let chunks = self.plan.conv_chunks();
        match self.st {
            St::Idle => {
                if start {
                    self.st = St::Fetch;
                    self.e = 0;
                    self.blk = 0;
                    self.sw = Sweep::default();
                }
            }
            St::Fetch => {
                if o.issue {
                    self.e += 1;
                    self.st = St::Dec;
                } else {
                    self.st = St::Drain;
                }
            }
            St::Dec => {
                let b = &bufs[self.plan.projections[0].buffer];
                // through the pooling index map (sl_pmap) when pooled
                let (i, ok) = match &self.plan.projections[0].pool {
                    Some(pool) => crate::pmap::pool_map(pool, b.rdata as usize, 0),
                    None => (b.rdata as usize, true),
                };
                c.ok = ok;
                c.val = i64::from(b.rval);
                let hwi = g.input[1] * g.input[2];
                let (ci, rem) = (i / hwi, i % hwi);
                let (grp, cim) = (ci / cig, ci % cig);
                c.iy = rem / g.input[2];
                c.ix = rem % g.input[2];
                c.ch = 0;
                c.ky = 0;
                c.kx = 0;
                c.ch_base = grp * chunks * hwo;
                c.widx = grp * chunks * cig * kh * kw + cim * kh * kw;
                // the RTL registers the index here and decodes it in DEC2, DEC3 and DEC4
                self.st = St::Dec2;
            }
            St::Dec2 => self.st = St::Dec3,
            St::Dec3 => self.st = St::Dec4,
            St::Dec4 => self.st = St::Tap,
            St::Tap => {
                let oy = out_coord(
                    c.iy,
                    g.padding[0],
                    c.ky * g.dilation[0],
                    g.stride[0],
                    g.output[1],
                );
                let ox = out_coord(
                    c.ix,
                    g.padding[1],
                    c.kx * g.dilation[1],
                    g.stride[1],
                    g.output[2],
                );
                if let (true, Some(oy), Some(ox)) = (c.ok, oy, ox) {
                    // one kernel word, P lanes (a padding lane adds its zero weight)
                    let a = c.ch_base + oy * g.output[2] + ox;
                    let word = &self.plan.weights[c.widx * p..][..p];
                    for (acc, &w) in c.acc_mem[a * stride..][..p].iter_mut().zip(word) {
                        *acc += c.val * i64::from(w);
                    }
                }
                if c.kx + 1 < kw {
                    c.kx += 1;
                    c.widx += 1;
                } else if c.ky + 1 < kh {
                    c.kx = 0;
                    c.ky += 1;
                    c.widx += 1;
                } else {
                    c.kx = 0;
                    c.ky = 0;
                    if c.ch + 1 == chunks {
                        self.st = St::Fetch;
                    }
                    c.ch += 1;
                    c.ch_base += hwo;
                    c.widx += (cig - 1) * kh * kw + 1;
                }
            }
            St::Drain => self.st = St::Rd,
            St::Rd => {
                // registered read of the block's accumulator lanes
                let base = self.blk * stride;
                self.acc.copy_from_slice(&c.acc_mem[base..base + p]);
                self.st = if self.on_unit { St::Ho } else { St::Upd };
            }
            St::Ho => {
                // on a shared unit: hand the block over (its sums into the hand-off
                // registers, the block cleared) and read the next one in the same cycle; while
                // the unit is busy, keep reading this block
                let base = self.blk * stride;
                if o.ho.is_some() {
                    self.hreg.copy_from_slice(&self.acc);
                    c.acc_mem[base..base + p].fill(0);
                    if self.blk + 1 == self.plan.blocks {
                        self.st = St::Uw;
                    } else {
                        self.blk += 1;
                        self.sw.next(hwo, p, g.out_per_group());
                        let next = self.blk * stride;
                        self.acc.copy_from_slice(&c.acc_mem[next..next + p]);
                    }
                } else {
                    self.acc.copy_from_slice(&c.acc_mem[base..base + p]);
                }
            }
            St::Uw => {
                if u_idle {
                    self.st = St::Done;
                }
            }
            St::Upd => {
                // the block was just read: clear it for the next step (or the next core)
                let base = self.blk * stride;
                c.acc_mem[base..base + p].fill(0);
                self.register_spikes();
                self.st = St::Spk;
            }
            St::Spk => {
                if self.mask != 0 {
                    self.mask &= self.mask - 1;
                } else if self.blk + 1 == self.plan.blocks {
                    self.st = St::Done;
                } else {
                    self.st = St::Rd;
                    self.blk += 1;
                    self.sw.next(hwo, p, g.out_per_group());
                }
            }
            St::Done => self.st = St::Idle,
        }
    }
}
