//! The inbox and its worker, on the in-memory inbox: order, retries, dead letters, replay,
//! claims; and the endpoint storing before it answers (503 when it cannot).

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::inbox as scenario;
use whatsapp_connector::inbox::{Inbox, MemoryInbox};

#[tokio::test]
async fn stored_events_are_handled_in_order() {
    scenario::stored_events_are_handled_in_order(Arc::new(MemoryInbox::new())).await;
}

#[tokio::test]
async fn failing_events_are_retried_then_dead_lettered() {
    scenario::failing_events_are_retried_then_dead_lettered(Arc::new(MemoryInbox::new())).await;
}

#[tokio::test]
async fn a_dead_consumers_event_is_claimed() {
    let inbox = MemoryInbox::with_claim_idle(Duration::from_millis(200));
    scenario::a_dead_consumers_event_is_claimed(Arc::new(inbox)).await;
}

#[tokio::test]
async fn the_same_event_is_stored_once() {
    let inbox = MemoryInbox::new();
    let e = scenario::entry("m1", "+14155550001");
    let ttl = Duration::from_secs(60);
    assert!(inbox.store(&e, ttl).await.unwrap());
    assert!(!inbox.store(&e, ttl).await.unwrap());
    assert_eq!(inbox.len(), 1);
}
