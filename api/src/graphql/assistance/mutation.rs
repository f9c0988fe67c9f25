//! Assessing, assigning and moving service items, lending records, and break-glass.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::json;

use crate::{
    domain::{
        self,
        assistance::{AssessmentStart, Findings, ItemDraft, ItemMove},
        work::Once,
    },
    error::ApiError,
    graphql::{
        assistance::types::{
            AccessGrant, Assessment, BreakGlassAccess, GrantPurpose, ServiceItem, ServiceKind,
        },
        child::types::Child,
        context::ContextExt,
        enums::RiskLevel,
        ids::{self, Kind},
    },
};

/// An assessment to start.
#[derive(InputObject)]
pub struct StartAssessmentInput {
    /// The child.
    pub child_id: ID,
    /// The notified report it follows (the township's `ASSESSMENT` assignment names it).
    pub report_id: Option<ID>,
    /// The participating units (civil affairs, police, human resources, education, health,
    /// justice, the Women's Federation, the Youth League, schools, agencies).
    #[graphql(default)]
    pub participant_ids: Vec<ID>,
}

/// The findings that complete an assessment.
#[derive(InputObject)]
pub struct CompleteAssessmentInput {
    /// The assessment.
    pub id: ID,
    /// Finding on the child's safety.
    pub safety: String,
    /// Finding on guardianship.
    pub guardianship: String,
    /// Finding on physical health.
    pub physical_health: String,
    /// Finding on mental health.
    pub mental_health: String,
    /// The risk level found; it becomes the child's `riskLevel`.
    pub risk_level: RiskLevel,
    /// The overall conclusion.
    pub summary: Option<String>,
}

/// The result of starting or completing an assessment.
#[derive(SimpleObject)]
pub struct AssessmentPayload {
    /// The assessment.
    pub assessment: Assessment,
    /// The child as it now stands.
    pub child: Option<Child>,
}

/// A service to assign.
#[derive(InputObject)]
pub struct AddServiceItemInput {
    /// A key unique to this item on the client: a retry with the same key returns the first
    /// item.
    pub idempotency_key: String,
    /// The child.
    pub child_id: ID,
    /// The assessment it follows.
    pub assessment_id: Option<ID>,
    /// What service.
    pub kind: ServiceKind,
    /// The unit that delivers it. A social work agency or the justice bureau needs the
    /// guardian's consent on record for the purpose, and then sees the child until the item is
    /// due.
    pub organization_id: ID,
    /// When it is due.
    pub due_on: NaiveDate,
    /// What is to be done.
    pub note: Option<String>,
}

impl TryFrom<AddServiceItemInput> for ItemDraft {
    type Error = ApiError;

    fn try_from(input: AddServiceItemInput) -> Result<Self, ApiError> {
        Ok(Self {
            child: ids::expect(Kind::Child, &input.child_id, "input.childId")?,
            assessment: ids::optional(input.assessment_id, Kind::Assessment, "input.assessmentId")?,
            kind: input.kind.into(),
            organization: ids::expect(
                Kind::Organization,
                &input.organization_id,
                "input.organizationId",
            )?,
            due_on: input.due_on,
            note: input.note,
        })
    }
}

/// The result of assigning a service.
#[derive(SimpleObject)]
pub struct AddServiceItemPayload {
    /// The item.
    pub item: ServiceItem,
    /// True when this answer replays an earlier call with the same idempotency key.
    pub replayed: bool,
}

/// A move of a service item.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum ServiceItemMove {
    /// `OPEN` → `IN_PROGRESS`.
    Start,
    /// → `DONE`, with `outcome`; the unit's access to the child ends.
    Complete,
    /// → `DECLINED`, with `reason`; the unit's access to the child ends.
    Decline,
    /// A new `dueOn` while not finished; the unit's access follows it. The township or civil
    /// affairs over the child reschedules, never the unit itself (`FORBIDDEN`).
    Reschedule,
}

/// A service item's move.
#[derive(InputObject)]
pub struct UpdateServiceItemInput {
    /// The item.
    pub id: ID,
    /// The move (`allowedMoves` lists those possible).
    pub r#move: ServiceItemMove,
    /// For `COMPLETE`: what was delivered.
    pub outcome: Option<String>,
    /// For `DECLINE`: why.
    pub reason: Option<String>,
    /// For `RESCHEDULE`: the new due date.
    pub due_on: Option<NaiveDate>,
}

/// The result of moving a service item.
#[derive(SimpleObject)]
pub struct UpdateServiceItemPayload {
    /// The item as it now stands.
    pub item: ServiceItem,
}

/// A record to lend.
#[derive(InputObject)]
pub struct GrantAccessInput {
    /// The child.
    pub child_id: ID,
    /// The organization.
    pub organization_id: ID,
    /// Why; consent purposes need the guardian's consent on record.
    pub purpose: GrantPurpose,
    /// Until when (at most 366 days ahead).
    pub expires_at: DateTime<Utc>,
    /// The reason, for the audit trail.
    pub reason: String,
}

/// A grant to end.
#[derive(InputObject)]
pub struct RevokeAccessInput {
    /// The grant.
    pub id: ID,
    /// Why, for the audit trail.
    pub reason: String,
}

/// The result of lending or revoking.
#[derive(SimpleObject)]
pub struct AccessGrantPayload {
    /// The grant as it now stands.
    pub grant: AccessGrant,
}

/// An emergency opening.
#[derive(InputObject)]
pub struct BreakGlassInput {
    /// The child, outside your scope.
    pub child_id: ID,
    /// The emergency (10 to 1000 characters); supervisors review it.
    pub reason: String,
}

/// The result of breaking the glass.
#[derive(SimpleObject)]
pub struct BreakGlassPayload {
    /// The opening: the record is yours to read until `expiresAt`.
    pub access: BreakGlassAccess,
    /// The child.
    pub child: Option<Child>,
}

/// A review of a break-glass opening.
#[derive(InputObject)]
pub struct ReviewBreakGlassInput {
    /// The opening.
    pub id: ID,
    /// The conclusion: justified or not, and what follows.
    pub note: String,
}

/// The result of a review.
#[derive(SimpleObject)]
pub struct ReviewBreakGlassPayload {
    /// The opening as reviewed.
    pub access: BreakGlassAccess,
}

/// Assistance mutations.
#[derive(Default)]
pub struct AssistanceMutation;

#[Object]
impl AssistanceMutation {
    /// Starts an assessment of a child (评估), usually from a report the police notified to the
    /// township. The township government leads it; each participating unit gets it as an
    /// assisting assignment. One assessment per child is open at a time (`CONFLICT` names it).
    async fn start_assessment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The assessment.")] input: StartAssessmentInput,
    ) -> Result<AssessmentPayload> {
        let actor = ctx.actor()?;
        let draft = AssessmentStart {
            child: ids::expect(Kind::Child, &input.child_id, "input.childId")?,
            report: ids::optional(input.report_id, Kind::Report, "input.reportId")?,
            participants: input
                .participant_ids
                .iter()
                .map(|id| ids::expect(Kind::Organization, id, "input.participantIds"))
                .collect::<Result<_, _>>()?,
        };
        let child_id = draft.child;
        let assessment = match domain::assistance::start(ctx.state().store(), &actor, draft).await {
            Ok(assessment) => assessment,
            Err(ApiError::Conflict { existing: None, .. }) => {
                let db = &ctx.state().db;
                return Err(domain::assistance::already_open(db, child_id)
                    .await?
                    .unwrap_or_else(|| ApiError::conflict("this report has been assessed"))
                    .into());
            }
            Err(err) => return Err(err.into()),
        };
        let child = domain::child::find(&ctx.state().db, &actor, assessment.child_id).await?;
        Ok(AssessmentPayload {
            assessment: Assessment(assessment),
            child: child.map(Child),
        })
    }

    /// Completes an assessment with its findings: sets the child's risk level and closes the
    /// assessment's assignments.
    async fn complete_assessment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The findings.")] input: CompleteAssessmentInput,
    ) -> Result<AssessmentPayload> {
        let actor = ctx.actor()?;
        let id = ids::expect(Kind::Assessment, &input.id, "input.id")?;
        let findings = Findings {
            safety: input.safety,
            guardianship: input.guardianship,
            physical_health: input.physical_health,
            mental_health: input.mental_health,
            risk_level: input.risk_level.into(),
            summary: input.summary,
        };
        let (assessment, child) =
            domain::assistance::complete(ctx.state().store(), &actor, id, findings).await?;
        Ok(AssessmentPayload {
            assessment: Assessment(assessment),
            child: Some(Child(child)),
        })
    }

    /// Assigns a targeted service for a child to a unit, due by a date; the unit gets it as a
    /// lead assignment. Assigning it to a social work agency or the justice bureau lends them the
    /// child's record until it is due, and needs the guardian's consent for the purpose on
    /// record (`BAD_USER_INPUT` naming the missing consent otherwise).
    async fn add_service_item(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The service.")] input: AddServiceItemInput,
    ) -> Result<AddServiceItemPayload> {
        let actor = ctx.actor()?;
        let key = input.idempotency_key.trim().to_owned();
        let draft = ItemDraft::try_from(input)?;
        let once = domain::assistance::add_item(ctx.state().store(), &actor, &key, draft).await?;
        let (item, replayed) = match once {
            Once::Replayed(item) => (item, true),
            Once::Created(item) => (item, false),
        };
        Ok(AddServiceItemPayload {
            item: ServiceItem(item),
            replayed,
        })
    }

    /// Moves a service item: its unit, or the township and civil affairs over it. Finishing it
    /// (`COMPLETE`, `DECLINE`) ends the unit's access to the child and closes its assignment.
    async fn update_service_item(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The move.")] input: UpdateServiceItemInput,
    ) -> Result<UpdateServiceItemPayload> {
        let actor = ctx.actor()?;
        let id = ids::expect(Kind::ServiceItem, &input.id, "input.id")?;
        let change = match input.r#move {
            ServiceItemMove::Start => ItemMove::Start,
            ServiceItemMove::Complete => ItemMove::Complete {
                outcome: input.outcome.unwrap_or_default(),
            },
            ServiceItemMove::Decline => ItemMove::Decline {
                reason: input.reason.unwrap_or_default(),
            },
            ServiceItemMove::Reschedule => ItemMove::Reschedule {
                due_on: input
                    .due_on
                    .ok_or_else(|| ApiError::bad_input("input.dueOn", "give the new due date"))?,
            },
        };
        let item = domain::assistance::update_item(ctx.state().store(), &actor, id, change).await?;
        Ok(UpdateServiceItemPayload {
            item: ServiceItem(item),
        })
    }

    /// Lends a child's record to an organization for a purpose until a date (civil affairs):
    /// consent purposes need the guardian's consent on record; an intervention case goes to a
    /// court or procuratorate.
    async fn grant_access(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The grant.")] input: GrantAccessInput,
    ) -> Result<AccessGrantPayload> {
        let actor = ctx.actor()?;
        let child = ids::expect(Kind::Child, &input.child_id, "input.childId")?;
        let organization = ids::expect(
            Kind::Organization,
            &input.organization_id,
            "input.organizationId",
        )?;
        let grant = domain::access::grant(
            ctx.state().store(),
            &actor,
            child,
            organization,
            input.purpose.into(),
            input.expires_at,
            &input.reason,
        )
        .await?;
        Ok(AccessGrantPayload {
            grant: AccessGrant(grant),
        })
    }

    /// Ends a grant now (civil affairs).
    async fn revoke_access(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The grant to end.")] input: RevokeAccessInput,
    ) -> Result<AccessGrantPayload> {
        let actor = ctx.actor()?;
        let id = ids::expect(Kind::AccessGrant, &input.id, "input.id")?;
        let grant = domain::access::revoke(ctx.state().store(), &actor, id, &input.reason).await?;
        Ok(AccessGrantPayload {
            grant: AccessGrant(grant),
        })
    }

    /// Opens a child's record outside your scope in an emergency (police and civil affairs
    /// officers). The record is yours to read for a few hours; the opening and its reason go to
    /// the audit trail and to the supervisors' review list.
    async fn break_glass(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The emergency.")] input: BreakGlassInput,
    ) -> Result<BreakGlassPayload> {
        let actor = ctx.actor()?;
        let child = ids::expect(Kind::Child, &input.child_id, "input.childId")?;
        let state = ctx.state();
        let limits = domain::access::BreakGlassLimits {
            hours: state.config.break_glass_hours,
            per_day: state.config.break_glass_per_day,
        };
        let opened =
            domain::access::break_glass(state.store(), &actor, child, &input.reason, limits).await;
        let access = match opened {
            Ok(opened) => opened,
            Err(err) => {
                if matches!(err, ApiError::RateLimited { .. }) {
                    state
                        .audit
                        .send(
                            actor
                                .event("break_glass.refused")
                                .on(Kind::Child, child)
                                .with(json!({ "reason": "quota", "perDay": limits.per_day })),
                        )
                        .await;
                }
                return Err(err.into());
            }
        };
        let child = domain::child::find(&state.db, &actor.reading(), child).await?;
        Ok(BreakGlassPayload {
            access: BreakGlassAccess(access),
            child: child.map(Child),
        })
    }

    /// Reviews another officer's break-glass opening of a record in your jurisdiction.
    async fn review_break_glass(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The review.")] input: ReviewBreakGlassInput,
    ) -> Result<ReviewBreakGlassPayload> {
        let actor = ctx.actor()?;
        let id = ids::expect(Kind::BreakGlassAccess, &input.id, "input.id")?;
        let access = domain::access::review(ctx.state().store(), &actor, id, &input.note).await?;
        Ok(ReviewBreakGlassPayload {
            access: BreakGlassAccess(access),
        })
    }
}
