//! `visitCompliance` and `dropoutStatistics`: the follow-up work in numbers.

use async_graphql::{ComplexObject, Context, ID, Object, Result, SimpleObject};
use chrono::NaiveDate;

use crate::{
    domain::statistics::{Grain, dropout, visits},
    graphql::{
        context::ContextExt,
        enums::RegionLevel,
        region,
        region::types::Region,
        statistics::{
            query::{TableProtection, count},
            reports::StatisticsGrain,
        },
    },
};

/// A region's month of visits.
#[derive(SimpleObject)]
pub struct VisitComplianceLine {
    /// The region.
    pub region: Region,
    /// The month, `2026-11`.
    pub month: String,
    /// Children due a child director's visit that month: registered before it ended and still
    /// followed during it; null when withheld.
    pub due: Option<i32>,
    /// Of them, children a child director visited that month; null when withheld.
    pub visited: Option<i32>,
    /// `visited` / `due` as shown (rounded when `protected`); null when either is withheld or
    /// none were due.
    pub rate: Option<f64>,
}

/// A table of visit compliance: one line per region and month with children due.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct VisitCompliance {
    #[graphql(flatten)]
    protection: TableProtection,
    #[graphql(skip)]
    table: visits::ComplianceTable,
}

impl From<visits::ComplianceTable> for VisitCompliance {
    fn from(table: visits::ComplianceTable) -> Self {
        Self {
            protection: table.protection.into(),
            table,
        }
    }
}

#[ComplexObject]
impl VisitCompliance {
    /// The lines, by region code and month.
    async fn lines(&self) -> Vec<VisitComplianceLine> {
        self.table
            .lines
            .iter()
            .map(|line| VisitComplianceLine {
                region: Region(line.region.clone()),
                month: line.month.clone(),
                due: line.due.map(count),
                visited: line.visited.map(count),
                rate: rate(line.visited, line.due),
            })
            .collect()
    }
}

/// `part` / `whole`, when both are shown and `whole` is not zero.
fn rate(part: Option<u64>, whole: Option<u64>) -> Option<f64> {
    let (part, whole) = (part?, whole?);
    (whole > 0).then(|| f64::from(count(part)) / f64::from(count(whole)))
}

/// A region's period of dropout follow-up.
#[derive(SimpleObject)]
pub struct DropoutStatisticsLine {
    /// The region (where the children live).
    pub region: Region,
    /// The period (`2026-11`, `2026-Q4`, `2026`).
    pub period: String,
    /// Cases opened in the period; null when withheld.
    pub opened: Option<i32>,
    /// Children returned to school in the period; null when withheld.
    pub returned: Option<i32>,
    /// Cases reported in writing to the education bureau in the period; null when withheld.
    pub reported: Option<i32>,
}

/// A table of dropout follow-up: one line per region and period with something to count;
/// when `protected`, a line whose counts are all withheld is left out, as its presence alone
/// would say that the region had a dropout in the period.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct DropoutStatistics {
    #[graphql(flatten)]
    protection: TableProtection,
    #[graphql(skip)]
    table: dropout::DropoutTable,
}

impl From<dropout::DropoutTable> for DropoutStatistics {
    fn from(table: dropout::DropoutTable) -> Self {
        Self {
            protection: table.protection.into(),
            table,
        }
    }
}

#[ComplexObject]
impl DropoutStatistics {
    /// The lines, by region code and period.
    async fn lines(&self) -> Vec<DropoutStatisticsLine> {
        self.table
            .lines
            .iter()
            .map(|line| DropoutStatisticsLine {
                region: Region(line.region.clone()),
                period: line.period.clone(),
                opened: line.opened.map(count),
                returned: line.returned.map(count),
                reported: line.reported.map(count),
            })
            .collect()
    }
}

/// Follow-up statistics.
#[derive(Default)]
pub struct FollowUpStatisticsQuery;

#[Object]
impl FollowUpStatisticsQuery {
    /// Children due a child director's monthly home visit and those visited, per region at
    /// `level` within `regionId` and calendar month, over the children you may count (for the
    /// analyst, every child of its jurisdiction). At most 36 months; by default the twelve up
    /// to this one. `regionId` and `level` are checked as `childStatistics` checks them. The
    /// 36 closed months before this one are read from counts the service keeps of them, which
    /// every write that alters a month's figures (a late visit, a child's status or form date
    /// changed) refreshes: the answer is always what counting the ledger and the visits now
    /// gives.
    async fn visit_compliance(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The region to count within; by default your jurisdiction.")]
        region_id: Option<ID>,
        #[graphql(desc = "The level of the lines' regions.")] level: RegionLevel,
        #[graphql(desc = "The first month: the one this day falls in.")] from: Option<NaiveDate>,
        #[graphql(desc = "Up to this day, exclusive (the first of a month ends before it).")]
        until: Option<NaiveDate>,
    ) -> Result<VisitCompliance> {
        let actor = ctx.actor()?;
        let asked = match region_id {
            Some(id) => Some(region::find_input(ctx, &id, "regionId").await?),
            None => None,
        };
        let table = visits::compliance(
            ctx.reading_work(),
            &actor,
            asked,
            level.into(),
            (from, until),
            ctx.state().config.statistics_min_cell,
        )
        .await?;
        Ok(table.into())
    }

    /// Dropout cases opened, children returned to school and cases reported in writing, per
    /// region at `level` within `regionId` (where the children live) and period of `grain`
    /// (by default months), over the children you may count. `regionId` and `level` are
    /// checked as `childStatistics` checks them. When the table is `protected`, `from` and
    /// `until` widen to whole periods.
    async fn dropout_statistics(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The region to count within; by default your jurisdiction.")]
        region_id: Option<ID>,
        #[graphql(desc = "The level of the lines' regions.")] level: RegionLevel,
        #[graphql(desc = "Events on or after this day (China time).")] from: Option<NaiveDate>,
        #[graphql(desc = "Events before this day (China time).")] until: Option<NaiveDate>,
        #[graphql(desc = "The length of the lines' periods; months by default.")] grain: Option<
            StatisticsGrain,
        >,
    ) -> Result<DropoutStatistics> {
        let actor = ctx.actor()?;
        let asked = match region_id {
            Some(id) => Some(region::find_input(ctx, &id, "regionId").await?),
            None => None,
        };
        let table = dropout::dropout(
            ctx.reading_work(),
            &actor,
            asked,
            level.into(),
            (from, until),
            grain.map_or(Grain::Month, Into::into),
            ctx.state().config.statistics_min_cell,
        )
        .await?;
        Ok(table.into())
    }
}
