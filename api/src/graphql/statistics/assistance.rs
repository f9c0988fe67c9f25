//! `assistanceStatistics`: assessments, services, referrals and consents in numbers.

use async_graphql::{ComplexObject, Context, Enum, ID, Object, Result, SimpleObject};
use chrono::NaiveDate;

use crate::{
    domain::statistics::{
        Grain,
        assistance::{self, AssistanceMeasure},
    },
    graphql::{
        context::ContextExt,
        enums::RegionLevel,
        organization::types::Organization,
        region,
        region::types::Region,
        statistics::{
            query::{TableProtection, count},
            reports::StatisticsGrain,
        },
    },
};

/// What an assistance table counts.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "AssistanceMeasure")]
pub enum AssistanceStatisticsMeasure {
    /// Assessments completed in the period, by the risk level found: `values` is
    /// `[riskLevel]` (values as `RiskLevel`).
    AssessmentsByRisk,
    /// Service items assigned in the period, by kind and the state they are in now: `values`
    /// is `[kind, state]` (values as `ServiceKind` and `ServiceItemState`).
    ServiceItems,
    /// Service items assigned in the period, per unit they were referred to (`unit`) and the
    /// state they are in now: `values` is `[state]`.
    Referrals,
    /// Consents withdrawn by guardians in the period, by purpose: `values` is `[purpose]`
    /// (values as `ConsentPurpose`).
    ConsentWithdrawals,
}

/// One line of an assistance table.
#[derive(SimpleObject)]
pub struct AssistanceStatisticsLine {
    /// The region (where the children live).
    pub region: Region,
    /// The period (`2026-11`, `2026-Q4`, `2026`).
    pub period: String,
    /// The unit referred to, for `REFERRALS`; null otherwise.
    pub unit: Option<Organization>,
    /// The attribute values the measure counts by (enum value names).
    pub values: Vec<String>,
    /// The records (rounded when `protected`).
    pub count: i32,
}

/// A table of assistance: one line per region, period (and unit) and values with records; when
/// `protected`, only the lines of at least `minCell` records (a line left out has fewer, or
/// none).
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct AssistanceStatistics {
    #[graphql(flatten)]
    protection: TableProtection,
    #[graphql(skip)]
    table: assistance::AssistanceTable,
}

impl From<assistance::AssistanceTable> for AssistanceStatistics {
    fn from(table: assistance::AssistanceTable) -> Self {
        Self {
            protection: table.protection.into(),
            table,
        }
    }
}

#[ComplexObject]
impl AssistanceStatistics {
    /// The lines, by region code, period, unit and values.
    async fn lines(&self) -> Vec<AssistanceStatisticsLine> {
        self.table
            .lines
            .iter()
            .map(|line| AssistanceStatisticsLine {
                region: Region(line.region.clone()),
                period: line.period.clone(),
                unit: line.unit.clone().map(Organization),
                values: line.values.clone(),
                count: count(line.count),
            })
            .collect()
    }
}

/// Assistance statistics.
#[derive(Default)]
pub struct AssistanceStatisticsQuery;

#[Object]
impl AssistanceStatisticsQuery {
    /// Assessments by risk level, service items by kind and state, referrals per unit, or
    /// consents withdrawn (`measure`), per region at `level` within `regionId` (where the
    /// children live now) and period of `grain` (by default months), over the children you
    /// may count. `regionId` and `level` are checked as `childStatistics` checks them. When
    /// the table is `protected` (the analyst), a line of fewer than `minCell` records is left
    /// out (not listed empty: that would still say such a record exists), the counts shown are
    /// rounded, and `from` and `until` widen to whole periods.
    #[allow(clippy::too_many_arguments, reason = "one per GraphQL argument")]
    async fn assistance_statistics(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to count.")] measure: AssistanceStatisticsMeasure,
        #[graphql(desc = "The region to count within; by default your jurisdiction.")]
        region_id: Option<ID>,
        #[graphql(desc = "The level of the lines' regions.")] level: RegionLevel,
        #[graphql(desc = "Records of this day or later (China time).")] from: Option<NaiveDate>,
        #[graphql(desc = "Records before this day (China time).")] until: Option<NaiveDate>,
        #[graphql(desc = "The length of the lines' periods; months by default.")] grain: Option<
            StatisticsGrain,
        >,
    ) -> Result<AssistanceStatistics> {
        let actor = ctx.actor()?;
        let asked = match region_id {
            Some(id) => Some(region::find_input(ctx, &id, "regionId").await?),
            None => None,
        };
        let table = assistance::assistance(
            ctx.reading_work(),
            &actor,
            asked,
            level.into(),
            measure.into(),
            (from, until),
            grain.map_or(Grain::Month, Into::into),
            ctx.state().config.statistics_min_cell,
        )
        .await?;
        Ok(table.into())
    }
}
