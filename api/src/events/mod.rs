//! The event bus under subscriptions. On SQLite it is in-process; on PostgreSQL events go
//! through `LISTEN`/`NOTIFY`, so that with several API processes on one database every
//! subscriber hears every event once, whichever process published it. Publish only after the
//! transaction that made the change has committed.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
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
}

impl BusEvent {
    /// The report the event is about.
    pub fn report_id(&self) -> Uuid {
        match self {
            Self::Report { report_id, .. } | Self::Alert { report_id, .. } => *report_id,
        }
    }

    /// The region path it concerns.
    pub fn region_path(&self) -> &str {
        match self {
            Self::Report { region_path, .. } | Self::Alert { region_path, .. } => region_path,
        }
    }
}

/// Publishes events and lets subscribers hear them. Cheap to clone.
#[derive(Clone)]
pub struct EventBus {
    local: broadcast::Sender<BusEvent>,
    postgres: Option<DatabaseConnection>,
}

impl EventBus {
    /// A bus for `db`: through PostgreSQL when that is the database, else in-process. On
    /// PostgreSQL, call [`EventBus::listen`] once so notifications reach local subscribers.
    pub fn new(db: &DatabaseConnection) -> Self {
        let (local, _) = broadcast::channel(1024);
        let postgres = (db.get_database_backend() == DbBackend::Postgres).then(|| db.clone());
        Self { local, postgres }
    }

    /// Publishes an event (after its transaction committed).
    pub async fn publish(&self, event: BusEvent) {
        match &self.postgres {
            Some(db) => {
                let Ok(payload) = serde_json::to_string(&event) else {
                    return;
                };
                let statement = Statement::from_sql_and_values(
                    DbBackend::Postgres,
                    "SELECT pg_notify($1, $2)",
                    [CHANNEL.into(), payload.into()],
                );
                if let Err(err) = db.execute_raw(statement).await {
                    tracing::error!(error = %err, "publishing an event");
                }
            }
            None => {
                let _nobody_listening = self.local.send(event);
            }
        }
    }

    /// A receiver of every event from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<BusEvent> {
        self.local.subscribe()
    }

    /// On PostgreSQL, forwards notifications to local subscribers until the connection is
    /// lost for good; on SQLite there is nothing to listen to.
    pub async fn listen(self, database_url: String) {
        if self.postgres.is_none() {
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
    loop {
        let notification = listener.recv().await?;
        match serde_json::from_str::<BusEvent>(notification.payload()) {
            Ok(event) => {
                let _nobody_listening = local.send(event);
            }
            Err(err) => tracing::warn!(error = %err, "an event that does not parse"),
        }
    }
}
