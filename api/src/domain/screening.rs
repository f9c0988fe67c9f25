//! Key-period screening (重点时段排查): in the winter and summer holidays each region runs a
//! campaign of patrols and hazard screening. Campaigns have teams (holiday patrol, hazard
//! screening, safety publicity, rights protection, study help) with their members; screening
//! records note what was found about a child or a hazard site, and a finding can raise a
//! mandatory report at once.

use chrono::{NaiveDate, TimeDelta};
use entity::{
    enums::{
        HazardKind, RegionLevel, ReportCategory, RiskLevel, ScreeningSeason, TeamKind, Urgency,
    },
    hazard_site, organization, region, report, screening_campaign, screening_record,
    screening_team,
};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait,
    sea_query::{Expr, ExprTrait},
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use crate::{
    audit,
    domain::{
        Actor, child as ledger, idempotency,
        kind::Kind,
        optional_text,
        page::{self, Page, Slice},
        report::{self as reports, ReportDraft},
        required_text,
        values::RegionPath,
        work::{Once, Store},
    },
    error::{ApiError, ApiResult},
    policy::scope,
};

/// The operation idempotency keys of `recordScreening` are stored under.
pub const RECORD_SCREENING: idempotency::Operation = idempotency::Operation {
    name: "recordScreening",
    kind: Kind::ScreeningRecord,
};

/// A region in the caller's jurisdiction, else bad input in `field`.
async fn region_in_jurisdiction(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    id: Uuid,
    field: &str,
) -> ApiResult<region::Model> {
    region::Entity::find_by_id(id)
        .filter(scope::within(
            region::Column::Path,
            &actor.principal.region_path,
        ))
        .one(db)
        .await?
        .ok_or_else(|| ApiError::bad_input(field, "no such region in your jurisdiction"))
}

/// A campaign as entered.
#[derive(Debug, Clone)]
pub struct CampaignDraft {
    /// Its name.
    pub name: String,
    /// Which period.
    pub season: ScreeningSeason,
    /// First day.
    pub starts_on: NaiveDate,
    /// Last day.
    pub ends_on: NaiveDate,
    /// The region it covers.
    pub region: Uuid,
}

/// Starts a campaign over a region of the caller's jurisdiction.
pub async fn create_campaign(
    store: Store<'_>,
    actor: &Actor<'_>,
    draft: CampaignDraft,
) -> ApiResult<screening_campaign::Model> {
    let work = store.begin().await?;
    let db = work.db();
    let name = required_text("input.name", &draft.name, 200)?;
    if draft.ends_on < draft.starts_on || draft.ends_on - draft.starts_on > TimeDelta::days(120) {
        return Err(ApiError::bad_input(
            "input.endsOn",
            "must be on or after the first day, within 120 days",
        ));
    }
    let place = region_in_jurisdiction(db, actor, draft.region, "input.regionId").await?;
    let campaign = screening_campaign::Entity::insert(screening_campaign::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(name),
        season: Set(draft.season),
        starts_on: Set(draft.starts_on),
        ends_on: Set(draft.ends_on),
        region_id: Set(place.id),
        region_path: Set(place.path),
        created_by: Set(actor.principal.account_id),
        created_at: Set(actor.now),
    })
    .exec_with_returning(db)
    .await?;
    work.wrote(
        actor,
        "screening.campaign",
        (Kind::ScreeningCampaign, campaign.id),
        campaign,
    )
    .await
}

/// One campaign the caller takes part in.
pub async fn get_campaign(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    id: Uuid,
) -> ApiResult<screening_campaign::Model> {
    super::get_scoped::<screening_campaign::Entity>(
        db,
        id,
        scope::campaigns(actor.policy, actor.principal),
    )
    .await
}

/// The campaigns the caller takes part in, newest first; with `on`, those running that day.
pub async fn campaigns(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    on: Option<NaiveDate>,
    page: Page<Uuid>,
) -> ApiResult<Slice<screening_campaign::Model>> {
    let mut query =
        screening_campaign::Entity::find().filter(scope::campaigns(actor.policy, actor.principal));
    if let Some(day) = on {
        query = query
            .filter(screening_campaign::Column::StartsOn.lte(day))
            .filter(screening_campaign::Column::EndsOn.gte(day));
    }
    Ok(page::read(
        db,
        query,
        |query| {
            let mut cursor = query.cursor_by(screening_campaign::Column::Id);
            cursor.desc();
            cursor
        },
        page,
    )
    .await?)
}

/// A hazard site as entered.
#[derive(Debug, Clone)]
pub struct SiteDraft {
    /// The township or village.
    pub region: Uuid,
    /// What kind.
    pub kind: HazardKind,
    /// Where, in words.
    pub place: String,
    /// How dangerous.
    pub risk: RiskLevel,
    /// Anything more.
    pub note: Option<String>,
}

/// Records a hazard site in a township or village of the caller's jurisdiction.
pub async fn add_site(
    store: Store<'_>,
    actor: &Actor<'_>,
    draft: SiteDraft,
) -> ApiResult<hazard_site::Model> {
    let work = store.begin().await?;
    let db = work.db();
    let place = required_text("input.place", &draft.place, 500)?;
    let area = region_in_jurisdiction(db, actor, draft.region, "input.regionId").await?;
    if !matches!(area.level, RegionLevel::Township | RegionLevel::Village) {
        return Err(ApiError::bad_input(
            "input.regionId",
            "must be a township or village",
        ));
    }
    let site = hazard_site::Entity::insert(hazard_site::ActiveModel {
        id: Set(Uuid::now_v7()),
        kind: Set(draft.kind),
        place: Set(place),
        risk: Set(draft.risk),
        note: Set(optional_text(draft.note)),
        region_id: Set(area.id),
        region_path: Set(area.path),
        created_by: Set(actor.principal.account_id),
        created_at: Set(actor.now),
    })
    .exec_with_returning(db)
    .await?;
    work.wrote(actor, "screening.site", (Kind::HazardSite, site.id), site)
        .await
}

/// The hazard sites in the caller's region (their jurisdiction, or the township their unit
/// serves), highest risk first; optionally only under `path`.
pub async fn sites(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    path: Option<&RegionPath>,
) -> ApiResult<Vec<hazard_site::Model>> {
    let mut query = hazard_site::Entity::find().filter(scope::within(
        hazard_site::Column::RegionPath,
        &actor.principal.region_path,
    ));
    if let Some(path) = path {
        query = query.filter(scope::within(hazard_site::Column::RegionPath, path));
    }
    let mut rows = query.order_by_asc(hazard_site::Column::Id).all(db).await?;
    rows.sort_by_key(|s| std::cmp::Reverse(risk_rank(s.risk)));
    Ok(rows)
}

fn risk_rank(risk: RiskLevel) -> u8 {
    match risk {
        RiskLevel::None => 0,
        RiskLevel::Low => 1,
        RiskLevel::Medium => 2,
        RiskLevel::High => 3,
    }
}

/// A team member.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Member {
    /// Their name.
    pub name: String,
    /// Their unit.
    pub organization_id: Option<Uuid>,
    /// What they do in the team.
    pub duty: Option<String>,
}

/// The members of a team.
pub fn members(team: &screening_team::Model) -> Vec<Member> {
    serde_json::from_str(&team.members).unwrap_or_default()
}

/// A team as entered.
#[derive(Debug, Clone)]
pub struct TeamDraft {
    /// The campaign.
    pub campaign: Uuid,
    /// What the team does.
    pub kind: TeamKind,
    /// Its name.
    pub name: String,
    /// The unit leading it.
    pub organization: Uuid,
    /// Its members.
    pub members: Vec<Member>,
}

/// Forms a team of a campaign in the caller's jurisdiction.
pub async fn form_team(
    store: Store<'_>,
    actor: &Actor<'_>,
    draft: TeamDraft,
) -> ApiResult<screening_team::Model> {
    let work = store.begin().await?;
    let db = work.db();
    let campaign = screening_campaign::Entity::find_by_id(draft.campaign)
        .filter(scope::within(
            screening_campaign::Column::RegionPath,
            &actor.principal.region_path,
        ))
        .one(db)
        .await?
        .ok_or_else(|| {
            ApiError::bad_input("input.campaignId", "no such campaign in your jurisdiction")
        })?;
    let name = required_text("input.name", &draft.name, 200)?;
    if draft.members.is_empty() || draft.members.len() > 200 {
        return Err(ApiError::bad_input(
            "input.members",
            "name 1 to 200 members",
        ));
    }
    let mut members = Vec::with_capacity(draft.members.len());
    let mut units = vec![draft.organization];
    for (i, member) in draft.members.into_iter().enumerate() {
        let member_name = required_text(&format!("input.members.{i}.name"), &member.name, 100)?;
        units.extend(member.organization_id);
        members.push(Member {
            name: member_name,
            organization_id: member.organization_id,
            duty: optional_text(member.duty),
        });
    }
    units.sort();
    units.dedup();
    let known = organization::Entity::find()
        .filter(organization::Column::Id.is_in(units.clone()))
        .count(db)
        .await?;
    if known != units.len() as u64 {
        return Err(ApiError::bad_input(
            "input.organizationId",
            "no such unit (the team's or a member's)",
        ));
    }
    let team = screening_team::Entity::insert(screening_team::ActiveModel {
        id: Set(Uuid::now_v7()),
        campaign_id: Set(campaign.id),
        kind: Set(draft.kind),
        name: Set(name),
        organization_id: Set(draft.organization),
        members: Set(serde_json::to_string(&members).unwrap_or_else(|_| "[]".into())),
        created_at: Set(actor.now),
    })
    .exec_with_returning(db)
    .await?;
    work.wrote(
        actor,
        "screening.team",
        (Kind::ScreeningCampaign, campaign.id),
        team,
    )
    .await
}

/// A report to raise from a finding.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Raise {
    /// What it is about.
    pub category: ReportCategory,
    /// How urgent.
    pub urgency: Urgency,
    /// For a site finding: the child or children at risk, described.
    pub child_description: Option<String>,
}

/// A screening as entered.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ScreeningDraft {
    /// The campaign.
    pub campaign: Uuid,
    /// The team that screened.
    pub team: Option<Uuid>,
    /// The child screened (or a site).
    pub child: Option<Uuid>,
    /// The site screened (or a child).
    pub site: Option<Uuid>,
    /// When.
    pub screened_on: NaiveDate,
    /// What was found.
    pub finding: String,
    /// Whether it is a concern.
    pub concern: bool,
    /// The report to raise, when the finding calls for one.
    pub raise: Option<Raise>,
}

/// Records a screening, once per idempotency key; a record that raises a report submits it
/// and announces it. A retry with the same key gets the first record back (its report, if
/// any, is on the record).
pub async fn record(
    store: Store<'_>,
    actor: &Actor<'_>,
    key: &str,
    draft: ScreeningDraft,
) -> ApiResult<Once<screening_record::Model, (screening_record::Model, Option<report::Model>)>> {
    let fingerprint = idempotency::fingerprint(&draft);
    let attempt = RECORD_SCREENING.attempt(actor, key, &fingerprint);
    store
        .create_once::<screening_record::Entity, _, _>(attempt, |work| async move {
            let created = match insert(work.db(), actor, key, draft).await {
                Ok((record, Some(report))) => work
                    .announce(reports::event(&report, "submit", actor.now))
                    .await
                    .map(|()| (record, Some(report))),
                other => other,
            };
            (work, created)
        })
        .await
}

/// Inserts a screening record, and the report it raises, if any.
async fn insert(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    key: &str,
    draft: ScreeningDraft,
) -> ApiResult<(screening_record::Model, Option<report::Model>)> {
    idempotency::check(key)?;
    let fingerprint = idempotency::fingerprint(&draft);
    let campaign = get_campaign(db, actor, draft.campaign)
        .await
        .map_err(|e| e.not_found_as("input.campaignId", "no such campaign"))?;
    if draft.screened_on < campaign.starts_on
        || draft.screened_on > campaign.ends_on
        || draft.screened_on > actor.today()
    {
        return Err(ApiError::bad_input(
            "input.screenedOn",
            "must fall within the campaign and not in the future",
        ));
    }
    let finding = required_text("input.finding", &draft.finding, 5000)?;
    if let Some(team) = draft.team {
        screening_team::Entity::find_by_id(team)
            .filter(screening_team::Column::CampaignId.eq(campaign.id))
            .one(db)
            .await?
            .ok_or_else(|| ApiError::bad_input("input.teamId", "no such team in the campaign"))?;
    }
    let (region_id, place, child_id) = match (draft.child, draft.site) {
        (Some(child), None) => {
            let child = ledger::get(db, actor, child)
                .await
                .map_err(|e| e.not_found_as("input.childId", "no such child"))?;
            if !RegionPath::from(campaign.region_path.clone()).contains(&child.region_path) {
                return Err(ApiError::bad_input(
                    "input.childId",
                    "the child lives outside the campaign's region",
                ));
            }
            (child.residence_village_id, None, Some(child.id))
        }
        (None, Some(site)) => {
            let site = hazard_site::Entity::find_by_id(site)
                .filter(scope::within(
                    hazard_site::Column::RegionPath,
                    &RegionPath::from(campaign.region_path),
                ))
                .one(db)
                .await?
                .ok_or_else(|| {
                    ApiError::bad_input(
                        "input.hazardSiteId",
                        "no such site in the campaign's region",
                    )
                })?;
            (site.region_id, Some(site.place), None)
        }
        _ => {
            return Err(ApiError::bad_input(
                "input.childId",
                "screen either a child or a hazard site",
            ));
        }
    };
    if draft.raise.is_some() && !draft.concern {
        return Err(ApiError::bad_input(
            "input.raiseReport",
            "only a finding of concern raises a report",
        ));
    }
    let id = Uuid::now_v7();
    let raised = match draft.raise {
        Some(raise) => Some(
            reports::insert(
                db,
                actor,
                &format!("screening:{id}"),
                ReportDraft {
                    category: raise.category,
                    urgency: raise.urgency,
                    narrative: format!("{}：{finding}", campaign.name),
                    occurred_at: actor.now,
                    region_id,
                    place,
                    child_id,
                    child_description: raise.child_description,
                    reporter_contact: None,
                },
            )
            .await
            .map_err(|err| match err {
                ApiError::BadInput { field, message } if field == "input.childDescription" => {
                    ApiError::bad_input("input.raiseReport.childDescription", message)
                }
                other => other,
            })?,
        ),
        None => None,
    };
    let saved = screening_record::Entity::insert(screening_record::ActiveModel {
        id: Set(id),
        campaign_id: Set(campaign.id),
        team_id: Set(draft.team),
        child_id: Set(child_id),
        hazard_site_id: Set(draft.site),
        screened_on: Set(draft.screened_on),
        finding: Set(finding),
        concern: Set(draft.concern),
        report_id: Set(raised.as_ref().map(|r| r.id)),
        recorded_by: Set(actor.principal.account_id),
        created_at: Set(actor.now),
    })
    .exec_with_returning(db)
    .await?;
    RECORD_SCREENING
        .attempt(actor, key, &fingerprint)
        .remember(db, saved.id, actor.now)
        .await?;
    audit::record(
        db,
        actor
            .event("screening.record")
            .on(Kind::ScreeningCampaign, campaign.id)
            .with(json!({ "record": saved.id, "child": child_id, "site": draft.site, "concern": draft.concern, "report": saved.report_id })),
    )
    .await?;
    Ok((saved, raised))
}

/// One hazard site in the caller's region, as [`sites`] lists them.
pub async fn site(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    id: Uuid,
) -> ApiResult<Option<hazard_site::Model>> {
    super::find_scoped::<hazard_site::Entity>(
        db,
        id,
        scope::within(
            hazard_site::Column::RegionPath,
            &actor.principal.region_path,
        ),
    )
    .await
}

/// One team of a campaign the caller takes part in.
pub async fn team(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    id: Uuid,
) -> ApiResult<Option<screening_team::Model>> {
    super::find_scoped::<screening_team::Entity>(
        db,
        id,
        screening_team::Column::CampaignId.in_subquery(campaigns_taken_part_in(actor)),
    )
    .await
}

/// One screening record the caller may see, of a campaign they take part in, as [`records`]
/// lists them.
pub async fn record_by_id(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    id: Uuid,
) -> ApiResult<Option<screening_record::Model>> {
    super::find_scoped::<screening_record::Entity>(
        db,
        id,
        Condition::all()
            .add(screening_record::Column::CampaignId.in_subquery(campaigns_taken_part_in(actor)))
            .add(visible_records(actor)),
    )
    .await
}

/// The first `limit` records the caller may see of each of `campaigns`, newest first, in one
/// statement; with `concern`, only those (not) of concern. The first page of [`records`] for
/// a list of campaigns.
pub async fn first_records(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    campaigns: &[Uuid],
    concern: Option<bool>,
    limit: u64,
) -> ApiResult<Vec<screening_record::Model>> {
    let mut rows = screening_record::Entity::find().filter(visible_records(actor));
    if let Some(concern) = concern {
        rows = rows.filter(screening_record::Column::Concern.eq(concern));
    }
    let newest_first = [(screening_record::Column::Id, sea_orm::Order::Desc)];
    let campaigns = super::Parents {
        rows: screening_campaign::Entity::find()
            .filter(screening_campaign::Column::Id.is_in(campaigns.iter().copied())),
        id: screening_campaign::Column::Id,
    };
    super::first_per(
        db,
        rows,
        screening_record::Column::CampaignId,
        campaigns,
        &newest_first,
        limit,
    )
    .await
}

/// How many screening records of each of `campaigns` the caller may see, those (not) of
/// concern when asked: for each, the `totalCount` of [`records`], all in one grouped statement.
pub async fn record_counts(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    campaigns: &[Uuid],
    concern: Option<bool>,
) -> ApiResult<Vec<(Uuid, u64)>> {
    let mut visible = screening_record::Entity::find()
        .filter(screening_record::Column::CampaignId.is_in(campaigns.iter().copied()))
        .filter(visible_records(actor));
    if let Some(concern) = concern {
        visible = visible.filter(screening_record::Column::Concern.eq(concern));
    }
    Ok(page::counts_by(db, visible, screening_record::Column::CampaignId).await?)
}

/// The ids of the campaigns the caller takes part in, as a subquery.
fn campaigns_taken_part_in(actor: &Actor<'_>) -> sea_orm::sea_query::SelectStatement {
    screening_campaign::Entity::find()
        .select_only()
        .column(screening_campaign::Column::Id)
        .filter(scope::campaigns(actor.policy, actor.principal))
        .into_query()
}

/// The screening records of a campaign the caller may see (site records, and records of
/// children in their scope), newest first; with `concern`, only those (not) of concern.
pub async fn records(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    campaign: Uuid,
    concern: Option<bool>,
    page: Page<Uuid>,
) -> ApiResult<Slice<screening_record::Model>> {
    let mut query = screening_record::Entity::find()
        .filter(screening_record::Column::CampaignId.eq(campaign))
        .filter(visible_records(actor));
    if let Some(concern) = concern {
        query = query.filter(screening_record::Column::Concern.eq(concern));
    }
    Ok(page::read(
        db,
        query,
        |query| {
            let mut cursor = query.cursor_by(screening_record::Column::Id);
            cursor.desc();
            cursor
        },
        page,
    )
    .await?)
}

/// The screening records the caller may see: those of sites, and those of children in their
/// scope.
fn visible_records(actor: &Actor<'_>) -> Condition {
    Condition::any()
        .add(screening_record::Column::ChildId.is_null())
        .add(screening_record::Column::ChildId.in_subquery(ledger::visible_ids(actor)))
}

/// A campaign's numbers.
#[derive(Debug, Clone, Copy, Default)]
pub struct Tally {
    /// Children screened.
    pub children: u64,
    /// Site screenings.
    pub sites: u64,
    /// Findings of concern.
    pub concerns: u64,
    /// Reports raised.
    pub reports: u64,
}

/// The numbers of many campaigns, over the records the caller may see (a count obeys the row
/// scope as the list does), in one grouped statement; a campaign without such records has
/// none.
pub async fn tallies(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    campaign_ids: &[Uuid],
) -> ApiResult<Vec<(Uuid, Tally)>> {
    let rows: Vec<(Uuid, i64, i64, i64, i64)> = screening_record::Entity::find()
        .select_only()
        .column(screening_record::Column::CampaignId)
        .expr(Expr::col(screening_record::Column::ChildId).count_distinct())
        .expr(Expr::col(screening_record::Column::HazardSiteId).count())
        .expr(Expr::cust("COUNT(CASE WHEN concern THEN 1 END)"))
        .expr(Expr::col(screening_record::Column::ReportId).count())
        .filter(screening_record::Column::CampaignId.is_in(campaign_ids.iter().copied()))
        .filter(visible_records(actor))
        .group_by(screening_record::Column::CampaignId)
        .into_tuple()
        .all(db)
        .await?;
    let count = |n: i64| u64::try_from(n).unwrap_or_default();
    Ok(rows
        .into_iter()
        .map(|(campaign, children, sites, concerns, reports)| {
            (
                campaign,
                Tally {
                    children: count(children),
                    sites: count(sites),
                    concerns: count(concerns),
                    reports: count(reports),
                },
            )
        })
        .collect())
}
