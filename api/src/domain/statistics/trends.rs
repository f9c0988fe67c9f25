//! Trends of the ledger: children by region and one attribute, month by month.
//!
//! History keeps when a child was registered and when its status changed, but not what its
//! other attributes were at the end of a past month. So once a month the ledger is counted as
//! it stands ("snapshot"): per village, attribute and value, the children registered by the end
//! of the month, with the sum of their statistics keys so that protected trends round as
//! `childStatistics` does. Only counts are kept, never rows. The month in progress is counted
//! live.
//!
//! A month's snapshot is taken by the first run of [`super::keeping::run`] after it ends. Several instances
//! may run it at once: the month's row in `ledger_snapshot` is inserted first, in the same
//! transaction as its counts, and an instance that finds the row there leaves the month alone.

use std::collections::BTreeMap;

use chrono::{DateTime, Months, NaiveDate, Utc};
use entity::{child, enums::RegionLevel, ledger_snapshot, ledger_snapshot_count, region};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, TransactionTrait,
    sea_query::{Alias, Expr, OnConflict, Query},
};

use super::{
    Dimension, Grain, Protection, Root, Table, Tally, children_protected, children_within,
    month_window, registered_by_end_of, tabulate, within,
};
use crate::{
    clock::china_date,
    domain::{Actor, ApiResult},
    error::ApiError,
    policy::scope,
};

/// The most months one trend covers.
pub const MAX_MONTHS: usize = 60;

/// The months a trend covers when not asked.
const DEFAULT_MONTHS: u32 = 24;

/// One month of a trend.
#[derive(Debug, Clone)]
pub struct TrendMonth {
    /// The month, by its first day.
    pub month: NaiveDate,
    /// When its counts were taken: the snapshot's time, or now for the month in progress.
    pub as_of: DateTime<Utc>,
    /// Whether it is the month in progress, counted now rather than from a snapshot.
    pub live: bool,
    /// Its table.
    pub table: Table,
}

/// A trend: one table per month that has counts.
#[derive(Debug, Clone)]
pub struct Trend {
    /// Whether the tables are protected for this caller.
    pub protected: bool,
    /// The smallest count shown, and the multiple counts are rounded to, when protected.
    pub min_cell: u64,
    /// The months with counts, oldest first.
    pub months: Vec<TrendMonth>,
}

impl Trend {
    /// How its counts are protected.
    pub fn protection(&self) -> Protection {
        Protection {
            protected: self.protected,
            min_cell: self.min_cell,
        }
    }
}

/// Children by region at `level` within the region `asked` and by `dimension`, per month from
/// `from` until `until` (exclusive; by default the 24 months up to and including this one):
/// past months from their snapshots, the month in progress live. Months before the first
/// snapshot are left out.
///
/// Snapshots count a region's children, not a role's rows, so trends are for roles whose
/// statistics count a jurisdiction; others are refused.
pub async fn children(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    asked: Option<region::Model>,
    level: RegionLevel,
    dimension: Option<Dimension>,
    period: (Option<NaiveDate>, Option<NaiveDate>),
    min_cell: u64,
) -> ApiResult<Trend> {
    if !scope::counts_regions(actor.policy, actor.principal) {
        return Err(ApiError::Forbidden);
    }
    let months = month_window(actor.today(), period, DEFAULT_MONTHS, MAX_MONTHS)?;
    let root = Root::resolve(db, actor, asked, level).await?;
    let dimensions: Vec<Dimension> = dimension.into_iter().collect();
    let protected = children_protected(actor, &dimensions, min_cell);
    let this_month = Grain::Month.start(actor.today());
    let (Some(&first), Some(&last)) = (months.first(), months.last()) else {
        return Err(ApiError::bad_input("until", "must be after `from`"));
    };

    let taken = ledger_snapshot::Entity::find()
        .filter(ledger_snapshot::Column::Month.between(first, last))
        .filter(ledger_snapshot::Column::Month.lt(this_month))
        .order_by_asc(ledger_snapshot::Column::Month)
        .all(db)
        .await?;
    // Without an attribute, any one of them counts every child once: its values are dropped.
    let counted_by = dimension.unwrap_or(Dimension::Status);
    let mut counts: BTreeMap<NaiveDate, Vec<(String, Vec<String>, Tally)>> = BTreeMap::new();
    if !taken.is_empty() {
        let found = ledger_snapshot_count::Entity::find()
            .filter(ledger_snapshot_count::Column::Dimension.eq(counted_by.key()))
            .filter(ledger_snapshot_count::Column::Month.between(first, last))
            .filter(within(
                ledger_snapshot_count::Column::RegionPath,
                root.path.as_ref(),
            ))
            .all(db)
            .await?;
        for count in found {
            let values = if dimension.is_some() {
                vec![count.value.to_uppercase()]
            } else {
                Vec::new()
            };
            counts.entry(count.month).or_default().push((
                count.region_path,
                values,
                Tally::of(count.children, count.stat_key),
            ));
        }
    }

    let mut trend = Vec::with_capacity(taken.len() + 1);
    for snapshot in taken {
        let table = tabulate(
            &root,
            counts.remove(&snapshot.month).unwrap_or_default(),
            dimensions.len(),
            protected,
            min_cell,
        );
        trend.push(TrendMonth {
            month: snapshot.month,
            as_of: snapshot.taken_at,
            live: false,
            table,
        });
    }
    if months.contains(&this_month) {
        trend.push(TrendMonth {
            month: this_month,
            as_of: actor.now,
            live: true,
            table: children_within(db, actor, &root, &dimensions, min_cell).await?,
        });
    }
    Ok(Trend {
        protected,
        min_cell,
        months: trend,
    })
}

/// Takes the snapshot of `month` (its first day) from the ledger as it stands, unless it has
/// been taken: true when this call took it. One transaction: the month's row, then its counts,
/// one statement per attribute.
pub async fn take(
    db: &DatabaseConnection,
    month: NaiveDate,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let txn = db.begin().await?;
    let mut mark = Query::insert();
    mark.into_table(ledger_snapshot::Entity)
        .columns([
            ledger_snapshot::Column::Month,
            ledger_snapshot::Column::TakenAt,
            ledger_snapshot::Column::Children,
        ])
        .values_panic([month.into(), now.into(), 0_i64.into()])
        .on_conflict(
            OnConflict::column(ledger_snapshot::Column::Month)
                .do_nothing()
                .to_owned(),
        );
    if txn.execute(&mark).await?.rows_affected() == 0 {
        txn.rollback().await?;
        return Ok(false);
    }
    // Ages on the month's last day.
    let last_day = month
        .checked_add_months(Months::new(1))
        .and_then(|next| next.pred_opt())
        .unwrap_or(month);
    for dimension in Dimension::ALL {
        let mut select = Query::select();
        select
            .expr(Expr::val(dimension.key()))
            .expr(Expr::val(month))
            .column((child::Entity, child::Column::RegionPath))
            .expr_as(dimension.expr(last_day), Alias::new("value"))
            .expr(Expr::cust("COUNT(*)"))
            .expr(Expr::cust("SUM(child.stat_key)"))
            .from(child::Entity)
            .cond_where(registered_by_end_of(month))
            .add_group_by([
                Expr::col((child::Entity, child::Column::RegionPath)),
                Expr::col(Alias::new("value")),
            ]);
        let mut insert = Query::insert();
        insert
            .into_table(ledger_snapshot_count::Entity)
            .columns([
                ledger_snapshot_count::Column::Dimension,
                ledger_snapshot_count::Column::Month,
                ledger_snapshot_count::Column::RegionPath,
                ledger_snapshot_count::Column::Value,
                ledger_snapshot_count::Column::Children,
                ledger_snapshot_count::Column::StatKey,
            ])
            .select_from(select)
            .map_err(|e| DbErr::Custom(e.to_string()))?;
        txn.execute(&insert).await?;
    }
    let children = child::Entity::find()
        .filter(registered_by_end_of(month))
        .count(&txn)
        .await?;
    ledger_snapshot::Entity::update_many()
        .col_expr(
            ledger_snapshot::Column::Children,
            Expr::val(i64::try_from(children).unwrap_or(i64::MAX)),
        )
        .filter(ledger_snapshot::Column::Month.eq(month))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(true)
}

/// Takes the snapshots of the `months` months before this one that have none, oldest first,
/// from the ledger as it stands (for a new deployment or the demo: what the children's
/// attributes were then is not known, so every past month gets today's, counted by
/// registration date). Returns the months taken.
pub async fn backfill(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    months: u32,
) -> Result<Vec<NaiveDate>, DbErr> {
    let this_month = Grain::Month.start(china_date(now));
    let mut taken = Vec::new();
    for back in (1..=months).rev() {
        let Some(month) = this_month.checked_sub_months(Months::new(back)) else {
            continue;
        };
        if take(db, month, now).await? {
            taken.push(month);
        }
    }
    Ok(taken)
}

/// Takes the snapshot of last month unless it has been taken: the month when this call took it.
pub async fn take_last(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
) -> Result<Option<NaiveDate>, DbErr> {
    let this_month = Grain::Month.start(china_date(now));
    let Some(last) = this_month.checked_sub_months(Months::new(1)) else {
        return Ok(None);
    };
    Ok(take(db, last, now).await?.then_some(last))
}
