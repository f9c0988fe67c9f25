//! Assessment, service item and break-glass review lists.

use async_graphql::{Context, ID, InputObject, Object, Result};

use crate::{
    domain::{self, access::ReviewFilter, assistance},
    graphql::{
        assistance::types::{
            AccessGrant, Assessment, AssessmentState, BreakGlassAccess, ServiceItem,
            ServiceItemState,
        },
        connection::{self, Connection},
        context::ContextExt,
        region,
    },
};

/// Which assessments to list; all conditions must hold.
#[derive(InputObject, Default)]
pub struct AssessmentFilter {
    /// Only in this state.
    pub state: Option<AssessmentState>,
    /// Only of children in this region (within your jurisdiction).
    pub region_id: Option<ID>,
}

/// Which service items to list; all conditions must hold.
#[derive(InputObject, Default)]
pub struct ServiceItemFilter {
    /// Only in these states.
    pub states: Option<Vec<ServiceItemState>>,
    /// Only those assigned to your unit.
    #[graphql(default)]
    pub mine: bool,
    /// Only overdue (true) or only not overdue (false).
    pub overdue: Option<bool>,
}

/// Assistance queries.
#[derive(Default)]
pub struct AssistanceQuery;

#[Object]
impl AssistanceQuery {
    /// Assessments of children in your jurisdiction, newest first.
    async fn assessments(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Conditions the assessments must all meet.")] filter: Option<
            AssessmentFilter,
        >,
        #[graphql(desc = "How many assessments to return (0 to 100, default 20).")] first: Option<
            i32,
        >,
        #[graphql(desc = "Return the assessments after this cursor (`pageInfo.endCursor`).")]
        after: Option<String>,
    ) -> Result<Connection<Assessment>> {
        let actor = ctx.actor()?;
        let (page, paging) = connection::page::<uuid::Uuid>(ctx, first, after.as_deref())?;
        let filter = filter.unwrap_or_default();
        let region_path = region::filter_path(ctx, filter.region_id, "filter.regionId").await?;
        let slice = assistance::list(
            ctx.db(),
            &actor,
            assistance::AssessmentFilter {
                state: filter.state.map(Into::into),
                region_path,
            },
            page,
        )
        .await?;
        Ok(paging.connection(ctx, slice, |a| a.id, Assessment))
    }

    /// Service items you may see, newest first: those assigned to your unit (a social work
    /// agency's, the justice bureau's, a hospital's worklist), and for the township and civil
    /// affairs those of the children in their jurisdiction.
    async fn service_items(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Conditions the items must all meet.")] filter: Option<ServiceItemFilter>,
        #[graphql(desc = "How many items to return (0 to 100, default 20).")] first: Option<i32>,
        #[graphql(desc = "Return the items after this cursor (`pageInfo.endCursor`).")]
        after: Option<String>,
    ) -> Result<Connection<ServiceItem>> {
        let actor = ctx.actor()?;
        let (page, paging) = connection::page::<uuid::Uuid>(ctx, first, after.as_deref())?;
        let filter = filter.unwrap_or_default();
        let slice = assistance::list_items(
            ctx.db(),
            &actor,
            assistance::ItemFilter {
                states: filter
                    .states
                    .map(|s| s.into_iter().map(Into::into).collect()),
                mine: filter.mine,
                overdue: filter.overdue,
            },
            page,
        )
        .await?;
        Ok(paging.connection(ctx, slice, |i| i.id, ServiceItem))
    }

    /// Who holds the records of children in your jurisdiction: access grants, newest first,
    /// issued by service items or by `grantAccess`.
    async fn access_grants(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only grants in force now (true) or only ended ones (false).")]
        active: Option<bool>,
        #[graphql(desc = "How many grants to return (0 to 100, default 20).")] first: Option<i32>,
        #[graphql(desc = "Return the grants after this cursor (`pageInfo.endCursor`).")]
        after: Option<String>,
    ) -> Result<Connection<AccessGrant>> {
        let actor = ctx.actor()?;
        let (page, paging) = connection::page::<uuid::Uuid>(ctx, first, after.as_deref())?;
        let slice = domain::access::list(ctx.db(), &actor, active, page).await?;
        Ok(paging.connection(ctx, slice, |g| g.id, AccessGrant))
    }

    /// The review list: break-glass openings of records of children in your jurisdiction,
    /// newest first.
    async fn break_glass_accesses(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only reviewed (true) or only awaiting review (false).")] reviewed: Option<
            bool,
        >,
        #[graphql(desc = "How many openings to return (0 to 100, default 20).")] first: Option<i32>,
        #[graphql(desc = "Return the openings after this cursor (`pageInfo.endCursor`).")]
        after: Option<String>,
    ) -> Result<Connection<BreakGlassAccess>> {
        let actor = ctx.actor()?;
        let (page, paging) = connection::page::<uuid::Uuid>(ctx, first, after.as_deref())?;
        let slice =
            domain::access::reviews(ctx.db(), &actor, ReviewFilter { reviewed }, page).await?;
        Ok(paging.connection(ctx, slice, |b| b.id, BreakGlassAccess))
    }
}
