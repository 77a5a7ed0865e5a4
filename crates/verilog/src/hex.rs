//! Memory images for `$readmemh`: P lanes packed per word, lane k in bits [k*w, k*w + w).

use crate::SourceFile;
use spikeloom_plan::{CorePlan, Param, Plan};

/// Pack `values` (two's complement, `bits` each) `lanes` per word; one hex word per line, MSB first.
pub fn pack_words(values: &[i64], lanes: usize, bits: u32) -> String {
    let word_bits = lanes * bits as usize;
    let digits = word_bits.div_ceil(4);
    let mut out = String::with_capacity(values.len() / lanes.max(1) * (digits + 1));
    let mask: u128 = if bits >= 64 {
        u128::from(u64::MAX)
    } else {
        (1u128 << bits) - 1
    };
    for word in values.chunks(lanes) {
        let mut limbs = vec![0u64; word_bits.div_ceil(64) + 1];
        for (k, &v) in word.iter().enumerate() {
            let field = (v as i128 as u128) & mask;
            let pos = k * bits as usize;
            let (limb, off) = (pos / 64, pos % 64);
            let wide = field << off;
            limbs[limb] |= wide as u64;
            limbs[limb + 1] |= (wide >> 64) as u64;
        }
        for d in (0..digits).rev() {
            let nibble = (limbs[d * 4 / 64] >> ((d * 4) % 64)) & 0xf;
            out.push(char::from_digit(nibble as u32, 16).unwrap_or('0'));
        }
        out.push('\n');
    }
    out
}

/// File name of a core's memory image.
pub(crate) fn mem_name(core: &CorePlan, what: &str) -> String {
    format!("{}_{what}.hex", core.ident)
}

/// File name of a delay line's per-source delay ROM (buffer `b`).
pub(crate) fn delay_mem_name(b: usize) -> String {
    format!("b{b}_delays.hex")
}

/// File name of bank `k` of the weight store's ROM image.
pub(crate) fn weights_bank_hex(k: usize) -> String {
    format!("weights_b{k}.hex")
}

/// The weight store's ROM images, one per bank ([`spikeloom_plan::WeightStore::rom_banks`]):
/// one word per line, MSB first, from [`Plan::weight_image`].
fn store_hex(plan: &Plan) -> Vec<String> {
    let store = &plan.weight_store;
    let gpw = store.granules_per_word();
    let digits = store.word_bits.div_ceil(4) as usize;
    let image = plan.weight_image();
    let mut words = image.chunks(gpw);
    store
        .rom_banks()
        .into_iter()
        .map(|depth| {
            let mut out = String::with_capacity(depth * (digits + 1));
            for word in words.by_ref().take(depth) {
                let full: String = word.iter().rev().map(|g| format!("{g:04x}")).collect();
                // the top granule may be wider than the word: drop its unused leading digits
                out.push_str(&full[full.len() - digits..]);
                out.push('\n');
            }
            out
        })
        .collect()
}

pub(crate) fn memory_files(plan: &Plan) -> Vec<SourceFile> {
    let mut files = Vec::new();
    if plan.weight_store.depth > 0 {
        if plan.weight_store.is_loaded() {
            // the weight image the co-simulation's flash model serves to the loader (the
            // planner made the loader only for an image of a valid size)
            if let Ok(image) = spikeloom_plan::WeightImage::new(plan.weight_image()) {
                files.push(SourceFile {
                    path: spikeloom_plan::FLASH_HEX.into(),
                    contents: spikeloom_plan::flash_hex(&image.to_bytes()),
                });
            }
        } else {
            for (k, contents) in store_hex(plan).into_iter().enumerate() {
                files.push(SourceFile {
                    path: weights_bank_hex(k),
                    contents,
                });
            }
        }
    }
    for (b, buf) in plan.buffers.iter().enumerate() {
        if let Some(d) = buf.delay.as_ref().filter(|d| d.uniform().is_none()) {
            let v: Vec<i64> = d.delays.iter().map(|&x| i64::from(x)).collect();
            files.push(SourceFile {
                path: delay_mem_name(b),
                contents: pack_words(&v, 1, d.slot_bits()),
            });
        }
    }
    for core in &plan.cores {
        if core.conv.is_some() && !plan.weight_store.kernels {
            // a convolution kernel is stored once in the core, P weights (one chunk of output
            // channels) per word (or in the weight store's image)
            let w: Vec<i64> = core.weights.iter().map(|&x| i64::from(x)).collect();
            files.push(SourceFile {
                path: mem_name(core, "weights"),
                contents: pack_words(&w, core.lanes, core.weight_bits),
            });
        }
        if core.conv.is_none() {
            // an engine layer's parameter ROMs belong to its unit (below)
            continue;
        }
        let params = [
            ("bias", &core.bias, core.param_bits),
            ("theta", &core.theta, core.param_bits),
            ("vreset", &core.v_reset, core.param_bits),
            ("beta", &core.beta, core.decay_bits()),
            ("alpha", &core.alpha, core.decay_bits()),
        ];
        for (what, p, bits) in params {
            if let Param::Rom(v) = p {
                // a convolution core reads P lanes per block
                files.push(SourceFile {
                    path: mem_name(core, what),
                    contents: pack_words(v, core.lanes, bits),
                });
            }
        }
    }
    // an engine unit reads one neuron per state address, its layers one after another
    for (u, unit) in plan.engine.iter().flat_map(|e| e.units.iter().enumerate()) {
        let db = plan.cores[unit.layers[0]].decay_bits();
        for (what, which, decay) in UNIT_PARAMS {
            if let Some(v) = unit.param_rom(&plan.cores, which) {
                let bits = if decay { db } else { unit.param_bits };
                files.push(SourceFile {
                    path: unit_mem_name(&unit.ident(&plan.cores, u), what),
                    contents: pack_words(&v, 1, bits),
                });
            }
        }
    }
    files
}

/// Picks one parameter of a core.
pub(crate) type ParamOf = fn(&CorePlan) -> &Param;

/// An engine unit's parameters: image and Verilog name, which core field, and whether it is a
/// decay (`decay_bits` wide) rather than a value (the unit's `param_bits`).
pub(crate) const UNIT_PARAMS: [(&str, ParamOf, bool); 5] = [
    ("bias", |c| &c.bias, false),
    ("theta", |c| &c.theta, false),
    ("vreset", |c| &c.v_reset, false),
    ("beta", |c| &c.beta, true),
    ("alpha", |c| &c.alpha, true),
];

/// File name of a unit's parameter image.
pub(crate) fn unit_mem_name(ident: &str, what: &str) -> String {
    format!("{ident}_{what}.hex")
}

#[cfg(test)]
mod tests {
    use super::pack_words;

    #[test]
    fn packs_lanes_lsb_first_twos_complement() {
        // lane 0 = -1 (0xf), lane 1 = 2 (0x2) in 4-bit fields -> 0x2f
        assert_eq!(pack_words(&[-1, 2], 2, 4), "2f\n");
        // 3 lanes x 3 bits = 9 bits -> 3 hex digits: 1 | 2<<3 | 7<<6 = 0x1d1
        assert_eq!(pack_words(&[1, 2, -1], 3, 3), "1d1\n");
        // 64-bit fields crossing limbs
        assert_eq!(
            pack_words(&[-1, 1], 2, 64),
            "0000000000000001ffffffffffffffff\n"
        );
    }
}
