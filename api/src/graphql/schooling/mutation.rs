//! Recording absences and following dropout cases up.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use chrono::NaiveDate;

use crate::{
    domain::{self, schooling::FollowUp},
    error::ApiError,
    graphql::{
        context::ContextExt,
        ids::{self, Kind},
        schooling::types::{DropoutCase, SchoolAbsence},
    },
};

/// A child's absence from school.
#[derive(InputObject)]
pub struct RecordAbsenceInput {
    /// The child.
    pub child_id: ID,
    /// The first day absent.
    pub from: NaiveDate,
    /// The last day absent (the same as `from` for one day).
    pub to: NaiveDate,
    /// The reason, when known (sick leave, a family matter). Absences without one count toward
    /// a dropout case.
    pub reason: Option<String>,
}

/// The result of recording absences.
#[derive(SimpleObject)]
pub struct RecordAbsencePayload {
    /// The school days recorded.
    pub absences: Vec<SchoolAbsence>,
    /// The dropout case these absences opened (after 3 consecutive school days without a reason,
    /// by default), if they did.
    pub opened_case: Option<DropoutCase>,
}

/// A step of a dropout case.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum DropoutAction {
    /// A persuasion attempt; give `persuasion`.
    Persuade,
    /// The child is back at school; give `returnedOn`.
    Returned,
    /// Persuasion failed: report in writing to the county education bureau and the township
    /// government; give `report`.
    ReportInWriting,
}

/// A persuasion attempt.
#[derive(InputObject)]
pub struct PersuasionInput {
    /// When.
    pub attempted_on: NaiveDate,
    /// Who went.
    pub by_whom: String,
    /// What came of it.
    pub outcome: String,
}

/// A step of a dropout case.
#[derive(InputObject)]
pub struct FollowUpDropoutInput {
    /// The case.
    pub case_id: ID,
    /// What happened.
    pub action: DropoutAction,
    /// With `PERSUADE`: the attempt.
    pub persuasion: Option<PersuasionInput>,
    /// With `RETURNED`: since when (default today).
    pub returned_on: Option<NaiveDate>,
    /// With `REPORT_IN_WRITING`: the written report.
    pub report: Option<String>,
    /// With `REPORT_IN_WRITING`: when the units must have acted.
    pub due_on: Option<NaiveDate>,
}

/// The result of a follow-up.
#[derive(SimpleObject)]
pub struct FollowUpDropoutPayload {
    /// The case as it now stands.
    pub case: DropoutCase,
}

/// Schooling mutations.
#[derive(Default)]
pub struct SchoolingMutation;

#[Object]
impl SchoolingMutation {
    /// Records a child's absence on every school day of a period.
    async fn record_absence(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The absence.")] input: RecordAbsenceInput,
    ) -> Result<RecordAbsencePayload> {
        let actor = ctx.actor()?;
        let child = ids::expect(Kind::Child, &input.child_id, "input.childId")?;
        let threshold = ctx.state().config.dropout_absence_days;
        let recorded = domain::schooling::record_absence(
            ctx.state().store(),
            &actor,
            child,
            input.from,
            input.to,
            input.reason,
            threshold,
        )
        .await?;
        Ok(RecordAbsencePayload {
            absences: recorded.absences.into_iter().map(Into::into).collect(),
            opened_case: recorded.opened_case.map(DropoutCase),
        })
    }

    /// Moves a dropout case on: open → persuasion attempts → returned, or reported in writing
    /// (which puts the case in the county education bureau's and the township government's
    /// assignments). Any other move is `INVALID_TRANSITION`, naming the allowed ones.
    async fn follow_up_dropout(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The step.")] input: FollowUpDropoutInput,
    ) -> Result<FollowUpDropoutPayload> {
        let actor = ctx.actor()?;
        let case = ids::expect(Kind::DropoutCase, &input.case_id, "input.caseId")?;
        let step = match input.action {
            DropoutAction::Persuade => {
                let p = input.persuasion.ok_or_else(|| {
                    ApiError::bad_input("input.persuasion", "describe the attempt")
                })?;
                FollowUp::Persuade {
                    attempted_on: p.attempted_on,
                    by_whom: p.by_whom,
                    outcome: p.outcome,
                }
            }
            DropoutAction::Returned => FollowUp::Returned {
                returned_on: input.returned_on.unwrap_or_else(|| actor.today()),
            },
            DropoutAction::ReportInWriting => FollowUp::ReportInWriting {
                report: input.report.ok_or_else(|| {
                    ApiError::bad_input("input.report", "the written report is required")
                })?,
                due_on: input.due_on,
            },
        };
        let case = domain::schooling::follow_up(ctx.state().store(), &actor, case, step).await?;
        Ok(FollowUpDropoutPayload {
            case: DropoutCase(case),
        })
    }
}
