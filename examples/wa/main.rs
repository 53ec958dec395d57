//! `cargo run --example wa -- …`: the `wa` tool, run from the source tree.
//!
//! The same program as the `wa` binary (`cargo install whatsapp-connector --features cli`);
//! see `wa --help`.

#[path = "../../src/bin/wa/main.rs"]
mod wa;

fn main() -> std::process::ExitCode {
    wa::main()
}
