//! The weight loader's twin (`wload::Loader` + `wload::Flash`) == sl_wload.v + sim/sl_spi_flash.v
//! under Icarus and Verilator: the same log (store writes, state changes, flash chip selects),
//! cycle for cycle, on flash loads (good image, fast read, erased flash, wrong magic, count,
//! hash, corrupt payload, a read before tRES1) and host loads (chunks with a rolled-back bad
//! chunk, an early end, a stall, a host load that interrupts the flash read). Independently of
//! the twin, each case checks the final state and that the store holds the image.
//! Needs iverilog/vvp and verilator: missing tools skip unless SPIKELOOM_REQUIRE_TOOLS=1.

use spikeloom_cyclesim::wload::{Flash, HostIn, LoadBench, LoaderParams};
use spikeloom_plan::{LoadState, WeightImage};
use spikeloom_toolchain::process::{find_program, run, ToolCommand};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

const OFFSET: u32 = 0x02_0000;
/// Cycles between host bytes (sl_wload needs >= 10; the UART gives >= 40).
const HOST_GAP: u32 = 12;

#[derive(Debug, Clone, Copy)]
struct Design {
    params: LoaderParams,
    /// tRES1 the flash model insists on.
    tres_model: u32,
    /// Bytes the flash model holds.
    fsize: usize,
}

struct Case {
    name: &'static str,
    design: Design,
    flash: Option<Vec<u8>>,
    ops: Vec<(u32, HostIn)>,
    cycles: u32,
    want: LoadState,
}

fn granules(n: usize, seed: u64) -> Vec<u16> {
    let mut rng = spikeloom_testkit::Rng::new(seed);
    (0..n).map(|_| (rng.next_u64() >> 48) as u16).collect()
}

fn design(image: &WeightImage, fast: bool, tres: u32) -> Design {
    Design {
        params: LoaderParams {
            granules: image.granules().len(),
            crc: image.crc(),
            flash_offset: OFFSET,
            tres_cycles: tres,
            fast_read: fast,
            host_timeout: 400,
        },
        tres_model: 37,
        fsize: image.len_bytes() + 4,
    }
}

/// Host actions: start at `at`, then `bytes` in chunks of `chunk` with a keep after each; the
/// chunk index `bad` is first sent with a byte flipped and dropped, then resent. Returns the
/// actions and the first free cycle.
fn host_load(at: u32, bytes: &[u8], chunk: usize, bad: Option<usize>) -> (Vec<(u32, HostIn)>, u32) {
    let mut ops = vec![(
        at,
        HostIn {
            start: true,
            ..HostIn::default()
        },
    )];
    let mut t = at + HOST_GAP;
    let send = |ops: &mut Vec<(u32, HostIn)>, t: &mut u32, part: &[u8], flip: bool, ok: bool| {
        for (i, &b) in part.iter().enumerate() {
            let data = if flip && i == part.len() / 2 {
                b ^ 0x5A
            } else {
                b
            };
            ops.push((
                *t,
                HostIn {
                    valid: true,
                    data,
                    ..HostIn::default()
                },
            ));
            *t += HOST_GAP;
        }
        let h = if ok {
            HostIn {
                keep: true,
                ..HostIn::default()
            }
        } else {
            HostIn {
                drop: true,
                ..HostIn::default()
            }
        };
        ops.push((*t, h));
        *t += HOST_GAP;
    };
    for (i, part) in bytes.chunks(chunk).enumerate() {
        if bad == Some(i) {
            send(&mut ops, &mut t, part, true, false);
        }
        send(&mut ops, &mut t, part, false, true);
    }
    (ops, t)
}

fn end_at(t: u32) -> (u32, HostIn) {
    (
        t,
        HostIn {
            end: true,
            ..HostIn::default()
        },
    )
}

fn cases() -> Vec<Case> {
    let img = WeightImage::new(granules(37, 1)).unwrap();
    let good = img.to_bytes();
    let d = design(&img, false, 37);
    // 16 cycles per byte from the flash, plus the wake-up and command
    let flash_cycles = 200 + 16 * good.len() as u32;
    let mut magic = good.clone();
    magic[1] = b'X';
    let count = WeightImage::new(granules(38, 1)).unwrap().to_bytes();
    let hash = WeightImage::new(granules(37, 2)).unwrap().to_bytes();
    let mut corrupt = good.clone();
    corrupt[40] ^= 0x01;
    let (host_ops, host_end) = host_load(900, &good, 7, Some(3));
    let mut host_ops = host_ops;
    host_ops.push(end_at(host_end));
    let (mut early_end, t_end) = host_load(900, &good[..30], 30, None);
    early_end.push(end_at(t_end));
    let (stall, t) = host_load(900, &good[..20], 10, None);
    let (interrupt, t2) = host_load(300, &good, 16, None);
    let flash = |b: &[u8]| Some(b.to_vec());
    let case = |name, design, flash, ops, cycles, want| Case {
        name,
        design,
        flash,
        ops,
        cycles,
        want,
    };
    vec![
        case(
            "flash",
            d,
            flash(&good),
            vec![],
            flash_cycles,
            LoadState::Ready,
        ),
        case(
            "fast_read",
            design(&img, true, 37),
            flash(&good),
            vec![],
            flash_cycles + 40,
            LoadState::Ready,
        ),
        case("blank", d, None, vec![], 400, LoadState::Blank),
        case("magic", d, flash(&magic), vec![], 400, LoadState::Magic),
        case("count", d, flash(&count), vec![], 400, LoadState::Count),
        case("hash", d, flash(&hash), vec![], 400, LoadState::Hash),
        case(
            "corrupt",
            d,
            flash(&corrupt),
            vec![],
            flash_cycles,
            LoadState::Crc,
        ),
        // the loader waits 3 cycles instead of tRES1: the flash ignores the read
        case(
            "early_read",
            design(&img, false, 2),
            flash(&good),
            vec![],
            400,
            LoadState::Blank,
        ),
        case("host", d, None, host_ops, host_end + 40, LoadState::Ready),
        case(
            "host_early_end",
            d,
            None,
            early_end,
            t_end + 40,
            LoadState::Incomplete,
        ),
        case("host_stall", d, None, stall, t + 500, LoadState::Timeout),
        case(
            "host_interrupts_flash",
            d,
            flash(&hash),
            interrupt,
            t2 + 40,
            LoadState::Ready,
        ),
    ]
}

/// The bench's log from the twins (same format and order as tb_wload.v).
fn twin_log(c: &Case) -> (String, Vec<Option<u16>>) {
    let d = &c.design;
    let flash = Flash::new(OFFSET, c.flash.clone().unwrap_or_default(), d.tres_model);
    let mut bench = LoadBench::new(d.params, flash);
    let mut store = vec![None; d.params.granules];
    let mut log = String::new();
    let (mut pstate, mut pcsn, mut k) = (None, true, 0);
    for cyc in 0..=c.cycles {
        let l = &bench.loader;
        if l.we {
            let _ = writeln!(log, "W {cyc} {} {}", l.addr, l.data);
            store[usize::from(l.addr)] = Some(l.data);
        }
        if pstate != Some(l.state()) {
            let _ = writeln!(log, "S {cyc} {} {} {}", l.state().code(), l.crc(), l.pos());
        }
        if l.csn != pcsn {
            let _ = writeln!(log, "C {cyc} {}", u8::from(l.csn));
        }
        pstate = Some(l.state());
        pcsn = l.csn;
        if cyc == c.cycles {
            let _ = writeln!(log, "E {cyc} {} {} {}", l.state().code(), l.crc(), l.pos());
            break;
        }
        let h = match c.ops.get(k) {
            Some(&(t, h)) if t == cyc => {
                k += 1;
                h
            }
            _ => HostIn::default(),
        };
        bench.clock(h);
    }
    (log, store)
}

fn params_vh(c: &Case) -> String {
    let p = &c.design.params;
    format!(
        "localparam integer N_GRAN = {};\nlocalparam [31:0] CRC = 32'h{:08x};\n\
         localparam [23:0] OFFSET = 24'h{:06x};\nlocalparam integer TRES = {};\n\
         localparam integer TRES_MODEL = {};\nlocalparam integer FAST = {};\n\
         localparam integer HOST_TIMEOUT = {};\nlocalparam integer FSIZE = {};\n\
         localparam integer NOPS = {};\n",
        p.granules,
        p.crc,
        p.flash_offset,
        p.tres_cycles,
        c.design.tres_model,
        u8::from(p.fast_read),
        p.host_timeout,
        c.design.fsize,
        c.ops.len().max(1)
    )
}

fn ops_hex(c: &Case) -> String {
    let mut s = String::new();
    for &(t, h) in &c.ops {
        let op = u8::from(h.start)
            | u8::from(h.valid) << 1
            | u8::from(h.keep) << 2
            | u8::from(h.drop) << 3
            | u8::from(h.end) << 4;
        let _ = writeln!(s, "{t:08x}{op:02x}{:02x}", h.data);
    }
    if c.ops.is_empty() {
        s.push_str("ffffffff0000\n");
    }
    s
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn sources() -> Vec<String> {
    let r = root();
    [
        "crates/cyclesim/tests/data/tb_wload.v",
        "rtl-templates/mem/sl_wload.v",
        "sim/sl_spi_flash.v",
    ]
    .iter()
    .map(|p| r.join(p).canonicalize().unwrap().display().to_string())
    .collect()
}

fn tool(step: &str, program: &str, args: Vec<String>, cwd: &Path) -> String {
    let out = run(&ToolCommand {
        step: step.into(),
        program: program.into(),
        args,
        cwd: cwd.to_path_buf(),
        log: None,
    })
    .unwrap_or_else(|e| panic!("{step}: {e}"));
    out.stdout
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Sim {
    Icarus,
    Verilator,
}

/// Write the case's inputs into `dir`, build (Verilator: once per parameter set, in `dir`) and
/// run; returns rtl.log.
fn rtl_log(sim: Sim, c: &Case, dir: &Path) -> String {
    std::fs::create_dir_all(dir).unwrap();
    let params = params_vh(c);
    let stale =
        std::fs::read_to_string(dir.join("tb_wload_params.vh")).ok() != Some(params.clone());
    std::fs::write(dir.join("tb_wload_params.vh"), &params).unwrap();
    std::fs::write(dir.join("ops.hex"), ops_hex(c)).unwrap();
    let mut run_args = vec![format!("+cycles={}", c.cycles)];
    if let Some(bytes) = &c.flash {
        let hex: String = bytes.iter().map(|b| format!("{b:02x}\n")).collect();
        std::fs::write(dir.join("flash.hex"), hex).unwrap();
        run_args.push("+flash=flash.hex".into());
    }
    let _ = std::fs::remove_file(dir.join("rtl.log"));
    match sim {
        Sim::Icarus => {
            let mut args: Vec<String> = ["-g2005", "-I.", "-s", "tb_wload", "-o", "tb.vvp"]
                .map(String::from)
                .to_vec();
            args.extend(sources());
            tool("iverilog", "iverilog", args, dir);
            let mut a = vec!["-n".to_string(), "tb.vvp".into()];
            a.extend(run_args);
            tool("vvp", "vvp", a, dir);
        }
        Sim::Verilator => {
            if stale || !dir.join("obj/Vtb").is_file() {
                let mut args: Vec<String> = [
                    "--binary",
                    "--timing",
                    "-Wno-fatal",
                    "-Wno-lint",
                    "-Wno-style",
                    "-j",
                    "2",
                    "--top-module",
                    "tb_wload",
                    "-I.",
                    "--Mdir",
                    "obj",
                    "-o",
                    "Vtb",
                ]
                .map(String::from)
                .to_vec();
                args.extend(sources());
                tool("verilator", "verilator", args, dir);
            }
            tool("Vtb", dir.join("obj/Vtb").to_str().unwrap(), run_args, dir);
        }
    }
    std::fs::read_to_string(dir.join("rtl.log")).unwrap()
}

fn available(programs: &[&str]) -> bool {
    if programs
        .iter()
        .all(|p| find_program(Path::new(p)).is_some())
    {
        return true;
    }
    spikeloom_testkit::skip_or_fail(format!("{programs:?} not installed"));
    false
}

/// The twin's log must equal the simulator's; the outcome and the store must be what the case
/// expects (computed from the image, not from the twin).
fn check(c: &Case, sim: Sim, dir: &Path) {
    let (twin, store) = twin_log(c);
    let rtl = rtl_log(sim, c, dir);
    if let Some((i, (a, b))) = twin
        .lines()
        .zip(rtl.lines())
        .enumerate()
        .find(|(_, (a, b))| a != b)
    {
        panic!(
            "{} ({sim:?}): line {} differs: twin `{a}`, RTL `{b}`",
            c.name,
            i + 1
        );
    }
    assert_eq!(
        twin.lines().count(),
        rtl.lines().count(),
        "{} ({sim:?})",
        c.name
    );
    let last = twin.lines().last().unwrap();
    let state: u8 = last.split(' ').nth(2).unwrap().parse().unwrap();
    assert_eq!(
        LoadState::from_code(state),
        Some(c.want),
        "{}: {last}",
        c.name
    );
    if c.want == LoadState::Ready {
        let img = WeightImage::new(granules(c.design.params.granules, 1)).unwrap();
        let got: Vec<u16> = store
            .iter()
            .map(|g| g.expect("every granule written"))
            .collect();
        assert_eq!(got, img.granules(), "{}: store contents", c.name);
        assert!(
            last.ends_with(&format!(" {} {}", img.crc(), img.len_bytes())),
            "{last}"
        );
    }
}

#[test]
fn twin_equals_rtl_on_icarus() {
    if !available(&["iverilog", "vvp"]) {
        return;
    }
    let base = Path::new(env!("CARGO_TARGET_TMPDIR")).join("wload-icarus");
    for c in cases() {
        check(&c, Sim::Icarus, &base.join(c.name));
    }
}

#[test]
fn twin_equals_rtl_on_verilator() {
    if !available(&["verilator"]) {
        return;
    }
    // one Verilator build serves every case of the common parameter set
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("wload-verilator");
    let cases = cases();
    let common = cases[0].design.params;
    let mut n = 0;
    for c in cases.iter().filter(|c| c.design.params == common) {
        check(c, Sim::Verilator, &dir);
        n += 1;
    }
    assert!(n >= 8, "only {n} Verilator cases");
}

#[test]
fn flash_load_takes_16_cycles_per_byte() {
    // independent count: CS# low (1), 0xAB (16), CS# high (1), tRES1 wait (TRES + 1),
    // 0x03 + address (64), 16 cycles per byte, then the last byte is taken (1), shifted into
    // the CRC (8) and the CRC compared (1)
    let img = WeightImage::new(granules(37, 1)).unwrap();
    let d = design(&img, false, 37);
    let flash = Flash::new(OFFSET, img.to_bytes(), 37);
    let mut bench = LoadBench::new(d.params, flash);
    let mut cycles = 0u32;
    while bench.loader.state().is_busy() {
        bench.clock(HostIn::default());
        cycles += 1;
    }
    assert_eq!(bench.loader.state(), LoadState::Ready);
    let want = 1 + 16 + 1 + (37 + 1) + 64 + 16 * img.len_bytes() as u32 + 1 + 8 + 1;
    assert_eq!(cycles, want);
}
