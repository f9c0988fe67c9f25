use shouhu_tests::TestApp;

#[tokio::test]
async fn healthz_answers_ok_with_a_request_id() {
    let app = TestApp::spawn().await;

    let response = app
        .client
        .get(format!("{}/healthz", app.address))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 200);
    let id = response
        .headers()
        .get("x-request-id")
        .expect("a request id");
    assert!(!id.to_str().unwrap().is_empty());
}

#[tokio::test]
async fn readyz_answers_ready_when_the_database_answers() {
    let app = TestApp::spawn().await;

    let response = app
        .client
        .get(format!("{}/readyz", app.address))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ready");
}

#[tokio::test]
async fn every_graphql_response_carries_a_distinct_request_id() {
    let app = TestApp::spawn().await;

    let first = app.gql(None, "{ __typename }", serde_json::json!({})).await;
    let second = app.gql(None, "{ __typename }", serde_json::json!({})).await;

    let id = |r: &shouhu_tests::GqlResponse| r.headers["x-request-id"].to_str().unwrap().to_owned();
    assert_ne!(id(&first), id(&second));
}
