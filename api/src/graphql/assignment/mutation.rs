//! Assigning responsibility and reporting progress.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};

use crate::{
    domain::{self, assignment::Duty},
    error::ApiError,
    graphql::{
        context::ContextExt,
        ids::{self, Kind},
        organization::types::Organization,
        schooling::types::{Assignment, Responsibility, SubjectType},
    },
};

/// A responsibility to assign.
#[derive(InputObject)]
pub struct AssignResponsibilityInput {
    /// What kind of subject.
    pub subject_type: SubjectType,
    /// A plan task's key (e.g. `care.family_guardianship`) or a case's global ID.
    pub subject_id: String,
    /// The unit.
    pub organization_id: ID,
    /// Lead (责任单位) or assisting (协助单位).
    pub responsibility: Responsibility,
    /// What is to be done.
    pub title: String,
    /// When it is due.
    pub due_on: Option<NaiveDate>,
}

/// Progress on an assignment.
#[derive(InputObject)]
pub struct ReportAssignmentProgressInput {
    /// The assignment (one of your unit's).
    pub assignment_id: ID,
    /// What was done.
    pub note: String,
    /// How far along, 0 to 100 (never less than last reported); 100 marks it done.
    pub percent: i32,
    /// A reference to evidence (a document number, a file name).
    pub evidence_ref: Option<String>,
}

/// The result of assigning or reporting progress.
#[derive(SimpleObject)]
pub struct AssignmentPayload {
    /// The assignment as it now stands.
    pub assignment: Assignment,
}

/// Responsibility mutations.
#[derive(Default)]
pub struct AssignmentMutation;

#[Object]
impl AssignmentMutation {
    /// Makes a unit responsible, as lead or assisting, for a plan task or a case.
    async fn assign_responsibility(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The responsibility.")] input: AssignResponsibilityInput,
    ) -> Result<AssignmentPayload> {
        let actor = ctx.actor()?;
        let subject_type: entity::enums::SubjectType = input.subject_type.into();
        let key = match subject_type {
            entity::enums::SubjectType::PlanTask => input.subject_id.trim().to_owned(),
            _ => ids::decode(&ID(input.subject_id.clone()))
                .map(|(_, id)| id.to_string())
                .ok_or_else(|| ApiError::bad_input("input.subjectId", "not a global ID"))?,
        };
        let duty = Duty {
            subject_type,
            key,
            organization: ids::expect(
                Kind::Organization,
                &input.organization_id,
                "input.organizationId",
            )?,
            responsibility: input.responsibility.into(),
            title: input.title.trim().to_owned(),
            due_on: input.due_on,
        };
        let assignment = domain::assignment::assign(ctx.state().store(), &actor, duty).await?;
        Ok(AssignmentPayload {
            assignment: Assignment(assignment),
        })
    }

    /// Reports progress on one of your unit's assignments.
    async fn report_assignment_progress(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The progress.")] input: ReportAssignmentProgressInput,
    ) -> Result<AssignmentPayload> {
        let actor = ctx.actor()?;
        let id = ids::expect(Kind::Assignment, &input.assignment_id, "input.assignmentId")?;
        let assignment = domain::assignment::report_progress(
            ctx.state().store(),
            &actor,
            id,
            &input.note,
            input.percent,
            input.evidence_ref,
        )
        .await?;
        Ok(AssignmentPayload {
            assignment: Assignment(assignment),
        })
    }
}

/// Whether a unit or person is commended or held to account.
#[derive(async_graphql::Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::enums::EvaluationKind")]
pub enum EvaluationKind {
    /// Commended for the work.
    Commendation,
    /// Held to account for failing in it.
    Accountability,
}

/// A commendation or an accountability decision.
#[derive(InputObject)]
pub struct RecordEvaluationInput {
    /// Which.
    pub kind: EvaluationKind,
    /// The unit (serving your jurisdiction).
    pub organization_id: ID,
    /// The person, when a person of the unit is evaluated.
    pub person_name: Option<String>,
    /// Why.
    pub reason: String,
    /// The decision's document number.
    pub reference: Option<String>,
    /// When it was decided.
    pub decided_on: NaiveDate,
}

impl TryFrom<RecordEvaluationInput> for domain::assignment::EvaluationDraft {
    type Error = ApiError;

    fn try_from(input: RecordEvaluationInput) -> Result<Self, ApiError> {
        Ok(Self {
            kind: input.kind.into(),
            organization: ids::expect(
                Kind::Organization,
                &input.organization_id,
                "input.organizationId",
            )?,
            person_name: input.person_name,
            reason: input.reason,
            reference: input.reference,
            decided_on: input.decided_on,
        })
    }
}

/// The GraphQL `Evaluation` object over a stored evaluation.
pub struct Evaluation(pub entity::evaluation::Model);

/// A recorded commendation or accountability decision (强化激励问责).
#[Object]
impl Evaluation {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Evaluation, self.0.id)
    }

    /// Which.
    async fn kind(&self) -> EvaluationKind {
        self.0.kind.into()
    }

    /// The unit evaluated (or the unit of the person evaluated).
    async fn organization(&self, ctx: &Context<'_>) -> Result<Option<Organization>> {
        Organization::load(ctx, self.0.organization_id).await
    }

    /// The person, when a person was evaluated.
    async fn person_name(&self) -> Option<&str> {
        self.0.person_name.as_deref()
    }

    /// Why.
    async fn reason(&self) -> &str {
        &self.0.reason
    }

    /// The decision's document number.
    async fn reference(&self) -> Option<&str> {
        self.0.reference.as_deref()
    }

    /// When it was decided.
    async fn decided_on(&self) -> NaiveDate {
        self.0.decided_on
    }

    /// When it was recorded.
    async fn recorded_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// The result of recording an evaluation.
#[derive(SimpleObject)]
pub struct RecordEvaluationPayload {
    /// The evaluation.
    pub evaluation: Evaluation,
}

/// Evaluation mutations.
#[derive(Default)]
pub struct EvaluationMutation;

#[Object]
impl EvaluationMutation {
    /// Records a commendation or an accountability decision (强化激励问责) for a unit or a
    /// person of it.
    async fn record_evaluation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The evaluation.")] input: RecordEvaluationInput,
    ) -> Result<RecordEvaluationPayload> {
        let actor = ctx.actor()?;
        let draft = domain::assignment::EvaluationDraft::try_from(input)?;
        let saved =
            domain::assignment::record_evaluation(ctx.state().store(), &actor, draft).await?;
        Ok(RecordEvaluationPayload {
            evaluation: Evaluation(saved),
        })
    }
}
