//! `childStatistics` and `childTrend`: children by region and attributes, now and month by
//! month.

use async_graphql::{Context, Enum, ID, Object, Result, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};

use crate::{
    domain::statistics::{self, Dimension, Grain, trends},
    graphql::{context::ContextExt, enums::RegionLevel, region, region::types::Region},
};

/// An attribute of a child that statistics break counts down by.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "Dimension")]
pub enum ChildDimension {
    /// Who the child lives with (values as `LivingArrangement`).
    LivingArrangement,
    /// Why the child is left behind (values as `LeftBehindType`).
    LeftBehindType,
    /// How well the child is looked after (values as `GuardianshipQuality`).
    GuardianshipQuality,
    /// Assessed risk (values as `RiskLevel`).
    RiskLevel,
    /// Followed or not (values as `ChildStatus`).
    Status,
    /// Gender (values as `Gender`).
    Gender,
    /// Age in whole years, in bands: `0_2`, `3_5`, `6_11`, `12_14`, `15_17`, `18_PLUS`.
    AgeBand,
    /// Schooling stage (values as `SchoolingStage`).
    SchoolingStage,
    /// Must be reported to the police: `TRUE` or `FALSE`.
    NeedsReport,
    /// Needs a guardian appointed: `TRUE` or `FALSE`.
    NeedsGuardian,
}

/// One cell of a region's line: the children with the given attribute values.
#[derive(SimpleObject)]
pub struct StatisticsCell {
    /// The attribute values, in the order of `by` (enum value names, e.g. `WITH_GRANDPARENTS`).
    pub values: Vec<String>,
    /// The children; null when withheld (`suppressed`).
    pub count: Option<i32>,
    /// Whether the count is withheld: it is small enough to single a child out, or would let a
    /// withheld count be worked out from the others.
    pub suppressed: bool,
}

/// One region's line of a table.
pub struct StatisticsRow(statistics::Row);

/// One region's line: its children in all, and by the asked attributes.
#[Object]
impl StatisticsRow {
    /// The region.
    async fn region(&self) -> Region {
        Region(self.0.region.clone())
    }

    /// Its children in all; null when withheld.
    async fn total(&self) -> Option<i32> {
        self.0.total.map(count)
    }

    /// Whether `total` is withheld.
    async fn total_suppressed(&self) -> bool {
        self.0.total.is_none()
    }

    /// The cells with children, one per combination of attribute values (a combination not
    /// listed has none); empty when no attribute was asked.
    async fn cells(&self) -> Vec<StatisticsCell> {
        self.0
            .cells
            .iter()
            .map(|cell| StatisticsCell {
                values: cell.values.clone(),
                count: cell.count.map(count),
                suppressed: cell.count.is_none(),
            })
            .collect()
    }
}

/// Children counted within what you may see, by region and attributes.
pub struct ChildStatistics(statistics::Table);

/// A table of children: one line per region with children.
#[Object]
impl ChildStatistics {
    /// Whether the counts are protected for you: true unless you read the children's names,
    /// villages and every attribute counted in full. Protected counts under `minCell` are
    /// withheld, with the counts that would give them away, and the counts shown are rounded
    /// to a multiple of `roundedTo`.
    async fn protected(&self) -> bool {
        self.0.protected
    }

    /// The smallest count shown when `protected`.
    async fn min_cell(&self) -> i32 {
        count(self.0.min_cell)
    }

    /// The multiple every count shown is rounded to: `minCell` when `protected`, up or down
    /// with a probability that keeps sums unbiased, and the same way each time the same children
    /// are counted (so asking again or from another region averages nothing away); 1, exact
    /// counts, otherwise. Rounded cells need not add up to the rounded totals.
    async fn rounded_to(&self) -> i32 {
        if self.0.protected {
            count(self.0.min_cell)
        } else {
            1
        }
    }

    /// Every child counted; null when withheld.
    async fn total(&self) -> Option<i32> {
        self.0.total.map(count)
    }

    /// The regions' lines, by region code.
    async fn rows(&self) -> Vec<StatisticsRow> {
        self.0.rows.iter().cloned().map(StatisticsRow).collect()
    }
}

/// One month of a trend.
pub struct ChildTrendMonth(trends::TrendMonth);

/// A month's table of children, as the ledger stood then.
#[Object]
impl ChildTrendMonth {
    /// The month, `2026-11`.
    async fn month(&self) -> String {
        Grain::Month.period(self.0.month)
    }

    /// When the counts were taken: the month's snapshot (normally just after it ended), or
    /// now for the month in progress.
    async fn as_of(&self) -> DateTime<Utc> {
        self.0.as_of
    }

    /// Whether this is the month in progress, counted now; the others are snapshots.
    async fn live(&self) -> bool {
        self.0.live
    }

    /// The month's table, protected as `childStatistics` is (the same children always round
    /// the same way, in any month).
    async fn statistics(&self) -> ChildStatistics {
        ChildStatistics(self.0.table.clone())
    }
}

/// Children month by month.
pub struct ChildTrend(trends::Trend);

/// Children by region and one attribute, month by month.
#[Object]
impl ChildTrend {
    /// Whether the counts are protected for you (see `ChildStatistics.protected`).
    async fn protected(&self) -> bool {
        self.0.protected
    }

    /// The smallest count shown when `protected`.
    async fn min_cell(&self) -> i32 {
        count(self.0.min_cell)
    }

    /// The multiple every count shown is rounded to (1: exact).
    async fn rounded_to(&self) -> i32 {
        count(if self.0.protected { self.0.min_cell } else { 1 })
    }

    /// The months with counts, oldest first. A month before the first snapshot of the ledger
    /// was taken has none and is left out.
    async fn months(&self) -> Vec<ChildTrendMonth> {
        self.0.months.iter().cloned().map(ChildTrendMonth).collect()
    }
}

/// A count as GraphQL's `Int`.
pub(super) fn count(n: u64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// Statistics queries.
#[derive(Default)]
pub struct StatisticsQuery;

#[Object]
impl StatisticsQuery {
    /// Children in your scope by region at `level` within `regionId` (by default your
    /// jurisdiction, or for roles whose rows are not a jurisdiction, such as a school's,
    /// everywhere), broken down by up to two attributes. `regionId` must lie within your
    /// jurisdiction or hold it, and `level` be the region's own or below it (else
    /// `BAD_USER_INPUT` on `regionId` or `level`). For roles that may not read children in
    /// full the table is `protected`: a count under `minCell` is withheld, and so is any count
    /// that would let it be worked out by subtraction within the table, and the counts shown are
    /// rounded (`roundedTo`) so that tables put together do not give a withheld count away.
    async fn child_statistics(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The region to count within; by default your jurisdiction (everywhere for roles whose rows are not a jurisdiction)."
        )]
        region_id: Option<ID>,
        #[graphql(desc = "The level of the regions the lines are for.")] level: RegionLevel,
        #[graphql(desc = "Up to two attributes to break each region's count down by.")] by: Option<
            Vec<ChildDimension>,
        >,
    ) -> Result<ChildStatistics> {
        let actor = ctx.actor()?;
        let asked = match region_id {
            Some(id) => Some(region::find_input(ctx, &id, "regionId").await?),
            None => None,
        };
        let dimensions: Vec<Dimension> =
            by.unwrap_or_default().into_iter().map(Into::into).collect();
        let table = statistics::children(
            &ctx.state().db,
            &actor,
            asked,
            level.into(),
            &dimensions,
            ctx.state().config.statistics_min_cell,
        )
        .await?;
        Ok(ChildStatistics(table))
    }

    /// Children by region at `level` within `regionId` and by up to one attribute, month by
    /// month from `from` until `until` (by default the 24 months up to and including this
    /// one; at most 60). Past months come from the ledger's monthly snapshots (each taken just
    /// after its month ended: a child counts in the months by whose end it was registered,
    /// with the attributes it had then), the month in progress is counted now. For roles whose
    /// rows are a jurisdiction, and the analyst; the tables are protected as
    /// `childStatistics`'s are. `regionId` and `level` are checked as `childStatistics` checks
    /// them.
    async fn child_trend(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The region to count within; by default your jurisdiction.")]
        region_id: Option<ID>,
        #[graphql(desc = "The level of the regions the lines are for.")] level: RegionLevel,
        #[graphql(desc = "An attribute to break each region's count down by.")] by: Option<
            ChildDimension,
        >,
        #[graphql(desc = "The first month: the one this day falls in.")] from: Option<NaiveDate>,
        #[graphql(desc = "Up to this day, exclusive (the first of a month ends before it).")]
        until: Option<NaiveDate>,
    ) -> Result<ChildTrend> {
        let actor = ctx.actor()?;
        let asked = match region_id {
            Some(id) => Some(region::find_input(ctx, &id, "regionId").await?),
            None => None,
        };
        let trend = trends::children(
            &ctx.state().db,
            &actor,
            asked,
            level.into(),
            by.map(Into::into),
            (from, until),
            ctx.state().config.statistics_min_cell,
        )
        .await?;
        Ok(ChildTrend(trend))
    }
}
