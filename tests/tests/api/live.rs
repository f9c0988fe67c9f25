//! Live alerts over `graphql-transport-ws`: authentication at `connection_init`, events in the
//! subscriber's scope and none outside it, deadline alerts, and, on PostgreSQL, two instances
//! on one database.

use std::time::Duration;

use chrono::{TimeDelta, Utc};
use serde_json::{Value, json};
use shouhu_tests::{
    Role, TestApp, Tokens,
    ws::{self, Opened, Subscriber},
};

const EVENTS: &str = "subscription { reportEvents { reportId action state } }";

async fn ready(address: &str, token: &str) -> Subscriber {
    match ws::open(address, Some(token)).await {
        Opened::Ready(subscriber) => *subscriber,
        Opened::Closed(code) => panic!("closed with {code}"),
    }
}

async fn submit_report(app: &TestApp, address: &str, teacher: &Tokens, key: &str) -> Value {
    let village = app.region_id("652701100201").await;
    let child = app
        .gql(
            Some(&teacher.access),
            "{ myPairedChildren(first: 1) { edges { node { id } } } }",
            json!({}),
        )
        .await
        .data()["myPairedChildren"]["edges"][0]["node"]["id"]
        .clone();
    let response = app
        .client
        .post(format!("{address}/graphql"))
        .bearer_auth(&teacher.access)
        .json(&json!({
            "query": "mutation($input: SubmitReportInput!) { submitReport(input: $input) { report { id } } }",
            "variables": { "input": {
                "idempotencyKey": key,
                "category": "LIVING_ALONE",
                "urgency": "IMMEDIATE",
                "narrative": "孩子独自在家",
                "occurredAt": Utc::now().to_rfc3339(),
                "regionId": village,
                "childId": child,
            } }
        }))
        .send()
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    assert!(body["errors"].is_null(), "{body}");
    body["data"]["submitReport"]["report"]["id"].clone()
}

#[tokio::test]
async fn a_connection_without_a_valid_token_closes_with_4401_and_a_role_without_subscriptions_with_4403()
 {
    let app = TestApp::spawn().await;
    let teacher = app.login_as(Role::Teacher).await;

    let anonymous = ws::open(&app.address, None).await;
    let garbled = ws::open(&app.address, Some("not.a.token")).await;
    let teacher_socket = ws::open(&app.address, Some(&teacher.access)).await;

    assert!(matches!(anonymous, Opened::Closed(4401)));
    assert!(matches!(garbled, Opened::Closed(4401)));
    assert!(matches!(teacher_socket, Opened::Closed(4403)));
}

#[tokio::test]
async fn the_police_hear_a_report_arrive_and_the_township_only_once_notified() {
    let app = TestApp::spawn().await;
    let police = app.login_as(Role::PoliceOfficer).await;
    let supervisor = app.login_as(Role::ChildSupervisor).await;
    let teacher = app.login_as(Role::Teacher).await;
    let mut console = ready(&app.address, &police.access).await;
    let mut township = ready(&app.address, &supervisor.access).await;
    console.subscribe("1", EVENTS).await;
    township.subscribe("1", EVENTS).await;
    tokio::time::sleep(Duration::from_millis(200)).await;

    let id = submit_report(&app, &app.address, &teacher, "live-1").await;
    let arrived = console
        .next(Duration::from_secs(5))
        .await
        .expect("the police hear it");
    let township_on_submit = township.next(Duration::from_millis(700)).await;

    assert_eq!(arrived["reportEvents"]["reportId"], id);
    assert_eq!(arrived["reportEvents"]["action"], "submit");
    assert!(
        township_on_submit.is_none(),
        "not before notification: {township_on_submit:?}"
    );

    for mv in ["ACCEPT", "DISPATCH", "RESPOND", "NOTIFY_TOWNSHIP"] {
        app.gql(
            Some(&police.access),
            "mutation($id: ID!, $m: ReportMove!) { transitionReport(input: {id: $id, move: $m}) { report { state } } }",
            json!({ "id": id, "m": mv }),
        )
        .await;
    }
    let notified = township
        .next(Duration::from_secs(5))
        .await
        .expect("the township hears the notification");
    assert_eq!(notified["reportEvents"]["action"], "notify_township");
    assert_eq!(notified["reportEvents"]["state"], "township_notified");
    let mut moves = Vec::new();
    while let Some(event) = console.next(Duration::from_millis(500)).await {
        moves.push(
            event["reportEvents"]["action"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        );
    }
    assert_eq!(moves, ["accept", "dispatch", "respond", "notify_township"]);
}

#[tokio::test]
async fn deadline_alerts_reach_the_police_console_once() {
    let app = TestApp::spawn().await;
    let police = app.login_as(Role::PoliceOfficer).await;
    let teacher = app.login_as(Role::Teacher).await;
    let mut console = ready(&app.address, &police.access).await;
    console
        .subscribe("a", "subscription { deadlineAlerts { reportId stage } }")
        .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let id = submit_report(&app, &app.address, &teacher, "live-2").await;

    let limits = app.state.config.report_deadlines.clone();
    let later = Utc::now() + TimeDelta::minutes(45);
    for _ in 0..2 {
        shouhu::domain::report::sweep(app.state.store(), &limits, later)
            .await
            .unwrap();
    }

    let alert = console
        .next(Duration::from_secs(5))
        .await
        .expect("an alert");
    assert_eq!(alert["deadlineAlerts"]["reportId"], id);
    assert_eq!(alert["deadlineAlerts"]["stage"], "accept");
    assert!(
        console.next(Duration::from_millis(700)).await.is_none(),
        "once"
    );
}

#[tokio::test]
async fn on_postgresql_a_report_on_one_instance_reaches_a_subscriber_on_the_other_once() {
    if shouhu_tests::db::postgres_server().is_none() {
        // Instances share events through PostgreSQL LISTEN/NOTIFY; SQLite is one process.
        return;
    }
    let app = TestApp::spawn().await;
    let other = app.second_instance().await;
    let police = app.login_as(Role::PoliceOfficer).await;
    let teacher = app.login_as(Role::Teacher).await;
    let mut console = ready(&app.address, &police.access).await;
    console.subscribe("1", EVENTS).await;
    tokio::time::sleep(Duration::from_millis(300)).await;

    let id = submit_report(&app, &other.address, &teacher, "live-3").await;

    let arrived = console
        .next(Duration::from_secs(5))
        .await
        .expect("heard across instances");
    assert_eq!(arrived["reportEvents"]["reportId"], id);
    assert!(
        console.next(Duration::from_millis(700)).await.is_none(),
        "exactly once"
    );
}

/// The next `AccountChanged` the bus delivers, if one comes within `wait`.
async fn next_account_change(
    heard: &mut tokio::sync::broadcast::Receiver<shouhu::events::BusEvent>,
    wait: Duration,
) -> Option<uuid::Uuid> {
    tokio::time::timeout(wait, async {
        loop {
            match heard.recv().await {
                Ok(shouhu::events::BusEvent::AccountChanged { account_id }) => {
                    return Some(account_id);
                }
                Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
            }
        }
    })
    .await
    .ok()
    .flatten()
}

#[tokio::test]
async fn an_event_is_heard_once_its_change_commits_and_never_when_it_rolls_back() {
    use shouhu::events::BusEvent;
    let app = TestApp::spawn().await;
    let mut heard = app.state.events.subscribe();

    let rolled_back = uuid::Uuid::now_v7();
    let work = app.state.store().begin().await.unwrap();
    work.announce(BusEvent::AccountChanged {
        account_id: rolled_back,
    })
    .await
    .unwrap();
    drop(work);

    let committed = uuid::Uuid::now_v7();
    let work = app.state.store().begin().await.unwrap();
    work.announce(BusEvent::AccountChanged {
        account_id: committed,
    })
    .await
    .unwrap();
    assert_eq!(
        next_account_change(&mut heard, Duration::from_millis(300)).await,
        None,
        "nothing is heard before the commit, and nothing of the rolled-back change"
    );
    work.commit().await.unwrap();
    assert_eq!(
        next_account_change(&mut heard, Duration::from_secs(5)).await,
        Some(committed)
    );
    assert_eq!(
        next_account_change(&mut heard, Duration::from_millis(300)).await,
        None,
        "heard once"
    );
}
