//! Public services online: the catalogue of versioned service definitions.

pub mod catalogue;
pub mod import;
