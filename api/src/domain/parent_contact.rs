//! Children's contact with their parents working away: the plan asks schools, villages and
//! venues to make calls, video calls and visits home possible (「为农村留守儿童通过电话、视频等方式
//! 与父母联系提供便利」). Those who help record each contact with the child it was for; a child who
//! has not been in touch with a parent for [`SILENCE_DAYS`] days is flagged, listed by the
//! `noParentContactInDays` filter and counted on the home screens of teachers and child
//! directors.
//!
//! A contact names one parent: a current guardian of the child whose place of work away from
//! home is on record (the registration form's 外出务工 fields).

use chrono::{DateTime, TimeDelta, Utc};
use entity::{
    child_guardian,
    enums::{ContactFacilitator, ParentContactMethod},
    guardian, parent_contact,
};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter,
    QuerySelect, QueryTrait,
};
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

use crate::{
    audit,
    domain::{
        Actor, child as ledger, idempotency,
        kind::Kind,
        optional_text,
        work::{Once, Store},
    },
    error::{ApiError, ApiResult},
};

/// The operation idempotency keys of `recordParentContact` are stored under.
pub const RECORD_PARENT_CONTACT: idempotency::Operation = idempotency::Operation {
    name: "recordParentContact",
    kind: Kind::ParentContact,
};

/// Days without contact after which a child is flagged (`parentContactOverdue`).
pub const SILENCE_DAYS: i64 = 30;

/// How far back a contact may be recorded.
const OLDEST_DAYS: i64 = 366;

/// A contact as entered.
#[derive(Debug, Clone, Serialize)]
pub struct ContactDraft {
    /// The child.
    pub child: Uuid,
    /// The parent working away.
    pub guardian: Uuid,
    /// When.
    pub contacted_at: DateTime<Utc>,
    /// How.
    pub method: ParentContactMethod,
    /// Who made it possible.
    pub facilitated_by: ContactFacilitator,
    /// A note (at most 1000 characters).
    pub note: Option<String>,
}

/// Each child's latest contact with a parent working away.
#[derive(Debug, Clone, FromQueryResult)]
pub struct LastContact {
    /// The child.
    pub child_id: Uuid,
    /// When it was last in touch.
    pub at: DateTime<Utc>,
}

/// Records a contact of a child the caller may see with one of its parents working away; a
/// retry with the same key answers the contact recorded first.
pub async fn record(
    store: Store<'_>,
    actor: &Actor<'_>,
    key: &str,
    draft: ContactDraft,
) -> ApiResult<Once<parent_contact::Model, parent_contact::Model>> {
    let once = store
        .create_keyed::<parent_contact::Entity, _, _>(
            (RECORD_PARENT_CONTACT, actor, key),
            draft,
            |contact: &parent_contact::Model| contact.id,
            async |db, draft| insert(db, actor, draft).await,
        )
        .await?;
    // A retry answers the first contact only while its child is still in the caller's sight.
    if let Once::Replayed(contact) = &once {
        ledger::get(store.db, actor, contact.child_id).await?;
    }
    Ok(once)
}

async fn insert(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    draft: ContactDraft,
) -> ApiResult<parent_contact::Model> {
    let child = ledger::get(db, actor, draft.child).await?;
    if draft.contacted_at > actor.now + TimeDelta::minutes(5) {
        return Err(ApiError::bad_input(
            "input.contactedAt",
            "must not be in the future",
        ));
    }
    if draft.contacted_at < actor.now - TimeDelta::days(OLDEST_DAYS) {
        return Err(ApiError::bad_input(
            "input.contactedAt",
            "must be within the last year",
        ));
    }
    let note = optional_text(draft.note);
    if note.as_ref().is_some_and(|n| n.chars().count() > 1000) {
        return Err(ApiError::bad_input("input.note", "at most 1000 characters"));
    }
    let parent = guardian::Entity::find_by_id(draft.guardian)
        .filter(
            guardian::Column::Id.in_subquery(
                child_guardian::Entity::find()
                    .select_only()
                    .column(child_guardian::Column::GuardianId)
                    .filter(child_guardian::Column::ChildId.eq(child.id))
                    .filter(child_guardian::Column::EndedAt.is_null())
                    .into_query(),
            ),
        )
        .one(db)
        .await?
        .filter(works_away);
    let Some(parent) = parent else {
        return Err(ApiError::bad_input(
            "input.guardianId",
            "not a guardian of this child working away from home",
        ));
    };
    let contact = parent_contact::Entity::insert(parent_contact::ActiveModel {
        id: Set(Uuid::now_v7()),
        child_id: Set(child.id),
        guardian_id: Set(parent.id),
        contacted_at: Set(draft.contacted_at),
        method: Set(draft.method),
        facilitated_by: Set(draft.facilitated_by),
        organization_id: Set(actor.principal.organization_id),
        recorded_by: Set(actor.principal.account_id),
        note: Set(note),
        created_at: Set(actor.now),
    })
    .exec_with_returning(db)
    .await?;
    audit::record(
        db,
        actor
            .event("parent_contact.record")
            .on(Kind::Child, child.id)
            .with(json!({ "after": contact })),
    )
    .await?;
    Ok(contact)
}

/// Whether the guardian works away from home: the form's place of work is on record.
fn works_away(parent: &guardian::Model) -> bool {
    parent.work_province.is_some() || parent.work_city.is_some()
}

/// Each of `child_ids`' latest `limit` contacts with a parent working away, newest first, for
/// the children the caller may see, in one statement ([`super::first_per`]).
pub async fn first_for_children(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    child_ids: &[Uuid],
    limit: u64,
) -> ApiResult<Vec<parent_contact::Model>> {
    let children = super::Parents {
        rows: ledger::among(actor, child_ids),
        id: entity::child::Column::Id,
    };
    let newest_first = [
        (parent_contact::Column::ContactedAt, sea_orm::Order::Desc),
        (parent_contact::Column::Id, sea_orm::Order::Desc),
    ];
    super::first_per(
        db,
        parent_contact::Entity::find(),
        parent_contact::Column::ChildId,
        children,
        &newest_first,
        limit,
    )
    .await
}

/// Each of `child_ids`' latest contact with a parent, for those that have one.
pub async fn last_contacts(
    db: &impl ConnectionTrait,
    child_ids: &[Uuid],
) -> ApiResult<Vec<LastContact>> {
    Ok(parent_contact::Entity::find()
        .select_only()
        .column(parent_contact::Column::ChildId)
        .column_as(parent_contact::Column::ContactedAt.max(), "at")
        .filter(parent_contact::Column::ChildId.is_in(child_ids.iter().copied()))
        .group_by(parent_contact::Column::ChildId)
        .into_model::<LastContact>()
        .all(db)
        .await?)
}
