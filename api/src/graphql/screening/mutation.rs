//! Starting campaigns, recording hazard sites, forming teams and recording screenings.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::NaiveDate;

use crate::{
    domain::{
        self,
        screening::{CampaignDraft, Member, Raise, ScreeningDraft, SiteDraft, TeamDraft},
        work::Once,
    },
    error::ApiError,
    graphql::{
        context::ContextExt,
        enums::RiskLevel,
        ids::{self, Kind},
        report::types::{Report, ReportCategory, Urgency},
        screening::types::{
            HazardKind, HazardSite, ScreeningCampaign, ScreeningRecord, ScreeningSeason,
            ScreeningTeam, TeamKind,
        },
    },
};

/// A campaign to start.
#[derive(InputObject)]
pub struct StartScreeningCampaignInput {
    /// Its name (e.g. 2027年寒假留守儿童安全排查).
    pub name: String,
    /// Which period.
    pub season: ScreeningSeason,
    /// First day.
    pub starts_on: NaiveDate,
    /// Last day (within 120 days of the first).
    pub ends_on: NaiveDate,
    /// The region it covers, within your jurisdiction.
    pub region_id: ID,
}

impl TryFrom<StartScreeningCampaignInput> for CampaignDraft {
    type Error = ApiError;

    fn try_from(input: StartScreeningCampaignInput) -> Result<Self, ApiError> {
        Ok(Self {
            name: input.name,
            season: input.season.into(),
            starts_on: input.starts_on,
            ends_on: input.ends_on,
            region: ids::expect(Kind::Region, &input.region_id, "input.regionId")?,
        })
    }
}

/// The result of starting a campaign.
#[derive(SimpleObject)]
pub struct ScreeningCampaignPayload {
    /// The campaign.
    pub campaign: ScreeningCampaign,
}

/// A hazard site to record.
#[derive(InputObject)]
pub struct AddHazardSiteInput {
    /// The township or village, within your jurisdiction.
    pub region_id: ID,
    /// What kind.
    pub kind: HazardKind,
    /// Where, in words.
    pub place: String,
    /// How dangerous.
    pub risk: RiskLevel,
    /// Anything more.
    pub note: Option<String>,
}

impl TryFrom<AddHazardSiteInput> for SiteDraft {
    type Error = ApiError;

    fn try_from(input: AddHazardSiteInput) -> Result<Self, ApiError> {
        Ok(Self {
            region: ids::expect(Kind::Region, &input.region_id, "input.regionId")?,
            kind: input.kind.into(),
            place: input.place,
            risk: input.risk.into(),
            note: input.note,
        })
    }
}

/// The result of recording a hazard site.
#[derive(SimpleObject)]
pub struct AddHazardSitePayload {
    /// The site.
    pub site: HazardSite,
}

/// A member of a team.
#[derive(InputObject)]
pub struct TeamMemberInput {
    /// Their name.
    pub name: String,
    /// Their unit.
    pub organization_id: Option<ID>,
    /// What they do in the team.
    pub duty: Option<String>,
}

/// A team to form.
#[derive(InputObject)]
pub struct FormScreeningTeamInput {
    /// The campaign (run within your jurisdiction).
    pub campaign_id: ID,
    /// What the team does.
    pub kind: TeamKind,
    /// Its name.
    pub name: String,
    /// The unit leading it.
    pub organization_id: ID,
    /// Its members (1 to 200).
    pub members: Vec<TeamMemberInput>,
}

impl TryFrom<FormScreeningTeamInput> for TeamDraft {
    type Error = ApiError;

    fn try_from(input: FormScreeningTeamInput) -> Result<Self, ApiError> {
        let mut members = Vec::with_capacity(input.members.len());
        for (i, member) in input.members.into_iter().enumerate() {
            members.push(Member {
                name: member.name,
                organization_id: ids::optional(
                    member.organization_id,
                    Kind::Organization,
                    &format!("input.members.{i}.organizationId"),
                )?,
                duty: member.duty,
            });
        }
        Ok(TeamDraft {
            campaign: ids::expect(
                Kind::ScreeningCampaign,
                &input.campaign_id,
                "input.campaignId",
            )?,
            kind: input.kind.into(),
            name: input.name,
            organization: ids::expect(
                Kind::Organization,
                &input.organization_id,
                "input.organizationId",
            )?,
            members,
        })
    }
}

/// The result of forming a team.
#[derive(SimpleObject)]
pub struct FormScreeningTeamPayload {
    /// The team.
    pub team: ScreeningTeam,
}

/// A report to raise from a finding.
#[derive(InputObject)]
pub struct RaiseReportInput {
    /// What it is about.
    pub category: ReportCategory,
    /// How urgent.
    pub urgency: Urgency,
    /// For a site finding: the child or children at risk, described.
    pub child_description: Option<String>,
}

/// A screening to record.
#[derive(InputObject)]
pub struct RecordScreeningInput {
    /// A key unique to this record on the client: a retry with the same key returns the first
    /// record.
    pub idempotency_key: String,
    /// The campaign.
    pub campaign_id: ID,
    /// The team that screened.
    pub team_id: Option<ID>,
    /// The child screened (give a child or a site).
    pub child_id: Option<ID>,
    /// The site screened (give a child or a site).
    pub hazard_site_id: Option<ID>,
    /// When (within the campaign, not in the future).
    pub screened_on: NaiveDate,
    /// What was found.
    pub finding: String,
    /// Whether the finding is a concern.
    #[graphql(default)]
    pub concern: bool,
    /// Raise a mandatory report from the finding at once (it goes to the police like any
    /// report); only for a finding of concern.
    pub raise_report: Option<RaiseReportInput>,
}

impl TryFrom<RecordScreeningInput> for ScreeningDraft {
    type Error = ApiError;

    fn try_from(input: RecordScreeningInput) -> Result<Self, ApiError> {
        Ok(Self {
            campaign: ids::expect(
                Kind::ScreeningCampaign,
                &input.campaign_id,
                "input.campaignId",
            )?,
            team: ids::optional(input.team_id, Kind::ScreeningTeam, "input.teamId")?,
            child: ids::optional(input.child_id, Kind::Child, "input.childId")?,
            site: ids::optional(input.hazard_site_id, Kind::HazardSite, "input.hazardSiteId")?,
            screened_on: input.screened_on,
            finding: input.finding,
            concern: input.concern,
            raise: input.raise_report.map(|r| Raise {
                category: r.category.into(),
                urgency: r.urgency.into(),
                child_description: r.child_description,
            }),
        })
    }
}

/// The result of recording a screening.
#[derive(SimpleObject)]
pub struct RecordScreeningPayload {
    /// The record.
    pub record: ScreeningRecord,
    /// The report the finding raised.
    pub report: Option<Report>,
    /// True when this answer replays an earlier call with the same idempotency key.
    pub replayed: bool,
}

/// Screening mutations.
#[derive(Default)]
pub struct ScreeningMutation;

#[Object]
impl ScreeningMutation {
    /// Starts a key-period screening campaign over a region of your jurisdiction.
    async fn start_screening_campaign(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The campaign.")] input: StartScreeningCampaignInput,
    ) -> Result<ScreeningCampaignPayload> {
        let actor = ctx.actor()?;
        let draft = CampaignDraft::try_from(input)?;
        let campaign =
            domain::screening::create_campaign(ctx.state().store(), &actor, draft).await?;
        Ok(ScreeningCampaignPayload {
            campaign: ScreeningCampaign(campaign),
        })
    }

    /// Records a hazard site (water, road, construction…) in a township or village of your
    /// jurisdiction.
    async fn add_hazard_site(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The site.")] input: AddHazardSiteInput,
    ) -> Result<AddHazardSitePayload> {
        let actor = ctx.actor()?;
        let draft = SiteDraft::try_from(input)?;
        let site = domain::screening::add_site(ctx.state().store(), &actor, draft).await?;
        Ok(AddHazardSitePayload {
            site: HazardSite(site),
        })
    }

    /// Forms a team of a campaign run within your jurisdiction.
    async fn form_screening_team(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The team.")] input: FormScreeningTeamInput,
    ) -> Result<FormScreeningTeamPayload> {
        let actor = ctx.actor()?;
        let draft = TeamDraft::try_from(input)?;
        let team = domain::screening::form_team(ctx.state().store(), &actor, draft).await?;
        Ok(FormScreeningTeamPayload {
            team: ScreeningTeam(team),
        })
    }

    /// Records what a screening found about a child you may see or a hazard site, during a
    /// campaign you take part in; a finding of concern can raise a mandatory report at once.
    async fn record_screening(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The screening.")] input: RecordScreeningInput,
    ) -> Result<RecordScreeningPayload> {
        let actor = ctx.actor()?;
        let key = input.idempotency_key.trim().to_owned();
        let draft = ScreeningDraft::try_from(input)?;
        let once = domain::screening::record(ctx.state().store(), &actor, &key, draft).await?;
        let (record, report) = match once {
            // The first record; its report, if any, is on the record's `report` field.
            Once::Replayed(record) => {
                return Ok(RecordScreeningPayload {
                    record: ScreeningRecord(record),
                    report: None,
                    replayed: true,
                });
            }
            Once::Created(saved) => saved,
        };
        Ok(RecordScreeningPayload {
            record: ScreeningRecord(record),
            report: report.map(Report),
            replayed: false,
        })
    }
}
