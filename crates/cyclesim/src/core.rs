//! Twin of rtl-templates/core/sl_conv.v, the convolution core (with its sl_rom kernel ROM, sl_ram
//! state memories and sl_param parameters): the block sweep here, the scatter phase in
//! `conv.rs`. Registers and state names follow the RTL. Dense layers run on the engine
//! (`engine.rs`).

#[path = "conv.rs"]
mod conv;

use crate::evbuf::EvBuf;
use crate::neuron::{update, LaneParams};
use spikeloom_plan::CorePlan;

/// States of sl_conv (Idle, Fetch, Dec, Tap, Drain, Rd, Upd, Spk, Done, Dec2, Dec3, Dec4, and on
/// a shared unit Ho and Uw).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum St {
    Idle,
    Upd,
    Spk,
    Done,
    Fetch,
    Dec,
    Dec2,
    Dec3,
    Dec4,
    Tap,
    Drain,
    Rd,
    /// On a shared unit: hand the block over when the unit is free (`S_HO`).
    Ho,
    /// On a shared unit: the last block is handed over; wait for the unit to drain (`S_UW`).
    Uw,
}

impl St {
    /// Encoding of the RTL's `st` register: `S_IDLE` = 0, `S_FETCH` = 1 ... `S_DONE` = 8,
    /// `S_DEC2` = 9, `S_DEC3` = 10, `S_DEC4` = 11, `S_HO` = 12, `S_UW` = 13.
    pub fn code(self) -> u64 {
        match self {
            Self::Idle => 0,
            Self::Fetch => 1,
            Self::Dec => 2,
            Self::Tap => 3,
            Self::Drain => 4,
            Self::Rd => 5,
            Self::Upd => 6,
            Self::Spk => 7,
            Self::Done => 8,
            Self::Dec2 => 9,
            Self::Dec3 => 10,
            Self::Dec4 => 11,
            Self::Ho => 12,
            Self::Uw => 13,
        }
    }
}

/// Combinational outputs of a core in the current cycle.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct CoreOut {
    pub issue: bool,
    pub raddr: u32,
    pub rprev: bool,
    /// Pushed event: (index, value).
    pub push: Option<(u32, u32)>,
    pub done: bool,
    pub upd: bool,
    /// On a shared unit: the block handed over at this edge, (first neuron, layer-local state
    /// address of lane 0, last valid lane).
    pub ho: Option<(usize, usize, usize)>,
}

/// Sweep position registers of sl_conv: the block's output position (`spos`), the channel
/// (within its group) of lane 0 (`sj`), the first neuron of the group (`gbase`) and of lane 0's
/// channel (`cbase`). Lane `k` of the block is neuron `cbase + spos + k * H_out*W_out`.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Sweep {
    spos: usize,
    sj: usize,
    gbase: usize,
    cbase: usize,
}

impl Sweep {
    /// The next address: the next position, else the next chunk of `lanes` channels (of this
    /// group of `cog` channels, else of the next group) at position 0.
    fn next(&mut self, hwo: usize, lanes: usize, cog: usize) {
        if self.spos + 1 != hwo {
            self.spos += 1;
            return;
        }
        self.spos = 0;
        if self.sj + lanes < cog {
            self.sj += lanes;
            self.cbase += lanes * hwo;
        } else {
            self.sj = 0;
            self.gbase += cog * hwo;
            self.cbase = self.gbase;
        }
    }
}

pub(crate) struct Core {
    pub plan: CorePlan,
    params: Vec<LaneParams>,
    pub st: St,
    pub(crate) blk: usize,
    pub(crate) sw: Sweep,
    /// Neuron step between lanes (H_out * W_out, the RTL's `trace_step`).
    pub step: usize,
    /// Output channels per group.
    cog: usize,
    pub(crate) e: u32,
    pub(crate) mask: u64,
    pub(crate) acc: Vec<i64>,
    mem_u: Vec<i64>,
    mem_i: Vec<i64>,
    u_rdata: Vec<i64>,
    i_rdata: Vec<i64>,
    /// Lane results of the UPD cycle (valid while `st == Upd`).
    pub u_next: Vec<i64>,
    i_next: Vec<i64>,
    /// Lanes that fired in the UPD cycle (count != 0, padding lanes excluded).
    pub spikes: u64,
    /// Spike (0/1) or count of every lane in the UPD cycle.
    pub counts: Vec<u32>,
    /// Counts registered in UPD for the SPK pushes (`cnt_q`; 1 per lane for binary spikes).
    cnt_q: Vec<u32>,
    /// Scatter-phase registers and accumulator RAM.
    pub(crate) conv: Option<conv::ConvRegs>,
    /// The neurons are updated by a shared unit (sl_conv `EXT_UNIT`): the sweep hands each
    /// block over instead of updating it.
    pub on_unit: bool,
    /// Hand-off registers (`hs`, on a shared unit): the last block handed over.
    pub hreg: Vec<i64>,
}

impl Core {
    pub fn new(plan: &CorePlan, on_unit: bool) -> Self {
        let p = plan.lanes;
        let slots = plan.blocks * p;
        Self {
            params: (0..slots).map(|n| LaneParams::of(plan, n)).collect(),
            st: St::Idle,
            blk: 0,
            sw: Sweep::default(),
            step: plan.neuron_step(),
            cog: plan.conv.as_ref().map_or(1, |g| g.out_per_group()),
            e: 0,
            mask: 0,
            acc: vec![0; p],
            mem_u: vec![0; slots],
            mem_i: vec![0; slots],
            u_rdata: vec![0; p],
            i_rdata: vec![0; p],
            u_next: vec![0; p],
            i_next: vec![0; p],
            spikes: 0,
            counts: vec![0; p],
            cnt_q: vec![1; p],
            conv: plan.conv.as_ref().map(|_| conv::ConvRegs::new(slots, p)),
            on_unit,
            hreg: vec![0; p],
            plan: plan.clone(),
        }
    }

    /// Synchronous reset (memories keep their contents, like the RTL).
    pub fn reset(&mut self) {
        self.st = St::Idle;
        self.blk = 0;
        self.sw = Sweep::default();
        self.e = 0;
        self.mask = 0;
        self.acc.fill(0);
        if let Some(c) = &mut self.conv {
            c.reset();
        }
    }

    /// Swap the core's accumulator RAM and its lanes per word with `mem` and `stride` (sl_conv
    /// EXT_ACC: the simulation lends the convolution cores' shared RAM for one clock edge and
    /// swaps it back with a second call).
    pub(crate) fn swap_acc(&mut self, mem: &mut Vec<i64>, stride: &mut usize) {
        if let Some(c) = &mut self.conv {
            std::mem::swap(&mut c.acc_mem, mem);
            std::mem::swap(&mut c.stride, stride);
        }
    }

    /// (blk, e) registers, for waveforms.
    pub fn regs(&self) -> (usize, u32) {
        (self.blk, self.e)
    }

    /// The RTL encoding of the current state.
    pub fn st_code(&self) -> u64 {
        self.st.code()
    }

    /// Spikes still to push in SPK (0 outside SPK): while positive, each cycle pushes one
    /// event and nothing is logged.
    pub fn pending_pushes(&self) -> u32 {
        if self.st == St::Spk {
            self.mask.count_ones()
        } else {
            0
        }
    }

    /// `n` pushing SPK cycles at once (n <= [`Core::pending_pushes`]); `push` receives each
    /// pushed (index, value) in order. The caller clocks the event buffers.
    pub fn spk_burst(&mut self, n: u32, mut push: impl FnMut((u32, u32))) {
        for _ in 0..n {
            push(self.next_push());
            self.mask &= self.mask - 1;
        }
        // what `clock` does besides the FSM in these cycles
        let base = self.blk * self.plan.lanes;
        self.u_rdata
            .copy_from_slice(&self.mem_u[base..base + self.plan.lanes]);
        self.i_rdata
            .copy_from_slice(&self.mem_i[base..base + self.plan.lanes]);
    }

    /// The event SPK pushes this cycle: the lowest pending lane and its count.
    fn next_push(&self) -> (u32, u32) {
        let k = self.mask.trailing_zeros() as usize;
        (self.lane_neuron(k) as u32, self.cnt_q[k])
    }

    /// Neuron of lane 0 of the swept block (the RTL's `nbase`, `trace_base`).
    pub fn nbase(&self) -> usize {
        self.sw.cbase + self.sw.spos
    }

    /// Neuron of lane `k` of the swept block (meaningful when [`Core::lane_valid`]).
    pub fn lane_neuron(&self, k: usize) -> usize {
        self.nbase() + k * self.step
    }

    /// True when lane `k` holds a real neuron (not a padding channel of the last chunk).
    pub fn lane_valid(&self, k: usize) -> bool {
        self.sw.sj + k < self.cog
    }

    /// Last valid lane of the swept block: `min(P, C_out/groups - sj) - 1`.
    pub fn last_lane(&self) -> usize {
        (self.cog - self.sw.sj).min(self.plan.lanes) - 1
    }

    /// Combinational outputs; in UPD also computes the lane updates (`u_next`, `spikes`).
    /// `u_free`: the shared unit takes a hand-off this cycle (on a unit only).
    pub fn comb(&mut self, bufs: &[EvBuf], parity: bool, u_free: bool) -> CoreOut {
        let mut o = CoreOut::default();
        match self.st {
            St::Fetch => {
                let pr = &self.plan.projections[0];
                if self.e < bufs[pr.buffer].count(parity, pr.delayed) {
                    o.issue = true;
                    o.raddr = self.e;
                    o.rprev = pr.delayed;
                }
            }
            St::Upd => {
                o.upd = true;
                self.lanes();
            }
            St::Spk if self.mask != 0 => {
                o.push = Some(self.next_push());
            }
            St::Ho if u_free => {
                o.ho = Some((self.nbase(), self.blk * self.plan.lanes, self.last_lane()));
            }
            St::Done => o.done = true,
            _ => {}
        }
        o
    }

    fn lanes(&mut self) {
        let p = self.plan.lanes;
        let cuba = self.plan.kind.has_current();
        self.spikes = 0;
        for k in 0..p {
            let par = &self.params[self.blk * p + k];
            let i = if cuba { self.i_rdata[k] } else { 0 };
            let (u, i, n) = update(&self.plan, self.acc[k], self.u_rdata[k], i, par);
            self.u_next[k] = u;
            self.i_next[k] = i;
            let valid = self.lane_valid(k);
            self.counts[k] = if valid { n } else { 0 };
            if n != 0 && valid {
                self.spikes |= 1 << k;
            }
        }
    }

    /// The UPD edge: the spike mask and (count cores) the lane counts are registered.
    pub(crate) fn register_spikes(&mut self) {
        self.mask = self.spikes;
        if self.plan.count_bits() > 0 {
            self.cnt_q.copy_from_slice(&self.counts);
        }
    }

    /// State memories: registered read of the block, then the write (UPD or the post-reset
    /// clear).
    pub(crate) fn state_mems(&mut self, clr: Option<usize>) {
        let p = self.plan.lanes;
        let base = self.blk * p;
        self.u_rdata.copy_from_slice(&self.mem_u[base..base + p]);
        self.i_rdata.copy_from_slice(&self.mem_i[base..base + p]);
        if let Some(a) = clr {
            if a < self.plan.blocks {
                self.mem_u[a * p..a * p + p].fill(0);
                self.mem_i[a * p..a * p + p].fill(0);
            }
        } else if self.st == St::Upd {
            self.mem_u[base..base + p].copy_from_slice(&self.u_next);
            self.mem_i[base..base + p].copy_from_slice(&self.i_next);
        }
    }
}
