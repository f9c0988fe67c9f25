//! Submitting reports, moving them through the response and recording emergency actions.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};

use crate::{
    auth::throttle::Bucket,
    domain::{
        self,
        report::{ActionDraft, Move, ReportDraft},
        work::Once,
    },
    error::ApiError,
    graphql::{
        context::ContextExt,
        ids::{self, Kind},
        report::types::{EmergencyAction, EmergencyActionKind, Report, ReportCategory, Urgency},
    },
};

/// A report of a child in danger.
#[derive(InputObject)]
pub struct SubmitReportInput {
    /// A key the client makes once per report and sends again on every retry.
    pub idempotency_key: String,
    /// What it is about.
    pub category: ReportCategory,
    /// How urgent.
    pub urgency: Urgency,
    /// What you saw.
    pub narrative: String,
    /// When it happened or was found.
    pub occurred_at: DateTime<Utc>,
    /// The township or village.
    pub region_id: ID,
    /// The place, in words.
    pub place: Option<String>,
    /// The child, when in the ledger and visible to you.
    pub child_id: Option<ID>,
    /// Otherwise the child's name, age and appearance.
    pub child_description: Option<String>,
    /// How the police can reach you.
    pub reporter_contact: Option<String>,
}

impl TryFrom<SubmitReportInput> for ReportDraft {
    type Error = ApiError;

    fn try_from(input: SubmitReportInput) -> Result<Self, ApiError> {
        Ok(Self {
            category: input.category.into(),
            urgency: input.urgency.into(),
            narrative: input.narrative,
            occurred_at: input.occurred_at,
            region_id: ids::expect(Kind::Region, &input.region_id, "input.regionId")?,
            place: input.place,
            child_id: ids::optional(input.child_id, Kind::Child, "input.childId")?,
            child_description: input.child_description,
            reporter_contact: input.reporter_contact,
        })
    }
}

/// The result of submitting a report.
#[derive(SimpleObject)]
pub struct SubmitReportPayload {
    /// The report (the first one, on a retry).
    pub report: Report,
    /// True when this answer replays an earlier call with the same idempotency key.
    pub replayed: bool,
}

/// A move of the response workflow.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum ReportMove {
    /// 受理.
    Accept,
    /// 出警.
    Dispatch,
    /// 处置.
    Respond,
    /// 通报: notify the township (it gets an assessment assignment).
    NotifyTownship,
    /// Close; give `outcomeNotice`.
    Close,
    /// Hand to another police unit; give `toOrganizationId`.
    Transfer,
    /// A duplicate; give `mergeIntoId`.
    Merge,
}

/// A move of a report.
#[derive(InputObject)]
pub struct TransitionReportInput {
    /// The report.
    pub id: ID,
    /// The move.
    pub r#move: ReportMove,
    /// A note for the record.
    pub note: Option<String>,
    /// With `CLOSE`: the outcome notice the reporter is told.
    pub outcome_notice: Option<String>,
    /// With `TRANSFER`: the police unit taking it over.
    pub to_organization_id: Option<ID>,
    /// With `MERGE`: the report this one duplicates.
    pub merge_into_id: Option<ID>,
}

/// The result of a move.
#[derive(SimpleObject)]
pub struct TransitionReportPayload {
    /// The report as it now stands.
    pub report: Report,
}

/// An emergency action.
#[derive(InputObject)]
pub struct RecordEmergencyActionInput {
    /// The report.
    pub report_id: ID,
    /// What was done.
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
    #[graphql(default)]
    pub parents_notified: bool,
    /// With `ENTRUSTED_GUARDIAN_DESIGNATED`: the guardian (an existing guardian record).
    pub guardian_id: Option<ID>,
    /// When it was taken.
    pub taken_at: DateTime<Utc>,
}

impl TryFrom<RecordEmergencyActionInput> for ActionDraft {
    type Error = ApiError;

    fn try_from(input: RecordEmergencyActionInput) -> Result<Self, ApiError> {
        Ok(Self {
            kind: input.kind.into(),
            detail: input.detail,
            placed_with: input.placed_with,
            from_date: input.from_date,
            until_date: input.until_date,
            parents_notified: input.parents_notified,
            guardian_id: ids::optional(input.guardian_id, Kind::Guardian, "input.guardianId")?,
            taken_at: input.taken_at,
        })
    }
}

/// The result of recording an emergency action.
#[derive(SimpleObject)]
pub struct RecordEmergencyActionPayload {
    /// The action.
    pub action: EmergencyAction,
    /// The report.
    pub report: Report,
}

/// A report from a member of the public.
#[derive(InputObject)]
pub struct SubmitPublicReportInput {
    /// What it is about.
    pub category: ReportCategory,
    /// What you saw.
    pub narrative: String,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
    /// The township or village.
    pub region_id: ID,
    /// The place, in words.
    pub place: Option<String>,
    /// The child: name if known, age, appearance.
    pub child_description: String,
    /// How the police can reach you, if you wish.
    pub contact: Option<String>,
}

impl TryFrom<SubmitPublicReportInput> for domain::report::PublicDraft {
    type Error = ApiError;

    fn try_from(input: SubmitPublicReportInput) -> Result<Self, ApiError> {
        Ok(Self {
            category: input.category.into(),
            narrative: input.narrative,
            occurred_at: input.occurred_at,
            region_id: ids::expect(Kind::Region, &input.region_id, "input.regionId")?,
            place: input.place,
            child_description: input.child_description,
            contact: input.contact,
        })
    }
}

/// What a member of the public gets back: a receipt code, and nothing else.
#[derive(SimpleObject)]
pub struct PublicReportReceipt {
    /// Keep it: `reportStatus(receipt:)` shows the state and, once closed, the outcome.
    pub receipt: String,
}

/// Report mutations.
#[derive(Default)]
pub struct ReportMutation;

#[Object]
impl ReportMutation {
    /// Reports a child in danger to the police (强制报告). The report goes to the police unit of
    /// the place at once. Send an `idempotencyKey`: a retry returns the first report.
    async fn submit_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The report.")] input: SubmitReportInput,
    ) -> Result<SubmitReportPayload> {
        let actor = ctx.actor()?;
        let key = input.idempotency_key.trim().to_owned();
        let draft = ReportDraft::try_from(input)?;
        let once = domain::report::submit(ctx.state().store(), &actor, &key, draft).await?;
        Ok(match once {
            Once::Replayed(report) => SubmitReportPayload {
                report: Report(report),
                replayed: true,
            },
            Once::Created(report) => SubmitReportPayload {
                report: Report(report),
                replayed: false,
            },
        })
    }

    /// Reports a child in danger without an account (members of the public). Limited per
    /// client address (`RATE_LIMITED`); the answer is only a receipt code.
    async fn submit_public_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The report.")] input: SubmitPublicReportInput,
    ) -> Result<PublicReportReceipt> {
        let state = ctx.state();
        let meta = ctx.meta();
        if let Err(refused) = state
            .throttle
            .take(Bucket::PublicReport, &meta.client_address)
            .await
        {
            return Err(ApiError::RateLimited {
                retry_after_secs: Some(refused.seconds()),
            }
            .into());
        }
        let draft = domain::report::PublicDraft::try_from(input)?;
        let receipt = domain::report::submit_public(
            state.store(),
            &state.audit_keys.mac,
            draft,
            state.clock.now(),
            meta.request_id,
        )
        .await?;
        Ok(PublicReportReceipt { receipt })
    }

    /// Moves a report: submitted → accepted → dispatched → responded → township notified →
    /// closed, or transferred to another police unit, or merged as a duplicate. Only officers
    /// of the holding unit; any other move is `INVALID_TRANSITION`, naming the allowed ones.
    async fn transition_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The move.")] input: TransitionReportInput,
    ) -> Result<TransitionReportPayload> {
        let actor = ctx.actor()?;
        let id = ids::expect(Kind::Report, &input.id, "input.id")?;
        let step = match input.r#move {
            ReportMove::Accept => Move::Accept,
            ReportMove::Dispatch => Move::Dispatch,
            ReportMove::Respond => Move::Respond,
            ReportMove::NotifyTownship => Move::NotifyTownship,
            ReportMove::Close => Move::Close {
                outcome: input.outcome_notice.unwrap_or_default(),
            },
            ReportMove::Transfer => Move::Transfer {
                to: ids::expect(
                    Kind::Organization,
                    &input.to_organization_id.ok_or_else(|| {
                        ApiError::bad_input("input.toOrganizationId", "name the police unit")
                    })?,
                    "input.toOrganizationId",
                )?,
            },
            ReportMove::Merge => Move::Merge {
                into: ids::expect(
                    Kind::Report,
                    &input.merge_into_id.ok_or_else(|| {
                        ApiError::bad_input("input.mergeIntoId", "name the report")
                    })?,
                    "input.mergeIntoId",
                )?,
            },
        };
        let report =
            domain::report::transition(ctx.state().store(), &actor, id, step, input.note).await?;
        Ok(TransitionReportPayload {
            report: Report(report),
        })
    }

    /// Records an emergency action of the holding unit (应急处置). Designating an entrusted
    /// guardian writes the guardian link on the child.
    async fn record_emergency_action(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The action.")] input: RecordEmergencyActionInput,
    ) -> Result<RecordEmergencyActionPayload> {
        let actor = ctx.actor()?;
        let report_id = ids::expect(Kind::Report, &input.report_id, "input.reportId")?;
        let draft = ActionDraft::try_from(input)?;
        let (action, report) =
            domain::report::record_action(ctx.state().store(), &actor, report_id, draft).await?;
        Ok(RecordEmergencyActionPayload {
            action: action.into(),
            report: Report(report),
        })
    }
}
