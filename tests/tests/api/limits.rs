//! Query limits: each refused with its own code, measured as the document expands (fragments
//! that spread each other twice over, connections times their page), and the introspection
//! query still served.

use serde_json::json;
use shouhu_tests::{Role, TestApp};

/// A document of `levels` fragments, each spreading the next twice, ending in `leaf` on
/// `on`: some hundred bytes that expand to 2^levels copies of the leaf.
fn doubling(root: &str, on: &str, leaf: &str, levels: usize) -> String {
    let mut document = format!("{{ {root} }}\n");
    for level in 0..levels {
        let next = level + 1;
        document.push_str(&format!(
            "fragment F{level} on {on} {{ ...F{next} ...F{next} }}\n"
        ));
    }
    document.push_str(&format!("fragment F{levels} on {on} {{ {leaf} }}\n"));
    document
}

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
    let app = TestApp::spawn_with(|c| c.limits.anonymous.max_aliases = 3).await;
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
    let tokens = app.login_as(Role::Teacher).await;

    let response = app
        .gql(
            Some(&tokens.access),
            "query { __typename ...F } fragment F on Query { me { username } regions { code } }",
            json!({}),
        )
        .await;

    assert_eq!(response.code(), "TOO_MANY_ROOT_FIELDS");
}

#[tokio::test]
async fn the_standard_introspection_query_is_served_under_default_limits() {
    let app = TestApp::spawn().await;
    let tokens = app.login_as(Role::Teacher).await;

    for token in [None, Some(tokens.access.as_str())] {
        let response = app.gql(token, INTROSPECTION, json!({})).await;

        assert_eq!(response.status, 200, "{:?}", response.body["errors"]);
        assert!(
            response.data()["__schema"]["types"]
                .as_array()
                .unwrap()
                .len()
                > 10
        );
    }
}

#[tokio::test]
async fn fragments_that_double_are_measured_as_they_expand() {
    let app = TestApp::spawn().await;
    let tokens = app.login_as(Role::Teacher).await;
    // 2^30 copies of `username` under `me`, in under 2 KB: refused before anything walks it.
    let on_me = doubling("me { ...F0 }", "Account", "username", 30);
    // Root fields that are all `__typename` are no introspection, and no way around the bound.
    let typenames = doubling("...F0", "Query", "__typename", 30);

    for (token, document, code) in [
        (Some(tokens.access.as_str()), &on_me, "QUERY_TOO_COMPLEX"),
        (None, &on_me, "QUERY_TOO_COMPLEX"),
        (None, &typenames, "TOO_MANY_ROOT_FIELDS"),
        (
            Some(tokens.access.as_str()),
            &typenames,
            "TOO_MANY_ROOT_FIELDS",
        ),
    ] {
        assert!(document.len() < 2048);
        let response = app.gql(token, document, json!({})).await;

        assert_eq!(response.status, 400, "{:?}", response.body);
        assert_eq!(response.code(), code);
    }
    // A few doublings are an ordinary document.
    let small = app
        .gql(
            Some(&tokens.access),
            &doubling("me { ...F0 }", "Account", "username", 3),
            json!({}),
        )
        .await;
    assert_eq!(small.data()["me"]["username"], "demo.teacher");
}

#[tokio::test]
async fn unused_fragments_count_too() {
    let app = TestApp::spawn().await;
    let tokens = app.login_as(Role::Teacher).await;
    // The executor's validation walks every fragment, used or not.
    let document = doubling("__typename", "Query", "__typename", 30);

    let response = app.gql(Some(&tokens.access), &document, json!({})).await;

    assert_eq!(response.code(), "QUERY_TOO_COMPLEX");
}

#[tokio::test]
async fn fragments_that_spread_themselves_or_nest_too_deep_are_refused() {
    let app = TestApp::spawn().await;
    let tokens = app.login_as(Role::Teacher).await;
    let cycle = "{ ...A } fragment A on Query { ...B } fragment B on Query { __typename ...A }";
    let mut chain = String::from("{ ...F0 }\n");
    for level in 0..40 {
        chain.push_str(&format!(
            "fragment F{level} on Query {{ ...F{} }}\n",
            level + 1
        ));
    }
    chain.push_str("fragment F40 on Query { __typename }\n");

    // Fragments doubling down to a spread of a fragment that does not exist: nothing to count
    // unless the unknown name is refused first.
    let mut unknown = String::from("{ ...F31 }\nfragment F0 on Query { ...Missing }\n");
    for level in 1..32 {
        unknown.push_str(&format!(
            "fragment F{level} on Query {{ ...F{0} ...F{0} }}\n",
            level - 1
        ));
    }

    let cycle = app.gql(Some(&tokens.access), cycle, json!({})).await;
    let chain = app.gql(Some(&tokens.access), &chain, json!({})).await;
    let unknown = app.gql(Some(&tokens.access), &unknown, json!({})).await;

    assert_eq!(cycle.code(), "GRAPHQL_VALIDATION_FAILED");
    assert_eq!(chain.code(), "QUERY_TOO_DEEP");
    assert_eq!(unknown.code(), "GRAPHQL_VALIDATION_FAILED");
}

#[tokio::test]
async fn a_connection_costs_its_page_whether_written_or_in_a_variable() {
    let app = TestApp::spawn().await;
    let tokens = app.login_as(Role::Teacher).await;
    let nested = "query($outer: Int, $inner: Int = 100) { children(first: $outer) { edges { node { \
                  visits(first: $inner) { edges { node { id visitedAt method } } } } } } }";

    let large = app
        .gql(Some(&tokens.access), nested, json!({ "outer": 100 }))
        .await;
    let small = app
        .gql(
            Some(&tokens.access),
            nested,
            json!({ "outer": 5, "inner": 5 }),
        )
        .await;

    // 100 children times 100 visits times 4 fields, and more.
    assert_eq!(large.code(), "QUERY_TOO_COMPLEX", "{:?}", large.body);
    assert!(small.body["errors"].is_null(), "{:?}", small.body);
}

#[tokio::test]
async fn callers_without_a_token_get_tighter_limits() {
    let app = TestApp::spawn().await;
    let tokens = app.login_as(Role::Teacher).await;
    let six =
        "{ a: __typename b: __typename c: __typename d: __typename e: __typename f: __typename }";

    let anonymous = app.gql(None, six, json!({})).await;
    let signed_in = app.gql(Some(&tokens.access), six, json!({})).await;

    assert_eq!(anonymous.code(), "TOO_MANY_ALIASES");
    assert_eq!(signed_in.status, 200, "{:?}", signed_in.body);
}

#[tokio::test]
async fn introspection_answers_at_most_one_copy_of_the_schema() {
    let app = TestApp::spawn().await;
    let tokens = app.login_as(Role::Teacher).await;
    let refused = [
        // A type's fields' types' fields: the schema times the fields of every type.
        "{ __schema { types { fields { type { fields { name } } } } } }",
        "{ __schema { types { interfaces { fields { name } } } } }",
        "{ __type(name: \"Child\") { fields { type { ofType { fields { name } } } } } }",
        // The whole schema twice.
        "{ a: __schema { types { name } } b: __schema { types { name } } }",
        "{ __schema { types { name } } ...S } fragment S on Query { __schema { types { name } } }",
    ];

    for document in refused {
        let response = app.gql(Some(&tokens.access), document, json!({})).await;

        assert_eq!(response.code(), "INTROSPECTION_TOO_LARGE", "{document}");
    }
    let deep = format!(
        "{{ __type(name: \"Child\") {{ {}name{} }} }}",
        "ofType { ".repeat(20),
        " }".repeat(20)
    );
    let deep = app.gql(Some(&tokens.access), &deep, json!({})).await;
    assert_eq!(deep.code(), "QUERY_TOO_DEEP");
}

#[tokio::test]
async fn production_keeps_introspection_from_callers_without_a_token() {
    let app = TestApp::spawn_with(|c| c.limits.anonymous_introspection = false).await;
    let tokens = app.login_as(Role::Teacher).await;

    let anonymous = app.gql(None, INTROSPECTION, json!({})).await;
    let typename = app.gql(None, "{ __typename }", json!({})).await;
    let signed_in = app
        .gql(Some(&tokens.access), INTROSPECTION, json!({}))
        .await;

    assert_eq!(anonymous.code(), "INTROSPECTION_DISABLED");
    assert_eq!(typename.data()["__typename"], "Query");
    assert_eq!(signed_in.status, 200, "{:?}", signed_in.body["errors"]);
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
