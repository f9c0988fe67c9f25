//! Assistance (精准帮扶) in numbers: assessments completed by risk level, service items by kind
//! and state, referrals per unit, consents withdrawn; per region (where the children live now)
//! and period.
//!
//! An assessment is counted in the period it was completed, a service item (a referral to a
//! unit) in the period it was assigned, with the state it is in now, and a consent in the
//! period it was withdrawn.
//!
//! A protected table leaves out the lines it would withhold, rather than listing them empty
//! (as every table of events does, see [`super::publishes`]): these tables publish no totals
//! to subtract from, and a withheld line would still say that a village's guardian withdrew a
//! consent that month, or that a child there was referred to a named agency.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    assessment, child, consent,
    enums::{AssessmentState, RegionLevel},
    organization, region, service_item,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, JoinType, QueryFilter, QuerySelect,
    RelationDef, Select, sea_query::Expr,
};
use uuid::Uuid;

use super::{Grain, Protection, Root, Tally, record_key, within};
use crate::{
    clock::china_date,
    domain::{Actor, ApiResult},
    policy::scope,
};

/// What an assistance table counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssistanceMeasure {
    /// Assessments completed, by the risk level found.
    AssessmentsByRisk,
    /// Service items assigned, by kind and the state they are in now.
    ServiceItems,
    /// Service items assigned, per unit they were assigned to and the state they are in now.
    Referrals,
    /// Consents withdrawn by guardians, by purpose.
    ConsentWithdrawals,
}

/// One line: a region's period, and for referrals a unit, with attribute values.
#[derive(Debug, Clone)]
pub struct AssistanceLine {
    /// The region (where the children live).
    pub region: region::Model,
    /// The period.
    pub period: String,
    /// The unit, for referrals.
    pub unit: Option<organization::Model>,
    /// The attribute values the measure counts by.
    pub values: Vec<String>,
    /// The count (rounded when protected).
    pub count: u64,
}

/// A table of assistance.
#[derive(Debug, Clone)]
pub struct AssistanceTable {
    /// How the counts are protected for this caller.
    pub protection: Protection,
    /// The lines, by region code, period, unit and values.
    pub lines: Vec<AssistanceLine>,
}

/// A record as counted: where its child lives, when it happened, its unit and values.
struct Counted {
    id: Uuid,
    region_path: String,
    at: DateTime<Utc>,
    unit: Option<Uuid>,
    values: Vec<String>,
}

/// `select` joined to the child it is about (through `on`), restricted to the children the
/// caller may count within the root.
fn of_counted_children<E: EntityTrait>(
    select: Select<E>,
    on: RelationDef,
    actor: &Actor<'_>,
    root: &Root,
) -> Select<E> {
    select
        .join(JoinType::InnerJoin, on)
        .filter(scope::counted_children(
            actor.policy,
            actor.principal,
            actor.now,
        ))
        .filter(within(child::Column::RegionPath, root.path.as_ref()))
}

/// The relation from `from` (a column of `E`) to the child.
fn to_child<E: EntityTrait>(from: E::Column) -> RelationDef {
    E::belongs_to(child::Entity)
        .from(from)
        .to(child::Column::Id)
        .into()
}

/// A record as read: its id, where its child lives, when it happened, its unit, and up to two
/// attribute values as stored.
#[derive(Debug, FromQueryResult)]
struct Found {
    id: Uuid,
    region_path: String,
    at: Option<DateTime<Utc>>,
    unit: Option<Uuid>,
    first: Option<String>,
    second: Option<String>,
}

/// Reads the records `measure` counts about the children the caller may count, from `since`.
async fn records(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    root: &Root,
    measure: AssistanceMeasure,
    since: Option<DateTime<Utc>>,
) -> ApiResult<Vec<Counted>> {
    let path = Expr::col((child::Entity, child::Column::RegionPath));
    let found: Vec<Found> = match measure {
        AssistanceMeasure::AssessmentsByRisk => {
            let mut query = of_counted_children(
                assessment::Entity::find().select_only(),
                to_child::<assessment::Entity>(assessment::Column::ChildId),
                actor,
                root,
            )
            .column(assessment::Column::Id)
            .column_as(path, "region_path")
            .column_as(assessment::Column::CompletedAt, "at")
            .column_as(assessment::Column::RiskLevel, "first")
            .filter(assessment::Column::State.eq(AssessmentState::Completed));
            if let Some(since) = since {
                query = query.filter(assessment::Column::CompletedAt.gte(since));
            }
            query.into_model().all(db).await?
        }
        AssistanceMeasure::ServiceItems | AssistanceMeasure::Referrals => {
            let mut query = of_counted_children(
                service_item::Entity::find().select_only(),
                to_child::<service_item::Entity>(service_item::Column::ChildId),
                actor,
                root,
            )
            .column(service_item::Column::Id)
            .column_as(path, "region_path")
            .column_as(service_item::Column::CreatedAt, "at")
            .column_as(service_item::Column::OrganizationId, "unit")
            .column_as(service_item::Column::Kind, "first")
            .column_as(service_item::Column::State, "second");
            if let Some(since) = since {
                query = query.filter(service_item::Column::CreatedAt.gte(since));
            }
            query.into_model().all(db).await?
        }
        AssistanceMeasure::ConsentWithdrawals => {
            let mut query = of_counted_children(
                consent::Entity::find().select_only(),
                to_child::<consent::Entity>(consent::Column::ChildId),
                actor,
                root,
            )
            .column(consent::Column::Id)
            .column_as(path, "region_path")
            .column_as(consent::Column::WithdrawnAt, "at")
            .column_as(consent::Column::Purpose, "first")
            .filter(consent::Column::WithdrawnAt.is_not_null());
            if let Some(since) = since {
                query = query.filter(consent::Column::WithdrawnAt.gte(since));
            }
            query.into_model().all(db).await?
        }
    };
    let upper = |value: Option<String>| value.map(|v| v.to_uppercase());
    Ok(found
        .into_iter()
        .filter_map(|record| {
            let (first, second) = (upper(record.first), upper(record.second));
            let values = match measure {
                // An assessment completed without a level (none is recorded) counts as such.
                AssistanceMeasure::AssessmentsByRisk => {
                    vec![first.unwrap_or_else(|| "UNKNOWN".to_owned())]
                }
                AssistanceMeasure::ServiceItems => vec![first?, second?],
                AssistanceMeasure::Referrals => vec![second?],
                AssistanceMeasure::ConsentWithdrawals => vec![first?],
            };
            Some(Counted {
                id: record.id,
                region_path: record.region_path,
                at: record.at?,
                unit: record
                    .unit
                    .filter(|_| measure == AssistanceMeasure::Referrals),
                values,
            })
        })
        .collect())
}

/// Assistance of the children the caller may count within the region asked, per region at
/// `level` and period of `grain` from `from` until `until` (exclusive, China dates), as
/// `measure` counts it.
#[allow(clippy::too_many_arguments, reason = "one per GraphQL argument")]
pub async fn assistance(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    asked: Option<region::Model>,
    level: RegionLevel,
    measure: AssistanceMeasure,
    (from, until): (Option<NaiveDate>, Option<NaiveDate>),
    grain: Grain,
    min_cell: u64,
) -> ApiResult<AssistanceTable> {
    let root = Root::resolve(db, actor, asked, level).await?;
    let (type_name, fields): (&str, &[&str]) = match measure {
        AssistanceMeasure::AssessmentsByRisk => {
            ("Assessment", &["child", "riskLevel", "completedAt"])
        }
        AssistanceMeasure::ServiceItems => {
            ("ServiceItem", &["child", "kind", "state", "createdAt"])
        }
        AssistanceMeasure::Referrals => (
            "ServiceItem",
            &["child", "organization", "state", "createdAt"],
        ),
        AssistanceMeasure::ConsentWithdrawals => {
            ("Consent", &["guardian", "purpose", "withdrawnAt"])
        }
    };
    super::in_years((from, until))?;
    let protection = Protection::for_caller(actor, type_name, fields.iter().copied(), min_cell);
    // A protected caller counts whole periods only (see `Grain::widen`).
    let (from, until) = if protection.protected {
        grain.widen((from, until))
    } else {
        (from, until)
    };
    let since = from.map(crate::clock::china_midnight);
    let found = records(db, actor, &root, measure, since).await?;

    let in_period = |day: NaiveDate| from.is_none_or(|f| day >= f) && until.is_none_or(|u| day < u);
    type Key = (String, String, Option<Uuid>, Vec<String>);
    let mut tallies: BTreeMap<Key, Tally> = BTreeMap::new();
    let mut regions: HashMap<String, region::Model> = HashMap::new();
    for record in found {
        let day = china_date(record.at);
        let Some(region) = root.region_of(&record.region_path) else {
            continue;
        };
        if !in_period(day) {
            continue;
        }
        tallies
            .entry((
                region.code.clone(),
                grain.period(day),
                record.unit,
                record.values,
            ))
            .or_default()
            .add(Tally {
                count: 1,
                key: record_key(record.id),
            });
        regions
            .entry(region.code.clone())
            .or_insert_with(|| region.clone());
    }
    let units: HashMap<Uuid, organization::Model> = organization::Entity::find()
        .filter(organization::Column::Id.is_in(tallies.keys().filter_map(|(_, _, unit, _)| *unit)))
        .all(db)
        .await?
        .into_iter()
        .map(|o| (o.id, o))
        .collect();

    let lines = tallies
        .into_iter()
        .filter_map(|((code, period, unit, values), tally)| {
            Some(AssistanceLine {
                region: regions.get(&code)?.clone(),
                period,
                unit: unit.and_then(|u| units.get(&u).cloned()),
                values,
                count: protection.show(tally)?,
            })
        })
        .collect();
    Ok(AssistanceTable { protection, lines })
}
