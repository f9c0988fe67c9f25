//! Monthly visit compliance (走访): per region and calendar month, the children due a child
//! director's monthly home visit and those who had one.
//!
//! A child is due in a month when registered before it ended and still followed during it
//! (active, or its status changed within or after the month); it is visited when a child
//! director recorded a visit to it within the month. Children are counted where they live now.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Months, NaiveDate, Utc};
use entity::{
    child,
    enums::{ChildStatus, RegionLevel, Role},
    region, visit,
};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter,
    QuerySelect, QueryTrait,
    sea_query::{Expr, SimpleExpr},
};
use uuid::Uuid;

use super::{Protection, Root, Tally, month_window, within};
use crate::{
    clock::china_midnight,
    domain::{Actor, ApiResult},
    policy::scope,
};

/// A child as compliance counts it.
#[derive(Debug, FromQueryResult)]
struct Followed {
    id: Uuid,
    region_path: String,
    created_at: DateTime<Utc>,
    status: ChildStatus,
    status_changed_on: Option<NaiveDate>,
    stat_key: i32,
}

/// The most months one table covers.
pub const MAX_MONTHS: usize = 36;

/// One region's month.
#[derive(Debug, Clone)]
pub struct ComplianceLine {
    /// The region.
    pub region: region::Model,
    /// The month, `2026-11`.
    pub month: String,
    /// Children due a visit, or `None` when withheld.
    pub due: Option<u64>,
    /// Of them, children a child director visited, or `None` when withheld.
    pub visited: Option<u64>,
}

/// A table of visit compliance.
#[derive(Debug, Clone)]
pub struct ComplianceTable {
    /// How the counts are protected for this caller.
    pub protection: Protection,
    /// The lines, by region code and month.
    pub lines: Vec<ComplianceLine>,
}

/// Visit compliance of the children the caller may count within the region asked, per region
/// at `level` and calendar month from `from` until `until` (exclusive; by default the twelve
/// months up to and including this one).
pub async fn compliance(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    asked: Option<region::Model>,
    level: RegionLevel,
    period: (Option<NaiveDate>, Option<NaiveDate>),
    min_cell: u64,
) -> ApiResult<ComplianceTable> {
    let months = month_window(actor.today(), period, 12, MAX_MONTHS)?;
    let root = Root::resolve(db, actor, asked, level).await?;
    let counted = || {
        child::Entity::find()
            .filter(scope::counted_children(
                actor.policy,
                actor.principal,
                actor.now,
            ))
            .filter(within(child::Column::RegionPath, root.path.as_ref()))
    };
    let children: Vec<Followed> = counted()
        .select_only()
        .columns([
            child::Column::Id,
            child::Column::RegionPath,
            child::Column::CreatedAt,
            child::Column::Status,
            child::Column::StatusChangedOn,
            child::Column::StatKey,
        ])
        .into_model()
        .all(db)
        .await?;

    // Each child's months with a child director's visit, one row per child and month.
    let bounds: Vec<_> = months
        .iter()
        .map(|m| china_midnight(*m))
        .chain(
            months
                .last()
                .and_then(|m| m.checked_add_months(Months::new(1)))
                .map(china_midnight),
        )
        .collect();
    let mut bucket: Option<sea_orm::sea_query::CaseStatement> = None;
    for (i, pair) in bounds.windows(2).enumerate() {
        let within_month = Condition::all()
            .add(visit::Column::VisitedAt.gte(pair[0]))
            .add(visit::Column::VisitedAt.lt(pair[1]));
        let index = i64::try_from(i).unwrap_or_default();
        bucket = Some(match bucket {
            None => Expr::case(within_month, index),
            Some(case) => case.case(within_month, index),
        });
    }
    let bucket: SimpleExpr = bucket.map_or_else(|| Expr::val(-1), |c| c.finally(-1).into());
    let ids = counted()
        .select_only()
        .column(child::Column::Id)
        .into_query();
    let visited: Vec<(Uuid, i64)> = visit::Entity::find()
        .select_only()
        .column(visit::Column::ChildId)
        .expr_as(bucket, "m")
        .filter(visit::Column::VisitorRole.eq(Role::ChildDirector))
        .filter(visit::Column::VisitedAt.gte(bounds.first().copied().unwrap_or_default()))
        .filter(visit::Column::VisitedAt.lt(bounds.last().copied().unwrap_or_default()))
        .filter(visit::Column::ChildId.in_subquery(ids))
        .group_by(visit::Column::ChildId)
        .group_by(Expr::col("m"))
        .into_tuple()
        .all(db)
        .await?;
    let visited: HashSet<(Uuid, usize)> = visited
        .into_iter()
        .filter_map(|(id, m)| usize::try_from(m).ok().map(|m| (id, m)))
        .collect();

    let mut tallies: BTreeMap<(String, usize), (Tally, Tally)> = BTreeMap::new();
    let mut codes: HashMap<String, region::Model> = HashMap::new();
    for child in children {
        let Some(region) = root.region_of(&child.region_path) else {
            continue;
        };
        let record = Tally {
            count: 1,
            key: u64::try_from(child.stat_key).unwrap_or_default(),
        };
        for (m, start) in months.iter().enumerate() {
            let end = bounds.get(m + 1).copied().unwrap_or_default();
            let followed = child.status == ChildStatus::Active
                || child.status_changed_on.is_some_and(|d| d >= *start);
            if child.created_at >= end || !followed {
                continue;
            }
            let (due, seen) = tallies.entry((region.code.clone(), m)).or_default();
            due.add(record);
            if visited.contains(&(child.id, m)) {
                seen.add(record);
            }
        }
        codes
            .entry(region.code.clone())
            .or_insert_with(|| region.clone());
    }

    let protection = Protection::for_caller(
        actor,
        "Child",
        ["name", "residenceVillage", "lastVisitedAt", "visitDue"],
        min_cell,
    );
    let lines = tallies
        .into_iter()
        .filter_map(|((code, m), (due, seen))| {
            Some(ComplianceLine {
                region: codes.get(&code)?.clone(),
                month: super::Grain::Month.period(*months.get(m)?),
                due: protection.show(due),
                visited: protection.show(seen),
            })
        })
        .collect();
    Ok(ComplianceTable { protection, lines })
}
