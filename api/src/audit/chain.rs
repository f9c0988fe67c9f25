//! The hash chain: one sealer at a time (a lease row in the database) gives each new event its
//! position and the SHA-256 of its content chained with the previous row's hash, in the order
//! events became visible. `verify` walks the chain and names the first broken row.

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use entity::audit_event;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait, Query},
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::auth::token::hex;

/// How long a sealer's lease lasts without renewal.
const LEASE: TimeDelta = TimeDelta::seconds(30);

/// The hash of an event: its content chained with the previous hash.
pub fn hash(event: &audit_event::Model, seq: i64, prev_hash: &str) -> String {
    let mut hasher = Sha256::new();
    let content = [
        prev_hash.to_owned(),
        seq.to_string(),
        event.id.to_string(),
        event
            .occurred_at
            .to_rfc3339_opts(SecondsFormat::Micros, true),
        event
            .actor_account_id
            .map(|a| a.to_string())
            .unwrap_or_default(),
        event.actor_role.clone().unwrap_or_default(),
        event.action.clone(),
        event.subject_type.clone().unwrap_or_default(),
        event.subject_id.map(|s| s.to_string()).unwrap_or_default(),
        event.detail.clone(),
        event.request_id.clone().unwrap_or_default(),
    ];
    for part in content {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part.as_bytes());
    }
    hex(&hasher.finalize())
}

/// Takes or renews the sealing lease for `holder`; false when another sealer holds it.
async fn take_lease(
    db: &impl ConnectionTrait,
    holder: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, sea_orm::DbErr> {
    let statement = Query::update()
        .table(LeaseTable)
        .value(LeaseColumn::Holder, holder)
        .value(LeaseColumn::ExpiresAt, now + LEASE)
        .and_where(Expr::col(LeaseColumn::Id).eq(1))
        .and_where(
            Expr::col(LeaseColumn::Holder)
                .eq(holder)
                .or(Expr::col(LeaseColumn::Holder).is_null())
                .or(Expr::col(LeaseColumn::ExpiresAt).lt(now)),
        )
        .to_owned();
    Ok(db.execute(&statement).await?.rows_affected() == 1)
}

#[derive(sea_orm::DeriveIden)]
#[sea_orm(iden = "audit_seal_lease")]
struct LeaseTable;

#[derive(sea_orm::DeriveIden)]
enum LeaseColumn {
    Id,
    Holder,
    ExpiresAt,
}

/// Seals up to `batch` unsealed events if this sealer holds the lease; returns how many.
pub async fn seal(
    db: &DatabaseConnection,
    holder: Uuid,
    now: DateTime<Utc>,
    batch: u64,
) -> Result<usize, sea_orm::DbErr> {
    if !take_lease(db, holder, now).await? {
        return Ok(0);
    }
    let txn = crate::db::begin_write(db).await?;
    let last = audit_event::Entity::find()
        .filter(audit_event::Column::Seq.is_not_null())
        .order_by_desc(audit_event::Column::Seq)
        .one(&txn)
        .await?;
    let (mut seq, mut prev) = match last {
        Some(row) => (row.seq.unwrap_or_default(), row.hash.unwrap_or_default()),
        None => (0, String::new()),
    };
    let pending = audit_event::Entity::find()
        .filter(audit_event::Column::Seq.is_null())
        .order_by_asc(audit_event::Column::OccurredAt)
        .order_by_asc(audit_event::Column::Id)
        .limit(batch)
        .all(&txn)
        .await?;
    let sealed = pending.len();
    for event in pending {
        seq += 1;
        let digest = hash(&event, seq, &prev);
        audit_event::Entity::update_many()
            .col_expr(audit_event::Column::Seq, Expr::value(seq))
            .col_expr(audit_event::Column::PrevHash, Expr::value(prev.clone()))
            .col_expr(audit_event::Column::Hash, Expr::value(digest.clone()))
            .filter(audit_event::Column::Id.eq(event.id))
            .filter(audit_event::Column::Seq.is_null())
            .exec(&txn)
            .await?;
        prev = digest;
    }
    txn.commit().await?;
    Ok(sealed)
}

/// Seals everything that is waiting (tests and `audit verify` use it before checking).
pub async fn seal_all(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
) -> Result<usize, sea_orm::DbErr> {
    let holder = Uuid::now_v7();
    let mut total = 0;
    loop {
        let sealed = seal(db, holder, now, 1000).await?;
        total += sealed;
        if sealed == 0 {
            break;
        }
    }
    release(db, holder).await?;
    Ok(total)
}

/// Gives the lease up.
pub async fn release(db: &impl ConnectionTrait, holder: Uuid) -> Result<(), sea_orm::DbErr> {
    let statement = Query::update()
        .table(LeaseTable)
        .value(LeaseColumn::Holder, Option::<Uuid>::None)
        .value(LeaseColumn::ExpiresAt, Option::<DateTime<Utc>>::None)
        .and_where(Expr::col(LeaseColumn::Id).eq(1))
        .and_where(Expr::col(LeaseColumn::Holder).eq(holder))
        .to_owned();
    db.execute(&statement).await?;
    Ok(())
}

/// What `verify` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every sealed row checks out.
    Intact {
        /// Rows checked.
        sealed: u64,
        /// Rows not yet sealed (not checked).
        unsealed: u64,
    },
    /// The first row that does not.
    Broken {
        /// Its position in the chain.
        seq: i64,
        /// Its id, when the row exists.
        id: Option<Uuid>,
        /// What is wrong.
        reason: String,
    },
}

/// Walks the chain in order.
pub async fn verify(db: &DatabaseConnection) -> Result<Verdict, sea_orm::DbErr> {
    let mut expected_seq = 1;
    let mut prev = String::new();
    let mut after = 0_i64;
    loop {
        let rows = audit_event::Entity::find()
            .filter(audit_event::Column::Seq.gt(after))
            .order_by_asc(audit_event::Column::Seq)
            .limit(1000)
            .all(db)
            .await?;
        if rows.is_empty() {
            break;
        }
        for row in rows {
            let seq = row.seq.unwrap_or_default();
            if seq != expected_seq {
                return Ok(Verdict::Broken {
                    seq: expected_seq,
                    id: None,
                    reason: format!("row {expected_seq} is missing (next is {seq})"),
                });
            }
            if row.prev_hash.as_deref() != Some(prev.as_str()) {
                return Ok(Verdict::Broken {
                    seq,
                    id: Some(row.id),
                    reason: "does not link to the previous row".into(),
                });
            }
            let digest = hash(&row, seq, &prev);
            if row.hash.as_deref() != Some(digest.as_str()) {
                return Ok(Verdict::Broken {
                    seq,
                    id: Some(row.id),
                    reason: "content does not match its hash".into(),
                });
            }
            prev = digest;
            after = seq;
            expected_seq += 1;
        }
    }
    let unsealed = audit_event::Entity::find()
        .filter(audit_event::Column::Seq.is_null())
        .count(db)
        .await?;
    Ok(Verdict::Intact {
        sealed: u64::try_from(expected_seq - 1).unwrap_or_default(),
        unsealed,
    })
}

/// Seals in the background every `interval`, while the lease allows; ends when `stop` fires.
pub async fn run_sealer(
    db: DatabaseConnection,
    clock: std::sync::Arc<dyn crate::clock::Clock>,
    interval: std::time::Duration,
    stop: tokio::sync::watch::Receiver<bool>,
) {
    let holder = Uuid::now_v7();
    let mut stop = stop;
    let mut ticker = tokio::time::interval(interval);
    loop {
        tokio::select! {
            _ = ticker.tick() => {
                if let Err(err) = seal(&db, holder, clock.now(), 1000).await {
                    tracing::warn!(error = %err, "sealing the audit chain");
                }
            }
            _ = stop.changed() => break,
        }
    }
    if let Err(err) = seal(&db, holder, clock.now(), 10_000).await {
        tracing::warn!(error = %err, "sealing the audit chain at shutdown");
    }
    let _ = release(&db, holder).await;
}
