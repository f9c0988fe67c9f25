//! What resolvers read from the GraphQL context.

use async_graphql::Context;

use crate::{
    auth::{Principal, Session},
    domain::account::RequestMeta,
    error::ApiError,
    state::AppState,
};

/// Typed access to the schema's and the request's data.
pub trait ContextExt {
    /// The shared application state.
    fn state(&self) -> &AppState;
    /// The caller, or `UNAUTHENTICATED`.
    fn principal(&self) -> Result<&Principal, ApiError>;
    /// The request's client address and id.
    fn meta(&self) -> RequestMeta;
}

impl ContextExt for Context<'_> {
    fn state(&self) -> &AppState {
        self.data_unchecked::<AppState>()
    }

    fn principal(&self) -> Result<&Principal, ApiError> {
        self.data_opt::<Session>()
            .ok_or(ApiError::Unauthenticated)?
            .principal()
    }

    fn meta(&self) -> RequestMeta {
        self.data_opt::<RequestMeta>().cloned().unwrap_or_default()
    }
}
