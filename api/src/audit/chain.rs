//! Sealing and verifying the trail. One sealer at a time (a lease row in the database) takes
//! the events not yet sealed, in id order, checks each one's MAC, gives them consecutive
//! positions (`seq`) and seals them as one batch: the Merkle root of the events, chained to the
//! previous batch's head and signed ([`checkpoint::head`]). The cost is a few statements per
//! batch, whatever its size. An event whose MAC does not verify is never sealed: it is marked
//! refused and an `audit.refused` alarm event is written.
//!
//! [`verify`] walks batches, events and the checkpoint file together, in one pass, and names the
//! first broken place with its [`Tamper`] kind.

use std::{collections::HashMap, path::Path};

use chrono::{DateTime, TimeDelta, Utc};
use entity::{audit_batch, audit_event};
use futures_util::TryStreamExt;
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Statement,
    sea_query::{Expr, ExprTrait, Query},
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::{
    audit::{
        self, AuditKeys, AuditRecord, MacKey,
        checkpoint::{self, Appender, Checkpoint},
        partitions,
    },
    auth::token::hex,
};

/// How long a sealer's lease lasts without renewal.
const LEASE: TimeDelta = TimeDelta::seconds(30);

/// How long an event may wait to be sealed before `verify` says sealing has stopped.
const STALLED: TimeDelta = TimeDelta::minutes(5);

/// Ids per `IN (…)` list: well under both databases' limits on bound values.
const IDS_PER_STATEMENT: usize = 5_000;

/// A leaf of a batch's Merkle tree: the event's position, content and MAC.
fn leaf(seq: i64, content: &[u8], event: &audit_event::Model) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update([0_u8]);
    hasher.update(seq.to_be_bytes());
    hasher.update(content);
    hasher.update(event.mac.as_deref().unwrap_or_default().as_bytes());
    hasher.finalize().into()
}

/// The Merkle root of leaves (an odd node is carried up as it is), in hex.
fn root(mut level: Vec<[u8; 32]>) -> String {
    if level.is_empty() {
        return String::new();
    }
    while level.len() > 1 {
        level = level
            .chunks(2)
            .map(|pair| match pair {
                [left, right] => {
                    let mut hasher = Sha256::new();
                    hasher.update([1_u8]);
                    hasher.update(left);
                    hasher.update(right);
                    hasher.finalize().into()
                }
                [single] => *single,
                _ => unreachable!("chunks of two"),
            })
            .collect();
    }
    hex(&level[0])
}

/// Whether an event's MAC verifies under the deployment's key.
fn authentic(key: &MacKey, content: &[u8], event: &audit_event::Model) -> bool {
    event
        .mac
        .as_deref()
        .is_some_and(|mac| key.verifies(content, mac))
}

/// The newest sealed batch, the one the next batch follows.
async fn last_batch(
    db: &impl ConnectionTrait,
) -> Result<Option<audit_batch::Model>, sea_orm::DbErr> {
    audit_batch::Entity::find()
        .order_by_desc(audit_batch::Column::Number)
        .one(db)
        .await
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

/// When the lease cannot be taken: a lease row that is missing, held without an expiry, or
/// expiring later than any sealer sets it would stop sealing for good, which is how someone
/// writing to the database would stop the trail from being sealed. Raises the alarm and puts the
/// row right, so that the next tick seals.
async fn check_lease(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<(), sea_orm::DbErr> {
    let row = db
        .query_one(
            Query::select()
                .columns([LeaseColumn::Holder, LeaseColumn::ExpiresAt])
                .from(LeaseTable)
                .and_where(Expr::col(LeaseColumn::Id).eq(1)),
        )
        .await?;
    let expires: Option<DateTime<Utc>> = match &row {
        Some(row) => row.try_get("", "expires_at")?,
        None => None,
    };
    let sound = row.is_some() && expires.is_some_and(|at| at <= now + LEASE + LEASE);
    if sound {
        return Ok(());
    }
    tracing::error!(
        present = row.is_some(),
        expires_at = ?expires,
        "ALARM: the audit sealing lease was tampered with (missing, without expiry, or far ahead); \
         reset it"
    );
    if row.is_none() {
        db.execute(
            Query::insert()
                .into_table(LeaseTable)
                .columns([LeaseColumn::Id])
                .values_panic([1.into()]),
        )
        .await?;
    } else {
        db.execute(
            Query::update()
                .table(LeaseTable)
                .value(LeaseColumn::Holder, Option::<Uuid>::None)
                .value(LeaseColumn::ExpiresAt, Option::<DateTime<Utc>>::None)
                .and_where(Expr::col(LeaseColumn::Id).eq(1)),
        )
        .await?;
    }
    Ok(())
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

/// What one call to [`seal`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sealed {
    /// Events sealed.
    pub events: usize,
    /// Events refused because their MAC did not verify.
    pub refused: usize,
    /// Another sealer claimed some of the batch's events first; nothing was sealed.
    pub contended: bool,
}

/// Seals up to `batch` waiting events as one batch if this sealer holds the lease.
pub async fn seal(
    db: &DatabaseConnection,
    keys: &AuditKeys,
    holder: Uuid,
    now: DateTime<Utc>,
    batch: u64,
) -> Result<Sealed, sea_orm::DbErr> {
    if !take_lease(db, holder, now).await? {
        check_lease(db, now).await?;
        return Ok(Sealed::default());
    }
    let txn = open(db).await?;
    let last = last_batch(&txn).await?;
    if let Some(b) = &last
        && !Checkpoint::of(b, keys.verifying_key_text()).authentic(keys)
    {
        return Err(sea_orm::DbErr::Custom(format!(
            "ALARM: the last sealed audit batch ({}) is not signed by this deployment's key; \
             sealing stops until the trail is looked into (`shouhu audit verify`). After a \
             restart without configured audit keys this is expected: set audit.mac_key and \
             audit.signing_key",
            b.number
        )));
    }
    let (number, first_seq, prev_head) = match &last {
        Some(b) => (
            b.number.saturating_add(1),
            b.last_seq.saturating_add(1),
            b.head.clone(),
        ),
        None => (1, 1, String::new()),
    };
    let pending = audit_event::Entity::find()
        .filter(audit_event::Column::Seq.is_null())
        .filter(audit_event::Column::RefusedAt.is_null())
        .order_by_asc(audit_event::Column::Id)
        .limit(batch)
        .all(&txn)
        .await?;
    let all: Vec<Claim> = pending.iter().map(|e| (e.id, e.occurred_at)).collect();
    // Forgeries are rare, so every waiting event is given its position while, on a blocking
    // thread, the MACs are checked and the leaves hashed: the database's work and this
    // process's overlap instead of taking turns.
    let checking = tokio::task::spawn_blocking({
        let key = keys.mac.clone();
        move || Checked::of(&key, pending, first_seq)
    });
    let (checked, claimed) = tokio::join!(checking, claim(&txn, &all, number, first_seq));
    let checked = checked.map_err(|err| sea_orm::DbErr::Custom(err.to_string()))?;
    let (txn, claimed) = if checked.forged.is_empty() {
        (txn, claimed?)
    } else {
        // Those positions counted the forged events: they are undone, the forged events
        // refused, and the authentic ones given their positions again, after the batch this
        // one follows, read again, is found unchanged.
        txn.rollback().await?;
        let txn = open(db).await?;
        let still_last = last_batch(&txn).await?.map(|b| b.head);
        if still_last.as_ref() != last.as_ref().map(|b| &b.head) {
            return Ok(Sealed {
                contended: true,
                ..Sealed::default()
            });
        }
        refuse(&txn, keys, &checked.forged, now).await?;
        let claimed = claim(&txn, &checked.good, number, first_seq).await?;
        (txn, claimed)
    };
    if !checked.good.is_empty() {
        let count = i64::try_from(checked.good.len()).unwrap_or(i64::MAX);
        let last_seq = first_seq + count - 1;
        let root = root(checked.leaves);
        let sealed_at = checkpoint::timestamp(now);
        let head = checkpoint::head(number, first_seq, last_seq, &root, &prev_head, &sealed_at);
        audit_batch::Entity::insert(audit_batch::ActiveModel {
            number: Set(number),
            first_seq: Set(first_seq),
            last_seq: Set(last_seq),
            root: Set(root),
            prev_head: Set(prev_head),
            signature: Set(keys.sign(head.as_bytes())),
            head: Set(head),
            sealed_at: Set(now),
        })
        .exec_without_returning(&txn)
        .await?;
        if !claimed {
            // Another sealer sealed some of them first (the lease was taken over mid-batch):
            // this batch is rolled back, and the next round starts after theirs.
            tracing::info!(number, count, "audit batch contended; rolled back");
            return Ok(Sealed {
                contended: true,
                ..Sealed::default()
            });
        }
    }
    txn.commit().await?;
    Ok(Sealed {
        events: checked.good.len(),
        refused: checked.forged.len(),
        contended: false,
    })
}

/// Opens the sealer's transaction. On PostgreSQL its plans must not depend on statistics:
/// right after a burst they still say the month's partition is nearly empty, and the planner
/// then reads every waiting event and sorts them all to keep the first of a batch, and claims
/// them with a nested loop that compares every event with every other (seconds per batch of a
/// backlog of 200,000). So the waiting events are read in id order from the partial index that
/// holds only them, and claimed by a hash join.
async fn open(db: &DatabaseConnection) -> Result<sea_orm::DatabaseTransaction, sea_orm::DbErr> {
    let txn = crate::db::begin_write(db).await?;
    if txn.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
        txn.execute_unprepared(
            "SET LOCAL enable_bitmapscan = off; SET LOCAL enable_sort = off; \
             SET LOCAL enable_nestloop = off",
        )
        .await?;
    }
    Ok(txn)
}

/// An event as the sealer claims it: its id and time (a forged row may reuse a real event's id,
/// not with the same time as well, which is part of the key).
type Claim = (Uuid, DateTime<Utc>);

/// A batch's waiting events checked: the authentic ones, in id order, with their leaves (each
/// at the position it gets among them), and the forged ones.
struct Checked {
    good: Vec<Claim>,
    leaves: Vec<[u8; 32]>,
    forged: Vec<audit_event::Model>,
}

impl Checked {
    /// Checks each event's MAC and hashes its leaf from the same content, made once.
    fn of(key: &MacKey, events: Vec<audit_event::Model>, first_seq: i64) -> Self {
        let mut checked = Self {
            good: Vec::with_capacity(events.len()),
            leaves: Vec::with_capacity(events.len()),
            forged: Vec::new(),
        };
        for event in events {
            let content = audit::content(&event);
            if authentic(key, &content, &event) {
                let seq =
                    first_seq.saturating_add(i64::try_from(checked.good.len()).unwrap_or(i64::MAX));
                checked.leaves.push(leaf(seq, &content, &event));
                checked.good.push((event.id, event.occurred_at));
            } else {
                checked.forged.push(event);
            }
        }
        checked
    }
}

/// Gives the batch's events (`events`, in id order) their batch and positions; true when every
/// one of them was still waiting to be sealed and nothing else was labelled with the batch
/// (otherwise another sealer, or someone writing to the table, came first, and the caller rolls
/// back). On PostgreSQL one statement per chunk writes both, so each
/// event gets one new row version; the `ANY` condition has the events found by their ids,
/// whatever the join's estimate (without it the whole backlog was hashed for every chunk).
/// SQLite, which updates in place, takes two statements.
async fn claim(
    db: &impl ConnectionTrait,
    events: &[Claim],
    number: i64,
    first_seq: i64,
) -> Result<bool, sea_orm::DbErr> {
    let backend = db.get_database_backend();
    let mut claimed = 0;
    if backend == sea_orm::DatabaseBackend::Postgres {
        let mut first = first_seq;
        for chunk in events.chunks(IDS_PER_STATEMENT) {
            let ids = chunk
                .iter()
                .map(|(id, _)| id.to_string())
                .collect::<Vec<_>>()
                .join(",");
            let times = chunk
                .iter()
                .map(|(_, at)| checkpoint::timestamp(*at))
                .collect::<Vec<_>>()
                .join(",");
            claimed += db
                .execute_raw(Statement::from_sql_and_values(
                    backend,
                    "UPDATE audit_event SET batch = $1, seq = $2 - 1 + v.n \
                     FROM unnest(string_to_array($3, ',')::uuid[], \
                                 string_to_array($4, ',')::timestamptz[]) \
                          WITH ORDINALITY AS v(id, at, n) \
                     WHERE audit_event.id = v.id AND audit_event.occurred_at = v.at \
                     AND audit_event.id = ANY(string_to_array($3, ',')::uuid[]) \
                     AND audit_event.seq IS NULL AND audit_event.refused_at IS NULL",
                    [number.into(), first.into(), ids.into(), times.into()],
                ))
                .await?
                .rows_affected();
            first += i64::try_from(chunk.len()).unwrap_or(i64::MAX);
        }
        return Ok(claimed == events.len() as u64);
    }
    for chunk in events.chunks(IDS_PER_STATEMENT) {
        claimed += audit_event::Entity::update_many()
            .col_expr(audit_event::Column::Batch, Expr::value(number))
            .filter(audit_event::Column::Id.is_in(chunk.iter().map(|(id, _)| *id)))
            .filter(audit_event::Column::Seq.is_null())
            .filter(audit_event::Column::RefusedAt.is_null())
            .exec(db)
            .await?
            .rows_affected;
    }
    let labelled = audit_event::Entity::find()
        .filter(audit_event::Column::Batch.eq(number))
        .count(db)
        .await?;
    if claimed != events.len() as u64 || labelled != claimed {
        // Some were sealed or refused by someone else, or a row labelled with this batch
        // beforehand would be given a position unchecked.
        return Ok(false);
    }
    db.execute_raw(Statement::from_sql_and_values(
        backend,
        "UPDATE audit_event SET seq = ?1 - 1 + r.rn \
         FROM (SELECT id AS rid, row_number() OVER (ORDER BY id) AS rn \
               FROM audit_event WHERE seq IS NULL AND refused_at IS NULL AND batch = ?2) AS r \
         WHERE audit_event.id = r.rid",
        [first_seq.into(), number.into()],
    ))
    .await?;
    Ok(true)
}

/// Marks events whose MAC does not verify as refused and raises the alarm: an `audit.refused`
/// event (itself authenticated, sealed with the next batch) and an error in the log.
async fn refuse(
    db: &impl ConnectionTrait,
    keys: &AuditKeys,
    forged: &[audit_event::Model],
    now: DateTime<Utc>,
) -> Result<(), sea_orm::DbErr> {
    for chunk in forged.chunks(IDS_PER_STATEMENT) {
        // Each row by its id and time (a forged row may reuse a real event's id).
        let rows = chunk.iter().fold(sea_orm::Condition::any(), |rows, e| {
            rows.add(
                sea_orm::Condition::all()
                    .add(audit_event::Column::Id.eq(e.id))
                    .add(audit_event::Column::OccurredAt.eq(e.occurred_at)),
            )
        });
        audit_event::Entity::update_many()
            .col_expr(audit_event::Column::RefusedAt, Expr::value(now))
            .filter(rows)
            .filter(audit_event::Column::Seq.is_null())
            .filter(audit_event::Column::RefusedAt.is_null())
            .exec(db)
            .await?;
    }
    let listed: Vec<serde_json::Value> = forged
        .iter()
        .map(|e| {
            serde_json::json!({
                "id": e.id,
                "action": e.action,
                "occurredAt": e.occurred_at,
                "actorAccountId": e.actor_account_id,
            })
        })
        .collect();
    tracing::error!(
        count = forged.len(),
        events = %serde_json::Value::Array(listed.clone()),
        "ALARM: audit events whose MAC does not verify were refused by the sealer; someone wrote \
         to the audit table without the service's key"
    );
    audit::record(
        db,
        AuditRecord::new(&keys.mac, "audit.refused", now, None).with(serde_json::json!({
            "reason": "the event's MAC does not verify: it was not written by the service, or \
                       was changed after",
            "events": listed,
        })),
    )
    .await
}

/// Gives MACs to events written before the trail had them, once: only while no batch has ever
/// been sealed and the checkpoint file holds none (after that, an event without a MAC is refused
/// like any other forgery, and emptying the batch table does not bring adoption back).
pub async fn adopt_legacy(
    db: &DatabaseConnection,
    keys: &AuditKeys,
    now: DateTime<Utc>,
) -> anyhow::Result<u64> {
    let path = keys.checkpoint_file.clone();
    let anchored = tokio::task::spawn_blocking(move || checkpoint::last(&path)).await??;
    if anchored.is_some() || audit_batch::Entity::find().count(db).await? > 0 {
        return Ok(0);
    }
    let txn = crate::db::begin_write(db).await?;
    let legacy = audit_event::Entity::find()
        .filter(audit_event::Column::Mac.is_null())
        .filter(audit_event::Column::Seq.is_null())
        .all(&txn)
        .await?;
    for event in &legacy {
        audit_event::Entity::update_many()
            .col_expr(
                audit_event::Column::Mac,
                Expr::value(keys.mac.tag(&audit::content(event))),
            )
            .filter(audit_event::Column::Id.eq(event.id))
            .exec(&txn)
            .await?;
    }
    let adopted = legacy.len() as u64;
    if adopted > 0 {
        audit::record(
            &txn,
            AuditRecord::new(&keys.mac, "audit.adopted", now, None)
                .with(serde_json::json!({ "events": adopted })),
        )
        .await?;
        tracing::warn!(
            adopted,
            "gave MACs to audit events written before the trail had them"
        );
    }
    txn.commit().await?;
    Ok(adopted)
}

/// Seals everything that is waiting and brings the checkpoint file up to date (tests and
/// `audit verify` use it before checking).
pub async fn seal_all(
    db: &DatabaseConnection,
    keys: &AuditKeys,
    now: DateTime<Utc>,
) -> anyhow::Result<usize> {
    let holder = Uuid::now_v7();
    let mut total = 0;
    let mut contended = 0;
    loop {
        let sealed = match seal(db, keys, holder, now, 10_000).await {
            Ok(sealed) => sealed,
            // The running service's sealer sealed the same batch number first, or some of the same
            // events (the lease was taken from it mid-batch): its batch stands, and this one
            // starts again after it.
            Err(err)
                if contended < 100
                    && matches!(
                        err.sql_err(),
                        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
                    ) =>
            {
                contended += 1;
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                continue;
            }
            Err(err) => return Err(err.into()),
        };
        if sealed.contended && contended < 100 {
            contended += 1;
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            continue;
        }
        total += sealed.events;
        if sealed.events == 0 && sealed.refused == 0 {
            break;
        }
    }
    release(db, holder).await?;
    Appender::open(&keys.checkpoint_file)
        .await?
        .catch_up(db, keys)
        .await?;
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

/// The kinds of tampering `verify` tells apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tamper {
    /// An event's content no longer matches its MAC.
    Edited,
    /// An event or batch is missing with later ones present.
    Deleted,
    /// A row is there that sealing did not put there (a repeated or unsealed position).
    Inserted,
    /// Every event is authentic but a batch's order or membership changed, or the batches no
    /// longer link.
    Reordered,
    /// The trail ends before the last checkpoint or the last sealed position.
    Truncated,
    /// An event without a valid MAC, or a batch or checkpoint without a valid signature.
    Forged,
    /// Events wait far longer than sealing takes: the sealer has stopped, and what is not sealed
    /// can be deleted without trace.
    Stalled,
}

impl std::fmt::Display for Tamper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Edited => "edited",
            Self::Deleted => "deleted",
            Self::Inserted => "inserted",
            Self::Reordered => "reordered",
            Self::Truncated => "truncated",
            Self::Forged => "forged",
            Self::Stalled => "stalled",
        })
    }
}

/// The first broken place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Break {
    /// What kind of tampering it shows.
    pub kind: Tamper,
    /// The batch, when the place is in one.
    pub batch: Option<i64>,
    /// The position, when the place is an event's.
    pub seq: Option<i64>,
    /// The event's id, when the row exists.
    pub id: Option<Uuid>,
    /// What is wrong, in words.
    pub reason: String,
}

impl std::fmt::Display for Break {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.kind)?;
        if let Some(batch) = self.batch {
            write!(f, " in batch {batch}")?;
        }
        if let Some(seq) = self.seq {
            write!(f, " at position {seq}")?;
        }
        if let Some(id) = self.id {
            write!(f, " (event {id})")?;
        }
        write!(f, ": {}", self.reason)
    }
}

/// What `verify` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Everything checks out.
    Intact {
        /// Batches checked.
        batches: u64,
        /// Sealed events checked.
        sealed: u64,
        /// Events waiting to be sealed (their MACs checked).
        unsealed: u64,
        /// Checkpoints of the file compared.
        checkpoints: u64,
    },
    /// The first broken place.
    Broken(Break),
}

fn broken(
    kind: Tamper,
    batch: Option<i64>,
    seq: Option<i64>,
    id: Option<Uuid>,
    reason: impl Into<String>,
) -> Verdict {
    Verdict::Broken(Break {
        kind,
        batch,
        seq,
        id,
        reason: reason.into(),
    })
}

/// Checks the whole trail from batch `from` (1 for all; a later batch when the months before it
/// were archived): every event's MAC, every batch's root, link and signature, the checkpoint
/// file against the batches, and the events waiting to be sealed. One pass over events and
/// file, in time linear in their number.
pub async fn verify(
    db: &DatabaseConnection,
    keys: &AuditKeys,
    checkpoints: &Path,
    from: i64,
    now: DateTime<Utc>,
) -> anyhow::Result<Verdict> {
    if checkpoint::last(checkpoints)?.is_none()
        && let Some(batch) = audit_batch::Entity::find()
            .order_by_desc(audit_batch::Column::Number)
            .one(db)
            .await?
    {
        return Ok(broken(
            Tamper::Truncated,
            Some(batch.number),
            None,
            None,
            format!(
                "the checkpoint file {} holds no checkpoint while the database holds {} sealed \
                 batches: the anchor is gone, or this is not the deployment's file",
                checkpoints.display(),
                batch.number
            ),
        ));
    }
    let mut file = checkpoint::read(checkpoints)?.peekable();
    let mut index = IndexCheck::new(keys);
    if let Some(verdict) = repeated_id(db).await? {
        return Ok(verdict);
    }
    let mut compared = 0_u64;
    let mut expected_number = std::cmp::max(from, 1);
    let mut prev_head: Option<String> = None;
    let mut expected_seq: Option<i64> = None;
    let mut first_seq: Option<i64> = None;
    let mut sealed = 0_u64;
    loop {
        let batches = audit_batch::Entity::find()
            .filter(audit_batch::Column::Number.gte(expected_number))
            .order_by_asc(audit_batch::Column::Number)
            .limit(100)
            .all(db)
            .await?;
        if batches.is_empty() {
            break;
        }
        for batch in batches {
            let number = batch.number;
            let place = Some(number);
            if number != expected_number {
                return Ok(broken(
                    Tamper::Deleted,
                    Some(expected_number),
                    expected_seq,
                    None,
                    format!("batch {expected_number} is missing (the next is {number})"),
                ));
            }
            let checkpoint = Checkpoint::of(&batch, keys.verifying_key_text());
            if !checkpoint.authentic(keys) {
                return Ok(broken(
                    Tamper::Forged,
                    place,
                    None,
                    None,
                    "the batch's head or signature is not the deployment's",
                ));
            }
            let prev = prev_head.get_or_insert_with(|| batch.prev_head.clone());
            let first = *expected_seq.get_or_insert(batch.first_seq);
            first_seq.get_or_insert(batch.first_seq);
            if batch.prev_head != *prev || batch.first_seq != first {
                return Ok(broken(
                    Tamper::Reordered,
                    place,
                    Some(batch.first_seq),
                    None,
                    "the batch does not follow the one before",
                ));
            }
            while let Some(line) =
                file.next_if(|line| line.as_ref().is_ok_and(|c| c.batch <= number) || line.is_err())
            {
                match line {
                    Err(line) => return Ok(malformed(line)),
                    Ok(line) if line.batch < number => {}
                    Ok(line) => {
                        if !line.authentic(keys) {
                            return Ok(broken(
                                Tamper::Forged,
                                place,
                                None,
                                None,
                                "its checkpoint in the file is not signed by the deployment's key",
                            ));
                        }
                        if line != checkpoint {
                            return Ok(broken(
                                Tamper::Forged,
                                place,
                                None,
                                None,
                                "the batch differs from its checkpoint in the file",
                            ));
                        }
                        compared += 1;
                    }
                }
            }
            if let Some(verdict) = verify_events(db, keys, &batch, &mut index).await? {
                return Ok(verdict);
            }
            sealed += u64::try_from(batch.last_seq - batch.first_seq + 1).unwrap_or_default();
            *prev = batch.head.clone();
            expected_seq = Some(batch.last_seq + 1);
            expected_number += 1;
        }
    }
    for line in file {
        match line {
            Err(line) => return Ok(malformed(line)),
            Ok(line) if line.batch < expected_number => {}
            Ok(line) if !line.authentic(keys) => {
                return Ok(broken(
                    Tamper::Forged,
                    Some(line.batch),
                    None,
                    None,
                    "a checkpoint in the file is not signed by the deployment's key",
                ));
            }
            Ok(line) => {
                return Ok(broken(
                    Tamper::Truncated,
                    Some(line.batch),
                    Some(line.first_seq),
                    None,
                    format!(
                        "the checkpoint file holds batch {} (positions {} to {}) but the \
                         database ends before it",
                        line.batch, line.first_seq, line.last_seq
                    ),
                ));
            }
        }
    }
    let first_checked = first_seq.unwrap_or(1);
    let outside = audit_event::Entity::find()
        .filter(
            sea_orm::Condition::any()
                .add(audit_event::Column::Seq.gte(expected_seq.unwrap_or(first_checked)))
                .add(audit_event::Column::Seq.lt(if from <= 1 { 1 } else { first_checked })),
        )
        .order_by_asc(audit_event::Column::Seq)
        .one(db)
        .await?;
    if let Some(event) = outside {
        return Ok(broken(
            Tamper::Inserted,
            event.batch,
            event.seq,
            Some(event.id),
            "the event has a position no sealed batch covers",
        ));
    }
    let mut unsealed = 0_u64;
    let mut after = Uuid::nil();
    loop {
        let waiting = audit_event::Entity::find()
            .filter(audit_event::Column::Seq.is_null())
            .filter(audit_event::Column::Id.gt(after))
            .order_by_asc(audit_event::Column::Id)
            .limit(1000)
            .all(db)
            .await?;
        let Some(last) = waiting.last() else {
            break;
        };
        after = last.id;
        for event in &waiting {
            let genuine = authentic(&keys.mac, &audit::content(event), event);
            if event.refused_at.is_none() && genuine && now - event.occurred_at > STALLED {
                return Ok(broken(
                    Tamper::Stalled,
                    None,
                    None,
                    Some(event.id),
                    format!(
                        "the event has waited {} minutes to be sealed: sealing has stopped (is the \
                         service running, was its lease tampered with?)",
                        (now - event.occurred_at).num_minutes()
                    ),
                ));
            }
            if !genuine {
                return Ok(broken(
                    Tamper::Forged,
                    None,
                    None,
                    Some(event.id),
                    format!(
                        "the `{}` event was not written by the service (its MAC does not verify)",
                        event.action
                    ),
                ));
            }
            if event.refused_at.is_some() {
                return Ok(broken(
                    Tamper::Edited,
                    None,
                    None,
                    Some(event.id),
                    format!(
                        "the `{}` event is marked refused though its MAC verifies: the mark was \
                         written by someone else, and the event was kept from being sealed",
                        event.action
                    ),
                ));
            }
            if event.batch.is_some() {
                return Ok(broken(
                    Tamper::Inserted,
                    event.batch,
                    None,
                    Some(event.id),
                    "the event names a batch but has no position in it",
                ));
            }
        }
        for event in &waiting {
            index.expect(event);
        }
        unsealed += waiting.len() as u64;
    }
    if let Some(verdict) = index.check(db, from <= 1).await? {
        return Ok(verdict);
    }
    Ok(Verdict::Intact {
        batches: u64::try_from(expected_number - std::cmp::max(from, 1)).unwrap_or_default(),
        sealed,
        unsealed,
        checkpoints: compared,
    })
}

/// Checks one batch's events: every position present once, every MAC, the root.
async fn verify_events(
    db: &DatabaseConnection,
    keys: &AuditKeys,
    batch: &audit_batch::Model,
    index: &mut IndexCheck,
) -> anyhow::Result<Option<Verdict>> {
    let place = Some(batch.number);
    let events = audit_event::Entity::find()
        .filter(audit_event::Column::Seq.between(batch.first_seq, batch.last_seq))
        .order_by_asc(audit_event::Column::Seq)
        .order_by_asc(audit_event::Column::Id)
        .all(db)
        .await?;
    let mut leaves = Vec::with_capacity(events.len());
    let mut expected = batch.first_seq;
    for event in &events {
        let seq = event.seq.unwrap_or_default();
        if seq < expected {
            return Ok(Some(broken(
                Tamper::Inserted,
                place,
                Some(seq),
                Some(event.id),
                format!("a second event at position {seq}"),
            )));
        }
        if seq > expected {
            return Ok(Some(missing(db, batch.number, expected).await?));
        }
        if event.batch != Some(batch.number) {
            return Ok(Some(broken(
                Tamper::Edited,
                place,
                Some(seq),
                Some(event.id),
                "the event's batch number was changed after it was sealed in this batch",
            )));
        }
        let content = audit::content(event);
        if !authentic(&keys.mac, &content, event) {
            return Ok(Some(broken(
                Tamper::Edited,
                place,
                Some(seq),
                Some(event.id),
                format!(
                    "the `{}` event's content does not match its MAC",
                    event.action
                ),
            )));
        }
        index.expect(event);
        leaves.push(leaf(seq, &content, event));
        expected += 1;
    }
    if expected <= batch.last_seq {
        return Ok(Some(missing(db, batch.number, expected).await?));
    }
    if root(leaves) != batch.root {
        return Ok(Some(broken(
            Tamper::Reordered,
            place,
            Some(batch.first_seq),
            None,
            "every event is authentic but the batch's order or membership changed",
        )));
    }
    Ok(None)
}

/// A line of the checkpoint file that is not a checkpoint: nothing the sealer writes.
fn malformed(line: usize) -> Verdict {
    broken(
        Tamper::Forged,
        None,
        None,
        None,
        format!("line {line} of the checkpoint file is not a checkpoint"),
    )
}

/// An id held by two rows (on PostgreSQL the key is the id with the time, so a forged copy of a
/// real event under another time is possible): the second row is an insertion.
async fn repeated_id(db: &DatabaseConnection) -> anyhow::Result<Option<Verdict>> {
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT id FROM audit_event GROUP BY id HAVING count(*) > 1 LIMIT 1",
        ))
        .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let id: Uuid = row.try_get("", "id")?;
    Ok(Some(broken(
        Tamper::Inserted,
        None,
        None,
        Some(id),
        "two rows carry this event's id",
    )))
}

/// The record-to-event index against the events: each event's rows, as its authenticated content
/// says they must be ([`audit::records_of`]), tallied as a count and an order-free sum of row
/// hashes, then compared with the rows the table holds in one pass over it. A row deleted,
/// added or changed (which would hide a read from a child's trail) does not go unnoticed.
struct IndexCheck {
    /// Row hashes are keyed with the MAC key, so nobody without it can make rows that add up to
    /// the same tally.
    key: MacKey,
    expected: HashMap<Uuid, Tally>,
}

/// A (record, event) pair of the record-to-event index.
#[derive(Debug, sea_orm::FromQueryResult)]
struct IndexPair {
    subject_id: Uuid,
    event_id: Uuid,
}

/// Records of one event in the index: how many and the wrapping sum of their hashes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Tally {
    rows: u64,
    sum: u64,
    seq: Option<i64>,
}

impl Tally {
    fn add(&mut self, key: &MacKey, subject: Uuid, event: Uuid) {
        let mut row = [0_u8; 32];
        row[..16].copy_from_slice(subject.as_bytes());
        row[16..].copy_from_slice(event.as_bytes());
        let digest = key.tag_bytes(&row);
        let mut head = [0_u8; 8];
        head.copy_from_slice(&digest[..8]);
        self.rows += 1;
        self.sum = self.sum.wrapping_add(u64::from_le_bytes(head));
    }
}

impl IndexCheck {
    fn new(keys: &AuditKeys) -> Self {
        Self {
            key: keys.mac.clone(),
            expected: HashMap::new(),
        }
    }

    /// Notes the rows an authentic event must have.
    fn expect(&mut self, event: &audit_event::Model) {
        let records = audit::stored_records_of(event);
        if records.is_empty() {
            return;
        }
        let mut tally = Tally {
            seq: event.seq,
            ..Tally::default()
        };
        for (_, subject) in &records {
            tally.add(&self.key, *subject, event.id);
        }
        self.expected.insert(event.id, tally);
    }

    /// Reads the whole index and compares. With `strict`, a row for an event not walked is an
    /// insertion (when verifying from a later batch, the archived events' rows are skipped).
    async fn check(
        mut self,
        db: &DatabaseConnection,
        strict: bool,
    ) -> anyhow::Result<Option<Verdict>> {
        let mut actual: HashMap<Uuid, Tally> = HashMap::new();
        // One pass in whatever order the database finds cheapest: the tallies are order-free.
        let mut rows = <IndexPair as sea_orm::FromQueryResult>::find_by_statement(
            audit::index_pairs(db.get_database_backend()),
        )
        .stream(db)
        .await?;
        while let Some(row) = rows.try_next().await? {
            actual
                .entry(row.event_id)
                .or_default()
                .add(&self.key, row.subject_id, row.event_id);
        }
        drop(rows);
        let mut found: Option<(Option<i64>, Uuid, Tamper)> = None;
        let mut note = |seq: Option<i64>, event: Uuid, kind: Tamper| {
            if found.as_ref().is_none_or(|(s, _, _)| seq < *s) {
                found = Some((seq, event, kind));
            }
        };
        for (event, rows) in actual {
            match self.expected.remove(&event) {
                None if strict => note(None, event, Tamper::Inserted),
                None => {}
                Some(want) if rows.rows < want.rows => note(want.seq, event, Tamper::Deleted),
                Some(want) if rows.rows > want.rows => note(want.seq, event, Tamper::Inserted),
                Some(want) if rows.sum != want.sum => note(want.seq, event, Tamper::Edited),
                Some(_) => {}
            }
        }
        for (event, want) in self.expected {
            note(want.seq, event, Tamper::Deleted);
        }
        Ok(found.map(|(seq, event, kind)| {
            broken(
                kind,
                None,
                seq,
                Some(event),
                match kind {
                    Tamper::Deleted => "rows of the record-to-event index that the event lists are missing (a record's trail no longer finds it)",
                    Tamper::Inserted => "the record-to-event index has rows the event does not list, or rows for no event",
                    _ => "the record-to-event index's rows for the event differ from what the event lists",
                },
            )
        }))
    }
}

/// A missing position: truncated when nothing sealed follows it, deleted otherwise.
async fn missing(db: &DatabaseConnection, batch: i64, seq: i64) -> anyhow::Result<Verdict> {
    let later = audit_event::Entity::find()
        .filter(audit_event::Column::Seq.gt(seq))
        .count(db)
        .await?;
    Ok(if later == 0 {
        broken(
            Tamper::Truncated,
            Some(batch),
            Some(seq),
            None,
            format!(
                "the trail ends at position {}, before what was sealed",
                seq - 1
            ),
        )
    } else {
        broken(
            Tamper::Deleted,
            Some(batch),
            Some(seq),
            None,
            format!("the event at position {seq} is missing"),
        )
    })
}

/// Seals in the background every `interval` while the lease allows, draining the backlog batch
/// by batch, appends the checkpoints and keeps the month partitions ahead; on `stop`, seals what
/// is left and ends.
pub async fn run_sealer(
    db: DatabaseConnection,
    keys: std::sync::Arc<AuditKeys>,
    clock: std::sync::Arc<dyn crate::clock::Clock>,
    interval: std::time::Duration,
    batch: u64,
    metrics: std::sync::Arc<crate::metrics::Metrics>,
    stop: tokio::sync::watch::Receiver<bool>,
) {
    let mut stop = stop;
    let appender = match Appender::open(&keys.checkpoint_file).await {
        Ok(appender) => Some(appender),
        Err(err) => {
            tracing::error!(error = %err, file = %keys.checkpoint_file.display(), "ALARM: the audit checkpoint file cannot be read; batches are sealed but not checkpointed");
            None
        }
    };
    let mut sealer = Sealer {
        holder: Uuid::now_v7(),
        db,
        keys,
        clock,
        batch,
        appender,
        failing: None,
        metrics,
    };
    let mut ticker = tokio::time::interval(interval);
    let mut partitioned_on = None;
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            _ = stop.changed() => break,
        }
        let now = sealer.clock.now();
        if partitioned_on != Some(now.date_naive()) {
            partitions::ensure(&sealer.db, now).await;
            partitioned_on = Some(now.date_naive());
        }
        sealer.drain().await;
    }
    // What is left is sealed before the process ends; a failed round is tried again twice.
    for _ in 0..3 {
        sealer.drain().await;
        if sealer.failing.is_none() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let _ = release(&sealer.db, sealer.holder).await;
}

/// The background sealer's state between rounds.
struct Sealer {
    db: DatabaseConnection,
    keys: std::sync::Arc<AuditKeys>,
    clock: std::sync::Arc<dyn crate::clock::Clock>,
    holder: Uuid,
    batch: u64,
    appender: Option<Appender>,
    /// The error the last round ended with, logged once rather than every second.
    failing: Option<String>,
    metrics: std::sync::Arc<crate::metrics::Metrics>,
}

impl Sealer {
    /// Seals batches until the backlog is empty, appending each batch's checkpoint as soon as it
    /// is committed (and those other instances sealed).
    async fn drain(&mut self) {
        loop {
            let sealed = match seal(
                &self.db,
                &self.keys,
                self.holder,
                self.clock.now(),
                self.batch,
            )
            .await
            {
                Ok(sealed) => {
                    self.failing = None;
                    self.metrics.sealed(sealed.events, sealed.refused);
                    sealed
                }
                Err(err) => {
                    let message = err.to_string();
                    if self.failing.as_ref() != Some(&message) {
                        tracing::error!(error = %message, "sealing the audit trail");
                    }
                    self.failing = Some(message);
                    Sealed::default()
                }
            };
            if let Some(appender) = self.appender.as_mut()
                && let Err(err) = appender.catch_up(&self.db, &self.keys).await
            {
                tracing::error!(error = %err, "ALARM: appending audit checkpoints");
            }
            if (sealed.events as u64) < self.batch && sealed.refused == 0 {
                return;
            }
        }
    }
}
