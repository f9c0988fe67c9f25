//! `childStatistics`: children by region and attributes.

use async_graphql::{Context, Enum, ID, Object, Result, SimpleObject};

use crate::{
    domain::statistics::{self, Dimension},
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
}
