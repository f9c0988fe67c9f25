//! What resolvers read from the GraphQL context.

use async_graphql::{Context, parser::types::OperationType};
use chrono::NaiveDate;

use crate::{
    auth::{Principal, RequestMeta, Session},
    domain::Actor,
    error::ApiError,
    graphql::loaders::Loaders,
    policy::rules::Use,
    replica::{ReadPlan, Reader},
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
    /// Where the request reads its rows: the primary (a download: where its reading work
    /// goes).
    fn db(&self) -> &Reader;
    /// Where the request does its reading work, statistics and `totalCount`: the replica when
    /// one is configured, unless the request writes.
    fn reading_work(&self) -> &Reader;
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

    fn db(&self) -> &Reader {
        self.data_opt::<ReadPlan>()
            .map_or(&self.state().primary_reader, |plan| &plan.rows)
    }

    fn reading_work(&self) -> &Reader {
        match self.data_opt::<ReadPlan>() {
            Some(plan) if self.query_env.operation.node.ty == OperationType::Query => &plan.work,
            _ => &self.state().primary_reader,
        }
    }
}
