//! Responsibility (责任单位 / 协助单位): which unit leads or assists on a plan task or a case,
//! progress reports, overdue flags, each unit's inbox, and the joint meeting's overview.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    assignment, assignment_progress,
    enums::{AssignmentStatus, OrganizationKind, Responsibility, SubjectType},
    organization, plan_task, region,
};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait,
    sea_query::{Expr, ExprTrait, Func, SelectStatement},
};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use crate::{
    domain::{
        Actor,
        kind::Kind,
        optional_text,
        page::{self, Page, Slice},
        values::RegionPath,
        work::Store,
    },
    error::{ApiError, ApiResult},
    policy::scope,
};

/// A unit's responsibility to record.
#[derive(Debug, Clone)]
pub struct Duty {
    /// What kind of subject.
    pub subject_type: SubjectType,
    /// A plan task's key, or a record's id.
    pub key: String,
    /// The unit.
    pub organization: Uuid,
    /// Lead or assisting.
    pub responsibility: Responsibility,
    /// What is to be done.
    pub title: String,
    /// When it is due.
    pub due_on: Option<NaiveDate>,
}

/// The row of a new assignment of `duty`, made by `by` at `now`.
pub(crate) fn row(duty: Duty, by: Option<Uuid>, now: DateTime<Utc>) -> assignment::ActiveModel {
    assignment::ActiveModel {
        id: Set(Uuid::now_v7()),
        subject_type: Set(duty.subject_type),
        subject_key: Set(duty.key),
        organization_id: Set(duty.organization),
        responsibility: Set(duty.responsibility),
        title: Set(duty.title),
        due_on: Set(duty.due_on),
        status: Set(AssignmentStatus::Open),
        created_by: Set(by),
        created_at: Set(now),
        updated_at: Set(now),
        progress_percent: Set(0),
        done_at: Set(None),
    }
}

/// Records a responsibility that workflows create, unless the unit already has it.
pub async fn ensure(
    db: &impl ConnectionTrait,
    by: Option<Uuid>,
    now: DateTime<Utc>,
    duty: Duty,
) -> ApiResult<()> {
    assignment::Entity::insert(row(duty, by, now))
        .on_conflict_do_nothing_on([
            assignment::Column::SubjectType,
            assignment::Column::SubjectKey,
            assignment::Column::OrganizationId,
        ])
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// [`ensure`], as a step of `actor`'s command.
pub async fn ensure_by(db: &impl ConnectionTrait, actor: &Actor<'_>, duty: Duty) -> ApiResult<()> {
    ensure(db, Some(actor.principal.account_id), actor.now, duty).await
}

/// Moves every unit's assignment on a subject to `status` (done at 100 percent), when a
/// workflow finishes or starts the subject itself; with `from`, only those in that state.
pub async fn settle(
    db: &impl ConnectionTrait,
    subject_type: SubjectType,
    key: &str,
    status: AssignmentStatus,
    from: Option<AssignmentStatus>,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    let mut update = assignment::Entity::update_many()
        .col_expr(assignment::Column::Status, Expr::value(status))
        .col_expr(assignment::Column::UpdatedAt, Expr::value(now))
        .filter(assignment::Column::SubjectType.eq(subject_type))
        .filter(assignment::Column::SubjectKey.eq(key));
    if status == AssignmentStatus::Done {
        // Those already done keep the time they were.
        update = update
            .col_expr(assignment::Column::ProgressPercent, Expr::value(100))
            .col_expr(
                assignment::Column::DoneAt,
                Expr::col(assignment::Column::DoneAt).if_null(now),
            );
    } else {
        update = update.col_expr(
            assignment::Column::DoneAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        );
    }
    if let Some(from) = from {
        update = update.filter(assignment::Column::Status.eq(from));
    }
    update.exec(db).await?;
    Ok(())
}

/// Assigns a subject to a unit (`assignResponsibility`); the same subject twice to one unit
/// is a `CONFLICT`.
pub async fn assign(
    store: Store<'_>,
    actor: &Actor<'_>,
    duty: Duty,
) -> ApiResult<assignment::Model> {
    let work = store.begin().await?;
    let db = work.db();
    if duty.title.trim().is_empty() {
        return Err(ApiError::bad_input("input.title", "say what is to be done"));
    }
    organization::Entity::find_by_id(duty.organization)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::bad_input("input.organizationId", "no such unit"))?;
    if duty.subject_type == SubjectType::PlanTask
        && plan_task::Entity::find_by_id(duty.key.clone())
            .one(db)
            .await?
            .is_none()
    {
        return Err(ApiError::bad_input("input.subjectId", "no such plan task"));
    }
    let created =
        assignment::Entity::insert(row(duty, Some(actor.principal.account_id), actor.now))
            .exec_with_returning(db)
            .await?;
    work.wrote(
        actor,
        "assignment.assign",
        (Kind::Assignment, created.id),
        created,
    )
    .await
}

/// Reports progress on one of the caller's unit's assignments; 100 percent marks it done.
pub async fn report_progress(
    store: Store<'_>,
    actor: &Actor<'_>,
    id: Uuid,
    note: &str,
    percent: i32,
    evidence: Option<String>,
) -> ApiResult<assignment::Model> {
    let work = store.begin().await?;
    let db = work.db();
    // Held until the report commits: a plan cycle ending at the same moment moves the
    // assignment on before or after this report, never in between.
    let found = assignment::Entity::find_by_id(id)
        .filter(assignment::Column::OrganizationId.eq(actor.principal.organization_id))
        .lock_exclusive()
        .one(db)
        .await?
        .ok_or(ApiError::NotFound)?;
    if note.trim().is_empty() {
        return Err(ApiError::bad_input("input.note", "say what was done"));
    }
    if found.subject_type == SubjectType::Finding && percent == 100 {
        // A finding is put right with its evidence, which closes the assignment.
        return Err(ApiError::InvalidTransition {
            message: "a finding's assignment is done when the finding is put right".into(),
            allowed: vec!["recordRectification".into()],
        });
    }
    if !(0..=100).contains(&percent) || percent < found.progress_percent {
        return Err(ApiError::bad_input(
            "input.percent",
            format!(
                "must be from {} (the last report) to 100",
                found.progress_percent
            ),
        ));
    }
    assignment_progress::Entity::insert(assignment_progress::ActiveModel {
        id: Set(Uuid::now_v7()),
        assignment_id: Set(found.id),
        account_id: Set(actor.principal.account_id),
        note: Set(note.trim().to_owned()),
        percent: Set(percent),
        evidence_ref: Set(optional_text(evidence)),
        at: Set(actor.now),
    })
    .exec_without_returning(db)
    .await?;
    let mut active = found.clone().into_active_model();
    active.progress_percent = Set(percent);
    active.status = Set(if percent == 100 {
        AssignmentStatus::Done
    } else {
        AssignmentStatus::InProgress
    });
    active.done_at = Set((percent == 100).then(|| found.done_at.unwrap_or(actor.now)));
    active.updated_at = Set(actor.now);
    let after = active.update(db).await?;
    work.finish(
        actor
            .event("assignment.progress")
            .on(Kind::Assignment, after.id)
            .with(json!({ "percent": percent, "note": note.trim() })),
        after,
    )
    .await
}

/// Whether an assignment is late: due before `today` and not done.
pub fn is_overdue(assignment: &assignment::Model, today: NaiveDate) -> bool {
    assignment.status != AssignmentStatus::Done && assignment.due_on.is_some_and(|due| due < today)
}

/// Which assignments to list in an inbox.
#[derive(Debug, Clone, Default)]
pub struct InboxFilter {
    /// In these states.
    pub statuses: Option<Vec<AssignmentStatus>>,
    /// Only lead or only assisting.
    pub responsibility: Option<Responsibility>,
    /// Only (or only not) overdue.
    pub overdue: Option<bool>,
    /// Of these kinds of subject.
    pub subject_types: Option<Vec<SubjectType>>,
}

/// The caller's unit's assignments (its inbox), newest first.
pub async fn inbox(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    filter: InboxFilter,
    page: Page<Uuid>,
) -> ApiResult<Slice<assignment::Model>> {
    let mut query = assignment::Entity::find()
        .filter(assignment::Column::OrganizationId.eq(actor.principal.organization_id));
    if let Some(statuses) = filter.statuses {
        query = query.filter(assignment::Column::Status.is_in(statuses));
    }
    if let Some(responsibility) = filter.responsibility {
        query = query.filter(assignment::Column::Responsibility.eq(responsibility));
    }
    if let Some(types) = filter.subject_types {
        query = query.filter(assignment::Column::SubjectType.is_in(types));
    }
    match filter.overdue {
        Some(true) => {
            query = query
                .filter(assignment::Column::Status.ne(AssignmentStatus::Done))
                .filter(assignment::Column::DueOn.lt(actor.today()));
        }
        Some(false) => {
            query = query.filter(
                sea_orm::Condition::any()
                    .add(assignment::Column::Status.eq(AssignmentStatus::Done))
                    .add(assignment::Column::DueOn.is_null())
                    .add(assignment::Column::DueOn.gte(actor.today())),
            );
        }
        None => {}
    }
    Ok(page::read(
        db,
        query,
        |query| {
            let mut cursor = query.cursor_by(assignment::Column::Id);
            cursor.desc();
            cursor
        },
        page,
    )
    .await?)
}

/// One assignment of the caller's unit, as its inbox lists them.
pub async fn find(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    id: Uuid,
) -> ApiResult<Option<assignment::Model>> {
    super::find_scoped::<assignment::Entity>(
        db,
        id,
        assignment::Column::OrganizationId.eq(actor.principal.organization_id),
    )
    .await
}

/// One unit's line in the joint meeting's overview.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    /// The unit.
    pub organization: Option<organization::Model>,
    /// Plan tasks: assigned, done, overdue.
    pub plan: [u64; 3],
    /// Cases (reports, assessments, service items, dropout cases): assigned, done, overdue.
    pub cases: [u64; 3],
}

/// The units serving `region_path` or below, within the caller's jurisdiction: a wider region
/// is narrowed to it; `None` for another region, which has nothing for them.
pub(crate) fn serving(actor: &Actor<'_>, region_path: &RegionPath) -> Option<SelectStatement> {
    let own = &actor.principal.region_path;
    let region_path = if own.contains(region_path.as_str()) {
        region_path
    } else if region_path.contains(own.as_str()) {
        own
    } else {
        return None;
    };
    let regions = region::Entity::find()
        .select_only()
        .column(region::Column::Id)
        .filter(scope::within(region::Column::Path, region_path))
        .into_query();
    Some(
        organization::Entity::find()
            .select_only()
            .column(organization::Column::Id)
            .filter(organization::Column::RegionId.in_subquery(regions))
            .into_query(),
    )
}

/// The units of `ids`, by name.
pub(crate) async fn units_by_name(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = Uuid>,
) -> ApiResult<Vec<organization::Model>> {
    Ok(organization::Entity::find()
        .filter(organization::Column::Id.is_in(ids))
        .order_by_asc(organization::Column::Name)
        .order_by_asc(organization::Column::Id)
        .all(db)
        .await?)
}

/// The joint meeting's view (联席会议): per unit serving `region_path` or below, what it has been
/// assigned, what is done and what is overdue, for plan tasks and for cases.
pub async fn overview(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    region_path: &RegionPath,
) -> ApiResult<Vec<Tally>> {
    let Some(serving) = serving(actor, region_path) else {
        return Ok(Vec::new());
    };
    let done = assignment::Column::Status.eq(AssignmentStatus::Done);
    let late = assignment::Column::Status
        .ne(AssignmentStatus::Done)
        .and(assignment::Column::DueOn.lt(actor.today()));
    let rows: Vec<(Uuid, SubjectType, i64, i64, i64)> = assignment::Entity::find()
        .select_only()
        .column(assignment::Column::OrganizationId)
        .column(assignment::Column::SubjectType)
        .expr(Expr::col(assignment::Column::Id).count())
        .expr(Func::count(Expr::case(done, 1)))
        .expr(Func::count(Expr::case(late, 1)))
        .filter(assignment::Column::OrganizationId.in_subquery(serving))
        .group_by(assignment::Column::OrganizationId)
        .group_by(assignment::Column::SubjectType)
        .into_tuple()
        .all(db)
        .await?;
    let mut tallies: BTreeMap<Uuid, Tally> = BTreeMap::new();
    for (unit, subject, assigned, finished, late) in rows {
        let tally = tallies.entry(unit).or_default();
        let counts = if subject == SubjectType::PlanTask {
            &mut tally.plan
        } else {
            &mut tally.cases
        };
        for (total, n) in counts.iter_mut().zip([assigned, finished, late]) {
            *total += u64::try_from(n).unwrap_or_default();
        }
    }
    let units = units_by_name(db, tallies.keys().copied()).await?;
    Ok(units
        .into_iter()
        .filter_map(|unit| {
            tallies.remove(&unit.id).map(|mut t| {
                t.organization = Some(unit);
                t
            })
        })
        .collect())
}

#[derive(Deserialize)]
struct Matrix {
    task: Vec<MatrixTask>,
}

#[derive(Deserialize)]
struct MatrixTask {
    id: String,
    section: String,
    title: String,
    english: String,
    lead: Vec<String>,
    assist: Vec<String>,
    /// The plan's own date, `MM-DD`, in the current year (「2月25日前报…」).
    due: Option<String>,
    /// Where the plan gives no date: `monthly`, `quarterly` or, by default, `yearly`.
    cycle: Option<String>,
}

/// When a plan task's current cycle is due, as of `today`: the plan's own date in this year
/// where it gives one, else the last day of this month, quarter or (by default) year.
fn plan_due(task: &MatrixTask, today: NaiveDate) -> ApiResult<NaiveDate> {
    use chrono::Datelike;
    let invalid = |what: &str| {
        ApiError::internal(anyhow::anyhow!("the matrix gives task {} {what}", task.id))
    };
    if let Some(due) = &task.due {
        let (month, day) = due
            .split_once('-')
            .and_then(|(m, d)| Some((m.parse().ok()?, d.parse().ok()?)))
            .ok_or_else(|| invalid("a date that is not MM-DD"))?;
        return NaiveDate::from_ymd_opt(today.year(), month, day)
            .ok_or_else(|| invalid("a date that does not exist"));
    }
    let months = match task.cycle.as_deref().unwrap_or("yearly") {
        "monthly" => 1,
        "quarterly" => 3,
        "yearly" => 12,
        _ => return Err(invalid("an unknown cycle")),
    };
    let first = today.month0() / months * months;
    let next = NaiveDate::from_ymd_opt(today.year(), first + 1, 1)
        .and_then(|start| start.checked_add_months(chrono::Months::new(months)))
        .ok_or_else(|| invalid("a cycle past the calendar"))?;
    next.pred_opt()
        .ok_or_else(|| invalid("a cycle past the calendar"))
}

/// The first due date of a plan task after `after`: the end of the cycle that follows, or the
/// plan's date in the year after when it has passed.
fn next_due(task: &MatrixTask, after: NaiveDate) -> ApiResult<NaiveDate> {
    let next = plan_due(task, after + chrono::TimeDelta::days(1))?;
    if next > after {
        return Ok(next);
    }
    next.checked_add_months(chrono::Months::new(12))
        .filter(|next| *next > after)
        .ok_or_else(|| {
            ApiError::internal(anyhow::anyhow!(
                "task {}: no due date after {after}",
                task.id
            ))
        })
}

/// Starts the next cycle of every plan-task assignment the plan made whose cycle has ended: the
/// cycle that ended is kept in `assignment_cycle` as the assignment stood (with any cycle
/// missed while the service was not running, as never worked on), and the assignment is open
/// again, due when the task's current cycle is ([`plan_due`]). Safe to run on several
/// instances at once: the assignments are held while they move on, an assignment moves on only
/// from the due date it was read with, and a cycle is kept once. Returns how many assignments
/// started a new cycle.
pub async fn renew_plan(
    db: &impl ConnectionTrait,
    matrix: &str,
    now: DateTime<Utc>,
) -> ApiResult<u64> {
    let matrix: Matrix = toml::from_str(matrix).map_err(ApiError::internal)?;
    let today = crate::clock::china_date(now);
    let mut renewed = 0;
    for task in &matrix.task {
        let due = plan_due(task, today)?;
        // Held until the renewal commits, so that no progress report lands in between.
        let ended = assignment::Entity::find()
            .filter(assignment::Column::SubjectType.eq(SubjectType::PlanTask))
            .filter(assignment::Column::SubjectKey.eq(task.id.as_str()))
            // The plan's own; one assigned by hand keeps the date it was given.
            .filter(assignment::Column::CreatedBy.is_null())
            .filter(assignment::Column::DueOn.lt(due))
            .lock_exclusive()
            .all(db)
            .await?;
        for row in ended {
            let Some(was_due) = row.due_on else { continue };
            let moved = assignment::Entity::update_many()
                .col_expr(assignment::Column::DueOn, Expr::value(due))
                .col_expr(
                    assignment::Column::Status,
                    Expr::value(AssignmentStatus::Open),
                )
                .col_expr(assignment::Column::ProgressPercent, Expr::value(0))
                .col_expr(
                    assignment::Column::DoneAt,
                    Expr::value(Option::<DateTime<Utc>>::None),
                )
                .col_expr(assignment::Column::UpdatedAt, Expr::value(now))
                .filter(assignment::Column::Id.eq(row.id))
                .filter(assignment::Column::DueOn.eq(was_due))
                .exec(db)
                .await?;
            if moved.rows_affected == 0 {
                continue;
            }
            // The cycle that ended as it stood (done before completion times were kept: done
            // when it last changed), then any cycle the service was not running to start,
            // never worked on.
            let done = row.status == AssignmentStatus::Done;
            let mut kept = vec![(
                was_due,
                row.status,
                row.progress_percent,
                if done {
                    row.done_at.or(Some(row.updated_at))
                } else {
                    None
                },
            )];
            let mut missed = next_due(task, was_due)?;
            while missed < due {
                kept.push((missed, AssignmentStatus::Open, 0, None));
                missed = next_due(task, missed)?;
            }
            entity::assignment_cycle::Entity::insert_many(kept.into_iter().map(
                |(due_on, status, progress_percent, done_at)| {
                    entity::assignment_cycle::ActiveModel {
                        id: Set(Uuid::now_v7()),
                        assignment_id: Set(row.id),
                        due_on: Set(due_on),
                        status: Set(status),
                        progress_percent: Set(progress_percent),
                        done_at: Set(done_at),
                        closed_at: Set(now),
                    }
                },
            ))
            .on_conflict_do_nothing()
            .exec_without_returning(db)
            .await?;
            renewed += moved.rows_affected;
        }
    }
    Ok(renewed)
}

/// Starts the plan's new cycles ([`renew_plan`]) every `interval` until `stop`: each run one
/// write transaction.
pub async fn run_plan_cycles(
    db: sea_orm::DatabaseConnection,
    clock: std::sync::Arc<dyn crate::clock::Clock>,
    matrix: &'static str,
    interval: std::time::Duration,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let mut ticker = tokio::time::interval(interval);
    loop {
        tokio::select! {
            _ = ticker.tick() => {
                let renewed = async {
                    let txn = crate::db::begin_write(&db).await?;
                    let renewed = renew_plan(&txn, matrix, clock.now()).await?;
                    txn.commit().await?;
                    ApiResult::Ok(renewed)
                };
                match renewed.await {
                    Ok(0) => {}
                    Ok(renewed) => tracing::info!(renewed, "plan tasks started a new cycle"),
                    Err(err) => tracing::warn!(error = %err, "starting the plan's new cycles"),
                }
            }
            _ = stop.changed() => break,
        }
    }
}

/// Loads the plan's tasks and their lead and assisting units from the responsibility matrix
/// (`county_governments` assigns every county government), each assignment due when the
/// task's current cycle is ([`plan_due`]); an assignment loaded earlier without a due date
/// gets it, and one whose cycle ended starts the next ([`renew_plan`]). Loading twice changes
/// nothing. Returns how many assignments the plan holds.
pub async fn load_plan(
    db: &impl ConnectionTrait,
    matrix: &str,
    now: DateTime<Utc>,
) -> ApiResult<usize> {
    renew_plan(db, matrix, now).await?;
    let matrix: Matrix = toml::from_str(matrix).map_err(ApiError::internal)?;
    let units = organization::Entity::find().all(db).await?;
    let by_code = |code: &str| units.iter().find(|u| u.code == code).map(|u| u.id);
    let counties: Vec<Uuid> = units
        .iter()
        .filter(|u| u.kind == OrganizationKind::CountyGovernment)
        .map(|u| u.id)
        .collect();
    let mut count = 0;
    for task in matrix.task {
        let due_on = plan_due(&task, crate::clock::china_date(now))?;
        plan_task::Entity::insert(plan_task::ActiveModel {
            key: Set(task.id.clone()),
            section: Set(task.section),
            title: Set(task.title.clone()),
            english: Set(task.english),
        })
        .on_conflict_do_nothing()
        .exec_without_returning(db)
        .await?;
        let parts = task
            .lead
            .iter()
            .map(|u| (u, Responsibility::Lead))
            .chain(task.assist.iter().map(|u| (u, Responsibility::Assisting)));
        for (unit, responsibility) in parts {
            let organizations = if unit == "county_governments" {
                counties.clone()
            } else {
                by_code(&format!("unit:{unit}")).into_iter().collect()
            };
            for organization in organizations {
                ensure(
                    db,
                    None,
                    now,
                    Duty {
                        subject_type: SubjectType::PlanTask,
                        key: task.id.clone(),
                        organization,
                        responsibility,
                        title: task.title.clone(),
                        due_on: Some(due_on),
                    },
                )
                .await?;
                count += 1;
            }
        }
        assignment::Entity::update_many()
            .col_expr(assignment::Column::DueOn, Expr::value(due_on))
            .filter(assignment::Column::SubjectType.eq(SubjectType::PlanTask))
            .filter(assignment::Column::SubjectKey.eq(task.id.as_str()))
            .filter(assignment::Column::DueOn.is_null())
            .exec(db)
            .await?;
    }
    Ok(count)
}

/// A commendation or accountability decision as entered.
#[derive(Debug, Clone)]
pub struct EvaluationDraft {
    /// Which.
    pub kind: entity::enums::EvaluationKind,
    /// The unit.
    pub organization: Uuid,
    /// The person, when a person is evaluated.
    pub person_name: Option<String>,
    /// Why.
    pub reason: String,
    /// The decision's document number.
    pub reference: Option<String>,
    /// When it was decided.
    pub decided_on: NaiveDate,
}

/// Records a commendation or an accountability decision (强化激励问责) about a unit serving
/// the caller's jurisdiction, or a person of it.
pub async fn record_evaluation(
    store: Store<'_>,
    actor: &Actor<'_>,
    draft: EvaluationDraft,
) -> ApiResult<entity::evaluation::Model> {
    let work = store.begin().await?;
    let db = work.db();
    if draft.reason.trim().is_empty() {
        return Err(ApiError::bad_input("input.reason", "give the reason"));
    }
    if draft.decided_on > actor.today() {
        return Err(ApiError::bad_input(
            "input.decidedOn",
            "must not be in the future",
        ));
    }
    let regions = region::Entity::find()
        .select_only()
        .column(region::Column::Id)
        .filter(scope::within(
            region::Column::Path,
            &actor.principal.region_path,
        ))
        .into_query();
    organization::Entity::find_by_id(draft.organization)
        .filter(organization::Column::RegionId.in_subquery(regions))
        .one(db)
        .await?
        .ok_or_else(|| {
            ApiError::bad_input("input.organizationId", "no such unit in your jurisdiction")
        })?;
    let evaluation = entity::evaluation::Entity::insert(entity::evaluation::ActiveModel {
        id: Set(Uuid::now_v7()),
        kind: Set(draft.kind),
        organization_id: Set(draft.organization),
        person_name: Set(optional_text(draft.person_name)),
        reason: Set(draft.reason.trim().to_owned()),
        reference: Set(optional_text(draft.reference)),
        decided_on: Set(draft.decided_on),
        recorded_by: Set(actor.principal.account_id),
        created_at: Set(actor.now),
    })
    .exec_with_returning(db)
    .await?;
    work.wrote(
        actor,
        "evaluation.record",
        (Kind::Organization, draft.organization),
        evaluation,
    )
    .await
}

/// Which evaluations to list.
#[derive(Debug, Clone, Default)]
pub struct EvaluationFilter {
    /// Of this unit.
    pub unit: Option<Uuid>,
    /// Of these kinds.
    pub kinds: Option<Vec<entity::enums::EvaluationKind>>,
    /// Decided on or after this day.
    pub from: Option<NaiveDate>,
    /// Decided on or before this day.
    pub until: Option<NaiveDate>,
}

/// The commendations and accountability decisions about units serving the caller's
/// jurisdiction (the ones `recordEvaluation` writes), newest decision first.
pub async fn evaluations(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    filter: EvaluationFilter,
    page: Page<(NaiveDate, Uuid)>,
) -> ApiResult<Slice<entity::evaluation::Model>> {
    use entity::evaluation::{Column, Entity};
    let Some(serving) = serving(actor, &actor.principal.region_path) else {
        return Ok(page.nothing());
    };
    let mut query = Entity::find().filter(Column::OrganizationId.in_subquery(serving));
    if let Some(unit) = filter.unit {
        query = query.filter(Column::OrganizationId.eq(unit));
    }
    if let Some(kinds) = filter.kinds {
        query = query.filter(Column::Kind.is_in(kinds));
    }
    if let Some(from) = filter.from {
        query = query.filter(Column::DecidedOn.gte(from));
    }
    if let Some(until) = filter.until {
        query = query.filter(Column::DecidedOn.lte(until));
    }
    Ok(page::read(
        db,
        query,
        |query| {
            let mut cursor = query.cursor_by((Column::DecidedOn, Column::Id));
            cursor.desc();
            cursor
        },
        page,
    )
    .await?)
}

/// One evaluation the caller may see, as `evaluations` lists them.
pub async fn find_evaluation(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    id: Uuid,
) -> ApiResult<Option<entity::evaluation::Model>> {
    use entity::evaluation::{Column, Entity};
    let Some(serving) = serving(actor, &actor.principal.region_path) else {
        return Ok(None);
    };
    Ok(Entity::find_by_id(id)
        .filter(Column::OrganizationId.in_subquery(serving))
        .one(db)
        .await?)
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::{MatrixTask, next_due, plan_due};

    fn task(due: Option<&str>, cycle: Option<&str>) -> MatrixTask {
        MatrixTask {
            id: "t".into(),
            section: String::new(),
            title: String::new(),
            english: String::new(),
            lead: Vec::new(),
            assist: Vec::new(),
            due: due.map(Into::into),
            cycle: cycle.map(Into::into),
        }
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn a_task_is_due_at_its_cycles_end_or_on_the_plans_date() {
        let quarterly = task(None, Some("quarterly"));
        let monthly = task(None, Some("monthly"));
        let yearly = task(None, None);
        let dated = task(Some("02-25"), None);
        let cases = [
            (&quarterly, day(2026, 1, 1), day(2026, 3, 31)),
            (&quarterly, day(2026, 5, 31), day(2026, 6, 30)),
            (&quarterly, day(2026, 12, 2), day(2026, 12, 31)),
            (&monthly, day(2028, 2, 10), day(2028, 2, 29)),
            (&yearly, day(2026, 7, 1), day(2026, 12, 31)),
            (&dated, day(2026, 12, 2), day(2026, 2, 25)),
        ];
        for (task, today, due) in cases {
            assert_eq!(plan_due(task, today).ok(), Some(due), "{today}");
        }
        assert!(plan_due(&task(None, Some("weekly")), day(2026, 1, 1)).is_err());
        assert!(plan_due(&task(Some("02-30"), None), day(2026, 1, 1)).is_err());
    }

    #[test]
    fn the_next_due_date_is_always_later() {
        let quarterly = task(None, Some("quarterly"));
        let dated = task(Some("02-25"), None);
        assert_eq!(
            next_due(&quarterly, day(2026, 12, 31)).ok(),
            Some(day(2027, 3, 31))
        );
        assert_eq!(
            next_due(&dated, day(2026, 2, 25)).ok(),
            Some(day(2027, 2, 25))
        );
        assert_eq!(
            next_due(&dated, day(2026, 1, 10)).ok(),
            Some(day(2026, 2, 25))
        );
    }
}
