//! The `Pairing` and `GuardianContact` types.

use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, NaiveDate, Utc};
use entity::{guardian_contact, pairing};

use crate::graphql::{
    child::types::{Child, Guardian},
    context::ContextExt,
    enums::ContactMethod,
    ids::{self, Kind},
};

/// The GraphQL `Pairing` object over a stored pairing.
pub struct Pairing(pub pairing::Model);

/// A teacher helping a child at their school (一帮一 / 一帮多).
#[Object]
impl Pairing {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Pairing, self.0.id)
    }

    /// The helping teacher's account (global ID).
    async fn teacher_id(&self) -> ID {
        ids::encode(Kind::Account, self.0.teacher_account_id)
    }

    /// The helping teacher's name.
    async fn teacher_name(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        Ok(ctx
            .loaders()
            .account_names()
            .one(self.0.teacher_account_id)
            .await?
            .map(|(_, name)| name))
    }

    /// The child helped.
    async fn child(&self, ctx: &Context<'_>) -> Result<Option<Child>> {
        Child::visible(ctx, self.0.child_id).await
    }

    /// Since when.
    async fn started_on(&self) -> NaiveDate {
        self.0.started_on
    }

    /// Until when; null while the pairing lasts.
    async fn ended_on(&self) -> Option<NaiveDate> {
        self.0.ended_on
    }

    /// Whether the pairing lasts.
    async fn active(&self) -> bool {
        self.0.ended_on.is_none()
    }
}

/// The GraphQL `GuardianContact` object over a stored contact.
pub struct GuardianContact(pub guardian_contact::Model);

/// A teacher's exchange with a child's parent or entrusted guardian (phone, video, home visit,
/// parent meeting).
#[Object]
impl GuardianContact {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::GuardianContact, self.0.id)
    }

    /// The guardian, when on record.
    async fn guardian(&self, ctx: &Context<'_>) -> Result<Option<Guardian>> {
        let Some(guardian) = self.0.guardian_id else {
            return Ok(None);
        };
        Ok(ctx
            .loaders()
            .guardians()
            .one(guardian)
            .await?
            .map(Guardian::alone))
    }

    /// Who was in touch (global ID of the account).
    async fn account_id(&self) -> ID {
        ids::encode(Kind::Account, self.0.account_id)
    }

    /// When.
    async fn contacted_at(&self) -> DateTime<Utc> {
        self.0.contacted_at
    }

    /// How.
    async fn method(&self) -> ContactMethod {
        self.0.method.into()
    }

    /// A short summary.
    async fn summary(&self) -> &str {
        &self.0.summary
    }
}
