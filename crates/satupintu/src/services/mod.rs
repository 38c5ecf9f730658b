//! Public services online: the catalogue of versioned service definitions.

pub mod applications;
pub mod catalogue;
pub mod import;
pub mod routes;
