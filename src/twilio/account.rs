//! The account itself: `GET /2010-04-01/Accounts/{AccountSid}.json`, which answers only
//! when the account SID and its credentials go together, so it is how a setup checks them.

use serde::{Deserialize, Serialize};

use super::TwilioProvider;
use super::answer::api_error;
use super::client::credentials;
use super::config::Inner;
use crate::error::{Error, ParseError};
use crate::provider::ProviderKind;
use crate::retry::run_with_retries;
use crate::transport::{self, Answer, Effect};

const TWILIO: ProviderKind = ProviderKind::TWILIO;

/// A Twilio account, as `GET /2010-04-01/Accounts/{AccountSid}.json` describes it.
///
/// Twilio's answer also carries the account's auth token: it is not kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Account {
    /// The account SID (`AC…`).
    pub sid: String,
    /// Its name (by default the owner's email address).
    #[serde(default)]
    pub friendly_name: Option<String>,
    /// `active`, `suspended` or `closed`.
    #[serde(default)]
    pub status: Option<String>,
    /// `Trial` or `Full`.
    #[serde(default, rename = "type")]
    pub account_type: Option<String>,
}

impl Account {
    /// True when Twilio says the account is `active`.
    pub fn is_active(&self) -> bool {
        self.status.as_deref() == Some("active")
    }
}

impl TwilioProvider {
    /// Fetches the provider's account: `GET /2010-04-01/Accounts/{AccountSid}.json`. It
    /// succeeds only when the account SID and the auth token (or API key) go together, so it
    /// checks credentials without sending anything. A rate-limited call is retried as the
    /// provider's [`RetryPolicy`](crate::retry::RetryPolicy) allows.
    ///
    /// # Errors
    ///
    /// - [`Error::Config`] (field `auth_token`) when no auth token or API key is configured.
    /// - [`Error::Api`] when Twilio answers with an error:
    ///   [`Unauthorized`](crate::ApiErrorKind::Unauthorized) (HTTP 401, code 20003) for a wrong
    ///   account SID or auth token, [`NotFound`](crate::ApiErrorKind::NotFound) for an account
    ///   the credentials cannot see.
    /// - [`Error::Parse`] when a success answer is not an account.
    /// - [`Error::Connect`] when Twilio cannot be reached; [`Error::Transport`] when the call went
    ///   out and no complete answer came back.
    pub async fn fetch_account(&self) -> Result<Account, Error> {
        let inner = &self.inner;
        let url = format!(
            "{}/2010-04-01/Accounts/{}.json",
            inner.api_base, inner.account_sid
        );
        let answer = get_json(inner, &url).await?;
        let account: Account = read_json(&answer, "an account")?;
        if account.sid != inner.account_sid {
            return Err(ParseError::invalid(
                "sid",
                format!(
                    "Twilio answered with the account {:?}, not {:?}",
                    account.sid, inner.account_sid
                ),
            )
            .into());
        }
        Ok(account)
    }
}

/// `GET url` with the account's Basic credentials, asking for JSON, retried as the policy
/// allows; an error status is the [`ApiError`](crate::ApiError) it carries.
pub(super) async fn get_json(inner: &Inner, url: &str) -> Result<Answer, Error> {
    let (user, password) = credentials(inner)?;
    run_with_retries(&inner.http.retry, |_| async {
        let request = inner
            .http
            .request(http::Method::GET, url)
            .basic_auth(user, Some(password))
            .header(http::header::ACCEPT, "application/json");
        let answer = transport::exchange(&TWILIO, url, Effect::Reads, request).await?;
        if answer.is_success() {
            Ok(answer)
        } else {
            Err(api_error(answer.status, &answer.text(), answer.retry_after).into())
        }
    })
    .await
}

/// A success answer's body as `T`; `what` names it in the error. The body itself is not
/// shown: the account's answer carries its auth token.
pub(super) fn read_json<T: serde::de::DeserializeOwned>(
    answer: &Answer,
    what: &str,
) -> Result<T, Error> {
    serde_json::from_slice(&answer.body).map_err(|e| {
        Error::Parse(ParseError::malformed(format!(
            "HTTP {}, but the body is not {what}: {e}",
            answer.status
        )))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_auth_token_in_the_answer_is_not_kept() {
        let account: Account = serde_json::from_str(
            r#"{"sid": "AC0123456789abcdef0123456789abcdef", "auth_token": "00112233445566778899aabbccddeeff",
                "friendly_name": "Botwi", "status": "active", "type": "Full"}"#,
        )
        .unwrap();
        assert!(account.is_active());
        assert_eq!(account.account_type.as_deref(), Some("Full"));
        let shown = format!("{account:?} {}", serde_json::to_string(&account).unwrap());
        assert!(
            !shown.contains("00112233445566778899aabbccddeeff"),
            "{shown}"
        );
    }
}
