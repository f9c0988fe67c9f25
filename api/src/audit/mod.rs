//! The audit trail: append-only and hash-chained. A write's event goes in the same transaction
//! as the write ([`record`]); read and denial events go through a bounded queue to a background
//! writer that inserts them in batches ([`AuditWriter`]); the chain is sealed after the fact by
//! one sealer at a time ([`chain`]).

pub mod chain;
pub mod writer;

pub use writer::AuditWriter;

use chrono::{DateTime, Timelike, Utc};
use entity::audit_event;
use sea_orm::{ActiveEnum, ActiveValue::Set, ConnectionTrait, EntityTrait};
use uuid::Uuid;

use crate::auth::Principal;

/// One event to append.
#[derive(Debug, Clone)]
pub struct AuditRecord {
    /// When it happened.
    pub at: DateTime<Utc>,
    /// Who did it, when known.
    pub actor: Option<(Uuid, String)>,
    /// What was done (`login`, `login.failed`, `token.reuse`, …).
    pub action: &'static str,
    /// What it concerns: kind of record and id.
    pub subject: Option<(&'static str, Uuid)>,
    /// Further detail, as JSON.
    pub detail: serde_json::Value,
    /// The request it happened in.
    pub request_id: Option<String>,
}

impl AuditRecord {
    /// An event with no actor, subject or detail yet.
    pub fn new(action: &'static str, at: DateTime<Utc>, request_id: Option<String>) -> Self {
        Self {
            at,
            actor: None,
            action,
            subject: None,
            detail: serde_json::Value::Null,
            request_id,
        }
    }

    /// Sets the actor from a principal.
    pub fn by(mut self, principal: &Principal) -> Self {
        self.actor = Some((principal.account_id, principal.role.to_value()));
        self
    }

    /// Sets the subject.
    pub fn on(mut self, kind: &'static str, id: Uuid) -> Self {
        self.subject = Some((kind, id));
        self
    }

    /// Sets the detail.
    pub fn with(mut self, detail: serde_json::Value) -> Self {
        self.detail = detail;
        self
    }
}

/// Appends an event on `db`: pass the transaction of the write it records.
pub async fn record(db: &impl ConnectionTrait, event: AuditRecord) -> Result<(), sea_orm::DbErr> {
    audit_event::Entity::insert(event.into_row())
        .exec_without_returning(db)
        .await?;
    Ok(())
}

impl AuditRecord {
    /// The unsealed row for this event; the time is kept to the microsecond, which both
    /// databases store exactly, so the chain's hashes are reproducible.
    pub fn into_row(self) -> audit_event::ActiveModel {
        let event = self;
        let (actor_account_id, actor_role) = event.actor.unzip();
        let (subject_type, subject_id) = event.subject.unzip();
        let occurred_at = event
            .at
            .with_nanosecond(event.at.nanosecond() / 1000 * 1000)
            .unwrap_or(event.at);
        audit_event::ActiveModel {
            id: Set(Uuid::now_v7()),
            seq: Set(None),
            occurred_at: Set(occurred_at),
            actor_account_id: Set(actor_account_id),
            actor_role: Set(actor_role),
            action: Set(event.action.to_owned()),
            subject_type: Set(subject_type.map(str::to_owned)),
            subject_id: Set(subject_id),
            detail: Set(event.detail.to_string()),
            request_id: Set(event.request_id),
            prev_hash: Set(None),
            hash: Set(None),
        }
    }
}

/// The fields that differ between two snapshots, each with its value before and after.
pub fn changes(before: &impl serde::Serialize, after: &impl serde::Serialize) -> serde_json::Value {
    let (Ok(serde_json::Value::Object(before)), Ok(serde_json::Value::Object(after))) =
        (serde_json::to_value(before), serde_json::to_value(after))
    else {
        return serde_json::Value::Null;
    };
    let changed: serde_json::Map<String, serde_json::Value> = after
        .iter()
        .filter(|(key, value)| before.get(*key) != Some(*value))
        .map(|(key, value)| {
            (
                key.clone(),
                serde_json::json!({ "before": before.get(key), "after": value }),
            )
        })
        .collect();
    serde_json::Value::Object(changed)
}
