//! Guardianship intervention (监护干预): criticism and education, penalties, criminal cases,
//! petitions to revoke guardianship, court decisions and new guardians. A court decision that
//! revokes a guardianship ends that guardian's link and leaves the child needing a guardian
//! until a new one is designated.

use chrono::NaiveDate;
use entity::{
    child, child_guardian,
    enums::{GuardianRelation, InterventionKind},
    guardian, intervention,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter,
    sea_query::Expr,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use crate::{
    audit,
    domain::work::Store,
    domain::{Actor, child as ledger, kind::Kind, optional_text},
    error::{ApiError, ApiResult},
};

/// The grounds the plan names for intervening.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ground {
    /// Domestic violence against the child.
    DomesticViolence,
    /// Abuse.
    Abuse,
    /// Abandonment.
    Abandonment,
    /// Left unsupervised in danger and unchanged after education.
    LeftInDangerUnchangedAfterEducation,
    /// Refused the duties of guardianship for 6 months or more, leaving the child without support.
    RefusedDutiesSixMonths,
    /// Violence, abuse or abandonment that seriously harmed the child.
    SeriousHarm,
}

/// An intervention as entered.
#[derive(Debug, Clone)]
pub struct InterventionDraft {
    /// What was done.
    pub kind: InterventionKind,
    /// The guardian it is against; for a new guardian, the guardian designated.
    pub guardian_id: Uuid,
    /// Why.
    pub grounds: Vec<Ground>,
    /// Who petitioned.
    pub petitioner: Option<String>,
    /// The police or court case number.
    pub case_number: Option<String>,
    /// For a court decision: whether it revokes the guardianship.
    pub revokes_guardianship: bool,
    /// For a new guardian: how they are related to the child.
    pub relation: Option<GuardianRelation>,
    /// When it was decided or done.
    pub decided_on: NaiveDate,
}

/// Records an intervention about a child the caller may see.
pub async fn record(
    store: Store<'_>,
    actor: &Actor<'_>,
    child_id: Uuid,
    draft: InterventionDraft,
) -> ApiResult<(intervention::Model, child::Model)> {
    let work = store.begin().await?;
    let db = work.db();
    let child = ledger::get(db, actor, child_id).await?;
    if draft.decided_on > actor.today() {
        return Err(ApiError::bad_input(
            "input.decidedOn",
            "must not be in the future",
        ));
    }
    if draft.grounds.is_empty() {
        return Err(ApiError::bad_input("input.grounds", "give the grounds"));
    }
    let needs_case = matches!(
        draft.kind,
        InterventionKind::CriminalCaseOpened
            | InterventionKind::RevocationPetitionFiled
            | InterventionKind::CourtDecision
    );
    let case_number = optional_text(draft.case_number);
    if needs_case && case_number.is_none() {
        return Err(ApiError::bad_input(
            "input.caseNumber",
            "give the case number",
        ));
    }
    let petitioner = optional_text(draft.petitioner);
    if draft.kind == InterventionKind::RevocationPetitionFiled && petitioner.is_none() {
        return Err(ApiError::bad_input(
            "input.petitioner",
            "name the petitioner: a relative, the village committee or county civil affairs",
        ));
    }
    if draft.revokes_guardianship && draft.kind != InterventionKind::CourtDecision {
        return Err(ApiError::bad_input(
            "input.revokesGuardianship",
            "only a court decision revokes",
        ));
    }
    guardian::Entity::find_by_id(draft.guardian_id)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::bad_input("input.guardianId", "no such guardian"))?;
    let link = child_guardian::Entity::find()
        .filter(child_guardian::Column::ChildId.eq(child.id))
        .filter(child_guardian::Column::GuardianId.eq(draft.guardian_id))
        .one(db)
        .await?;
    let mut needs_guardian = child.needs_guardian;
    match draft.kind {
        InterventionKind::NewGuardianDesignated => {
            let relation = draft.relation.ok_or_else(|| {
                ApiError::bad_input("input.relation", "say how the new guardian is related")
            })?;
            child_guardian::Entity::update_many()
                .col_expr(child_guardian::Column::IsPrimary, Expr::value(false))
                .filter(child_guardian::Column::ChildId.eq(child.id))
                .exec(db)
                .await?;
            match link {
                Some(existing) => {
                    let mut active = existing.into_active_model();
                    active.relation = Set(relation);
                    active.is_primary = Set(true);
                    active.ended_at = Set(None);
                    active.update(db).await?;
                }
                None => {
                    child_guardian::Entity::insert(child_guardian::ActiveModel {
                        id: Set(Uuid::now_v7()),
                        child_id: Set(child.id),
                        guardian_id: Set(draft.guardian_id),
                        relation: Set(relation),
                        is_entrusted: Set(false),
                        is_primary: Set(true),
                        since: Set(Some(draft.decided_on)),
                        ended_at: Set(None),
                        created_at: Set(actor.now),
                    })
                    .exec_without_returning(db)
                    .await?;
                }
            }
            super::guardian::guardians_changed(db, child::Column::Id.eq(child.id)).await?;
            needs_guardian = false;
        }
        _ if link.is_none() => {
            return Err(ApiError::bad_input(
                "input.guardianId",
                "not a guardian of this child",
            ));
        }
        InterventionKind::CourtDecision if draft.revokes_guardianship => {
            child_guardian::Entity::update_many()
                .col_expr(child_guardian::Column::EndedAt, Expr::value(actor.now))
                .col_expr(child_guardian::Column::IsPrimary, Expr::value(false))
                .filter(child_guardian::Column::ChildId.eq(child.id))
                .filter(child_guardian::Column::GuardianId.eq(draft.guardian_id))
                .exec(db)
                .await?;
            super::guardian::guardians_changed(db, child::Column::Id.eq(child.id)).await?;
            needs_guardian = true;
        }
        _ => {}
    }
    let recorded = intervention::Entity::insert(intervention::ActiveModel {
        id: Set(Uuid::now_v7()),
        child_id: Set(child.id),
        guardian_id: Set(draft.guardian_id),
        kind: Set(draft.kind),
        grounds: Set(serde_json::to_string(&draft.grounds).unwrap_or_else(|_| "[]".into())),
        petitioner: Set(petitioner),
        case_number: Set(case_number),
        revokes_guardianship: Set(draft.revokes_guardianship),
        new_guardian_id: Set(
            (draft.kind == InterventionKind::NewGuardianDesignated).then_some(draft.guardian_id)
        ),
        decided_on: Set(draft.decided_on),
        recorded_by: Set(actor.principal.account_id),
        created_at: Set(actor.now),
    })
    .exec_with_returning(db)
    .await?;
    if needs_guardian != child.needs_guardian {
        ledger::set_field(
            db,
            actor,
            child.id,
            child::Column::NeedsGuardian,
            needs_guardian,
        )
        .await?;
    }
    audit::record(
        db,
        actor
            .event("intervention.record")
            .on(Kind::Child, child.id)
            .with(json!({ "after": recorded })),
    )
    .await?;
    let child = ledger::get(db, actor, child.id).await?;
    work.commit().await?;
    Ok((recorded, child))
}
