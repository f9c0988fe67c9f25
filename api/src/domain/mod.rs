//! The domain: validation, state machines and database access, one module per area. Every
//! function that reads or writes records for a caller takes the caller's `Principal`.

pub mod account;
pub mod organization;
pub mod page;
pub mod region;
pub mod values;
