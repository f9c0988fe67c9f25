//! Guardianship intervention in the GraphQL API.

pub mod mutation;
pub mod types;
