//! End-to-end tests through HTTP. Every test runs against both stores: a fresh SQLite file
//! and a fresh PostgreSQL database each, served by the real router on a random port.

// A failed set-up step should stop the test loudly, with its message.
#![allow(clippy::expect_used, reason = "tests fail loudly on set-up errors")]

mod browser;
mod sms_sink;
mod smtp_sink;
mod support;

mod agencies;
mod api;
mod applications;
mod appointments;
mod audit;
mod backup;
mod business;
mod calendar;
mod cli;
mod complaints;
mod content;
mod crash;
mod identity;
mod issued;
mod mail;
mod multinode;
mod officers;
mod operations;
mod portal;
mod privacy;
mod satisfaction;
mod search;
mod services;
mod sms;
mod tokens;
mod workbench;
