//! Who is calling: passwords, tokens, the per-request principal and sign-in throttling.

pub mod password;
pub mod principal;
pub mod seal;
pub mod sessions;
pub mod throttle;
pub mod token;

pub use principal::{Principal, Session};
