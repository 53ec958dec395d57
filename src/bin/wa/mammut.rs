//! `wa mammut check` and `wa mammut update`.

use clap::{Args, Subcommand, ValueEnum};
use whatsapp_connector::mammut::{BotConfig, QueryValueStyle};

use super::common::{Failure, print_json, print_line, read_stdin, usage};

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check the bot config on standard input and print the canonical body that creates it.
    ///
    /// Exit 2 naming the first field that is wrong.
    Check,
    /// Print the path and query string that update bot N to the config on standard input.
    Update(UpdateArgs),
}

/// How values are written in the update query string.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum StyleArg {
    /// As they are: twilio-account-sid=AC… (what Mammut's own client sends).
    Plain,
    /// As JSON strings: twilio-account-sid=%22AC…%22.
    Json,
}

#[derive(Debug, Args)]
pub struct UpdateArgs {
    /// The bot's Mammut id.
    #[arg(long, value_name = "N", value_parser = whole_number)]
    id: u64,
    /// How values are written in the query string.
    #[arg(long, value_enum, default_value_t = StyleArg::Plain)]
    style: StyleArg,
}

fn whole_number(s: &str) -> Result<u64, String> {
    s.trim()
        .parse()
        .map_err(|_| "must be a whole number".to_owned())
}

pub fn run(command: Command) -> Result<(), Failure> {
    match command {
        Command::Check => {
            let config = read_config()?;
            print_json("the body", &config.to_create_body())
        }
        Command::Update(args) => {
            let style = match args.style {
                StyleArg::Plain => QueryValueStyle::Plain,
                StyleArg::Json => QueryValueStyle::JsonQuoted,
            };
            let config = read_config()?;
            let request = config.update_request(args.id, "", style);
            print_line(&request.path_and_query)
        }
    }
}

fn read_config() -> Result<BotConfig, Failure> {
    let input = read_stdin("the bot config (JSON)")?;
    BotConfig::from_json(&input).map_err(|e| usage("invalid config", e))
}
