//! Recording, correcting and annotating visits.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::TimeDelta;

use crate::{
    domain,
    domain::work::Once,
    graphql::{
        context::ContextExt,
        ids::{self, Kind},
        visit::types::{Visit, VisitFields},
    },
};

/// A visit to record.
#[derive(InputObject)]
pub struct RecordVisitInput {
    /// A key the client makes once per visit and sends again on every retry: a retry returns the
    /// first visit instead of recording a second one.
    pub idempotency_key: String,
    /// The child visited.
    pub child_id: ID,
    /// What the visit found.
    pub visit: VisitFields,
}

/// A correction of a visit.
#[derive(InputObject)]
pub struct CorrectVisitInput {
    /// The visit.
    pub id: ID,
    /// What the visit found, corrected (replaces the findings).
    pub visit: VisitFields,
}

/// A note on a fixed visit.
#[derive(InputObject)]
pub struct AnnotateVisitInput {
    /// The visit.
    pub id: ID,
    /// The note.
    pub annotation: String,
}

/// The result of recording or correcting a visit.
#[derive(SimpleObject)]
pub struct RecordVisitPayload {
    /// The visit (on a retry, the one first recorded).
    pub visit: Visit,
    /// True when the safety finding is serious: the child is marked `needsReport` and must be
    /// reported to the police.
    pub needs_report: bool,
    /// True when this answer replays an earlier call with the same idempotency key.
    pub replayed: bool,
}

/// The result of annotating a visit.
#[derive(SimpleObject)]
pub struct AnnotateVisitPayload {
    /// The visit with its note.
    pub visit: Visit,
}

/// Visit mutations.
#[derive(Default)]
pub struct VisitMutation;

#[Object]
impl VisitMutation {
    /// Records a visit. Send an `idempotencyKey`: a phone that retries after a lost response gets
    /// the first visit back, never a second one.
    async fn record_visit(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The visit.")] input: RecordVisitInput,
    ) -> Result<RecordVisitPayload> {
        let actor = ctx.actor()?;
        let key = input.idempotency_key.trim().to_owned();
        let child = ids::expect(Kind::Child, &input.child_id, "input.childId")?;
        let draft: domain::visit::VisitDraft = input.visit.into();
        let once = domain::visit::record(ctx.state().store(), &actor, child, &key, draft).await?;
        Ok(match once {
            Once::Replayed(visit) => RecordVisitPayload {
                needs_report: visit.safety_rating == Some(entity::enums::Rating::Serious),
                visit: Visit(visit),
                replayed: true,
            },
            Once::Created(recorded) => RecordVisitPayload {
                needs_report: recorded.needs_report,
                visit: Visit(recorded.visit),
                replayed: false,
            },
        })
    }

    /// Corrects a visit you recorded, within the correction window (48 hours by default); after
    /// that it is fixed (`INVALID_TRANSITION`).
    async fn correct_visit(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The correction.")] input: CorrectVisitInput,
    ) -> Result<RecordVisitPayload> {
        let actor = ctx.actor()?;
        let id = ids::expect(Kind::Visit, &input.id, "input.id")?;
        let window = TimeDelta::hours(i64::from(ctx.state().config.visit_correction_window_hours));
        let corrected =
            domain::visit::correct(ctx.state().store(), &actor, id, window, input.visit.into())
                .await?;
        Ok(RecordVisitPayload {
            needs_report: corrected.needs_report,
            visit: Visit(corrected.visit),
            replayed: false,
        })
    }

    /// Adds a civil affairs officer's note to a visit.
    async fn annotate_visit(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The note.")] input: AnnotateVisitInput,
    ) -> Result<AnnotateVisitPayload> {
        let actor = ctx.actor()?;
        let id = ids::expect(Kind::Visit, &input.id, "input.id")?;
        let visit =
            domain::visit::annotate(ctx.state().store(), &actor, id, &input.annotation).await?;
        Ok(AnnotateVisitPayload {
            visit: Visit(visit),
        })
    }
}
