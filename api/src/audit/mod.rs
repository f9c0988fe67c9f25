//! The audit trail: append-only and hash-chained. A write's event goes in the same transaction
//! as the write ([`record`]); read and denial events go through a bounded queue to a background
//! writer that inserts them in batches ([`AuditWriter`]); the chain is sealed after the fact by
//! one sealer at a time ([`chain`]).

pub mod chain;
pub mod writer;

pub use writer::AuditWriter;

use chrono::{DateTime, Timelike, Utc};
use entity::{audit_event, audit_subject};
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
    /// Further records it concerns (the many records one request read), indexed like the
    /// subject so that each record's trail finds the event.
    pub records: Vec<(&'static str, Uuid)>,
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
            records: Vec::new(),
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

    /// Sets the further records it concerns.
    pub fn about(mut self, records: Vec<(&'static str, Uuid)>) -> Self {
        self.records = records;
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
    let (row, subjects) = event.into_rows();
    audit_event::Entity::insert(row)
        .exec_without_returning(db)
        .await?;
    if !subjects.is_empty() {
        audit_subject::Entity::insert_many(subjects)
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

impl AuditRecord {
    /// The unsealed row for this event, and its rows in the record-to-event index (its subject
    /// and every further record, each once); the time is kept to the microsecond, which both
    /// databases store exactly, so the chain's hashes are reproducible.
    pub fn into_rows(self) -> (audit_event::ActiveModel, Vec<audit_subject::ActiveModel>) {
        let event = self;
        let id = Uuid::now_v7();
        let mut indexed: std::collections::BTreeSet<(&'static str, Uuid)> =
            event.records.iter().copied().collect();
        indexed.extend(event.subject);
        let subjects = indexed
            .into_iter()
            .map(|(kind, subject)| audit_subject::ActiveModel {
                subject_id: Set(subject),
                subject_type: Set(kind.to_owned()),
                event_id: Set(id),
            })
            .collect();
        let (actor_account_id, actor_role) = event.actor.unzip();
        let (subject_type, subject_id) = event.subject.unzip();
        let occurred_at = event
            .at
            .with_nanosecond(event.at.nanosecond() / 1000 * 1000)
            .unwrap_or(event.at);
        let row = audit_event::ActiveModel {
            id: Set(id),
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
        };
        (row, subjects)
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
