//! Media on the Cloud API: uploads (`POST /{version}/{phone-number-id}/media`, multipart),
//! and downloads (`GET /{version}/{media-id}` for a short-lived URL, then that URL with the
//! bearer token, only when it is on Meta's hosts).

use bytes::Bytes;
use serde::Deserialize;

use super::MetaProvider;
use super::answer::api_error;
use crate::error::{Error, ParseError, TransportError, ValidationError};
use crate::provider::ProviderKind;
use crate::transport::{self, Effect};

const META: ProviderKind = ProviderKind::META;

/// The largest media download read unless configured otherwise: 100 MiB, the size of the
/// largest document WhatsApp carries.
pub const DEFAULT_MEDIA_MAX_BYTES: u64 = 100 * 1024 * 1024;

/// The domains (and their subdomains) the access token goes to for a media download:
/// where Meta serves media (`lookaside.fbsbx.com`, `*.fbcdn.net`, `*.whatsapp.net`) and the
/// Graph API's own (`*.facebook.com`). A URL elsewhere is refused, so that an answer cannot
/// send the token to another host. The configured base URL's origin is accepted as well, for
/// a test server.
pub const MEDIA_HOSTS: &[&str] = &["fbsbx.com", "fbcdn.net", "facebook.com", "whatsapp.net"];

/// The most redirects a media download follows (each to Meta's hosts only).
const MAX_REDIRECTS: usize = 3;

/// A downloaded media file.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct MediaDownload {
    /// The media id.
    pub id: String,
    /// The MIME type Meta gives (`image/jpeg`), else the answer's `Content-Type`.
    pub mime_type: Option<String>,
    /// The SHA-256 of the file, as Meta gives it.
    pub sha256: Option<String>,
    /// The bytes.
    pub bytes: Bytes,
}

/// The answer to `GET /{media-id}`.
#[derive(Deserialize)]
struct MediaInfo {
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    mime_type: Option<String>,
    #[serde(default)]
    sha256: Option<String>,
    #[serde(default)]
    file_size: Option<serde_json::Value>,
}

/// The answer to an upload.
#[derive(Deserialize)]
struct Uploaded {
    #[serde(default)]
    id: Option<String>,
}

impl MetaProvider {
    /// Uploads a file (`multipart/form-data`: `messaging_product`, `type` and `file`) and
    /// returns its media id, to send with
    /// [`MediaRef::id`](super::request::MediaRef::id). Meta keeps uploads for 30 days.
    ///
    /// An upload sends nothing to anyone, so unlike a send it is retried after a rate
    /// limit, and a timeout is an [`Error::Transport`] (at worst, an upload nobody uses).
    ///
    /// # Errors
    ///
    /// [`Error::Invalid`] for an empty file, a MIME type not of the form `type/subtype`, or
    /// a file name with a quote or a line break, before any call; [`Error::Config`] without
    /// an access token or phone number id; [`Error::Api`] when Meta refuses it;
    /// [`Error::Connect`] or [`Error::Transport`] when the exchange fails;
    /// [`Error::Parse`] when the answer names no media id.
    pub async fn upload_media(
        &self,
        bytes: impl Into<Bytes>,
        mime_type: &str,
        filename: &str,
    ) -> Result<String, Error> {
        let bytes = bytes.into();
        if bytes.is_empty() {
            return Err(ValidationError::Empty { field: "media" }.into());
        }
        check_mime(mime_type)?;
        if filename.trim().is_empty()
            || filename
                .chars()
                .any(|c| c.is_control() || matches!(c, '"' | '\\'))
        {
            return Err(ValidationError::Invalid {
                field: "filename",
                reason:
                    "must be a non-empty name without quotes, backslashes or control characters"
                        .into(),
            }
            .into());
        }
        let url = self.client.phone_url("media")?;
        let url = url.as_str();
        let boundary = format!("wa-{}", fastrand_token());
        let body = multipart(&boundary, mime_type, filename, &bytes);
        let content_type = format!("multipart/form-data; boundary={boundary}");
        let answer = crate::retry::run_with_retries(&self.client.http.retry, |_| async {
            let request = self
                .client
                .request(http::Method::POST, url)?
                .header(reqwest::header::CONTENT_TYPE, &content_type)
                .body(body.clone());
            let answer = transport::exchange(&META, url, Effect::Reads, request).await?;
            if !answer.is_success() {
                return Err(api_error(answer.status, &answer.text(), answer.retry_after).into());
            }
            Ok(answer)
        })
        .await?;
        let uploaded: Uploaded = serde_json::from_slice(&answer.body)
            .map_err(|e| ParseError::malformed(format!("the upload's answer: {e}")))?;
        uploaded
            .id
            .filter(|id| !id.trim().is_empty())
            .ok_or_else(|| ParseError::missing("id").into())
    }

    /// Downloads the media `media` names: a media id (from a webhook), or the URL
    /// [`parse`](crate::WhatsAppProvider::parse) gives for one (`{base}/{version}/{id}`).
    /// Asks the Graph API for the file's URL, then fetches it with the access token, which
    /// goes only to Meta's hosts ([`MEDIA_HOSTS`]) or the configured base URL's origin. At
    /// most [`media_max_bytes`](super::MetaBuilder::media_max_bytes) are read. A redirect is
    /// followed only to Meta's hosts, and a file whose SHA-256 differs from the one Meta
    /// gives (in hexadecimal) is refused.
    ///
    /// # Errors
    ///
    /// [`Error::Invalid`] for an empty id; [`Error::Config`] without an access token;
    /// [`Error::Api`] when Meta refuses either request (an unknown or expired id);
    /// [`Error::Parse`] when the first answer names no URL, or a URL off Meta's hosts;
    /// [`Error::TooLarge`] when the file is larger than the limit (told in advance, or found
    /// while reading); [`Error::Connect`] or [`Error::Transport`] when an exchange fails (a
    /// redirect off Meta's hosts, or more than three, included) or the file's SHA-256 differs.
    pub async fn download_media(&self, media: &str) -> Result<MediaDownload, Error> {
        let id = self.media_id(media)?;
        let info_url = self.client.url(&[id])?;
        let info = self.get(&info_url, transport::MAX_SUCCESS_BODY).await?;
        let info: MediaInfo = serde_json::from_slice(&info.bytes)
            .map_err(|e| ParseError::malformed(format!("the media's answer: {e}")))?;
        let url = info.url.ok_or_else(|| ParseError::missing("url"))?;
        let url = self.media_url(&url)?;
        let limit = self.client.media_max_bytes;
        let announced = match &info.file_size {
            Some(serde_json::Value::Number(n)) => n.as_u64(),
            Some(serde_json::Value::String(s)) => s.trim().parse().ok(),
            _ => None,
        };
        if announced.is_some_and(|n| n > limit) {
            return Err(Error::TooLarge {
                provider: META,
                limit,
            });
        }
        let file = self
            .get(&url, usize::try_from(limit).unwrap_or(usize::MAX))
            .await?;
        if info
            .sha256
            .as_deref()
            .is_some_and(|h| sha256_differs(h, &file.bytes))
        {
            return Err(Error::Transport(TransportError::new(
                META,
                url.as_str(),
                "the file's SHA-256 differs from the one Meta gives; downloading it again is safe",
            )));
        }
        Ok(MediaDownload {
            id: id.to_owned(),
            mime_type: info.mime_type.or(file.content_type),
            sha256: info.sha256,
            bytes: file.bytes,
        })
    }

    /// The media id in `media`: the id itself, or the last segment of a URL under the
    /// base URL and version.
    fn media_id<'a>(&self, media: &'a str) -> Result<&'a str, Error> {
        let media = media.trim();
        let prefix = format!("{}/{}/", self.client.base_url, self.client.api_version);
        let id = media.strip_prefix(&prefix).unwrap_or(media);
        if id.is_empty() {
            return Err(ValidationError::Empty { field: "media id" }.into());
        }
        if id.contains(['/', '?', '#']) || id.chars().any(char::is_whitespace) {
            return Err(ValidationError::Invalid {
                field: "media id",
                reason: "is neither a media id nor a media URL of this provider".into(),
            }
            .into());
        }
        Ok(id)
    }

    /// `given` as a URL the access token may go to.
    fn media_url(&self, given: &str) -> Result<url::Url, Error> {
        let refused = |why: &str| Error::Parse(ParseError::invalid("url", why));
        let url = url::Url::parse(given.trim()).map_err(|_| refused("is not a URL"))?;
        let base = url::Url::parse(&self.client.base_url).ok();
        if base.is_some_and(|b| b.origin() == url.origin()) {
            return Ok(url);
        }
        let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
        if url.scheme() == "https" && is_media_host(&host) {
            return Ok(url);
        }
        Err(refused(
            "is not an https URL on Meta's hosts; the access token is not sent there",
        ))
    }

    /// `GET url` with the token, read up to `limit` bytes, retried as the policy allows.
    /// Up to [`MAX_REDIRECTS`] redirects are followed, each only to a URL the token may go
    /// to ([`Self::media_url`]).
    async fn get(&self, url: &url::Url, limit: usize) -> Result<Fetched, Error> {
        crate::retry::run_with_retries(&self.client.http.retry, |_| async {
            let mut current = url.clone();
            for _ in 0..=MAX_REDIRECTS {
                let request = self.client.request(http::Method::GET, current.as_str())?;
                let response =
                    transport::send(&META, current.as_str(), Effect::Reads, request).await?;
                if response.status().is_redirection() {
                    current = self.redirect_target(&current, &response)?;
                    continue;
                }
                return read(&current, response, limit).await;
            }
            Err(Error::Transport(TransportError::new(
                META,
                current.as_str(),
                format!("more than {MAX_REDIRECTS} redirects"),
            )))
        })
        .await
    }

    /// Where a redirect leads, when the token may go there.
    fn redirect_target(
        &self,
        current: &url::Url,
        response: &reqwest::Response,
    ) -> Result<url::Url, Error> {
        let failed =
            |what: String| Error::Transport(TransportError::new(META, current.as_str(), what));
        let status = response.status().as_u16();
        let next = transport::redirect_location(current, response).map_err(failed)?;
        self.media_url(next.as_str()).map_err(|_| {
            failed(format!(
                "HTTP {status} redirect off Meta's hosts, not followed with the access token"
            ))
        })
    }
}

/// Reads an answer: its body up to `limit` bytes when it is a success, else its error.
async fn read(
    url: &url::Url,
    mut response: reqwest::Response,
    limit: usize,
) -> Result<Fetched, Error> {
    let status = response.status();
    if !status.is_success() {
        let retry = transport::retry_after(response.headers());
        let body = transport::read_error_body(&mut response).await;
        let text = String::from_utf8_lossy(&body);
        return Err(api_error(status.as_u16(), &text, retry).into());
    }
    let content_type = response
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let read = transport::read_capped(&mut response, limit, true)
        .await
        .map_err(|e| {
            let error = TransportError::new(META, url.as_str(), "the download failed");
            Error::Transport(error.with_reqwest(e))
        })?;
    if !read.complete {
        return Err(Error::TooLarge {
            provider: META,
            limit: limit as u64,
        });
    }
    Ok(Fetched {
        content_type,
        bytes: read.bytes,
    })
}

/// True when `expected` is a hexadecimal SHA-256 other than that of `bytes`. (A value in
/// another form is not checked.)
fn sha256_differs(expected: &str, bytes: &[u8]) -> bool {
    use sha2::Digest;
    let expected = expected.trim();
    if expected.len() != 64 || !expected.bytes().all(|b| b.is_ascii_hexdigit()) {
        return false;
    }
    let actual: String = sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    !actual.eq_ignore_ascii_case(expected)
}

struct Fetched {
    content_type: Option<String>,
    bytes: Bytes,
}

/// True for a host in [`MEDIA_HOSTS`] or under one.
fn is_media_host(host: &str) -> bool {
    MEDIA_HOSTS.iter().any(|d| {
        host == *d
            || host
                .strip_suffix(d)
                .is_some_and(|rest| rest.ends_with('.') && rest.len() > 1)
    })
}

fn check_mime(mime: &str) -> Result<(), ValidationError> {
    let ok = mime.split_once('/').is_some_and(|(a, b)| {
        !a.is_empty() && !b.is_empty() && mime.bytes().all(|c| c.is_ascii_graphic() && c != b'"')
    });
    if ok {
        Ok(())
    } else {
        Err(ValidationError::Invalid {
            field: "mime_type",
            reason: format!("{mime:?} is not a MIME type such as image/jpeg"),
        })
    }
}

/// 24 random alphanumeric characters, for a multipart boundary.
fn fastrand_token() -> String {
    std::iter::repeat_with(fastrand::alphanumeric)
        .take(24)
        .collect()
}

/// The multipart body of an upload: `messaging_product`, `type`, then `file`.
fn multipart(boundary: &str, mime: &str, filename: &str, file: &[u8]) -> Bytes {
    let mut body = Vec::with_capacity(file.len() + 512);
    for (name, value) in [("messaging_product", "whatsapp"), ("type", mime)] {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: {mime}\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    Bytes::from(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_hosts() {
        for ok in [
            "lookaside.fbsbx.com",
            "scontent.xx.fbcdn.net",
            "graph.facebook.com",
            "mmg.whatsapp.net",
        ] {
            assert!(is_media_host(ok), "{ok}");
        }
        for bad in [
            "evil.com",
            "notfbcdn.net",
            "fbcdn.net.evil.com",
            "facebook.com.evil.com",
            "xfacebook.com",
            "",
        ] {
            assert!(!is_media_host(bad), "{bad}");
        }
    }

    #[test]
    fn sha256_check() {
        let hello = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";
        assert!(!sha256_differs(hello, b"hello"));
        assert!(!sha256_differs(&hello.to_uppercase(), b"hello"));
        assert!(sha256_differs(hello, b"hellO"));
        // Not hexadecimal SHA-256: not checked.
        assert!(!sha256_differs(
            "LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=",
            b"x"
        ));
        assert!(!sha256_differs("00ff", b"x"));
    }

    #[test]
    fn multipart_body() {
        let body = multipart("B", "image/png", "a.png", b"\x89PNG");
        let text = String::from_utf8_lossy(&body);
        assert!(text.starts_with(
            "--B\r\nContent-Disposition: form-data; name=\"messaging_product\"\r\n\r\nwhatsapp\r\n"
        ));
        assert!(text.contains("name=\"type\"\r\n\r\nimage/png\r\n"));
        assert!(text.contains(
            "name=\"file\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n\u{fffd}PNG\r\n--B--\r\n"
        ));
        assert!(check_mime("image/png").is_ok());
        assert!(check_mime("image").is_err());
        assert!(check_mime("image/png; x=\"y\"").is_err());
    }
}
