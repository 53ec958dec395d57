//! The bots of `webhook_server` and `worker`, from the environment (see `webhook_server.rs`).

use std::sync::Arc;

use whatsapp_connector::botmaker::BotmakerProvider;
use whatsapp_connector::meta::MetaProvider;
use whatsapp_connector::registry::{Bot, Registry};
use whatsapp_connector::twilio::TwilioProvider;

pub fn env_or(name: &str, default: &str) -> String {
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| default.to_owned())
}

/// One Twilio bot (`twilio-bot`), one Botmaker bot (`botmaker-bot`) and one Meta bot
/// (`meta-bot`).
pub fn registry() -> Result<Arc<Registry>, Box<dyn std::error::Error>> {
    let registry = Arc::new(Registry::new());
    let twilio_from = env_or("TWILIO_FROM", "whatsapp:+14155238886");
    let twilio = TwilioProvider::builder(env_or(
        "TWILIO_ACCOUNT_SID",
        "AC00000000000000000000000000000001",
    ))
    .auth_token(env_or(
        "TWILIO_AUTH_TOKEN",
        "0123456789abcdef0123456789abcdef",
    ))
    .from(&twilio_from)
    .build()?;
    registry.insert(
        &twilio_from,
        Arc::new(Bot::new("twilio-bot", Arc::new(twilio))),
    );

    let channel = env_or("BOTMAKER_CHANNEL_ID", "acme-whatsapp-5491155550100");
    let botmaker = BotmakerProvider::builder()
        .access_token(env_or("BOTMAKER_ACCESS_TOKEN", "load-test-access-token"))
        .channel_id(&channel)
        .webhook_token(env_or("BOTMAKER_WEBHOOK_TOKEN", "load-test-webhook-token"))
        .build()?;
    let botmaker = Arc::new(Bot::new("botmaker-bot", Arc::new(botmaker)));
    registry.insert(
        &env_or("BOTMAKER_NUMBER", "+5491155550100"),
        botmaker.clone(),
    );
    registry.insert(&channel, botmaker);

    let phone_number_id = env_or("META_PHONE_NUMBER_ID", "100000000000001");
    let meta = MetaProvider::builder()
        .access_token(env_or("META_ACCESS_TOKEN", "load-test-meta-access-token"))
        .phone_number_id(&phone_number_id)
        .app_secret(env_or("META_APP_SECRET", "load-test-app-secret"))
        .verify_token(env_or("META_VERIFY_TOKEN", "load-test-verify-token"))
        .build()?;
    let meta = Arc::new(Bot::new("meta-bot", Arc::new(meta)));
    registry.insert(&env_or("META_NUMBER", "+15550001111"), meta.clone());
    registry.insert(&phone_number_id, meta);
    Ok(registry)
}

/// Completes on Ctrl-C, or on SIGTERM where there is one.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => {
                term.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}
