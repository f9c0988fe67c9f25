//! [`ApiError`] as GraphQL errors: its message, and its stable code and details in
//! `extensions`. async-graphql is built without its conversion of any displayable error
//! (`custom-error-conversion`), so a resolver's `?` reaches a GraphQL error only through this,
//! and no error leaves without its code.

use async_graphql::ErrorExtensions;

use crate::{error::ApiError, graphql::ids};

impl ErrorExtensions for ApiError {
    fn extend(&self) -> async_graphql::Error {
        if let Self::Internal(_) = self {
            tracing::error!(error = %self.chain(), "internal error");
        }
        async_graphql::Error::new(self.to_string()).extend_with(|_, ext| {
            ext.set("code", self.code());
            match self {
                Self::BadInput { field, .. } => ext.set("field", field.as_str()),
                Self::InvalidTransition { allowed, .. } => ext.set("allowed", allowed.clone()),
                Self::RateLimited {
                    retry_after_secs: Some(seconds),
                } => ext.set("retryAfter", *seconds),
                Self::Conflict {
                    existing: Some((kind, id)),
                    ..
                } => ext.set("existingId", ids::encode(*kind, *id).to_string()),
                _ => {}
            }
        })
    }
}

impl From<ApiError> for async_graphql::Error {
    fn from(err: ApiError) -> Self {
        err.extend()
    }
}
