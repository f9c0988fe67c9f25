//! The audit trail: events for writes, sensitive reads, denials and sign-ins, and who may read
//! them (sealing and tampering are in `tamper`).

use entity::audit_event;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;
use shouhu_tests::{Role, TestApp};

async fn events(app: &TestApp, action: &str) -> Vec<audit_event::Model> {
    app.flush_audit().await;
    audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq(action))
        .order_by_asc(audit_event::Column::Id)
        .all(&app.state.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn reading_20_children_with_every_sensitive_field_is_one_event_that_each_childs_trail_finds()
{
    let app = TestApp::spawn().await;
    let officer = app.login_as(Role::CivilAffairsOfficer).await;
    let before = events(&app, "read").await.len();

    let response = app
        .gql(
            Some(&officer.access),
            "{ children(first: 20) { edges { node { id name idNumber address health { status } guardians { phone idNumber address } } } } }",
            json!({}),
        )
        .await;
    assert!(response.body["errors"].is_null(), "{:?}", response.body);
    app.flush_audit().await;

    let reads = events(&app, "read").await;
    assert_eq!(reads.len(), before + 1, "one event for the request");
    let read = reads.last().unwrap();
    let detail: serde_json::Value = serde_json::from_str(&read.detail).unwrap();
    let children: usize = detail["read"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["type"] == "Child")
        .map(|g| g["ids"].as_array().unwrap().len())
        .sum();
    assert_eq!(children, 20);
    assert!(read.detail.contains("idNumber") && read.detail.contains("phone"));
    assert!(!read.detail.contains("\"name\""), "name is not sensitive");
    assert_eq!(read.actor_role.as_deref(), Some("civil_affairs_officer"));
    let edges = response.data()["children"]["edges"].as_array().unwrap();
    for edge in [&edges[0], &edges[19]] {
        let trail = app
            .gql(
                Some(&officer.access),
                "query($id: ID!) { auditTrail(subjectId: $id) { edges { node { id action } } } }",
                json!({ "id": edge["node"]["id"] }),
            )
            .await;
        let actions: Vec<&serde_json::Value> = trail.data()["auditTrail"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| &e["node"]["action"])
            .collect();
        assert!(actions.contains(&&json!("read")), "{actions:?}");
    }
}

#[tokio::test]
async fn denied_fields_and_writes_are_audited() {
    let app = TestApp::spawn().await;

    app.gql_as(
        Role::Teacher,
        "{ children(first: 1) { edges { node { idNumber } } } }",
        json!({}),
    )
    .await;

    let denied = events(&app, "access.denied").await;
    assert_eq!(denied.len(), 1);
    assert!(denied[0].detail.contains("Child.idNumber"));
}

#[tokio::test]
async fn writes_carry_before_and_after_and_the_trail_shows_who_touched_a_child() {
    let app = TestApp::spawn().await;
    let child = app
        .gql_as(
            Role::ChildDirector,
            "{ children(first: 1) { edges { node { id version } } } }",
            json!({}),
        )
        .await
        .data()["children"]["edges"][0]["node"]
        .clone();
    app.gql_as(
        Role::ChildDirector,
        "mutation($id: ID!, $v: Int!) { updateChild(input: {id: $id, version: $v, grade: \"三年级\"}) { child { grade } } }",
        json!({ "id": child["id"], "v": child["version"] }),
    )
    .await;
    app.gql_as(
        Role::ChildDirector,
        "query($id: ID!) { child(id: $id) { idNumber } }",
        json!({ "id": child["id"] }),
    )
    .await;
    app.flush_audit().await;

    let trail = app
        .gql_as(
            Role::CivilAffairsOfficer,
            "query($id: ID!) { auditTrail(subjectId: $id, first: 50) { edges { node { action actorRole detail subjectId } } } }",
            json!({ "id": child["id"] }),
        )
        .await;
    let by_teacher = app
        .gql_as(
            Role::Teacher,
            "query($id: ID!) { auditTrail(subjectId: $id) { edges { node { action } } } }",
            json!({ "id": child["id"] }),
        )
        .await;

    let nodes: Vec<_> = trail.data()["auditTrail"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"].clone())
        .collect();
    let update = nodes
        .iter()
        .find(|n| n["action"] == "child.update")
        .expect("the update");
    assert!(update["detail"].as_str().unwrap().contains("三年级"));
    assert!(update["detail"].as_str().unwrap().contains("before"));
    assert_eq!(update["actorRole"], "child_director");
    assert!(nodes.iter().any(|n| n["action"] == "read"));
    assert_eq!(by_teacher.code(), "FORBIDDEN");
}

#[tokio::test]
async fn the_trail_of_a_record_outside_the_officers_jurisdiction_is_as_absent_as_the_record() {
    let app = TestApp::spawn().await;
    let elsewhere = entity::child::Entity::find()
        .filter(entity::child::Column::RegionPath.starts_with("652700/652702/"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let own = app
        .gql_as(
            Role::CivilAffairsOfficer,
            "{ children(first: 1) { edges { node { id idNumber } } } }",
            json!({}),
        )
        .await;
    let own = own.data()["children"]["edges"][0]["node"]["id"].clone();
    app.flush_audit().await;
    let trail = "query($id: ID!) { auditTrail(subjectId: $id) { edges { node { action } } } }";
    let officer = app.login_as(Role::CivilAffairsOfficer).await;
    let as_region = {
        use base64::Engine;
        let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(own.as_str().unwrap())
            .unwrap();
        let uuid = String::from_utf8(raw)
            .unwrap()
            .split_once(':')
            .unwrap()
            .1
            .to_owned();
        shouhu_tests::gid("Region", uuid.parse().unwrap())
    };

    let outside = app
        .gql(
            Some(&officer.access),
            trail,
            json!({ "id": shouhu_tests::gid("Child", elsewhere.id) }),
        )
        .await;
    let inside = app
        .gql(Some(&officer.access), trail, json!({ "id": own }))
        .await;
    let wrong_kind = app
        .gql(Some(&officer.access), trail, json!({ "id": as_region }))
        .await;

    assert!(outside.body["errors"].is_null(), "{:?}", outside.body);
    assert_eq!(outside.data()["auditTrail"]["edges"], json!([]));
    assert!(
        !inside.data()["auditTrail"]["edges"]
            .as_array()
            .unwrap()
            .is_empty(),
        "the read of the officer's own child is on its trail"
    );
    assert_eq!(wrong_kind.data()["auditTrail"]["edges"], json!([]));
}
