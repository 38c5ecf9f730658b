//! Pure domain rules of Satu Pintu: no I/O.

pub mod region;
pub mod text;
