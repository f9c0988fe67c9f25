//! Accounts, sign-in and tokens in the GraphQL API.

pub mod admin;
pub mod mutation;
pub mod query;
pub mod types;
