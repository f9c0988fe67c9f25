//! Monthly visit compliance (走访): per region and calendar month, the children due a child
//! director's monthly home visit and those who had one.
//!
//! A child is due in a month when registered by its end (by the registration form's date, or
//! when it has none, by when the record was made) and still followed during it (active, or its
//! status changed within or after the month); it is visited when a child director recorded a
//! visit to it within the month.
//!
//! A year of compliance would read a year of visits, so each of the [`MAX_MONTHS`] closed
//! months before this one is counted once and kept as counts per village ([`take`]), never as
//! rows, and read from those counts; the month in progress, and a closed month not yet counted,
//! are counted live. The kept counts are a cache of what the live count would give: every
//! write that changes a closed month's count marks the month stale in its own transaction, and
//! a stale month is counted live until [`super::keeping::run`] takes it again. Those writes
//! are a child director's visit recorded or corrected into a closed month (a late entry from
//! an offline app), and a child registered with an earlier form date, moved to another village,
//! or given another form date or status ([`ledger_changed`]); a bulk load marks them all
//! ([`invalidate`]). A month is taken only once it has been closed for [`SETTLED`], so that a
//! write that began before it closed has committed.
//!
//! Several instances may take a month at once, and writes may mark it meanwhile: taking claims
//! the month's row before counting, in one transaction, and marking it stale writes the same
//! row, so on PostgreSQL one of them waits for the other (on SQLite writes take turns). A write
//! committed before the claim is counted; one committed after it marks the month stale again.
//! Months are marked in ascending order, after the write has updated the child's record (a
//! visit's serious finding flags it), so two writes never wait on each other in a circle.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Months, NaiveDate, TimeDelta, Utc};
use entity::{
    child,
    enums::{ChildStatus, RegionLevel, Role},
    region, visit, visit_compliance_count, visit_compliance_month,
};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter,
    sea_query::{Alias, Expr, ExprTrait, JoinType, OnConflict, Query, SelectStatement},
};

use super::{Grain, Protection, Root, Tally, month_window, registered_by_end_of, within};
use crate::{
    clock::{china_date, china_midnight},
    domain::{Actor, ApiResult},
    policy::scope,
};

/// The most months one table covers, and the closed months [`refresh`] keeps counted.
pub const MAX_MONTHS: usize = 36;

/// How long a month must have been closed before it is taken: longer than any write that began
/// in it takes to commit, and than the clocks of two instances differ.
pub const SETTLED: TimeDelta = TimeDelta::minutes(10);

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

/// A place's month: the children due and those visited.
type Counted = (String, Tally, Tally);

/// Visit compliance of the children the caller may count within the region asked, per region
/// at `level` and calendar month from `from` until `until` (exclusive; by default the twelve
/// months up to and including this one).
///
/// For a caller whose statistics count a jurisdiction, the closed months counted by [`take`]
/// are read from their counts (two statements for all of them); every other month costs one
/// statement.
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
    let mut counted: BTreeMap<NaiveDate, Vec<Counted>> = BTreeMap::new();
    if scope::counts_regions(actor.policy, actor.principal) {
        counted = kept(db, &months, actor.today(), &root).await?;
    }
    for month in &months {
        if counted.contains_key(month) {
            continue;
        }
        let children = Condition::all()
            .add(scope::counted_children(
                actor.policy,
                actor.principal,
                actor.now,
            ))
            .add(within(child::Column::RegionPath, root.path.as_ref()));
        counted.insert(*month, count(db, *month, children).await?);
    }

    let mut tallies: BTreeMap<(String, NaiveDate), (Tally, Tally)> = BTreeMap::new();
    let mut codes: HashMap<String, region::Model> = HashMap::new();
    for (month, places) in counted {
        for (path, due, visited) in places {
            let Some(region) = root.region_of(&path) else {
                continue;
            };
            let line = tallies.entry((region.code.clone(), month)).or_default();
            line.0.add(due);
            line.1.add(visited);
            codes
                .entry(region.code.clone())
                .or_insert_with(|| region.clone());
        }
    }

    let protection = Protection::for_caller(
        actor,
        "Child",
        ["name", "residenceVillage", "lastVisitedAt", "visitDue"],
        min_cell,
    );
    let lines = tallies
        .into_iter()
        .filter(|(_, (due, _))| due.count > 0)
        .filter_map(|((code, month), (due, seen))| {
            Some(ComplianceLine {
                region: codes.get(&code)?.clone(),
                month: Grain::Month.period(month),
                due: protection.show(due),
                visited: protection.show(seen),
            })
        })
        .collect();
    Ok(ComplianceTable { protection, lines })
}

/// The counts kept of those of `months` that are kept ([`kept_window`]), counted and not
/// stale, within `root`: the months' rows, then their counts.
async fn kept(
    db: &impl ConnectionTrait,
    months: &[NaiveDate],
    today: NaiveDate,
    root: &Root,
) -> ApiResult<BTreeMap<NaiveDate, Vec<Counted>>> {
    let kept_months = kept_window(today);
    let closed: Vec<NaiveDate> = months
        .iter()
        .copied()
        .filter(|m| kept_months.contains(m))
        .collect();
    let mut kept: BTreeMap<NaiveDate, Vec<Counted>> = BTreeMap::new();
    if closed.is_empty() {
        return Ok(kept);
    }
    let fresh = visit_compliance_month::Entity::find()
        .filter(visit_compliance_month::Column::Month.is_in(closed))
        .filter(visit_compliance_month::Column::Stale.eq(false))
        .all(db)
        .await?;
    if fresh.is_empty() {
        return Ok(kept);
    }
    let fresh: Vec<NaiveDate> = fresh.into_iter().map(|m| m.month).collect();
    for month in &fresh {
        kept.insert(*month, Vec::new());
    }
    let counts = visit_compliance_count::Entity::find()
        .filter(visit_compliance_count::Column::Month.is_in(fresh))
        .filter(within(
            visit_compliance_count::Column::RegionPath,
            root.path.as_ref(),
        ))
        .all(db)
        .await?;
    for count in counts {
        kept.entry(count.month).or_default().push((
            count.region_path,
            Tally::of(count.due, count.due_key),
            Tally::of(count.visited, count.visited_key),
        ));
    }
    Ok(kept)
}

/// The children due a visit in `month` (by its first day): registered by its end and followed
/// during it.
fn due_in(month: NaiveDate) -> Condition {
    Condition::all().add(registered_by_end_of(month)).add(
        Condition::any()
            .add(child::Column::Status.eq(ChildStatus::Active))
            .add(child::Column::StatusChangedOn.gte(month)),
    )
}

/// The children due a visit in the month of `today` that no child director has visited yet
/// (`unvisited`: the month's work list), or those due that one has: what the `visitDue` filter
/// lists, by the definitions the counts use, so that the two lists of a village together hold
/// its `due` children and the second its `visited`.
pub fn work_list(today: NaiveDate, unvisited: bool) -> Condition {
    let month = Grain::Month.start(today);
    let mut visited = Query::select();
    visited
        .expr(Expr::val(1))
        .from(visit::Entity)
        .and_where(
            Expr::col((visit::Entity, visit::Column::ChildId))
                .equals((child::Entity, child::Column::Id)),
        )
        .cond_where(by_a_director_within(month));
    let visited = Expr::exists(visited);
    Condition::all()
        .add(due_in(month))
        .add(if unvisited { visited.not() } else { visited })
}

/// The visits that count for `month` (its first day): a child director's, within the month.
fn by_a_director_within(month: NaiveDate) -> Condition {
    let next = month.checked_add_months(Months::new(1)).unwrap_or(month);
    Condition::all()
        .add(Expr::col((visit::Entity, visit::Column::VisitorRole)).eq(Role::ChildDirector))
        .add(Expr::col((visit::Entity, visit::Column::VisitedAt)).gte(china_midnight(month)))
        .add(Expr::col((visit::Entity, visit::Column::VisitedAt)).lt(china_midnight(next)))
}

/// One statement counting `month` per place: the children among `children` due a visit, and
/// of them those a child director visited within the month, each with the sum of their keys.
fn counting(month: NaiveDate, children: Condition) -> SelectStatement {
    let seen = Alias::new("seen");
    let mut visited = Query::select();
    visited
        .distinct()
        .column(visit::Column::ChildId)
        .from(visit::Entity)
        .cond_where(by_a_director_within(month));
    let mut select = Query::select();
    select
        .column((child::Entity, child::Column::RegionPath))
        .expr_as(Expr::cust("COUNT(*)"), Alias::new("due"))
        .expr_as(Expr::cust("SUM(child.stat_key)"), Alias::new("due_key"))
        .expr_as(Expr::cust("COUNT(seen.child_id)"), Alias::new("visited"))
        .expr_as(
            Expr::cust("SUM(CASE WHEN seen.child_id IS NULL THEN 0 ELSE child.stat_key END)"),
            Alias::new("visited_key"),
        )
        .from(child::Entity)
        .join_subquery(
            JoinType::LeftJoin,
            visited,
            seen.clone(),
            Expr::col((seen, visit::Column::ChildId)).equals((child::Entity, child::Column::Id)),
        )
        .cond_where(children)
        .cond_where(due_in(month))
        .add_group_by([Expr::col((child::Entity, child::Column::RegionPath))]);
    select
}

/// `month` counted live per place, over `children`.
async fn count(
    db: &impl ConnectionTrait,
    month: NaiveDate,
    children: Condition,
) -> ApiResult<Vec<Counted>> {
    let mut places = Vec::new();
    for row in db.query_all(&counting(month, children)).await? {
        let path: String = row.try_get("", "region_path")?;
        let (due, due_key): (i64, i64) = (row.try_get("", "due")?, row.try_get("", "due_key")?);
        let (visited, visited_key): (i64, i64) =
            (row.try_get("", "visited")?, row.try_get("", "visited_key")?);
        places.push((
            path,
            Tally::of(due, due_key),
            Tally::of(visited, visited_key),
        ));
    }
    Ok(places)
}

/// Counts the closed `month` (its first day) from the ledger and the visits as they stand,
/// unless it is counted and not stale: true when this call counted it. One transaction: the
/// month's row claimed, its old counts removed, its counts written by one statement.
pub async fn take(
    db: &DatabaseConnection,
    month: NaiveDate,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let txn = crate::db::begin_write(db).await?;
    let mut claim = Query::insert();
    claim
        .into_table(visit_compliance_month::Entity)
        .columns([
            visit_compliance_month::Column::Month,
            visit_compliance_month::Column::TakenAt,
            visit_compliance_month::Column::Stale,
        ])
        .values_panic([month.into(), now.into(), false.into()])
        .on_conflict(
            OnConflict::column(visit_compliance_month::Column::Month)
                .update_columns([
                    visit_compliance_month::Column::TakenAt,
                    visit_compliance_month::Column::Stale,
                ])
                .action_and_where(
                    Expr::col((
                        visit_compliance_month::Entity,
                        visit_compliance_month::Column::Stale,
                    ))
                    .eq(true),
                )
                .to_owned(),
        );
    if txn.execute(&claim).await?.rows_affected() == 0 {
        txn.rollback().await?;
        return Ok(false);
    }
    visit_compliance_count::Entity::delete_many()
        .filter(visit_compliance_count::Column::Month.eq(month))
        .exec(&txn)
        .await?;
    let mut counted = counting(month, Condition::all());
    counted.expr(Expr::val(month));
    let mut insert = Query::insert();
    insert
        .into_table(visit_compliance_count::Entity)
        .columns([
            visit_compliance_count::Column::RegionPath,
            visit_compliance_count::Column::Due,
            visit_compliance_count::Column::DueKey,
            visit_compliance_count::Column::Visited,
            visit_compliance_count::Column::VisitedKey,
            visit_compliance_count::Column::Month,
        ])
        .select_from(counted)
        .map_err(|e| DbErr::Custom(e.to_string()))?;
    txn.execute(&insert).await?;
    txn.commit().await?;
    Ok(true)
}

/// The months whose counts are kept as of `today`: the [`MAX_MONTHS`] before this one, oldest
/// first. Older months are counted live.
fn kept_window(today: NaiveDate) -> Vec<NaiveDate> {
    let this_month = Grain::Month.start(today);
    let back = u32::try_from(MAX_MONTHS).unwrap_or(u32::MAX);
    (1..=back)
        .rev()
        .filter_map(|back| this_month.checked_sub_months(Months::new(back)))
        .collect()
}

/// Counts every kept month that has been closed for [`SETTLED`] and is not counted or is
/// stale, oldest first. Returns the months counted; a month that fails is left for the next
/// run, after the others are tried.
pub async fn refresh(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<Vec<NaiveDate>, DbErr> {
    let months = kept_window(china_date(now - SETTLED));
    let fresh: Vec<NaiveDate> = visit_compliance_month::Entity::find()
        .filter(visit_compliance_month::Column::Month.is_in(months.clone()))
        .filter(visit_compliance_month::Column::Stale.eq(false))
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.month)
        .collect();
    let mut taken = Vec::new();
    let mut failed = None;
    for month in months.into_iter().filter(|m| !fresh.contains(m)) {
        match take(db, month, now).await {
            Ok(true) => taken.push(month),
            Ok(false) => {}
            Err(err) => failed = Some(err),
        }
    }
    failed.map_or(Ok(taken), Err)
}

/// Marks every kept month stale, in the transaction of a bulk load (the demo, the scale
/// generator) that writes children and visits without the writes that mark months; the
/// loader calls [`refresh`] once it has committed. A month no instance has counted yet gets
/// its row here too, so that a count of it racing the load waits for the load to commit.
pub async fn invalidate(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<(), DbErr> {
    let months = kept_window(china_date(now)).into_iter().collect();
    mark_stale(db, months, now).await
}

/// Marks the closed month of `visit` stale when it is a child director's (whose visits are
/// counted), in the transaction that records or corrects it; `before`, when corrected, is the
/// visit as it was, whose month it may leave. A visit within the month in progress changes
/// nothing kept.
pub async fn visit_recorded(
    db: &impl ConnectionTrait,
    visit: &visit::Model,
    before: Option<&visit::Model>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let months = [Some(visit), before]
        .into_iter()
        .flatten()
        .filter(|v| v.visitor_role == Role::ChildDirector)
        .map(|v| Grain::Month.start(china_date(v.visited_at)))
        .collect();
    mark_stale(db, months, now).await
}

/// Marks stale, in the transaction of a change to a child from `before` to `after` (`before`
/// `None`: registered), every kept month whose count the change can alter: its form date,
/// village, status and status date decide whether and where the child is due.
pub async fn ledger_changed(
    db: &impl ConnectionTrait,
    before: Option<&child::Model>,
    after: &child::Model,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let Some(since) = altered_since(before, after) else {
        return Ok(());
    };
    let from = Grain::Month.start(since);
    let months = kept_window(china_date(now))
        .into_iter()
        .filter(|m| *m >= from)
        .collect();
    mark_stale(db, months, now).await
}

/// The first day of the months whose compliance a change of a child from `before` to `after`
/// can alter, or `None` when it alters none.
fn altered_since(before: Option<&child::Model>, after: &child::Model) -> Option<NaiveDate> {
    let registered = |c: &child::Model| c.filled_on.unwrap_or_else(|| china_date(c.created_at));
    let Some(before) = before else {
        return Some(registered(after));
    };
    let mut days = Vec::new();
    if before.region_path != after.region_path || registered(before) != registered(after) {
        days.extend([registered(before), registered(after)]);
    }
    if before.status != after.status || before.status_changed_on != after.status_changed_on {
        days.extend(
            [before.status_changed_on, after.status_changed_on]
                .into_iter()
                .flatten(),
        );
    }
    days.into_iter().min()
}

/// Marks those of `months` whose counts are kept ([`kept_window`]) stale in one statement, in
/// ascending order: a month not yet counted gets its row, so that a claim racing this write
/// waits for it. The month in progress and older months are counted live, and left alone.
async fn mark_stale(
    db: &impl ConnectionTrait,
    months: BTreeSet<NaiveDate>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let kept = kept_window(china_date(now));
    let closed: Vec<NaiveDate> = months.into_iter().filter(|m| kept.contains(m)).collect();
    if closed.is_empty() {
        return Ok(());
    }
    let mut mark = Query::insert();
    mark.into_table(visit_compliance_month::Entity).columns([
        visit_compliance_month::Column::Month,
        visit_compliance_month::Column::TakenAt,
        visit_compliance_month::Column::Stale,
    ]);
    for month in closed {
        mark.values_panic([month.into(), now.into(), true.into()]);
    }
    mark.on_conflict(
        OnConflict::column(visit_compliance_month::Column::Month)
            .update_column(visit_compliance_month::Column::Stale)
            .to_owned(),
    );
    db.execute(&mark).await?;
    Ok(())
}
