//! The closed sets of values of a WhatsApp template (category, state, header format, button
//! kind), each with a pass-through for values Botmaker adds later.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::ValidationError;

/// Declares a string enum with the values Botmaker documents and a pass-through for the
/// others, so that a template Botmaker answers with never fails to read.
macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $wire:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(from = "String", into = "String")]
        #[non_exhaustive]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
            /// A value this crate does not know, as Botmaker sent it.
            Other(String),
        }

        impl $name {
            /// Every value Botmaker documents.
            pub const KNOWN: &'static [$name] = &[$($name::$variant,)+];

            /// The value as Botmaker writes it.
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $wire,)+
                    $name::Other(s) => s,
                }
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                match s.as_str() {
                    $($wire => $name::$variant,)+
                    _ => $name::Other(s),
                }
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.as_str().to_owned()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

wire_enum! {
    /// A template's category (`category`). WhatsApp's current categories are `MARKETING`,
    /// `UTILITY` and `AUTHENTICATION`; Botmaker's OpenAPI also lists the older ones.
    ///
    /// Parse one with [`str::parse`] (case-insensitive; an unknown category is an error
    /// naming the field `category`).
    TemplateCategory {
        /// `ACCOUNT_UPDATE`.
        AccountUpdate => "ACCOUNT_UPDATE",
        /// `PAYMENT_UPDATE`.
        PaymentUpdate => "PAYMENT_UPDATE",
        /// `PERSONAL_FINANCE_UPDATE`.
        PersonalFinanceUpdate => "PERSONAL_FINANCE_UPDATE",
        /// `SHIPPING_UPDATE`.
        ShippingUpdate => "SHIPPING_UPDATE",
        /// `RESERVATION_UPDATE`.
        ReservationUpdate => "RESERVATION_UPDATE",
        /// `ISSUE_RESOLUTION`.
        IssueResolution => "ISSUE_RESOLUTION",
        /// `APPOINTMENT_UPDATE`.
        AppointmentUpdate => "APPOINTMENT_UPDATE",
        /// `TRANSPORTATION_UPDATE`.
        TransportationUpdate => "TRANSPORTATION_UPDATE",
        /// `TICKET_UPDATE`.
        TicketUpdate => "TICKET_UPDATE",
        /// `ALERT_UPDATE`.
        AlertUpdate => "ALERT_UPDATE",
        /// `AUTO_REPLY`.
        AutoReply => "AUTO_REPLY",
        /// `TRANSACTIONAL`.
        Transactional => "TRANSACTIONAL",
        /// `MARKETING`.
        Marketing => "MARKETING",
        /// `OTP`.
        Otp => "OTP",
        /// `UTILITY`.
        Utility => "UTILITY",
        /// `AUTHENTICATION`.
        Authentication => "AUTHENTICATION",
    }
}

wire_enum! {
    /// Where a template stands in WhatsApp's approval (`state`).
    TemplateState {
        /// Approved: it can be sent.
        Approved => "APPROVED",
        /// Rejected; [`WhatsAppTemplate::notes`](super::WhatsAppTemplate::notes) says why.
        Rejected => "REJECTED",
        /// Waiting for WhatsApp.
        AccountPending => "ACCOUNT_PENDING",
        /// Waiting for Botmaker.
        BotmakerPending => "BOTMAKER_PENDING",
    }
}

wire_enum! {
    /// What a template's header holds (`header.format`).
    HeaderFormat {
        /// A text (`header.text`).
        Text => "TEXT",
        /// An image.
        Image => "IMAGE",
        /// A document.
        Document => "DOCUMENT",
        /// A video.
        Video => "VIDEO",
    }
}

wire_enum! {
    /// A template button's kind (`buttons[].type`).
    ButtonKind {
        /// A reply button that runs an intent or reports a payload to the webhook.
        QuickReply => "QUICK_REPLY",
        /// A button that opens a URL.
        Url => "URL",
        /// A button that calls a phone number.
        PhoneNumber => "PHONE_NUMBER",
        /// A multi-product message button.
        Mpm => "MPM",
    }
}

impl FromStr for TemplateCategory {
    type Err = ValidationError;

    /// A documented category, in any case (`utility`, `UTILITY`).
    fn from_str(s: &str) -> Result<Self, ValidationError> {
        let wanted = s.trim().to_ascii_uppercase();
        TemplateCategory::KNOWN
            .iter()
            .find(|c| c.as_str() == wanted)
            .cloned()
            .ok_or_else(|| unknown_category(s))
    }
}

pub(super) fn unknown_category(s: &str) -> ValidationError {
    let known: Vec<&str> = TemplateCategory::KNOWN.iter().map(|c| c.as_str()).collect();
    ValidationError::Invalid {
        field: "category",
        reason: format!("{s:?} is not one of {}", known.join(", ")),
    }
}
