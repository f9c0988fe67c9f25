//! Quarterly submissions of the ledger (每季度报送).

pub mod mutation;
pub mod query;
pub mod types;
