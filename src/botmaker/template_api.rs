//! The provider's calls to `/whatsapp/templates` (v2): list, read, create and delete WhatsApp
//! templates.

use serde_json::Value;

use super::BotmakerProvider;
use super::templates::{NewTemplate, TemplateState, WhatsAppTemplate};
use crate::error::{Error, ParseError};
use crate::message::ValidationError;
use crate::transport::Effect;

/// The most pages [`BotmakerProvider::whatsapp_templates`] reads. Botmaker's OpenAPI gives the
/// list in one answer; a `nextPage` is followed, as on Botmaker's other lists, up to this bound.
pub const MAX_TEMPLATE_PAGES: usize = 50;

/// Which templates [`BotmakerProvider::whatsapp_templates`] lists: all of them, or those in
/// one state (`state`, `APPROVED` or `REJECTED`) or allowed in some queues (`queues`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TemplateQuery {
    state: Option<TemplateState>,
    queues: Vec<String>,
}

impl TemplateQuery {
    /// Every template.
    pub fn all() -> Self {
        TemplateQuery::default()
    }

    /// Only templates in `state`: Botmaker filters by [`TemplateState::Approved`] or
    /// [`TemplateState::Rejected`].
    pub fn with_state(mut self, state: TemplateState) -> Self {
        self.state = Some(state);
        self
    }

    /// Only templates allowed in `queue` (repeat for several queues).
    pub fn with_queue(mut self, queue: impl Into<String>) -> Self {
        self.queues.push(queue.into());
        self
    }

    fn validate(&self) -> Result<(), ValidationError> {
        match &self.state {
            None | Some(TemplateState::Approved | TemplateState::Rejected) => Ok(()),
            Some(other) => Err(ValidationError::Invalid {
                field: "state",
                reason: format!("Botmaker filters by APPROVED or REJECTED, not {other}"),
            }),
        }
    }
}

impl BotmakerProvider {
    /// The WhatsApp templates `query` selects: `GET /whatsapp/templates`, every page. Needs the
    /// v2 API.
    ///
    /// # Errors
    ///
    /// - [`Error::Invalid`] (field `state`) for a state Botmaker does not filter by.
    /// - [`Error::Unsupported`] when the provider uses the legacy v1 API.
    /// - [`Error::Config`] (field `access_token`) when no access token is configured.
    /// - [`Error::Api`] when Botmaker answers with an error, after retrying rate limits as the
    ///   provider's [`RetryPolicy`](crate::retry::RetryPolicy) allows (Botmaker allows one
    ///   list a second).
    /// - [`Error::Connect`] when Botmaker cannot be reached; [`Error::Transport`] when the
    ///   request went out and no complete answer came back (repeating it is safe).
    /// - [`Error::TooLarge`] when an answer is larger than 1 MiB.
    /// - [`Error::Parse`] when an answer cannot be read, or when it has more than
    ///   [`MAX_TEMPLATE_PAGES`] pages.
    pub async fn whatsapp_templates(
        &self,
        query: &TemplateQuery,
    ) -> Result<Vec<WhatsAppTemplate>, Error> {
        query.validate()?;
        self.require_v2("WhatsApp templates through the legacy v1 API")?;
        let mut url = self.client.url(&["whatsapp", "templates"])?;
        {
            let mut pairs = url.query_pairs_mut();
            if let Some(s) = &query.state {
                pairs.append_pair("state", s.as_str());
            }
            for q in &query.queues {
                pairs.append_pair("queues", q);
            }
        }
        if url.query() == Some("") {
            url.set_query(None);
        }
        let mut templates = Vec::new();
        for _ in 0..MAX_TEMPLATE_PAGES {
            tracing::debug!("botmaker: templates page");
            let body = self.client.get(&url, false).await?.unwrap_or_default();
            let (page, next) = template_page(&body)?;
            templates.extend(page);
            match next {
                Some(n) => url = self.client.answered_url("nextPage", &n)?,
                None => return Ok(templates),
            }
        }
        Err(Error::Parse(ParseError::invalid(
            "nextPage",
            format!("the list goes on past {MAX_TEMPLATE_PAGES} pages"),
        )))
    }

    /// The WhatsApp template `id_or_name`: `GET /whatsapp/templates/{idOrName}`. `None` when
    /// Botmaker does not know it (404). Needs the v2 API.
    ///
    /// # Errors
    ///
    /// - [`Error::Invalid`] (field `idOrName`) for an empty id or name, before any request.
    /// - The errors of [`BotmakerProvider::whatsapp_templates`] for one answer, but a 404.
    pub async fn whatsapp_template(
        &self,
        id_or_name: &str,
    ) -> Result<Option<WhatsAppTemplate>, Error> {
        let url = self.template_url(id_or_name)?;
        match self.client.get(&url, true).await? {
            None => Ok(None),
            Some(body) => parse_template(&body).map(Some),
        }
    }

    /// Creates a WhatsApp template and submits it for approval: `POST /whatsapp/templates`,
    /// after [`NewTemplate::validate`]. The answer is the template as Botmaker stored it
    /// (usually pending approval). Needs the v2 API.
    ///
    /// # Errors
    ///
    /// - [`Error::Invalid`] when the template breaks a rule ([`NewTemplate::validate`]), naming
    ///   the field, before any request.
    /// - [`Error::Unsupported`] when the provider uses the legacy v1 API.
    /// - [`Error::Config`] (field `access_token`) when no access token is configured.
    /// - [`Error::Api`] when Botmaker refuses it (400, with Botmaker's reasons), after retrying
    ///   rate limits as the provider's [`RetryPolicy`](crate::retry::RetryPolicy) allows.
    /// - [`Error::Connect`] when Botmaker cannot be reached: nothing was created.
    /// - [`Error::MaybeSent`] when the request went out and no complete answer came back: the
    ///   template may have been created (look it up before creating it again).
    /// - [`Error::Parse`] when the success answer cannot be read as a template: it was created.
    pub async fn create_whatsapp_template(
        &self,
        template: &NewTemplate,
    ) -> Result<WhatsAppTemplate, Error> {
        template.validate()?;
        self.require_v2("WhatsApp templates through the legacy v1 API")?;
        let url = self.client.url(&["whatsapp", "templates"])?;
        tracing::debug!(name = template.name(), "botmaker: create template");
        let answer = self
            .client
            .call(http::Method::POST, &url, Some(template), Effect::Sends)
            .await?;
        parse_template(&answer.text())
    }

    /// Deletes the WhatsApp template `id_or_name`: `DELETE /whatsapp/templates/{idOrName}`.
    /// Needs the v2 API.
    ///
    /// # Errors
    ///
    /// - [`Error::Invalid`] (field `idOrName`) for an empty id or name, before any request.
    /// - [`Error::Api`] when Botmaker answers with an error; a template it does not know is
    ///   HTTP 404, [`ApiErrorKind::NotFound`](crate::ApiErrorKind::NotFound).
    /// - The other errors of [`BotmakerProvider::whatsapp_templates`] for one answer.
    pub async fn delete_whatsapp_template(&self, id_or_name: &str) -> Result<(), Error> {
        let url = self.template_url(id_or_name)?;
        tracing::debug!(template = id_or_name, "botmaker: delete template");
        self.client
            .call::<()>(http::Method::DELETE, &url, None, Effect::Reads)
            .await
            .map(|_| ())
    }

    fn template_url(&self, id_or_name: &str) -> Result<url::Url, Error> {
        if id_or_name.trim().is_empty() {
            return Err(ValidationError::Empty { field: "idOrName" }.into());
        }
        self.require_v2("WhatsApp templates through the legacy v1 API")?;
        self.client.url(&["whatsapp", "templates", id_or_name])
    }
}

fn parse_template(body: &str) -> Result<WhatsAppTemplate, Error> {
    let v: Value = serde_json::from_str(body).map_err(|e| {
        Error::Parse(ParseError::malformed(format!(
            "the template answer is not JSON: {e}"
        )))
    })?;
    WhatsAppTemplate::from_value(v).map_err(Error::Parse)
}

/// One page of `GET /whatsapp/templates`: its templates and its `nextPage`, if any.
fn template_page(body: &str) -> Result<(Vec<WhatsAppTemplate>, Option<String>), Error> {
    let v: Value = serde_json::from_str(body).map_err(|e| {
        Error::Parse(ParseError::malformed(format!(
            "the template list is not JSON: {e}"
        )))
    })?;
    let items = match v.get("items") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items.clone(),
        Some(_) => {
            return Err(Error::Parse(ParseError::invalid(
                "items",
                "expected an array",
            )));
        }
    };
    let templates = items
        .into_iter()
        .map(WhatsAppTemplate::from_value)
        .collect::<Result<Vec<_>, _>>()
        .map_err(Error::Parse)?;
    let next = match v.get("nextPage") {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.clone()),
        None | Some(Value::Null | Value::String(_)) => None,
        Some(_) => {
            return Err(Error::Parse(ParseError::invalid(
                "nextPage",
                "expected a string",
            )));
        }
    };
    Ok((templates, next))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_read() {
        let (t, next) = template_page(
            r#"{"items": [{"name": "a", "body": {"text": "x"}}], "nextPage": "https://api.botmaker.com/v2.0/whatsapp/templates?page=2"}"#,
        )
        .unwrap();
        assert_eq!(t[0].name.as_deref(), Some("a"));
        assert!(next.unwrap().ends_with("page=2"));
        assert!(template_page("{}").unwrap().0.is_empty());
        assert!(template_page(r#"{"items": {}}"#).is_err());
        assert!(template_page(r#"{"items": [], "nextPage": 3}"#).is_err());
        assert!(template_page("nope").is_err());
    }

    #[test]
    fn queries_are_checked() {
        TemplateQuery::all()
            .with_state(TemplateState::Approved)
            .validate()
            .unwrap();
        let e = TemplateQuery::all()
            .with_state(TemplateState::AccountPending)
            .validate()
            .unwrap_err();
        assert!(matches!(e, ValidationError::Invalid { field: "state", .. }));
    }
}
