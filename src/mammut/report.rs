//! What [`connect`](super::connect())(super::connect()) reports: each step with its outcome, and what was
//! changed.

use std::fmt;

use serde::Serialize;

use crate::twilio::{Account, WhatsAppSender};

/// A step of [`connect`](super::connect()), in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Step {
    /// (a) Twilio accepts the account SID and auth token.
    Credentials,
    /// (b) The number is a WhatsApp sender of the account.
    Sender,
    /// (c) The bot is created on Mammut, or updated when the config has a `mammut-id`.
    Bot,
    /// (d) The sender's incoming webhook points at Mammut.
    Webhook,
}

impl Step {
    /// Every step, in order.
    pub const ALL: [Step; 4] = [Step::Credentials, Step::Sender, Step::Bot, Step::Webhook];
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Step::Credentials => "(a) Twilio credentials",
            Step::Sender => "(b) WhatsApp sender",
            Step::Bot => "(c) Mammut bot",
            Step::Webhook => "(d) webhook",
        })
    }
}

/// How a step ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Outcome {
    /// A check passed.
    Ok,
    /// A change was made.
    Done,
    /// A dry run: the change it would make.
    WouldDo,
    /// Nothing to change: it already is so.
    Unchanged,
    /// The step failed.
    Failed,
    /// An earlier step failed, so this one did not run.
    NotRun,
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Outcome::Ok => "ok",
            Outcome::Done => "done",
            Outcome::WouldDo => "would do",
            Outcome::Unchanged => "unchanged",
            Outcome::Failed => "FAILED",
            Outcome::NotRun => "not run",
        })
    }
}

/// One step's outcome, in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct StepReport {
    /// The step.
    pub step: Step,
    /// How it ended.
    pub outcome: Outcome,
    /// What it found or did.
    pub detail: String,
}

impl fmt::Display for StepReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.step, self.outcome, self.detail)
    }
}

/// What happened to the bot on Mammut.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "change", content = "id")]
#[non_exhaustive]
pub enum BotChange {
    /// Nothing was sent to Mammut, or Mammut refused it.
    None,
    /// Mammut created bot `id`.
    Created(u64),
    /// Mammut updated bot `id`.
    Updated(u64),
    /// A create got no usable answer: Mammut may have created a bot.
    MaybeCreated,
    /// An update of bot `id` got no usable answer: Mammut may have applied it.
    MaybeUpdated(u64),
}

/// What happened to the sender's webhook.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum WebhookChange {
    /// It was not changed.
    None,
    /// It already posted incoming messages to the URL.
    AlreadySet,
    /// It was pointed at the URL.
    Updated,
    /// The update got no usable answer: Twilio may have applied it.
    Unconfirmed,
}

/// What [`connect`](super::connect()) found and did, step by step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ConnectReport {
    /// Whether changes were allowed ([`ConnectOptions::apply`](super::ConnectOptions::apply)).
    pub applied: bool,
    /// The steps, in order; after a failure, the steps that did not run say so.
    pub steps: Vec<StepReport>,
    /// The Twilio account, once fetched.
    pub account: Option<Account>,
    /// The number's WhatsApp sender, once found.
    pub sender: Option<WhatsAppSender>,
    /// What happened to the bot on Mammut.
    pub bot: BotChange,
    /// What happened to the webhook.
    pub webhook: WebhookChange,
    /// The URL incoming messages should go to.
    pub webhook_url: String,
}

impl ConnectReport {
    pub(super) fn new(applied: bool, webhook_url: String) -> Self {
        ConnectReport {
            applied,
            steps: Vec::new(),
            account: None,
            sender: None,
            bot: BotChange::None,
            webhook: WebhookChange::None,
            webhook_url,
        }
    }

    pub(super) fn push(&mut self, step: Step, outcome: Outcome, detail: impl Into<String>) {
        self.steps.push(StepReport {
            step,
            outcome,
            detail: detail.into(),
        });
    }

    /// The id of the bot on Mammut, when known: created, updated, or given in the config.
    pub fn bot_id(&self) -> Option<u64> {
        match self.bot {
            BotChange::Created(id) | BotChange::Updated(id) | BotChange::MaybeUpdated(id) => {
                Some(id)
            }
            BotChange::None | BotChange::MaybeCreated => None,
        }
    }

    /// True when something was, or may have been, changed.
    pub fn changed_anything(&self) -> bool {
        self.bot != BotChange::None
            || matches!(
                self.webhook,
                WebhookChange::Updated | WebhookChange::Unconfirmed
            )
    }

    /// What was changed, in words: `nothing was changed`, or for instance `bot 123 created
    /// on Mammut, webhook not updated`.
    pub fn changes(&self) -> String {
        if !self.changed_anything() {
            return "nothing was changed".to_owned();
        }
        let bot = match self.bot {
            BotChange::None => "no bot created or updated on Mammut".to_owned(),
            BotChange::Created(id) => format!("bot {id} created on Mammut"),
            BotChange::Updated(id) => format!("bot {id} updated on Mammut"),
            BotChange::MaybeCreated => {
                "a bot may have been created on Mammut (its id is unknown)".to_owned()
            }
            BotChange::MaybeUpdated(id) => format!("bot {id} may have been updated on Mammut"),
        };
        let webhook = match self.webhook {
            WebhookChange::None => "webhook not updated",
            WebhookChange::AlreadySet => "webhook already pointed at Mammut",
            WebhookChange::Updated => "webhook updated",
            WebhookChange::Unconfirmed => "webhook update unconfirmed (Twilio may have applied it)",
        };
        format!("{bot}, {webhook}")
    }

    pub(super) fn not_run_after(&mut self, failed: Step) {
        for step in Step::ALL.into_iter().skip_while(|s| *s != failed).skip(1) {
            self.push(step, Outcome::NotRun, "an earlier step failed");
        }
    }
}
