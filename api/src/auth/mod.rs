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
    /// The client app and trusted document the request ran.
    pub client: RequestClient,
}

/// The client app a request came from and the trusted document it ran, when it ran one.
#[derive(Debug, Clone, Default)]
pub struct RequestClient {
    /// The client app whose manifest holds the document.
    pub app: Option<String>,
    /// The document's id, `sha256:<hex>`.
    pub document_id: Option<String>,
}
