//! The one error type of the API and its stable `extensions.code` values.

use sea_orm::{DbErr, SqlErr};

use crate::domain::kind::Kind;

/// What can go wrong, as the API promises it to clients.
#[derive(Debug)]
pub enum ApiError {
    /// No valid token where one is needed.
    Unauthenticated,
    /// The caller may not do this.
    Forbidden,
    /// No such record, or not one the caller may see.
    NotFound,
    /// The input is wrong; `field` names the offending input field.
    BadInput {
        /// The input field, as a dotted path (`input.birthDate`).
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// The write clashes with the current state (stale version, duplicate).
    Conflict {
        /// Why.
        message: String,
        /// The record it clashes with, when the caller may see it: its kind and id.
        existing: Option<(Kind, uuid::Uuid)>,
    },
    /// A state machine does not allow this move.
    InvalidTransition {
        /// Why.
        message: String,
        /// The moves that are allowed from here.
        allowed: Vec<String>,
    },
    /// Too many attempts; try later.
    RateLimited,
    /// Anything else: the client sees a fixed message, the log the cause.
    Internal(anyhow::Error),
}

/// Results of domain functions.
pub type ApiResult<T> = Result<T, ApiError>;

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

    /// What the client is told. Deliberately not `Display`: a `?` into `async_graphql::Error`
    /// must go through its GraphQL form (`graphql::errors`) so the code is never lost.
    pub fn message(&self) -> String {
        match self {
            Self::Unauthenticated => "authentication required".into(),
            Self::Forbidden => "forbidden".into(),
            Self::NotFound => "not found".into(),
            Self::BadInput { field, message } => format!("{field}: {message}"),
            Self::Conflict { message, .. } => message.clone(),
            Self::InvalidTransition { message, .. } => message.clone(),
            Self::RateLimited => "too many attempts, try again later".into(),
            Self::Internal(_) => "internal error".into(),
        }
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
            Self::RateLimited => "RATE_LIMITED",
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
            _ => Self::Internal(err.into()),
        }
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(err: anyhow::Error) -> Self {
        Self::Internal(err)
    }
}
