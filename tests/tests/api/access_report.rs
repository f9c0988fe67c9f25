//! "Who saw my child": a child's access report for civil affairs, as a query and as a CSV
//! download, built from the audit trail.

use entity::child;
use sea_orm::{ColumnTrait, EntityTrait, Iterable, QueryFilter};
use serde_json::{Value, json};
use shouhu_tests::{Role, TestApp, gid};

const REPORT: &str = "query($id: ID!, $from: DateTime, $until: DateTime) { childAccessReport(childId: $id, from: $from, until: $until) { from until entries { accountId username displayName role organizationId organizationName kind action fields firstAt lastAt times } csv } }";

/// A child of the demo county the officer oversees, changed once and read twice by its
/// director; returns its global ID.
async fn touched_child(app: &TestApp) -> Value {
    let director = app.login_as(Role::ChildDirector).await;
    let child = app
        .gql(
            Some(&director.access),
            "{ children(first: 1) { edges { node { id version } } } }",
            json!({}),
        )
        .await
        .data()["children"]["edges"][0]["node"]
        .clone();
    let updated = app
        .gql(
            Some(&director.access),
            "mutation($id: ID!, $v: Int!) { updateChild(input: {id: $id, version: $v, grade: \"四年级\"}) { child { grade } } }",
            json!({ "id": child["id"], "v": child["version"] }),
        )
        .await;
    assert!(updated.body["errors"].is_null(), "{:?}", updated.body);
    for _ in 0..2 {
        app.gql(
            Some(&director.access),
            "query($id: ID!) { child(id: $id) { idNumber address } }",
            json!({ "id": child["id"] }),
        )
        .await;
    }
    app.flush_audit().await;
    child["id"].clone()
}

#[tokio::test]
async fn an_officer_lists_who_read_and_changed_a_child_with_the_fields() {
    let app = TestApp::spawn().await;
    let child = touched_child(&app).await;

    let report = app
        .gql_as(Role::CivilAffairsOfficer, REPORT, json!({ "id": child }))
        .await;

    assert!(report.body["errors"].is_null(), "{:?}", report.body);
    let entries = report.data()["childAccessReport"]["entries"]
        .as_array()
        .unwrap()
        .clone();
    let update = entries
        .iter()
        .find(|e| e["action"] == "child.update")
        .expect("the change");
    assert_eq!(update["kind"], "CHANGE");
    assert_eq!(update["username"], "demo.child_director");
    assert_eq!(update["role"], "child_director");
    assert!(update["organizationName"].as_str().unwrap().len() > 1);
    assert!(
        update["fields"]
            .as_array()
            .unwrap()
            .contains(&json!("grade"))
    );
    let read = entries
        .iter()
        .find(|e| e["action"] == "read" && e["username"] == "demo.child_director")
        .expect("the reads");
    assert_eq!(read["kind"], "READ");
    assert_eq!(read["times"], 2);
    let fields = read["fields"].as_array().unwrap();
    assert!(fields.contains(&json!("idNumber")) && fields.contains(&json!("address")));
    assert!(
        !fields.contains(&json!("name")),
        "name is not a sensitive field"
    );

    let csv = report.data()["childAccessReport"]["csv"].as_str().unwrap();
    assert!(
        csv.starts_with('\u{feff}'),
        "a byte-order mark for spreadsheets"
    );
    let lines: Vec<&str> = csv.trim_end().lines().collect();
    assert_eq!(
        lines.len(),
        entries.len() + 1,
        "a header and a row per entry"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("demo.child_director") && l.contains("idNumber"))
    );
}

#[tokio::test]
async fn a_period_bounds_the_report_and_producing_it_is_audited() {
    let app = TestApp::spawn().await;
    let child = touched_child(&app).await;
    let tomorrow = (chrono::Utc::now() + chrono::TimeDelta::days(1)).to_rfc3339();

    let later = app
        .gql_as(
            Role::CivilAffairsOfficer,
            REPORT,
            json!({ "id": child, "from": tomorrow }),
        )
        .await;
    assert_eq!(
        later.data()["childAccessReport"]["entries"],
        json!([]),
        "nothing happened after tomorrow"
    );
    let backwards = app
        .gql_as(
            Role::CivilAffairsOfficer,
            REPORT,
            json!({ "id": child, "from": tomorrow, "until": chrono::Utc::now().to_rfc3339() }),
        )
        .await;
    assert_eq!(backwards.code(), "BAD_USER_INPUT");
    assert_eq!(backwards.body["errors"][0]["extensions"]["field"], "until");

    app.flush_audit().await;
    let again = app
        .gql_as(Role::CivilAffairsOfficer, REPORT, json!({ "id": child }))
        .await;
    let entries = again.data()["childAccessReport"]["entries"]
        .as_array()
        .unwrap();
    let produced = entries
        .iter()
        .find(|e| e["action"] == "audit.access_report")
        .expect("the earlier report is in the child's trail");
    assert_eq!(produced["username"], "demo.civil_affairs_officer");
}

#[tokio::test]
async fn only_civil_affairs_may_produce_it_and_only_for_its_jurisdiction() {
    let app = TestApp::spawn().await;
    let child = touched_child(&app).await;
    for role in Role::iter() {
        let response = app.gql_as(role, REPORT, json!({ "id": child })).await;
        if role == Role::CivilAffairsOfficer {
            assert!(response.body["errors"].is_null(), "{:?}", response.body);
        } else {
            assert_eq!(response.code(), "FORBIDDEN", "{role:?}");
            assert!(response.data()["childAccessReport"].is_null(), "{role:?}");
        }
    }
    let elsewhere = child::Entity::find()
        .filter(child::Column::RegionPath.starts_with("652700/652702/"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let response = app
        .gql_as(
            Role::CivilAffairsOfficer,
            REPORT,
            json!({ "id": gid("Child", elsewhere.id) }),
        )
        .await;
    assert_eq!(response.code(), "NOT_FOUND");
}

#[tokio::test]
async fn the_csv_download_applies_the_same_policy() {
    let app = TestApp::spawn().await;
    let child = touched_child(&app).await;
    let url = format!("{}/exports/child-access.csv", app.address);
    let officer = app.login_as(Role::CivilAffairsOfficer).await;

    let download = app
        .client
        .get(&url)
        .query(&[("child", child.as_str().unwrap())])
        .bearer_auth(&officer.access)
        .send()
        .await
        .unwrap();
    assert_eq!(download.status(), 200);
    assert_eq!(
        download.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    assert!(
        download.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    let body = download.text().await.unwrap();
    assert!(body.contains("demo.child_director"));

    let teacher = app.login_as(Role::Teacher).await;
    let refused = app
        .client
        .get(&url)
        .query(&[("child", child.as_str().unwrap())])
        .bearer_auth(&teacher.access)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    let anonymous = app
        .client
        .get(&url)
        .query(&[("child", child.as_str().unwrap())])
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    let malformed = app
        .client
        .get(&url)
        .query(&[("child", "not-an-id")])
        .bearer_auth(&officer.access)
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status(), 400);
    let body: Value = malformed.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["field"], "childId");
    let bad_time = app
        .client
        .get(&url)
        .query(&[("child", child.as_str().unwrap()), ("from", "yesterday")])
        .bearer_auth(&officer.access)
        .send()
        .await
        .unwrap();
    assert_eq!(bad_time.status(), 400);
    let body: Value = bad_time.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(body["errors"][0]["extensions"]["field"], "from");
}

#[tokio::test]
async fn an_edited_event_is_left_out_and_counted_as_unverified() {
    let app = TestApp::spawn().await;
    let child = touched_child(&app).await;
    let id = {
        use base64::Engine;
        let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(child.as_str().unwrap())
            .unwrap();
        let text = String::from_utf8(raw).unwrap();
        uuid::Uuid::parse_str(text.split_once(':').unwrap().1).unwrap()
    };
    let update = entity::audit_event::Entity::find()
        .filter(entity::audit_event::Column::Action.eq("child.update"))
        .filter(entity::audit_event::Column::SubjectId.eq(id))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    entity::audit_event::Entity::update_many()
        .col_expr(
            entity::audit_event::Column::ActorRole,
            sea_orm::sea_query::Expr::value("court_officer"),
        )
        .filter(entity::audit_event::Column::Id.eq(update.id))
        .exec(&app.state.db)
        .await
        .unwrap();

    let report = app
        .gql_as(
            Role::CivilAffairsOfficer,
            "query($id: ID!) { childAccessReport(childId: $id) { unverified entries { action role } } }",
            json!({ "id": child }),
        )
        .await;

    let report = &report.data()["childAccessReport"];
    assert_eq!(report["unverified"], 1);
    assert!(
        report["entries"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["action"] != "child.update"),
        "{report:?}"
    );
}
