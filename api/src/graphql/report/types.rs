//! The `Report` type and what hangs off it.

use async_graphql::{Context, Enum, ID, Object, Result, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use entity::{deadline_alert, emergency_action, report, report_transition};

use crate::{
    domain::report::{allowed, deadline},
    graphql::{
        child::types::Child,
        context::ContextExt,
        ids::{self, Kind},
        organization::types::Organization,
        region::types::Region,
    },
    policy::hook::audit_subject,
};

/// What a report is about: the plan's situations and the 2020 national opinions' nine.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::enums::ReportCategory")]
pub enum ReportCategory {
    /// A child living alone, out of anyone's care.
    LivingAlone,
    /// A missing child.
    Missing,
    /// The guardian has lost the capacity to care.
    GuardianUnable,
    /// The guardian does not perform the duty of care.
    GuardianNotPerforming,
    /// Suspected domestic violence.
    SuspectedDomesticViolence,
    /// Suspected accidental injury.
    SuspectedAccidentalInjury,
    /// Suspected unlawful harm.
    SuspectedUnlawfulHarm,
    /// Injury to private parts.
    PrivatePartInjury,
    /// Sexual assault, or a girl's pregnancy.
    SexualAssaultOrPregnancy,
    /// Injuries suggesting abuse or bullying.
    AbuseOrBullyingInjuries,
    /// Self-harm or poisoning.
    SelfHarmOrPoisoning,
    /// Abandonment.
    Abandonment,
    /// Missing or trafficked.
    MissingOrTrafficked,
    /// Organized begging.
    OrganizedBegging,
    /// Any other serious danger.
    OtherSeriousDanger,
}

/// Where a report stands.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::enums::ReportState")]
pub enum ReportState {
    /// Submitted, waiting for the holding police unit to accept it.
    Submitted,
    /// Accepted (受理).
    Accepted,
    /// Officers sent (出警).
    Dispatched,
    /// Responded (处置).
    Responded,
    /// The township was notified (通报).
    TownshipNotified,
    /// Closed, with the outcome notice for the reporter.
    Closed,
    /// A duplicate merged into another report.
    Merged,
}

/// How urgent the reporter judges the situation.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::enums::Urgency")]
pub enum Urgency {
    /// The child is in danger now.
    Immediate,
    /// Within hours.
    Urgent,
    /// Not urgent.
    Normal,
}

/// What the police did in response.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::enums::EmergencyActionKind")]
pub enum EmergencyActionKind {
    /// The parents were ordered to return.
    ParentsOrderedHome,
    /// An entrusted guardian was designated (writes the guardian link on the child).
    EntrustedGuardianDesignated,
    /// The parents were admonished (训诫).
    ParentsAdmonished,
    /// Temporary care with a relative.
    TemporaryCareRelative,
    /// Temporary care by the village committee.
    TemporaryCareVillageCommittee,
    /// Temporary care by a rescue or welfare institution.
    TemporaryCareInstitution,
    /// A missing-child search started.
    MissingSearchStarted,
    /// The search ended.
    MissingSearchEnded,
    /// Violence was stopped.
    ViolenceStopped,
    /// Shelter placement through civil affairs.
    ShelterPlacement,
    /// Medical help.
    MedicalHelp,
    /// Injury assessment.
    InjuryAssessment,
    /// Evidence collected.
    EvidenceCollected,
}

/// The GraphQL `Report` object over a stored report.
pub struct Report(pub report::Model);

/// A mandatory report (强制报告) of a child in danger and the police response to it. The
/// reporter's identity is confidential: only the police (and the court, for reports of its
/// own) see it; the procuratorate supervises reports without it.
#[Object]
impl Report {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Report, self.0.id)
    }

    /// What it is about.
    async fn category(&self) -> Option<ReportCategory> {
        Some(self.0.category.into())
    }

    /// How urgent.
    async fn urgency(&self) -> Option<Urgency> {
        Some(self.0.urgency.into())
    }

    /// Where it stands.
    async fn state(&self) -> Option<ReportState> {
        Some(self.0.state.into())
    }

    /// The moves `transitionReport` accepts from here.
    async fn allowed_moves(&self) -> Option<Vec<&'static str>> {
        Some(allowed(self.0.state).to_vec())
    }

    /// What the reporter saw. Reads are audited.
    async fn narrative(&self, ctx: &Context<'_>) -> Option<&str> {
        audit_subject(ctx, Kind::Report, self.0.id);
        Some(&self.0.narrative)
    }

    /// When it happened or was found.
    async fn occurred_at(&self) -> Option<DateTime<Utc>> {
        Some(self.0.occurred_at)
    }

    /// The township or village.
    async fn region(&self, ctx: &Context<'_>) -> Result<Option<Region>> {
        Region::load(ctx, self.0.region_id).await
    }

    /// The place, in words.
    async fn place(&self) -> Option<&str> {
        self.0.place.as_deref()
    }

    /// The child, when in the ledger and visible to you.
    async fn child(&self, ctx: &Context<'_>) -> Result<Option<Child>> {
        let Some(child) = self.0.child_id else {
            return Ok(None);
        };
        Child::visible(ctx, child).await
    }

    /// The child as the reporter described them. Reads are audited.
    async fn child_description(&self, ctx: &Context<'_>) -> Option<&str> {
        audit_subject(ctx, Kind::Report, self.0.id);
        self.0.child_description.as_deref()
    }

    /// Who reported (confidential). Reads are audited.
    async fn reporter_name(&self, ctx: &Context<'_>) -> Option<&str> {
        audit_subject(ctx, Kind::Report, self.0.id);
        self.0.reporter_name.as_deref()
    }

    /// How to reach the reporter (confidential). Reads are audited.
    async fn reporter_contact(&self, ctx: &Context<'_>) -> Option<&str> {
        audit_subject(ctx, Kind::Report, self.0.id);
        self.0.reporter_contact.as_deref()
    }

    /// The reporter's unit (confidential).
    async fn reporter_organization(&self, ctx: &Context<'_>) -> Result<Option<Organization>> {
        let Some(unit) = self.0.reporter_organization_id else {
            return Ok(None);
        };
        Organization::load(ctx, unit).await
    }

    /// Whether the reporter's unit has a duty to report.
    async fn mandatory_reporter(&self) -> Option<bool> {
        Some(self.0.mandatory_reporter)
    }

    /// The police unit holding the report.
    async fn holder(&self, ctx: &Context<'_>) -> Result<Option<Organization>> {
        Organization::load(ctx, self.0.holder_organization_id).await
    }

    /// The report this one duplicates, when merged.
    async fn merged_into_id(&self) -> Option<ID> {
        self.0.merged_into.map(|id| ids::encode(Kind::Report, id))
    }

    /// The outcome notice the reporter is told (Minors Protection Law art. 11).
    async fn outcome_notice(&self) -> Option<&str> {
        self.0.outcome_notice.as_deref()
    }

    /// When submitted.
    async fn submitted_at(&self) -> Option<DateTime<Utc>> {
        Some(self.0.submitted_at)
    }

    /// When accepted.
    async fn accepted_at(&self) -> Option<DateTime<Utc>> {
        self.0.accepted_at
    }

    /// When officers were sent.
    async fn dispatched_at(&self) -> Option<DateTime<Utc>> {
        self.0.dispatched_at
    }

    /// When the police responded.
    async fn responded_at(&self) -> Option<DateTime<Utc>> {
        self.0.responded_at
    }

    /// When the township was notified.
    async fn notified_at(&self) -> Option<DateTime<Utc>> {
        self.0.notified_at
    }

    /// When it closed.
    async fn closed_at(&self) -> Option<DateTime<Utc>> {
        self.0.closed_at
    }

    /// When the next step is due: acceptance 30 minutes after submission, dispatch 2 hours
    /// after acceptance (1 hour for missing children, violence and sexual harm), notifying the
    /// township 24 hours after the response. Null when no step is due.
    async fn deadline(&self, ctx: &Context<'_>) -> Option<DateTime<Utc>> {
        deadline(&self.0, &ctx.state().config.report_deadlines).map(|(_, at)| at)
    }

    /// Whether the next step is late.
    async fn overdue(&self, ctx: &Context<'_>) -> Option<bool> {
        let now = ctx.state().clock.now();
        Some(
            deadline(&self.0, &ctx.state().config.report_deadlines).is_some_and(|(_, at)| at < now),
        )
    }

    /// Every move, oldest first.
    async fn transitions(&self, ctx: &Context<'_>) -> Result<Option<Vec<ReportTransition>>> {
        let rows = ctx.loaders().report_transitions().of(self.0.id).await?;
        Ok(Some(rows.into_iter().map(ReportTransition::from).collect()))
    }

    /// What the police did, oldest first. Reads are audited.
    async fn emergency_actions(&self, ctx: &Context<'_>) -> Result<Option<Vec<EmergencyAction>>> {
        audit_subject(ctx, Kind::Report, self.0.id);
        let rows = ctx.loaders().emergency_actions().of(self.0.id).await?;
        Ok(Some(rows.into_iter().map(EmergencyAction::from).collect()))
    }

    /// The record's version.
    async fn version(&self) -> Option<i32> {
        Some(self.0.version)
    }
}

/// One move of a report.
#[derive(SimpleObject)]
pub struct ReportTransition {
    /// What was done (`submit`, `accept`, `dispatch`, `respond`, `notify_township`, `close`,
    /// `transfer`, `merge`).
    pub action: String,
    /// The state before.
    pub from_state: Option<String>,
    /// The state after.
    pub to_state: String,
    /// When.
    pub at: DateTime<Utc>,
    /// The note given.
    pub note: Option<String>,
}

impl From<report_transition::Model> for ReportTransition {
    fn from(row: report_transition::Model) -> Self {
        Self {
            action: row.action,
            from_state: row.from_state,
            to_state: row.to_state,
            at: row.at,
            note: row.note,
        }
    }
}

/// What the police did in response to a report.
#[derive(SimpleObject)]
pub struct EmergencyAction {
    /// What.
    pub kind: EmergencyActionKind,
    /// Details.
    pub detail: String,
    /// Where or with whom the child was placed.
    pub placed_with: Option<String>,
    /// From when.
    pub from_date: Option<NaiveDate>,
    /// Until when.
    pub until_date: Option<NaiveDate>,
    /// Whether the parents were notified.
    pub parents_notified: bool,
    /// When it was taken.
    pub taken_at: DateTime<Utc>,
}

impl From<emergency_action::Model> for EmergencyAction {
    fn from(row: emergency_action::Model) -> Self {
        Self {
            kind: row.kind.into(),
            detail: row.detail,
            placed_with: row.placed_with,
            from_date: row.from_date,
            until_date: row.until_date,
            parents_notified: row.parents_notified,
            taken_at: row.taken_at,
        }
    }
}

/// The GraphQL `DeadlineAlert` object over a stored alert.
pub struct DeadlineAlert(pub deadline_alert::Model);

/// A deadline a report missed, raised once by the overdue sweep.
#[Object]
impl DeadlineAlert {
    /// The report (null when you may no longer see it).
    async fn report(&self, ctx: &Context<'_>) -> Result<Option<Report>> {
        Ok(ctx
            .loaders()
            .visible_reports()
            .one(self.0.report_id)
            .await?
            .map(Report))
    }

    /// The step that was due: `accept`, `dispatch` or `notify_township`.
    async fn stage(&self) -> &str {
        &self.0.stage
    }

    /// When it was due.
    async fn deadline(&self) -> DateTime<Utc> {
        self.0.deadline
    }

    /// When the sweep raised it.
    async fn raised_at(&self) -> DateTime<Utc> {
        self.0.raised_at
    }
}
