//! Statistics in the GraphQL API: counts for dashboards, protected for callers who may not read
//! the records counted in full.

pub mod assistance;
pub mod follow_up;
pub mod query;
pub mod reports;
