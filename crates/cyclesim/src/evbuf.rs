//! Twin of rtl-templates/core/sl_evbuf.v (event list, 1 or 2 banks, registered read). An event
//! is an (index, value) pair; binary buffers store value 1.

use spikeloom_plan::BufferPlan;

/// One event buffer.
#[derive(Debug, Clone)]
pub(crate) struct EvBuf {
    depth: usize,
    two_banks: bool,
    mem: Vec<(u32, u32)>,
    cnt: [u32; 2],
    /// Registered read data (index).
    pub rdata: u32,
    /// Registered read value (1 for binary spikes).
    pub rval: u32,
}

impl EvBuf {
    pub fn new(p: &BufferPlan) -> Self {
        Self {
            depth: p.depth,
            two_banks: p.banks == 2,
            mem: vec![(0, 1); p.depth * p.banks],
            cnt: [0; 2],
            rdata: 0,
            rval: 1,
        }
    }

    pub fn reset(&mut self) {
        self.cnt = [0; 2];
    }

    fn wbank(&self, parity: bool) -> usize {
        usize::from(self.two_banks && parity)
    }

    /// Count of the bank a reader sees (`prev`: the other bank).
    pub fn count(&self, parity: bool, prev: bool) -> u32 {
        let w = self.wbank(parity);
        if prev {
            self.cnt[1 - w]
        } else {
            self.cnt[w]
        }
    }

    /// The (index, value) at `raddr` of the bank a reader sees (what [`EvBuf::clock`] registers).
    pub fn read(&self, parity: bool, rd_prev: bool, raddr: u32) -> (u32, u32) {
        let rbank = usize::from(self.two_banks && (parity ^ rd_prev));
        self.mem
            .get(raddr as usize + rbank * self.depth)
            .copied()
            .unwrap_or((0, 1))
    }

    /// Clock edge: clear or push (index, value) into the write bank, read `raddr` of the
    /// selected bank.
    pub fn clock(
        &mut self,
        parity: bool,
        clr: bool,
        push: Option<(u32, u32)>,
        rd_prev: bool,
        raddr: u32,
    ) {
        let w = self.wbank(parity);
        // Out-of-range reads give garbage in the RTL; nobody consumes them.
        (self.rdata, self.rval) = self.read(parity, rd_prev, raddr);
        if clr {
            self.cnt[w] = 0;
        } else if let Some(idx) = push {
            if (self.cnt[w] as usize) < self.depth {
                self.mem[w * self.depth + self.cnt[w] as usize] = idx;
                self.cnt[w] += 1;
            }
        }
    }
}
