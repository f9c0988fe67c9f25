//! The children's ledger (信息台账, 一人一档): registration with validation and duplicate
//! detection, optimistic-concurrency updates, status changes, quarterly review, and the scoped
//! queries behind `child` and `children`.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use entity::{
    child, child_guardian,
    enums::{
        Benefit, ChildStatus, Gender, GuardianshipQuality, HealthStatus, IncomeSource,
        LeftBehindType, LivingArrangement, OrganizationKind, RegionLevel, RiskLevel,
        SchoolingStage,
    },
    organization,
    projection::{Columns, Projected},
    region,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, IntoActiveModel,
    QueryFilter, QuerySelect, QueryTrait,
    sea_query::SelectStatement,
    sea_query::{Expr, ExprTrait, LikeExpr},
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use crate::{
    audit,
    domain::{
        Actor, escape_like,
        kind::Kind,
        page::{self, Page, Slice},
        statistics::visits as compliance,
        values::RegionPath,
        values::ResidentId,
        work::Store,
    },
    error::{ApiError, ApiResult},
    policy::scope,
};

/// The age below which a left-behind child is in the ledger (the plan's 不满16周岁).
pub const AGE_LIMIT: u32 = 16;

/// Which children to list; all conditions must hold (and the caller's row scope always does).
#[derive(Debug, Clone, Default)]
pub struct ChildFilter {
    /// Living in this region or below.
    pub region: Option<Uuid>,
    /// Enrolled at this school.
    pub school: Option<Uuid>,
    /// With one of these living arrangements.
    pub living_arrangements: Option<Vec<LivingArrangement>>,
    /// Of one of these left-behind types.
    pub left_behind_types: Option<Vec<LeftBehindType>>,
    /// With one of these guardianship qualities.
    pub guardianship_qualities: Option<Vec<GuardianshipQuality>>,
    /// At one of these risk levels.
    pub risk_levels: Option<Vec<RiskLevel>>,
    /// In one of these statuses.
    pub statuses: Option<Vec<ChildStatus>>,
    /// At least this old (whole years).
    pub min_age: Option<u32>,
    /// At most this old (whole years).
    pub max_age: Option<u32>,
    /// Whose name contains this text.
    pub name_contains: Option<String>,
    /// Not reviewed since the current quarter began.
    pub not_reviewed_this_quarter: bool,
    /// With an active pairing to this teacher.
    pub paired_with: Option<Uuid>,
    /// Held by this submission of the ledger (of a region within the caller's jurisdiction).
    pub submission: Option<Uuid>,
    /// Not in touch with a parent working away since then (or never).
    pub no_parent_contact_since: Option<DateTime<Utc>>,
    /// The month's work list of home visits: the children due a visit this calendar month
    /// whom no child director has visited yet (true), or those due whom one has (false).
    pub visit_due: Option<bool>,
}

/// The order of the children list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ChildOrder {
    /// By name, then id.
    #[default]
    Name,
    /// Youngest last: by birth date, then id.
    BirthDate,
    /// In the order they were registered.
    Registered,
}

/// The sort key of a row in the children list, as its cursor carries it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ChildKey {
    /// Name or birth date (ISO), then id.
    Text(String, Uuid),
    /// Id alone.
    Id(Uuid),
}

impl ChildOrder {
    /// The key of a row under this order.
    pub fn key(self, child: &child::Model) -> ChildKey {
        match self {
            Self::Name => ChildKey::Text(child.name.clone(), child.id),
            Self::BirthDate => ChildKey::Text(child.birth_date.to_string(), child.id),
            Self::Registered => ChildKey::Id(child.id),
        }
    }

    /// The columns [`Self::key`] reads.
    fn columns(self) -> Columns<child::Entity> {
        let key = Columns::key();
        match self {
            Self::Name => key.with(child::Column::Name),
            Self::BirthDate => key.with(child::Column::BirthDate),
            Self::Registered => key,
        }
    }
}

/// The oldest age a filter may name: well past childhood, far from any date arithmetic limit.
const MAX_AGE_FILTER: u32 = 120;

/// The first day of the quarter `today` is in, as an instant in China Standard Time.
pub fn quarter_start(today: NaiveDate) -> DateTime<Utc> {
    let month = (today.month0() / 3) * 3 + 1;
    crate::clock::china_midnight(NaiveDate::from_ymd_opt(today.year(), month, 1).unwrap_or(today))
}

/// Whole years between `birth` and `today`.
pub fn age_on(birth: NaiveDate, today: NaiveDate) -> u32 {
    today.years_since(birth).unwrap_or(0)
}

/// Whether the ledger row is due for its quarterly review.
pub fn review_due(child: &child::Model, today: NaiveDate) -> bool {
    child.reviewed_at.is_none_or(|at| at < quarter_start(today))
}

/// The condition for the caller's rows.
pub(super) fn in_scope(actor: &Actor<'_>) -> Condition {
    scope::children(actor.policy, actor.principal, actor.now, actor.break_glass)
}

/// Sets one field of a child's record, as a step of a command (a visit marking the child for
/// a report, an assessment setting its risk level): the record's version moves on.
pub async fn set_field(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    id: Uuid,
    column: child::Column,
    value: impl Into<sea_orm::Value>,
) -> ApiResult<()> {
    child::Entity::update_many()
        .col_expr(column, Expr::value(value))
        .col_expr(
            child::Column::Version,
            Expr::col(child::Column::Version).add(1),
        )
        .col_expr(child::Column::UpdatedAt, Expr::value(actor.now))
        .filter(child::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// The ids of the children the caller may see, as a subquery: what a record that belongs to a
/// child is scoped by.
pub fn visible_ids(actor: &Actor<'_>) -> SelectStatement {
    child::Entity::find()
        .select_only()
        .column(child::Column::Id)
        .filter(in_scope(actor))
        .into_query()
}

/// The ids among `ids` of the children the caller may see, as a subquery: what a batch of
/// records belonging to those children is scoped by. The database checks the scope on those
/// children alone; with [`visible_ids`] and the ids as a separate condition, PostgreSQL hashes
/// every child the caller may see (14,000 for a township at 50,000 children) for each batch.
pub fn visible_among(actor: &Actor<'_>, ids: &[Uuid]) -> SelectStatement {
    among(actor, ids)
        .select_only()
        .column(child::Column::Id)
        .into_query()
}

/// The children among `ids` the caller may see: the parents of a batch of records that
/// belong to children.
pub fn among(actor: &Actor<'_>, ids: &[Uuid]) -> sea_orm::Select<child::Entity> {
    child::Entity::find()
        .filter(child::Column::Id.is_in(ids.iter().copied()))
        .filter(in_scope(actor))
}

/// One record of a kind that belongs to a child (`E`, its id column `id` and its child column
/// `child`), when that child is one the caller may see.
pub async fn owned<E: EntityTrait>(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    id: (E::Column, Uuid),
    child: E::Column,
) -> ApiResult<Option<E::Model>> {
    Ok(E::find()
        .filter(id.0.eq(id.1))
        .filter(child.in_subquery(visible_ids(actor)))
        .one(db)
        .await?)
}

/// The ids of the children with a current guardian working away (the form's place of work on
/// record), as a subquery.
fn children_with_a_parent_away() -> sea_orm::sea_query::SelectStatement {
    child_guardian::Entity::find()
        .select_only()
        .column(child_guardian::Column::ChildId)
        .filter(child_guardian::Column::EndedAt.is_null())
        .filter(
            child_guardian::Column::GuardianId.in_subquery(
                entity::guardian::Entity::find()
                    .select_only()
                    .column(entity::guardian::Column::Id)
                    .filter(
                        Condition::any()
                            .add(entity::guardian::Column::WorkProvince.is_not_null())
                            .add(entity::guardian::Column::WorkCity.is_not_null()),
                    )
                    .into_query(),
            ),
        )
        .into_query()
}

/// One child, if the caller may see it.
pub async fn find(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    id: Uuid,
) -> ApiResult<Option<child::Model>> {
    super::find_scoped::<child::Entity>(db, id, in_scope(actor)).await
}

/// One child the caller may see, or `NOT_FOUND`.
pub async fn get(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    id: Uuid,
) -> ApiResult<child::Model> {
    find(db, actor, id).await?.ok_or(ApiError::NotFound)
}

/// A page of the children the caller may see, reading `columns` of them (and the order's);
/// the other columns of the models hold placeholders.
pub async fn list(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    filter: ChildFilter,
    order: ChildOrder,
    page: Page<ChildKey>,
    columns: Columns<child::Entity>,
) -> ApiResult<Slice<child::Model>> {
    let mut query = child::Entity::find().filter(in_scope(actor));
    if let Some(region_id) = filter.region {
        let Some(root) = region::Entity::find_by_id(region_id).one(db).await? else {
            return Ok(page.nothing());
        };
        query = query.filter(scope::within(
            child::Column::RegionPath,
            &RegionPath::from(root.path),
        ));
    }
    if let Some(school) = filter.school {
        query = query.filter(child::Column::SchoolId.eq(school));
    }
    if let Some(submission) = filter.submission {
        query = query.filter(child::Column::Id.in_subquery(
            crate::domain::submission::children_of(actor.principal, submission),
        ));
    }
    if let Some(values) = filter.living_arrangements {
        query = query.filter(child::Column::LivingArrangement.is_in(values));
    }
    if let Some(values) = filter.left_behind_types {
        query = query.filter(child::Column::LeftBehindType.is_in(values));
    }
    if let Some(values) = filter.guardianship_qualities {
        query = query.filter(child::Column::GuardianshipQuality.is_in(values));
    }
    if let Some(values) = filter.risk_levels {
        query = query.filter(child::Column::RiskLevel.is_in(values));
    }
    if let Some(values) = filter.statuses {
        query = query.filter(child::Column::Status.is_in(values));
    }
    let today = actor.today();
    for (field, age) in [
        ("filter.minAge", filter.min_age),
        ("filter.maxAge", filter.max_age),
    ] {
        if age.is_some_and(|a| a > MAX_AGE_FILTER) {
            return Err(ApiError::bad_input(
                field,
                format!("must be between 0 and {MAX_AGE_FILTER}"),
            ));
        }
    }
    if let Some(min) = filter.min_age {
        let latest_birth = today
            .checked_sub_months(chrono::Months::new(min * 12))
            .unwrap_or(today);
        query = query.filter(child::Column::BirthDate.lte(latest_birth));
    }
    if let Some(max) = filter.max_age {
        let earliest_birth = today
            .checked_sub_months(chrono::Months::new((max + 1) * 12))
            .unwrap_or(today);
        query = query.filter(child::Column::BirthDate.gt(earliest_birth));
    }
    if let Some(text) = filter.name_contains.filter(|t| !t.trim().is_empty()) {
        let pattern = format!("%{}%", escape_like(text.trim()));
        query =
            query.filter(Expr::col(child::Column::Name).like(LikeExpr::new(pattern).escape('\\')));
    }
    if let Some(teacher) = filter.paired_with {
        query = query.filter(
            child::Column::Id.in_subquery(
                entity::pairing::Entity::find()
                    .select_only()
                    .column(entity::pairing::Column::ChildId)
                    .filter(entity::pairing::Column::TeacherAccountId.eq(teacher))
                    .filter(entity::pairing::Column::EndedOn.is_null())
                    .into_query(),
            ),
        );
    }
    if let Some(since) = filter.no_parent_contact_since {
        use entity::parent_contact;
        // Active children with a parent working away, and no contact with one since.
        let recent = parent_contact::Entity::find()
            .select_only()
            .expr(Expr::val(1))
            .filter(
                Expr::col((parent_contact::Entity, parent_contact::Column::ChildId))
                    .equals((child::Entity, child::Column::Id)),
            )
            .filter(parent_contact::Column::ContactedAt.gte(since))
            .into_query();
        query = query
            .filter(child::Column::Status.eq(ChildStatus::Active))
            .filter(child::Column::Id.in_subquery(children_with_a_parent_away()))
            .filter(Expr::exists(recent).not());
    }
    if let Some(due) = filter.visit_due {
        query = query.filter(compliance::work_list(today, due));
    }
    if filter.not_reviewed_this_quarter {
        query = query.filter(
            Condition::any()
                .add(child::Column::ReviewedAt.is_null())
                .add(child::Column::ReviewedAt.lt(quarter_start(today))),
        );
    }
    let query = columns.union(order.columns()).select(query);
    let bad_cursor = || ApiError::bad_input("after", "not a cursor of this list in this order");
    let Page { first, count, .. } = page;
    let slice = match order {
        ChildOrder::Name => {
            let after = match page.after {
                None => None,
                Some(ChildKey::Text(name, id)) => Some((name, id)),
                Some(ChildKey::Id(_)) => return Err(bad_cursor()),
            };
            page::read(
                db,
                query,
                |query| {
                    query
                        .cursor_by((child::Column::Name, child::Column::Id))
                        .into_model::<Projected<child::Model>>()
                },
                Page {
                    first,
                    after,
                    count,
                },
            )
            .await?
        }
        ChildOrder::BirthDate => {
            let after = match page.after {
                None => None,
                Some(ChildKey::Text(date, id)) => Some((
                    NaiveDate::parse_from_str(&date, "%Y-%m-%d").map_err(|_| bad_cursor())?,
                    id,
                )),
                Some(ChildKey::Id(_)) => return Err(bad_cursor()),
            };
            page::read(
                db,
                query,
                |query| {
                    query
                        .cursor_by((child::Column::BirthDate, child::Column::Id))
                        .into_model::<Projected<child::Model>>()
                },
                Page {
                    first,
                    after,
                    count,
                },
            )
            .await?
        }
        ChildOrder::Registered => {
            let after = match page.after {
                None => None,
                Some(ChildKey::Id(id)) => Some(id),
                Some(ChildKey::Text(..)) => return Err(bad_cursor()),
            };
            page::read(
                db,
                query,
                |query| {
                    query
                        .cursor_by(child::Column::Id)
                        .into_model::<Projected<child::Model>>()
                },
                Page {
                    first,
                    after,
                    count,
                },
            )
            .await?
        }
    };
    Ok(slice.map(|projected| projected.0))
}

/// The ledger fields of a child as the registration form has them.
#[derive(Debug, Clone)]
pub struct ChildDraft {
    /// Full name.
    pub name: String,
    /// Gender.
    pub gender: Gender,
    /// Date of birth.
    pub birth_date: NaiveDate,
    /// Ethnicity.
    pub ethnicity: String,
    /// Resident ID number.
    pub id_number: Option<ResidentId>,
    /// The village the child lives in.
    pub residence_village_id: Uuid,
    /// Detailed address.
    pub address: Option<String>,
    /// School.
    pub school_id: Option<Uuid>,
    /// Grade.
    pub grade: Option<String>,
    /// Left-behind type.
    pub left_behind_type: LeftBehindType,
    /// Living arrangement.
    pub living_arrangement: LivingArrangement,
    /// Health.
    pub health_status: HealthStatus,
    /// The illness.
    pub health_detail: Option<String>,
    /// Disability category.
    pub disability_category: Option<String>,
    /// Disability grade.
    pub disability_grade: Option<i16>,
    /// Risk level.
    pub risk_level: RiskLevel,
    /// Household registration exists.
    pub household_registered: bool,
    /// Where it is registered.
    pub household_registration_place: Option<String>,
    /// Schooling stage.
    pub schooling_stage: SchoolingStage,
    /// Boarding.
    pub boarding: bool,
    /// Guardianship quality.
    pub guardianship_quality: GuardianshipQuality,
    /// Income sources.
    pub income_sources: Vec<IncomeSource>,
    /// Benefits.
    pub benefits: Vec<Benefit>,
    /// Filled in by.
    pub filled_by: Option<String>,
    /// Filled in on.
    pub filled_on: Option<NaiveDate>,
    /// Reviewed by.
    pub reviewed_by: Option<String>,
    /// Approved by.
    pub approved_by: Option<String>,
}

/// What registering did.
#[derive(Debug, Clone)]
pub struct Registered {
    /// The new ledger row.
    pub child: child::Model,
    /// Visible children with the same name, birth date and village.
    pub possible_duplicates: Vec<child::Model>,
}

/// Registers a child in a village of the caller's jurisdiction.
pub async fn register(
    store: Store<'_>,
    actor: &Actor<'_>,
    draft: ChildDraft,
) -> ApiResult<Registered> {
    let work = store.begin().await?;
    let db = work.db();
    let village = village_in_scope(
        db,
        actor,
        draft.residence_village_id,
        "input.residenceVillageId",
    )
    .await?;
    let now = actor.now;
    let mut model = child::Model {
        id: Uuid::now_v7(),
        name: draft.name.trim().to_owned(),
        gender: draft.gender,
        birth_date: draft.birth_date,
        ethnicity: draft.ethnicity.trim().to_owned(),
        id_number: draft.id_number.clone().map(String::from),
        residence_village_id: village.id,
        region_path: village.path.clone(),
        address: draft.address,
        school_id: draft.school_id,
        grade: draft.grade,
        left_behind_type: draft.left_behind_type,
        living_arrangement: draft.living_arrangement,
        health_status: draft.health_status,
        health_detail: draft.health_detail,
        disability_category: draft.disability_category,
        disability_grade: draft.disability_grade,
        risk_level: draft.risk_level,
        status: ChildStatus::Active,
        needs_report: false,
        reviewed_at: Some(now),
        version: 1,
        guardians_version: 0,
        created_at: now,
        updated_at: now,
        household_registered: draft.household_registered,
        household_registration_place: draft.household_registration_place,
        schooling_stage: draft.schooling_stage,
        boarding: draft.boarding,
        guardianship_quality: draft.guardianship_quality,
        income_sources: json_list(&draft.income_sources),
        benefits: json_list(&draft.benefits),
        filled_by: draft.filled_by,
        filled_on: draft.filled_on,
        reviewed_by: draft.reviewed_by,
        approved_by: draft.approved_by,
        status_reason: None,
        status_changed_on: None,
        created_by: Some(actor.principal.account_id),
        needs_guardian: false,
        stat_key: rand::random_range(0..child::STAT_KEY_RANGE),
    };
    validate(db, actor, &model, draft.id_number.as_ref(), true).await?;
    model.needs_report = must_be_reported(&model, actor.today());

    if let Some(number) = &model.id_number
        && let Some(existing) = child::Entity::find()
            .filter(child::Column::IdNumber.eq(number.clone()))
            .one(db)
            .await?
    {
        // Name the existing record only to a caller who may see it.
        let visible = find(db, actor, existing.id).await?.is_some();
        return Err(ApiError::Conflict {
            message: "a child with this ID number is already in the ledger".into(),
            existing: visible.then_some((Kind::Child, existing.id)),
        });
    }
    let possible_duplicates = child::Entity::find()
        .filter(in_scope(actor))
        .filter(child::Column::Name.eq(model.name.clone()))
        .filter(child::Column::BirthDate.eq(model.birth_date))
        .filter(child::Column::ResidenceVillageId.eq(model.residence_village_id))
        .all(db)
        .await?;

    let child = child::Entity::insert(model.clone().into_active_model().reset_all())
        .exec_with_returning(db)
        .await?;
    compliance::ledger_changed(db, None, &child, actor.now).await?;
    audit::record(
        db,
        actor
            .event("child.register")
            .on(Kind::Child, child.id)
            .with(json!({ "after": child, "possibleDuplicates": possible_duplicates.iter().map(|c| c.id).collect::<Vec<_>>() })),
    )
    .await?;
    work.commit().await?;
    Ok(Registered {
        child,
        possible_duplicates,
    })
}

/// Changes to a ledger row: `None` leaves a field as it is; on a field that may be empty,
/// `Some(None)` (or, for text, a blank value) clears it.
#[derive(Debug, Clone, Default)]
pub struct ChildPatch {
    /// Full name.
    pub name: Option<String>,
    /// Gender.
    pub gender: Option<Gender>,
    /// Date of birth.
    pub birth_date: Option<NaiveDate>,
    /// Ethnicity.
    pub ethnicity: Option<String>,
    /// Resident ID number.
    pub id_number: Option<Option<ResidentId>>,
    /// Village.
    pub residence_village_id: Option<Uuid>,
    /// Address.
    pub address: Option<Option<String>>,
    /// School.
    pub school_id: Option<Option<Uuid>>,
    /// Grade.
    pub grade: Option<Option<String>>,
    /// Left-behind type.
    pub left_behind_type: Option<LeftBehindType>,
    /// Living arrangement.
    pub living_arrangement: Option<LivingArrangement>,
    /// Health.
    pub health_status: Option<HealthStatus>,
    /// The illness.
    pub health_detail: Option<Option<String>>,
    /// Disability category.
    pub disability_category: Option<Option<String>>,
    /// Disability grade.
    pub disability_grade: Option<Option<i16>>,
    /// Risk level.
    pub risk_level: Option<RiskLevel>,
    /// Household registration exists.
    pub household_registered: Option<bool>,
    /// Where.
    pub household_registration_place: Option<Option<String>>,
    /// Schooling stage.
    pub schooling_stage: Option<SchoolingStage>,
    /// Boarding.
    pub boarding: Option<bool>,
    /// Guardianship quality.
    pub guardianship_quality: Option<GuardianshipQuality>,
    /// Income sources.
    pub income_sources: Option<Vec<IncomeSource>>,
    /// Benefits.
    pub benefits: Option<Vec<Benefit>>,
    /// Filled in by.
    pub filled_by: Option<Option<String>>,
    /// Filled in on.
    pub filled_on: Option<Option<NaiveDate>>,
    /// Reviewed by.
    pub reviewed_by: Option<Option<String>>,
    /// Approved by.
    pub approved_by: Option<Option<String>>,
}

/// Updates a ledger row the caller may see, if `version` is still current; a stale version is
/// `CONFLICT` (someone else changed the row first).
pub async fn update(
    store: Store<'_>,
    actor: &Actor<'_>,
    id: Uuid,
    version: i32,
    patch: ChildPatch,
) -> ApiResult<child::Model> {
    let work = store.begin().await?;
    let db = work.db();
    let before = get(db, actor, id).await?;
    let mut after = before.clone();
    if let Some(v) = patch.residence_village_id {
        let village = village_in_scope(db, actor, v, "input.residenceVillageId").await?;
        after.residence_village_id = village.id;
        after.region_path = village.path;
    }
    macro_rules! set {
        ($($field:ident),*) => { $( if let Some(v) = patch.$field { after.$field = v; } )* };
    }
    macro_rules! set_text {
        ($($field:ident),*) => { $( if let Some(v) = patch.$field { after.$field = v.filter(|s: &String| !s.trim().is_empty()); } )* };
    }
    set!(
        gender,
        birth_date,
        left_behind_type,
        living_arrangement,
        health_status,
        risk_level,
        household_registered,
        schooling_stage,
        boarding,
        guardianship_quality,
        school_id,
        disability_grade,
        filled_on
    );
    set_text!(
        address,
        grade,
        health_detail,
        disability_category,
        household_registration_place,
        filled_by,
        reviewed_by,
        approved_by
    );
    if let Some(name) = patch.name {
        after.name = name.trim().to_owned();
    }
    if let Some(ethnicity) = patch.ethnicity {
        after.ethnicity = ethnicity.trim().to_owned();
    }
    // The number the record will hold: as given, or as stored (a stored number was checked
    // when it was written).
    let id_number = match patch.id_number {
        Some(number) => number,
        None => after
            .id_number
            .as_deref()
            .and_then(|n| ResidentId::parse(n).ok()),
    };
    after.id_number = id_number.clone().map(String::from);
    if let Some(values) = patch.income_sources {
        after.income_sources = json_list(&values);
    }
    if let Some(values) = patch.benefits {
        after.benefits = json_list(&values);
    }
    validate(db, actor, &after, id_number.as_ref(), false).await?;
    after.needs_report = before.needs_report || must_be_reported(&after, actor.today());
    after.version = version.saturating_add(1);
    after.updated_at = actor.now;
    let done = save_versioned(db, &before, after, version, actor, "child.update").await?;
    work.commit().await?;
    Ok(done)
}

/// Why a child leaves active care.
#[derive(Debug, Clone)]
pub struct StatusChange {
    /// The new status.
    pub status: ChildStatus,
    /// Why.
    pub reason: String,
    /// Since when.
    pub effective_on: NaiveDate,
}

/// Changes a child's status (parents returned, aged out, moved away, deceased, or back to
/// active), with reason and date.
pub async fn change_status(
    store: Store<'_>,
    actor: &Actor<'_>,
    id: Uuid,
    version: i32,
    change: StatusChange,
) -> ApiResult<child::Model> {
    let work = store.begin().await?;
    let db = work.db();
    let before = get(db, actor, id).await?;
    if change.reason.trim().is_empty() {
        return Err(ApiError::bad_input(
            "input.reason",
            "give the reason for the change",
        ));
    }
    if change.effective_on > actor.today() {
        return Err(ApiError::bad_input(
            "input.effectiveOn",
            "must not be in the future",
        ));
    }
    if change.status == before.status {
        return Err(ApiError::bad_input(
            "input.status",
            "the child already has this status",
        ));
    }
    let mut after = before.clone();
    after.status = change.status;
    after.status_reason = Some(change.reason.trim().to_owned());
    after.status_changed_on = Some(change.effective_on);
    after.version = version.saturating_add(1);
    after.updated_at = actor.now;
    let done = save_versioned(db, &before, after, version, actor, "child.status").await?;
    work.commit().await?;
    Ok(done)
}

/// Records the quarterly review of a ledger row.
pub async fn mark_reviewed(
    store: Store<'_>,
    actor: &Actor<'_>,
    id: Uuid,
    version: i32,
    reviewed_by: Option<String>,
) -> ApiResult<child::Model> {
    let work = store.begin().await?;
    let db = work.db();
    let before = get(db, actor, id).await?;
    let mut after = before.clone();
    after.reviewed_at = Some(actor.now);
    if let Some(name) = reviewed_by.filter(|n| !n.trim().is_empty()) {
        after.reviewed_by = Some(name.trim().to_owned());
    }
    after.version = version.saturating_add(1);
    after.updated_at = actor.now;
    let done = save_versioned(db, &before, after, version, actor, "child.review").await?;
    work.commit().await?;
    Ok(done)
}

/// Writes `after` only if the row still has `version`: one of two concurrent writers wins.
async fn save_versioned(
    db: &impl ConnectionTrait,
    before: &child::Model,
    after: child::Model,
    version: i32,
    actor: &Actor<'_>,
    action: &'static str,
) -> ApiResult<child::Model> {
    if before.version != version {
        return Err(stale());
    }
    let mut active = after.clone().into_active_model().reset_all();
    active.id = sea_orm::ActiveValue::NotSet;
    active.created_at = sea_orm::ActiveValue::NotSet;
    active.created_by = sea_orm::ActiveValue::NotSet;
    // Moved by guardian changes, which the record's `version` does not guard: left as it is.
    active.guardians_version = sea_orm::ActiveValue::NotSet;
    let result = child::Entity::update_many()
        .set(active)
        .filter(child::Column::Id.eq(after.id))
        .filter(child::Column::Version.eq(version))
        .exec(db)
        .await?;
    if result.rows_affected != 1 {
        return Err(stale());
    }
    compliance::ledger_changed(db, Some(before), &after, actor.now).await?;
    audit::record(
        db,
        actor
            .event(action)
            .on(Kind::Child, after.id)
            .with(json!({ "changes": audit::changes(before, &after) })),
    )
    .await?;
    Ok(after)
}

fn stale() -> ApiError {
    ApiError::conflict(
        "the record was changed by someone else; reload it and apply your change again",
    )
}

/// Whether what is recorded must be reported to the police: a child under 16 living alone
/// (the plan forbids it).
pub fn must_be_reported(child: &child::Model, today: NaiveDate) -> bool {
    child.living_arrangement == LivingArrangement::Alone
        && age_on(child.birth_date, today) < AGE_LIMIT
}

async fn village_in_scope(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    id: Uuid,
    field: &str,
) -> ApiResult<region::Model> {
    let region = region::Entity::find_by_id(id).one(db).await?;
    let visible = region.filter(|r| actor.policy.may_place_child_in(actor.principal, &r.path));
    let Some(region) = visible else {
        return Err(ApiError::bad_input(
            field,
            "no such village in your jurisdiction",
        ));
    };
    if region.level != RegionLevel::Village {
        return Err(ApiError::bad_input(field, "must be a village"));
    }
    Ok(region)
}

async fn validate(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    child: &child::Model,
    id_number: Option<&ResidentId>,
    registering: bool,
) -> ApiResult<()> {
    let today = actor.today();
    let name_length = child.name.chars().count();
    if name_length == 0 || name_length > 50 {
        return Err(ApiError::bad_input(
            "input.name",
            "must be 1 to 50 characters",
        ));
    }
    if child.ethnicity.is_empty() {
        return Err(ApiError::bad_input("input.ethnicity", "is required"));
    }
    if child.birth_date > today {
        return Err(ApiError::bad_input(
            "input.birthDate",
            "must not be in the future",
        ));
    }
    if child
        .filled_on
        .is_some_and(|on| on > today || on < child.birth_date)
    {
        return Err(ApiError::bad_input(
            "input.filledOn",
            "must lie between the birth date and today",
        ));
    }
    if registering && age_on(child.birth_date, today) >= AGE_LIMIT {
        return Err(ApiError::bad_input(
            "input.birthDate",
            format!("a left-behind child is under {AGE_LIMIT} at registration"),
        ));
    }
    if let Some(parsed) = id_number {
        if parsed.birth_date() != Some(child.birth_date) {
            return Err(ApiError::bad_input(
                "input.idNumber",
                "does not agree with the birth date",
            ));
        }
        if parsed.gender() != child.gender {
            return Err(ApiError::bad_input(
                "input.idNumber",
                "does not agree with the gender",
            ));
        }
    }
    if let Some(school) = child.school_id {
        let is_school = organization::Entity::find_by_id(school)
            .one(db)
            .await?
            .is_some_and(|o| {
                matches!(
                    o.kind,
                    OrganizationKind::School | OrganizationKind::Kindergarten
                )
            });
        if !is_school {
            return Err(ApiError::bad_input(
                "input.schoolId",
                "must be a school or kindergarten",
            ));
        }
    }
    if child.health_status == HealthStatus::Disabled {
        if child
            .disability_category
            .as_deref()
            .is_none_or(|c| c.trim().is_empty())
        {
            return Err(ApiError::bad_input(
                "input.disabilityCategory",
                "is required for a disabled child",
            ));
        }
        if !child.disability_grade.is_some_and(|g| (1..=4).contains(&g)) {
            return Err(ApiError::bad_input(
                "input.disabilityGrade",
                "must be 1 to 4 for a disabled child",
            ));
        }
    }
    if !child.household_registered && child.household_registration_place.is_some() {
        return Err(ApiError::bad_input(
            "input.householdRegistrationPlace",
            "a child without household registration has no registration place",
        ));
    }
    Ok(())
}

/// Decodes a stored JSON list, skipping what is not understood.
pub fn parse_list<T: serde::de::DeserializeOwned>(stored: &str) -> Vec<T> {
    serde_json::from_str::<Vec<serde_json::Value>>(stored)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|v| serde_json::from_value(v).ok())
        .collect()
}

fn json_list<T: Serialize + Ord + Clone>(values: &[T]) -> String {
    let mut values = values.to_vec();
    values.sort();
    values.dedup();
    serde_json::to_string(&values).unwrap_or_else(|_| "[]".into())
}

/// Several visible children by id, for loaders that follow links from other records.
pub async fn find_many(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    ids: &[Uuid],
) -> ApiResult<Vec<child::Model>> {
    Ok(child::Entity::find()
        .filter(child::Column::Id.is_in(ids.iter().copied()))
        .filter(in_scope(actor))
        .all(db)
        .await?)
}
