//! Visits (走访): child directors' monthly home visits, teachers' home visits, follow-ups.
//! Recorded once per idempotency key, correctable by their author for a while, then fixed and
//! only annotated.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use entity::{
    child,
    enums::{Rating, Role, VisitMethod},
    projection::Columns,
    visit,
};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QuerySelect, QueryTrait,
    sea_query::{Expr, ExprTrait, Order},
};
use serde_json::json;
use uuid::Uuid;

use crate::{
    audit,
    domain::{
        Actor, child as ledger, idempotency,
        kind::Kind,
        page::{self, Page, Slice},
        statistics::visits as compliance,
        values::RegionPath,
        work::{Once, Store},
    },
    error::{ApiError, ApiResult},
    policy::{rules::Correction, scope},
};

/// The operation idempotency keys of `recordVisit` are stored under.
pub const RECORD_VISIT: idempotency::Operation = idempotency::Operation {
    name: "recordVisit",
    kind: Kind::Visit,
};

/// One area's finding: a rating and free text.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Finding {
    /// The rating.
    pub rating: Option<Rating>,
    /// What the visitor saw.
    pub note: Option<String>,
}

/// A visit as entered.
#[derive(Debug, Clone, serde::Serialize)]
pub struct VisitDraft {
    /// When.
    pub visited_at: DateTime<Utc>,
    /// How.
    pub method: VisitMethod,
    /// Living conditions.
    pub living: Finding,
    /// Guardianship.
    pub guardianship: Finding,
    /// Schooling.
    pub schooling: Finding,
    /// Health.
    pub health: Finding,
    /// Safety.
    pub safety: Finding,
    /// Whether follow-up is needed.
    pub follow_up_needed: bool,
    /// The next planned visit.
    pub next_planned_on: Option<NaiveDate>,
}

/// What recording a visit did.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// The visit (the first one, on a retry).
    pub visit: visit::Model,
    /// True when the safety finding is serious: the child must be reported.
    pub needs_report: bool,
}

/// The visits the caller may see: those of children in scope; a teacher sees their own.
fn in_scope(actor: &Actor<'_>) -> Condition {
    scoped_by(actor, ledger::visible_ids(actor))
}

/// The visits of `children` the caller may see, as [`in_scope`] would.
fn in_scope_among(actor: &Actor<'_>, children: &[Uuid]) -> Condition {
    scoped_by(actor, ledger::visible_among(actor, children))
}

/// Visits of the children `visible` selects; a teacher's own only.
fn scoped_by(actor: &Actor<'_>, visible: sea_orm::sea_query::SelectStatement) -> Condition {
    Condition::all()
        .add(visit::Column::ChildId.in_subquery(visible))
        .add(own_only(actor))
}

/// The part of the visits' scope that is not the children's: a teacher sees their own visits
/// only.
fn own_only(actor: &Actor<'_>) -> Condition {
    let own = actor.policy.sees_own_visits_only(actor.principal);
    Condition::all()
        .add_option(own.then(|| visit::Column::VisitorAccountId.eq(actor.principal.account_id)))
}

fn validate(actor: &Actor<'_>, draft: &VisitDraft) -> ApiResult<()> {
    if draft.visited_at > actor.now + TimeDelta::minutes(5) {
        return Err(ApiError::bad_input(
            "input.visitedAt",
            "must not be in the future",
        ));
    }
    if draft.next_planned_on.is_some_and(|d| d < actor.today()) {
        return Err(ApiError::bad_input(
            "input.nextPlannedOn",
            "must not be in the past",
        ));
    }
    for (field, finding) in [
        ("input.living.note", &draft.living),
        ("input.guardianship.note", &draft.guardianship),
        ("input.schooling.note", &draft.schooling),
        ("input.health.note", &draft.health),
        ("input.safety.note", &draft.safety),
    ] {
        if finding
            .note
            .as_deref()
            .is_some_and(|n| n.chars().count() > 2000)
        {
            return Err(ApiError::bad_input(field, "at most 2000 characters"));
        }
    }
    Ok(())
}

fn clean(text: Option<String>) -> Option<String> {
    text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty())
}

fn apply(model: &mut visit::Model, draft: VisitDraft) {
    model.visited_at = draft.visited_at;
    model.method = draft.method;
    model.living_rating = draft.living.rating;
    model.living_note = clean(draft.living.note);
    model.guardianship_rating = draft.guardianship.rating;
    model.guardianship_note = clean(draft.guardianship.note);
    model.schooling_rating = draft.schooling.rating;
    model.schooling_note = clean(draft.schooling.note);
    model.health_rating = draft.health.rating;
    model.health_note = clean(draft.health.note);
    model.safety_rating = draft.safety.rating;
    model.safety_note = clean(draft.safety.note);
    model.follow_up_needed = draft.follow_up_needed;
    model.next_planned_on = draft.next_planned_on;
}

/// Records a visit to a child the caller may see, once per idempotency key: a retry with the
/// same key (also one racing the first) gets the first visit back, never a second one.
pub async fn record(
    store: Store<'_>,
    actor: &Actor<'_>,
    child_id: Uuid,
    key: &str,
    draft: VisitDraft,
) -> ApiResult<Once<visit::Model, Recorded>> {
    let fingerprint = idempotency::fingerprint(&(child_id, &draft));
    let attempt = RECORD_VISIT.attempt(actor, key, &fingerprint);
    store
        .create_once::<visit::Entity, _, _>(attempt, |work| async move {
            let created = insert(work.db(), actor, child_id, key, draft).await;
            (work, created)
        })
        .await
}

/// Inserts a visit to a child the caller may see, remembering the idempotency key.
async fn insert(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    child_id: Uuid,
    key: &str,
    draft: VisitDraft,
) -> ApiResult<Recorded> {
    idempotency::check(key)?;
    let fingerprint = idempotency::fingerprint(&(child_id, &draft));
    let child = ledger::get(db, actor, child_id).await?;
    validate(actor, &draft)?;
    let mut model = visit::Model {
        id: Uuid::now_v7(),
        child_id: child.id,
        visitor_account_id: actor.principal.account_id,
        visitor_role: actor.principal.role,
        visited_at: draft.visited_at,
        method: draft.method,
        living_rating: None,
        living_note: None,
        guardianship_rating: None,
        guardianship_note: None,
        schooling_rating: None,
        schooling_note: None,
        health_rating: None,
        health_note: None,
        safety_rating: None,
        safety_note: None,
        follow_up_needed: false,
        next_planned_on: None,
        created_at: actor.now,
        updated_at: actor.now,
        annotation: None,
        annotated_by: None,
        annotated_at: None,
    };
    apply(&mut model, draft);
    let visit = visit::Entity::insert(model.into_active_model().reset_all())
        .exec_with_returning(db)
        .await?;
    RECORD_VISIT
        .attempt(actor, key, &fingerprint)
        .remember(db, visit.id, actor.now)
        .await?;
    audit::record(
        db,
        actor
            .event("visit.record")
            .on(Kind::Child, child.id)
            .with(json!({ "after": visit })),
    )
    .await?;
    let needs_report = flag_if_serious(db, actor, &child, &visit).await?;
    compliance::visit_recorded(db, &visit, None, actor.now).await?;
    Ok(Recorded {
        visit,
        needs_report,
    })
}

/// A serious safety finding sets `needsReport` on the child (the report itself is the
/// mandatory-report workflow's).
async fn flag_if_serious(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    child: &child::Model,
    visit: &visit::Model,
) -> ApiResult<bool> {
    if visit.safety_rating != Some(Rating::Serious) {
        return Ok(false);
    }
    if !child.needs_report {
        ledger::set_field(db, actor, child.id, child::Column::NeedsReport, true).await?;
        audit::record(
            db,
            actor
                .event("child.needs_report")
                .on(Kind::Child, child.id)
                .with(json!({ "visit": visit.id, "reason": "serious safety finding" })),
        )
        .await?;
    }
    Ok(true)
}

/// One visit the caller may see.
pub async fn get(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    id: Uuid,
) -> ApiResult<visit::Model> {
    super::get_scoped::<visit::Entity>(db, id, in_scope(actor)).await
}

/// Corrects a visit: only its author, only within the correction window.
pub async fn correct(
    store: Store<'_>,
    actor: &Actor<'_>,
    id: Uuid,
    window: TimeDelta,
    draft: VisitDraft,
) -> ApiResult<Recorded> {
    let work = store.begin().await?;
    let db = work.db();
    // Locked until the correction commits: a second correction reads the visit as this one
    // leaves it, so that each marks the month the visit leaves.
    let before = visit::Entity::find_by_id(id)
        .filter(in_scope(actor))
        .lock_exclusive()
        .one(db)
        .await?
        .ok_or(ApiError::NotFound)?;
    match actor.policy.may_correct(
        actor.principal,
        before.visitor_account_id,
        before.created_at,
        actor.now,
        window,
    ) {
        Correction::Allowed => {}
        Correction::NotAuthor => return Err(ApiError::NotFound),
        Correction::WindowClosed => {
            return Err(ApiError::InvalidTransition {
                message:
                    "the correction window has closed; the visit is fixed and can only be annotated"
                        .into(),
                allowed: vec!["annotateVisit".into()],
            });
        }
    }
    validate(actor, &draft)?;
    let mut after = before.clone();
    apply(&mut after, draft);
    after.updated_at = actor.now;
    let mut active = after.clone().into_active_model().reset_all();
    active.id = sea_orm::ActiveValue::Unchanged(after.id);
    let saved = active.update(db).await?;
    audit::record(
        db,
        actor
            .event("visit.correct")
            .on(Kind::Child, saved.child_id)
            .with(json!({ "visit": saved.id, "changes": audit::changes(&before, &saved) })),
    )
    .await?;
    let child = ledger::get(db, actor, saved.child_id).await?;
    let needs_report = flag_if_serious(db, actor, &child, &saved).await?;
    compliance::visit_recorded(db, &saved, Some(&before), actor.now).await?;
    work.commit().await?;
    Ok(Recorded {
        visit: saved,
        needs_report,
    })
}

/// Annotates a fixed visit (civil affairs officers, by policy).
pub async fn annotate(
    store: Store<'_>,
    actor: &Actor<'_>,
    id: Uuid,
    note: &str,
) -> ApiResult<visit::Model> {
    let work = store.begin().await?;
    let db = work.db();
    let before = get(db, actor, id).await?;
    if note.trim().is_empty() {
        return Err(ApiError::bad_input("input.annotation", "is required"));
    }
    let mut active = before.clone().into_active_model();
    active.annotation = Set(Some(note.trim().to_owned()));
    active.annotated_by = Set(Some(actor.principal.account_id));
    active.annotated_at = Set(Some(actor.now));
    let after = active.update(db).await?;
    work.finish(
        actor
            .event("visit.annotate")
            .on(Kind::Child, after.child_id)
            .with(json!({ "visit": after.id, "annotation": after.annotation })),
        after,
    )
    .await
}

/// Which visits to list.
#[derive(Debug, Clone, Default)]
pub struct VisitFilter {
    /// Of children living in this region or below.
    pub region_path: Option<RegionPath>,
    /// Of one child.
    pub child: Option<Uuid>,
    /// By this visitor.
    pub visitor: Option<Uuid>,
    /// From this instant.
    pub from: Option<DateTime<Utc>>,
    /// Until this instant.
    pub until: Option<DateTime<Utc>>,
    /// Only those asking for follow-up.
    pub follow_up_needed: Option<bool>,
    /// Only those with a poor or serious safety finding.
    pub safety_concern: bool,
}

/// The sort key of the visit list: newest first, by time and id.
pub type VisitKey = (DateTime<Utc>, Uuid);

/// A page of the visits the caller may see, newest first.
pub async fn list(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    filter: VisitFilter,
    page: Page<VisitKey>,
) -> ApiResult<Slice<visit::Model>> {
    let scope = match filter.child {
        Some(child) => in_scope_among(actor, &[child]),
        None => in_scope(actor),
    };
    let mut query = visit::Entity::find().filter(scope);
    if let Some(path) = filter.region_path {
        let children = child::Entity::find()
            .select_only()
            .column(child::Column::Id)
            .filter(scope::within(child::Column::RegionPath, &path))
            .into_query();
        query = query.filter(visit::Column::ChildId.in_subquery(children));
    }
    if let Some(visitor) = filter.visitor {
        query = query.filter(visit::Column::VisitorAccountId.eq(visitor));
    }
    if let Some(from) = filter.from {
        query = query.filter(visit::Column::VisitedAt.gte(from));
    }
    if let Some(until) = filter.until {
        query = query.filter(visit::Column::VisitedAt.lt(until));
    }
    if let Some(flag) = filter.follow_up_needed {
        query = query.filter(visit::Column::FollowUpNeeded.eq(flag));
    }
    if filter.safety_concern {
        query = query.filter(visit::Column::SafetyRating.is_in([Rating::Poor, Rating::Serious]));
    }
    Ok(page::read(
        db,
        query,
        |query| {
            let mut cursor = query.cursor_by((visit::Column::VisitedAt, visit::Column::Id));
            cursor.desc();
            cursor
        },
        page,
    )
    .await?)
}

/// When a child was last visited by anyone, and by a child director.
#[derive(Debug, Clone, Copy, sea_orm::FromQueryResult)]
pub struct LastVisits {
    /// The child.
    pub child_id: Uuid,
    /// The latest visit.
    pub any: DateTime<Utc>,
    /// The latest child director's visit dated before next month (a visit may be dated a few
    /// minutes ahead of the clock, which near midnight on a month's last day is next month's).
    pub by_director: Option<DateTime<Utc>>,
}

/// For each child with a visit, as of `now`: when it was last visited by anyone, and by a
/// child director before next month.
pub async fn last_visits(
    db: &impl ConnectionTrait,
    child_ids: &[Uuid],
    now: DateTime<Utc>,
) -> ApiResult<Vec<LastVisits>> {
    let next_month = crate::clock::next_month_start(crate::clock::china_date(now));
    let director_visit = Expr::case(
        Condition::all()
            .add(visit::Column::VisitorRole.eq(Role::ChildDirector))
            .add(visit::Column::VisitedAt.lt(next_month)),
        Expr::col(visit::Column::VisitedAt),
    );
    Ok(visit::Entity::find()
        .select_only()
        .column(visit::Column::ChildId)
        .column_as(visit::Column::VisitedAt.max(), "any")
        .column_as(Expr::expr(director_visit).max(), "by_director")
        .filter(visit::Column::ChildId.is_in(child_ids.iter().copied()))
        .group_by(visit::Column::ChildId)
        .into_model::<LastVisits>()
        .all(db)
        .await?)
}

/// Each child's first `limit` visits the caller may see, newest first, in one statement: the
/// scope of [`list`], the children's part of it checked once on the children that drive
/// [`super::first_per`]. Reads `columns` of them (and the child and order's); the other
/// columns of the models hold placeholders.
pub async fn first_for_children(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    child_ids: &[Uuid],
    limit: u64,
    columns: Columns<visit::Entity>,
) -> ApiResult<Vec<visit::Model>> {
    let columns = columns
        .with(visit::Column::ChildId)
        .with(visit::Column::VisitedAt);
    let rows = columns.select(visit::Entity::find().filter(own_only(actor)));
    let children = super::Parents {
        rows: ledger::among(actor, child_ids),
        id: child::Column::Id,
    };
    let newest_first = [
        (visit::Column::VisitedAt, Order::Desc),
        (visit::Column::Id, Order::Desc),
    ];
    super::first_per(
        db,
        rows,
        visit::Column::ChildId,
        children,
        &newest_first,
        limit,
    )
    .await
}

/// How many visits each of `child_ids` has that the caller may see: for each, the
/// `totalCount` of [`list`] filtered to that child, all in one grouped statement.
pub async fn counts_for_children(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    child_ids: &[Uuid],
) -> ApiResult<Vec<(Uuid, u64)>> {
    let visible = visit::Entity::find().filter(in_scope_among(actor, child_ids));
    Ok(page::counts_by(db, visible, visit::Column::ChildId).await?)
}
