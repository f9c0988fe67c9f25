//! Visit queries.

use async_graphql::{Context, ID, InputObject, Object, Result};
use chrono::{DateTime, Utc};

use crate::{
    domain::{self, visit::VisitKey},
    graphql::{
        connection::{self, Connection},
        context::ContextExt,
        ids::{self, Kind},
        region,
        visit::types::Visit,
    },
};

/// Which visits to list; all conditions must hold, within the caller's rows.
#[derive(InputObject, Default)]
pub struct VisitFilter {
    /// Of children living in this region or a region under it.
    pub region_id: Option<ID>,
    /// Of this child.
    pub child_id: Option<ID>,
    /// By this visitor (an account's global ID).
    pub visitor_id: Option<ID>,
    /// From this instant on.
    pub from: Option<DateTime<Utc>>,
    /// Before this instant.
    pub until: Option<DateTime<Utc>>,
    /// Only visits asking (or not asking) for follow-up.
    pub follow_up_needed: Option<bool>,
    /// Only visits with a poor or serious safety finding.
    #[graphql(default)]
    pub safety_concern: bool,
}

/// Visit queries.
#[derive(Default)]
pub struct VisitQuery;

#[Object]
impl VisitQuery {
    /// Visits the caller may see, newest first: for supervisors, by region, visitor, period,
    /// follow-up and safety concern. A teacher sees their own visits.
    async fn visits(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Conditions the visits must all meet.")] filter: Option<VisitFilter>,
        #[graphql(desc = "How many visits to return (0 to 100, default 20).")] first: Option<i32>,
        #[graphql(desc = "Return the visits after this cursor (`pageInfo.endCursor`).")]
        after: Option<String>,
    ) -> Result<Connection<Visit>> {
        let actor = ctx.actor()?;
        let db = ctx.db();
        let (page, paging) = connection::page::<VisitKey>(ctx, first, after.as_deref())?;
        let filter = filter.unwrap_or_default();
        let region_path = region::filter_path(ctx, filter.region_id, "filter.regionId").await?;
        let domain_filter = domain::visit::VisitFilter {
            region_path,
            child: ids::optional(filter.child_id, Kind::Child, "filter.childId")?,
            visitor: ids::optional(filter.visitor_id, Kind::Account, "filter.visitorId")?,
            from: filter.from,
            until: filter.until,
            follow_up_needed: filter.follow_up_needed,
            safety_concern: filter.safety_concern,
        };
        let slice = domain::visit::list(db, &actor, domain_filter, page).await?;
        Ok(paging.connection(ctx, slice, |v| (v.visited_at, v.id), Visit))
    }
}
