//! `spikeloom`: trained SNN (NIR) -> verified Verilog -> FPGA bitstream (see the library,
//! `spikeloom_cli`).

fn main() {
    std::process::exit(spikeloom_cli::main_with(std::env::args_os()));
}
