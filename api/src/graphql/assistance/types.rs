//! The `Assessment`, `ServiceItem`, `AccessGrant` and `BreakGlassAccess` types and their enums.

use async_graphql::{Context, Enum, ID, Object, Result};
use chrono::{DateTime, NaiveDate, Utc};
use entity::{access_grant, assessment, break_glass, service_item};

use crate::{
    domain::{access, assistance},
    graphql::{
        child::types::Child,
        context::ContextExt,
        enums::RiskLevel,
        ids::{self, Kind},
        organization::types::Organization,
        report::types::Report,
    },
    policy::hook::audit_subject,
};

/// Where an assessment stands.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::enums::AssessmentState")]
pub enum AssessmentState {
    /// Under way: findings not yet recorded.
    Open,
    /// Findings and risk level recorded; the child's risk level set.
    Completed,
}

/// A targeted service (精准帮扶).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::enums::ServiceKind")]
pub enum ServiceKind {
    /// Guidance to the guardian on their duties (监护指导).
    GuardianshipGuidance,
    /// Medical treatment (医疗救治).
    MedicalTreatment,
    /// Psychological counselling (心理疏导).
    Counselling,
    /// Behaviour correction (行为矫治).
    BehaviourCorrection,
    /// Legal service (法律服务).
    LegalService,
    /// Legal aid (法律援助).
    LegalAid,
    /// Enrollment in subsistence allowance (低保).
    SubsistenceAllowance,
    /// Temporary assistance (临时救助).
    TemporaryAssistance,
    /// Education support: return to school, study help (教育帮扶).
    EducationSupport,
}

/// Where a service item stands: `OPEN` → `IN_PROGRESS` → `DONE`, or `DECLINED` with a reason.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::enums::ServiceItemState")]
pub enum ServiceItemState {
    /// Assigned, not started.
    Open,
    /// Being delivered.
    InProgress,
    /// Delivered.
    Done,
    /// Declined by the unit or the family, with a reason.
    Declined,
}

/// Why a child's record is lent to an organization.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "access::GrantPurpose")]
pub enum GrantPurpose {
    /// Referral to a social work agency (needs the guardian's consent).
    SocialWorkReferral,
    /// Legal aid (needs the guardian's consent).
    LegalAid,
    /// Medical treatment (needs the guardian's consent).
    MedicalTreatment,
    /// Psychological counselling (needs the guardian's consent).
    Counselling,
    /// Sharing the record with another unit (needs the guardian's consent).
    DataSharing,
    /// A guardianship intervention case before a court or procuratorate (no consent needed; the
    /// child must have an intervention recorded).
    InterventionCase,
}

/// The GraphQL `Assessment` object over a stored assessment.
pub struct Assessment(pub assessment::Model);

/// The township's assessment of a child (评估): findings on safety, guardianship, physical and
/// mental health, and the risk level it set. Findings are sensitive: reads are audited.
#[Object]
impl Assessment {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Assessment, self.0.id)
    }

    /// The child, when within your scope.
    async fn child(&self, ctx: &Context<'_>) -> Result<Option<Child>> {
        Child::visible(ctx, self.0.child_id).await
    }

    /// The report it follows, when it follows one you may see.
    async fn report(&self, ctx: &Context<'_>) -> Result<Option<Report>> {
        let Some(id) = self.0.report_id else {
            return Ok(None);
        };
        Ok(ctx.loaders().visible_reports().one(id).await?.map(Report))
    }

    /// Where it stands.
    async fn state(&self) -> AssessmentState {
        self.0.state.into()
    }

    /// The units taking part (civil affairs, police, education, health, justice, the Women's
    /// Federation, schools, agencies…); each has the assessment as an assisting assignment.
    async fn participants(&self, ctx: &Context<'_>) -> Result<Vec<Organization>> {
        let ids = assistance::participants(&self.0);
        let found = ctx.loaders().organizations().many(&ids).await?;
        Ok(ids
            .iter()
            .filter_map(|id| found.get(id).cloned().map(Organization))
            .collect())
    }

    /// Finding on the child's safety.
    async fn safety(&self, ctx: &Context<'_>) -> Option<&str> {
        audit_subject(ctx, Kind::Child, self.0.child_id);
        self.0.safety.as_deref()
    }

    /// Finding on guardianship.
    async fn guardianship(&self, ctx: &Context<'_>) -> Option<&str> {
        audit_subject(ctx, Kind::Child, self.0.child_id);
        self.0.guardianship.as_deref()
    }

    /// Finding on physical health.
    async fn physical_health(&self, ctx: &Context<'_>) -> Option<&str> {
        audit_subject(ctx, Kind::Child, self.0.child_id);
        self.0.physical_health.as_deref()
    }

    /// Finding on mental health.
    async fn mental_health(&self, ctx: &Context<'_>) -> Option<&str> {
        audit_subject(ctx, Kind::Child, self.0.child_id);
        self.0.mental_health.as_deref()
    }

    /// The overall conclusion.
    async fn summary(&self, ctx: &Context<'_>) -> Option<&str> {
        audit_subject(ctx, Kind::Child, self.0.child_id);
        self.0.summary.as_deref()
    }

    /// The risk level found (set on the child on completion).
    async fn risk_level(&self) -> Option<RiskLevel> {
        self.0.risk_level.map(Into::into)
    }

    /// When it started.
    async fn started_at(&self) -> DateTime<Utc> {
        self.0.started_at
    }

    /// When it was completed.
    async fn completed_at(&self) -> Option<DateTime<Utc>> {
        self.0.completed_at
    }

    /// The service items that follow it, those you may see.
    async fn service_items(&self, ctx: &Context<'_>) -> Result<Option<Vec<ServiceItem>>> {
        let items = ctx.loaders().service_items().of(self.0.child_id).await?;
        Ok(Some(
            items
                .into_iter()
                .filter(|i| i.assessment_id == Some(self.0.id))
                .map(ServiceItem)
                .collect(),
        ))
    }
}

/// The GraphQL `ServiceItem` object over a stored item.
pub struct ServiceItem(pub service_item::Model);

/// A targeted service for a child (帮扶), assigned to a unit with a due date. The unit sees it
/// in `serviceItems` and its `assignments`; a social work agency or the justice bureau also sees
/// the child while the item runs (its `accessGrant`).
#[Object]
impl ServiceItem {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::ServiceItem, self.0.id)
    }

    /// The child, when within your scope (for a unit: while its access grant runs).
    async fn child(&self, ctx: &Context<'_>) -> Result<Option<Child>> {
        Child::visible(ctx, self.0.child_id).await
    }

    /// The assessment it follows, when it follows one.
    async fn assessment_id(&self) -> Option<ID> {
        self.0
            .assessment_id
            .map(|id| ids::encode(Kind::Assessment, id))
    }

    /// What service.
    async fn kind(&self) -> ServiceKind {
        self.0.kind.into()
    }

    /// The unit that delivers it.
    async fn organization(&self, ctx: &Context<'_>) -> Result<Option<Organization>> {
        Organization::load(ctx, self.0.organization_id).await
    }

    /// When it is due.
    async fn due_on(&self) -> NaiveDate {
        self.0.due_on
    }

    /// Where it stands.
    async fn state(&self) -> ServiceItemState {
        self.0.state.into()
    }

    /// The moves `updateServiceItem` accepts from here.
    async fn allowed_moves(&self) -> Vec<&'static str> {
        assistance::allowed(self.0.state).to_vec()
    }

    /// Due before today and not finished.
    async fn overdue(&self, ctx: &Context<'_>) -> bool {
        assistance::is_overdue(&self.0, ctx.today())
    }

    /// What is to be done, in words.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }

    /// What was delivered.
    async fn outcome(&self) -> Option<&str> {
        self.0.outcome.as_deref()
    }

    /// Why it was declined.
    async fn decline_reason(&self) -> Option<&str> {
        self.0.decline_reason.as_deref()
    }

    /// The access grant it issued to its unit, when it issued one.
    async fn access_grant(&self, ctx: &Context<'_>) -> Result<Option<AccessGrant>> {
        let Some(grant) = self.0.grant_id else {
            return Ok(None);
        };
        let grants = ctx.loaders().grants().of(self.0.child_id).await?;
        Ok(grants.into_iter().find(|g| g.id == grant).map(AccessGrant))
    }

    /// When it was assigned.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When it last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

/// The GraphQL `AccessGrant` object over a stored grant.
pub struct AccessGrant(pub access_grant::Model);

/// A child's record lent to an organization for a purpose and a period: while it runs, the
/// organization's accounts see the child. It ends at `expiresAt`, or earlier when revoked, when
/// the service item that issued it finishes, or when the consent it rests on is withdrawn.
#[Object]
impl AccessGrant {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::AccessGrant, self.0.id)
    }

    /// The child, when within your scope.
    async fn child(&self, ctx: &Context<'_>) -> Result<Option<Child>> {
        Child::visible(ctx, self.0.child_id).await
    }

    /// The organization.
    async fn organization(&self, ctx: &Context<'_>) -> Result<Option<Organization>> {
        Organization::load(ctx, self.0.organization_id).await
    }

    /// Why (null for grants recorded before purposes were named).
    async fn purpose(&self) -> Option<GrantPurpose> {
        access::GrantPurpose::parse(&self.0.purpose).map(Into::into)
    }

    /// From when.
    async fn starts_at(&self) -> DateTime<Utc> {
        self.0.starts_at
    }

    /// Until when.
    async fn expires_at(&self) -> DateTime<Utc> {
        self.0.expires_at
    }

    /// When it was ended early.
    async fn revoked_at(&self) -> Option<DateTime<Utc>> {
        self.0.revoked_at
    }

    /// Whether it is in force now.
    async fn active(&self, ctx: &Context<'_>) -> bool {
        access::is_active(&self.0, ctx.state().clock.now())
    }
}

/// The GraphQL `BreakGlassAccess` object over a stored opening.
pub struct BreakGlassAccess(pub break_glass::Model);

/// An officer's emergency opening of a child's record outside their scope: it lasts a few hours
/// (`expiresAt`), is audited, and waits in the supervisors' review list until reviewed.
#[Object]
impl BreakGlassAccess {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::BreakGlassAccess, self.0.id)
    }

    /// The officer who opened it.
    async fn opened_by(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        Ok(ctx
            .loaders()
            .account_names()
            .one(self.0.account_id)
            .await?
            .map(|(_, name)| name))
    }

    /// The officer's unit.
    async fn organization(&self, ctx: &Context<'_>) -> Result<Option<Organization>> {
        Organization::load(ctx, self.0.organization_id).await
    }

    /// The child, when within your scope.
    async fn child(&self, ctx: &Context<'_>) -> Result<Option<Child>> {
        Child::visible(ctx, self.0.child_id).await
    }

    /// The emergency, in the officer's words.
    async fn reason(&self) -> &str {
        &self.0.reason
    }

    /// When it was opened.
    async fn opened_at(&self) -> DateTime<Utc> {
        self.0.opened_at
    }

    /// When the access ends.
    async fn expires_at(&self) -> DateTime<Utc> {
        self.0.expires_at
    }

    /// Whether the access is in force now.
    async fn active(&self, ctx: &Context<'_>) -> bool {
        ctx.state().clock.now() < self.0.expires_at
    }

    /// When it was reviewed.
    async fn reviewed_at(&self) -> Option<DateTime<Utc>> {
        self.0.reviewed_at
    }

    /// The reviewer's conclusion.
    async fn review_note(&self) -> Option<&str> {
        self.0.review_note.as_deref()
    }
}
