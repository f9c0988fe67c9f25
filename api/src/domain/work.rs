//! A command's unit of work: one write transaction, and the events its changes announce.
//!
//! Every command (a mutation's domain function, the deadline sweep, signing out) opens one
//! [`Work`], writes through [`Work::db`], announces what subscribers should hear with
//! [`Work::announce`] and ends with [`Work::commit`]; dropping it without committing rolls
//! everything back, events included. So no committed change loses its event and no event
//! announces a change that was rolled back:
//! - on PostgreSQL an announcement is a `pg_notify` inside the transaction, which PostgreSQL
//!   delivers to every instance when, and only if, the transaction commits;
//! - on SQLite the bus is in-process: announcements wait in the unit of work and are handed to
//!   this process's subscribers once the commit has succeeded. The subscribers live in the same
//!   process, so an event can only be lost together with everyone who could have heard it.

use std::sync::{Mutex, PoisonError};

use sea_orm::{DatabaseConnection, DatabaseTransaction, EntityTrait, PrimaryKeyTrait};
use uuid::Uuid;

use crate::{
    audit::{self, AuditRecord},
    db,
    domain::{
        Actor,
        idempotency::{self, Attempt, Operation},
        kind::Kind,
    },
    error::{ApiError, ApiResult},
    events::{BusEvent, EventBus},
};

/// Where commands work: the database, and the bus their events go out on.
#[derive(Clone, Copy)]
pub struct Store<'a> {
    /// The database pool.
    pub db: &'a DatabaseConnection,
    /// The event bus.
    pub events: &'a EventBus,
}

impl<'a> Store<'a> {
    /// Opens a unit of work: a write transaction (on SQLite it takes the write lock at once).
    pub async fn begin(self) -> ApiResult<Work<'a>> {
        Ok(Work {
            txn: db::begin_write(self.db).await?,
            events: self.events,
            held: Mutex::new(Vec::new()),
        })
    }

    /// An idempotent create as one command: the record (of entity `E`) the attempt's key
    /// already produced, or what `create` makes in a new unit of work (handed to it, and back
    /// with the result), settled with [`Work::settle_once`].
    pub async fn create_once<E, R, F>(
        self,
        attempt: Attempt<'_>,
        create: impl FnOnce(Work<'a>) -> F,
    ) -> ApiResult<Once<E::Model, R>>
    where
        E: EntityTrait,
        <E::PrimaryKey as PrimaryKeyTrait>::ValueType: From<uuid::Uuid>,
        F: Future<Output = (Work<'a>, ApiResult<R>)>,
    {
        if let Some(found) = attempt.replay::<E>(self.db).await? {
            return Ok(Once::Replayed(found));
        }
        let (work, created) = create(self.begin().await?).await;
        work.settle_once(created, || attempt.replay::<E>(self.db))
            .await
    }

    /// An idempotent create of `operation` by `actor` under the client's `key`: the record the
    /// key already produced for this `input` (fingerprinted), or what `create` makes of `input`
    /// through a new unit of work's transaction, with the key remembered for it (its id, as
    /// `id` reads it) in the same transaction. An unusable key is refused before anything is
    /// read.
    pub async fn create_keyed<E, R, D: serde::Serialize>(
        self,
        (operation, actor, key): (Operation, &Actor<'_>, &str),
        input: D,
        id: impl FnOnce(&R) -> Uuid,
        create: impl AsyncFnOnce(&DatabaseTransaction, D) -> ApiResult<R>,
    ) -> ApiResult<Once<E::Model, R>>
    where
        E: EntityTrait,
        <E::PrimaryKey as PrimaryKeyTrait>::ValueType: From<uuid::Uuid>,
    {
        idempotency::check(key)?;
        let fingerprint = idempotency::fingerprint(&input);
        let attempt = operation.attempt(actor, key, &fingerprint);
        self.create_once::<E, _, _>(attempt, |work| async move {
            let created = match create(work.db(), input).await {
                Ok(record) => attempt
                    .remember(work.db(), id(&record), actor.now)
                    .await
                    .map(|()| record),
                failed => failed,
            };
            (work, created)
        })
        .await
    }
}

/// One command's transaction and the events it announces; see the module's documentation.
pub struct Work<'a> {
    txn: DatabaseTransaction,
    events: &'a EventBus,
    held: Mutex<Vec<BusEvent>>,
}

impl Work<'_> {
    /// The transaction to read and write through.
    pub fn db(&self) -> &DatabaseTransaction {
        &self.txn
    }

    /// Announces an event, delivered if and when the unit of work commits.
    pub async fn announce(&self, event: BusEvent) -> ApiResult<()> {
        if let Some(held) = self.events.notify_within(&self.txn, event).await? {
            self.held
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(held);
        }
        Ok(())
    }

    /// Ends a command: writes its audit event, commits, and answers `done`.
    pub async fn finish<T>(self, event: AuditRecord, done: T) -> ApiResult<T> {
        audit::record(&self.txn, event).await?;
        self.commit().await?;
        Ok(done)
    }

    /// Ends a command that wrote `record`: its audit event is `action` by `actor` on the
    /// subject `(kind, id)`, with the record as written; commits, and answers the record.
    pub async fn wrote<T: serde::Serialize>(
        self,
        actor: &Actor<'_>,
        action: &'static str,
        (kind, id): (Kind, Uuid),
        record: T,
    ) -> ApiResult<T> {
        let event = actor
            .event(action)
            .on(kind, id)
            .with(serde_json::json!({ "after": &record }));
        self.finish(event, record).await
    }

    /// Commits the changes, then hands the held events (SQLite) to this process's subscribers.
    pub async fn commit(self) -> ApiResult<()> {
        self.txn.commit().await?;
        let held = self
            .held
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
        for event in held {
            self.events.deliver(event);
        }
        Ok(())
    }

    /// Ends an idempotent create: commits what was created, or, when a concurrent retry with
    /// the same key committed first (the create then fails on the key's unique index with a
    /// `CONFLICT`), rolls back and answers with that retry's result instead. A conflict no
    /// retry explains is answered as it is.
    pub async fn settle_once<T, R, F>(
        self,
        created: ApiResult<R>,
        replay: impl FnOnce() -> F,
    ) -> ApiResult<Once<T, R>>
    where
        F: Future<Output = ApiResult<Option<T>>>,
    {
        match created {
            Ok(created) => {
                self.commit().await?;
                Ok(Once::Created(created))
            }
            Err(conflict @ ApiError::Conflict { .. }) => {
                // A retry that committed first with the same key is answered; any other
                // clash (a username taken) is the caller's to hear.
                drop(self);
                Ok(Once::Replayed(replay().await?.ok_or(conflict)?))
            }
            Err(err) => Err(err),
        }
    }
}

/// What an idempotent create answers: the first result for the key again, or what it created.
pub enum Once<T, R> {
    /// An earlier call with the same key produced this; nothing was written now.
    Replayed(T),
    /// Created now, and committed.
    Created(R),
}
