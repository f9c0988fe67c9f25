//! The ledger's output types. Which of their fields a caller sees is the policy's business (the
//! field hook); resolvers of sensitive fields name their record for the audit trail.

use async_graphql::{Context, ID, Object, Result, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use entity::{child, child_guardian, consent, entrustment_agreement, guardian};

use crate::{
    domain::child::{age_on, parse_list, review_due},
    domain::page::Slice,
    graphql::{
        assistance::types::{AccessGrant, Assessment, ServiceItem},
        connection::{self, Connection},
        context::ContextExt,
        enums::{
            Benefit, ChildStatus, ConsentPurpose, Gender, GuardianRelation, GuardianshipCapacity,
            GuardianshipQuality, HealthStatus, IncomeSource, LeftBehindType, LivingArrangement,
            RiskLevel, SchoolingStage,
        },
        ids::{self, Kind},
        intervention::types::Intervention,
        organization::types::Organization,
        pairing::types::{GuardianContact, Pairing},
        parent_contact::ParentContact,
        region::types::Region,
        schooling::types::SchoolAbsence,
        visit::types::Visit,
    },
    policy::hook::audit_subject,
};

/// The GraphQL `Child` object over a ledger row; its description for clients is on the
/// `#[Object]` impl.
pub struct Child(pub child::Model);

impl Child {
    /// The child with this id when within the caller's row scope, through the request's loader.
    pub async fn visible(ctx: &Context<'_>, id: uuid::Uuid) -> Result<Option<Self>> {
        Ok(ctx.loaders().visible_children().one(id).await?.map(Self))
    }

    /// The columns of the child's row each field reads, by the field's name in the schema: a
    /// list of children reads those of the fields selected on its nodes (and the id, always),
    /// the other columns of its models hold placeholders. A field not listed reads the whole
    /// row; a test compares every listed field read this way with the whole row.
    pub const COLUMNS: &[(&str, &[child::Column])] = {
        use child::Column as C;
        &[
            ("id", &[]),
            ("name", &[C::Name]),
            ("gender", &[C::Gender]),
            ("ethnicity", &[C::Ethnicity]),
            ("age", &[C::BirthDate]),
            ("birthDate", &[C::BirthDate]),
            ("idNumber", &[C::IdNumber]),
            ("residenceVillage", &[C::ResidenceVillageId]),
            ("address", &[C::Address]),
            ("school", &[C::SchoolId]),
            ("grade", &[C::Grade]),
            ("leftBehindType", &[C::LeftBehindType]),
            ("livingArrangement", &[C::LivingArrangement]),
            (
                "health",
                &[
                    C::HealthStatus,
                    C::HealthDetail,
                    C::DisabilityCategory,
                    C::DisabilityGrade,
                ],
            ),
            ("riskLevel", &[C::RiskLevel]),
            ("status", &[C::Status]),
            ("statusReason", &[C::StatusReason]),
            ("statusChangedOn", &[C::StatusChangedOn]),
            ("reviewedAt", &[C::ReviewedAt]),
            ("reviewDue", &[C::ReviewedAt]),
            ("needsReport", &[C::NeedsReport]),
            ("householdRegistered", &[C::HouseholdRegistered]),
            (
                "householdRegistrationPlace",
                &[C::HouseholdRegistrationPlace],
            ),
            ("schoolingStage", &[C::SchoolingStage]),
            ("boarding", &[C::Boarding]),
            ("guardianshipQuality", &[C::GuardianshipQuality]),
            ("incomeSources", &[C::IncomeSources]),
            ("benefits", &[C::Benefits]),
            ("filledBy", &[C::FilledBy]),
            ("filledOn", &[C::FilledOn]),
            ("reviewedBy", &[C::ReviewedBy]),
            ("approvedBy", &[C::ApprovedBy]),
            ("guardians", &[]),
            ("entrustmentAgreements", &[]),
            ("consents", &[]),
            ("lastVisitedAt", &[]),
            ("visitDue", &[]),
            ("visits", &[]),
            ("helpingTeacher", &[]),
            ("guardianContacts", &[]),
            ("lastParentContactAt", &[]),
            ("parentContactOverdue", &[]),
            ("parentContacts", &[]),
            ("openAbsences", &[]),
            ("needsGuardian", &[C::NeedsGuardian]),
            ("interventions", &[]),
            ("assessments", &[]),
            ("serviceItems", &[]),
            ("accessGrants", &[]),
            ("version", &[C::Version]),
            ("createdAt", &[C::CreatedAt]),
            ("updatedAt", &[C::UpdatedAt]),
        ]
    };
}

/// A left-behind child in the ledger (一人一档): the national registration form's fields, the
/// child's guardians, entrustment agreements and consents. Fields the caller's role may not
/// see are null with a `FORBIDDEN` error at their path; some are masked (see the access
/// matrix).
#[Object]
impl Child {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Child, self.0.id)
    }

    /// Full name.
    async fn name(&self) -> Option<&str> {
        Some(&self.0.name)
    }

    /// Gender.
    async fn gender(&self) -> Option<Gender> {
        Some(self.0.gender.into())
    }

    /// Ethnicity (民族).
    async fn ethnicity(&self) -> Option<&str> {
        Some(&self.0.ethnicity)
    }

    /// Age in whole years today.
    async fn age(&self, ctx: &Context<'_>) -> Option<i32> {
        i32::try_from(age_on(self.0.birth_date, ctx.today())).ok()
    }

    /// Date of birth as `YYYY-MM-DD`; masked roles get the year only (`YYYY`).
    async fn birth_date(&self) -> Option<String> {
        Some(self.0.birth_date.to_string())
    }

    /// Resident ID number (GB 11643); masked as `6527**********1234`. Reads are audited.
    async fn id_number(&self, ctx: &Context<'_>) -> Option<&str> {
        audit_subject(ctx, Kind::Child, self.0.id);
        self.0.id_number.as_deref()
    }

    /// The village the child lives in.
    async fn residence_village(&self, ctx: &Context<'_>) -> Result<Option<Region>> {
        Region::load(ctx, self.0.residence_village_id).await
    }

    /// Detailed address; masked to the village. Reads are audited.
    async fn address(&self, ctx: &Context<'_>) -> Option<&str> {
        audit_subject(ctx, Kind::Child, self.0.id);
        self.0.address.as_deref()
    }

    /// The school the child attends.
    async fn school(&self, ctx: &Context<'_>) -> Result<Option<Organization>> {
        let Some(school) = self.0.school_id else {
            return Ok(None);
        };
        Ok(ctx
            .loaders()
            .organizations()
            .one(school)
            .await?
            .map(Organization))
    }

    /// Grade at school.
    async fn grade(&self) -> Option<&str> {
        self.0.grade.as_deref()
    }

    /// Why the child counts as left behind.
    async fn left_behind_type(&self) -> Option<LeftBehindType> {
        Some(self.0.left_behind_type.into())
    }

    /// Who the child lives with.
    async fn living_arrangement(&self) -> Option<LivingArrangement> {
        Some(self.0.living_arrangement.into())
    }

    /// Health and disability; masked roles see the category only. Reads are audited.
    async fn health(&self, ctx: &Context<'_>) -> Option<ChildHealth> {
        audit_subject(ctx, Kind::Child, self.0.id);
        Some(ChildHealth {
            status: self.0.health_status.into(),
            illness: self.0.health_detail.clone(),
            disability_category: self.0.disability_category.clone(),
            disability_grade: self.0.disability_grade.map(i32::from),
        })
    }

    /// Assessed risk.
    async fn risk_level(&self) -> Option<RiskLevel> {
        Some(self.0.risk_level.into())
    }

    /// Whether the child is still followed.
    async fn status(&self) -> Option<ChildStatus> {
        Some(self.0.status.into())
    }

    /// Why the status last changed.
    async fn status_reason(&self) -> Option<&str> {
        self.0.status_reason.as_deref()
    }

    /// When the status last changed.
    async fn status_changed_on(&self) -> Option<NaiveDate> {
        self.0.status_changed_on
    }

    /// When the ledger row was last reviewed (at least once a quarter).
    async fn reviewed_at(&self) -> Option<DateTime<Utc>> {
        self.0.reviewed_at
    }

    /// True when the row has not been reviewed since the current quarter began.
    async fn review_due(&self, ctx: &Context<'_>) -> Option<bool> {
        Some(review_due(&self.0, ctx.today()))
    }

    /// Something recorded about the child must be reported to the police (for example a child
    /// under 16 living alone).
    async fn needs_report(&self) -> Option<bool> {
        Some(self.0.needs_report)
    }

    /// Whether the child has a household registration (户籍).
    async fn household_registered(&self) -> Option<bool> {
        Some(self.0.household_registered)
    }

    /// Where the household is registered, when elsewhere than the residence.
    async fn household_registration_place(&self) -> Option<&str> {
        self.0.household_registration_place.as_deref()
    }

    /// Schooling stage.
    async fn schooling_stage(&self) -> Option<SchoolingStage> {
        Some(self.0.schooling_stage.into())
    }

    /// Whether the child boards at school.
    async fn boarding(&self) -> Option<bool> {
        Some(self.0.boarding)
    }

    /// How well the child is looked after.
    async fn guardianship_quality(&self) -> Option<GuardianshipQuality> {
        Some(self.0.guardianship_quality.into())
    }

    /// The household's income sources.
    async fn income_sources(&self) -> Option<Vec<IncomeSource>> {
        Some(
            parse_list::<entity::enums::IncomeSource>(&self.0.income_sources)
                .into_iter()
                .map(Into::into)
                .collect(),
        )
    }

    /// The benefits the household receives.
    async fn benefits(&self) -> Option<Vec<Benefit>> {
        Some(
            parse_list::<entity::enums::Benefit>(&self.0.benefits)
                .into_iter()
                .map(Into::into)
                .collect(),
        )
    }

    /// Who filled in the registration form (填表人).
    async fn filled_by(&self) -> Option<&str> {
        self.0.filled_by.as_deref()
    }

    /// When the registration form was filled in (填表日期).
    async fn filled_on(&self) -> Option<NaiveDate> {
        self.0.filled_on
    }

    /// Who reviewed it (审核人).
    async fn reviewed_by(&self) -> Option<&str> {
        self.0.reviewed_by.as_deref()
    }

    /// Who approved it (审批人).
    async fn approved_by(&self) -> Option<&str> {
        self.0.approved_by.as_deref()
    }

    /// The child's current guardians, the day-to-day carer first.
    async fn guardians(&self, ctx: &Context<'_>) -> Result<Option<Vec<Guardian>>> {
        let rows = ctx.loaders().child_guardians().of(self.0.id).await?;
        Ok(Some(
            rows.into_iter()
                .map(|(link, g)| Guardian::linked(link, g))
                .collect(),
        ))
    }

    /// Entrustment agreements (委托监护协议), newest first.
    async fn entrustment_agreements(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Option<Vec<EntrustmentAgreement>>> {
        let rows = ctx.loaders().agreements().of(self.0.id).await?;
        Ok(Some(rows.into_iter().map(EntrustmentAgreement).collect()))
    }

    /// Guardians' consents, newest first.
    async fn consents(&self, ctx: &Context<'_>) -> Result<Option<Vec<Consent>>> {
        let rows = ctx.loaders().consents().of(self.0.id).await?;
        Ok(Some(rows.into_iter().map(Consent).collect()))
    }

    /// When the child was last visited, by anyone.
    async fn last_visited_at(&self, ctx: &Context<'_>) -> Result<Option<DateTime<Utc>>> {
        Ok(ctx
            .loaders()
            .last_visits()
            .one(self.0.id)
            .await?
            .map(|v| v.any))
    }

    /// True when no child director has visited this calendar month (the plan: at least one
    /// home visit a month).
    async fn visit_due(&self, ctx: &Context<'_>) -> Result<Option<bool>> {
        let last = ctx
            .loaders()
            .last_visits()
            .one(self.0.id)
            .await?
            .and_then(|v| v.by_director);
        let month_start = crate::clock::month_start(ctx.today());
        Ok(Some(last.is_none_or(|at| at < month_start)))
    }

    /// The child's visits the caller may see, newest first.
    async fn visits(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many visits to return (0 to 100, default 20).")] first: Option<i32>,
        #[graphql(desc = "Return the visits after this cursor (`pageInfo.endCursor`).")]
        after: Option<String>,
    ) -> Result<Option<Connection<Visit>>> {
        let owner = Some(self.0.id);
        let (page, paging) = connection::page_in::<crate::domain::visit::VisitKey>(
            ctx,
            owner,
            first,
            after.as_deref(),
        )?;
        // The first pages of many children are read together, and so are their counts.
        let slice = match page.after {
            None => {
                let mut slice = Slice::from_one_more(
                    ctx.loaders()
                        .first_visits()
                        .first_of(
                            self.0.id,
                            page.first + 1,
                            (),
                            connection::node_columns(ctx, Visit::COLUMNS),
                        )
                        .await?,
                    page.first,
                );
                if page.count.is_some() {
                    slice.total = Some(ctx.loaders().visit_counts().count_of(self.0.id, ()).await?);
                }
                slice
            }
            Some(_) => {
                let filter = crate::domain::visit::VisitFilter {
                    child: Some(self.0.id),
                    ..Default::default()
                };
                crate::domain::visit::list(ctx.db(), &ctx.actor()?, filter, page).await?
            }
        };
        Ok(Some(paging.connection(
            ctx,
            slice,
            |v| (v.visited_at, v.id),
            Visit,
        )))
    }

    /// The child's helping teacher at school, while paired.
    async fn helping_teacher(&self, ctx: &Context<'_>) -> Result<Option<Pairing>> {
        Ok(ctx.loaders().pairings().one(self.0.id).await?.map(Pairing))
    }

    /// Teachers' exchanges with the child's parents and entrusted guardians, newest first.
    async fn guardian_contacts(&self, ctx: &Context<'_>) -> Result<Option<Vec<GuardianContact>>> {
        let rows = ctx.loaders().contacts().of(self.0.id).await?;
        Ok(Some(rows.into_iter().map(GuardianContact).collect()))
    }

    /// When the child was last in touch with a parent working away (call, video call, visit
    /// home), as recorded with `recordParentContact`; null when never.
    async fn last_parent_contact_at(&self, ctx: &Context<'_>) -> Result<Option<DateTime<Utc>>> {
        Ok(ctx
            .loaders()
            .last_parent_contacts()
            .one(self.0.id)
            .await?
            .map(|last| last.at))
    }

    /// Whether the child has not been in touch with a parent working away for 30 days (or
    /// never, as far as recorded): someone should help the child call. Null for a child no
    /// longer followed, or without a guardian working away on record.
    async fn parent_contact_overdue(&self, ctx: &Context<'_>) -> Result<Option<bool>> {
        if self.0.status != entity::enums::ChildStatus::Active {
            return Ok(None);
        }
        let guardians = ctx.loaders().child_guardians().of(self.0.id).await?;
        if !guardians
            .iter()
            .any(|(_, g)| g.work_province.is_some() || g.work_city.is_some())
        {
            return Ok(None);
        }
        let since =
            ctx.actor()?.now - chrono::TimeDelta::days(crate::domain::parent_contact::SILENCE_DAYS);
        let last = ctx.loaders().last_parent_contacts().one(self.0.id).await?;
        Ok(Some(last.is_none_or(|last| last.at < since)))
    }

    /// The child's latest contacts with its parents working away, newest first.
    async fn parent_contacts(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many contacts to return (0 to 100, default 20).")] first: Option<i32>,
    ) -> Result<Option<Vec<ParentContact>>> {
        use crate::domain::page::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
        let first = first.unwrap_or(DEFAULT_PAGE_SIZE);
        let first = u64::try_from(first)
            .ok()
            .filter(|_| first <= MAX_PAGE_SIZE)
            .ok_or_else(|| {
                crate::error::ApiError::bad_input(
                    "first",
                    format!("must be from 0 to {MAX_PAGE_SIZE}"),
                )
            })?;
        let rows = ctx
            .loaders()
            .parent_contacts()
            .first_of(self.0.id, first, (), ())
            .await?;
        Ok(Some(rows.into_iter().map(ParentContact).collect()))
    }

    /// School days missed without a reason in the last 30 days, newest first.
    async fn open_absences(&self, ctx: &Context<'_>) -> Result<Option<Vec<SchoolAbsence>>> {
        let rows = ctx.loaders().open_absences().of(self.0.id).await?;
        Ok(Some(rows.into_iter().map(Into::into).collect()))
    }

    /// A court revoked a guardianship and no new guardian has been designated yet.
    async fn needs_guardian(&self) -> Option<bool> {
        Some(self.0.needs_guardian)
    }

    /// Guardianship interventions about the child, newest first. Reads are audited.
    async fn interventions(&self, ctx: &Context<'_>) -> Result<Option<Vec<Intervention>>> {
        audit_subject(ctx, Kind::Child, self.0.id);
        let rows = ctx.loaders().interventions().of(self.0.id).await?;
        Ok(Some(rows.into_iter().map(Intervention).collect()))
    }

    /// Assessments of the child (评估), newest first. Findings are sensitive: reads are audited.
    async fn assessments(&self, ctx: &Context<'_>) -> Result<Option<Vec<Assessment>>> {
        let rows = ctx.loaders().assessments().of(self.0.id).await?;
        Ok(Some(rows.into_iter().map(Assessment).collect()))
    }

    /// Targeted services for the child, newest first: all of them for the township and civil
    /// affairs, your unit's for a unit.
    async fn service_items(&self, ctx: &Context<'_>) -> Result<Option<Vec<ServiceItem>>> {
        let rows = ctx.loaders().service_items().of(self.0.id).await?;
        Ok(Some(rows.into_iter().map(ServiceItem).collect()))
    }

    /// Who the child's record is lent to, for what and until when, newest first (active and
    /// ended).
    async fn access_grants(&self, ctx: &Context<'_>) -> Result<Option<Vec<AccessGrant>>> {
        let rows = ctx.loaders().grants().of(self.0.id).await?;
        Ok(Some(rows.into_iter().map(AccessGrant).collect()))
    }

    /// The row's version: send it back with `updateChild` (a stale one is a `CONFLICT`).
    async fn version(&self) -> Option<i32> {
        Some(self.0.version)
    }

    /// When the child was registered.
    async fn created_at(&self) -> Option<DateTime<Utc>> {
        Some(self.0.created_at)
    }

    /// When the row last changed.
    async fn updated_at(&self) -> Option<DateTime<Utc>> {
        Some(self.0.updated_at)
    }
}

/// A child's health as on the registration form.
#[derive(SimpleObject)]
pub struct ChildHealth {
    /// The category: healthy, disabled or seriously ill.
    pub status: HealthStatus,
    /// The illness, when seriously ill.
    pub illness: Option<String>,
    /// The disability category, when disabled.
    pub disability_category: Option<String>,
    /// The disability grade (1 to 4), when disabled.
    pub disability_grade: Option<i32>,
}

/// The GraphQL `Guardian` object: a guardian as linked to one child.
pub struct Guardian {
    link: Option<child_guardian::Model>,
    guardian: guardian::Model,
}

impl Guardian {
    /// A guardian seen through its link to a child.
    pub fn linked(link: child_guardian::Model, guardian: guardian::Model) -> Self {
        Self {
            link: Some(link),
            guardian,
        }
    }

    /// A guardian seen on its own (relation fields are then null).
    pub fn alone(guardian: guardian::Model) -> Self {
        Self {
            link: None,
            guardian,
        }
    }
}

/// A parent, grandparent or other guardian of a child, with how they stand to that child.
#[Object]
impl Guardian {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Guardian, self.guardian.id)
    }

    /// Full name.
    async fn name(&self) -> Option<&str> {
        Some(&self.guardian.name)
    }

    /// How the guardian is related to the child.
    async fn relation(&self) -> Option<GuardianRelation> {
        self.link.as_ref().map(|l| l.relation.into())
    }

    /// Whether the parents entrusted the child to this guardian.
    async fn is_entrusted(&self) -> Option<bool> {
        self.link.as_ref().map(|l| l.is_entrusted)
    }

    /// Whether this guardian looks after the child day to day.
    async fn is_primary(&self) -> Option<bool> {
        self.link.as_ref().map(|l| l.is_primary)
    }

    /// Mobile number; masked as `138****5678`. Reads are audited.
    async fn phone(&self, ctx: &Context<'_>) -> Option<&str> {
        audit_subject(ctx, Kind::Guardian, self.guardian.id);
        self.guardian.phone.as_deref()
    }

    /// Resident ID number; masked as `6527**********1234`. Reads are audited.
    async fn id_number(&self, ctx: &Context<'_>) -> Option<&str> {
        audit_subject(ctx, Kind::Guardian, self.guardian.id);
        self.guardian.id_number.as_deref()
    }

    /// Home address; masked to the village. Reads are audited.
    async fn address(&self, ctx: &Context<'_>) -> Option<&str> {
        audit_subject(ctx, Kind::Guardian, self.guardian.id);
        self.guardian.address.as_deref()
    }

    /// Where the guardian works away from home (province and city).
    async fn work_location(&self) -> Option<String> {
        let place = format!(
            "{}{}",
            self.guardian.work_province.as_deref().unwrap_or_default(),
            self.guardian.work_city.as_deref().unwrap_or_default()
        );
        Some(place).filter(|p| !p.is_empty())
    }

    /// Whether the guardian is able to care for the child.
    async fn guardianship_capacity(&self) -> Option<GuardianshipCapacity> {
        Some(self.guardian.guardianship_capacity.into())
    }

    /// The record's version: send it back with `updateGuardian`.
    async fn version(&self) -> Option<i32> {
        Some(self.guardian.version)
    }
}

/// The GraphQL `EntrustmentAgreement` object over a stored agreement.
pub struct EntrustmentAgreement(pub entrustment_agreement::Model);

/// A written entrustment agreement (委托监护协议) between the parents and the guardian they
/// entrust the child to, guided by the village committee.
#[Object]
impl EntrustmentAgreement {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::EntrustmentAgreement, self.0.id)
    }

    /// The parents who entrust, as named in the agreement.
    async fn parents(&self) -> &str {
        &self.0.parents
    }

    /// The guardian entrusted.
    async fn entrusted_guardian(&self, ctx: &Context<'_>) -> Result<Option<Guardian>> {
        Ok(ctx
            .loaders()
            .guardians()
            .one(self.0.entrusted_guardian_id)
            .await?
            .map(Guardian::alone))
    }

    /// First day of the entrustment.
    async fn starts_on(&self) -> NaiveDate {
        self.0.starts_on
    }

    /// Last day, when agreed.
    async fn ends_on(&self) -> Option<NaiveDate> {
        self.0.ends_on
    }

    /// The duties both sides agreed to.
    async fn duties(&self) -> &str {
        &self.0.duties
    }

    /// Who at the village committee guided the agreement.
    async fn guided_by(&self) -> &str {
        &self.0.guided_by
    }

    /// When it was signed.
    async fn signed_on(&self) -> NaiveDate {
        self.0.signed_on
    }

    /// When it was recorded.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// The GraphQL `Consent` object over a stored consent.
pub struct Consent(pub consent::Model);

/// A guardian's consent for one purpose (PIPL: a child under 14's data is sensitive); referrals
/// to third parties check it.
#[Object]
impl Consent {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Consent, self.0.id)
    }

    /// The guardian who consented.
    async fn guardian(&self, ctx: &Context<'_>) -> Result<Option<Guardian>> {
        Ok(ctx
            .loaders()
            .guardians()
            .one(self.0.guardian_id)
            .await?
            .map(Guardian::alone))
    }

    /// What was consented to.
    async fn purpose(&self) -> ConsentPurpose {
        self.0.purpose.into()
    }

    /// When it was given.
    async fn given_on(&self) -> NaiveDate {
        self.0.given_on
    }

    /// When it was withdrawn; null while in force.
    async fn withdrawn_at(&self) -> Option<DateTime<Utc>> {
        self.0.withdrawn_at
    }

    /// Whether it is in force.
    async fn active(&self) -> bool {
        self.0.withdrawn_at.is_none()
    }
}
