//! What can go wrong with an incoming webhook: its verification, a provider's subscription
//! handshake, its parsing.

/// Why a webhook failed verification. It never holds a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The signature or token header is absent.
    #[error("the {header} header is missing")]
    MissingHeader {
        /// The header's name.
        header: &'static str,
    },
    /// The header is present but not in the expected form.
    #[error("the {header} header is malformed: {reason}")]
    MalformedHeader {
        /// The header's name.
        header: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// A header that must come once came more than once: which value to check is unknown.
    #[error("the {header} header comes more than once")]
    AmbiguousHeader {
        /// The header's name.
        header: &'static str,
    },
    /// The signature names a signing algorithm this crate does not know.
    #[error("unsupported signature algorithm {algorithm:?}")]
    UnsupportedAlgorithm {
        /// The algorithm named.
        algorithm: String,
    },
    /// The signature names a key id that is not configured.
    #[error("no shared key is configured under the id {key_id:?}")]
    UnknownKey {
        /// The key id named.
        key_id: String,
    },
    /// A JSON body came without a `bodySHA256` query parameter.
    #[error("the JSON body has no bodySHA256 query parameter to check it against")]
    MissingBodyHash,
    /// The body's SHA-256 differs from the `bodySHA256` query parameter.
    #[error("the body's SHA-256 does not match the bodySHA256 query parameter")]
    BodyHashMismatch,
    /// The body could not be read as the parameters that were signed.
    #[error("the body could not be read for verification: {reason}")]
    UnreadableBody {
        /// What is wrong with it.
        reason: String,
    },
    /// No configured secret produced the signature, at any of the URLs tried.
    #[error("the signature matches none of the configured secrets at the URLs tried: {}", candidates.join(", "))]
    NoMatch {
        /// The URLs that were tried.
        candidates: Vec<String>,
    },
    /// The signature in the header matches none of the configured secrets.
    #[error("the {header} signature matches none of the configured secrets")]
    SignatureMismatch {
        /// The header's name.
        header: &'static str,
    },
    /// The token in the header matches none of the configured tokens.
    #[error("the {header} token matches none of the configured tokens")]
    TokenMismatch {
        /// The header's name.
        header: &'static str,
    },
    /// No secret is configured to verify with.
    #[error("no secret is configured to verify webhooks with")]
    NoSecret,
}

/// Why a subscription handshake
/// ([`WhatsAppProvider::handshake`](crate::WhatsAppProvider::handshake)) was refused. It
/// never holds a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HandshakeError {
    /// The request is not a well-formed handshake: a parameter is missing or has a value
    /// the provider never sends. Answered 400.
    #[error("the handshake is malformed: {reason}")]
    Malformed {
        /// What is wrong (which parameter), never a token.
        reason: String,
    },
    /// The token the handshake carries matches none of the configured tokens. Answered 403.
    #[error("the handshake token matches none of the configured tokens")]
    TokenMismatch,
    /// No token is configured to accept handshakes with. Answered 403.
    #[error("no token is configured to accept handshakes with")]
    NoToken,
}

impl HandshakeError {
    /// The HTTP status to answer it with: 400 for a malformed handshake, else 403.
    pub fn status(&self) -> http::StatusCode {
        match self {
            HandshakeError::Malformed { .. } => http::StatusCode::BAD_REQUEST,
            _ => http::StatusCode::FORBIDDEN,
        }
    }
}

/// Why a webhook body could not be turned into events.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    /// The body (or query string) is not valid for its content type.
    #[error("the body is malformed: {reason}")]
    Malformed {
        /// What is wrong.
        reason: String,
    },
    /// A required field is absent.
    #[error("the field {field} is missing")]
    MissingField {
        /// The field's name.
        field: String,
    },
    /// A field has a value of the wrong form.
    #[error("the field {field} is invalid: {reason}")]
    InvalidField {
        /// The field's name.
        field: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The content type is not one the provider sends.
    #[error("unsupported content type {content_type:?}")]
    UnsupportedContentType {
        /// The content type received.
        content_type: String,
    },
}

impl ParseError {
    /// The field the error is about, if any.
    pub fn field(&self) -> Option<&str> {
        match self {
            ParseError::MissingField { field } | ParseError::InvalidField { field, .. } => {
                Some(field)
            }
            _ => None,
        }
    }

    /// A missing field.
    pub fn missing(field: impl Into<String>) -> Self {
        ParseError::MissingField {
            field: field.into(),
        }
    }

    /// An invalid field.
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        ParseError::InvalidField {
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// A malformed body.
    pub fn malformed(reason: impl Into<String>) -> Self {
        ParseError::Malformed {
            reason: reason.into(),
        }
    }
}
