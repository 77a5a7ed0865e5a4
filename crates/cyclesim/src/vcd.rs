//! [`VcdWriter`]: waveforms of the cycle model as an IEEE 1364 value change dump.
//!
//! Signals carry the RTL's names: the ports of `spikeloom_top` (clk, rst, in_*, out_*, trace_*)
//! and, in sub-scopes, the controller's `u_ctrl.{st, layer, out_i, parity}`, each convolution
//! core's `u_<ident>.{st, blk, e}`, the engine's accumulators `u_acc.{st, blk, j, e}` and each
//! neuron unit `u_<ident>.{run, k, n0}` (`UnitPlan::ident`), with the RTL state encodings. Timescale 1 ns, clock period 10:
//! cycle `n` (counted from the first recorded cycle, across resets) starts at `10n` with the
//! falling edge, where the harness changes the inputs; registers and outputs change at the rising
//! edge `10n + 5`, like the RTL testbench. Only changes are written; output is deterministic
//! (no date). The file format (declarations, identifier codes, value changes) is the `vcd`
//! crate's writer; this module decides what is recorded and when.

use crate::error::SimError;
use crate::probe::{Inputs, Probe};
use spikeloom_plan::Plan;
use std::io::Write;
use vcd::{IdCode, ReferenceIndex, SimulationCommand, TimescaleUnit, Value, VarType};

/// One declared variable.
struct Var {
    id: IdCode,
    width: u32,
    last: Option<String>,
}

/// Writes a VCD file for one plan; feed it with [`crate::CycleSim::run_with_vcd`].
pub struct VcdWriter<W: Write> {
    out: W,
    vars: Vec<Var>,
    /// Register widths of every scope after the controller's ([`scopes`] order).
    scopes: Vec<Vec<u32>>,
    lanes: usize,
    /// Bits per lane of `trace_spike`.
    spike_w: u32,
    /// Variable numbers of `in_value` / `out_value` when the design has them.
    value_ports: (Option<usize>, Option<usize>),
    /// Variable number of `trace_step`.
    step_port: usize,
    tick: u64,
}

fn bits_of(max: usize) -> u32 {
    (usize::BITS - max.leading_zeros()).max(1)
}

/// The module scopes recorded besides the controller, with their registers (name, width), in
/// the order of [`Probe::scopes`]: convolution cores, the engine's accumulators, its units.
fn scopes(plan: &Plan) -> Vec<(String, Vec<(&'static str, u32)>)> {
    let ev = plan.ev_bits;
    let mut out = Vec::new();
    for c in plan.cores.iter().filter(|c| c.conv.is_some()) {
        out.push((
            format!("u_{}", c.ident),
            vec![("st", 4), ("blk", ev), ("e", ev)],
        ));
    }
    if let Some(e) = &plan.engine {
        let jt: usize = e
            .layers
            .iter()
            .map(|&l| plan.cores[l].projections.len())
            .sum();
        out.push((
            "u_acc".into(),
            vec![
                ("st", 3),
                ("blk", ev),
                ("j", bits_of(jt.saturating_sub(1))),
                ("e", ev),
            ],
        ));
        let kw = bits_of(e.lanes.saturating_sub(1));
        for (u, unit) in e.units.iter().enumerate() {
            out.push((
                format!("u_{}", unit.ident(&plan.cores, u)),
                vec![("run", 1), ("k", kw), ("n0", ev)],
            ));
        }
    }
    out
}

fn io(e: std::io::Error) -> SimError {
    SimError::Vcd(e.to_string())
}

impl<W: Write> VcdWriter<W> {
    /// Writes the header (declarations) for `plan` to `out`.
    pub fn new(plan: &Plan, mut out: W) -> Result<Self, SimError> {
        let iface = plan.top_interface();
        let (ev, lw, tl) = (plan.ev_bits, iface.layer_w, iface.trace_lanes as u32);
        let mut vars = Vec::new();
        let mut w = vcd::Writer::new(&mut out);
        w.version(&format!("spikeloom-cyclesim {}", env!("CARGO_PKG_VERSION")))
            .map_err(io)?;
        w.comment(&format!("model {}", plan.model_hash))
            .map_err(io)?;
        w.timescale(1, TimescaleUnit::NS).map_err(io)?;
        w.add_module("spikeloom_top").map_err(io)?;
        let mut decl = |w: &mut vcd::Writer<&mut W>, kind: VarType, width: u32, name: &str| {
            let range = (width > 1).then(|| ReferenceIndex::Range(width as i32 - 1, 0));
            let id = w.add_var(kind, width, name, range).map_err(io)?;
            vars.push(Var {
                id,
                width,
                last: None,
            });
            Ok::<usize, SimError>(vars.len() - 1)
        };
        let top: [(&str, u32); 16] = [
            ("clk", 1),
            ("rst", 1),
            ("in_valid", 1),
            ("in_ready", 1),
            ("in_eos", 1),
            ("in_index", ev),
            ("out_valid", 1),
            ("out_ready", 1),
            ("out_eos", 1),
            ("out_index", ev),
            ("trace_valid", 1),
            ("trace_layer", lw),
            ("trace_base", ev),
            ("trace_lane_valid", tl),
            ("trace_v", tl * 32),
            ("trace_spike", tl * iface.spike_w),
        ];
        for (name, width) in top {
            decl(&mut w, VarType::Wire, width, name)?;
        }
        w.add_module("u_ctrl").map_err(io)?;
        for (name, width) in [("st", 3), ("layer", lw), ("out_i", ev), ("parity", 1)] {
            decl(&mut w, VarType::Reg, width, name)?;
        }
        w.upscope().map_err(io)?;
        let scopes = scopes(plan);
        for (name, regs) in &scopes {
            w.add_module(name).map_err(io)?;
            for (r, width) in regs {
                decl(&mut w, VarType::Reg, *width, r)?;
            }
            w.upscope().map_err(io)?;
        }
        // value ports of graded input / spike-count output (only when the design has them)
        let mut value_ports = (None, None);
        if iface.in_value_w > 1 {
            value_ports.0 = Some(decl(&mut w, VarType::Wire, iface.in_value_w, "in_value")?);
        }
        if iface.out_value_w > 1 {
            value_ports.1 = Some(decl(&mut w, VarType::Wire, iface.out_value_w, "out_value")?);
        }
        // neuron step between trace lanes (a convolution core's H_out * W_out)
        let step_port = decl(&mut w, VarType::Wire, ev, "trace_step")?;
        w.upscope().map_err(io)?;
        w.enddefinitions().map_err(io)?;
        Ok(Self {
            out,
            vars,
            scopes: scopes
                .iter()
                .map(|(_, r)| r.iter().map(|(_, w)| *w).collect())
                .collect(),
            lanes: iface.trace_lanes,
            spike_w: iface.spike_w,
            value_ports,
            step_port,
            tick: 0,
        })
    }

    /// Binary text of the low `width` bits of `v` (two's complement).
    fn bin(v: u64, width: u32) -> String {
        (0..width)
            .rev()
            .map(|b| if b < 64 && v >> b & 1 == 1 { '1' } else { '0' })
            .collect()
    }

    /// Queue `value` (binary text, MSB first) for variable `i` if it changed.
    fn set(&mut self, buf: &mut Vec<u8>, i: usize, value: String) {
        let var = &mut self.vars[i];
        if var.last.as_deref() == Some(value.as_str()) {
            return;
        }
        let mut bits = value
            .chars()
            .map(|c| if c == '1' { Value::V1 } else { Value::V0 });
        let mut w = vcd::Writer::new(buf);
        // Writing into memory cannot fail.
        let _ = if var.width == 1 {
            w.change_scalar(var.id, bits.next_back().unwrap_or(Value::V0))
        } else {
            w.change_vector(var.id, bits)
        };
        var.last = Some(value);
    }

    fn set_u(&mut self, buf: &mut Vec<u8>, i: usize, v: u64) {
        let w = self.vars[i].width;
        self.set(buf, i, Self::bin(v, w));
    }

    fn outputs(&mut self, buf: &mut Vec<u8>, p: &Probe) {
        let b = u64::from;
        self.set_u(buf, 3, b(p.in_ready));
        self.set_u(buf, 6, b(p.out_valid));
        self.set_u(buf, 7, 1);
        self.set_u(buf, 8, b(p.out_eos));
        self.set_u(buf, 9, u64::from(p.out_index));
        self.set_u(buf, 10, b(p.trace_valid));
        self.set_u(buf, 11, u64::from(p.trace_layer));
        self.set_u(buf, 12, u64::from(p.trace_base));
        self.set_u(buf, 13, p.trace_lane_valid);
        let v: String = (0..self.lanes)
            .rev()
            .map(|k| Self::bin(p.trace_v.get(k).copied().unwrap_or(0) as u64, 32))
            .collect();
        self.set(buf, 14, v);
        let sp: String = (0..self.lanes)
            .rev()
            .map(|k| {
                Self::bin(
                    u64::from(p.trace_spike.get(k).copied().unwrap_or(0)),
                    self.spike_w,
                )
            })
            .collect();
        self.set(buf, 15, sp);
        if let Some(i) = self.value_ports.1 {
            self.set_u(buf, i, u64::from(p.out_value));
        }
        self.set_u(buf, self.step_port, u64::from(p.trace_step));
        self.set_u(buf, 16, p.ctrl_st);
        self.set_u(buf, 17, p.ctrl_layer);
        self.set_u(buf, 18, p.ctrl_out_i);
        self.set_u(buf, 19, b(p.parity));
        let mut i = 20;
        for s in 0..self.scopes.len() {
            for r in 0..self.scopes[s].len() {
                let v = p.scopes.get(s).and_then(|x| x.get(r)).copied().unwrap_or(0);
                self.set_u(buf, i, v);
                i += 1;
            }
        }
    }

    /// Record one cycle: `probe` = outputs and registers during the cycle (`None`: unchanged
    /// from the previous cycle), `inp` = what the harness drives.
    pub(crate) fn cycle(&mut self, probe: Option<&Probe>, inp: &Inputs) -> Result<(), SimError> {
        let mut buf = Vec::new();
        let first = self.tick == 0;
        let stamp = |buf: &mut Vec<u8>, t: u64| {
            // Writing into memory cannot fail.
            let _ = vcd::Writer::new(buf).timestamp(t);
        };
        if first {
            stamp(&mut buf, 0);
            let _ = vcd::Writer::new(&mut buf).begin(SimulationCommand::Dumpvars);
        } else {
            stamp(&mut buf, 10 * self.tick - 5);
            self.set_u(&mut buf, 0, 1);
        }
        if let Some(p) = probe {
            self.outputs(&mut buf, p);
        }
        if first {
            if probe.is_none() {
                let blank = Probe {
                    trace_v: vec![0; self.lanes],
                    trace_spike: vec![0; self.lanes],
                    ..Probe::default()
                };
                self.outputs(&mut buf, &blank);
            }
        } else {
            stamp(&mut buf, 10 * self.tick);
        }
        self.set_u(&mut buf, 0, 0);
        self.set_u(&mut buf, 1, u64::from(inp.rst));
        self.set_u(&mut buf, 2, u64::from(inp.in_valid));
        self.set_u(&mut buf, 4, u64::from(inp.in_eos));
        self.set_u(&mut buf, 5, u64::from(inp.in_index));
        if let Some(i) = self.value_ports.0 {
            self.set_u(&mut buf, i, u64::from(inp.in_value));
        }
        if first {
            let _ = vcd::Writer::new(&mut buf).end();
        }
        self.tick += 1;
        self.out.write_all(&buf).map_err(io)
    }

    /// Write the last rising edge and flush; returns the sink.
    pub fn finish(mut self) -> Result<W, SimError> {
        if self.tick > 0 {
            let mut w = vcd::Writer::new(&mut self.out);
            w.timestamp(10 * self.tick - 5).map_err(io)?;
            w.change_scalar(self.vars[0].id, Value::V1).map_err(io)?;
        }
        self.out.flush().map_err(io)?;
        Ok(self.out)
    }
}

impl Probe {
    /// All-zero probe of `plan`'s trace lanes and scopes.
    pub(crate) fn default_for(plan: &Plan) -> Self {
        let lanes = plan.trace_lanes();
        Self {
            trace_v: vec![0; lanes],
            trace_spike: vec![0; lanes],
            scopes: scopes(plan).iter().map(|(_, r)| vec![0; r.len()]).collect(),
            ..Self::default()
        }
    }
}
