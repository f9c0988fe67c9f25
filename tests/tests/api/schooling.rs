//! School absence and dropout follow-up: the automatic case, every legal and illegal step, and
//! the written report landing in the units' inboxes.

use chrono::{Datelike, NaiveDate, TimeDelta, Utc, Weekday};
use serde_json::{Value, json};
use shouhu_tests::{Role, TestApp, Tokens};

const ABSENCE: &str = "mutation($input: RecordAbsenceInput!) { recordAbsence(input: $input) { absences { absentOn reason } openedCase { id state allowedActions openedBecause } } }";
const FOLLOW_UP: &str = "mutation($input: FollowUpDropoutInput!) { followUpDropout(input: $input) { case { state allowedActions closedAt persuasionAttempts { byWhom outcome } } } }";

/// The Monday of the week before last, so Monday to Wednesday are school days in the past.
fn a_past_monday() -> NaiveDate {
    let today = (Utc::now() + TimeDelta::hours(8)).date_naive();
    let mut day = today - TimeDelta::days(14);
    while day.weekday() != Weekday::Mon {
        day -= TimeDelta::days(1);
    }
    day
}

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

async fn absent(
    app: &TestApp,
    teacher: &Tokens,
    child: &Value,
    from: NaiveDate,
    days: i64,
    reason: Option<&str>,
) -> shouhu_tests::GqlResponse {
    app.gql(
        Some(&teacher.access),
        ABSENCE,
        json!({ "input": { "childId": child, "from": from.to_string(), "to": (from + TimeDelta::days(days - 1)).to_string(), "reason": reason } }),
    )
    .await
}

async fn open_case(app: &TestApp) -> (Tokens, Value) {
    let teacher = app.login_as(Role::Teacher).await;
    let child = paired_child(app, &teacher).await;
    let opened = absent(app, &teacher, &child, a_past_monday(), 3, None).await;
    let case = opened.data()["recordAbsence"]["openedCase"]["id"].clone();
    assert!(case.is_string(), "{:?}", opened.body);
    (teacher, case)
}

async fn follow(app: &TestApp, tokens: &Tokens, input: Value) -> shouhu_tests::GqlResponse {
    app.gql(Some(&tokens.access), FOLLOW_UP, json!({ "input": input }))
        .await
}

fn persuade(case: &Value) -> Value {
    json!({
        "caseId": case,
        "action": "PERSUADE",
        "persuasion": { "attemptedOn": a_past_monday().to_string(), "byWhom": "班主任和村干部", "outcome": "家长同意下周送回" }
    })
}

#[tokio::test]
async fn three_school_days_without_a_reason_open_a_dropout_case_by_itself() {
    let app = TestApp::spawn().await;
    let teacher = app.login_as(Role::Teacher).await;
    let child = paired_child(&app, &teacher).await;
    let monday = a_past_monday();

    let two_days = absent(&app, &teacher, &child, monday, 2, None).await;
    let explained = absent(
        &app,
        &teacher,
        &child,
        monday + TimeDelta::days(7),
        3,
        Some("病假"),
    )
    .await;
    let third = absent(&app, &teacher, &child, monday + TimeDelta::days(2), 1, None).await;

    assert!(
        two_days.data()["recordAbsence"]["openedCase"].is_null(),
        "{:?}",
        two_days.body
    );
    assert!(explained.data()["recordAbsence"]["openedCase"].is_null());
    let case = &third.data()["recordAbsence"]["openedCase"];
    assert_eq!(case["state"], "OPEN");
    assert_eq!(case["allowedActions"], json!(["PERSUADE", "RETURNED"]));
    assert!(
        case["openedBecause"]
            .as_str()
            .unwrap()
            .contains("3 consecutive school days")
    );

    let home = app
        .gql(
            Some(&teacher.access),
            "{ myPairedChildren(first: 1) { edges { node { openAbsences { absentOn } } } } }",
            json!({}),
        )
        .await;
    let open = home.data()["myPairedChildren"]["edges"][0]["node"]["openAbsences"]
        .as_array()
        .unwrap()
        .len();
    assert!(open >= 3, "{:?}", home.body);
}

#[tokio::test]
async fn weekends_break_no_run_and_are_not_recorded() {
    let app = TestApp::spawn().await;
    let teacher = app.login_as(Role::Teacher).await;
    let child = paired_child(&app, &teacher).await;
    let thursday = a_past_monday() + TimeDelta::days(3);

    // Thursday to Monday: three school days, the weekend between them.
    let recorded = absent(&app, &teacher, &child, thursday, 5, None).await;

    let days = recorded.data()["recordAbsence"]["absences"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(days, 3);
    assert!(recorded.data()["recordAbsence"]["openedCase"].is_object());
}

#[tokio::test]
async fn every_illegal_step_is_refused_naming_the_allowed_ones() {
    let app = TestApp::spawn().await;
    let (teacher, case) = open_case(&app).await;

    let report_too_soon = follow(
        &app,
        &teacher,
        json!({ "caseId": case, "action": "REPORT_IN_WRITING", "report": "劝返无效" }),
    )
    .await;
    assert_eq!(report_too_soon.code(), "INVALID_TRANSITION");
    assert_eq!(
        report_too_soon.body["errors"][0]["extensions"]["allowed"],
        json!(["PERSUADE", "RETURNED"])
    );

    let persuaded = follow(&app, &teacher, persuade(&case)).await;
    assert_eq!(
        persuaded.data()["followUpDropout"]["case"]["state"],
        "PERSUADING"
    );
    let again = follow(&app, &teacher, persuade(&case)).await;
    assert_eq!(
        again.data()["followUpDropout"]["case"]["persuasionAttempts"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    let returned = follow(
        &app,
        &teacher,
        json!({ "caseId": case, "action": "RETURNED" }),
    )
    .await;
    assert_eq!(
        returned.data()["followUpDropout"]["case"]["state"],
        "RETURNED"
    );
    assert!(returned.data()["followUpDropout"]["case"]["closedAt"].is_string());

    for action in ["PERSUADE", "RETURNED", "REPORT_IN_WRITING"] {
        let mut input = persuade(&case);
        input["action"] = json!(action);
        input["report"] = json!("x");
        let closed = follow(&app, &teacher, input).await;
        assert_eq!(
            closed.code(),
            "INVALID_TRANSITION",
            "{action} on a returned case"
        );
        assert_eq!(closed.body["errors"][0]["extensions"]["allowed"], json!([]));
    }
}

#[tokio::test]
async fn a_written_report_lands_in_the_education_bureaus_and_the_townships_inboxes() {
    let app = TestApp::spawn().await;
    let (teacher, case) = open_case(&app).await;
    follow(&app, &teacher, persuade(&case)).await;

    let reported = follow(
        &app,
        &teacher,
        json!({ "caseId": case, "action": "REPORT_IN_WRITING", "report": "多次劝返无效，家长拒绝送回", "dueOn": (Utc::now().date_naive() + TimeDelta::days(14)).to_string() }),
    )
    .await;
    assert_eq!(
        reported.data()["followUpDropout"]["case"]["state"],
        "REPORTED",
        "{:?}",
        reported.body
    );

    let inbox = "{ assignments(filter: {statuses: [OPEN], subjectTypes: [DROPOUT_CASE]}) { edges { node { subjectType subjectId responsibility organization { kind } dueOn } } } }";
    let bureau = app
        .login("education.652701", shouhu_tests::DEMO_PASSWORD)
        .await;
    let bureau_token = bureau.data()["login"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let education = app.gql(Some(&bureau_token), inbox, json!({})).await;
    let township = app.gql_as(Role::ChildSupervisor, inbox, json!({})).await;
    let elsewhere = app.gql_as(Role::PoliceOfficer, inbox, json!({})).await;

    let lead = &education.data()["assignments"]["edges"][0]["node"];
    assert_eq!(lead["subjectType"], "DROPOUT_CASE");
    assert_eq!(lead["subjectId"], case);
    assert_eq!(lead["responsibility"], "LEAD");
    assert_eq!(lead["organization"]["kind"], "EDUCATION");
    assert!(lead["dueOn"].is_string());
    let assisting = &township.data()["assignments"]["edges"][0]["node"];
    assert_eq!(assisting["responsibility"], "ASSISTING");
    assert_eq!(assisting["organization"]["kind"], "TOWNSHIP_GOVERNMENT");
    assert_eq!(elsewhere.data()["assignments"]["edges"], json!([]));
}

#[tokio::test]
async fn absences_and_dropout_cases_follow_the_policy() {
    let app = TestApp::spawn().await;
    let teacher = app.login_as(Role::Teacher).await;
    let child = paired_child(&app, &teacher).await;
    let input = json!({ "input": { "childId": child, "from": a_past_monday().to_string(), "to": a_past_monday().to_string() } });

    let by_officer = app
        .gql_as(Role::CivilAffairsOfficer, ABSENCE, input.clone())
        .await;
    let by_head = app.gql_as(Role::SchoolHead, ABSENCE, input).await;
    let cases_by_analyst = app
        .gql_as(
            Role::Analyst,
            "{ dropoutCases { edges { node { id } } } }",
            json!({}),
        )
        .await;
    let future = absent(
        &app,
        &teacher,
        &child,
        Utc::now().date_naive() + TimeDelta::days(3),
        1,
        None,
    )
    .await;

    assert_eq!(by_officer.code(), "FORBIDDEN");
    assert!(by_head.body["errors"].is_null(), "{:?}", by_head.body);
    assert_eq!(cases_by_analyst.code(), "FORBIDDEN");
    assert_eq!(future.body["errors"][0]["extensions"]["field"], "input.to");
}

/// Walks a fresh case to `state` and returns it.
async fn case_in(app: &TestApp, state: &str) -> (Tokens, Value) {
    let (teacher, case) = open_case(app).await;
    match state {
        "OPEN" => {}
        "PERSUADING" => {
            follow(app, &teacher, persuade(&case)).await;
        }
        "RETURNED" => {
            follow(
                app,
                &teacher,
                json!({ "caseId": case, "action": "RETURNED" }),
            )
            .await;
        }
        "REPORTED" => {
            follow(app, &teacher, persuade(&case)).await;
            follow(
                app,
                &teacher,
                json!({ "caseId": case, "action": "REPORT_IN_WRITING", "report": "劝返无效" }),
            )
            .await;
        }
        other => panic!("no such state {other}"),
    }
    (teacher, case)
}

#[tokio::test]
async fn every_step_from_every_state_is_allowed_or_refused_as_the_workflow_says() {
    let table: [(&str, &str, Option<&str>); 12] = [
        ("OPEN", "PERSUADE", Some("PERSUADING")),
        ("OPEN", "RETURNED", Some("RETURNED")),
        ("OPEN", "REPORT_IN_WRITING", None),
        ("PERSUADING", "PERSUADE", Some("PERSUADING")),
        ("PERSUADING", "RETURNED", Some("RETURNED")),
        ("PERSUADING", "REPORT_IN_WRITING", Some("REPORTED")),
        ("RETURNED", "PERSUADE", None),
        ("RETURNED", "RETURNED", None),
        ("RETURNED", "REPORT_IN_WRITING", None),
        ("REPORTED", "PERSUADE", None),
        ("REPORTED", "RETURNED", None),
        ("REPORTED", "REPORT_IN_WRITING", None),
    ];
    for (from, action, to) in table {
        let app = TestApp::spawn().await;
        let (teacher, case) = case_in(&app, from).await;
        let mut input = persuade(&case);
        input["action"] = json!(action);
        input["report"] = json!("劝返无效");

        let response = follow(&app, &teacher, input).await;

        match to {
            Some(state) => assert_eq!(
                response.data()["followUpDropout"]["case"]["state"],
                state,
                "{from} {action}: {:?}",
                response.body
            ),
            None => assert_eq!(response.code(), "INVALID_TRANSITION", "{from} {action}"),
        }
    }
}

#[tokio::test]
async fn dropout_case_lists_cost_the_same_statements_for_1_or_3_cases() {
    let app = TestApp::spawn().await;
    let teacher = app.login_as(Role::Teacher).await;
    let paired = app
        .gql(
            Some(&teacher.access),
            "{ myPairedChildren(first: 3) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    let children: Vec<Value> = paired.data()["myPairedChildren"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["id"].clone())
        .collect();
    assert_eq!(children.len(), 3, "{:?}", paired.body);
    for child in &children {
        let opened = absent(&app, &teacher, child, a_past_monday(), 3, None).await;
        let case = opened.data()["recordAbsence"]["openedCase"]["id"].clone();
        let persuaded = follow(&app, &teacher, persuade(&case)).await;
        assert!(persuaded.body["errors"].is_null(), "{:?}", persuaded.body);
    }
    let query = "query($n: Int) { dropoutCases(first: $n) { edges { node { id state persuasionAttempts { byWhom outcome } } } } }";

    let one = app
        .statements_for(&teacher.access, query, json!({ "n": 1 }), "dropoutCases", 1)
        .await;
    let three = app
        .statements_for(&teacher.access, query, json!({ "n": 3 }), "dropoutCases", 3)
        .await;

    assert_eq!(one, three, "statements for 1 and 3 cases");
}
