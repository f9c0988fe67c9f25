//! Key-period screening in the GraphQL API: campaigns, hazard sites, teams and screening
//! records.

pub mod mutation;
pub mod query;
pub mod types;
