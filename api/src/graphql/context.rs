//! What resolvers read from the GraphQL context.

use async_graphql::Context;
use chrono::NaiveDate;
use sea_orm::DatabaseTransaction;

use crate::{
    auth::{Principal, RequestMeta, Session},
    domain::Actor,
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
    /// The caller as the domain sees it, or `UNAUTHENTICATED`.
    fn actor(&self) -> Result<Actor<'_>, ApiError>;
    /// Today's date where the ledger lives.
    fn today(&self) -> NaiveDate;
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
        Ok(Actor {
            principal: self.principal()?,
            policy: &state.policy,
            mac: &state.audit_keys.mac,
            now: state.clock.now(),
            request_id: self
                .data_opt::<RequestMeta>()
                .and_then(|m| m.request_id.as_deref()),
            break_glass: state
                .policy
                .break_glass_applies(self.query_env.operation.node.ty),
        })
    }

    fn today(&self) -> NaiveDate {
        crate::clock::china_date(self.state().clock.now())
    }
}

/// Starts the transaction a mutation runs in, with its audit event.
pub async fn begin(ctx: &Context<'_>) -> Result<DatabaseTransaction, ApiError> {
    Ok(crate::db::begin_write(&ctx.state().db).await?)
}

/// Commits a mutation's transaction.
pub async fn commit(txn: DatabaseTransaction) -> Result<(), ApiError> {
    Ok(txn.commit().await?)
}

/// What an idempotent create answers: the first result for the key again, or what it created.
pub enum Once<T, R> {
    /// An earlier call with the same key produced this.
    Replayed(T),
    /// Created now, and committed.
    Created(R),
}

/// Ends an idempotent create's transaction: commits what was created, or, when a concurrent
/// retry with the same key committed first (the create then fails on the key's unique index
/// with a `CONFLICT`), answers with that retry's result instead.
pub async fn settle_once<T, R, F>(
    txn: DatabaseTransaction,
    created: Result<R, ApiError>,
    replay: impl FnOnce() -> F,
) -> Result<Once<T, R>, ApiError>
where
    F: Future<Output = Result<Option<T>, ApiError>>,
{
    match created {
        Ok(created) => {
            commit(txn).await?;
            Ok(Once::Created(created))
        }
        Err(ApiError::Conflict { .. }) => {
            drop(txn);
            replay()
                .await?
                .map(Once::Replayed)
                .ok_or_else(|| ApiError::conflict("the same idempotency key is in use"))
        }
        Err(err) => Err(err),
    }
}
