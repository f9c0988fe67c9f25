//! The joint meeting's overview month by month (联席会议): for each unit serving a region, what
//! it was assigned in each month, what it finished, and what it left open, and overdue, at the
//! month's end; for the plan's tasks and for cases apart.
//!
//! Counted from the assignments themselves (when each was made, when it was done, when it is
//! due), so every month is counted without snapshots, back to the first assignment. Two
//! things are not kept, and past months show them as they stand now: an assignment done and
//! then reopened counts as open from when it was made, and an assignment whose deadline was
//! moved is overdue by its present one.

use std::collections::HashMap;

use chrono::{DateTime, Months, NaiveDate, Utc};
use entity::{assignment, enums::SubjectType, organization};
use sea_orm::{
    ConnectionTrait,
    sea_query::{Expr, ExprTrait, Func, Query, SimpleExpr},
};
use uuid::Uuid;

use super::{Grain, month_window};
use crate::{
    clock::china_midnight,
    domain::{
        Actor, ApiResult, assignment::serving, assignment::units_by_name, values::RegionPath,
    },
};

/// The most months one trend covers.
pub const MAX_MONTHS: usize = 60;
/// The months a trend covers when not asked.
const DEFAULT_MONTHS: u32 = 24;

/// One kind of assignment in one month.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MonthCounts {
    /// Assigned during the month.
    pub assigned: u64,
    /// Done during the month.
    pub done: u64,
    /// Assigned by the month's end and not done then.
    pub open: u64,
    /// Of those, due before the month's last day ended.
    pub overdue: u64,
}

/// One unit's month.
#[derive(Debug, Clone)]
pub struct UnitMonth {
    /// The month, by its first day.
    pub month: NaiveDate,
    /// Whether it is the month in progress, whose end is now.
    pub live: bool,
    /// The plan's tasks.
    pub plan: MonthCounts,
    /// Cases: reports, assessments, service items, dropout cases.
    pub cases: MonthCounts,
}

/// One unit's trend.
#[derive(Debug, Clone)]
pub struct UnitTrend {
    /// The unit.
    pub organization: organization::Model,
    /// Its months, oldest first.
    pub months: Vec<UnitMonth>,
}

/// A month's bounds: its first instant, its end (the next month's first instant, or now for
/// the month in progress), and the first day on which what is due is not yet overdue at
/// that end.
struct Bounds {
    month: NaiveDate,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    due_from: NaiveDate,
    live: bool,
}

/// For each unit serving `region_path` or below (within the caller's jurisdiction, as the
/// overview's) that had assignments by the window's end, its months from `from` until `until`
/// (exclusive; by default the 24 months up to and including this one; months after this one
/// are left out), all in one statement.
pub async fn trend(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    region_path: &RegionPath,
    period: (Option<NaiveDate>, Option<NaiveDate>),
) -> ApiResult<Vec<UnitTrend>> {
    let this_month = Grain::Month.start(actor.today());
    let bounds: Vec<Bounds> = month_window(actor.today(), period, DEFAULT_MONTHS, MAX_MONTHS)?
        .into_iter()
        .filter(|month| *month <= this_month)
        .map(|month| {
            let next = month
                .checked_add_months(Months::new(1))
                .unwrap_or(NaiveDate::MAX);
            let live = month == this_month;
            Bounds {
                month,
                start: china_midnight(month),
                end: if live {
                    actor.now
                } else {
                    china_midnight(next)
                },
                due_from: if live { actor.today() } else { next },
                live,
            }
        })
        .collect();
    let (Some(serving), Some(last)) = (serving(actor, region_path), bounds.last()) else {
        return Ok(Vec::new());
    };
    let col = |c: assignment::Column| Expr::col((assignment::Entity, c));
    let count = |condition: SimpleExpr| Func::count(Expr::case(condition, 1));
    let mut select = Query::select();
    select
        .column((assignment::Entity, assignment::Column::OrganizationId))
        .column((assignment::Entity, assignment::Column::SubjectType))
        .from(assignment::Entity)
        .and_where(col(assignment::Column::OrganizationId).in_subquery(serving))
        .and_where(col(assignment::Column::CreatedAt).lt(last.end))
        .group_by_col((assignment::Entity, assignment::Column::OrganizationId))
        .group_by_col((assignment::Entity, assignment::Column::SubjectType));
    for b in &bounds {
        let created = col(assignment::Column::CreatedAt);
        let done_at = col(assignment::Column::DoneAt);
        let open_at_end = created
            .clone()
            .lt(b.end)
            .and(done_at.clone().is_null().or(done_at.clone().gte(b.end)));
        select
            .expr(count(created.clone().gte(b.start).and(created.lt(b.end))))
            .expr(count(done_at.clone().gte(b.start).and(done_at.lt(b.end))))
            .expr(count(open_at_end.clone()))
            .expr(count(
                open_at_end.and(col(assignment::Column::DueOn).lt(b.due_from)),
            ));
    }
    let rows = db.query_all(&select).await?;
    let mut units: HashMap<Uuid, Vec<UnitMonth>> = HashMap::new();
    for row in rows {
        let unit: Uuid = row.try_get_by_index(0)?;
        let subject: SubjectType = row.try_get_by_index(1)?;
        let months = units.entry(unit).or_insert_with(|| {
            bounds
                .iter()
                .map(|b| UnitMonth {
                    month: b.month,
                    live: b.live,
                    plan: MonthCounts::default(),
                    cases: MonthCounts::default(),
                })
                .collect()
        });
        for (i, month) in months.iter_mut().enumerate() {
            let n = |k: usize| -> ApiResult<u64> {
                let n: i64 = row.try_get_by_index(2 + 4 * i + k)?;
                Ok(u64::try_from(n).unwrap_or_default())
            };
            let counts = if subject == SubjectType::PlanTask {
                &mut month.plan
            } else {
                &mut month.cases
            };
            counts.assigned += n(0)?;
            counts.done += n(1)?;
            counts.open += n(2)?;
            counts.overdue += n(3)?;
        }
    }
    let organizations = units_by_name(db, units.keys().copied()).await?;
    Ok(organizations
        .into_iter()
        .filter_map(|organization| {
            let months = units.remove(&organization.id)?;
            Some(UnitTrend {
                organization,
                months,
            })
        })
        .collect())
}
