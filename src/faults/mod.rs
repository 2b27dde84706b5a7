//! Faults and what clients do about them: fault schedules (crashes,
//! restarts, drains, rolling deploys, registry slowdowns, Kafka leader
//! loss), graceful shutdown strategies, admission limits on new
//! connections, retry and reconnect policies (backoff and jitter), the
//! measurement of reconnect storms.
//!
//! These pieces know nothing of a particular model; the push model wires
//! them to its gateways, registry and Kafka (`models::push::faults`). See
//! `docs/faults.md`.

pub mod admission;
pub mod backoff;
pub mod drain;
pub mod schedule;
pub mod storm;
