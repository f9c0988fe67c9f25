//! Service activities in the GraphQL API.

pub mod mutation;
pub mod query;
pub mod types;
