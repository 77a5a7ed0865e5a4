//! Twin of rtl-templates/core/sl_evbuf.v (event list, 1 or 2 banks, registered read) and of
//! sl_delay.v (delay line: a ring of per-step event lists, pipelined write), and [`EvSpram`],
//! the twin of sl_evspram.v (event lists sharing one single-port SPRAM). An event is an
//! (index, value) pair; binary buffers store value 1.

use spikeloom_plan::{BufferPlan, Plan, SPRAM_WORDS};

/// Registers of a delay line (sl_delay.v).
#[derive(Debug, Clone)]
struct Line {
    slots: usize,
    /// Effective delay per source index.
    delays: Vec<u32>,
    /// List of the current step (`cur`).
    cur: usize,
    /// Length of every list (`cnts`).
    cnts: Vec<u32>,
    /// Push of the previous cycle (`p1`, `idx1`, `val1`) and its delay (`d1`, the ROM read).
    p1: Option<(u32, u32)>,
    d1: u32,
}

/// One event buffer or delay line.
#[derive(Debug, Clone)]
pub(crate) struct EvBuf {
    depth: usize,
    two_banks: bool,
    mem: Vec<(u32, u32)>,
    cnt: [u32; 2],
    line: Option<Line>,
    /// Registered read data (index).
    pub rdata: u32,
    /// Registered read value (1 for binary spikes).
    pub rval: u32,
    /// A paired buffer (sl_evbuf `PAIR`): the read address is a pair index, `rdata` is event
    /// 2 * addr and `rdata2` event 2 * addr + 1.
    paired: bool,
    /// Registered second read data (paired buffers).
    pub rdata2: u32,
    /// The list's words are in the shared event SPRAM ([`EvSpram`]): this keeps its count
    /// only; its read registers are the SPRAM's.
    shared: bool,
}

impl EvBuf {
    pub fn new(p: &BufferPlan) -> Self {
        let line = p.delay.as_ref().map(|d| Line {
            slots: d.slots,
            delays: d.delays.clone(),
            cur: d.slots - 1,
            cnts: vec![0; d.slots],
            p1: None,
            d1: 0,
        });
        Self {
            depth: p.depth,
            two_banks: p.banks == 2 && line.is_none(),
            mem: vec![(0, 1); p.depth * p.banks],
            cnt: [0; 2],
            line,
            rdata: 0,
            rval: 1,
            paired: p.paired,
            rdata2: 0,
            shared: p.spram.is_some(),
        }
    }

    /// Position (the count) at which `push` is stored at this edge, if it is: no clear, not
    /// full (a plain one-bank list, as the shared SPRAM's lists are).
    pub fn push_pos(&self, parity: bool, clr: bool, push: Option<(u32, u32)>) -> Option<u32> {
        let w = self.wbank(parity);
        (push.is_some() && !clr && (self.cnt[w] as usize) < self.depth).then_some(self.cnt[w])
    }

    pub fn reset(&mut self) {
        self.cnt = [0; 2];
        if let Some(l) = &mut self.line {
            l.cur = l.slots - 1;
            l.cnts.fill(0);
            l.p1 = None;
        }
    }

    fn wbank(&self, parity: bool) -> usize {
        usize::from(self.two_banks && parity)
    }

    /// Count of the bank a reader sees (`prev`: the other bank); a delay line's current list.
    pub fn count(&self, parity: bool, prev: bool) -> u32 {
        if let Some(l) = &self.line {
            return l.cnts[l.cur];
        }
        let w = self.wbank(parity);
        if prev {
            self.cnt[1 - w]
        } else {
            self.cnt[w]
        }
    }

    /// The (index, value) at `raddr` of the bank a reader sees (what [`EvBuf::clock`] registers).
    pub fn read(&self, parity: bool, rd_prev: bool, raddr: u32) -> (u32, u32) {
        let base = match &self.line {
            Some(l) => l.cur * self.depth,
            None => usize::from(self.two_banks && (parity ^ rd_prev)) * self.depth,
        };
        self.mem
            .get(raddr as usize + base)
            .copied()
            .unwrap_or((0, 1))
    }

    /// The read registers after reading `raddr` (a pair index for a paired buffer).
    pub fn read_reg(&mut self, parity: bool, rd_prev: bool, raddr: u32) {
        if self.paired {
            (self.rdata, self.rval) = self.read(parity, rd_prev, 2 * raddr);
            self.rdata2 = self.read(parity, rd_prev, 2 * raddr + 1).0;
        } else {
            (self.rdata, self.rval) = self.read(parity, rd_prev, raddr);
        }
    }

    /// Clock edge: clear or push (index, value) into the write bank, read `raddr` of the
    /// selected bank. A delay line: `clr` is the controller's step beat (empty the previous
    /// step's list, advance the ring), the push is stored one cycle later.
    pub fn clock(
        &mut self,
        parity: bool,
        clr: bool,
        push: Option<(u32, u32)>,
        rd_prev: bool,
        raddr: u32,
    ) {
        // Out-of-range reads give garbage in the RTL; nobody consumes them.
        if !self.shared {
            self.read_reg(parity, rd_prev, raddr);
        }
        if let Some(l) = &mut self.line {
            if clr {
                l.cnts[l.cur] = 0;
                l.cur = (l.cur + 1) % l.slots;
            } else if let Some(ev) = l.p1 {
                let slot = (l.cur + l.d1 as usize) % l.slots;
                let n = l.cnts[slot] as usize;
                if n < self.depth {
                    self.mem[slot * self.depth + n] = ev;
                    l.cnts[slot] += 1;
                }
            }
            l.p1 = push;
            // the delay ROM reads push_idx every cycle (the index is 0 without a push)
            let idx = push.map_or(0, |(i, _)| i as usize);
            l.d1 = l.delays.get(idx).copied().unwrap_or(0);
            return;
        }
        let w = self.wbank(parity);
        if clr {
            self.cnt[w] = 0;
        } else if let Some(idx) = push {
            if (self.cnt[w] as usize) < self.depth {
                if !self.shared {
                    self.mem[w * self.depth + self.cnt[w] as usize] = idx;
                }
                self.cnt[w] += 1;
            }
        }
    }

    /// True for a delay line (cleared by the controller's step beat, not by its source).
    pub fn is_line(&self) -> bool {
        self.line.is_some()
    }
}

/// Twin of sl_evspram.v: the event lists of [`Plan::event_spram`] in one memory with one port.
/// Each list's count stays in its [`EvBuf`]; the words are here, list `b` from `base[b]` on.
/// One access per edge: a write (the stored push of one list) or, without one, a read of the
/// list a convolution core fetches from, whose word every shared list's read registers show
/// in the next cycle (its reader is the only one looking). [`EvSpram::clock`] refuses two
/// accesses in one edge: the planner shares only lists that never meet (a design bug if so).
#[derive(Debug, Clone)]
pub(crate) struct EvSpram {
    /// First word of each buffer's list (`None`: not shared).
    base: Vec<Option<usize>>,
    /// Value mask of each buffer (its `rd_val` bits).
    val_mask: Vec<u32>,
    mem: Vec<(u32, u32)>,
    /// The registered read word (index, value).
    q: (u32, u32),
}

impl EvSpram {
    /// The shared lists of `plan`, if any.
    pub fn new(plan: &Plan) -> Option<Self> {
        plan.event_spram.as_ref()?;
        Some(Self {
            base: plan.buffers.iter().map(|b| b.spram).collect(),
            val_mask: plan
                .buffers
                .iter()
                .map(|b| (1u32 << b.value_bits.clamp(1, 31)) - 1)
                .collect(),
            mem: vec![(0, 1); SPRAM_WORDS],
            q: (0, 1),
        })
    }

    /// True when buffer `b`'s list is in the SPRAM.
    pub fn holds(&self, b: usize) -> bool {
        self.base.get(b).is_some_and(Option::is_some)
    }

    /// One edge: `writes` are the stored pushes (buffer, position, event), `read` the list and
    /// address a reader fetches. Returns false (and does nothing) when they need the port more
    /// than once.
    pub fn clock(
        &mut self,
        writes: &[(usize, u32, (u32, u32))],
        read: Option<(usize, u32)>,
    ) -> bool {
        match (writes, read) {
            ([], None) => {}
            ([(b, pos, ev)], None) => {
                let a = self.base[*b].unwrap_or(0) + *pos as usize;
                if let Some(w) = self.mem.get_mut(a) {
                    *w = *ev;
                }
            }
            ([], Some((b, addr))) => {
                let a = self.base[b].unwrap_or(0) + addr as usize;
                self.q = self.mem.get(a).copied().unwrap_or((0, 1));
            }
            _ => return false,
        }
        true
    }

    /// Show the read register on every shared list's read registers (sl_evspram's `rd_data`,
    /// `rd_val` cut to the list's value width).
    pub fn show(&self, bufs: &mut [EvBuf]) {
        for (b, buf) in bufs.iter_mut().enumerate() {
            if self.holds(b) {
                buf.rdata = self.q.0;
                buf.rval = self.q.1 & self.val_mask[b];
            }
        }
    }
}
