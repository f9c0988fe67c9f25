//! Errors say whose fault they are, and responses have the shape the GraphQL spec gives them:
//! every malformed client value is `BAD_USER_INPUT` naming the argument (never
//! `INTERNAL_SERVER_ERROR`), a refused non-null root field nulls `data`, and keys follow the
//! selection order.

use serde_json::{Value, json};
use shouhu_tests::{Role, TestApp};

/// The keys of a JSON object, in the order the body had them.
fn keys(value: &Value) -> Vec<String> {
    value
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn malformed_values_of_every_type_are_bad_user_input_naming_the_argument() {
    let app = TestApp::spawn().await;
    let officer = app.login_as(Role::CivilAffairsOfficer).await;
    let long = "字".repeat(10_001);
    // (case, document, variables, the argument named in `extensions.field`; or, for a value
    // refused while the variables are validated, `None`: a validation error naming it in its
    // message).
    let cases: Vec<(&str, &str, Value, Option<&str>)> = vec![
        (
            "Int out of range",
            "{ children(first: 2147483648) { edges { cursor } } }",
            json!({}),
            Some("first"),
        ),
        (
            "Int out of range in a variable",
            "query($n: Int) { children(first: $n) { edges { cursor } } }",
            json!({ "n": 9_999_999_999u64 }),
            Some("first"),
        ),
        (
            "Int out of the page bounds",
            "{ children(first: -1) { edges { cursor } } }",
            json!({}),
            Some("first"),
        ),
        (
            "a date that is no date",
            r#"{ serviceActivities(filter: {from: "2026-13-45"}) { edges { cursor } } }"#,
            json!({}),
            Some("filter"),
        ),
        (
            "a datetime without an offset",
            r#"{ visits(filter: {from: "2026-01-01T00:00:00"}) { edges { cursor } } }"#,
            json!({}),
            Some("filter"),
        ),
        (
            "a datetime that is no datetime",
            "query($f: VisitFilter) { visits(filter: $f) { edges { cursor } } }",
            json!({ "f": { "until": "yesterday" } }),
            Some("filter"),
        ),
        (
            "an enum value that is no value",
            "query($s: [DropoutState!]) { dropoutCases(states: $s) { edges { cursor } } }",
            json!({ "s": ["NOT_A_STATE"] }),
            None,
        ),
        (
            "a NUL character in a filter",
            "query($n: String) { organizations(filter: {nameContains: $n}) { edges { cursor } } }",
            json!({ "n": "派出所\u{0}" }),
            Some("$n"),
        ),
        (
            "a NUL character written in the document",
            r#"{ organizations(filter: {nameContains: "a\u0000b"}) { edges { cursor } } }"#,
            json!({}),
            Some("filter"),
        ),
        (
            "oversized text",
            "query($n: String) { organizations(filter: {nameContains: $n}) { edges { cursor } } }",
            json!({ "n": long }),
            Some("$n"),
        ),
        (
            "a malformed id",
            r#"{ children(filter: {regionId: "not-an-id"}) { edges { cursor } } }"#,
            json!({}),
            Some("filter.regionId"),
        ),
        (
            "a malformed cursor",
            r#"{ children(after: "%%%") { edges { cursor } } }"#,
            json!({}),
            Some("after"),
        ),
    ];
    for (case, query, variables, field) in cases {
        let response = app.gql(Some(&officer.access), query, variables).await;
        let error = &response.body["errors"][0];
        match field {
            Some(field) => {
                assert_eq!(
                    response.code(),
                    "BAD_USER_INPUT",
                    "{case}: {:?}",
                    response.body
                );
                assert_eq!(error["extensions"]["field"], field, "{case}");
            }
            None => {
                assert_eq!(response.code(), "GRAPHQL_VALIDATION_FAILED", "{case}");
                assert_eq!(response.status, 400, "{case}");
                assert!(
                    error["message"].as_str().unwrap().contains("states"),
                    "{case}"
                );
            }
        }
    }
}

#[tokio::test]
async fn sign_in_and_a_receipt_with_a_nul_character_are_bad_user_input() {
    let app = TestApp::spawn().await;

    let login = app
        .gql(
            None,
            "mutation($u: String!) { login(input: {username: $u, password: \"whatever-password\"}) { accessToken } }",
            json!({ "u": "demo.teacher\u{0}" }),
        )
        .await;
    let receipt = app
        .gql(
            None,
            "query($r: String!) { reportStatus(receipt: $r) { state } }",
            json!({ "r": "R-\u{0}" }),
        )
        .await;

    assert_eq!(login.code(), "BAD_USER_INPUT", "{:?}", login.body);
    assert_eq!(receipt.code(), "BAD_USER_INPUT", "{:?}", receipt.body);
}

#[tokio::test]
async fn a_refused_non_null_root_field_nulls_data() {
    let app = TestApp::spawn().await;
    let analyst = app.login_as(Role::Analyst).await;

    let response = app
        .gql(
            Some(&analyst.access),
            "{ me { role } visits(first: 1) { edges { cursor } } }",
            json!({}),
        )
        .await;

    assert!(response.data().is_null(), "{:?}", response.body);
    assert!(response.body.as_object().unwrap().contains_key("data"));
    assert_eq!(response.code(), "FORBIDDEN");
    assert_eq!(response.body["errors"][0]["path"], json!(["visits"]));
}

#[tokio::test]
async fn a_refused_nested_field_is_null_in_its_place() {
    let app = TestApp::spawn().await;
    let teacher = app.login_as(Role::Teacher).await;

    let response = app
        .gql(
            Some(&teacher.access),
            "{ me { role } myPairedChildren(first: 2) { edges { node { name idNumber id } } } }",
            json!({}),
        )
        .await;

    let edges = response.data()["myPairedChildren"]["edges"]
        .as_array()
        .unwrap();
    assert!(!edges.is_empty());
    for edge in edges {
        assert_eq!(keys(&edge["node"]), ["name", "idNumber", "id"]);
        assert!(edge["node"]["idNumber"].is_null());
    }
    assert!(response.codes().iter().all(|c| c == "FORBIDDEN"));
}

#[tokio::test]
async fn keys_follow_the_selection_order_every_time() {
    let app = TestApp::spawn().await;
    let director = app.login_as(Role::ChildDirector).await;
    let query = "{ z: me { username role } regions { name code } a: me { role username } children(first: 5) { pageInfo { endCursor hasNextPage } edges { node { name residenceVillage { name code } id guardians { relation name } } } } m: me { organization { name kind } } }";

    for _ in 0..50 {
        let response = app.gql(Some(&director.access), query, json!({})).await;
        let data = response.data();
        assert_eq!(keys(data), ["z", "regions", "a", "children", "m"]);
        assert_eq!(keys(&data["z"]), ["username", "role"]);
        assert_eq!(keys(&data["a"]), ["role", "username"]);
        assert_eq!(keys(&data["children"]), ["pageInfo", "edges"]);
        assert_eq!(
            keys(&data["children"]["pageInfo"]),
            ["endCursor", "hasNextPage"]
        );
        for edge in data["children"]["edges"].as_array().unwrap() {
            assert_eq!(
                keys(&edge["node"]),
                ["name", "residenceVillage", "id", "guardians"]
            );
            for guardian in edge["node"]["guardians"].as_array().unwrap() {
                assert_eq!(keys(guardian), ["relation", "name"]);
            }
        }
    }
}

#[tokio::test]
async fn numbers_at_the_edge_of_their_type_are_refused_not_crashed_on() {
    let app = TestApp::spawn().await;
    let officer = app.login_as(Role::CivilAffairsOfficer).await;
    let child = app
        .gql(
            Some(&officer.access),
            "{ children(first: 1) { edges { node { id } } } }",
            json!({}),
        )
        .await
        .data()["children"]["edges"][0]["node"]["id"]
        .clone();

    let oldest = app
        .gql(
            Some(&officer.access),
            "query($f: ChildFilter) { children(filter: $f) { edges { cursor } } }",
            json!({ "f": { "minAge": 2_147_483_647 } }),
        )
        .await;
    let youngest = app
        .gql(
            Some(&officer.access),
            "query($f: ChildFilter) { children(filter: $f) { edges { cursor } } }",
            json!({ "f": { "maxAge": 357_913_941 } }),
        )
        .await;
    let last_version = app
        .gql(
            Some(&officer.access),
            "mutation($i: UpdateChildInput!) { updateChild(input: $i) { child { id } } }",
            json!({ "i": { "id": child, "version": 2_147_483_647, "grade": "3" } }),
        )
        .await;

    assert_eq!(oldest.code(), "BAD_USER_INPUT", "{:?}", oldest.body);
    assert_eq!(
        oldest.body["errors"][0]["extensions"]["field"],
        "filter.minAge"
    );
    assert_eq!(youngest.code(), "BAD_USER_INPUT", "{:?}", youngest.body);
    assert_eq!(last_version.code(), "CONFLICT", "{:?}", last_version.body);
}

#[tokio::test]
async fn a_refused_field_selected_twice_is_refused_once() {
    let app = TestApp::spawn().await;
    let teacher = app.login_as(Role::Teacher).await;

    let response = app
        .gql(
            Some(&teacher.access),
            "{ myPairedChildren(first: 1) { edges { node { idNumber idNumber name } } } }",
            json!({}),
        )
        .await;

    assert_eq!(response.codes(), ["FORBIDDEN"], "{:?}", response.body);
    let node = &response.data()["myPairedChildren"]["edges"][0]["node"];
    assert_eq!(keys(node), ["idNumber", "name"]);
}
