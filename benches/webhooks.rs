//! Webhook verification and parsing, per provider: `cargo bench --bench webhooks`.

use criterion::{Criterion, criterion_group, criterion_main};

#[path = "webhooks/botmaker.rs"]
mod botmaker;
#[path = "webhooks/meta.rs"]
mod meta;
#[path = "webhooks/twilio.rs"]
mod twilio;

fn benches(c: &mut Criterion) {
    twilio::bench(c);
    botmaker::bench(c);
    meta::bench(c);
}

criterion_group!(webhooks, benches);
criterion_main!(webhooks);
