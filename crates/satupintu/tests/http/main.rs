//! End-to-end tests through HTTP. Every test runs against both stores: a fresh SQLite file
//! and a fresh PostgreSQL database each, served by the real router on a random port.

mod support;

mod api;
mod cli;
mod operations;
mod portal;
mod search;
