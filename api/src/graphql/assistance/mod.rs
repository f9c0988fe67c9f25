//! Assessment and assistance in the GraphQL API: assessments, service items, access grants and
//! break-glass.

pub mod mutation;
pub mod query;
pub mod subscription;
pub mod types;
