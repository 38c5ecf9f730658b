//! Pure domain rules of Satu Pintu: no I/O.

pub mod business;
pub mod calendar;
pub mod complaint;
pub mod contact;
pub mod ikm;
pub mod ikm_file;
pub mod nik;
pub mod photo;
pub mod region;
pub mod service;
pub mod text;
