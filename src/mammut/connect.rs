//! Connecting a bot end to end, as Mammut's WhatsApp page walks a person through it: check
//! the Twilio credentials, check the number is a WhatsApp sender of the account, create or
//! update the bot on Mammut, and point the sender's incoming webhook at Mammut.

use std::time::Duration;

use super::client::{MammutClient, MammutError};
use super::report::{BotChange, ConnectReport, Outcome, Step, WebhookChange};
use super::{BotConfig, DEFAULT_WEBHOOK_URL};
use crate::error::{ApiErrorKind, ConfigError, Error};
use crate::retry::RetryPolicy;
use crate::twilio::{SenderWebhook, TwilioProvider, WhatsAppSender};

/// The Twilio Sandbox's shared WhatsApp number, which is no sender of any account.
const SANDBOX_NUMBER: &str = "whatsapp:+14155238886";

/// What [`connect`] does and where it sends: nothing is changed unless
/// [`apply`](Self::apply) is set.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    mammut: MammutClient,
    apply: bool,
    webhook_url: String,
    twilio_base_url: Option<String>,
    twilio_messaging_base_url: Option<String>,
    twilio_http_client: Option<reqwest::Client>,
    twilio_timeout: Option<Duration>,
    twilio_retry: Option<RetryPolicy>,
}

impl ConnectOptions {
    /// A dry run against Twilio's API and `mammut`, pointing the webhook at
    /// [`DEFAULT_WEBHOOK_URL`].
    pub fn new(mammut: MammutClient) -> Self {
        ConnectOptions {
            mammut,
            apply: false,
            webhook_url: DEFAULT_WEBHOOK_URL.to_owned(),
            twilio_base_url: None,
            twilio_messaging_base_url: None,
            twilio_http_client: None,
            twilio_timeout: None,
            twilio_retry: None,
        }
    }

    /// Makes the changes (create or update the bot, point the webhook) instead of only
    /// saying what they would be.
    pub fn apply(mut self, apply: bool) -> Self {
        self.apply = apply;
        self
    }

    /// Where the sender's incoming messages should go: Mammut's WhatsApp channel URL
    /// (`https://api.mammut.io/channels/whatsapp/` unless set; a self-hosted Mammut has its
    /// own). Kept exactly as given: Twilio signs the exact URL.
    pub fn webhook_url(mut self, url: impl Into<String>) -> Self {
        self.webhook_url = url.into();
        self
    }

    /// Calls this origin for Twilio's API (the account fetch) instead of
    /// `https://api.twilio.com`.
    pub fn twilio_base_url(mut self, url: impl Into<String>) -> Self {
        self.twilio_base_url = Some(url.into());
        self
    }

    /// Calls this origin for Twilio's Messaging API v2 (the senders) instead of
    /// `https://messaging.twilio.com`. When unset and
    /// [`twilio_base_url`](Self::twilio_base_url) is set, that origin serves both.
    pub fn twilio_messaging_base_url(mut self, url: impl Into<String>) -> Self {
        self.twilio_messaging_base_url = Some(url.into());
        self
    }

    /// Sends to Twilio with this HTTP client.
    pub fn twilio_http_client(mut self, client: reqwest::Client) -> Self {
        self.twilio_http_client = Some(client);
        self
    }

    /// How long one request to Twilio may take.
    pub fn twilio_timeout(mut self, timeout: Duration) -> Self {
        self.twilio_timeout = Some(timeout);
        self
    }

    /// How Twilio calls it did not process (HTTP 429, a refused connection) are retried.
    pub fn twilio_retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.twilio_retry = Some(policy);
        self
    }

    /// The Twilio provider of `config`'s account, with these settings.
    fn twilio(&self, config: &BotConfig) -> Result<TwilioProvider, ConfigError> {
        let mut b = TwilioProvider::builder_from_bot_config(config);
        if let Some(u) = &self.twilio_base_url {
            b = b.base_url(u.clone());
        }
        if let Some(u) = &self.twilio_messaging_base_url {
            b = b.messaging_base_url(u.clone());
        }
        if let Some(c) = &self.twilio_http_client {
            b = b.http_client(c.clone());
        }
        if let Some(t) = self.twilio_timeout {
            b = b.timeout(t);
        }
        if let Some(r) = self.twilio_retry {
            b = b.retry_policy(r);
        }
        b.build()
    }
}

/// Why a step of [`connect`] failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectFailure {
    /// A setting is invalid (a base URL).
    #[error(transparent)]
    Config(ConfigError),
    /// Twilio refused the account SID and auth token: one of them is wrong.
    #[error("Twilio refused the account SID and auth token (wrong SID or token): {0}")]
    TwilioCredentials(Error),
    /// Another Twilio failure (a 5xx, no answer).
    #[error(transparent)]
    Twilio(Error),
    /// The number is not a WhatsApp sender of the account.
    #[error("{number} is not a WhatsApp sender of account {account_sid} (its WhatsApp senders: {}){}",
        if senders.is_empty() { "none".to_owned() } else { senders.join(", ") },
        if number == SANDBOX_NUMBER { "; the Twilio Sandbox number is not listed among senders: set its webhook in the Twilio console" } else { "" })]
    NotASender {
        /// The number, `whatsapp:+E164`.
        number: String,
        /// The account.
        account_sid: String,
        /// The numbers the account does have.
        senders: Vec<String>,
    },
    /// Mammut refused or failed the create or update.
    #[error(transparent)]
    Mammut(MammutError),
}

/// A step of [`connect`] failed: which one, why, and what had been changed by then
/// ([`ConnectReport::changes`]), so that a half-applied connection is never silent.
#[derive(Debug, thiserror::Error)]
#[error("{step} failed: {failure}; {}", report.changes())]
#[non_exhaustive]
pub struct ConnectError {
    /// The step that failed.
    pub step: Step,
    /// Why.
    #[source]
    pub failure: ConnectFailure,
    /// Every step up to the failed one, and what was changed.
    pub report: Box<ConnectReport>,
}

/// A setting of `step` is invalid: no step ran.
fn fail_early(mut report: ConnectReport, step: Step, e: ConfigError) -> ConnectError {
    let failure = ConnectFailure::Config(e);
    for s in Step::ALL {
        if s == step {
            report.push(s, Outcome::Failed, failure.to_string());
        } else {
            report.push(s, Outcome::NotRun, format!("{step} has an invalid setting"));
        }
    }
    ConnectError {
        step,
        failure,
        report: Box::new(report),
    }
}

fn fail(mut report: ConnectReport, step: Step, failure: ConnectFailure) -> ConnectError {
    report.push(step, Outcome::Failed, failure.to_string());
    report.not_run_after(step);
    ConnectError {
        step,
        failure,
        report: Box::new(report),
    }
}

/// Connects the bot of `config` to its WhatsApp number, step by step:
///
/// 1. (a) checks that Twilio accepts the account SID and auth token
///    ([`TwilioProvider::fetch_account`]);
/// 2. (b) checks that the number is a WhatsApp sender of the account
///    ([`TwilioProvider::whatsapp_senders`]);
/// 3. (c) creates the bot on Mammut, or updates it when the config has a `mammut-id`;
/// 4. (d) points the sender's incoming webhook at Mammut's WhatsApp channel URL
///    ([`TwilioProvider::update_sender_webhook`]), unless it already posts there.
///
/// Without [`ConnectOptions::apply`] it is a dry run: it runs the read-only checks (a) and
/// (b), and says what (c) and (d) would do.
///
/// # Errors
///
/// A [`ConnectError`] naming the step that failed, why ([`ConnectFailure`]), and what was
/// changed before it: wrong credentials ([`ConnectFailure::TwilioCredentials`]), a number
/// the account does not send from ([`ConnectFailure::NotASender`]), Mammut refusing the
/// bot ([`ConnectFailure::Mammut`], a `Failed` `TaskResult` included), a Twilio failure
/// ([`ConnectFailure::Twilio`]), or an invalid Twilio base URL ([`ConnectFailure::Config`]).
pub async fn connect(
    config: &BotConfig,
    options: &ConnectOptions,
) -> Result<ConnectReport, ConnectError> {
    let mut report = ConnectReport::new(options.apply, options.webhook_url.clone());
    // Settings are checked before any step runs: the Twilio client's with step (a), the
    // webhook URL with step (d).
    let twilio = match options.twilio(config) {
        Ok(t) => t,
        Err(e) => return Err(fail_early(report, Step::Credentials, e)),
    };
    if let Err(e) = crate::transport::config_http_url("webhook_url", &options.webhook_url) {
        return Err(fail_early(report, Step::Webhook, e));
    }
    if let Err(f) = check_credentials(&twilio, &mut report).await {
        return Err(fail(report, Step::Credentials, f));
    }
    let sender = match find_sender(&twilio, config, &mut report).await {
        Ok(s) => s,
        Err(f) => return Err(fail(report, Step::Sender, f)),
    };
    if let Err(f) = bot_step(config, options, &mut report).await {
        return Err(fail(report, Step::Bot, f));
    }
    if let Err(f) = webhook_step(&twilio, &sender, options, &mut report).await {
        return Err(fail(report, Step::Webhook, f));
    }
    Ok(report)
}

async fn check_credentials(
    twilio: &TwilioProvider,
    report: &mut ConnectReport,
) -> Result<(), ConnectFailure> {
    let account = twilio.fetch_account().await.map_err(|e| {
        if e.api()
            .is_some_and(|a| a.kind == ApiErrorKind::Unauthorized)
        {
            ConnectFailure::TwilioCredentials(e)
        } else {
            ConnectFailure::Twilio(e)
        }
    })?;
    let name = account
        .friendly_name
        .as_deref()
        .map(|n| format!(" ({n})"))
        .unwrap_or_default();
    let status = account.status.as_deref().unwrap_or("of unknown status");
    report.push(
        Step::Credentials,
        Outcome::Ok,
        format!(
            "Twilio accepts the auth token of account {}{name}, which is {status}",
            account.sid
        ),
    );
    report.account = Some(account);
    Ok(())
}

async fn find_sender(
    twilio: &TwilioProvider,
    config: &BotConfig,
    report: &mut ConnectReport,
) -> Result<WhatsAppSender, ConnectFailure> {
    let number = config.whatsapp_number();
    let senders = twilio
        .whatsapp_senders()
        .await
        .map_err(ConnectFailure::Twilio)?;
    let Some(sender) = senders.iter().find(|s| s.is_number(&number)).cloned() else {
        return Err(ConnectFailure::NotASender {
            number,
            account_sid: config.twilio_account_sid().to_owned(),
            senders: senders.into_iter().map(|s| s.sender_id).collect(),
        });
    };
    let status = sender.status.as_deref().unwrap_or("of unknown status");
    let now = sender.callback_url().unwrap_or("nowhere yet");
    report.push(
        Step::Sender,
        Outcome::Ok,
        format!(
            "{number} is sender {} of the account, {status}; incoming messages go to {now}",
            sender.sid
        ),
    );
    report.sender = Some(sender.clone());
    Ok(sender)
}

async fn bot_step(
    config: &BotConfig,
    options: &ConnectOptions,
    report: &mut ConnectReport,
) -> Result<(), ConnectFailure> {
    let mammut = &options.mammut;
    let id = config.mammut_id();
    let request = match id {
        Some(id) => mammut.update_request(id, config),
        None => mammut.create_request(config),
    };
    let path = request.path_and_query.split('?').next().unwrap_or_default();
    if !options.apply {
        let what = match id {
            Some(id) => format!("would update bot {id}"),
            None => "would create the bot".to_owned(),
        };
        report.push(
            Step::Bot,
            Outcome::WouldDo,
            format!("{what}: POST {}{path}", mammut.base_url()),
        );
        return Ok(());
    }
    let result = match id {
        Some(id) => mammut.update_bot(id, config).await.map(|_| id),
        None => mammut.create_bot(config).await.map(|bot| bot.id),
    };
    match (result, id) {
        (Ok(done), Some(_)) => {
            report.bot = BotChange::Updated(done);
            report.push(Step::Bot, Outcome::Done, format!("bot {done} updated"));
            Ok(())
        }
        (Ok(done), None) => {
            report.bot = BotChange::Created(done);
            report.push(Step::Bot, Outcome::Done, format!("bot {done} created"));
            Ok(())
        }
        (Err(e), id) => {
            if e.may_have_applied() {
                report.bot = id.map_or(BotChange::MaybeCreated, BotChange::MaybeUpdated);
            }
            Err(ConnectFailure::Mammut(e))
        }
    }
}

async fn webhook_step(
    twilio: &TwilioProvider,
    sender: &WhatsAppSender,
    options: &ConnectOptions,
    report: &mut ConnectReport,
) -> Result<(), ConnectFailure> {
    let url = &options.webhook_url;
    let already = sender
        .webhook
        .as_ref()
        .is_some_and(|w| w.posts_incoming_to(url));
    if already {
        report.webhook = WebhookChange::AlreadySet;
        report.push(
            Step::Webhook,
            Outcome::Unchanged,
            format!(
                "sender {} already posts incoming messages to {url}",
                sender.sid
            ),
        );
        return Ok(());
    }
    let now = sender.callback_url().unwrap_or("nowhere");
    if !options.apply {
        report.push(
            Step::Webhook,
            Outcome::WouldDo,
            format!(
                "would point sender {}'s incoming messages at {url} (now {now})",
                sender.sid
            ),
        );
        return Ok(());
    }
    match twilio
        .update_sender_webhook(&sender.sid, &SenderWebhook::incoming(url.clone()))
        .await
    {
        Ok(_) => {
            report.webhook = WebhookChange::Updated;
            report.push(
                Step::Webhook,
                Outcome::Done,
                format!(
                    "sender {} now posts incoming messages to {url} (was {now})",
                    sender.sid
                ),
            );
            Ok(())
        }
        Err(e) => {
            let unknown = matches!(
                e,
                Error::Transport(_) | Error::Parse(_) | Error::TooLarge { .. }
            ) || e.api().is_some_and(|a| a.status >= 500);
            if unknown {
                report.webhook = WebhookChange::Unconfirmed;
            }
            Err(ConnectFailure::Twilio(e))
        }
    }
}
