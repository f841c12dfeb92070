//! The modelbrief application: everything between the command line and the pipeline crates.
//!
//! The `modelbrief` binary is a thin shell over this crate: it parses arguments, sets up
//! logging, calls one job here and maps its outcome to output and an exit code. Each job takes
//! the loaded configuration, a [`clock::Clock`] and (where it needs one) a
//! [`modelbrief_store::Store`], so it can be driven in process by tests.
//!
//! - [`config`]: the layered configuration (TOML file + `MODELBRIEF__…` environment).
//! - [`ingest`]: fetch, parse, judge and store each source.
//! - [`brief`]: store → differ inputs → edition.
//! - [`send`]: the delivery engine.
//! - [`daemon`], [`schedule`], [`status`]: the scheduler and the operator's view.
//! - [`models`]: the identity layer for operators (`models show`, `models unlinked`).
//! - [`history`]: one model's dated record (`history KEY [--at DATE]`).
//! - [`webhooks`]: each edition's changes POSTed to `[[webhooks]]` from a durable queue.
//! - [`verify`]: a frozen edition checked against the stored snapshots (`verify WEEK`).
//! - [`compare`], [`subscribers`], [`serve`], [`demo`]: the other commands.
//! - [`clock`], [`lock`]: the wall or replayed clock, per-database OS locks.

pub mod brief;
pub mod clock;
pub mod compare;
pub mod config;
pub mod daemon;
pub mod demo;
pub mod feedback;
pub mod history;
pub mod ingest;
pub mod lock;
pub mod models;
pub mod schedule;
pub mod send;
pub mod serve;
pub mod status;
pub mod subscribers;
pub mod verify;
pub mod webhooks;
