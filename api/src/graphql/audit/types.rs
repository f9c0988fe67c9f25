//! The `AuditEvent` type and a child's access report.

use async_graphql::{ID, Object};
use chrono::{DateTime, Utc};
use entity::audit_event;

use crate::{
    domain::audit_trail,
    graphql::ids::{self, Kind},
};

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

/// Whether an account read a child's record or changed it.
#[derive(async_graphql::Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "crate::domain::audit_trail::AccessKind")]
pub enum AccessKind {
    /// Read sensitive fields of the record (or produced its access report).
    Read,
    /// Created or changed the record, or recorded something about the child (a visit, a
    /// pairing, a break-glass opening, …).
    Change,
}

/// Who read or changed one child's record in a period, grouped by account and action: what a
/// guardian's request for access under the Personal Information Protection Law needs.
pub struct ChildAccessReport {
    /// The period's start, if bounded.
    pub from: Option<DateTime<Utc>>,
    /// The period's end (exclusive), if bounded.
    pub until: Option<DateTime<Utc>>,
    /// The entries and what was left out.
    pub report: audit_trail::AccessReport,
}

/// Who read or changed one child's record in a period, grouped by account and action, in order
/// of first occurrence. Producing it is itself recorded in the child's trail.
#[Object]
impl ChildAccessReport {
    /// The period's start, when one was given.
    async fn from(&self) -> Option<DateTime<Utc>> {
        self.from
    }

    /// The period's end (exclusive), when one was given.
    async fn until(&self) -> Option<DateTime<Utc>> {
        self.until
    }

    /// One entry per account, role and action: reads and changes of the child's record, of
    /// its guardians' records (fields as `guardian.<field>`) and of records about the child.
    async fn entries(&self) -> Vec<ChildAccessEntry> {
        self.report
            .entries
            .iter()
            .cloned()
            .map(ChildAccessEntry)
            .collect()
    }

    /// Events about the child left out because they failed authentication (their MAC does not
    /// verify, or the sealer refused them): a sign of tampering, for `shouhu audit verify` to
    /// locate. Zero on an intact trail.
    async fn unverified(&self) -> u64 {
        self.report.unverified
    }

    /// The same report as CSV (UTF-8 with a byte-order mark, times in UTC+8), ready to hand
    /// over; `GET /exports/child-access.csv?child=<id>` serves it as a download.
    async fn csv(&self) -> async_graphql::Result<String> {
        Ok(audit_trail::access_csv(&self.report.entries)?)
    }
}

/// One account's reads or changes of one kind of a child's record in the period.
pub struct ChildAccessEntry(pub audit_trail::AccessEntry);

/// One account's reads or changes of one kind (one action) of a child's record in the period.
#[Object]
impl ChildAccessEntry {
    /// The account (global ID); null for a report from the public.
    async fn account_id(&self) -> Option<ID> {
        self.0
            .account
            .as_ref()
            .map(|a| ids::encode(Kind::Account, a.id))
    }

    /// The account's username.
    async fn username(&self) -> Option<&str> {
        self.0.account.as_ref().map(|a| a.username.as_str())
    }

    /// The account holder's name.
    async fn display_name(&self) -> Option<&str> {
        self.0.account.as_ref().map(|a| a.display_name.as_str())
    }

    /// The role the account acted in (the latest in the period).
    async fn role(&self) -> Option<&str> {
        self.0.role.as_deref()
    }

    /// The account's unit (global ID).
    async fn organization_id(&self) -> Option<ID> {
        self.0
            .organization
            .as_ref()
            .map(|o| ids::encode(Kind::Organization, o.id))
    }

    /// The account's unit, by name.
    async fn organization_name(&self) -> Option<&str> {
        self.0.organization.as_ref().map(|o| o.name.as_str())
    }

    /// Read or change.
    async fn kind(&self) -> AccessKind {
        self.0.kind.into()
    }

    /// The action: `read`, `child.update`, `visit.record`, …
    async fn action(&self) -> &str {
        &self.0.action
    }

    /// The fields read or changed (for a new record, every field it was created with).
    async fn fields(&self) -> Vec<&str> {
        self.0.fields.iter().map(String::as_str).collect()
    }

    /// The first time in the period.
    async fn first_at(&self) -> DateTime<Utc> {
        self.0.first_at
    }

    /// The last time in the period.
    async fn last_at(&self) -> DateTime<Utc> {
        self.0.last_at
    }

    /// How many times in the period.
    async fn times(&self) -> u64 {
        self.0.times
    }
}
