//! The `child` table: the ledger, one row per child (一人一档).

use crate::enums::{
    ChildStatus, Gender, GuardianshipQuality, HealthStatus, LeftBehindType, LivingArrangement,
    RiskLevel, SchoolingStage,
};
use sea_orm::entity::prelude::*;

/// A left-behind child in the ledger.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "child")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Full name.
    pub name: String,
    /// Gender.
    pub gender: Gender,
    /// Date of birth.
    pub birth_date: Date,
    /// Ethnicity (民族).
    pub ethnicity: String,
    /// Resident ID number (GB 11643), when known.
    #[sea_orm(unique)]
    pub id_number: Option<String>,
    /// The village the child lives in.
    pub residence_village_id: Uuid,
    /// The path of that village, copied here so jurisdiction is one indexed prefix condition.
    pub region_path: String,
    /// The detailed address.
    pub address: Option<String>,
    /// The school the child attends.
    pub school_id: Option<Uuid>,
    /// The grade at that school.
    pub grade: Option<String>,
    /// Why the child is left behind.
    pub left_behind_type: LeftBehindType,
    /// Who the child lives with.
    pub living_arrangement: LivingArrangement,
    /// Health as on the registration form.
    pub health_status: HealthStatus,
    /// The illness, or other health detail.
    pub health_detail: Option<String>,
    /// Disability category, when disabled.
    pub disability_category: Option<String>,
    /// Disability grade (1 to 4), when disabled.
    pub disability_grade: Option<i16>,
    /// Assessed risk.
    pub risk_level: RiskLevel,
    /// Whether the child is still followed.
    pub status: ChildStatus,
    /// Something recorded about the child must be reported to the police.
    pub needs_report: bool,
    /// When the ledger row was last reviewed (at least quarterly).
    pub reviewed_at: Option<DateTimeUtc>,
    /// Optimistic concurrency: bumped on every update.
    pub version: i32,
    /// Bumped whenever the child's guardians as the registration form lists them change: a
    /// guardian linked, unlinked, entrusted or edited (the ledger's submissions compare it).
    pub guardians_version: i32,
    /// When it was created.
    pub created_at: DateTimeUtc,
    /// Whether the child has a household registration (户籍).
    pub household_registered: bool,
    /// Where the household is registered, when elsewhere than the residence.
    pub household_registration_place: Option<String>,
    /// Schooling stage as on the registration form.
    pub schooling_stage: SchoolingStage,
    /// Whether the child boards at school.
    pub boarding: bool,
    /// How well the child is looked after.
    pub guardianship_quality: GuardianshipQuality,
    /// JSON array of the household's income sources.
    #[sea_orm(column_type = "Text")]
    pub income_sources: String,
    /// JSON array of the benefits the household receives.
    #[sea_orm(column_type = "Text")]
    pub benefits: String,
    /// Who filled in the registration form (填表人).
    pub filled_by: Option<String>,
    /// When the registration form was filled in (填表日期).
    pub filled_on: Option<Date>,
    /// Who reviewed it (审核人).
    pub reviewed_by: Option<String>,
    /// Who approved it (审批人).
    pub approved_by: Option<String>,
    /// Why the status last changed.
    pub status_reason: Option<String>,
    /// When the status last changed.
    pub status_changed_on: Option<Date>,
    /// The account that registered the child.
    pub created_by: Option<Uuid>,
    /// A court revoked a guardianship and no new guardian has been designated yet.
    pub needs_guardian: bool,
    /// When it last changed.
    pub updated_at: DateTimeUtc,
    /// A random number below [`STAT_KEY_RANGE`], drawn at registration and never shown: the
    /// record key of statistics, whose counts are rounded as the sum of their children's keys
    /// decides, so the same children always round the same way. Kept out of the audit trail's
    /// copies of the record.
    #[serde(skip)]
    pub stat_key: i32,
}

/// The record keys of [`Model::stat_key`] lie in `0..STAT_KEY_RANGE` (2^20).
pub const STAT_KEY_RANGE: i32 = 1 << 20;

/// No relations are declared: queries name their joins explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

crate::projectable!(Model {
    id,
    name,
    gender,
    birth_date,
    ethnicity,
    id_number,
    residence_village_id,
    region_path,
    address,
    school_id,
    grade,
    left_behind_type,
    living_arrangement,
    health_status,
    health_detail,
    disability_category,
    disability_grade,
    risk_level,
    status,
    needs_report,
    reviewed_at,
    version,
    guardians_version,
    created_at,
    household_registered,
    household_registration_place,
    schooling_stage,
    boarding,
    guardianship_quality,
    income_sources,
    benefits,
    filled_by,
    filled_on,
    reviewed_by,
    approved_by,
    status_reason,
    status_changed_on,
    created_by,
    needs_guardian,
    updated_at,
    stat_key,
});
