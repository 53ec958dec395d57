//! Interactive messages: reply buttons, lists, a URL button, a location request.

use serde::{Deserialize, Serialize};

use super::{MAX_BUTTONS, MAX_LIST_ROWS, MAX_LIST_SECTIONS, check_http_url, check_len, non_empty};
use crate::error::ValidationError;

/// An interactive message: a body and one action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Interactive {
    /// The message text (at most 1,024 characters).
    pub body: String,
    /// A text header (at most 60 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<String>,
    /// A footer (at most 60 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub footer: Option<String>,
    /// What the user can do.
    pub action: InteractiveAction,
}

/// The action of an interactive message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum InteractiveAction {
    /// Up to three reply buttons.
    Buttons {
        /// The buttons.
        buttons: Vec<ReplyButton>,
    },
    /// A list of up to ten rows behind a button.
    List {
        /// The label of the button that opens the list (at most 20 characters).
        button: String,
        /// The sections (1 to 10; a title is needed when there are several).
        sections: Vec<ListSection>,
    },
    /// One button that opens a URL.
    Url {
        /// The button label (at most 20 characters).
        label: String,
        /// The `http(s)` URL.
        url: String,
    },
    /// Asks the user to share a location.
    RequestLocation,
}

/// A reply button.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ReplyButton {
    /// What comes back when it is pressed (a payload, or a Botmaker intent).
    pub id: String,
    /// The label (at most 20 characters).
    pub title: String,
}

impl ReplyButton {
    /// A button.
    pub fn new(id: impl Into<String>, title: impl Into<String>) -> Self {
        ReplyButton {
            id: id.into(),
            title: title.into(),
        }
    }
}

/// A section of a list message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ListSection {
    /// The title (at most 24 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Its rows.
    pub rows: Vec<ListRow>,
}

impl ListSection {
    /// A section.
    pub fn new(title: Option<String>, rows: Vec<ListRow>) -> Self {
        ListSection { title, rows }
    }
}

/// A row of a list message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ListRow {
    /// What comes back when it is chosen (at most 200 characters).
    pub id: String,
    /// The title (at most 24 characters).
    pub title: String,
    /// A description (at most 72 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl ListRow {
    /// A row.
    pub fn new(id: impl Into<String>, title: impl Into<String>) -> Self {
        ListRow {
            id: id.into(),
            title: title.into(),
            description: None,
        }
    }

    /// Sets the description.
    pub fn with_description(mut self, d: impl Into<String>) -> Self {
        self.description = Some(d.into());
        self
    }
}

impl Interactive {
    /// Reply buttons under a body.
    pub fn buttons(body: impl Into<String>, buttons: Vec<ReplyButton>) -> Self {
        Interactive {
            body: body.into(),
            header: None,
            footer: None,
            action: InteractiveAction::Buttons { buttons },
        }
    }

    /// A list under a body.
    pub fn list(
        body: impl Into<String>,
        button: impl Into<String>,
        sections: Vec<ListSection>,
    ) -> Self {
        Interactive {
            body: body.into(),
            header: None,
            footer: None,
            action: InteractiveAction::List {
                button: button.into(),
                sections,
            },
        }
    }

    /// A URL button under a body.
    pub fn url(body: impl Into<String>, label: impl Into<String>, url: impl Into<String>) -> Self {
        Interactive {
            body: body.into(),
            header: None,
            footer: None,
            action: InteractiveAction::Url {
                label: label.into(),
                url: url.into(),
            },
        }
    }

    /// A request for the user's location.
    pub fn request_location(body: impl Into<String>) -> Self {
        Interactive {
            body: body.into(),
            header: None,
            footer: None,
            action: InteractiveAction::RequestLocation,
        }
    }

    /// Sets a text header.
    pub fn with_header(mut self, header: impl Into<String>) -> Self {
        self.header = Some(header.into());
        self
    }

    /// Sets a footer.
    pub fn with_footer(mut self, footer: impl Into<String>) -> Self {
        self.footer = Some(footer.into());
        self
    }

    pub(super) fn validate(&self) -> Result<(), ValidationError> {
        if self.body.trim().is_empty() {
            return Err(ValidationError::Empty {
                field: "interactive body",
            });
        }
        check_len("interactive body", &self.body, 1024)?;
        if let Some(h) = &self.header {
            check_len("interactive header", h, 60)?;
        }
        if let Some(f) = &self.footer {
            check_len("interactive footer", f, 60)?;
        }
        match &self.action {
            InteractiveAction::Buttons { buttons } => validate_buttons(buttons),
            InteractiveAction::List { button, sections } => validate_list(button, sections),
            InteractiveAction::Url { label, url } => {
                non_empty("url label", label)?;
                check_len("url label", label, 20)?;
                check_http_url("url", url).map(|_| ())
            }
            InteractiveAction::RequestLocation => Ok(()),
        }
    }
}

/// At most `max` items, and at least one.
fn count(field: &'static str, count: usize, max: usize) -> Result<(), ValidationError> {
    if count == 0 {
        return Err(ValidationError::Empty { field });
    }
    if count > max {
        return Err(ValidationError::TooMany { field, count, max });
    }
    Ok(())
}

fn validate_buttons(buttons: &[ReplyButton]) -> Result<(), ValidationError> {
    count("buttons", buttons.len(), MAX_BUTTONS)?;
    for b in buttons {
        non_empty("button id", &b.id)?;
        non_empty("button title", &b.title)?;
        check_len("button title", &b.title, 20)?;
        check_len("button id", &b.id, 256)?;
    }
    Ok(())
}

fn validate_list(button: &str, sections: &[ListSection]) -> Result<(), ValidationError> {
    non_empty("list button", button)?;
    check_len("list button", button, 20)?;
    count("list sections", sections.len(), MAX_LIST_SECTIONS)?;
    let rows: usize = sections.iter().map(|s| s.rows.len()).sum();
    count("list rows", rows, MAX_LIST_ROWS)?;
    for s in sections {
        match &s.title {
            Some(t) => check_len("section title", t, 24)?,
            None if sections.len() > 1 => {
                return Err(ValidationError::Empty {
                    field: "section title",
                });
            }
            None => {}
        }
        for r in &s.rows {
            non_empty("row id", &r.id)?;
            non_empty("row title", &r.title)?;
            check_len("row id", &r.id, 200)?;
            check_len("row title", &r.title, 24)?;
            if let Some(d) = &r.description {
                check_len("row description", d, 72)?;
            }
        }
    }
    Ok(())
}
