//! The audit trail: events for writes, sensitive reads, denials and sign-ins; the hash chain
//! and its verification.

use entity::audit_event;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;
use shouhu::audit::chain::{self, Verdict};
use shouhu_tests::{Role, TestApp};

async fn events(app: &TestApp, action: &str) -> Vec<audit_event::Model> {
    app.flush_audit().await;
    audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq(action))
        .all(&app.state.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn reading_sensitive_fields_is_one_event_per_record_listing_the_fields() {
    let app = TestApp::spawn().await;

    let response = app
        .gql_as(Role::ChildDirector, "{ children(first: 3) { edges { node { name idNumber address guardians { phone } } } } }", json!({}))
        .await;
    assert!(response.body["errors"].is_null());

    let reads = events(&app, "read").await;
    let children: Vec<_> = reads
        .iter()
        .filter(|e| e.subject_type.as_deref() == Some("Child"))
        .collect();
    let guardians: Vec<_> = reads
        .iter()
        .filter(|e| e.subject_type.as_deref() == Some("Guardian"))
        .collect();
    assert_eq!(children.len(), 3);
    assert_eq!(guardians.len(), 6, "two guardians each");
    assert!(
        children
            .iter()
            .all(|e| e.detail.contains("idNumber") && e.detail.contains("address"))
    );
    assert!(
        children.iter().all(|e| !e.detail.contains("\"name\"")),
        "name is not sensitive"
    );
    assert!(
        reads
            .iter()
            .all(|e| e.actor_role.as_deref() == Some("child_director"))
    );
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
async fn the_chain_verifies_and_names_an_edited_row() {
    let app = TestApp::spawn().await;
    app.gql_as(
        Role::ChildDirector,
        "{ children(first: 5) { edges { node { idNumber } } } }",
        json!({}),
    )
    .await;
    app.seal_audit().await;
    assert!(
        matches!(chain::verify(&app.state.db).await.unwrap(), Verdict::Intact { sealed, .. } if sealed >= 6)
    );

    let victim = audit_event::Entity::find()
        .filter(audit_event::Column::Seq.eq(3))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    audit_event::Entity::update_many()
        .col_expr(
            audit_event::Column::Detail,
            sea_orm::sea_query::Expr::value("{\"fields\":[]}"),
        )
        .filter(audit_event::Column::Id.eq(victim.id))
        .exec(&app.state.db)
        .await
        .unwrap();

    match chain::verify(&app.state.db).await.unwrap() {
        Verdict::Broken { seq, id, .. } => {
            assert_eq!(seq, 3);
            assert_eq!(id, Some(victim.id));
        }
        intact => panic!("tampering went unnoticed: {intact:?}"),
    }
}

#[tokio::test]
async fn the_chain_names_a_deleted_row() {
    let app = TestApp::spawn().await;
    app.gql_as(
        Role::ChildDirector,
        "{ children(first: 5) { edges { node { idNumber } } } }",
        json!({}),
    )
    .await;
    app.seal_audit().await;
    let victim = audit_event::Entity::find()
        .filter(audit_event::Column::Seq.eq(2))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();

    audit_event::Entity::delete_by_id(victim.id)
        .exec(&app.state.db)
        .await
        .unwrap();

    assert!(matches!(
        chain::verify(&app.state.db).await.unwrap(),
        Verdict::Broken {
            seq: 2,
            id: None,
            ..
        }
    ));
}

#[tokio::test]
async fn two_sealers_never_chain_the_same_events_twice() {
    let app = TestApp::spawn().await;
    for _ in 0..3 {
        app.gql_as(
            Role::ChildDirector,
            "{ children(first: 5) { edges { node { idNumber } } } }",
            json!({}),
        )
        .await;
    }
    app.flush_audit().await;

    let now = chrono::Utc::now();
    let (a, b) = tokio::join!(
        chain::seal(&app.state.db, uuid::Uuid::now_v7(), now, 1000),
        chain::seal(&app.state.db, uuid::Uuid::now_v7(), now, 1000),
    );
    app.seal_audit().await;

    assert!(a.is_ok() || b.is_ok());
    let sealed = audit_event::Entity::find()
        .order_by_asc(audit_event::Column::Seq)
        .all(&app.state.db)
        .await
        .unwrap();
    assert!(sealed.iter().all(|e| e.seq.is_some()));
    assert!(matches!(
        chain::verify(&app.state.db).await.unwrap(),
        Verdict::Intact { unsealed: 0, .. }
    ));
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
