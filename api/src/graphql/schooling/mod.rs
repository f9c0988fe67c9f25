//! School absence, dropout follow-up and units' assignments in the GraphQL API.

pub mod mutation;
pub mod query;
pub mod types;
