//! Identity: who people are. This release holds the checks of identity numbers against the
//! region table; accounts, sessions and roles build on them.

pub mod nik;
