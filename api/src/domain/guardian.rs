//! Guardians and their links to children, entrustment agreements (委托监护协议) and guardians'
//! consents. A guardian is visible through a child the caller may see.

use chrono::NaiveDate;
use entity::{
    child, child_guardian, consent, entrustment_agreement,
    enums::{ConsentPurpose, GuardianRelation, GuardianshipCapacity},
    guardian,
    projection::{Columns, Projected},
};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait,
    sea_query::{Expr, ExprTrait, IntoCondition},
};
use serde_json::json;
use uuid::Uuid;

use crate::{
    audit,
    domain::{
        Actor, child as ledger,
        kind::Kind,
        optional_text,
        values::{PhoneNumber, ResidentId},
        work::Store,
    },
    error::{ApiError, ApiResult},
};

/// A guardian as entered.
#[derive(Debug, Clone, Default)]
pub struct GuardianDraft {
    /// Full name.
    pub name: String,
    /// Resident ID number.
    pub id_number: Option<ResidentId>,
    /// Mobile number.
    pub phone: Option<PhoneNumber>,
    /// Address.
    pub address: Option<String>,
    /// Province where they work away.
    pub work_province: Option<String>,
    /// City where they work away.
    pub work_city: Option<String>,
    /// Capacity to care.
    pub guardianship_capacity: Option<GuardianshipCapacity>,
}

/// How a guardian stands to a child.
#[derive(Debug, Clone)]
pub struct LinkDraft {
    /// Relation.
    pub relation: GuardianRelation,
    /// Entrusted by the parents.
    pub is_entrusted: bool,
    /// The day-to-day carer.
    pub is_primary: bool,
    /// Since when.
    pub since: Option<NaiveDate>,
}

/// A child's active guardian links with their guardians, for many children at once (one
/// join, decoded by position).
pub async fn for_children(
    db: &impl ConnectionTrait,
    child_ids: &[Uuid],
) -> ApiResult<Vec<(child_guardian::Model, guardian::Model)>> {
    let links = child_guardian::Entity::find()
        .select_only()
        .inner_join(guardian::Entity)
        .filter(child_guardian::Column::ChildId.is_in(child_ids.iter().copied()))
        .filter(child_guardian::Column::EndedAt.is_null())
        .order_by_desc(child_guardian::Column::IsPrimary)
        .order_by_asc(child_guardian::Column::CreatedAt);
    let links = Columns::<guardian::Entity>::all()
        .append(Columns::<child_guardian::Entity>::all().append(links));
    let rows = links
        .into_model::<Projected<(child_guardian::Model, guardian::Model)>>()
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|row| row.0).collect())
}

fn validate(draft: &GuardianDraft) -> ApiResult<()> {
    let length = draft.name.trim().chars().count();
    if length == 0 || length > 50 {
        return Err(ApiError::bad_input(
            "input.guardian.name",
            "must be 1 to 50 characters",
        ));
    }
    Ok(())
}

/// Adds a new guardian to a child the caller may see.
pub async fn add(
    store: Store<'_>,
    actor: &Actor<'_>,
    child_id: Uuid,
    draft: GuardianDraft,
    link: LinkDraft,
) -> ApiResult<(guardian::Model, child::Model)> {
    let work = store.begin().await?;
    let db = work.db();
    let child = ledger::get(db, actor, child_id).await?;
    validate(&draft)?;
    check_since(actor, link.since)?;
    let guardian = guardian::Model {
        id: Uuid::now_v7(),
        name: draft.name.trim().to_owned(),
        id_number: draft.id_number.map(String::from),
        phone: draft.phone.map(String::from),
        address: optional_text(draft.address),
        work_province: optional_text(draft.work_province),
        work_city: optional_text(draft.work_city),
        guardianship_capacity: draft
            .guardianship_capacity
            .unwrap_or(GuardianshipCapacity::Full),
        version: 1,
        created_at: actor.now,
        updated_at: actor.now,
    };
    let guardian = guardian::Entity::insert(guardian.into_active_model().reset_all())
        .exec_with_returning(db)
        .await?;
    insert_link(db, actor, &child, guardian.id, link).await?;
    work.finish(
        actor
            .event("guardian.add")
            .on(Kind::Guardian, guardian.id)
            .with(json!({ "child": child.id, "after": guardian })),
        (guardian, child),
    )
    .await
}

fn check_since(actor: &Actor<'_>, since: Option<NaiveDate>) -> ApiResult<()> {
    if since.is_some_and(|d| d > actor.today()) {
        return Err(ApiError::bad_input(
            "input.since",
            "must not be in the future",
        ));
    }
    Ok(())
}

/// Notes that the guardians, as the registration form lists them, of the children `which`
/// selects have changed, for the ledger's next submission. Every write of a child's guardian
/// links calls it, in the same transaction.
pub(crate) async fn guardians_changed(
    db: &impl ConnectionTrait,
    which: impl IntoCondition,
) -> ApiResult<()> {
    child::Entity::update_many()
        .col_expr(
            child::Column::GuardiansVersion,
            Expr::col(child::Column::GuardiansVersion).add(1),
        )
        .filter(which)
        .exec(db)
        .await?;
    Ok(())
}

async fn insert_link(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    child: &child::Model,
    guardian_id: Uuid,
    link: LinkDraft,
) -> ApiResult<()> {
    guardians_changed(db, child::Column::Id.eq(child.id)).await?;
    if link.is_primary {
        child_guardian::Entity::update_many()
            .col_expr(child_guardian::Column::IsPrimary, Expr::value(false))
            .filter(child_guardian::Column::ChildId.eq(child.id))
            .exec(db)
            .await?;
    }
    let existing = child_guardian::Entity::find()
        .filter(child_guardian::Column::ChildId.eq(child.id))
        .filter(child_guardian::Column::GuardianId.eq(guardian_id))
        .one(db)
        .await?;
    match existing {
        Some(row) if row.ended_at.is_none() => {
            return Err(ApiError::Conflict {
                message: "this guardian is already linked to the child".into(),
                existing: Some((Kind::Guardian, guardian_id)),
            });
        }
        Some(row) => {
            let mut active = row.into_active_model();
            active.relation = Set(link.relation);
            active.is_entrusted = Set(link.is_entrusted);
            active.is_primary = Set(link.is_primary);
            active.since = Set(link.since);
            active.ended_at = Set(None);
            active.update(db).await?;
        }
        None => {
            child_guardian::Entity::insert(child_guardian::ActiveModel {
                id: Set(Uuid::now_v7()),
                child_id: Set(child.id),
                guardian_id: Set(guardian_id),
                relation: Set(link.relation),
                is_entrusted: Set(link.is_entrusted),
                is_primary: Set(link.is_primary),
                since: Set(link.since),
                ended_at: Set(None),
                created_at: Set(actor.now),
            })
            .exec_without_returning(db)
            .await?;
        }
    }
    Ok(())
}

/// A guardian linked to a child the caller may see.
pub async fn get(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    id: Uuid,
) -> ApiResult<guardian::Model> {
    let links = child_guardian::Entity::find()
        .filter(child_guardian::Column::GuardianId.eq(id))
        .all(db)
        .await?;
    let child_ids: Vec<Uuid> = links.iter().map(|l| l.child_id).collect();
    if ledger::find_many(db, actor, &child_ids).await?.is_empty() {
        return Err(ApiError::NotFound);
    }
    guardian::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(ApiError::NotFound)
}

/// Updates a guardian the caller may see, if `version` is still current.
pub async fn update(
    store: Store<'_>,
    actor: &Actor<'_>,
    id: Uuid,
    version: i32,
    draft: GuardianDraft,
) -> ApiResult<guardian::Model> {
    let work = store.begin().await?;
    let db = work.db();
    let before = get(db, actor, id).await?;
    validate(&draft)?;
    let mut after = before.clone();
    after.name = draft.name.trim().to_owned();
    after.id_number = draft.id_number.map(String::from);
    after.phone = draft.phone.map(String::from);
    after.address = optional_text(draft.address);
    after.work_province = optional_text(draft.work_province);
    after.work_city = optional_text(draft.work_city);
    if let Some(capacity) = draft.guardianship_capacity {
        after.guardianship_capacity = capacity;
    }
    after.version = version.saturating_add(1);
    after.updated_at = actor.now;
    let mut active = after.clone().into_active_model().reset_all();
    active.id = sea_orm::ActiveValue::NotSet;
    active.created_at = sea_orm::ActiveValue::NotSet;
    let result = guardian::Entity::update_many()
        .set(active)
        .filter(guardian::Column::Id.eq(id))
        .filter(guardian::Column::Version.eq(version))
        .exec(db)
        .await?;
    if before.version != version || result.rows_affected != 1 {
        return Err(ApiError::conflict(
            "the record was changed by someone else; reload it and apply your change again",
        ));
    }
    guardians_changed(
        db,
        child::Column::Id.in_subquery(
            child_guardian::Entity::find()
                .select_only()
                .column(child_guardian::Column::ChildId)
                .filter(child_guardian::Column::GuardianId.eq(id))
                .filter(child_guardian::Column::EndedAt.is_null())
                .into_query(),
        ),
    )
    .await?;
    work.finish(
        actor
            .event("guardian.update")
            .on(Kind::Guardian, id)
            .with(json!({ "changes": audit::changes(&before, &after) })),
        after,
    )
    .await
}

/// Links an existing guardian (of another visible child, such as a sibling) to a child.
pub async fn link(
    store: Store<'_>,
    actor: &Actor<'_>,
    child_id: Uuid,
    guardian_id: Uuid,
    draft: LinkDraft,
) -> ApiResult<child::Model> {
    let work = store.begin().await?;
    let db = work.db();
    let child = ledger::get(db, actor, child_id).await?;
    get(db, actor, guardian_id)
        .await
        .map_err(|e| e.not_found_as("input.guardianId", "no such guardian"))?;
    check_since(actor, draft.since)?;
    insert_link(db, actor, &child, guardian_id, draft).await?;
    work.finish(
        actor
            .event("guardian.link")
            .on(Kind::Child, child.id)
            .with(json!({ "guardian": guardian_id })),
        child,
    )
    .await
}

/// Ends a guardian's link to a child.
pub async fn unlink(
    store: Store<'_>,
    actor: &Actor<'_>,
    child_id: Uuid,
    guardian_id: Uuid,
) -> ApiResult<child::Model> {
    let work = store.begin().await?;
    let db = work.db();
    let child = ledger::get(db, actor, child_id).await?;
    let ended = child_guardian::Entity::update_many()
        .col_expr(child_guardian::Column::EndedAt, Expr::value(actor.now))
        .col_expr(child_guardian::Column::IsPrimary, Expr::value(false))
        .filter(child_guardian::Column::ChildId.eq(child_id))
        .filter(child_guardian::Column::GuardianId.eq(guardian_id))
        .filter(child_guardian::Column::EndedAt.is_null())
        .exec(db)
        .await?;
    if ended.rows_affected == 0 {
        return Err(ApiError::bad_input(
            "input.guardianId",
            "not a current guardian of this child",
        ));
    }
    guardians_changed(db, child::Column::Id.eq(child_id)).await?;
    work.finish(
        actor
            .event("guardian.unlink")
            .on(Kind::Child, child.id)
            .with(json!({ "guardian": guardian_id })),
        child,
    )
    .await
}

/// An entrustment agreement as entered.
#[derive(Debug, Clone)]
pub struct AgreementDraft {
    /// The parents who entrust.
    pub parents: String,
    /// The entrusted guardian (linked to the child).
    pub entrusted_guardian_id: Uuid,
    /// First day.
    pub starts_on: NaiveDate,
    /// Last day.
    pub ends_on: Option<NaiveDate>,
    /// Duties.
    pub duties: String,
    /// Who at the village committee guided it.
    pub guided_by: String,
    /// When signed.
    pub signed_on: NaiveDate,
}

/// Records an entrustment agreement; the entrusted guardian's link is marked entrusted.
pub async fn record_agreement(
    store: Store<'_>,
    actor: &Actor<'_>,
    child_id: Uuid,
    draft: AgreementDraft,
) -> ApiResult<(entrustment_agreement::Model, child::Model)> {
    let work = store.begin().await?;
    let db = work.db();
    let child = ledger::get(db, actor, child_id).await?;
    for (field, text) in [
        ("input.parents", &draft.parents),
        ("input.duties", &draft.duties),
        ("input.guidedBy", &draft.guided_by),
    ] {
        if text.trim().is_empty() {
            return Err(ApiError::bad_input(field, "is required"));
        }
    }
    if draft.signed_on > actor.today() {
        return Err(ApiError::bad_input(
            "input.signedOn",
            "must not be in the future",
        ));
    }
    if draft.ends_on.is_some_and(|end| end < draft.starts_on) {
        return Err(ApiError::bad_input(
            "input.endsOn",
            "must not be before the start",
        ));
    }
    let linked = child_guardian::Entity::update_many()
        .col_expr(child_guardian::Column::IsEntrusted, Expr::value(true))
        .filter(child_guardian::Column::ChildId.eq(child_id))
        .filter(child_guardian::Column::GuardianId.eq(draft.entrusted_guardian_id))
        .filter(child_guardian::Column::EndedAt.is_null())
        .exec(db)
        .await?;
    if linked.rows_affected == 0 {
        return Err(ApiError::bad_input(
            "input.entrustedGuardianId",
            "link the entrusted guardian to the child first",
        ));
    }
    guardians_changed(db, child::Column::Id.eq(child_id)).await?;
    let agreement = entrustment_agreement::Entity::insert(entrustment_agreement::ActiveModel {
        id: Set(Uuid::now_v7()),
        child_id: Set(child_id),
        parents: Set(draft.parents.trim().to_owned()),
        entrusted_guardian_id: Set(draft.entrusted_guardian_id),
        starts_on: Set(draft.starts_on),
        ends_on: Set(draft.ends_on),
        duties: Set(draft.duties.trim().to_owned()),
        guided_by: Set(draft.guided_by.trim().to_owned()),
        signed_on: Set(draft.signed_on),
        recorded_by: Set(actor.principal.account_id),
        created_at: Set(actor.now),
    })
    .exec_with_returning(db)
    .await?;
    work.finish(
        actor
            .event("entrustment.record")
            .on(Kind::Child, child_id)
            .with(json!({ "after": agreement })),
        (agreement, child),
    )
    .await
}

/// Records a guardian's consent for a purpose; the guardian must be linked to the child.
pub async fn record_consent(
    store: Store<'_>,
    actor: &Actor<'_>,
    child_id: Uuid,
    guardian_id: Uuid,
    purpose: ConsentPurpose,
    given_on: NaiveDate,
) -> ApiResult<consent::Model> {
    let work = store.begin().await?;
    let db = work.db();
    ledger::get(db, actor, child_id).await?;
    if given_on > actor.today() {
        return Err(ApiError::bad_input(
            "input.givenOn",
            "must not be in the future",
        ));
    }
    let linked = child_guardian::Entity::find()
        .filter(child_guardian::Column::ChildId.eq(child_id))
        .filter(child_guardian::Column::GuardianId.eq(guardian_id))
        .filter(child_guardian::Column::EndedAt.is_null())
        .one(db)
        .await?;
    if linked.is_none() {
        return Err(ApiError::bad_input(
            "input.guardianId",
            "not a current guardian of this child",
        ));
    }
    let consent = consent::Entity::insert(consent::ActiveModel {
        id: Set(Uuid::now_v7()),
        child_id: Set(child_id),
        guardian_id: Set(guardian_id),
        purpose: Set(purpose),
        given_on: Set(given_on),
        withdrawn_at: Set(None),
        recorded_by: Set(actor.principal.account_id),
        created_at: Set(actor.now),
    })
    .exec_with_returning(db)
    .await?;
    work.wrote(actor, "consent.record", (Kind::Child, child_id), consent)
        .await
}

/// Withdraws a consent; the access grants that rested on it end unless another consent for the
/// same purpose remains.
pub async fn withdraw_consent(
    store: Store<'_>,
    actor: &Actor<'_>,
    consent_id: Uuid,
) -> ApiResult<consent::Model> {
    let work = store.begin().await?;
    let db = work.db();
    let consent = consent::Entity::find_by_id(consent_id)
        .one(db)
        .await?
        .ok_or(ApiError::NotFound)?;
    ledger::get(db, actor, consent.child_id).await?;
    if consent.withdrawn_at.is_some() {
        return Err(ApiError::bad_input("input.consentId", "already withdrawn"));
    }
    let mut active = consent.clone().into_active_model();
    active.withdrawn_at = Set(Some(actor.now));
    let after = active.update(db).await?;
    let grants_ended = crate::domain::access::end_for_withdrawn_consent(
        db,
        consent.child_id,
        consent.purpose,
        actor.now,
    )
    .await?;
    work.finish(
        actor
            .event("consent.withdraw")
            .on(Kind::Child, consent.child_id)
            .with(json!({ "consent": consent_id, "grantsEnded": grants_ended })),
        after,
    )
    .await
}
