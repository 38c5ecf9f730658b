//! Identity: who people are and what they may do. Accounts (citizens and officers),
//! sessions and API tokens, the second factor, officers' scoped roles, and the protection of
//! personal data at rest.

pub mod accounts;
pub mod admin;
pub mod agencies;
pub mod business;
pub mod nik;
pub mod officer;
pub mod password;
pub mod privacy;
pub mod protect;
pub mod roles;
pub mod routes;
pub mod session;
pub mod throttle;
pub mod tokens;
pub mod totp;
