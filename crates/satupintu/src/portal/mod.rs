//! The public information portal: home, news, regulations (JDIH), FAQ, pages, the agency
//! directory, the read-only service catalogue, and full-text search over all of them.

pub mod api;
pub mod editor;
pub mod model;
pub mod routes;
pub mod search;
pub mod store;
