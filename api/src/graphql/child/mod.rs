//! The children's ledger in the GraphQL API: children, their guardians, entrustment agreements
//! and consents.

pub mod inputs;
pub mod mutation;
pub mod query;
pub mod types;
