//! Children's contact with their parents working away: the `ParentContact` type and
//! `recordParentContact`.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entity::parent_contact;

use crate::{
    domain::{self, parent_contact::ContactDraft, work::Once},
    graphql::{
        child::types::{Child, Guardian},
        context::ContextExt,
        enums::{ContactFacilitator, ParentContactMethod},
        ids::{self, Kind},
        organization::types::Organization,
    },
    policy::hook::audit_subject,
};

/// The GraphQL `ParentContact` object over a stored contact.
pub struct ParentContact(pub parent_contact::Model);

/// A child's call, video call or visit home with a parent working away, and who made it
/// possible.
#[Object]
impl ParentContact {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::ParentContact, self.0.id)
    }

    /// The parent, while still a guardian of the child (null once the link ended, as after a
    /// court revoked the guardianship).
    async fn guardian(&self, ctx: &Context<'_>) -> Result<Option<Guardian>> {
        Ok(ctx
            .loaders()
            .child_guardians()
            .of(self.0.child_id)
            .await?
            .into_iter()
            .find(|(_, g)| g.id == self.0.guardian_id)
            .map(|(_, g)| Guardian::alone(g)))
    }

    /// When.
    async fn contacted_at(&self) -> DateTime<Utc> {
        self.0.contacted_at
    }

    /// How.
    async fn method(&self) -> ParentContactMethod {
        self.0.method.into()
    }

    /// Who made it possible.
    async fn facilitated_by(&self) -> ContactFacilitator {
        self.0.facilitated_by.into()
    }

    /// The unit of the person who helped and recorded it.
    async fn organization(&self, ctx: &Context<'_>) -> Result<Option<Organization>> {
        Organization::load(ctx, self.0.organization_id).await
    }

    /// The name of the person who helped and recorded it.
    async fn recorded_by(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        Ok(ctx
            .loaders()
            .account_names()
            .one(self.0.recorded_by)
            .await?
            .map(|(_, name)| name))
    }

    /// A note: what was said can be personal, so reads are audited against the child.
    async fn note(&self, ctx: &Context<'_>) -> Option<&str> {
        audit_subject(ctx, Kind::Child, self.0.child_id);
        self.0.note.as_deref()
    }
}

/// A child's contact with a parent working away.
#[derive(InputObject)]
pub struct RecordParentContactInput {
    /// A key of the client's choosing: a retry with the same key answers the contact recorded
    /// first instead of recording it twice.
    pub idempotency_key: String,
    /// The child.
    pub child_id: ID,
    /// The parent: a guardian of the child whose place of work away from home is on record.
    pub guardian_id: ID,
    /// When (not in the future, within the last year).
    pub contacted_at: DateTime<Utc>,
    /// How.
    pub method: ParentContactMethod,
    /// Who made it possible.
    pub facilitated_by: ContactFacilitator,
    /// A note (at most 1000 characters).
    pub note: Option<String>,
}

/// The contact recorded.
#[derive(SimpleObject)]
pub struct RecordParentContactPayload {
    /// The contact.
    pub contact: ParentContact,
    /// The child, with its `lastParentContactAt` as it is now.
    pub child: Option<Child>,
    /// Whether this answers an earlier call with the same key (nothing was recorded now).
    pub replayed: bool,
}

/// Recording children's contact with their parents.
#[derive(Default)]
pub struct ParentContactMutation;

#[Object]
impl ParentContactMutation {
    /// Records a call, video call or visit home between a child you may see and a parent
    /// working away, made possible by your school, village or venue, or by the family.
    async fn record_parent_contact(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The contact.")] input: RecordParentContactInput,
    ) -> Result<RecordParentContactPayload> {
        let actor = ctx.actor()?;
        let draft = ContactDraft {
            child: ids::expect(Kind::Child, &input.child_id, "input.childId")?,
            guardian: ids::expect(Kind::Guardian, &input.guardian_id, "input.guardianId")?,
            contacted_at: input.contacted_at,
            method: input.method.into(),
            facilitated_by: input.facilitated_by.into(),
            note: input.note,
        };
        let once = domain::parent_contact::record(
            ctx.state().store(),
            &actor,
            &input.idempotency_key,
            draft,
        )
        .await?;
        let (contact, replayed) = match once {
            Once::Replayed(contact) => (contact, true),
            Once::Created(contact) => (contact, false),
        };
        let child = domain::child::find(ctx.db(), &actor, contact.child_id)
            .await?
            .map(Child);
        Ok(RecordParentContactPayload {
            contact: ParentContact(contact),
            child,
            replayed,
        })
    }
}
