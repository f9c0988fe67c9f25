//! Service activities (holiday classes 村村假期小课堂, day care, tutoring, counselling,
//! family-education guidance, rehabilitation) and the children they served.

use chrono::NaiveDate;
use entity::{child, enums::ActivityKind, region, service_activity, service_activity_child};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, JoinType,
    QueryFilter, QueryResult, QuerySelect,
};
use serde_json::json;
use uuid::Uuid;

use crate::{
    domain::{
        Actor, child as ledger,
        kind::Kind,
        optional_text,
        page::{self, Page, Slice},
        required_text,
        values::RegionPath,
        work::Store,
    },
    error::{ApiError, ApiResult},
    policy::scope,
};

/// An activity as entered.
#[derive(Debug, Clone)]
pub struct ActivityDraft {
    /// What kind of service.
    pub kind: ActivityKind,
    /// Its title.
    pub title: String,
    /// When it was held.
    pub held_on: NaiveDate,
    /// Where.
    pub place: String,
    /// The region it was held in (within the caller's unit's region).
    pub region_id: Uuid,
    /// Notes.
    pub notes: Option<String>,
    /// The children served (each one the caller may see).
    pub child_ids: Vec<Uuid>,
}

/// Records an activity held by the caller's unit.
pub async fn record(
    store: Store<'_>,
    actor: &Actor<'_>,
    draft: ActivityDraft,
) -> ApiResult<service_activity::Model> {
    let work = store.begin().await?;
    let db = work.db();
    for (field, text) in [("input.title", &draft.title), ("input.place", &draft.place)] {
        required_text(field, text, 200)?;
    }
    if draft.held_on > actor.today() {
        return Err(ApiError::bad_input(
            "input.heldOn",
            "record activities once held",
        ));
    }
    let region = region::Entity::find_by_id(draft.region_id)
        .one(db)
        .await?
        .filter(|r| actor.policy.in_area(actor.principal, &r.path))
        .ok_or_else(|| {
            ApiError::bad_input("input.regionId", "no such region in your unit's area")
        })?;
    let mut child_ids = draft.child_ids.clone();
    child_ids.sort();
    child_ids.dedup();
    let visible = ledger::find_many(db, actor, &child_ids).await?;
    if visible.len() != child_ids.len() {
        return Err(ApiError::bad_input(
            "input.childIds",
            "names a child you cannot see",
        ));
    }
    let activity = service_activity::Entity::insert(service_activity::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(actor.principal.organization_id),
        kind: Set(draft.kind),
        title: Set(draft.title.trim().to_owned()),
        held_on: Set(draft.held_on),
        place: Set(draft.place.trim().to_owned()),
        region_id: Set(region.id),
        region_path: Set(region.path),
        notes: Set(optional_text(draft.notes)),
        created_by: Set(actor.principal.account_id),
        created_at: Set(actor.now),
    })
    .exec_with_returning(db)
    .await?;
    if !child_ids.is_empty() {
        service_activity_child::Entity::insert_many(child_ids.iter().map(|child| {
            service_activity_child::ActiveModel {
                activity_id: Set(activity.id),
                child_id: Set(*child),
            }
        }))
        .exec_without_returning(db)
        .await?;
    }
    work.finish(
        actor
            .event("activity.record")
            .on(Kind::ServiceActivity, activity.id)
            .with(json!({ "after": activity, "children": child_ids })),
        activity,
    )
    .await
}

/// Which activities to list.
#[derive(Debug, Clone, Default)]
pub struct ActivityFilter {
    /// Held in this region or below.
    pub region_path: Option<RegionPath>,
    /// Of these kinds.
    pub kinds: Option<Vec<ActivityKind>>,
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

/// The children many activities served, those the caller may see, in one statement: the
/// links joined to the children, with the caller's row scope on the children.
pub async fn children_of(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    activity_ids: &[Uuid],
) -> ApiResult<Vec<(Uuid, child::Model)>> {
    /// A child with the activity that served it.
    struct Served(Uuid, child::Model);
    impl FromQueryResult for Served {
        fn from_query_result(row: &QueryResult, pre: &str) -> Result<Self, DbErr> {
            Ok(Self(
                row.try_get(pre, "activity_id")?,
                child::Model::from_query_result(row, pre)?,
            ))
        }
    }
    let link = service_activity_child::Entity::belongs_to(child::Entity)
        .from(service_activity_child::Column::ChildId)
        .to(child::Column::Id)
        .into();
    Ok(child::Entity::find()
        .column_as(service_activity_child::Column::ActivityId, "activity_id")
        .join_rev(JoinType::InnerJoin, link)
        .filter(service_activity_child::Column::ActivityId.is_in(activity_ids.iter().copied()))
        .filter(ledger::in_scope(actor))
        .into_model::<Served>()
        .all(db)
        .await?
        .into_iter()
        .map(|Served(activity, child)| (activity, child))
        .collect())
}
