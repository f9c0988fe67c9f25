//! The event bus under subscriptions. On SQLite it is in-process; on PostgreSQL events go
//! through `LISTEN`/`NOTIFY`, so that with several API processes on one database every
//! subscriber hears every event once, whichever process published it. Events are announced
//! from inside the transaction that makes the change (`domain::work`), so they are heard if
//! and only if it commits.

use chrono::{DateTime, Utc};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, Statement,
};
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;
use uuid::Uuid;

/// The PostgreSQL channel events travel on.
const CHANNEL: &str = "shouhu_events";

/// Something subscribers may want to hear about.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BusEvent {
    /// A report was submitted, moved, or had an emergency action recorded.
    Report {
        /// The report.
        report_id: Uuid,
        /// What happened (`submit`, `accept`, …, `action`).
        action: String,
        /// Its state afterwards (snake case).
        state: String,
        /// Where it concerns.
        region_path: String,
        /// When.
        at: DateTime<Utc>,
    },
    /// A report missed a deadline.
    Alert {
        /// The report.
        report_id: Uuid,
        /// The step that was due.
        stage: String,
        /// When it was due.
        deadline: DateTime<Utc>,
        /// Where it concerns.
        region_path: String,
        /// When the sweep raised it.
        raised_at: DateTime<Utc>,
    },
    /// A session (refresh-token family) was revoked: its access tokens are refused from now on.
    SessionRevoked {
        /// The session.
        session_id: Uuid,
        /// When.
        at: DateTime<Utc>,
    },
    /// An account changed in a way that decides its access (every session ended, disabled,
    /// role or organization changed): what instances cached of it is stale.
    AccountChanged {
        /// The account.
        account_id: Uuid,
    },
    /// Someone opened a record outside their scope by break-glass.
    BreakGlass {
        /// The opening.
        access_id: Uuid,
        /// Where the child lives, for the supervisors of that jurisdiction.
        region_path: String,
    },
    /// This instance's listener (re)connected: events may have been missed while it was away,
    /// so what was cached from them must be read again. Never published, only heard.
    Resync,
}

impl BusEvent {
    /// The report the event is about, if it is about one.
    pub fn report_id(&self) -> Option<Uuid> {
        match self {
            Self::Report { report_id, .. } | Self::Alert { report_id, .. } => Some(*report_id),
            _ => None,
        }
    }

    /// The region path it concerns, if it concerns one.
    pub fn region_path(&self) -> Option<&str> {
        match self {
            Self::Report { region_path, .. }
            | Self::Alert { region_path, .. }
            | Self::BreakGlass { region_path, .. } => Some(region_path),
            _ => None,
        }
    }
}

/// Publishes events and lets subscribers hear them. Cheap to clone.
#[derive(Clone)]
pub struct EventBus {
    local: broadcast::Sender<BusEvent>,
    /// Whether events travel through PostgreSQL rather than in-process.
    postgres: bool,
}

impl EventBus {
    /// A bus for `db`: through PostgreSQL when that is the database, else in-process. On
    /// PostgreSQL, call [`EventBus::listen`] once so notifications reach local subscribers.
    pub fn new(db: &DatabaseConnection) -> Self {
        let (local, _) = broadcast::channel(1024);
        let postgres = db.get_database_backend() == DbBackend::Postgres;
        Self { local, postgres }
    }

    /// Announces an event from inside the transaction `txn` that makes the change. On
    /// PostgreSQL it is a `pg_notify` in that transaction, delivered to every instance when it
    /// commits and dropped if it rolls back; on SQLite the event is handed back, for the caller
    /// to [`deliver`](Self::deliver) once the transaction has committed. Use it through
    /// `domain::work::Work::announce`.
    pub async fn notify_within(
        &self,
        txn: &DatabaseTransaction,
        event: BusEvent,
    ) -> Result<Option<BusEvent>, DbErr> {
        if !self.postgres {
            return Ok(Some(event));
        }
        let payload =
            serde_json::to_string(&event).map_err(|err| DbErr::Custom(err.to_string()))?;
        let statement = Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_notify($1, $2)",
            [CHANNEL.into(), payload.into()],
        );
        txn.execute_raw(statement).await?;
        Ok(None)
    }

    /// Hands a committed change's event to this process's subscribers (the in-process bus).
    pub fn deliver(&self, event: BusEvent) {
        let _nobody_listening = self.local.send(event);
    }

    /// A receiver of every event from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<BusEvent> {
        self.local.subscribe()
    }

    /// On PostgreSQL, forwards notifications to local subscribers until the connection is
    /// lost for good; on SQLite there is nothing to listen to.
    pub async fn listen(self, database_url: String) {
        if !self.postgres {
            return;
        }
        loop {
            match forward(&database_url, &self.local).await {
                Ok(()) => return,
                Err(err) => {
                    tracing::warn!(error = %err, "event listener lost its connection; reconnecting");
                    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                }
            }
        }
    }
}

async fn forward(
    url: &str,
    local: &broadcast::Sender<BusEvent>,
) -> Result<(), sea_orm::sqlx::Error> {
    let mut listener = sea_orm::sqlx::postgres::PgListener::connect(url).await?;
    listener.listen(CHANNEL).await?;
    let _nobody_listening = local.send(BusEvent::Resync);
    loop {
        // `None`: the connection was lost (and is made again by the next call); what was
        // published meanwhile is lost, so listeners are told to read their state again.
        let Some(notification) = listener.try_recv().await? else {
            tracing::warn!("event listener lost its connection; reconnecting");
            let _nobody_listening = local.send(BusEvent::Resync);
            continue;
        };
        match serde_json::from_str::<BusEvent>(notification.payload()) {
            Ok(event) => {
                let _nobody_listening = local.send(event);
            }
            Err(err) => tracing::warn!(error = %err, "an event that does not parse"),
        }
    }
}
