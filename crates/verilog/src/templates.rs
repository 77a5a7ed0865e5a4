//! The hand-written modules of rtl-templates/, embedded so a bundle is self-contained.

/// (file name, text) of every template the generated top uses, in dependency order.
pub(crate) const TEMPLATES: &[(&str, &str)] = &[
    (
        "sl_ram.v",
        include_str!("../../../rtl-templates/mem/sl_ram.v"),
    ),
    (
        "sl_rom.v",
        include_str!("../../../rtl-templates/mem/sl_rom.v"),
    ),
    (
        "sl_wspram.v",
        include_str!("../../../rtl-templates/mem/sl_wspram.v"),
    ),
    (
        "sl_evbuf.v",
        include_str!("../../../rtl-templates/core/sl_evbuf.v"),
    ),
    (
        "sl_delay.v",
        include_str!("../../../rtl-templates/core/sl_delay.v"),
    ),
    (
        "sl_param.v",
        include_str!("../../../rtl-templates/core/sl_param.v"),
    ),
    (
        "sl_neuron.v",
        include_str!("../../../rtl-templates/core/sl_neuron.v"),
    ),
    (
        "sl_core.v",
        include_str!("../../../rtl-templates/core/sl_core.v"),
    ),
    (
        "sl_conv.v",
        include_str!("../../../rtl-templates/core/sl_conv.v"),
    ),
    (
        "sl_ctrl.v",
        include_str!("../../../rtl-templates/core/sl_ctrl.v"),
    ),
];
