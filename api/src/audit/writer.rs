//! The background writer of read and denial events: a bounded queue drained in batches, so a
//! read never waits for a commit; flushed on shutdown.

use entity::audit_event;
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, QueryTrait};
use tokio::sync::{mpsc, oneshot};

use crate::audit::{self, AuditRecord, IndexRow};

/// Largest batch per insert.
const BATCH: usize = 500;

/// How long the writer waits for more events after the first of a batch (unless a flush is
/// asked for). Under load, statements and commits cost the database more than the rows they
/// write, and without the wait a batch was two or three events; an event is still written
/// well within the sealer's interval.
const LINGER: std::time::Duration = std::time::Duration::from_millis(200);

enum Message {
    Event(Box<AuditRecord>),
    Flush(oneshot::Sender<()>),
}

/// Queues events for the background writer. Cheap to clone.
#[derive(Clone)]
pub struct AuditWriter {
    tx: mpsc::Sender<Message>,
}

impl AuditWriter {
    /// Starts the writer on `db` with a queue of `capacity` events. The task ends once every
    /// sender is gone and the queue is drained; await its handle to flush on shutdown.
    pub fn start(db: DatabaseConnection, capacity: usize) -> (Self, tokio::task::JoinHandle<()>) {
        let (tx, rx) = mpsc::channel(capacity.max(1));
        let handle = tokio::spawn(run(db, rx));
        (Self { tx }, handle)
    }

    /// Queues an event; waits for room when the queue is full rather than drop it.
    pub async fn send(&self, event: AuditRecord) {
        if self.tx.send(Message::Event(Box::new(event))).await.is_err() {
            tracing::error!("audit writer is gone; an audit event was not written");
        }
    }

    /// Events (and flushes) waiting in the queue.
    pub fn queued(&self) -> usize {
        self.tx.max_capacity() - self.tx.capacity()
    }

    /// Returns once every event queued before the call is in the database.
    pub async fn flush(&self) {
        let (done, wait) = oneshot::channel();
        if self.tx.send(Message::Flush(done)).await.is_ok() {
            let _ = wait.await;
        }
    }
}

async fn run(db: DatabaseConnection, mut rx: mpsc::Receiver<Message>) {
    let mut batch = Batch::default();
    let mut waiting: Vec<oneshot::Sender<()>> = Vec::new();
    while let Some(first) = rx.recv().await {
        let deadline = tokio::time::Instant::now() + LINGER;
        let mut next = Some(first);
        let mut open = true;
        while let Some(message) = next.take() {
            match message {
                Message::Event(event) => {
                    let (row, subjects) = event.into_rows();
                    batch.events.push(row);
                    batch.subjects.extend(subjects);
                }
                Message::Flush(done) => waiting.push(done),
            }
            if batch.events.len() >= BATCH || !waiting.is_empty() {
                break;
            }
            next = match tokio::time::timeout_at(deadline, rx.recv()).await {
                Ok(Some(message)) => Some(message),
                Ok(None) => {
                    open = false;
                    None
                }
                Err(_) => None,
            };
        }
        write(&db, &mut batch).await;
        for done in waiting.drain(..) {
            let _ = done.send(());
        }
        if !open {
            break;
        }
    }
}

/// Events to insert, with their rows in the record-to-event index.
#[derive(Default)]
struct Batch {
    events: Vec<audit_event::ActiveModel>,
    subjects: Vec<IndexRow>,
}

/// Attempts at writing one batch before its events are given up (and logged as lost).
const ATTEMPTS: u32 = 5;

/// Writes the batch in one transaction; a failure (a connection lost, the pool exhausted for a
/// moment) is retried with growing pauses, so that a passing fault loses no event.
async fn write(db: &DatabaseConnection, batch: &mut Batch) {
    if batch.events.is_empty() {
        return;
    }
    let Batch { events, subjects } = std::mem::take(batch);
    let count = events.len();
    // Built once: a retry sends the same statement again.
    let insert = audit_event::Entity::insert_many(events).build(db.get_database_backend());
    for attempt in 1..=ATTEMPTS {
        let written = async {
            let txn = crate::db::begin_write(db).await?;
            txn.execute_raw(insert.clone()).await?;
            audit::index(&txn, &subjects).await?;
            txn.commit().await
        };
        match written.await {
            Ok(()) => return,
            Err(err) if attempt < ATTEMPTS => {
                tracing::warn!(error = %err, count, attempt, "writing audit events; retrying");
                tokio::time::sleep(std::time::Duration::from_millis(50 << attempt)).await;
            }
            Err(err) => {
                tracing::error!(error = %err, count, "ALARM: audit events could not be written and are lost");
            }
        }
    }
}
