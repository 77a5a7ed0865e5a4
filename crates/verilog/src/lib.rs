//! spikeloom-verilog: emits a [`spikeloom_plan::Plan`] as Verilog-2005.
//!
//! Only the wiring (`spikeloom_top.v`) and the memory images (`.hex`) are generated; every module
//! comes verbatim from the hand-written templates in `rtl-templates/`. Output is byte-for-byte
//! deterministic (no timestamps; names and order come from the plan).

#![deny(clippy::float_arithmetic)]

mod convx;
mod engine;
mod hex;
mod pool;
mod templates;
mod top;

pub use hex::pack_words;

use spikeloom_plan::Plan;

/// Options of [`generate`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GenOptions {
    /// Prefix of the `$readmemh` paths (empty: the `.hex` files sit beside the sources and the
    /// tools run in that directory).
    pub mem_prefix: String,
}

/// One generated or copied file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// Path relative to the bundle directory.
    pub path: String,
    /// Full contents.
    pub contents: String,
}

/// The design: every file needed to simulate or synthesise it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bundle {
    /// Files in a fixed order: top, templates, memory images.
    pub files: Vec<SourceFile>,
    /// Top module name (`spikeloom_top`).
    pub top: String,
}

impl Bundle {
    /// Paths of the Verilog sources (top first).
    pub fn verilog_paths(&self) -> Vec<&str> {
        self.files
            .iter()
            .map(|f| f.path.as_str())
            .filter(|p| p.ends_with(".v"))
            .collect()
    }

    /// Write every file under `dir` (created if missing).
    pub fn write_to(&self, dir: &std::path::Path) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        for f in &self.files {
            std::fs::write(dir.join(&f.path), &f.contents)?;
        }
        Ok(())
    }
}

/// sl_ram / sl_rom with their memory declaration marked with `attrs` (`Plan::block_memories`:
/// `ram_style = "block"`, every instance in block RAM; `Plan::no_rw_check` on sl_ram: no
/// read-first bypass).
fn mark_memory(template: &str, attrs: &[&str]) -> String {
    const DECL: &str = "reg [W-1:0] mem [0:DEPTH-1];";
    assert_eq!(
        template.matches(DECL).count(),
        1,
        "sl_ram.v / sl_rom.v declare their memory on one line"
    );
    if attrs.is_empty() {
        return template.into();
    }
    template.replace(DECL, &format!("(* {} *) {DECL}", attrs.join(", ")))
}

/// Generate the design for `plan`.
pub fn generate(plan: &Plan, opts: &GenOptions) -> Bundle {
    let mut files = vec![SourceFile {
        path: "spikeloom_top.v".into(),
        contents: top::emit(plan, opts),
    }];
    let delay_lines = plan.buffers.iter().any(|b| b.delay.is_some());
    for (name, text) in templates::TEMPLATES {
        if *name == "sl_delay.v" && !delay_lines {
            // only designs with a NIR Delay use it (others stay byte-identical)
            continue;
        }
        if *name == "sl_rom2.v" && !plan.buffers.iter().any(|b| b.paired) {
            // only a store read by paired event buffers has a second read port
            continue;
        }
        if *name == "sl_evspram.v" && plan.event_spram.is_none() {
            // only designs with event lists in SPRAM use it
            continue;
        }
        if (*name == "sl_wspram.v" || *name == "sl_wload.v") && !plan.weight_store.is_loaded() {
            // only SPRAM weight stores (and their loader) use them
            continue;
        }
        let contents = if *name == "sl_ram.v" || *name == "sl_rom.v" {
            let mut attrs = Vec::new();
            if plan.block_memories {
                attrs.push("ram_style = \"block\"");
            }
            if plan.no_rw_check && *name == "sl_ram.v" {
                attrs.push("no_rw_check");
            }
            mark_memory(text, &attrs)
        } else {
            (*text).into()
        };
        files.push(SourceFile {
            path: (*name).into(),
            contents,
        });
    }
    files.extend(hex::memory_files(plan));
    Bundle {
        files,
        top: "spikeloom_top".into(),
    }
}
