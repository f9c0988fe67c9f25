//! Teacher pairing (一帮一 / 一帮多): school heads pair teachers with children enrolled at
//! their school, one active helping teacher per child; teachers record their exchanges with
//! parents and entrusted guardians.

use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    account, child, child_guardian,
    enums::{ChildStatus, ContactMethod},
    guardian_contact, pairing,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    QueryFilter, QuerySelect, QueryTrait,
};
use serde_json::json;
use uuid::Uuid;

use crate::{
    domain::{
        Actor, child as ledger,
        kind::Kind,
        page::{self, Page, Slice},
        work::Store,
    },
    error::{ApiError, ApiResult},
    policy::scope,
};

/// Pairs a teacher of the caller's school with a child enrolled there.
pub async fn pair(
    store: Store<'_>,
    actor: &Actor<'_>,
    teacher_id: Uuid,
    child_id: Uuid,
    started_on: NaiveDate,
) -> ApiResult<pairing::Model> {
    let work = store.begin().await?;
    let db = work.db();
    let teacher = account::Entity::find_by_id(teacher_id)
        .one(db)
        .await?
        .filter(|t| actor.policy.may_pair_teacher(actor.principal, t))
        .ok_or_else(|| ApiError::bad_input("input.teacherId", "not a teacher of your school"))?;
    let child = ledger::get(db, actor, child_id).await?;
    if !actor.policy.may_pair_child(actor.principal, &child) {
        return Err(ApiError::bad_input(
            "input.childId",
            "the child is not enrolled at your school",
        ));
    }
    if started_on > actor.today() {
        return Err(ApiError::bad_input(
            "input.startedOn",
            "must not be in the future",
        ));
    }
    if let Some(existing) = pairing::Entity::find()
        .filter(pairing::Column::ChildId.eq(child.id))
        .filter(pairing::Column::EndedOn.is_null())
        .one(db)
        .await?
    {
        return Err(ApiError::Conflict {
            message: "the child already has a helping teacher; end that pairing first".into(),
            existing: Some((Kind::Pairing, existing.id)),
        });
    }
    let pairing = pairing::Entity::insert(pairing::ActiveModel {
        id: Set(Uuid::now_v7()),
        teacher_account_id: Set(teacher.id),
        child_id: Set(child.id),
        school_id: Set(actor.principal.organization_id),
        started_on: Set(started_on),
        ended_on: Set(None),
        created_at: Set(actor.now),
    })
    .exec_with_returning(db)
    .await?;
    work.wrote(actor, "pairing.start", (Kind::Child, child.id), pairing)
        .await
}

/// Ends a pairing of the caller's school.
pub async fn end(
    store: Store<'_>,
    actor: &Actor<'_>,
    id: Uuid,
    ended_on: NaiveDate,
) -> ApiResult<pairing::Model> {
    let work = store.begin().await?;
    let db = work.db();
    let found = super::get_scoped::<pairing::Entity>(
        db,
        id,
        pairing::Column::SchoolId.eq(actor.principal.organization_id),
    )
    .await?;
    if found.ended_on.is_some() {
        return Err(ApiError::InvalidTransition {
            message: "the pairing has already ended".into(),
            allowed: vec![],
        });
    }
    if ended_on < found.started_on || ended_on > actor.today() {
        return Err(ApiError::bad_input(
            "input.endedOn",
            "must be between the start of the pairing and today",
        ));
    }
    let mut active = found.clone().into_active_model();
    active.ended_on = Set(Some(ended_on));
    let after = active.update(db).await?;
    work.finish(
        actor
            .event("pairing.end")
            .on(Kind::Child, after.child_id)
            .with(json!({ "pairing": after.id, "endedOn": ended_on })),
        after,
    )
    .await
}

/// Active children of the caller's school without a helping teacher, by name.
pub async fn unpaired(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    page: Page<(String, Uuid)>,
) -> ApiResult<Slice<child::Model>> {
    let paired = pairing::Entity::find()
        .select_only()
        .column(pairing::Column::ChildId)
        .filter(pairing::Column::EndedOn.is_null())
        .into_query();
    let query = child::Entity::find()
        .filter(scope::children(
            actor.policy,
            actor.principal,
            actor.now,
            actor.break_glass,
        ))
        .filter(child::Column::SchoolId.eq(actor.principal.organization_id))
        .filter(child::Column::Status.eq(ChildStatus::Active))
        .filter(child::Column::Id.not_in_subquery(paired));
    Ok(page::read(
        db,
        query,
        |query| query.cursor_by((child::Column::Name, child::Column::Id)),
        page,
    )
    .await?)
}

/// The active pairing of each of many children.
pub async fn active_for_children(
    db: &impl ConnectionTrait,
    child_ids: &[Uuid],
) -> ApiResult<Vec<pairing::Model>> {
    Ok(pairing::Entity::find()
        .filter(pairing::Column::ChildId.is_in(child_ids.iter().copied()))
        .filter(pairing::Column::EndedOn.is_null())
        .all(db)
        .await?)
}

/// A teacher's exchange with a parent or entrusted guardian, as entered.
#[derive(Debug, Clone)]
pub struct ContactDraft {
    /// The guardian, when on record (must be linked to the child).
    pub guardian_id: Option<Uuid>,
    /// When.
    pub contacted_at: DateTime<Utc>,
    /// How.
    pub method: ContactMethod,
    /// A short summary.
    pub summary: String,
}

/// Records an exchange about a child the caller may see.
pub async fn record_contact(
    store: Store<'_>,
    actor: &Actor<'_>,
    child_id: Uuid,
    draft: ContactDraft,
) -> ApiResult<guardian_contact::Model> {
    let work = store.begin().await?;
    let db = work.db();
    let child = ledger::get(db, actor, child_id).await?;
    let length = draft.summary.trim().chars().count();
    if length == 0 || length > 1000 {
        return Err(ApiError::bad_input(
            "input.summary",
            "must be 1 to 1000 characters",
        ));
    }
    if draft.contacted_at > actor.now + chrono::TimeDelta::minutes(5) {
        return Err(ApiError::bad_input(
            "input.contactedAt",
            "must not be in the future",
        ));
    }
    if let Some(guardian) = draft.guardian_id {
        let linked = child_guardian::Entity::find()
            .filter(child_guardian::Column::ChildId.eq(child.id))
            .filter(child_guardian::Column::GuardianId.eq(guardian))
            .one(db)
            .await?;
        if linked.is_none() {
            return Err(ApiError::bad_input(
                "input.guardianId",
                "not a guardian of this child",
            ));
        }
    }
    let contact = guardian_contact::Entity::insert(guardian_contact::ActiveModel {
        id: Set(Uuid::now_v7()),
        child_id: Set(child.id),
        guardian_id: Set(draft.guardian_id),
        account_id: Set(actor.principal.account_id),
        contacted_at: Set(draft.contacted_at),
        method: Set(draft.method),
        summary: Set(draft.summary.trim().to_owned()),
        created_at: Set(actor.now),
    })
    .exec_with_returning(db)
    .await?;
    work.wrote(
        actor,
        "guardian_contact.record",
        (Kind::Child, child.id),
        contact,
    )
    .await
}

/// Display names of accounts, for showing who helps a child.
pub async fn account_names(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> ApiResult<Vec<(Uuid, String)>> {
    Ok(account::Entity::find()
        .filter(account::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.id, a.display_name))
        .collect())
}
