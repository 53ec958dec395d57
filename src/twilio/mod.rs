//! Twilio's Programmable Messaging for WhatsApp.
