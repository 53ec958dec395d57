//! `wa`: a command-line tool for debugging WhatsApp webhook integrations.
//!
//! ```text
//! wa twilio sign   --token T --url URL [--algorithm sha1|sha256] [--content-type CT] < BODY
//! wa twilio verify --token T --url URL --signature SIG [--algorithm sha1|sha256] [--content-type CT] < BODY
//! wa botmaker verify --token T --header VALUE
//! wa parse twilio|botmaker [--content-type CT] < BODY
//! wa send twilio|botmaker --to NUMBER (--text T | --media URL [--caption C] | --template NAME [--var K=V]...) [--base-url URL]
//! wa simulate twilio|botmaker --target URL --token T --from N --to N --text T [--account-sid AC…]
//! wa mammut check < CONFIG_JSON
//! wa mammut update --id N [--style plain|json] < CONFIG_JSON
//! ```
//!
//! Exit status: 0 on success or a valid signature, 1 on an invalid signature (or, for
//! `simulate`, a server that refused the webhook), 2 on bad input or usage.

mod args;
mod botmaker;
mod mammut;
mod simulate;
mod twilio;

use std::process::ExitCode;

use args::{Failure, usage};

const USAGE: &str = "usage: wa twilio sign|verify … | wa botmaker verify … | wa parse twilio|botmaker | wa send twilio|botmaker … | wa simulate twilio|botmaker … | wa mammut check|update …";

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    match run(&argv) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Invalid(msg)) => {
            eprintln!("wa: {msg}");
            ExitCode::from(1)
        }
        Err(Failure::Usage(msg)) => {
            eprintln!("wa: {msg}");
            ExitCode::from(2)
        }
    }
}

fn run(argv: &[String]) -> Result<(), Failure> {
    let words: Vec<&str> = argv.iter().take(2).map(String::as_str).collect();
    let rest = argv.get(2..).unwrap_or(&[]);
    match words.as_slice() {
        ["mammut", cmd] => mammut::run(cmd, rest),
        ["twilio", cmd] => twilio::run(cmd, rest),
        ["botmaker", cmd] => botmaker::run(cmd, rest),
        ["parse", "twilio"] => twilio::parse(rest),
        ["parse", "botmaker"] => botmaker::parse(rest),
        ["send", "twilio"] => tokio_main(twilio::send(rest)),
        ["send", "botmaker"] => tokio_main(botmaker::send(rest)),
        ["simulate", provider] => tokio_main(simulate::run(provider, rest)),
        ["-h" | "--help" | "help", ..] => {
            println!("{USAGE}");
            Ok(())
        }
        [] => Err(usage(USAGE)),
        _ => Err(usage(format!(
            "unknown command {:?}; {USAGE}",
            words.join(" ")
        ))),
    }
}

fn tokio_main<F: std::future::Future<Output = Result<(), Failure>>>(f: F) -> Result<(), Failure> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| usage(format!("could not start the runtime: {e}")))?
        .block_on(f)
}
