//! The `AuditEvent` type.

use async_graphql::{ID, Object};
use chrono::{DateTime, Utc};
use entity::audit_event;

use crate::graphql::ids::{self, Kind};

/// The GraphQL `AuditEvent` object over a stored event.
pub struct AuditEvent(pub audit_event::Model);

/// One entry of the audit trail: a write, a read of sensitive fields, a denial or a sign-in.
/// Entries are append-only and hash-chained; `sealed` is true once the entry has its place in
/// the chain.
#[Object]
impl AuditEvent {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::AuditEvent, self.0.id)
    }

    /// Position in the hash chain; null until sealed (within seconds).
    async fn seq(&self) -> Option<i64> {
        self.0.seq
    }

    /// When it happened.
    async fn occurred_at(&self) -> DateTime<Utc> {
        self.0.occurred_at
    }

    /// The account that acted (global ID), when signed in.
    async fn actor_id(&self) -> Option<ID> {
        self.0
            .actor_account_id
            .map(|id| ids::encode(Kind::Account, id))
    }

    /// The actor's role at the time.
    async fn actor_role(&self) -> Option<&str> {
        self.0.actor_role.as_deref()
    }

    /// What was done: `child.register`, `child.update`, `read`, `access.denied`, `login`, …
    async fn action(&self) -> &str {
        &self.0.action
    }

    /// The kind of record it concerns (`Child`, `Guardian`, `Account`, …).
    async fn subject_type(&self) -> Option<&str> {
        self.0.subject_type.as_deref()
    }

    /// The record it concerns (global ID).
    async fn subject_id(&self) -> Option<ID> {
        let kind = self.0.subject_type.as_deref().and_then(Kind::parse)?;
        self.0.subject_id.map(|id| ids::encode(kind, id))
    }

    /// Details as JSON: the fields read, the changes made (before and after), the reason.
    async fn detail(&self) -> &str {
        &self.0.detail
    }

    /// The request it happened in (the `x-request-id` of the response).
    async fn request_id(&self) -> Option<&str> {
        self.0.request_id.as_deref()
    }

    /// Whether the entry has its place in the hash chain.
    async fn sealed(&self) -> bool {
        self.0.seq.is_some()
    }
}
