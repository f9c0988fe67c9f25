//! Pairing teachers with children and recording guardian contacts.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};

use crate::{
    domain::{self, pairing::ContactDraft},
    error::ApiError,
    graphql::{
        context::ContextExt,
        enums::ContactMethod,
        ids::{self, Kind},
        pairing::types::{GuardianContact, Pairing},
    },
};

/// A teacher and a child to pair.
#[derive(InputObject)]
pub struct PairTeacherInput {
    /// A teacher of your school (account global ID).
    pub teacher_id: ID,
    /// A child enrolled at your school without a helping teacher.
    pub child_id: ID,
    /// Since when (default today).
    pub started_on: Option<NaiveDate>,
}

/// A pairing to end.
#[derive(InputObject)]
pub struct EndPairingInput {
    /// The pairing.
    pub id: ID,
    /// The last day (default today).
    pub ended_on: Option<NaiveDate>,
}

/// An exchange with a parent or entrusted guardian.
#[derive(InputObject)]
pub struct RecordGuardianContactInput {
    /// The child it was about.
    pub child_id: ID,
    /// The guardian, when on record.
    pub guardian_id: Option<ID>,
    /// When.
    pub contacted_at: DateTime<Utc>,
    /// How.
    pub method: ContactMethod,
    /// A short summary (up to 1000 characters).
    pub summary: String,
}

impl TryFrom<RecordGuardianContactInput> for ContactDraft {
    type Error = ApiError;

    fn try_from(input: RecordGuardianContactInput) -> Result<Self, ApiError> {
        Ok(Self {
            guardian_id: ids::optional(input.guardian_id, Kind::Guardian, "input.guardianId")?,
            contacted_at: input.contacted_at,
            method: input.method.into(),
            summary: input.summary,
        })
    }
}

/// The result of pairing or ending a pairing.
#[derive(SimpleObject)]
pub struct PairingPayload {
    /// The pairing.
    pub pairing: Pairing,
}

/// The result of recording a guardian contact.
#[derive(SimpleObject)]
pub struct RecordGuardianContactPayload {
    /// The contact.
    pub contact: GuardianContact,
}

/// Pairing mutations.
#[derive(Default)]
pub struct PairingMutation;

#[Object]
impl PairingMutation {
    /// Pairs a teacher of your school with a child enrolled there; a child has one helping
    /// teacher at a time (`CONFLICT` otherwise), a teacher may help many.
    async fn pair_teacher(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The pairing.")] input: PairTeacherInput,
    ) -> Result<PairingPayload> {
        let actor = ctx.actor()?;
        let teacher = ids::expect(Kind::Account, &input.teacher_id, "input.teacherId")?;
        let child = ids::expect(Kind::Child, &input.child_id, "input.childId")?;
        let started_on = input.started_on.unwrap_or_else(|| actor.today());
        let pairing =
            domain::pairing::pair(ctx.state().store(), &actor, teacher, child, started_on).await?;
        Ok(PairingPayload {
            pairing: Pairing(pairing),
        })
    }

    /// Ends a pairing of your school.
    async fn end_pairing(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The pairing to end.")] input: EndPairingInput,
    ) -> Result<PairingPayload> {
        let actor = ctx.actor()?;
        let id = ids::expect(Kind::Pairing, &input.id, "input.id")?;
        let ended_on = input.ended_on.unwrap_or_else(|| actor.today());
        let pairing = domain::pairing::end(ctx.state().store(), &actor, id, ended_on).await?;
        Ok(PairingPayload {
            pairing: Pairing(pairing),
        })
    }

    /// Records an exchange with a child's parent or entrusted guardian (教师与家长定期交流).
    async fn record_guardian_contact(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The exchange.")] input: RecordGuardianContactInput,
    ) -> Result<RecordGuardianContactPayload> {
        let actor = ctx.actor()?;
        let child = ids::expect(Kind::Child, &input.child_id, "input.childId")?;
        let draft = ContactDraft::try_from(input)?;
        let contact =
            domain::pairing::record_contact(ctx.state().store(), &actor, child, draft).await?;
        Ok(RecordGuardianContactPayload {
            contact: GuardianContact(contact),
        })
    }
}
