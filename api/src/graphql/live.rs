//! The root of subscriptions, and what every subscription shares: the bus's events as a
//! stream, and the subscriber.

use async_graphql::{Context, ID, Result, Subscription as SubscriptionRoot};
use futures_util::{Stream, stream};
use tokio::sync::broadcast::error::RecvError;

use crate::{
    auth::Principal,
    error::ApiError,
    events::BusEvent,
    graphql::{
        assistance::{self, subscription::BreakGlassAlert},
        context::ContextExt,
        report::{
            self,
            subscription::{DeadlineAlertEvent, ReportEvent},
        },
    },
    policy::{Level, scope},
    state::AppState,
};

/// The root of subscriptions.
#[derive(Default)]
pub struct Subscription;

/// Live updates over `graphql-transport-ws` at `/graphql/ws`, for police consoles and
/// supervisors. Send the access token in `connection_init` (`{"accessToken": "…"}`); the
/// connection closes with 4401 when the token expires or its session is revoked (reconnect
/// with a fresh token) and with 4408 when no `connection_init` comes in time.
#[SubscriptionRoot]
impl Subscription {
    /// New and changed reports you may see (in `regionId` and below, when given). Events are
    /// sent only after the change is committed.
    async fn report_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only reports about this region or a region under it.")] region_id: Option<
            ID,
        >,
    ) -> Result<impl Stream<Item = ReportEvent>> {
        report::subscription::report_events(ctx, region_id).await
    }

    /// Deadlines that reports you may see have just missed (in `regionId` and below, when
    /// given), each once.
    async fn deadline_alerts(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only reports about this region or a region under it.")] region_id: Option<
            ID,
        >,
    ) -> Result<impl Stream<Item = DeadlineAlertEvent>> {
        report::subscription::deadline_alerts(ctx, region_id).await
    }

    /// Each break-glass opening of a record in your jurisdiction (in `regionId` and below, when
    /// given), as it happens, so that it can be questioned at once rather than at the next
    /// review.
    async fn break_glass_alerts(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only openings of children living in this region or a region under it.")]
        region_id: Option<ID>,
    ) -> Result<impl Stream<Item = BreakGlassAlert>> {
        assistance::subscription::break_glass_alerts(ctx, region_id).await
    }
}

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
    within.is_none_or(|root| scope::contains(root, path))
}
