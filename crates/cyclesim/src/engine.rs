//! Twin of the dense engine: `Acc` = rtl-templates/core/sl_acc.v (the shared accumulators, with
//! the weight store's two-cycle read: sl_rom banks or sl_wspram, then a register per bank), `Unit` = sl_unit.v (a neuron unit of one or more dense layers,
//! with its sl_ram state memories, sl_param parameters and sl_neuron). Registers and state names
//! follow the RTL. The weight store holds `Plan::weight_image`, the same words the cores' rows
//! are: a row is read here from its core's `weights`.

use crate::evbuf::EvBuf;
use crate::neuron::{update, LaneParams};
use spikeloom_plan::{CorePlan, EnginePlan, Plan, ACC_LATENCY, UNIT_LATENCY};

/// The cycle of a pending early hand-off (sl_acc `HC_HO`): `ACC_LATENCY + 1` cycles after the
/// block's last read cycle, when WAIT would have had it.
const HC_HO: u8 = ACC_LATENCY as u8 + 1;

/// States of sl_acc (`S_IDLE` = 0 ... `S_DRAIN` = 5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AccSt {
    Idle = 0,
    Acc = 1,
    Wait = 2,
    Fin = 3,
    Done = 4,
    /// The drain cycles after a block's last event read ([`ACC_LATENCY`] of them, counted by
    /// `dr`).
    Drain = 5,
}

/// One projection of the engine's table (every dense layer's, in order).
#[derive(Debug, Clone)]
struct EProj {
    /// Engine index of its layer.
    layer: usize,
    buffer: usize,
    delayed: bool,
    /// First row of the projection in its core's rows.
    word_offset: usize,
    /// Store rows per block (`ProjPlan::rows`).
    rows: usize,
    /// Pooling index map in front of the rows (sl_pmap).
    pool: Option<spikeloom_plan::PoolGeometry>,
    /// Reads a paired buffer: two events per read (`PROJ_PAIRED`).
    paired: bool,
}

/// Combinational outputs of the accumulators in one cycle.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct AccOut {
    pub issue: bool,
    /// The read has a second event (paired projections).
    pub issue2: bool,
    pub raddr: u32,
    pub rprev: bool,
    /// Hand-off to the current layer's unit at this edge.
    pub ho: bool,
    /// ACC takes the next block at once and the hand-off of this one becomes pending.
    pub early: bool,
    pub done: bool,
}

/// sl_acc.
pub(crate) struct Acc {
    lanes: usize,
    projs: Vec<EProj>,
    /// Per engine layer: first and last projection, blocks.
    j0: Vec<usize>,
    jn: Vec<usize>,
    nb: Vec<usize>,
    pub st: AccSt,
    pub cur: usize,
    pub blk: usize,
    nbase: usize,
    pub j: usize,
    pub e: u32,
    v1: bool,
    j1: usize,
    /// The registered event (`ev_q`: index and value as read, before the pooling map) and its
    /// projection.
    vr: bool,
    j2: usize,
    ev_q: (u32, u32),
    /// The registered event's row base (`rb_q`, sampled with the index).
    rb_q: usize,
    /// Pending early hand-off: cycles since its block's reads ended (0: none), and the block's
    /// first neuron.
    hc: u8,
    hbase: usize,
    /// The second event of a pair, through the same stages (`v1b`, then `ev_q2` when valid).
    v1b: bool,
    ev_q2: Option<u32>,
    /// Drain cycle.
    dr: usize,
    /// Stages after the event read: `va` the registered store address, `vb` the memories'
    /// read, `vc` the store word (each bank's registered output, multiplexed), `vq` the
    /// registered word being accumulated.
    va: bool,
    vb: bool,
    vc: bool,
    vq: bool,
    /// Per projection: row of the current block (core-relative; the RTL adds the core's
    /// `weight_base`).
    rowbase: Vec<usize>,
    acc: Vec<i64>,
    /// Hand-off registers (`hs`).
    hreg: Vec<i64>,
    /// Terms (value x weight per lane) of the words in stages a, b, c and q (the twin reads
    /// the store when the address is computed; its contents do not change during inference).
    t_a: Vec<i64>,
    t_b: Vec<i64>,
    t_c: Vec<i64>,
    t_q: Vec<i64>,
}

impl Acc {
    pub fn new(plan: &Plan, e: &EnginePlan) -> Self {
        let mut projs = Vec::new();
        let (mut j0, mut jn, mut nb) = (Vec::new(), Vec::new(), Vec::new());
        for (i, &l) in e.layers.iter().enumerate() {
            let c = &plan.cores[l];
            j0.push(projs.len());
            for p in &c.projections {
                projs.push(EProj {
                    layer: i,
                    buffer: p.buffer,
                    delayed: p.delayed,
                    word_offset: p.word_offset,
                    rows: p.rows,
                    pool: p.pool.clone(),
                    paired: plan.buffers[p.buffer].paired,
                });
            }
            jn.push(projs.len() - 1);
            nb.push(c.blocks);
        }
        let n = projs.len();
        Self {
            lanes: e.lanes,
            projs,
            j0,
            jn,
            nb,
            st: AccSt::Idle,
            cur: 0,
            blk: 0,
            nbase: 0,
            j: 0,
            e: 0,
            v1: false,
            j1: 0,
            vr: false,
            j2: 0,
            ev_q: (0, 0),
            rb_q: 0,
            hc: 0,
            hbase: 0,
            v1b: false,
            ev_q2: None,
            dr: 0,
            va: false,
            vb: false,
            vc: false,
            vq: false,
            rowbase: vec![0; n],
            acc: vec![0; e.lanes],
            hreg: vec![0; e.lanes],
            t_a: vec![0; e.lanes],
            t_b: vec![0; e.lanes],
            t_c: vec![0; e.lanes],
            t_q: vec![0; e.lanes],
        }
    }

    /// Synchronous reset (the hand-off registers keep their contents, like the RTL).
    pub fn reset(&mut self) {
        self.st = AccSt::Idle;
        self.cur = 0;
        self.blk = 0;
        self.nbase = 0;
        self.j = 0;
        self.e = 0;
        self.v1 = false;
        self.j1 = 0;
        self.vr = false;
        self.j2 = 0;
        self.v1b = false;
        self.ev_q2 = None;
        self.hc = 0;
        self.hbase = 0;
        self.dr = 0;
        self.va = false;
        self.vb = false;
        self.vc = false;
        self.vq = false;
        self.rowbase.fill(0);
        self.acc.fill(0);
    }

    /// First neuron of the block being handed over (`ho_base`).
    pub fn ho_base(&self) -> usize {
        if self.hc != 0 {
            self.hbase
        } else {
            self.nbase
        }
    }

    /// The hand-off registers.
    pub fn hs(&self) -> &[i64] {
        &self.hreg
    }

    fn count(&self, bufs: &[EvBuf], parity: bool) -> u32 {
        let pr = &self.projs[self.j];
        bufs[pr.buffer].count(parity, pr.delayed)
    }

    /// Combinational outputs; `u_free`: no unit needs its hand-off registers after this cycle.
    pub fn comb(&self, bufs: &[EvBuf], parity: bool, u_free: bool) -> AccOut {
        let mut o = AccOut::default();
        match self.st {
            AccSt::Acc if self.reads_left(bufs, parity) > 0 => {
                o.issue = true;
                o.issue2 = self.projs[self.j].paired && 2 * self.e + 1 < self.count(bufs, parity);
                o.raddr = self.e;
                o.rprev = self.projs[self.j].delayed;
            }
            AccSt::Wait => o.ho = u_free,
            AccSt::Acc => {
                // every read of the block issued: the next block at once when the unit is free
                o.early = self.j == self.jn[self.cur]
                    && self.blk + 1 != self.nb[self.cur]
                    && u_free
                    && self.hc == 0;
            }
            AccSt::Done => o.done = true,
            _ => {}
        }
        o.ho |= self.hc == HC_HO;
        o
    }

    /// Reads of the current projection still to issue (pairs for a paired one).
    fn reads_left(&self, bufs: &[EvBuf], parity: bool) -> u32 {
        let n = self.count(bufs, parity);
        let reads = if self.projs[self.j].paired {
            n.div_ceil(2)
        } else {
            n
        };
        reads.saturating_sub(self.e)
    }

    /// The store words of the registered event (and of the second event of a pair), as value x
    /// weight of every lane summed, into stage a.
    fn read_word(&mut self, cores: &[&CorePlan]) {
        let pr = &self.projs[self.j2];
        let (rdata, rval) = self.ev_q;
        // a pooled projection reads the row of the event's pooled element (the zero row, the
        // last, for an element outside every window)
        let idx = match &pr.pool {
            Some(g) => crate::pmap::pool_map(g, rdata as usize, pr.rows - 1).0,
            None => rdata as usize,
        };
        let row = self.rb_q + idx;
        let v = i64::from(rval);
        let w = &cores[pr.layer].weights;
        let p = self.lanes;
        // the second event of a pair: a paired buffer is binary and never pooled
        let row2 = self.ev_q2.map(|i| self.rb_q + i as usize);
        for (k, t) in self.t_a.iter_mut().enumerate() {
            let weight = |r: usize| i64::from(w.get(r * p + k).copied().unwrap_or(0));
            *t = v * weight(row) + row2.map_or(0, weight);
        }
    }

    /// Clock edge. `start`: the engine layer the controller starts; `u_idle`: every unit idle
    /// with its pipeline empty (before this edge).
    pub fn clock(
        &mut self,
        o: &AccOut,
        start: Option<usize>,
        bufs: &[EvBuf],
        cores: &[&CorePlan],
        u_idle: bool,
    ) {
        for k in 0..self.lanes {
            let acc_d = if self.vq {
                self.acc[k] + self.t_q[k]
            } else {
                self.acc[k]
            };
            if o.ho {
                self.hreg[k] = acc_d;
            }
            self.acc[k] = if o.ho || (self.st == AccSt::Idle && start.is_some()) {
                0
            } else {
                acc_d
            };
        }
        self.shift(bufs, cores);
        self.v1 = o.issue;
        self.v1b = o.issue2;
        self.j1 = self.j;
        if self.hc == HC_HO {
            self.hc = 0;
        } else if self.hc != 0 {
            self.hc += 1;
        }
        self.fsm(o, start, u_idle);
    }

    /// Stages a -> b -> c -> q, the registered event into stage a, and the event read of last
    /// cycle into the event register.
    fn shift(&mut self, bufs: &[EvBuf], cores: &[&CorePlan]) {
        std::mem::swap(&mut self.t_q, &mut self.t_c);
        std::mem::swap(&mut self.t_c, &mut self.t_b);
        std::mem::swap(&mut self.t_b, &mut self.t_a);
        self.vq = self.vc;
        self.vc = self.vb;
        self.vb = self.va;
        self.va = self.vr;
        if self.vr {
            self.read_word(cores);
        }
        self.vr = self.v1;
        self.j2 = self.j1;
        if self.v1 {
            let b = &bufs[self.projs[self.j1].buffer];
            self.ev_q = (b.rdata, b.rval);
            self.ev_q2 = self.v1b.then_some(b.rdata2);
            self.rb_q = self.rowbase[self.j1];
        } else {
            self.ev_q2 = None;
        }
    }

    /// The registers of the next block's first read (ACC stays or becomes the state).
    fn next_block(&mut self) {
        self.blk += 1;
        self.nbase += self.lanes;
        self.j = self.j0[self.cur];
        self.e = 0;
        for (r, p) in self.rowbase.iter_mut().zip(&self.projs) {
            *r += p.rows;
        }
    }

    fn fsm(&mut self, o: &AccOut, start: Option<usize>, u_idle: bool) {
        match self.st {
            AccSt::Idle => {
                if let Some(l) = start {
                    self.st = AccSt::Acc;
                    self.cur = l;
                    self.blk = 0;
                    self.nbase = 0;
                    self.j = self.j0[l];
                    self.e = 0;
                    for (r, p) in self.rowbase.iter_mut().zip(&self.projs) {
                        *r = p.word_offset;
                    }
                }
            }
            AccSt::Acc => {
                if o.issue {
                    self.e += 1;
                } else if o.early {
                    // the next block at once; this one is handed over when summed
                    self.hc = 1;
                    self.hbase = self.nbase;
                    self.next_block();
                } else if self.j == self.jn[self.cur] {
                    self.st = AccSt::Drain;
                    self.dr = 0;
                } else {
                    self.j += 1;
                    self.e = 0;
                }
            }
            AccSt::Wait => {
                if o.ho {
                    if self.blk + 1 == self.nb[self.cur] {
                        self.st = AccSt::Fin;
                    } else {
                        self.st = AccSt::Acc;
                        self.next_block();
                    }
                }
            }
            AccSt::Drain => {
                if self.dr + 1 == ACC_LATENCY {
                    self.st = AccSt::Wait;
                } else {
                    self.dr += 1;
                }
            }
            AccSt::Fin => {
                if u_idle {
                    self.st = AccSt::Done;
                }
            }
            AccSt::Done => self.st = AccSt::Idle,
        }
    }

    /// Events still to issue in the current projection (0 outside ACC): while positive, each
    /// cycle issues one read and nothing observable happens (when no unit is active).
    pub fn pending_issues(&self, bufs: &[EvBuf], parity: bool) -> u32 {
        if self.st != AccSt::Acc || self.hc != 0 {
            // a pending hand-off makes the unit active within the burst
            return 0;
        }
        self.reads_left(bufs, parity)
    }

    /// `n` consecutive issuing ACC cycles at once (n <= [`Acc::pending_issues`], no unit
    /// active), with the same register and memory effects as `n` calls of comb + clock, the
    /// event buffers' read registers included.
    pub fn burst(&mut self, bufs: &mut [EvBuf], parity: bool, n: u32, cores: &[&CorePlan]) {
        if n == 0 {
            return;
        }
        let (buffer, delayed, paired) = {
            let pr = &self.projs[self.j];
            (pr.buffer, pr.delayed, pr.paired)
        };
        let cnt = self.count(bufs, parity);
        for _ in 0..n {
            if self.vq {
                for (a, w) in self.acc.iter_mut().zip(&self.t_q) {
                    *a += *w;
                }
            }
            self.shift(bufs, cores);
            // this cycle's event read, registered by the buffer
            bufs[buffer].read_reg(parity, delayed, self.e);
            self.v1 = true;
            self.v1b = paired && 2 * self.e + 1 < cnt;
            self.j1 = self.j;
            self.e += 1;
        }
        let last = self.e - 1;
        for b in bufs.iter_mut() {
            b.clock(parity, false, None, delayed, last);
        }
    }
}

/// A neuron in a unit's pipeline: (unit-local layer, (neuron, result: membrane, current, spike
/// or count)).
/// A neuron in the unit's pipeline: (unit-local layer, (neuron, state address, (membrane,
/// current, spike or count))).
type InFlight = Option<(usize, (usize, usize, (i64, i64, u32)))>;

/// A block handed over to a unit at a clock edge: its unit-local layer, first neuron, and for
/// a convolution core (`PlanConfig::conv_units`) the layer-local state address of its lane 0
/// and its last valid lane (a dense block's are its first neuron and `min(P, size - base) - 1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Handoff {
    pub lay: usize,
    pub base: usize,
    pub conv: Option<(usize, usize)>,
}

/// sl_unit: a neuron unit, updating the dense layers of one [`spikeloom_plan::UnitPlan`] (their
/// states one layer after another in one memory).
pub(crate) struct Unit {
    /// The unit's layers (their cores), in unit-local order.
    pub layers: Vec<CorePlan>,
    /// Core (QNet layer) index of each.
    pub cores: Vec<usize>,
    /// State address of each layer's neuron 0.
    offsets: Vec<usize>,
    /// Parameters by state address.
    params: Vec<LaneParams>,
    pub run: bool,
    pub k: usize,
    lastk: usize,
    pub n0: usize,
    /// Its state address (`a0`).
    a0: usize,
    /// The unit-local layer being issued.
    pub lay: usize,
    /// Neuron step between lanes per layer (`L_NSTEP`: H_out * W_out for a convolution layer,
    /// whose lanes stripe the output channels; 1 for a dense layer).
    nstep: Vec<usize>,
    /// The neuron issued last cycle, (layer, neuron, state address) (its reads and sum are
    /// valid this cycle).
    p1: Option<(usize, usize, usize)>,
    sum_q: i64,
    mem_u: Vec<i64>,
    mem_i: Vec<i64>,
    u_rd: i64,
    i_rd: i64,
    /// The state address read and written in the last clocked cycle, when the read was used
    /// (an issue) and a write-back hit the same address: what `no_rw_check` rules out.
    pub rw_clash: Option<usize>,
    /// The rest of the pipeline: `stages[k]` holds the neuron issued `k + 2` cycles ago, with
    /// its layer and result (the twin computes it whole; the RTL spreads it over sl_neuron's
    /// stages). The last entry is the write-back stage.
    stages: Vec<InFlight>,
    /// The state RAM is an SPRAM (`UnitPlan::state_spram`, sl_unit `ST_SPRAM`): no issue in a
    /// cycle with a write-back.
    stall: bool,
}

impl Unit {
    pub fn new(plan: &Plan, unit: &spikeloom_plan::UnitPlan) -> Self {
        let layers: Vec<CorePlan> = unit.layers.iter().map(|&l| plan.cores[l].clone()).collect();
        Self {
            params: layers
                .iter()
                .flat_map(|c| (0..c.state_words()).map(move |n| LaneParams::of(c, n)))
                .collect(),
            run: false,
            k: 0,
            lastk: 0,
            n0: 0,
            a0: 0,
            lay: 0,
            nstep: layers.iter().map(CorePlan::neuron_step).collect(),
            p1: None,
            sum_q: 0,
            mem_u: vec![0; unit.depth],
            mem_i: vec![0; unit.depth],
            u_rd: 0,
            i_rd: 0,
            rw_clash: None,
            stages: vec![None; UNIT_LATENCY - 1],
            stall: unit.state_spram,
            offsets: unit.offsets.clone(),
            cores: unit.layers.clone(),
            layers,
        }
    }

    /// Synchronous reset (memories keep their contents, like the RTL).
    pub fn reset(&mut self) {
        self.run = false;
        self.k = 0;
        self.lastk = 0;
        self.n0 = 0;
        self.a0 = 0;
        self.lay = 0;
        self.p1 = None;
        self.stages.fill(None);
    }

    /// Issues a neuron this cycle (`iss`): running, and with the state in SPRAM no neuron
    /// written back in this cycle (the single port does one or the other).
    fn issues(&self) -> bool {
        self.run && !(self.stall && self.last().is_some())
    }

    /// Still needs the hand-off registers after this cycle: running, unless the block's last
    /// lane issues in this cycle.
    pub fn busy(&self) -> bool {
        self.run && !(self.issues() && self.k == self.lastk)
    }

    /// Anything in flight.
    pub fn active(&self) -> bool {
        self.run || self.p1.is_some() || self.stages.iter().any(Option::is_some)
    }

    /// The write-back stage this cycle: (layer, (neuron, result)).
    fn last(&self) -> InFlight {
        self.stages.last().copied().flatten()
    }

    /// This cycle's finished neuron: (core index, neuron, membrane, spike or count).
    pub fn out(&self) -> Option<(usize, usize, i64, u32)> {
        self.last()
            .map(|(j, (n, _, r))| (self.cores[j], n, r.0, r.2))
    }

    /// This cycle's spike push of core `l`: (index, count).
    pub fn push(&self, l: usize) -> Option<(u32, u32)> {
        self.last()
            .filter(|&(j, (_, _, r))| self.cores[j] == l && r.2 != 0)
            .map(|(_, (n, _, r))| (n as u32, r.2))
    }

    /// Clock edge. `ho`: the block handed over at this edge (before the hand-off registers
    /// change); `hs`: the hand-off registers before this edge; `clr`: the controller's clear
    /// address.
    pub fn clock(&mut self, ho: Option<Handoff>, hs: &[i64], clr: Option<usize>) {
        let iss = self.issues();
        // registered reads of the neuron being issued (read-first: before this edge's write)
        let a0 = self.a0;
        let (u_rd, i_rd) = (
            self.mem_u.get(a0).copied().unwrap_or(0),
            self.mem_i.get(a0).copied().unwrap_or(0),
        );
        if let Some(a) = clr {
            if a < self.mem_u.len() {
                self.mem_u[a] = 0;
                self.mem_i[a] = 0;
            }
        } else if let Some((_, (_, a, r))) = self.last() {
            if iss && a == a0 {
                self.rw_clash = Some(a);
            }
            self.mem_u[a] = r.0;
            self.mem_i[a] = r.1;
        }
        // the neuron whose reads arrived this cycle enters the datapath
        let entered = self.p1.map(|(j, n, a)| {
            let core = &self.layers[j];
            let i = if core.kind.has_current() {
                self.i_rd
            } else {
                0
            };
            let p = &self.params[a];
            (j, (n, a, update(core, self.sum_q, self.u_rd, i, p)))
        });
        self.stages.rotate_right(1);
        self.stages[0] = entered;
        (self.u_rd, self.i_rd) = (u_rd, i_rd);
        self.p1 = iss.then_some((self.lay, self.n0, self.a0));
        if iss {
            self.sum_q = hs[self.k];
        }
        if let Some(h) = ho {
            let c = &self.layers[h.lay];
            let (addr, last) = h
                .conv
                .unwrap_or((h.base, (c.size - h.base).min(c.lanes) - 1));
            self.run = true;
            self.k = 0;
            self.lastk = last;
            self.n0 = h.base;
            self.a0 = self.offsets[h.lay] + addr;
            self.lay = h.lay;
        } else if iss {
            if self.k == self.lastk {
                self.run = false;
            }
            self.k += 1;
            self.n0 += self.nstep[self.lay];
            self.a0 += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Unit;
    use spikeloom_plan::{plan, testing, PlanConfig, UNIT_LATENCY};

    /// The clash check behind `no_rw_check` fires when a neuron is issued again in the cycle
    /// its previous update is written back (the accumulators never hand a block over like
    /// that; here the twin is driven by hand), and stays silent when it is issued a cycle later.
    #[test]
    fn a_read_of_the_word_being_written_is_reported() {
        let cfg = PlanConfig {
            require_fit: false,
            ..PlanConfig::default()
        };
        let p = plan(&testing::digits_mlp(), &cfg, &testing::big_device()).expect("plan");
        let e = p.engine.as_ref().expect("engine");
        let hs = vec![0i64; e.lanes];
        for (gap, clash) in [(UNIT_LATENCY, true), (UNIT_LATENCY + 1, false)] {
            let mut u = Unit::new(&p, &e.units[0]);
            let mut seen = None;
            for t in 0..3 * UNIT_LATENCY {
                // neuron 0 of layer 1 (its block is one lane long: the layer's last block)
                let base = p.cores[e.units[0].layers[1]].size - 1;
                let ho = (t == 0 || t == gap).then_some(super::Handoff {
                    lay: 1,
                    base,
                    conv: None,
                });
                u.clock(ho, &hs, None);
                seen = seen.or(u.rw_clash.take());
            }
            assert_eq!(seen.is_some(), clash, "gap {gap}: {seen:?}");
        }
    }
}
