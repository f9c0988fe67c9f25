//! Mandatory reports and the emergency response: routing, the whole lifecycle per category,
//! illegal moves, transfer, confidentiality of the reporter, deadlines and the sweep.

use chrono::{TimeDelta, Utc};
use entity::deadline_alert;
use sea_orm::{EntityTrait, Iterable, PaginatorTrait};
use serde_json::{Value, json};
use shouhu_tests::{Role, TestApp, Tokens};

/// When the reported events happened: one instant for the whole run, so that a retry sends
/// exactly the payload of the first call, as a client's retry does.
static OCCURRED_AT: std::sync::LazyLock<&'static str> = std::sync::LazyLock::new(|| {
    String::leak((Utc::now() - chrono::TimeDelta::minutes(1)).to_rfc3339())
});

const SUBMIT: &str = "mutation($input: SubmitReportInput!) { submitReport(input: $input) { replayed report { id state category holder { name kind } deadline outcomeNotice } } }";
const MOVE: &str = "mutation($input: TransitionReportInput!) { transitionReport(input: $input) { report { state allowedMoves outcomeNotice holder { code } } } }";

async fn paired_child(app: &TestApp, teacher: &Tokens) -> Value {
    app.gql(
        Some(&teacher.access),
        "{ myPairedChildren(first: 1) { edges { node { id } } } }",
        json!({}),
    )
    .await
    .data()["myPairedChildren"]["edges"][0]["node"]["id"]
        .clone()
}

async fn submit(
    app: &TestApp,
    tokens: &Tokens,
    key: &str,
    category: &str,
    child: &Value,
) -> shouhu_tests::GqlResponse {
    app.gql(
        Some(&tokens.access),
        SUBMIT,
        json!({ "input": {
            "idempotencyKey": key,
            "category": category,
            "urgency": "IMMEDIATE",
            "narrative": "孩子独自在家，父母外出务工，家中无人照看",
            "occurredAt": *OCCURRED_AT,
            "regionId": app.region_id("652701100201").await,
            "place": "红星村3组",
            "childId": child,
            "reporterContact": "13800000000",
        } }),
    )
    .await
}

async fn step(app: &TestApp, police: &Tokens, id: &Value, mv: &str) -> shouhu_tests::GqlResponse {
    app.gql(
        Some(&police.access),
        MOVE,
        json!({ "input": { "id": id, "move": mv, "outcomeNotice": "已责令父母返回并确定受委托监护人", "note": "记录" } }),
    )
    .await
}

#[tokio::test]
async fn a_teachers_report_goes_to_the_county_police_and_a_retry_returns_it() {
    let app = TestApp::spawn().await;
    let teacher = app.login_as(Role::Teacher).await;
    let child = paired_child(&app, &teacher).await;

    let first = submit(&app, &teacher, "r-1", "LIVING_ALONE", &child).await;
    let retry = submit(&app, &teacher, "r-1", "LIVING_ALONE", &child).await;
    let reused = submit(&app, &teacher, "r-1", "MISSING", &child).await;
    let police = app
        .gql_as(
            Role::PoliceOfficer,
            "{ reports(first: 10) { edges { node { id state } } } }",
            json!({}),
        )
        .await;

    let report = &first.data()["submitReport"]["report"];
    assert_eq!(report["state"], "SUBMITTED", "{:?}", first.body);
    assert_eq!(report["holder"]["name"], "博乐市公安局");
    assert!(
        report["deadline"].is_null(),
        "the deadline is the police's field, not the reporter's"
    );
    assert_eq!(retry.data()["submitReport"]["replayed"], true);
    assert_eq!(retry.data()["submitReport"]["report"]["id"], report["id"]);
    assert_eq!(reused.code(), "CONFLICT", "a key reused for another report");
    assert_eq!(
        reused.body["errors"][0]["extensions"]["existingId"],
        report["id"]
    );
    let seen: Vec<&Value> = police.data()["reports"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["node"]["id"])
        .collect();
    assert_eq!(seen, [&report["id"]]);
}

#[tokio::test]
async fn every_category_walks_the_whole_lifecycle_to_closed() {
    let app = TestApp::spawn().await;
    let teacher = app.login_as(Role::Teacher).await;
    let police = app.login_as(Role::PoliceOfficer).await;
    let child = paired_child(&app, &teacher).await;
    let categories = [
        "LIVING_ALONE",
        "MISSING",
        "GUARDIAN_UNABLE",
        "GUARDIAN_NOT_PERFORMING",
        "SUSPECTED_DOMESTIC_VIOLENCE",
        "SUSPECTED_ACCIDENTAL_INJURY",
        "SUSPECTED_UNLAWFUL_HARM",
        "PRIVATE_PART_INJURY",
        "SEXUAL_ASSAULT_OR_PREGNANCY",
        "ABUSE_OR_BULLYING_INJURIES",
        "SELF_HARM_OR_POISONING",
        "ABANDONMENT",
        "MISSING_OR_TRAFFICKED",
        "ORGANIZED_BEGGING",
        "OTHER_SERIOUS_DANGER",
    ];
    for (n, category) in categories.iter().enumerate() {
        let submitted = submit(&app, &teacher, &format!("c-{n}"), category, &child).await;
        let id = submitted.data()["submitReport"]["report"]["id"].clone();
        for (mv, state) in [
            ("ACCEPT", "ACCEPTED"),
            ("DISPATCH", "DISPATCHED"),
            ("RESPOND", "RESPONDED"),
            ("NOTIFY_TOWNSHIP", "TOWNSHIP_NOTIFIED"),
            ("CLOSE", "CLOSED"),
        ] {
            let moved = step(&app, &police, &id, mv).await;
            assert_eq!(
                moved.data()["transitionReport"]["report"]["state"],
                state,
                "{category} {mv}: {:?}",
                moved.body
            );
        }
        let mine = app
            .gql(
                Some(&teacher.access),
                "query($id: ID!) { report(id: $id) { state outcomeNotice } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(mine.data()["report"]["state"], "CLOSED");
        assert_eq!(
            mine.data()["report"]["outcomeNotice"],
            "已责令父母返回并确定受委托监护人"
        );
    }
}

#[tokio::test]
async fn illegal_moves_name_the_allowed_ones_and_only_the_holder_moves() {
    let app = TestApp::spawn().await;
    let teacher = app.login_as(Role::Teacher).await;
    let police = app.login_as(Role::PoliceOfficer).await;
    let child = paired_child(&app, &teacher).await;
    let id = submit(&app, &teacher, "i-1", "MISSING", &child)
        .await
        .data()["submitReport"]["report"]["id"]
        .clone();

    let too_early = step(&app, &police, &id, "DISPATCH").await;
    let by_teacher = step(&app, &teacher, &id, "ACCEPT").await;
    let close_without_notice = app
        .gql(
            Some(&police.access),
            MOVE,
            json!({ "input": { "id": id, "move": "CLOSE" } }),
        )
        .await;

    assert_eq!(too_early.code(), "INVALID_TRANSITION");
    assert_eq!(
        too_early.body["errors"][0]["extensions"]["allowed"],
        json!(["ACCEPT", "TRANSFER", "MERGE"])
    );
    assert_eq!(by_teacher.code(), "FORBIDDEN");
    assert_eq!(close_without_notice.code(), "INVALID_TRANSITION");

    for mv in ["ACCEPT", "DISPATCH", "RESPOND", "NOTIFY_TOWNSHIP", "CLOSE"] {
        step(&app, &police, &id, mv).await;
    }
    for mv in ["ACCEPT", "DISPATCH", "RESPOND", "NOTIFY_TOWNSHIP", "CLOSE"] {
        let closed = step(&app, &police, &id, mv).await;
        assert_eq!(
            closed.code(),
            "INVALID_TRANSITION",
            "{mv} on a closed report"
        );
        assert_eq!(closed.body["errors"][0]["extensions"]["allowed"], json!([]));
    }
}

#[tokio::test]
async fn a_transfer_moves_the_holder() {
    let app = TestApp::spawn().await;
    let teacher = app.login_as(Role::Teacher).await;
    let police = app.login_as(Role::PoliceOfficer).await;
    let child = paired_child(&app, &teacher).await;
    let id = submit(&app, &teacher, "t-1", "LIVING_ALONE", &child)
        .await
        .data()["submitReport"]["report"]["id"]
        .clone();
    let station = app
        .gql(Some(&police.access), r#"{ organizations(filter: {nameContains: "团结镇派出所"}) { edges { node { id code } } } }"#, json!({}))
        .await
        .data()["organizations"]["edges"][0]["node"]
        .clone();

    let transferred = app
        .gql(
            Some(&police.access),
            MOVE,
            json!({ "input": { "id": id, "move": "TRANSFER", "toOrganizationId": station["id"] } }),
        )
        .await;
    let no_longer_holder = step(&app, &police, &id, "ACCEPT").await;

    assert_eq!(
        transferred.data()["transitionReport"]["report"]["holder"]["code"],
        station["code"]
    );
    assert_eq!(
        no_longer_holder.code(),
        "FORBIDDEN",
        "the county bureau still sees it, the station holds it"
    );
}

#[tokio::test]
async fn the_reporter_stays_confidential_and_the_township_sees_the_report_once_notified() {
    let app = TestApp::spawn().await;
    let teacher = app.login_as(Role::Teacher).await;
    let police = app.login_as(Role::PoliceOfficer).await;
    let child = paired_child(&app, &teacher).await;
    let id = submit(&app, &teacher, "p-1", "SUSPECTED_DOMESTIC_VIOLENCE", &child)
        .await
        .data()["submitReport"]["report"]["id"]
        .clone();
    let query =
        "query($id: ID!) { report(id: $id) { state narrative reporterName reporterContact } }";

    let supervisor_before = app
        .gql_as(Role::ChildSupervisor, query, json!({ "id": id }))
        .await;
    for mv in ["ACCEPT", "DISPATCH", "RESPOND", "NOTIFY_TOWNSHIP"] {
        step(&app, &police, &id, mv).await;
    }
    let by_police = app
        .gql(Some(&police.access), query, json!({ "id": id }))
        .await;
    let supervisor_after = app
        .gql_as(Role::ChildSupervisor, query, json!({ "id": id }))
        .await;
    let reporter = app
        .gql(Some(&teacher.access), query, json!({ "id": id }))
        .await;
    let federation = app
        .gql_as(Role::WomensFederationWorker, query, json!({ "id": id }))
        .await;
    let inbox = app
        .gql_as(
            Role::ChildSupervisor,
            "{ assignments { edges { node { subjectType responsibility } } } }",
            json!({}),
        )
        .await;

    assert_eq!(supervisor_before.data()["report"], Value::Null);
    assert!(by_police.data()["report"]["reporterName"].is_string());
    assert_eq!(by_police.data()["report"]["reporterContact"], "13800000000");
    let seen = &supervisor_after.data()["report"];
    assert!(seen["narrative"].is_string());
    assert!(seen["reporterName"].is_null() && seen["reporterContact"].is_null());
    assert_eq!(reporter.data()["report"]["state"], "TOWNSHIP_NOTIFIED");
    assert!(reporter.data()["report"]["narrative"].is_null());
    assert!(reporter.data()["report"]["reporterName"].is_null());
    assert_eq!(federation.data()["report"], Value::Null);
    assert_eq!(
        inbox.data()["assignments"]["edges"][0]["node"]["subjectType"],
        "ASSESSMENT"
    );
}

#[tokio::test]
async fn deadlines_go_overdue_and_the_sweep_raises_each_alert_once() {
    let app = TestApp::spawn().await;
    let teacher = app.login_as(Role::Teacher).await;
    let police = app.login_as(Role::PoliceOfficer).await;
    let child = paired_child(&app, &teacher).await;
    let id = submit(&app, &teacher, "d-1", "LIVING_ALONE", &child)
        .await
        .data()["submitReport"]["report"]["id"]
        .clone();
    let query = "query($id: ID!) { report(id: $id) { deadline overdue } }";

    let fresh = app
        .gql(Some(&police.access), query, json!({ "id": id }))
        .await;
    app.clock.advance(TimeDelta::minutes(31));
    let police = app.login_as(Role::PoliceOfficer).await;
    let late = app
        .gql(Some(&police.access), query, json!({ "id": id }))
        .await;
    let limits = app.state.config.report_deadlines.clone();
    let now = Utc::now() + TimeDelta::minutes(31);
    let (a, b) = tokio::join!(
        shouhu::domain::report::sweep(app.state.store(), &limits, now),
        shouhu::domain::report::sweep(app.state.store(), &limits, now),
    );
    let again =
        shouhu::domain::report::sweep(app.state.store(), &limits, now + TimeDelta::minutes(1))
            .await;
    let alerts = app
        .gql(
            Some(&police.access),
            "{ deadlineAlerts { edges { node { stage report { id } } } } }",
            json!({}),
        )
        .await;

    assert!(fresh.data()["report"]["deadline"].is_string());
    assert_eq!(fresh.data()["report"]["overdue"], false);
    assert_eq!(late.data()["report"]["overdue"], true);
    let raised = a.unwrap().raised.len() + b.unwrap().raised.len();
    assert_eq!(raised, 1, "two sweepers, one alert");
    assert!(again.unwrap().raised.is_empty(), "not raised twice");
    assert_eq!(
        deadline_alert::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        alerts.data()["deadlineAlerts"]["edges"][0]["node"]["stage"],
        "accept"
    );
    assert_eq!(
        alerts.data()["deadlineAlerts"]["edges"][0]["node"]["report"]["id"],
        id
    );
}

#[tokio::test]
async fn a_newly_overdue_report_is_alerted_however_many_alerts_were_never_acted_on() {
    use sea_orm::{ActiveModelTrait, IntoActiveModel};
    let app = TestApp::spawn().await;
    let teacher = app.login_as(Role::Teacher).await;
    let child = paired_child(&app, &teacher).await;
    submit(&app, &teacher, "n-1", "LIVING_ALONE", &child).await;
    // More than a page of the sweep's candidates, each long overdue and already alerted.
    let template = entity::report::Entity::find()
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let long_ago = Utc::now() - TimeDelta::days(30);
    let (reports, alerts): (Vec<_>, Vec<_>) = (0..1_200)
        .map(|_| {
            let report = entity::report::Model {
                id: uuid::Uuid::now_v7(),
                receipt_code: None,
                submitted_at: long_ago,
                ..template.clone()
            };
            let alert = deadline_alert::Model {
                id: uuid::Uuid::now_v7(),
                report_id: report.id,
                stage: "accept".into(),
                deadline: long_ago,
                raised_at: long_ago,
                holder_organization_id: report.holder_organization_id,
            };
            (
                report.into_active_model().reset_all(),
                alert.into_active_model().reset_all(),
            )
        })
        .unzip();
    for (reports, alerts) in reports.chunks(200).zip(alerts.chunks(200)) {
        entity::report::Entity::insert_many(reports.to_vec())
            .exec_without_returning(&app.state.db)
            .await
            .unwrap();
        deadline_alert::Entity::insert_many(alerts.to_vec())
            .exec_without_returning(&app.state.db)
            .await
            .unwrap();
    }

    let limits = app.state.config.report_deadlines.clone();
    let raised = shouhu::domain::report::sweep(
        app.state.store(),
        &limits,
        Utc::now() + TimeDelta::minutes(31),
    )
    .await
    .unwrap()
    .raised;

    assert_eq!(raised.len(), 1, "only the report not yet alerted");
    assert_eq!(raised[0].report_id, template.id);
    assert_eq!(raised[0].stage, "accept");
}

#[tokio::test]
async fn designating_a_guardian_writes_the_guardian_link() {
    let app = TestApp::spawn().await;
    let teacher = app.login_as(Role::Teacher).await;
    let police = app.login_as(Role::PoliceOfficer).await;
    let child = paired_child(&app, &teacher).await;
    let guardians = app
        .gql(
            Some(&police.access),
            "query($id: ID!) { child(id: $id) { guardians { id isPrimary } } }",
            json!({ "id": child }),
        )
        .await;
    let second = guardians.data()["child"]["guardians"][1]["id"].clone();
    let id = submit(&app, &teacher, "g-1", "LIVING_ALONE", &child)
        .await
        .data()["submitReport"]["report"]["id"]
        .clone();
    step(&app, &police, &id, "ACCEPT").await;

    let action = app
        .gql(
            Some(&police.access),
            "mutation($r: ID!, $g: ID!, $at: DateTime!) { recordEmergencyAction(input: {reportId: $r, kind: ENTRUSTED_GUARDIAN_DESIGNATED, detail: \"确定由其监护\", guardianId: $g, parentsNotified: true, takenAt: $at}) { action { kind parentsNotified } report { emergencyActions { kind } } } }",
            json!({ "r": id, "g": second, "at": Utc::now().to_rfc3339() }),
        )
        .await;
    let after = app
        .gql(
            Some(&police.access),
            "query($id: ID!) { child(id: $id) { guardians { id isPrimary isEntrusted } } }",
            json!({ "id": child }),
        )
        .await;

    assert_eq!(
        action.data()["recordEmergencyAction"]["action"]["kind"],
        "ENTRUSTED_GUARDIAN_DESIGNATED",
        "{:?}",
        action.body
    );
    let primary = after.data()["child"]["guardians"][0].clone();
    assert_eq!(primary["id"], second);
    assert_eq!(primary["isPrimary"], true);
    assert_eq!(primary["isEntrusted"], true);
}

const PUBLIC: &str =
    "mutation($input: SubmitPublicReportInput!) { submitPublicReport(input: $input) { receipt } }";

async fn public_input(app: &TestApp) -> Value {
    json!({ "input": {
        "category": "LIVING_ALONE",
        "narrative": "邻居家的孩子一个人住了好几天",
        "occurredAt": Utc::now().to_rfc3339(),
        "regionId": app.region_id("652701100201").await,
        "childDescription": "男孩，约八岁",
        "contact": "13900001111",
    } })
}

#[tokio::test]
async fn the_public_reports_without_an_account_and_sees_only_state_and_outcome() {
    let app = TestApp::spawn().await;
    let police = app.login_as(Role::PoliceOfficer).await;

    let submitted = app.gql(None, PUBLIC, public_input(&app).await).await;
    let receipt = submitted.data()["submitPublicReport"]["receipt"]
        .as_str()
        .unwrap()
        .to_owned();
    let status =
        "query($r: String!) { reportStatus(receipt: $r) { state submittedAt outcomeNotice } }";
    let before = app.gql(None, status, json!({ "r": receipt })).await;
    let held = app
        .gql(
            Some(&police.access),
            "{ reports(first: 1) { edges { node { id reporterName reporterContact } } } }",
            json!({}),
        )
        .await;
    let id = held.data()["reports"]["edges"][0]["node"]["id"].clone();
    for mv in ["ACCEPT", "DISPATCH", "RESPOND", "NOTIFY_TOWNSHIP", "CLOSE"] {
        step(&app, &police, &id, mv).await;
    }
    let after = app.gql(None, status, json!({ "r": receipt })).await;
    let unknown = app.gql(None, status, json!({ "r": "NOSUCHRECEIPT" })).await;
    let anonymous_list = app
        .gql(None, "{ reports { edges { node { id } } } }", json!({}))
        .await;

    assert_eq!(receipt.len(), 12);
    assert_eq!(
        before.data()["reportStatus"],
        json!({ "state": "SUBMITTED", "submittedAt": before.data()["reportStatus"]["submittedAt"], "outcomeNotice": null })
    );
    assert!(held.data()["reports"]["edges"][0]["node"]["reporterName"].is_null());
    assert_eq!(
        held.data()["reports"]["edges"][0]["node"]["reporterContact"],
        "13900001111"
    );
    assert_eq!(after.data()["reportStatus"]["state"], "CLOSED");
    assert_eq!(
        after.data()["reportStatus"]["outcomeNotice"],
        "已责令父母返回并确定受委托监护人"
    );
    assert_eq!(unknown.data()["reportStatus"], Value::Null);
    assert_eq!(anonymous_list.code(), "UNAUTHENTICATED");
}

#[tokio::test]
async fn public_reports_are_throttled_per_client_address() {
    let app = TestApp::spawn_with(|c| c.login.public_reports_per_address_per_hour = 2).await;
    let input = public_input(&app).await;

    let first = app.gql(None, PUBLIC, input.clone()).await;
    let second = app.gql(None, PUBLIC, input.clone()).await;
    let third = app.gql(None, PUBLIC, input).await;

    assert!(first.body["errors"].is_null(), "{:?}", first.body);
    assert!(second.body["errors"].is_null());
    assert_eq!(third.code(), "RATE_LIMITED");
}

/// Submits a report and moves it to `state` with the demo police officer.
async fn report_in(
    app: &TestApp,
    teacher: &Tokens,
    police: &Tokens,
    key: &str,
    state: &str,
) -> Value {
    let child = paired_child(app, teacher).await;
    let id = submit(app, teacher, key, "LIVING_ALONE", &child)
        .await
        .data()["submitReport"]["report"]["id"]
        .clone();
    let path: &[&str] = match state {
        "SUBMITTED" => &[],
        "ACCEPTED" => &["ACCEPT"],
        "DISPATCHED" => &["ACCEPT", "DISPATCH"],
        "RESPONDED" => &["ACCEPT", "DISPATCH", "RESPOND"],
        "TOWNSHIP_NOTIFIED" => &["ACCEPT", "DISPATCH", "RESPOND", "NOTIFY_TOWNSHIP"],
        "CLOSED" => &["ACCEPT", "DISPATCH", "RESPOND", "NOTIFY_TOWNSHIP", "CLOSE"],
        other => panic!("no such state {other}"),
    };
    for mv in path {
        step(app, police, &id, mv).await;
    }
    id
}

#[tokio::test]
async fn every_move_from_every_state_is_allowed_or_refused_as_the_workflow_says() {
    let app = TestApp::spawn().await;
    let teacher = app.login_as(Role::Teacher).await;
    let police = app.login_as(Role::PoliceOfficer).await;
    let allowed = [
        ("SUBMITTED", vec!["ACCEPT"]),
        ("ACCEPTED", vec!["DISPATCH"]),
        ("DISPATCHED", vec!["RESPOND"]),
        ("RESPONDED", vec!["NOTIFY_TOWNSHIP"]),
        ("TOWNSHIP_NOTIFIED", vec!["CLOSE"]),
        ("CLOSED", vec![]),
    ];
    let moves = ["ACCEPT", "DISPATCH", "RESPOND", "NOTIFY_TOWNSHIP", "CLOSE"];
    for (n, (state, legal)) in allowed.iter().enumerate() {
        for (m, mv) in moves.iter().enumerate() {
            let id = report_in(&app, &teacher, &police, &format!("w-{n}-{m}"), state).await;
            let response = step(&app, &police, &id, mv).await;
            if legal.contains(mv) {
                assert!(
                    response.body["errors"].is_null(),
                    "{state} {mv}: {:?}",
                    response.body
                );
            } else {
                assert_eq!(response.code(), "INVALID_TRANSITION", "{state} {mv}");
            }
        }
    }
}

#[tokio::test]
async fn a_duplicate_is_merged_into_the_first_report() {
    let app = TestApp::spawn().await;
    let teacher = app.login_as(Role::Teacher).await;
    let police = app.login_as(Role::PoliceOfficer).await;
    let first = report_in(&app, &teacher, &police, "m-1", "ACCEPTED").await;
    let duplicate = report_in(&app, &teacher, &police, "m-2", "SUBMITTED").await;

    let merged = app
        .gql(
            Some(&police.access),
            "mutation($id: ID!, $into: ID!) { transitionReport(input: {id: $id, move: MERGE, mergeIntoId: $into}) { report { state mergedIntoId allowedMoves } } }",
            json!({ "id": duplicate, "into": first }),
        )
        .await;

    let report = &merged.data()["transitionReport"]["report"];
    assert_eq!(report["state"], "MERGED", "{:?}", merged.body);
    assert_eq!(report["mergedIntoId"], first);
    assert_eq!(report["allowedMoves"], json!([]));
}

#[tokio::test]
async fn urgent_categories_must_be_dispatched_within_an_hour_others_within_two() {
    let app = TestApp::spawn().await;
    let teacher = app.login_as(Role::Teacher).await;
    let police = app.login_as(Role::PoliceOfficer).await;
    let child = paired_child(&app, &teacher).await;
    let mut windows = Vec::new();
    for (key, category) in [("u-1", "MISSING"), ("u-2", "GUARDIAN_UNABLE")] {
        let id = submit(&app, &teacher, key, category, &child).await.data()["submitReport"]["report"]["id"].clone();
        step(&app, &police, &id, "ACCEPT").await;
        let report = app
            .gql(
                Some(&police.access),
                "query($id: ID!) { report(id: $id) { acceptedAt deadline } }",
                json!({ "id": id }),
            )
            .await;
        let accepted = chrono::DateTime::parse_from_rfc3339(
            report.data()["report"]["acceptedAt"].as_str().unwrap(),
        )
        .unwrap();
        let deadline = chrono::DateTime::parse_from_rfc3339(
            report.data()["report"]["deadline"].as_str().unwrap(),
        )
        .unwrap();
        windows.push((deadline - accepted).num_minutes());
    }

    assert_eq!(windows, [60, 120]);
}

#[tokio::test]
async fn only_the_police_see_who_reported_and_the_procuratorate_supervises_without_it() {
    let app = TestApp::spawn().await;
    let teacher = app.login_as(Role::Teacher).await;
    let police = app.login_as(Role::PoliceOfficer).await;
    let id = report_in(&app, &teacher, &police, "who-1", "CLOSED").await;
    let query = "query($id: ID!) { report(id: $id) { state reporterName } }";

    for role in Role::iter() {
        let seen = app.gql_as(role, query, json!({ "id": id })).await;
        let report = &seen.data()["report"];
        match role {
            Role::PoliceOfficer => assert!(report["reporterName"].is_string(), "{role:?}"),
            // The reporter themself, and the township and civil affairs once notified.
            // The procuratorate, supervising the reports of its jurisdiction.
            Role::Teacher
            | Role::CivilAffairsOfficer
            | Role::ChildSupervisor
            | Role::Procurator => {
                assert_eq!(report["state"], "CLOSED", "{role:?}");
                assert!(report["reporterName"].is_null(), "{role:?}");
            }
            // Everyone else: the report does not exist for them.
            _ => assert_eq!(report, &Value::Null, "{role:?}"),
        }
    }
}

const INTERVENE: &str = "mutation($input: RecordInterventionInput!) { recordIntervention(input: $input) { intervention { kind grounds caseNumber revokesGuardianship } child { needsGuardian guardians { id } interventions { kind } } } }";

#[tokio::test]
async fn revoking_guardianship_leaves_the_child_needing_a_guardian_until_one_is_designated() {
    let app = TestApp::spawn().await;
    let police = app.login_as(Role::PoliceOfficer).await;
    let officer = app.login_as(Role::CivilAffairsOfficer).await;
    let teacher = app.login_as(Role::Teacher).await;
    let child = paired_child(&app, &teacher).await;
    let guardians = app
        .gql(
            Some(&officer.access),
            "query($id: ID!) { child(id: $id) { guardians { id } } }",
            json!({ "id": child }),
        )
        .await;
    let grandmother = guardians.data()["child"]["guardians"][0]["id"].clone();
    let father = guardians.data()["child"]["guardians"][1]["id"].clone();
    let today = Utc::now().date_naive().to_string();
    // How often the child's guardians, as the registration form lists them, have changed.
    let guardians_version = || async {
        use base64::Engine;
        let decoded = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(child.as_str().unwrap())
            .unwrap();
        let id: uuid::Uuid = String::from_utf8(decoded).unwrap()["Child:".len()..]
            .parse()
            .unwrap();
        entity::child::Entity::find_by_id(id)
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap()
            .guardians_version
    };
    let versions_before = guardians_version().await;
    let input = |kind: &str, guardian: &Value, extra: Value| {
        let mut input = json!({ "childId": child, "guardianId": guardian, "kind": kind, "grounds": ["REFUSED_DUTIES_SIX_MONTHS"], "decidedOn": today });
        for (k, v) in extra.as_object().unwrap() {
            input[k] = v.clone();
        }
        json!({ "input": input })
    };

    let education = app
        .gql(
            Some(&police.access),
            INTERVENE,
            input("CRITICISM_AND_EDUCATION", &father, json!({})),
        )
        .await;
    let no_case = app
        .gql(
            Some(&officer.access),
            INTERVENE,
            input(
                "REVOCATION_PETITION_FILED",
                &father,
                json!({ "petitioner": "县民政局" }),
            ),
        )
        .await;
    let petition = app
        .gql(
            Some(&officer.access),
            INTERVENE,
            input(
                "REVOCATION_PETITION_FILED",
                &father,
                json!({ "petitioner": "县民政局", "caseNumber": "(2026)新2701民特12号" }),
            ),
        )
        .await;
    let revoked = app
        .gql(
            Some(&officer.access),
            INTERVENE,
            input(
                "COURT_DECISION",
                &father,
                json!({ "caseNumber": "(2026)新2701民特12号", "revokesGuardianship": true }),
            ),
        )
        .await;
    let still_needed = app
        .gql(
            Some(&officer.access),
            "query($id: ID!) { child(id: $id) { needsGuardian } }",
            json!({ "id": child }),
        )
        .await;
    let designated = app
        .gql(
            Some(&officer.access),
            INTERVENE,
            input(
                "NEW_GUARDIAN_DESIGNATED",
                &grandmother,
                json!({ "relation": "GRANDMOTHER" }),
            ),
        )
        .await;
    let by_teacher = app
        .gql(
            Some(&teacher.access),
            INTERVENE,
            input("CRITICISM_AND_EDUCATION", &father, json!({})),
        )
        .await;

    assert_eq!(
        education.data()["recordIntervention"]["intervention"]["kind"],
        "CRITICISM_AND_EDUCATION",
        "{:?}",
        education.body
    );
    assert_eq!(
        no_case.body["errors"][0]["extensions"]["field"],
        "input.caseNumber"
    );
    assert!(petition.body["errors"].is_null(), "{:?}", petition.body);
    let after_revocation = &revoked.data()["recordIntervention"]["child"];
    assert_eq!(after_revocation["needsGuardian"], true);
    assert!(
        !after_revocation["guardians"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["id"] == father)
    );
    assert_eq!(still_needed.data()["child"]["needsGuardian"], true);
    assert_eq!(
        guardians_version().await,
        versions_before + 2,
        "the revocation and the designation each change the form's guardians"
    );
    let after_designation = &designated.data()["recordIntervention"]["child"];
    assert_eq!(after_designation["needsGuardian"], false);
    assert_eq!(after_designation["guardians"][0]["id"], grandmother);
    assert_eq!(
        after_designation["interventions"].as_array().unwrap().len(),
        4
    );
    assert_eq!(by_teacher.code(), "FORBIDDEN");
}
