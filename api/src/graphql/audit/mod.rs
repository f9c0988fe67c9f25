//! The audit trail in the GraphQL API.

pub mod query;
pub mod types;
