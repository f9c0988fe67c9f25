//! On PostgreSQL the audit trail is partitioned by month of `occurred_at` (UTC), so a month can
//! be detached and archived whole with its checkpoints. The service creates this month's
//! partition and the next ones ahead; the default partition only catches what falls outside
//! them (a clock far off).

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, DatabaseBackend};

/// Months created ahead of the current one.
const AHEAD: u32 = 2;

/// Rows of up to this many bytes stay whole in their page: an event that lists a page of
/// records is some 2,500 bytes, which PostgreSQL's default (2,032) would try, and fail, to
/// compress on every insert and every sealing (migration `m20261202_000016` sets the same on the
/// partitions made before it).
const TOAST_TUPLE_TARGET: u32 = 8160;

/// The partition's name and range for the month of `day`.
fn partition(day: NaiveDate) -> Option<(String, NaiveDate, NaiveDate)> {
    let start = NaiveDate::from_ymd_opt(day.year(), day.month(), 1)?;
    let end = start.checked_add_months(chrono::Months::new(1))?;
    Some((
        format!("audit_event_y{:04}m{:02}", start.year(), start.month()),
        start,
        end,
    ))
}

/// Creates the partitions of this month and the next [`AHEAD`] when missing; nothing on SQLite.
/// A month whose rows already went to the default partition cannot get its own: that is logged,
/// and the rows stay readable where they are.
pub async fn ensure(db: &impl ConnectionTrait, now: DateTime<Utc>) {
    if db.get_database_backend() != DatabaseBackend::Postgres {
        return;
    }
    let today = now.date_naive();
    for ahead in 0..=AHEAD {
        let Some((name, start, end)) = today
            .checked_add_months(chrono::Months::new(ahead))
            .and_then(partition)
        else {
            continue;
        };
        let statement = format!(
            "CREATE TABLE IF NOT EXISTS {name} PARTITION OF audit_event \
             FOR VALUES FROM ('{start} 00:00:00+00') TO ('{end} 00:00:00+00') \
             WITH (toast_tuple_target = {TOAST_TUPLE_TARGET})"
        );
        if let Err(err) = db.execute_unprepared(&statement).await {
            tracing::error!(partition = %name, error = %err, "creating an audit partition");
        }
    }
}
