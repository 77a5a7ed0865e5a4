//! Twin of rtl-templates/core/sl_pmap.v: the pooling index map in front of a pooled
//! projection's weights (`ProjPlan::pool`). Written as the RTL computes it (decode the event
//! index into channel, row and column, then the window along each axis), not through
//! `PoolGeometry::map`, which `qnet::eval` uses, so the equality tests compare two derivations.

use spikeloom_plan::PoolGeometry;

/// The pooled element of source event index `i` and whether it lies in a window; outside
/// every window the index is `none` (the dense core's zero row; a convolution core ignores
/// it and scatters nothing).
pub(crate) fn pool_map(g: &PoolGeometry, i: usize, none: usize) -> (usize, bool) {
    let [_, h, w] = g.input;
    let [_, ho, wo] = g.output;
    let (c, rem) = (i / (h * w), i % (h * w));
    let (ty, tx) = (rem / w + g.padding[0], rem % w + g.padding[1]);
    let (py, px) = (ty / g.stride[0], tx / g.stride[1]);
    let ok = ty % g.stride[0] < g.kernel[0] && py < ho && tx % g.stride[1] < g.kernel[1] && px < wo;
    if ok {
        ((c * ho + py) * wo + px, true)
    } else {
        (none, false)
    }
}
