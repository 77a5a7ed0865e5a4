//! Readable text dump of a plan (`impl Display`), stable for snapshot tests.

use crate::types::{CorePlan, Leak, Param, Plan, QSource, WeightMem};
use std::fmt;

fn param(p: &Param) -> String {
    match p {
        Param::Const(v) => format!("{v}"),
        Param::Rom(v) => format!("ROM[{}]", v.len()),
    }
}

fn leak(l: Leak) -> String {
    match l {
        Leak::Multiply => "multiply".into(),
        Leak::ShiftAdd { terms } => format!("shift-add ({terms} terms)"),
    }
}

fn source(s: QSource) -> String {
    match s {
        QSource::Input => "input".into(),
        QSource::Layer(l) => format!("layer {l}"),
    }
}

/// `kstore`: the kernel of a convolution core is in the weight store ([`crate::WeightStore::kernels`]).
fn core(
    f: &mut fmt::Formatter<'_>,
    i: usize,
    c: &CorePlan,
    on_unit: bool,
    kstore: bool,
) -> fmt::Result {
    writeln!(
        f,
        "core {i} `{}` ({}): {:?}, {} neurons, {} lanes x {} blocks",
        c.name, c.ident, c.kind, c.size, c.lanes, c.blocks
    )?;
    writeln!(
        f,
        "  reset {:?}, reset_delay {}, rounding {:?}",
        c.reset, c.reset_delay, c.rounding
    )?;
    for p in &c.projections {
        writeln!(
            f,
            "  projection `{}`: from {}{} ({} events max), buffer {}, weight words {}..{}",
            p.origin,
            source(p.source),
            if p.delayed { " (previous step)" } else { "" },
            p.src_size,
            p.buffer,
            p.word_offset,
            p.word_offset
                + if c.conv.is_some() {
                    c.weight_depth()
                } else {
                    p.rows * c.blocks
                }
        )?;
        if let Some(g) = &p.pool {
            writeln!(
                f,
                "    pooled: {:?} -> {:?}, window {:?}, stride {:?}, padding {:?} (index map sl_pmap; {} rows per block)",
                g.input, g.output, g.kernel, g.stride, g.padding, p.rows
            )?;
        }
    }
    if c.conv.is_some() {
        writeln!(
            f,
            "  kernel {}: {} words x {} lanes x {} bits ({} chunk(s) of output channels per group), weight_shift {}",
            if kstore {
                format!(
                    "in the weight store (words {}..{})",
                    c.weight_base,
                    c.weight_base + c.weight_depth()
                )
            } else {
                "ROM".to_string()
            },
            c.weight_depth(),
            c.lanes,
            c.weight_bits,
            c.conv_chunks(),
            c.weight_shift
        )?;
    } else {
        writeln!(
            f,
            "  weights: store words {}..{} ({} lanes x {} bits per word), weight_shift {}",
            c.weight_base,
            c.weight_base + c.weight_depth(),
            c.lanes,
            c.weight_bits,
            c.weight_shift
        )?;
    }
    let (words, lanes) = if c.conv.is_some() && !on_unit {
        (c.blocks, c.lanes as u32)
    } else {
        (c.state_words(), 1)
    };
    writeln!(
        f,
        "  state RAM{}: {words} words x {} bits (membrane {} + current {} per neuron)",
        if c.conv.is_some() && on_unit {
            " (in its shared unit's; the core hands each block of lanes over)"
        } else {
            ""
        },
        lanes * (c.state_bits + c.current_bits),
        c.state_bits,
        c.current_bits
    )?;
    writeln!(
        f,
        "  bias {}, threshold {}, v_reset {}, beta {} ({}), alpha {} ({}), decay_shift {}",
        param(&c.bias),
        param(&c.theta),
        param(&c.v_reset),
        param(&c.beta),
        leak(c.beta_leak),
        param(&c.alpha),
        leak(c.alpha_leak),
        c.decay_shift
    )?;
    writeln!(
        f,
        "  widths: accumulator {}, datapath {}, parameters {}",
        c.acc_bits, c.work_bits, c.param_bits
    )?;
    match c.out_buffer {
        Some(b) => writeln!(f, "  spikes -> buffer {b}"),
        None => writeln!(f, "  spikes -> (unused)"),
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "plan for {} (model {}), sequential layer schedule",
            self.device, self.model_hash
        )?;
        writeln!(
            f,
            "input: {} features; output: layer {} via buffer {}",
            self.input_size, self.output_layer, self.output_buffer
        )?;
        let ws = &self.weight_store;
        match ws.mem {
            WeightMem::Rom => writeln!(
                f,
                "weight store: block RAM ROM, {} words x {} bits, {} bank(s) of up to {} words{}",
                ws.depth,
                ws.word_bits,
                ws.rom_banks().len(),
                ws.bank_words,
                if self.buffers.iter().any(|b| b.paired) {
                    ", two read ports"
                } else {
                    ""
                }
            )?,
            WeightMem::Spram {
                columns,
                groups,
                packed,
            } => writeln!(
                f,
                "weight store: SPRAM {columns} wide x {groups} deep, {} words x {} bits{}, loaded at start-up ({} granules of 16 bits)",
                ws.depth,
                ws.word_bits,
                if packed { ", two per SPRAM word" } else { "" },
                ws.image_granules()
            )?,
        }
        if self.block_memories {
            writeln!(
                f,
                "small memories: block RAM (ram_style = \"block\": logic is scarcer than block RAM here)"
            )?;
        }
        writeln!(
            f,
            "host bridge: {}{}",
            if self.bridge_zero_skip {
                "zero-skip (a step scans the listed non-zero input words)"
            } else {
                "scans every input word (zero-skip off: small input)"
            },
            if self.bridge_pixels {
                ""
            } else {
                "; no rate encoder (RUN_PIXELS refused; the input memory keeps value bits)"
            }
        )?;
        if let Some(e) = &self.engine {
            let units: Vec<String> = e
                .units
                .iter()
                .map(|u| {
                    if u.state_spram {
                        format!(
                            "{:?} (state in SPRAM: {} words, no issue while a neuron is written back)",
                            u.layers, u.depth
                        )
                    } else {
                        format!("{:?}", u.layers)
                    }
                })
                .collect();
            writeln!(
                f,
                "engine: {} accumulator lanes x {} bits, event values {} bits, cores {:?}; neuron units (cores each updates): {}",
                e.lanes,
                e.acc_bits,
                e.value_bits,
                e.layers,
                units.join(", ")
            )?;
        }
        for (i, c) in self.cores.iter().enumerate() {
            core(f, i, c, self.on_unit(i), self.weight_store.kernels)?;
        }
        for (i, b) in self.buffers.iter().enumerate() {
            match &b.delay {
                None => writeln!(
                    f,
                    "buffer {i} `{}`: {} events x {} bank(s){}{}",
                    b.name,
                    b.depth,
                    b.banks,
                    if b.paired {
                        ", paired (two events per read)"
                    } else {
                        ""
                    },
                    match b.spram {
                        Some(base) => format!(", in the event SPRAM from word {base}"),
                        None => String::new(),
                    }
                )?,
                Some(d) => writeln!(
                    f,
                    "buffer {i} `{}`: delay line, {} events x {} step slots (delays {})",
                    b.name,
                    b.depth,
                    d.slots,
                    match d.uniform() {
                        Some(u) => format!("{u} steps"),
                        None => "per neuron, ROM".into(),
                    }
                )?,
            }
        }
        if let Some(sa) = &self.conv_acc {
            writeln!(
                f,
                "convolution accumulators: one RAM shared by cores {:?}, {} words x {} lanes x {} bits",
                sa.cores, sa.depth, sa.lanes, sa.acc_bits
            )?;
        }
        if let Some(ce) = &self.conv_engine {
            writeln!(
                f,
                "convolution engine: one sl_conv runs cores {:?} one at a time (per-layer geometry tables)",
                ce.cores
            )?;
        }
        if let Some(es) = &self.event_spram {
            writeln!(
                f,
                "event SPRAM: buffers {:?}, {} of {} words (index {} bits + value {} bits), one port",
                es.lists,
                es.words,
                crate::types::SPRAM_WORDS,
                self.ev_bits,
                if es.value_bits > 1 { es.value_bits } else { 0 }
            )?;
        }
        writeln!(
            f,
            "reset clear: {} cycles; idle step: {} cycles",
            self.clear_cycles,
            self.idle_step_cycles()
        )?;
        let r = &self.resources;
        writeln!(
            f,
            "estimate: ~{} LUT, ~{} FF, ~{} logic cells, {} BRAM, {} SPRAM, {} DSP, {} ROM bits",
            r.luts, r.ffs, r.logic_cells, r.brams, r.sprams, r.dsps, r.rom_bits
        )?;
        for (name, r) in &self.resource_parts {
            writeln!(
                f,
                "  {name}: ~{} LUT, ~{} FF, {} BRAM, {} DSP",
                r.luts, r.ffs, r.brams, r.dsps
            )?;
        }
        if self.fit.fits {
            writeln!(f, "fit: yes")
        } else {
            writeln!(f, "fit: NO")?;
            for p in &self.fit.problems {
                writeln!(f, "  - {p}")?;
            }
            Ok(())
        }
    }
}
