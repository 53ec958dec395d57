//! The URLs a signature may have been made over, and URLs fit to print.

/// The URLs a signature is checked against, in order, without repeats: `url` as received;
/// without its port, when it has one (any port); with the scheme's default port (`:443` for
/// `https`, `:80` otherwise), when it has none; then, when the query holds `'` or `%27`,
/// each of those with the other spelling. Only the port and that one character are ever
/// changed; everything else is kept byte for byte.
///
/// ```
/// use whatsapp_connector::twilio::signature::url_candidates;
///
/// assert_eq!(url_candidates("https://x.test/a?b=1"),
///     ["https://x.test/a?b=1", "https://x.test:443/a?b=1"]);
/// assert_eq!(url_candidates("http://x.test:8080/a"),
///     ["http://x.test:8080/a", "http://x.test/a"]);
/// ```
pub fn url_candidates(url: &str) -> Vec<String> {
    fn push(out: &mut Vec<String>, c: String) {
        if !out.contains(&c) {
            out.push(c);
        }
    }
    let mut out: Vec<String> = Vec::with_capacity(2);
    push(&mut out, url.to_owned());
    if let Some(parts) = split_authority(url) {
        let port = match parts.port {
            Some(_) => "",
            None if parts.scheme.eq_ignore_ascii_case("https") => ":443",
            None => ":80",
        };
        push(
            &mut out,
            format!("{}{}{}", parts.before_port, port, parts.rest),
        );
    }
    for i in 0..out.len() {
        if let Some(alt) = out.get(i).and_then(|c| apostrophe_variant(c)) {
            push(&mut out, alt);
        }
    }
    out
}

/// The pieces of a URL around its port.
struct Authority<'a> {
    scheme: &'a str,
    /// Everything up to the host's end (`https://user@host`).
    before_port: &'a str,
    /// The port digits, when there is an explicit `:port` (possibly empty).
    port: Option<&'a str>,
    /// From the end of the authority on (path, query, fragment).
    rest: &'a str,
}

fn split_authority(url: &str) -> Option<Authority<'_>> {
    let scheme_end = url.find("://")?;
    let scheme = &url[..scheme_end];
    if scheme.is_empty()
        || !scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
    {
        return None;
    }
    let auth_start = scheme_end + 3;
    let auth_len = url[auth_start..]
        .find(['/', '?', '#'])
        .unwrap_or(url.len() - auth_start);
    let auth_end = auth_start + auth_len;
    let authority = &url[auth_start..auth_end];
    let host_start = authority.rfind('@').map_or(0, |i| i + 1);
    let host_port = &authority[host_start..];
    // An IPv6 literal holds colons of its own: the port comes after its `]`.
    let search_from = if host_port.starts_with('[') {
        host_port.find(']')? + 1
    } else {
        0
    };
    let colon = host_port[search_from..].rfind(':').map(|i| i + search_from);
    let (host_end, port) = match colon {
        Some(i) => {
            let digits = &host_port[i + 1..];
            if !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            (auth_start + host_start + i, Some(digits))
        }
        None => (auth_end, None),
    };
    Some(Authority {
        scheme,
        before_port: &url[..host_end],
        port,
        rest: &url[auth_end..],
    })
}

/// The URL with `'` in its query spelled `%27`, or (when it has no `'`) with `%27` spelled
/// `'`; `None` when the query holds neither. A URL without a path gets `/` as its path in
/// the variant, as a URL parser writes it (`https://h.test?q=it's` becomes
/// `https://h.test/?q=it%27s`): the other spelling comes from a parsed and rewritten URL,
/// and twilio-node, which tries it, never tries it without the `/`.
fn apostrophe_variant(url: &str) -> Option<String> {
    let q = url.find('?')?;
    let end = url[q..].find('#').map_or(url.len(), |i| q + i);
    let query = &url[q..end];
    let alt = if query.contains('\'') {
        query.replace('\'', "%27")
    } else if query.contains("%27") {
        query.replace("%27", "'")
    } else {
        return None;
    };
    let before = &url[..q];
    let no_path = before
        .find("://")
        .is_some_and(|i| !before[i + 3..].contains('/'));
    let slash = if no_path { "/" } else { "" };
    Some(format!("{before}{slash}{alt}{}", &url[end..]))
}

/// The URL with the password of any `user:password@` replaced by `***`, for error messages.
pub(super) fn mask_password(url: &str) -> String {
    if let Some(a) = split_authority(url) {
        let auth_start = a.scheme.len() + 3;
        let userinfo_end = a.before_port[auth_start..]
            .rfind('@')
            .map(|i| auth_start + i);
        if let Some(at) = userinfo_end {
            if let Some(colon) = url[auth_start..at].find(':') {
                return format!("{}***{}", &url[..auth_start + colon + 1], &url[at..]);
            }
        }
    }
    url.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates_handle_userinfo_ipv6_and_odd_urls() {
        assert_eq!(
            url_candidates("https://user:pa:ss@host.test:8443/x"),
            [
                "https://user:pa:ss@host.test:8443/x",
                "https://user:pa:ss@host.test/x"
            ]
        );
        assert_eq!(
            url_candidates("http://[::1]:8080/x?y"),
            ["http://[::1]:8080/x?y", "http://[::1]/x?y"]
        );
        assert_eq!(
            url_candidates("https://[::1]/x"),
            ["https://[::1]/x", "https://[::1]:443/x"]
        );
        assert_eq!(url_candidates("not a url"), ["not a url"]);
        assert_eq!(url_candidates(""), [""]);
        assert_eq!(url_candidates("https://host:abc/x"), ["https://host:abc/x"]);
        assert_eq!(
            url_candidates("https://h.test?q=it's"),
            [
                "https://h.test?q=it's",
                "https://h.test:443?q=it's",
                "https://h.test/?q=it%27s",
                "https://h.test:443/?q=it%27s"
            ]
        );
        assert_eq!(
            url_candidates("https://h.test/p?q=it%27s#f"),
            [
                "https://h.test/p?q=it%27s#f",
                "https://h.test:443/p?q=it%27s#f",
                "https://h.test/p?q=it's#f",
                "https://h.test:443/p?q=it's#f"
            ]
        );
    }

    #[test]
    fn masks_passwords_only() {
        assert_eq!(
            mask_password("https://user:pass@h.test:1/x"),
            "https://user:***@h.test:1/x"
        );
        assert_eq!(
            mask_password("https://user@h.test/x"),
            "https://user@h.test/x"
        );
        assert_eq!(
            mask_password("https://h.test/x?a=b@c"),
            "https://h.test/x?a=b@c"
        );
    }
}
