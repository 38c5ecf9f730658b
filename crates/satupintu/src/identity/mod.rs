//! Identity: who people are. This release holds the checks of identity numbers against the
//! region table and the protection of personal data at rest; accounts, sessions and roles
//! build on them.

pub mod nik;
pub mod password;
pub mod protect;
pub mod totp;
