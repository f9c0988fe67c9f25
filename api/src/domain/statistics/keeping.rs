//! The counts statistics keep, kept up to date in the background: the ledger's monthly
//! snapshots (for trends) and the closed months' visit compliance.

use std::{sync::Arc, time::Duration};

use sea_orm::DatabaseConnection;
use tokio::sync::watch;

use super::{trends, visits};
use crate::clock::Clock;

/// Keeps what statistics read from counts up to date, every `interval` until `stop` fires: the
/// ledger's snapshot of last month ([`trends::take_last`]) and the closed months' visit
/// compliance ([`visits::refresh`]).
pub async fn run(
    db: DatabaseConnection,
    clock: Arc<dyn Clock>,
    interval: Duration,
    mut stop: watch::Receiver<bool>,
) {
    let mut ticker = tokio::time::interval(interval);
    loop {
        tokio::select! {
            _ = ticker.tick() => {
                let now = clock.now();
                match trends::take_last(&db, now).await {
                    Ok(Some(month)) => tracing::info!(%month, "ledger snapshot taken"),
                    Ok(None) => {}
                    Err(err) => tracing::warn!(error = %err, "taking the ledger snapshot"),
                }
                match visits::refresh(&db, now).await {
                    Ok(taken) if !taken.is_empty() => {
                        tracing::info!(months = taken.len(), "visit compliance counted");
                    }
                    Ok(_) => {}
                    Err(err) => tracing::warn!(error = %err, "counting visit compliance"),
                }
            }
            _ = stop.changed() => break,
        }
    }
}
