//! Break-glass alerts: each opening of a record outside its opener's scope, told at once to
//! those who oversee the child's jurisdiction.

use async_graphql::{Context, ID, Result, SimpleObject};
use chrono::{DateTime, Utc};
use futures_util::{Stream, StreamExt};

use crate::{
    domain::{self, Actor},
    events::BusEvent,
    graphql::{
        ids::{self, Kind},
        live::{self, events, subscriber},
        region,
    },
};

/// Someone just opened a child's record outside their scope by break-glass. Read the child
/// with `child(id:)` and the opening in `breakGlassAccesses`, where it waits for review.
#[derive(SimpleObject)]
pub struct BreakGlassAlert {
    /// The opening (a `BreakGlassAccess`).
    pub access_id: ID,
    /// The child whose record was opened.
    pub child_id: ID,
    /// The unit of the officer who opened it.
    pub organization_id: ID,
    /// The emergency, in the officer's words.
    pub reason: String,
    /// When it was opened.
    pub opened_at: DateTime<Utc>,
    /// When the access ends by itself.
    pub expires_at: DateTime<Utc>,
}

/// The openings the subscriber oversees, in `region_id` and below when given.
pub async fn break_glass_alerts(
    ctx: &Context<'_>,
    region_id: Option<ID>,
) -> Result<impl Stream<Item = BreakGlassAlert> + use<>> {
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
                .map(|opening| BreakGlassAlert {
                    access_id: ids::encode(Kind::BreakGlassAccess, opening.id),
                    child_id: ids::encode(Kind::Child, opening.child_id),
                    organization_id: ids::encode(Kind::Organization, opening.organization_id),
                    reason: opening.reason,
                    opened_at: opening.opened_at,
                    expires_at: opening.expires_at,
                })
        }
    }))
}
