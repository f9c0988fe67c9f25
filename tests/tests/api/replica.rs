//! The read replica: with `database_replica_url` set, statistics, `totalCount` and downloads
//! read a real streaming replica while rows, and everything a mutation reads, come from the
//! primary; when the replica fails, that work falls back to the primary (counted and warned
//! about) and returns to the replica once it answers again.
//!
//! These run on PostgreSQL with a streaming replica of its server (`TEST_DATABASE_REPLICA_URL`,
//! started by `.ci/replica`). The app reaches the replica through a TCP link of the test's own,
//! which the test cuts to fail the replica as a network would, without stopping the server that
//! other tests share. Pausing the replica's replay pauses it for the whole server, so the tests
//! here take turns.

use std::time::Duration;

use chrono::TimeDelta;

use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement};
use serde_json::json;
use shouhu_tests::{
    Role, TestApp, Tokens,
    db::{replica_server, same_database_on},
};
use tokio::{
    net::{TcpListener, TcpStream},
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

/// A TCP link from a port of the test's own to the replica, which the test can cut.
struct Link {
    port: u16,
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
            forwarding: None,
        }
    }

    /// Forwards every connection to the link's port to the replica.
    async fn open(&mut self, replica: &str) {
        let target = replica_address(replica);
        let listener = TcpListener::bind(("127.0.0.1", self.port)).await.unwrap();
        self.forwarding = Some(tokio::spawn(async move {
            let mut connections = JoinSet::new();
            while let Ok((mut inbound, _)) = listener.accept().await {
                let target = target.clone();
                connections.spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(&target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
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

    /// The replica's URL for the app's database, through this link.
    fn url(&self, replica: &str, database_url: &str) -> String {
        let address = replica_address(replica);
        same_database_on(replica, database_url)
            .replace(&address, &format!("127.0.0.1:{}", self.port))
    }
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
    let app = TestApp::spawn_with(|c| {
        c.database_replica_url = Some(link.url(&server, &c.database_url));
    })
    .await;
    let replica = connect(&server).await;
    replay(&replica, true).await;
    replayed(&app, &replica).await;
    let officer = app.login_as(Role::CivilAffairsOfficer).await;
    let director = app.login_as(Role::ChildDirector).await;

    let (children, total) = counted(&app, &officer).await;
    assert!(children > 0 && total > 0);
    let (served, failures, up) = replica_metrics(&app).await;
    assert!(
        served >= 2.0,
        "the count and the statistics read the replica: {served}"
    );
    assert_eq!((failures, up), (0.0, 1.0));

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
    assert_eq!(failures, 0.0);
    link.cut().await;
}

#[tokio::test]
async fn reading_work_falls_back_to_the_primary_while_the_replica_fails_and_returns_to_it() {
    let Some(server) = replica() else { return };
    let _turn = TURNS.lock().await;
    // The replica cannot be reached when the app starts: it starts anyway.
    let mut link = Link::closed().await;
    let app = TestApp::spawn_with(|c| {
        c.database_replica_url = Some(link.url(&server, &c.database_url));
        c.database_replica_retry_secs = 60;
    })
    .await;
    let replica = connect(&server).await;
    replay(&replica, true).await;
    replayed(&app, &replica).await;
    let officer = app.login_as(Role::CivilAffairsOfficer).await;

    // Down: answered from the primary, the failure counted once, and the replica left aside
    // (not waited on again) until the retry interval has passed.
    let (children, total) = counted(&app, &officer).await;
    assert_eq!(replica_metrics(&app).await, (0.0, 1.0, 0.0));
    assert_eq!(counted(&app, &officer).await, (children, total));
    let rows = usize::try_from(children).unwrap();
    assert_eq!(downloaded_rows(&app, &officer).await, rows);
    assert_eq!(replica_metrics(&app).await, (0.0, 1.0, 0.0));

    // Back: once the retry interval has passed, reading work returns to it, and counts what
    // the primary counted.
    link.open(&server).await;
    app.clock.advance(TimeDelta::seconds(61));
    assert_eq!(counted(&app, &officer).await, (children, total));
    let (served, failures, up) = replica_metrics(&app).await;
    assert!(served >= 2.0, "{served}");
    assert_eq!((failures, up), (1.0, 1.0));

    // Cut while in use: the pooled connections break, and the same answers come from the
    // primary.
    link.cut().await;
    assert_eq!(counted(&app, &officer).await, (children, total));
    let (_, failures, up) = replica_metrics(&app).await;
    assert_eq!((failures, up), (2.0, 0.0));
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
