//! Filters and orders: a role filters, searches and sorts only by what it reads in full. The
//! matrix test reads the rights from the policy file and the argument types from the schema;
//! the spot checks below it do not read the policy file.

use std::collections::BTreeMap;

use sea_orm::Iterable;
use serde_json::{Value, json};
use shouhu::policy::Level;
use shouhu_tests::{Role, TestApp};

/// A type reference from introspection, as `[ChildStatus!]` would be written.
fn type_text(ty: &Value) -> String {
    match ty["kind"].as_str() {
        Some("NON_NULL") => format!("{}!", type_text(&ty["ofType"])),
        Some("LIST") => format!("[{}]", type_text(&ty["ofType"])),
        _ => ty["name"].as_str().unwrap_or_default().to_owned(),
    }
}

const TYPE_REF: &str =
    "type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }";

/// The argument types of Query's fields and the field types of input objects.
struct Types {
    arguments: BTreeMap<String, BTreeMap<String, Value>>,
    inputs: BTreeMap<String, BTreeMap<String, Value>>,
    enums: BTreeMap<String, Vec<String>>,
}

async fn types(app: &TestApp) -> Types {
    let query = format!(
        "{{ __schema {{ types {{ name kind enumValues {{ name }} inputFields {{ name {TYPE_REF} }} fields {{ name args {{ name {TYPE_REF} }} }} }} }} }}"
    );
    let response = app.gql(None, &query, json!({})).await;
    let mut found = Types {
        arguments: BTreeMap::new(),
        inputs: BTreeMap::new(),
        enums: BTreeMap::new(),
    };
    for ty in response.data()["__schema"]["types"].as_array().unwrap() {
        let name = ty["name"].as_str().unwrap().to_owned();
        match ty["kind"].as_str().unwrap() {
            "ENUM" => {
                let values = ty["enumValues"].as_array().unwrap();
                found.enums.insert(
                    name,
                    values
                        .iter()
                        .map(|v| v["name"].as_str().unwrap().to_owned())
                        .collect(),
                );
            }
            "INPUT_OBJECT" => {
                let fields = ty["inputFields"].as_array().unwrap();
                found.inputs.insert(
                    name,
                    fields
                        .iter()
                        .map(|f| (f["name"].as_str().unwrap().to_owned(), f["type"].clone()))
                        .collect(),
                );
            }
            "OBJECT" if name == "Query" => {
                for field in ty["fields"].as_array().unwrap() {
                    let args = field["args"].as_array().unwrap();
                    found.arguments.insert(
                        field["name"].as_str().unwrap().to_owned(),
                        args.iter()
                            .map(|a| (a["name"].as_str().unwrap().to_owned(), a["type"].clone()))
                            .collect(),
                    );
                }
            }
            _ => {}
        }
    }
    found
}

/// A value of the type that sets a filter (not its default).
fn sample(ty: &Value, enums: &BTreeMap<String, Vec<String>>) -> Value {
    match ty["kind"].as_str().unwrap() {
        "NON_NULL" => sample(&ty["ofType"], enums),
        "LIST" => json!([sample(&ty["ofType"], enums)]),
        "ENUM" => json!(enums[ty["name"].as_str().unwrap()][0]),
        _ => match ty["name"].as_str().unwrap() {
            "Boolean" => json!(true),
            "Int" => json!(7),
            "NaiveDate" => json!("2026-01-01"),
            "DateTime" => json!("2026-01-01T00:00:00+08:00"),
            _ => json!("x"),
        },
    }
}

#[tokio::test]
async fn every_filter_and_order_is_refused_exactly_where_the_role_does_not_read_it_in_full() {
    let app = TestApp::spawn().await;
    let policy = app.state.policy.clone();
    let types = types(&app).await;
    let mut refused_per_role = Vec::new();
    let mut checked = 0;
    for role in Role::iter() {
        let tokens = app.login_as(role).await;
        let mut refused = 0;
        for right in policy.argument_rights() {
            let Some(list) = right.list.strip_prefix("Query.") else {
                continue;
            };
            if policy.level("Query", list, Some(role)) == Level::None {
                continue;
            }
            let (argument, inner) = right
                .path
                .split_once('.')
                .map_or((right.path.as_str(), None), |(a, f)| (a, Some(f)));
            let argument_type = &types.arguments[list][argument];
            let value = match (&right.order_value, inner) {
                (Some(order), _) => json!(order),
                (None, Some(field)) => {
                    let input = type_text(argument_type);
                    let input = input.trim_end_matches('!');
                    json!({ field: sample(&types.inputs[input][field], &types.enums) })
                }
                (None, None) => sample(argument_type, &types.enums),
            };
            let query = format!(
                "query($v: {}) {{ {list}({argument}: $v) {{ edges {{ cursor }} }} }}",
                type_text(argument_type)
            );
            let response = app
                .gql(Some(&tokens.access), &query, json!({ "v": value }))
                .await;
            let forbidden_here = response.body["errors"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|e| {
                    e["extensions"]["code"] == "FORBIDDEN"
                        && e["extensions"]["field"] == right.path.as_str()
                });
            let expected = !policy.reads_in_full(Some(role), &right.reads);
            assert_eq!(
                forbidden_here,
                expected,
                "{role:?} {list}({}{}): {:?}",
                right.path,
                right
                    .order_value
                    .as_deref()
                    .map(|v| format!(": {v}"))
                    .unwrap_or_default(),
                response.body
            );
            if expected {
                assert!(response.data().is_null(), "nothing of the list is served");
                refused += 1;
            }
            checked += 1;
        }
        refused_per_role.push(format!("{role:?}: {refused}"));
    }
    assert!(checked > 300, "{checked} arguments checked");
    eprintln!(
        "filter and order arguments refused per role: {}",
        refused_per_role.join(", ")
    );
}

#[tokio::test]
async fn the_analyst_reads_no_child_rows_by_list_filter_record_or_node() {
    let app = TestApp::spawn().await;
    let analyst = app.login_as(Role::Analyst).await;
    let id = app
        .gql_as(
            Role::CivilAffairsOfficer,
            "{ children(first: 1) { edges { node { id } } } }",
            json!({}),
        )
        .await
        .data()["children"]["edges"][0]["node"]["id"]
        .clone();

    let listed = app
        .gql(
            Some(&analyst.access),
            r#"{ children(filter: {livingArrangements: [WITH_GRANDPARENTS]}) { totalCount edges { node { id } } } }"#,
            json!({}),
        )
        .await;
    let one = app
        .gql(
            Some(&analyst.access),
            "query($id: ID!) { child(id: $id) { id } }",
            json!({ "id": id }),
        )
        .await;
    let node = app
        .gql(
            Some(&analyst.access),
            "query($id: ID!) { node(id: $id) { id ... on Child { status } } }",
            json!({ "id": id }),
        )
        .await;
    let counted = app
        .gql(
            Some(&analyst.access),
            "{ childStatistics(level: PREFECTURE) { total } }",
            json!({}),
        )
        .await;

    assert_eq!(listed.code(), "FORBIDDEN", "{:?}", listed.body);
    assert!(listed.data().is_null(), "{:?}", listed.body);
    assert_eq!(one.code(), "FORBIDDEN", "{:?}", one.body);
    assert_eq!(one.data()["child"], Value::Null, "{:?}", one.body);
    assert_eq!(node.data()["node"], Value::Null, "{:?}", node.body);
    assert!(node.codes().is_empty(), "{:?}", node.body);
    let total = counted.data()["childStatistics"]["total"].as_u64();
    assert!(total.is_some_and(|n| n > 100), "{:?}", counted.body);
}

#[tokio::test]
async fn a_teacher_sorts_by_name_but_not_by_birth_date() {
    let app = TestApp::spawn().await;
    let teacher = app.login_as(Role::Teacher).await;

    let by_birth = app
        .gql(
            Some(&teacher.access),
            "{ children(orderBy: BIRTH_DATE) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    let by_name = app
        .gql(
            Some(&teacher.access),
            "{ children(orderBy: NAME) { edges { node { name } } } }",
            json!({}),
        )
        .await;

    assert_eq!(by_birth.code(), "FORBIDDEN");
    assert!(by_name.body["errors"].is_null(), "{:?}", by_name.body);
}

#[tokio::test]
async fn a_womens_federation_worker_cannot_find_visits_by_their_safety_finding() {
    let app = TestApp::spawn().await;
    let worker = app.login_as(Role::WomensFederationWorker).await;
    let director = app.login_as(Role::ChildDirector).await;
    let query = "{ visits(filter: {safetyConcern: true}) { edges { node { id } } } }";

    let worker_answer = app.gql(Some(&worker.access), query, json!({})).await;
    let director_answer = app.gql(Some(&director.access), query, json!({})).await;

    assert_eq!(worker_answer.code(), "FORBIDDEN");
    assert_eq!(
        worker_answer.body["errors"][0]["extensions"]["field"],
        "filter.safetyConcern"
    );
    assert!(director_answer.body["errors"].is_null());
}
