//! School absence and dropout follow-up (控辍保学, 劝返复学): absences by school day; after N
//! consecutive school days without a reason a dropout case opens by itself; persuasion attempts;
//! the child returns, or the school reports in writing to the county education bureau and the
//! township government, which then find the case among their assignments.

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate, TimeDelta, Weekday};
use entity::{
    child, dropout_case,
    enums::{DropoutState, OrganizationKind, Responsibility, SubjectType},
    organization, persuasion_attempt, region, school_absence,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait,
};
use serde_json::json;
use uuid::Uuid;

use crate::{
    audit,
    domain::{
        Actor, child as ledger,
        kind::Kind,
        optional_text,
        page::{self, Page, Slice},
        values::RegionPath,
        work::Store,
    },
    error::{ApiError, ApiResult},
};

/// Whether a day is a school day (Monday to Friday; the school calendar's holidays are not
/// modelled yet).
pub fn is_school_day(day: NaiveDate) -> bool {
    !matches!(day.weekday(), Weekday::Sat | Weekday::Sun)
}

/// What recording absences did.
#[derive(Debug, Clone)]
pub struct AbsencesRecorded {
    /// The absences of the days given.
    pub absences: Vec<school_absence::Model>,
    /// The dropout case the absences opened, if they did.
    pub opened_case: Option<dropout_case::Model>,
}

/// Records a child's absence on every school day from `from` to `to`, with the reason when
/// known. After `threshold` consecutive school days without a reason a dropout case opens.
pub async fn record_absence(
    store: Store<'_>,
    actor: &Actor<'_>,
    child_id: Uuid,
    from: NaiveDate,
    to: NaiveDate,
    reason: Option<String>,
    threshold: u32,
) -> ApiResult<AbsencesRecorded> {
    let work = store.begin().await?;
    let db = work.db();
    let child = ledger::get(db, actor, child_id).await?;
    let Some(school) = child.school_id else {
        return Err(ApiError::bad_input(
            "input.childId",
            "the child is not enrolled at a school",
        ));
    };
    if to < from {
        return Err(ApiError::bad_input("input.to", "must not be before `from`"));
    }
    if to > actor.today() {
        return Err(ApiError::bad_input("input.to", "must not be in the future"));
    }
    if (to - from).num_days() > 31 {
        return Err(ApiError::bad_input(
            "input.from",
            "record at most a month at a time",
        ));
    }
    let reason = optional_text(reason);
    let mut absences = Vec::new();
    let mut day = from;
    while day <= to {
        if is_school_day(day) {
            let existing = school_absence::Entity::find()
                .filter(school_absence::Column::ChildId.eq(child.id))
                .filter(school_absence::Column::AbsentOn.eq(day))
                .one(db)
                .await?;
            let absence = match existing {
                Some(row) if reason.is_some() && row.reason != reason => {
                    let mut active = row.into_active_model();
                    active.reason = Set(reason.clone());
                    active.update(db).await?
                }
                Some(row) => row,
                None => {
                    school_absence::Entity::insert(school_absence::ActiveModel {
                        id: Set(Uuid::now_v7()),
                        child_id: Set(child.id),
                        school_id: Set(school),
                        absent_on: Set(day),
                        reason: Set(reason.clone()),
                        recorded_by: Set(actor.principal.account_id),
                        created_at: Set(actor.now),
                    })
                    .exec_with_returning(db)
                    .await?
                }
            };
            absences.push(absence);
        }
        day += TimeDelta::days(1);
    }
    if absences.is_empty() {
        return Err(ApiError::bad_input(
            "input.from",
            "no school day in this period",
        ));
    }
    audit::record(
        db,
        actor
            .event("absence.record")
            .on(Kind::Child, child.id)
            .with(json!({ "from": from, "to": to, "reason": reason, "days": absences.len() })),
    )
    .await?;
    let opened_case = open_if_due(db, actor, &child, school, threshold).await?;
    work.commit().await?;
    Ok(AbsencesRecorded {
        absences,
        opened_case,
    })
}

/// Opens a dropout case when the latest unexplained absences run for `threshold` school days.
async fn open_if_due(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    child: &child::Model,
    school: Uuid,
    threshold: u32,
) -> ApiResult<Option<dropout_case::Model>> {
    let open = dropout_case::Entity::find()
        .filter(dropout_case::Column::ChildId.eq(child.id))
        .filter(dropout_case::Column::State.is_in([DropoutState::Open, DropoutState::Persuading]))
        .one(db)
        .await?;
    if open.is_some() {
        return Ok(None);
    }
    let recent: Vec<school_absence::Model> = school_absence::Entity::find()
        .filter(school_absence::Column::ChildId.eq(child.id))
        .filter(school_absence::Column::AbsentOn.gte(actor.today() - TimeDelta::days(90)))
        .order_by_desc(school_absence::Column::AbsentOn)
        .all(db)
        .await?;
    let unexplained: BTreeSet<NaiveDate> = recent
        .iter()
        .filter(|a| a.reason.is_none())
        .map(|a| a.absent_on)
        .collect();
    let Some(&last) = unexplained.iter().next_back() else {
        return Ok(None);
    };
    let mut run = Vec::new();
    let mut day = last;
    while unexplained.contains(&day) {
        run.push(day);
        day -= TimeDelta::days(1);
        while !is_school_day(day) {
            day -= TimeDelta::days(1);
        }
    }
    if run.len() < threshold as usize {
        return Ok(None);
    }
    let first = run.last().copied().unwrap_or(last);
    let case = dropout_case::Entity::insert(dropout_case::ActiveModel {
        id: Set(Uuid::now_v7()),
        child_id: Set(child.id),
        school_id: Set(school),
        state: Set(DropoutState::Open),
        opened_on: Set(actor.today()),
        opened_because: Set(format!(
            "absent without a reason for {} consecutive school days, {first} to {last}",
            run.len()
        )),
        closed_at: Set(None),
        report_text: Set(None),
        version: Set(1),
        created_at: Set(actor.now),
        updated_at: Set(actor.now),
    })
    .exec_with_returning(db)
    .await?;
    audit::record(
        db,
        actor
            .event("dropout.open")
            .on(Kind::Child, child.id)
            .with(json!({ "after": case })),
    )
    .await?;
    Ok(Some(case))
}

/// A step of a dropout case.
#[derive(Debug, Clone)]
pub enum FollowUp {
    /// A persuasion attempt (劝返), with who went and what came of it.
    Persuade {
        /// When.
        attempted_on: NaiveDate,
        /// Who went.
        by_whom: String,
        /// What came of it.
        outcome: String,
    },
    /// The child is back at school.
    Returned {
        /// Since when.
        returned_on: NaiveDate,
    },
    /// Persuasion failed: the written report to the county education bureau and the township.
    ReportInWriting {
        /// The report.
        report: String,
        /// When the units must have acted.
        due_on: Option<NaiveDate>,
    },
}

impl FollowUp {
    fn name(&self) -> &'static str {
        match self {
            Self::Persuade { .. } => "PERSUADE",
            Self::Returned { .. } => "RETURNED",
            Self::ReportInWriting { .. } => "REPORT_IN_WRITING",
        }
    }
}

/// The follow-ups allowed from a state.
pub fn allowed(state: DropoutState) -> &'static [&'static str] {
    match state {
        DropoutState::Open => &["PERSUADE", "RETURNED"],
        DropoutState::Persuading => &["PERSUADE", "RETURNED", "REPORT_IN_WRITING"],
        DropoutState::Returned | DropoutState::Reported => &[],
    }
}

/// A dropout case of a child the caller may see.
pub async fn get_case(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    id: Uuid,
) -> ApiResult<dropout_case::Model> {
    let case = dropout_case::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(ApiError::NotFound)?;
    ledger::get(db, actor, case.child_id).await?;
    Ok(case)
}

/// Moves a dropout case on, if the step is allowed from where it stands.
pub async fn follow_up(
    store: Store<'_>,
    actor: &Actor<'_>,
    case_id: Uuid,
    step: FollowUp,
) -> ApiResult<dropout_case::Model> {
    let work = store.begin().await?;
    let db = work.db();
    let case = get_case(db, actor, case_id).await?;
    let allowed_now = allowed(case.state);
    if !allowed_now.contains(&step.name()) {
        return Err(ApiError::InvalidTransition {
            message: format!("a {:?} case cannot take {}", case.state, step.name()).to_lowercase(),
            allowed: allowed_now.iter().map(|s| (*s).to_owned()).collect(),
        });
    }
    let mut active = case.clone().into_active_model();
    match &step {
        FollowUp::Persuade {
            attempted_on,
            by_whom,
            outcome,
        } => {
            if by_whom.trim().is_empty() || outcome.trim().is_empty() {
                return Err(ApiError::bad_input(
                    "input.persuasion",
                    "say who went and what came of it",
                ));
            }
            if *attempted_on > actor.today() {
                return Err(ApiError::bad_input(
                    "input.persuasion.attemptedOn",
                    "must not be in the future",
                ));
            }
            persuasion_attempt::Entity::insert(persuasion_attempt::ActiveModel {
                id: Set(Uuid::now_v7()),
                case_id: Set(case.id),
                account_id: Set(actor.principal.account_id),
                attempted_on: Set(*attempted_on),
                by_whom: Set(by_whom.trim().to_owned()),
                outcome: Set(outcome.trim().to_owned()),
                created_at: Set(actor.now),
            })
            .exec_without_returning(db)
            .await?;
            active.state = Set(DropoutState::Persuading);
        }
        FollowUp::Returned { returned_on } => {
            if *returned_on > actor.today() {
                return Err(ApiError::bad_input(
                    "input.returnedOn",
                    "must not be in the future",
                ));
            }
            active.state = Set(DropoutState::Returned);
            active.closed_at = Set(Some(actor.now));
        }
        FollowUp::ReportInWriting { report, due_on } => {
            if report.trim().is_empty() {
                return Err(ApiError::bad_input(
                    "input.report",
                    "the written report is required",
                ));
            }
            active.state = Set(DropoutState::Reported);
            active.closed_at = Set(Some(actor.now));
            active.report_text = Set(Some(report.trim().to_owned()));
            assign_report(db, actor, &case, *due_on).await?;
        }
    }
    active.version = Set(case.version + 1);
    active.updated_at = Set(actor.now);
    let after = active.update(db).await?;
    work.finish(
        actor
            .event("dropout.follow_up")
            .on(Kind::Child, case.child_id)
            .with(json!({ "case": case.id, "step": step.name(), "changes": audit::changes(&case, &after) })),
        after,
    )
    .await
}

/// The written report makes the case an assignment of the county education bureau (lead) and
/// the township government (assisting) of the child's place.
async fn assign_report(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    case: &dropout_case::Model,
    due_on: Option<NaiveDate>,
) -> ApiResult<()> {
    let child = child::Entity::find_by_id(case.child_id)
        .one(db)
        .await?
        .ok_or(ApiError::NotFound)?;
    let path = RegionPath::from(child.region_path);
    let codes = path.codes();
    let (Some(county), Some(township)) = (codes.get(1), codes.get(2)) else {
        return Err(ApiError::internal(anyhow::anyhow!(
            "child {} has no township in its path",
            child.id
        )));
    };
    let unit = |kind: OrganizationKind, code: &str| {
        let code = code.to_owned();
        async move {
            let regions = region::Entity::find()
                .select_only()
                .column(region::Column::Id)
                .filter(region::Column::Code.eq(code.clone()))
                .into_query();
            organization::Entity::find()
                .filter(organization::Column::Kind.eq(kind))
                .filter(organization::Column::RegionId.in_subquery(regions))
                .one(db)
                .await?
                .ok_or_else(|| {
                    ApiError::internal(anyhow::anyhow!("no {kind:?} unit for region {code}"))
                })
        }
    };
    let education = unit(OrganizationKind::Education, county).await?;
    let township_government = unit(OrganizationKind::TownshipGovernment, township).await?;
    for (organization, responsibility) in [
        (education.id, Responsibility::Lead),
        (township_government.id, Responsibility::Assisting),
    ] {
        crate::domain::assignment::ensure_by(
            db,
            actor,
            crate::domain::assignment::Duty {
                subject_type: SubjectType::DropoutCase,
                key: case.id.to_string(),
                organization,
                responsibility,
                title: "劝返复学：学校劝返无效，书面报告".to_owned(),
                due_on,
            },
        )
        .await?;
    }
    Ok(())
}

/// The dropout cases the caller may see, newest first.
pub async fn cases(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    states: Option<Vec<DropoutState>>,
    page: Page<Uuid>,
) -> ApiResult<Slice<dropout_case::Model>> {
    let mut query = dropout_case::Entity::find()
        .filter(dropout_case::Column::ChildId.in_subquery(ledger::visible_ids(actor)));
    if let Some(states) = states {
        query = query.filter(dropout_case::Column::State.is_in(states));
    }
    Ok(page::read(
        db,
        query,
        |query| {
            let mut cursor = query.cursor_by(dropout_case::Column::Id);
            cursor.desc();
            cursor
        },
        page,
    )
    .await?)
}

/// Unexplained absences of many children since `since`, newest first: a teacher's
/// "open absences".
pub async fn open_absences(
    db: &impl ConnectionTrait,
    child_ids: &[Uuid],
    since: NaiveDate,
) -> ApiResult<Vec<school_absence::Model>> {
    Ok(school_absence::Entity::find()
        .filter(school_absence::Column::ChildId.is_in(child_ids.iter().copied()))
        .filter(school_absence::Column::Reason.is_null())
        .filter(school_absence::Column::AbsentOn.gte(since))
        .order_by_desc(school_absence::Column::AbsentOn)
        .all(db)
        .await?)
}
