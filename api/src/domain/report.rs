//! Mandatory reports (强制报告) and the emergency response (应急处置): submission routed to the
//! police unit of the place, the response workflow with its deadlines, emergency actions, and
//! the overdue sweep that raises each missed deadline exactly once.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use entity::{
    child, child_guardian, deadline_alert, emergency_action,
    enums::{
        EmergencyActionKind, GuardianRelation, OrganizationKind, RegionLevel, ReportCategory,
        ReportState, Responsibility, SubjectType, Urgency,
    },
    organization, region, report, report_transition,
};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait,
    sea_query::{Expr, Query},
};
use serde_json::json;
use uuid::Uuid;

use crate::{
    audit,
    config::ReportDeadlines,
    domain::{
        Actor, child as ledger, idempotency,
        kind::Kind,
        optional_text,
        page::{self, Page, Slice},
        required_text,
        values::RegionPath,
        work::{Once, Store},
    },
    error::{ApiError, ApiResult},
    events::{BusEvent, EventBus},
    policy::scope,
};

/// The operation idempotency keys of `submitReport` are stored under.
pub const SUBMIT_REPORT: idempotency::Operation = idempotency::Operation {
    name: "submitReport",
    kind: Kind::Report,
};

/// A report as entered.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ReportDraft {
    /// What it is about.
    pub category: ReportCategory,
    /// How urgent.
    pub urgency: Urgency,
    /// What the reporter saw.
    pub narrative: String,
    /// When it happened or was found.
    pub occurred_at: DateTime<Utc>,
    /// The township or village.
    pub region_id: Uuid,
    /// The place in words.
    pub place: Option<String>,
    /// The child, when in the ledger and visible to the reporter.
    pub child_id: Option<Uuid>,
    /// The child as described otherwise.
    pub child_description: Option<String>,
    /// How to reach the reporter.
    pub reporter_contact: Option<String>,
}

/// Categories where officers must be sent within the shorter deadline.
pub fn is_urgent(category: ReportCategory) -> bool {
    matches!(
        category,
        ReportCategory::Missing
            | ReportCategory::MissingOrTrafficked
            | ReportCategory::SuspectedDomesticViolence
            | ReportCategory::SuspectedUnlawfulHarm
            | ReportCategory::SexualAssaultOrPregnancy
            | ReportCategory::PrivatePartInjury
            | ReportCategory::AbuseOrBullyingInjuries
    )
}

/// The step a report in `state` waits for, as deadline alerts name it.
fn stage(state: ReportState) -> Option<&'static str> {
    match state {
        ReportState::Submitted => Some("accept"),
        ReportState::Accepted => Some("dispatch"),
        ReportState::Responded => Some("notify_township"),
        _ => None,
    }
}

/// The next step due and when, for a report where it stands.
pub fn deadline(
    report: &report::Model,
    limits: &ReportDeadlines,
) -> Option<(&'static str, DateTime<Utc>)> {
    let since = match report.state {
        ReportState::Submitted => Some((report.submitted_at, limits.accept_minutes)),
        ReportState::Accepted => report.accepted_at.map(|at| {
            let minutes = if is_urgent(report.category) {
                limits.dispatch_urgent_minutes
            } else {
                limits.dispatch_minutes
            };
            (at, minutes)
        }),
        ReportState::Responded => report
            .responded_at
            .map(|at| (at, limits.notify_township_minutes)),
        _ => None,
    };
    let (at, minutes) = since?;
    Some((stage(report.state)?, at + TimeDelta::minutes(minutes)))
}

/// A report as it stands when submitted at `now`: what, when and where, held by `holder`,
/// nothing done yet; who reported it is the caller's to add (a column left out is null).
fn submitted(
    place: &region::Model,
    holder: Uuid,
    now: DateTime<Utc>,
    occurred_at: DateTime<Utc>,
    (category, urgency): (ReportCategory, Urgency),
    narrative: String,
    where_: Option<String>,
) -> report::ActiveModel {
    report::ActiveModel {
        id: Set(Uuid::now_v7()),
        category: Set(category),
        urgency: Set(urgency),
        state: Set(ReportState::Submitted),
        narrative: Set(narrative),
        occurred_at: Set(occurred_at),
        region_id: Set(place.id),
        region_path: Set(place.path.clone()),
        place: Set(where_),
        holder_organization_id: Set(holder),
        submitted_at: Set(now),
        version: Set(1),
        updated_at: Set(now),
        ..Default::default()
    }
}

/// Where a report's events took place, checked with when: a township or village, and not in
/// the future.
async fn place_of(
    db: &impl ConnectionTrait,
    occurred_at: DateTime<Utc>,
    now: DateTime<Utc>,
    region_id: Uuid,
) -> ApiResult<region::Model> {
    if occurred_at > now + TimeDelta::minutes(5) {
        return Err(ApiError::bad_input(
            "input.occurredAt",
            "must not be in the future",
        ));
    }
    region::Entity::find_by_id(region_id)
        .one(db)
        .await?
        .filter(|r| matches!(r.level, RegionLevel::Township | RegionLevel::Village))
        .ok_or_else(|| ApiError::bad_input("input.regionId", "must be a township or village"))
}

/// Makes `unit` the report's lead unit, due today: its assignment titled `title`.
async fn assign_lead(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    report: Uuid,
    unit: Uuid,
    title: &str,
) -> ApiResult<()> {
    crate::domain::assignment::ensure_by(
        db,
        actor,
        crate::domain::assignment::Duty {
            subject_type: SubjectType::Report,
            key: report.to_string(),
            responsibility: Responsibility::Lead,
            organization: unit,
            title: title.to_owned(),
            due_on: Some(actor.today()),
        },
    )
    .await
}

/// The police unit responsible for a place: the county's public security bureau (the plan's
/// 责任单位, which dispatches to its stations, by transfer when a station should hold the
/// report), else the prefecture's.
async fn police_unit_for(
    db: &impl ConnectionTrait,
    place: &region::Model,
) -> ApiResult<organization::Model> {
    let path = RegionPath::from(place.path.clone());
    let codes = path.codes();
    for depth in (1..=codes.len().min(2)).rev() {
        let code = codes[depth - 1];
        let regions = region::Entity::find()
            .select_only()
            .column(region::Column::Id)
            .filter(region::Column::Code.eq(code))
            .into_query();
        if let Some(unit) = organization::Entity::find()
            .filter(organization::Column::Kind.eq(OrganizationKind::PublicSecurity))
            .filter(organization::Column::RegionId.in_subquery(regions))
            .one(db)
            .await?
        {
            return Ok(unit);
        }
    }
    Err(ApiError::internal(anyhow::anyhow!(
        "no police unit serves {}",
        place.path
    )))
}

/// A move to record in `report_transition`.
struct Recorded<'a> {
    report: Uuid,
    from: Option<ReportState>,
    to: ReportState,
    action: &'a str,
    /// The unit concerned: the new holder on submission and transfer, else the actor's.
    organization: Option<Uuid>,
    note: Option<String>,
}

/// Who made a move: a signed-in account, or a member of the public (`None`).
type By<'a> = Option<&'a Actor<'a>>;

async fn transition_row(
    db: &impl ConnectionTrait,
    by: By<'_>,
    at: DateTime<Utc>,
    row: Recorded<'_>,
) -> ApiResult<()> {
    use sea_orm::ActiveEnum;
    report_transition::Entity::insert(report_transition::ActiveModel {
        id: Set(Uuid::now_v7()),
        report_id: Set(row.report),
        from_state: Set(row.from.map(|s| s.to_value())),
        to_state: Set(row.to.to_value()),
        action: Set(row.action.to_owned()),
        account_id: Set(by.map(|a| a.principal.account_id)),
        organization_id: Set(row.organization.or(by.map(|a| a.principal.organization_id))),
        note: Set(row.note),
        at: Set(at),
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Submits a report, once per idempotency key; it is routed to the police unit of the place,
/// which gets it as a lead assignment, and announced to those who may hear of it. Submitting
/// about a child clears the child's `needsReport`.
pub async fn submit(
    store: Store<'_>,
    actor: &Actor<'_>,
    key: &str,
    draft: ReportDraft,
) -> ApiResult<Once<report::Model, report::Model>> {
    let fingerprint = idempotency::fingerprint(&draft);
    let attempt = SUBMIT_REPORT.attempt(actor, key, &fingerprint);
    store
        .create_once::<report::Entity, _, _>(attempt, |work| async move {
            let created = match insert(work.db(), actor, key, draft).await {
                Ok(report) => work
                    .announce(event(&report, "submit", actor.now))
                    .await
                    .map(|()| report),
                Err(err) => Err(err),
            };
            (work, created)
        })
        .await
}

/// Inserts a report, routed to the police unit of the place as a lead assignment.
pub(crate) async fn insert(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    key: &str,
    draft: ReportDraft,
) -> ApiResult<report::Model> {
    idempotency::check(key)?;
    let fingerprint = idempotency::fingerprint(&draft);
    let narrative = required_text("input.narrative", &draft.narrative, 5000)?;
    let place = place_of(db, draft.occurred_at, actor.now, draft.region_id).await?;
    if let Some(child) = draft.child_id {
        ledger::find(db, actor, child).await?.ok_or_else(|| {
            ApiError::bad_input("input.childId", "no such child among those you may see")
        })?;
    } else if draft
        .child_description
        .as_deref()
        .is_none_or(|d| d.trim().is_empty())
    {
        return Err(ApiError::bad_input(
            "input.childDescription",
            "name the child, or describe them (name, age, appearance)",
        ));
    }
    let reporter_unit = organization::Entity::find_by_id(actor.principal.organization_id)
        .one(db)
        .await?;
    let reporter = entity::account::Entity::find_by_id(actor.principal.account_id)
        .one(db)
        .await?;
    let holder = police_unit_for(db, &place).await?;
    let model = report::ActiveModel {
        child_id: Set(draft.child_id),
        child_description: Set(optional_text(draft.child_description)),
        reporter_account_id: Set(Some(actor.principal.account_id)),
        reporter_organization_id: Set(Some(actor.principal.organization_id)),
        reporter_name: Set(reporter.map(|r| r.display_name)),
        reporter_contact: Set(draft.reporter_contact),
        mandatory_reporter: Set(reporter_unit.is_some_and(|u| u.mandatory_reporter)),
        ..submitted(
            &place,
            holder.id,
            actor.now,
            draft.occurred_at,
            (draft.category, draft.urgency),
            narrative,
            optional_text(draft.place),
        )
    };
    let report = report::Entity::insert(model)
        .exec_with_returning(db)
        .await?;
    SUBMIT_REPORT
        .attempt(actor, key, &fingerprint)
        .remember(db, report.id, actor.now)
        .await?;
    transition_row(
        db,
        Some(actor),
        actor.now,
        Recorded {
            report: report.id,
            from: None,
            to: ReportState::Submitted,
            action: "submit",
            organization: Some(holder.id),
            note: None,
        },
    )
    .await?;
    assign_lead(
        db,
        actor,
        report.id,
        holder.id,
        "强制报告：受理、出警、处置",
    )
    .await?;
    if let Some(child) = report.child_id {
        child::Entity::update_many()
            .col_expr(child::Column::NeedsReport, Expr::value(false))
            .filter(child::Column::Id.eq(child))
            .filter(child::Column::NeedsReport.eq(true))
            .exec(db)
            .await?;
    }
    audit::record(
        db,
        actor.event("report.submit").on(Kind::Report, report.id).with(
            json!({ "category": report.category, "holder": holder.id, "child": report.child_id }),
        ),
    )
    .await?;
    Ok(report)
}

/// A report from a member of the public: minimal fields, no account.
#[derive(Debug, Clone)]
pub struct PublicDraft {
    /// What it is about.
    pub category: ReportCategory,
    /// What they saw.
    pub narrative: String,
    /// When.
    pub occurred_at: DateTime<Utc>,
    /// The township or village.
    pub region_id: Uuid,
    /// The place in words.
    pub place: Option<String>,
    /// The child as described.
    pub child_description: String,
    /// How to reach them, if they wish.
    pub contact: Option<String>,
}

/// Submits a report from the public (the plan rewards them): routed like any report; the
/// answer is only a receipt code, with which `status` shows the state and, once closed, the
/// outcome notice. The report is announced to those who may hear of it.
pub async fn submit_public(
    store: Store<'_>,
    mac: &crate::audit::MacKey,
    draft: PublicDraft,
    now: DateTime<Utc>,
    request_id: Option<String>,
) -> ApiResult<String> {
    let work = store.begin().await?;
    let db = work.db();
    let narrative = required_text("input.narrative", &draft.narrative, 5000)?;
    let description = draft.child_description.trim().to_owned();
    if description.is_empty() {
        return Err(ApiError::bad_input(
            "input.childDescription",
            "describe the child (name, age, appearance)",
        ));
    }
    let place = place_of(db, draft.occurred_at, now, draft.region_id).await?;
    let holder = police_unit_for(db, &place).await?;
    let receipt = receipt_code();
    let report = report::Entity::insert(report::ActiveModel {
        child_description: Set(Some(description)),
        reporter_contact: Set(optional_text(draft.contact)),
        mandatory_reporter: Set(false),
        receipt_code: Set(Some(receipt.clone())),
        ..submitted(
            &place,
            holder.id,
            now,
            draft.occurred_at,
            (draft.category, Urgency::Urgent),
            narrative,
            optional_text(draft.place),
        )
    })
    .exec_with_returning(db)
    .await?;
    transition_row(
        db,
        None,
        now,
        Recorded {
            report: report.id,
            from: None,
            to: ReportState::Submitted,
            action: "submit_public",
            organization: Some(holder.id),
            note: None,
        },
    )
    .await?;
    crate::domain::assignment::ensure(
        db,
        None,
        now,
        crate::domain::assignment::Duty {
            subject_type: SubjectType::Report,
            key: report.id.to_string(),
            responsibility: Responsibility::Lead,
            organization: holder.id,
            title: "强制报告（群众举报）：受理、出警、处置".to_owned(),
            due_on: Some(crate::clock::china_date(now)),
        },
    )
    .await?;
    audit::record(
        db,
        audit::AuditRecord::new(mac, "report.submit_public", now, request_id)
            .on(Kind::Report, report.id)
            .with(json!({ "category": report.category, "holder": holder.id })),
    )
    .await?;
    work.announce(event(&report, "submit", now)).await?;
    work.commit().await?;
    Ok(receipt)
}

/// A receipt code: 12 characters a person can read out on the phone.
fn receipt_code() -> String {
    use rand::seq::IndexedRandom;
    const ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..12)
        .map(|_| char::from(*ALPHABET.choose(&mut rng).unwrap_or(&b'X')))
        .collect()
}

/// The report a receipt code was given for.
pub async fn by_receipt(
    db: &impl ConnectionTrait,
    receipt: &str,
) -> ApiResult<Option<report::Model>> {
    Ok(report::Entity::find()
        .filter(report::Column::ReceiptCode.eq(receipt.trim().to_ascii_uppercase()))
        .one(db)
        .await?)
}

/// A move of the response workflow.
#[derive(Debug, Clone)]
pub enum Move {
    /// 受理.
    Accept,
    /// 出警.
    Dispatch,
    /// 处置.
    Respond,
    /// 通报: the township is notified; it gets an assessment assignment.
    NotifyTownship,
    /// Closed, with the outcome notice the reporter is told (Minors Protection Law art. 11).
    Close {
        /// The notice.
        outcome: String,
    },
    /// Handed to another police unit, which then holds it.
    Transfer {
        /// The new holder.
        to: Uuid,
    },
    /// A duplicate of another report.
    Merge {
        /// The report it duplicates.
        into: Uuid,
    },
}

impl Move {
    fn name(&self) -> &'static str {
        match self {
            Self::Accept => "ACCEPT",
            Self::Dispatch => "DISPATCH",
            Self::Respond => "RESPOND",
            Self::NotifyTownship => "NOTIFY_TOWNSHIP",
            Self::Close { .. } => "CLOSE",
            Self::Transfer { .. } => "TRANSFER",
            Self::Merge { .. } => "MERGE",
        }
    }
}

/// The moves allowed from a state.
pub fn allowed(state: ReportState) -> &'static [&'static str] {
    match state {
        ReportState::Submitted => &["ACCEPT", "TRANSFER", "MERGE"],
        ReportState::Accepted => &["DISPATCH", "TRANSFER", "MERGE"],
        ReportState::Dispatched => &["RESPOND"],
        ReportState::Responded => &["NOTIFY_TOWNSHIP"],
        ReportState::TownshipNotified => &["CLOSE"],
        ReportState::Closed | ReportState::Merged => &[],
    }
}

/// One report the caller may see.
pub async fn get(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    id: Uuid,
) -> ApiResult<report::Model> {
    super::get_scoped::<report::Entity>(db, id, scope::reports(actor.policy, actor.principal)).await
}

/// Several reports by id, those the caller may see, for loaders.
pub async fn find_many(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    ids: &[Uuid],
) -> ApiResult<Vec<report::Model>> {
    Ok(report::Entity::find()
        .filter(report::Column::Id.is_in(ids.iter().copied()))
        .filter(scope::reports(actor.policy, actor.principal))
        .all(db)
        .await?)
}

/// Moves a report on, for those the policy lets move it (`may_move_report`).
pub async fn transition(
    store: Store<'_>,
    actor: &Actor<'_>,
    id: Uuid,
    step: Move,
    note: Option<String>,
) -> ApiResult<report::Model> {
    let work = store.begin().await?;
    let db = work.db();
    let before = get(db, actor, id).await?;
    if !actor.policy.may_move_report(actor.principal, &before) {
        return Err(ApiError::Forbidden);
    }
    let allowed_now = allowed(before.state);
    if !allowed_now.contains(&step.name()) {
        return Err(ApiError::InvalidTransition {
            message: format!(
                "a report in state {:?} cannot take {}",
                before.state,
                step.name()
            ),
            allowed: allowed_now.iter().map(|s| (*s).to_owned()).collect(),
        });
    }
    let now = actor.now;
    let mut active = before.clone().into_active_model();
    let mut holder = None;
    let to = match &step {
        Move::Accept => {
            active.accepted_at = Set(Some(now));
            ReportState::Accepted
        }
        Move::Dispatch => {
            active.dispatched_at = Set(Some(now));
            ReportState::Dispatched
        }
        Move::Respond => {
            active.responded_at = Set(Some(now));
            ReportState::Responded
        }
        Move::NotifyTownship => {
            active.notified_at = Set(Some(now));
            let township = township_government_for(db, &before.region_path).await?;
            crate::domain::assignment::ensure_by(
                db,
                actor,
                crate::domain::assignment::Duty {
                    subject_type: SubjectType::Assessment,
                    key: before.id.to_string(),
                    responsibility: Responsibility::Lead,
                    organization: township.id,
                    title: "评估帮扶：公安机关通报的强制报告".to_owned(),
                    due_on: Some(actor.today() + TimeDelta::days(7)),
                },
            )
            .await?;
            ReportState::TownshipNotified
        }
        Move::Close { outcome } => {
            if outcome.trim().is_empty() {
                return Err(ApiError::bad_input(
                    "input.outcomeNotice",
                    "closing needs the outcome notice for the reporter",
                ));
            }
            active.outcome_notice = Set(Some(outcome.trim().to_owned()));
            active.closed_at = Set(Some(now));
            ReportState::Closed
        }
        Move::Transfer { to } => {
            let unit = organization::Entity::find_by_id(*to)
                .one(db)
                .await?
                .filter(|o| {
                    o.kind == OrganizationKind::PublicSecurity
                        && o.id != before.holder_organization_id
                })
                .ok_or_else(|| {
                    ApiError::bad_input("input.toOrganizationId", "must be another police unit")
                })?;
            active.holder_organization_id = Set(unit.id);
            holder = Some(unit.id);
            assign_lead(db, actor, before.id, unit.id, "强制报告：转办").await?;
            before.state
        }
        Move::Merge { into } => {
            let target = get(db, actor, *into)
                .await
                .map_err(|e| e.not_found_as("input.mergeIntoId", "no such report"))?;
            if target.id == before.id || target.state == ReportState::Merged {
                return Err(ApiError::bad_input(
                    "input.mergeIntoId",
                    "merge into another open report",
                ));
            }
            active.merged_into = Set(Some(target.id));
            active.closed_at = Set(Some(now));
            ReportState::Merged
        }
    };
    active.state = Set(to);
    active.version = Set(before.version + 1);
    active.updated_at = Set(now);
    let after = active.update(db).await?;
    let action = step.name().to_lowercase();
    transition_row(
        db,
        Some(actor),
        actor.now,
        Recorded {
            report: after.id,
            from: Some(before.state),
            to,
            action: &action,
            organization: holder,
            note: note.clone(),
        },
    )
    .await?;
    audit::record(
        db,
        actor
            .event("report.transition")
            .on(Kind::Report, after.id)
            .with(json!({ "move": action, "from": before.state, "to": to, "note": note })),
    )
    .await?;
    work.announce(event(&after, &action, actor.now)).await?;
    work.commit().await?;
    Ok(after)
}

/// The township government serving a place (the third level of its region path).
pub(crate) async fn township_government_for(
    db: &impl ConnectionTrait,
    path: &str,
) -> ApiResult<organization::Model> {
    let township = path.split('/').nth(2).ok_or_else(|| {
        ApiError::internal(anyhow::anyhow!("report place {path} has no township"))
    })?;
    let regions = region::Entity::find()
        .select_only()
        .column(region::Column::Id)
        .filter(region::Column::Code.eq(township))
        .into_query();
    organization::Entity::find()
        .filter(organization::Column::Kind.eq(OrganizationKind::TownshipGovernment))
        .filter(organization::Column::RegionId.in_subquery(regions))
        .one(db)
        .await?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("no township government for {path}")))
}

/// An emergency action as entered.
#[derive(Debug, Clone)]
pub struct ActionDraft {
    /// What was done.
    pub kind: EmergencyActionKind,
    /// Details.
    pub detail: String,
    /// Where or with whom the child was placed.
    pub placed_with: Option<String>,
    /// From when.
    pub from_date: Option<NaiveDate>,
    /// Until when.
    pub until_date: Option<NaiveDate>,
    /// Whether the parents were notified.
    pub parents_notified: bool,
    /// For a designated guardian: who (an existing guardian record).
    pub guardian_id: Option<Uuid>,
    /// When it was taken.
    pub taken_at: DateTime<Utc>,
}

/// Records what the holding unit did, and answers it with the report as it now stands;
/// designating an entrusted guardian writes the guardian link on the child.
pub async fn record_action(
    store: Store<'_>,
    actor: &Actor<'_>,
    report_id: Uuid,
    draft: ActionDraft,
) -> ApiResult<(emergency_action::Model, report::Model)> {
    let work = store.begin().await?;
    let db = work.db();
    let report = get(db, actor, report_id).await?;
    if !actor.policy.may_move_report(actor.principal, &report) {
        return Err(ApiError::Forbidden);
    }
    if matches!(
        report.state,
        ReportState::Submitted | ReportState::Closed | ReportState::Merged
    ) {
        return Err(ApiError::InvalidTransition {
            message: "record actions on an accepted report that is not closed".into(),
            allowed: allowed(report.state)
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
        });
    }
    if draft.detail.trim().is_empty() {
        return Err(ApiError::bad_input("input.detail", "say what was done"));
    }
    if draft.taken_at > actor.now + TimeDelta::minutes(5) {
        return Err(ApiError::bad_input(
            "input.takenAt",
            "must not be in the future",
        ));
    }
    if let (Some(from), Some(until)) = (draft.from_date, draft.until_date)
        && until < from
    {
        return Err(ApiError::bad_input(
            "input.untilDate",
            "must not be before `fromDate`",
        ));
    }
    if draft.kind == EmergencyActionKind::EntrustedGuardianDesignated {
        let (Some(child), Some(guardian)) = (report.child_id, draft.guardian_id) else {
            return Err(ApiError::bad_input(
                "input.guardianId",
                "designating a guardian needs the report's child and the guardian",
            ));
        };
        entity::guardian::Entity::find_by_id(guardian)
            .one(db)
            .await?
            .ok_or_else(|| ApiError::bad_input("input.guardianId", "no such guardian"))?;
        let existing = child_guardian::Entity::find()
            .filter(child_guardian::Column::ChildId.eq(child))
            .filter(child_guardian::Column::GuardianId.eq(guardian))
            .one(db)
            .await?;
        child_guardian::Entity::update_many()
            .col_expr(child_guardian::Column::IsPrimary, Expr::value(false))
            .filter(child_guardian::Column::ChildId.eq(child))
            .exec(db)
            .await?;
        match existing {
            Some(link) => {
                let mut active = link.into_active_model();
                active.is_entrusted = Set(true);
                active.is_primary = Set(true);
                active.ended_at = Set(None);
                active.update(db).await?;
            }
            None => {
                child_guardian::Entity::insert(child_guardian::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    child_id: Set(child),
                    guardian_id: Set(guardian),
                    relation: Set(GuardianRelation::EntrustedOther),
                    is_entrusted: Set(true),
                    is_primary: Set(true),
                    since: Set(Some(actor.today())),
                    ended_at: Set(None),
                    created_at: Set(actor.now),
                })
                .exec_without_returning(db)
                .await?;
            }
        }
        super::guardian::guardians_changed(db, child::Column::Id.eq(child)).await?;
    }
    let action = emergency_action::Entity::insert(emergency_action::ActiveModel {
        id: Set(Uuid::now_v7()),
        report_id: Set(report.id),
        kind: Set(draft.kind),
        detail: Set(draft.detail.trim().to_owned()),
        placed_with: Set(draft.placed_with),
        from_date: Set(draft.from_date),
        until_date: Set(draft.until_date),
        parents_notified: Set(draft.parents_notified),
        guardian_id: Set(draft.guardian_id),
        account_id: Set(actor.principal.account_id),
        taken_at: Set(draft.taken_at),
        created_at: Set(actor.now),
    })
    .exec_with_returning(db)
    .await?;
    audit::record(
        db,
        actor
            .event("report.action")
            .on(Kind::Report, report.id)
            .with(json!({ "after": action })),
    )
    .await?;
    let report = get(db, actor, report_id).await?;
    work.announce(event(&report, "action", actor.now)).await?;
    work.commit().await?;
    Ok((action, report))
}

/// Which reports to list.
#[derive(Debug, Clone, Default)]
pub struct ReportFilter {
    /// In these states.
    pub states: Option<Vec<ReportState>>,
    /// Only the caller's own.
    pub mine: bool,
}

/// A page of the reports the caller may see, newest first.
pub async fn list(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    filter: ReportFilter,
    page: Page<Uuid>,
) -> ApiResult<Slice<report::Model>> {
    let mut query = report::Entity::find().filter(scope::reports(actor.policy, actor.principal));
    if let Some(states) = filter.states {
        query = query.filter(report::Column::State.is_in(states));
    }
    if filter.mine {
        query = query.filter(report::Column::ReporterAccountId.eq(actor.principal.account_id));
    }
    Ok(page::read(
        db,
        query,
        |query| {
            let mut cursor = query.cursor_by(report::Column::Id);
            cursor.desc();
            cursor
        },
        page,
    )
    .await?)
}

/// Reports a sweep reads at a time.
const SWEEP_PAGE: u64 = 500;

/// What one sweep did.
#[derive(Debug)]
pub struct Swept {
    /// The alerts it raised.
    pub raised: Vec<deadline_alert::Model>,
    /// Whether it went through every overdue report: false when a page failed after earlier
    /// pages had committed their alerts (the page is tried again next sweep).
    pub complete: bool,
}

/// Raises an alert for every report that has newly missed a deadline. Each (report, stage)
/// is claimed by a unique row, so however many sweepers run, and across restarts, an alert is
/// raised exactly once; the alerts this sweep raised are returned. Only reports without an
/// alert for their current stage are candidates, read in pages, so however many alerts were
/// raised and never acted on, a report that newly misses its deadline is alerted. Each page is
/// one unit of work: its alerts are announced to subscribers when, and only when, they commit.
pub async fn sweep(
    store: Store<'_>,
    limits: &ReportDeadlines,
    now: DateTime<Utc>,
) -> ApiResult<Swept> {
    let earliest = |minutes: i64| now - TimeDelta::minutes(minutes);
    // A report in `state` past `since`, with no alert yet for the stage it waits for.
    let overdue = |state: ReportState, since: Expr| {
        // Scoped here: its `min` and `max` would shadow the integers' below.
        use sea_orm::sea_query::ExprTrait;
        let alerted = Query::select()
            .expr(Expr::val(1))
            .from(deadline_alert::Entity)
            .and_where(
                Expr::col((deadline_alert::Entity, deadline_alert::Column::ReportId))
                    .equals((report::Entity, report::Column::Id)),
            )
            .and_where(deadline_alert::Column::Stage.eq(stage(state)))
            .to_owned();
        Condition::all()
            .add(report::Column::State.eq(state))
            .add(since)
            .add(Expr::exists(alerted).not())
    };
    let candidates = Condition::any()
        .add(overdue(
            ReportState::Submitted,
            report::Column::SubmittedAt.lt(earliest(limits.accept_minutes)),
        ))
        .add(overdue(
            ReportState::Accepted,
            report::Column::AcceptedAt.lt(earliest(
                limits.dispatch_urgent_minutes.min(limits.dispatch_minutes),
            )),
        ))
        .add(overdue(
            ReportState::Responded,
            report::Column::RespondedAt.lt(earliest(limits.notify_township_minutes)),
        ));
    let mut raised = Vec::new();
    let mut after: Option<Uuid> = None;
    loop {
        match sweep_page(store, limits, now, &candidates, after).await {
            Ok((page_raised, next)) => {
                raised.extend(page_raised);
                match next {
                    Some(last) => after = Some(last),
                    None => break,
                }
            }
            // The alerts of earlier pages are committed and announced: they are returned, and
            // this page is tried again next sweep.
            Err(err) if !raised.is_empty() => {
                tracing::warn!(error = %err.chain(), "sweeping report deadlines; stopped after a page");
                return Ok(Swept {
                    raised,
                    complete: false,
                });
            }
            Err(err) => return Err(err),
        }
    }
    Ok(Swept {
        raised,
        complete: true,
    })
}

/// One page of the sweep: the candidates after `after`, and, in one unit of work, the alerts
/// claimed for them, announced; with the last id when the page was full (there may be more).
async fn sweep_page(
    store: Store<'_>,
    limits: &ReportDeadlines,
    now: DateTime<Utc>,
    candidates: &Condition,
    after: Option<Uuid>,
) -> ApiResult<(Vec<deadline_alert::Model>, Option<Uuid>)> {
    // Read outside the unit of work: a sweep that finds nothing takes no write lock, and a
    // candidate claimed meanwhile by another sweeper is skipped by the claim's unique key.
    let mut page = report::Entity::find().filter(candidates.clone());
    if let Some(last) = after {
        page = page.filter(report::Column::Id.gt(last));
    }
    let page = page
        .order_by_asc(report::Column::Id)
        .limit(SWEEP_PAGE)
        .all(store.db)
        .await?;
    let next = page
        .last()
        .map(|r| r.id)
        .filter(|_| page.len() as u64 == SWEEP_PAGE);
    let alerts: Vec<deadline_alert::ActiveModel> = page
        .iter()
        .filter_map(|report| {
            let (stage, due) = deadline(report, limits).filter(|(_, due)| *due < now)?;
            Some(
                deadline_alert::Model {
                    id: Uuid::now_v7(),
                    report_id: report.id,
                    stage: stage.to_owned(),
                    deadline: due,
                    raised_at: now,
                    holder_organization_id: report.holder_organization_id,
                }
                .into_active_model()
                .reset_all(),
            )
        })
        .collect();
    if alerts.is_empty() {
        return Ok((Vec::new(), next));
    }
    let work = store.begin().await?;
    let db = work.db();
    // Another sweeper may have claimed some first: only the rows inserted come back.
    let inserted = match deadline_alert::Entity::insert_many(alerts)
        .on_conflict_do_nothing_on([
            deadline_alert::Column::ReportId,
            deadline_alert::Column::Stage,
        ])
        .exec_with_returning_many(db)
        .await?
    {
        sea_orm::TryInsertResult::Inserted(rows) => rows,
        sea_orm::TryInsertResult::Empty | sea_orm::TryInsertResult::Conflicted => Vec::new(),
    };
    let places: HashMap<Uuid, &str> = page
        .iter()
        .map(|r| (r.id, r.region_path.as_str()))
        .collect();
    for alert in &inserted {
        tracing::warn!(report = %alert.report_id, stage = alert.stage, "report deadline missed");
        let region_path = places
            .get(&alert.report_id)
            .map_or_else(String::new, |p| (*p).to_owned());
        work.announce(BusEvent::Alert {
            report_id: alert.report_id,
            stage: alert.stage.clone(),
            deadline: alert.deadline,
            region_path,
            raised_at: alert.raised_at,
        })
        .await?;
    }
    work.commit().await?;
    Ok((inserted, next))
}

/// The deadline alerts about reports the caller may see, newest first.
pub async fn alerts(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    page: Page<Uuid>,
) -> ApiResult<Slice<deadline_alert::Model>> {
    let visible = report::Entity::find()
        .select_only()
        .column(report::Column::Id)
        .filter(scope::reports(actor.policy, actor.principal))
        .into_query();
    let query = deadline_alert::Entity::find()
        .filter(deadline_alert::Column::ReportId.in_subquery(visible));
    let newest_first = |query: sea_orm::Select<deadline_alert::Entity>| {
        let mut cursor = query.cursor_by(deadline_alert::Column::Id);
        cursor.desc();
        cursor
    };
    Ok(page::read(db, query, newest_first, page).await?)
}

/// Runs the overdue sweep every `interval` until `stop` fires.
pub async fn run_sweeper(
    db: DatabaseConnection,
    clock: std::sync::Arc<dyn crate::clock::Clock>,
    limits: ReportDeadlines,
    events: EventBus,
    metrics: std::sync::Arc<crate::metrics::Metrics>,
    stop: tokio::sync::watch::Receiver<bool>,
) {
    let store = Store {
        db: &db,
        events: &events,
    };
    let mut stop = stop;
    let mut ticker = tokio::time::interval(std::time::Duration::from_secs(
        limits.sweep_interval_secs.max(1),
    ));
    loop {
        tokio::select! {
            _ = ticker.tick() => {
                match sweep(store, &limits, clock.now()).await {
                    Ok(swept) => metrics.swept(swept.raised.len(), swept.complete),
                    Err(err) => {
                        metrics.swept(0, false);
                        tracing::warn!(error = %err.chain(), "sweeping report deadlines");
                    }
                }
            }
            _ = stop.changed() => break,
        }
    }
}

/// The event a committed change of a report makes.
pub fn event(report: &report::Model, action: &str, at: DateTime<Utc>) -> BusEvent {
    use sea_orm::ActiveEnum;
    BusEvent::Report {
        report_id: report.id,
        action: action.to_owned(),
        state: report.state.to_value(),
        region_path: report.region_path.clone(),
        at,
    }
}
