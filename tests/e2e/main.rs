//! End-to-end tests of the real `modelbrief` binary: a real SQLite file, real HTTP over
//! loopback serving the recorded fixtures, one process per command.

mod archive;
mod arena;
mod artificial_analysis;
mod brief;
mod brief_2025;
mod brief_render;
mod common;
mod compare;
mod config_errors;
mod daemon;
mod demo;
mod epoch;
mod feedback;
mod history;
mod html_table;
mod ingest;
mod ingest_faults;
mod models;
mod models_dev;
mod paging;
mod releases;
mod send;
mod server;
mod smtp;
mod staleness;
mod subscribe;
mod subscribers_cli;
mod truncation;
mod verify;
mod web_limits;
mod webhooks;
