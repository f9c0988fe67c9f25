//! Who is calling: passwords, tokens, the per-request principal and sign-in throttling.

pub mod password;
pub mod principal;
pub mod seal;
pub mod sessions;
pub mod throttle;
pub mod token;

pub use principal::{Principal, Session};

/// Facts of the request a caller made, for sign-in throttling and the audit trail.
#[derive(Debug, Clone, Default)]
pub struct RequestMeta {
    /// The client's address.
    pub client_address: String,
    /// The request id.
    pub request_id: Option<String>,
}
