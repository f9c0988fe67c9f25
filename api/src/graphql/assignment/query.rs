//! Inbox and overview queries.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};

use crate::{
    domain::{self, assignment::InboxFilter},
    graphql::{
        connection::{self, Connection},
        context::ContextExt,
        organization::types::Organization,
        region,
        schooling::types::{Assignment, AssignmentStatus, Responsibility, SubjectType},
    },
};

/// Which assignments of your unit to list; all conditions must hold.
#[derive(InputObject, Default)]
pub struct AssignmentFilter {
    /// Only in these states.
    pub statuses: Option<Vec<AssignmentStatus>>,
    /// Only lead (责任单位) or only assisting (协助单位).
    pub responsibility: Option<Responsibility>,
    /// Only overdue (true) or only not overdue (false).
    pub overdue: Option<bool>,
    /// Only about these kinds of subject.
    pub subject_types: Option<Vec<SubjectType>>,
}

/// Counts of one kind of assignment.
#[derive(SimpleObject)]
pub struct Counts {
    /// Assigned in all.
    pub assigned: u64,
    /// Not yet done (assigned less done), overdue or not.
    pub open: u64,
    /// Done.
    pub done: u64,
    /// Due before today and not done.
    pub overdue: u64,
}

/// One unit's line in the joint meeting's overview.
#[derive(SimpleObject)]
pub struct UnitResponsibility {
    /// The unit.
    pub organization: Option<Organization>,
    /// The plan's tasks.
    pub plan_tasks: Counts,
    /// Cases: reports, assessments, service items, dropout cases.
    pub cases: Counts,
}

fn counts(values: [u64; 3]) -> Counts {
    Counts {
        assigned: values[0],
        open: values[0] - values[1],
        done: values[1],
        overdue: values[2],
    }
}

/// Responsibility queries.
#[derive(Default)]
pub struct AssignmentQuery;

#[Object]
impl AssignmentQuery {
    /// Your unit's inbox: what it is responsible for, as lead or assisting, newest first.
    async fn assignments(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Conditions the assignments must all meet.")] filter: Option<
            AssignmentFilter,
        >,
        #[graphql(desc = "How many assignments to return (0 to 100, default 20).")] first: Option<
            i32,
        >,
        #[graphql(desc = "Return the assignments after this cursor (`pageInfo.endCursor`).")]
        after: Option<String>,
    ) -> Result<Connection<Assignment>> {
        let actor = ctx.actor()?;
        let (page, paging) = connection::page::<uuid::Uuid>(ctx, first, after.as_deref())?;
        let filter = filter.unwrap_or_default();
        let filter = InboxFilter {
            statuses: filter
                .statuses
                .map(|s| s.into_iter().map(Into::into).collect()),
            responsibility: filter.responsibility.map(Into::into),
            overdue: filter.overdue,
            subject_types: filter
                .subject_types
                .map(|s| s.into_iter().map(Into::into).collect()),
        };
        let slice = domain::assignment::inbox(ctx.db(), &actor, filter, page).await?;
        Ok(paging.connection(ctx, slice, |a| a.id, Assignment))
    }

    /// The joint meeting's view (联席会议): for every unit serving the region (your jurisdiction
    /// when omitted) that has assignments, what it was assigned, what is done and what is
    /// overdue, for the plan's tasks and for cases.
    async fn responsibility_overview(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The region; your jurisdiction when omitted.")] region_id: Option<ID>,
    ) -> Result<Vec<UnitResponsibility>> {
        let actor = ctx.actor()?;
        let path = region::filter_path(ctx, region_id, "regionId")
            .await?
            .unwrap_or_else(|| actor.principal.region_path.clone());
        let tallies = domain::assignment::overview(ctx.reading_work(), &actor, &path).await?;
        Ok(tallies
            .into_iter()
            .map(|t| UnitResponsibility {
                organization: t.organization.map(Organization),
                plan_tasks: counts(t.plan),
                cases: counts(t.cases),
            })
            .collect())
    }
}
