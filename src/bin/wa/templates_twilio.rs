//! `wa templates twilio …`: the account's Content templates (Twilio's Content API).

use clap::{Args, Subcommand};
use whatsapp_connector::Error;
use whatsapp_connector::twilio::TwilioProvider;
use whatsapp_connector::twilio::content::{NewContent, TemplateCategory};

use super::common::{Failure, TwilioAuth, error_chain, http_url, print_json, read_stdin, usage};

#[derive(Debug, Subcommand)]
pub enum TwilioCommand {
    /// Print every Content template of the account as a JSON array (all pages).
    List(ListArgs),
    /// Create a Content template from the JSON on standard input and print it.
    ///
    /// The JSON is the Content API's create body: {"friendly_name": …, "language": "es",
    /// "variables": {"1": "sample"}, "types": {"twilio/quick-reply": {…}}}. It is checked
    /// (each kind's limits, variables {{1}}…{{n}} with no gap and a sample each) before
    /// anything is sent.
    Create(CreateArgs),
    /// Submit a Content template for WhatsApp approval and print the request's status.
    Submit(SubmitArgs),
    /// Print where a Content template's WhatsApp approval stands.
    Status(StatusArgs),
}

/// What every `wa templates twilio` command takes.
#[derive(Debug, Args)]
pub struct Connection {
    #[command(flatten)]
    auth: TwilioAuth,
    /// Call this Content API host instead of Twilio's (a test server).
    #[arg(long, value_name = "URL", value_parser = http_url)]
    base_url: Option<String>,
}

impl Connection {
    fn provider(self) -> Result<TwilioProvider, Failure> {
        let mut builder = self.auth.builder()?;
        if let Some(url) = self.base_url {
            builder = builder.content_base_url(url);
        }
        builder
            .build()
            .map_err(|e| usage("invalid configuration", e))
    }
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    connection: Connection,
    /// How many templates to ask for per page (1 to 1000).
    #[arg(long, value_name = "N", default_value_t = 50,
          value_parser = clap::value_parser!(u32).range(1..=1000))]
    page_size: u32,
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    #[command(flatten)]
    connection: Connection,
}

#[derive(Debug, Args)]
pub struct SubmitArgs {
    #[command(flatten)]
    connection: Connection,
    /// The template's Content SID (HX…).
    #[arg(long, value_name = "HX…")]
    sid: String,
    /// The name WhatsApp knows it by: lowercase letters, digits and underscores.
    #[arg(long)]
    name: String,
    /// The WhatsApp category: utility, marketing or authentication.
    #[arg(long, value_parser = parse_category)]
    category: TemplateCategory,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    connection: Connection,
    /// The template's Content SID (HX…).
    #[arg(long, value_name = "HX…")]
    sid: String,
}

fn parse_category(s: &str) -> Result<TemplateCategory, String> {
    s.parse()
}

/// A failed call as `wa` reports it: what was refused before the call, or why it failed.
fn failure(what: &str, e: Error) -> Failure {
    match e {
        Error::Invalid(v) => usage("invalid template", v),
        other => usage(what, error_chain(&other)),
    }
}

/// Runs `wa templates twilio …`.
pub async fn twilio(command: TwilioCommand) -> Result<(), Failure> {
    match command {
        TwilioCommand::List(a) => {
            let twilio = a.connection.provider()?;
            let all = twilio
                .content()
                .list_with_page_size(a.page_size)
                .await
                .map_err(|e| failure("cannot list templates", e))?;
            print_json("the templates", &all)
        }
        TwilioCommand::Create(a) => {
            let twilio = a.connection.provider()?;
            let json = read_stdin("the template JSON")?;
            let text =
                String::from_utf8(json).map_err(|_| usage("invalid template", "not UTF-8"))?;
            let content = NewContent::from_json(&text).map_err(|e| usage("invalid template", e))?;
            content
                .validate()
                .map_err(|e| usage("invalid template", e))?;
            let created = twilio
                .content()
                .create(&content)
                .await
                .map_err(|e| failure("cannot create the template", e))?;
            print_json("the template", &created)
        }
        TwilioCommand::Submit(a) => {
            let twilio = a.connection.provider()?;
            let approval = twilio
                .content()
                .submit_for_whatsapp(&a.sid, &a.name, a.category)
                .await
                .map_err(|e| failure("cannot submit the template", e))?;
            print_json("the approval request", &approval)
        }
        TwilioCommand::Status(a) => {
            let twilio = a.connection.provider()?;
            let approval = twilio
                .content()
                .approval(&a.sid)
                .await
                .map_err(|e| failure("cannot read the approval", e))?;
            print_json("the approval", &approval)
        }
    }
}
