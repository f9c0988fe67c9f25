//! School dropout follow-up (控辍保学) in numbers: per region and period, the cases opened, the
//! children returned to school and the cases reported in writing to the education bureau.
//!
//! A case is opened in the period of its opening day, and returned or reported in the period
//! it was closed so; it is counted where its child lives now.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    child, dropout_case,
    enums::{DropoutState, RegionLevel},
    region,
};
use sea_orm::{
    ConnectionTrait, EntityTrait, FromQueryResult, JoinType, QueryFilter, QuerySelect, RelationDef,
    sea_query::Expr,
};
use uuid::Uuid;

use super::{Grain, Protection, Root, Tally, record_key, within};
use crate::{
    clock::china_date,
    domain::{Actor, ApiResult},
    policy::scope,
};

/// One region's period.
#[derive(Debug, Clone)]
pub struct DropoutLine {
    /// The region.
    pub region: region::Model,
    /// The period.
    pub period: String,
    /// Cases opened, or `None` when withheld.
    pub opened: Option<u64>,
    /// Children returned to school, or `None` when withheld.
    pub returned: Option<u64>,
    /// Cases reported in writing, or `None` when withheld.
    pub reported: Option<u64>,
}

/// A table of dropout follow-up.
#[derive(Debug, Clone)]
pub struct DropoutTable {
    /// How the counts are protected for this caller.
    pub protection: Protection,
    /// The lines, by region code and period.
    pub lines: Vec<DropoutLine>,
}

/// A case as counted: where its child lives.
#[derive(Debug, FromQueryResult)]
struct Case {
    id: Uuid,
    region_path: String,
    state: DropoutState,
    opened_on: NaiveDate,
    closed_at: Option<DateTime<Utc>>,
}

/// What happened to a case in a period.
#[derive(Debug, Clone, Copy)]
enum Event {
    Opened,
    Returned,
    Reported,
}

/// Dropout cases of the children the caller may count within the region asked, per region at
/// `level` and period of `grain`, from `from` until `until` (exclusive, China dates).
pub async fn dropout(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    asked: Option<region::Model>,
    level: RegionLevel,
    (from, until): (Option<NaiveDate>, Option<NaiveDate>),
    grain: Grain,
    min_cell: u64,
) -> ApiResult<DropoutTable> {
    let root = Root::resolve(db, actor, asked, level).await?;
    let of_child = RelationDef::from(
        dropout_case::Entity::belongs_to(child::Entity)
            .from(dropout_case::Column::ChildId)
            .to(child::Column::Id),
    );
    let cases: Vec<Case> = dropout_case::Entity::find()
        .select_only()
        .column(dropout_case::Column::Id)
        .column_as(
            Expr::col((child::Entity, child::Column::RegionPath)),
            "region_path",
        )
        .column(dropout_case::Column::State)
        .column(dropout_case::Column::OpenedOn)
        .column(dropout_case::Column::ClosedAt)
        .join(JoinType::InnerJoin, of_child)
        .filter(scope::counted_children(
            actor.policy,
            actor.principal,
            actor.now,
        ))
        .filter(within(child::Column::RegionPath, root.path.as_ref()))
        .into_model()
        .all(db)
        .await?;

    super::in_years((from, until))?;
    let protection = Protection::for_caller(
        actor,
        "DropoutCase",
        ["child", "state", "openedOn", "closedAt"],
        min_cell,
    );
    // A protected caller counts whole periods only (see `Grain::widen`).
    let (from, until) = if protection.protected {
        grain.widen((from, until))
    } else {
        (from, until)
    };
    let in_period = |day: NaiveDate| from.is_none_or(|f| day >= f) && until.is_none_or(|u| day < u);
    let mut tallies: BTreeMap<(String, String), [Tally; 3]> = BTreeMap::new();
    let mut codes: HashMap<String, region::Model> = HashMap::new();
    for case in cases {
        let Some(region) = root.region_of(&case.region_path) else {
            continue;
        };
        let mut events = vec![(Event::Opened, case.opened_on)];
        if let Some(closed) = case.closed_at.map(china_date) {
            match case.state {
                DropoutState::Returned => events.push((Event::Returned, closed)),
                DropoutState::Reported => events.push((Event::Reported, closed)),
                DropoutState::Open | DropoutState::Persuading => {}
            }
        }
        for (event, day) in events {
            if !in_period(day) {
                continue;
            }
            let line = tallies
                .entry((region.code.clone(), grain.period(day)))
                .or_default();
            line[event as usize].add(Tally {
                count: 1,
                key: record_key(case.id),
            });
        }
        codes
            .entry(region.code.clone())
            .or_insert_with(|| region.clone());
    }

    let lines = tallies
        .into_iter()
        .filter_map(|((code, period), [opened, returned, reported])| {
            let counts = [opened, returned, reported].map(|tally| protection.show(tally));
            super::publishes(counts).then_some(())?;
            let [opened, returned, reported] = counts;
            Some(DropoutLine {
                region: codes.get(&code)?.clone(),
                period,
                opened,
                returned,
                reported,
            })
        })
        .collect();
    Ok(DropoutTable { protection, lines })
}
