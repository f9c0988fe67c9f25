//! Service activities (holiday classes 村村假期小课堂, day care, tutoring, counselling,
//! family-education guidance, rehabilitation): held at a venue or a named place, recorded once
//! per idempotency key, correctable by their author for a while, with the children and the
//! guardians they were for (family-education sessions are for parents) and who attended.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use entity::{
    child, child_guardian, enums::ActivityKind, guardian, region, service_activity,
    service_activity_child, service_activity_guardian, venue,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    FromQueryResult, IntoActiveModel, JoinType, QueryFilter, QueryResult, QuerySelect, QueryTrait,
    sea_query::SelectStatement,
};
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

use crate::{
    domain::{
        Actor, child as ledger, idempotency,
        kind::Kind,
        limited_text,
        page::{self, Page, Slice},
        required_text,
        values::RegionPath,
        work::{Once, Store},
    },
    error::{ApiError, ApiResult},
    policy::{rules::Correction, scope},
};

/// The operation idempotency keys of `recordServiceActivity` are stored under.
pub const RECORD_ACTIVITY: idempotency::Operation = idempotency::Operation {
    name: "recordServiceActivity",
    kind: Kind::ServiceActivity,
};

/// The most participants (children and guardians together) one activity lists.
pub const MAX_PARTICIPANTS: usize = 500;

/// One participant as entered: who, and whether they came.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Attendance {
    /// The child's or guardian's id.
    pub id: Uuid,
    /// Whether they attended (false: expected, but absent).
    pub attended: bool,
}

/// An activity as entered (recorded or corrected).
#[derive(Debug, Clone, Serialize)]
pub struct ActivityDraft {
    /// What kind of service.
    pub kind: ActivityKind,
    /// Its title.
    pub title: String,
    /// When it was held.
    pub held_on: NaiveDate,
    /// The venue it was held at.
    pub venue: Option<Uuid>,
    /// Where, in words (required without a venue; the venue's name by default).
    pub place: Option<String>,
    /// The region it was held in (by default the venue's village).
    pub region: Option<Uuid>,
    /// Notes.
    pub notes: Option<String>,
    /// The children it was for (each one the caller may see).
    pub children: Vec<Attendance>,
    /// The guardians it was for (each one of a child the caller may see).
    pub guardians: Vec<Attendance>,
}

/// Who an activity was for, as stored.
#[derive(Debug, Clone, Default, Serialize)]
struct Participants {
    children: Vec<Attendance>,
    guardians: Vec<Attendance>,
}

/// Where an activity took place, checked.
struct Place {
    venue: Option<Uuid>,
    text: String,
    region: region::Model,
}

/// Records an activity held by the caller's unit, once per idempotency key: a retry with the
/// same key (also one racing the first) gets the first activity back.
pub async fn record(
    store: Store<'_>,
    actor: &Actor<'_>,
    key: &str,
    draft: ActivityDraft,
) -> ApiResult<Once<service_activity::Model, service_activity::Model>> {
    let mut draft = draft;
    draft.children.sort();
    draft.guardians.sort();
    // Fingerprinted in order, so that a retry naming the participants in another order is the
    // same request.
    store
        .create_keyed::<service_activity::Entity, _, _>(
            (RECORD_ACTIVITY, actor, key),
            draft,
            |activity: &service_activity::Model| activity.id,
            async |db, draft| insert(db, actor, draft).await,
        )
        .await
}

async fn insert(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    draft: ActivityDraft,
) -> ApiResult<service_activity::Model> {
    let (fields, participants) = checked(db, actor, draft).await?;
    let activity = service_activity::Entity::insert(fields.into_active_model())
        .exec_with_returning(db)
        .await?;
    write_participants(db, activity.id, &participants).await?;
    crate::audit::record(
        db,
        actor
            .event("activity.record")
            .on(Kind::ServiceActivity, activity.id)
            .with(json!({ "after": activity, "participants": participants })),
    )
    .await?;
    Ok(activity)
}

/// Checks a draft against what the caller may name, and makes the row it describes (a new id,
/// recorded now by the caller) and its participants.
async fn checked(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    draft: ActivityDraft,
) -> ApiResult<(service_activity::Model, Participants)> {
    let title = required_text("input.activity.title", &draft.title, 200)?;
    let place = place(db, actor, &draft).await?;
    let notes = limited_text("input.activity.notes", draft.notes, 2000)?;
    if draft.held_on > actor.today() {
        return Err(ApiError::bad_input(
            "input.activity.heldOn",
            "record activities once held",
        ));
    }
    let participants = participants(db, actor, draft.children, draft.guardians).await?;
    let model = service_activity::Model {
        id: Uuid::now_v7(),
        organization_id: actor.principal.organization_id,
        kind: draft.kind,
        title,
        held_on: draft.held_on,
        place: place.text,
        venue_id: place.venue,
        region_id: place.region.id,
        region_path: place.region.path,
        notes,
        created_by: actor.principal.account_id,
        created_at: actor.now,
        corrected_at: None,
    };
    Ok((model, participants))
}

/// The venue, place and region of a draft: a venue serving a village of the caller's area,
/// open on the day; a region of the caller's area (the venue's village when a venue is named).
async fn place(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    draft: &ActivityDraft,
) -> ApiResult<Place> {
    let text = limited_text("input.activity.place", draft.place.clone(), 200)?;
    let venue = match draft.venue {
        Some(id) => Some(
            venue::Entity::find_by_id(id)
                .one(db)
                .await?
                .filter(|v| actor.policy.in_area(actor.principal, &v.region_path))
                .ok_or_else(|| {
                    ApiError::bad_input("input.activity.venueId", "no such venue in your area")
                })?,
        ),
        None => None,
    };
    if let Some(closed) = venue.as_ref().and_then(|v| v.closed_on)
        && draft.held_on >= closed
    {
        return Err(ApiError::bad_input(
            "input.activity.venueId",
            format!("the venue closed on {closed}"),
        ));
    }
    let region_id = match (draft.region, &venue) {
        (Some(region), Some(venue)) if region != venue.region_id => {
            return Err(ApiError::bad_input(
                "input.activity.regionId",
                "the venue serves another village; leave the region out to use the venue's",
            ));
        }
        (Some(region), _) => region,
        (None, Some(venue)) => venue.region_id,
        (None, None) => {
            return Err(ApiError::bad_input(
                "input.activity.regionId",
                "name the region, or a venue",
            ));
        }
    };
    let region = region::Entity::find_by_id(region_id)
        .one(db)
        .await?
        .filter(|r| actor.policy.in_area(actor.principal, &r.path))
        .ok_or_else(|| {
            ApiError::bad_input(
                "input.activity.regionId",
                "no such region in your unit's area",
            )
        })?;
    let text = match (text, &venue) {
        (Some(text), _) => text,
        (None, Some(venue)) => venue.name.clone(),
        (None, None) => {
            return Err(ApiError::bad_input(
                "input.activity.place",
                "name the place, or a venue",
            ));
        }
    };
    Ok(Place {
        venue: venue.map(|v| v.id),
        text,
        region,
    })
}

/// The participants of a draft, each named once, each one the caller may see: children in
/// the caller's row scope, guardians of such children.
async fn participants(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    children: Vec<Attendance>,
    guardians: Vec<Attendance>,
) -> ApiResult<Participants> {
    const FIELD: &str = "input.activity.participants";
    if children.len() + guardians.len() > MAX_PARTICIPANTS {
        return Err(ApiError::bad_input(
            FIELD,
            format!("at most {MAX_PARTICIPANTS} participants"),
        ));
    }
    let once = |mut people: Vec<Attendance>| {
        people.sort();
        let before = people.len();
        people.dedup_by_key(|p| p.id);
        if people.len() == before {
            Ok(people)
        } else {
            Err(ApiError::bad_input(FIELD, "names someone twice"))
        }
    };
    let children = once(children)?;
    let guardians = once(guardians)?;
    let child_ids: Vec<Uuid> = children.iter().map(|c| c.id).collect();
    if ledger::find_many(db, actor, &child_ids).await?.len() != child_ids.len() {
        return Err(ApiError::bad_input(FIELD, "names a child you cannot see"));
    }
    if !guardians.is_empty() {
        let seen: Vec<Uuid> = guardian::Entity::find()
            .select_only()
            .column(guardian::Column::Id)
            .filter(guardian::Column::Id.is_in(guardians.iter().map(|g| g.id)))
            .filter(guardian::Column::Id.in_subquery(visible_guardians(actor)))
            .into_tuple()
            .all(db)
            .await?;
        if seen.len() != guardians.len() {
            return Err(ApiError::bad_input(
                FIELD,
                "names a guardian you cannot see",
            ));
        }
    }
    Ok(Participants {
        children,
        guardians,
    })
}

/// The guardians the caller may see: those linked now (an ended link, a guardianship revoked,
/// no longer counts) to a child in the caller's row scope.
fn visible_guardians(actor: &Actor<'_>) -> SelectStatement {
    let children = child::Entity::find()
        .select_only()
        .column(child::Column::Id)
        .filter(ledger::in_scope(actor))
        .into_query();
    child_guardian::Entity::find()
        .select_only()
        .column(child_guardian::Column::GuardianId)
        .filter(child_guardian::Column::ChildId.in_subquery(children))
        .filter(child_guardian::Column::EndedAt.is_null())
        .into_query()
}

async fn write_participants(
    db: &impl ConnectionTrait,
    activity: Uuid,
    participants: &Participants,
) -> ApiResult<()> {
    if !participants.children.is_empty() {
        service_activity_child::Entity::insert_many(participants.children.iter().map(|c| {
            service_activity_child::ActiveModel {
                activity_id: Set(activity),
                child_id: Set(c.id),
                attended: Set(c.attended),
            }
        }))
        .exec_without_returning(db)
        .await?;
    }
    if !participants.guardians.is_empty() {
        service_activity_guardian::Entity::insert_many(participants.guardians.iter().map(|g| {
            service_activity_guardian::ActiveModel {
                activity_id: Set(activity),
                guardian_id: Set(g.id),
                attended: Set(g.attended),
            }
        }))
        .exec_without_returning(db)
        .await?;
    }
    Ok(())
}

async fn stored_participants(db: &impl ConnectionTrait, activity: Uuid) -> ApiResult<Participants> {
    let children = service_activity_child::Entity::find()
        .filter(service_activity_child::Column::ActivityId.eq(activity))
        .all(db)
        .await?
        .into_iter()
        .map(|c| Attendance {
            id: c.child_id,
            attended: c.attended,
        })
        .collect();
    let guardians = service_activity_guardian::Entity::find()
        .filter(service_activity_guardian::Column::ActivityId.eq(activity))
        .all(db)
        .await?
        .into_iter()
        .map(|g| Attendance {
            id: g.guardian_id,
            attended: g.attended,
        })
        .collect();
    Ok(Participants {
        children,
        guardians,
    })
}

/// Until when the caller may correct the activity: its author, within `window` of recording
/// it; `None` for anyone else.
pub fn correctable_until(
    actor: &Actor<'_>,
    activity: &service_activity::Model,
    window: TimeDelta,
) -> Option<DateTime<Utc>> {
    let author = actor.policy.may_correct(
        actor.principal,
        activity.created_by,
        activity.created_at,
        activity.created_at,
        window,
    );
    (author != Correction::NotAuthor).then(|| activity.created_at + window)
}

/// Corrects an activity: only its author, only within the correction window. The draft
/// replaces what was recorded, participants included.
pub async fn correct(
    store: Store<'_>,
    actor: &Actor<'_>,
    id: Uuid,
    window: TimeDelta,
    draft: ActivityDraft,
) -> ApiResult<service_activity::Model> {
    let work = store.begin().await?;
    let db = work.db();
    let before = find(db, actor, id).await?.ok_or(ApiError::NotFound)?;
    match actor.policy.may_correct(
        actor.principal,
        before.created_by,
        before.created_at,
        actor.now,
        window,
    ) {
        Correction::Allowed => {}
        Correction::NotAuthor => return Err(ApiError::NotFound),
        Correction::WindowClosed => {
            return Err(ApiError::InvalidTransition {
                message: "the correction window has closed; the activity is fixed".into(),
                allowed: Vec::new(),
            });
        }
    }
    let (fields, participants) = checked(db, actor, draft).await?;
    let after = service_activity::Model {
        id: before.id,
        organization_id: before.organization_id,
        created_by: before.created_by,
        created_at: before.created_at,
        corrected_at: Some(actor.now),
        ..fields
    };
    let mut active = after.into_active_model().reset_all();
    active.id = sea_orm::ActiveValue::Unchanged(before.id);
    // The update holds the row: a concurrent correction waits for this one and then replaces
    // what it wrote, instead of both replacing the same participants.
    let saved = active.update(db).await?;
    let was = stored_participants(db, id).await?;
    service_activity_child::Entity::delete_many()
        .filter(service_activity_child::Column::ActivityId.eq(id))
        .exec(db)
        .await?;
    service_activity_guardian::Entity::delete_many()
        .filter(service_activity_guardian::Column::ActivityId.eq(id))
        .exec(db)
        .await?;
    write_participants(db, id, &participants).await?;
    let event = actor
        .event("activity.correct")
        .on(Kind::ServiceActivity, id)
        .with(json!({
            "changes": crate::audit::changes(&before, &saved),
            "participants": { "before": was, "after": participants },
        }));
    work.finish(event, saved).await
}

/// Which activities to list.
#[derive(Debug, Clone, Default)]
pub struct ActivityFilter {
    /// Held in this region or below.
    pub region_path: Option<RegionPath>,
    /// Of these kinds.
    pub kinds: Option<Vec<ActivityKind>>,
    /// Held at this venue.
    pub venue: Option<Uuid>,
    /// From this day.
    pub from: Option<NaiveDate>,
    /// Until this day.
    pub until: Option<NaiveDate>,
}

/// The activities held in the caller's unit's region, newest first.
pub async fn list(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    filter: ActivityFilter,
    page: Page<(NaiveDate, Uuid)>,
) -> ApiResult<Slice<service_activity::Model>> {
    let mut query = service_activity::Entity::find().filter(scope::within(
        service_activity::Column::RegionPath,
        &actor.principal.region_path,
    ));
    if let Some(path) = filter.region_path {
        query = query.filter(scope::within(service_activity::Column::RegionPath, &path));
    }
    if let Some(kinds) = filter.kinds {
        query = query.filter(service_activity::Column::Kind.is_in(kinds));
    }
    if let Some(venue) = filter.venue {
        query = query.filter(service_activity::Column::VenueId.eq(venue));
    }
    if let Some(from) = filter.from {
        query = query.filter(service_activity::Column::HeldOn.gte(from));
    }
    if let Some(until) = filter.until {
        query = query.filter(service_activity::Column::HeldOn.lte(until));
    }
    Ok(page::read(
        db,
        query,
        |query| {
            let mut cursor = query.cursor_by((
                service_activity::Column::HeldOn,
                service_activity::Column::Id,
            ));
            cursor.desc();
            cursor
        },
        page,
    )
    .await?)
}

/// One activity in the caller's area, as `serviceActivities` lists them.
pub async fn find(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    id: Uuid,
) -> ApiResult<Option<service_activity::Model>> {
    super::find_scoped::<service_activity::Entity>(
        db,
        id,
        scope::within(
            service_activity::Column::RegionPath,
            &actor.principal.region_path,
        ),
    )
    .await
}

/// A child an activity was for, with whether the child attended.
#[derive(Debug, Clone)]
pub struct ChildParticipant {
    /// The activity.
    pub activity: Uuid,
    /// Whether the child attended.
    pub attended: bool,
    /// The child.
    pub child: child::Model,
}

impl FromQueryResult for ChildParticipant {
    fn from_query_result(row: &QueryResult, pre: &str) -> Result<Self, DbErr> {
        Ok(Self {
            activity: row.try_get(pre, "activity_id")?,
            attended: row.try_get(pre, "attended")?,
            child: child::Model::from_query_result(row, pre)?,
        })
    }
}

/// The children many activities were for, those the caller may see, in one statement: the
/// links joined to the children, with the caller's row scope on the children.
pub async fn children_of(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    activity_ids: &[Uuid],
) -> ApiResult<Vec<ChildParticipant>> {
    let link = service_activity_child::Entity::belongs_to(child::Entity)
        .from(service_activity_child::Column::ChildId)
        .to(child::Column::Id)
        .into();
    Ok(child::Entity::find()
        .column_as(service_activity_child::Column::ActivityId, "activity_id")
        .column_as(service_activity_child::Column::Attended, "attended")
        .join_rev(JoinType::InnerJoin, link)
        .filter(service_activity_child::Column::ActivityId.is_in(activity_ids.iter().copied()))
        .filter(ledger::in_scope(actor))
        .into_model::<ChildParticipant>()
        .all(db)
        .await?)
}

/// A guardian an activity was for, with whether the guardian attended.
#[derive(Debug, Clone)]
pub struct GuardianParticipant {
    /// The activity.
    pub activity: Uuid,
    /// Whether the guardian attended.
    pub attended: bool,
    /// The guardian.
    pub guardian: guardian::Model,
}

impl FromQueryResult for GuardianParticipant {
    fn from_query_result(row: &QueryResult, pre: &str) -> Result<Self, DbErr> {
        Ok(Self {
            activity: row.try_get(pre, "activity_id")?,
            attended: row.try_get(pre, "attended")?,
            guardian: guardian::Model::from_query_result(row, pre)?,
        })
    }
}

/// The guardians many activities were for, those the caller may see (guardians of children in
/// the caller's row scope), in one statement.
pub async fn guardians_of(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    activity_ids: &[Uuid],
) -> ApiResult<Vec<GuardianParticipant>> {
    let link = service_activity_guardian::Entity::belongs_to(guardian::Entity)
        .from(service_activity_guardian::Column::GuardianId)
        .to(guardian::Column::Id)
        .into();
    Ok(guardian::Entity::find()
        .column_as(service_activity_guardian::Column::ActivityId, "activity_id")
        .column_as(service_activity_guardian::Column::Attended, "attended")
        .join_rev(JoinType::InnerJoin, link)
        .filter(service_activity_guardian::Column::ActivityId.is_in(activity_ids.iter().copied()))
        .filter(guardian::Column::Id.in_subquery(visible_guardians(actor)))
        .into_model::<GuardianParticipant>()
        .all(db)
        .await?)
}
