//! Mandatory reports and the emergency response in the GraphQL API.

pub mod mutation;
pub mod query;
pub mod subscription;
pub mod types;
