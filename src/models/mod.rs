//! The models, one folder each with the same skeleton: `params` (types),
//! `defaults` (each default with its source), `check` (all validation),
//! `setup` (build from params and a prepared world), `model` and handlers
//! named after what happens, `output` (metrics, end-of-run invariants).
//! A model is pure: no files, no threads, no plots; it imports engine and
//! shared parts only, never another model, except `system`, which composes
//! `cdn` and `push` (each built and run by its own code).

pub mod cdn;
pub mod occ;
pub mod push;
pub mod queue;
pub mod system;
