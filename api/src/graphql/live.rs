//! What every subscription shares: the bus's events as a stream, and the subscriber.

use async_graphql::Context;
use futures_util::{Stream, stream};
use tokio::sync::broadcast::error::RecvError;

use crate::{
    auth::Principal, error::ApiError, events::BusEvent, graphql::context::ContextExt,
    policy::Level, state::AppState,
};

/// Every event from now on, skipping what a slow subscriber missed.
pub fn events(state: &AppState) -> impl Stream<Item = BusEvent> + use<> {
    stream::unfold(state.events.subscribe(), |mut rx| async move {
        loop {
            match rx.recv().await {
                Ok(event) => return Some((event, rx)),
                Err(RecvError::Lagged(missed)) => {
                    tracing::warn!(missed, "a subscriber fell behind");
                }
                Err(RecvError::Closed) => return None,
            }
        }
    })
}

/// The subscriber, if the policy lets their role subscribe to `field`.
pub fn subscriber(ctx: &Context<'_>, field: &str) -> Result<(AppState, Principal), ApiError> {
    let principal = ctx.principal()?.clone();
    let state = ctx.state().clone();
    if state
        .policy
        .level("Subscription", field, Some(principal.role))
        == Level::None
    {
        return Err(ApiError::Forbidden);
    }
    Ok((state, principal))
}

/// Whether `path` lies in the region `within` (when one was asked for).
pub fn in_region(path: &str, within: Option<&str>) -> bool {
    within.is_none_or(|root| path == root || path.starts_with(&format!("{root}/")))
}
