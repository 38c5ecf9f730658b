//! Satu Pintu: the one portal of an Indonesian local government.
//!
//! The map of this crate is in `docs/architecture.md`.

pub mod api;
pub mod app;
pub mod audit;
pub mod backup;
pub mod calendar;
pub mod cli;
pub mod complaints;
pub mod config;
pub mod db;
pub mod demo;
pub mod digest;
pub mod error;
pub mod i18n;
pub mod identity;
pub mod mail;
pub mod ops;
pub mod outbox;
pub mod portal;
pub mod regions;
pub mod satisfaction;
pub mod secrets;
pub mod services;
pub mod sms;
pub mod web;
