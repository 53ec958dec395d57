//! What every command shares: failures and their exit codes, reading standard input, checking
//! flag values, and printing errors on one line.

use std::fmt;
use std::io::{IsTerminal, Read, Write};

/// How a command ended when it did not succeed. The message reads `<what>: <why>`.
#[derive(Debug)]
pub enum Failure {
    /// Bad input or usage: exit 2.
    Usage(String),
    /// An invalid signature, or a webhook the target server refused: exit 1.
    Invalid(String),
}

impl Failure {
    /// The process exit status for this failure.
    pub fn exit_code(&self) -> u8 {
        match self {
            Failure::Usage(_) => 2,
            Failure::Invalid(_) => 1,
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Usage(m) | Failure::Invalid(m) => f.write_str(m),
        }
    }
}

/// Bad input or usage (exit 2): `<what>: <why>`.
pub fn usage(what: impl fmt::Display, why: impl fmt::Display) -> Failure {
    Failure::Usage(format!("{what}: {why}"))
}

/// An invalid signature or a refused webhook (exit 1): `<what>: <why>`.
pub fn invalid(what: impl fmt::Display, why: impl fmt::Display) -> Failure {
    Failure::Invalid(format!("{what}: {why}"))
}

/// Reads all of standard input. When it is a terminal, says so first, so that the user is not
/// left looking at a command that seems to hang.
pub fn read_stdin(what: &str) -> Result<Vec<u8>, Failure> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        note(&format!(
            "reading {what} from standard input; end with Ctrl-D"
        ));
    }
    let mut buf = Vec::new();
    stdin
        .lock()
        .read_to_end(&mut buf)
        .map_err(|e| usage("cannot read standard input", e))?;
    Ok(buf)
}

/// Runs a future on a single-threaded runtime.
pub fn block_on<F: Future<Output = Result<(), Failure>>>(f: F) -> Result<(), Failure> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| usage("cannot start the async runtime", e))?
        .block_on(f)
}

/// An error and every error under it (`source()`), joined with `: `. A source whose text the
/// error above already shows is skipped. A refused connection starts with "connection
/// refused", whatever words the operating system uses.
pub fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut refused = false;
    let mut next = Some(e);
    while let Some(err) = next {
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            refused |= io.kind() == std::io::ErrorKind::ConnectionRefused;
        }
        if !std::ptr::addr_eq(err, e) {
            let part = err.to_string();
            if !part.is_empty() && !text.contains(&part) {
                text.push_str(": ");
                text.push_str(&part);
            }
        }
        next = err.source();
    }
    if refused || text.to_ascii_lowercase().contains("connection refused") {
        text = format!("connection refused (is a server listening at that address?): {text}");
    }
    text
}

/// A secret or other value that must not be empty. Only emptiness is checked here, so a
/// usage error never echoes a secret.
pub fn non_empty(s: &str) -> Result<String, String> {
    if s.is_empty() {
        Err("must not be empty".to_owned())
    } else {
        Ok(s.to_owned())
    }
}

/// An `http` or `https` URL with a host, kept exactly as given (signatures cover the URL as
/// received, so it is never re-encoded).
pub fn http_url(s: &str) -> Result<String, String> {
    match url::Url::parse(s) {
        Ok(u)
            if matches!(u.scheme(), "http" | "https")
                && u.host_str().is_some_and(|h| !h.is_empty()) =>
        {
            Ok(s.to_owned())
        }
        Ok(u) if !matches!(u.scheme(), "http" | "https") => {
            Err(format!("must be an http(s) URL, not a {}: URL", u.scheme()))
        }
        Ok(_) => Err("must be an http(s) URL with a host".to_owned()),
        Err(e) => Err(format!("must be an http(s) URL with a host ({e})")),
    }
}

/// A URL as it may be shown: a password in it is replaced by `REDACTED`.
pub fn shown_url(s: &str) -> String {
    match url::Url::parse(s) {
        Ok(mut u) if u.password().is_some() => match u.set_password(Some("REDACTED")) {
            Ok(()) => u.to_string(),
            Err(()) => "the URL".to_owned(),
        },
        _ => s.to_owned(),
    }
}

/// A value an HTTP header can carry.
pub fn header_value(s: &str) -> Result<String, String> {
    match http::HeaderValue::from_str(s) {
        Ok(_) => Ok(s.to_owned()),
        Err(_) => Err("holds characters an HTTP header cannot carry".to_owned()),
    }
}

/// A `KEY=VALUE` pair; the value may itself hold `=`.
pub fn key_value(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_owned(), v.to_owned())),
        _ => Err("must be K=V".to_owned()),
    }
}

/// A credential given by flag or environment variable; an empty or blank one counts as not
/// given.
pub fn credential(
    value: Option<String>,
    what: &str,
    var: &str,
    flag: &str,
) -> Result<String, Failure> {
    match value {
        Some(v) if !v.trim().is_empty() => Ok(v),
        _ => Err(usage(
            format!("no {what}"),
            format!("set the environment variable {var}, or pass {flag}"),
        )),
    }
}

/// The command words at the start of `args` (`wa send twilio`), as far as they name
/// sub-commands of `command`.
pub fn command_path(command: &clap::Command, args: &[std::ffi::OsString]) -> String {
    let mut path = vec![command.get_name().to_owned()];
    let mut current = command;
    for arg in args {
        let Some(word) = arg.to_str() else { break };
        let Some(sub) = current.find_subcommand(word) else {
            break;
        };
        path.push(sub.get_name().to_owned());
        current = sub;
    }
    path.join(" ")
}

/// A clap usage error as one line: `<command>: <what was wrong>; see '<command> --help'`,
/// where `command` is the command words given (`wa send twilio`).
pub fn one_line_usage_error(e: &clap::Error, command: &str) -> String {
    use clap::error::{ContextKind, ContextValue, ErrorKind};

    if e.kind() == ErrorKind::MissingSubcommand {
        let choices = match e.get(ContextKind::ValidSubcommand) {
            Some(ContextValue::Strings(names)) => names
                .iter()
                .filter(|n| *n != "help")
                .map(String::as_str)
                .collect::<Vec<_>>()
                .join(", "),
            _ => String::new(),
        };
        let message = format!("a command is required ({choices})");
        return with_command(&message, command);
    }
    let rendered = e.render().to_string();
    let mut lines = rendered.lines();
    let first = lines.next().unwrap_or_default();
    let mut message = first
        .strip_prefix("error: ")
        .unwrap_or(first)
        .trim()
        .to_owned();
    // The lines right under the first one complete it (the missing flags, the values
    // allowed); a blank line ends them.
    let mut details = Vec::new();
    for line in lines.by_ref() {
        let line = line.trim();
        if line.is_empty() {
            break;
        }
        details.push(line.to_owned());
    }
    if !details.is_empty() {
        message.push(' ');
        message.push_str(&details.join(", "));
    }
    // A suggestion ("a similar argument exists") is worth keeping; other tips are not.
    for line in lines {
        let line = line.trim();
        if let Some(tip) = line.strip_prefix("tip: ").filter(|t| t.contains("similar")) {
            message.push_str("; ");
            message.push_str(tip);
        }
    }
    with_command(&message, command)
}

/// `<sub-command>: <message>; see '<command> --help'`.
fn with_command(message: &str, command: &str) -> String {
    match command.strip_prefix("wa ") {
        Some(sub) => format!("{sub}: {message}; see '{command} --help'"),
        None => format!("{message}; see '{command} --help'"),
    }
}

/// What a message says: one of text, media or a template.
#[derive(Debug, clap::Args)]
pub struct ContentArgs {
    /// Send this text. Give exactly one of --text, --media or --template.
    #[arg(long, value_name = "TEXT")]
    pub text: Option<String>,
    /// Send the media at this public URL.
    #[arg(long, value_name = "URL")]
    pub media: Option<String>,
    /// A caption under the media.
    #[arg(long, value_name = "TEXT", requires = "media")]
    pub caption: Option<String>,
    /// Send this template: for Twilio its Content SID (HX…), for Botmaker the intent to
    /// trigger.
    #[arg(long, value_name = "NAME")]
    pub template: Option<String>,
    /// A template variable; repeat for each one.
    #[arg(long = "var", value_name = "K=V", value_parser = key_value, requires = "template")]
    pub vars: Vec<(String, String)>,
}

impl ContentArgs {
    /// The content; `template` names the template the way the provider does, `mime_type`
    /// goes with media.
    pub fn into_content(
        self,
        template: impl FnOnce(String) -> whatsapp_connector::Template,
        mime_type: Option<String>,
    ) -> Result<whatsapp_connector::Content, Failure> {
        use whatsapp_connector::{Content, Media};
        match (self.text, self.media, self.template) {
            (Some(body), None, None) => Ok(Content::Text { body }),
            (None, Some(url), None) => {
                let mut m = Media::new(url);
                if let Some(c) = self.caption {
                    m = m.with_caption(c);
                }
                if let Some(t) = mime_type {
                    m = m.with_mime_type(t);
                }
                Ok(Content::Media(m))
            }
            (None, None, Some(name)) => {
                let mut t = template(name);
                for (k, v) in self.vars {
                    t = t.with_variable(k, v);
                }
                Ok(Content::Template(t))
            }
            _ => Err(usage(
                "message content",
                "give exactly one of --text, --media or --template",
            )),
        }
    }
}

/// Prints a value as pretty JSON on standard output.
pub fn print_json(what: &str, value: &impl serde::Serialize) -> Result<(), Failure> {
    let json = serde_json::to_string_pretty(value)
        .map_err(|e| usage(format!("cannot print {what}"), e))?;
    print_line(&json)
}

/// Prints one line on standard output. A closed output (`wa … | head -0`) is an error to
/// report, not a reason to panic.
/// `wa parse …` for a provider that reads JSON bodies: reads the body from standard input,
/// parses it at `url` with `content_type`, prints the events as a JSON array.
pub fn parse_json_webhook(
    provider: &dyn whatsapp_connector::WhatsAppProvider,
    url: &str,
    content_type: &str,
) -> Result<(), Failure> {
    let body = read_stdin("the webhook body")?;
    let request = whatsapp_connector::WebhookRequest::new(url, body)
        .with_header("content-type", content_type);
    let events = provider
        .parse(&request)
        .map_err(|e| usage("invalid webhook", e))?;
    print_json("the events", &events)
}

pub fn print_line(line: &str) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}")
        .and_then(|()| out.flush())
        .map_err(|e| usage("cannot write to standard output", e))
}

/// Prints `wa: <message>` on standard error, if standard error can still be written to.
pub fn note(message: &str) {
    let _ = writeln!(std::io::stderr().lock(), "wa: {message}");
}

/// Twilio's credentials, from flags or the environment.
#[derive(Debug, clap::Args)]
pub struct TwilioAuth {
    /// The Twilio account SID (AC…).
    #[arg(long, value_name = "SID", env = "TWILIO_ACCOUNT_SID")]
    account_sid: Option<String>,
    /// The account's auth token. Prefer the environment variable: command lines can be seen
    /// by other users of the machine.
    #[arg(
        long,
        value_name = "TOKEN",
        env = "TWILIO_AUTH_TOKEN",
        hide_env_values = true
    )]
    auth_token: Option<String>,
}

impl TwilioAuth {
    /// A provider builder with these credentials, or the usage failure naming the missing one.
    pub fn builder(self) -> Result<whatsapp_connector::twilio::TwilioBuilder, Failure> {
        let sid = credential(
            self.account_sid,
            "account SID",
            "TWILIO_ACCOUNT_SID",
            "--account-sid",
        )?;
        let token = credential(
            self.auth_token,
            "auth token",
            "TWILIO_AUTH_TOKEN",
            "--auth-token",
        )?;
        Ok(whatsapp_connector::twilio::TwilioProvider::builder(sid).auth_token(token))
    }
}

/// Botmaker's access token, from the flag or the environment.
#[derive(Debug, clap::Args)]
pub struct BotmakerAuth {
    /// The Botmaker API access token. Prefer the environment variable: command lines can be
    /// seen by other users of the machine.
    #[arg(
        long,
        value_name = "TOKEN",
        env = "BOTMAKER_ACCESS_TOKEN",
        hide_env_values = true
    )]
    access_token: Option<String>,
}

impl BotmakerAuth {
    /// A provider builder with this token, or the usage failure saying it is missing.
    pub fn builder(self) -> Result<whatsapp_connector::botmaker::BotmakerBuilder, Failure> {
        let token = credential(
            self.access_token,
            "access token",
            "BOTMAKER_ACCESS_TOKEN",
            "--access-token",
        )?;
        Ok(whatsapp_connector::botmaker::BotmakerProvider::builder().access_token(token))
    }
}

/// The Botmaker channel, from `--channel-id` or `BOTMAKER_CHANNEL_ID`.
pub fn botmaker_channel(channel_id: Option<String>) -> Result<String, Failure> {
    credential(channel_id, "channel", "BOTMAKER_CHANNEL_ID", "--channel-id")
}
