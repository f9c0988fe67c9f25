//! Break-glass alerts: each opening of a record outside its opener's scope, told at once to
//! those who oversee the child's jurisdiction.

use async_graphql::{Context, ID, Result, SimpleObject};
use chrono::{DateTime, Utc};
use futures_util::Stream;

use crate::{
    domain,
    events::BusEvent,
    graphql::{
        ids::{self, Kind},
        live,
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
    live::listen(
        ctx,
        "breakGlassAlerts",
        region_id,
        |listener, event| async move {
            let BusEvent::BreakGlass {
                access_id,
                region_path,
            } = &event
            else {
                return None;
            };
            if !listener.asked_for(region_path) {
                return None;
            }
            let state = &listener.state;
            let actor = listener.actor();
            let opening = domain::access::opening(&state.db, &actor, *access_id)
                .await
                .ok()
                .flatten()?;
            Some(BreakGlassAlert {
                access_id: ids::encode(Kind::BreakGlassAccess, opening.id),
                child_id: ids::encode(Kind::Child, opening.child_id),
                organization_id: ids::encode(Kind::Organization, opening.organization_id),
                reason: opening.reason,
                opened_at: opening.opened_at,
                expires_at: opening.expires_at,
            })
        },
    )
    .await
}
