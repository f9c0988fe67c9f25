//! The principal: who the request acts for, built once per request from the access token.

use entity::enums::Role;
use uuid::Uuid;

use crate::domain::values::RegionPath;
use crate::error::ApiError;

/// A signed-in account as the rest of the service sees it.
#[derive(Debug, Clone)]
pub struct Principal {
    /// The account.
    pub account_id: Uuid,
    /// Its organization.
    pub organization_id: Uuid,
    /// Its role.
    pub role: Role,
    /// The materialized path of its organization's region: its jurisdiction.
    pub region_path: RegionPath,
    /// The session the request's token belongs to (its refresh-token family).
    pub session_id: Uuid,
}

/// What the request's credentials came to.
#[derive(Debug, Clone)]
pub enum Session {
    /// No `Authorization` header.
    Anonymous,
    /// A valid token of an enabled account.
    Authenticated(Principal),
    /// A token was sent and refused (garbled, forged, expired, revoked, account disabled).
    Rejected,
}

impl Session {
    /// The principal, or `UNAUTHENTICATED`.
    pub fn principal(&self) -> Result<&Principal, ApiError> {
        match self {
            Self::Authenticated(principal) => Ok(principal),
            Self::Anonymous | Self::Rejected => Err(ApiError::Unauthenticated),
        }
    }
}
