//! GraphQL over HTTP: methods, media types and status codes as the spec sets them.

use sea_orm::EntityTrait;
use serde_json::json;
use shouhu_tests::{Role, TestApp};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

fn content_type(response: &shouhu_tests::GqlResponse) -> String {
    response.headers["content-type"]
        .to_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn a_query_over_get_is_served() {
    let app = TestApp::spawn().await;
    let tokens = app.login_as(Role::Teacher).await;

    let response = TestApp::read(
        app.client
            .get(app.graphql_url())
            .query(&[("query", "{ me { username } }")])
            .bearer_auth(&tokens.access)
            .header("accept", GRAPHQL_RESPONSE)
            .send()
            .await
            .unwrap(),
    )
    .await;

    assert_eq!(response.status, 200);
    assert_eq!(response.data()["me"]["username"], "demo.teacher");
}

#[tokio::test]
async fn a_mutation_over_get_is_refused_with_405() {
    let app = TestApp::spawn().await;

    let response = TestApp::read(
        app.client
            .get(app.graphql_url())
            .query(&[(
                "query",
                r#"mutation { login(input: {username: "demo.teacher", password: "x"}) { accessToken } }"#,
            )])
            .send()
            .await
            .unwrap(),
    )
    .await;

    assert_eq!(response.status, 405);
    assert_eq!(response.headers["allow"], "POST");
    assert_eq!(response.code(), "METHOD_NOT_ALLOWED");
    let audited = entity::audit_event::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap();
    assert!(audited.is_empty(), "nothing ran: {audited:?}");
}

#[tokio::test]
async fn graphql_response_json_is_the_answer_to_its_own_media_type() {
    let app = TestApp::spawn().await;

    let ok = app.gql(None, "{ __typename }", json!({})).await;
    let invalid = app.gql(None, "{ nope }", json!({})).await;

    assert_eq!(ok.status, 200);
    assert!(content_type(&ok).starts_with(GRAPHQL_RESPONSE));
    assert_eq!(invalid.status, 400);
    assert_eq!(invalid.code(), "GRAPHQL_VALIDATION_FAILED");
    assert!(
        invalid.body.get("data").is_none(),
        "no data key: {:?}",
        invalid.body
    );
}

#[tokio::test]
async fn application_json_gets_json_and_200_for_well_formed_requests() {
    let app = TestApp::spawn().await;

    let send = |query: &'static str| {
        app.client
            .post(app.graphql_url())
            .header("accept", "application/json")
            .json(&json!({ "query": query }))
            .send()
    };
    let invalid = TestApp::read(send("{ nope }").await.unwrap()).await;
    let unparsable = TestApp::read(send("{ me ").await.unwrap()).await;
    let unnamed = TestApp::read(
        send("query A { me { id } } query B { me { id } }")
            .await
            .unwrap(),
    )
    .await;

    assert_eq!(invalid.status, 200);
    assert!(content_type(&invalid).starts_with("application/json"));
    assert_eq!(invalid.code(), "GRAPHQL_VALIDATION_FAILED");
    assert_eq!(unparsable.status, 200);
    assert_eq!(unparsable.code(), "GRAPHQL_PARSE_FAILED");
    assert!(unparsable.body.get("data").is_none());
    assert_eq!(unnamed.status, 200);
    assert_eq!(unnamed.code(), "OPERATION_NAME_REQUIRED");
}

#[tokio::test]
async fn a_client_that_accepts_anything_gets_application_json() {
    let app = TestApp::spawn().await;

    for accept in ["*/*", "application/*"] {
        let response = TestApp::read(
            app.client
                .post(app.graphql_url())
                .header("accept", accept)
                .json(&json!({ "query": "{ nope }" }))
                .send()
                .await
                .unwrap(),
        )
        .await;

        assert_eq!(response.status, 200, "{accept}");
        assert!(
            content_type(&response).starts_with("application/json"),
            "{accept}"
        );
    }
}

#[tokio::test]
async fn no_accept_header_means_application_json() {
    let app = TestApp::spawn().await;

    // An HTTP client always sends some Accept header, so speak HTTP/1.1 by hand.
    let body = r#"{"query":"{ __typename }"}"#;
    let request = format!(
        "POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream = tokio::net::TcpStream::connect(app.address.trim_start_matches("http://"))
        .await
        .unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let head = response.to_ascii_lowercase();

    assert!(head.starts_with("http/1.1 200"), "{response}");
    assert!(
        head.contains("content-type: application/json"),
        "{response}"
    );
}

#[tokio::test]
async fn an_unacceptable_media_type_is_refused_with_406() {
    let app = TestApp::spawn().await;

    let response = TestApp::read(
        app.client
            .post(app.graphql_url())
            .header("accept", "image/png")
            .json(&json!({ "query": "{ __typename }" }))
            .send()
            .await
            .unwrap(),
    )
    .await;

    assert_eq!(response.status, 406);
    assert_eq!(response.code(), "NOT_ACCEPTABLE");
}

#[tokio::test]
async fn a_browser_gets_graphiql() {
    let app = TestApp::spawn().await;

    let response = app
        .client
        .get(app.graphql_url())
        .header("accept", "text/html,application/xhtml+xml,*/*;q=0.8")
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let page = response.text().await.unwrap();
    assert!(page.contains("graphiql"));
    // Everything it loads comes from the service itself, with the subscription URL set.
    assert!(!page.contains("//unpkg") && !page.contains("cdn"), "{page}");
    assert!(page.contains("subscriptionUrl"));
    for asset in [
        "graphiql.min.js",
        "graphiql.min.css",
        "react.production.min.js",
        "react-dom.production.min.js",
    ] {
        assert!(page.contains(asset), "{asset}");
        let served = app
            .client
            .get(format!("{}/graphiql/3.9.0/{asset}", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(served.status(), 200, "{asset}");
        assert!(served.bytes().await.unwrap().len() > 5_000, "{asset}");
    }
}

#[tokio::test]
async fn graphiql_can_be_turned_off() {
    let app = TestApp::spawn_with(|c| c.graphiql = Some(false)).await;

    let page = app
        .client
        .get(app.graphql_url())
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    let asset = app
        .client
        .get(format!("{}/graphiql/3.9.0/graphiql.min.js", app.address))
        .send()
        .await
        .unwrap();

    assert_eq!(page.status(), 406);
    assert_eq!(asset.status(), 404);
}

async fn post_raw(
    app: &TestApp,
    content_type: &str,
    body: &'static str,
) -> shouhu_tests::GqlResponse {
    TestApp::read(
        app.client
            .post(app.graphql_url())
            .header("accept", GRAPHQL_RESPONSE)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn malformed_bodies_get_400_and_a_code_never_a_500() {
    let app = TestApp::spawn().await;

    let cases = [
        ("application/json", "{not json", 400, "BAD_REQUEST"),
        ("application/json", r#"{"query": 42}"#, 400, "BAD_REQUEST"),
        (
            "application/json",
            r#"{"variables": {}}"#,
            400,
            "BAD_REQUEST",
        ),
        (
            "application/json",
            r#"[{"query": "{ __typename }"}]"#,
            400,
            "BAD_REQUEST",
        ),
        (
            "application/json",
            r#"{"query": "{ __typename }", "variables": [1]}"#,
            400,
            "BAD_REQUEST",
        ),
        (
            "application/json",
            r#"{"query": "{ __typename }", "extensions": [1]}"#,
            400,
            "BAD_REQUEST",
        ),
        (
            "application/json",
            r#"{"query": "{ __typename }", "extensions": "yes"}"#,
            400,
            "BAD_REQUEST",
        ),
        (
            "text/plain",
            r#"{"query": "{ __typename }"}"#,
            415,
            "UNSUPPORTED_MEDIA_TYPE",
        ),
        (
            "application/json",
            r#"{"query": "query A { __typename }", "operationName": "B"}"#,
            400,
            "OPERATION_NOT_FOUND",
        ),
        (
            "application/json",
            r#"{"query": "query A { __typename } query B { __typename }"}"#,
            400,
            "OPERATION_NAME_REQUIRED",
        ),
    ];
    for (content_type, body, status, code) in cases {
        let response = post_raw(&app, content_type, body).await;
        assert_eq!(response.status, status, "{body}: {:?}", response.body);
        assert_eq!(response.code(), code, "{body}");
    }
}

#[tokio::test]
async fn variables_of_the_wrong_type_are_a_bad_request() {
    let app = TestApp::spawn().await;
    let tokens = app.login_as(Role::Teacher).await;

    let response = app
        .gql(
            Some(&tokens.access),
            "query($first: Int) { organizations(first: $first) { edges { cursor } } }",
            json!({ "first": "ten" }),
        )
        .await;

    assert_eq!(response.status, 400);
    assert_eq!(response.code(), "GRAPHQL_VALIDATION_FAILED");
}

#[tokio::test]
async fn an_oversized_body_is_refused_with_413() {
    let app = TestApp::spawn_with(|c| c.limits.max_body_bytes = 1024).await;
    let padding = " ".repeat(2048);

    let response = TestApp::read(
        app.client
            .post(app.graphql_url())
            .header("accept", GRAPHQL_RESPONSE)
            .json(&json!({ "query": format!("{{ __typename {padding} }}") }))
            .send()
            .await
            .unwrap(),
    )
    .await;

    assert_eq!(response.status, 413);
    assert_eq!(response.code(), "PAYLOAD_TOO_LARGE");
}

#[tokio::test]
async fn other_methods_are_refused_with_405() {
    let app = TestApp::spawn().await;

    let response = app.client.put(app.graphql_url()).send().await.unwrap();

    assert_eq!(response.status(), 405);
    assert_eq!(response.headers()["allow"], "GET, POST");
}
