//! edgesim: a deterministic discrete-event simulator of global content
//! delivery networks and server-push architectures.
//!
//! Data flows one way: experiment file -> typed spec -> sweep points ->
//! (in parallel) model built from the spec -> engine run -> metrics -> rows ->
//! CSV, charts and report. See `docs/ARCHITECTURE.md`.

pub mod batch;
pub mod cache;
pub mod cli;
pub mod dist;
pub mod engine;
pub mod error;
pub mod experiment;
pub mod faults;
pub mod models;
pub mod prices;
pub mod replay;
pub mod report;
pub mod run;
pub mod station;
pub mod stats;
pub mod study;
pub mod suggest;
pub mod units;
pub mod validate;
pub mod workload;
pub mod world;
