//! Statistics in the GraphQL API: counts for dashboards, with small cells withheld.

pub mod query;
