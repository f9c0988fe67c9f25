//! Access beyond a role's row scope: grants that lend one child's record to one organization for
//! a purpose and a period (issued by service items or by civil affairs), and break-glass, an
//! officer's emergency opening of a record outside their scope, for a few hours and reviewed
//! afterwards.

use chrono::{DateTime, TimeDelta, Utc};
use entity::{
    access_grant, break_glass, child, consent, enums::ConsentPurpose, intervention, organization,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, QuerySelect, sea_query::Expr,
};
use serde_json::json;
use uuid::Uuid;

use crate::{
    audit,
    domain::{
        Actor, child as ledger,
        kind::Kind,
        page::{self, Page, Slice},
        required_text,
        work::Store,
    },
    error::{ApiError, ApiResult},
    events::BusEvent,
    policy::scope,
};

/// Why a record is lent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantPurpose {
    /// Referral to a social work agency.
    SocialWorkReferral,
    /// Legal aid.
    LegalAid,
    /// Medical treatment.
    MedicalTreatment,
    /// Psychological counselling.
    Counselling,
    /// Sharing the record with another unit.
    DataSharing,
    /// A guardianship intervention case before a court or procuratorate.
    InterventionCase,
}

const PURPOSES: [GrantPurpose; 6] = [
    GrantPurpose::SocialWorkReferral,
    GrantPurpose::LegalAid,
    GrantPurpose::MedicalTreatment,
    GrantPurpose::Counselling,
    GrantPurpose::DataSharing,
    GrantPurpose::InterventionCase,
];

impl GrantPurpose {
    /// The stored name.
    pub fn key(self) -> &'static str {
        match self {
            Self::SocialWorkReferral => "social_work_referral",
            Self::LegalAid => "legal_aid",
            Self::MedicalTreatment => "medical_treatment",
            Self::Counselling => "counselling",
            Self::DataSharing => "data_sharing",
            Self::InterventionCase => "intervention_case",
        }
    }

    /// The purpose stored as `key`.
    pub fn parse(key: &str) -> Option<Self> {
        PURPOSES.into_iter().find(|p| p.key() == key)
    }

    /// The guardian's consent this purpose needs, when it needs one (a court case does not).
    pub fn consent(self) -> Option<ConsentPurpose> {
        match self {
            Self::SocialWorkReferral => Some(ConsentPurpose::SocialWorkReferral),
            Self::LegalAid => Some(ConsentPurpose::LegalAid),
            Self::MedicalTreatment => Some(ConsentPurpose::MedicalTreatment),
            Self::Counselling => Some(ConsentPurpose::Counselling),
            Self::DataSharing => Some(ConsentPurpose::DataSharing),
            Self::InterventionCase => None,
        }
    }
}

impl From<ConsentPurpose> for GrantPurpose {
    fn from(purpose: ConsentPurpose) -> Self {
        match purpose {
            ConsentPurpose::SocialWorkReferral => Self::SocialWorkReferral,
            ConsentPurpose::LegalAid => Self::LegalAid,
            ConsentPurpose::MedicalTreatment => Self::MedicalTreatment,
            ConsentPurpose::Counselling => Self::Counselling,
            ConsentPurpose::DataSharing => Self::DataSharing,
        }
    }
}

/// A consent purpose as the API names it (`COUNSELLING`), for messages.
pub fn purpose_name(purpose: ConsentPurpose) -> String {
    GrantPurpose::from(purpose).key().to_uppercase()
}

/// Whether the guardian's consent for `purpose` is on record (and not withdrawn).
pub async fn consented(
    db: &impl ConnectionTrait,
    child: Uuid,
    purpose: ConsentPurpose,
) -> ApiResult<bool> {
    Ok(consent::Entity::find()
        .filter(consent::Column::ChildId.eq(child))
        .filter(consent::Column::Purpose.eq(purpose))
        .filter(consent::Column::WithdrawnAt.is_null())
        .count(db)
        .await?
        > 0)
}

/// The error for a missing consent, naming it.
pub fn missing_consent(field: &str, purpose: ConsentPurpose, unit: &str) -> ApiError {
    ApiError::bad_input(
        field,
        format!(
            "the guardian's consent to {} is not on record for this child: record it (recordConsent) before lending the record to {unit}",
            purpose_name(purpose)
        ),
    )
}

/// A grant to issue.
#[derive(Debug, Clone)]
pub struct Loan {
    /// The child.
    pub child: Uuid,
    /// The organization.
    pub organization: Uuid,
    /// Why.
    pub purpose: GrantPurpose,
    /// Until when.
    pub expires_at: DateTime<Utc>,
    /// The reason, for the audit trail.
    pub reason: String,
}

/// Issues a grant from now (checks are the caller's), with its audit event.
pub async fn lend(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    loan: Loan,
) -> ApiResult<access_grant::Model> {
    let grant = access_grant::Entity::insert(access_grant::ActiveModel {
        id: Set(Uuid::now_v7()),
        child_id: Set(loan.child),
        organization_id: Set(loan.organization),
        purpose: Set(loan.purpose.key().to_owned()),
        starts_at: Set(actor.now),
        expires_at: Set(loan.expires_at),
        revoked_at: Set(None),
        granted_by: Set(Some(actor.principal.account_id)),
        created_at: Set(actor.now),
    })
    .exec_with_returning(db)
    .await?;
    audit::record(
        db,
        actor
            .event("access.grant")
            .on(Kind::Child, loan.child)
            .with(json!({ "grant": grant.id, "organization": loan.organization, "purpose": loan.purpose.key(), "expiresAt": loan.expires_at, "reason": loan.reason })),
    )
    .await?;
    Ok(grant)
}

/// Moves a grant's expiry (a service item rescheduled).
pub async fn extend(
    db: &impl ConnectionTrait,
    grant: Uuid,
    expires_at: DateTime<Utc>,
) -> ApiResult<()> {
    access_grant::Entity::update_many()
        .col_expr(access_grant::Column::ExpiresAt, Expr::value(expires_at))
        .filter(access_grant::Column::Id.eq(grant))
        .filter(access_grant::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Ends a grant now, unless it has ended already (a service item finished).
pub async fn end(db: &impl ConnectionTrait, grant: Uuid, now: DateTime<Utc>) -> ApiResult<()> {
    access_grant::Entity::update_many()
        .col_expr(access_grant::Column::RevokedAt, Expr::value(now))
        .filter(access_grant::Column::Id.eq(grant))
        .filter(access_grant::Column::RevokedAt.is_null())
        .filter(access_grant::Column::ExpiresAt.gt(now))
        .exec(db)
        .await?;
    Ok(())
}

/// Ends the active grants that rested on a consent now withdrawn, unless another consent for
/// the same purpose remains.
pub async fn end_for_withdrawn_consent(
    db: &impl ConnectionTrait,
    child: Uuid,
    purpose: ConsentPurpose,
    now: DateTime<Utc>,
) -> ApiResult<u64> {
    if consented(db, child, purpose).await? {
        return Ok(0);
    }
    let ended = access_grant::Entity::update_many()
        .col_expr(access_grant::Column::RevokedAt, Expr::value(now))
        .filter(access_grant::Column::ChildId.eq(child))
        .filter(access_grant::Column::Purpose.eq(GrantPurpose::from(purpose).key()))
        .filter(access_grant::Column::RevokedAt.is_null())
        .filter(access_grant::Column::ExpiresAt.gt(now))
        .exec(db)
        .await?;
    Ok(ended.rows_affected)
}

/// The longest a civil affairs grant may last.
const LONGEST_GRANT_DAYS: i64 = 366;

/// Lends a child's record to an organization (`grantAccess`, civil affairs). Purposes that need
/// the guardian's consent need it on record; an intervention case goes to a court or
/// procuratorate, for a child with an intervention recorded.
pub async fn grant(
    store: Store<'_>,
    actor: &Actor<'_>,
    child_id: Uuid,
    organization_id: Uuid,
    purpose: GrantPurpose,
    expires_at: DateTime<Utc>,
    reason: &str,
) -> ApiResult<access_grant::Model> {
    let work = store.begin().await?;
    let db = work.db();
    let child = ledger::get(db, actor, child_id).await?;
    let reason = required_text("input.reason", reason, 1000)?;
    if expires_at <= actor.now || expires_at > actor.now + TimeDelta::days(LONGEST_GRANT_DAYS) {
        return Err(ApiError::bad_input(
            "input.expiresAt",
            format!("must be in the future and within {LONGEST_GRANT_DAYS} days"),
        ));
    }
    let unit = organization::Entity::find_by_id(organization_id)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::bad_input("input.organizationId", "no such unit"))?;
    match purpose.consent() {
        Some(needed) => {
            if !consented(db, child.id, needed).await? {
                return Err(missing_consent("input.purpose", needed, &unit.name));
            }
        }
        None => {
            if !actor.policy.takes_intervention_cases(unit.kind) {
                return Err(ApiError::bad_input(
                    "input.organizationId",
                    "an intervention case is lent to a court or a procuratorate",
                ));
            }
            let cases = intervention::Entity::find()
                .filter(intervention::Column::ChildId.eq(child.id))
                .count(db)
                .await?;
            if cases == 0 {
                return Err(ApiError::bad_input(
                    "input.purpose",
                    "no guardianship intervention is recorded for this child",
                ));
            }
        }
    }
    if let Some(existing) = access_grant::Entity::find()
        .filter(access_grant::Column::ChildId.eq(child.id))
        .filter(access_grant::Column::OrganizationId.eq(unit.id))
        .filter(access_grant::Column::Purpose.eq(purpose.key()))
        .filter(access_grant::Column::RevokedAt.is_null())
        .filter(access_grant::Column::ExpiresAt.gt(actor.now))
        .one(db)
        .await?
    {
        return Err(ApiError::Conflict {
            message: "the unit already has an active grant for this child and purpose".into(),
            existing: Some((Kind::AccessGrant, existing.id)),
        });
    }
    let done = lend(
        db,
        actor,
        Loan {
            child: child.id,
            organization: unit.id,
            purpose,
            expires_at,
            reason: reason.to_owned(),
        },
    )
    .await?;
    work.commit().await?;
    Ok(done)
}

/// Revokes an active grant of a child the caller may see (`revokeAccess`).
pub async fn revoke(
    store: Store<'_>,
    actor: &Actor<'_>,
    id: Uuid,
    reason: &str,
) -> ApiResult<access_grant::Model> {
    let work = store.begin().await?;
    let db = work.db();
    let found = access_grant::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(ApiError::NotFound)?;
    ledger::get(db, actor, found.child_id).await?;
    let reason = required_text("input.reason", reason, 1000)?;
    if found.revoked_at.is_some() || found.expires_at <= actor.now {
        return Err(ApiError::InvalidTransition {
            message: "the grant has already ended".into(),
            allowed: Vec::new(),
        });
    }
    let mut active = found.clone().into_active_model();
    active.revoked_at = Set(Some(actor.now));
    let after = active.update(db).await?;
    work.finish(
        actor
            .event("access.revoke")
            .on(Kind::Child, found.child_id)
            .with(json!({ "grant": found.id, "organization": found.organization_id, "reason": reason })),
        after,
    )
    .await
}

/// The grants of children in the caller's jurisdiction, newest first: who holds which
/// children's records, for civil affairs' oversight. With `active`, only those (not) in force.
pub async fn list(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    active: Option<bool>,
    page: Page<Uuid>,
) -> ApiResult<Slice<access_grant::Model>> {
    let mut query = access_grant::Entity::find().filter(scope::grants(actor.principal));
    let in_force = sea_orm::Condition::all()
        .add(access_grant::Column::RevokedAt.is_null())
        .add(access_grant::Column::StartsAt.lte(actor.now))
        .add(access_grant::Column::ExpiresAt.gt(actor.now));
    match active {
        Some(true) => query = query.filter(in_force),
        Some(false) => query = query.filter(in_force.not()),
        None => {}
    }
    Ok(page::read(
        db,
        query,
        |query| {
            let mut cursor = query.cursor_by(access_grant::Column::Id);
            cursor.desc();
            cursor
        },
        page,
    )
    .await?)
}

/// One grant of a child in the caller's jurisdiction, as `accessGrants` lists them.
pub async fn find_grant(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    id: Uuid,
) -> ApiResult<Option<access_grant::Model>> {
    super::find_scoped::<access_grant::Entity>(db, id, scope::grants(actor.principal)).await
}

/// Whether a grant is in force at `now`.
pub fn is_active(grant: &access_grant::Model, now: DateTime<Utc>) -> bool {
    grant.revoked_at.is_none() && grant.starts_at <= now && now < grant.expires_at
}

/// How break-glass openings are bounded.
#[derive(Debug, Clone, Copy)]
pub struct BreakGlassLimits {
    /// Hours an opening lasts.
    pub hours: u32,
    /// Openings one account may make in 24 hours.
    pub per_day: u32,
}

/// Opens a child's record outside the caller's scope in an emergency, for `limits.hours`. The
/// record must exist and lie outside the caller's scope; the reason is required and goes to the
/// audit trail and to the supervisors' review list. An account opens at most `limits.per_day`
/// records in 24 hours (`RATE_LIMITED` past that); concurrent openings by one account
/// are serialized on its row so the quota holds. Returns the opening and the path of the
/// child's region, for the supervisors' alert.
pub async fn break_glass(
    store: Store<'_>,
    actor: &Actor<'_>,
    child_id: Uuid,
    reason: &str,
    limits: BreakGlassLimits,
) -> ApiResult<break_glass::Model> {
    let work = store.begin().await?;
    let db = work.db();
    let reason = reason.trim();
    if reason.chars().count() < 10 || reason.chars().count() > 1000 {
        return Err(ApiError::bad_input(
            "input.reason",
            "describe the emergency (10 to 1000 characters)",
        ));
    }
    let Some(region_path) = child::Entity::find_by_id(child_id)
        .select_only()
        .column(child::Column::RegionPath)
        .into_tuple::<String>()
        .one(db)
        .await?
    else {
        return Err(ApiError::NotFound);
    };
    entity::account::Entity::find_by_id(actor.principal.account_id)
        .lock_exclusive()
        .one(db)
        .await?;
    let opened_today = break_glass::Entity::find()
        .filter(break_glass::Column::AccountId.eq(actor.principal.account_id))
        .filter(break_glass::Column::OpenedAt.gt(actor.now - TimeDelta::hours(24)))
        .count(db)
        .await?;
    if opened_today >= u64::from(limits.per_day) {
        return Err(ApiError::RateLimited {
            retry_after_secs: None,
        });
    }
    if let Some(open) = break_glass::Entity::find()
        .filter(break_glass::Column::AccountId.eq(actor.principal.account_id))
        .filter(break_glass::Column::ChildId.eq(child_id))
        .filter(break_glass::Column::ExpiresAt.gt(actor.now))
        .one(db)
        .await?
    {
        return Err(ApiError::Conflict {
            message: "you have this record open already".into(),
            existing: Some((Kind::BreakGlassAccess, open.id)),
        });
    }
    if ledger::find(db, actor, child_id).await?.is_some() {
        return Err(ApiError::bad_input(
            "input.childId",
            "this record is within your scope: open it as usual",
        ));
    }
    let opened = break_glass::Entity::insert(break_glass::ActiveModel {
        id: Set(Uuid::now_v7()),
        account_id: Set(actor.principal.account_id),
        organization_id: Set(actor.principal.organization_id),
        child_id: Set(child_id),
        reason: Set(reason.to_owned()),
        opened_at: Set(actor.now),
        expires_at: Set(actor.now + TimeDelta::hours(i64::from(limits.hours))),
        reviewed_by: Set(None),
        reviewed_at: Set(None),
        review_note: Set(None),
    })
    .exec_with_returning(db)
    .await?;
    audit::record(
        db,
        actor
            .event("break_glass.open")
            .on(Kind::Child, child_id)
            .with(json!({ "access": opened.id, "reason": reason, "expiresAt": opened.expires_at })),
    )
    .await?;
    work.announce(BusEvent::BreakGlass {
        access_id: opened.id,
        region_path,
    })
    .await?;
    work.commit().await?;
    Ok(opened)
}

/// One break-glass opening the caller oversees (of a record in their jurisdiction).
pub async fn opening(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    id: Uuid,
) -> ApiResult<Option<break_glass::Model>> {
    super::find_scoped::<break_glass::Entity>(db, id, scope::break_glass(actor.principal)).await
}

/// Which break-glass openings to list for review.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReviewFilter {
    /// Only reviewed (true) or only awaiting review (false).
    pub reviewed: Option<bool>,
}

/// Break-glass openings of records in the caller's jurisdiction, newest first: the supervisor's
/// review list.
pub async fn reviews(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    filter: ReviewFilter,
    page: Page<Uuid>,
) -> ApiResult<Slice<break_glass::Model>> {
    let mut query = break_glass::Entity::find().filter(scope::break_glass(actor.principal));
    match filter.reviewed {
        Some(true) => query = query.filter(break_glass::Column::ReviewedAt.is_not_null()),
        Some(false) => query = query.filter(break_glass::Column::ReviewedAt.is_null()),
        None => {}
    }
    Ok(page::read(
        db,
        query,
        |query| {
            let mut cursor = query.cursor_by(break_glass::Column::Id);
            cursor.desc();
            cursor
        },
        page,
    )
    .await?)
}

/// Records the review of another officer's break-glass opening in the caller's jurisdiction.
pub async fn review(
    store: Store<'_>,
    actor: &Actor<'_>,
    id: Uuid,
    note: &str,
) -> ApiResult<break_glass::Model> {
    let work = store.begin().await?;
    let db = work.db();
    let found =
        super::get_scoped::<break_glass::Entity>(db, id, scope::break_glass(actor.principal))
            .await?;
    if !actor.policy.may_review_break_glass(actor.principal, &found) {
        return Err(ApiError::Forbidden);
    }
    let note = required_text("input.note", note, 1000)?;
    if found.reviewed_at.is_some() {
        return Err(ApiError::InvalidTransition {
            message: "already reviewed".into(),
            allowed: Vec::new(),
        });
    }
    let mut active = found.clone().into_active_model();
    active.reviewed_by = Set(Some(actor.principal.account_id));
    active.reviewed_at = Set(Some(actor.now));
    active.review_note = Set(Some(note.to_owned()));
    let after = active.update(db).await?;
    work.finish(
        actor
            .event("break_glass.review")
            .on(Kind::Child, found.child_id)
            .with(json!({ "access": found.id, "note": note })),
        after,
    )
    .await
}
