//! Trusted documents: the client apps' manifests, named by `documentId` or Apollo's
//! `persistedQuery`, and enforced per setting.

use std::path::{Path, PathBuf};

use sea_orm::{ActiveEnum, ColumnTrait, EntityTrait, Iterable, QueryFilter};
use serde_json::{Value, json};
use shouhu::config::Enforcement;
use shouhu_tests::{
    DEMO_PASSWORD, GqlResponse, Role, TestApp,
    ws::{self, Opened},
};
use std::time::Duration;

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The id of the shipped document `name` of `app`.
fn id_of(app: &str, name: &str) -> String {
    let text = std::fs::read_to_string(repository().join(format!("clients/{app}/{name}.graphql")))
        .unwrap();
    format!("sha256:{}", shouhu::trusted::hash(&text))
}

async fn send(app: &TestApp, token: Option<&str>, body: Value) -> GqlResponse {
    let mut request = app
        .client
        .post(app.graphql_url())
        .header("accept", "application/graphql-response+json")
        .json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    TestApp::read(request.send().await.unwrap()).await
}

fn sign_in(id: &str) -> Value {
    sign_in_as(id, Role::Teacher)
}

fn sign_in_as(id: &str, role: Role) -> Value {
    json!({
        "documentId": id,
        "variables": { "username": format!("demo.{}", role.to_value()), "password": DEMO_PASSWORD },
    })
}

/// The access token of `role`'s demo account, signed in through the shipped document.
async fn token_of(app: &TestApp, role: Role) -> String {
    let response = send(app, None, sign_in_as(&id_of("teacher-app", "SignIn"), role)).await;
    response.data()["login"]["accessToken"]
        .as_str()
        .unwrap_or_else(|| panic!("{:?}", response.body))
        .to_owned()
}

async fn spawn(enforce: Enforcement) -> TestApp {
    TestApp::spawn_with(|c| {
        c.documents.dir = repository().join("documents");
        c.documents.enforce = enforce;
    })
    .await
}

#[tokio::test]
async fn every_shipped_document_validates_and_its_manifest_is_its_sources() {
    let documents = repository().join("documents");

    let checked =
        shouhu::graphql::validate::check(&documents, &shouhu::config::QueryLimits::default())
            .await
            .unwrap();

    assert!(checked.problems.is_empty(), "{:#?}", checked.problems);
    assert!(checked.apps.len() >= 5, "{:?}", checked.apps);
    for app in checked.apps.keys() {
        let built = shouhu::trusted::manifest_of(&repository().join("clients").join(app)).unwrap();
        let shipped = std::fs::read_to_string(documents.join(format!("{app}.json"))).unwrap();
        assert_eq!(
            shipped, built,
            "documents/{app}.json is not `shouhu documents manifest clients/{app}`"
        );
    }
}

#[tokio::test]
async fn a_document_is_named_by_its_id_over_post_and_get_or_by_apollos_extension() {
    let app = spawn(Enforcement::Off).await;
    let signed_in = send(&app, None, sign_in(&id_of("teacher-app", "SignIn"))).await;
    let token = signed_in.data()["login"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let me = id_of("teacher-app", "Me");

    let by_get = TestApp::read(
        app.client
            .get(app.graphql_url())
            .query(&[("documentId", me.as_str())])
            .bearer_auth(&token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    let by_extension = send(
        &app,
        Some(&token),
        json!({ "extensions": { "persistedQuery": {
            "version": 1, "sha256Hash": me.trim_start_matches("sha256:") } } }),
    )
    .await;

    assert_eq!(
        signed_in.data()["login"]["account"]["username"],
        "demo.teacher"
    );
    assert_eq!(
        by_get.data()["me"]["username"],
        "demo.teacher",
        "{:?}",
        by_get.body
    );
    assert_eq!(by_extension.data()["me"]["username"], "demo.teacher");
}

#[tokio::test]
async fn unknown_and_mismatched_documents_are_refused() {
    let app = spawn(Enforcement::Off).await;
    let unknown = format!("sha256:{}", "0".repeat(64));

    let not_found = send(&app, None, json!({ "documentId": unknown })).await;
    let not_found_apollo = send(
        &app,
        None,
        json!({ "extensions": { "persistedQuery": { "version": 1, "sha256Hash": "0".repeat(64) } } }),
    )
    .await;
    let mismatched = send(
        &app,
        None,
        json!({ "documentId": id_of("teacher-app", "Me"), "query": "{ __typename }" }),
    )
    .await;
    let malformed = send(&app, None, json!({ "documentId": "md5:abc" })).await;

    assert_eq!(not_found.status, 404);
    assert_eq!(not_found.code(), "PERSISTED_QUERY_NOT_FOUND");
    assert_eq!(not_found_apollo.code(), "PERSISTED_QUERY_NOT_FOUND");
    assert_eq!(mismatched.status, 400);
    assert_eq!(mismatched.code(), "BAD_REQUEST");
    assert_eq!(malformed.code(), "BAD_REQUEST");
}

#[tokio::test]
async fn anonymous_enforcement_holds_callers_without_a_token_to_trusted_documents() {
    let app = spawn(Enforcement::Anonymous).await;

    let free = app.gql(None, "{ __typename }", json!({})).await;
    let rejected_token = app
        .gql(Some("not-a-token"), "{ __typename }", json!({}))
        .await;
    let trusted = send(&app, None, sign_in(&id_of("teacher-app", "SignIn"))).await;
    let token = trusted.data()["login"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let signed_in_free = app
        .gql(Some(&token), "{ me { username } }", json!({}))
        .await;
    // The text of a trusted document is trusted without its id.
    let text =
        std::fs::read_to_string(repository().join("clients/teacher-app/Me.graphql")).unwrap();
    let trusted_text = app.gql(None, &text, json!({})).await;

    assert_eq!(free.status, 403);
    assert_eq!(free.code(), "OPERATION_NOT_TRUSTED");
    assert_eq!(rejected_token.code(), "OPERATION_NOT_TRUSTED");
    assert_eq!(signed_in_free.data()["me"]["username"], "demo.teacher");
    assert_eq!(trusted_text.code(), "UNAUTHENTICATED");
}

#[tokio::test]
async fn full_enforcement_leaves_free_documents_to_the_roles_the_policy_names() {
    let app = spawn(Enforcement::All).await;
    let teacher = token_of(&app, Role::Teacher).await;

    let teacher_trusted = send(
        &app,
        Some(&teacher),
        json!({ "documentId": id_of("teacher-app", "PairedChildren"), "variables": { "first": 2 } }),
    )
    .await;
    let mut free = Vec::new();
    for role in Role::iter() {
        let token = token_of(&app, role).await;
        let response = app
            .gql(Some(&token), "{ me { username } }", json!({}))
            .await;
        free.push((role, response));
    }

    assert_eq!(
        teacher_trusted.data()["myPairedChildren"]["edges"]
            .as_array()
            .map(Vec::len),
        Some(2),
        "{:?}",
        teacher_trusted.body
    );
    // `[rules] untrusted_document_senders` of the shipped policy: administrators' tooling.
    for (role, response) in free {
        if role == Role::Admin {
            assert_eq!(response.data()["me"]["username"], "demo.admin");
        } else {
            assert_eq!(response.status, 403, "{role:?}");
            assert_eq!(response.code(), "OPERATION_NOT_TRUSTED", "{role:?}");
        }
    }
}

#[tokio::test]
async fn manifests_are_read_again_on_sighup() {
    let dir = std::env::temp_dir().join(format!("shouhu-documents-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    let app = TestApp::spawn_with(|c| c.documents.dir = dir.clone()).await;
    let text = "query Typename { __typename }";
    let id = format!("sha256:{}", shouhu::trusted::hash(text));

    let before = send(&app, None, json!({ "documentId": id })).await;
    std::fs::write(
        dir.join("kiosk.json"),
        json!({ id.clone(): text }).to_string(),
    )
    .unwrap();
    // A manifest that does not read leaves the documents in force.
    std::fs::write(dir.join("broken.json"), "[").unwrap();
    hang_up().await;
    let broken = send(&app, None, json!({ "documentId": id })).await;
    std::fs::remove_file(dir.join("broken.json")).unwrap();
    hang_up().await;
    let after = send(&app, None, json!({ "documentId": id })).await;

    assert_eq!(before.code(), "PERSISTED_QUERY_NOT_FOUND");
    assert_eq!(broken.code(), "PERSISTED_QUERY_NOT_FOUND");
    assert_eq!(after.data()["__typename"], "Query", "{:?}", after.body);
    std::fs::remove_dir_all(dir).unwrap();
}

/// Sends this process `SIGHUP` (every app of the test binary reads its folder again) and gives
/// the apps a moment to do it.
async fn hang_up() {
    let status = std::process::Command::new("kill")
        .args(["-HUP", &std::process::id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
}

#[tokio::test]
async fn audit_events_name_the_client_app_and_the_document() {
    let app = spawn(Enforcement::Off).await;
    let id = id_of("teacher-app", "SignIn");

    let named = TestApp::read(
        app.client
            .post(app.graphql_url())
            .header("graphql-client-name", "teacher-app")
            .json(&sign_in(&id))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let unnamed = send(&app, None, sign_in_as(&id, Role::Analyst)).await;
    let free = app.login_as(Role::Admin).await;

    assert!(named.body["errors"].is_null(), "{:?}", named.body);
    assert!(unnamed.body["errors"].is_null(), "{:?}", unnamed.body);
    assert!(!free.access.is_empty());
    let logins: Vec<Value> = entity::audit_event::Entity::find()
        .filter(entity::audit_event::Column::Action.eq("login"))
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|event| serde_json::from_str(&event.detail).unwrap())
        .collect();
    let clients: Vec<&Value> = logins.iter().map(|detail| &detail["client"]).collect();
    // Sign-in is in every app's manifest: the app the request names, else the first by name.
    assert!(
        clients.contains(&&json!({ "app": "teacher-app", "document": id })),
        "{clients:?}"
    );
    assert!(
        clients.contains(&&json!({ "app": "civil-affairs-analytics", "document": id })),
        "{clients:?}"
    );
    assert!(
        clients.contains(&&Value::Null),
        "a free document names none: {clients:?}"
    );
}

#[tokio::test]
async fn the_socket_carries_only_subscriptions_and_holds_them_to_trusted_documents() {
    let app = spawn(Enforcement::All).await;
    let police = token_of(&app, Role::PoliceOfficer).await;
    let mut socket = match ws::open(&app.address, Some(&police)).await {
        Opened::Ready(socket) => *socket,
        Opened::Closed(code) => panic!("closed with {code}"),
    };
    let trusted =
        std::fs::read_to_string(repository().join("clients/police-console/ReportEvents.graphql"))
            .unwrap();

    socket.subscribe("query", "{ me { username } }").await;
    let query = socket.next(Duration::from_secs(5)).await.unwrap();
    socket
        .subscribe("free", "subscription { reportEvents { reportId } }")
        .await;
    let free = socket.next(Duration::from_secs(5)).await.unwrap();
    socket.subscribe("trusted", &trusted).await;
    let quiet = socket.next(Duration::from_millis(500)).await;

    assert_eq!(
        query["error"][0]["extensions"]["code"], "BAD_REQUEST",
        "{query}"
    );
    assert_eq!(
        free["error"][0]["extensions"]["code"], "OPERATION_NOT_TRUSTED",
        "{free}"
    );
    assert!(
        quiet.is_none(),
        "a trusted subscription runs, quietly: {quiet:?}"
    );
}
