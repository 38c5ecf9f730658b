//! Pure domain rules of Satu Pintu: no I/O.

pub mod business;
pub mod calendar;
pub mod nik;
pub mod region;
pub mod text;
