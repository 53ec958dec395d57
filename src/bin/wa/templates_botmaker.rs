//! `wa templates botmaker …`: list, show, create and delete Botmaker's WhatsApp templates.

use clap::{Args, Subcommand, ValueEnum};
use whatsapp_connector::Error;
use whatsapp_connector::botmaker::{
    BotmakerProvider, HeaderFormat, NewTemplate, TemplateButton, TemplateCategory, TemplateHeader,
    TemplateQuery, TemplateState,
};

use super::common::{BotmakerAuth, Failure, error_chain, http_url, non_empty, print_json, usage};

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the WhatsApp templates (every page) and print them as a JSON array, as Botmaker
    /// gives them.
    List(ListArgs),
    /// Print one template as JSON; exit 2 when Botmaker does not know it.
    Get(NameArgs),
    /// Create a template, checked first, and print it as Botmaker stored it (pending approval).
    Create(Box<CreateArgs>),
    /// Delete a template.
    Delete(NameArgs),
}

/// The state `list` filters by.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum StateArg {
    /// Approved templates only.
    Approved,
    /// Rejected templates only.
    Rejected,
}

/// What every sub-command shares: credentials and the API host.
#[derive(Debug, Args)]
pub struct Connection {
    #[command(flatten)]
    auth: BotmakerAuth,
    /// Call this API host instead of Botmaker's (a test server).
    #[arg(long, value_name = "URL", value_parser = http_url)]
    base_url: Option<String>,
}

impl Connection {
    fn provider(self) -> Result<BotmakerProvider, Failure> {
        let mut builder = self.auth.builder()?;
        if let Some(url) = self.base_url {
            builder = builder.base_url(url);
        }
        builder
            .build()
            .map_err(|e| usage("invalid configuration", e))
    }
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only templates in this state.
    #[arg(long, value_enum)]
    state: Option<StateArg>,
    /// Only templates allowed in this queue (repeat for several).
    #[arg(long, value_name = "QUEUE")]
    queue: Vec<String>,
    #[command(flatten)]
    connection: Connection,
}

#[derive(Debug, Args)]
pub struct NameArgs {
    /// The template's name or id.
    #[arg(value_name = "NAME", value_parser = non_empty)]
    name: String,
    #[command(flatten)]
    connection: Connection,
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// The name: lower-case letters, digits and _.
    #[arg(long, value_name = "NAME")]
    name: String,
    /// The body text, with variables {{1}}, {{2}}, … (or {{name}}).
    #[arg(long, value_name = "TEXT")]
    body: String,
    /// The category (UTILITY, MARKETING, AUTHENTICATION, …).
    #[arg(long, value_name = "CATEGORY")]
    category: Option<String>,
    /// The language (es_AR, en_US, pt_BR, …).
    #[arg(long, value_name = "LOCALE")]
    locale: Option<String>,
    /// A text header.
    #[arg(long, value_name = "TEXT", conflicts_with = "header_media")]
    header: Option<String>,
    /// A media header: FORMAT=URL, FORMAT one of image, document, video, URL an example file.
    #[arg(long, value_name = "FORMAT=URL")]
    header_media: Option<String>,
    /// The footer text.
    #[arg(long, value_name = "TEXT")]
    footer: Option<String>,
    /// A quick-reply button: LABEL, or LABEL=INTENT to run an intent (repeat, at most 3).
    #[arg(long, value_name = "LABEL[=INTENT]")]
    quick_reply: Vec<String>,
    /// The WhatsApp line the template is for, when the account has several.
    #[arg(long, value_name = "NUMBER")]
    phone_line: Option<String>,
    /// The bot the template sets, when the project has several.
    #[arg(long, value_name = "BOT")]
    bot_name: Option<String>,
    #[command(flatten)]
    connection: Connection,
}

fn failed(what: &str, e: &Error) -> Failure {
    match e {
        Error::Invalid(v) => usage("invalid template", v),
        other => usage(what, error_chain(other)),
    }
}

/// Runs `wa templates botmaker …`.
pub async fn run(command: Command) -> Result<(), Failure> {
    match command {
        Command::List(a) => list(a).await,
        Command::Get(a) => {
            let provider = a.connection.provider()?;
            match provider.whatsapp_template(&a.name).await {
                Ok(Some(t)) => print_json("the template", &t.raw),
                Ok(None) => Err(usage("no such template", &a.name)),
                Err(e) => Err(failed("cannot read the template", &e)),
            }
        }
        Command::Create(a) => create(*a).await,
        Command::Delete(a) => {
            let provider = a.connection.provider()?;
            provider
                .delete_whatsapp_template(&a.name)
                .await
                .map_err(|e| failed("cannot delete the template", &e))?;
            print_json("the result", &serde_json::json!({"deleted": a.name}))
        }
    }
}

async fn list(a: ListArgs) -> Result<(), Failure> {
    let provider = a.connection.provider()?;
    let mut query = TemplateQuery::all();
    match a.state {
        Some(StateArg::Approved) => query = query.with_state(TemplateState::Approved),
        Some(StateArg::Rejected) => query = query.with_state(TemplateState::Rejected),
        None => {}
    }
    for q in a.queue {
        query = query.with_queue(q);
    }
    let templates = provider
        .whatsapp_templates(&query)
        .await
        .map_err(|e| failed("cannot list the templates", &e))?;
    let raw: Vec<&serde_json::Value> = templates.iter().map(|t| &t.raw).collect();
    print_json("the templates", &raw)
}

fn template(a: &CreateArgs) -> Result<NewTemplate, Failure> {
    let mut t = NewTemplate::new(&a.name, &a.body);
    if let Some(c) = &a.category {
        let category: TemplateCategory = c.parse().map_err(|e| usage("invalid template", e))?;
        t = t.with_category(category);
    }
    if let Some(l) = &a.locale {
        t = t.with_locale(l);
    }
    if let Some(h) = &a.header {
        t = t.with_header(TemplateHeader::text(h));
    }
    if let Some(m) = &a.header_media {
        let (format, url) = m
            .split_once('=')
            .ok_or_else(|| usage("--header-media", "expected FORMAT=URL"))?;
        let format = match format.to_ascii_lowercase().as_str() {
            "image" => HeaderFormat::Image,
            "document" => HeaderFormat::Document,
            "video" => HeaderFormat::Video,
            other => {
                return Err(usage(
                    "--header-media",
                    format!("{other:?} is not image, document or video"),
                ));
            }
        };
        t = t.with_header(TemplateHeader::media(format, url));
    }
    if let Some(f) = &a.footer {
        t = t.with_footer(f);
    }
    for q in &a.quick_reply {
        let button = match q.split_once('=') {
            Some((label, intent)) => TemplateButton::quick_reply(label).with_intent(intent),
            None => TemplateButton::quick_reply(q),
        };
        t = t.with_button(button);
    }
    if let Some(p) = &a.phone_line {
        t = t.with_phone_line_number(p);
    }
    if let Some(b) = &a.bot_name {
        t = t.with_bot_name(b);
    }
    t.validate().map_err(|e| usage("invalid template", e))?;
    Ok(t)
}

async fn create(a: CreateArgs) -> Result<(), Failure> {
    let t = template(&a)?;
    let provider = a.connection.provider()?;
    let created = provider
        .create_whatsapp_template(&t)
        .await
        .map_err(|e| failed("cannot create the template", &e))?;
    print_json("the template", &created.raw)
}
