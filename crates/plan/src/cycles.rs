//! Cycles per time step, as a formula of the step's activity.
//!
//! The formula mirrors the controller, engine and core state machines (rtl-templates/core/
//! sl_ctrl.v, sl_acc.v, sl_unit.v, sl_conv.v); `spikeloom-cyclesim` tests check it against the
//! cycle model exactly.
//!
//! ```text
//! step = 1 (BEGIN) + in_events + 1 (eos beat) + Σ_layers layer + 2 * out_events + 1 + 1
//! ```
//! (the last two: OUT end check, out eos beat), assuming the input beats arrive back to back and
//! `out_ready` stays high. A dense layer runs on the engine: with `A = Σ_proj (reads + 1)`
//! accumulation cycles per block (one read per event, or per pair of events from a paired
//! buffer: `ceil(events_of_source / 2)`; one bubble per projection), `B`
//! blocks of `P` lanes and `n_last` neurons in the last block,
//!
//! ```text
//!   layer = 1 (START) + h_last + 1 + n_last + UNIT_LATENCY + 2
//! ```
//! where `h_last` is the cycle of the last block's hand-off counted from the first accumulation
//! cycle (`dense_last_issue` less `n_last`): block b's hand-off comes `ACC_LATENCY + 1` cycles after its last
//! accumulation cycle (the event index, the store address, each bank's output and the store
//! word are registered) and no earlier than P cycles after block b - 1's (the unit issues one
//! neuron per cycle); block b + 1's reads start right after block b's last accumulation cycle
//! when the unit is free then (early hand-off), else after block b's hand-off. Without early
//! hand-offs this is `1 + A + 1 + ACC_LATENCY + (B - 1) * max(A + 1 + ACC_LATENCY, P) +
//! n_last + UNIT_LATENCY + 2`. The unit's pipeline then drains (`UNIT_LATENCY` cycles from the last
//! issue to its write-back), then the accumulators see it idle (FIN) and finish (DONE). A convolution core
//! (rtl-templates/core/sl_conv.v) replaces its layer's term by
//!
//! ```text
//!   1 (START) + events * (5 + taps) + 2 (end check, drain) + Σ_blocks (3 + spikes_in_block) + 1 (DONE)
//! ```
//! with `taps = ceil(C_out/groups / P) * kH * kW` cycles per input event (FETCH, DEC, DEC2, DEC3, DEC4:
//! the index decoded in registered steps, then one
//! cycle per tap, each reading one kernel word and updating the P output channels of a chunk),
//! `Σ_blocks` over its `groups * ceil(C_out/groups / P) * H_out * W_out` addresses. A
//! convolution layer on a shared unit (`PlanConfig::conv_units`) sweeps by handing each block
//! over to the unit, which updates one neuron per cycle, so its sweep term is
//!
//! ```text
//!   1 (RD) + neurons (one hand-off per block as the unit frees) + UNIT_LATENCY + 3 (drain check, DONE)
//! ```
//! in place of `Σ_blocks (3 + spikes_in_block) + 1`.
//! A unit whose state is in SPRAM ([`crate::UnitPlan::state_spram`]) issues no neuron in a
//! cycle in which one is written back (one port): `Issues` replays that rule from the layer's
//! start (the unit is empty there). In a convolution layer's sweep term `neurons` becomes the
//! stalled span of that many back-to-back offers (`14 * floor((n-1)/7) + (n-1) % 7 + 1`); in a
//! dense layer a block's hand-off waits for the cycle in which the previous block's last
//! neuron issues, and the layer's `h_last + n_last` is the cycle of its last issue
//! ([`dense_last_issue`]), which without stalls is exactly that sum.
//! A projection with per-source delays (NIR `Delay`) reads its delay line: its
//! `events_of_source` is the number of events the line holds for the step
//! (`StepActivity::line_events`).
//!
//! The formula is NOT monotone in the activity: one more event can make a dense layer faster
//! (with `A` cycles per block block b's decision cycle may come just before the unit frees,
//! so block b + 1 waits for the hand-off; with `A + 1` the unit is free then and the next
//! block's reads start early: `dense_last_issue(5, 3, 1, 1, false) = 25 > dense_last_issue(6, 3, 1, 1, false) = 23`).
//! Every other term is non-decreasing in the counts. [`Plan::max_step_cycles`] therefore takes
//! the largest counts everywhere and, for each dense layer, the latest hand-off over every
//! possible `A` ([`max_dense_last_issue`]): a bound on every real step, which a real step need
//! not reach.

use crate::types::{conv_slot_neuron, CorePlan, Plan, QSource};

/// Cycles of an engine unit (sl_unit.v `LAT`) from a neuron's issue to its write-back, spike
/// push and trace beat.
pub const UNIT_LATENCY: usize = 7;

/// Cycles the engine's accumulators (sl_acc.v) add between the last event read of a block and
/// its hand-off beyond the first design's one (sl_acc's DRAIN cycles): the registered event
/// index, the registered store address, the store's second read cycle (the fabric register per
/// bank, [`crate::STORE_READ_LATENCY`]) and the registered store word.
pub const ACC_LATENCY: usize = 2 + crate::types::STORE_READ_LATENCY;

/// What happened in one step (spike counts), the inputs of the cycle formula.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepActivity {
    /// Input events of the step.
    pub input_events: usize,
    /// Input events of the previous step (read by delayed input projections; 0 at step 0).
    pub prev_input_events: usize,
    /// Per layer: spikes of this step per block of its core.
    pub block_spikes: Vec<Vec<usize>>,
    /// Per layer: spikes of the previous step (read by delayed projections).
    pub prev_spikes: Vec<usize>,
    /// Events each delay line holds for this step (a projection with per-source delays
    /// reads these), indexed like [`Plan::buffers`]; other entries are ignored, an empty
    /// vector means no delay line.
    pub line_events: Vec<usize>,
}

/// The issue cycles of a neuron unit (sl_unit) from an empty pipeline: a neuron offered at
/// cycle `t` issues then, unless the unit's state is in SPRAM (`stall`) and the neuron issued
/// [`UNIT_LATENCY`] cycles before is written back in that cycle: the one port does either.
/// At full supply a stalling unit issues 7 neurons, then waits 7 cycles, and so on.
#[derive(Debug, Clone)]
struct Issues {
    stall: bool,
    /// Issue cycles of the last `UNIT_LATENCY` cycles (stall only), oldest first.
    recent: std::collections::VecDeque<usize>,
}

impl Issues {
    fn new(stall: bool) -> Self {
        Issues {
            stall,
            recent: std::collections::VecDeque::new(),
        }
    }

    /// Issue `n >= 1` neurons back to back from cycle `from` on: the cycle of the last one.
    fn issue(&mut self, from: usize, n: usize) -> usize {
        if !self.stall {
            return from + n - 1;
        }
        let mut t = from;
        for i in 0..n {
            // a write-back in cycle t: the neuron issued at t - UNIT_LATENCY
            while self.recent.iter().any(|&x| x + UNIT_LATENCY == t) {
                t += 1;
            }
            while self.recent.front().is_some_and(|&x| x + UNIT_LATENCY <= t) {
                self.recent.pop_front();
            }
            self.recent.push_back(t);
            if i + 1 < n {
                t += 1;
            }
        }
        t
    }
}

/// The cycle in which a dense layer's unit issues its last neuron, counted from the layer's
/// first accumulation cycle (sl_acc, sl_unit): `a` accumulation cycles per block (its last one
/// is the decision cycle), `blocks` blocks of `lanes` neurons, `n_last` in the last one, the
/// unit stalling for its SPRAM state or not (`stall`, [`Issues`]). A block's hand-off comes
/// `ACC_LATENCY + 1` cycles after its decision cycle, and no earlier than the cycle in which
/// the unit issues the previous block's last neuron (it needs the hand-off registers until
/// then; one neuron per cycle without stalls: `lanes` cycles after the previous hand-off); its
/// neurons are offered from the cycle after the hand-off. The next block's reads start right
/// after the decision cycle when the unit is free then (early hand-off; always for the first
/// block, whose unit is idle), else after the hand-off.
fn dense_last_issue(a: usize, blocks: usize, lanes: usize, n_last: usize, stall: bool) -> usize {
    let mut unit = Issues::new(stall);
    let size = |b: usize| if b + 1 == blocks { n_last } else { lanes };
    let mut d = a - 1; // decision cycle of block 0
    let mut h = d + ACC_LATENCY + 1;
    let mut last = unit.issue(h + 1, size(0));
    let mut early = blocks > 1;
    for b in 1..blocks {
        let s = if early { d + 1 } else { h + 1 };
        d = s + a - 1;
        let free = d >= last;
        early = b + 1 < blocks && free;
        h = (d + ACC_LATENCY + 1).max(last);
        last = unit.issue(h + 1, size(b));
    }
    last
}

/// The latest last issue of a dense layer ([`dense_last_issue`]) over every `a` in `lo..=hi`.
/// Once `a` is large enough every block after the first starts early and meets an idle unit
/// (its predecessor's decision cycle comes after the previous block's neurons are issued and
/// written back: `2 * lanes + 2 * UNIT_LATENCY + ACC_LATENCY + 1` covers a stalling unit) and
/// the last issue is `blocks * a + ACC_LATENCY + span(n_last)`, increasing in `a`; so only the
/// `a` below that, and `hi`, need to be tried (checked against trying every `a` in this
/// module's tests).
fn max_dense_last_issue(
    lo: usize,
    hi: usize,
    blocks: usize,
    lanes: usize,
    n_last: usize,
    stall: bool,
) -> usize {
    let below = hi.min(2 * lanes + 2 * UNIT_LATENCY + ACC_LATENCY + 1);
    (lo.min(hi)..=below)
        .chain([hi])
        .map(|a| dense_last_issue(a, blocks, lanes, n_last, stall))
        .max()
        .unwrap_or(0)
}

impl Plan {
    /// Exact cycles of one step given its activity (see the module doc).
    pub fn step_cycles(&self, a: &StepActivity) -> u64 {
        self.cycles_with(a, |events, core, stall| {
            dense_last_issue(events, core.blocks, core.lanes, Self::n_last(core), stall)
        })
    }

    /// Neurons in a dense core's last block.
    fn n_last(core: &CorePlan) -> usize {
        core.size - (core.blocks - 1) * core.lanes
    }

    /// True when layer `l`'s unit stalls for its SPRAM state ([`crate::UnitPlan::state_spram`]).
    fn stalls(&self, l: usize) -> bool {
        self.engine
            .as_ref()
            .and_then(|e| e.unit_of(l).map(|(u, _)| e.units[u].state_spram))
            .unwrap_or(false)
    }

    /// The formula of the module doc with `last_issue(A, core, stall)` as the cycle of a dense
    /// core's last issue.
    fn cycles_with(
        &self,
        a: &StepActivity,
        last_issue: impl Fn(usize, &CorePlan, bool) -> usize,
    ) -> u64 {
        let spikes = |l: usize| a.block_spikes[l].iter().sum::<usize>();
        let mut total = 1 + a.input_events + 1;
        for (l, core) in self.cores.iter().enumerate() {
            let events: usize = core
                .projections
                .iter()
                .map(|p| {
                    let n = match (p.source, p.delayed) {
                        _ if self.buffers[p.buffer].delay.is_some() => {
                            a.line_events.get(p.buffer).copied().unwrap_or(0)
                        }
                        (QSource::Input, false) => a.input_events,
                        (QSource::Input, true) => a.prev_input_events,
                        (QSource::Layer(s), false) => spikes(s),
                        (QSource::Layer(s), true) => a.prev_spikes[s],
                    };
                    // a paired buffer gives two events per read
                    if self.buffers[p.buffer].paired {
                        n.div_ceil(2) + 1
                    } else {
                        n + 1
                    }
                })
                .sum();
            if core.conv.is_some() {
                // `events` counted the end-of-list check once per projection (one projection)
                let ev = events - 1;
                total += 1 + ev * (5 + core.conv_taps()) + 2;
                total += if self.on_unit(l) {
                    // RD, a hand-off per block as the unit frees (the unit is offered a neuron
                    // every cycle: every neuron once, with its stalls), the unit's drain, the
                    // idle check and DONE
                    let span = Issues::new(self.stalls(l)).issue(0, core.size) + 1;
                    1 + span + UNIT_LATENCY + 3
                } else {
                    core.blocks * 3 + spikes(l) + 1
                };
            } else {
                total += 1 + last_issue(events, core, self.stalls(l)) + 1 + UNIT_LATENCY + 2;
            }
        }
        total += 2 * spikes(self.output_layer) + 2;
        total as u64
    }

    /// An upper bound on the cycles of any step ([`Plan::step_cycles`]), not counting the
    /// post-reset clear (`clear_cycles`): the formula at the largest activity (every input
    /// feature sends an event in this step and the previous one, every neuron of every layer
    /// spikes in this step and the previous one, every delay line holds an event of each
    /// source index: a line's list for step t gets source index `i` only from step
    /// `t - delays[i]`, so it holds at most its source's size,
    /// [`BufferPlan::depth`](crate::BufferPlan::depth)), with each dense layer's hand-off the
    /// latest over every number of accumulation cycles up to that activity's (the formula is
    /// not monotone there, see the module doc). Every other term grows with the counts, so no
    /// step of the design takes longer; a bound, not always a reachable step (the layers'
    /// worst cases may need different counts). The co-simulation harnesses' step limit is
    /// derived from it.
    pub fn max_step_cycles(&self) -> u64 {
        let most = StepActivity {
            input_events: self.input_size,
            prev_input_events: self.input_size,
            block_spikes: self.cores.iter().map(Self::full_blocks).collect(),
            prev_spikes: self.cores.iter().map(|c| c.size).collect(),
            line_events: self
                .buffers
                .iter()
                .map(|b| if b.delay.is_some() { b.depth } else { 0 })
                .collect(),
        };
        // every projection adds one cycle at the least (its end-of-list check)
        self.cycles_with(&most, |events, core, stall| {
            let lo = core.projections.len();
            max_dense_last_issue(
                lo,
                events,
                core.blocks,
                core.lanes,
                Self::n_last(core),
                stall,
            )
        })
    }

    /// Neurons per block of `core` (all of them spiking): a dense core's blocks of `lanes`
    /// neurons (the last one partial), a convolution core's addresses with their real (not
    /// padding) lanes ([`conv_slot_neuron`]). They sum to `core.size`, which is all the formula
    /// reads of them.
    fn full_blocks(core: &CorePlan) -> Vec<usize> {
        (0..core.blocks)
            .map(|b| {
                (b * core.lanes..(b + 1) * core.lanes)
                    .filter(|&slot| match &core.conv {
                        Some(g) => conv_slot_neuron(g, core.lanes, slot).is_some(),
                        None => slot < core.size,
                    })
                    .count()
            })
            .collect()
    }

    /// True when layer `l` updates its neurons on one of the engine's units (a dense layer, or
    /// a convolution layer that joined one, `PlanConfig::conv_units`).
    pub fn on_unit(&self, l: usize) -> bool {
        self.engine.as_ref().is_some_and(|e| e.unit_of(l).is_some())
    }

    /// Cycles of a step with no spikes at all (the floor of any step).
    pub fn idle_step_cycles(&self) -> u64 {
        self.step_cycles(&StepActivity {
            input_events: 0,
            prev_input_events: 0,
            block_spikes: self.cores.iter().map(|c| vec![0; c.blocks]).collect(),
            prev_spikes: vec![0; self.cores.len()],
            line_events: Vec::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::{dense_last_issue, max_dense_last_issue, Issues, UNIT_LATENCY};

    /// More accumulation cycles can make the last issue earlier (an early start gained):
    /// why `Plan::max_step_cycles` cannot simply evaluate the formula at the largest activity.
    #[test]
    fn dense_last_issue_is_not_monotone() {
        assert_eq!(dense_last_issue(5, 3, 1, 1, false), 25);
        assert_eq!(dense_last_issue(6, 3, 1, 1, false), 23);
    }

    /// A unit with its state in SPRAM issues 7 neurons, then waits out their 7 write-backs;
    /// a neuron offered after a gap waits only for the write-backs still to come.
    #[test]
    fn a_stalling_unit_issues_seven_then_waits_seven() {
        assert_eq!(UNIT_LATENCY, 7);
        assert_eq!(Issues::new(false).issue(3, 20), 22);
        // 0..=6, 14..=20, 28..=33: the 20th neuron at 33
        assert_eq!(Issues::new(true).issue(0, 20), 33);
        assert_eq!(Issues::new(true).issue(0, 7), 6);
        assert_eq!(Issues::new(true).issue(0, 8), 14);
        let mut u = Issues::new(true);
        assert_eq!(u.issue(0, 3), 2); // 0, 1, 2: written back at 7, 8, 9
        assert_eq!(u.issue(8, 1), 10);
        assert_eq!(u.issue(11, 2), 12); // 11, 12 (10's write-back is at 17)
        assert_eq!(u.issue(17, 1), 20); // 17, 18, 19: the write-backs of 10, 11, 12
                                        // one block of one neuron at a time, as a one-lane layer with few events offers them
        let mut v = Issues::new(true);
        let got: Vec<usize> = (0..4).map(|b| v.issue(b * 7, 1)).collect();
        assert_eq!(got, [0, 8, 14, 22]);
    }

    /// The shortcut of `max_dense_last_issue` equals trying every number of accumulation
    /// cycles, with and without stalls.
    #[test]
    fn max_dense_last_issue_equals_the_maximum_over_every_a() {
        for stall in [false, true] {
            for blocks in 1..=10 {
                for lanes in 1..=12usize {
                    for n_last in [1, lanes.div_ceil(2), lanes] {
                        for lo in 1..=3 {
                            for hi in lo..=70 {
                                let every = (lo..=hi)
                                    .map(|a| dense_last_issue(a, blocks, lanes, n_last, stall))
                                    .max();
                                assert_eq!(
                                    Some(max_dense_last_issue(lo, hi, blocks, lanes, n_last, stall)),
                                    every,
                                    "lo {lo} hi {hi} blocks {blocks} lanes {lanes} n_last {n_last} stall {stall}"
                                );
                            }
                        }
                    }
                }
            }
        }
    }
}
