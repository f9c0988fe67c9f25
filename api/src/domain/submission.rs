//! Quarterly submissions of the ledger (每季度报送, 「健全信息报送机制」): a township or county
//! submits the children of a region registered, changed or closed since the region's previous
//! submission, as the national form (`GET /exports/ledger.xlsx?submissionId=…`).
//!
//! A submission keeps the children it holds and how each changed, so the same file can be
//! downloaded again however the ledger changes after (with the rows as they read now). A
//! region's submissions are numbered; two made at once cannot both follow the same one (the
//! second is refused as a conflict).

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    child,
    enums::ChildStatus,
    ledger_submission::{self, Model as Submission},
    ledger_submission_child, region,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, Set, sea_query::SelectStatement,
};
use uuid::Uuid;

use crate::{
    auth::Principal,
    clock::china_date,
    domain::{Actor, ApiResult, kind::Kind, values::RegionPath, work::Store},
    error::ApiError,
    policy::scope,
};

/// The most submissions one list holds (a region makes four a year).
pub const MAX_LISTED: u64 = 40;

/// Rows inserted per statement.
const CHUNK: usize = 500;

/// A child as a submission classifies it.
#[derive(Debug, FromQueryResult)]
struct Changed {
    id: Uuid,
    created_at: DateTime<Utc>,
    status: ChildStatus,
    status_changed_on: Option<NaiveDate>,
}

/// How a child changed since `since`: registered after it (`new`), no longer followed since
/// it (`closed`), or otherwise changed. Everything is new in a region's first submission.
fn change(child: &Changed, since: Option<DateTime<Utc>>) -> &'static str {
    let Some(since) = since else {
        return "new";
    };
    if child.created_at > since {
        "new"
    } else if child.status != ChildStatus::Active
        && child
            .status_changed_on
            .is_some_and(|on| on >= china_date(since))
    {
        "closed"
    } else {
        "changed"
    }
}

/// Submits the children of the region `region_id` (within the caller's jurisdiction) that
/// the caller's scope covers and that were registered or changed since the region's previous
/// submission (all of them for its first), up to now.
pub async fn submit(store: Store<'_>, actor: &Actor<'_>, region_id: Uuid) -> ApiResult<Submission> {
    let work = store.begin().await?;
    let db = work.db();
    let region = region::Entity::find_by_id(region_id)
        .filter(scope::within(
            region::Column::Path,
            &actor.principal.region_path,
        ))
        .one(db)
        .await?
        .ok_or_else(|| {
            ApiError::bad_input("input.regionId", "no such region in your jurisdiction")
        })?;
    let last = ledger_submission::Entity::find()
        .filter(ledger_submission::Column::RegionId.eq(region.id))
        .order_by_desc(ledger_submission::Column::Sequence)
        .one(db)
        .await?;
    let since = last.as_ref().map(|l| l.until);
    let mut query = child::Entity::find()
        .select_only()
        .columns([
            child::Column::Id,
            child::Column::CreatedAt,
            child::Column::Status,
            child::Column::StatusChangedOn,
        ])
        .filter(scope::children(
            actor.policy,
            actor.principal,
            actor.now,
            false,
        ))
        .filter(scope::within(
            child::Column::RegionPath,
            &RegionPath::from(region.path.clone()),
        ))
        .filter(child::Column::UpdatedAt.lte(actor.now));
    if let Some(since) = since {
        query = query.filter(child::Column::UpdatedAt.gt(since));
    }
    let changed: Vec<Changed> = query.into_model().all(db).await?;

    let id = Uuid::now_v7();
    let mut counts: HashMap<&str, i32> = HashMap::new();
    let rows: Vec<ledger_submission_child::ActiveModel> = changed
        .iter()
        .map(|child| {
            let change = change(child, since);
            *counts.entry(change).or_default() += 1;
            ledger_submission_child::ActiveModel {
                submission_id: Set(id),
                child_id: Set(child.id),
                change: Set(change.to_owned()),
            }
        })
        .collect();
    let count = |change: &str| counts.get(change).copied().unwrap_or(0);
    let submission = ledger_submission::Entity::insert(ledger_submission::ActiveModel {
        id: Set(id),
        region_id: Set(region.id),
        region_path: Set(region.path.clone()),
        sequence: Set(last.map_or(1, |l| l.sequence + 1)),
        since: Set(since),
        until: Set(actor.now),
        submitted_by: Set(actor.principal.account_id),
        new_records: Set(count("new")),
        changed_records: Set(count("changed")),
        closed_records: Set(count("closed")),
    })
    .exec_with_returning(db)
    .await
    .map_err(|err| match ApiError::from(err) {
        ApiError::Conflict { .. } => ApiError::conflict(
            "another submission of this region was made at the same time: list the region's \
             submissions and download that one",
        ),
        other => other,
    })?;
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<_> = rows.by_ref().take(CHUNK).collect();
        ledger_submission_child::Entity::insert_many(chunk)
            .exec_without_returning(db)
            .await?;
    }
    work.wrote(
        actor,
        "ledger.submit",
        (Kind::LedgerSubmission, submission.id),
        submission,
    )
    .await
}

/// The submission `id`, when it is of a region within the principal's jurisdiction.
pub async fn find(
    db: &impl ConnectionTrait,
    principal: &Principal,
    id: Uuid,
) -> ApiResult<Option<Submission>> {
    Ok(ledger_submission::Entity::find_by_id(id)
        .filter(scope::within(
            ledger_submission::Column::RegionPath,
            &principal.region_path,
        ))
        .one(db)
        .await?)
}

/// The latest submissions (at most [`MAX_LISTED`]) of regions within the principal's
/// jurisdiction, and within the region `region` when given, newest first.
pub async fn list(
    db: &impl ConnectionTrait,
    principal: &Principal,
    region: Option<Uuid>,
) -> ApiResult<Vec<Submission>> {
    let mut query = ledger_submission::Entity::find().filter(scope::within(
        ledger_submission::Column::RegionPath,
        &principal.region_path,
    ));
    if let Some(region) = region {
        query = query.filter(ledger_submission::Column::RegionId.eq(region));
    }
    Ok(query
        .order_by_desc(ledger_submission::Column::Until)
        .order_by_desc(ledger_submission::Column::Id)
        .limit(MAX_LISTED)
        .all(db)
        .await?)
}

/// The children of the submission `id` when it is of a region within the principal's
/// jurisdiction, as a subquery of child ids.
pub fn children_of(principal: &Principal, id: Uuid) -> SelectStatement {
    let submissions = ledger_submission::Entity::find()
        .select_only()
        .column(ledger_submission::Column::Id)
        .filter(ledger_submission::Column::Id.eq(id))
        .filter(scope::within(
            ledger_submission::Column::RegionPath,
            &principal.region_path,
        ))
        .into_query();
    ledger_submission_child::Entity::find()
        .select_only()
        .column(ledger_submission_child::Column::ChildId)
        .filter(ledger_submission_child::Column::SubmissionId.in_subquery(submissions))
        .into_query()
}

/// How each child of the submission `id` changed (`new`, `changed`, `closed`).
pub async fn changes(db: &impl ConnectionTrait, id: Uuid) -> ApiResult<HashMap<Uuid, String>> {
    Ok(ledger_submission_child::Entity::find()
        .filter(ledger_submission_child::Column::SubmissionId.eq(id))
        .all(db)
        .await?
        .into_iter()
        .map(|row| (row.child_id, row.change))
        .collect())
}
