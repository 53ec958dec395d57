//! The HTTP calls to the Content API (`https://content.twilio.com/v1/…`): JSON bodies,
//! Basic auth as the Messages API, the crate's one HTTP layer and its retries (only what
//! Twilio did not process is repeated: HTTP 429, a failure to connect).

use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::model::NewContent;
use super::resource::{ContentApproval, ContentResource, TemplateCategory, WhatsAppApproval};
use super::validate::{validate, validate_sid, validate_template_name};
use crate::error::{Error, ParseError, TransportError, excerpt};
use crate::provider::ProviderKind;
use crate::retry::run_with_retries;
use crate::transport::{self, Answer, Effect};
use crate::twilio::answer::api_error;
use crate::twilio::client::credentials;
use crate::twilio::config::Inner;

const TWILIO: ProviderKind = ProviderKind::TWILIO;
/// The most pages a list follows, so that an answer that links to itself cannot loop.
const MAX_PAGES: usize = 10_000;

/// One exchange (with retries): `method` to `{content_base}{path}` with a JSON body when
/// given; a non-2xx answer is the [`Error::Api`] Twilio's body says.
async fn call(
    inner: &Inner,
    method: http::Method,
    path: &str,
    body: Option<Vec<u8>>,
    effect: Effect,
) -> Result<(String, Answer), Error> {
    let (user, password) = credentials(inner)?;
    let url = format!("{}{path}", inner.content_base);
    let answer = run_with_retries(&inner.http.retry, |_| async {
        let mut request = inner
            .http
            .request(method.clone(), &url)
            .basic_auth(user, Some(password))
            .header(http::header::ACCEPT, "application/json");
        if let Some(b) = &body {
            request = request
                .header(http::header::CONTENT_TYPE, "application/json")
                .body(b.clone());
        }
        let answer = transport::exchange(&TWILIO, &url, effect, request).await?;
        if answer.is_success() {
            Ok(answer)
        } else {
            let text = answer.text();
            Err(api_error(answer.status, &text, answer.retry_after).into())
        }
    })
    .await?;
    Ok((url, answer))
}

/// Reads a success body as `T`; `what` names it in the error.
fn read<T: DeserializeOwned>(answer: &Answer, what: &str) -> Result<T, Error> {
    serde_json::from_slice(&answer.body).map_err(|e| {
        let body = excerpt(String::from_utf8_lossy(&answer.body).trim(), 200);
        Error::Parse(ParseError::malformed(format!(
            "HTTP {}, but the body is not {what} ({e}): {body}",
            answer.status
        )))
    })
}

fn json_body(value: &impl serde::Serialize) -> Result<Vec<u8>, Error> {
    serde_json::to_vec(value).map_err(|e| Error::Parse(ParseError::malformed(e.to_string())))
}

/// `POST /v1/Content`, after validating the content.
pub(crate) async fn create(inner: &Inner, content: &NewContent) -> Result<ContentResource, Error> {
    validate(content)?;
    let body = json_body(content)?;
    let (url, answer) = call(
        inner,
        http::Method::POST,
        "/v1/Content",
        Some(body),
        Effect::Sends,
    )
    .await?;
    let created: Result<ContentResource, Error> = read(&answer, "a Content resource");
    match created {
        Ok(c) if crate::twilio::is_sid(&c.sid, "HX") => Ok(c),
        _ => Err(Error::MaybeSent(TransportError::new(
            TWILIO,
            &url,
            format!(
                "HTTP {}, but the answer names no Content SID; the content may have been created",
                answer.status
            ),
        ))),
    }
}

/// `GET /v1/Content/{sid}`.
pub(crate) async fn fetch(inner: &Inner, sid: &str) -> Result<ContentResource, Error> {
    validate_sid(sid)?;
    let path = format!("/v1/Content/{sid}");
    let (_, answer) = call(inner, http::Method::GET, &path, None, Effect::Reads).await?;
    read(&answer, "a Content resource")
}

/// `DELETE /v1/Content/{sid}`.
pub(crate) async fn delete(inner: &Inner, sid: &str) -> Result<(), Error> {
    validate_sid(sid)?;
    let path = format!("/v1/Content/{sid}");
    call(inner, http::Method::DELETE, &path, None, Effect::Reads).await?;
    Ok(())
}

/// One page of `GET /v1/Content`.
#[derive(Deserialize)]
struct Page {
    #[serde(default)]
    contents: Vec<ContentResource>,
    #[serde(default)]
    meta: Option<PageMeta>,
}

#[derive(Deserialize)]
struct PageMeta {
    #[serde(default)]
    next_page_url: Option<String>,
}

/// The path and query of a next-page URL. Only they are used: the next page is asked of
/// the configured origin, so credentials never follow a link to another host.
fn path_and_query(next: &str) -> Result<String, Error> {
    let url = url::Url::parse(next)
        .or_else(|_| url::Url::parse("https://content.twilio.com")?.join(next))
        .map_err(|e| {
            Error::Parse(ParseError::invalid(
                "meta.next_page_url",
                format!("{next:?} is not a URL: {e}"),
            ))
        })?;
    Ok(match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_owned(),
    })
}

/// Every page of `GET /v1/Content`, `page_size` at a time, following `meta.next_page_url`.
pub(crate) async fn list(inner: &Inner, page_size: u32) -> Result<Vec<ContentResource>, Error> {
    if !(1..=1000).contains(&page_size) {
        return Err(crate::error::ValidationError::Invalid {
            field: "page size",
            reason: format!("{page_size} is not between 1 and 1,000"),
        }
        .into());
    }
    let mut path = format!("/v1/Content?PageSize={page_size}");
    let mut all = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for _ in 0..MAX_PAGES {
        let (_, answer) = call(inner, http::Method::GET, &path, None, Effect::Reads).await?;
        let page: Page = read(&answer, "a page of Content resources")?;
        all.extend(page.contents);
        let next = page
            .meta
            .and_then(|m| m.next_page_url)
            .filter(|n| !n.trim().is_empty());
        let Some(next) = next else {
            return Ok(all);
        };
        seen.insert(path);
        path = path_and_query(&next)?;
        if seen.contains(&path) {
            return Err(Error::Parse(ParseError::invalid(
                "meta.next_page_url",
                format!("the page {path:?} links back to a page already read"),
            )));
        }
    }
    Err(Error::Parse(ParseError::invalid(
        "meta.next_page_url",
        format!("more than {MAX_PAGES} pages"),
    )))
}

/// `POST /v1/Content/{sid}/ApprovalRequests/whatsapp` with the name and category.
pub(crate) async fn submit(
    inner: &Inner,
    sid: &str,
    name: &str,
    category: TemplateCategory,
) -> Result<WhatsAppApproval, Error> {
    validate_sid(sid)?;
    validate_template_name(name)?;
    let body = json_body(&serde_json::json!({"name": name, "category": category.as_str()}))?;
    let path = format!("/v1/Content/{sid}/ApprovalRequests/whatsapp");
    let (_, answer) = call(inner, http::Method::POST, &path, Some(body), Effect::Sends).await?;
    read(&answer, "a WhatsApp approval request")
}

/// `GET /v1/Content/{sid}/ApprovalRequests`.
pub(crate) async fn approval(inner: &Inner, sid: &str) -> Result<ContentApproval, Error> {
    validate_sid(sid)?;
    let path = format!("/v1/Content/{sid}/ApprovalRequests");
    let (_, answer) = call(inner, http::Method::GET, &path, None, Effect::Reads).await?;
    read(&answer, "a content's approvals")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_pages_keep_only_path_and_query() {
        assert_eq!(
            path_and_query("https://evil.example/v1/Content?PageSize=2&Page=1&PageToken=PT1")
                .unwrap(),
            "/v1/Content?PageSize=2&Page=1&PageToken=PT1"
        );
        assert_eq!(
            path_and_query("/v1/Content?Page=2").unwrap(),
            "/v1/Content?Page=2"
        );
    }
}
