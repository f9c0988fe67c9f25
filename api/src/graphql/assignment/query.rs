//! Inbox, overview and trend queries.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::NaiveDate;

use crate::{
    domain::{
        self,
        assignment::InboxFilter,
        statistics::{Grain, responsibility},
    },
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

/// One kind of assignment in one month of a unit's trend.
#[derive(SimpleObject)]
pub struct MonthCounts {
    /// Assigned during the month.
    pub assigned: u64,
    /// Done during the month.
    pub done: u64,
    /// Assigned by the month's end and not done then.
    pub open: u64,
    /// Of those open at the month's end, the ones due before it.
    pub overdue: u64,
}

impl From<responsibility::MonthCounts> for MonthCounts {
    fn from(c: responsibility::MonthCounts) -> Self {
        Self {
            assigned: c.assigned,
            done: c.done,
            open: c.open,
            overdue: c.overdue,
        }
    }
}

/// One month of a unit's line in the joint meeting's trend.
#[derive(SimpleObject)]
pub struct ResponsibilityMonth {
    /// The month, `2026-11`.
    pub month: String,
    /// Whether this is the month in progress, whose end is now (its open and overdue counts are
    /// the overview's).
    pub live: bool,
    /// The plan's tasks.
    pub plan_tasks: MonthCounts,
    /// Cases: reports, assessments, service items, dropout cases.
    pub cases: MonthCounts,
}

/// One unit's line in the joint meeting's trend: its months, oldest first.
#[derive(SimpleObject)]
pub struct UnitResponsibilityTrend {
    /// The unit.
    pub organization: Organization,
    /// Its months, oldest first, each of them in the window.
    pub months: Vec<ResponsibilityMonth>,
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

    /// The joint meeting's overview month by month: for every unit serving the region (your
    /// jurisdiction when omitted) that had assignments by the window's end, what it was
    /// assigned and finished in each month, and what it left open and overdue at the month's
    /// end, from `from` until `until` (by default the 24 months up to and including this one;
    /// at most 60; months after this one are left out). Counted from the assignments
    /// themselves (when each was made and done, and its due date as it stands now: a deadline
    /// moved later moves a past month's overdue count with it).
    async fn responsibility_trend(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The region; your jurisdiction when omitted.")] region_id: Option<ID>,
        #[graphql(desc = "The first month: the one this day falls in.")] from: Option<NaiveDate>,
        #[graphql(desc = "Up to this day, exclusive (the first of a month ends before it).")]
        until: Option<NaiveDate>,
    ) -> Result<Vec<UnitResponsibilityTrend>> {
        let actor = ctx.actor()?;
        let path = region::filter_path(ctx, region_id, "regionId")
            .await?
            .unwrap_or_else(|| actor.principal.region_path.clone());
        let units = responsibility::trend(ctx.reading_work(), &actor, &path, (from, until)).await?;
        Ok(units
            .into_iter()
            .map(|unit| UnitResponsibilityTrend {
                organization: Organization(unit.organization),
                months: unit
                    .months
                    .into_iter()
                    .map(|m| ResponsibilityMonth {
                        month: Grain::Month.period(m.month),
                        live: m.live,
                        plan_tasks: m.plan.into(),
                        cases: m.cases.into(),
                    })
                    .collect(),
            })
            .collect())
    }
}
