//! Quarterly submissions of the ledger (每季度报送, 「健全信息报送机制」): a township or county
//! submits the children of a region registered, changed or closed since the region's previous
//! submission, as the national form (`GET /exports/ledger.xlsx?submissionId=…`).
//!
//! A submission keeps the children it holds and how each changed, so the same file can be
//! downloaded again however the ledger changes after (with the rows as they read now). A
//! region's submissions are numbered; two made at once cannot both follow the same one (the
//! second is refused as a conflict).

use std::collections::HashMap;

use entity::{
    child,
    enums::ChildStatus,
    ledger_submission::{self, Model as Submission},
    ledger_submission_child, region,
};
use sea_orm::{
    ActiveEnum, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter,
    QueryOrder, QuerySelect, QueryTrait, Set,
    sea_query::{Expr, ExprTrait, Query, SelectStatement},
};
use uuid::Uuid;

use crate::{
    auth::Principal,
    domain::{Actor, ApiResult, kind::Kind, values::RegionPath, work::Store},
    error::ApiError,
    policy::scope,
};

/// The most submissions one list holds (a region makes four a year).
pub const MAX_LISTED: u64 = 40;

/// Rows inserted per statement.
const CHUNK: usize = 500;

/// A child as a submission reads it.
#[derive(Debug, FromQueryResult)]
struct Current {
    id: Uuid,
    version: i32,
    guardians_version: i32,
    status: ChildStatus,
}

/// How a child changed since the region's previous submissions, given the status they last
/// submitted (`None`: never submitted): registered since (`new`), no longer followed since
/// (`closed`), or otherwise changed.
fn change(child: &Current, submitted: Option<ChildStatus>) -> &'static str {
    match submitted {
        None => "new",
        Some(ChildStatus::Active) if child.status != ChildStatus::Active => "closed",
        Some(_) => "changed",
    }
}

/// Submits the children of the region `region_id` (within the caller's jurisdiction) that
/// the caller's scope covers and whose record changed since the region's previous submissions
/// took it: a child never submitted, or whose version, or whose guardians' (as the form lists
/// them), has moved on since (all of them for the region's first). Versions, not times, decide, so a change committed while a submission is
/// being made goes into the next one, never into none.
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
    // The region's submitted rows of a child at its current version or later.
    let submitted = |columns: &[ledger_submission_child::Column]| {
        let mut select = Query::select();
        select
            .columns(
                columns
                    .iter()
                    .map(|c| (ledger_submission_child::Entity, *c)),
            )
            .from(ledger_submission_child::Entity)
            .inner_join(
                ledger_submission::Entity,
                Expr::col((ledger_submission::Entity, ledger_submission::Column::Id)).equals((
                    ledger_submission_child::Entity,
                    ledger_submission_child::Column::SubmissionId,
                )),
            )
            .and_where(ledger_submission::Column::RegionId.eq(region.id));
        select
    };
    let mut up_to_date = submitted(&[ledger_submission_child::Column::ChildId]);
    up_to_date
        .and_where(
            Expr::col((
                ledger_submission_child::Entity,
                ledger_submission_child::Column::ChildId,
            ))
            .equals((child::Entity, child::Column::Id)),
        )
        .and_where(
            Expr::col((
                ledger_submission_child::Entity,
                ledger_submission_child::Column::Version,
            ))
            .gte(Expr::col((child::Entity, child::Column::Version))),
        )
        .and_where(
            Expr::col((
                ledger_submission_child::Entity,
                ledger_submission_child::Column::GuardiansVersion,
            ))
            .gte(Expr::col((child::Entity, child::Column::GuardiansVersion))),
        );
    let changed: Vec<Current> = child::Entity::find()
        .select_only()
        .columns([
            child::Column::Id,
            child::Column::Version,
            child::Column::GuardiansVersion,
            child::Column::Status,
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
        .filter(Expr::exists(up_to_date).not())
        .into_model()
        .all(db)
        .await?;

    // The status each changed child last submitted with (its highest version's).
    let mut before: HashMap<Uuid, (i32, ChildStatus)> = HashMap::new();
    for ids in changed.chunks(CHUNK) {
        let mut rows = submitted(&[
            ledger_submission_child::Column::ChildId,
            ledger_submission_child::Column::Version,
            ledger_submission_child::Column::Status,
        ]);
        rows.and_where(
            Expr::col((
                ledger_submission_child::Entity,
                ledger_submission_child::Column::ChildId,
            ))
            .is_in(ids.iter().map(|c| c.id)),
        );
        for row in db.query_all(&rows).await? {
            let id: Uuid = row.try_get("", "child_id")?;
            let version: i32 = row.try_get("", "version")?;
            let status: String = row.try_get("", "status")?;
            let Ok(status) = ChildStatus::try_from_value(&status) else {
                continue;
            };
            let entry = before.entry(id).or_insert((version, status));
            if version > entry.0 {
                *entry = (version, status);
            }
        }
    }

    let id = Uuid::now_v7();
    let mut counts: HashMap<&str, i32> = HashMap::new();
    let rows: Vec<ledger_submission_child::ActiveModel> = changed
        .iter()
        .map(|child| {
            let change = change(child, before.get(&child.id).map(|(_, s)| *s));
            *counts.entry(change).or_default() += 1;
            ledger_submission_child::ActiveModel {
                submission_id: Set(id),
                child_id: Set(child.id),
                change: Set(change.to_owned()),
                version: Set(child.version),
                guardians_version: Set(child.guardians_version),
                status: Set(child.status),
            }
        })
        .collect();
    let count = |change: &str| counts.get(change).copied().unwrap_or(0);
    let since = last.as_ref().map(|l| l.until);
    let submission = ledger_submission::Entity::insert(ledger_submission::ActiveModel {
        id: Set(id),
        region_id: Set(region.id),
        region_path: Set(region.path.clone()),
        sequence: Set(last.as_ref().map_or(1, |l| l.sequence + 1)),
        since: Set(since),
        // Never before the previous one, whatever the clocks of two instances say.
        until: Set(since.map_or(actor.now, |since| Ord::max(since, actor.now))),
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
