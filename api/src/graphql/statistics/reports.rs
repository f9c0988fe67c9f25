//! `reportStatistics`: the emergency response in numbers.

use async_graphql::{ComplexObject, Context, Enum, ID, Object, Result, SimpleObject};
use chrono::NaiveDate;

use crate::{
    domain::statistics::{
        Grain,
        reports::{self, ReportDimension, ReportQuery, Stage},
    },
    graphql::{
        context::ContextExt,
        enums::RegionLevel,
        region,
        region::types::Region,
        statistics::query::{TableProtection, count},
    },
};

/// A length of period statistics count by.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "Grain")]
pub enum StatisticsGrain {
    /// Calendar months, named `2026-11`.
    Month,
    /// Calendar quarters, named `2026-Q4`.
    Quarter,
    /// Calendar years, named `2026`.
    Year,
}

/// An attribute of a report that statistics break counts down by.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "ReportDimension")]
pub enum ReportStatisticsDimension {
    /// The category (values as `ReportCategory`).
    Category,
    /// Where it stands (values as `ReportState`).
    State,
    /// The urgency (values as `Urgency`).
    Urgency,
    /// The police unit holding it (values are organization codes).
    Holder,
}

/// A step of the emergency response, timed from the report's submission.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "Stage")]
pub enum ReportStage {
    /// Accepted by the police (受理); its deadline runs from submission.
    Accept,
    /// Officers sent (出警); its deadline runs from acceptance (shorter for urgent categories).
    Dispatch,
    /// Dealt with (处置); no deadline of its own.
    Respond,
    /// The township notified (通报); its deadline runs from the response.
    NotifyTownship,
    /// Closed; no deadline.
    Close,
}

/// One stage's figures over a line's reports.
#[derive(SimpleObject)]
pub struct ReportStageFigures {
    /// The stage.
    pub stage: ReportStage,
    /// Reports that reached it; null when withheld.
    pub reached: Option<i32>,
    /// Minutes from submission to the stage, the median over the reports that reached it;
    /// null when none did, or, when `protected`, fewer than `minCell`.
    pub median_minutes: Option<i32>,
    /// Minutes from submission to the stage, the 90th percentile (nearest rank); null as
    /// `medianMinutes`.
    pub p90_minutes: Option<i32>,
    /// Reports that missed the stage's deadline, reached late or still waiting past it; null
    /// for a stage without a deadline, or when withheld.
    pub missed: Option<i32>,
}

/// The reports of one region (and period) with the given attribute values.
#[derive(SimpleObject)]
pub struct ReportStatisticsLine {
    /// The region.
    pub region: Region,
    /// The period (`2026-11`, `2026-Q4`, `2026`), when a grain was asked.
    pub period: Option<String>,
    /// The attribute values, in the order of `by`.
    pub values: Vec<String>,
    /// The reports. When `protected`, a line whose count would be withheld is left out: its
    /// presence alone would say that the region had such a report in the period.
    pub count: i32,
    /// Each stage's figures, in the order of the response.
    pub stages: Vec<ReportStageFigures>,
}

/// A table of reports: one line per region, period and attribute values with reports.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct ReportStatistics {
    #[graphql(flatten)]
    protection: TableProtection,
    #[graphql(skip)]
    table: reports::ReportTable,
}

impl From<reports::ReportTable> for ReportStatistics {
    fn from(table: reports::ReportTable) -> Self {
        Self {
            protection: table.protection.into(),
            table,
        }
    }
}

#[ComplexObject]
impl ReportStatistics {
    /// The lines, by region code, period and values.
    async fn lines(&self) -> Vec<ReportStatisticsLine> {
        self.table
            .lines
            .iter()
            .map(|line| ReportStatisticsLine {
                region: Region(line.region.clone()),
                period: line.period.clone(),
                values: line.values.clone(),
                count: count(line.count),
                stages: line
                    .stages
                    .iter()
                    .map(|s| ReportStageFigures {
                        stage: s.stage.into(),
                        reached: s.reached.map(count),
                        median_minutes: s.median_minutes.map(minutes),
                        p90_minutes: s.p90_minutes.map(minutes),
                        missed: s.missed.map(count),
                    })
                    .collect(),
            })
            .collect()
    }
}

fn minutes(n: i64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// Report statistics.
#[derive(Default)]
pub struct ReportStatisticsQuery;

#[Object]
impl ReportStatisticsQuery {
    /// Reports you may count (for the analyst, every report about places of its
    /// jurisdiction; for others, the reports they may see), submitted from `from` until
    /// `until`, by region at `level` within `regionId`, by period of `grain`, and by up to two
    /// attributes: how many, how long each stage of the response took from submission (median
    /// and 90th percentile) and how many missed each deadline. Merged duplicates are left out.
    /// `regionId` and `level` are checked as `childStatistics` checks them. When the table is
    /// `protected`, it is always per period (months unless `grain` says otherwise) and
    /// `from`/`until` widen to whole periods, so that no two windows count almost the same
    /// reports rounded two ways.
    #[allow(clippy::too_many_arguments, reason = "one per GraphQL argument")]
    async fn report_statistics(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The region to count within; by default your jurisdiction.")]
        region_id: Option<ID>,
        #[graphql(desc = "The level of the lines' regions.")] level: RegionLevel,
        #[graphql(desc = "Reports submitted on or after this day (China time).")] from: Option<
            NaiveDate,
        >,
        #[graphql(desc = "Reports submitted before this day (China time).")] until: Option<
            NaiveDate,
        >,
        #[graphql(desc = "A line per period of this length (by submission), when given.")]
        grain: Option<StatisticsGrain>,
        #[graphql(desc = "Up to two attributes to break each line down by.")] by: Option<
            Vec<ReportStatisticsDimension>,
        >,
    ) -> Result<ReportStatistics> {
        let actor = ctx.actor()?;
        let asked = match region_id {
            Some(id) => Some(region::find_input(ctx, &id, "regionId").await?),
            None => None,
        };
        let query = ReportQuery {
            asked,
            level: level.into(),
            from,
            until,
            grain: grain.map(Into::into),
            by: by.unwrap_or_default().into_iter().map(Into::into).collect(),
        };
        let config = &ctx.state().config;
        let table = reports::reports(
            ctx.reading_work(),
            &actor,
            query,
            config.statistics_min_cell,
            &config.report_deadlines,
        )
        .await?;
        Ok(table.into())
    }
}
