//! `wa`: a command-line tool for debugging WhatsApp webhook integrations through Twilio,
//! Botmaker and Meta's Cloud API.
//!
//! ```text
//! wa twilio sign   --token T --url URL [--algorithm sha1|sha256] [--content-type CT] < BODY
//! wa twilio verify --token T --url URL --signature SIG [--algorithm sha1|sha256] [--content-type CT] < BODY
//! wa botmaker verify --token T [--token T2]... --header VALUE
//! wa meta sign   --app-secret S < BODY
//! wa meta verify --app-secret S [--app-secret S2]... --signature 'sha256=…' < BODY
//! wa parse twilio|botmaker|meta [--content-type CT] < BODY
//! wa send twilio|botmaker|meta --to NUMBER (--text T | --media URL [--caption C] | --template NAME [--var K=V]...) [--base-url URL]
//! wa typing twilio|botmaker|meta --message-id ID --to NUMBER [--base-url URL]
//! wa react botmaker|meta --message-id ID (--emoji E | --remove) [--to NUMBER] [--base-url URL]
//! wa templates botmaker list [--state approved|rejected] [--queue Q]... [--base-url URL]
//! wa templates botmaker get|delete NAME [--base-url URL]
//! wa templates botmaker create --name N --body TEXT [--category C] [--locale L] [--footer T] [--quick-reply LABEL[=INTENT]]... [--base-url URL]
//! wa simulate twilio|botmaker --target URL --token T --from N --to N --text T [--account-sid AC…]
//! wa simulate meta --target URL --app-secret S --from N --to N --text T [--phone-number-id ID]
//! wa templates twilio list|create|submit|status [--base-url URL]   # prints JSON
//! wa mammut check < CONFIG_JSON
//! wa mammut update --id N [--style plain|json] < CONFIG_JSON
//! wa mammut connect [--apply] [--webhook-url URL] [--mammut-base-url URL] [--twilio-base-url URL] [--twilio-messaging-base-url URL] < CONFIG_JSON
//! ```
//!
//! Exit status: 0 on success or a valid signature, 1 on an invalid signature (or, for
//! `simulate`, a server that refused the webhook; for `mammut connect`, a step that failed),
//! 2 on bad input or usage. Every failure is
//! one line on standard error: `wa: <what>: <why>`.
//!
//! Install it with `cargo install whatsapp-connector --features cli`.

mod actions;
mod botmaker;
mod common;
mod mammut;
mod meta;
mod meta_send;
mod simulate;
mod templates_botmaker;
mod templates_twilio;
mod twilio;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

use common::Failure;

/// Debug WhatsApp webhook integrations: sign, verify and parse webhooks, send messages,
/// typing indicators and reactions, and send signed test webhooks to a running server.
///
/// Exit status: 0 on success or a valid signature; 1 on an invalid signature, when
/// `simulate`'s target refuses the webhook, or when a step of `mammut connect` fails; 2 on
/// bad input or usage. Failures are one line
/// on standard error: `wa: <what>: <why>`. Tokens are never printed, save in the Mammut
/// requests `wa mammut` prints, which carry the bot's auth token by design.
#[derive(Debug, Parser)]
#[command(name = "wa", version, propagate_version = true, max_term_width = 100)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Sign or verify a Twilio webhook (X-Twilio-Signature).
    #[command(subcommand)]
    Twilio(twilio::Command),
    /// Verify a Botmaker webhook (auth-bm-token).
    #[command(subcommand)]
    Botmaker(botmaker::Command),
    /// Sign or verify a Meta webhook (X-Hub-Signature-256).
    #[command(subcommand)]
    Meta(meta::Command),
    /// Parse a webhook body into events, printed as a JSON array.
    #[command(subcommand)]
    Parse(ParseCommand),
    /// Send one message and print the receipt as JSON.
    #[command(subcommand)]
    Send(SendCommand),
    /// Show "typing…" to a user in reply to their message (and mark it read).
    #[command(subcommand)]
    Typing(TypingCommand),
    /// React to a message with an emoji, or remove the reaction.
    #[command(subcommand)]
    React(ReactCommand),
    /// List, show, create, submit and delete WhatsApp templates; lists print JSON.
    #[command(subcommand)]
    Templates(TemplatesCommand),
    /// Send a correctly signed webhook to a running server, as the provider would.
    #[command(subcommand)]
    Simulate(SimulateCommand),
    /// Check a Mammut bot config, print what Mammut is sent, or connect the bot end to end.
    #[command(subcommand)]
    Mammut(mammut::Command),
}

#[derive(Debug, Subcommand)]
enum ParseCommand {
    /// Parse a Twilio webhook body (form-encoded, or JSON).
    Twilio(twilio::ParseArgs),
    /// Parse a Botmaker webhook body (JSON).
    Botmaker(botmaker::ParseArgs),
    /// Parse a Meta (WhatsApp Cloud API) webhook body (JSON).
    Meta(meta::ParseArgs),
}

#[derive(Debug, Subcommand)]
enum SendCommand {
    /// Send through Twilio's Messages API.
    Twilio(twilio::SendArgs),
    /// Send through Botmaker's API.
    Botmaker(botmaker::SendArgs),
    /// Send through Meta's WhatsApp Cloud API.
    Meta(meta_send::SendArgs),
}

#[derive(Debug, Subcommand)]
enum TypingCommand {
    /// Twilio's WhatsApp typing indicator (a public beta at Twilio): it also marks the
    /// message read, and shows until the reply or for 25 seconds.
    Twilio(actions::TwilioTypingArgs),
    /// Botmaker's typing feedback for the user's chat on the channel.
    Botmaker(actions::BotmakerTypingArgs),
    /// Meta's typing indicator: it also marks the message read, and shows until the reply
    /// or for 25 seconds.
    Meta(meta_send::TypingArgs),
}

#[derive(Debug, Subcommand)]
enum ReactCommand {
    /// React through Botmaker's API (Twilio's Messages API sends no reactions).
    Botmaker(actions::BotmakerReactArgs),
    /// React through Meta's Cloud API (a reaction message in the chat with --to).
    Meta(meta_send::ReactArgs),
}

#[derive(Debug, Subcommand)]
enum TemplatesCommand {
    /// Twilio's Content templates: list, create, submit for WhatsApp approval, status.
    #[command(subcommand)]
    Twilio(templates_twilio::TwilioCommand),
    /// Botmaker's WhatsApp templates (API v2, `/whatsapp/templates`).
    #[command(subcommand)]
    Botmaker(templates_botmaker::Command),
}

#[derive(Debug, Subcommand)]
enum SimulateCommand {
    /// POST a signed Twilio inbound-message webhook.
    Twilio(simulate::TwilioArgs),
    /// POST a Botmaker inbound-message webhook with its auth-bm-token.
    Botmaker(simulate::BotmakerArgs),
    /// POST a Meta inbound-message webhook signed with the app secret.
    Meta(simulate::MetaArgs),
}

/// Runs `wa` with the process's arguments and returns its exit status.
pub fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().collect();
    let command = prepared(Cli::command());
    let parsed = command
        .clone()
        .try_get_matches_from(&args)
        .and_then(|matches| Cli::from_arg_matches(&matches));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(e) => {
            let path = common::command_path(&command, args.get(1..).unwrap_or_default());
            return clap_exit(&e, &path);
        }
    };
    match run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            common::note(&failure.to_string());
            ExitCode::from(failure.exit_code())
        }
    }
}

fn run(command: Command) -> Result<(), Failure> {
    match command {
        Command::Twilio(c) => twilio::run(c),
        Command::Botmaker(c) => botmaker::run(c),
        Command::Meta(c) => meta::run(c),
        Command::Parse(ParseCommand::Twilio(a)) => twilio::parse(a),
        Command::Parse(ParseCommand::Botmaker(a)) => botmaker::parse(a),
        Command::Parse(ParseCommand::Meta(a)) => meta::parse(a),
        Command::Send(SendCommand::Twilio(a)) => common::block_on(twilio::send(a)),
        Command::Send(SendCommand::Botmaker(a)) => common::block_on(botmaker::send(a)),
        Command::Typing(TypingCommand::Twilio(a)) => common::block_on(actions::twilio_typing(a)),
        Command::Typing(TypingCommand::Botmaker(a)) => {
            common::block_on(actions::botmaker_typing(a))
        }
        Command::React(ReactCommand::Botmaker(a)) => common::block_on(actions::botmaker_react(a)),
        Command::Templates(TemplatesCommand::Botmaker(c)) => {
            common::block_on(templates_botmaker::run(c))
        }
        Command::Send(SendCommand::Meta(a)) => common::block_on(meta_send::send(a)),
        Command::Typing(TypingCommand::Meta(a)) => common::block_on(meta_send::typing(a)),
        Command::React(ReactCommand::Meta(a)) => common::block_on(meta_send::react(a)),
        Command::Simulate(SimulateCommand::Twilio(a)) => common::block_on(simulate::twilio(a)),
        Command::Simulate(SimulateCommand::Botmaker(a)) => common::block_on(simulate::botmaker(a)),
        Command::Simulate(SimulateCommand::Meta(a)) => common::block_on(simulate::meta(a)),
        Command::Mammut(c) => mammut::run(c),
        Command::Templates(TemplatesCommand::Twilio(c)) => {
            common::block_on(templates_twilio::twilio(c))
        }
    }
}

/// The command line as `wa` parses it: a command left without its sub-command is a usage
/// error of one line, like any other, rather than its whole help on standard error; and
/// `--version` says `wa <version>` at every level.
fn prepared(command: clap::Command) -> clap::Command {
    command
        .arg_required_else_help(false)
        .display_name("wa")
        .mut_subcommands(prepared)
}

/// Prints `--help` and `--version` in full (exit 0), and a usage error as one line (exit 2).
fn clap_exit(e: &clap::Error, command: &str) -> ExitCode {
    if !e.use_stderr() {
        // Help and version go to standard output. A closed pipe is not worth reporting.
        let _ = e.print();
        return ExitCode::SUCCESS;
    }
    common::note(&common::one_line_usage_error(e, command));
    ExitCode::from(2)
}
