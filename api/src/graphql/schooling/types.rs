//! The `SchoolAbsence`, `DropoutCase`, `PersuasionAttempt` and `Assignment` types.

use async_graphql::{Context, Enum, ID, Object, Result, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use entity::{assignment, dropout_case, persuasion_attempt, school_absence};

use crate::{
    domain::schooling::allowed,
    graphql::{
        child::types::Child,
        context::ContextExt,
        ids::{self, Kind},
        organization::types::Organization,
    },
};

/// A school day a child missed.
#[derive(SimpleObject)]
pub struct SchoolAbsence {
    /// The day.
    pub absent_on: NaiveDate,
    /// The reason, when known; absences without one count toward a dropout case.
    pub reason: Option<String>,
}

impl From<school_absence::Model> for SchoolAbsence {
    fn from(row: school_absence::Model) -> Self {
        Self {
            absent_on: row.absent_on,
            reason: row.reason,
        }
    }
}

/// Where a dropout case stands.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::enums::DropoutState")]
pub enum DropoutState {
    /// Opened: the child stopped coming.
    Open,
    /// Persuasion to return is under way.
    Persuading,
    /// The child is back at school (closed).
    Returned,
    /// Persuasion failed; reported in writing to the county education bureau and the township
    /// government, which follow up through their assignments.
    Reported,
}

/// The GraphQL `DropoutCase` object over a stored case.
pub struct DropoutCase(pub dropout_case::Model);

/// The follow-up of a child who stopped coming to school (控辍保学): persuasion attempts, then
/// the child returns or the school reports in writing.
#[Object]
impl DropoutCase {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::DropoutCase, self.0.id)
    }

    /// The child.
    async fn child(&self, ctx: &Context<'_>) -> Result<Option<Child>> {
        Child::visible(ctx, self.0.child_id).await
    }

    /// Where it stands.
    async fn state(&self) -> DropoutState {
        self.0.state.into()
    }

    /// The follow-ups `followUpDropout` accepts from here.
    async fn allowed_actions(&self) -> Vec<&'static str> {
        allowed(self.0.state).to_vec()
    }

    /// When it was opened.
    async fn opened_on(&self) -> NaiveDate {
        self.0.opened_on
    }

    /// Why it was opened.
    async fn opened_because(&self) -> &str {
        &self.0.opened_because
    }

    /// When it closed.
    async fn closed_at(&self) -> Option<DateTime<Utc>> {
        self.0.closed_at
    }

    /// The written report, once persuasion failed.
    async fn report(&self) -> Option<&str> {
        self.0.report_text.as_deref()
    }

    /// The persuasion attempts, oldest first.
    async fn persuasion_attempts(&self, ctx: &Context<'_>) -> Result<Vec<PersuasionAttempt>> {
        Ok(ctx
            .loaders()
            .persuasion_attempts()
            .of(self.0.id)
            .await?
            .into_iter()
            .map(PersuasionAttempt::from)
            .collect())
    }
}

/// One attempt to persuade a child and family to return to school (劝返).
#[derive(SimpleObject)]
pub struct PersuasionAttempt {
    /// When.
    pub attempted_on: NaiveDate,
    /// Who went.
    pub by_whom: String,
    /// What came of it.
    pub outcome: String,
}

impl From<persuasion_attempt::Model> for PersuasionAttempt {
    fn from(row: persuasion_attempt::Model) -> Self {
        Self {
            attempted_on: row.attempted_on,
            by_whom: row.by_whom,
            outcome: row.outcome,
        }
    }
}

/// What an assignment is about.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::enums::SubjectType")]
pub enum SubjectType {
    /// A task of the plan.
    PlanTask,
    /// A mandatory report.
    Report,
    /// An assessment.
    Assessment,
    /// A service item.
    ServiceItem,
    /// A dropout case.
    DropoutCase,
    /// An inspection's finding, to be put right (整改).
    Finding,
}

/// A unit's part in an assignment.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::enums::Responsibility")]
pub enum Responsibility {
    /// 责任单位: responsible.
    Lead,
    /// 协助单位: assisting.
    Assisting,
}

/// Where an assignment stands.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::enums::AssignmentStatus")]
pub enum AssignmentStatus {
    /// Not started.
    Open,
    /// Under way.
    InProgress,
    /// Done.
    Done,
}

/// The GraphQL `Assignment` object over a stored assignment.
pub struct Assignment(pub assignment::Model);

/// A unit's responsibility for a subject, as lead (责任单位) or assisting (协助单位): what shows
/// in the unit's inbox.
#[Object]
impl Assignment {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Assignment, self.0.id)
    }

    /// What kind of subject.
    async fn subject_type(&self) -> SubjectType {
        self.0.subject_type.into()
    }

    /// The subject: a plan task's key, or the global ID of the case: a `Report`, a
    /// `DropoutCase`, a `ServiceItem`, an `InspectionFinding`, and for an assessment the `Report` it follows (pass it to
    /// `startAssessment` as `reportId`) or, when it follows none, the `Assessment`.
    async fn subject_id(&self, ctx: &Context<'_>) -> Result<String> {
        let Ok(id) = uuid::Uuid::parse_str(&self.0.subject_key) else {
            return Ok(self.0.subject_key.clone());
        };
        let kind = match self.0.subject_type {
            entity::enums::SubjectType::PlanTask => return Ok(self.0.subject_key.clone()),
            entity::enums::SubjectType::Report => Kind::Report,
            entity::enums::SubjectType::DropoutCase => Kind::DropoutCase,
            entity::enums::SubjectType::ServiceItem => Kind::ServiceItem,
            entity::enums::SubjectType::Finding => Kind::InspectionFinding,
            entity::enums::SubjectType::Assessment => {
                let own = ctx.loaders().assessment_ids().one(id).await?;
                if own.is_some() {
                    Kind::Assessment
                } else {
                    Kind::Report
                }
            }
        };
        Ok(ids::encode(kind, id).to_string())
    }

    /// The responsible unit.
    async fn organization(&self, ctx: &Context<'_>) -> Result<Option<Organization>> {
        Organization::load(ctx, self.0.organization_id).await
    }

    /// Lead or assisting.
    async fn responsibility(&self) -> Responsibility {
        self.0.responsibility.into()
    }

    /// What is to be done.
    async fn title(&self) -> &str {
        &self.0.title
    }

    /// When it is due.
    async fn due_on(&self) -> Option<NaiveDate> {
        self.0.due_on
    }

    /// Where it stands.
    async fn status(&self) -> AssignmentStatus {
        self.0.status.into()
    }

    /// When it was assigned.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// How far along, 0 to 100, as last reported.
    async fn progress_percent(&self) -> i32 {
        self.0.progress_percent
    }

    /// Whether it is due before today and not done.
    async fn overdue(&self, ctx: &Context<'_>) -> bool {
        crate::domain::assignment::is_overdue(&self.0, ctx.today())
    }
}
