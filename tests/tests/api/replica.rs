//! The read replica: with `database_replica_url` set, statistics, `totalCount` and downloads
//! read a real streaming replica while rows, and everything a mutation reads, come from the
//! primary; when the replica fails, stalls, or is no replica of the primary, that work falls
//! back to the primary (counted and warned about) and returns to the replica once its check
//! finds it sound again.
//!
//! These run on PostgreSQL with a streaming replica of its server (`TEST_DATABASE_REPLICA_URL`,
//! started by `.ci/replica`). The app reaches the replica through a TCP link of the test's own,
//! which the test cuts or stalls as a network would fail, without stopping the server that other
//! tests share. Pausing the replica's replay pauses it for the whole server, so the tests here
//! take turns, and a test that pauses it resumes it however it ends.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement};
use serde_json::json;
use shouhu::config::Config;
use shouhu_tests::{
    Role, TestApp, Tokens,
    db::{replica_server, same_database_on},
};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream, tcp::OwnedReadHalf, tcp::OwnedWriteHalf},
    sync::Mutex,
    task::{JoinHandle, JoinSet},
};

use crate::{
    ledger::{REGISTER, form},
    metrics::{scrape, value},
};

/// The tests here take turns: one pauses the replica's replay, which another would wait on.
static TURNS: Mutex<()> = Mutex::const_new(());

const CHILDREN_COUNTED: &str = "{ children(first: 1) { totalCount } }";
const CHILD_STATISTICS: &str = "{ childStatistics(level: COUNTY) { total } }";

/// A TCP link from a port of the test's own to the replica, which the test can cut or stall.
struct Link {
    port: u16,
    stalled: Arc<AtomicBool>,
    forwarding: Option<JoinHandle<()>>,
}

impl Link {
    /// A link on a free port that is not open yet: nothing answers there until
    /// [`Link::open`].
    async fn closed() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        Self {
            port,
            stalled: Arc::default(),
            forwarding: None,
        }
    }

    /// Forwards every connection to the link's port to the replica.
    async fn open(&mut self, replica: &str) {
        let target = replica_address(replica);
        let listener = TcpListener::bind(("127.0.0.1", self.port)).await.unwrap();
        let stalled = Arc::clone(&self.stalled);
        self.forwarding = Some(tokio::spawn(async move {
            let mut connections = JoinSet::new();
            while let Ok((inbound, _)) = listener.accept().await {
                let target = target.clone();
                let stalled = Arc::clone(&stalled);
                connections.spawn(async move {
                    if let Ok(outbound) = TcpStream::connect(&target).await {
                        let (from_app, to_app) = inbound.into_split();
                        let (from_replica, to_replica) = outbound.into_split();
                        tokio::join!(
                            pump(from_app, to_replica, Arc::clone(&stalled)),
                            pump(from_replica, to_app, stalled),
                        );
                    }
                });
            }
        }));
    }

    /// Closes the port and every connection through it, as a failed network would.
    async fn cut(&mut self) {
        if let Some(forwarding) = self.forwarding.take() {
            forwarding.abort();
            let _ = forwarding.await;
        }
    }

    /// Holds every byte either way while `stalled`, the connections left open: a replica
    /// that hangs.
    fn stall(&self, stalled: bool) {
        self.stalled.store(stalled, Ordering::SeqCst);
    }

    /// The replica's URL for the app's database, through this link.
    fn url(&self, replica: &str, database_url: &str) -> String {
        let address = replica_address(replica);
        same_database_on(replica, database_url)
            .replace(&address, &format!("127.0.0.1:{}", self.port))
    }
}

/// Copies `from` to `to`, holding what it reads while `stalled`.
async fn pump(mut from: OwnedReadHalf, mut to: OwnedWriteHalf, stalled: Arc<AtomicBool>) {
    let mut buffer = vec![0_u8; 16 * 1024];
    loop {
        let read = match from.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(read) => read,
        };
        while stalled.load(Ordering::SeqCst) {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        if to.write_all(&buffer[..read]).await.is_err() {
            return;
        }
    }
}

/// Resumes the replica's replay when dropped, however the test that paused it ends.
struct Resume(String);

impl Drop for Resume {
    fn drop(&mut self) {
        let server = self.0.clone();
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime");
            runtime.block_on(async {
                if let Ok(replica) = Database::connect(&server).await {
                    let _ = replica
                        .execute_unprepared("SELECT pg_wal_replay_resume()")
                        .await;
                }
            });
        })
        .join();
    }
}

/// The app with its replica reached through `link`, checked every second, and settings
/// adjusted by `adjust`.
async fn spawn_through(link: &Link, server: &str, adjust: impl FnOnce(&mut Config)) -> TestApp {
    TestApp::spawn_with(|c| {
        c.database_replica_url = Some(link.url(server, &c.database_url));
        c.database_replica_check_secs = 1;
        adjust(c);
    })
    .await
}

/// `host:port` of a PostgreSQL URL.
fn replica_address(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let rest = rest.rsplit_once('@').map_or(rest, |(_, rest)| rest);
    rest.split('/').next().unwrap_or(rest).to_owned()
}

/// The replica, or `None` (and a note) when the tests do not run on PostgreSQL with one.
fn replica() -> Option<String> {
    let replica = replica_server();
    if replica.is_none() {
        eprintln!(
            "no TEST_DATABASE_REPLICA_URL with TEST_DATABASE_URL: the replica is tested on \
             PostgreSQL only"
        );
    }
    replica
}

async fn connect(url: &str) -> DatabaseConnection {
    Database::connect(url).await.expect("the server answers")
}

/// Waits until the replica has replayed everything the app's primary has written.
async fn replayed(app: &TestApp, replica: &DatabaseConnection) {
    let position = app
        .state
        .db
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT pg_current_wal_lsn()::text AS lsn",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<String>("", "lsn")
        .unwrap();
    for _ in 0..600 {
        let caught_up = replica
            .query_one_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS done",
                [position.clone().into()],
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get::<bool>("", "done")
            .unwrap();
        if caught_up {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the replica did not replay the primary's changes within 30 s");
}

/// Pauses or resumes the replica's replay of the primary's changes.
async fn replay(replica: &DatabaseConnection, on: bool) {
    let call = if on {
        "SELECT pg_wal_replay_resume()"
    } else {
        "SELECT pg_wal_replay_pause()"
    };
    replica.execute_unprepared(call).await.unwrap();
}

/// How many statements of reading work the replica has served, the failures counted, and
/// whether it is taken to answer, from `/metrics`.
async fn replica_metrics(app: &TestApp) -> (f64, f64, f64) {
    let text = scrape(app).await;
    let served = value(
        &text,
        "shouhu_db_replica_reads_total",
        &["served_by=\"replica\""],
    )
    .unwrap_or(0.0);
    let failures = value(&text, "shouhu_db_replica_fallbacks_total", &[]).unwrap_or(0.0);
    let up = value(&text, "shouhu_db_replica_up", &[]).unwrap_or(-1.0);
    (served, failures, up)
}

/// Scrapes until the replica metrics satisfy `ready`, for up to 15 s; answers the last.
async fn replica_metrics_until(
    app: &TestApp,
    ready: impl Fn((f64, f64, f64)) -> bool,
) -> (f64, f64, f64) {
    let mut last = replica_metrics(app).await;
    for _ in 0..150 {
        if ready(last) {
            return last;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        last = replica_metrics(app).await;
    }
    panic!("the replica's metrics never became as expected: {last:?}");
}

/// The officer's children as `totalCount` counts them, and as `childStatistics` does.
async fn counted(app: &TestApp, officer: &Tokens) -> (i64, i64) {
    let children = app
        .gql(Some(&officer.access), CHILDREN_COUNTED, json!({}))
        .await;
    assert!(children.body["errors"].is_null(), "{:?}", children.body);
    let statistics = app
        .gql(Some(&officer.access), CHILD_STATISTICS, json!({}))
        .await;
    assert!(statistics.body["errors"].is_null(), "{:?}", statistics.body);
    (
        children.data()["children"]["totalCount"].as_i64().unwrap(),
        statistics.data()["childStatistics"]["total"]
            .as_i64()
            .unwrap(),
    )
}

/// The rows of the officer's whole ledger downloaded as CSV, headings left out.
async fn downloaded_rows(app: &TestApp, officer: &Tokens) -> usize {
    let response = app
        .client
        .get(format!("{}/exports/ledger.csv", app.address))
        .bearer_auth(&officer.access)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body = response.bytes().await.unwrap();
    csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(&body[3..])
        .records()
        .count()
}

#[tokio::test]
async fn statistics_counts_and_downloads_read_the_replica_while_rows_and_mutations_read_the_primary()
 {
    let Some(server) = replica() else { return };
    let _turn = TURNS.lock().await;
    let mut link = Link::closed().await;
    link.open(&server).await;
    let app = spawn_through(&link, &server, |_| {}).await;
    let replica = connect(&server).await;
    let _resume = Resume(server.clone());
    replay(&replica, true).await;
    replayed(&app, &replica).await;
    // (Checked as the app started, the replica may not have replayed its database yet.)
    let (_, failed, _) = replica_metrics_until(&app, |(_, _, up)| up == 1.0).await;
    let officer = app.login_as(Role::CivilAffairsOfficer).await;
    let director = app.login_as(Role::ChildDirector).await;

    let (children, total) = counted(&app, &officer).await;
    assert!(children > 0 && total > 0);
    let (served, failures, up) = replica_metrics(&app).await;
    assert!(
        served >= 2.0,
        "the count and the statistics read the replica: {served}"
    );
    assert_eq!((failures, up), (failed, 1.0));

    // With the replay paused, a child registered now is on the primary only.
    replay(&replica, false).await;
    let registered = app
        .gql(
            Some(&director.access),
            REGISTER,
            json!({ "input": form(&app, 611).await }),
        )
        .await;
    assert!(registered.body["errors"].is_null(), "{:?}", registered.body);
    let id = registered.data()["registerChild"]["child"]["id"].clone();
    assert_eq!(
        replica_metrics(&app).await.0,
        served,
        "a mutation reads nothing from the replica"
    );

    // Rows come from the primary; counts and statistics from the replica, which has not seen
    // the child yet.
    let found = app
        .gql(
            Some(&officer.access),
            "query($id: ID!) { child(id: $id) { name } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        found.data()["child"]["name"],
        "测试女孩",
        "{:?}",
        found.body
    );
    assert_eq!(counted(&app, &officer).await, (children, total));

    // A download does not read a replica that lags behind: it reads the primary.
    let rows = usize::try_from(children + 1).unwrap();
    assert_eq!(downloaded_rows(&app, &officer).await, rows);
    let text = scrape(&app).await;
    assert_eq!(
        value(&text, "shouhu_db_replica_behind_total", &[]),
        Some(1.0)
    );

    replay(&replica, true).await;
    replayed(&app, &replica).await;
    assert_eq!(counted(&app, &officer).await, (children + 1, total + 1));
    // Caught up, the download reads the replica.
    let (before, _, _) = replica_metrics(&app).await;
    assert_eq!(downloaded_rows(&app, &officer).await, rows);
    let (after, failures, _) = replica_metrics(&app).await;
    assert!(after > before, "the download read the replica");
    assert_eq!(failures, failed);
    link.cut().await;
}

#[tokio::test]
async fn a_replica_left_behind_while_the_service_was_down_is_not_read_until_it_catches_up() {
    let Some(server) = replica() else { return };
    let _turn = TURNS.lock().await;
    let app = TestApp::spawn().await;
    let replica = connect(&server).await;
    let _resume = Resume(server.clone());
    replay(&replica, true).await;
    replayed(&app, &replica).await;
    // While the service is down the replica falls behind: a child is registered that it has
    // not replayed when the service starts again, long before `max_lag` (30 s) has passed.
    let officer = app.login_as(Role::CivilAffairsOfficer).await;
    let (children, total) = counted(&app, &officer).await;
    replay(&replica, false).await;
    let director = app.login_as(Role::ChildDirector).await;
    let registered = app
        .gql(
            Some(&director.access),
            REGISTER,
            json!({ "input": form(&app, 612).await }),
        )
        .await;
    assert!(registered.body["errors"].is_null(), "{:?}", registered.body);
    let app = app
        .restart_with(|c| {
            c.database_replica_url = Some(same_database_on(&server, &c.database_url));
            c.database_replica_check_secs = 1;
        })
        .await;
    let officer = app.login_as(Role::CivilAffairsOfficer).await;

    // Its checks find it behind: it is waited for, not read, and not counted as failed.
    let counts = (children + 1, total + 1);
    assert_eq!(counted(&app, &officer).await, counts);
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(counted(&app, &officer).await, counts);
    assert_eq!(replica_metrics(&app).await, (0.0, 0.0, 0.0));

    // Caught up, it is taken into use and counts what the primary counted.
    replay(&replica, true).await;
    replica_metrics_until(&app, |(_, _, up)| up == 1.0).await;
    assert_eq!(counted(&app, &officer).await, counts);
    let (served, failures, _) = replica_metrics(&app).await;
    assert!(served >= 2.0, "{served}");
    assert_eq!(failures, 0.0);
}

#[tokio::test]
async fn reading_work_falls_back_to_the_primary_while_the_replica_fails_and_returns_to_it() {
    let Some(server) = replica() else { return };
    let _turn = TURNS.lock().await;
    // The replica cannot be reached when the app starts: it starts anyway, and the first check
    // sets the replica aside.
    let mut link = Link::closed().await;
    let app = spawn_through(&link, &server, |_| {}).await;
    let replica = connect(&server).await;
    replay(&replica, true).await;
    replayed(&app, &replica).await;
    let officer = app.login_as(Role::CivilAffairsOfficer).await;
    replica_metrics_until(&app, |(_, failures, _)| failures == 1.0).await;

    // Set aside: answered from the primary, the replica not waited on.
    let (children, total) = counted(&app, &officer).await;
    let rows = usize::try_from(children).unwrap();
    assert_eq!(downloaded_rows(&app, &officer).await, rows);
    assert_eq!(replica_metrics(&app).await, (0.0, 1.0, 0.0));

    // Back: its check finds it sound and takes it back; it counts what the primary counted.
    link.open(&server).await;
    replica_metrics_until(&app, |(_, _, up)| up == 1.0).await;
    assert_eq!(counted(&app, &officer).await, (children, total));
    let (served, failures, _) = replica_metrics(&app).await;
    assert!(served >= 2.0, "{served}");
    assert_eq!(failures, 1.0);

    // Cut while in use: the pooled connections break, the same answers come from the primary,
    // and the replica is set aside once more.
    link.cut().await;
    assert_eq!(counted(&app, &officer).await, (children, total));
    replica_metrics_until(&app, |(_, failures, up)| failures == 2.0 && up == 0.0).await;
}

#[tokio::test]
async fn a_replica_that_hangs_is_abandoned_within_the_timeout_and_taken_back_when_it_answers() {
    let Some(server) = replica() else { return };
    let _turn = TURNS.lock().await;
    let mut link = Link::closed().await;
    link.open(&server).await;
    let app = spawn_through(&link, &server, |c| c.database_replica_timeout_secs = 2).await;
    let replica = connect(&server).await;
    replay(&replica, true).await;
    replayed(&app, &replica).await;
    // (Checked as the app started, the replica may not have replayed its database yet.)
    let (_, failed, _) = replica_metrics_until(&app, |(_, _, up)| up == 1.0).await;
    let officer = app.login_as(Role::CivilAffairsOfficer).await;
    let (children, total) = counted(&app, &officer).await;

    // The connections stay open and nothing comes back: the statement is abandoned after 2 s
    // and answered by the primary.
    link.stall(true);
    let started = std::time::Instant::now();
    assert_eq!(counted(&app, &officer).await, (children, total));
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
    let (_, failures, up) = replica_metrics(&app).await;
    assert_eq!((failures, up), (failed + 1.0, 0.0));

    link.stall(false);
    replica_metrics_until(&app, |(_, _, up)| up == 1.0).await;
    let (before, _, _) = replica_metrics(&app).await;
    assert_eq!(counted(&app, &officer).await, (children, total));
    assert!(
        replica_metrics(&app).await.0 > before,
        "the replica is read again"
    );
    link.cut().await;
}

#[tokio::test]
async fn a_server_that_is_not_a_replica_of_the_primary_is_never_read() {
    let Some(server) = replica() else { return };
    // The primary itself, named as its replica: it replays nothing. And the replica, named
    // with another database than the primary's: it would refuse every read.
    let wrong: [fn(&str, &str) -> String; 2] = [
        |_, primary| primary.to_owned(),
        |replica, _| replica.to_owned(),
    ];
    for named in wrong {
        let app = TestApp::spawn_with(|c| {
            c.database_replica_url = Some(named(&server, &c.database_url));
            c.database_replica_check_secs = 1;
        })
        .await;
        let officer = app.login_as(Role::CivilAffairsOfficer).await;

        replica_metrics_until(&app, |(_, failures, up)| failures == 1.0 && up == 0.0).await;
        let (children, _) = counted(&app, &officer).await;
        assert!(children > 0);
        tokio::time::sleep(Duration::from_millis(1500)).await;
        assert_eq!(
            replica_metrics(&app).await,
            (0.0, 1.0, 0.0),
            "never read, set aside, and kept aside by every check"
        );
    }
}

#[tokio::test]
async fn a_replica_is_only_taken_for_a_postgresql_primary_and_named_as_postgresql() {
    let config = |replica: &str| {
        let mut config = shouhu_tests::test_config("sqlite::memory:", std::path::Path::new("x"));
        config.database_replica_url = Some(replica.to_owned());
        config
    };
    for refused in [
        config("postgres://postgres@127.0.0.1:5433/shouhu"),
        config("sqlite://replica.db"),
    ] {
        let error = shouhu::app::Application::build(refused)
            .await
            .err()
            .expect("refused");
        assert!(
            error.to_string().contains("database_replica_url"),
            "{error}"
        );
    }
}

#[tokio::test]
async fn a_replica_whose_connections_are_all_busy_sends_reading_work_to_the_primary_and_stays_in_use()
 {
    let Some(server) = replica() else { return };
    let _turn = TURNS.lock().await;
    let mut link = Link::closed().await;
    link.open(&server).await;
    let app = spawn_through(&link, &server, |c| c.database_max_connections = 3).await;
    let replica = connect(&server).await;
    replayed(&app, &replica).await;
    let officer = app.login_as(Role::CivilAffairsOfficer).await;
    replica_metrics_until(&app, |(_, _, up)| up == 1.0).await;
    let expected = counted(&app, &officer).await;
    let (_, failures, _) = replica_metrics(&app).await;
    let primary_reads = || async {
        value(
            &scrape(&app).await,
            "shouhu_db_replica_reads_total",
            &["served_by=\"primary\""],
        )
        .unwrap_or(0.0)
    };
    let on_primary = primary_reads().await;

    // Every connection of the replica's pool held by a long statement of reading work.
    let held: Vec<_> = (0..3)
        .map(|_| {
            let reader = app.state.reader.clone();
            tokio::spawn(async move {
                reader
                    .query_one_raw(Statement::from_string(
                        DbBackend::Postgres,
                        "SELECT pg_sleep(8.25)",
                    ))
                    .await
            })
        })
        .collect();
    // Until the replica runs all three (each reading can wait 2 s for a connection, so two
    // readings take 4 s of the 8).
    let running = Statement::from_string(
        DbBackend::Postgres,
        "SELECT count(*) AS n FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(8.25)'",
    );
    let mut on_the_replica = 0_i64;
    for _ in 0..50 {
        on_the_replica = replica
            .query_one_raw(running.clone())
            .await
            .unwrap()
            .unwrap()
            .try_get("", "n")
            .unwrap();
        if on_the_replica == 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(on_the_replica, 3, "the replica runs the three statements");

    // Busy, not failing: the same answers come from the primary, and the replica stays in use.
    assert_eq!(counted(&app, &officer).await, expected);
    assert!(primary_reads().await >= on_primary + 2.0);
    let (_, failures_now, up) = replica_metrics(&app).await;
    assert_eq!((failures_now, up), (failures, 1.0), "not set aside");
    for statement in held {
        statement.await.unwrap().unwrap();
    }

    // Free again: reading work goes back to the replica at once, no check needed.
    let (served, _, _) = replica_metrics(&app).await;
    assert_eq!(counted(&app, &officer).await, expected);
    let (served_after, failures_after, _) = replica_metrics(&app).await;
    assert!(served_after >= served + 2.0, "{served} then {served_after}");
    assert_eq!(failures_after, failures);
}
