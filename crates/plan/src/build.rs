//! `plan()`: check the QNet (`QNet::validate`, then the hardware limits in `limits.rs`, each
//! reporting every problem), lay out memories and event buffers, derive widths, check the fit.

use crate::config::PlanConfig;
use crate::error::PlanError;
use crate::image::WeightImage;
use crate::interface::ubits;
use crate::limits;
use crate::loader::LoaderPlan;
use crate::resources;
use crate::types::*;
use crate::widths::{analyse, WidthInput};
use sha2::{Digest, Sha256};
use spikeloom_board::{Device, Family};
use spikeloom_qnet::{QFire, QLayer, QNet, QNeuron};

/// Map `net` onto cores for `device`. A net that breaks the contract gets every problem
/// `QNet::validate` finds ([`PlanError::InvalidNet`]); a valid one the hardware cannot build gets
/// every hardware problem ([`PlanError::Hardware`]).
pub fn plan(net: &QNet, cfg: &PlanConfig, device: &Device) -> Result<Plan, PlanError> {
    if cfg.max_lanes == 0 || cfg.lanes == Some(0) {
        return Err(PlanError::Config("lanes must be at least 1".into()));
    }
    net.validate().map_err(PlanError::InvalidNet)?;
    let hardware = limits::problems(net, cfg, device);
    if !hardware.is_empty() {
        return Err(PlanError::Hardware(hardware));
    }
    let mut lanes_cap = cfg.lanes.unwrap_or(cfg.max_lanes);
    // Automatic memory choice: SPRAM when the weights do not fit block RAM and the device has
    // SPRAM (or when asked for).
    let memories = |cfg: &PlanConfig, lanes_cap: usize| -> Result<Plan, PlanError> {
        let p = build(net, cfg, device, lanes_cap, WeightMemChoice::Bram)?;
        let spram = match cfg.weight_memory {
            WeightMemChoice::Spram => true,
            WeightMemChoice::Bram => false,
            WeightMemChoice::Auto => {
                device.spram_count > 0 && p.resources.brams > device.bram_count
            }
        };
        if spram {
            build(net, cfg, device, lanes_cap, WeightMemChoice::Spram)
        } else {
            Ok(p)
        }
    };
    loop {
        let mut p = memories(cfg, lanes_cap)?;
        // Automatic choice: one lane fewer while logic (below the routable share of the
        // device), multipliers or the SPRAM word width do not fit (they scale with the lanes;
        // block RAM mostly does not). One at a time, not halving: 7 lanes are 16 / 19 of 8's
        // speed on a 128-neuron layer, 4 lanes half of it (convolution cores round their
        // lanes down to the fewest that need the fewest channel chunks themselves).
        let r = &p.resources;
        let over = r.logic_cells > device.routable_logic_cells()
            || r.ffs > device.ffs
            || (device.dsp_count > 0 && r.dsps > device.dsp_count)
            || spram_columns_over(&p, device);
        if over && cfg.lanes.is_none() && lanes_cap > 1 {
            lanes_cap -= 1;
            continue;
        }
        // Last resort, at the final lanes: the host bridge without its rate encoder
        // (`Plan::bridge_pixels`), when that fits, or leaves fewer resources short.
        if !p.fit.fits && cfg.rate_encoder.is_none() && cfg.board_top.is_some() {
            let bare = PlanConfig {
                rate_encoder: Some(false),
                ..cfg.clone()
            };
            let q = memories(&bare, lanes_cap)?;
            if q.fit.fits || q.fit.problems.len() < p.fit.problems.len() {
                p = q;
            }
        }
        if cfg.conv_engine == ConvEngineChoice::Shared && p.conv_engine.is_none() {
            let why = p.conv_engine_layers().err().unwrap_or_default();
            return Err(PlanError::Config(format!(
                "the convolution layers cannot share one convolution engine \
                 (--conv-engine shared): {why}; use --conv-engine per-layer"
            )));
        }
        if cfg.require_fit && !p.fit.fits {
            return Err(PlanError::DoesNotFit {
                device: device.name.clone(),
                report: p.fit.problems.join("\n"),
            });
        }
        if p.weight_store.is_loaded() {
            let image = WeightImage::new(p.weight_image()).map_err(|e| {
                PlanError::Config(format!("the SPRAM weight store cannot be loaded: {e}"))
            })?;
            p.loader = Some(LoaderPlan::new(&image, &cfg.loader));
        }
        return Ok(p);
    }
}

/// True when one SPRAM weight word needs more SPRAMs side by side than the device has.
fn spram_columns_over(p: &Plan, device: &Device) -> bool {
    match p.weight_store.mem {
        WeightMem::Spram { columns, .. } => columns > device.spram_count,
        WeightMem::Rom => false,
    }
}

/// Constant when uniform, else a ROM image of `blocks * lanes` slots: `slot(s)` is the neuron
/// of slot `s` (`None`: a padding lane, 0).
fn param(values: &[i64], slots: usize, slot: &dyn Fn(usize) -> Option<usize>) -> Param {
    match values.first() {
        Some(&v0) if values.iter().all(|&v| v == v0) => Param::Const(v0),
        _ => Param::Rom(
            (0..slots)
                .map(|s| slot(s).map_or(0, |n| values[n]))
                .collect(),
        ),
    }
}

fn leak(p: &Param, max_terms: u32) -> Leak {
    match p {
        Param::Const(d) if d.count_ones() <= max_terms => Leak::ShiftAdd {
            terms: d.count_ones(),
        },
        _ => Leak::Multiply,
    }
}

/// Verilog identifier from a NIR name: `[a-z0-9_]`, prefixed, unique.
fn ident(name: &str, index: usize, used: &mut Vec<String>) -> String {
    let mut s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    s.truncate(40);
    let mut id = format!("l{index}_{s}");
    while used.contains(&id) {
        id.push('_');
    }
    used.push(id.clone());
    id
}

fn model_hash(net: &QNet) -> String {
    let json = serde_json::to_vec(net).unwrap_or_default();
    let digest = Sha256::digest(&json);
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// True when projection `p` needs a delay line (some source neuron has an extra delay).
fn has_line(p: &spikeloom_qnet::QProjection) -> bool {
    p.source_delay.iter().any(|&d| d > 0)
}

/// Event buffers (input, then every layer read by a projection without delay line or being the
/// output, then one delay line per projection with per-source delays), the buffer of every
/// layer, and the delay line of every (layer, projection).
#[allow(clippy::type_complexity)]
fn buffers(net: &QNet) -> (Vec<BufferPlan>, Vec<Option<usize>>, Vec<Vec<Option<usize>>>) {
    let readers = || {
        net.layers
            .iter()
            .flat_map(|l| &l.inputs)
            .filter(|p| !has_line(p))
    };
    let delayed_reader = |src: QSource| readers().any(|p| p.source == src && p.delayed);
    let banks = |src: QSource| if delayed_reader(src) { 2 } else { 1 };
    let mut bufs = vec![BufferPlan {
        source: QSource::Input,
        name: "input".into(),
        depth: net.input_size,
        banks: banks(QSource::Input),
        value_bits: net.input_bits,
        delay: None,
        paired: false,
        spram: None,
    }];
    let mut of_layer = Vec::new();
    for (li, l) in net.layers.iter().enumerate() {
        let src = QSource::Layer(li);
        let read = readers().any(|p| p.source == src);
        if read || li == net.output_layer {
            of_layer.push(Some(bufs.len()));
            bufs.push(BufferPlan {
                source: src,
                name: l.name.clone(),
                depth: l.size,
                banks: banks(src),
                value_bits: l.fire.event_bits(),
                delay: None,
                paired: false,
                spram: None,
            });
        } else {
            of_layer.push(None);
        }
    }
    let mut lines = Vec::new();
    for l in &net.layers {
        let mut of_proj = Vec::new();
        for p in &l.inputs {
            if !has_line(p) {
                of_proj.push(None);
                continue;
            }
            let delays: Vec<u32> = p
                .source_delay
                .iter()
                .map(|&d| d + u32::from(p.delayed))
                .collect();
            let slots = delays.iter().copied().max().unwrap_or(0) as usize + 1;
            let (name, value_bits) = match p.source {
                QSource::Input => ("input".to_string(), net.input_bits),
                QSource::Layer(s) => (net.layers[s].name.clone(), net.layers[s].fire.event_bits()),
            };
            of_proj.push(Some(bufs.len()));
            bufs.push(BufferPlan {
                source: p.source,
                name: format!("{name} delayed for `{}`", p.origin),
                depth: p.source_size,
                banks: slots,
                value_bits,
                delay: Some(DelayLine {
                    origin: p.origin.clone(),
                    slots,
                    delays,
                }),
                paired: false,
                spram: None,
            });
        }
        lines.push(of_proj);
    }
    (bufs, of_layer, lines)
}

/// The engine of the dense cores: `lanes` lanes, as wide as the widest layer's accumulator and
/// event values, and its neuron units: with `share`, each dense layer joins the first unit whose
/// layers it is compatible with ([`UnitPlan::compatible`]), else one unit per layer.
fn engine(cores: &[CorePlan], lanes: usize, share: bool, conv: Option<bool>) -> Option<EnginePlan> {
    let dense: Vec<usize> = (0..cores.len())
        .filter(|&l| cores[l].conv.is_none())
        .collect();
    if dense.is_empty() {
        return None;
    }
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for &l in &dense {
        match groups.iter_mut().find(|g| {
            share
                && g.iter()
                    .all(|&m| UnitPlan::compatible(&cores[m], &cores[l]))
        }) {
            Some(g) => g.push(l),
            None => groups.push(vec![l]),
        }
    }
    // convolution layers join the first unit of dense layers they are compatible with (a unit
    // never holds convolution layers alone: its hand-offs come from the accumulators too)
    if share && conv != Some(false) {
        let joins = |c: &CorePlan| {
            c.conv.is_some() && (conv == Some(true) || c.lanes <= crate::CONV_UNIT_MAX_LANES)
        };
        for l in (0..cores.len()).filter(|&l| joins(&cores[l])) {
            if let Some(g) = groups.iter_mut().find(|g| {
                g.iter()
                    .all(|&m| UnitPlan::compatible(&cores[m], &cores[l]))
            }) {
                g.push(l);
                g.sort_unstable();
            }
        }
    }
    Some(EnginePlan {
        lanes: lanes.max(1),
        acc_bits: dense.iter().map(|&l| cores[l].acc_bits).max().unwrap_or(2),
        value_bits: dense
            .iter()
            .map(|&l| cores[l].value_bits)
            .max()
            .unwrap_or(1),
        units: groups
            .into_iter()
            .map(|g| UnitPlan::new(cores, g))
            .collect(),
        layers: dense,
    })
}

/// Lay the dense cores' rows out in one store, in core order (then, with `kernels`, the
/// convolution cores' kernels), and choose its memory.
fn weight_store(cores: &mut [CorePlan], mem: WeightMemChoice, kernels: bool) -> WeightStore {
    let mut depth = 0;
    let mut word_bits = 1;
    for c in cores.iter_mut().filter(|c| c.conv.is_none()) {
        c.weight_base = depth;
        depth += c.weight_depth();
        word_bits = word_bits.max(c.lanes as u32 * c.weight_bits);
    }
    for c in cores.iter_mut().filter(|c| c.conv.is_some()) {
        c.weight_base = if kernels { depth } else { 0 };
        if kernels {
            depth += c.weight_depth();
            word_bits = word_bits.max(c.lanes as u32 * c.weight_bits);
        }
    }
    let mem = match mem {
        // nothing to load: a design without dense cores has an empty store
        WeightMemChoice::Spram if depth == 0 => WeightMem::Rom,
        WeightMemChoice::Spram => {
            // SPRAM columns are 16 bits; the write port addresses granules with a shift, so
            // the column count is a power of two. Rows of at most 8 bits go two to a word.
            let packed = word_bits <= 8;
            let columns = word_bits.div_ceil(16).next_power_of_two();
            word_bits = if packed { 8 } else { columns * 16 };
            let spram_words = if packed { depth.div_ceil(2) } else { depth };
            WeightMem::Spram {
                columns,
                groups: u32::try_from(spram_words.div_ceil(SPRAM_WORDS).max(1)).unwrap_or(u32::MAX),
                packed,
            }
        }
        WeightMemChoice::Auto | WeightMemChoice::Bram => WeightMem::Rom,
    };
    WeightStore {
        kernels: kernels && matches!(mem, WeightMem::Spram { .. }),
        mem,
        word_bits,
        depth,
        bank_words: STORE_BANK_WORDS,
    }
}

fn build(
    net: &QNet,
    cfg: &PlanConfig,
    device: &Device,
    lanes_cap: usize,
    mem: WeightMemChoice,
) -> Result<Plan, PlanError> {
    let (buffers, of_layer, lines) = buffers(net);
    let mut used = Vec::new();
    let mut cores = Vec::new();
    for (li, l) in net.layers.iter().enumerate() {
        let ctx = BufferMap {
            of_layer: &of_layer,
            lines: &lines[li],
        };
        cores.push(core(net, l, li, lanes_cap, cfg, &ctx, &mut used)?);
    }
    let store = weight_store(&mut cores, mem, false);
    let engine = engine(&cores, lanes_cap, cfg.share_units, cfg.conv_units);
    let max_depth = buffers.iter().map(|b| b.depth).max().unwrap_or(1);
    let max_size = net.layers.iter().map(|l| l.size).max().unwrap_or(1);
    // convolution cores clear by block (P lanes per word), the units by neuron (a shared
    // unit's state RAM holds all its layers)
    let clear_cycles = cores
        .iter()
        .filter(|c| c.conv.is_some())
        .map(|c| c.blocks)
        .chain(engine.iter().flat_map(|e| e.units.iter().map(|u| u.depth)))
        .max()
        .unwrap_or(1);
    let mut plan = Plan {
        input_size: net.input_size,
        input_bits: net.input_bits,
        output_layer: net.output_layer,
        model_hash: model_hash(net),
        provenance: net.provenance.clone(),
        clear_cycles,
        output_buffer: of_layer[net.output_layer].unwrap_or(0),
        // (the clear address has its own width, `Plan::clear_bits`)
        ev_bits: ubits(max_depth.max(max_size)),
        cores,
        buffers,
        weight_store: store,
        event_spram: None,
        conv_acc: None,
        conv_engine: None,
        engine,
        block_memories: false,
        no_rw_check: device.family == Family::Ice40,
        bridge_zero_skip: cfg
            .zero_skip
            .unwrap_or(net.input_size.div_ceil(4) > crate::ZERO_SKIP_MIN_WORDS),
        bridge_pixels: cfg.rate_encoder.unwrap_or(true),
        loader: None,
        device: device.name.clone(),
        resources: Default::default(),
        resource_parts: Vec::new(),
        fit: Default::default(),
    };
    let estimate = |plan: &mut Plan| {
        let (total, parts) = resources::estimate(plan, device, cfg.board_top.as_ref());
        plan.resources = total;
        plan.resource_parts = parts;
        plan.fit = resources::check(plan, &plan.resources, device);
    };
    // Preference: two events per cycle, then the shallowest store banks (fabric registers
    // between the block RAMs and the bank multiplexer); the first choice that fits wins, else
    // the unpaired one needing the fewest block RAMs (the fit check then says what is short).
    let pairable = if cfg.pair_events {
        pairable_buffers(&plan, device)
    } else {
        vec![false; plan.buffers.len()]
    };
    let mut choices = Vec::new();
    for pair in [true, false] {
        if pair && !pairable.contains(&true) {
            continue;
        }
        let mut words = STORE_BANK_WORDS;
        loop {
            choices.push((pair, words));
            if words >= plan.weight_store.depth || words >= 8 * STORE_BANK_WORDS {
                break;
            }
            words *= 2;
        }
    }
    let mut fallback: Option<(u32, usize)> = None;
    let mut fitted = false;
    for &(pair, words) in &choices {
        set_choice(&mut plan, &pairable, pair, words);
        estimate(&mut plan);
        if plan.fit.fits {
            fitted = true;
            break;
        }
        if !pair && fallback.is_none_or(|(b, _)| plan.resources.brams < b) {
            fallback = Some((plan.resources.brams, words));
        }
    }
    if let (false, Some((_, words))) = (fitted, fallback) {
        set_choice(&mut plan, &pairable, false, words);
        estimate(&mut plan);
    }
    let share = match cfg.event_memory {
        EventMemChoice::Spram => true,
        EventMemChoice::Bram => false,
        EventMemChoice::Auto => plan.resources.brams > device.bram_count,
    };
    if share && sprams_left(&plan, device) > 0 {
        plan.event_spram = event_spram(&mut plan);
        if plan.event_spram.is_some() {
            estimate(&mut plan);
        }
    }
    let convs: Vec<usize> = (0..plan.cores.len())
        .filter(|&l| plan.cores[l].conv.is_some())
        .collect();
    let share_acc = match cfg.conv_acc_memory {
        AccMemChoice::Shared => true,
        AccMemChoice::PerCore => false,
        // iCE40 only: on ECP5 the per-core RAMs keep the timing the ULX3S builds measured
        // (ARCHITECTURE.md, "Memory at N-MNIST scale")
        AccMemChoice::Auto => {
            device.family == Family::Ice40 && plan.resources.brams > device.bram_count
        }
    };
    if share_acc && convs.len() >= 2 {
        let of = |f: &dyn Fn(&CorePlan) -> usize| {
            convs.iter().map(|&l| f(&plan.cores[l])).max().unwrap_or(1)
        };
        plan.conv_acc = Some(SharedAcc {
            lanes: of(&|c| c.lanes),
            acc_bits: of(&|c| c.acc_bits as usize) as u32,
            depth: of(&|c| c.blocks),
            cores: convs,
        });
        estimate(&mut plan);
    }
    // the units' membrane state: one SPRAM each (largest state first) while block RAM is
    // short, from the SPRAMs the weight store and the event lists leave free
    let state = match cfg.state_memory {
        StateMemChoice::Spram => true,
        StateMemChoice::Bram => false,
        StateMemChoice::Auto => plan.resources.brams > device.bram_count,
    };
    if state && device.family == Family::Ice40 {
        let mut order: Vec<usize> = plan.engine.as_ref().map_or(Vec::new(), |e| {
            (0..e.units.len())
                .filter(|&u| e.units[u].state_fits_spram(&plan.cores))
                .collect()
        });
        if let Some(e) = &plan.engine {
            order.sort_by_key(|&u| std::cmp::Reverse(e.units[u].depth));
        }
        for u in order {
            let short = cfg.state_memory == StateMemChoice::Spram
                || plan.resources.brams > device.bram_count;
            if !short || sprams_left(&plan, device) == 0 {
                break;
            }
            if let Some(e) = plan.engine.as_mut() {
                e.units[u].state_spram = true;
            }
            estimate(&mut plan);
        }
    }
    // the convolution kernels: into the loaded store while block RAM is short, if the store
    // then still leaves the SPRAMs the other memories took
    let kernels = match cfg.kernel_memory {
        KernelMemChoice::Store => true,
        KernelMemChoice::Rom => false,
        KernelMemChoice::Auto => plan.resources.brams > device.bram_count,
    };
    if kernels && plan.weight_store.is_loaded() && plan.cores.iter().any(|c| c.conv.is_some()) {
        let before = (plan.weight_store.clone(), plan.cores.clone());
        plan.weight_store = weight_store(&mut plan.cores, mem, true);
        if sprams_used(&plan) <= device.spram_count {
            estimate(&mut plan);
        } else {
            (plan.weight_store, plan.cores) = before;
        }
    }
    // iCE40 has no distributed RAM: a small memory in logic costs an LC per bit, a block RAM
    // that is spare costs nothing (the digits MLP at 4 lanes: 2503 -> 2311 cells, 2 more EBR)
    if cfg.small_memories_in_bram && device.family == Family::Ice40 && device.bram_count > 0 {
        plan.block_memories = true;
        estimate(&mut plan);
        if plan.resources.brams > device.bram_count {
            plan.block_memories = false;
            estimate(&mut plan);
        }
    }
    // one convolution engine for the convolution layers: when asked for, or on iCE40 when the
    // logic is above the routable share and one engine needs less of it
    match cfg.conv_engine {
        ConvEngineChoice::PerLayer => {}
        // (`plan` fails when the final plan has none)
        ConvEngineChoice::Shared => {
            if let Ok(layers) = plan.conv_engine_layers() {
                plan.conv_engine = Some(ConvEngine { cores: layers });
                estimate(&mut plan);
            }
        }
        ConvEngineChoice::Auto => {
            let short = plan.resources.logic_cells > device.routable_logic_cells();
            if let (true, Family::Ice40, Ok(layers)) =
                (short, device.family, plan.conv_engine_layers())
            {
                let before = plan.resources.logic_cells;
                plan.conv_engine = Some(ConvEngine { cores: layers });
                estimate(&mut plan);
                if plan.resources.logic_cells >= before {
                    plan.conv_engine = None;
                    estimate(&mut plan);
                }
            }
        }
    }
    Ok(plan)
}

impl Plan {
    /// The convolution layers one convolution engine can serve ([`ConvEngine`]), or why they
    /// cannot share one (the first condition not met, naming the layer).
    pub fn conv_engine_layers(&self) -> Result<Vec<usize>, String> {
        let convs: Vec<usize> = (0..self.cores.len())
            .filter(|&l| self.cores[l].conv.is_some())
            .collect();
        if convs.len() < 2 {
            return Err(format!(
                "the network has {} convolution layer(s), an engine serves two or more",
                convs.len()
            ));
        }
        if self.conv_acc.as_ref().is_none_or(|a| a.cores != convs) {
            return Err(
                "the convolution layers keep their own accumulator RAMs (one shared \
                        RAM is chosen on iCE40 when block RAM is short)"
                    .into(),
            );
        }
        if !self.weight_store.kernels {
            return Err(
                "the kernels are not in the loaded weight store (--kernel-memory store, \
                        iCE40 UP5K with SPRAM weights)"
                    .into(),
            );
        }
        let unit = |l: usize| {
            self.engine
                .as_ref()
                .and_then(|e| e.unit_of(l))
                .map(|(u, _)| u)
        };
        let first = &self.cores[convs[0]];
        for &l in &convs {
            let c = &self.cores[l];
            let g = c.conv.as_ref().expect("a convolution layer");
            let name = &c.name;
            if unit(l).is_none() || unit(l) != unit(convs[0]) {
                return Err(format!(
                    "layer `{name}` does not update its neurons on the unit of `{}` (the engine \
                     hands every layer's sums to one shared neuron unit)",
                    first.name
                ));
            }
            if c.lanes != first.lanes || c.weight_bits != first.weight_bits {
                return Err(format!(
                    "layer `{name}` has {} lanes of {}-bit weights, `{}` {} of {} bits",
                    c.lanes, c.weight_bits, first.name, first.lanes, first.weight_bits
                ));
            }
            if g.groups != 1 {
                return Err(format!("layer `{name}` has {} channel groups", g.groups));
            }
            if !g.stride.iter().all(|s| s.is_power_of_two()) {
                return Err(format!(
                    "layer `{name}` has stride {:?} (the engine shifts: powers of two only)",
                    g.stride
                ));
            }
        }
        Ok(convs)
    }
}

/// SPRAMs the plan's memories take: the weight store's, the shared event lists' and the units'
/// state.
fn sprams_used(plan: &Plan) -> u32 {
    let store = match plan.weight_store.mem {
        WeightMem::Spram {
            columns, groups, ..
        } => columns * groups,
        WeightMem::Rom => 0,
    };
    let states = plan.engine.as_ref().map_or(0, |e| {
        e.units.iter().filter(|u| u.state_spram).count() as u32
    });
    store + u32::from(plan.event_spram.is_some()) + states
}

/// SPRAMs of `device` that no memory uses yet.
fn sprams_left(plan: &Plan, device: &Device) -> u32 {
    device.spram_count.saturating_sub(sprams_used(plan))
}

/// Put the event lists that can share one single-port SPRAM there (largest first, while they
/// fit its 16K words; laid out in buffer order) and return the layout, or `None` when no list
/// can share. A list can when nobody reads or writes it while another shared list is accessed:
/// its writer is the input (the host writes during IN, before any layer runs) or a convolution
/// core (pushes only while sweeping), every reader is a convolution core (reads only while
/// scattering), it has one bank and no delay line, it is not the output layer's (the
/// controller reads that one during OUT), and index and value fit one 16-bit word. The engine
/// reads a layer's source lists while its unit pushes the layer's spikes, so no list it
/// touches can share.
fn event_spram(plan: &mut Plan) -> Option<EventSpram> {
    let conv = |l: usize| plan.cores[l].conv.is_some();
    let value = |b: &BufferPlan| if b.value_bits > 1 { b.value_bits } else { 0 };
    let mut cand: Vec<usize> = (0..plan.buffers.len())
        .filter(|&b| {
            let buf = &plan.buffers[b];
            let writer_ok = match buf.source {
                QSource::Input => true,
                QSource::Layer(l) => conv(l),
            };
            let mut readers = plan
                .cores
                .iter()
                .enumerate()
                .filter(|(_, c)| c.projections.iter().any(|p| p.buffer == b));
            let readers_ok = readers.clone().all(|(l, _)| conv(l)) && readers.next().is_some();
            writer_ok
                && readers_ok
                && buf.delay.is_none()
                && buf.banks == 1
                && !buf.paired
                && b != plan.output_buffer
                && plan.ev_bits + value(buf) <= 16
        })
        .collect();
    // largest first (stable: buffer order among equal depths)
    cand.sort_by_key(|&b| std::cmp::Reverse(plan.buffers[b].depth));
    let mut chosen = Vec::new();
    let mut words = 0;
    for b in cand {
        let d = plan.buffers[b].depth;
        if words + d <= SPRAM_WORDS {
            words += d;
            chosen.push(b);
        }
    }
    if chosen.is_empty() {
        return None;
    }
    chosen.sort_unstable();
    let mut base = 0;
    for &b in &chosen {
        plan.buffers[b].spram = Some(base);
        base += plan.buffers[b].depth;
    }
    let value_bits = chosen
        .iter()
        .map(|&b| plan.buffers[b].value_bits)
        .max()
        .unwrap_or(1);
    Some(EventSpram {
        lists: chosen,
        words,
        value_bits,
    })
}

/// Pair the buffers per `pairable` (or none) and bank the ROM store by `words`.
fn set_choice(plan: &mut Plan, pairable: &[bool], pair: bool, words: usize) {
    for (b, &p) in plan.buffers.iter_mut().zip(pairable) {
        b.paired = pair && p;
    }
    plan.weight_store.bank_words = words;
}

/// The buffers whose event reads can be paired (see [`BufferPlan::paired`]): on devices with
/// true dual-port block RAM (ECP5), for a ROM weight store, the buffers only the engine reads,
/// with binary events and no pooling map in front of the rows, except the output layer's (the
/// controller reads that one event by event).
fn pairable_buffers(plan: &Plan, device: &Device) -> Vec<bool> {
    let mut out = vec![false; plan.buffers.len()];
    if device.family != Family::Ecp5
        || plan.weight_store.is_loaded()
        || plan.weight_store.depth == 0
        || plan.ev_bits < 2
    {
        return out;
    }
    let Some(engine) = &plan.engine else {
        return out;
    };
    for (b, buf) in plan.buffers.iter().enumerate() {
        if buf.delay.is_some() || buf.value_bits > 1 || b == plan.output_buffer {
            continue;
        }
        let mut readers = plan.cores.iter().enumerate().flat_map(|(l, c)| {
            c.projections
                .iter()
                .filter(move |p| p.buffer == b)
                .map(move |p| (l, p))
        });
        let ok = readers
            .clone()
            .all(|(l, p)| engine.index_of(l).is_some() && p.pool.is_none());
        out[b] = ok && readers.next().is_some();
    }
    out
}

/// Where a core's inputs and outputs go: the buffer of every layer, the delay line (if any) of
/// every projection of this layer.
struct BufferMap<'a> {
    of_layer: &'a [Option<usize>],
    lines: &'a [Option<usize>],
}

fn core(
    net: &QNet,
    l: &QLayer,
    li: usize,
    lanes_cap: usize,
    cfg: &PlanConfig,
    bm: &BufferMap<'_>,
    used: &mut Vec<String>,
) -> Result<CorePlan, PlanError> {
    let of_layer = bm.of_layer;
    let conv = l.inputs.iter().find_map(|p| p.conv.clone());
    // dense layers share the engine's lanes; a convolution core needs no more lanes than
    // neurons
    let mut lanes = lanes_cap.max(1);
    let mut blocks = l.size.div_ceil(lanes);
    if let Some(g) = &conv {
        // The convolution core's lanes hold the output channels of one group (one chunk of
        // `lanes` channels per address): the fewest lanes that need the fewest chunks.
        let cog = g.out_per_group().max(1);
        lanes = cog.div_ceil(cog.div_ceil(lanes));
        blocks = g.groups.max(1) * cog.div_ceil(lanes) * g.output[1] * g.output[2];
    }
    let slots = blocks * lanes;
    let mut projections = Vec::new();
    let mut weights = Vec::new();
    for (pi, p) in l.inputs.iter().enumerate() {
        let buffer = match (bm.lines[pi], p.source) {
            (Some(line), _) => line,
            (None, QSource::Input) => 0,
            (None, QSource::Layer(s)) => of_layer[s].unwrap_or(0),
        };
        let word_offset = if conv.is_some() {
            weights.len()
        } else {
            weights.len() / lanes
        };
        // the weights read: source elements, or pooled ones (plus a zero row for the source
        // elements a pooling drops)
        let cols = p.columns();
        let rows =
            cols + usize::from(p.conv.is_none() && p.pool.as_ref().is_some_and(|g| g.drops()));
        if let Some(g) = &p.conv {
            // the shared kernel, stored once: word (group, chunk, ci, ky, kx) holds the
            // chunk's `lanes` output channels (0 for the padding channels of the last chunk)
            let (cig, cog, kk) = (
                g.in_per_group(),
                g.out_per_group(),
                g.kernel[0] * g.kernel[1],
            );
            for grp in 0..g.groups.max(1) {
                for ch in 0..cog.div_ceil(lanes) {
                    for t in 0..cig * kk {
                        for k in 0..lanes {
                            let j = ch * lanes + k;
                            weights.push(if j < cog {
                                p.weight[((grp * cog + j) * cig) * kk + t]
                            } else {
                                0
                            });
                        }
                    }
                }
            }
        } else {
            for b in 0..blocks {
                for e in 0..rows {
                    for k in 0..lanes {
                        let o = b * lanes + k;
                        weights.push(if o < l.size && e < cols {
                            p.weight[o * cols + e]
                        } else {
                            0
                        });
                    }
                }
            }
        }
        projections.push(ProjPlan {
            origin: p.origin.clone(),
            source: p.source,
            buffer,
            delayed: p.delayed,
            src_size: p.source_size,
            pool: p.pool.clone(),
            rows,
            word_offset,
            value_bits: match p.source {
                QSource::Input => net.input_bits,
                QSource::Layer(s) => net.layers[s].fire.event_bits(),
            },
        });
    }
    let (kind, reset, reset_delay, theta, v_reset, beta, alpha, current_bits) = match &l.neuron {
        QNeuron::Lif {
            beta,
            threshold,
            v_reset,
            reset,
            reset_delay,
        } => (
            NeuronKind::Lif,
            *reset,
            *reset_delay,
            threshold.clone(),
            v_reset.clone(),
            beta.clone(),
            vec![0; l.size],
            0,
        ),
        QNeuron::CubaLif {
            alpha,
            beta,
            threshold,
            v_reset,
            reset,
            reset_delay,
            current_bits,
        } => (
            NeuronKind::CubaLif,
            *reset,
            *reset_delay,
            threshold.clone(),
            v_reset.clone(),
            beta.clone(),
            alpha.clone(),
            *current_bits,
        ),
        QNeuron::CubaLi {
            alpha,
            beta,
            current_bits,
        } => (
            NeuronKind::CubaLi,
            QReset::None,
            true,
            vec![0; l.size],
            vec![0; l.size],
            beta.clone(),
            alpha.clone(),
            *current_bits,
        ),
        QNeuron::Li { beta } => (
            NeuronKind::Li,
            QReset::None,
            true,
            vec![0; l.size],
            vec![0; l.size],
            beta.clone(),
            vec![0; l.size],
            0,
        ),
    };
    // per-neuron values in slot order (block * lanes + lane): natural order for the engine's
    // units, the channel-striped layout of a convolution core
    let size = l.size;
    let slot = |s: usize| match &conv {
        Some(g) => conv_slot_neuron(g, lanes, s),
        None => (s < size).then_some(s),
    };
    let decays = |v: &[u32]| v.iter().map(|&x| i64::from(x)).collect::<Vec<_>>();
    let bias = param(&l.bias, slots, &slot);
    let theta = param(&theta, slots, &slot);
    let v_reset = param(&v_reset, slots, &slot);
    let beta = param(&decays(&beta), slots, &slot);
    let alpha = param(&decays(&alpha), slots, &slot);
    // A convolution output sums at most its window (C_in/groups * kH * kW weights, each reading
    // a pooling window of source elements when pooled); each event
    // adds at most (2^value_bits - 1) times a weight.
    let vmax = |bits: u32| (1u64 << bits) - 1;
    let fan_in: u64 = match &conv {
        Some(c) => {
            let window = projections[0].pool.as_ref().map_or(1, |g| g.window());
            (c.fan_in() * window) as u64 * vmax(projections[0].value_bits)
        }
        None => projections
            .iter()
            .map(|p| p.src_size as u64 * vmax(p.value_bits))
            .sum(),
    };
    let value_bits = projections.iter().map(|p| p.value_bits).max().unwrap_or(1);
    let w = analyse(&WidthInput {
        kind,
        reset,
        count_bits: match l.fire {
            QFire::Single => 0,
            QFire::Count { spike_bits, .. } => spike_bits,
        },
        fan_in,
        weight_bits: l.weight_bits,
        weight_shift: l.weight_shift,
        state_bits: l.state_bits,
        current_bits,
        decay_shift: l.decay_shift,
        bias: &bias,
        theta: &theta,
        v_reset: &v_reset,
        beta: &beta,
        alpha: &alpha,
    });
    // A guard: for a net `QNet::validate` accepts, its accumulator bound (< 2^61 after the
    // weight shift) keeps every intermediate below 2^62, so the work width stays <= 64.
    if w.work_bits > 64 {
        return Err(PlanError::TooWide {
            layer: l.name.clone(),
            bits: w.work_bits,
        });
    }
    Ok(CorePlan {
        ident: ident(&l.name, li, used),
        name: l.name.clone(),
        size: l.size,
        lanes,
        blocks,
        kind,
        reset,
        reset_delay,
        fire: l.fire,
        value_bits,
        projections,
        weight_bits: l.weight_bits,
        weight_shift: l.weight_shift,
        weights,
        weight_base: 0,
        conv,
        beta_leak: leak(&beta, cfg.shift_add_max_terms),
        alpha_leak: leak(&alpha, cfg.shift_add_max_terms),
        bias,
        theta,
        v_reset,
        beta,
        alpha,
        state_bits: l.state_bits,
        current_bits,
        decay_shift: l.decay_shift,
        rounding: l.rounding,
        acc_bits: w.acc_bits,
        work_bits: w.work_bits,
        stage_bits: w.stage_bits,
        param_bits: w.param_bits,
        out_buffer: of_layer[li],
    })
}
