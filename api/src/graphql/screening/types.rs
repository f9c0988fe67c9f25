//! The `ScreeningCampaign`, `HazardSite`, `ScreeningTeam` and `ScreeningRecord` types.

use async_graphql::{Context, Enum, ID, Object, Result, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use entity::{hazard_site, screening_campaign, screening_record, screening_team};

use crate::{
    domain::page::Slice,
    domain::screening,
    graphql::{
        child::types::Child,
        connection::{self, Connection},
        context::ContextExt,
        enums::RiskLevel,
        ids::{self, Kind},
        organization::types::Organization,
        region::types::Region,
        report::types::Report,
    },
};

/// Which key period a campaign covers.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::enums::ScreeningSeason")]
pub enum ScreeningSeason {
    /// Winter holidays (寒假).
    WinterHoliday,
    /// Summer holidays (暑假).
    SummerHoliday,
    /// Another period.
    Other,
}

/// What kind of hazard a site is.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::enums::HazardKind")]
pub enum HazardKind {
    /// Water: ponds, rivers, reservoirs, wells.
    Water,
    /// Roads and traffic.
    Road,
    /// Construction sites.
    Construction,
    /// Anything else.
    Other,
}

/// What a screening team does.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::enums::TeamKind")]
pub enum TeamKind {
    /// Holiday patrol (假期巡查).
    HolidayPatrol,
    /// Hazard screening (隐患排查).
    HazardScreening,
    /// Safety publicity (安全宣传).
    SafetyPublicity,
    /// Rights protection (维权).
    RightsProtection,
    /// Study help (学业辅导).
    StudyHelp,
}

/// A campaign's numbers, over all its records.
#[derive(SimpleObject)]
pub struct ScreeningTally {
    /// Children screened.
    pub children: u64,
    /// Site screenings.
    pub sites: u64,
    /// Findings of concern.
    pub concerns: u64,
    /// Reports raised from findings.
    pub reports_raised: u64,
}

/// The GraphQL `ScreeningCampaign` object over a stored campaign.
pub struct ScreeningCampaign(pub screening_campaign::Model);

/// A key-period screening campaign (重点时段排查) over a region: the winter or summer holidays,
/// with teams, and records of the children and hazard sites screened.
#[Object]
impl ScreeningCampaign {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::ScreeningCampaign, self.0.id)
    }

    /// Its name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// Which period.
    async fn season(&self) -> ScreeningSeason {
        self.0.season.into()
    }

    /// First day.
    async fn starts_on(&self) -> NaiveDate {
        self.0.starts_on
    }

    /// Last day.
    async fn ends_on(&self) -> NaiveDate {
        self.0.ends_on
    }

    /// The region it covers.
    async fn region(&self, ctx: &Context<'_>) -> Result<Option<Region>> {
        Region::load(ctx, self.0.region_id).await
    }

    /// Its teams, in the order formed.
    async fn teams(&self, ctx: &Context<'_>) -> Result<Vec<ScreeningTeam>> {
        Ok(ctx
            .loaders()
            .teams()
            .of(self.0.id)
            .await?
            .into_iter()
            .map(ScreeningTeam)
            .collect())
    }

    /// Its screening records you may see (site records, and records of children in your
    /// scope), newest first. The first pages of a list of campaigns are read together.
    async fn records(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only findings of concern (true) or only the others (false).")]
        concern: Option<bool>,
        #[graphql(desc = "How many records to return (0 to 100, default 20).")] first: Option<i32>,
        #[graphql(desc = "Return the records after this cursor (`pageInfo.endCursor`).")]
        after: Option<String>,
    ) -> Result<Connection<ScreeningRecord>> {
        let owner = Some(self.0.id);
        let (page, paging) =
            connection::page_in::<uuid::Uuid>(ctx, owner, first, after.as_deref())?;
        // The first pages of many campaigns are read together, and so are their counts.
        let slice = match page.after {
            None => {
                let mut slice = Slice::from_one_more(
                    ctx.loaders()
                        .first_records()
                        .first_of(self.0.id, page.first + 1, concern, ())
                        .await?,
                    page.first,
                );
                if page.count.is_some() {
                    slice.total = Some(
                        ctx.loaders()
                            .record_counts()
                            .count_of(self.0.id, concern)
                            .await?,
                    );
                }
                slice
            }
            Some(_) => {
                let actor = ctx.actor()?;
                screening::records(ctx.db(), &actor, self.0.id, concern, page).await?
            }
        };
        Ok(paging.connection(ctx, slice, |r| r.id, ScreeningRecord))
    }

    /// Its numbers, over the records you may see (those of sites and of children in your scope).
    async fn tally(&self, ctx: &Context<'_>) -> Result<ScreeningTally> {
        let tally = ctx
            .loaders()
            .tallies()
            .one(self.0.id)
            .await?
            .map(|(_, tally)| tally)
            .unwrap_or_default();
        Ok(ScreeningTally {
            children: tally.children,
            sites: tally.sites,
            concerns: tally.concerns,
            reports_raised: tally.reports,
        })
    }
}

/// The GraphQL `HazardSite` object over a stored site.
pub struct HazardSite(pub hazard_site::Model);

/// A place dangerous to children (water, roads, construction) in a township or village.
#[Object]
impl HazardSite {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::HazardSite, self.0.id)
    }

    /// What kind.
    async fn kind(&self) -> HazardKind {
        self.0.kind.into()
    }

    /// Where, in words.
    async fn place(&self) -> &str {
        &self.0.place
    }

    /// How dangerous.
    async fn risk(&self) -> RiskLevel {
        self.0.risk.into()
    }

    /// Anything more.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }

    /// The township or village.
    async fn region(&self, ctx: &Context<'_>) -> Result<Option<Region>> {
        Region::load(ctx, self.0.region_id).await
    }
}

/// The GraphQL `ScreeningTeam` object over a stored team.
pub struct ScreeningTeam(pub screening_team::Model);

/// A team of a campaign, led by a unit, with its members.
#[Object]
impl ScreeningTeam {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::ScreeningTeam, self.0.id)
    }

    /// What the team does.
    async fn kind(&self) -> TeamKind {
        self.0.kind.into()
    }

    /// Its name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// The unit leading it.
    async fn organization(&self, ctx: &Context<'_>) -> Result<Option<Organization>> {
        Organization::load(ctx, self.0.organization_id).await
    }

    /// Its members.
    async fn members(&self) -> Vec<TeamMember> {
        screening::members(&self.0)
            .into_iter()
            .map(TeamMember)
            .collect()
    }
}

/// The GraphQL `TeamMember` object over a stored member.
pub struct TeamMember(pub screening::Member);

/// A member of a screening team.
#[Object]
impl TeamMember {
    /// Their name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// Their unit.
    async fn organization(&self, ctx: &Context<'_>) -> Result<Option<Organization>> {
        let Some(id) = self.0.organization_id else {
            return Ok(None);
        };
        Organization::load(ctx, id).await
    }

    /// What they do in the team.
    async fn duty(&self) -> Option<&str> {
        self.0.duty.as_deref()
    }
}

/// The GraphQL `ScreeningRecord` object over a stored record.
pub struct ScreeningRecord(pub screening_record::Model);

/// What a screening found about a child or a hazard site during a campaign.
#[Object]
impl ScreeningRecord {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::ScreeningRecord, self.0.id)
    }

    /// The child screened, when within your scope.
    async fn child(&self, ctx: &Context<'_>) -> Result<Option<Child>> {
        let Some(id) = self.0.child_id else {
            return Ok(None);
        };
        Child::visible(ctx, id).await
    }

    /// The site screened.
    async fn hazard_site(&self, ctx: &Context<'_>) -> Result<Option<HazardSite>> {
        let Some(id) = self.0.hazard_site_id else {
            return Ok(None);
        };
        Ok(ctx.loaders().hazard_sites().one(id).await?.map(HazardSite))
    }

    /// The team that screened.
    async fn team_id(&self) -> Option<ID> {
        self.0
            .team_id
            .map(|id| ids::encode(Kind::ScreeningTeam, id))
    }

    /// When.
    async fn screened_on(&self) -> NaiveDate {
        self.0.screened_on
    }

    /// What was found.
    async fn finding(&self) -> &str {
        &self.0.finding
    }

    /// Whether the finding is a concern.
    async fn concern(&self) -> bool {
        self.0.concern
    }

    /// The report the finding raised, when you may see it.
    async fn report(&self, ctx: &Context<'_>) -> Result<Option<Report>> {
        let Some(id) = self.0.report_id else {
            return Ok(None);
        };
        Ok(ctx.loaders().visible_reports().one(id).await?.map(Report))
    }

    /// When it was recorded.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}
