//! The provider's reads through the v2 API: a chat ([`BotmakerProvider::chat`]) and its
//! message history ([`BotmakerProvider::messages_page`], [`BotmakerProvider::messages`]).

use super::BotmakerProvider;
use super::chat::Chat;
use super::history::{MessagePage, MessageQuery, NextPage};
use super::request::ChatRef;
use crate::address::WhatsAppAddress;
use crate::error::{Error, ParseError};
use crate::message::ValidationError;

impl BotmakerProvider {
    /// The chat with `contact` on the configured channel: `GET /chats/{channelId}:{contactId}`.
    /// `None` when Botmaker does not know the chat (404). Botmaker only finds chats active in
    /// the last two months this way. Needs the v2 API.
    ///
    /// # Errors
    ///
    /// - [`Error::Unsupported`] when the provider uses the legacy v1 API.
    /// - [`Error::Config`] when no channel id (field `channel_id`) or access token (field
    ///   `access_token`) is configured.
    /// - [`Error::Api`] when Botmaker answers with an error other than 404, after retrying rate
    ///   limits as the provider's [`RetryPolicy`](crate::retry::RetryPolicy) allows.
    /// - [`Error::Connect`] when Botmaker cannot be reached; [`Error::Transport`] when the
    ///   request went out and no complete answer came back (repeating it is safe).
    /// - [`Error::TooLarge`] when the answer is larger than 1 MiB.
    /// - [`Error::Parse`] when the answer cannot be read as a chat ([`Chat::from_json`]).
    pub async fn chat(&self, contact: &WhatsAppAddress) -> Result<Option<Chat>, Error> {
        self.require_v2("chat lookups through the legacy v1 API")?;
        let channel = self.require_channel()?;
        self.chat_by_reference(&ChatRef::contact(channel, contact))
            .await
    }

    /// A chat by Botmaker's chat id or by channel and contact: `GET /chats/{chatReference}`.
    /// `None` when Botmaker does not know the chat (404). Needs the v2 API.
    ///
    /// # Errors
    ///
    /// - [`Error::Invalid`] for an empty chat id, channel id or contact id, before any request.
    /// - The errors of [`BotmakerProvider::chat`], but for a missing channel id.
    pub async fn chat_by_reference(&self, chat: &ChatRef) -> Result<Option<Chat>, Error> {
        self.require_v2("chat lookups through the legacy v1 API")?;
        let reference = match chat {
            ChatRef::Chat { chat_id } if !chat_id.trim().is_empty() => chat_id.clone(),
            ChatRef::Contact {
                channel_id,
                contact_id,
            } if !channel_id.trim().is_empty() && !contact_id.trim().is_empty() => {
                format!("{channel_id}:{contact_id}")
            }
            _ => return Err(ValidationError::Empty { field: "chat" }.into()),
        };
        let url = self.client.url(&["chats", &reference])?;
        tracing::debug!(chat = chat.label(), "botmaker: chat lookup");
        match self.client.get(&url, true).await? {
            None => Ok(None),
            Some(body) => Chat::from_json(&body).map(Some).map_err(Error::Parse),
        }
    }

    /// The first page of the messages `query` selects: `GET /messages`, sorted by creation
    /// time. Continue with [`BotmakerProvider::next_messages_page`] while the page has a
    /// [`MessagePage::next`]. Needs the v2 API.
    ///
    /// ```no_run
    /// # async fn run(provider: whatsapp_connector::botmaker::BotmakerProvider)
    /// # -> Result<(), whatsapp_connector::Error> {
    /// use whatsapp_connector::botmaker::{ChatRef, MessageQuery};
    ///
    /// let query = MessageQuery::chat(ChatRef::chat_id("KD83JQW0ZX5VR2MTNB7C"));
    /// let mut page = provider.messages_page(&query).await?;
    /// loop {
    ///     for m in &page.messages {
    ///         println!("{:?}: {:?}", m.created_at, m.content.text);
    ///     }
    ///     match &page.next {
    ///         Some(next) => page = provider.next_messages_page(next).await?,
    ///         None => break,
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// - [`Error::Invalid`] for a query Botmaker would refuse (an empty chat id, `from` after
    ///   `to`, a limit outside 250–1500), before any request.
    /// - [`Error::Unsupported`] when the provider uses the legacy v1 API.
    /// - [`Error::Config`] (field `access_token`) when no access token is configured.
    /// - [`Error::Api`] when Botmaker answers with an error, after retrying rate limits as the
    ///   provider's [`RetryPolicy`](crate::retry::RetryPolicy) allows.
    /// - [`Error::Connect`] when Botmaker cannot be reached; [`Error::Transport`] when the
    ///   request went out and no complete answer came back (repeating it is safe).
    /// - [`Error::TooLarge`] when the answer is larger than 1 MiB.
    /// - [`Error::Parse`] when the answer cannot be read as a page ([`MessagePage::from_json`]).
    pub async fn messages_page(&self, query: &MessageQuery) -> Result<MessagePage, Error> {
        query.validate()?;
        self.require_v2("message history through the legacy v1 API")?;
        let mut url = self.client.url(&["messages"])?;
        {
            let mut pairs = url.query_pairs_mut();
            for (name, value) in query.query_pairs() {
                pairs.append_pair(name, &value);
            }
        }
        self.read_page(&url).await
    }

    /// The page `next` points to (a [`MessagePage::next`], possibly stored and rebuilt with
    /// [`NextPage::new`]). Needs the v2 API.
    ///
    /// # Errors
    ///
    /// - [`Error::Parse`] (field `nextPage`) when `next` is not a URL on the host of the
    ///   provider's base URL: the access token is only sent there.
    /// - The errors of [`BotmakerProvider::messages_page`], but for [`Error::Invalid`].
    pub async fn next_messages_page(&self, next: &NextPage) -> Result<MessagePage, Error> {
        self.require_v2("message history through the legacy v1 API")?;
        let url = self.client.answered_url("nextPage", next.as_str())?;
        self.read_page(&url).await
    }

    /// The messages `query` selects, reading at most `max_pages` pages: every message read, in
    /// order, and in [`MessagePage::next`] where to continue when the bound stopped the walk
    /// (`None` when every page was read). Needs the v2 API.
    ///
    /// # Errors
    ///
    /// - [`Error::Invalid`] when `max_pages` is 0.
    /// - The errors of [`BotmakerProvider::messages_page`] and
    ///   [`BotmakerProvider::next_messages_page`], for whichever page failed; the messages of
    ///   the pages read before it are not returned.
    pub async fn messages(
        &self,
        query: &MessageQuery,
        max_pages: usize,
    ) -> Result<MessagePage, Error> {
        if max_pages == 0 {
            return Err(ValidationError::Invalid {
                field: "max_pages",
                reason: "must be at least 1".into(),
            }
            .into());
        }
        let mut all = self.messages_page(query).await?;
        let mut read = 1;
        while read < max_pages {
            let Some(next) = all.next.take() else { break };
            let page = self.next_messages_page(&next).await?;
            all.messages.extend(page.messages);
            all.next = page.next;
            read += 1;
        }
        Ok(all)
    }

    async fn read_page(&self, url: &url::Url) -> Result<MessagePage, Error> {
        tracing::debug!(path = url.path(), "botmaker: messages page");
        let body = self
            .client
            .get(url, false)
            .await?
            .ok_or_else(|| Error::Parse(ParseError::malformed("no page was returned")))?;
        MessagePage::from_json(&body).map_err(Error::Parse)
    }
}
