//! Responsibility in the GraphQL API: unit inboxes, assigning, progress and the joint
//! meeting's overview.

pub mod mutation;
pub mod query;
