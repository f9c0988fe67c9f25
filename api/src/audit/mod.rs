//! The audit trail: append-only, each event authenticated by a MAC when it is created
//! ([`keys`]). A write's event goes in the same transaction as the write ([`record`]); a
//! request's reads and denials go through a bounded queue to a background writer that inserts
//! them in batches ([`AuditWriter`]); one sealer at a time seals new events into signed batches
//! and appends each batch's checkpoint to a file outside the database ([`chain`]).

pub mod chain;
pub mod checkpoint;
pub mod keys;
pub mod partitions;
pub mod writer;

pub use keys::{AuditKeys, MacKey};
pub use writer::AuditWriter;

use chrono::{DateTime, Timelike, Utc};
use entity::audit_event;
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ConnectionTrait, DatabaseBackend, EntityTrait, IntoActiveModel,
    Statement,
    sea_query::{Alias, Expr, ExprTrait, Query, SelectStatement},
};
use uuid::Uuid;

use crate::{
    auth::{Principal, RequestMeta},
    domain::kind::Kind,
};

/// One event to append.
#[derive(Debug, Clone)]
pub struct AuditRecord {
    /// The key its MAC is made with.
    key: MacKey,
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
    /// The client app the request came from and the trusted document it ran (`detail.client`).
    pub client: Option<(String, String)>,
}

impl AuditRecord {
    /// An event with no actor, subject or detail yet, to be authenticated with `key`.
    pub fn new(
        key: &MacKey,
        action: &'static str,
        at: DateTime<Utc>,
        request_id: Option<String>,
    ) -> Self {
        Self {
            key: key.clone(),
            at,
            actor: None,
            action,
            subject: None,
            detail: serde_json::Value::Null,
            request_id,
            client: None,
        }
    }

    /// Names the request's origin: its id, and the client app and trusted document it ran.
    pub fn from_request(mut self, meta: &RequestMeta) -> Self {
        self.request_id.clone_from(&meta.request_id);
        self.client = meta.client.app.clone().zip(meta.client.document_id.clone());
        self
    }

    /// Sets the actor from a principal.
    pub fn by(mut self, principal: &Principal) -> Self {
        self.actor = Some((principal.account_id, principal.role.to_value()));
        self
    }

    /// Sets the subject.
    pub fn on(mut self, kind: Kind, id: Uuid) -> Self {
        self.subject = Some((kind.name(), id));
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
    index(db, &subjects).await
}

/// A record an event concerns, as the writer indexes it: the record's id and kind, and the
/// event's id.
pub type IndexRow = (Uuid, String, Uuid);

/// The records an event concerns, as its authenticated content says: its subject, and every
/// record the `read` groups of its detail list (a request's sensitive reads, `{"read": [{"type",
/// "fields", "ids"}]}`). The record-to-event index holds exactly these records, which is what
/// lets `audit verify` check the index against the events.
pub fn records_of(
    subject: Option<(&str, Uuid)>,
    detail: &serde_json::Value,
) -> std::collections::BTreeSet<(String, Uuid)> {
    // Gathered borrowed and deduplicated before any kind is copied: a read event lists dozens
    // of records of two or three kinds.
    let mut records: Vec<(&str, Uuid)> = subject.into_iter().collect();
    for group in detail["read"].as_array().into_iter().flatten() {
        let Some(kind) = group["type"].as_str() else {
            continue;
        };
        let ids = group["ids"].as_array().into_iter().flatten();
        records.extend(
            ids.filter_map(|id| id.as_str().and_then(|i| Uuid::parse_str(i).ok()))
                .map(|id| (kind, id)),
        );
    }
    records.sort_unstable();
    records.dedup();
    records
        .into_iter()
        .map(|(kind, id)| (kind.to_owned(), id))
        .collect()
}

/// [`records_of`] for a stored event.
pub fn stored_records_of(event: &audit_event::Model) -> std::collections::BTreeSet<(String, Uuid)> {
    let subject = event.subject_type.as_deref().zip(event.subject_id);
    if event.detail.contains("\"read\"") {
        let detail = serde_json::from_str(&event.detail).unwrap_or_default();
        records_of(subject, &detail)
    } else {
        records_of(subject, &serde_json::Value::Null)
    }
}

/// Index rows per insert statement: well under either database's limit on bound values (on
/// PostgreSQL a row is one event, on SQLite one record of an event).
const INDEX_ROWS_PER_INSERT: usize = 5_000;

/// Writes the record-to-event index of some events (the rows of one event next to each
/// other, as [`AuditRecord::into_rows`] makes them). The table `audit_subject` differs by
/// database:
/// - PostgreSQL: one row per event, `(event_id, subject_ids uuid[])`, found through a GIN index
///   on the array. Each event's ids are bound as one binary `uuid[]`: parsing them from text
///   cost the database more than the rest of the event's insert.
/// - SQLite, which has no inverted index: one row per record and event, `(subject_id,
///   subject_type, event_id)`, keyed by record, in multi-row inserts.
pub async fn index(db: &impl ConnectionTrait, rows: &[IndexRow]) -> Result<(), sea_orm::DbErr> {
    let postgres = db.get_database_backend() == DatabaseBackend::Postgres;
    let (columns, rows): (&[&str], Vec<Vec<sea_orm::Value>>) = if postgres {
        let events = rows.chunk_by(|a, b| a.2 == b.2).filter_map(|event| {
            let ids: Vec<Uuid> = event.iter().map(|(subject, _, _)| *subject).collect();
            event
                .first()
                .map(|(_, _, id)| vec![(*id).into(), ids.into()])
        });
        (&["event_id", "subject_ids"], events.collect())
    } else {
        let records = rows.iter().map(|(subject, kind, event)| {
            vec![(*subject).into(), kind.clone().into(), (*event).into()]
        });
        (
            &["subject_id", "subject_type", "event_id"],
            records.collect(),
        )
    };
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let mut insert = Query::insert();
        insert
            .into_table(Alias::new("audit_subject"))
            .columns(columns.iter().copied().map(Alias::new));
        for row in rows.by_ref().take(INDEX_ROWS_PER_INSERT) {
            insert
                .values(row.into_iter().map(Into::into))
                .map_err(|err| sea_orm::DbErr::Custom(err.to_string()))?;
        }
        db.execute(&insert).await?;
    }
    Ok(())
}

/// The ids of the events that concern any of `records`, as a subquery for `IN (…)`: a lookup in
/// the record-to-event index on either database (see [`index`]).
pub fn events_about(backend: DatabaseBackend, records: &[Uuid]) -> SelectStatement {
    let mut query = Query::select();
    query
        .column(Alias::new("event_id"))
        .from(Alias::new("audit_subject"));
    if backend == DatabaseBackend::Postgres {
        let ids = records
            .iter()
            .map(Uuid::to_string)
            .collect::<Vec<_>>()
            .join(",");
        query.and_where(Expr::cust_with_values(
            "subject_ids && CAST($1 AS uuid[])",
            [format!("{{{ids}}}")],
        ));
    } else {
        query.and_where(Expr::col(Alias::new("subject_id")).is_in(records.iter().copied()));
    }
    query
}

/// Every (record, event) pair of the record-to-event index, in no particular order, however the
/// database stores them (for `audit verify`).
pub fn index_pairs(backend: DatabaseBackend) -> Statement {
    Statement::from_string(
        backend,
        if backend == DatabaseBackend::Postgres {
            "SELECT unnest(subject_ids) AS subject_id, event_id FROM audit_subject"
        } else {
            "SELECT subject_id, event_id FROM audit_subject"
        },
    )
}

impl AuditRecord {
    /// The unsealed row for this event, with its MAC, and its rows in the record-to-event index
    /// (its subject and every further record, each once); the time is kept to the microsecond,
    /// which both databases store exactly, so the MAC is reproducible from what is stored.
    pub fn into_rows(self) -> (audit_event::ActiveModel, Vec<IndexRow>) {
        let event = self;
        let id = Uuid::now_v7();
        let subjects = records_of(event.subject, &event.detail)
            .into_iter()
            .map(|(kind, subject)| (subject, kind, id))
            .collect();
        let (actor_account_id, actor_role) = event.actor.unzip();
        let mut detail = event.detail;
        if let Some((app, document)) = event.client {
            let client = serde_json::json!({ "app": app, "document": document });
            match &mut detail {
                serde_json::Value::Object(fields) => {
                    fields.insert("client".to_owned(), client);
                }
                serde_json::Value::Null => detail = serde_json::json!({ "client": client }),
                _ => {}
            }
        }
        let (subject_type, subject_id) = event.subject.unzip();
        let occurred_at = event
            .at
            .with_nanosecond(event.at.nanosecond() / 1000 * 1000)
            .unwrap_or(event.at);
        let mut row = audit_event::Model {
            id,
            seq: None,
            batch: None,
            occurred_at,
            actor_account_id,
            actor_role,
            action: event.action.to_owned(),
            subject_type: subject_type.map(str::to_owned),
            subject_id,
            detail: detail.to_string(),
            request_id: event.request_id,
            mac: None,
            refused_at: None,
        };
        row.mac = Some(event.key.tag(&content(&row)));
        (row.into_active_model().reset_all(), subjects)
    }
}

/// What an event's MAC covers: every field it was created with, each with a presence byte and
/// its length, so no two events share a form (an absent value differs from an empty one). Its
/// position and sealing are not part of it (the sealer adds them).
pub fn content(event: &audit_event::Model) -> Vec<u8> {
    let occurred_at = event
        .occurred_at
        .to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let actor = event.actor_account_id.map(|a| a.to_string());
    let subject = event.subject_id.map(|s| s.to_string());
    let id = event.id.to_string();
    let parts: [Option<&str>; 9] = [
        Some(&id),
        Some(&occurred_at),
        actor.as_deref(),
        event.actor_role.as_deref(),
        Some(&event.action),
        event.subject_type.as_deref(),
        subject.as_deref(),
        Some(&event.detail),
        event.request_id.as_deref(),
    ];
    let mut bytes = Vec::with_capacity(parts.iter().flatten().map(|p| p.len() + 9).sum());
    for part in parts {
        match part {
            Some(part) => {
                bytes.push(1);
                bytes.extend_from_slice(&(part.len() as u64).to_be_bytes());
                bytes.extend_from_slice(part.as_bytes());
            }
            None => bytes.push(0),
        }
    }
    bytes
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
