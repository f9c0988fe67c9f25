//! `/metrics`: the named series, with labels only from bounded sets.

use std::{
    path::{Path, PathBuf},
    time::Duration,
};

use chrono::TimeDelta;
use serde_json::{Value, json};
use shouhu_tests::{
    DEMO_PASSWORD, GqlResponse, Role, TestApp,
    ws::{self, Opened},
};

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn sign_in_id() -> String {
    let text =
        std::fs::read_to_string(repository().join("clients/teacher-app/SignIn.graphql")).unwrap();
    format!("sha256:{}", shouhu::trusted::hash(&text))
}

async fn send(app: &TestApp, body: Value) -> GqlResponse {
    let request = app
        .client
        .post(app.graphql_url())
        .header("accept", "application/graphql-response+json")
        .header("graphql-client-name", "teacher-app")
        .json(&body);
    TestApp::read(request.send().await.unwrap()).await
}

pub(crate) async fn scrape(app: &TestApp) -> String {
    let response = app
        .client
        .get(format!("{}/metrics", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/openmetrics-text")
    );
    response.text().await.unwrap()
}

/// The value of the series whose line starts with `name{` and holds every label of `labels`.
pub(crate) fn value(text: &str, name: &str, labels: &[&str]) -> Option<f64> {
    text.lines()
        .filter(|line| {
            line.strip_prefix(name)
                .is_some_and(|rest| rest.starts_with('{') || rest.starts_with(' '))
        })
        .find(|line| labels.iter().all(|label| line.contains(label)))
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|value| value.parse().ok())
}

/// Scrapes until `ready` holds of the exposition, for up to 10 s.
async fn scrape_until(app: &TestApp, ready: impl Fn(&str) -> bool) -> String {
    for _ in 0..100 {
        let text = scrape(app).await;
        if ready(&text) {
            return text;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    scrape(app).await
}

#[tokio::test]
async fn requests_are_counted_by_trusted_operation_client_app_and_outcome() {
    let app = TestApp::spawn_with(|c| c.documents.dir = repository().join("documents")).await;
    let id = sign_in_id();
    let sign_in = |password: &str| {
        json!({
            "documentId": id,
            "variables": { "username": "demo.teacher", "password": password },
        })
    };

    let signed_in = send(&app, sign_in(DEMO_PASSWORD)).await;
    let refused = send(&app, sign_in("not the password")).await;
    let unknown = send(
        &app,
        json!({ "documentId": format!("sha256:{}", "0".repeat(64)) }),
    )
    .await;
    let ad_hoc = send(
        &app,
        json!({ "query": "query ZhangXiaomingAtHome { __typename }" }),
    )
    .await;
    let text = scrape_until(&app, |text| text.contains("PERSISTED_QUERY_NOT_FOUND")).await;

    assert!(signed_in.body["errors"].is_null(), "{:?}", signed_in.body);
    let trusted = [
        "operation=\"SignIn\"",
        "client_app=\"teacher-app\"",
        &format!("document_id=\"{id}\""),
    ];
    let requests = "shouhu_graphql_requests_total";
    let counted = |outcome: &str| {
        let mut labels = trusted.to_vec();
        let outcome = format!("outcome=\"{outcome}\"");
        labels.push(&outcome);
        value(&text, requests, &labels)
    };
    assert_eq!(counted("OK"), Some(1.0), "{text}");
    assert_eq!(counted(&refused.code()), Some(1.0), "{text}");
    assert_eq!(unknown.code(), "PERSISTED_QUERY_NOT_FOUND");
    assert_eq!(
        value(
            &text,
            requests,
            &[
                "operation=\"-\"",
                "client_app=\"-\"",
                "outcome=\"PERSISTED_QUERY_NOT_FOUND\""
            ]
        ),
        Some(1.0),
        "{text}"
    );
    // An ad-hoc document's name is the caller's: never a label.
    assert!(ad_hoc.body["errors"].is_null(), "{:?}", ad_hoc.body);
    assert!(!text.contains("ZhangXiaoming"), "{text}");
    assert_eq!(
        value(
            &text,
            requests,
            &["operation=\"-\"", "client_app=\"-\"", "outcome=\"OK\""]
        ),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        value(
            &text,
            "shouhu_graphql_request_duration_seconds_count",
            &trusted[..2]
        ),
        Some(2.0),
        "{text}"
    );
    for series in [
        "shouhu_http_requests_in_flight",
        "shouhu_subscriptions_open",
        "shouhu_audit_queue_depth",
        "shouhu_audit_unsealed_events",
        "shouhu_audit_unsealed_lag_seconds",
        "shouhu_audit_sealed_events_total",
        "shouhu_deadline_alerts_total",
        "shouhu_rate_limits_local",
    ] {
        assert!(value(&text, series, &[]).is_some(), "{series}: {text}");
    }
    for state in ["in_use", "idle"] {
        assert!(
            value(
                &text,
                "shouhu_db_pool_connections",
                &[&format!("state=\"{state}\"")]
            )
            .is_some(),
            "{text}"
        );
    }
    assert_eq!(
        value(&text, "shouhu_db_pool_connections", &["state=\"max\""]),
        Some(f64::from(app.state.config.database_max_connections)),
        "{text}"
    );
}

#[tokio::test]
async fn open_subscriptions_are_counted_while_they_run() {
    let app = TestApp::spawn().await;
    let police = app.login_as(Role::PoliceOfficer).await;
    let gauge = |text: &str| value(text, "shouhu_subscriptions_open", &[]);

    let Opened::Ready(mut socket) = ws::open(&app.address, Some(&police.access)).await else {
        panic!("the socket opens");
    };
    socket
        .subscribe("a", "subscription { deadlineAlerts { reportId stage } }")
        .await;
    let open = scrape_until(&app, |text| gauge(text) == Some(1.0)).await;
    drop(socket);
    let closed = scrape_until(&app, |text| gauge(text) == Some(0.0)).await;

    assert_eq!(gauge(&open), Some(1.0), "{open}");
    assert_eq!(gauge(&closed), Some(0.0), "{closed}");
}

#[tokio::test]
async fn the_sweeper_rounds_and_its_alerts_are_counted() {
    let app = TestApp::spawn_with(|c| c.report_deadlines.sweep_interval_secs = 1).await;
    let teacher = app.login_as(Role::Teacher).await;
    let child = app.paired_child(&teacher).await;
    app.report_living_alone(&teacher, &child, "metrics-1").await;
    let alerts = |text: &str| value(text, "shouhu_deadline_alerts_total", &[]);

    let before = scrape_until(&app, |text| {
        value(text, "shouhu_deadline_sweeps_total", &["outcome=\"ok\""]).is_some()
    })
    .await;
    app.clock.advance(TimeDelta::minutes(31));
    let after = scrape_until(&app, |text| alerts(text).is_some_and(|n| n >= 1.0)).await;

    assert_eq!(alerts(&before), Some(0.0), "{before}");
    assert!(
        value(&before, "shouhu_deadline_sweeps_total", &["outcome=\"ok\""])
            .is_some_and(|n| n >= 1.0),
        "{before}"
    );
    assert_eq!(alerts(&after), Some(1.0), "{after}");
}

#[tokio::test]
async fn unsealed_audit_events_and_their_lag_are_reported() {
    // The sealer's first round runs at start; the next not within the test.
    let app = TestApp::spawn_with(|c| c.audit.seal_interval_ms = 3_600_000).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    app.login_as(Role::Teacher).await;
    app.flush_audit().await;

    app.clock.advance(TimeDelta::minutes(10));
    let text = scrape(&app).await;

    assert!(
        value(&text, "shouhu_audit_unsealed_events", &[]).is_some_and(|n| n >= 1.0),
        "{text}"
    );
    assert!(
        value(&text, "shouhu_audit_unsealed_lag_seconds", &[]).is_some_and(|s| s >= 600.0),
        "{text}"
    );
}

#[tokio::test]
async fn with_a_token_set_metrics_answer_only_the_scraper_that_sends_it() {
    let app =
        TestApp::spawn_with(|c| c.metrics_token = Some("scraper-token-1234".to_owned().into()))
            .await;
    let get = |token: Option<&'static str>| {
        let mut request = app.client.get(format!("{}/metrics", app.address));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send()
    };

    let without = get(None).await.unwrap();
    let wrong = get(Some("scraper-token-123")).await.unwrap();
    let right = get(Some("scraper-token-1234")).await.unwrap();

    assert_eq!(without.status(), 401);
    assert_eq!(wrong.status(), 401);
    assert_eq!(right.status(), 200);
    assert!(
        right
            .text()
            .await
            .unwrap()
            .contains("shouhu_deadline_alerts_total")
    );
}
