//! Botmaker's WhatsApp API.
