//! Templates and the parameters of their components.

use serde::Serialize;

use super::MediaRef;

/// An approved template, by name and language, with the parameters of its components.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Template {
    /// The template's name.
    pub name: String,
    /// The language it was approved in.
    pub language: Language,
    /// Parameters, by component.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub components: Vec<Component>,
}

impl Template {
    /// A template without parameters.
    pub fn new(name: impl Into<String>, language: impl Into<String>) -> Self {
        Template {
            name: name.into(),
            language: Language::new(language),
            components: Vec::new(),
        }
    }

    /// Adds a component.
    pub fn with_component(mut self, component: Component) -> Self {
        self.components.push(component);
        self
    }
}

/// A template's language: its code, with the `deterministic` policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Language {
    /// `deterministic`: the template is sent in exactly this language. (Meta's schema
    /// requires it.)
    pub policy: &'static str,
    /// `en_US`, `es`, `pt_BR`, …
    pub code: String,
}

impl Language {
    /// The language `code`.
    pub fn new(code: impl Into<String>) -> Self {
        Language {
            policy: "deterministic",
            code: code.into(),
        }
    }
}

/// A template component's parameters: `header`, `body`, or one `button`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Component {
    /// `header`, `body` or `button`.
    #[serde(rename = "type")]
    pub kind: String,
    /// A button's kind: `quick_reply`, `url`, `catalog`, `copy_code`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub_type: Option<String>,
    /// A button's position (`"0"` for the first).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<String>,
    /// The values.
    pub parameters: Vec<Parameter>,
}

impl Component {
    /// The body's parameters.
    pub fn body(parameters: Vec<Parameter>) -> Self {
        Self::of("body", parameters)
    }

    /// The header's parameters.
    pub fn header(parameters: Vec<Parameter>) -> Self {
        Self::of("header", parameters)
    }

    /// The parameters of the button at `index` of kind `sub_type` (`quick_reply`, `url`).
    pub fn button(sub_type: impl Into<String>, index: u8, parameters: Vec<Parameter>) -> Self {
        Component {
            kind: "button".into(),
            sub_type: Some(sub_type.into()),
            index: Some(index.to_string()),
            parameters,
        }
    }

    fn of(kind: &str, parameters: Vec<Parameter>) -> Self {
        Component {
            kind: kind.into(),
            sub_type: None,
            index: None,
            parameters,
        }
    }
}

/// One value of a template component, with its `type`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Parameter {
    /// A text; `parameter_name` for a template with named parameters.
    Text {
        /// The value.
        text: String,
        /// The name of a named parameter (`{{first_name}}`).
        #[serde(skip_serializing_if = "Option::is_none")]
        parameter_name: Option<String>,
    },
    /// An amount of money.
    Currency {
        /// The amount.
        currency: Currency,
    },
    /// A date and time, as its fallback text.
    DateTime {
        /// The value.
        date_time: DateTime,
    },
    /// A header image.
    Image {
        /// The image.
        image: MediaRef,
    },
    /// A header video.
    Video {
        /// The video.
        video: MediaRef,
    },
    /// A header document.
    Document {
        /// The document.
        document: MediaRef,
    },
    /// A quick-reply button's payload.
    Payload {
        /// What comes back when the button is pressed.
        payload: String,
    },
}

impl Parameter {
    /// A positional text value.
    pub fn text(text: impl Into<String>) -> Self {
        Parameter::Text {
            text: text.into(),
            parameter_name: None,
        }
    }

    /// A named text value.
    pub fn named(name: impl Into<String>, text: impl Into<String>) -> Self {
        Parameter::Text {
            text: text.into(),
            parameter_name: Some(name.into()),
        }
    }
}

/// An amount of money in a template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Currency {
    /// Shown when the amount cannot be localized.
    pub fallback_value: String,
    /// ISO 4217 code.
    pub code: String,
    /// The amount times 1,000.
    pub amount_1000: i64,
}

/// A date and time in a template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DateTime {
    /// The text shown.
    pub fallback_value: String,
}
