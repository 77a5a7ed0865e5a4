//! Writes the report of the mlp_subtract fixture (8 samples, icebreaker) to the path given
//! (default `report.html`): a quick way to look at the page.
//! `cargo run -p spikeloom-report --example fixture_report -- /tmp/report.html`

#[path = "../tests/common/mod.rs"]
mod common;

fn main() -> std::io::Result<()> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "report.html".into());
    let run = common::run("mlp_subtract", 8);
    std::fs::write(&path, spikeloom_report::render(&common::report(&run)))?;
    println!("wrote {path}");
    Ok(())
}
