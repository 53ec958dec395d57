//! URL checks shared by the neutral code and the providers.

/// `s` as an `http` or `https` URL with a host, if it is one.
pub(crate) fn http_url(s: &str) -> Option<url::Url> {
    url::Url::parse(s)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
}

/// `url` with any password replaced by `***`; a string that is not a URL is kept as it is
/// only when it cannot hold one (no `@`).
pub(crate) fn mask_password(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) => {
            if u.password().is_some() {
                // Cannot fail: a URL with a password has a host.
                let _ = u.set_password(Some("***"));
            }
            u.into()
        }
        Err(_) if url.contains('@') => "[a URL that could not be read]".to_owned(),
        Err(_) => url.to_owned(),
    }
}
