//! Reading HTTP answer bodies under a size cap, so that a provider (or anything posing as
//! one) cannot make a client hold an arbitrarily large answer in memory.

use bytes::{Bytes, BytesMut};

/// The most of an error answer's body that is read (and kept in [`ApiError::body`]); the
/// rest is dropped.
///
/// [`ApiError::body`]: crate::ApiError::body
pub(crate) const MAX_ERROR_BODY: usize = 64 * 1024;

/// The largest success answer (a receipt, a chat) that is read.
pub(crate) const MAX_SUCCESS_BODY: usize = 1024 * 1024;

/// The start of a body, at most the cap.
pub(crate) struct Capped {
    /// The bytes read.
    pub(crate) bytes: Bytes,
    /// False when the body went on past the cap (and was not read further).
    pub(crate) complete: bool,
}

/// Reads `response`'s body up to `limit` bytes. A body announced larger than the limit is
/// not read at all when `skip_oversized` is set; otherwise its first `limit` bytes are kept.
pub(crate) async fn read_capped(
    response: &mut reqwest::Response,
    limit: usize,
    skip_oversized: bool,
) -> Result<Capped, reqwest::Error> {
    let announced = response.content_length();
    if skip_oversized && announced.is_some_and(|n| n > limit as u64) {
        return Ok(Capped {
            bytes: Bytes::new(),
            complete: false,
        });
    }
    let capacity = announced.map_or(0, |n| n.min(limit as u64) as usize);
    let mut buf = BytesMut::with_capacity(capacity);
    while let Some(chunk) = response.chunk().await? {
        let room = limit.saturating_sub(buf.len());
        if chunk.len() > room {
            buf.extend_from_slice(chunk.get(..room).unwrap_or_default());
            return Ok(Capped {
                bytes: buf.freeze(),
                complete: false,
            });
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(Capped {
        bytes: buf.freeze(),
        complete: true,
    })
}
