// sl_pmap: the pooling index map in front of a pooled projection's weights (a SumPool/AvgPool
// whose windows do not overlap). Combinational: source event index i = (c*H + y)*W + x feeds
// pooled element m = (c*HO + py)*WO + px with py = (y + PH) / SH when (y + PH) % SH < KH and
// py < HO (columns alike); ok = 0 for an element in a gap between windows or past the last
// window, and m is then NONE (a dense core's all-zero row; a convolution core scatters nothing).
// The division constants are the plan's (powers of two reduce to wiring). Inserted between an
// event buffer's read data and the core that reads it, so the read pipeline and the cycle
// counts do not change.
// Rust twin: spikeloom-cyclesim `pmap::pool_map`.
`default_nettype none

module sl_pmap #(
    parameter integer EV_W = 8,       // event index width
    parameter integer CW = 9,         // coordinate width (> EV_W)
    parameter [CW-1:0] HW = 1,        // H * W of the source map
    parameter [CW-1:0] WI = 1,        // W
    parameter [CW-1:0] KH = 1,        // window
    parameter [CW-1:0] KW = 1,
    parameter [CW-1:0] SH = 1,        // stride (>= window)
    parameter [CW-1:0] SW = 1,
    parameter [CW-1:0] PH = 0,        // padding (< window)
    parameter [CW-1:0] PX = 0,
    parameter [CW-1:0] HO = 1,        // pooled extent
    parameter [CW-1:0] WO = 1,
    parameter [EV_W-1:0] NONE = 0     // index of an element outside every window
) (
    input  wire [EV_W-1:0] idx,
    output wire [EV_W-1:0] m,
    output wire            ok
);
    localparam [CW-EV_W-1:0] ZX = 0;
    wire [CW-1:0] i = {ZX, idx};
    wire [CW-1:0] c = i / HW;
    wire [CW-1:0] rem = i % HW;
    wire [CW-1:0] ty = rem / WI + PH;
    wire [CW-1:0] tx = rem % WI + PX;
    wire [CW-1:0] py = ty / SH;
    wire [CW-1:0] px = tx / SW;
    assign ok = (ty % SH < KH) && (py < HO) && (tx % SW < KW) && (px < WO);
    /* verilator lint_off UNUSEDSIGNAL */
    wire [CW-1:0] mm = (c * HO + py) * WO + px;
    /* verilator lint_on UNUSEDSIGNAL */
    assign m = ok ? mm[EV_W-1:0] : NONE;
endmodule

`default_nettype wire
