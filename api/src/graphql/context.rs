//! What resolvers read from the GraphQL context.

use async_graphql::{Context, parser::types::OperationType};
use chrono::NaiveDate;

use crate::{
    auth::{Principal, RequestMeta, Session},
    domain::Actor,
    error::ApiError,
    graphql::loaders::Loaders,
    policy::rules::Use,
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
    /// The caller as the domain sees it, or `UNAUTHENTICATED`.
    fn actor(&self) -> Result<Actor<'_>, ApiError>;
    /// Today's date where the ledger lives.
    fn today(&self) -> NaiveDate;
    /// The request's loaders.
    fn loaders(&self) -> &Loaders;
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

    fn actor(&self) -> Result<Actor<'_>, ApiError> {
        let state = self.state();
        let usage = if self.query_env.operation.node.ty == OperationType::Mutation {
            Use::Write
        } else {
            Use::Read
        };
        let request = self.data_opt::<RequestMeta>();
        Ok(Actor::new(
            self.principal()?,
            &state.policy,
            &state.audit_keys.mac,
            state.clock.now(),
            usage,
        )
        .in_request(request))
    }

    fn today(&self) -> NaiveDate {
        crate::clock::china_date(self.state().clock.now())
    }

    fn loaders(&self) -> &Loaders {
        self.data_unchecked::<Loaders>()
    }
}
