//! `wa mammut check`, `wa mammut update` and `wa mammut connect`.

use clap::{Args, Subcommand, ValueEnum};
use whatsapp_connector::mammut::{
    BotConfig, ConnectFailure, ConnectOptions, MammutAuth, MammutClient, QueryValueStyle,
};

use super::common::{
    Failure, block_on, error_chain, header_value, http_url, invalid, non_empty, print_json,
    print_line, read_stdin, usage,
};

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check the bot config on standard input and print the canonical body that creates it.
    ///
    /// Exit 2 naming the first field that is wrong.
    Check,
    /// Print the path and query string that update bot N to the config on standard input.
    Update(UpdateArgs),
    /// Connect the bot on standard input to its WhatsApp number, step by step: (a) check the
    /// Twilio credentials, (b) check the number is a WhatsApp sender of the account, (c) create
    /// the bot on Mammut (update it when the config has a mammut-id), (d) point the sender's
    /// incoming webhook at Mammut.
    ///
    /// Without --apply it is a dry run: it runs (a) and (b), which only read, and says what
    /// (c) and (d) would do. Each step is printed with its outcome. Exit 0 when every step
    /// passed; 1 when one failed (saying which, and what was already changed); 2 on bad
    /// input or usage.
    Connect(ConnectArgs),
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

#[derive(Debug, Args)]
pub struct ConnectArgs {
    /// Make the changes (create or update the bot, point the webhook). Without it, nothing
    /// is changed.
    #[arg(long)]
    apply: bool,
    /// Where incoming messages should go: Mammut's WhatsApp channel URL, kept exactly as
    /// given.
    #[arg(long, value_name = "URL", value_parser = http_url,
          default_value = whatsapp_connector::mammut::DEFAULT_WEBHOOK_URL)]
    webhook_url: String,
    /// Mammut's API origin.
    #[arg(long, value_name = "URL", value_parser = http_url,
          default_value = whatsapp_connector::mammut::DEFAULT_BASE_URL)]
    mammut_base_url: String,
    /// Twilio's API origin (the account check).
    #[arg(long, value_name = "URL", value_parser = http_url)]
    twilio_base_url: Option<String>,
    /// Twilio's Messaging API origin (the senders); defaults to --twilio-base-url when that
    /// is given, else Twilio's own (messaging.twilio.com).
    #[arg(long, value_name = "URL", value_parser = http_url)]
    twilio_messaging_base_url: Option<String>,
    /// A bearer token for Mammut's API, if your deployment asks for one. Prefer the
    /// environment variable: command lines can be seen by other users of the machine.
    #[arg(long, value_name = "TOKEN", env = "MAMMUT_TOKEN", hide_env_values = true,
          value_parser = non_empty, conflicts_with = "mammut_header")]
    mammut_token: Option<String>,
    /// The name of a header your Mammut deployment authenticates with (its value from
    /// MAMMUT_AUTH_SECRET).
    #[arg(long, value_name = "NAME", env = "MAMMUT_AUTH_HEADER", value_parser = non_empty)]
    mammut_header: Option<String>,
    /// The value of --mammut-header. Prefer the environment variable.
    #[arg(long, value_name = "SECRET", env = "MAMMUT_AUTH_SECRET", hide_env_values = true,
          value_parser = header_value, requires = "mammut_header")]
    mammut_secret: Option<String>,
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
        Command::Connect(args) => block_on(connect(args)),
    }
}

fn mammut_auth(args: &ConnectArgs) -> Result<Option<MammutAuth>, Failure> {
    match (&args.mammut_token, &args.mammut_header, &args.mammut_secret) {
        (Some(token), _, _) => Ok(Some(MammutAuth::bearer(token.clone()))),
        (None, Some(name), Some(secret)) => MammutAuth::header(name, secret.clone())
            .map(Some)
            .map_err(|e| usage("--mammut-header", e)),
        (None, Some(_), None) => Err(usage(
            "no Mammut auth secret",
            "set the environment variable MAMMUT_AUTH_SECRET, or pass --mammut-secret",
        )),
        (None, None, _) => Ok(None),
    }
}

async fn connect(args: ConnectArgs) -> Result<(), Failure> {
    let config = read_config()?;
    let mut mammut = MammutClient::builder().base_url(args.mammut_base_url.clone());
    if let Some(auth) = mammut_auth(&args)? {
        mammut = mammut.auth(auth);
    }
    let mammut = mammut.build().map_err(|e| usage("Mammut client", e))?;
    let mut options = ConnectOptions::new(mammut)
        .apply(args.apply)
        .webhook_url(args.webhook_url);
    if let Some(u) = args.twilio_base_url {
        options = options.twilio_base_url(u);
    }
    if let Some(u) = args.twilio_messaging_base_url {
        options = options.twilio_messaging_base_url(u);
    }
    match whatsapp_connector::mammut::connect(&config, &options).await {
        Ok(report) => {
            for step in &report.steps {
                print_line(&step.to_string())?;
            }
            if report.applied {
                print_line(&format!("connected: {}", report.changes()))
            } else {
                print_line(
                    "dry run: nothing was changed; run again with --apply to make the changes",
                )
            }
        }
        Err(e) => {
            for step in &e.report.steps {
                print_line(&step.to_string())?;
            }
            let what = "mammut connect";
            match e.failure {
                ConnectFailure::Config(_) => Err(usage(what, error_chain(&e))),
                _ => Err(invalid(what, error_chain(&e))),
            }
        }
    }
}

fn read_config() -> Result<BotConfig, Failure> {
    let input = read_stdin("the bot config (JSON)")?;
    BotConfig::from_json(&input).map_err(|e| usage("invalid config", e))
}
