//! Planner behaviour: fit check, errors naming the layer, widths, text dump.

use spikeloom_board::{Device, Family};
use spikeloom_plan::{
    conv_slot_neuron, plan, testing, KernelMemChoice, Leak, Param, PlanConfig, PlanError,
    WeightMem, WeightMemChoice,
};
use spikeloom_qnet::{QLayer, QNet, QNeuron, QProjection, QReset, QSource, Rounding};

fn up5k() -> Device {
    Device {
        family: Family::Ice40,
        name: "iCE40UP5K".into(),
        nextpnr_device: "up5k".into(),
        package: "sg48".into(),
        speed: None,
        luts: 5280,
        ffs: 5280,
        bram_count: 30,
        bram_bits: 4096,
        spram_count: 4,
        dsp_count: 8,
    }
}

fn dense(name: &str, inputs: usize, size: usize, w: i32) -> QNet {
    QNet {
        input_bits: 1,
        format: spikeloom_qnet::FORMAT_VERSION,
        input_size: inputs,
        layers: vec![QLayer {
            fire: Default::default(),
            name: name.into(),
            size,
            inputs: vec![QProjection {
                source_delay: Vec::new(),
                source: QSource::Input,
                source_size: inputs,
                weight: vec![w; inputs * size],
                delayed: false,
                origin: "fc1".into(),
                conv: None,
                pool: None,
            }],
            weight_bits: 8,
            weight_shift: 0,
            bias: vec![0; size],
            neuron: QNeuron::Lif {
                beta: vec![230; size],
                threshold: vec![100; size],
                v_reset: vec![0; size],
                reset: QReset::Subtract,
                reset_delay: true,
            },
            state_bits: 16,
            decay_shift: 8,
            rounding: Rounding::Floor,
            state_lsb: 1.0,
        }],
        output_layer: 0,
        provenance: vec![],
    }
}

#[test]
fn mnist_sized_layer_goes_to_spram_on_the_up5k() {
    let net = dense("lif1", 784, 128, 1);
    let p = plan(&net, &PlanConfig::default(), &up5k()).expect("fits with SPRAM weights");
    let ws = &p.weight_store;
    assert!(
        matches!(ws.mem, WeightMem::Spram { .. }),
        "{:?}\n{p}",
        ws.mem
    );
    assert!(p.resources.sprams <= 4 && p.resources.brams <= 30, "{p}");
    assert_eq!(ws.word_bits % 16, 0);
    assert_eq!(
        p.weight_image().len(),
        ws.depth * ws.granules_per_word(),
        "one granule per 16 bits of every word"
    );
    // at one lane the 8-bit rows go two to an SPRAM word: half the SPRAMs, half the image
    let one = PlanConfig {
        lanes: Some(1),
        ..PlanConfig::default()
    };
    let p1 = plan(&net, &one, &up5k()).expect("fits at one lane");
    let ws1 = &p1.weight_store;
    assert_eq!(ws1.depth, 784 * 128, "{p1}");
    assert_eq!(
        ws1.mem,
        WeightMem::Spram {
            columns: 1,
            groups: 4,
            packed: true
        },
        "100,352 bytes in 4 x 32 KiB"
    );
    assert_eq!(p1.weight_image().len(), 784 * 128 / 2);
    assert!(p1.to_string().contains("two per SPRAM word"), "{p1}");
    assert!(p.to_string().contains("weight store: SPRAM"), "{p}");
    // forced into block RAM it does not fit, and the message points to SPRAM
    let bram = PlanConfig {
        weight_memory: WeightMemChoice::Bram,
        ..PlanConfig::default()
    };
    let err = plan(&net, &bram, &up5k()).unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, PlanError::DoesNotFit { .. }), "{text}");
    assert!(
        text.contains("block RAM: need") && text.contains("can go to SPRAM"),
        "{text}"
    );
    // the same net fits the big ECP5 in block RAM
    let big = plan(&net, &PlanConfig::default(), &testing::big_device()).expect("fits");
    assert_eq!(big.weight_store.mem, WeightMem::Rom);
}

#[test]
fn too_big_for_spram_says_how_much_it_needs() {
    // 1600 x 128 8-bit weights = 1.6 Mbit > the UP5K's 4 x 256 kbit SPRAM
    let net = dense("lif1", 1600, 128, 1);
    let err = plan(&net, &PlanConfig::default(), &up5k()).unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, PlanError::DoesNotFit { .. }), "{text}");
    assert!(
        text.contains("SPRAM: need") && text.contains("of 4"),
        "{text}"
    );
}

#[test]
fn spram_on_a_device_without_it_is_refused() {
    let net = dense("lif1", 8, 4, 1);
    let cfg = PlanConfig {
        weight_memory: WeightMemChoice::Spram,
        ..PlanConfig::default()
    };
    let e = plan(&net, &cfg, &testing::big_device())
        .unwrap_err()
        .to_string();
    assert!(e.contains("has no SPRAM"), "{e}");
}

#[test]
fn small_layer_fits_up5k_with_constants_and_multiplier_leak() {
    let net = dense("lif1", 64, 10, -3);
    let p = plan(&net, &PlanConfig::default(), &up5k()).expect("fits");
    let c = &p.cores[0];
    assert_eq!((c.lanes, c.blocks), (8, 2));
    assert_eq!(c.theta, Param::Const(100));
    // 230 = 0b11100110 has 5 set bits > 3: multiplier
    assert_eq!(c.beta_leak, Leak::Multiply);
    // acc holds 64 * -128 = -2^13 .. 64 * 127: 14 signed bits
    assert_eq!(c.acc_bits, 14);
    assert!(
        c.work_bits > c.state_bits + 8,
        "product of a 16-bit state and a 9-bit decay"
    );
    let text = p.to_string();
    assert!(
        text.contains("core 0 `lif1`") && text.contains("fit: yes"),
        "{text}"
    );
    assert_eq!(p.top_interface().layers, vec![("lif1".to_string(), 10)]);
}

/// A structurally invalid net gets `QNet::validate`'s full list, every problem naming its layer,
/// not only the first one found.
#[test]
fn an_invalid_net_gets_every_contract_problem_at_once() {
    let mut net = dense("hidden", 4, 3, 1);
    net.layers[0].bias.pop();
    net.layers[0].inputs[0].weight[5] = 500;
    net.layers[0].state_bits = 40;
    net.output_layer = 2;
    let err = plan(&net, &PlanConfig::default(), &up5k()).unwrap_err();
    let all = net.validate().unwrap_err();
    assert_eq!(all.len(), 4, "{all:?}");
    assert_eq!(err, PlanError::InvalidNet(all));
    assert_eq!(
        err.to_string(),
        "the integer network breaks 4 rule(s) of the contract; re-run `spikeloom quantize` or \
         fix the model:\n  \
         output_layer 2 does not exist (the network has 1 layers)\n  \
         layer 0 `hidden`: state_bits = 40 is outside the supported range 4..=32\n  \
         layer 0 `hidden`: weight of projection `fc1`: 1 value(s) outside -128..=127, first at \
         index 5 = 500\n  \
         layer 0 `hidden`: bias has 2 entries, expected 3"
    );
}

/// A valid net with independent hardware problems (a resource the device lacks, a layer no
/// projection drives, a delay line too long to lay out) gets all of them, each naming where
/// and saying what to do instead.
#[test]
fn every_hardware_problem_is_reported_at_once() {
    let mut net = dense("a", 1100, 2, 1);
    net.layers[0].inputs[0].source_delay = vec![4096; 1100];
    let mut b = dense("b", 2, 2, 1).layers.remove(0);
    b.inputs.clear();
    net.layers.push(b);
    net.output_layer = 1;
    net.validate().expect("the contract allows all of it");
    let cfg = PlanConfig {
        weight_memory: WeightMemChoice::Spram,
        require_fit: false,
        ..PlanConfig::default()
    };
    let err = plan(&net, &cfg, &testing::big_device()).unwrap_err();
    let PlanError::Hardware(problems) = &err else {
        panic!("{err:?}");
    };
    assert_eq!(problems.len(), 3, "{err}");
    assert_eq!(
        err.to_string(),
        format!(
            "the network exceeds 3 hardware limit(s):\n  \
             weight store: weights in SPRAM were asked for, but {} has no SPRAM (only the iCE40 \
             UP5K has it); use block RAM\n  \
             projection `fc1` of layer `a`: a delay of 4096 steps over 1100 source neurons needs \
             a delay line of 4097 x 1100 events, more than the 4194304 the planner lays out; \
             shorten the NIR Delay or simulate with --engine fixed\n  \
             layer `b`: has no weighted input, and a core needs at least one projection to drive \
             its neurons; connect the layer to a source (an input or another layer) or remove it",
            testing::big_device().name
        )
    );
    // each problem alone is still reported (none hides behind another)
    let alone = plan(&net, &PlanConfig::default(), &testing::big_device()).unwrap_err();
    assert!(
        matches!(&alone, PlanError::Hardware(p) if p.len() == 2),
        "{alone}"
    );
}

#[test]
fn random_nets_plan_and_widths_cover_state() {
    for seed in 0..200 {
        let net = testing::random_qnet(seed);
        let p = plan(
            &net,
            &PlanConfig {
                require_fit: false,
                ..PlanConfig::default()
            },
            &testing::big_device(),
        )
        .unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        for c in &p.cores {
            assert!(
                c.work_bits > c.state_bits && c.work_bits > c.acc_bits && c.work_bits <= 64,
                "seed {seed}"
            );
            assert_eq!(c.weights.len(), c.weight_depth() * c.lanes);
        }
    }
}

/// A convolution layer maps to a convolution core: kernel stored once (P channels per word),
/// the fewest lanes that need the fewest channel chunks,
/// accumulator width from the window fan-in; invalid uses are rejected naming layer and node.
#[test]
fn conv_layers_map_to_conv_cores_and_bad_ones_are_rejected() {
    for seed in 0..50 {
        let net = testing::random_conv_qnet(seed);
        let cfg = PlanConfig {
            lanes: Some(3),
            require_fit: false,
            ..PlanConfig::default()
        };
        let p = plan(&net, &cfg, &testing::big_device()).expect("plan");
        let c = &p.cores[0];
        let g = net.layers[0].inputs[0].conv.as_ref().expect("conv");
        assert_eq!(c.conv.as_ref(), Some(g));
        // the kernel is stored once: lane k of word (group, chunk, tap) is the weight of the
        // channel the sweep finds in lane k (conv_slot_neuron), 0 in a padding lane
        let (cig, cog, kk) = (
            g.in_per_group(),
            g.out_per_group(),
            g.kernel[0] * g.kernel[1],
        );
        let hwo = g.output[1] * g.output[2];
        let chunks = cog.div_ceil(c.lanes);
        assert!(
            c.lanes <= 3 && chunks == cog.div_ceil(3),
            "seed {seed}: lanes {}",
            c.lanes
        );
        assert_eq!(c.weight_depth(), g.groups * chunks * cig * kk);
        let kernel = &net.layers[0].inputs[0].weight;
        for (w, word) in c.weights.chunks(c.lanes).enumerate() {
            let (gc, t) = (w / (cig * kk), w % (cig * kk));
            for (k, &v) in word.iter().enumerate() {
                let slot = gc * hwo * c.lanes + k;
                let want = conv_slot_neuron(g, c.lanes, slot)
                    .map_or(0, |n| kernel[(n / hwo * cig) * kk + t]);
                assert_eq!(v, want, "seed {seed}: word {w} lane {k}");
            }
        }
        assert_eq!(
            c.weights.iter().map(|&w| i64::from(w)).sum::<i64>(),
            kernel.iter().map(|&w| i64::from(w)).sum::<i64>()
        );
        let wmax = 1i64 << (net.layers[0].weight_bits - 1);
        assert!((g.fan_in() as i64 * wmax) <= 1i64 << (c.acc_bits - 1));
        // idle step: the conv core sweeps every block even without events
        assert!(p.idle_step_cycles() >= (3 * c.blocks) as u64);
    }
    // a conv layer with a second (recurrent) projection
    let mut net = testing::random_conv_qnet(3);
    let size = net.layers[0].size;
    net.layers[0].inputs.push(QProjection {
        source_delay: Vec::new(),
        source: QSource::Layer(0),
        source_size: size,
        weight: vec![0; size * size],
        conv: None,
        pool: None,
        delayed: true,
        origin: "rec0".into(),
    });
    let err = plan(&net, &PlanConfig::default(), &testing::big_device()).unwrap_err();
    let msg = err.to_string();
    assert_eq!(
        msg,
        "the network exceeds 1 hardware limit(s):\n  \
         convolution `conv0` of layer `layer0`: shares its layer with 1 other projection(s), but \
         a convolution core takes exactly one projection; remove the recurrent or skip inputs of \
         the convolution layer, or simulate with --engine fixed"
    );
    // an unusable geometry
    let mut net = testing::random_conv_qnet(4);
    if let Some(g) = net.layers[0].inputs[0].conv.as_mut() {
        g.stride = [0, 1];
    }
    let msg = plan(&net, &PlanConfig::default(), &testing::big_device())
        .unwrap_err()
        .to_string();
    assert_eq!(
        msg,
        "the integer network breaks 1 rule(s) of the contract; re-run `spikeloom quantize` or \
         fix the model:\n  \
         layer 0 `layer0`: convolution projection `conv0`: stride [0, 1] has a zero entry"
    );
}

#[test]
fn format3_features_and_delays_map_by_name() {
    let cfg = PlanConfig {
        require_fit: false,
        ..PlanConfig::default()
    };
    // graded input: the input buffer stores 5-bit values, the first core multiplies, and the
    // accumulator holds fan_in * 31 * |w| (8 inputs x 31 x 3 = 744 -> 11 bits)
    let mut net = dense("g", 8, 4, 3);
    net.input_bits = 5;
    let p = plan(&net, &cfg, &up5k()).expect("graded input plans");
    assert_eq!(p.buffers[0].value_bits, 5);
    assert_eq!(p.cores[0].value_bits, 5);
    assert_eq!(p.top_interface().in_value_w, 5);
    assert!(
        p.cores[0].acc_bits >= 11,
        "acc_bits {}",
        p.cores[0].acc_bits
    );
    // binary input: nothing extra
    let b = plan(&dense("b", 8, 4, 3), &cfg, &up5k()).expect("plan");
    assert_eq!(
        (b.cores[0].value_bits, b.top_interface().in_value_w),
        (1, 1)
    );
    assert_eq!(b.top_interface().spike_w, 1);

    // spike counts on the output layer: out_value and trace spike widths follow spike_bits
    let mut c = dense("c", 8, 4, 3);
    c.layers[0].fire = spikeloom_qnet::QFire::Count {
        spike_bits: 3,
        floor_at_minus_threshold: true,
    };
    if let QNeuron::Lif { reset_delay, .. } = &mut c.layers[0].neuron {
        *reset_delay = false;
    }
    let p = plan(&c, &cfg, &up5k()).expect("count layer plans");
    assert_eq!(p.cores[0].count_bits(), 3);
    let i = p.top_interface();
    assert_eq!((i.out_value_w, i.spike_w), (3, 3));
    // a count with the reset delay is not something the core computes
    if let QNeuron::Lif { reset_delay, .. } = &mut c.layers[0].neuron {
        *reset_delay = true;
    }
    let err = plan(&c, &cfg, &up5k()).unwrap_err().to_string();
    assert!(
        err.contains("layer 0 `c`: QFire::Count needs reset Subtract with reset_delay false"),
        "{err}"
    );

    // CubaLi read-out
    let mut li = dense("ro", 8, 4, 3);
    li.layers[0].neuron = QNeuron::CubaLi {
        alpha: vec![128; 4],
        beta: vec![200; 4],
        current_bits: 12,
    };
    let p = plan(&li, &cfg, &up5k()).expect("CubaLi plans");
    assert_eq!(p.cores[0].kind, spikeloom_plan::NeuronKind::CubaLi);
    assert_eq!(p.cores[0].current_bits, 12);

    // NIR Delay: a delay line of 1 + max delay slots that the projection reads
    let mut d = dense("d", 8, 4, 3);
    d.layers[0].inputs[0].source_delay = vec![0, 1, 2, 0, 0, 0, 0, 0];
    let p = plan(&d, &cfg, &up5k()).expect("Delay plans");
    let line = p.cores[0].projections[0].buffer;
    let dl = p.buffers[line].delay.as_ref().expect("a delay line");
    assert_eq!((dl.slots, dl.uniform()), (3, None));
    assert_eq!(dl.delays, [0, 1, 2, 0, 0, 0, 0, 0]);
    assert_eq!(p.buffers[line].depth, 8);
    // all-zero delays need no line
    d.layers[0].inputs[0].source_delay = vec![0; 8];
    let p = plan(&d, &cfg, &up5k()).expect("zero delays plan");
    assert!(p.buffers.iter().all(|b| b.delay.is_none()));
    // a delay too long for the device: the fit check names the projection
    d.layers[0].inputs[0].source_delay = vec![4000; 8];
    let fit = PlanConfig {
        require_fit: true,
        ..cfg.clone()
    };
    let err = plan(&d, &fit, &up5k()).unwrap_err();
    assert!(matches!(err, PlanError::DoesNotFit { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains(&format!(
            "delay line of projection `{}`",
            d.layers[0].inputs[0].origin
        )),
        "{text}"
    );
    // a wrong number of delays is an invalid net, naming the projection
    d.layers[0].inputs[0].source_delay = vec![1; 3];
    let err = plan(&d, &cfg, &up5k()).unwrap_err().to_string();
    assert!(
        err.contains(
            "layer 0 `d`: projection `fc1`: source_delay has 3 entries; it must be empty or have \
             one per source neuron (8)"
        ),
        "{err}"
    );
}

/// Bit `b` of store word `w`, read back from the granule image.
/// Bit `b` of word `w` in an image whose words start every `stride` bits.
fn image_bit(image: &[u16], stride: usize, w: usize, b: usize) -> bool {
    let bit = w * stride + b;
    image[bit / 16] >> (bit % 16) & 1 == 1
}

#[test]
fn weight_image_packs_every_row_lane_by_lane() {
    // random networks of every shape the generator makes (1..=16-bit weights, 1..8 lanes, and
    // one lane), in block RAM and in SPRAM: each dense weight must come back from its bits,
    // sign included, and every bit beyond a core's row must be 0. An SPRAM store of rows of at
    // most 8 bits holds two words per 16-bit granule, else a word is whole granules.
    // Conv/pool stacks with SPRAM weights keep their kernels in the store (after the dense
    // rows), which must come back the same way.
    let (mut packed, mut kernels) = (0, 0);
    for seed in 0..40 {
        for (net, mem, lanes) in [
            (testing::random_qnet(seed), WeightMemChoice::Bram, None),
            (testing::random_qnet(seed), WeightMemChoice::Spram, None),
            (testing::random_qnet(seed), WeightMemChoice::Spram, Some(1)),
            (
                testing::random_pool_qnet(seed),
                WeightMemChoice::Spram,
                None,
            ),
            (
                testing::random_pool_qnet(seed),
                WeightMemChoice::Spram,
                Some(1),
            ),
        ] {
            let cfg = PlanConfig {
                require_fit: false,
                weight_memory: mem,
                kernel_memory: KernelMemChoice::Store,
                lanes,
                ..PlanConfig::default()
            };
            let p = plan(&net, &cfg, &up5k()).expect("plans");
            let ws = &p.weight_store;
            let in_store = |c: &&spikeloom_plan::CorePlan| c.conv.is_none() || ws.kernels;
            kernels += usize::from(ws.kernels);
            assert_eq!(
                ws.kernels,
                ws.is_loaded() && p.cores.iter().any(|c| c.conv.is_some()),
                "seed {seed}: kernels in the store ({} SPRAMs)",
                p.resources.sprams
            );
            let rows = p
                .cores
                .iter()
                .filter(in_store)
                .map(|c| c.lanes * c.weight_bits as usize)
                .max()
                .unwrap_or(0);
            let two = ws.is_loaded() && rows <= 8;
            assert_eq!(ws.packed(), two, "seed {seed}: {mem:?} rows of {rows} bits");
            packed += usize::from(two);
            // SPRAM columns come in powers of two
            let stride = match (two, ws.is_loaded()) {
                (true, _) => 8,
                (false, true) => 16 * rows.div_ceil(16).next_power_of_two(),
                (false, false) => 16 * rows.div_ceil(16),
            };
            let image = p.weight_image();
            assert_eq!(image.len(), (ws.depth * stride).div_ceil(16));
            let mut owned = vec![false; ws.depth];
            for c in p.cores.iter().filter(in_store) {
                let wb = c.weight_bits as usize;
                for (r, row) in c.weights.chunks(c.lanes).enumerate() {
                    let w = c.weight_base + r;
                    assert!(!owned[w], "seed {seed}: word {w} has two owners");
                    owned[w] = true;
                    for (k, &x) in row.iter().enumerate() {
                        let mut v: i64 = 0;
                        for b in 0..wb {
                            if image_bit(&image, stride, w, k * wb + b) {
                                v |= 1 << b;
                            }
                        }
                        if v >> (wb - 1) & 1 == 1 {
                            v -= 1 << wb; // sign
                        }
                        assert_eq!(
                            v,
                            i64::from(x),
                            "seed {seed} core `{}` row {r} lane {k}",
                            c.name
                        );
                    }
                    for b in c.lanes * wb..stride {
                        assert!(
                            !image_bit(&image, stride, w, b),
                            "seed {seed}: padding bit set"
                        );
                    }
                }
            }
            assert!(
                owned.iter().all(|&o| o),
                "seed {seed}: every word belongs to a core"
            );
        }
    }
    assert!(
        packed >= 10 && kernels >= 20,
        "{packed} packed stores, {kernels} with the kernels"
    );
}

/// The fit check keeps estimated logic below the routable share of the device
/// (`Family::routable_logic_percent`): a plan estimated at 95% of the logic cells is refused
/// when its lanes are forced, and the automatic choice takes fewer lanes instead.
#[test]
fn logic_above_the_routable_share_does_not_fit_and_the_lane_choice_backs_off() {
    let net = testing::digits_mlp();
    let roomy = Device {
        luts: 1_000_000,
        ffs: 1_000_000,
        bram_count: 1000,
        dsp_count: 1000,
        ..up5k()
    };
    // (the rate encoder kept: its automatic removal, the last resort, is checked below)
    let four = PlanConfig {
        lanes: Some(4),
        rate_encoder: Some(true),
        ..PlanConfig::default()
    };
    let cells = plan(&net, &four, &roomy).unwrap().resources.logic_cells;
    let pct = Family::Ice40.routable_logic_percent();
    assert_eq!(pct, 90);
    // The device's cells such that the 4-lane estimate is 95% (above the share) or 85% of them.
    let sized = |share: u32| Device {
        luts: cells * 100 / share,
        ..roomy.clone()
    };
    let err = plan(&net, &four, &sized(95)).unwrap_err().to_string();
    assert!(
        err.contains(&format!(
            "logic: need ~{cells} logic cells of {} (",
            cells * 100 / 95
        )) && err.contains("), above the 90% that routes reliably; use fewer lanes (now up to 4)"),
        "{err}"
    );
    assert!(plan(&net, &four, &sized(85)).unwrap().fit.fits);
    // at 95% the automatic choice keeps the forced lanes and drops the host bridge's rate
    // encoder instead (the last resort), which brings the plan under the share
    let bare = PlanConfig {
        rate_encoder: None,
        ..four.clone()
    };
    let p = plan(&net, &bare, &sized(95)).expect("fits without the rate encoder");
    assert!(!p.bridge_pixels && p.resources.logic_cells < cells);
    assert!(plan(&net, &four, &sized(85)).unwrap().bridge_pixels);
    // The engine's logic grows slowly with the lanes, and the board top (~2,100 cells on the
    // UP5K) not at all: a device whose routable share lies between the 2- and the 4-lane
    // estimate makes the automatic choice halve the lanes once.
    let two = PlanConfig {
        lanes: Some(2),
        rate_encoder: Some(true),
        ..PlanConfig::default()
    };
    let cells2 = plan(&net, &two, &roomy).unwrap().resources.logic_cells;
    assert!(
        cells2 < cells,
        "2 lanes {cells2} vs 4 lanes {cells} logic cells"
    );
    let between = Device {
        luts: (cells + cells2) / 2 * 100 / pct,
        ..roomy.clone()
    };
    assert!(cells > between.routable_logic_cells() && plan(&net, &four, &between).is_err());
    let auto = plan(
        &net,
        &PlanConfig {
            max_lanes: 4,
            ..PlanConfig::default()
        },
        &between,
    )
    .unwrap();
    let lanes = auto.engine.as_ref().map_or(0, |e| e.lanes);
    assert_eq!(lanes, 2, "the automatic choice backs off from 4 to 2 lanes");
    assert!(
        auto.bridge_pixels,
        "fewer lanes come before dropping the rate encoder"
    );
    assert!(auto.resources.logic_cells <= between.routable_logic_cells());
}

#[test]
fn the_engine_reads_event_pairs_on_ecp5_only() {
    let net = testing::mlp_qnet(784, 128, 10, 7);
    let ulx3s = spikeloom_board::Board::builtin("ulx3s-25f")
        .expect("board")
        .device;
    let cfg = PlanConfig {
        lanes: Some(8),
        ..PlanConfig::default()
    };
    let p = plan(&net, &cfg, &ulx3s).expect("fits the ULX3S-25F");
    let paired: Vec<bool> = p.buffers.iter().map(|b| b.paired).collect();
    // input and hidden spikes are read by the engine only; the output layer's buffer is read
    // event by event by the controller
    assert_eq!(paired, [true, true, false], "{p:?}");
    assert!(p.fit.fits);
    // a pair per read: 40 input events take 20 reads instead of 40 per block of the first
    // layer (and its blocks are long enough for every hand-off to overlap the next block's
    // reads, so a block's time is its reads plus one bubble, paired or not)
    let activity = |input_events| spikeloom_plan::StepActivity {
        input_events,
        prev_input_events: 0,
        block_spikes: p.cores.iter().map(|c| vec![0; c.blocks]).collect(),
        prev_spikes: vec![0; p.cores.len()],
        line_events: Vec::new(),
    };
    let unpaired = plan(
        &net,
        &PlanConfig {
            pair_events: false,
            ..cfg.clone()
        },
        &ulx3s,
    )
    .expect("fits");
    assert!(unpaired.buffers.iter().all(|b| !b.paired));
    let blocks = p.cores[0].blocks as u64;
    assert_eq!(
        unpaired.step_cycles(&activity(40)) - p.step_cycles(&activity(40)),
        20 * blocks,
        "twenty reads saved per block of the first layer"
    );
    // iCE40: block RAM has one read port, SPRAM one port
    let q = plan(&net, &cfg, &up5k()).expect("fits the UP5K");
    assert!(q.buffers.iter().all(|b| !b.paired), "{q:?}");
}

/// Spike counts: layers whose counts fit one digit group of the division (at most
/// `MIXED_COUNT_MAX_BITS` = 3 bits) share a unit whatever their widths, with the same floor
/// rule; the unit divides at the widest and caps each layer at its own `2^bits - 1`. A wider
/// count shares only with its own width, and binary spikes never with counts.
#[test]
fn spike_counts_of_different_widths_share_a_unit_up_to_three_bits() {
    use spikeloom_qnet::QFire;
    let cfg = PlanConfig {
        require_fit: false,
        ..PlanConfig::default()
    };
    let count = |bits: u32, floor: bool| QFire::Count {
        spike_bits: bits,
        floor_at_minus_threshold: floor,
    };
    // (fires of the two layers, one unit?)
    let cases = [
        ([count(3, true), count(2, true)], true),
        ([count(1, false), count(3, false)], true),
        ([count(2, true), count(2, true)], true),
        ([count(4, true), count(4, true)], true),
        ([count(4, true), count(2, true)], false),
        ([count(3, true), count(2, false)], false),
        ([count(2, false), QFire::Single], false),
    ];
    for (k, (fires, shared)) in cases.into_iter().enumerate() {
        let mut net = testing::uniform_counts(testing::random_shared_qnet(7), 7);
        net.layers.truncate(2);
        net.output_layer = 1;
        for (l, f) in net.layers.iter_mut().zip(fires) {
            l.fire = f;
            if f.is_single() {
                if let spikeloom_qnet::QNeuron::Lif { reset_delay, .. } = &mut l.neuron {
                    *reset_delay = true;
                }
            }
        }
        let p = plan(&net, &cfg, &testing::big_device()).unwrap_or_else(|e| panic!("{k}: {e}"));
        let e = p.engine.as_ref().expect("engine");
        assert_eq!(e.units.len() == 1, shared, "case {k}: {fires:?}");
        if shared {
            let u = &e.units[0];
            let widest = fires.iter().map(|f| f.event_bits()).max().unwrap_or(1);
            assert_eq!(u.spike_bits(&p.cores), widest, "case {k}");
            for (j, f) in fires.iter().enumerate() {
                assert_eq!(
                    u.count_max(&p.cores, j),
                    (1 << f.event_bits()) - 1,
                    "case {k}"
                );
            }
        }
    }
}

/// Dense layers of one neuron configuration share one unit: their states one after another,
/// a datapath wide enough for each; `share_units: false` gives each its own. Layers that differ
/// in structure (random_qnet's independent widths) keep separate units.
#[test]
fn compatible_dense_layers_share_one_neuron_unit() {
    let cfg = PlanConfig {
        require_fit: false,
        ..PlanConfig::default()
    };
    let mut shared_ws = 0;
    for seed in 0..100 {
        let net = testing::random_shared_qnet(seed);
        let p = plan(&net, &cfg, &testing::big_device()).unwrap_or_else(|e| panic!("{seed}: {e}"));
        let e = p.engine.as_ref().expect("dense layers run on the engine");
        assert_eq!(e.units.len(), 1, "seed {seed}: one unit for all layers");
        let u = &e.units[0];
        assert_eq!(u.layers, e.layers, "seed {seed}");
        let mut off = 0;
        for (j, &l) in u.layers.iter().enumerate() {
            let c = &p.cores[l];
            assert_eq!(
                u.offsets[j], off,
                "seed {seed}: layer {j} starts after the previous"
            );
            off += c.size;
            assert!(u.acc_bits >= c.acc_bits + c.weight_shift, "seed {seed}");
            assert!(u.work_bits >= c.work_bits && u.param_bits >= c.param_bits);
            assert_eq!(e.unit_of(l), Some((0, j)));
        }
        assert_eq!(u.depth, off);
        assert!(u.work_bits > u.acc_bits && u.work_bits > p.cores[u.layers[0]].state_bits);
        assert!(
            p.clear_cycles >= u.depth,
            "seed {seed}: the clear covers the shared state"
        );
        assert!(1usize << p.clear_bits() > p.clear_cycles - 1);
        let shifts: Vec<u32> = u.layers.iter().map(|&l| p.cores[l].weight_shift).collect();
        shared_ws += usize::from(shifts.windows(2).any(|w| w[0] != w[1]));
        let alone = plan(
            &net,
            &PlanConfig {
                share_units: false,
                ..cfg.clone()
            },
            &testing::big_device(),
        )
        .unwrap();
        let ea = alone.engine.as_ref().unwrap();
        assert_eq!(ea.units.len(), ea.layers.len(), "seed {seed}");
    }
    assert!(
        shared_ws > 20,
        "the generator mixes weight shifts in a unit: {shared_ws}"
    );
    // the bundled digits MLP: both layers in one unit
    let p = plan(&testing::digits_mlp(), &cfg, &testing::big_device()).unwrap();
    assert_eq!(p.engine.as_ref().unwrap().units.len(), 1);
    // independent random layers mostly differ in state width: separate units
    let separate = (0..50)
        .filter(|&s| {
            let p = plan(&testing::random_qnet(s), &cfg, &testing::big_device()).unwrap();
            let e = p.engine.as_ref().unwrap();
            e.layers.len() > 1 && e.units.len() == e.layers.len()
        })
        .count();
    assert!(separate > 5, "{separate}");
}

/// `Plan::max_step_cycles` of a small dense layer, computed by hand from the formula in the
/// module doc of `cycles.rs`: 5 inputs -> 4 neurons on an engine of 2 lanes (2 blocks), on an
/// iCE40 (no paired event reads), the layer being the output layer.
#[test]
fn max_step_cycles_of_a_small_dense_layer_by_hand() {
    let net = dense("lif1", 5, 4, 1);
    let cfg = PlanConfig {
        lanes: Some(2),
        ..PlanConfig::default()
    };
    let p = plan(&net, &cfg, &up5k()).expect("fits");
    let c = &p.cores[0];
    assert_eq!((c.size, c.lanes, c.blocks), (4, 2, 2), "{p}");
    assert!(c.conv.is_none() && p.buffers.iter().all(|b| !b.paired && b.delay.is_none()));
    assert_eq!(spikeloom_plan::ACC_LATENCY, 4);
    assert_eq!(spikeloom_plan::UNIT_LATENCY, 7);
    // A = Σ_proj (reads + 1): all 5 inputs active, one read each, one bubble = 6 per block.
    // dense_handoff(6, 2 blocks, 2 lanes):
    //   block 0: decision cycle d0 = A - 1 = 5, hand-off h0 = d0 + ACC_LATENCY + 1 = 10;
    //   block 1 starts early (the unit is idle) at d0 + 1 = 6, decision d1 = 6 + 6 - 1 = 11,
    //   hand-off h1 = max(d1 + ACC_LATENCY + 1, h0 + lanes) = max(16, 12) = 16;
    //   no smaller A gives a later one (A = 1: d0 = 0, h0 = 5, d1 = 1, h1 = max(6, 7) = 7).
    // layer = 1 (START) + h1 + 1 + n_last (2) + UNIT_LATENCY (7) + 2 = 1 + 16 + 1 + 2 + 7 + 2 = 29
    // step = 1 (BEGIN) + 5 input events + 1 (eos beat) + 29 + 2 * 4 output spikes + 1 + 1 = 46
    assert_eq!(p.max_step_cycles(), 46);
    assert_eq!(p.top_interface().max_step_cycles, 46);
    // the idle step is shorter: no reads (A = 1), no outputs
    assert!(p.idle_step_cycles() < 46);
}

/// A step with fewer events can take longer (the formula is not monotone: with more
/// accumulation cycles per block the next block starts early), so `Plan::max_step_cycles` takes
/// each dense layer's latest hand-off over every event count. By hand: 5 inputs -> 3 neurons on
/// one lane (3 blocks of 1), ACC_LATENCY = 4, UNIT_LATENCY = 7, layer = 1 + h + 1 + 1 + 7 + 2.
#[test]
fn max_step_cycles_covers_a_busier_step_that_is_faster() {
    let net = dense("lif1", 5, 3, 1);
    let cfg = PlanConfig {
        lanes: Some(1),
        ..PlanConfig::default()
    };
    let p = plan(&net, &cfg, &up5k()).expect("fits");
    let c = &p.cores[0];
    assert_eq!((c.size, c.lanes, c.blocks), (3, 1, 3), "{p}");
    assert!(p.buffers.iter().all(|b| !b.paired && b.delay.is_none()));
    let step = |inputs: usize| {
        p.step_cycles(&spikeloom_plan::StepActivity {
            input_events: inputs,
            prev_input_events: 0,
            block_spikes: vec![vec![1, 1, 1]],
            prev_spikes: vec![0],
            line_events: Vec::new(),
        })
    };
    // 5 input events, A = 6: d0 = 5, h0 = 10; block 1 starts early at 6, d1 = 11 >= h0 + 1
    // (the unit is free: early again), h1 = max(16, 11) = 16; block 2 starts at 12, d2 = 17,
    // h2 = max(22, 17) = 22. step = 1 + 5 + 1 + (1 + 22 + 1 + 1 + 7 + 2) + 2 * 3 + 2 = 49
    assert_eq!(step(5), 49);
    // 4 input events, A = 5: d0 = 4, h0 = 9; block 1 starts early at 5, d1 = 9 < h0 + 1 (the
    // unit is busy: block 2 waits for the hand-off), h1 = max(14, 10) = 14; block 2 starts at
    // 15, d2 = 19, h2 = max(24, 15) = 24. step = 1 + 4 + 1 + (1 + 24 + 1 + 1 + 7 + 2) + 6 + 2 = 50
    assert_eq!(step(4), 50);
    // the bound: every count at its largest (5 input events, 3 spikes) but the hand-off of
    // A = 5: 1 + 5 + 1 + 36 + 6 + 2 = 51
    assert_eq!(p.max_step_cycles(), 51);
}
