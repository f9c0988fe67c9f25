//! Service activity queries: the service portal's list.

use async_graphql::{Context, ID, InputObject, Object, Result};
use chrono::NaiveDate;

use crate::{
    domain,
    graphql::{
        activity::types::{ActivityKind, ServiceActivity},
        connection::{self, Connection},
        context::ContextExt,
        ids::{self, Kind},
        region,
    },
};

/// Which activities to list; all conditions must hold.
#[derive(InputObject, Default)]
pub struct ServiceActivityFilter {
    /// Held in this region or a region under it.
    pub region_id: Option<ID>,
    /// Of these kinds.
    pub kinds: Option<Vec<ActivityKind>>,
    /// Held at this venue.
    pub venue_id: Option<ID>,
    /// Held on or after this day.
    pub from: Option<NaiveDate>,
    /// Held on or before this day.
    pub until: Option<NaiveDate>,
}

/// Service activity queries.
#[derive(Default)]
pub struct ActivityQuery;

#[Object]
impl ActivityQuery {
    /// Service activities held in your unit's region, newest first, with who they were for.
    async fn service_activities(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Conditions the activities must all meet.")] filter: Option<
            ServiceActivityFilter,
        >,
        #[graphql(desc = "How many activities to return (0 to 100, default 20).")] first: Option<
            i32,
        >,
        #[graphql(desc = "Return the activities after this cursor (`pageInfo.endCursor`).")]
        after: Option<String>,
    ) -> Result<Connection<ServiceActivity>> {
        let actor = ctx.actor()?;
        let db = ctx.db();
        let (page, paging) =
            connection::page::<(NaiveDate, uuid::Uuid)>(ctx, first, after.as_deref())?;
        let filter = filter.unwrap_or_default();
        let region_path = region::filter_path(ctx, filter.region_id, "filter.regionId").await?;
        let filter = domain::activity::ActivityFilter {
            region_path,
            kinds: filter
                .kinds
                .map(|k| k.into_iter().map(Into::into).collect()),
            venue: ids::optional(filter.venue_id, Kind::Venue, "filter.venueId")?,
            from: filter.from,
            until: filter.until,
        };
        let slice = domain::activity::list(db, &actor, filter, page).await?;
        Ok(paging.connection(ctx, slice, |a| (a.held_on, a.id), ServiceActivity))
    }
}
