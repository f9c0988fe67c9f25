//! Assessment and assistance (评估帮扶): the township assesses a child's safety, guardianship,
//! physical and mental health and sets a risk level; targeted services follow, each assigned to a
//! unit with a due date. Assigning a service to a social work agency or the justice bureau lends
//! them the child's record for the service's period, when the guardian consented to it.

use chrono::{NaiveDate, TimeDelta, Utc};
use entity::{
    assessment, assignment, child,
    enums::{
        AssessmentState, AssignmentStatus, Responsibility, RiskLevel, ServiceItemState,
        ServiceKind, SubjectType,
    },
    organization, report, service_item,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder, QuerySelect, sea_query::Expr,
};
use serde_json::json;
use uuid::Uuid;

use crate::{
    audit,
    domain::{
        Actor, access,
        assignment::{self as duties, Duty},
        child as ledger, idempotency,
        kind::Kind,
        optional_text,
        page::{self, Page, Slice},
        report as reports, required_text,
        values::RegionPath,
        work::{Once, Store},
    },
    error::{ApiError, ApiResult},
    policy::scope,
};

/// The operation idempotency keys of `addServiceItem` are stored under.
pub const ADD_SERVICE_ITEM: idempotency::Operation = idempotency::Operation {
    name: "addServiceItem",
    kind: Kind::ServiceItem,
};

/// Longest finding, in characters.
const MAX_TEXT: usize = 5000;

/// An assessment to start.
#[derive(Debug, Clone)]
pub struct AssessmentStart {
    /// The child.
    pub child: Uuid,
    /// The notified report it follows.
    pub report: Option<Uuid>,
    /// The participating units (civil affairs, police, education, health, schools, agencies…).
    pub participants: Vec<Uuid>,
}

/// Starts an assessment of a child the caller may see. The township government leads it (the
/// assignment a notified report created, or a new one) and each participating unit assists.
pub async fn start(
    store: Store<'_>,
    actor: &Actor<'_>,
    draft: AssessmentStart,
) -> ApiResult<assessment::Model> {
    let work = store.begin().await?;
    let db = work.db();
    let child = ledger::get(db, actor, draft.child).await?;
    if let Some(conflict) = already_open(db, child.id).await? {
        return Err(conflict);
    }
    if let Some(report_id) = draft.report {
        let found = reports::get(db, actor, report_id).await.map_err(|e| {
            e.not_found_as("input.reportId", "no such report among those you may see")
        })?;
        if found.child_id.is_some_and(|c| c != child.id) {
            return Err(ApiError::bad_input(
                "input.reportId",
                "the report is about another child",
            ));
        }
        if let Some(earlier) = assessment::Entity::find()
            .filter(assessment::Column::ReportId.eq(found.id))
            .one(db)
            .await?
        {
            return Err(ApiError::Conflict {
                message: "this report has been assessed".into(),
                existing: Some((Kind::Assessment, earlier.id)),
            });
        }
        link_report(db, &found, child.id).await?;
    }
    let mut participants = draft.participants;
    participants.sort();
    participants.dedup();
    let units = organization::Entity::find()
        .filter(organization::Column::Id.is_in(participants.clone()))
        .all(db)
        .await?;
    if units.len() != participants.len() {
        return Err(ApiError::bad_input("input.participantIds", "no such unit"));
    }
    let township = reports::township_government_for(db, &child.region_path).await?;
    let created = assessment::Entity::insert(assessment::ActiveModel {
        id: Set(Uuid::now_v7()),
        child_id: Set(child.id),
        report_id: Set(draft.report),
        region_path: Set(child.region_path.clone()),
        participants: Set(serde_json::to_string(&participants).unwrap_or_else(|_| "[]".into())),
        state: Set(AssessmentState::Open),
        safety: Set(None),
        guardianship: Set(None),
        physical_health: Set(None),
        mental_health: Set(None),
        risk_level: Set(None),
        summary: Set(None),
        started_by: Set(actor.principal.account_id),
        started_at: Set(actor.now),
        completed_by: Set(None),
        completed_at: Set(None),
    })
    .exec_with_returning(db)
    .await?;
    let due = Some(actor.today() + TimeDelta::days(7));
    let parts = std::iter::once((township.id, Responsibility::Lead)).chain(
        participants
            .iter()
            .filter(|p| **p != township.id)
            .map(|p| (*p, Responsibility::Assisting)),
    );
    for (organization, responsibility) in parts {
        duties::ensure_by(
            db,
            actor,
            Duty {
                subject_type: SubjectType::Assessment,
                key: assignment_key(&created),
                organization,
                responsibility,
                title: "评估帮扶：安全、监护、身体和心理状况评估".to_owned(),
                due_on: due,
            },
        )
        .await?;
    }
    work.finish(
        actor
            .event("assessment.start")
            .on(Kind::Child, child.id)
            .with(json!({ "assessment": created.id, "report": draft.report, "participants": participants })),
        created,
    )
    .await
}

/// The conflict of starting a second assessment of a child, naming the open one, if there is
/// one (the mutation asks again after losing a race to the unique index).
pub async fn already_open(db: &impl ConnectionTrait, child: Uuid) -> ApiResult<Option<ApiError>> {
    Ok(assessment::Entity::find()
        .filter(assessment::Column::ChildId.eq(child))
        .filter(assessment::Column::State.eq(AssessmentState::Open))
        .one(db)
        .await?
        .map(|open| ApiError::Conflict {
            message: "this child's assessment is already under way".into(),
            existing: Some((Kind::Assessment, open.id)),
        }))
}

/// A report about a child described in words gets the child once the assessment names them.
async fn link_report(
    db: &impl ConnectionTrait,
    found: &report::Model,
    child: Uuid,
) -> ApiResult<()> {
    if found.child_id.is_none() {
        report::Entity::update_many()
            .col_expr(report::Column::ChildId, Expr::value(child))
            .filter(report::Column::Id.eq(found.id))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// What an assessment found.
#[derive(Debug, Clone)]
pub struct Findings {
    /// On the child's safety.
    pub safety: String,
    /// On guardianship.
    pub guardianship: String,
    /// On physical health.
    pub physical_health: String,
    /// On mental health.
    pub mental_health: String,
    /// The risk level.
    pub risk_level: RiskLevel,
    /// The overall conclusion.
    pub summary: Option<String>,
}

/// One assessment the caller may see.
pub async fn get(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    id: Uuid,
) -> ApiResult<assessment::Model> {
    super::get_scoped::<assessment::Entity>(
        db,
        id,
        scope::assessments(actor.policy, actor.principal),
    )
    .await
}

/// Completes an assessment: records the findings, sets the child's risk level and closes the
/// assessment's assignments.
pub async fn complete(
    store: Store<'_>,
    actor: &Actor<'_>,
    id: Uuid,
    findings: Findings,
) -> ApiResult<(assessment::Model, child::Model)> {
    let work = store.begin().await?;
    let db = work.db();
    let found = get(db, actor, id).await?;
    if found.state != AssessmentState::Open {
        return Err(ApiError::InvalidTransition {
            message: "the assessment is completed".into(),
            allowed: Vec::new(),
        });
    }
    let safety = required_text("input.safety", &findings.safety, MAX_TEXT)?;
    let guardianship = required_text("input.guardianship", &findings.guardianship, MAX_TEXT)?;
    let physical = required_text("input.physicalHealth", &findings.physical_health, MAX_TEXT)?;
    let mental = required_text("input.mentalHealth", &findings.mental_health, MAX_TEXT)?;
    let child = ledger::get(db, actor, found.child_id).await?;
    let mut active = found.into_active_model();
    active.safety = Set(Some(safety));
    active.guardianship = Set(Some(guardianship));
    active.physical_health = Set(Some(physical));
    active.mental_health = Set(Some(mental));
    active.risk_level = Set(Some(findings.risk_level));
    active.summary = Set(optional_text(findings.summary));
    active.state = Set(AssessmentState::Completed);
    active.completed_by = Set(Some(actor.principal.account_id));
    active.completed_at = Set(Some(actor.now));
    let after = active.update(db).await?;
    ledger::set_field(
        db,
        actor,
        child.id,
        child::Column::RiskLevel,
        findings.risk_level,
    )
    .await?;
    duties::settle(
        db,
        SubjectType::Assessment,
        &assignment_key(&after),
        AssignmentStatus::Done,
        None,
        actor.now,
    )
    .await?;
    audit::record(
        db,
        actor
            .event("assessment.complete")
            .on(Kind::Child, child.id)
            .with(json!({
                "assessment": after.id,
                "riskLevel": findings.risk_level,
                "riskLevelBefore": child.risk_level,
            })),
    )
    .await?;
    let child = ledger::get(db, actor, child.id).await?;
    work.commit().await?;
    Ok((after, child))
}

/// The participating units of an assessment.
pub fn participants(assessment: &assessment::Model) -> Vec<Uuid> {
    serde_json::from_str(&assessment.participants).unwrap_or_default()
}

/// The subject key of an assessment's assignments: the report it follows (whose notification
/// created the township's assignment), or the assessment itself.
fn assignment_key(assessment: &assessment::Model) -> String {
    assessment.report_id.unwrap_or(assessment.id).to_string()
}

/// Which assessments to list.
#[derive(Debug, Clone, Default)]
pub struct AssessmentFilter {
    /// Only in this state.
    pub state: Option<AssessmentState>,
    /// Only under this region path.
    pub region_path: Option<RegionPath>,
}

/// The assessments the caller may see, newest first.
pub async fn list(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    filter: AssessmentFilter,
    page: Page<Uuid>,
) -> ApiResult<Slice<assessment::Model>> {
    let mut query =
        assessment::Entity::find().filter(scope::assessments(actor.policy, actor.principal));
    if let Some(state) = filter.state {
        query = query.filter(assessment::Column::State.eq(state));
    }
    if let Some(path) = filter.region_path {
        query = query.filter(scope::within(assessment::Column::RegionPath, &path));
    }
    Ok(page::read(
        db,
        query,
        |query| {
            let mut cursor = query.cursor_by(assessment::Column::Id);
            cursor.desc();
            cursor
        },
        page,
    )
    .await?)
}

/// The assessments of many children the caller may see, newest first.
pub async fn for_children(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    child_ids: &[Uuid],
) -> ApiResult<Vec<assessment::Model>> {
    Ok(assessment::Entity::find()
        .filter(assessment::Column::ChildId.is_in(child_ids.iter().copied()))
        .filter(scope::assessments(actor.policy, actor.principal))
        .order_by_desc(assessment::Column::StartedAt)
        .all(db)
        .await?)
}

/// Which of `ids` are assessments' ids.
pub async fn existing(db: &impl ConnectionTrait, ids: &[Uuid]) -> ApiResult<Vec<Uuid>> {
    Ok(assessment::Entity::find()
        .select_only()
        .column(assessment::Column::Id)
        .filter(assessment::Column::Id.is_in(ids.iter().copied()))
        .into_tuple()
        .all(db)
        .await?)
}

/// The end of a due date: midnight after it, China time.
pub fn end_of(day: NaiveDate) -> chrono::DateTime<Utc> {
    crate::clock::china_midnight(day + TimeDelta::days(1))
}

/// The furthest ahead a service item may be due, in days (it bounds a unit's access).
const LATEST_DUE_DAYS: i64 = 366;

fn check_due(due_on: NaiveDate, actor: &Actor<'_>) -> ApiResult<()> {
    let today = actor.today();
    if due_on < today || due_on > today + TimeDelta::days(LATEST_DUE_DAYS) {
        return Err(ApiError::bad_input(
            "input.dueOn",
            format!("must be from today to {LATEST_DUE_DAYS} days ahead"),
        ));
    }
    Ok(())
}

/// A service item as entered.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ItemDraft {
    /// The child.
    pub child: Uuid,
    /// The assessment it follows.
    pub assessment: Option<Uuid>,
    /// What service.
    pub kind: ServiceKind,
    /// The unit that delivers it.
    pub organization: Uuid,
    /// When it is due.
    pub due_on: NaiveDate,
    /// What is to be done.
    pub note: Option<String>,
}

/// Adds a service item to a child's assistance, once per idempotency key: a retry with the
/// same key gets the first item back.
pub async fn add_item(
    store: Store<'_>,
    actor: &Actor<'_>,
    key: &str,
    draft: ItemDraft,
) -> ApiResult<Once<service_item::Model, service_item::Model>> {
    let fingerprint = idempotency::fingerprint(&draft);
    let attempt = ADD_SERVICE_ITEM.attempt(actor, key, &fingerprint);
    store
        .create_once::<service_item::Entity, _, _>(attempt, |work| async move {
            let created = insert_item(work.db(), actor, key, draft).await;
            (work, created)
        })
        .await
}

/// Inserts a service item, remembering the idempotency key.
async fn insert_item(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    key: &str,
    draft: ItemDraft,
) -> ApiResult<service_item::Model> {
    idempotency::check(key)?;
    let fingerprint = idempotency::fingerprint(&draft);
    let child = ledger::get(db, actor, draft.child).await?;
    if let Some(id) = draft.assessment {
        let found = get(db, actor, id)
            .await
            .map_err(|e| e.not_found_as("input.assessmentId", "no such assessment"))?;
        if found.child_id != child.id {
            return Err(ApiError::bad_input(
                "input.assessmentId",
                "the assessment is of another child",
            ));
        }
    }
    check_due(draft.due_on, actor)?;
    let note = optional_text(draft.note);
    if note.as_ref().is_some_and(|n| n.chars().count() > MAX_TEXT) {
        return Err(ApiError::bad_input("input.note", "at most 5000 characters"));
    }
    let unit = organization::Entity::find_by_id(draft.organization)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::bad_input("input.organizationId", "no such unit"))?;
    let id = Uuid::now_v7();
    let grant = match actor.policy.consent_needed(draft.kind, unit.kind) {
        Some(purpose) => {
            if !access::consented(db, child.id, purpose).await? {
                return Err(access::missing_consent(
                    "input.organizationId",
                    purpose,
                    &unit.name,
                ));
            }
            let grant = access::lend(
                db,
                actor,
                access::Loan {
                    child: child.id,
                    organization: unit.id,
                    purpose: purpose.into(),
                    expires_at: end_of(draft.due_on),
                    reason: format!("service item {id}"),
                },
            )
            .await?;
            Some(grant.id)
        }
        None => None,
    };
    let item = service_item::Entity::insert(service_item::ActiveModel {
        id: Set(id),
        child_id: Set(child.id),
        assessment_id: Set(draft.assessment),
        kind: Set(draft.kind),
        organization_id: Set(unit.id),
        due_on: Set(draft.due_on),
        state: Set(ServiceItemState::Open),
        note: Set(note),
        outcome: Set(None),
        decline_reason: Set(None),
        grant_id: Set(grant),
        created_by: Set(actor.principal.account_id),
        created_at: Set(actor.now),
        updated_at: Set(actor.now),
    })
    .exec_with_returning(db)
    .await?;
    ADD_SERVICE_ITEM
        .attempt(actor, key, &fingerprint)
        .remember(db, item.id, actor.now)
        .await?;
    duties::ensure_by(
        db,
        actor,
        Duty {
            subject_type: SubjectType::ServiceItem,
            key: item.id.to_string(),
            organization: unit.id,
            responsibility: Responsibility::Lead,
            title: format!("精准帮扶：{}", kind_title(item.kind)),
            due_on: Some(item.due_on),
        },
    )
    .await?;
    audit::record(
        db,
        actor
            .event("service_item.add")
            .on(Kind::Child, child.id)
            .with(json!({ "after": item })),
    )
    .await?;
    Ok(item)
}

fn kind_title(kind: ServiceKind) -> &'static str {
    match kind {
        ServiceKind::GuardianshipGuidance => "监护指导",
        ServiceKind::MedicalTreatment => "医疗救治",
        ServiceKind::Counselling => "心理疏导",
        ServiceKind::BehaviourCorrection => "行为矫治",
        ServiceKind::LegalService => "法律服务",
        ServiceKind::LegalAid => "法律援助",
        ServiceKind::SubsistenceAllowance => "纳入低保",
        ServiceKind::TemporaryAssistance => "临时救助",
        ServiceKind::EducationSupport => "教育帮扶",
    }
}

/// A move of a service item.
#[derive(Debug, Clone)]
pub enum ItemMove {
    /// Open → in progress.
    Start,
    /// Open or in progress → done, with what was delivered.
    Complete {
        /// What was delivered.
        outcome: String,
    },
    /// Open or in progress → declined, with the reason.
    Decline {
        /// Why.
        reason: String,
    },
    /// A new due date, while not finished; the unit's access follows it.
    Reschedule {
        /// The new due date.
        due_on: NaiveDate,
    },
}

/// The moves allowed from a state.
pub fn allowed(state: ServiceItemState) -> &'static [&'static str] {
    match state {
        ServiceItemState::Open => &["START", "COMPLETE", "DECLINE", "RESCHEDULE"],
        ServiceItemState::InProgress => &["COMPLETE", "DECLINE", "RESCHEDULE"],
        ServiceItemState::Done | ServiceItemState::Declined => &[],
    }
}

/// One service item the caller may see.
pub async fn get_item(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    id: Uuid,
) -> ApiResult<service_item::Model> {
    super::get_scoped::<service_item::Entity>(
        db,
        id,
        scope::service_items(actor.policy, actor.principal),
    )
    .await
}

/// Moves a service item (its unit, or the township and civil affairs over it; only the latter
/// reschedule). Finishing it ends the unit's access to the child and closes its assignment.
pub async fn update_item(
    store: Store<'_>,
    actor: &Actor<'_>,
    id: Uuid,
    change: ItemMove,
) -> ApiResult<service_item::Model> {
    let work = store.begin().await?;
    let db = work.db();
    let found = get_item(db, actor, id).await?;
    let name = match change {
        ItemMove::Start => "START",
        ItemMove::Complete { .. } => "COMPLETE",
        ItemMove::Decline { .. } => "DECLINE",
        ItemMove::Reschedule { .. } => "RESCHEDULE",
    };
    let allowed_here = allowed(found.state);
    if !allowed_here.contains(&name) {
        return Err(ApiError::InvalidTransition {
            message: format!("{name} is not allowed from {:?}", found.state),
            allowed: allowed_here.iter().map(|m| (*m).to_owned()).collect(),
        });
    }
    let mut active = found.clone().into_active_model();
    let mut finished = false;
    match &change {
        ItemMove::Start => active.state = Set(ServiceItemState::InProgress),
        ItemMove::Complete { outcome } => {
            let outcome = required_text("input.outcome", outcome, MAX_TEXT)?;
            active.state = Set(ServiceItemState::Done);
            active.outcome = Set(Some(outcome));
            finished = true;
        }
        ItemMove::Decline { reason } => {
            let reason = required_text("input.reason", reason, MAX_TEXT)?;
            active.state = Set(ServiceItemState::Declined);
            active.decline_reason = Set(Some(reason));
            finished = true;
        }
        ItemMove::Reschedule { due_on } => {
            if !actor.policy.may_reschedule_item(actor.principal, &found) {
                return Err(ApiError::Forbidden);
            }
            check_due(*due_on, actor)?;
            active.due_on = Set(*due_on);
            if let Some(grant) = found.grant_id {
                access::extend(db, grant, end_of(*due_on)).await?;
            }
            assignment::Entity::update_many()
                .col_expr(assignment::Column::DueOn, Expr::value(*due_on))
                .filter(assignment::Column::SubjectType.eq(SubjectType::ServiceItem))
                .filter(assignment::Column::SubjectKey.eq(found.id.to_string()))
                .exec(db)
                .await?;
        }
    }
    active.updated_at = Set(actor.now);
    let after = active.update(db).await?;
    if finished {
        if let Some(grant) = found.grant_id {
            access::end(db, grant, actor.now).await?;
        }
        duties::settle(
            db,
            SubjectType::ServiceItem,
            &found.id.to_string(),
            AssignmentStatus::Done,
            None,
            actor.now,
        )
        .await?;
    } else if matches!(change, ItemMove::Start) {
        duties::settle(
            db,
            SubjectType::ServiceItem,
            &found.id.to_string(),
            AssignmentStatus::InProgress,
            Some(AssignmentStatus::Open),
            actor.now,
        )
        .await?;
    }
    work.finish(
        actor
            .event("service_item.update")
            .on(Kind::Child, found.child_id)
            .with(json!({ "item": found.id, "move": name, "changes": audit::changes(&found, &after) })),
        after,
    )
    .await
}

/// Which service items to list.
#[derive(Debug, Clone, Default)]
pub struct ItemFilter {
    /// Only in these states.
    pub states: Option<Vec<ServiceItemState>>,
    /// Only those assigned to the caller's unit.
    pub mine: bool,
    /// Only overdue (true) or only not overdue (false).
    pub overdue: Option<bool>,
}

/// The service items the caller may see, newest first.
pub async fn list_items(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    filter: ItemFilter,
    page: Page<Uuid>,
) -> ApiResult<Slice<service_item::Model>> {
    let mut query =
        service_item::Entity::find().filter(scope::service_items(actor.policy, actor.principal));
    if let Some(states) = filter.states {
        query = query.filter(service_item::Column::State.is_in(states));
    }
    if filter.mine {
        query =
            query.filter(service_item::Column::OrganizationId.eq(actor.principal.organization_id));
    }
    let unfinished = [ServiceItemState::Open, ServiceItemState::InProgress];
    match filter.overdue {
        Some(true) => {
            query = query
                .filter(service_item::Column::State.is_in(unfinished))
                .filter(service_item::Column::DueOn.lt(actor.today()));
        }
        Some(false) => {
            query = query.filter(
                sea_orm::Condition::any()
                    .add(service_item::Column::State.is_not_in(unfinished))
                    .add(service_item::Column::DueOn.gte(actor.today())),
            );
        }
        None => {}
    }
    Ok(page::read(
        db,
        query,
        |query| {
            let mut cursor = query.cursor_by(service_item::Column::Id);
            cursor.desc();
            cursor
        },
        page,
    )
    .await?)
}

/// Whether a service item is late: due before `today` and not finished.
pub fn is_overdue(item: &service_item::Model, today: NaiveDate) -> bool {
    matches!(
        item.state,
        ServiceItemState::Open | ServiceItemState::InProgress
    ) && item.due_on < today
}

/// The service items of many children that the caller may see, newest first.
pub async fn items_for_children(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    child_ids: &[Uuid],
) -> ApiResult<Vec<service_item::Model>> {
    Ok(service_item::Entity::find()
        .filter(service_item::Column::ChildId.is_in(child_ids.iter().copied()))
        .filter(scope::service_items_among(
            actor.policy,
            actor.principal,
            child_ids,
        ))
        .order_by_desc(service_item::Column::Id)
        .all(db)
        .await?)
}
