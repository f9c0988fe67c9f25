//! Responsibility units: the plan's tasks loaded with their units, assigning, progress,
//! overdue flags, lead and assisting inboxes, and the joint meeting's numbers, now and month by
//! month.

use chrono::{DateTime, Datelike, Months, NaiveDate, TimeDelta, Utc};
use entity::{assignment, organization, plan_task, region};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};
use shouhu::clock::Clock;
use shouhu_tests::{Role, TestApp, gid};

const INBOX: &str = "query($f: AssignmentFilter) { assignments(first: 100, filter: $f) { edges { node { id subjectType subjectId responsibility status overdue progressPercent } } } }";

fn nodes(response: &shouhu_tests::GqlResponse) -> Vec<Value> {
    response.data()["assignments"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"].clone())
        .collect()
}

/// The Women's Federation worker's unit (the demo's county federation).
async fn federation(app: &TestApp) -> Value {
    app.gql_as(
        Role::WomensFederationWorker,
        "{ me { organization { id } } }",
        json!({}),
    )
    .await
    .data()["me"]["organization"]["id"]
        .clone()
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
async fn the_plans_fifteen_tasks_are_loaded_with_their_units() {
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

    // The fourteen of the plan's part 2, and the implementation scheme of part 3 (㈣).
    assert_eq!(tasks, 15);
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
    let federation = federation(&app).await;
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
    let federation = federation(&app).await;
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
    // Every county's implementation scheme is due on 25 February (「2月25日前报」).
    let today = (Utc::now() + TimeDelta::hours(8)).date_naive();
    let scheme_due =
        chrono::NaiveDate::from_ymd_opt(chrono::Datelike::year(&today), 2, 25).unwrap();
    assert_eq!(
        line("博乐市人民政府")["planTasks"],
        json!({ "assigned": county_government_tasks(), "done": 0, "overdue": u64::from(today > scheme_due) })
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

/// One kind of assignment's counts in a month, as `responsibilityTrend` answers them.
fn month_counts(
    rows: &[&assignment::Model],
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    due_from: NaiveDate,
) -> Value {
    let done_within = |a: &assignment::Model| a.done_at.is_some_and(|at| at >= start && at < end);
    let open = |a: &assignment::Model| a.created_at < end && a.done_at.is_none_or(|at| at >= end);
    json!({
        "assigned": rows.iter().filter(|a| a.created_at >= start && a.created_at < end).count(),
        "done": rows.iter().filter(|a| done_within(a)).count(),
        "open": rows.iter().filter(|a| open(a)).count(),
        "overdue": rows.iter().filter(|a| open(a) && a.due_on.is_some_and(|due| due < due_from)).count(),
    })
}

/// The first instant of the month `day` falls in, where the ledger lives (UTC+8).
fn month_start(day: NaiveDate) -> DateTime<Utc> {
    let first = day.with_day(1).unwrap();
    first.and_hms_opt(0, 0, 0).unwrap().and_utc() - TimeDelta::hours(8)
}

fn china_date(at: DateTime<Utc>) -> NaiveDate {
    (at + TimeDelta::hours(8)).date_naive()
}

#[tokio::test]
async fn the_joint_meetings_trend_counts_every_unit_and_month_exactly_from_the_assignments() {
    let app = TestApp::spawn().await;
    let started = app.clock.now();
    let federation = federation(&app).await;
    let assign = "mutation($t: String!, $o: ID!, $d: NaiveDate) { assignResponsibility(input: {subjectType: PLAN_TASK, subjectId: $t, organizationId: $o, responsibility: ASSISTING, title: \"配合\", dueOn: $d}) { assignment { id } } }";
    let mut ids = Vec::new();
    for (task, due_in) in [("publicity.opinion", 10), ("care.mass_organizations", 40)] {
        let due = china_date(started + TimeDelta::days(due_in)).to_string();
        let assigned = app
            .gql_as(
                Role::CivilAffairsOfficer,
                assign,
                json!({ "t": task, "o": federation, "d": due }),
            )
            .await;
        ids.push(assigned.data()["assignResponsibility"]["assignment"]["id"].clone());
    }
    // Five weeks later, in another month, the first is done; the second is still open and
    // not yet due.
    app.clock.advance(TimeDelta::days(35));
    let worker = app.login_as(Role::WomensFederationWorker).await;
    let done = app
        .gql(
            Some(&worker.access),
            "mutation($id: ID!) { reportAssignmentProgress(input: {assignmentId: $id, note: \"完成\", percent: 100}) { assignment { status } } }",
            json!({ "id": ids[0] }),
        )
        .await;
    assert_eq!(
        done.data()["reportAssignmentProgress"]["assignment"]["status"],
        "DONE",
        "{:?}",
        done.body
    );

    let first_month = china_date(started).with_day(1).unwrap();
    let officer = app.login_as(Role::CivilAffairsOfficer).await;
    let asked = app.clock.now();
    let trend = app
        .gql(
            Some(&officer.access),
            "query($from: NaiveDate) { responsibilityTrend(from: $from) { organization { id name } months { month live planTasks { assigned done open overdue } cases { assigned done open overdue } } } }",
            json!({ "from": first_month.to_string() }),
        )
        .await;
    assert!(trend.body["errors"].is_null(), "{:?}", trend.body);

    // Counted here from every assignment of the units in the officer's jurisdiction.
    let officer_path = app.home_path("demo.civil_affairs_officer").await;
    let regions: std::collections::HashMap<uuid::Uuid, String> = region::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.id, r.path))
        .collect();
    let units: std::collections::HashMap<uuid::Uuid, String> = organization::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .filter(|o| {
            regions[&o.region_id] == officer_path
                || regions[&o.region_id].starts_with(&format!("{officer_path}/"))
        })
        .map(|o| (o.id, o.name))
        .collect();
    let assignments = assignment::Entity::find().all(&app.state.db).await.unwrap();
    let today = china_date(asked);
    let mut months = Vec::new();
    let mut month = first_month;
    while month <= today {
        let next = month.checked_add_months(Months::new(1)).unwrap();
        let live = next > today;
        months.push((
            month,
            month_start(month),
            if live { asked } else { month_start(next) },
            if live { today } else { next },
            live,
        ));
        month = next;
    }
    assert!(months.len() >= 2, "the five weeks span two months at least");
    let expected: std::collections::BTreeMap<String, Value> = units
        .iter()
        .filter_map(|(id, name)| {
            let own: Vec<&assignment::Model> = assignments
                .iter()
                .filter(|a| a.organization_id == *id)
                .collect();
            if !own.iter().any(|a| a.created_at < asked) {
                return None;
            }
            let (plan, cases): (Vec<&assignment::Model>, Vec<&assignment::Model>) = own
                .into_iter()
                .partition(|a| a.subject_type == entity::enums::SubjectType::PlanTask);
            let lines: Vec<Value> = months
                .iter()
                .map(|&(month, start, end, due_from, live)| {
                    json!({
                        "month": month.format("%Y-%m").to_string(),
                        "live": live,
                        "planTasks": month_counts(&plan, start, end, due_from),
                        "cases": month_counts(&cases, start, end, due_from),
                    })
                })
                .collect();
            Some((format!("{name} {}", gid("Organization", *id)), json!(lines)))
        })
        .collect();
    let answered: std::collections::BTreeMap<String, Value> = trend.data()["responsibilityTrend"]
        .as_array()
        .unwrap()
        .iter()
        .map(|unit| {
            let organization = &unit["organization"];
            (
                format!(
                    "{} {}",
                    organization["name"].as_str().unwrap(),
                    organization["id"]
                ),
                unit["months"].clone(),
            )
        })
        .collect();
    assert_eq!(answered.len(), expected.len());
    assert_eq!(answered, expected);

    // The two assignments as the federation's months tell them: both assigned in the first
    // month, the first done in the last, the second open and not overdue there.
    let federation_months = &answered
        .iter()
        .find(|(name, _)| name.starts_with("博乐市妇联 "))
        .unwrap()
        .1;
    let first = &federation_months[0]["planTasks"];
    let last = &federation_months[months.len() - 1]["planTasks"];
    assert!(first["assigned"].as_u64().unwrap() >= 2, "{first}");
    assert!(last["done"].as_u64().unwrap() >= 1, "{last}");
    // The month in progress ends now: its open and overdue are the overview's.
    let overview = app
        .gql(
            Some(&officer.access),
            "{ responsibilityOverview { organization { name } planTasks { open overdue } } }",
            json!({}),
        )
        .await;
    let now = overview.data()["responsibilityOverview"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["organization"]["name"] == "博乐市妇联")
        .unwrap()["planTasks"]
        .clone();
    assert_eq!(
        json!({ "open": last["open"], "overdue": last["overdue"] }),
        now
    );
}

#[tokio::test]
async fn the_trend_of_a_region_outside_the_jurisdiction_is_empty_and_its_window_is_checked() {
    let app = TestApp::spawn().await;
    let alashankou = app.region_id("652702").await;
    let officer = app.login_as(Role::CivilAffairsOfficer).await;
    let query = "query($r: ID, $from: NaiveDate, $until: NaiveDate) { responsibilityTrend(regionId: $r, from: $from, until: $until) { organization { name } months { month } } }";

    let other = app
        .gql(Some(&officer.access), query, json!({ "r": alashankou }))
        .await;
    let backwards = app
        .gql(
            Some(&officer.access),
            query,
            json!({ "from": "2026-05-01", "until": "2026-01-01" }),
        )
        .await;
    let too_long = app
        .gql(
            Some(&officer.access),
            query,
            json!({ "from": "2010-01-01", "until": "2026-01-01" }),
        )
        .await;
    let default = app.gql(Some(&officer.access), query, json!({})).await;
    let far_back = app
        .gql(
            Some(&officer.access),
            query,
            json!({ "from": "-262143-01-01", "until": "-262143-03-01" }),
        )
        .await;

    assert!(other.body["errors"].is_null(), "{:?}", other.body);
    assert_eq!(other.data()["responsibilityTrend"], json!([]));
    for refused in [&backwards, &too_long] {
        assert_eq!(refused.code(), "BAD_USER_INPUT");
        assert_eq!(refused.body["errors"][0]["extensions"]["field"], "until");
    }
    assert_eq!(far_back.code(), "BAD_USER_INPUT");
    assert_eq!(far_back.body["errors"][0]["extensions"]["field"], "from");
    let units = default.data()["responsibilityTrend"].as_array().unwrap();
    assert!(!units.is_empty());
    assert!(
        units
            .iter()
            .all(|u| u["months"].as_array().unwrap().len() == 24)
    );
}
