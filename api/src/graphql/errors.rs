//! [`ApiError`] as GraphQL errors: its message, and its stable code and details in
//! `extensions`.

use async_graphql::ErrorExtensions;

use crate::{error::ApiError, graphql::ids};

impl ErrorExtensions for ApiError {
    fn extend(&self) -> async_graphql::Error {
        if let Self::Internal(cause) = self {
            tracing::error!(error = ?cause, "internal error");
        }
        async_graphql::Error::new(self.message()).extend_with(|_, ext| {
            ext.set("code", self.code());
            match self {
                Self::BadInput { field, .. } => ext.set("field", field.as_str()),
                Self::InvalidTransition { allowed, .. } => ext.set("allowed", allowed.clone()),
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
