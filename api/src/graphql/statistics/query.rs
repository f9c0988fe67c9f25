//! `childStatistics` and `childTrend`: children by region and attributes, now and month by
//! month.

use async_graphql::{ComplexObject, Context, Enum, ID, Object, Result, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};

use crate::{
    domain::statistics::{self, Dimension, Grain, Protection, trends},
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

/// How a table's counts are protected for you: the first fields of every statistics table.
#[derive(SimpleObject)]
pub struct TableProtection {
    /// Whether the counts are protected for you: true unless you read the records counted,
    /// their places and every attribute counted, in full (the analyst's are always protected).
    /// Protected counts under `minCell` are withheld (null, `suppressed`), and so are the
    /// counts that would let one be worked out by subtraction; the counts shown are rounded
    /// to a multiple of `roundedTo`; figures about single records (times) are shown only over
    /// `minCell` records or more; and a table by period counts whole periods.
    protected: bool,
    /// The smallest count shown when `protected`.
    min_cell: i32,
    /// The multiple every count shown is rounded to: `minCell` when `protected`, up or down
    /// with a probability that keeps sums unbiased, and the same way each time the same
    /// records are counted (so asking again, from another region or in another month averages
    /// nothing away); 1, exact counts, otherwise. Rounded cells need not add up to the rounded
    /// totals.
    rounded_to: i32,
}

impl From<Protection> for TableProtection {
    fn from(protection: Protection) -> Self {
        Self {
            protected: protection.protected,
            min_cell: count(protection.min_cell),
            rounded_to: count(protection.rounded_to()),
        }
    }
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

/// A table of children: one line per region with children.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct ChildStatistics {
    #[graphql(flatten)]
    protection: TableProtection,
    #[graphql(skip)]
    table: statistics::Table,
}

impl From<statistics::Table> for ChildStatistics {
    fn from(table: statistics::Table) -> Self {
        Self {
            protection: table.protection().into(),
            table,
        }
    }
}

#[ComplexObject]
impl ChildStatistics {
    /// Every child counted; null when withheld.
    async fn total(&self) -> Option<i32> {
        self.table.total.map(count)
    }

    /// The regions' lines, by region code.
    async fn rows(&self) -> Vec<StatisticsRow> {
        self.table.rows.iter().cloned().map(StatisticsRow).collect()
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
        self.0.table.clone().into()
    }
}

/// Children by region and one attribute, month by month.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct ChildTrend {
    #[graphql(flatten)]
    protection: TableProtection,
    #[graphql(skip)]
    table: trends::Trend,
}

impl From<trends::Trend> for ChildTrend {
    fn from(table: trends::Trend) -> Self {
        Self {
            protection: table.protection().into(),
            table,
        }
    }
}

#[ComplexObject]
impl ChildTrend {
    /// The months with counts, oldest first. A month before the first snapshot of the ledger
    /// was taken has none and is left out.
    async fn months(&self) -> Vec<ChildTrendMonth> {
        self.table
            .months
            .iter()
            .cloned()
            .map(ChildTrendMonth)
            .collect()
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
            ctx.reading_work(),
            &actor,
            asked,
            level.into(),
            &dimensions,
            ctx.state().config.statistics_min_cell,
        )
        .await?;
        Ok(table.into())
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
            ctx.reading_work(),
            &actor,
            asked,
            level.into(),
            by.map(Into::into),
            (from, until),
            ctx.state().config.statistics_min_cell,
        )
        .await?;
        Ok(trend.into())
    }
}
