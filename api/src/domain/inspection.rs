//! Inspections (督查) under the plan's 「建立、完善工作考核和责任追究机制」: the joint meeting's
//! office inspects a unit serving its jurisdiction and records what it found; each finding
//! becomes the inspected unit's assignment to put it right (整改) by a deadline, overdue like any
//! other assignment, and is closed by that unit with the evidence.

use chrono::NaiveDate;
use entity::{
    assignment, enums::AssignmentStatus, enums::Responsibility, enums::SubjectType, inspection,
    inspection_finding, organization, region,
};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, QueryTrait, sea_query::Expr,
};
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

use crate::{
    audit,
    domain::{
        Actor,
        assignment::{self as duty, Duty},
        idempotency,
        kind::Kind,
        page::{self, Page, Slice},
        required_text,
        values::RegionPath,
        work::{Once, Store},
    },
    error::{ApiError, ApiResult},
    policy::scope,
};

/// The operation idempotency keys of `recordInspection` are stored under.
pub const RECORD_INSPECTION: idempotency::Operation = idempotency::Operation {
    name: "recordInspection",
    kind: Kind::Inspection,
};

/// The most findings one inspection records.
pub const MAX_FINDINGS: usize = 50;

/// A finding as entered.
#[derive(Debug, Clone, Serialize)]
pub struct FindingDraft {
    /// What was found.
    pub description: String,
    /// By when it must be put right.
    pub deadline: NaiveDate,
}

/// An inspection as entered.
#[derive(Debug, Clone, Serialize)]
pub struct InspectionDraft {
    /// The unit inspected.
    pub inspected: Uuid,
    /// The region whose work was inspected (by default the unit's own).
    pub region: Option<Uuid>,
    /// When.
    pub inspected_on: NaiveDate,
    /// What it looked at and found.
    pub summary: String,
    /// What is to be put right.
    pub findings: Vec<FindingDraft>,
}

/// Records an inspection by the caller's unit of a unit serving its jurisdiction, with its
/// findings, each one an assignment of the inspected unit; once per idempotency key.
pub async fn record(
    store: Store<'_>,
    actor: &Actor<'_>,
    key: &str,
    draft: InspectionDraft,
) -> ApiResult<Once<inspection::Model, inspection::Model>> {
    store
        .create_keyed::<inspection::Entity, _, _>(
            (RECORD_INSPECTION, actor, key),
            draft,
            |inspection: &inspection::Model| inspection.id,
            async |db, draft| insert(db, actor, draft).await,
        )
        .await
}

async fn insert(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    draft: InspectionDraft,
) -> ApiResult<inspection::Model> {
    let summary = required_text("input.summary", &draft.summary, 4000)?;
    if draft.inspected_on > actor.today() {
        return Err(ApiError::bad_input(
            "input.inspectedOn",
            "record inspections once held",
        ));
    }
    if draft.findings.len() > MAX_FINDINGS {
        return Err(ApiError::bad_input(
            "input.findings",
            format!("at most {MAX_FINDINGS} findings"),
        ));
    }
    let mut findings = Vec::with_capacity(draft.findings.len());
    for finding in draft.findings {
        let description = required_text("input.findings.description", &finding.description, 2000)?;
        if finding.deadline < draft.inspected_on {
            return Err(ApiError::bad_input(
                "input.findings.deadline",
                "a deadline falls on or after the inspection",
            ));
        }
        findings.push((description, finding.deadline));
    }
    let own = actor.principal.region_path.clone();
    let serving = duty::serving(actor, &own).ok_or(ApiError::NotFound)?;
    let inspected = organization::Entity::find_by_id(draft.inspected)
        .filter(organization::Column::Id.in_subquery(serving))
        .one(db)
        .await?
        .ok_or_else(|| {
            ApiError::bad_input("input.inspectedUnitId", "no such unit in your jurisdiction")
        })?;
    let region = region::Entity::find_by_id(draft.region.unwrap_or(inspected.region_id))
        .one(db)
        .await?
        .filter(|r| own.contains(&r.path))
        .ok_or_else(|| ApiError::bad_input("input.regionId", "no such region in your area"))?;
    let inspection = inspection::Entity::insert(inspection::ActiveModel {
        id: Set(Uuid::now_v7()),
        inspecting_organization_id: Set(actor.principal.organization_id),
        inspected_organization_id: Set(inspected.id),
        region_id: Set(region.id),
        region_path: Set(region.path),
        inspected_on: Set(draft.inspected_on),
        summary: Set(summary),
        created_by: Set(actor.principal.account_id),
        created_at: Set(actor.now),
    })
    .exec_with_returning(db)
    .await?;
    // Each finding with the inspected unit's assignment to put it right: two statements for
    // all of them.
    let (assignments, findings): (Vec<_>, Vec<_>) = (1..)
        .zip(findings)
        .map(|(position, (description, deadline))| {
            let id = Uuid::now_v7();
            let assignment = duty::row(
                Duty {
                    subject_type: SubjectType::Finding,
                    key: id.to_string(),
                    organization: inspected.id,
                    responsibility: Responsibility::Lead,
                    title: format!("整改: {description}").chars().take(200).collect(),
                    due_on: Some(deadline),
                },
                Some(actor.principal.account_id),
                actor.now,
            );
            let finding = inspection_finding::Model {
                id,
                inspection_id: inspection.id,
                position,
                description,
                deadline,
                assignment_id: *assignment.id.as_ref(),
                rectified_at: None,
                evidence: None,
                rectified_by: None,
            };
            (assignment, finding)
        })
        .unzip();
    if !findings.is_empty() {
        assignment::Entity::insert_many(assignments)
            .exec_without_returning(db)
            .await?;
        inspection_finding::Entity::insert_many(
            findings
                .iter()
                .cloned()
                .map(sea_orm::IntoActiveModel::into_active_model),
        )
        .exec_without_returning(db)
        .await?;
    }
    let written = findings;
    audit::record(
        db,
        actor
            .event("inspection.record")
            .on(Kind::Inspection, inspection.id)
            .with(json!({ "after": inspection, "findings": written })),
    )
    .await?;
    Ok(inspection)
}

/// Closes a finding with the evidence that it was put right: only the inspected unit, once.
/// Its assignment is done.
pub async fn rectify(
    store: Store<'_>,
    actor: &Actor<'_>,
    finding_id: Uuid,
    evidence: &str,
) -> ApiResult<inspection_finding::Model> {
    let work = store.begin().await?;
    let db = work.db();
    let evidence = required_text("input.evidence", evidence, 4000)?;
    let finding = inspection_finding::Entity::find_by_id(finding_id)
        .one(db)
        .await?
        .ok_or(ApiError::NotFound)?;
    let inspection = inspection::Entity::find_by_id(finding.inspection_id)
        .one(db)
        .await?
        .ok_or(ApiError::NotFound)?;
    if inspection.inspected_organization_id != actor.principal.organization_id {
        return Err(ApiError::NotFound);
    }
    // Only while it is open: of two closing at once, the second finds it closed.
    let closed = inspection_finding::Entity::update_many()
        .col_expr(
            inspection_finding::Column::RectifiedAt,
            Expr::value(Some(actor.now)),
        )
        .col_expr(inspection_finding::Column::Evidence, Expr::value(evidence))
        .col_expr(
            inspection_finding::Column::RectifiedBy,
            Expr::value(actor.principal.account_id),
        )
        .filter(inspection_finding::Column::Id.eq(finding.id))
        .filter(inspection_finding::Column::RectifiedAt.is_null())
        .exec(db)
        .await?;
    if closed.rows_affected != 1 {
        return Err(ApiError::InvalidTransition {
            message: "the finding was put right already".into(),
            allowed: Vec::new(),
        });
    }
    let saved = inspection_finding::Entity::find_by_id(finding.id)
        .one(db)
        .await?
        .ok_or(ApiError::NotFound)?;
    duty::settle(
        db,
        SubjectType::Finding,
        &saved.id.to_string(),
        AssignmentStatus::Done,
        None,
        actor.now,
    )
    .await?;
    work.wrote(
        actor,
        "inspection.rectify",
        (Kind::Inspection, inspection.id),
        saved,
    )
    .await
}

/// The inspections the caller may see: those its own unit made or underwent, and for a role
/// whose row scope is its jurisdiction, those of the units serving it.
fn visible(actor: &Actor<'_>) -> Condition {
    let own = actor.principal.organization_id;
    let mut visible = Condition::any()
        .add(inspection::Column::InspectingOrganizationId.eq(own))
        .add(inspection::Column::InspectedOrganizationId.eq(own));
    if actor.policy.scope(actor.principal.role) == crate::policy::RowScope::Jurisdiction
        && let Some(serving) = duty::serving(actor, &actor.principal.region_path)
    {
        visible = visible.add(inspection::Column::InspectedOrganizationId.in_subquery(serving));
    }
    visible
}

/// Which inspections to list.
#[derive(Debug, Clone, Default)]
pub struct InspectionFilter {
    /// Of this unit.
    pub unit: Option<Uuid>,
    /// Of work in this region or below.
    pub region_path: Option<RegionPath>,
    /// Only those with a finding not yet put right (true), or only those without (false).
    pub open: Option<bool>,
}

/// The findings not yet put right.
fn unrectified() -> sea_orm::sea_query::SelectStatement {
    inspection_finding::Entity::find()
        .select_only()
        .column(inspection_finding::Column::InspectionId)
        .filter(inspection_finding::Column::RectifiedAt.is_null())
        .into_query()
}

/// The inspections the caller may see, newest first.
pub async fn list(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    filter: InspectionFilter,
    page: Page<(NaiveDate, Uuid)>,
) -> ApiResult<Slice<inspection::Model>> {
    let mut query = inspection::Entity::find().filter(visible(actor));
    if let Some(unit) = filter.unit {
        query = query.filter(inspection::Column::InspectedOrganizationId.eq(unit));
    }
    if let Some(path) = filter.region_path {
        query = query.filter(scope::within(inspection::Column::RegionPath, &path));
    }
    match filter.open {
        Some(true) => query = query.filter(inspection::Column::Id.in_subquery(unrectified())),
        Some(false) => {
            query = query.filter(inspection::Column::Id.not_in_subquery(unrectified()));
        }
        None => {}
    }
    Ok(page::read(
        db,
        query,
        |query| {
            let mut cursor =
                query.cursor_by((inspection::Column::InspectedOn, inspection::Column::Id));
            cursor.desc();
            cursor
        },
        page,
    )
    .await?)
}

/// One inspection the caller may see.
pub async fn find(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    id: Uuid,
) -> ApiResult<Option<inspection::Model>> {
    super::find_scoped::<inspection::Entity>(db, id, visible(actor)).await
}

/// One finding of an inspection the caller may see.
pub async fn find_finding(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    id: Uuid,
) -> ApiResult<Option<inspection_finding::Model>> {
    let Some(finding) = inspection_finding::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    Ok(find(db, actor, finding.inspection_id)
        .await?
        .map(|_| finding))
}

/// The findings of many inspections, in order (the caller reached the inspections already).
pub async fn findings_of(
    db: &impl ConnectionTrait,
    inspection_ids: &[Uuid],
) -> ApiResult<Vec<inspection_finding::Model>> {
    Ok(inspection_finding::Entity::find()
        .filter(inspection_finding::Column::InspectionId.is_in(inspection_ids.iter().copied()))
        .order_by_asc(inspection_finding::Column::InspectionId)
        .order_by_asc(inspection_finding::Column::Position)
        .all(db)
        .await?)
}
