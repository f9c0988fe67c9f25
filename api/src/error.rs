//! The one error type of the API and its stable `extensions.code` values. Its `Display` is
//! what the client is told; an internal error keeps its cause as its `source`, for the log
//! (`graphql::errors` gives it its GraphQL form).

use std::sync::Arc;

use sea_orm::{DbErr, SqlErr};

use crate::domain::kind::Kind;

/// What can go wrong, as the API promises it to clients.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ApiError {
    /// No valid token where one is needed.
    #[error("authentication required")]
    Unauthenticated,
    /// The caller may not do this.
    #[error("forbidden")]
    Forbidden,
    /// No such record, or not one the caller may see.
    #[error("not found")]
    NotFound,
    /// The input is wrong; `field` names the offending input field.
    #[error("{field}: {message}")]
    BadInput {
        /// The input field, as a dotted path (`input.birthDate`).
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// The write clashes with the current state (stale version, duplicate).
    #[error("{message}")]
    Conflict {
        /// Why.
        message: String,
        /// The record it clashes with, when the caller may see it: its kind and id.
        existing: Option<(Kind, uuid::Uuid)>,
    },
    /// A state machine does not allow this move.
    #[error("{message}")]
    InvalidTransition {
        /// Why.
        message: String,
        /// The moves that are allowed from here.
        allowed: Vec<String>,
    },
    /// The password is a one-time password an administrator set: the person changes it
    /// (`changePassword`) before signing in.
    #[error("this password was set by an administrator: choose your own with changePassword")]
    PasswordChangeRequired,
    /// Too many attempts; try later.
    #[error("too many attempts, try again later")]
    RateLimited {
        /// Seconds until an attempt may succeed, when known (`extensions.retryAfter`).
        retry_after_secs: Option<u64>,
    },
    /// Anything else: the client sees a fixed message, the log the cause (shared, so that an
    /// error a loader hands to many keys is one).
    #[error("internal error")]
    Internal(#[source] Arc<dyn std::error::Error + Send + Sync>),
}

/// Results of domain functions.
pub type ApiResult<T> = Result<T, ApiError>;

/// A read's answer with a record that is not there (or not visible) as `None`: for fields that
/// answer null for what the caller may not see; other errors pass through.
pub fn found<T>(result: ApiResult<T>) -> ApiResult<Option<T>> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(ApiError::NotFound) => Ok(None),
        Err(err) => Err(err),
    }
}

impl ApiError {
    /// Bad input in `field`.
    pub fn bad_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::BadInput {
            field: field.into(),
            message: message.into(),
        }
    }

    /// A referenced record that is not there (or not visible) as bad input in `field`; other
    /// errors pass through unchanged.
    pub fn not_found_as(self, field: &str, message: &str) -> Self {
        match self {
            Self::NotFound => Self::bad_input(field, message),
            other => other,
        }
    }

    /// A conflict naming no record.
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::Conflict {
            message: message.into(),
            existing: None,
        }
    }

    /// An internal error caused by `cause` (its chain is kept).
    pub fn internal(cause: impl Into<anyhow::Error>) -> Self {
        let cause: Box<dyn std::error::Error + Send + Sync> = cause.into().into();
        Self::Internal(Arc::from(cause))
    }

    /// The error and every cause under it, `: `-separated, for the log.
    pub fn chain(&self) -> String {
        let mut text = self.to_string();
        let mut cause = std::error::Error::source(self);
        while let Some(err) = cause {
            text.push_str(": ");
            text.push_str(&err.to_string());
            cause = err.source();
        }
        text
    }

    /// The stable code clients switch on.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unauthenticated => "UNAUTHENTICATED",
            Self::Forbidden => "FORBIDDEN",
            Self::NotFound => "NOT_FOUND",
            Self::BadInput { .. } => "BAD_USER_INPUT",
            Self::Conflict { .. } => "CONFLICT",
            Self::InvalidTransition { .. } => "INVALID_TRANSITION",
            Self::RateLimited { .. } => "RATE_LIMITED",
            Self::PasswordChangeRequired => "PASSWORD_CHANGE_REQUIRED",
            Self::Internal(_) => "INTERNAL_SERVER_ERROR",
        }
    }
}

impl From<DbErr> for ApiError {
    /// Unique and foreign-key violations are the client's doing; everything else is ours.
    fn from(err: DbErr) -> Self {
        match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => {
                Self::conflict("a record with these values already exists")
            }
            Some(SqlErr::ForeignKeyConstraintViolation(_)) => {
                Self::bad_input("input", "a referenced record does not exist")
            }
            _ => Self::internal(err),
        }
    }
}

impl From<anyhow::Error> for ApiError {
    /// An `ApiError` that travelled inside an `anyhow::Error` comes back as itself (a
    /// `NOT_FOUND` stays `NOT_FOUND`); anything else is internal.
    fn from(err: anyhow::Error) -> Self {
        match err.downcast::<ApiError>() {
            Ok(api) => api,
            Err(err) => Self::internal(err),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ApiError;

    #[test]
    fn an_internal_error_tells_the_client_nothing_and_keeps_its_cause_for_the_log() {
        let cause = anyhow::anyhow!("disk full").context("writing the visit");
        let error = ApiError::internal(cause);
        assert_eq!(error.to_string(), "internal error");
        assert_eq!(error.code(), "INTERNAL_SERVER_ERROR");
        assert_eq!(
            error.chain(),
            "internal error: writing the visit: disk full"
        );
        // Outside GraphQL (the command line, background tasks) the cause goes along.
        let outside = anyhow::Error::from(error.clone());
        assert_eq!(
            format!("{outside:#}"),
            "internal error: writing the visit: disk full"
        );
    }

    #[test]
    fn an_api_error_that_travelled_through_anyhow_keeps_its_code() {
        let back = ApiError::from(anyhow::Error::from(ApiError::NotFound));
        assert_eq!(back.code(), "NOT_FOUND");
    }
}
