//! Inputs of the ledger's queries and mutations, and what the domain makes of them: each
//! field is named where it is defined and where it is converted, beside each other.

use async_graphql::{Enum, ID, InputObject, MaybeUndefined};
use chrono::NaiveDate;

use crate::{
    domain::{
        child::{ChildDraft, ChildPatch},
        guardian::{AgreementDraft, GuardianDraft, LinkDraft},
        values::{PhoneNumber, ResidentId},
    },
    error::ApiError,
    graphql::{
        enums::{
            Benefit, ChildStatus, ConsentPurpose, Gender, GuardianRelation, GuardianshipCapacity,
            GuardianshipQuality, HealthStatus, IncomeSource, LeftBehindType, LivingArrangement,
            RiskLevel, SchoolingStage,
        },
        ids::{self, Kind},
    },
};

/// Which children to list; all conditions must hold, within the caller's rows.
#[derive(InputObject, Default)]
pub struct ChildFilter {
    /// Living in this region or a region under it.
    pub region_id: Option<ID>,
    /// Enrolled at this school.
    pub school_id: Option<ID>,
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
    /// At least this old, in whole years.
    pub min_age: Option<u32>,
    /// At most this old, in whole years.
    pub max_age: Option<u32>,
    /// Whose name contains this text.
    pub name_contains: Option<String>,
    /// Only rows not reviewed since the current quarter began.
    #[graphql(default)]
    pub not_reviewed_this_quarter: bool,
    /// Only the children a submission of the ledger holds (`ledgerSubmissions`).
    pub submission_id: Option<ID>,
    /// Only children not in touch with a parent working away for this many days (1 to 366;
    /// 30 is when `parentContactOverdue` turns true), or never.
    pub no_parent_contact_in_days: Option<u32>,
    /// Only the children due a home visit this calendar month (active, or whose care ended
    /// within it) that no child director has visited yet (true: the month's work list), or
    /// those due that one has visited (false): together, the month's `due` in
    /// `visitCompliance`, the second its `visited`.
    pub visit_due: Option<bool>,
}

/// The start of a window of `days` days (1 to 366) up to `now`, for
/// `noParentContactInDays`; bad input in `field` otherwise.
pub fn silent_since(
    days: Option<u32>,
    now: chrono::DateTime<chrono::Utc>,
    field: &str,
) -> Result<Option<chrono::DateTime<chrono::Utc>>, crate::error::ApiError> {
    days.map(|days| {
        if (1..=366).contains(&days) {
            Ok(now - chrono::TimeDelta::days(i64::from(days)))
        } else {
            Err(crate::error::ApiError::bad_input(
                field,
                "must be 1 to 366 days",
            ))
        }
    })
    .transpose()
}

/// The order of the children list. A role sorts only by what it reads in full (the access
/// matrix lists which orders each role may use).
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum ChildOrder {
    /// By name.
    Name,
    /// By date of birth, oldest first.
    BirthDate,
    /// In the order they were registered.
    Registered,
}

/// A child to register, as on the national registration form.
#[derive(InputObject)]
pub struct RegisterChildInput {
    /// Full name.
    pub name: String,
    /// Gender; must agree with the ID number.
    pub gender: Gender,
    /// Date of birth; must agree with the ID number; the child must be under 16.
    pub birth_date: NaiveDate,
    /// Ethnicity (民族), e.g. `汉族`.
    pub ethnicity: String,
    /// Resident ID number (18 characters, GB 11643 check digit).
    pub id_number: Option<String>,
    /// The village the child lives in: a village of your jurisdiction.
    pub residence_village_id: ID,
    /// Detailed address, starting with the village.
    pub address: Option<String>,
    /// The school or kindergarten the child attends.
    pub school_id: Option<ID>,
    /// Grade at school.
    pub grade: Option<String>,
    /// Why the child counts as left behind.
    pub left_behind_type: LeftBehindType,
    /// Who the child lives with (`ALONE` under 16 makes `needsReport` true).
    pub living_arrangement: LivingArrangement,
    /// Health category.
    #[graphql(default_with = "HealthStatus::Healthy")]
    pub health_status: HealthStatus,
    /// The illness, when seriously ill.
    pub illness: Option<String>,
    /// Disability category, required when disabled.
    pub disability_category: Option<String>,
    /// Disability grade 1 to 4, required when disabled.
    pub disability_grade: Option<i16>,
    /// Risk level, when already assessed.
    #[graphql(default_with = "RiskLevel::None")]
    pub risk_level: RiskLevel,
    /// Whether the child has a household registration.
    #[graphql(default = true)]
    pub household_registered: bool,
    /// Where the household is registered, when elsewhere.
    pub household_registration_place: Option<String>,
    /// Schooling stage.
    pub schooling_stage: SchoolingStage,
    /// Whether the child boards at school.
    #[graphql(default)]
    pub boarding: bool,
    /// How well the child is looked after.
    pub guardianship_quality: GuardianshipQuality,
    /// The household's income sources.
    #[graphql(default)]
    pub income_sources: Vec<IncomeSource>,
    /// The benefits the household receives.
    #[graphql(default)]
    pub benefits: Vec<Benefit>,
    /// Who filled in the form (填表人).
    pub filled_by: Option<String>,
    /// When the form was filled in (填表日期); not in the future.
    pub filled_on: Option<NaiveDate>,
    /// Who reviewed it (审核人).
    pub reviewed_by: Option<String>,
    /// Who approved it (审批人).
    pub approved_by: Option<String>,
}

/// Changes to a ledger row; omitted fields stay as they are, and a field that may be empty is
/// cleared by `null`.
#[derive(InputObject)]
pub struct UpdateChildInput {
    /// The child.
    pub id: ID,
    /// The `version` you read; a stale one is a `CONFLICT`.
    pub version: i32,
    /// Full name.
    pub name: Option<String>,
    /// Gender.
    pub gender: Option<Gender>,
    /// Date of birth.
    pub birth_date: Option<NaiveDate>,
    /// Ethnicity.
    pub ethnicity: Option<String>,
    /// Resident ID number; `null` clears it.
    pub id_number: MaybeUndefined<String>,
    /// The village the child lives in.
    pub residence_village_id: Option<ID>,
    /// Detailed address; `null` clears it.
    pub address: MaybeUndefined<String>,
    /// The school; `null` clears it.
    pub school_id: MaybeUndefined<ID>,
    /// Grade; `null` clears it.
    pub grade: MaybeUndefined<String>,
    /// Left-behind type.
    pub left_behind_type: Option<LeftBehindType>,
    /// Living arrangement.
    pub living_arrangement: Option<LivingArrangement>,
    /// Health category.
    pub health_status: Option<HealthStatus>,
    /// The illness; `null` clears it.
    pub illness: MaybeUndefined<String>,
    /// Disability category; `null` clears it.
    pub disability_category: MaybeUndefined<String>,
    /// Disability grade; `null` clears it.
    pub disability_grade: MaybeUndefined<i16>,
    /// Risk level.
    pub risk_level: Option<RiskLevel>,
    /// Household registration exists.
    pub household_registered: Option<bool>,
    /// Where; `null` clears it.
    pub household_registration_place: MaybeUndefined<String>,
    /// Schooling stage.
    pub schooling_stage: Option<SchoolingStage>,
    /// Boarding.
    pub boarding: Option<bool>,
    /// Guardianship quality.
    pub guardianship_quality: Option<GuardianshipQuality>,
    /// Income sources (replaces the list).
    pub income_sources: Option<Vec<IncomeSource>>,
    /// Benefits (replaces the list).
    pub benefits: Option<Vec<Benefit>>,
    /// Who filled in the form; `null` clears it.
    pub filled_by: MaybeUndefined<String>,
    /// When the form was filled in; `null` clears it.
    pub filled_on: MaybeUndefined<NaiveDate>,
    /// Who reviewed it; `null` clears it.
    pub reviewed_by: MaybeUndefined<String>,
    /// Who approved it; `null` clears it.
    pub approved_by: MaybeUndefined<String>,
}

/// A change of a child's status.
#[derive(InputObject)]
pub struct ChangeChildStatusInput {
    /// The child.
    pub id: ID,
    /// The `version` you read.
    pub version: i32,
    /// The new status.
    pub status: ChildStatus,
    /// Why (parents returned on …, moved to …).
    pub reason: String,
    /// Since when.
    pub effective_on: NaiveDate,
}

/// The quarterly review of a ledger row.
#[derive(InputObject)]
pub struct MarkChildReviewedInput {
    /// The child.
    pub id: ID,
    /// The `version` you read.
    pub version: i32,
    /// Who reviewed it, as the form names them.
    pub reviewed_by: Option<String>,
}

/// A guardian's particulars.
#[derive(InputObject)]
pub struct GuardianInput {
    /// Full name.
    pub name: String,
    /// Resident ID number.
    pub id_number: Option<String>,
    /// Mobile number (11 digits).
    pub phone: Option<String>,
    /// Home address.
    pub address: Option<String>,
    /// Province where the guardian works away from home.
    pub work_province: Option<String>,
    /// City where the guardian works away from home.
    pub work_city: Option<String>,
    /// Whether the guardian can care for the child (default `FULL`).
    pub guardianship_capacity: Option<GuardianshipCapacity>,
}

/// A new guardian for a child.
#[derive(InputObject)]
pub struct AddGuardianInput {
    /// The child.
    pub child_id: ID,
    /// The guardian.
    pub guardian: GuardianInput,
    /// How the guardian stands to the child.
    #[graphql(flatten)]
    pub link: LinkInput,
}

/// Changes to a guardian's particulars (all of them, as on the form).
#[derive(InputObject)]
pub struct UpdateGuardianInput {
    /// The guardian.
    pub id: ID,
    /// The `version` you read.
    pub version: i32,
    /// The particulars.
    pub guardian: GuardianInput,
}

/// A link between an existing guardian and a child (a sibling's grandmother, say).
#[derive(InputObject)]
pub struct LinkGuardianInput {
    /// The child.
    pub child_id: ID,
    /// The guardian.
    pub guardian_id: ID,
    /// How the guardian stands to the child.
    #[graphql(flatten)]
    pub link: LinkInput,
}

/// How a guardian stands to a child: the fields adding a guardian and linking one share.
#[derive(InputObject)]
pub struct LinkInput {
    /// How the guardian is related to the child.
    pub relation: GuardianRelation,
    /// Whether the parents entrusted the child to this guardian.
    #[graphql(default)]
    pub is_entrusted: bool,
    /// Whether this guardian looks after the child day to day.
    #[graphql(default)]
    pub is_primary: bool,
    /// Since when.
    pub since: Option<NaiveDate>,
}

impl From<LinkInput> for LinkDraft {
    fn from(input: LinkInput) -> Self {
        Self {
            relation: input.relation.into(),
            is_entrusted: input.is_entrusted,
            is_primary: input.is_primary,
            since: input.since,
        }
    }
}

/// The end of a guardian's link to a child.
#[derive(InputObject)]
pub struct UnlinkGuardianInput {
    /// The child.
    pub child_id: ID,
    /// The guardian.
    pub guardian_id: ID,
}

/// An entrustment agreement (委托监护协议).
#[derive(InputObject)]
pub struct RecordEntrustmentAgreementInput {
    /// The child entrusted.
    pub child_id: ID,
    /// The parents who entrust, as named in the agreement.
    pub parents: String,
    /// The entrusted guardian, already linked to the child.
    pub entrusted_guardian_id: ID,
    /// First day.
    pub starts_on: NaiveDate,
    /// Last day, when agreed.
    pub ends_on: Option<NaiveDate>,
    /// The duties agreed.
    pub duties: String,
    /// Who at the village committee guided the agreement.
    pub guided_by: String,
    /// When it was signed.
    pub signed_on: NaiveDate,
}

/// A guardian's consent.
#[derive(InputObject)]
pub struct RecordConsentInput {
    /// The child.
    pub child_id: ID,
    /// The consenting guardian, linked to the child.
    pub guardian_id: ID,
    /// What is consented to.
    pub purpose: ConsentPurpose,
    /// When it was given.
    pub given_on: NaiveDate,
}

/// The withdrawal of a consent.
#[derive(InputObject)]
pub struct WithdrawConsentInput {
    /// The consent.
    pub consent_id: ID,
}

/// Optional text parsed into a value type at `field`; blank text counts as none.
fn parse_optional<T, E: std::fmt::Display>(
    text: Option<String>,
    field: &str,
    parse: impl Fn(&str) -> Result<T, E>,
) -> Result<Option<T>, ApiError> {
    text.filter(|t| !t.trim().is_empty())
        .map(|t| parse(&t).map_err(|e| ApiError::bad_input(field, e.to_string())))
        .transpose()
}

impl TryFrom<RegisterChildInput> for ChildDraft {
    type Error = ApiError;

    fn try_from(input: RegisterChildInput) -> Result<Self, ApiError> {
        Ok(Self {
            name: input.name,
            gender: input.gender.into(),
            birth_date: input.birth_date,
            ethnicity: input.ethnicity,
            id_number: parse_optional(input.id_number, "input.idNumber", ResidentId::parse)?,
            residence_village_id: ids::expect(
                Kind::Region,
                &input.residence_village_id,
                "input.residenceVillageId",
            )?,
            address: input.address,
            school_id: ids::optional(input.school_id, Kind::Organization, "input.schoolId")?,
            grade: input.grade,
            left_behind_type: input.left_behind_type.into(),
            living_arrangement: input.living_arrangement.into(),
            health_status: input.health_status.into(),
            health_detail: input.illness,
            disability_category: input.disability_category,
            disability_grade: input.disability_grade,
            risk_level: input.risk_level.into(),
            household_registered: input.household_registered,
            household_registration_place: input.household_registration_place,
            schooling_stage: input.schooling_stage.into(),
            boarding: input.boarding,
            guardianship_quality: input.guardianship_quality.into(),
            income_sources: input.income_sources.into_iter().map(Into::into).collect(),
            benefits: input.benefits.into_iter().map(Into::into).collect(),
            filled_by: input.filled_by,
            filled_on: input.filled_on,
            reviewed_by: input.reviewed_by,
            approved_by: input.approved_by,
        })
    }
}

impl TryFrom<UpdateChildInput> for ChildPatch {
    type Error = ApiError;

    /// The changes of an update (its `id` and `version` are read apart); a field left out is
    /// kept, one given as `null` is cleared.
    fn try_from(input: UpdateChildInput) -> Result<Self, ApiError> {
        Ok(Self {
            name: input.name,
            gender: input.gender.map(Into::into),
            birth_date: input.birth_date,
            ethnicity: input.ethnicity,
            id_number: Option::<Option<String>>::from(input.id_number)
                .map(|number| parse_optional(number, "input.idNumber", ResidentId::parse))
                .transpose()?,
            residence_village_id: ids::optional(
                input.residence_village_id,
                Kind::Region,
                "input.residenceVillageId",
            )?,
            address: input.address.into(),
            school_id: Option::<Option<ID>>::from(input.school_id)
                .map(|school| ids::optional(school, Kind::Organization, "input.schoolId"))
                .transpose()?,
            grade: input.grade.into(),
            left_behind_type: input.left_behind_type.map(Into::into),
            living_arrangement: input.living_arrangement.map(Into::into),
            health_status: input.health_status.map(Into::into),
            health_detail: input.illness.into(),
            disability_category: input.disability_category.into(),
            disability_grade: input.disability_grade.into(),
            risk_level: input.risk_level.map(Into::into),
            household_registered: input.household_registered,
            household_registration_place: input.household_registration_place.into(),
            schooling_stage: input.schooling_stage.map(Into::into),
            boarding: input.boarding,
            guardianship_quality: input.guardianship_quality.map(Into::into),
            income_sources: input
                .income_sources
                .map(|v| v.into_iter().map(Into::into).collect()),
            benefits: input
                .benefits
                .map(|v| v.into_iter().map(Into::into).collect()),
            filled_by: input.filled_by.into(),
            filled_on: input.filled_on.into(),
            reviewed_by: input.reviewed_by.into(),
            approved_by: input.approved_by.into(),
        })
    }
}

impl TryFrom<GuardianInput> for GuardianDraft {
    type Error = ApiError;

    fn try_from(input: GuardianInput) -> Result<Self, ApiError> {
        Ok(Self {
            name: input.name,
            id_number: parse_optional(
                input.id_number,
                "input.guardian.idNumber",
                ResidentId::parse,
            )?,
            phone: parse_optional(input.phone, "input.guardian.phone", PhoneNumber::parse)?,
            address: input.address,
            work_province: input.work_province,
            work_city: input.work_city,
            guardianship_capacity: input.guardianship_capacity.map(Into::into),
        })
    }
}

impl TryFrom<RecordEntrustmentAgreementInput> for AgreementDraft {
    type Error = ApiError;

    fn try_from(input: RecordEntrustmentAgreementInput) -> Result<Self, ApiError> {
        Ok(Self {
            parents: input.parents,
            entrusted_guardian_id: ids::expect(
                Kind::Guardian,
                &input.entrusted_guardian_id,
                "input.entrustedGuardianId",
            )?,
            starts_on: input.starts_on,
            ends_on: input.ends_on,
            duties: input.duties,
            guided_by: input.guided_by,
            signed_on: input.signed_on,
        })
    }
}
