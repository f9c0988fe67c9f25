//! Ledger queries.

use async_graphql::{Context, ID, Object, Result};

use crate::{
    domain::{self, child::ChildKey},
    graphql::{
        child::{
            inputs::{ChildFilter, ChildOrder},
            types::Child,
        },
        connection::{self, Connection},
        context::ContextExt,
        ids::{self, Kind},
    },
};

/// Ledger queries.
#[derive(Default)]
pub struct ChildQuery;

#[Object]
impl ChildQuery {
    /// One child; null when there is none the caller may see.
    async fn child(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The child's global ID.")] id: ID,
    ) -> Result<Option<Child>> {
        let actor = ctx.actor()?;
        let Ok(uuid) = ids::expect(Kind::Child, &id, "id") else {
            return Ok(None);
        };
        Ok(domain::child::find(ctx.db(), &actor, uuid)
            .await?
            .map(Child))
    }

    /// The children the caller may see, a page at a time.
    async fn children(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Conditions the children must all meet.")] filter: Option<ChildFilter>,
        #[graphql(
            desc = "The order of the list: by default by name, or in the order they were \
                    registered for roles that do not read names in full."
        )]
        order_by: Option<ChildOrder>,
        #[graphql(desc = "How many children to return (0 to 100, default 20).")] first: Option<i32>,
        #[graphql(desc = "Return the children after this cursor (`pageInfo.endCursor`).")]
        after: Option<String>,
    ) -> Result<Connection<Child>> {
        let actor = ctx.actor()?;
        let (page, paging) = connection::page::<ChildKey>(ctx, first, after.as_deref())?;
        let filter = filter.unwrap_or_default();
        let region = ids::optional(filter.region_id, Kind::Region, "filter.regionId")?;
        let school = ids::optional(filter.school_id, Kind::Organization, "filter.schoolId")?;
        let submission = ids::optional(
            filter.submission_id,
            Kind::LedgerSubmission,
            "filter.submissionId",
        )?;
        fn all<T: Into<U>, U>(values: Option<Vec<T>>) -> Option<Vec<U>> {
            values.map(|v| v.into_iter().map(Into::into).collect())
        }
        let domain_filter = domain::child::ChildFilter {
            region,
            school,
            living_arrangements: all(filter.living_arrangements),
            left_behind_types: all(filter.left_behind_types),
            guardianship_qualities: all(filter.guardianship_qualities),
            risk_levels: all(filter.risk_levels),
            statuses: all(filter.statuses),
            min_age: filter.min_age,
            max_age: filter.max_age,
            name_contains: filter.name_contains,
            not_reviewed_this_quarter: filter.not_reviewed_this_quarter,
            paired_with: None,
            submission,
            no_parent_contact_since: super::inputs::silent_since(
                filter.no_parent_contact_in_days,
                actor.now,
                "filter.noParentContactInDays",
            )?,
            visit_due: filter.visit_due,
        };
        let by_name = ctx
            .state()
            .policy
            .may_order_by(actor.principal.role, "ChildOrder", "NAME");
        let default = if by_name {
            ChildOrder::Name
        } else {
            ChildOrder::Registered
        };
        let order = match order_by.unwrap_or(default) {
            ChildOrder::Name => domain::child::ChildOrder::Name,
            ChildOrder::BirthDate => domain::child::ChildOrder::BirthDate,
            ChildOrder::Registered => domain::child::ChildOrder::Registered,
        };
        let columns = connection::node_columns(ctx, Child::COLUMNS);
        let db = ctx.db();
        let slice = domain::child::list(db, &actor, domain_filter, order, page, columns).await?;
        Ok(paging.connection(ctx, slice, |c| order.key(c), Child))
    }
}
