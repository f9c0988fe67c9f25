//! Visits: idempotent recording, the correction window, annotation, the monthly visit duty,
//! serious findings, and who sees what of a visit.

use chrono::{Datelike, TimeDelta, Utc};
use entity::visit;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use shouhu_tests::{Role, TestApp, Tokens};

const RECORD: &str = "mutation($input: RecordVisitInput!) { recordVisit(input: $input) { replayed needsReport visit { id visitedAt safety { rating note } correctableUntil } } }";

async fn a_child(app: &TestApp, tokens: &Tokens) -> Value {
    app.gql(
        Some(&tokens.access),
        "{ children(first: 1) { edges { node { id } } } }",
        json!({}),
    )
    .await
    .data()["children"]["edges"][0]["node"]["id"]
        .clone()
}

/// When the visits happened: one instant for the whole run, so that a retry sends exactly the
/// payload of the first call, as a client's retry does. An hour ago, but never before today
/// began in China Standard Time: a visit in the first hour of a month still falls in that month.
static VISITED_AT: std::sync::LazyLock<&'static str> = std::sync::LazyLock::new(|| {
    let now = Utc::now();
    let china_now = now + TimeDelta::hours(8);
    let since_midnight = china_now
        - china_now
            .date_naive()
            .and_time(chrono::NaiveTime::MIN)
            .and_utc();
    String::leak((now - TimeDelta::hours(1).min(since_midnight / 2)).to_rfc3339())
});

fn visit_input(key: &str, child: &Value, safety: &str) -> Value {
    json!({
        "idempotencyKey": key,
        "childId": child,
        "visit": {
            "visitedAt": *VISITED_AT,
            "method": "HOME",
            "living": { "rating": "GOOD", "note": "屋内整洁" },
            "safety": { "rating": safety, "note": "无安全隐患" },
            "followUpNeeded": false
        }
    })
}

async fn visit_rows(app: &TestApp, child: &Value) -> u64 {
    let id = shouhu_tests::uuid_of(child);
    visit::Entity::find()
        .filter(visit::Column::ChildId.eq(id))
        .count(&app.state.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_retry_with_the_same_key_returns_the_first_visit_and_writes_one_row() {
    let app = TestApp::spawn().await;
    let director = app.login_as(Role::ChildDirector).await;
    let child = a_child(&app, &director).await;
    let before = visit_rows(&app, &child).await;

    let first = app
        .gql(
            Some(&director.access),
            RECORD,
            json!({ "input": visit_input("phone-1", &child, "GOOD") }),
        )
        .await;
    let retry = app
        .gql(
            Some(&director.access),
            RECORD,
            json!({ "input": visit_input("phone-1", &child, "GOOD") }),
        )
        .await;

    assert!(first.body["errors"].is_null(), "{:?}", first.body);
    assert_eq!(first.data()["recordVisit"]["replayed"], false);
    assert_eq!(retry.data()["recordVisit"]["replayed"], true);
    assert_eq!(
        retry.data()["recordVisit"]["visit"]["id"],
        first.data()["recordVisit"]["visit"]["id"]
    );
    assert_eq!(visit_rows(&app, &child).await, before + 1);
}

#[tokio::test]
async fn a_key_reused_for_another_visit_is_a_conflict_naming_the_first() {
    let app = TestApp::spawn().await;
    let director = app.login_as(Role::ChildDirector).await;
    let child = a_child(&app, &director).await;
    let before = visit_rows(&app, &child).await;
    let mut spaced = visit_input("phone-7", &child, "GOOD");
    spaced["visit"]["living"]["note"] = json!("  屋内整洁 ");

    let first = app
        .gql(
            Some(&director.access),
            RECORD,
            json!({ "input": visit_input("phone-7", &child, "GOOD") }),
        )
        .await;
    let same_but_spaced = app
        .gql(Some(&director.access), RECORD, json!({ "input": spaced }))
        .await;
    let other = app
        .gql(
            Some(&director.access),
            RECORD,
            json!({ "input": visit_input("phone-7", &child, "POOR") }),
        )
        .await;

    let first_id = &first.data()["recordVisit"]["visit"]["id"];
    assert_eq!(same_but_spaced.data()["recordVisit"]["replayed"], true);
    assert_eq!(other.code(), "CONFLICT");
    assert_eq!(
        other.body["errors"][0]["extensions"]["existingId"],
        *first_id
    );
    assert_eq!(visit_rows(&app, &child).await, before + 1);
}

#[tokio::test]
async fn concurrent_retries_with_the_same_key_write_one_row() {
    let app = TestApp::spawn().await;
    let director = app.login_as(Role::ChildDirector).await;
    let child = a_child(&app, &director).await;
    let before = visit_rows(&app, &child).await;
    let input = json!({ "input": visit_input("phone-2", &child, "GOOD") });

    let (a, b, c) = tokio::join!(
        app.gql(Some(&director.access), RECORD, input.clone()),
        app.gql(Some(&director.access), RECORD, input.clone()),
        app.gql(Some(&director.access), RECORD, input.clone()),
    );

    let ids: Vec<&Value> = [&a, &b, &c]
        .iter()
        .map(|r| &r.data()["recordVisit"]["visit"]["id"])
        .collect();
    assert!(
        ids.iter().all(|id| id.is_string() && *id == ids[0]),
        "{ids:?} {:?}",
        a.body
    );
    assert_eq!(visit_rows(&app, &child).await, before + 1);
}

const CORRECT: &str = "mutation($id: ID!, $at: DateTime!) { correctVisit(input: {id: $id, visit: {visitedAt: $at, method: PHONE, safety: {rating: FAIR}}}) { visit { method safety { rating } } } }";

#[tokio::test]
async fn the_author_corrects_within_48_hours_then_only_civil_affairs_annotates() {
    let app = TestApp::spawn().await;
    let director = app.login_as(Role::ChildDirector).await;
    let child = a_child(&app, &director).await;
    let recorded = app
        .gql(
            Some(&director.access),
            RECORD,
            json!({ "input": visit_input("k-3", &child, "GOOD") }),
        )
        .await;
    let id = recorded.data()["recordVisit"]["visit"]["id"].clone();
    let at = (Utc::now() - TimeDelta::hours(2)).to_rfc3339();

    let within = app
        .gql(
            Some(&director.access),
            CORRECT,
            json!({ "id": id, "at": at }),
        )
        .await;
    assert_eq!(within.data()["correctVisit"]["visit"]["method"], "PHONE");

    let supervisor = app
        .gql_as(
            Role::ChildSupervisor,
            CORRECT,
            json!({ "id": id, "at": at }),
        )
        .await;
    assert_eq!(supervisor.code(), "NOT_FOUND", "only the author corrects");

    app.clock.advance(TimeDelta::hours(49));
    let director = app.login_as(Role::ChildDirector).await;
    let late = app
        .gql(
            Some(&director.access),
            CORRECT,
            json!({ "id": id, "at": at }),
        )
        .await;
    assert_eq!(late.code(), "INVALID_TRANSITION");
    assert_eq!(
        late.body["errors"][0]["extensions"]["allowed"],
        json!(["annotateVisit"])
    );

    let annotate = r#"mutation($id: ID!) { annotateVisit(input: {id: $id, annotation: "经核实"}) { visit { annotation annotatedAt } } }"#;
    let by_director = app
        .gql(Some(&director.access), annotate, json!({ "id": id }))
        .await;
    let by_officer = app
        .gql_as(Role::CivilAffairsOfficer, annotate, json!({ "id": id }))
        .await;
    assert_eq!(by_director.code(), "FORBIDDEN");
    assert_eq!(
        by_officer.data()["annotateVisit"]["visit"]["annotation"],
        "经核实"
    );
}

#[tokio::test]
async fn visit_due_turns_true_when_a_new_month_begins() {
    let app = TestApp::spawn().await;
    let director = app.login_as(Role::ChildDirector).await;
    let child = a_child(&app, &director).await;
    let query = "query($id: ID!) { child(id: $id) { visitDue lastVisitedAt } }";
    app.gql(
        Some(&director.access),
        RECORD,
        json!({ "input": visit_input("k-4", &child, "GOOD") }),
    )
    .await;

    let this_month = app
        .gql(Some(&director.access), query, json!({ "id": child }))
        .await;
    // Move to the first days of next month (China Standard Time).
    let today = (Utc::now() + TimeDelta::hours(8)).date_naive();
    let next_month = chrono::NaiveDate::from_ymd_opt(
        if today.month() == 12 {
            today.year() + 1
        } else {
            today.year()
        },
        if today.month() == 12 {
            1
        } else {
            today.month() + 1
        },
        2,
    )
    .unwrap();
    app.clock
        .advance(TimeDelta::days((next_month - today).num_days()));
    let director = app.login_as(Role::ChildDirector).await;
    let next = app
        .gql(Some(&director.access), query, json!({ "id": child }))
        .await;

    assert_eq!(this_month.data()["child"]["visitDue"], false);
    assert!(this_month.data()["child"]["lastVisitedAt"].is_string());
    assert_eq!(next.data()["child"]["visitDue"], true);
}

#[tokio::test]
async fn a_serious_safety_finding_marks_the_child_for_a_report() {
    let app = TestApp::spawn().await;
    let director = app.login_as(Role::ChildDirector).await;
    let child = a_child(&app, &director).await;

    let recorded = app
        .gql(
            Some(&director.access),
            RECORD,
            json!({ "input": visit_input("k-5", &child, "SERIOUS") }),
        )
        .await;
    let after = app
        .gql(
            Some(&director.access),
            "query($id: ID!) { child(id: $id) { needsReport } }",
            json!({ "id": child }),
        )
        .await;

    assert_eq!(recorded.data()["recordVisit"]["needsReport"], true);
    assert_eq!(after.data()["child"]["needsReport"], true);
}

#[tokio::test]
async fn a_teacher_sees_their_own_visits_and_only_the_date_of_others() {
    let app = TestApp::spawn().await;
    let teacher = app.login_as(Role::Teacher).await;
    let child = a_child(&app, &teacher).await;
    let mine = app
        .gql(
            Some(&teacher.access),
            RECORD,
            json!({ "input": visit_input("t-1", &child, "GOOD") }),
        )
        .await;
    let director = app.login_as(Role::CivilAffairsOfficer).await;
    let theirs = app
        .gql(
            Some(&director.access),
            RECORD,
            json!({ "input": visit_input("d-1", &child, "FAIR") }),
        )
        .await;
    assert!(theirs.body["errors"].is_null(), "{:?}", theirs.body);

    let seen = app
        .gql(
            Some(&teacher.access),
            "query($id: ID!) { child(id: $id) { lastVisitedAt visits { edges { node { id safety { rating } } } } } }",
            json!({ "id": child }),
        )
        .await;

    let visits = seen.data()["child"]["visits"]["edges"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(visits.len(), 1, "own visits only");
    assert_eq!(
        visits[0]["node"]["id"],
        mine.data()["recordVisit"]["visit"]["id"]
    );
    assert_eq!(visits[0]["node"]["safety"]["rating"], "GOOD");
    assert!(
        seen.data()["child"]["lastVisitedAt"].is_string(),
        "the date of the latest visit, whoever made it"
    );
}

#[tokio::test]
async fn womens_federation_sees_visit_dates_not_findings_and_analysts_no_visits() {
    let app = TestApp::spawn().await;
    let director = app.login_as(Role::ChildDirector).await;
    let child = a_child(&app, &director).await;
    app.gql(
        Some(&director.access),
        RECORD,
        json!({ "input": visit_input("k-6", &child, "GOOD") }),
    )
    .await;
    let query = "query($id: ID!) { visits(filter: {childId: $id}) { edges { node { visitedAt safety { rating } } } } }";

    let federation = app
        .gql_as(Role::WomensFederationWorker, query, json!({ "id": child }))
        .await;
    let analyst = app
        .gql_as(Role::Analyst, query, json!({ "id": child }))
        .await;

    let first = &federation.data()["visits"]["edges"][0]["node"];
    assert!(first["visitedAt"].is_string());
    assert!(first["safety"].is_null());
    assert!(federation.codes().iter().all(|c| c == "FORBIDDEN"));
    assert_eq!(analyst.code(), "FORBIDDEN");
}

#[tokio::test]
async fn supervisors_filter_visits_by_safety_concern_and_follow_up() {
    let app = TestApp::spawn().await;
    let director = app.login_as(Role::ChildDirector).await;
    let child = a_child(&app, &director).await;
    app.gql(
        Some(&director.access),
        RECORD,
        json!({ "input": visit_input("k-7", &child, "POOR") }),
    )
    .await;

    let concern = app
        .gql_as(
            Role::ChildSupervisor,
            "{ visits(first: 100, filter: {safetyConcern: true}) { edges { node { safety { rating } } } } }",
            json!({}),
        )
        .await;

    let ratings: Vec<&Value> = concern.data()["visits"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["node"]["safety"]["rating"])
        .collect();
    assert!(!ratings.is_empty());
    assert!(
        ratings.iter().all(|r| *r == "POOR" || *r == "SERIOUS"),
        "{ratings:?}"
    );
}

#[tokio::test]
async fn reading_findings_is_audited_against_the_visit() {
    let app = TestApp::spawn().await;
    let director = app.login_as(Role::ChildDirector).await;
    let child = a_child(&app, &director).await;
    let recorded = app
        .gql(
            Some(&director.access),
            RECORD,
            json!({ "input": visit_input("k-8", &child, "GOOD") }),
        )
        .await;
    assert!(recorded.body["errors"].is_null());
    app.flush_audit().await;

    let visit = entity::audit_event::Entity::find()
        .filter(entity::audit_event::Column::Action.eq("visit.record"))
        .one(&app.state.db)
        .await
        .unwrap()
        .and_then(|e| serde_json::from_str::<Value>(&e.detail).ok())
        .and_then(|detail| detail["after"]["id"].as_str().map(str::to_owned))
        .and_then(|id| uuid::Uuid::parse_str(&id).ok())
        .expect("the recording holds the visit");
    let indexed = shouhu::audit::events_about(app.state.db.get_database_backend(), &[visit]);
    let events = entity::audit_event::Entity::find()
        .filter(entity::audit_event::Column::Id.in_subquery(indexed))
        .filter(entity::audit_event::Column::Action.eq("read"))
        .all(&app.state.db)
        .await
        .unwrap();
    let recorded_events = entity::audit_event::Entity::find()
        .filter(entity::audit_event::Column::Action.eq("visit.record"))
        .count(&app.state.db)
        .await
        .unwrap();

    assert_eq!(recorded_events, 1);
    assert_eq!(events.len(), 1, "the payload's safety finding was read");
    assert!(events[0].detail.contains("safety"));
}

#[tokio::test]
async fn a_visit_list_with_its_children_costs_the_same_for_5_or_50_visits() {
    let app = TestApp::spawn().await;
    let tokens = app.login_as(Role::ChildSupervisor).await;
    let query = "query($n: Int) { visits(first: $n) { edges { node { visitedAt child { name guardians { name } } } } } }";

    let mut costs = Vec::new();
    for n in [5, 50] {
        costs.push(
            app.statements_for(&tokens.access, query, json!({ "n": n }), "visits", n)
                .await,
        );
    }

    assert_eq!(
        costs[0], costs[1],
        "statements for 5 and 50 visits: {costs:?}"
    );
}

#[tokio::test]
async fn each_childs_first_visits_come_in_one_statement_per_level_and_match_its_own_list() {
    let app = TestApp::spawn().await;
    let tokens = app.login_as(Role::ChildSupervisor).await;
    let nested = "query($n: Int) { children(first: $n) { edges { node { id visits(first: 1) { edges { cursor node { id } } pageInfo { hasNextPage } } } } } }";

    let mut costs = Vec::new();
    for n in [2, 12] {
        costs.push(
            app.statements_for(&tokens.access, nested, json!({ "n": n }), "children", n)
                .await,
        );
    }
    assert_eq!(
        costs[0], costs[1],
        "statements for the visits of 2 and 12 children: {costs:?}"
    );

    let page = app
        .gql(Some(&tokens.access), nested, json!({ "n": 12 }))
        .await;
    let own = "query($child: ID!, $after: String) { visits(filter: { childId: $child }, first: 1, after: $after) { edges { node { id } } pageInfo { hasNextPage } } }";
    let mut continued = 0;
    for child in page.data()["children"]["edges"].as_array().unwrap() {
        let nested = &child["node"]["visits"];
        let listed = app
            .gql(
                Some(&tokens.access),
                own,
                json!({ "child": child["node"]["id"], "after": null }),
            )
            .await;
        let ids = |list: &Value| -> Vec<Value> {
            list["edges"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["node"]["id"].clone())
                .collect()
        };
        assert_eq!(
            ids(nested),
            ids(&listed.data()["visits"]),
            "same first page"
        );
        assert_eq!(
            nested["pageInfo"]["hasNextPage"],
            listed.data()["visits"]["pageInfo"]["hasNextPage"]
        );
        if nested["pageInfo"]["hasNextPage"] == true {
            let last = nested["edges"].as_array().unwrap().last().unwrap();
            let rest = app
                .gql(
                    Some(&tokens.access),
                    "query($id: ID!, $after: String) { child(id: $id) { visits(first: 1, after: $after) { edges { node { id } } } } }",
                    json!({ "id": child["node"]["id"], "after": last["cursor"] }),
                )
                .await;
            let next = ids(&rest.data()["child"]["visits"]);
            assert!(
                !next.is_empty(),
                "a next page follows the batched first page"
            );
            assert!(next.iter().all(|id| !ids(nested).contains(id)));
            continued += 1;
        }
    }
    assert!(
        continued > 0,
        "the demo data has a child with more than one visit"
    );
}
