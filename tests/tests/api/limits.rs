//! Query limits: each refused with its own code, and the introspection query still served.

use serde_json::json;
use shouhu_tests::{Role, TestApp};

#[tokio::test]
async fn too_deep_a_query_is_refused() {
    let app = TestApp::spawn_with(|c| c.limits.max_depth = 4).await;
    let tokens = app.login_as(Role::Teacher).await;

    let response = app
        .gql(
            Some(&tokens.access),
            "{ regions { children { children { children { children { code } } } } } }",
            json!({}),
        )
        .await;

    assert_eq!(response.status, 400);
    assert_eq!(response.code(), "QUERY_TOO_DEEP");
}

#[tokio::test]
async fn too_complex_a_query_is_refused() {
    let app = TestApp::spawn_with(|c| c.limits.max_complexity = 5).await;
    let tokens = app.login_as(Role::Teacher).await;

    let response = app
        .gql(
            Some(&tokens.access),
            "{ regions { code name path level children { code name path level } } }",
            json!({}),
        )
        .await;

    assert_eq!(response.code(), "QUERY_TOO_COMPLEX");
}

#[tokio::test]
async fn too_many_aliases_are_refused() {
    let app = TestApp::spawn_with(|c| c.limits.max_aliases = 3).await;
    let query = format!(
        "{{ {} }}",
        (0..4)
            .map(|n| format!("a{n}: __typename"))
            .collect::<Vec<_>>()
            .join(" ")
    );

    let response = app.gql(None, &query, json!({})).await;

    assert_eq!(response.code(), "TOO_MANY_ALIASES");
}

#[tokio::test]
async fn too_many_root_fields_are_refused_even_through_fragments() {
    let app = TestApp::spawn_with(|c| c.limits.max_root_fields = 2).await;

    let response = app
        .gql(
            None,
            "query { __typename ...F } fragment F on Query { me { username } regions { code } }",
            json!({}),
        )
        .await;

    assert_eq!(response.code(), "TOO_MANY_ROOT_FIELDS");
}

#[tokio::test]
async fn the_standard_introspection_query_is_served_under_default_limits() {
    let app = TestApp::spawn().await;

    let response = app.gql(None, INTROSPECTION, json!({})).await;

    assert_eq!(response.status, 200, "{:?}", response.body["errors"]);
    assert!(
        response.data()["__schema"]["types"]
            .as_array()
            .unwrap()
            .len()
            > 10
    );
}

/// The query GraphiQL and most client tools send to read a schema.
const INTROSPECTION: &str = r#"
query IntrospectionQuery {
  __schema {
    queryType { name } mutationType { name } subscriptionType { name }
    types { ...FullType }
    directives { name description locations args { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description
  fields(includeDeprecated: true) {
    name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason
  }
  inputFields { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } }
}
"#;
