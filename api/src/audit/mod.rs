//! The audit trail: append-only events written in the same transaction as what they record.

use chrono::{DateTime, Utc};
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
    let (actor_account_id, actor_role) = event.actor.unzip();
    let (subject_type, subject_id) = event.subject.unzip();
    audit_event::Entity::insert(audit_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        seq: Set(None),
        occurred_at: Set(event.at),
        actor_account_id: Set(actor_account_id),
        actor_role: Set(actor_role),
        action: Set(event.action.to_owned()),
        subject_type: Set(subject_type.map(str::to_owned)),
        subject_id: Set(subject_id),
        detail: Set(event.detail.to_string()),
        request_id: Set(event.request_id),
        prev_hash: Set(None),
        hash: Set(None),
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}
