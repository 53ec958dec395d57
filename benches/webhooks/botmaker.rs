//! The botmaker cases of the webhooks bench.

use criterion::Criterion;

pub fn bench(_c: &mut Criterion) {}
