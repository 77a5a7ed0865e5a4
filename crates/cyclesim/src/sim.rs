//! [`CycleSim`]: the twins wired like the generated spikeloom_top, driven by the harness rules
//! of [`crate::protocol`].

use crate::core::{Core, CoreOut, St as CoreSt};
use crate::ctrl::Ctrl;
use crate::error::SimError;
use crate::evbuf::EvBuf;
use crate::protocol::{LogLine, StimCmd};
use spikeloom_plan::{Plan, QSource};

/// The cycle-accurate model of one plan.
pub struct CycleSim {
    plan: Plan,
    ctrl: Ctrl,
    cores: Vec<Core>,
    bufs: Vec<EvBuf>,
    outs: Vec<CoreOut>,
    idx_mask: u32,
    cycle: u64,
    stall_limit: u64,
}

impl CycleSim {
    /// Model of `plan`, in the state right after a reset.
    pub fn new(plan: &Plan) -> Self {
        let worst = plan
            .cores
            .iter()
            .map(|c| c.fan_in() + c.projections.len() + c.lanes + 8)
            .max()
            .unwrap_or(0);
        Self {
            ctrl: Ctrl::new(plan.cores.len(), plan.clear_cycles),
            cores: plan.cores.iter().map(Core::new).collect(),
            bufs: plan.buffers.iter().map(EvBuf::new).collect(),
            outs: vec![CoreOut::default(); plan.cores.len()],
            idx_mask: if plan.ev_bits >= 32 {
                u32::MAX
            } else {
                (1u32 << plan.ev_bits) - 1
            },
            cycle: 0,
            stall_limit: 1000 + 4 * (worst + plan.input_size + plan.clear_cycles) as u64,
            plan: plan.clone(),
        }
    }

    /// The plan being modelled.
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    fn reset(&mut self) {
        self.ctrl.reset();
        self.cores.iter_mut().for_each(Core::reset);
        self.bufs.iter_mut().for_each(EvBuf::reset);
        self.cycle = 0;
    }

    /// One clock cycle with input beat `beat` (`Some(index)` = event, `None` inside = eos) pending.
    /// Appends this cycle's log lines; returns (beat transferred, output eos seen).
    fn step(&mut self, beat: Option<Option<u32>>, log: &mut Vec<LogLine>) -> (bool, bool) {
        let parity = self.ctrl.parity;
        let c = self.ctrl.comb();
        let (mut raddr, mut rprev, mut done_any) = (c.raddr, false, false);
        for (l, core) in self.cores.iter_mut().enumerate() {
            let o = if core.st == CoreSt::Idle {
                CoreOut::default()
            } else {
                core.comb(&self.bufs, parity)
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
                            neuron: (core.nbase + k) as u32,
                            v: core.u_next[k] as i32,
                            spike: core.spikes >> k & 1 == 1,
                        });
                    }
                }
            }
            self.outs[l] = o;
        }
        let ob = self.plan.output_buffer;
        if c.out_valid {
            log.push(if c.out_eos {
                LogLine::OutEos { cycle: self.cycle }
            } else {
                LogLine::Out {
                    cycle: self.cycle,
                    index: self.bufs[ob].rdata,
                }
            });
        }
        // ---- clock edge ----
        let out_cnt = self.bufs[ob].count(parity, false);
        for (l, core) in self.cores.iter_mut().enumerate() {
            let start = c.start == Some(l);
            if core.st != CoreSt::Idle || start || c.clr.is_some() {
                core.clock(&self.outs[l], start, c.clr, &self.bufs);
            }
        }
        let transferred = c.in_ready && beat.is_some();
        let push_in = match beat {
            Some(Some(i)) if c.in_ready && (i as usize) < self.plan.input_size => Some(i),
            _ => None,
        };
        for (b, buf) in self.bufs.iter_mut().enumerate() {
            let (clr, push) = match self.plan.buffers[b].source {
                QSource::Input => (c.in_clr, push_in),
                QSource::Layer(l) => (c.start == Some(l), self.outs[l].push),
            };
            buf.clock(parity, clr, push, rprev, raddr);
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
        let mut pos = 0;
        let mut outstanding = 0u64;
        let mut idle = 0u64;
        loop {
            let next = stim.get(pos).copied();
            let beat = match next {
                Some(StimCmd::Event(i)) => Some(Some(i & self.idx_mask)),
                Some(StimCmd::Eos) => Some(None),
                Some(StimCmd::Reset) | None => {
                    if outstanding == 0 {
                        let Some(StimCmd::Reset) = next else {
                            return Ok(());
                        };
                        self.reset();
                        log.push(LogLine::Reset);
                        pos += 1;
                        continue;
                    }
                    None
                }
            };
            let before = log.len();
            let (taken, eos) = self.step(beat, log);
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
            if idle > self.stall_limit {
                return Err(SimError::Stalled {
                    cycles: idle,
                    at: self.cycle,
                    waiting: if outstanding > 0 {
                        "output end of step".into()
                    } else {
                        "in_ready".into()
                    },
                });
            }
        }
    }

    /// Cycle counter (edges since the last reset).
    pub fn cycle(&self) -> u64 {
        self.cycle
    }
}
