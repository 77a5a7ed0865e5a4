//! [`CycleSim`]: the twins wired like the generated spikeloom_top, driven by the harness rules
//! of [`crate::protocol`].
//!
//! Speed ("burst" fast path): three kinds of cycle have no observable effect besides memory
//! writes and counters, and come in runs whose length is known in advance: input event beats
//! accepted back to back, ACC cycles issuing an event read (accumulate one weight word), and
//! SPK cycles pushing one spike. All but the last cycle of such a run are executed in one tight
//! loop ([`Core::burst`], [`Core::spk_burst`], `input_burst`) with identical state, logs and
//! cycle numbers; the last goes through `step`, because the state after it depends on it.
//! Waveform recording turns bursts off, since every cycle is then written.

use crate::bridge::{Bridge, Features, Phase};
use crate::core::{Core, CoreOut, St as CoreSt};
use crate::ctrl::{Ctrl, St as CtrlSt};
use crate::engine::{Acc, AccOut, AccSt, Handoff, Unit};
use crate::error::SimError;
use crate::evbuf::{EvBuf, EvSpram};
use crate::probe::{Inputs, Probe};
use crate::protocol::{LogLine, StimCmd};
use crate::vcd::VcdWriter;
use crate::wload::{Flash, HostIn, LoadBench, LoaderParams};
use spikeloom_plan::{LoadState, Plan, QSource, WeightImage};
use std::io::Write;

/// An input beat presented to `in_*` in one cycle: `Some((index, value))` = event, `None` = end
/// of step.
type Beat = Option<(u32, u32)>;

/// The weight loader of a store loaded at start-up and the flash it reads after a power-on.
struct Loading {
    params: LoaderParams,
    /// The flash's bytes at the image offset (the plan's image unless replaced).
    flash: Vec<u8>,
    /// The plan's granules: what a store the loader calls ready must hold.
    image: Vec<u16>,
}

/// The cycle-accurate model of one plan.
pub struct CycleSim {
    plan: Plan,
    ctrl: Ctrl,
    /// The convolution cores (`None` for a dense layer, which the engine runs).
    cores: Vec<Option<Core>>,
    /// The engine's accumulators and units (units in engine order).
    acc: Option<Acc>,
    units: Vec<Unit>,
    /// Engine index of every layer (`None`: a convolution core).
    unit_of: Vec<Option<usize>>,
    bufs: Vec<EvBuf>,
    /// The event lists in the shared SPRAM (`None`: every list in its own memory).
    evs: Option<EvSpram>,
    /// First cycle at which the shared event SPRAM was asked for two accesses (a design bug).
    port_conflict: Option<u64>,
    /// A unit's state RAM read and wrote one address in one cycle: (cycle, unit, address).
    rw_clash: Option<(u64, usize, usize)>,
    /// The convolution cores' shared accumulator RAM and its lanes per word (`plan::SharedAcc`),
    /// lent to the clocked core.
    shared_acc: Option<(Vec<i64>, usize)>,
    outs: Vec<CoreOut>,
    idx_mask: u32,
    /// `in_value` mask (0 when the design has no `in_value` port: every input event is 1).
    val_mask: u32,
    cycle: u64,
    stall_limit: u64,
    bursts: bool,
    loading: Option<Loading>,
    /// A power-on happened (a design with a loader gets one before its first reset).
    powered: bool,
}

/// Optional waveform recording of [`CycleSim::run_into_rec`].
struct Rec<'a, W: Write> {
    vcd: &'a mut VcdWriter<W>,
    probe: Probe,
    in_index: u32,
    in_value: u32,
}

impl CycleSim {
    /// Model of `plan`, in the state right after a reset.
    pub fn new(plan: &Plan) -> Self {
        let worst = plan
            .cores
            .iter()
            .map(|c| {
                // a convolution core's scatter phase logs nothing: (5 + taps) cycles per event
                c.fan_in() * (5 + c.conv_taps()) + c.projections.len() + c.lanes + 3 * c.blocks + 8
            })
            .max()
            .unwrap_or(0);
        let loading = plan.loader.map(|l| {
            let image = plan.weight_image();
            Loading {
                params: LoaderParams::of(&l),
                flash: WeightImage::new(image.clone())
                    .map(|i| i.to_bytes())
                    .unwrap_or_default(),
                image,
            }
        });
        let mut ctrl = Ctrl::new(plan.cores.len(), plan.clear_cycles);
        // a loaded store is not ready before its load
        ctrl.w_ready = loading.is_none();
        let unit_of: Vec<Option<usize>> = (0..plan.cores.len())
            .map(|l| plan.engine.as_ref().and_then(|e| e.index_of(l)))
            .collect();
        Self {
            ctrl,
            cores: plan
                .cores
                .iter()
                .enumerate()
                .map(|(l, c)| c.conv.is_some().then(|| Core::new(c, plan.on_unit(l))))
                .collect(),
            acc: plan.engine.as_ref().map(|e| Acc::new(plan, e)),
            units: plan
                .engine
                .iter()
                .flat_map(|e| e.units.iter().map(|u| Unit::new(plan, u)))
                .collect(),
            unit_of,
            bufs: plan.buffers.iter().map(EvBuf::new).collect(),
            evs: EvSpram::new(plan),
            port_conflict: None,
            rw_clash: None,
            shared_acc: plan
                .conv_acc
                .as_ref()
                .map(|a| (vec![0; a.depth * a.lanes], a.lanes)),
            outs: vec![CoreOut::default(); plan.cores.len()],
            idx_mask: if plan.ev_bits >= 32 {
                u32::MAX
            } else {
                (1u32 << plan.ev_bits) - 1
            },
            val_mask: if plan.input_bits > 1 {
                (1u32 << plan.input_bits.min(31)) - 1
            } else {
                0
            },
            cycle: 0,
            stall_limit: 1000 + 4 * (worst + plan.input_size + plan.clear_cycles) as u64,
            bursts: true,
            loading,
            powered: false,
            plan: plan.clone(),
        }
    }

    /// Replace what the flash holds at the image offset (a design with a weight loader; by
    /// default the plan's image): the next power-on reads these bytes.
    pub fn set_flash(&mut self, bytes: Vec<u8>) {
        if let Some(l) = &mut self.loading {
            l.flash = bytes;
        }
    }

    /// `P`: both resets, then the weight load from the flash model (sl_wload + sl_spi_flash
    /// twins) until the loader is ready or fails; logs `L <cycle> <state>`. Cycles are counted
    /// from the power-on reset's release and restart at the next `R`.
    fn power_on(&mut self, log: &mut Vec<LogLine>) -> Result<(), SimError> {
        let Some((p, flash)) = self.loading.as_ref().map(|l| (l.params, l.flash.clone())) else {
            return Err(SimError::NoLoader);
        };
        let mut bench = LoadBench::new(p, Flash::new(p.flash_offset, flash, p.tres_cycles));
        let mut store = vec![0u16; p.granules];
        // a load from the flash takes 16 cycles per byte; the margin is the harnesses'
        let limit = 64 * (12 + 2 * p.granules as u64) + 100_000;
        self.reset();
        while bench.loader.state().is_busy() {
            bench.clock(HostIn::default());
            self.cycle += 1;
            let w = &bench.loader;
            if w.we {
                if let Some(g) = store.get_mut(usize::from(w.addr)) {
                    *g = w.data;
                }
            }
            if self.cycle > limit {
                return Err(SimError::Stalled {
                    cycles: self.cycle,
                    at: self.cycle,
                    waiting: "the weight load".into(),
                });
            }
        }
        let state = bench.loader.state();
        log.push(LogLine::Load {
            cycle: self.cycle,
            state: state.code(),
        });
        if let (LoadState::Ready, Some(l)) = (state, &self.loading) {
            if let Some(granule) = (0..store.len()).find(|&g| l.image.get(g) != Some(&store[g])) {
                return Err(SimError::LoadMismatch { granule });
            }
        }
        self.ctrl.w_ready = state == LoadState::Ready;
        self.powered = true;
        Ok(())
    }

    /// The plan being modelled.
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// Turn the burst fast path on (default) or off; results are identical either way.
    pub fn set_bursts(&mut self, on: bool) {
        self.bursts = on;
    }

    fn reset(&mut self) {
        self.ctrl.reset();
        self.cores.iter_mut().flatten().for_each(Core::reset);
        if let Some(a) = &mut self.acc {
            a.reset();
        }
        self.units.iter_mut().for_each(Unit::reset);
        self.bufs.iter_mut().for_each(EvBuf::reset);
        self.cycle = 0;
    }

    /// Cycles of the running core that can go at once: issuing ACC cycles ([`Core::burst`]) or
    /// pushing SPK cycles ([`Core::spk_burst`]). The last such cycle is left to `step`, whose
    /// successor state depends on it. Adds the skipped cycles to `idle` (nothing is logged).
    fn core_burst(&mut self, idle: &mut u64) {
        let Some(l) = self.ctrl.waiting_on() else {
            return;
        };
        let parity = self.ctrl.parity;
        let n = if self.unit_of[l].is_some() {
            // the engine: issuing ACC cycles while no unit is active (nothing is logged)
            let Some(acc) = self.acc.as_mut() else {
                return;
            };
            if self.units.iter().any(Unit::active) {
                return;
            }
            let issues = acc.pending_issues(&self.bufs, parity);
            if issues < 2 {
                return;
            }
            let cores: Vec<&spikeloom_plan::CorePlan> = self
                .plan
                .engine
                .iter()
                .flat_map(|e| e.layers.iter().map(|&c| &self.plan.cores[c]))
                .collect();
            acc.burst(&mut self.bufs, parity, issues - 1, &cores);
            issues - 1
        } else {
            let Some(core) = self.cores[l].as_mut() else {
                return;
            };
            let pushes = core.pending_pushes();
            if pushes < 2 {
                return;
            }
            let n = pushes - 1;
            // the layer's buffer and every delay line of it take the pushes
            let fed: Vec<bool> = self
                .plan
                .buffers
                .iter()
                .map(|b| b.source == QSource::Layer(l))
                .collect();
            let bufs = &mut self.bufs;
            let evs = &mut self.evs;
            core.spk_burst(n, |ev| {
                for (b, (buf, _)) in bufs
                    .iter_mut()
                    .zip(&fed)
                    .enumerate()
                    .filter(|(_, (_, &f))| f)
                {
                    if let (Some(e), Some(pos)) =
                        (evs.as_mut(), buf.push_pos(parity, false, Some(ev)))
                    {
                        if e.holds(b) {
                            e.clock(&[(b, pos, ev)], None);
                        }
                    }
                    buf.clock(parity, false, Some(ev), false, 0);
                }
            });
            for (buf, _) in self.bufs.iter_mut().zip(&fed).filter(|(_, &f)| !f) {
                buf.clock(parity, false, None, false, 0);
            }
            n
        };
        self.cycle += u64::from(n);
        *idle += u64::from(n);
    }

    /// Input event beats transferred back to back while the controller accepts input (cores
    /// idle): one push per cycle into the input buffer, nothing logged.
    fn input_burst(&mut self, beats: &[StimCmd]) {
        let parity = self.ctrl.parity;
        // the input buffer and the input's delay lines take the pushes
        let fed: Vec<bool> = self
            .plan
            .buffers
            .iter()
            .map(|b| b.source == QSource::Input)
            .collect();
        for cmd in beats {
            if let Some(Some((i, v))) = self.beat_of(*cmd) {
                let push = ((i as usize) < self.plan.input_size).then_some((i, v));
                for (b, (buf, _)) in self
                    .bufs
                    .iter_mut()
                    .zip(&fed)
                    .enumerate()
                    .filter(|(_, (_, &f))| f)
                {
                    if let (Some(e), Some(pos), Some(ev)) =
                        (self.evs.as_mut(), buf.push_pos(parity, false, push), push)
                    {
                        if e.holds(b) {
                            e.clock(&[(b, pos, ev)], None);
                        }
                    }
                    buf.clock(parity, false, push, false, 0);
                }
            }
        }
        for (buf, _) in self.bufs.iter_mut().zip(&fed).filter(|(_, &f)| !f) {
            buf.clock(parity, false, None, false, 0);
        }
        self.cycle += beats.len() as u64;
    }

    /// The beat a stimulus command presents (`None`: not a beat), index and value cut to the
    /// port widths like the harness drives them; without an `in_value` port every event is 1.
    fn beat_of(&self, cmd: StimCmd) -> Option<Beat> {
        let value = |v: u32| {
            if self.val_mask == 0 {
                1
            } else {
                v & self.val_mask
            }
        };
        match cmd {
            StimCmd::Event(i) => Some(Some((i & self.idx_mask, value(1)))),
            StimCmd::Graded(i, v) => Some(Some((i & self.idx_mask, value(v)))),
            StimCmd::Eos => Some(None),
            StimCmd::Reset | StimCmd::PowerOn => None,
        }
    }

    /// Registers and outputs that are not computed by `step` (everything but the trace bus
    /// and the output stream), into `p`.
    fn fill_regs(&self, p: &mut Probe) {
        let c = self.ctrl.comb();
        let (layer, out_i) = self.ctrl.regs();
        p.in_ready = c.in_ready;
        p.out_valid = c.out_valid;
        p.out_eos = c.out_eos;
        let ob = &self.bufs[self.plan.output_buffer];
        (p.out_index, p.out_value) = if c.out_valid && !c.out_eos {
            (ob.rdata, ob.rval)
        } else {
            (0, 0)
        };
        p.ctrl_st = self.ctrl.st.code();
        p.ctrl_layer = layer as u64;
        p.ctrl_out_i = u64::from(out_i);
        p.parity = self.ctrl.parity;
        p.scopes.clear();
        // in the VCD's scope order: convolution cores, the accumulators, the units
        for core in self.cores.iter().flatten() {
            let (blk, e) = core.regs();
            p.scopes
                .push(vec![core.st_code(), blk as u64, u64::from(e)]);
        }
        if let Some(a) = &self.acc {
            p.scopes
                .push(vec![a.st as u64, a.blk as u64, a.j as u64, u64::from(a.e)]);
        }
        for u in &self.units {
            p.scopes
                .push(vec![u64::from(u.run), u.k as u64, u.n0 as u64]);
        }
    }

    /// One clock cycle with `beat` pending (`None`: no beat). Appends this cycle's log lines and
    /// fills `probe` when given; returns (beat transferred, output eos seen).
    fn step(
        &mut self,
        beat: Option<Beat>,
        log: &mut Vec<LogLine>,
        mut probe: Option<&mut Probe>,
    ) -> (bool, bool) {
        let parity = self.ctrl.parity;
        let c = self.ctrl.comb();
        if let Some(p) = probe.as_deref_mut() {
            self.fill_regs(p);
            p.trace_valid = false;
            p.trace_layer = 0;
            p.trace_base = 0;
            p.trace_step = 0;
            p.trace_lane_valid = 0;
            p.trace_spike.fill(0);
            p.trace_v.fill(0);
        }
        let (mut raddr, mut rprev, mut done_any) = (c.raddr, false, false);
        let u_free = !self.units.iter().any(Unit::busy);
        for (l, slot) in self.cores.iter_mut().enumerate() {
            let Some(core) = slot.as_mut() else {
                continue;
            };
            let o = if core.st == CoreSt::Idle {
                CoreOut::default()
            } else {
                core.comb(&self.bufs, parity, u_free)
            };
            raddr |= o.raddr;
            rprev |= o.rprev;
            done_any |= o.done;
            if o.upd {
                for k in 0..core.plan.lanes {
                    if core.lane_valid(k) {
                        log.push(LogLine::Trace {
                            cycle: self.cycle,
                            layer: l as u32,
                            neuron: core.lane_neuron(k) as u32,
                            v: core.u_next[k] as i32,
                            spike: core.counts[k],
                        });
                    }
                }
                if let Some(p) = probe.as_deref_mut() {
                    p.trace_valid = true;
                    p.trace_layer = l as u32;
                    p.trace_base = core.nbase() as u32;
                    p.trace_step = core.step as u32;
                    for k in 0..core.plan.lanes {
                        p.trace_spike[k] = core.counts[k];
                        p.trace_lane_valid |= u64::from(core.lane_valid(k)) << k;
                        // the RTL sign-extends the lane's state-width result to 32 bits
                        p.trace_v[k] = i64::from(core.u_next[k] as i32);
                    }
                }
            }
            self.outs[l] = o;
        }
        // the engine: accumulators, then each unit's stage-2 neuron (one per cycle)
        let ao = match &self.acc {
            Some(a) => a.comb(&self.bufs, parity, u_free),
            None => AccOut::default(),
        };
        raddr |= ao.raddr;
        rprev |= ao.rprev;
        done_any |= ao.done;
        let layers = self.plan.engine.as_ref().map_or(&[][..], |e| &e.layers[..]);
        for u in &self.units {
            if let Some((l, n, v, spike)) = u.out() {
                log.push(LogLine::Trace {
                    cycle: self.cycle,
                    layer: l as u32,
                    neuron: n as u32,
                    v: v as i32,
                    spike,
                });
                if let Some(p) = probe.as_deref_mut() {
                    p.trace_valid = true;
                    p.trace_layer = l as u32;
                    p.trace_base = n as u32;
                    p.trace_lane_valid = 1;
                    p.trace_spike[0] = spike;
                    p.trace_v[0] = i64::from(v as i32);
                }
            }
            for &l in &u.cores {
                self.outs[l].push = u.push(l);
            }
        }
        let ob = self.plan.output_buffer;
        if c.out_valid {
            log.push(if c.out_eos {
                LogLine::OutEos { cycle: self.cycle }
            } else {
                LogLine::Out {
                    cycle: self.cycle,
                    index: self.bufs[ob].rdata,
                    value: self.bufs[ob].rval,
                }
            });
        }
        // ---- clock edge ----
        let out_cnt = self.bufs[ob].count(parity, false);
        // the units take hand-offs from the accumulators or from a convolution core on a unit
        // (its hand-off registers before this edge: the cores are clocked after the units)
        let u_idle = !self.units.iter().any(Unit::active);
        if let Some(acc) = self.acc.as_mut() {
            let cur = acc.cur;
            let base = acc.ho_base();
            // the engine index's core, and its unit and unit-local layer
            let cur_core = layers.get(cur).copied();
            // a convolution core on a unit that runs: its hand-off and registers
            let conv = self.cores.iter().enumerate().find_map(|(l, core)| {
                let core = core.as_ref()?;
                (core.on_unit && core.st != CoreSt::Idle).then_some((l, core))
            });
            for (k, u) in self.units.iter_mut().enumerate() {
                let (ho, hs) = match conv {
                    Some((l, core)) => {
                        let ho = u.cores.iter().position(|&x| x == l).and_then(|j| {
                            self.outs[l].ho.map(|(base, addr, last)| Handoff {
                                lay: j,
                                base,
                                conv: Some((addr, last)),
                            })
                        });
                        (ho, &core.hreg[..])
                    }
                    None => {
                        let ho = cur_core
                            .and_then(|l| u.cores.iter().position(|&x| x == l))
                            .filter(|_| ao.ho)
                            .map(|j| Handoff {
                                lay: j,
                                base,
                                conv: None,
                            });
                        (ho, acc.hs())
                    }
                };
                if u.active() || ho.is_some() || c.clr.is_some() {
                    u.clock(ho, hs, c.clr);
                    if let (Some(a), None) = (u.rw_clash.take(), self.rw_clash) {
                        self.rw_clash = Some((self.cycle, k, a));
                    }
                }
            }
            let start = c.start.and_then(|l| self.unit_of[l]);
            let cores: Vec<&spikeloom_plan::CorePlan> =
                layers.iter().map(|&l| &self.plan.cores[l]).collect();
            if acc.st != AccSt::Idle || start.is_some() {
                acc.clock(&ao, start, &self.bufs, &cores, u_idle);
            }
        }
        for (l, slot) in self.cores.iter_mut().enumerate() {
            let Some(core) = slot.as_mut() else {
                continue;
            };
            let start = c.start == Some(l);
            if core.st != CoreSt::Idle || start || c.clr.is_some() {
                match self.shared_acc.as_mut() {
                    Some((mem, stride)) => {
                        core.swap_acc(mem, stride);
                        core.clock(&self.outs[l], start, c.clr, &self.bufs, u_idle);
                        core.swap_acc(mem, stride);
                    }
                    None => core.clock(&self.outs[l], start, c.clr, &self.bufs, u_idle),
                }
            }
        }
        let transferred = c.in_ready && beat.is_some();
        let push_in = match beat {
            Some(Some((i, v))) if c.in_ready && (i as usize) < self.plan.input_size => Some((i, v)),
            _ => None,
        };
        let mut evs_writes = Vec::new();
        for (b, buf) in self.bufs.iter_mut().enumerate() {
            let (clr, push) = match self.plan.buffers[b].source {
                QSource::Input => (c.in_clr, push_in),
                QSource::Layer(l) => (c.start == Some(l), self.outs[l].push),
            };
            // a delay line advances on the controller's step beat
            let clr = if buf.is_line() { c.in_clr } else { clr };
            if let (Some(e), Some(pos), Some(ev)) =
                (self.evs.as_ref(), buf.push_pos(parity, clr, push), push)
            {
                if e.holds(b) {
                    evs_writes.push((b, pos, ev));
                }
            }
            buf.clock(parity, clr, push, rprev, raddr);
        }
        if let Some(e) = self.evs.as_mut() {
            // the convolution core fetching from a shared list (one runs at a time)
            let read = self
                .cores
                .iter()
                .zip(&self.outs)
                .filter_map(|(core, o)| {
                    let b = core.as_ref()?.plan.projections[0].buffer;
                    (o.issue && e.holds(b)).then_some((b, o.raddr))
                })
                .collect::<Vec<_>>();
            let ok = read.len() <= 1 && e.clock(&evs_writes, read.first().copied());
            if !ok && self.port_conflict.is_none() {
                self.port_conflict = Some(self.cycle);
            }
            e.show(&mut self.bufs);
        }
        let in_beat = if transferred {
            beat.map(|b| b.is_none())
        } else {
            None
        };
        self.ctrl.clock(in_beat, done_any, out_cnt);
        self.cycle += 1;
        (transferred, c.out_valid && c.out_eos)
    }

    /// Run a stimulus (see [`crate::protocol`] for the harness rules) and return the log.
    pub fn run_stimulus(&mut self, stim: &[StimCmd]) -> Result<Vec<LogLine>, SimError> {
        let mut log = Vec::new();
        self.run_into(stim, &mut log)?;
        Ok(log)
    }

    /// As [`CycleSim::run_stimulus`], appending to `log`.
    pub fn run_into(&mut self, stim: &[StimCmd], log: &mut Vec<LogLine>) -> Result<(), SimError> {
        self.run_into_rec::<std::io::Sink>(stim, log, None)
    }

    /// As [`CycleSim::run_into`], recording every cycle (resets included) into `vcd`.
    pub fn run_with_vcd<W: Write>(
        &mut self,
        stim: &[StimCmd],
        log: &mut Vec<LogLine>,
        vcd: &mut VcdWriter<W>,
    ) -> Result<(), SimError> {
        let rec = Rec {
            vcd,
            probe: Probe::default_for(&self.plan),
            in_index: 0,
            in_value: 0,
        };
        self.run_into_rec(stim, log, Some(rec))
    }

    /// Probe of the current state when no core is running (only then can a reset come: every
    /// step's output eos has been seen), so the trace bus is idle.
    fn quiet_probe(&self, p: &mut Probe) {
        self.fill_regs(p);
        p.trace_valid = false;
        p.trace_lane_valid = 0;
        p.trace_spike.fill(0);
        p.trace_layer = 0;
        p.trace_base = 0;
        p.trace_step = 0;
        p.trace_v.fill(0);
    }

    /// Reset as the harness does it: `rst` high for two cycles.
    fn reset_rec<W: Write>(&mut self, rec: Option<&mut Rec<'_, W>>) -> Result<(), SimError> {
        let Some(r) = rec else {
            self.reset();
            return Ok(());
        };
        let inp = Inputs {
            rst: true,
            in_valid: false,
            in_eos: false,
            in_index: r.in_index,
            in_value: r.in_value,
        };
        // first cycle with rst high: the outputs of the state before the reset edge
        self.quiet_probe(&mut r.probe);
        r.vcd.cycle(Some(&r.probe), &inp)?;
        self.reset();
        self.quiet_probe(&mut r.probe);
        r.vcd.cycle(Some(&r.probe), &inp)
    }

    fn run_into_rec<W: Write>(
        &mut self,
        stim: &[StimCmd],
        log: &mut Vec<LogLine>,
        mut rec: Option<Rec<'_, W>>,
    ) -> Result<(), SimError> {
        let mut pos = 0;
        let mut outstanding = 0u64;
        let mut idle = 0u64;
        loop {
            let next = stim.get(pos).copied();
            let beat = match next.and_then(|c| self.beat_of(c)) {
                Some(b) => Some(b),
                None => {
                    if outstanding == 0 {
                        // a design with a loader is powered on before its first reset
                        let implicit =
                            next == Some(StimCmd::Reset) && self.loading.is_some() && !self.powered;
                        if next == Some(StimCmd::PowerOn) || implicit {
                            self.power_on(log)?;
                            pos += usize::from(!implicit);
                            if let Some(c) = stim.get(pos) {
                                if !matches!(c, StimCmd::Reset | StimCmd::PowerOn) {
                                    return Err(SimError::AfterPowerOn(c.to_string()));
                                }
                            }
                            continue;
                        }
                        let Some(StimCmd::Reset) = next else {
                            return Ok(());
                        };
                        self.reset_rec(rec.as_mut())?;
                        log.push(LogLine::Reset);
                        pos += 1;
                        continue;
                    }
                    None
                }
            };
            if rec.is_none() && self.bursts {
                if self.ctrl.st == CtrlSt::In {
                    let events = stim[pos..]
                        .iter()
                        .take_while(|c| matches!(c, StimCmd::Event(_) | StimCmd::Graded(..)))
                        .count();
                    if events > 1 {
                        self.input_burst(&stim[pos..pos + events - 1]);
                        pos += events - 1;
                        idle = 0;
                        continue;
                    }
                }
                self.core_burst(&mut idle);
            }
            let before = log.len();
            let (taken, eos) = match rec.as_mut() {
                None => self.step(beat, log, None),
                Some(r) => {
                    if let Some(Some((i, v))) = beat {
                        r.in_index = i;
                        r.in_value = v;
                    } else if beat == Some(None) {
                        r.in_index = 0;
                        r.in_value = 0;
                    }
                    let inp = Inputs {
                        rst: false,
                        in_valid: beat.is_some(),
                        in_eos: beat == Some(None),
                        in_index: r.in_index,
                        in_value: r.in_value,
                    };
                    let res = self.step(beat, log, Some(&mut r.probe));
                    r.vcd.cycle(Some(&r.probe), &inp)?;
                    res
                }
            };
            self.design_bug()?;
            if taken {
                pos += 1;
                if beat == Some(None) {
                    outstanding += 1;
                }
            }
            if eos {
                outstanding -= 1;
            }
            idle = if taken || log.len() > before {
                0
            } else {
                idle + 1
            };
            self.check_progress(idle, || {
                if outstanding > 0 {
                    "output end of step".into()
                } else {
                    "in_ready".into()
                }
            })?;
        }
    }

    /// `idle` cycles without progress: past the stall limit the design hangs (a bug), waiting
    /// for what `waiting` names.
    fn check_progress(&self, idle: u64, waiting: impl FnOnce() -> String) -> Result<(), SimError> {
        if idle > self.stall_limit {
            return Err(SimError::Stalled {
                cycles: idle,
                at: self.cycle,
                waiting: waiting(),
            });
        }
        Ok(())
    }

    /// A memory conflict the RTL would not survive (a design bug), seen in the last cycle.
    fn design_bug(&self) -> Result<(), SimError> {
        if let Some(at) = self.port_conflict {
            return Err(SimError::PortConflict { at });
        }
        if let Some((at, k, addr)) = self.rw_clash {
            return Err(SimError::ReadDuringWrite {
                what: format!("neuron unit {k}'s state RAM"),
                addr,
                at,
            });
        }
        Ok(())
    }

    /// Cycle counter (edges since the last reset).
    pub fn cycle(&self) -> u64 {
        self.cycle
    }

    /// A run on chip with the host bridge's twin ([`Bridge`]) feeding `in_*`, as board_top.v
    /// wires them: the core reset (power-on first for a design with a weight loader), the
    /// bridge's count clear, then per step the scan of `steps[t]`'s features (one byte per
    /// feature: values, 0/1 spikes, or pixels for [`Features::Pixels`]) and the core's
    /// compute, until the output end of step; the next step starts after it (a counts-only
    /// RUN_VALUES / RUN_PIXELS; a RUN repeats one feature vector). The host link's transfer
    /// is not part of it.
    pub fn run_bridge(
        &mut self,
        steps: &[Vec<u8>],
        features: Features,
    ) -> Result<BridgeRun, SimError> {
        let mut run = BridgeRun::default();
        if self.loading.is_some() && !self.powered {
            self.power_on(&mut run.log)?;
        }
        self.reset();
        run.log.push(LogLine::Reset);
        let mut bridge = Bridge::new(
            self.plan.input_size,
            self.plan.input_bits,
            self.plan.ev_bits,
            self.plan.cores[self.plan.output_layer].size,
            self.plan.bridge_zero_skip,
        );
        bridge.start(features, steps.len() as u32);
        let mut idle = 0u64;
        loop {
            match bridge.phase() {
                Phase::Done => {
                    run.end = self.cycle;
                    return Ok(run);
                }
                Phase::Next => {
                    let t = run.starts.len();
                    if let Some(row) = steps.get(t) {
                        if row.len() != self.plan.input_size {
                            return Err(SimError::InputWidth {
                                got: row.len(),
                                expected: self.plan.input_size,
                            });
                        }
                        bridge.set_features(row);
                    }
                    run.starts.push(self.cycle);
                }
                _ => {}
            }
            if self.bursts && bridge.waiting() {
                self.core_burst(&mut idle);
            }
            let beat = bridge.beat().map(|b| {
                b.map(|(i, v)| {
                    (
                        i,
                        if self.val_mask == 0 {
                            1
                        } else {
                            v & self.val_mask
                        },
                    )
                })
            });
            let (before, at) = (run.log.len(), self.cycle);
            let (taken, eos) = self.step(beat, &mut run.log, None);
            self.design_bug()?;
            if taken {
                run.beats.push((at, beat.flatten()));
            }
            bridge.clock(taken, eos);
            idle = if taken || run.log.len() > before {
                0
            } else {
                idle + 1
            };
            self.check_progress(idle, || format!("the bridge ({:?})", bridge.phase()))?;
        }
    }
}

/// What [`CycleSim::run_bridge`] saw: cycles count from the first edge after the core reset,
/// as in the co-simulation log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BridgeRun {
    /// The core's log lines (outputs, traces), the reset first.
    pub log: Vec<LogLine>,
    /// Every input beat the core took: (cycle, `Some((index, value))` or `None` = end of step).
    pub beats: Vec<(u64, Option<(u32, u32)>)>,
    /// The cycle at which each step started (the bridge's G_PNEXT).
    pub starts: Vec<u64>,
    /// The cycle at which the last step was done (the bridge left G_WAIT).
    pub end: u64,
}

impl BridgeRun {
    /// The output events' indices of each step, in the order they left (one list per output
    /// end of step).
    pub fn outputs(&self) -> Vec<Vec<u32>> {
        let mut steps = Vec::new();
        let mut outs = Vec::new();
        for line in &self.log {
            match *line {
                LogLine::Out { index, .. } => outs.push(index),
                LogLine::OutEos { .. } => steps.push(std::mem::take(&mut outs)),
                _ => {}
            }
        }
        steps
    }

    /// Cycles of each step on chip: from its start to the next step's (the last: to the end).
    pub fn step_cycles(&self) -> Vec<u64> {
        let mut ends = self.starts.iter().skip(1).copied().collect::<Vec<_>>();
        ends.push(self.end);
        self.starts.iter().zip(ends).map(|(s, e)| e - s).collect()
    }
}
