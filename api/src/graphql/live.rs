//! The root of subscriptions, and what every subscription shares: the bus's events as a
//! stream, and the subscriber.

use async_graphql::{Context, ID, Result, Subscription as SubscriptionRoot};
use futures_util::{Stream, StreamExt, stream};
use tokio::sync::broadcast::error::RecvError;

use crate::{
    auth::Principal,
    domain::Actor,
    domain::values::RegionPath,
    error::ApiError,
    events::BusEvent,
    graphql::{
        assistance::{self, subscription::BreakGlassAlert},
        context::ContextExt,
        region,
        report::{
            self,
            subscription::{DeadlineAlertEvent, ReportEvent},
        },
    },
    policy::{Level, rules::Use},
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
fn events(state: &AppState) -> impl Stream<Item = BusEvent> + use<> {
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

/// A subscriber: who listens, and the region they asked for (within their jurisdiction).
#[derive(Clone)]
pub struct Listener {
    /// The application, to read what an event is about.
    pub state: AppState,
    /// Who listens.
    pub principal: Principal,
    /// The path of the region asked for, if any.
    pub region: Option<RegionPath>,
}

impl Listener {
    /// The listener as the domain sees a reader (break-glass openings included, as for every
    /// read), at this moment.
    pub fn actor(&self) -> Actor<'_> {
        Actor::new(
            &self.principal,
            &self.state.policy,
            &self.state.audit_keys.mac,
            self.state.clock.now(),
            Use::Read,
        )
    }

    /// Whether `path` lies in the region asked for (any, when none was).
    pub fn asked_for(&self, path: &str) -> bool {
        self.region.as_ref().is_none_or(|root| root.contains(path))
    }
}

/// The stream of the subscription `field` (which the policy must let the caller's role
/// subscribe to): every bus event, turned by `hear` into what this subscriber is sent, or
/// nothing.
pub async fn listen<T, F, Fut>(
    ctx: &Context<'_>,
    field: &str,
    region_id: Option<ID>,
    hear: F,
) -> Result<impl Stream<Item = T> + use<T, F, Fut>>
where
    F: Fn(Listener, BusEvent) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Option<T>> + Send + 'static,
{
    let region = region::filter_path(ctx, region_id, "regionId").await?;
    let principal = ctx.principal()?.clone();
    let state = ctx.state().clone();
    if state
        .policy
        .level("Subscription", field, Some(principal.role))
        == Level::None
    {
        return Err(ApiError::Forbidden.into());
    }
    let listener = Listener {
        state,
        principal,
        region,
    };
    Ok(events(&listener.state).filter_map(move |event| hear(listener.clone(), event)))
}
