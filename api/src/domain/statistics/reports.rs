//! Statistics of the emergency response: reports counted by region, period and attributes,
//! how long each stage took from submission (median and 90th percentile), and the deadlines
//! missed at each stage.
//!
//! Reports are read into memory for the period asked (a county's reports of a year are
//! thousands, not millions) and counted here: a percentile is not an aggregate both databases
//! compute alike.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    enums::{RegionLevel, ReportState},
    organization, region, report,
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use super::{Grain, LineKey, Protection, Root, Tally, record_key, within};
use crate::{
    config::ReportDeadlines,
    domain::{Actor, ApiResult, report::is_urgent},
    policy::scope,
};

/// An attribute of a report that counts can be broken down by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportDimension {
    /// Its category.
    Category,
    /// Where it stands.
    State,
    /// How urgent the reporter judged it.
    Urgency,
    /// The police unit holding it (by organization code).
    Holder,
}

impl ReportDimension {
    /// The field of `Report` it counts by.
    fn field(self) -> &'static str {
        match self {
            Self::Category => "category",
            Self::State => "state",
            Self::Urgency => "urgency",
            Self::Holder => "holder",
        }
    }
}

/// A step of the response, timed from the report's submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Accepted by the police (受理).
    Accept,
    /// Officers sent (出警).
    Dispatch,
    /// Dealt with on the spot (处置).
    Respond,
    /// The township notified (通报).
    NotifyTownship,
    /// Closed.
    Close,
}

/// The stages, in the order a report goes through them.
pub const STAGES: [Stage; 5] = [
    Stage::Accept,
    Stage::Dispatch,
    Stage::Respond,
    Stage::NotifyTownship,
    Stage::Close,
];

impl Stage {
    /// When the report reached this stage.
    fn reached(self, report: &report::Model) -> Option<DateTime<Utc>> {
        match self {
            Self::Accept => report.accepted_at,
            Self::Dispatch => report.dispatched_at,
            Self::Respond => report.responded_at,
            Self::NotifyTownship => report.notified_at,
            Self::Close => report.closed_at,
        }
    }

    /// Whether the report missed this stage's deadline (by `now`, for a stage not yet
    /// reached), or `None` for a stage without a deadline.
    fn missed(
        self,
        report: &report::Model,
        deadlines: &ReportDeadlines,
        now: DateTime<Utc>,
    ) -> Option<bool> {
        let (since, minutes) = match self {
            Self::Accept => (Some(report.submitted_at), deadlines.accept_minutes),
            Self::Dispatch => (
                report.accepted_at,
                if is_urgent(report.category) {
                    deadlines.dispatch_urgent_minutes
                } else {
                    deadlines.dispatch_minutes
                },
            ),
            Self::NotifyTownship => (report.responded_at, deadlines.notify_township_minutes),
            Self::Respond | Self::Close => return None,
        };
        let Some(since) = since else {
            return Some(false);
        };
        let done = self.reached(report).unwrap_or(now);
        Some(done > since + chrono::TimeDelta::minutes(minutes))
    }
}

/// One stage's figures in a line.
#[derive(Debug, Clone)]
pub struct StageFigures {
    /// The stage.
    pub stage: Stage,
    /// Reports that reached it, or `None` when withheld.
    pub reached: Option<u64>,
    /// Minutes from submission to the stage: the median, when shown.
    pub median_minutes: Option<i64>,
    /// Minutes from submission to the stage: the 90th percentile, when shown.
    pub p90_minutes: Option<i64>,
    /// Reports that missed the stage's deadline; `None` for a stage without one, or withheld.
    pub missed: Option<u64>,
}

/// One line: the reports of a region (and period) with the given attribute values.
#[derive(Debug, Clone)]
pub struct ReportLine {
    /// The region.
    pub region: region::Model,
    /// The period, when a grain was asked.
    pub period: Option<String>,
    /// The attribute values, in the order asked.
    pub values: Vec<String>,
    /// The reports.
    pub count: u64,
    /// The stages' figures.
    pub stages: Vec<StageFigures>,
}

/// A table of reports.
#[derive(Debug, Clone)]
pub struct ReportTable {
    /// How the counts are protected for this caller.
    pub protection: Protection,
    /// The lines, by region code, period and values.
    pub lines: Vec<ReportLine>,
}

/// What is asked of [`reports`].
#[derive(Debug, Clone)]
pub struct ReportQuery {
    /// The region to count within.
    pub asked: Option<region::Model>,
    /// The level of the lines' regions.
    pub level: RegionLevel,
    /// Reports submitted on or after this day (China time).
    pub from: Option<NaiveDate>,
    /// Reports submitted before this day (China time).
    pub until: Option<NaiveDate>,
    /// A line per period of this grain, when given.
    pub grain: Option<Grain>,
    /// Up to two attributes.
    pub by: Vec<ReportDimension>,
}

/// The reports the caller may count (merged duplicates left out), by region at the level
/// asked, period and attributes, with each stage's times and missed deadlines; a protected
/// line whose count is withheld is left out (see [`super::publishes`]).
pub async fn reports(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    query: ReportQuery,
    min_cell: u64,
    deadlines: &ReportDeadlines,
) -> ApiResult<ReportTable> {
    super::check_dimensions(&query.by)?;
    let fields = [
        "region",
        "category",
        "state",
        "acceptedAt",
        "dispatchedAt",
        "respondedAt",
        "notifiedAt",
        "closedAt",
    ]
    .into_iter()
    .chain(query.by.iter().map(|d| d.field()));
    super::in_years((query.from, query.until))?;
    let protection = Protection::for_caller(actor, "Report", fields, min_cell);
    // A protected caller counts whole periods only (see `Grain::widen`).
    let (grain, (from, until)) = if protection.protected {
        let grain = query.grain.unwrap_or(Grain::Month);
        (Some(grain), grain.widen((query.from, query.until)))
    } else {
        (query.grain, (query.from, query.until))
    };
    let root = Root::resolve(db, actor, query.asked, query.level).await?;
    let mut select = report::Entity::find()
        .filter(scope::counted_reports(actor.policy, actor.principal))
        .filter(within(report::Column::RegionPath, root.path.as_ref()))
        .filter(report::Column::State.ne(ReportState::Merged))
        .order_by_asc(report::Column::Id);
    if let Some(from) = from {
        select = select.filter(report::Column::SubmittedAt.gte(crate::clock::china_midnight(from)));
    }
    if let Some(until) = until {
        select = select.filter(report::Column::SubmittedAt.lt(crate::clock::china_midnight(until)));
    }
    let found = select.all(db).await?;
    let holders: HashMap<uuid::Uuid, String> = if query.by.contains(&ReportDimension::Holder) {
        organization::Entity::find()
            .filter(organization::Column::Id.is_in(found.iter().map(|r| r.holder_organization_id)))
            .all(db)
            .await?
            .into_iter()
            .map(|o| (o.id, o.code))
            .collect()
    } else {
        HashMap::new()
    };

    let mut grouped: BTreeMap<LineKey, Vec<&report::Model>> = BTreeMap::new();
    for report in &found {
        let Some(region) = root.region_of(&report.region_path) else {
            continue;
        };
        let period = grain.map(|g| g.period(crate::clock::china_date(report.submitted_at)));
        let values = query
            .by
            .iter()
            .map(|d| match d {
                ReportDimension::Category => super::enum_value(&report.category),
                ReportDimension::State => super::enum_value(&report.state),
                ReportDimension::Urgency => super::enum_value(&report.urgency),
                ReportDimension::Holder => holders
                    .get(&report.holder_organization_id)
                    .cloned()
                    .unwrap_or_default(),
            })
            .collect();
        grouped
            .entry((region.code.clone(), period, values))
            .or_default()
            .push(report);
    }

    let lines = grouped
        .into_iter()
        .filter_map(|((code, period, values), reports)| {
            let region = root.region_by_code(&code)?.clone();
            let count = protection.show(tally(reports.iter().copied()));
            // Its stages count some of its reports: withheld too when it is.
            super::publishes([count]).then_some(())?;
            let stages = STAGES
                .iter()
                .map(|&stage| figures(stage, &reports, &protection, deadlines, actor.now))
                .collect();
            Some(ReportLine {
                region,
                period,
                values,
                count: count?,
                stages,
            })
        })
        .collect();
    Ok(ReportTable { protection, lines })
}

/// The count of `reports` and its cell key.
fn tally<'a>(reports: impl Iterator<Item = &'a report::Model>) -> Tally {
    let mut tally = Tally::default();
    for report in reports {
        tally.add(Tally {
            count: 1,
            key: record_key(report.id),
        });
    }
    tally
}

/// One stage's figures over `reports`: for a protected caller, times only over at least
/// `min_cell` reports, and counts withheld or rounded as any other.
fn figures(
    stage: Stage,
    reports: &[&report::Model],
    protection: &Protection,
    deadlines: &ReportDeadlines,
    now: DateTime<Utc>,
) -> StageFigures {
    let reached: Vec<&report::Model> = reports
        .iter()
        .copied()
        .filter(|r| stage.reached(r).is_some())
        .collect();
    let mut minutes: Vec<i64> = reached
        .iter()
        .filter_map(|r| {
            stage
                .reached(r)
                .map(|at| (at - r.submitted_at).num_minutes())
        })
        .collect();
    minutes.sort_unstable();
    let timed = protection.allows_detail(minutes.len());
    let missed: Option<Vec<&report::Model>> = reports
        .iter()
        .map(|r| stage.missed(r, deadlines, now).map(|m| (r, m)))
        .collect::<Option<Vec<_>>>()
        .map(|all| {
            all.into_iter()
                .filter(|(_, m)| *m)
                .map(|(r, _)| *r)
                .collect()
        });
    StageFigures {
        stage,
        reached: protection.show(tally(reached.iter().copied())),
        median_minutes: timed.then(|| percentile(&minutes, 50)).flatten(),
        p90_minutes: timed.then(|| percentile(&minutes, 90)).flatten(),
        missed: missed.and_then(|m| protection.show(tally(m.into_iter()))),
    }
}

/// The `p`th percentile of sorted `values` by the nearest-rank method, or `None` of none.
fn percentile(sorted: &[i64], p: usize) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (p * sorted.len()).div_ceil(100).max(1);
    sorted.get(rank - 1).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_by_nearest_rank() {
        let values: Vec<i64> = (1..=10).collect();

        assert_eq!(percentile(&values, 50), Some(5));
        assert_eq!(percentile(&values, 90), Some(9));
        assert_eq!(percentile(&[7], 90), Some(7));
        assert_eq!(percentile(&[], 50), None);
    }
}
