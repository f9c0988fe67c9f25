//! Break-glass alerts: each opening of a record outside its opener's scope, told at once to
//! those who oversee the child's jurisdiction.

use async_graphql::{Context, ID, Result};
use futures_util::{Stream, StreamExt};

use crate::{
    domain::{self, Actor},
    events::BusEvent,
    graphql::{
        assistance::types::BreakGlassAccess,
        live::{self, events, subscriber},
        region,
    },
};

/// The openings the subscriber oversees, in `region_id` and below when given.
pub async fn break_glass_alerts(
    ctx: &Context<'_>,
    region_id: Option<ID>,
) -> Result<impl Stream<Item = BreakGlassAccess> + use<>> {
    let region = region::filter_path(ctx, region_id, "regionId").await?;
    let (state, principal) = subscriber(ctx, "breakGlassAlerts")?;
    Ok(events(&state).filter_map(move |event| {
        let (state, principal, region) = (state.clone(), principal.clone(), region.clone());
        async move {
            let BusEvent::BreakGlass {
                access_id,
                region_path,
            } = &event
            else {
                return None;
            };
            if !live::in_region(region_path, region.as_deref()) {
                return None;
            }
            let actor = Actor {
                principal: &principal,
                policy: &state.policy,
                now: state.clock.now(),
                request_id: None,
                break_glass: false,
            };
            domain::access::opening(&state.db, &actor, *access_id)
                .await
                .ok()
                .flatten()
                .map(BreakGlassAccess)
        }
    }))
}
