//! Twin of rtl-templates/core/sl_evbuf.v (event list, 1 or 2 banks, registered read) and of
//! sl_delay.v (delay line: a ring of per-step event lists, pipelined write). An event is an
//! (index, value) pair; binary buffers store value 1.

use spikeloom_plan::BufferPlan;

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
        }
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
        self.read_reg(parity, rd_prev, raddr);
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
                self.mem[w * self.depth + self.cnt[w] as usize] = idx;
                self.cnt[w] += 1;
            }
        }
    }

    /// True for a delay line (cleared by the controller's step beat, not by its source).
    pub fn is_line(&self) -> bool {
        self.line.is_some()
    }
}
