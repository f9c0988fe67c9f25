//! Responsibility units: the plan's tasks loaded with their units, assigning, progress,
//! overdue flags, lead and assisting inboxes, and the joint meeting's numbers.

use chrono::{TimeDelta, Utc};
use entity::plan_task;
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};
use shouhu_tests::{Role, TestApp};

const INBOX: &str = "query($f: AssignmentFilter) { assignments(first: 100, filter: $f) { edges { node { id subjectType subjectId responsibility status overdue progressPercent } } } }";

fn nodes(response: &shouhu_tests::GqlResponse) -> Vec<Value> {
    response.data()["assignments"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"].clone())
        .collect()
}

/// The matrix's tasks that name every county government, lead or assisting.
fn county_government_tasks() -> usize {
    let matrix: toml::Value = toml::from_str(shouhu::demo::RESPONSIBILITY_MATRIX).unwrap();
    matrix["task"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|task| {
            ["lead", "assist"].iter().any(|side| {
                task[side]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|u| u.as_str() == Some("county_governments"))
            })
        })
        .count()
}

#[tokio::test]
async fn the_plans_fourteen_tasks_are_loaded_with_their_units() {
    let app = TestApp::spawn().await;

    let tasks = plan_task::Entity::find()
        .count(&app.state.db)
        .await
        .unwrap();
    let civil_affairs = app
        .gql_as(
            Role::Admin,
            INBOX,
            json!({ "f": { "subjectTypes": ["PLAN_TASK"] } }),
        )
        .await;

    assert_eq!(tasks, 14);
    let responsibilities: Vec<&str> = nodes(&civil_affairs)
        .iter()
        .map(|n| n["responsibility"].as_str().unwrap())
        .map(|r| if r == "LEAD" { "LEAD" } else { "ASSISTING" })
        .collect();
    assert!(
        responsibilities.contains(&"LEAD"),
        "the prefecture's civil affairs leads some tasks"
    );
    assert!(responsibilities.contains(&"ASSISTING"));
}

#[tokio::test]
async fn a_unit_reports_progress_on_an_overdue_assignment_until_done() {
    let app = TestApp::spawn().await;
    let federation = app
        .gql_as(
            Role::WomensFederationWorker,
            "{ me { organization { id } } }",
            json!({}),
        )
        .await
        .data()["me"]["organization"]["id"]
        .clone();
    let assigned = app
        .gql_as(
            Role::CivilAffairsOfficer,
            "mutation($o: ID!, $d: NaiveDate) { assignResponsibility(input: {subjectType: PLAN_TASK, subjectId: \"care.mass_organizations\", organizationId: $o, responsibility: ASSISTING, title: \"组织假期日间照料\", dueOn: $d}) { assignment { id status overdue } } }",
            json!({ "o": federation, "d": (Utc::now() - TimeDelta::days(3)).date_naive().to_string() }),
        )
        .await;
    let id = assigned.data()["assignResponsibility"]["assignment"]["id"].clone();
    assert_eq!(
        assigned.data()["assignResponsibility"]["assignment"]["overdue"],
        true,
        "{:?}",
        assigned.body
    );

    let worker = app.login_as(Role::WomensFederationWorker).await;
    let overdue = app
        .gql(
            Some(&worker.access),
            INBOX,
            json!({ "f": { "overdue": true } }),
        )
        .await;
    let progress = "mutation($id: ID!, $p: Int!) { reportAssignmentProgress(input: {assignmentId: $id, note: \"已开班\", percent: $p, evidenceRef: \"博妇发〔2026〕3号\"}) { assignment { status progressPercent overdue } } }";
    let half = app
        .gql(Some(&worker.access), progress, json!({ "id": id, "p": 50 }))
        .await;
    let backwards = app
        .gql(Some(&worker.access), progress, json!({ "id": id, "p": 20 }))
        .await;
    let done = app
        .gql(
            Some(&worker.access),
            progress,
            json!({ "id": id, "p": 100 }),
        )
        .await;
    let stranger = app
        .gql_as(Role::PoliceOfficer, progress, json!({ "id": id, "p": 100 }))
        .await;
    let by_teacher = app
        .gql_as(
            Role::Teacher,
            "mutation($o: ID!) { assignResponsibility(input: {subjectType: PLAN_TASK, subjectId: \"care.mass_organizations\", organizationId: $o, responsibility: LEAD, title: \"x\"}) { assignment { id } } }",
            json!({ "o": federation }),
        )
        .await;

    assert!(nodes(&overdue).iter().any(|n| n["id"] == id));
    assert_eq!(
        half.data()["reportAssignmentProgress"]["assignment"]["status"],
        "IN_PROGRESS"
    );
    assert_eq!(
        backwards.body["errors"][0]["extensions"]["field"],
        "input.percent"
    );
    let finished = &done.data()["reportAssignmentProgress"]["assignment"];
    assert_eq!(finished["status"], "DONE");
    assert_eq!(finished["overdue"], false);
    assert_eq!(stranger.code(), "NOT_FOUND");
    assert_eq!(by_teacher.code(), "FORBIDDEN");
}

#[tokio::test]
async fn the_inbox_separates_lead_from_assisting() {
    let app = TestApp::spawn().await;

    let lead = app
        .gql_as(
            Role::Admin,
            INBOX,
            json!({ "f": { "responsibility": "LEAD" } }),
        )
        .await;
    let assisting = app
        .gql_as(
            Role::Admin,
            INBOX,
            json!({ "f": { "responsibility": "ASSISTING" } }),
        )
        .await;

    assert!(!nodes(&lead).is_empty() && !nodes(&assisting).is_empty());
    assert!(nodes(&lead).iter().all(|n| n["responsibility"] == "LEAD"));
    assert!(
        nodes(&assisting)
            .iter()
            .all(|n| n["responsibility"] == "ASSISTING")
    );
}

#[tokio::test]
async fn the_joint_meeting_sees_every_units_numbers_exactly() {
    let app = TestApp::spawn().await;
    let federation = app
        .gql_as(
            Role::WomensFederationWorker,
            "{ me { organization { id } } }",
            json!({}),
        )
        .await
        .data()["me"]["organization"]["id"]
        .clone();
    let past = (Utc::now() - TimeDelta::days(1)).date_naive().to_string();
    let future = (Utc::now() + TimeDelta::days(30)).date_naive().to_string();
    for (task, due) in [
        ("publicity.opinion", &past),
        ("care.mass_organizations", &future),
    ] {
        app.gql_as(
            Role::CivilAffairsOfficer,
            "mutation($t: String!, $o: ID!, $d: NaiveDate) { assignResponsibility(input: {subjectType: PLAN_TASK, subjectId: $t, organizationId: $o, responsibility: ASSISTING, title: \"配合\", dueOn: $d}) { assignment { id } } }",
            json!({ "t": task, "o": federation, "d": due }),
        )
        .await;
    }

    let overview = app
        .gql_as(
            Role::CivilAffairsOfficer,
            "{ responsibilityOverview { organization { name kind } planTasks { assigned done overdue } cases { assigned } } }",
            json!({}),
        )
        .await;

    let lines = overview.data()["responsibilityOverview"]
        .as_array()
        .unwrap()
        .clone();
    let line = |name: &str| {
        lines
            .iter()
            .find(|l| l["organization"]["name"] == name)
            .cloned()
            .unwrap_or(Value::Null)
    };
    assert_eq!(
        line("博乐市妇联")["planTasks"],
        json!({ "assigned": 2, "done": 0, "overdue": 1 })
    );
    assert_eq!(
        line("博乐市人民政府")["planTasks"],
        json!({ "assigned": county_government_tasks(), "done": 0, "overdue": 0 })
    );
    assert!(lines.iter().all(|l| l["organization"]["kind"].is_string()));
}

#[tokio::test]
async fn civil_affairs_records_commendation_and_accountability_in_its_jurisdiction() {
    let app = TestApp::spawn().await;
    let officer = app.login_as(Role::CivilAffairsOfficer).await;
    let unit = |name: &'static str| {
        let app = &app;
        let officer = officer.clone();
        async move {
            app.gql(
                Some(&officer.access),
                "query($n: String) { organizations(filter: {nameContains: $n}) { edges { node { id } } } }",
                json!({ "n": name }),
            )
            .await
            .data()["organizations"]["edges"][0]["node"]["id"]
                .clone()
        }
    };
    let federation = unit("博乐市妇联").await;
    let elsewhere = unit("精河县妇联").await;
    let query = "mutation($o: ID!, $k: EvaluationKind!, $d: NaiveDate!) { recordEvaluation(input: {kind: $k, organizationId: $o, personName: \"李某\", reason: \"假期小课堂成效显著\", reference: \"博民发〔2026〕8号\", decidedOn: $d}) { evaluation { kind personName reference } } }";
    let today = Utc::now().date_naive().to_string();

    let commended = app
        .gql(
            Some(&officer.access),
            query,
            json!({ "o": federation, "k": "COMMENDATION", "d": today }),
        )
        .await;
    let outside = app
        .gql(
            Some(&officer.access),
            query,
            json!({ "o": elsewhere, "k": "ACCOUNTABILITY", "d": today }),
        )
        .await;
    let by_police = app
        .gql_as(
            Role::PoliceOfficer,
            query,
            json!({ "o": federation, "k": "COMMENDATION", "d": today }),
        )
        .await;

    assert_eq!(
        commended.data()["recordEvaluation"]["evaluation"]["kind"],
        "COMMENDATION",
        "{:?}",
        commended.body
    );
    assert_eq!(
        outside.body["errors"][0]["extensions"]["field"],
        "input.organizationId"
    );
    assert_eq!(by_police.code(), "FORBIDDEN");
}

#[tokio::test]
async fn the_overview_of_a_region_outside_the_jurisdiction_is_empty() {
    let app = TestApp::spawn().await;
    let alashankou = app.region_id("652702").await;
    let query = "query($r: ID) { responsibilityOverview(regionId: $r) { organization { name } } }";

    let own = app
        .gql_as(Role::CivilAffairsOfficer, query, json!({ "r": null }))
        .await;
    let other = app
        .gql_as(Role::CivilAffairsOfficer, query, json!({ "r": alashankou }))
        .await;

    assert!(
        !own.data()["responsibilityOverview"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert!(other.body["errors"].is_null(), "{:?}", other.body);
    assert_eq!(other.data()["responsibilityOverview"], json!([]));
}
